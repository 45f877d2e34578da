"""Growth: uneven economic growth, the engine of power shifts; guns cost butter.

E' = E·(1 + g_i + ε − c·burden), ε ~ N(0, σ): states grow at different
rates (Gilpin 1981), so the distribution of capabilities — the variable of
Waltz's structure — shifts over time; what goes to arms is lost to growth
(the guns-versus-butter trade-off).  Population, technology and resources
grow at their own rates; the military stock depreciates and is rebuilt
from spending (:func:`.armament.build`).  Each world draws every state's
base growth rate g_i ~ N(growth_i, spread) once, so that worlds differ in
who rises and who declines.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from .. import rng
from ..schema import StrictModel
from . import armament
from .base import Mechanism, StateField, Step, Stream

#: Economies never fall below this share of their previous size in a year (a depression, not oblivion).
MIN_GROWTH_FACTOR = 0.5

INIT = Stream("growth", "base_rate", legacy=1)
SHOCK = Stream("growth", "shock", legacy=2)


class GrowthParams(StrictModel):
    """Differential growth and the guns-versus-butter trade-off.

    E' = E·(1 + g_i + ε − c·burden), ε ~ N(0, sd).  Uneven growth is what
    shifts the distribution of capabilities over time (Gilpin 1981; Waltz
    1979 treats the distribution as the variable that changes).
    """

    base: float = Field(default=0.02, ge=-0.2, le=0.3, description="default base growth rate g_i")
    spread: float = Field(default=0.005, ge=0.0, le=0.2, description="sd of per-state growth rates drawn once per world around each state's g_i")
    sd: float = Field(default=0.02, ge=0.0, le=0.5, description="sd of the yearly growth shock ε")
    guns_butter: float = Field(default=0.5, ge=0.0, le=5.0, description="c: growth lost per unit of military burden")
    population: float = Field(default=0.01, ge=-0.1, le=0.1, description="yearly population growth")
    technology: float = Field(default=0.01, ge=-0.1, le=0.2, description="yearly technology growth")
    resources: float = Field(default=0.0, ge=-0.1, le=0.1, description="yearly change of resources")


def _growth0(ctx):
    g = ctx.params.growth
    own = ctx.per_state("growth", default=np.nan)
    base = np.where(np.isnan(own), g.base, own)
    N = ctx.shape[1]
    return base + g.spread * rng.normal(ctx.keys, 0, INIT.id, (N,))


def grow(keys, state, params):
    g = params.growth
    alive = state.alive
    eps = g.sd * rng.normal(keys, state.t + 1, SHOCK.id, (state.shape[1],))
    factor = np.maximum(1.0 + state.growth + eps - g.guns_butter * state.burden, MIN_GROWTH_FACTOR)
    military = armament.build(state.military, state.economy, state.technology, state.burden, alive, params)
    zero = 0.0
    return state.replace(
        military=military,
        economy=np.where(alive, state.economy * factor, zero),
        population=np.where(alive, state.population * (1.0 + g.population), zero),
        technology=np.where(alive, state.technology * (1.0 + g.technology), zero),
        resources=np.where(alive, state.resources * (1.0 + g.resources), zero),
    ), ()


MECHANISM = Mechanism(
    name="growth",
    params=GrowthParams,
    doc=GrowthParams.__doc__ or "",
    sources=("Gilpin 1981", "Waltz 1979"),
    fields=(StateField("growth", np.float64, "state", _growth0, "this world's base growth rate g_i of each state"),),
    streams=(INIT, SHOCK),
    steps=(Step("grow", grow),),
    module=__name__,
)
