"""The ``neorealism`` command line (typer + rich).

Commands: ``run``, ``scenarios``, ``validate``, ``data …`` (real COW data),
``scenario from-data``, ``backtest``.  Every user error is printed as one
clear message (no traceback) and exits with code 2.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import typer
from typer.core import TyperGroup

from . import __version__
from .engine import MAX_CHUNK_SIZE, recorded_years
from .errors import NeorealismError, ParameterError

#: Exit code of every user error (bad option, bad scenario, refused output dir).
USER_ERROR = 2

#: Click's usage-error class as typer uses it (typer ≥ 0.2x vendors click; found via a public subclass).
_USAGE_ERRORS: tuple[type[Exception], ...] = tuple(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)


class _Group(TyperGroup):
    """Top-level group: user errors anywhere below become one line on stderr and exit 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except NeorealismError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(USER_ERROR) from None
        except _USAGE_ERRORS as exc:
            # bad option values, unknown options, missing arguments: one line, not a framed panel
            hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
            typer.echo(f"error: {' '.join(exc.format_message().split())}{hint}", err=True)
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
            where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
            typer.echo(f"error: {exc.strerror or exc}{where}", err=True)
            raise typer.Exit(1) from None


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


def main() -> None:  # pragma: no cover - entry point
    app()


# --------------------------------------------------------------------------- root options


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"neorealism {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Structural realism (Waltz 1979) as a batch agent-based model, with Correlates of War data.

    Start with `neorealism scenarios` (built-in systems), then
    `neorealism run bipolar` (simulate one and print a summary).
    """


# --------------------------------------------------------------------------- helpers


def _check_range(option: str, value: int | None, lo: int, hi: int) -> None:
    if value is None:
        return
    if not (lo <= value <= hi):
        raise ParameterError(f"{option} must be an integer in [{lo}, {hi}], got {value}")


def initial_structure(scenario: Any) -> dict[str, Any]:
    """Measures of a scenario's initial state: index shares, great powers, polarity, CON, HHI.

    Uses :func:`neorealism.measures.composite_index` on the five components
    and the scenario's ``params.measures`` rule, exactly as the engine does
    for year one.
    """
    from .measures import POLARITY_LABELS, composite_index, system_measures
    from .scenario import COMPONENTS

    comp = np.array([[float(getattr(s, c)) for s in scenario.states] for c in COMPONENTS])
    shares = composite_index(comp)
    mp = scenario.params.measures
    actors = np.array([not s.aggregate for s in scenario.states])
    m = system_measures(
        shares, rule=mp.gp_rule, threshold=mp.gp_threshold, relative=mp.gp_relative, actors=actors
    )
    names = [s.name for s in scenario.states]
    return {
        "shares": dict(zip(names, shares.tolist(), strict=True)),
        "great_powers": [n for n, g in zip(names, m["gp"].tolist(), strict=True) if g],
        "n_great_powers": int(m["n_great_powers"]),
        "polarity": POLARITY_LABELS[int(m["polarity"])],
        "con": float(m["con"]),
        "hhi": float(m["hhi"]),
    }


def _stderr_is_terminal() -> bool:
    """Show a progress bar only to a person watching (not under CI, pipes or redirection)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _slug(name: str) -> str:
    s = re.sub(r"[^\w.-]+", "-", name.strip()).strip("-.")
    return s or "scenario"


