"""The batch engine: R worlds advance year by year through the mechanisms of docs/DESIGN.md §2.

``step(keys, state, params)`` is pure (gymnax style): it returns a new
:class:`~neorealism.state.WorldState` and the year's events.  One year runs,
in order:

1. perceive       – :mod:`.mechanisms.perception` (capabilities, optionally noisy)
2. assess threat  – :mod:`.mechanisms.threat` (power × proximity × offense)
3. cooperate      – seam: relative-gains cooperation (later mechanism)
4. allocate       – :mod:`.mechanisms.armament` (internal balancing)
5. ally           – seam: alliance formation (later); alliances set by the scenario persist
6. decide war     – :mod:`.mechanisms.conflict` (expected utility) and :mod:`.mechanisms.authority`
7. resolve wars   – :mod:`.mechanisms.conflict` (contest, costs, transfers, conquest)
8. grow           – :mod:`.mechanisms.growth` (uneven growth, guns vs butter, military stock)
9. measure        – :mod:`.measures` (shares, great powers, polarity, CON, HHI)

There is no Python loop over states or dyads: every mechanism is a handful
of array operations over all worlds at once; the only loop is over years.
World ``w`` draws its random numbers from its own counter-based stream
(:mod:`.rng`), so its history is the same alone, in a batch of thousands,
or in any chunk.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import measures, rng
from .errors import ParameterError
from .mechanisms import armament, authority, conflict, growth, perception, threat
from .scenario import MAX_WORLDS, MAX_YEARS, Scenario
from .state import EngineParams, WorldState, init_state

STATE_VARS = ("military", "economy", "population", "resources", "technology", "burden")
EVENT_TYPES = ("war_start", "war_end", "death", "war_prevented")
#: Which years' state rows a run keeps: every year, the first and last, or none.
STATES_RECORDED = ("all", "ends", "none")
#: Largest number of worlds run in one batch (memory: about 2 KiB per world-state-year recorded).
MAX_CHUNK_SIZE = 1_000_000


@dataclass(frozen=True)
class YearEvents:
    """Masks and indices of what happened in one year (all (R, N), indexed by state/initiator)."""

    war_started: NDArray[np.bool_]
    war_target: NDArray[np.int64]
    war_prevented: NDArray[np.bool_]
    prevented_target: NDArray[np.int64]
    outcome: conflict.WarOutcome


def step(
    keys: NDArray[np.uint64], state: WorldState, params: EngineParams, power: NDArray[np.float64] | None = None
) -> tuple[WorldState, YearEvents]:
    """Advance every world one year.  Pure: ``state`` is not modified.

    ``power`` is the composite index of ``state`` when the caller has it
    already (:func:`measure` of the same state); it is computed otherwise.
    """
    if power is None:
        power = measures.composite_index(state.components(), state.alive)
    # 1. perceive
    seen = perception.observed_military(state, params, keys)
    # 2. assess threat
    tau = threat.threat_ratio(state, power, params)
    # 3. cooperate: (relative-gains cooperation plugs in here)
    # 4. allocate: internal balancing
    state = armament.allocate(state, tau, params)
    # 5. ally: (alliance formation plugs in here; scenario alliances persist)
    # 6. decide war, subject to the authority (if any)
    attack, target, _eu = conflict.decide(state, seen, params, keys)
    state, stopped = authority.enforce(state, attack, params, keys)
    started = attack & ~stopped
    state = conflict.start_wars(state, started, target)
    # 7. resolve wars
    state, outcome = conflict.resolve(state, params, keys)
    # 8. grow
    state = growth.grow(state, params, keys)
    state = dataclasses.replace(state, t=state.t + 1)
    events = YearEvents(
        war_started=started,
        war_target=np.where(started, target, -1),
        war_prevented=stopped,
        prevented_target=np.where(stopped, target, -1),
        outcome=outcome,
    )
    return state, events


def measure(state: WorldState, params: EngineParams) -> dict[str, NDArray]:
    """9. measure: power shares and the system measures of every world."""
    power = measures.composite_index(state.components(), state.alive)
    sysm = measures.system_measures(
        power, rule=params.gp_rule, threshold=params.gp_threshold, relative=params.gp_relative,  # type: ignore[arg-type]
        actors=params.actor,
    )
    sysm["power"] = power
    sysm["leader_share"] = np.where(params.actor, power, 0.0).max(axis=-1)
    sysm["n_alive"] = state.alive.sum(axis=-1)
    return sysm


# --------------------------------------------------------------------------- running


@dataclass
class Trajectory:
    """Raw arrays of a batch run (time-major): what the tables are built from."""

    world_ids: NDArray[np.int64]
    years: NDArray[np.int64]  # calendar years, length T + 1
    state_vars: dict[str, NDArray]  # each (len(state_years), R, N)
    system_vars: dict[str, NDArray]  # each (T+1, R)
    events: dict[str, list[NDArray]]
    final: WorldState
    #: positions in ``years`` of the recorded state rows (all years, or only the first and last)
    state_years: NDArray[np.int64] | None = None


def _check_run(worlds: int, years: int, seed: int, chunk_size: int) -> None:
    if not (1 <= worlds <= MAX_WORLDS):
        raise ParameterError(f"worlds = {worlds}: allowed 1 ≤ worlds ≤ {MAX_WORLDS}")
    if not (1 <= years <= MAX_YEARS):
        raise ParameterError(f"years = {years}: allowed 1 ≤ years ≤ {MAX_YEARS}")
    if not (0 <= seed < 2**63):
        raise ParameterError(f"seed = {seed}: allowed 0 ≤ seed < 2^63")
    if not (1 <= chunk_size <= MAX_CHUNK_SIZE):
        raise ParameterError(f"chunk_size = {chunk_size}: allowed 1 ≤ chunk_size ≤ {MAX_CHUNK_SIZE}")


def recorded_years(states: str, years: int) -> NDArray[np.int64]:
    """Positions (0 = the initial state … ``years``) of the years whose state rows a run keeps."""
    if states == "all":
        return np.arange(years + 1, dtype=np.int64)
    return np.unique(np.array([0, years], dtype=np.int64)) if states == "ends" else np.array([], dtype=np.int64)


def run_batch(
    scenario: Scenario,
    world_ids: NDArray[np.integer],
    years: int,
    seed: int,
    *,
    params: EngineParams | None = None,
    record_states: bool | str = True,
    progress: Callable[[int], None] | None = None,
) -> Trajectory:
    """Run the worlds ``world_ids`` for ``years`` years; return the raw trajectory.

    ``record_states``: which years' state variables are kept in memory —
    ``"all"`` (or True), ``"ends"`` (the first and last year only: memory
    independent of the number of years) or ``"none"`` (or False).  System
    measures and events are always recorded for every year.
    """
    mode = {True: "all", False: "none"}.get(record_states, record_states)  # type: ignore[call-overload]
    if mode not in STATES_RECORDED:
        raise ParameterError(f"record_states = {record_states!r}: allowed True, False, {', '.join(STATES_RECORDED)}")
    params = params or EngineParams.from_scenario(scenario)
    ids = np.asarray(world_ids, dtype=np.int64)
    keys = rng.world_keys(seed, ids)
    state = init_state(scenario, params, keys)
    R, N = state.shape
    T = years
    state_years = recorded_years(mode, T)
    slot = np.full(T + 1, -1, dtype=np.int64)  # year -> row of the state arrays (−1: not kept)
    slot[state_years] = np.arange(len(state_years))
    sv: dict[str, NDArray] = {}
    if mode != "none":
        K = len(state_years)
        for v in STATE_VARS:
            sv[v] = np.empty((K, R, N), dtype=np.float64)
        sv["power"] = np.empty((K, R, N), dtype=np.float64)
        sv["alive"] = np.empty((K, R, N), dtype=bool)
        sv["great_power"] = np.empty((K, R, N), dtype=bool)
    sys_names = ("n_alive", "n_great_powers", "polarity", "con", "hhi", "leader_share", "wars_started", "wars_ongoing")
    sysv = {k: np.empty((T + 1, R), dtype=np.float64 if k in ("con", "hhi", "leader_share") else np.int64) for k in sys_names}
    ev: dict[str, list[NDArray]] = {k: [] for k in ("world", "year", "event", "war_id", "attacker", "defender", "winner", "loser", "state", "absorbed_by", "losses")}

    def record(t: int, st: WorldState, started: int | NDArray, ongoing: NDArray) -> NDArray[np.float64]:
        m = measure(st, params)
        k = slot[t]
        if sv and k >= 0:
            for v in STATE_VARS:
                sv[v][k] = getattr(st, v)
            sv["power"][k] = m["power"]
            sv["alive"][k] = st.alive
            sv["great_power"][k] = m["gp"]
        sysv["n_alive"][t] = m["n_alive"]
        sysv["n_great_powers"][t] = m["n_great_powers"]
        sysv["polarity"][t] = m["polarity"]
        sysv["con"][t] = m["con"]
        sysv["hhi"][t] = m["hhi"]
        sysv["leader_share"][t] = m["leader_share"]
        sysv["wars_started"][t] = started
        sysv["wars_ongoing"][t] = ongoing
        return m["power"]

    power = record(0, state, 0, (state.war_target >= 0).sum(axis=-1))
    for t in range(1, T + 1):
        state, e = step(keys, state, params, power)
        power = record(t, state, e.war_started.sum(axis=-1), (state.war_target >= 0).sum(axis=-1))
        _collect_events(ev, ids, t, N, e)
        if progress is not None:
            progress(R)
    return Trajectory(
        world_ids=ids,
        years=scenario.start_year + np.arange(T + 1, dtype=np.int64),
        state_vars=sv,
        system_vars=sysv,
        events=ev,
        final=state,
        state_years=state_years,
    )


def _collect_events(ev: dict[str, list[NDArray]], ids: NDArray[np.int64], t: int, N: int, e: YearEvents) -> None:
    """Append the year's events (sparse) as index arrays; no loop over states."""

    def add(kind: int, r, war_id, attacker, defender, winner, loser, st, absorbed, losses) -> None:
        n = len(r)
        if n == 0:
            return
        ev["world"].append(ids[r])
        ev["year"].append(np.full(n, t, dtype=np.int64))
        ev["event"].append(np.full(n, kind, dtype=np.int8))
        ev["war_id"].append(np.broadcast_to(np.asarray(war_id, dtype=np.int64), (n,)))
        for key, val in (("attacker", attacker), ("defender", defender), ("winner", winner), ("loser", loser), ("state", st), ("absorbed_by", absorbed)):
            ev[key].append(np.broadcast_to(np.asarray(val, dtype=np.int64), (n,)))
        ev["losses"].append(np.broadcast_to(np.asarray(losses, dtype=np.float64), (n,)))

    none = -1
    r, i = np.nonzero(e.war_started)
    add(0, r, t * N + i, i, e.war_target[r, i], none, none, none, none, np.nan)
    o = e.outcome
    r, i = np.nonzero(o.ended)
    j = o.target[r, i]
    dec = o.decided[r, i]
    aw = o.attacker_won[r, i]
    winner = np.where(dec, np.where(aw, i, j), -1)
    loser = np.where(dec, np.where(aw, j, i), -1)
    add(1, r, o.start[r, i] * N + i, i, j, winner, loser, none, none, o.losses[r, i])
    r, i = np.nonzero(o.died)
    add(2, r, o.death_war[r, i], none, none, none, none, i, o.absorber[r, i], np.nan)
    r, i = np.nonzero(e.war_prevented)
    add(3, r, none, i, e.prevented_target[r, i], none, none, none, none, np.nan)


