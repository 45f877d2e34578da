"""World state and engine parameters as frozen dataclasses of arrays.

Following the batched style of gymnax, the state of R independent worlds of
N states is a frozen dataclass of NumPy arrays shaped ``(R, N)`` (one value
per state) and ``(R, N, N)`` (one per ordered pair); the parameters are a
frozen dataclass too, built once from a validated :class:`~neorealism.scenario.Scenario`.
Mechanisms never mutate a state: they return a new one (``dataclasses.replace``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
from numpy.typing import NDArray

from . import rng
from .mechanisms import geography
from .scenario import COMPONENTS, Scenario

F = NDArray[np.float64]
B = NDArray[np.bool_]
I = NDArray[np.int64]  # noqa: E741


@dataclass(frozen=True)
class WorldState:
    """R worlds × N states.

    Capability components (Waltz's "capabilities": Singer et al. 1972's
    material bases of power) are ``military`` (stock), ``economy``,
    ``population``, ``resources`` and ``technology``.  ``burden`` is the share
    of the economy spent on arms; ``growth`` each state's base growth rate
    in that world; ``alive`` is absorbing (a dead state never returns).
    ``allied`` is the symmetric alliance matrix.  Ongoing wars are indexed
    by attacker: ``war_target[r, i]`` is the state i is fighting as
    initiator (−1 none), with start year and accumulated losses.
    """

    t: int
    military: F
    economy: F
    population: F
    resources: F
    technology: F
    burden: F
    growth: F
    alive: B
    allied: B
    war_target: I
    war_start: I
    war_losses: F

    @property
    def shape(self) -> tuple[int, int]:
        return self.military.shape  # type: ignore[return-value]

    def components(self) -> F:
        """Stacked capability components ``(R, 5, N)`` in the order of :data:`COMPONENTS`."""
        return np.stack([getattr(self, c) for c in COMPONENTS], axis=1)

    def select(self, rows: NDArray[np.integer] | slice) -> WorldState:
        """The state of a subset of worlds (for tests and diagnostics)."""
        kw = {}
        for f in fields(self):
            v = getattr(self, f.name)
            kw[f.name] = v[rows] if isinstance(v, np.ndarray) else v
        return WorldState(**kw)


@dataclass(frozen=True)
class EngineParams:
    """Every parameter the mechanisms read, with per-state vectors precomputed.

    Scalars mirror :class:`~neorealism.scenario.Params` (see its field
    descriptions for meaning, default and range); ``decay`` is the
    loss-of-strength matrix exp(−λ·d_ij) from the map (Boulding 1962),
    ``offensive`` marks states with the offensive doctrine, ``actor`` the
    unitary actors (not an aggregate of many states).
    """

    n_states: int
    names: tuple[str, ...]
    decay: F = field(repr=False)
    offensive: B = field(repr=False)
    actor: B = field(repr=False)
    base_growth: F = field(repr=False)
    # growth
    growth_spread: float
    growth_sd: float
    guns_butter: float
    pop_growth: float
    tech_growth: float
    res_growth: float
    # armament
    base_burden: float
    max_burden: float
    sensitivity: float
    adjustment: float
    depreciation: float
    conversion: float
    # threat
    offense_weight: float
    # war
    theta: float
    decisiveness: float
    war_cost: float
    economic_cost: float
    transfer: float
    decisive_prob: float
    threshold: float
    offensive_threshold: float
    temperature: float
    opportunity: float
    survival_floor: float
    # authority
    enforcement: float
    penalty: float
    # perception
    capability_noise: float
    # measures
    gp_rule: str
    gp_threshold: float
    gp_relative: float

    @classmethod
    def from_scenario(cls, sc: Scenario) -> EngineParams:
        p = sc.params
        pos = np.array([s.position for s in sc.states], dtype=np.float64)
        dist = geography.distances(pos, p.geography.metric)
        return cls(
            n_states=sc.n_states,
            names=tuple(s.name for s in sc.states),
            decay=geography.decay(dist, p.geography.decay),
            offensive=np.array([s.doctrine == "offensive" for s in sc.states]),
            actor=np.array([not s.aggregate for s in sc.states]),
            base_growth=np.array([p.growth.base if s.growth is None else s.growth for s in sc.states]),
            growth_spread=p.growth.spread,
            growth_sd=p.growth.sd,
            guns_butter=p.growth.guns_butter,
            pop_growth=p.growth.population,
            tech_growth=p.growth.technology,
            res_growth=p.growth.resources,
            base_burden=p.armament.base_burden,
            max_burden=p.armament.max_burden,
            sensitivity=p.armament.sensitivity,
            adjustment=p.armament.adjustment,
            depreciation=p.armament.depreciation,
            conversion=p.armament.conversion,
            offense_weight=p.threat.offense_weight,
            theta=p.war.offense_defense,
            decisiveness=p.war.decisiveness,
            war_cost=p.war.cost,
            economic_cost=p.war.economic_cost,
            transfer=p.war.transfer,
            decisive_prob=p.war.decisive_prob,
            threshold=p.war.threshold,
            offensive_threshold=p.war.offensive_threshold,
            temperature=p.war.temperature,
            opportunity=p.war.opportunity,
            survival_floor=p.war.survival_floor,
            enforcement=p.authority.enforcement,
            penalty=p.authority.penalty,
            capability_noise=p.perception.capability_noise,
            gp_rule=p.measures.gp_rule,
            gp_threshold=p.measures.gp_threshold,
            gp_relative=p.measures.gp_relative,
        )


def init_state(sc: Scenario, params: EngineParams, keys: NDArray[np.uint64]) -> WorldState:
    """The initial state of the worlds whose keys are given (shape ``(R,)``).

    Every world starts from the scenario's capabilities; each draws its own
    per-state base growth rates g_i ~ N(growth_i, spread) once, so that
    worlds differ in who rises and who declines (differential growth).
    """
    R, N = keys.shape[0], sc.n_states

    def tile(attr: str) -> F:
        v = np.array([getattr(s, attr) for s in sc.states], dtype=np.float64)
        return np.broadcast_to(v, (R, N)).copy()

    burden0 = np.array(
        [params.base_burden if s.burden is None else s.burden for s in sc.states], dtype=np.float64
    )
    growth = params.base_growth[None, :] + params.growth_spread * rng.normal(keys, 0, rng.Stream.INIT_GROWTH, (N,))
    index = {s.name: k for k, s in enumerate(sc.states)}
    allied = np.zeros((N, N), dtype=bool)
    for a, b in sc.alliances:
        allied[index[a], index[b]] = allied[index[b], index[a]] = True
    return WorldState(
        t=0,
        military=tile("military"),
        economy=tile("economy"),
        population=tile("population"),
        resources=tile("resources"),
        technology=tile("technology"),
        burden=np.broadcast_to(burden0, (R, N)).copy(),
        growth=growth,
        alive=np.ones((R, N), dtype=bool),
        allied=np.broadcast_to(allied, (R, N, N)).copy(),
        war_target=np.full((R, N), -1, dtype=np.int64),
        war_start=np.full((R, N), -1, dtype=np.int64),
        war_losses=np.zeros((R, N), dtype=np.float64),
    )