def _pct(x: float | None) -> str:
    """A share as a percentage with one decimal; a share strictly between 0 and 1 never reads as 0% or 100%."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{100 * x:.1f}%"
    if 0 < x < 1 and text == "100.0%":
        return ">99.9%"
    if 0 < x < 1 and text == "0.0%":
        return "<0.1%"
    return text


#: The help of every `--set` option (run, validate).
_SET_HELP = (
    "Override one value of the scenario: a parameter under params (the prefix is optional), "
    "e.g. --set war.offense_defense=1.5, or years, worlds, seed, start_year. Repeatable. VALUE is "
    "read like a value in a scenario file and validated the same way (see `neorealism scenarios --params`)."
)


def _with_sets(sc: Any, sets: list[str] | None, options: dict[str, Any] | None = None) -> Any:
    """``sc`` with the ``--set`` overrides applied; refuses a run setting given both ways."""
    from .scenario import SETTABLE_TOP_LEVEL, apply_overrides

    if not sets:
        return sc
    for item in sets:
        key = item.partition("=")[0].strip()
        if key in SETTABLE_TOP_LEVEL and (options or {}).get(key) is not None:
            raise ParameterError(f"--{key} and --set {key} both given; give one of them")
    return apply_overrides(sc, sets)


def _num(x: float, digits: int = 3) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


# --------------------------------------------------------------------------- run


#: Memory one chunk of worlds may take while it is simulated and tabulated.  The chunk
#: size is lowered to stay within it (results do not depend on the chunk size).
CHUNK_MEMORY_BYTES = 1 << 30
#: Measured peak bytes per recorded state-year while a chunk is simulated and turned into
#: tables (≈ 200–310 for 14–400 states), per world-year of system rows and events, and
#: per state pair of a world (the (R, N, N) arrays of alliances, distances, threat).
_BYTES_PER_STATE_YEAR = 320
_BYTES_PER_WORLD_YEAR = 200
_BYTES_PER_STATE_PAIR = 32
#: Fewest bytes a row takes on disk (zstd Parquet; measured ≈ 13 per state row, 16 per
#: system row): used only to refuse runs that surely cannot fit on the disk.
_MIN_DISK_BYTES_PER_ROW = 8
#: Chunk size when --chunk-size is not given (and memory allows it).
DEFAULT_CHUNK_SIZE = 1000


def _bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError  # pragma: no cover


def memory_chunk_size(n_states: int, years: int, states: str) -> int:
    """Most worlds one chunk may hold so that it stays within :data:`CHUNK_MEMORY_BYTES`.

    The engine keeps the state rows it records in memory while a chunk
    runs — every year with ``--states all``, the first and last with
    ``ends`` — and the system rows of every year.
    """
    per_world = (years + 1) * _BYTES_PER_WORLD_YEAR + n_states * n_states * _BYTES_PER_STATE_PAIR
    per_world += len(recorded_years(states, years)) * n_states * _BYTES_PER_STATE_YEAR
    return max(1, CHUNK_MEMORY_BYTES // per_world)


def _check_disk(out_dir: Path, worlds: int, years: int, n_states: int, states: str) -> None:
    """Refuse a run whose tables surely cannot fit in the free space where they go."""
    state_rows = len(recorded_years(states, years)) * n_states
    need = worlds * (years + 1 + state_rows) * _MIN_DISK_BYTES_PER_ROW
    probe = out_dir.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return
    if need > free:
        raise ParameterError(
            f"--worlds {worlds} × --years {years} × {n_states} states with --states {states} would write at least "
            f"{_bytes(need)} of results, more than the {_bytes(free)} free on {probe}; "
            "use --states ends or --states none, or fewer worlds or years"
        )


@app.command()
def run(
    scenario: str = typer.Argument(
        ...,
        metavar="SCENARIO_OR_FILE",
        help="A built-in scenario name (see `neorealism scenarios`) or a path to a scenario .yaml file.",
        show_default=False,
    ),
    worlds: int | None = typer.Option(
        None, "--worlds", "-r", help="Independent worlds R (≥ 1); default: the scenario's `worlds`.",
        show_default=False,
    ),
    years: int | None = typer.Option(
        None, "--years", "-t", help="Years T to simulate (≥ 1); default: the scenario's `years`.",
        show_default=False,
    ),
    seed: int | None = typer.Option(
        None, "--seed", "-s", help="Root seed (≥ 0); same seed, same worlds; default: the scenario's `seed`.",
        show_default=False,
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Result directory; default: results/<scenario>-seed<S> in the current directory.",
        show_default=False, file_okay=False,
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite",
        help="Replace a previous result in the output directory (also recompute an identical earlier run).",
    ),
    chunk_size: int | None = typer.Option(
        None, "--chunk-size",
        help=f"Worlds simulated together in memory (≥ 1; default {DEFAULT_CHUNK_SIZE}, lowered so that a chunk "
        f"stays within {CHUNK_MEMORY_BYTES >> 30} GiB); results do not depend on it.",
        show_default=False,
    ),
    states: str = typer.Option(
        "all", "--states",
        help="State rows to keep: all (every year), ends (first and last year only: survival and turnover), "
        "none (no state rows). Only the states table shrinks: the system table (one row per world-year) "
        "and the events are always kept in full, so 100,000 worlds × 200 years still write a system "
        "table of hundreds of MB.",
    ),
    sets: list[str] | None = typer.Option(
        None, "--set", metavar="PATH=VALUE", help=_SET_HELP, show_default=False,
    ),
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
    different run is refused, naming what differs.
    """
    from .engine import STATES_RECORDED, iter_chunks
    from .results import FORMAT, ResultSet, ResultWriter, model_fingerprint
    from .scenario import MAX_WORLDS, MAX_YEARS, load_scenario

    _check_range("--worlds", worlds, 1, MAX_WORLDS)
    _check_range("--years", years, 1, MAX_YEARS)
    _check_range("--seed", seed, 0, 2**63 - 1)
    _check_range("--chunk-size", chunk_size, 1, MAX_CHUNK_SIZE)
    if states not in STATES_RECORDED:
        raise ParameterError(f"--states {states!r}: allowed {', '.join(STATES_RECORDED)}")

    sc = _with_sets(load_scenario(scenario), sets, {"worlds": worlds, "years": years, "seed": seed})
    sc = sc.with_run(worlds=worlds, years=years, seed=seed)
    out_dir = out if out is not None else Path("results") / f"{_slug(sc.name)}-seed{sc.seed}"
    run_meta: dict[str, Any] = {
        "scenario": sc.model_dump(mode="json"),
        "seed": sc.seed,
        "worlds": sc.worlds,
        "years": sc.years,
        "states_recorded": states,
    }
    if sets:
        # a record of how the scenario was changed; the changed scenario itself is what identifies the run
        run_meta["overrides"] = list(sets)

    if not overwrite:
        wanted = {**run_meta, "version": __version__, "model": model_fingerprint(), "format": FORMAT}
        previous = _previous_identical_run(out_dir, wanted)
        if previous is not None:
            with previous as rs:
                summary = rs.summary()
                created = rs.manifest.get("created", "?")
            _print_summary(sc, summary, out_dir, None, states, reused=created)
            return

    fits = memory_chunk_size(sc.n_states, sc.years, states)
    size = min(chunk_size if chunk_size is not None else DEFAULT_CHUNK_SIZE, fits)
    if chunk_size is not None and size < chunk_size:
        typer.echo(
            f"note: --chunk-size {chunk_size} lowered to {size} so that a chunk of {sc.years} years × "
            f"{sc.n_states} states stays within {CHUNK_MEMORY_BYTES >> 30} GiB of memory (results are the same)",
            err=True,
        )
    _check_disk(out_dir, sc.worlds, sc.years, sc.n_states, states)

    writer = ResultWriter(out_dir, overwrite=overwrite)
    total = sc.worlds * sc.years
    t0 = time.perf_counter()
    with writer:
        if _stderr_is_terminal():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("world-years"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            ) as bar:
                task = bar.add_task(f"{sc.name}", total=total)
                for chunk in iter_chunks(
                    sc, worlds=sc.worlds, years=sc.years, seed=sc.seed, chunk_size=size,
                    progress=lambda n: bar.advance(task, n), states=states,
                ):
                    writer.write_chunk(chunk.states, chunk.system, chunk.events)
        else:
            for chunk in iter_chunks(
                sc, worlds=sc.worlds, years=sc.years, seed=sc.seed, chunk_size=size, states=states
            ):
                writer.write_chunk(chunk.states, chunk.system, chunk.events)
        writer.close({**run_meta, "chunk_size": size})
    elapsed = time.perf_counter() - t0

    with ResultSet.load(out_dir) as rs:
        summary = rs.summary()
    _print_summary(sc, summary, out_dir, elapsed, states)


