"""Synthetic scenarios of any size, for benchmarks, tests, teaching and controlled experiments.

``synthetic_scenario(n)`` draws n states with log-normally distributed
capabilities (a few large states and many small ones, as in real
capability distributions) on a 10 × 10 (thousand km) map, with default
parameters.  The draw is seeded, so the same call always gives the same
scenario.

Two families hold everything fixed but the distribution of capabilities,
as a controlled comparison needs (King, Keohane & Verba 1994: vary the
cause, hold the rest):

- :func:`polar_scenario` — ``poles`` equal great powers and equal minor
  states, the same number of states on the same map whatever the number of
  poles: bipolar against multipolar systems that differ *only* in polarity
  (Waltz 1979, ch. 8; Deutsch & Singer 1964);
- :func:`concentrated_scenario` — shares ∝ rank^(−s) (Zipf's law at s = 1):
  the same states and map at any concentration, for war against
  concentration (Mansfield 1992; Ray & Singer 1973's CON).

:data:`GENERATORS` names them for experiment specs
(``scenario: {generator: polar, n_states: 12, poles: 2}``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import fmath
from .scenario import MAX_STATES, Scenario, validate_scenario

__all__ = ["GENERATORS", "concentrated_scenario", "polar_scenario", "synthetic_scenario"]

#: Capability scale of the generated families: a state with share s has military 100·s, economy 250·s, …
_SCALE = {"military": 100.0, "economy": 250.0, "population": 180.0, "resources": 90.0}


def _check_n(n_states: int, lo: int = 2) -> None:
    if isinstance(n_states, bool) or not isinstance(n_states, (int, np.integer)) or not (lo <= n_states <= MAX_STATES):
        raise ValueError(f"n_states = {n_states!r}: allowed {lo} ≤ n_states ≤ {MAX_STATES}")


def synthetic_scenario(n_states: int, seed: int = 0, *, name: str | None = None, params: dict | None = None) -> Scenario:
    _check_n(n_states)
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


def _family(kind: str, shares: np.ndarray, seed: int, offensive_share: float, name: str, description: str,
            params: dict | None, names: list[str]) -> Scenario:
    """States with the given power shares on one seeded map: positions and doctrines depend on the seed only."""
    if not (0.0 <= offensive_share <= 1.0):
        raise ValueError(f"offensive_share = {offensive_share!r}: allowed 0 ≤ offensive_share ≤ 1")
    n = len(shares)
    g = np.random.default_rng([seed, n])  # the map and doctrines: the same for any distribution of shares
    pos = g.uniform(0.0, 10.0, (n, 2))
    offensive = g.random(n) < offensive_share
    states = []
    for k in range(n):
        s = float(shares[k])
        states.append({
            "name": names[k],
            **{c: float(round(v * s, 6)) for c, v in _SCALE.items()},
            "technology": 1.0,
            "position": [float(round(x, 4)) for x in pos[k]],
            "doctrine": "offensive" if offensive[k] else "defensive",
        })
    return validate_scenario(
        {"name": name, "description": description, "states": states, "params": params or {}}, source=kind,
    )


def polar_scenario(
    n_states: int = 12, poles: int = 2, *, gp_share: float = 0.8, seed: int = 0, offensive_share: float = 0.3,
    name: str | None = None, params: dict | None = None,
) -> Scenario:
    """``poles`` equal great powers holding ``gp_share`` of all capabilities, and ``n_states − poles`` equal minors.

    The map (positions), the doctrines and the number of states depend on
    ``seed`` and ``n_states`` only: two calls differing in ``poles`` give
    systems that differ only in how capabilities are distributed.  The
    great powers are ``P1 … Pk``, the minor states ``M01 …``.
    """
    _check_n(n_states, 3)
    if isinstance(poles, bool) or not isinstance(poles, (int, np.integer)) or not (1 <= poles < n_states):
        raise ValueError(f"poles = {poles!r}: allowed 1 ≤ poles < n_states = {n_states}")
    if not (0.0 < gp_share < 1.0):
        raise ValueError(f"gp_share = {gp_share!r}: allowed 0 < gp_share < 1")
    minors = n_states - poles
    if gp_share / poles <= (1 - gp_share) / minors:
        raise ValueError(f"gp_share = {gp_share}: each of the {poles} poles must hold more than each of the {minors} "
                         f"minor states (raise gp_share above {poles / n_states:.3f})")
    shares = np.r_[np.full(poles, gp_share / poles), np.full(minors, (1 - gp_share) / minors)]
    names = [f"P{k + 1}" for k in range(poles)] + [f"M{k + 1:02d}" for k in range(minors)]
    label = {1: "unipolar", 2: "bipolar"}.get(poles, f"multipolar ({poles} poles)")
    return _family("polar", shares, seed, offensive_share, name or f"polar-{n_states}-{poles}",
                   f"{poles} equal great powers with {gp_share:.0%} of capabilities and {minors} equal minor states: "
                   f"a {label} system on a fixed map.", params, names)


def concentrated_scenario(
    n_states: int = 12, exponent: float = 1.0, *, seed: int = 0, offensive_share: float = 0.3,
    name: str | None = None, params: dict | None = None,
) -> Scenario:
    """Shares ∝ rank^(−exponent): 0 is an even system, larger exponents concentrate capabilities in the leaders.

    States ``R01 … Rn`` in rank order, on a map that depends on ``seed`` and
    ``n_states`` only.
    """
    _check_n(n_states)
    if not (0.0 <= exponent <= 10.0):
        raise ValueError(f"exponent = {exponent!r}: allowed 0 ≤ exponent ≤ 10")
    w = fmath.power(np.arange(1, n_states + 1, dtype=np.float64), -float(exponent))
    names = [f"R{k + 1:02d}" for k in range(n_states)]
    return _family("concentrated", w / w.sum(), seed, offensive_share, name or f"concentrated-{n_states}-{exponent:g}",
                   f"{n_states} states with capability shares ∝ rank^−{exponent:g} on a fixed map.", params, names)


#: Generators an experiment spec can name: name → function(**arguments) → Scenario.
GENERATORS: dict[str, Callable[..., Scenario]] = {
    "synthetic": synthetic_scenario,
    "polar": polar_scenario,
    "concentrated": concentrated_scenario,
}


def generate(generator: str, **kw: Any) -> Scenario:
    """The scenario of a named generator (:data:`GENERATORS`)."""
    return GENERATORS[generator](**kw)
