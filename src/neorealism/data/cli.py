"""``neorealism data …``: real Correlates of War data from the command line (typer + rich).

Commands: ``cinc``, ``polarity``, ``majors``, ``wars``, ``files``, ``cite``
(also ``neorealism data --cite``).  Every command takes ``--format
table|csv|json`` (default: ``table`` on a terminal, ``csv`` otherwise).
User errors (:class:`~neorealism.errors.NeorealismError`) print one red line
``error: …`` on stderr and exit with code 2.  ``--out`` folders (``polarity``,
``wars``, and ``backtest``) follow one convention, :func:`write_out_files`.

Data files: ``--nmc-path``, ``--majors-path``, ``--wars-path`` … set the
fields of one :class:`~neorealism.data.source.DataSource`; an error about a
file given so names the option (:func:`~neorealism.data.cli_scenarios.data_options`).

``scenario_app`` and :func:`register_backtest` are mounted by
:mod:`neorealism.cli`; their commands live in other modules.  This module is
imported when the top-level CLI starts: pandas, matplotlib and the data
modules are imported inside the commands, not here.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ..errors import NeorealismError, ParameterError
from ..output import atomic_file_set, atomic_write_csv, check_out_folder
from . import cli_scenarios as _cli_scenarios
from .source import DataSource

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

data_app = typer.Typer(help="Real Correlates of War data: CINC, polarity, major powers, wars.", no_args_is_help=True)
scenario_app = typer.Typer(help="Build scenarios from real data.", no_args_is_help=True)
_cli_scenarios.add_scenario_commands(scenario_app)


def register_backtest(app: typer.Typer) -> None:
    """Add the ``backtest`` command to the main app."""
    _cli_scenarios.add_backtest(app)


USER_ERROR = 2
FORMATS = ("table", "csv", "json")

_FORMAT_HELP = _cli_scenarios.FORMAT_HELP
_NMC_HELP = "COW NMC version: 6.0 (1816–2016) or 7.0 (1816–2022)."
_NMC_PATH_HELP = "Read this NMC file (e.g. a newer release, same columns) instead of the shipped one; its years are allowed."


# --------------------------------------------------------------------------- helpers

try:  # the package-wide helper (neorealism.formatting), through which the CLI prints user text
    from ..formatting import safe_text
except ImportError:  # pragma: no cover - an older neorealism.formatting without it
    _UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

    def safe_text(text: object, *, lines: bool = False) -> str:  # type: ignore[misc]
        """``str(text)`` with every terminal control character written as an escape (``\\x1b``)."""
        return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", str(text))


#: Each command's options for the arguments it passes to the data layer: ``{argument: option}``.
#: The data layer's errors name the argument (``start = 1700: …``), the command's the option (``--from 1700: …``).
CINC_OPTIONS: dict[str, str] = {"year": "--year"}
POLARITY_OPTIONS: dict[str, str] = {
    "start": "--from", "end": "--to", "rule": "--rule", "threshold": "--threshold", "relative": "--relative",
}
MAJORS_OPTIONS: dict[str, str] = {
    "rule": "--rule", "weights": "--weights", "kind": "--kind", "threshold": "--threshold", "relative": "--relative",
    "concentration": "--concentration", "k_enter": "--k-enter", "k_exit": "--k-exit", "start": "--from", "end": "--to",
}
WARS_OPTIONS: dict[str, str] = {"by": "--by", "start": "--from", "end": "--to", "threshold": "--threshold"}


@contextlib.contextmanager
def _user_errors(source: DataSource | None = None, options: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn user errors into one red line on stderr and exit code 2 (no traceback).

    An error about a file of ``source`` given by an option names that option;
    an error about an argument of the data layer names the option that set it
    (``options``: ``{argument: option}``, e.g. :data:`POLARITY_OPTIONS`; see
    :func:`~neorealism.data.cli_scenarios.data_options`).
    """
    try:
        with _cli_scenarios.data_options(source, options):
            yield
    except NeorealismError as exc:
        print_error(str(exc))
        raise typer.Exit(USER_ERROR) from None