@dataclass
class SimulationResult:
    """The three tidy tables of a run (or of one chunk of worlds)."""

    scenario: Scenario
    states: pd.DataFrame
    system: pd.DataFrame
    events: pd.DataFrame


def _names_of(codes: NDArray[np.int64], names: tuple[str, ...]) -> pd.Categorical:
    cats = list(names)
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=cats) if len(codes) else pd.Categorical([], categories=cats)


#: Columns of the states table, in order (an empty table keeps them and their types).
STATE_COLUMNS = ("world", "year", "state", "alive", "military", "economy", "population", "resources",
                 "technology", "burden", "power", "great_power")


def _empty_states(names: tuple[str, ...]) -> pd.DataFrame:
    cols: dict[str, object] = {
        "world": np.array([], dtype=np.int32),
        "year": np.array([], dtype=np.int32),
        "state": pd.Categorical([], categories=list(names)),
        "alive": np.array([], dtype=bool),
    }
    for v in ("military", "economy", "population", "resources", "technology", "burden", "power"):
        cols[v] = np.array([], dtype=np.float64)
    cols["great_power"] = np.array([], dtype=bool)
    return pd.DataFrame(cols)


def to_tables(traj: Trajectory, scenario: Scenario, states: str = "all") -> SimulationResult:
    """Tidy tables from a trajectory, sorted by world, year (and state).

    ``states``: ``all`` state rows for every year, ``ends`` only the first
    and last year (enough for survival and great-power turnover), ``none``
    an empty states table (system measures and events only).
    """
    names = tuple(s.name for s in scenario.states)
    T1, R = len(traj.years), len(traj.world_ids)
    N = len(names)
    world_ry = np.repeat(traj.world_ids, T1)
    year_ry = np.tile(traj.years, R)

    def ry(a: NDArray) -> NDArray:  # (T+1, R) -> world-major flat
        return a.T.reshape(-1)

    system = pd.DataFrame(
        {
            "world": world_ry.astype(np.int32),
            "year": year_ry.astype(np.int32),
            "n_alive": ry(traj.system_vars["n_alive"]).astype(np.int32),
            "n_great_powers": ry(traj.system_vars["n_great_powers"]).astype(np.int32),
            "polarity": pd.Categorical.from_codes(ry(traj.system_vars["polarity"]).astype(np.int64), categories=list(measures.POLARITY_LABELS)),
            "con": ry(traj.system_vars["con"]),
            "hhi": ry(traj.system_vars["hhi"]),
            "leader_share": ry(traj.system_vars["leader_share"]),
            "wars_started": ry(traj.system_vars["wars_started"]).astype(np.int32),
            "wars_ongoing": ry(traj.system_vars["wars_ongoing"]).astype(np.int32),
        }
    )
    if states not in STATES_RECORDED:
        raise ParameterError(f"states = {states!r}: allowed {', '.join(STATES_RECORDED)}")
    if traj.state_vars and states != "none":
        kept = np.arange(T1) if traj.state_years is None else np.asarray(traj.state_years)
        want = recorded_years(states, T1 - 1)
        missing = np.setdiff1d(want, kept)
        if len(missing):
            raise ParameterError(
                f"states = {states!r}: this trajectory kept state rows for {len(kept)} of {T1} years "
                "(run_batch record_states); record 'all' to tabulate every year"
            )
        sel = np.searchsorted(kept, want)
        Ts = len(sel)

        def rys(a: NDArray) -> NDArray:  # (K, R, N) -> world, year, state
            return a[sel].transpose(1, 0, 2).reshape(-1)

        cols: dict[str, object] = {
            "world": np.repeat(traj.world_ids, Ts * N).astype(np.int32),
            "year": np.tile(np.repeat(traj.years[want], N), R).astype(np.int32),
            "state": _names_of(np.tile(np.arange(N), R * Ts), names),
            "alive": rys(traj.state_vars["alive"]),
        }
        for v in ("military", "economy", "population", "resources", "technology", "burden", "power"):
            cols[v] = rys(traj.state_vars[v])
        cols["great_power"] = rys(traj.state_vars["great_power"])
        states_df = pd.DataFrame(cols)
    else:
        states_df = _empty_states(names)
    events = _events_frame(traj, scenario, names)
    return SimulationResult(scenario=scenario, states=states_df, system=system, events=events)


