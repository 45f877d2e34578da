"""``neorealism serve``: a thin shell over :func:`neorealism.dashboard.app.serve`.

Only typer is imported here; FastAPI, uvicorn and the engine load when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["register"]


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; 127.0.0.1 (this machine only) by "
                                      "default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="Port (0: any free port).")] = 8765,
    max_worlds: Annotated[int, typer.Option("--max-worlds", help="Most worlds one run may ask for (1–10,000).")]
    = 200,
    max_years: Annotated[int, typer.Option("--max-years", help="Most years one run may ask for (1–10,000).")] = 500,
) -> None:
    """Open the local web dashboard: run scenarios and watch them year by year, compare runs, real data, experiments.

    Prints the address to open in a browser.  Works offline (every script is
    in the package).  Ctrl-C stops it.
    """
    from ..errors import ParameterError

    for name, v in (("--max-worlds", max_worlds), ("--max-years", max_years)):
        if not 1 <= v <= 10_000:
            raise ParameterError(f"{name} = {v}: allowed 1 ≤ {name} ≤ 10000")
    from .app import Limits, serve

    serve(host, port, Limits(max_worlds=max_worlds, max_years=max_years), announce=lambda s: typer.echo(s))


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the top-level command."""
    app.command("serve")(serve_cmd)
