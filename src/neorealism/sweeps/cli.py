"""``neorealism sweep SPEC --out DIR`` and ``neorealism query DIR "SQL"``: thin shells over :mod:`neorealism.sweeps`.

Only typer is imported here; the engine, pandas, Dask and DuckDB load inside the commands.
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["register"]


class QueryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class _Progress:
    """Chunks done, worlds per second and the time left: a bar on a terminal, else a line every few seconds."""

    def __init__(self, name: str, terminal: bool, interval: float):
        self.name, self.terminal, self.interval = name, terminal, interval
        self.t0 = self.last = time.perf_counter()
        self.worlds = 0
        self.bar: Any = None
        self.task: Any = None

    def start(self, total: int, done: int) -> None:
        self.t0 = self.last = time.perf_counter()
        if self.terminal:
            from rich.console import Console
            from rich.markup import escape
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("chunks  {task.fields[rate]}"), TimeRemainingColumn(),
                                console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task(escape(self.name), total=total, completed=done, rate="")
            self.bar.start()

    def __call__(self, done: int, total: int, worlds: int) -> None:
        self.worlds += worlds
        now = time.perf_counter()
        rate = self.worlds / max(now - self.t0, 1e-9)
        if self.bar is not None:
            self.bar.update(self.task, completed=done, rate=f"{rate:,.0f} worlds/s")
            return
        if now - self.last >= self.interval and done < total:
            self.last = now
            left = (total - done) * (now - self.t0) / max(1, done) if done else float("nan")
            typer.echo(f"{self.name}: {done:,} of {total:,} chunks, {rate:,.0f} worlds/s, about {left:,.0f} s left",
                       err=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} TB"  # pragma: no cover


def _seconds(s: float) -> str:
    if s < 90:
        return f"{s:,.0f} s"
    if s < 5400:
        return f"{s / 60:,.0f} min"
    return f"{s / 3600:,.1f} h"


def sweep_cmd(
    spec_file: Annotated[Path, typer.Argument(metavar="SPEC.yaml", help="A sweep spec (see examples/sweep.yaml).",
                                              show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The sweep's folder (resumable).", file_okay=False)],
    workers: Annotated[int | None, typer.Option("--workers", "-w", help="Worker processes of the local pool "
                                                 "(≥ 1; default: the cores).", show_default=False)] = None,
    sequential: Annotated[bool, typer.Option("--sequential", help="Run every chunk in this process.")] = False,
    scheduler: Annotated[str | None, typer.Option("--scheduler", metavar="tcp://HOST:PORT",
                                                   help="Run on an existing Dask distributed cluster.",
                                                   show_default=False)] = None,
    dask_local: Annotated[int | None, typer.Option("--dask-local", metavar="N", help="Run on a local Dask cluster "
                                                    "of N worker processes.", show_default=False)] = None,
    retries: Annotated[int, typer.Option("--retries", help="Times a failing chunk is run again (0–10).")] = 2,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace what the folder holds (another sweep, a "
                                            "run).")] = False,
) -> None:
    """Run a parameter sweep into a resumable store: one checksummed Parquet file per chunk and a manifest.

    Samplers: grid, monte_carlo, latin_hypercube, sobol (SALib).  Each point
    runs `replications` worlds; every world's outcomes are kept (read them
    with `neorealism query DIR "SQL"` over the view `worlds`).  Killed, the
    same command resumes: finished chunks are verified and skipped.  The rows
    are the same whatever the back end or number of workers (docs/sweeps.md).
    """
    from ..cli import PROGRESS_INTERVAL, _stderr_is_terminal, safe_text
    from . import evaluators
    from .runner import estimate, free_bytes, plan, run_sweep
    from .spec import load_sweep

    chosen = [n for n, v in (("--sequential", sequential), ("--scheduler", scheduler is not None),
                             ("--dask-local", dask_local is not None)) if v]
    if len(chosen) > 1:
        raise typer.BadParameter(f"give one back end, not {' and '.join(chosen)}")
    for name, v, lo, hi in (("--workers", workers, 1, 1024), ("--dask-local", dask_local, 1, 1024),
                            ("--retries", retries, 0, 10)):
        if v is not None and not (lo <= v <= hi):
            from ..errors import ParameterError

            raise ParameterError(f"{name} {v}: allowed {lo} ≤ {name} ≤ {hi}")
    spec = load_sweep(spec_file)
    p = plan(spec)  # every point validated before a worker starts
    if sequential:
        ev = evaluators.SequentialEvaluator(retries=retries)
    elif scheduler is not None or dask_local is not None:
        ev = evaluators.DaskEvaluator(scheduler=scheduler, local=dask_local, retries=retries)
    else:
        ev = evaluators.ProcessPoolEvaluator(workers=workers, retries=retries)
    with ev:
        est = estimate(p, workers=ev.workers)
        typer.echo(
            f"{safe_text(spec.name)}: {len(p.points):,} points × {spec.replications:,} replications = "
            f"{spec.n_worlds:,} worlds × {spec.years:,} years in {p.n_chunks:,} chunks on {ev.describe()}; "
            f"estimated {_seconds(est.seconds)} and {_bytes(est.bytes)} on disk", err=True)
        free = free_bytes(out)
        if free is not None and est.bytes > free:
            from ..errors import ParameterError

            raise ParameterError(f"--out {out}: the sweep needs about {_bytes(est.bytes)}, more than the "
                                 f"{_bytes(free)} free there")
        prog = _Progress(spec.name, _stderr_is_terminal(), PROGRESS_INTERVAL)

        def on_start(pl: Any, left: int) -> None:
            if left < pl.n_chunks:
                typer.echo(f"resuming: {pl.n_chunks - left:,} of {pl.n_chunks:,} chunks already done", err=True)
            prog.start(pl.n_chunks, pl.n_chunks - left)

        try:
            res = run_sweep(spec, out, evaluator=ev, overwrite=overwrite, progress=prog, on_start=on_start)
        finally:
            prog.stop()
    if res.reused:
        typer.echo(f"{out} already holds this sweep, complete: nothing to do")
    else:
        rate = spec.n_worlds * (res.computed / max(1, res.chunks)) / max(res.elapsed, 1e-9)
        typer.echo(f"{res.chunks:,} chunks ({res.resumed:,} resumed, {res.computed:,} computed) in "
                   f"{res.elapsed:,.1f} s, {rate:,.0f} worlds/s")
    typer.echo(f'Results: {out}/ — neorealism query {out} "SELECT point, avg(wars) FROM worlds GROUP BY point"')


def query_cmd(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="A run's or a sweep's result folder.",
                                           show_default=False)],
    sql: Annotated[str, typer.Argument(metavar="SQL", help="DuckDB SQL over the views states, system, events (a "
                                       "run) or worlds (a sweep).", show_default=False)],
    fmt: Annotated[QueryFormat, typer.Option("--format", help="table (plain text when piped), csv or json.")]
    = QueryFormat.table,
    limit: Annotated[int, typer.Option("--limit", help="Most rows printed as a table (csv and json print all).")]
    = 50,
) -> None:
    """Run DuckDB SQL over the Parquet files of a run or a sweep and print the answer."""
    from .. import api

    df = api.query(folder, sql)
    if fmt == QueryFormat.csv:
        typer.echo(df.to_csv(index=False, lineterminator="\n"), nl=False)
    elif fmt == QueryFormat.json:
        typer.echo(df.to_json(orient="records", indent=1))
    else:
        from rich.table import Table

        from ..cli import _console, safe_text

        t = Table(box=None, pad_edge=False, show_edge=False)
        for c in df.columns:
            t.add_column(safe_text(str(c)), overflow="fold")
        for row in df.head(limit).itertuples(index=False):
            t.add_row(*(safe_text(f"{v:.6g}" if isinstance(v, float) else str(v)) for v in row))
        _console().print(t)
        if len(df) > limit:
            typer.echo(f"… {len(df) - limit:,} more rows (--limit, or --format csv)", err=True)


def register(app: typer.Typer) -> None:
    """Add ``sweep`` and ``query`` to the top-level command."""
    app.command("sweep")(sweep_cmd)
    app.command("query")(query_cmd)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