def print_error(message: str) -> None:
    """One red line ``error: …`` on stderr, control characters escaped (:func:`safe_text`)."""
    from rich.console import Console
    from rich.markup import escape

    line = safe_text(message)  # control characters (a line break too) escaped: one line
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[red]error: {escape(line)}[/red]")


def _fmt(fmt: str | None) -> str:
    if fmt is None:
        return "table" if sys.stdout.isatty() else "csv"
    f = fmt.strip().lower()
    if f not in FORMATS:
        raise ParameterError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return f


def _nmc(version: str) -> str:
    v = str(version).strip()
    if v in ("6", "7"):
        v += ".0"
    if v not in ("6.0", "7.0"):
        raise ParameterError(f"--nmc must be 6.0 or 7.0, got {version!r}")
    return v


def _jsonable(v: Any) -> Any:
    import pandas as pd

    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if v is None or v is pd.NA:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _records(df: pd.DataFrame) -> list[dict]:
    import pandas as pd

    return [_jsonable({k: (None if pd.isna(x) else x) for k, x in r.items()}) for r in df.to_dict(orient="records")]


def _csv(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def _cell(v: Any) -> str:
    import pandas as pd
    from rich.markup import escape

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e-3 and v != 0 else f"{v:.4f}"
    return escape(safe_text(v))


#: Widest table printed (characters); wider cells wrap (folding long words), nothing is cut.
MAX_TABLE_WIDTH = 240


def _table(df: pd.DataFrame, title: str | None = None) -> None:
    """Print ``df`` as a rich table: text left-aligned, numbers right-aligned, no cell truncated.

    The width is what the content needs (at most :data:`MAX_TABLE_WIDTH`), so
    the table looks the same on a terminal and in a file.  Cells and the
    title are escaped: ``[milex×2]`` is text, not rich markup.
    """
    import pandas as pd
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    cells = [[_cell(v) for v in r] for r in df.itertuples(index=False)]
    t = Table(title=escape(safe_text(title)) if title else None)
    natural = 1
    for k, c in enumerate(df.columns):
        numeric = pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        t.add_column(escape(safe_text(c)), justify="right" if numeric else "left", overflow="fold")
        natural += 3 + max([len(str(c))] + [len(r[k]) for r in cells])
    for r in cells:
        t.add_row(*r)
    Console(width=max(60, min(natural, MAX_TABLE_WIDTH)), highlight=False).print(t)


def _emit(df: pd.DataFrame, fmt: str, title: str | None = None, payload: Any = None) -> None:
    if fmt == "csv":
        typer.echo(_csv(df), nl=False)
    elif fmt == "json":
        typer.echo(json.dumps(_jsonable(payload) if payload is not None else _records(df), indent=1))
    else:
        _table(df, title)


def _check_outdir(out: Path | None) -> None:
    """Refuse an ``--out`` that cannot be a folder, before any work is done (nothing is created yet)."""
    if out is not None:
        check_out_folder(out)


def write_out_files(out: Path, writers: dict[str, Callable[[Path], Any]]) -> None:
    """The ``--out`` convention of ``data polarity``, ``data wars`` and ``backtest``.

    ``writers`` maps each file name to a function that writes it to the path
    it is given.  All files are written to temporary files in ``out`` first
    and then renamed onto their names (:func:`neorealism.output.atomic_file_set`):
    the command's own files are replaced, and a failure leaves the earlier
    set as it was; other files in the folder are not touched.  Call it only
    once the results are computed (the folder is created here, so a failing
    command leaves no empty folder).  Prints ``wrote …`` on stderr, naming
    the files that replaced earlier ones.
    """
    existed = [n for n in writers if (out / n).exists()]
    with atomic_file_set(out, list(writers)) as staged:
        for name, write in writers.items():
            write(staged[name])
    names = [str(out / n) for n in writers]
    msg = f"wrote {', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else f"wrote {names[0]}"
    if existed:
        msg += f" (replacing the earlier {', '.join(existed)})"
    typer.echo(msg, err=True)


def _polarity_note(hist: pd.DataFrame) -> None:
    """Under a table of measured polarity labels: one line (stderr) that they are not the textbook eras."""
    from .history import measured_polarity_note

    typer.echo(measured_polarity_note(hist), err=True)


def _missing_note(hist: pd.DataFrame) -> None:
    """One line (stderr) naming the years without capability data, whose measures are missing."""
    from .history import year_spans

    years = hist.attrs.get("missing_years") or []
    if years:
        typer.echo(
            f"note: {len(years)} year(s) have no capability data (every value missing, -9): {year_spans(years)}; "
            "their polarity, CON, HHI and leader are missing (empty), not measured.", err=True,
        )


def _print_citations() -> None:
    from .loaders import citation_text

    typer.echo(citation_text())


# --------------------------------------------------------------------------- group


@data_app.callback(invoke_without_command=True)
def data_main(
    ctx: typer.Context,
    cite: bool = typer.Option(
        False, "--cite", help="Print every citation the data sources ask for, then exit (as `data cite` with --format)."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="With --cite: its output format (table, csv or json); before a command: that command's default format.",
    ),
) -> None:
    """Real Correlates of War data: CINC, polarity, major powers, wars (cite with --cite)."""
    with _user_errors():
        f = _fmt(fmt) if fmt is not None else None
        if cite:
            if f is None:
                _print_citations()
            else:
                from .loaders import citations

                _emit(citations(), f, "Citations the data sources ask for")
            raise typer.Exit(0)
        commands = sorted(getattr(ctx.command, "commands", {}))
        if ctx.invoked_subcommand is None:
            raise ParameterError(f"give a command ({', '.join(commands)}) or --cite; see `neorealism data --help`")
        if f is not None:
            # `neorealism data --format X CMD`: X becomes CMD's default --format (its own --format still wins)
            defaults = dict(ctx.default_map or {})
            for name in commands:
                defaults[name] = {**dict(defaults.get(name) or {}), "fmt": f}
            ctx.default_map = defaults


@data_app.command("cite")
def cite_cmd(fmt: str | None = typer.Option(None, "--format", help=_FORMAT_HELP)) -> None:
    """Every citation the shipped data sources ask for: key, citation, the data it covers."""
    with _user_errors():
        f = _fmt(fmt)
        from .loaders import citations

        _emit(citations(), f, "Citations the data sources ask for")


@data_app.command("files")
def files_cmd(fmt: str | None = typer.Option(None, "--format", help=_FORMAT_HELP)) -> None:
    """What ships: file, data rows, sha256 prefix, loader and citation keys."""
    with _user_errors():
        f = _fmt(fmt)
        from .loaders import shipped_files

        _emit(shipped_files(), f, "Shipped data files (neorealism/data/files)")


@data_app.command("cinc")
def cinc_cmd(
    year: int = typer.Option(..., "--year", help="Year (NMC range: 1816–2016 for v6.0, 1816–2022 for v7.0)."),
    nmc: str = typer.Option("6.0", "--nmc", help=_NMC_HELP),
    path: Path | None = typer.Option(None, "--nmc-path", "--path", help=_NMC_PATH_HELP),
    fmt: str | None = typer.Option(None, "--format", help=_FORMAT_HELP),
) -> None:
    """One year's CINC: published and recomputed from the six components, with the difference."""
    src = DataSource(nmc=path)
    with _user_errors(src, CINC_OPTIONS):
        f = _fmt(fmt)
        v = _nmc(nmc)
        from .cinc import cinc_table, year_range

        lo, hi = year_range(v, src)
        if not lo <= year <= hi:
            data = f"NMC v{v}" if path is None else f"--nmc-path {path}"
            raise ParameterError(f"--year {year}: allowed {lo}–{hi} ({data})")
        t = cinc_table(year, v, src)
        _emit(t, f, f"CINC {year} (NMC v{v}): published vs recomputed")
        if t["cinc_recomputed"].isna().all():
            typer.echo(
                f"note: no state has capability data in {year} (every component is missing, -9): "
                "the recomputed CINC is missing (empty), not 0.", err=True,
            )


@data_app.command("polarity")
def polarity_cmd(
    start: int | None = typer.Option(None, "--from", help="First year (default: the data's first, 1816)."),
    end: int | None = typer.Option(None, "--to", help="Last year (default: the data's last, 2016 for v6.0)."),
    out: Path | None = typer.Option(None, "--out", help="Folder to write polarity.csv and polarity.png into (earlier ones replaced; other files kept)."),
    nmc: str = typer.Option("6.0", "--nmc", help=_NMC_HELP),
    rule: str = typer.Option("share", "--rule", help="Great-power rule: share (share ≥ --threshold), relative (≥ --relative × leader) or cow (the validated rule with persistence, as the engine reads its worlds: docs/great-powers.md)."),
    threshold: float = typer.Option(0.10, "--threshold", help="Share bar for --rule share (0–1]."),
    relative: float = typer.Option(0.25, "--relative", help="Fraction of the leader's share for --rule relative (0–1]."),
    path: Path | None = typer.Option(None, "--nmc-path", "--path", help=_NMC_PATH_HELP),
    majors_path: Path | None = typer.Option(None, "--majors-path", help="Read this COW major-power file instead of the shipped one."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not print the table."),
    fmt: str | None = typer.Option(None, "--format", help=_FORMAT_HELP),
) -> None:
    """Polarity, CON and HHI of the real system, year by year (same measures as the simulation)."""
    src = DataSource(nmc=path, majors=majors_path)
    with _user_errors(src, POLARITY_OPTIONS):
        f = _fmt(fmt)
        v = _nmc(nmc)
        if rule not in ("share", "relative", "cow"):
            raise ParameterError(f"--rule must be share, relative or cow, got {rule!r}")
        if not 0 < threshold <= 1:
            raise ParameterError(f"--threshold must be in (0, 1], got {threshold}")
        if not 0 < relative <= 1:
            raise ParameterError(f"--relative must be in (0, 1], got {relative}")
        from .history import plot_history, polarity_history

        _check_outdir(out)
        h = polarity_history(v, rule=rule, threshold=threshold, relative=relative, start=start, end=end, source=src)  # type: ignore[arg-type]
        if out is not None:
            write_out_files(out, {"polarity.csv": lambda p: atomic_write_csv(p, h), "polarity.png": lambda p: plot_history(h, p)})
        if not quiet:
            _emit(h, f, f"Polarity history {h['year'].min()}–{h['year'].max()} (NMC v{v})")
            if f == "table":
                _polarity_note(h)
        _missing_note(h)


def _parse_weights(text: str | None) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        w = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise ParameterError(
            f"--weights must be six comma-separated numbers (milex,milper,irst,pec,tpop,upop), got {text!r}"
        ) from None
    if len(w) != 6:
        raise ParameterError(f"--weights needs 6 numbers (milex,milper,irst,pec,tpop,upop), got {len(w)}")
    return w


@data_app.command("majors")
def majors_cmd(
    compare: bool = typer.Option(False, "--compare", help="Score the rule against COW's major-power list (F1, precision, recall)."),
    rule: str = typer.Option(
        "default", "--rule",
        help="default (2·milex + pec, ≥ 0.2 × Σs²/Σs, enter after 5 y, leave after 8), "
        "leader (the previous default: ≥ 0.10 × the leader) or baseline (CINC share ≥ 0.03).",
    ),
    weights: str | None = typer.Option(None, "--weights", help="Override weights: milex,milper,irst,pec,tpop,upop."),
    kind: str | None = typer.Option(None, "--kind", help="Override the bar: share, relative or concentration."),
    threshold: float | None = typer.Option(None, "--threshold", help="Override the share bar (0–1]."),
    relative: float | None = typer.Option(None, "--relative", help="Override the relative-to-leader bar (0–1]."),
    concentration: float | None = typer.Option(
        None, "--concentration", help="Override the concentration bar: score ≥ this × Σs²/Σs (the HHI-weighted mean score)."
    ),
    k_enter: int | None = typer.Option(None, "--k-enter", help="Override the years above the bar before entry (≥ 1)."),
    k_exit: int | None = typer.Option(None, "--k-exit", help="Override the years below the bar before exit (≥ 1)."),
    validate: bool = typer.Option(
        False, "--validate",
        help="Also choose rules on one half of the years and score them on the other (a second table: --format table or json).",
    ),
    start: int | None = typer.Option(None, "--from", help="First year scored (default 1816)."),
    end: int | None = typer.Option(None, "--to", help="Last year scored (default: the list's last, 2016)."),
    nmc: str = typer.Option("6.0", "--nmc", help=_NMC_HELP),
    path: Path | None = typer.Option(None, "--nmc-path", "--path", help=_NMC_PATH_HELP),
    majors_path: Path | None = typer.Option(None, "--majors-path", help="Read this COW major-power file instead of the shipped one."),
    fmt: str | None = typer.Option(None, "--format", help=_FORMAT_HELP),
) -> None:
    """Great powers from capabilities alone; with --compare, agreement with COW's major-power list."""
    src = DataSource(nmc=path, majors=majors_path)
    with _user_errors(src, MAJORS_OPTIONS):
        f = _fmt(fmt)
        v = _nmc(nmc)
        if kind is not None and kind not in ("share", "relative", "concentration"):
            raise ParameterError(f"--kind must be share, relative or concentration, got {kind!r}")
        if validate and not compare:
            raise ParameterError("--validate scores rules against COW's list: give it with --compare")
        if validate and f == "csv":
            raise ParameterError(
                "--validate adds a second table, which CSV cannot hold: give --format table or --format json"
            )
        from .majors import compare_with_cow, great_power_years, rule_from_options, split_validation

        r = rule_from_options(
            rule, _parse_weights(weights), kind, threshold, relative, k_enter, k_exit, concentration=concentration
        )
        if not compare:
            import pandas as pd

            from .history import check_range
            from .loaders import load_nmc

            # --from/--to are checked against the data's years, not the years in which the rule finds great powers
            data_years = pd.Index(sorted(load_nmc(v, src)["year"].unique()), name="year")
            s, e = check_range(start, end, int(data_years.min()), int(data_years.max()))
            gp = great_power_years(r, v, src)
            gp = gp[gp["year"].between(s, e)]
            t = gp.groupby("year").agg(n=("ccode", "size"), great_powers=("stateabb", ";".join))
            # a year of the data in which the rule finds no great power is a row with n = 0
            years = data_years[(data_years >= s) & (data_years <= e)]
            t = t.reindex(years).fillna({"n": 0, "great_powers": ""}).astype({"n": "int64"}).reset_index()
            _emit(t, f, f"Great powers by rule — {r.describe()}", {"rule": r.params(), "years": _records(t)})
            return
        a = compare_with_cow(r, v, start, end, src)
        payload = a.to_dict()
        val = split_validation(v, source=src) if validate else None
        if val is not None:
            payload["split_validation"] = _records(val)
        import pandas as pd

        if f == "json":
            _emit(pd.DataFrame(), f, payload=payload)
        elif f == "csv":
            overall = pd.DataFrame(
                [{"year": "all", "n_rule": a.tp + a.fp, "n_cow": a.tp + a.fn, "true_positives": a.tp,
                  "false_positives": a.fp, "false_negatives": a.fn, "f1": a.f1,
                  "precision": a.precision, "recall": a.recall}]
            )
            _emit(pd.concat([overall, a.per_year.astype({"year": object})], ignore_index=True), f)
        else:
            # the rule's description is long: a line above the table, not a column that widens it
            import textwrap

            typer.echo(textwrap.fill(f"rule: {r.describe()}", width=100, subsequent_indent="      ", break_long_words=False))
            summ = pd.DataFrame(
                [{"years": f"{a.start}–{a.end}", "F1": a.f1, "precision": a.precision,
                  "recall": a.recall, "false +": a.fp, "false −": a.fn}]
            )
            _table(summ, "Agreement with COW's major-power list (state-years)")
            _table(a.per_year, "Agreement per year (F1, precision, recall; empty where undefined)")
            if a.differences.empty:
                typer.echo(f"The rule and COW's list agree on every state-year of {a.start}–{a.end}.")
            else:
                from .history import year_spans

                diffs = a.differences.groupby(["stateabb", "kind"])["year"].agg(
                    years=lambda y: year_spans(y.to_numpy()), n="size"
                ).reset_index()
                _table(diffs, "Where the rule and COW differ")
            if val is not None:
                _table(val, "Split validation (choose on one half, score on the other)")


@data_app.command("wars")
def wars_cmd(
    by: str = typer.Option(
        "polarity", "--by",
        help="Group years by measured polarity label (polarity), by the textbook periodisation "
        "(era: multipolar to 1945, bipolar 1946–1991, unipolar from 1992) or by CON tercile (con).",
    ),
    start: int | None = typer.Option(None, "--from", help="First year (default 1816)."),
    end: int | None = typer.Option(None, "--to", help="Last year (default 2007, the end of COW war data v4.0)."),
    out: Path | None = typer.Option(
        None, "--out", help="Folder to write wars_by_<by>.csv, wars_by_decade.csv and wars.png into (earlier ones replaced; other files kept)."
    ),
    nmc: str = typer.Option("6.0", "--nmc", help=_NMC_HELP),
    threshold: float = typer.Option(0.10, "--threshold", help="Share bar of the polarity history's great-power rule (0–1]."),
    decades: bool = typer.Option(False, "--decades", help="Print onsets per decade instead of the era table."),
    wars_path: Path | None = typer.Option(
        None, "--wars-path", help="Read this COW inter-state war participant file instead of the shipped one."
    ),
    nmc_path: Path | None = typer.Option(None, "--nmc-path", help="Read this NMC file instead of the shipped one (polarity and the capability rule)."),
    majors_path: Path | None = typer.Option(None, "--majors-path", help="Read this COW major-power file instead of the shipped one."),
    fmt: str | None = typer.Option(None, "--format", help=_FORMAT_HELP),
) -> None:
    """Inter-state war onsets and great-power wars per decade, by measured polarity, conventional era or CON tercile."""
    src = DataSource(wars=wars_path, nmc=nmc_path, majors=majors_path)
    with _user_errors(src, WARS_OPTIONS):
        f = _fmt(fmt)
        v = _nmc(nmc)
        from .wars import GROUPINGS

        if by not in GROUPINGS:
            raise ParameterError(f"--by must be one of {', '.join(GROUPINGS)}, got {by!r}")
        if not 0 < threshold <= 1:
            raise ParameterError(f"--threshold must be in (0, 1], got {threshold}")
        from .wars import era_table, plot_wars, wars_by_decade, yearly_onsets

        _check_outdir(out)
        y = yearly_onsets(start, end, v, "share", threshold, source=src)
        t = era_table(y, by)  # type: ignore[arg-type]
        dec = wars_by_decade(y)
        if out is not None:
            write_out_files(
                out,
                {
                    f"wars_by_{by}.csv": lambda p: atomic_write_csv(p, t),
                    "wars_by_decade.csv": lambda p: atomic_write_csv(p, dec),
                    "wars.png": lambda p: plot_wars(y, t, p),
                },
            )
        span = f"{int(y['year'].min())}–{int(y['year'].max())}"
        what = {"polarity": "measured polarity", "era": "conventional era", "con": "CON tercile"}[by]
        if decades:
            _emit(dec, f, f"Inter-state war onsets per decade, {span}")
        else:
            _emit(t, f, f"Inter-state war onsets by {what}, {span} (rates per decade)")
        if f == "table" and by == "polarity":
            _polarity_note(y)
