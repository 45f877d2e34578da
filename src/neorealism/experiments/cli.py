"""``neorealism experiment list | show | run``: the experiment layer's thin command-line shell.

Only typer is imported here; the specs, the engine and pandas load inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

experiment_app = typer.Typer(
    help="The theory's claims as runnable hypothesis tests: list, show and run experiments (docs/experiments.md).",
    no_args_is_help=True,
)


@experiment_app.command("list")
def list_cmd() -> None:
    """List the built-in experiments: name, title and the hypothesis' source."""
    from rich.table import Table

    from ..cli import _console, safe_text
    from .spec import builtin_names, load_spec

    table = Table(box=None, pad_edge=False, show_edge=False)
    for c in ("experiment", "title", "hypothesis from"):
        table.add_column(c, overflow="fold")
    for n in builtin_names():
        s = load_spec(n)
        table.add_row(safe_text(n), safe_text(s.title), safe_text(s.hypothesis.source))
    _console().print(table)


@experiment_app.command("show")
def show_cmd(
    name: Annotated[str, typer.Argument(metavar="NAME_OR_FILE", help="A built-in experiment or a spec .yaml file.",
                                        show_default=False)],
) -> None:
    """Print an experiment's spec (YAML): hypothesis, conditions, outcomes and predictions, worlds, years, seed.

    A built-in's text is printed as shipped, so `neorealism experiment show
    waltz-stability > mine.yaml` starts a spec of your own.
    """
    from ..cli import safe_text
    from .spec import builtin_names, builtin_text, load_spec

    if name in builtin_names():
        typer.echo(builtin_text(name), nl=False)
        return
    spec = load_spec(name)  # validated: a bad file is one error line
    import yaml

    typer.echo(safe_text(yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True),
                         lines=True), nl=False)


@experiment_app.command("run")
def run_cmd(
    name: Annotated[str, typer.Argument(metavar="NAME_OR_FILE", help="A built-in experiment (see `neorealism "
                                        "experiment list`) or a spec .yaml file.", show_default=False)],
    worlds: Annotated[int | None, typer.Option("--worlds", "-r", help="Worlds per condition (≥ 1); default: the "
                                                "spec's.", show_default=False)] = None,
    years: Annotated[int | None, typer.Option("--years", "-t", help="Years (≥ 1); default: the spec's.",
                                               show_default=False)] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", help="Root seed (≥ 0) of the worlds and of every "
                                              "bootstrap; default: the spec's.", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Result folder; default: "
                                              "results/experiment-<name>-seed<S>.", show_default=False,
                                              file_okay=False)] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an earlier experiment's files in --out.")]
    = False,
    chunk_size: Annotated[int | None, typer.Option("--chunk-size", help="Worlds per condition simulated together "
                                                    "(≥ 1); results do not depend on it.", show_default=False)] = None,
) -> None:
    """Run an experiment: every condition's worlds, effects with 95% intervals and verdicts, and the report.

    Writes into --out: summary.csv (experiment, outcome, condition, effect,
    ci_low, ci_high, verdict, with the baseline, prediction and smallest
    effect of interest), conditions.csv, Parquet results (per-world
    outcomes, system measures, wars), PNG plots and a self-contained
    report.html.  The verdicts are computed from the intervals
    (docs/experiments.md).
    """
    from ..cli import _Progress, _stderr_is_terminal
    from ..output import check_out_folder
    from .output import _check_folder
    from .runner import run_experiment, total_world_years
    from .spec import load_spec

    spec = load_spec(name)
    folder = out if out is not None else Path("results") / f"experiment-{spec.name}-seed{spec.seed if seed is None else seed}"
    check_out_folder(folder)
    _check_folder(folder, overwrite)  # refused before hours of simulation, not after
    prog = _Progress(spec.name, total_world_years(spec, worlds, years), _stderr_is_terminal())
    with prog:
        prog.stage("simulating")
        res = run_experiment(spec, worlds=worlds, years=years, seed=seed, chunk_size=chunk_size,
                             progress=prog.advance, source=name)
        prog.stage("writing results")
        path = res.write(folder, overwrite=overwrite)
    print_summary(res)
    typer.echo(f"Results: {path}/ (summary.csv, report.html)")


def print_summary(res) -> None:
    """The effects table: each outcome's effect with its 95% interval and the verdict."""
    from rich.table import Table

    from ..cli import _console, safe_text

    table = Table(title=f"{res.spec.name}: {res.worlds} worlds × {res.years} years, seed {res.seed}", box=None,
                  pad_edge=False, show_edge=False)
    for c in ("outcome", "condition", "vs", "predicted", "effect [95% interval]", "sesoi", "verdict"):
        table.add_column(c, overflow="fold", justify="right" if c in ("effect [95% interval]", "sesoi") else "left")

    def f(v: float) -> str:
        return "–" if v != v else f"{v:.3g}"

    for r in res.summary.itertuples(index=False):
        table.add_row(safe_text(r.outcome), safe_text(r.condition), safe_text(r.baseline), r.prediction,
                      f"{f(r.effect)} [{f(r.ci_low)}, {f(r.ci_high)}]", f(r.sesoi), r.verdict)
    _console().print(table)
