"""The ``neorealism`` command line (typer + rich): a thin layer over :mod:`neorealism.api`.

Commands: ``run``, ``scenarios``, ``validate``, ``data …`` (real COW data),
``scenario from-data``, ``backtest``, ``scorecard`` (the model's stylized facts beside COW's),
``report`` and ``compare`` (offline HTML reports of runs), ``experiment list | show | run`` (the
theory's claims as hypothesis tests, :mod:`neorealism.experiments`), ``sweep`` and ``query``
(parameter sweeps on a process pool or Dask, DuckDB over any result; :mod:`neorealism.sweeps`).  Every user error is printed as one
clear message (no traceback) and exits with code 2.

Start-up is kept fast (``neorealism --help`` must answer in well under half
a second): this module imports only typer and the light :mod:`neorealism.api`
at import time; the engine, pandas, the result writer and rich's tables are
imported inside the commands that use them (``python benchmarks/cli_startup.py``
measures it).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup, TyperOption

from . import __version__, api
from .api import CHUNK_MEMORY_BYTES, DEFAULT_CHUNK_SIZE, initial_structure  # noqa: F401  (re-exported)
from .errors import NeorealismError, ParameterError

#: Exit code of every user error (bad option, bad scenario, refused output dir).
USER_ERROR = 2

#: Click's usage-error class as typer uses it (typer ≥ 0.2x vendors click; found via a public subclass).
_USAGE_ERRORS: tuple[type[Exception], ...] = tuple(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)

#: How the command line names the arguments of :mod:`neorealism.api` in messages.
OPTION_NAMES: dict[str, str] = {
    "worlds": "--worlds", "years": "--years", "seed": "--seed", "chunk_size": "--chunk-size",
    "states": "--states", "out": "--out", "overwrite": "--overwrite", "overrides": "--set",
}

#: Seconds between two plain progress lines when stderr is not a terminal.
PROGRESS_INTERVAL = 5.0


class _Group(TyperGroup):
    """Top-level group, and the one error handler: user errors anywhere below become one line on stderr and exit 2."""

    def get_help_option(self, ctx: Any) -> Any:
        # typer ≥ 0.2x coerces every option through a pydantic TypeAdapter, even the group's --help
        # left unset when a subcommand is asked for help (`neorealism run --help`): importing
        # pydantic for that costs a fifth of a second.  A bool flag needs no coercion.
        opt = super().get_help_option(ctx)
        if opt is not None and getattr(opt, "_runtime_param", False) is None:
            with contextlib.suppress(Exception):  # private typer API: without it, only slower
                from typer._coercion import PassThroughRuntimeParam

                opt._runtime_param = PassThroughRuntimeParam(
                    annotation=bool, parameter_info=opt.type_descriptor.parameter_info
                )
        return opt

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except NeorealismError as exc:
            _error(api.error_text(exc, OPTION_NAMES))
            raise typer.Exit(USER_ERROR) from None
        except _USAGE_ERRORS as exc:
            # bad option values, unknown options, missing arguments: one line, not a framed panel
            hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
            text = " ".join(exc.format_message().split()).replace("Value error, ", "")  # typer's pydantic wording
            _error(f"{text}{hint}")
            raise typer.Exit(USER_ERROR) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # the reader went away (e.g. `| head`): stop quietly, as Unix tools do
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except OSError as exc:
            _error(_os_error_text(exc))
            raise typer.Exit(USER_ERROR) from None
        except MemoryError as exc:
            _error(_memory_error_text(exc, ctx))
            raise typer.Exit(USER_ERROR) from None


def _error(text: str) -> None:
    """Print a user error on stderr: ``error: …``, control characters escaped (a message may quote a file)."""
    from .formatting import safe_text

    typer.echo(f"error: {safe_text(text, lines=True)}", err=True)


def _os_error_text(exc: OSError) -> str:
    """An OS error in one line, naming the path it concerns (as the user gave it, when it came from an option)."""
    what = exc.strerror or type(exc).__name__
    paths = [str(p) for p in (getattr(exc, "filename", None), getattr(exc, "filename2", None)) if p is not None]
    detail = "" if exc.strerror or not str(exc) else f" ({' '.join(str(exc).split())})"
    where = f": {' -> '.join(paths)}" if paths else ""
    return f"{what}{where}{detail}"


def _memory_error_text(exc: MemoryError, ctx: Any) -> str:
    """A MemoryError as one line: what ran out (numpy says how much it asked for) and what to lower."""
    asked = re.search(r"allocate ([\d.]+ \w+)", str(exc))
    need = f" (an array of {asked.group(1)} could not be allocated)" if asked else ""
    sub = getattr(ctx, "invoked_subcommand", None)
    hint = (
        "lower --chunk-size or --worlds, or keep fewer state rows with --states ends (or none)"
        if sub in (None, "run") else "free some memory or ask for less data"
    )
    return f"not enough memory for this {f'`{sub}` ' if sub else ''}command{need}; {hint}"


def _no_bool_for_flags(display_type_rich: Any) -> Any:
    """Typer ≥ 0.2x prints ``<bool>`` beside every flag (``--overwrite <bool>``, ``--help <bool>``): show nothing."""

    def display(self: TyperOption, ctx: Any) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return display_type_rich(self, ctx)

    display.__wrapped__ = display_type_rich  # type: ignore[attr-defined]
    return display


if not hasattr(TyperOption.display_type_rich, "__wrapped__"):
    TyperOption.display_type_rich = _no_bool_for_flags(TyperOption.display_type_rich)  # type: ignore[method-assign]


app = typer.Typer(
    name="neorealism",
    cls=_Group,
    help="Structural realism (Waltz 1979) as a batch agent-based model, with Correlates of War data.",
    epilog="Start with `neorealism scenarios`, then `neorealism run bipolar`. "
    "User errors print one message and exit with code 2.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Sub-applications are mounted from their own modules (one module per concept).
from .data.cli import data_app, register_backtest, scenario_app  # noqa: E402

app.add_typer(data_app, name="data")
app.add_typer(scenario_app, name="scenario")
register_backtest(app)
from .experiments.cli import experiment_app  # noqa: E402

app.add_typer(experiment_app, name="experiment")
from .sweeps.cli import register as register_sweeps  # noqa: E402

register_sweeps(app)
from .dashboard.cli import register as register_dashboard  # noqa: E402

register_dashboard(app)


def main() -> None:  # pragma: no cover - entry point
    app()


# --------------------------------------------------------------------------- root options


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"neorealism {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Structural realism (Waltz 1979) as a batch agent-based model, with Correlates of War data.

    Start with `neorealism scenarios` (built-in systems), then
    `neorealism run bipolar` (simulate one and print a summary).
    """


