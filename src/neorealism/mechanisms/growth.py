"""Growth: uneven economic growth, the engine of power shifts; guns cost butter.

E' = E·(1 + g_i + ε − c·burden), ε ~ N(0, σ): states grow at different
rates (Gilpin 1981), so the distribution of capabilities — the variable of
Waltz's structure — shifts over time; what goes to arms is lost to growth
(the guns-versus-butter trade-off).  Population, technology and resources
grow at their own rates; the military stock depreciates and is rebuilt
from spending (:func:`.armament.build`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from .. import rng
from ..state import EngineParams, WorldState
from . import armament

#: Economies never fall below this share of their previous size in a year (a depression, not oblivion).
MIN_GROWTH_FACTOR = 0.5


def grow(state: WorldState, params: EngineParams, keys: NDArray[np.uint64]) -> WorldState:
    alive = state.alive
    eps = params.growth_sd * rng.normal(keys, state.t + 1, rng.Stream.GROWTH_SHOCK, (state.shape[1],))
    factor = np.maximum(1.0 + state.growth + eps - params.guns_butter * state.burden, MIN_GROWTH_FACTOR)
    military = armament.build(state.military, state.economy, state.technology, state.burden, alive, params)
    zero = 0.0
    return dataclasses.replace(
        state,
        military=military,
        economy=np.where(alive, state.economy * factor, zero),
        population=np.where(alive, state.population * (1.0 + params.pop_growth), zero),
        technology=np.where(alive, state.technology * (1.0 + params.tech_growth), zero),
        resources=np.where(alive, state.resources * (1.0 + params.res_growth), zero),
    )
