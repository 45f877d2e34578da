"""CLI commands ``scenario from-data`` and ``backtest`` (mounted by :mod:`neorealism.data.cli`).

``add_scenario_commands(scenario_app)`` adds ``from-data`` to the
``neorealism scenario`` group; ``add_backtest(app)`` adds ``backtest`` to the
main app.  User errors are :class:`~neorealism.errors.NeorealismError`
(printed as one line, exit code 2, by the main app).

The data-file options (``--nmc-path``, ``--capitals-path`` …) set the fields
of one :class:`~neorealism.data.source.DataSource`; :func:`data_options`
makes an error about such a file name the option (:data:`DATA_OPTIONS`),
and an error about an argument name the option that set it
(:data:`FROM_DATA_OPTIONS`, :data:`BACKTEST_OPTIONS`).
Imported when the top-level CLI starts: no pandas or data modules here.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping
from pathlib import Path

import typer

from ..errors import DataError, ParameterError, rename_fields
from .source import DataFileError, DataSource

#: The command-line option that gives each data file (a :class:`DataSource` field).
DATA_OPTIONS: dict[str, str] = {
    "nmc": "--nmc-path",
    "majors": "--majors-path",
    "wars": "--wars-path",
    "capitals": "--capitals-path",
    "alliances": "--alliances-path",
    "democracy": "--democracy-path",
    "states": "--states-path",
}


#: ``scenario from-data``: the option of each argument of :func:`~neorealism.data.scenarios_from_data.build_from_data`
#: it sets (``year`` is the command's YEAR argument and keeps its name).
FROM_DATA_OPTIONS: dict[str, str] = {
    "top": "--top",
    "rest": "--rest",
    "minors": "--minors",
    "nmc": "--nmc",
    "region": "--region",
    "alliance_types": "--alliance-types",
    "trend_window": "--trend-window",
}

#: ``backtest``: the option of each argument of :func:`~neorealism.data.backtest.backtest` it sets
#: (``year`` is :func:`~neorealism.data.scenarios_from_data.build_from_data`'s name for the start year).
BACKTEST_OPTIONS: dict[str, str] = {
    "start": "--from",
    "year": "--from",
    "end": "--to",
    "top": "--top",
    "worlds": "--worlds",
    "seed": "--seed",
    "nmc": "--nmc",
    "rest": "--rest",
}


@contextlib.contextmanager
def data_options(source: DataSource | None, options: Mapping[str, str] | None = None) -> Iterator[None]:
    """Re-raise an error about what the user gave by an option so that it names the option.

    The data layer names the data and the file (``COW NMC file x.csv, line
    4, …``); here a :class:`DataFileError` about a file of ``source`` that an
    option set becomes one line starting with that option
    (``--nmc-path x.csv (COW NMC file), line 4, …``).  Errors about shipped
    files pass unchanged.

    The data layer names its own arguments too (``start = 1700: allowed
    1816–2016 …``): ``options`` maps each argument the command passes on to
    its option (``{"start": "--from"}``), and a :class:`ParameterError`
    about one of them is re-raised in the option's name (``--from 1700:
    allowed 1816–2016 …``; :func:`neorealism.errors.rename_fields`).  All
    other errors pass unchanged.
    """
    try:
        yield
    except DataFileError as exc:
        option = DATA_OPTIONS.get(exc.kind)
        if option is None or source is None or getattr(source, exc.kind, None) is None:
            raise
        raise DataError(_safe(exc.naming(option))) from None
    except MemoryError:
        given = ", ".join(
            f"{DATA_OPTIONS.get(k, k)} {p} ({_size(p)})" for k, p in (source.overrides() if source else {}).items()
        )
        raise DataError(
            "out of memory while reading or measuring the data" + (f" ({given})" if given else "")
            + "; give smaller files or run with more memory"
        ) from None
    except ParameterError as exc:
        renamed = rename_fields(exc, options or {})
        if renamed == str(exc):
            raise
        raise ParameterError(renamed) from None


def _safe(text: str) -> str:
    from .cli import safe_text

    return safe_text(text)


def _size(p: Path) -> str:
    try:
        return f"{p.stat().st_size:,} bytes"
    except (OSError, ValueError):
        return "size unknown"


#: The help of every data command's ``--format`` (defined here, where both CLI modules can import it).
FORMAT_HELP = "Output format: table, csv or json (default: table on a terminal, csv otherwise)."
_NMC_PATH_HELP = "Read this NMC file (e.g. a newer release, same columns) instead of the shipped one; its years are allowed."
_CAPITALS_PATH_HELP = "Read this capitals file (peacesciencer layout) instead of the shipped one."
_ALLIANCES_PATH_HELP = "Read this COW alliance dyad-year file instead of the shipped one."
_DEMOCRACY_PATH_HELP = "Read this democracy (Polity2) file instead of the shipped one."
_STATES_PATH_HELP = "Read this COW state list (state names) instead of the shipped one."


#: Headers of ``scenario from-data``'s table for the three share columns of its CSV/JSON
#: (``cinc``, ``cinc_share``, ``share``), and the caption that explains them.
FROM_DATA_SHARE_HEADERS = ("CINC, world share", "CINC, scenario share", "model index share")
FROM_DATA_CAPTION = (
    "CINC, world share (cinc): COW's published CINC, the state's share of the whole system's capabilities "
    "(summed for an aggregate). CINC, scenario share (cinc_share): the same rescaled to sum to 1 over these "
    "rows. Model index share (share): the model's composite index of the scenario's start, summing to 1; "
    "fidelity compares it with the CINC scenario share. burden: initial military burden. growth: the "
    "economy's yearly growth trend before the start (growth; population_growth, technology_growth and "
    "resources_growth are in the CSV/JSON and the YAML)."
)


def _pct(x: float) -> str:
    """A yearly rate as a percentage for the table; none (NaN) reads "–"."""
    return f"{100 * x:+.1f}%" if isinstance(x, (int, float)) and math.isfinite(x) else "–"


def _rich_table(title: str, columns: list[str], rows: list[list[str]], caption: str | None = None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=escape(_safe(title)), show_lines=False, caption=caption, caption_justify="left")
    for k, c in enumerate(columns):
        t.add_column(escape(_safe(c)), justify="left" if k == 0 else "right")
    for r in rows:
        t.add_row(*(escape(_safe(x)) for x in r))
    Console(width=140).print(t)


def add_scenario_commands(scenario_app: typer.Typer) -> None:
    """Add ``from-data`` to the ``scenario`` sub-app."""

    @scenario_app.command("from-data")
    def from_data(
        year: int = typer.Argument(..., help="Calendar year of the real system (the NMC file's years: 1816–2016 for v6.0, 1816–2022 for v7.0, or those of --nmc-path)."),
        top: int = typer.Option(10, "--top", "-k", help="Number of strongest states by CINC listed individually (≥ 2)."),
        out: Path = typer.Option(..., "--out", "-o", help="Scenario YAML file to write."),
        rest: str = typer.Option("aggregate", "--rest", help="The other states: aggregate (one 'Rest of world'), minor (next --minors states), drop."),
        minors: int | None = typer.Option(
            None, "--minors", help="With --rest minor: how many further states to list (0 to the states left; default 10, or all if fewer)."
        ),
        nmc: str = typer.Option("6.0", "--nmc", help="COW NMC version: 6.0 (1816–2016) or 7.0 (1816–2022)."),
        region: str | None = typer.Option(None, "--region", help="Restrict to a COW region: americas, europe, africa, middle-east, asia, oceania."),
        alliance_types: str = typer.Option("defense", "--alliance-types", help="Comma-separated pact types set as alliances: defense, neutral, nonagg, entente."),
        name: str | None = typer.Option(None, "--name", help="Scenario name (default cow-YEAR-topK)."),
        trend_window: int = typer.Option(
            25, "--trend-window",
            help="Years before YEAR each state's growth trends (economy, population, technology, resources) are "
            "estimated from; 0 leaves them to the engine's defaults (2–200, or 0).",
        ),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
        nmc_path: Path | None = typer.Option(None, "--nmc-path", "--path", help=_NMC_PATH_HELP),
        capitals_path: Path | None = typer.Option(None, "--capitals-path", help=_CAPITALS_PATH_HELP),
        alliances_path: Path | None = typer.Option(None, "--alliances-path", help=_ALLIANCES_PATH_HELP),
        democracy_path: Path | None = typer.Option(None, "--democracy-path", help=_DEMOCRACY_PATH_HELP),
        states_path: Path | None = typer.Option(None, "--states-path", help=_STATES_PATH_HELP),
        fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP + " The YAML goes to --out."),
    ) -> None:
        """Build a scenario from a real year's COW capabilities and write it as YAML."""
        from ..output import atomic_write_text, check_out_file
        from .cli import _emit, _fmt, _jsonable, _records
        from .scenarios_from_data import build_from_data

        f_out = _fmt(fmt)
        check_out_file(out, overwrite, "--out")  # before the work, not only when writing
        types = tuple(t.strip() for t in alliance_types.split(",") if t.strip())
        src = DataSource(
            nmc=nmc_path, capitals=capitals_path, alliances=alliances_path, democracy=democracy_path, states=states_path
        )
        with data_options(src, FROM_DATA_OPTIONS):
            fd = build_from_data(
                year, top, nmc, rest, name, minors=minors, region=region, alliance_types=types, source=src,
                trend_window=trend_window,
            )
        atomic_write_text(out, fd.scenario.to_yaml(), overwrite=overwrite)
        f = fd.fidelity
        fidelity_line = (
            f"fidelity to CINC: correlation {f['corr']:.3f}, mean |diff| {f['mean_abs_diff']:.4f}, "
            f"max |diff| {f['max_abs_diff']:.4f}; {len(fd.scenario.alliances)} alliance pair(s)"
        )
        source = f"COW NMC v{fd.nmc}" if fd.paths.get("nmc") is None else f"NMC file {fd.paths['nmc']}"
        if f_out == "table":
            rows = []
            for r in fd.table.itertuples():
                rows.append([
                    r.name, r.kind, "" if r.kind == "rest" else str(r.ccode), f"{r.cinc:.3f}", f"{r.cinc_share:.3f}",
                    f"{r.share:.3f}", f"{r.burden:.3f}", _pct(r.growth), f"{r.lat:.1f}, {r.lon:.1f}",
                ])
            _rich_table(
                f"{fd.scenario.name}: {year}, {source}",
                ["state", "kind", "ccode", *FROM_DATA_SHARE_HEADERS, "burden", "growth", "position"],
                rows,
                caption=FROM_DATA_CAPTION,
            )
            typer.echo(fidelity_line)
        elif f_out == "csv":
            _emit(fd.table, "csv")
            typer.echo(fidelity_line, err=True)
        else:
            payload = {
                "scenario": fd.scenario.name,
                "year": fd.year,
                "nmc": fd.nmc,
                "data_files": {k: str(v) for k, v in fd.paths.items() if v is not None},
                "out": str(out),
                "fidelity": _jsonable(fd.fidelity),
                "alliances": [list(a) for a in fd.scenario.alliances],
                "states": _records(fd.table),
            }
            _emit(fd.table, "json", payload=payload)
        typer.echo(f"wrote {out}", err=True)


