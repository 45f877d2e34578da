"""Sweeps: a model's parameter space explored on millions of worlds, resumably, on any back end.

>>> from neorealism import sweeps                                        # doctest: +SKIP
>>> spec = sweeps.load_sweep("examples/sweep.yaml")
>>> with sweeps.ProcessPoolEvaluator(workers=2) as ev:
...     sweeps.run_sweep(spec, "results/sweep", evaluator=ev)
>>> sweeps.SweepResult.load("results/sweep").query("SELECT point, avg(wars) FROM worlds GROUP BY point")

- :mod:`.spec` — the YAML spec (parameters with ranges, sampler, replications, years, seed, outcomes);
- :mod:`.samplers` — grid, Monte Carlo, Latin hypercube, Sobol' (SALib), each from a seeded generator;
- :mod:`.evaluators` — sequential, local process pool, Dask distributed, behind one interface;
- :mod:`.runner` — chunks as per-world-parameter batches into the resumable store; reading it back.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "SweepSpec": "spec", "load_sweep": "spec", "parse_sweep": "spec",
    "sample": "samplers", "SAMPLERS": "samplers",
    "SequentialEvaluator": "evaluators", "ProcessPoolEvaluator": "evaluators", "DaskEvaluator": "evaluators",
    "run_sweep": "runner", "SweepResult": "runner", "SweepError": "runner", "evaluate_chunk": "runner",
    "plan": "runner", "estimate": "runner",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
