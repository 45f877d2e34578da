"""Growth: uneven growth with catch-up; technology diffuses; guns cost butter.

Uneven growth shifts the distribution of capabilities, the variable of
Waltz's (1979) structure (Gilpin 1981).  Each year, in every living state
(docs/growth.md has the formulas, their units and their sources):

- **Technology diffuses from the frontier.**  T' = T·(1 + g_T,i + φ·ln(T_F/T)),
  T_F the highest technology among the living states: the laggard's
  advantage of backwardness (Gerschenkron 1962), realised by borrowing the
  leader's technology (Abramovitz 1986; Nelson & Phelps 1966's catch-up in
  the log-gap form of Barro & Sala-i-Martin 1997).  The leader's edge in
  technology erodes, one of Gilpin's (1981) sources of hegemonic decline.
- **Output per head converges, conditionally.**  With y = E/population, the
  state's steady-state path is y*_i(t) = κ_i·T_i(t)·e^{x·t}: proportional to
  its technology, with κ_i its output per head per unit of technology at the
  start (its "social capability", Abramovitz 1986; the conditioning
  variables of Barro 1991 and Mankiw, Romer & Weil 1992) and x the common
  trend of output per head beyond technology (x = base − population −
  technology, the defaults, so a state on its path grows at ``base``).
  The economy grows at
  E' = E·(1 + g_i + β·ln(y*_i/y_i) + ε − c·burden),  ε ~ N(0, sd),
  so that a state below its path (a laggard whose technology caught up, a
  state impoverished by arms or war, one hit by bad years) grows faster and
  one above it slower: β ≈ 0.02 a year, the rate of conditional
  β-convergence (Barro 1991; Barro & Sala-i-Martin 1992).  Differences in
  the trend rates g_i (the scenario's per-state ``growth`` and this world's
  draw) are transitional: they shift a state's level by about
  (g_i − base)/β, not its growth forever — growth rates regress to the mean
  (Easterly, Kremer, Pritchett & Summers 1993; Pritchett & Summers 2014).
  β = φ = 0 switch convergence off: the trends then persist and the state
  compounds every shock (the model before issue #15).
- **Guns cost butter, by a calibrated amount.**  c = ``guns_butter`` is the
  growth lost per unit of military burden: the defence–growth literature
  finds a small negative effect in growth regressions that control for the
  initial level (Deger & Sen 1995; Dunne, Smith & Willenbockel 2005; Dunne &
  Tian 2013; against Benoit 1973's positive association), roughly a tenth
  to a third of a point of growth per point of burden; c = 0.2.
- **Population and resources grow at per-state trends.**  Each state's
  trends (the scenario's ``population_growth``, ``technology_growth``,
  ``resources_growth``, else the group default) are drawn once per world
  with a small spread ``trend_spread``, as the economy's base rate is with
  ``spread``, so worlds differ in who grows.

The military stock depreciates and is rebuilt from spending
(:func:`.armament.build`).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from .. import fmath, rng
from ..kernels import use_kernels
from ..schema import StrictModel
from . import armament
from .base import Mechanism, StateField, Step, Stream, anywhere, memo, per_world_vector

#: Economies never fall below this share of their previous size in a year (a depression, not oblivion).
MIN_GROWTH_FACTOR = 0.5

INIT = Stream("growth", "base_rate", legacy=1)
SHOCK = Stream("growth", "shock", legacy=2)
POP_TREND = Stream("growth", "population_trend")
TECH_TREND = Stream("growth", "technology_trend")
RES_TREND = Stream("growth", "resources_trend")


class GrowthParams(StrictModel):
    """Uneven growth with conditional convergence, technology diffusion and the guns-versus-butter trade-off.

    T' = T·(1 + g_T,i + diffusion·ln(T_F/T));  E' = E·(1 + g_i + convergence·ln(y*/y) + ε − guns_butter·burden),
    y = E/population, y* = κ_i·T·e^{(base − population − technology)·t}, ε ~ N(0, sd) (Gilpin 1981;
    Gerschenkron 1962; Abramovitz 1986; Barro 1991; docs/growth.md).
    """

    base: float = Field(default=0.02, ge=-0.2, le=0.3, description="default base growth rate g_i of the economy")
    spread: float = Field(default=0.005, ge=0.0, le=0.2, description="sd of per-state growth rates drawn once per world around each state's g_i")
    sd: float = Field(default=0.02, ge=0.0, le=0.5, description="sd of the yearly growth shock ε")
    guns_butter: float = Field(
        default=0.2, ge=0.0, le=5.0,
        description="c: growth lost per unit of military burden (a small negative effect, about 0.1–0.33 points of "
        "growth per point of burden: Deger & Sen 1995; Dunne, Smith & Willenbockel 2005)",
    )
    convergence: float = Field(
        default=0.02, ge=0.0, le=0.5,
        description="β: share of the log gap between output per head and its steady-state path closed each year "
        "(conditional β-convergence ≈ 2%/yr, Barro 1991; 0 = off)",
    )
    diffusion: float = Field(
        default=0.02, ge=0.0, le=0.5,
        description="φ: share of the log gap to the technology frontier closed each year (Gerschenkron 1962; "
        "Abramovitz 1986; 0 = off)",
    )
    catch_up: float = Field(
        default=0.25, ge=0.0, le=1.0,
        description="ψ: share of a state's initial log gap to the technology frontier that diffusion can close "
        "(its absorptive capacity; 1 = to the frontier, Gerschenkron 1962; < 1: social capability limits catch-up, "
        "Abramovitz 1986; Comin & Mestieri 2018)",
    )
    population: float = Field(default=0.01, ge=-0.1, le=0.1, description="default yearly population growth trend")
    technology: float = Field(default=0.01, ge=-0.1, le=0.2, description="default yearly technology growth trend")
    resources: float = Field(default=0.0, ge=-0.1, le=0.1, description="default yearly change of resources")
    trend_spread: float = Field(
        default=0.001, ge=0.0, le=0.05,
        description="sd of the per-state population, technology and resources trends drawn once per world around "
        "each state's trend",
    )


def _trend(attr: str, default: str, stream: Stream, spread: str = "trend_spread"):
    """A per-state trend (the scenario's ``attr``, else ``growth.<default>``) drawn once per world with a spread."""

    def init(ctx):
        g = ctx.params.growth
        own = ctx.per_state(attr, default=np.nan)
        base = np.where(np.isnan(own), getattr(g, default), own)
        N = ctx.shape[1]
        return base + getattr(g, spread) * rng.normal(ctx.keys, 0, stream.id, (N,))

    return init


_growth0 = _trend("growth", "base", INIT, "spread")


def _log(x):
    return fmath.log(np.where(x > 0, x, 1.0))


def _capability0(ctx):
    """ln κ_i: log output per head per unit of technology at the start (0 where a component is not positive)."""
    E, P, T = (ctx.per_state(c) for c in ("economy", "population", "technology"))
    ok = (E > 0) & (P > 0) & (T > 0)
    return np.where(ok, _log(E) - _log(P) - _log(T), 0.0)


def frontier(technology, alive, actor):
    """T_F (R, 1): the highest technology among the living unitary states of each world (1 where none)."""
    present = alive & actor[None, :] & (technology > 0)
    top = np.where(present, technology, 0.0).max(axis=-1, keepdims=True)
    return np.where(top > 0, top, 1.0)


def technology_gap(technology, alive, actor):
    """ln(T_F / T) (R, N): the log gap to the frontier (0 at the frontier and where technology is not positive)."""
    ok = alive & (technology > 0)
    ratio = np.divide(frontier(technology, alive, actor), technology, out=np.ones(technology.shape), where=ok)
    return np.maximum(fmath.log(ratio), 0.0)


def technology_catch_up(state, params):
    """The log gap diffusion closes, ln(T_F/T) − (1 − ψ)·ln(T_F0/T_0), floored at 0 (R, N)."""
    gap = technology_gap(state.technology, state.alive, params.actor)
    return np.maximum(gap - (1.0 - params.growth.catch_up) * state.technology_gap0, 0.0)


def _technology_gap0(ctx):
    T = ctx.per_state("technology")
    return technology_gap(T, np.ones(T.shape, dtype=bool), ctx.params.actor)


def income_gap(state, params):
    """ln(y*/y) (R, N): the log gap between a state's steady-state path of output per head and its output per head.

    ln(y*/y) = ln κ + x·t + ln(T·P/E), one logarithm; 0 where a component is not positive.
    """
    g = params.growth
    E, P, T = state.economy, state.population, state.technology
    ok = state.alive & (E > 0) & (P > 0) & (T > 0)
    trend = (g.base - g.population - g.technology) * state.t
    ratio = np.divide(T * P, E, out=np.ones(E.shape), where=ok)
    return np.where(ok, state.social_capability + trend + fmath.log(ratio), 0.0)


def grow(keys, state, params):
    """A year of growth: technology diffuses, economies converge on their paths, guns cost butter."""
    g = params.growth
    alive = state.alive
    converges, diffuses = memo(params, "growth.on", lambda: (anywhere(g.convergence, lambda x: x > 0),
                                                            anywhere(g.diffusion, lambda x: x > 0)))
    if use_kernels():
        return _grow_kernel(keys, state, params, converges, diffuses), ()
    eps = g.sd * rng.normal(keys, state.t + 1, SHOCK.id, (state.shape[1],))
    conv = g.convergence * income_gap(state, params) if converges else 0.0
    factor = np.maximum(1.0 + state.growth + conv + eps - g.guns_butter * state.burden, MIN_GROWTH_FACTOR)
    tech = 1.0 + state.technology_trend
    if diffuses:
        tech = tech + g.diffusion * technology_catch_up(state, params)
    tech_factor = np.maximum(tech, MIN_GROWTH_FACTOR)
    military = armament.build(state.military, state.economy, state.technology, state.burden, alive, params)
    def kept(x):  # the living keep a non-negative amount (a transfer's rounding can leave −1e−16); the dead none
        return np.where(alive, np.maximum(x, 0.0), 0.0)

    return state.replace(
        military=military,
        economy=kept(state.economy * factor),
        population=kept(state.population * (1.0 + state.population_trend)),
        technology=kept(state.technology * tech_factor),
        resources=kept(state.resources * (1.0 + state.resources_trend)),
    ), ()


def _grow_kernel(keys, state, params, converges, diffuses):
    """:func:`grow` by :mod:`.growth_kernels`: the same numbers, in one pass (:func:`.growth_kernels.grow_year`,
    which takes the two logarithms of :func:`income_gap` and :func:`technology_gap` by the C library's log
    as ``fmath.log`` does, and builds the military as :func:`.armament.build` unless some world is in
    richardson mode, when :func:`.armament.build` runs as in the reference)."""
    from . import growth_kernels as kern

    R, N = state.shape
    vec = memo(params, ("growth.year", R), lambda: _year_vectors(params, R))
    sd, gb, beta, phi, keep_gap, rate, keep_m, conversion, richardson = vec
    E, P, T, alive = state.economy, state.population, state.technology, state.alive
    z = rng.normal(keys, state.t + 1, SHOCK.id, (N,))
    economy, population, technology, resources, military = (np.empty((R, N)) for _ in range(5))
    kern.grow_year(E, P, T, state.resources, state.military, alive, params.actor, state.growth, state.burden, z, sd,
                   gb, state.population_trend, state.technology_trend, state.resources_trend, converges, beta,
                   state.social_capability, rate, int(state.t), diffuses, phi, keep_gap, state.technology_gap0,
                   MIN_GROWTH_FACTOR, keep_m, conversion, economy, population, technology, resources, military)
    if richardson:
        military = armament.build(state.military, E, T, state.burden, alive, params)
    return state.replace(military=military, economy=economy, population=population, technology=technology,
                         resources=resources)


def _year_vectors(params, R):
    """The per-world parameters of :func:`.growth_kernels.grow_year` as (R,) vectors, and whether some world
    is in richardson mode (its military then comes from :func:`.armament.build`)."""
    g, a = params.growth, params.armament
    return [per_world_vector(x, R) for x in (g.sd, g.guns_butter, g.convergence, g.diffusion, 1.0 - g.catch_up,
                                             g.base - g.population - g.technology, 1.0 - a.depreciation,
                                             a.conversion)] + [anywhere(a.mode, lambda m: m == armament.RICHARDSON)]


MECHANISM = Mechanism(
    name="growth",
    params=GrowthParams,
    doc=GrowthParams.__doc__ or "",
    sources=(
        "Gilpin 1981", "Waltz 1979", "Gerschenkron 1962", "Abramovitz 1986", "Nelson & Phelps 1966", "Barro 1991",
        "Barro & Sala-i-Martin 1992", "Mankiw, Romer & Weil 1992", "Pritchett & Summers 2014",
        "Organski & Kugler 1980", "Benoit 1973", "Deger & Sen 1995", "Dunne, Smith & Willenbockel 2005",
    ),
    fields=(
        StateField("growth", np.float64, "state", _growth0, "this world's base growth rate g_i of each state's economy"),
        StateField("population_trend", np.float64, "state", _trend("population_growth", "population", POP_TREND),
                   "this world's yearly population growth trend of each state"),
        StateField("technology_trend", np.float64, "state", _trend("technology_growth", "technology", TECH_TREND),
                   "this world's yearly technology growth trend of each state (before diffusion)"),
        StateField("resources_trend", np.float64, "state", _trend("resources_growth", "resources", RES_TREND),
                   "this world's yearly change of each state's resources"),
        StateField("technology_gap0", np.float64, "state", _technology_gap0,
                   "ln(T_F/T) at the start: the state's initial log gap to the technology frontier"),
        StateField("social_capability", np.float64, "state", _capability0,
                   "ln κ_i: log output per head per unit of technology of the state's steady-state path "
                   "(its social capability, fixed at the start; Abramovitz 1986)"),
    ),
    streams=(INIT, SHOCK, POP_TREND, TECH_TREND, RES_TREND),
    steps=(Step("grow", grow),),
    module=__name__,
)
