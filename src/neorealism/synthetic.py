"""Synthetic scenarios of any size, for benchmarks, tests and teaching.

``synthetic_scenario(n)`` draws n states with log-normally distributed
capabilities (a few large states and many small ones, as in real
capability distributions) on a 10 × 10 (thousand km) map, with default
parameters.  The draw is seeded, so the same call always gives the same
scenario.
"""

from __future__ import annotations

import numpy as np

from .scenario import MAX_STATES, Scenario, validate_scenario


def synthetic_scenario(n_states: int, seed: int = 0, *, name: str | None = None, params: dict | None = None) -> Scenario:
    if not (2 <= n_states <= MAX_STATES):
        raise ValueError(f"n_states = {n_states}: allowed 2 ≤ n_states ≤ {MAX_STATES}")
    g = np.random.default_rng(seed)
    size = g.lognormal(0.0, 1.0, n_states)
    states = []
    for k in range(n_states):
        s = size[k]
        states.append(
            {
                "name": f"S{k:03d}",
                "military": float(round(s * g.uniform(0.3, 0.7), 6)),
                "economy": float(round(s * g.uniform(0.8, 1.2), 6)),
                "population": float(round(s * g.uniform(0.5, 2.0), 6)),
                "resources": float(round(s * g.uniform(0.2, 1.5), 6)),
                "technology": float(round(g.uniform(0.8, 1.5), 6)),
                "position": [float(round(x, 4)) for x in g.uniform(0, 10, 2)],
                "doctrine": "offensive" if g.random() < 0.3 else "defensive",
            }
        )
    return validate_scenario(
        {"name": name or f"synthetic-{n_states}", "states": states, "params": params or {}},
        source="synthetic",
    )
