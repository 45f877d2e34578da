"""The dashboard: ``neorealism serve`` shows the international system at work in the browser.

A FastAPI application (:mod:`.app`) serves one plain HTML and JavaScript page
(``static/``; Vega, Vega-Lite and vega-embed vendored, so it works offline)
and a JSON API over the library: runs of a scenario (:mod:`.jobs` runs them
in worker threads, cancellable; :mod:`.views` turns their tables into what
the charts draw), the real system from the Correlates of War data, and the
built-in experiments.  Nothing here simulates: the engine, the outcome
registry, the real-data layer and the experiment runner do, exactly as the
command line does (a run in the browser is world for world the run of
``neorealism run``).  See docs/dashboard.md.
"""

from __future__ import annotations

__all__ = ["Limits", "create_app", "serve"]


def __getattr__(name: str):
    if name in ("create_app", "serve", "Limits"):
        from . import app

        return getattr(app, name)
    raise AttributeError(name)