def _previous_identical_run(out_dir: Path, wanted: dict[str, Any]) -> Any:
    """The complete result of exactly this run in ``out_dir`` (a ResultSet), or None when there is none.

    Raises :class:`ResultError` when ``out_dir`` holds a different run (naming
    what differs) or a damaged one (naming the damage): neither is replaced
    without --overwrite.  A directory without a manifest is left to
    :class:`ResultWriter`'s own checks (empty, stale temp files, foreign files).
    """
    from .results import MANIFEST_NAME, ResultError, ResultSet, run_differences

    if not (out_dir / MANIFEST_NAME).is_file():
        return None
    try:
        rs = ResultSet.load(out_dir)
    except ResultError as exc:
        raise ResultError(
            f"{out_dir} already holds a result that cannot be re-used ({exc}); "
            "refusing to overwrite it (use --overwrite to replace it, or choose another --out)"
        ) from None
    diffs = run_differences(wanted, rs.manifest)
    if diffs:
        rs.close()
        raise ResultError(
            f"{out_dir} already holds a result of a different run ({', '.join(diffs)}: this run vs the one there); "
            "refusing to overwrite it (use --overwrite to replace it, or choose another --out)"
        )
    return rs


def _print_summary(
    sc: Any, s: dict[str, Any], out_dir: Path, elapsed: float | None, states: str = "all", reused: str | None = None
) -> None:
    """Print a run's summary; ``reused`` (the earlier run's creation time) marks a re-used result."""
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False)
    first, last = s["years"] if s.get("years") else (None, None)
    if elapsed is not None:
        world_years = sc.worlds * sc.years
        state_years = world_years * sc.n_states
        wy, sy = (world_years / elapsed, state_years / elapsed) if elapsed > 0 else (math.inf, math.inf)
        timing = f"  ({elapsed:.1f} s, {wy:,.0f} world-years/s, {sy:,.0f} state-years/s)"
    else:
        timing = ""
    con.print(
        f"{sc.name}: {sc.worlds:,} world(s) × {sc.years:,} simulated year(s), seed {sc.seed}"
        + (f", years {first}–{last} (year {first} = the initial state)" if first is not None else "")
        + timing,
        markup=False,
        soft_wrap=True,
    )
    if reused is not None:
        con.print(
            f"Re-used: {out_dir}/ already holds this identical run (same {_identity_text()}; "
            f"created {reused}); runs are deterministic, so it was not recomputed. "
            "Give --overwrite to recompute it.",
            markup=False,
            soft_wrap=True,
        )
    if not s.get("years"):
        con.print("no rows were produced", markup=False)
        return
    table = Table(title="Polarity (share of worlds)", title_justify="left", box=None, pad_edge=False)
    table.add_column("year", justify="right")
    for label in ("unipolar", "bipolar", "multipolar", "nonpolar"):
        table.add_column(label, justify="right")
    for row in s["polarity"]:
        table.add_row(str(row["year"]), *(_pct(row[k]) for k in ("unipolar", "bipolar", "multipolar", "nonpolar")))
    con.print(table)
    lines = [
        f"Wars started: {s['wars_started']} ({_num(s['wars_per_world_century'], 2)} per world per century)"
        + (f"; prevented by the authority: {s['wars_prevented']}" if s["wars_prevented"] else ""),
        f"State deaths: {s['deaths']} ({_num(s['deaths_per_world'], 2)} per world)",
        _gp_line(s, states),
        f"CON: {_num(s['con'][0])} → {_num(s['con'][1])}   HHI: {_num(s['hhi'][0])} → {_num(s['hhi'][1])}"
        "   (means over worlds, first → last year)",
        f"Results: {out_dir}/ (states.parquet, system.parquet, events.parquet, manifest.json)",
    ]
    for line in lines:
        con.print(line, markup=False, soft_wrap=True)


