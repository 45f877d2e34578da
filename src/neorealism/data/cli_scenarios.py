"""CLI commands ``scenario from-data`` and ``backtest`` (mounted by :mod:`neorealism.data.cli`).

``add_scenario_commands(scenario_app)`` adds ``from-data`` to the
``neorealism scenario`` group; ``add_backtest(app)`` adds ``backtest`` to the
main app.  User errors are :class:`~neorealism.errors.NeorealismError`
(printed as one line, exit code 2, by the main app).
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import ParameterError


def _rich_table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, show_lines=False)
    for k, c in enumerate(columns):
        t.add_column(c, justify="left" if k == 0 else "right")
    for r in rows:
        t.add_row(*r)
    Console(width=140).print(t)


def add_scenario_commands(scenario_app: typer.Typer) -> None:
    """Add ``from-data`` to the ``scenario`` sub-app."""

    @scenario_app.command("from-data")
    def from_data(
        year: int = typer.Argument(..., help="Calendar year of the real system (COW NMC range, e.g. 1816–2016 for v6.0)."),
        top: int = typer.Option(10, "--top", "-k", help="Number of strongest states by CINC listed individually (≥ 2)."),
        out: Path = typer.Option(..., "--out", "-o", help="Scenario YAML file to write."),
        rest: str = typer.Option("aggregate", "--rest", help="The other states: aggregate (one 'Rest of world'), minor (next --minors states), drop."),
        minors: int = typer.Option(10, "--minors", help="With --rest minor: how many further states to list."),
        nmc: str = typer.Option("6.0", "--nmc", help="COW NMC version: 6.0 (1816–2016) or 7.0 (1816–2022)."),
        region: str | None = typer.Option(None, "--region", help="Restrict to a COW region: americas, europe, africa, middle-east, asia, oceania."),
        alliance_types: str = typer.Option("defense", "--alliance-types", help="Comma-separated pact types set as alliances: defense, neutral, nonagg, entente."),
        name: str | None = typer.Option(None, "--name", help="Scenario name (default cow-YEAR-topK)."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
    ) -> None:
        """Build a scenario from a real year's COW capabilities and write it as YAML."""
        from ..output import atomic_write_text
        from .scenarios_from_data import build_from_data

        if out.is_dir():
            raise ParameterError(f"--out {out} is a folder; give the path of the scenario file to write (e.g. {out / 'scenario.yaml'})")
        if out.exists() and not overwrite:
            raise ParameterError(f"--out {out} exists; give --overwrite to replace it")
        parent = next((p for p in out.absolute().parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            raise ParameterError(f"--out {out}: {parent} is a file, not a folder")
        types = tuple(t.strip() for t in alliance_types.split(",") if t.strip())
        fd = build_from_data(year, top, nmc, rest, name, minors=minors, region=region, alliance_types=types)
        atomic_write_text(out, fd.scenario.to_yaml(), overwrite=overwrite)
        rows = []
        for r in fd.table.itertuples():
            rows.append([
                r.name, r.kind, "" if r.kind == "rest" else str(r.ccode), f"{r.cinc_share:.3f}", f"{r.share:.3f}",
                f"{r.burden:.3f}", f"{r.lat:.1f}, {r.lon:.1f}",
            ])
        _rich_table(
            f"{fd.scenario.name}: {year}, COW NMC v{fd.nmc}",
            ["state", "kind", "ccode", "CINC share", "model share", "burden", "position"],
            rows,
        )
        f = fd.fidelity
        typer.echo(
            f"fidelity to CINC: correlation {f['corr']:.3f}, mean |diff| {f['mean_abs_diff']:.4f}, "
            f"max |diff| {f['max_abs_diff']:.4f}; {len(fd.scenario.alliances)} alliance pair(s)"
        )
        typer.echo(f"wrote {out}")


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
        out: Path | None = typer.Option(None, "--out", "-o", help="Folder for backtest.png, backtest.csv, summary.json."),
        fmt: str = typer.Option("table", "--format", "-f", help="Output to the terminal: table, csv or json."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace earlier backtest files in --out."),
    ) -> None:
        """Run the model from a real year and compare its polarity and CON with history."""
        from .backtest import BACKTEST_FILES, backtest, summary_json, write_backtest

        if fmt not in ("table", "csv", "json"):
            raise ParameterError(f"--format must be one of table, csv, json, got {fmt!r}")
        if out is not None:
            if out.exists() and not out.is_dir():
                raise ParameterError(f"--out {out} is a file, not a folder")
            existing = [f for f in BACKTEST_FILES if (out / f).exists()]
            if existing and not overwrite:
                raise ParameterError(f"--out {out} already holds {', '.join(existing)}; give --overwrite to replace them")
        res = backtest(start, end, top=top, worlds=worlds, seed=seed, nmc=nmc, rest=rest)
        if out is not None:
            write_backtest(res, out, overwrite=overwrite)
        if fmt == "json":
            typer.echo(summary_json(res), nl=False)
        elif fmt == "csv":
            typer.echo(res.table.to_csv(index=False, float_format="%.6g"), nl=False)
        else:
            t = res.table
            step = max(1, len(t) // 20)
            rows = [
                [
                    str(r.year), f"{r.sim_con_median:.3f}", f"{r.sim_con_p05:.3f}–{r.sim_con_p95:.3f}", f"{r.real_con:.3f}",
                    "yes" if r.in_band else "no", r.real_polarity, f"{r.sim_share_real_label:.0%}",
                    f"{r.sim_n_gp_mean:.2f}", str(r.real_n_gp), f"{r.system_con:.3f}", str(r.system_polarity),
                ]
                for r in t.iloc[::step].itertuples()
            ]
            _rich_table(
                f"Backtest {start}→{end} ({worlds} worlds, seed {seed})",
                ["year", "sim CON", "5–95 %", "real CON", "in band", "real polarity", "worlds agreeing",
                 "sim GPs", "real GPs", "system CON", "system polarity"],
                rows,
            )
            s = res.summary
            typer.echo(
                f"coverage {s['coverage']:.2f} · MAE of median CON {s['mae_median_con']:.3f} · "
                f"polarity agreement {s['polarity_agreement']:.2f} · great powers real {s['real_mean_n_great_powers']:.2f} "
                f"vs simulated {s['sim_mean_n_great_powers']:.2f}"
            )
            typer.echo(f"states: {', '.join(s['states'])}")
        if out is not None:
            typer.echo(f"wrote {out / 'backtest.png'}, {out / 'backtest.csv'}, {out / 'summary.json'}", err=True)