# --------------------------------------------------------------------------- helpers


def _stderr_is_terminal() -> bool:
    """Show a progress bar only to a person watching (not under CI, pipes or redirection)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _console(**kw: Any) -> Any:
    """A rich console for stdout; long lines wrap at words on a terminal and stay whole in a pipe."""
    from rich.console import Console

    con = Console(highlight=False, **kw)
    con.soft_wrap = not con.is_terminal
    return con


from .formatting import num as _num  # noqa: E402,F401  (light: no numpy)
from .formatting import pct as _pct  # noqa: E402
from .formatting import safe_text  # noqa: E402

#: The help of every `--set` option (run, validate).
_SET_HELP = (
    "Override one value of the scenario: a parameter under params (the prefix is optional), "
    "e.g. --set war.offense_defense=1.5, or years, worlds, seed, start_year. Repeatable. VALUE is "
    "read like a value in a scenario file and validated the same way (see `neorealism scenarios --params`)."
)

SetOption = Annotated[
    list[str] | None, typer.Option("--set", metavar="PATH=VALUE", help=_SET_HELP, show_default=False)
]


class States(StrEnum):
    """What ``run --states`` keeps of the state rows (:data:`neorealism.api.STATES_RECORDED`)."""

    all = "all"
    ends = "ends"
    none = "none"


# --------------------------------------------------------------------------- run


class _Progress:
    """A run's progress on stderr: a bar on a terminal, else a plain line every :data:`PROGRESS_INTERVAL` seconds.

    Once every world is simulated the bar gives way to a "writing results"
    stage (the last tables are finished and published), so a long run never
    shows a bar stuck at 100%.
    """

    def __init__(self, name: str, total: int, terminal: bool):
        self.name, self.total, self.terminal = safe_text(name), max(1, total), terminal
        self.done = 0
        self.t0 = self.last = time.perf_counter()
        self.printed = False
        self._bar: Any = None
        self._task: Any = None
        self._status: Any = None
        self._console: Any = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._status is not None:
            self._status.stop()
        if self._bar is not None:
            self._bar.stop()

    def stage(self, stage: str) -> None:
        if stage == "simulating":
            self.t0 = self.last = time.perf_counter()
            if self.terminal:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                    TimeRemainingColumn,
                )

                self._console = Console(stderr=True)
                self._bar = Progress(
                    TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("world-years"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=self._console, transient=True,
                )
                from rich.markup import escape

                self._task = self._bar.add_task(escape(self.name), total=self.total)  # the column reads markup
                self._bar.start()
        elif stage == "writing results":
            if self._bar is not None:
                self._bar.stop()
                self._bar = None
                from rich.markup import escape

                self._status = self._console.status(f"{escape(self.name)}: writing results…")
                self._status.start()
            elif self.printed:
                self._line(f"{self.name}: all {self.total:,} world-years simulated; writing results…")

    def advance(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.advance(self._task, n)
            return
        now = time.perf_counter()
        if not self.terminal and now - self.last >= PROGRESS_INTERVAL and self.done < self.total:
            self.last = now
            elapsed = now - self.t0
            left = elapsed * (self.total - self.done) / self.done if self.done else math.nan
            self._line(
                f"{self.name}: {self.done / self.total:.0%} ({self.done:,} of {self.total:,} world-years), "
                f"{elapsed:,.0f} s elapsed, about {left:,.0f} s left"
            )

    def _line(self, text: str) -> None:
        self.printed = True
        typer.echo(text, err=True)


@app.command()
def run(
    scenario: Annotated[
        str,
        typer.Argument(
            metavar="SCENARIO_OR_FILE",
            help="A built-in scenario name (see `neorealism scenarios`) or a path to a scenario .yaml file.",
            show_default=False,
        ),
    ],
    worlds: Annotated[
        int | None,
        typer.Option("--worlds", "-r", help="Independent worlds R (≥ 1); default: the scenario's `worlds`.",
                     show_default=False),
    ] = None,
    years: Annotated[
        int | None,
        typer.Option("--years", "-t", help="Years T to simulate (≥ 1); default: the scenario's `years`.",
                     show_default=False),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", "-s", help="Root seed (≥ 0); same seed, same worlds; default: the scenario's `seed`.",
                     show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Result directory; default: results/<scenario>-seed<S> in the current "
                     "directory.", show_default=False, file_okay=False),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace a previous result in the output directory (also recompute an "
                     "identical earlier run)."),
    ] = False,
    chunk_size: Annotated[
        int | None,
        typer.Option("--chunk-size", help=f"Worlds simulated together in memory (≥ 1; default {DEFAULT_CHUNK_SIZE}, "
                     f"lowered so that a chunk stays within {CHUNK_MEMORY_BYTES >> 30} GiB); results do not depend on it.",
                     show_default=False),
    ] = None,
    states: Annotated[
        States,
        typer.Option("--states", help="State rows to keep: all (every year), ends (first and last year only: "
                     "survival and turnover), none (no state rows). Only the states table shrinks: the system table "
                     "(one row per world-year) and the events are always kept in full, so 100,000 worlds × 200 years "
                     "still write a system table of hundreds of MB."),
    ] = States.all,
    sets: SetOption = None,
    report: Annotated[
        bool,
        typer.Option("--report", help="Also write an offline HTML report of the result: DIR/report.html and its "
                     "figures in DIR/report/ (as `neorealism report DIR`; also when an identical run is re-used)."),
    ] = False,
) -> None:
    """Simulate a scenario and write states, system and events tables (Parquet) plus a manifest.

    Prints a summary: polarity over time, wars, state deaths, great-power
    survival, concentration (CON, HHI) and where the results are.  Read
    them back with `neorealism.results.ResultSet.load(DIR)`.

    Running the same command again is safe: runs are deterministic (same
    scenario with its --set overrides, seed, worlds, years, --states,
    package version and model code give identical tables, whatever the
    chunk size), so when the output directory already holds the complete
    result of exactly this run, it is re-used — its summary is printed and
    nothing is recomputed (--overwrite recomputes).  A directory holding a
    different run, or being written by another run, is refused (exit 2).
    An interrupted run (killed, Ctrl-C, SIGTERM, SIGHUP) resumes from its
    finished chunks when the same command is run again.
    """
    mode = states.value
    # the scenario as run (for the progress line); run_to_dir applies the same overrides again (they
    # are idempotent) and records them in the manifest
    sc = api.prepare(scenario, worlds=worlds, years=years, seed=seed, overrides=sets)
    if report:  # a report that could not be written is refused before the run
        from .report import check_report_paths

        check_report_paths(out if out is not None else api.default_out_dir(sc))
    prog = _Progress(sc.name, sc.worlds * sc.years, _stderr_is_terminal())

    def stage(name: str) -> None:
        if name == "simulating" and chunk_size is not None:
            size = api.chunk_size_for(sc, mode, chunk_size)
            if size < chunk_size:
                typer.echo(
                    f"note: --chunk-size {chunk_size} lowered to {size} so that a chunk of {sc.years} years × "
                    f"{sc.n_states} states stays within {api.CHUNK_MEMORY_BYTES >> 30} GiB of memory "
                    "(results are the same)",
                    err=True,
                )
        prog.stage(name)

    try:
        with _terminate_cleanly(), prog:
            outcome = api.run_to_dir(
                sc, out, states=mode, chunk_size=chunk_size, overwrite=overwrite, overrides=sets,
                progress=prog.advance, stage=stage,
            )
    except BaseException as exc:
        # SIGINT, SIGTERM and SIGHUP alike: the writer has removed its temp files and released the lock.
        # A signal that arrives inside a library (e.g. Numba loading a cached kernel) may come back
        # wrapped in that library's own error: look for it along the chain of causes.
        import signal

        hit = _interrupt_in(exc)
        if hit is None:
            raise
        signum = hit.signum if isinstance(hit, _Terminated) else signal.SIGINT
        where = out if out is not None else api.default_out_dir(sc)
        kept = (where / ".partial").is_dir()
        note = f"; the finished chunks are kept in {where}/: run the same command again to resume" if kept else ""
        typer.echo(f"interrupted ({signal.Signals(signum).name}){note}", err=True)
        raise typer.Exit(128 + signum) from None
    _print_summary(outcome.summary(), outcome.path)
    if report:
        _write_report(outcome.path)


def _interrupt_in(exc: BaseException | None) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt (Ctrl-C, or :class:`_Terminated`) that ``exc`` is or was caused by, if any."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like SIGINT's KeyboardInterrupt so that the same clean-up runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _terminate_cleanly() -> Any:
    """While a run writes, SIGTERM and SIGHUP raise :class:`_Terminated` (exit 128 + signal, as SIGINT's 130)."""
    import signal

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated(signum)

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError, AttributeError):  # not the main thread, or no SIGHUP
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, h in previous.items():
            signal.signal(sig, h)