def _events_frame(traj: Trajectory, scenario: Scenario, names: tuple[str, ...]) -> pd.DataFrame:
    ev = traj.events
    if ev["world"]:
        cat = {k: np.concatenate(v) for k, v in ev.items()}
    else:
        cat = {k: np.array([], dtype=np.float64 if k == "losses" else np.int64) for k in ev}
    name_arr = np.asarray([*names, ""], dtype=object)

    def nm(codes: NDArray) -> NDArray:
        c = np.asarray(codes, dtype=np.int64)
        return name_arr[np.where(c >= 0, c, len(names))]

    df = pd.DataFrame(
        {
            "world": cat["world"].astype(np.int32),
            "year": (cat["year"] + scenario.start_year).astype(np.int32),
            "event": np.asarray(EVENT_TYPES, dtype=object)[cat["event"].astype(np.int64)] if len(cat["event"]) else np.array([], dtype=object),
            "war_id": cat["war_id"].astype(np.int64),
            "attacker": nm(cat["attacker"]),
            "defender": nm(cat["defender"]),
            "winner": nm(cat["winner"]),
            "loser": nm(cat["loser"]),
            "state": nm(cat["state"]),
            "absorbed_by": nm(cat["absorbed_by"]),
            "losses": cat["losses"].astype(np.float64),
        }
    )
    order = np.lexsort((df["event"].map({k: n for n, k in enumerate(EVENT_TYPES)}).to_numpy(), df["year"].to_numpy(), df["world"].to_numpy()))
    return df.iloc[order].reset_index(drop=True)


