"""Experiments: the theory's claims as runnable hypothesis tests (specs apart from the model, as EMA Workbench keeps them).

>>> from neorealism import experiments                                   # doctest: +SKIP
>>> spec = experiments.load_spec("waltz-stability")                      # a built-in, or a path to a .yaml spec
>>> res = experiments.run_experiment(spec, worlds=200, seed=0)
>>> res.summary                                                          # effect, 95% interval, verdict per row
>>> res.write("results/waltz-stability")                                 # Parquet, summary.csv, PNGs, report.html

- :mod:`.spec` — the YAML spec, validated (pydantic, ``extra="forbid"``);
- :mod:`.runner` — the conditions' worlds, batched with per-world parameters, common random numbers;
- :mod:`.analysis` — effects, paired bootstrap intervals, verdicts from the intervals and the smallest
  effect of interest;
- :mod:`.output` — the result folder and its offline report.

The outcomes compared are :data:`neorealism.outcomes.OUTCOMES`.  Built-in experiments are in
``builtin/`` (``neorealism experiment list``); docs/experiments.md describes each.
"""

from __future__ import annotations

from typing import Any

#: where each public name lives (imported on first use: ``neorealism experiment --help`` stays fast)
_LAZY = {
    "ExperimentResult": "runner", "run_experiment": "runner", "total_world_years": "runner",
    "ExperimentSpec": "spec", "builtin_names": "spec", "builtin_text": "spec", "load_spec": "spec",
    "parse_spec": "spec",
}

__all__ = [
    "ExperimentResult",
    "ExperimentSpec",
    "builtin_names",
    "builtin_text",
    "load_spec",
    "parse_spec",
    "run_experiment",
    "total_world_years",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