def _print_summary(s: dict[str, Any], out_dir: Path, width: int | None = None) -> None:
    """Print a run's summary (:meth:`neorealism.api.RunOutcome.summary`); a re-used result is marked as such."""
    from rich.table import Table

    con = _console(width=width)
    first, last = s["years"] if s.get("years") else (None, None)
    elapsed, n_worlds, n_years = s.get("elapsed"), int(s["n_worlds"]), int(s["n_years"])
    if elapsed is not None:
        world_years = n_worlds * n_years
        state_years = world_years * int(s["n_states"])
        wy, sy = (world_years / elapsed, state_years / elapsed) if elapsed > 0 else (math.inf, math.inf)
        timing = f"  ({elapsed:.1f} s, {wy:,.0f} world-years/s, {sy:,.0f} state-years/s)"
    else:
        timing = ""
    con.print(
        f"{safe_text(s['name'])}: {n_worlds:,} world(s) × {n_years:,} simulated year(s), seed {s['seed']}"
        + (f", years {first}–{last} (year {first} = the initial state)" if first is not None else "")
        + timing,
        markup=False,
    )
    if s.get("overrides"):
        given = s["overrides"]
        items = [f"{k}={v}" for k, v in given.items()] if isinstance(given, dict) else list(given)
        con.print(safe_text("Overrides: " + "  ".join(f"--set {i}" for i in items)), markup=False)
    if s.get("reused"):
        con.print(
            f"Re-used: {safe_text(out_dir)}/ already holds this identical run (same {_identity_text()}; "
            f"created {s.get('created') or '?'}); runs are deterministic, so it was not recomputed. "
            "Give --overwrite to recompute it.",
            markup=False,
        )
    if not s.get("years"):
        con.print("no rows were produced", markup=False)
        return
    labels = ("unipolar", "bipolar", "multipolar", "nonpolar")
    table = Table(title="Polarity (share of worlds)", title_justify="left", box=None, pad_edge=False)
    table.add_column("year", justify="right", no_wrap=True)
    for label in labels:
        table.add_column(label, justify="right", no_wrap=True, min_width=6)
    for row in s["polarity"]:
        table.add_row(str(row["year"]), *(_pct(row[k]) for k in labels))
    con.print(table)
    lines = [*s.get("lines", ()), f"Results: {out_dir}/ (manifest.json; states, system and events tables as "
             "checksummed Parquet chunks in data-*/)"]
    for line in lines:
        con.print(safe_text(line), markup=False)  # mechanisms' lines name states; the path is the user's


