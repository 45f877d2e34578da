"""Samplers of a sweep's parameter space; each takes a seeded ``numpy.random.Generator``.

- ``grid`` — every combination of ``levels`` evenly spaced values per
  ranged parameter (and every listed value);
- ``monte_carlo`` — independent uniform draws;
- ``latin_hypercube`` — one draw in each of ``points`` equal strata of every
  parameter (McKay, Beckman & Conover 1979), scipy's ``qmc.LatinHypercube``;
- ``sobol`` — Saltelli's (2002) scheme over a scrambled Sobol' sequence
  (SALib), ready for Sobol' indices: ``points`` · (D + 2) points.

A listed parameter (``values``) is drawn as an index into its list; an
``integer`` one is rounded.  The result is a DataFrame, one row per point in
sample order, one column per parameter path.  The same spec and generator
always give the same sample.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pandas as pd

from .spec import SweepSpec

__all__ = ["SAMPLERS", "sample"]


def _unit_to_values(spec: SweepSpec, u: np.ndarray) -> pd.DataFrame:
    """Points in [0, 1)^D → parameter values (ranges scaled, lists indexed, integers rounded)."""
    cols: dict[str, list | np.ndarray] = {}
    for j, (path, r) in enumerate(spec.parameters.items()):
        if r.values is not None:
            k = np.minimum((u[:, j] * len(r.values)).astype(np.int64), len(r.values) - 1)
            cols[path] = [r.values[i] for i in k]
        else:
            v = r.low + u[:, j] * (r.high - r.low)
            cols[path] = np.round(v).astype(np.int64) if r.integer else v
    return pd.DataFrame(cols)


def grid(spec: SweepSpec, rng: np.random.Generator) -> pd.DataFrame:
    axes = []
    for r in spec.parameters.values():
        if r.values is not None:
            axes.append(list(r.values))
        else:
            v = np.linspace(r.low, r.high, spec.levels)
            axes.append(sorted(set(np.round(v).astype(int).tolist())) if r.integer else v.tolist())
    rows = list(itertools.product(*axes))
    return pd.DataFrame(rows, columns=list(spec.parameters))


def monte_carlo(spec: SweepSpec, rng: np.random.Generator) -> pd.DataFrame:
    return _unit_to_values(spec, rng.random((spec.points, len(spec.parameters))))


def latin_hypercube(spec: SweepSpec, rng: np.random.Generator) -> pd.DataFrame:
    from scipy.stats import qmc

    return _unit_to_values(spec, qmc.LatinHypercube(d=len(spec.parameters), seed=rng).random(spec.points))


def sobol(spec: SweepSpec, rng: np.random.Generator) -> pd.DataFrame:
    from SALib.sample import sobol as salib_sobol

    names = list(spec.parameters)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[spec.parameters[p].low, spec.parameters[p].high] for p in names]}
    X = salib_sobol.sample(problem, spec.points, calc_second_order=False, scramble=True,
                           seed=int(rng.integers(2**31)))
    df = pd.DataFrame(X, columns=names)
    for p in names:
        if spec.parameters[p].integer:
            df[p] = np.round(df[p]).astype(np.int64)
    return df


#: sampler name → function(spec, rng) → DataFrame of points.
SAMPLERS: dict[str, Callable[[SweepSpec, np.random.Generator], pd.DataFrame]] = {
    "grid": grid, "monte_carlo": monte_carlo, "latin_hypercube": latin_hypercube, "sobol": sobol,
}


def sample(spec: SweepSpec) -> pd.DataFrame:
    """The spec's points, drawn with the generator its seed and name give."""
    from ..experiments.analysis import rng_for

    return SAMPLERS[spec.sampler](spec, rng_for(spec.seed, spec.name, "sample")).reset_index(drop=True)