def iter_chunks(
    scenario: Scenario,
    *,
    worlds: int | None = None,
    years: int | None = None,
    seed: int | None = None,
    chunk_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    states: str = "all",
) -> Iterator[SimulationResult]:
    """Run the scenario in chunks of worlds, yielding one :class:`SimulationResult` per chunk.

    World ids are global (chunk 2 of size 1000 holds worlds 1000–1999), so
    the results do not depend on ``chunk_size``.  ``progress`` is called with
    the number of world-years just completed.  ``states`` chooses the state
    rows kept: ``all`` years, the first and last (``ends``), or ``none``.
    """
    worlds = scenario.worlds if worlds is None else worlds
    years = scenario.years if years is None else years
    seed = scenario.seed if seed is None else seed
    _check_run(worlds, years, seed, chunk_size)
    if states not in STATES_RECORDED:
        raise ParameterError(f"states = {states!r}: allowed {', '.join(STATES_RECORDED)}")
    params = EngineParams.from_scenario(scenario)
    for lo in range(0, worlds, chunk_size):
        ids = np.arange(lo, min(worlds, lo + chunk_size), dtype=np.int64)
        traj = run_batch(scenario, ids, years, seed, params=params, record_states=states, progress=progress)
        yield to_tables(traj, scenario, states=states)


def simulate(
    scenario: Scenario,
    *,
    worlds: int | None = None,
    years: int | None = None,
    seed: int | None = None,
    chunk_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    states: str = "all",
) -> SimulationResult:
    """Run the scenario; all worlds' tables concatenated (see :func:`iter_chunks`)."""
    parts = list(iter_chunks(scenario, worlds=worlds, years=years, seed=seed, chunk_size=chunk_size, progress=progress, states=states))
    return SimulationResult(
        scenario=scenario,
        states=pd.concat([p.states for p in parts], ignore_index=True),
        system=pd.concat([p.system for p in parts], ignore_index=True),
        events=pd.concat([p.events for p in parts], ignore_index=True),
    )