def _identity_text() -> str:
    """What makes two runs the same run, in words: every part of :func:`results.run_identity`."""
    from .results import IDENTITY_LABELS, run_identity

    parts = [IDENTITY_LABELS[k] for k in run_identity({})]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


# --------------------------------------------------------------------------- scenarios


@app.command()
def scenarios(
    params: Annotated[
        bool,
        typer.Option("--params", help="List every scenario parameter with its default, allowed range and meaning."),
    ] = False,
    markdown: Annotated[
        bool,
        typer.Option("--markdown", help="With --params: print the reference as Markdown (the text of "
                     "docs/parameters.md)."),
    ] = False,
    show: Annotated[
        str | None,
        typer.Option("--show", metavar="NAME", show_default=False,
                     help="Print built-in scenario NAME as a complete YAML file (every parameter written out) to "
                     "save and edit: `neorealism scenarios --show multipolar > my.yaml`."),
    ] = None,
) -> None:
    """List the built-in scenarios, print one as YAML (--show NAME), or (with --params) every parameter a scenario can set."""
    if markdown and not params:
        raise ParameterError("--markdown only applies together with --params")
    if show is not None and params:
        raise ParameterError("--show and --params: give one of them")
    if show is not None:
        _print_builtin_yaml(show)
        return
    if params:
        _print_params(markdown)
        return
    from rich.table import Table
    from rich.text import Text

    from .scenario import builtin_names, load_builtin

    names = builtin_names()
    con = _console()
    if not names:
        con.print("no built-in scenarios are installed", markup=False)
        return
    # the description column takes what the terminal's width leaves (it wraps; the others do not)
    table = Table(title="Built-in scenarios (run one with `neorealism run NAME`)", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("states", justify="right", no_wrap=True)
    table.add_column("great powers at start", justify="right")
    table.add_column("description", ratio=1, min_width=12, overflow="fold")

    for name in names:
        sc = load_builtin(name)
        st = api.initial_structure(sc)
        desc = first_sentence(sc.description)
        table.add_row(
            Text(safe_text(name)), str(sc.n_states), Text(f"{st['n_great_powers']} ({st['polarity']})"),
            Text(safe_text(desc)),
        )
    con.print(table)
    con.print("Full description and every parameter of one: `neorealism scenarios --show NAME`", markup=False)


#: Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = ("e.g.", "i.e.", "cf.", "etc.", "vs.", "c.", "ca.", "approx.", "no.", "fig.", "ch.", "al.")


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (whitespace collapsed); the whole text when it has one sentence.

    A sentence ends at ``.``, ``!`` or ``?`` followed by a space and a capital
    letter or digit, outside parentheses and not after an abbreviation
    (``e.g.``) or an initial (``J.``).
    """
    words = text.split()
    depth = 0
    for i, word in enumerate(words[:-1]):
        depth = max(0, depth + word.count("(") - word.count(")"))
        nxt = words[i + 1]
        if depth or not word.endswith((".", "!", "?")) or not (nxt[0].isupper() or nxt[0].isdigit()):
            continue
        if word.lower().lstrip("(\"'") in _ABBREVIATIONS or re.fullmatch(r"[A-Z]\.", word):
            continue
        return " ".join(words[: i + 1])
    return " ".join(words)


def _print_builtin_yaml(name: str) -> None:
    """Print a built-in scenario as complete YAML (reads back equal to the built-in)."""
    from .scenario import builtin_names, load_builtin

    names = builtin_names()
    if name not in names:
        raise ParameterError(f"--show {name!r}: no built-in scenario of that name; {api.did_you_mean(name, names)}"
                             f"allowed {', '.join(names)}")
    sc = load_builtin(name)
    typer.echo(
        f"# Built-in scenario '{name}' (neorealism {__version__}), every parameter written out.\n"
        "# Save it (`neorealism scenarios --show NAME > my.yaml`), rename it (name: …) so that its results get\n"
        "# their own directory, edit it, check it with `neorealism validate my.yaml` and run it with\n"
        "# `neorealism run my.yaml`.  Every parameter's meaning and range: `neorealism scenarios --params`.\n"
        + sc.to_yaml(complete=True),
        nl=False,
    )


def _print_params(markdown: bool) -> None:
    from .paramdoc import iter_fields, param_groups, parameters_markdown
    from .scenario import Scenario, StateSpec

    if markdown:
        typer.echo(parameters_markdown(), nl=False)
        return

    def block(title: str, doc: str, rows: list[Any]) -> None:
        typer.echo(title)
        if doc:
            typer.echo(f"  {doc}")
        for p in rows:
            typer.echo(f"  {p.path} = {p.default}   allowed: {p.allowed}")
            if p.description:
                typer.echo(f"      {p.description}")
        typer.echo("")

    def first_line(model: Any) -> str:
        return (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""

    block("Scenario", first_line(Scenario), list(iter_fields(Scenario, recurse=False)))
    block("Each state (entries of `states`)", first_line(StateSpec), list(iter_fields(StateSpec, "states[].", recurse=False)))
    for name, model, rows in param_groups():
        block(f"params.{name}", first_line(model), rows)
    typer.echo("Intervals: [ ] inclusive, ( ) exclusive.  Full reference: docs/parameters.md")


# --------------------------------------------------------------------------- validate


@app.command()
def validate(
    file: Annotated[
        str,
        typer.Argument(metavar="FILE", help="Scenario .yaml file (or a built-in name) to check.", show_default=False),
    ],
    sets: SetOption = None,
) -> None:
    """Check a scenario file: print "ok: …" or every problem (field, bad value, allowed range); exit 2 if invalid."""
    sc = api.with_overrides(file, sets)
    st = api.initial_structure(sc)
    typer.echo(
        f"ok: {safe_text(sc.name)}" + (f" with {len(sets)} --set override(s)" if sets else "")
        + f", {sc.n_states} states, {st['n_great_powers']} great power(s) at start "
        f"({st['polarity']}), {len(sc.alliances)} alliance(s), "
        f"{sc.worlds} world(s) × {sc.years} year(s) from {sc.start_year}, seed {sc.seed}"
    )


# --------------------------------------------------------------------------- scorecard


class ScoreFormat(StrEnum):
    """What ``scorecard --format`` prints."""

    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def scorecard(
    worlds: Annotated[
        int | None, typer.Option("--worlds", "-r", help="Worlds per scenario (≥ 1; default 200).", show_default=False)
    ] = None,
    years: Annotated[
        int | None, typer.Option("--years", "-t", help="Years per scenario (≥ 1; default 200).", show_default=False)
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", "-s", help="Root seed (≥ 0) of the runs and of every bootstrap: same seed, "
                                 "same card (default 0).", show_default=False)
    ] = None,
    fmt: Annotated[
        ScoreFormat, typer.Option("--format", help="table (plain text when piped), csv or json.")
    ] = ScoreFormat.table,
    png: Annotated[
        Path | None,
        typer.Option("--png", metavar="PATH", help="Also write a PNG: each fact's model interval beside COW's.",
                     show_default=False, dir_okay=False),
    ] = None,
    sets: SetOption = None,
) -> None:
    """Run the built-in multipolar, bipolar and unipolar scenarios and score their stylized facts against COW.

    Eight facts, each with a 95% interval on both sides and marked in/out of
    COW's interval: great-power wars per century, the initiator's share of
    decided wars, state deaths per state-century, the tail exponent of war
    sizes, wars whose initiator expected a loss, HHI drift with war off,
    balancing against rising states, exits from unipolarity.  The
    multipolar era (1816–1945) is the calibration era; bipolar and unipolar
    rows are out of sample.  --set applies to every scenario.  See
    docs/scorecard.md.
    """
    from . import scorecard as sc_mod
    from .output import check_out_file

    # every bad input is refused before the runs: the run settings, the overrides, the PNG's path
    sc_mod.structure_scenarios(worlds, years, seed, sets)
    if png is not None:
        check_out_file(png, option="--png")

    loud = _stderr_is_terminal()

    def progress(text: str) -> None:
        if loud:
            typer.echo(f"scorecard: running {safe_text(text)}…", err=True)

    card = sc_mod.scorecard(worlds=worlds, years=years, seed=seed, overrides=sets, progress=progress)
    if png is not None:
        card.plot(png)
        typer.echo(f"wrote {safe_text(png)}", err=True)
    if fmt == ScoreFormat.csv:
        typer.echo(card.to_csv(), nl=False)
    elif fmt == ScoreFormat.json:
        typer.echo(card.to_json(), nl=False)
    else:
        _print_scorecard(card)


# --------------------------------------------------------------------------- report, compare


def _write_report(result_dir: Path, out: Path | None = None) -> None:
    """Write a result's HTML report (:func:`neorealism.report.write_report`) and say where it is."""
    from .report import write_report

    files = write_report(result_dir, out=out)
    typer.echo(f"Report: {safe_text(files.html)} ({len(files.pngs)} figure(s) also in {safe_text(files.png_dir)}/)")
    for note in files.notes:
        typer.echo(f"note: {safe_text(note)}", err=True)


ResultDirArgument = Annotated[
    Path,
    typer.Argument(metavar="DIR", help="A result directory written by `neorealism run`.", show_default=False),
]


@app.command("report")
def report_cmd(
    result_dir: ResultDirArgument,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE.html", help="Write the page here instead of DIR/report.html; its "
                     "figures go into the folder of the same name without .html.", show_default=False, dir_okay=False),
    ] = None,
) -> None:
    """Write an offline, self-contained HTML report of a result: DIR/report.html, its figures also in DIR/report/.

    What was run and its headline numbers, power shares over time, polarity
    and CON with intervals across worlds, a timeline of wars, alliances and
    state deaths, and the survival of great powers and minor states.  A run
    kept with --states ends or none shows what its tables allow and says
    what it leaves out.  See docs/reports.md.
    """
    _write_report(result_dir, out)