#: How the backtest's table names the scored quantities (keys of ``summary["scores"]``).
SCORE_NAMES = {
    "con": "CON",
    "n_great_powers": "great powers",
    "war_onsets": "war onsets / year",
    "initiator_success": "initiator wins (share)",
    "state_deaths": "state deaths / year",
}


def _num(x: float, digits: int = 3) -> str:
    """A figure for the table; an undefined one (NaN) reads "–"."""
    return f"{x:.{digits}f}" if isinstance(x, (int, float)) and math.isfinite(x) else "–"


def add_backtest(app: typer.Typer) -> None:
    """Add ``backtest`` to the main app."""

    @app.command("backtest")
    def backtest_cmd(
        start: int = typer.Option(1950, "--from", help="Start year: the scenario is built from this year's real system."),
        end: int = typer.Option(2000, "--to", help="Last year compared."),
        top: int = typer.Option(10, "--top", "-k", help="States listed individually (the rest aggregated)."),
        worlds: int = typer.Option(200, "--worlds", "-r", help="Simulated worlds."),
        seed: int = typer.Option(0, "--seed", help="Root seed."),
        nmc: str = typer.Option("6.0", "--nmc", help="COW NMC version: 6.0 or 7.0."),
        rest: str = typer.Option("aggregate", "--rest", help="aggregate, minor or drop (as in `scenario from-data`)."),
        out: Path | None = typer.Option(
            None, "--out", "-o",
            help="Folder for backtest.png, backtest.csv, summary.json (earlier ones replaced; other files kept).",
        ),
        fmt: str | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
        nmc_path: Path | None = typer.Option(None, "--nmc-path", "--path", help=_NMC_PATH_HELP),
        capitals_path: Path | None = typer.Option(None, "--capitals-path", help=_CAPITALS_PATH_HELP),
        alliances_path: Path | None = typer.Option(None, "--alliances-path", help=_ALLIANCES_PATH_HELP),
        democracy_path: Path | None = typer.Option(None, "--democracy-path", help=_DEMOCRACY_PATH_HELP),
        states_path: Path | None = typer.Option(None, "--states-path", help=_STATES_PATH_HELP),
    ) -> None:
        """Run the model from a real year and compare its polarity and CON with history."""
        from ..output import atomic_write_text
        from .backtest import backtest, backtest_csv, plot_backtest, summary_json
        from .cli import _check_outdir, _fmt, write_out_files

        f_out = _fmt(fmt)
        _check_outdir(out)
        src = DataSource(
            nmc=nmc_path, capitals=capitals_path, alliances=alliances_path, democracy=democracy_path, states=states_path
        )
        with data_options(src, BACKTEST_OPTIONS):
            res = backtest(start, end, top=top, worlds=worlds, seed=seed, nmc=nmc, rest=rest, source=src)
        if out is not None:
            write_out_files(
                out,
                {
                    "backtest.png": lambda p: plot_backtest(res, p),
                    "backtest.csv": lambda p: atomic_write_text(p, backtest_csv(res)),
                    "summary.json": lambda p: atomic_write_text(p, summary_json(res)),
                },
            )
        if f_out == "json":
            typer.echo(summary_json(res), nl=False)
        elif f_out == "csv":
            typer.echo(backtest_csv(res), nl=False)
        else:
            t = res.table
            step = max(1, len(t) // 20)
            rows = [
                [
                    str(r.year), f"{r.sim_con_median:.3f}", f"{r.sim_con_p05:.3f}–{r.sim_con_p95:.3f}", f"{r.real_con:.3f}",
                    "yes" if r.in_band else "no", r.real_polarity, f"{r.sim_share_real_label:.0%}",
                    f"{r.sim_n_gp_mean:.2f}", str(r.real_n_gp), f"{r.system_con:.3f}", str(r.system_polarity),
                    f"{_num(r.real_war_onsets, 0)} / {r.sim_war_onsets_mean:.2f}",
                    f"{_num(r.real_state_deaths, 0)} / {r.sim_state_deaths_mean:.2f}",
                ]
                for r in t.iloc[::step].itertuples()
            ]
            _rich_table(
                f"Backtest {start}→{end} ({worlds} worlds, seed {seed})",
                ["year", "sim CON", "5–95 %", "real CON", "in band", "real polarity", "worlds agreeing",
                 "sim GPs", "real GPs", "system CON", "system polarity", "war onsets real / sim",
                 "state deaths real / sim"],
                rows,
            )
            s = res.summary
            _rich_table(
                "Scores against the no-change forecast (skill = 1 − error model / error no change; > 0 beats it)",
                ["quantity", "real", "model", "no change", "error model", "error no change", "skill", "CRPS",
                 "CRPS skill"],
                [
                    [SCORE_NAMES[q], _num(v["real"]), _num(v["sim"]), _num(v["nochange"]), _num(v["error_model"]),
                     _num(v["error_nochange"]), _num(v["skill"], 2), _num(v["crps"]), _num(v["crps_skill"], 2)]
                    for q, v in s["scores"].items()
                ],
            )
            for n in s["score_notes"]:
                typer.echo(_safe(f"note: {n}"))
            typer.echo(
                f"coverage {s['coverage']:.2f} · MAE of median CON {s['mae_median_con']:.3f} · "
                f"polarity agreement {s['polarity_agreement']:.2f} · great powers real {s['real_mean_n_great_powers']:.2f} "
                f"vs simulated {s['sim_mean_n_great_powers']:.2f}"
            )
            typer.echo(_safe(f"states: {', '.join(s['states'])}"))