def _identity_text() -> str:
    """What makes two runs the same run, in words: every part of :func:`results.run_identity`."""
    from .results import IDENTITY_LABELS, run_identity

    parts = [IDENTITY_LABELS[k] for k in run_identity({})]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _gp_line(s: dict[str, Any], states: str) -> str:
    """Great-power survival: shares with one decimal, and how many died or lost great-power status."""
    if states == "none":
        return "Great-power survival: not recorded (--states none)"
    n = int(s.get("gp_initial") or 0)
    if n == 0:
        return "Great-power survival: – (no great powers at the start)"
    alive, still = int(s["gp_alive"]), int(s["gp_still"])
    return (
        f"Great-power survival: {_pct(alive / n)} of the {n:,} initial great powers alive at the end "
        f"({n - alive:,} died); {_pct(still / n)} still great powers "
        f"({alive - still:,} survivors lost great-power status)"
    )


# --------------------------------------------------------------------------- scenarios


@app.command()
def scenarios(
    params: bool = typer.Option(
        False, "--params", help="List every scenario parameter with its default, allowed range and meaning."
    ),
    markdown: bool = typer.Option(
        False, "--markdown", help="With --params: print the reference as Markdown (the text of docs/parameters.md)."
    ),
    show: str | None = typer.Option(
        None, "--show", metavar="NAME",
        help="Print built-in scenario NAME as a complete YAML file (every parameter written out) to save "
        "and edit: `neorealism scenarios --show multipolar > my.yaml`.",
        show_default=False,
    ),
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
    from rich.console import Console
    from rich.table import Table

    from .scenario import builtin_names, load_builtin

    names = builtin_names()
    con = Console(highlight=False)
    if not names:
        con.print("no built-in scenarios are installed", markup=False)
        return
    table = Table(title="Built-in scenarios (run one with `neorealism run NAME`)", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("states", justify="right")
    table.add_column("great powers at start", justify="right")
    table.add_column("description")
    from rich.text import Text

    for name in names:
        sc = load_builtin(name)
        st = initial_structure(sc)
        desc = first_sentence(sc.description)
        table.add_row(
            Text(name), str(sc.n_states), Text(f"{st['n_great_powers']} ({st['polarity']})"), Text(desc)
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
        raise ParameterError(f"--show {name!r}: no built-in scenario of that name; allowed {', '.join(names)}")
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
    file: str = typer.Argument(
        ..., metavar="FILE", help="Scenario .yaml file (or a built-in name) to check.", show_default=False
    ),
    sets: list[str] | None = typer.Option(
        None, "--set", metavar="PATH=VALUE", help=_SET_HELP, show_default=False,
    ),
) -> None:
    """Check a scenario file: print "ok: …" or every problem (field, bad value, allowed range); exit 2 if invalid."""
    from .scenario import load_scenario

    sc = _with_sets(load_scenario(file), sets)
    st = initial_structure(sc)
    typer.echo(
        f"ok: {sc.name}" + (f" with {len(sets)} --set override(s)" if sets else "")
        + f", {sc.n_states} states, {st['n_great_powers']} great power(s) at start "
        f"({st['polarity']}), {len(sc.alliances)} alliance(s), "
        f"{sc.worlds} world(s) × {sc.years} year(s) from {sc.start_year}, seed {sc.seed}"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