@app.command()
def compare(
    dir_a: Annotated[Path, typer.Argument(metavar="DIR_A", help="The first result directory (A).", show_default=False)],
    dir_b: Annotated[Path, typer.Argument(metavar="DIR_B", help="The second result directory (B).", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE.html", help="The HTML comparison; default: "
                     "compare-<DIR_A's name>-vs-<DIR_B's name>.html in the current directory.",
                     show_default=False, dir_okay=False),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", "-s", help="Seed of the bootstrap (≥ 0): same seed, same intervals.")
    ] = 0,
) -> None:
    """Put two results side by side: per-world outcomes of A and B, B − A and its 95% bootstrap interval.

    Outcomes (neorealism.outcomes): wars, great-power wars and state deaths
    per world-century, great-power survival, final CON and HHI, mean arms
    burden of the living states, alliances formed per world-century, each
    pooled over the run's worlds.  The worlds of each
    run are resampled independently (1000 replicates, seeded).  Prints the
    table and writes an HTML page (see --out).  See docs/reports.md.
    """
    from .output import check_out_file
    from .report import compare as compare_runs
    from .report import default_compare_path

    if seed < 0:
        raise ParameterError(f"--seed {seed}: allowed ≥ 0")
    target = out if out is not None else default_compare_path(dir_a, dir_b)
    check_out_file(target, option="--out")
    cmp = compare_runs(dir_a, dir_b, seed=seed)
    _print_comparison(cmp)
    cmp.write(target)
    typer.echo(f"Comparison: {safe_text(target)}")


def _print_comparison(cmp: Any, width: int | None = None) -> None:
    """The comparison as a table: coloured on a terminal, plain text (no box, no colour) in a pipe."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    con = _console(width=width)
    if not con.is_terminal and width is None:
        con = _console(width=200)
    for side, info in (("A", cmp.a), ("B", cmp.b)):
        ov = info.get("overrides")
        items = ([f"{k}={v}" for k, v in ov.items()] if isinstance(ov, dict) else list(ov)) if ov else []
        con.print(safe_text(
            f"{side}: {info['name']}, {info['worlds']:,} worlds × {info['years']:,} years, seed {info['seed']}, "
            f"state rows {info['states_recorded']}" + (f", --set {' --set '.join(items)}" if items else "")
            + f"  ({info['path']})"
        ), markup=False, highlight=False)
    table = Table(title=f"B − A: pooled over worlds [{cmp.settings['level']:.0%} bootstrap interval]",
                  title_justify="left", box=box.SIMPLE_HEAD if con.is_terminal else None, pad_edge=False)
    for col, justify in (("outcome", "left"), ("A", "right"), ("B", "right"), ("B − A", "right"), ("", "left")):
        table.add_column(col, justify=justify, overflow="fold")
    colour = {"B > A": "green", "B < A": "red"}
    for cells in cmp.table_rows():
        *text, verdict = cells
        table.add_row(*(Text(safe_text(c)) for c in text), Text(verdict, style=colour.get(verdict, "")))
    con.print(table)
    for r in cmp.rows:
        if r.note:
            con.print(safe_text(f"  {r.label}: n/a ({r.note})"), markup=False, highlight=False)
    for n in cmp.notes:
        con.print(safe_text(f"  {n}"), markup=False, highlight=False)


def _print_scorecard(card: Any, width: int | None = None) -> None:
    """The scorecard as a table: coloured on a terminal, plain text (no box, no colour) in a pipe."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from .scorecard import table_rows

    con = _console(width=width)
    if not con.is_terminal and width is None:
        con = _console(width=200)
    s = card.settings
    table = Table(
        title=f"Model scorecard: {s['worlds']:,} worlds × {s['years']:,} years per scenario, seed {s['seed']}, "
        f"{s['level']:.0%} intervals",
        title_justify="left", box=box.SIMPLE_HEAD if con.is_terminal else None, pad_edge=False,
    )
    for col, justify in (("fact", "left"), ("structure", "left"), ("sample", "left"), ("model [interval]", "right"),
                         ("model n", "left"), ("COW [interval]", "right"), ("COW years", "left"), ("in COW", "left")):
        table.add_column(col, justify=justify, overflow="fold")
    colour = {"in": "green", "out": "red"}
    for row in table_rows(card):
        *cells, verdict = row
        table.add_row(*(Text(safe_text(c)) for c in cells), Text(verdict, style=colour.get(verdict, "")))
    con.print(table)
    lines = ["Definitions:"]
    seen: set[str] = set()
    for r in card.rows:
        if r.definition and r.definition not in seen:
            seen.add(r.definition)
            lines.append(f"  {r.label}: {r.definition}")
    lines.append("Notes:")
    lines += [f"  {r.label}, {r.structure}: {r.note}" for r in card.rows if r.note]
    lines += [f"  {n}" for n in card.notes]
    if s.get("overrides"):
        given = s["overrides"]
        items = [f"{k}={v}" for k, v in given.items()] if isinstance(given, dict) else list(given)
        lines.append("  Overrides: " + "  ".join(f"--set {i}" for i in items))
    for line in lines:
        con.print(safe_text(line), markup=False, highlight=False)


if __name__ == "__main__":  # pragma: no cover
    main()
