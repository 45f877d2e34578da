"""The batch engine: invariants that must hold in every world, every year, and reproducibility.

``EngineInvariants`` carries the shared invariants (as Axelrod's base
player test does); each subclass runs them on one scenario.  The
hypothesis test runs them on arbitrary valid scenarios.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import scenarios

from neorealism import engine
from neorealism.errors import ParameterError
from neorealism.mechanisms.conflict import ATTACKER, DEFENDER
from neorealism.scenario import apply_overrides, load_scenario, validate_scenario
from neorealism.state import EngineParams
from neorealism.synthetic import synthetic_scenario

#: the recorded state variables that are amounts (capabilities and burden)
AMOUNTS = ("military", "economy", "population", "resources", "technology", "burden")


def check_invariants(traj: engine.Trajectory, params: EngineParams, start_burden: float = 0.0) -> None:
    sv, sysv = traj.state_vars, traj.system_vars
    alive = sv["alive"]
    for v in AMOUNTS:
        x = sv[v]
        assert np.isfinite(x).all(), f"{v} not finite"
        assert (x >= 0).all(), f"{v} negative"
        assert (x[~alive] == 0).all(), f"dead states hold {v}"
    # the dead stay dead
    assert not (alive[1:] & ~alive[:-1]).any()
    # power shares of living states sum to 1; the dead have none
    power = sv["power"]
    any_alive = alive.any(axis=-1)
    np.testing.assert_allclose(power.sum(axis=-1)[any_alive], 1.0, rtol=1e-9)
    assert (power[~alive] == 0).all()
    # each living state's burden stays between its own start and the mechanism's bounds: it moves from
    # its start toward a target in [base_burden, max_burden] (richardson: the implied spending, in
    # [0, max_burden]); test_burden_* below check that the cap is approached and that the target answers threat
    a = params.armament
    b, b0 = sv["burden"], sv["burden"][:1]
    cap = np.maximum(np.asarray(a.max_burden, dtype=float).reshape(-1, 1), b0)
    floor = np.where(np.asarray(a.mode).reshape(-1, 1) == "richardson", 0.0,
                     np.minimum(np.asarray(a.base_burden, dtype=float).reshape(-1, 1), b0))
    # bureaucratic bargaining (cognition) moves the budget incrementally, within [0, 0.9] rather than
    # armament's [base_burden, max_burden]: the critique that agencies, not strategists, set it (Allison 1971)
    from neorealism.mechanisms.cognition import MAX_BURDEN

    bureaucratic = (np.asarray(params.cognition.bureaucratic_inertia, dtype=float).reshape(-1, 1) > 0) & (
        np.asarray(a.mode).reshape(-1, 1) != "richardson")
    cap = np.where(bureaucratic, MAX_BURDEN, cap)
    floor = np.where(bureaucratic, 0.0, floor)
    assert ((b <= cap + 1e-12) | ~alive).all(), "a burden above its cap"
    assert ((b >= floor - 1e-12) | ~alive).all(), "a burden below its floor"
    assert start_burden >= 0
    # the system records agree with the state records
    np.testing.assert_array_equal(sysv["n_alive"], alive.sum(axis=-1))
    np.testing.assert_array_equal(sysv["n_great_powers"], sv["great_power"].sum(axis=-1))
    np.testing.assert_array_equal(sysv["polarity"], np.minimum(sysv["n_great_powers"], 3))
    con = sysv["con"]
    assert ((con >= 0) & (con <= 1)).all()
    assert (sv["great_power"] <= alive).all()
    # alliances symmetric, only among the living
    al = traj.final.allied
    assert (al == al.transpose(0, 2, 1)).all()
    assert not (al & ~traj.final.alive[:, :, None]).any()
    # every ongoing war is between living states
    tgt = traj.final.war_target
    rows = np.arange(tgt.shape[0])[:, None]
    assert not ((tgt >= 0) & ~traj.final.alive).any()
    assert not ((tgt >= 0) & ~traj.final.alive[rows, np.where(tgt >= 0, tgt, 0)]).any()
    # coalitions: every war's initiator leads the attacking side and its target the defending side;
    # free slots and the dead hold no side
    side = traj.final.war_side
    r, w = np.nonzero(tgt >= 0)
    assert (side[r, w, w] == ATTACKER).all() and (side[r, w, tgt[r, w]] == DEFENDER).all()
    assert not side[tgt < 0].any()
    assert not (side != 0)[np.broadcast_to(~traj.final.alive[:, None, :], side.shape)].any()


def _start_burden(sc) -> float:
    return max([s.burden for s in sc.states if s.burden is not None] + [sc.params.armament.base_burden])


class EngineInvariants:
    """Shared invariants; subclasses set ``scenario()``."""

    worlds = 40
    years = 120
    seed = 3

    @classmethod
    def scenario(cls):
        raise NotImplementedError

    @pytest.fixture(scope="class")
    @classmethod
    def run(cls):
        sc = cls.scenario()
        params = EngineParams.from_scenario(sc, cls.worlds)
        traj = engine.run_batch(sc, np.arange(cls.worlds), cls.years, cls.seed, params=params)
        return sc, params, traj

    def test_invariants(self, run):
        sc, params, traj = run
        check_invariants(traj, params, _start_burden(sc))

    def test_something_happens(self, run):
        # a model in which nothing ever happens cannot test the theory
        _, _, traj = run
        assert traj.system_vars["wars_started"].sum() > 0
        assert not np.array_equal(traj.state_vars["power"][0], traj.state_vars["power"][-1])

    def test_tables_match_arrays(self, run):
        sc, _, traj = run
        res = engine.to_tables(traj, sc)
        T1, N = len(traj.years), sc.n_states
        assert len(res.states) == self.worlds * T1 * N
        assert len(res.system) == self.worlds * T1
        starts = res.events[res.events.event == "war_start"]
        assert len(starts) == traj.system_vars["wars_started"].sum()
        deaths = res.events[res.events.event == "death"]
        assert len(deaths) == (~traj.final.alive).sum()
        ends = res.events[res.events.event == "war_end"]
        # every ended war started (same world, id), and its winner is one of the sides or none
        started_ids = set(zip(starts.world, starts.war_id, strict=True))
        assert set(zip(ends.world, ends.war_id, strict=True)) <= started_ids
        sides = (ends.winner == ends.attacker) | (ends.winner == ends.defender) | (ends.winner == "")
        assert sides.all()
        assert (ends.losses >= 0).all()
        # every death names the war it was conquered in: a war decided that year against the dead state's
        # side — it led the losing side, or joined it (war_join events)
        assert (deaths.war_id >= 0).all()
        lost = set(zip(ends.world, ends.year, ends.war_id, ends.loser, strict=True))
        dec = ends[ends.loser != ""]
        keys = list(zip(dec.world, dec.war_id, strict=True))
        losing_side = dict(zip(keys, np.where(dec.loser == dec.attacker, "attacker", "defender"), strict=True))
        end_year = dict(zip(keys, dec.year, strict=True))
        joins = res.events[res.events.event == "war_join"]
        for w, wid, st, side in zip(joins.world, joins.war_id, joins.state, joins.side, strict=True):
            if losing_side.get((w, wid)) == side:
                lost.add((w, end_year[(w, wid)], wid, st))
        assert set(zip(deaths.world, deaths.year, deaths.war_id, deaths.state, strict=True)) <= lost
        assert (res.states.year.min(), res.states.year.max()) == (sc.start_year, sc.start_year + self.years)


def test_burden_approaches_a_binding_cap_and_never_passes_it():
    """Under a low cap that threat makes bind, burdens come within 10% of it (40 worlds × 60 years) and stay below.

    (A bound the burdens never come near would hold whatever the code did.)
    """
    from neorealism.scenario import apply_overrides

    cap = 0.06
    sc = apply_overrides(load_scenario("multipolar"),
                         [f"armament.max_burden={cap}", "armament.futility=0", "armament.sensitivity=5"])
    traj = engine.run_batch(sc, np.arange(40), 60, 0)
    b, alive = traj.state_vars["burden"][1:], traj.state_vars["alive"][1:]
    assert b[alive].max() <= cap + 1e-12
    assert b[alive].max() >= 0.9 * cap, b[alive].max()
    assert (b[alive] >= 0.9 * cap).mean() > 0.005  # not one state-year only


def test_great_powers_raise_their_burden_against_a_surging_rival():
    """Internal balancing (Waltz 1979, ch. 8): when one great power's forces are tripled at the start, each of
    the others spends more on arms over the next ten years than in the same worlds without the surge.

    Measured when written (40 worlds, seed 0): all four raise it in 100% of the worlds; asked: ≥ 90%.
    The states are security seekers (beliefs.greedy_share 0): Waltz's balancers.  With greedy states
    drawn (the default 30%) the share is 80–97%: a greedy rival may rather be fighting, or bandwagon.
    """
    from neorealism.scenario import Scenario

    sc = apply_overrides(load_scenario("multipolar"), ["beliefs.greedy_share=0"])
    names = [s.name for s in sc.states]
    d = sc.model_dump()
    d["states"][names.index("Teutonia")]["military"] *= 3
    surge = Scenario.model_validate(d)
    base = engine.run_batch(sc, np.arange(40), 10, 0).state_vars["burden"][1:].mean(axis=0)
    hit = engine.run_batch(surge, np.arange(40), 10, 0).state_vars["burden"][1:].mean(axis=0)
    for rival in ("Albion", "Gallia", "Austria", "Ruthenia"):
        i = names.index(rival)
        assert (hit[:, i] > base[:, i]).mean() >= 0.9, rival


class TestBipolar(EngineInvariants):
    @classmethod
    def scenario(cls):
        return load_scenario("bipolar")


class TestMultipolar(EngineInvariants):
    @classmethod
    def scenario(cls):
        return load_scenario("multipolar")


class TestUnipolar(EngineInvariants):
    @classmethod
    def scenario(cls):
        return load_scenario("unipolar")


class TestViolentSynthetic(EngineInvariants):
    """Many wars, easy conquest, noisy perception, an authority: stresses every path."""

    @classmethod
    def scenario(cls):
        return synthetic_scenario(
            12, seed=4,
            params={
                "war": {"opportunity": 0.8, "offense_defense": 2.5, "survival_floor": 0.6, "transfer": 0.5},
                "authority": {"enforcement": 0.3},
                "perception": {"capability_noise": 0.5},
            },
        )

    def test_states_die(self, run):
        _, _, traj = run
        assert (~traj.final.alive).sum() > self.worlds  # more than one death per world on average


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios(min_states=2, max_states=7))
def test_invariants_hold_for_any_valid_scenario(data):
    sc = validate_scenario(data)
    params = EngineParams.from_scenario(sc, 6)
    traj = engine.run_batch(sc, np.arange(6), 25, seed=1, params=params)
    check_invariants(traj, params, _start_burden(sc))


# --- reproducibility ----------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", ["bipolar", "multipolar", "unipolar"])
def test_a_world_is_the_same_alone_in_a_batch_and_in_any_chunk(name):
    sc = load_scenario(name)
    alone = engine.simulate(sc, worlds=1, years=150, seed=11)
    batch = engine.simulate(sc, worlds=1000, years=150, seed=11, chunk_size=1000)
    chunked = engine.simulate(sc, worlds=60, years=150, seed=11, chunk_size=7)
    for table in ("states", "system", "events"):
        a = getattr(alone, table)
        for other in (batch, chunked):
            b = getattr(other, table)
            pd.testing.assert_frame_equal(a, b[b.world == 0].reset_index(drop=True))
    # a world in the middle of a chunk equals the same world run alone via world ids
    w = 43
    traj = engine.run_batch(sc, np.array([w]), 150, 11)
    one = engine.to_tables(traj, sc).system
    b = chunked.system
    pd.testing.assert_frame_equal(one, b[b.world == w].reset_index(drop=True))


def test_different_seeds_and_worlds_differ():
    sc = load_scenario("multipolar")
    a = engine.simulate(sc, worlds=2, years=100, seed=1).states
    b = engine.simulate(sc, worlds=2, years=100, seed=2).states
    assert not np.array_equal(a.economy.to_numpy(), b.economy.to_numpy())
    w0 = a[a.world == 0].economy.to_numpy()
    w1 = a[a.world == 1].economy.to_numpy()
    assert not np.array_equal(w0, w1)


def test_run_settings_are_checked():
    sc = load_scenario("bipolar")
    with pytest.raises(ParameterError, match="worlds = 0"):
        engine.simulate(sc, worlds=0)
    with pytest.raises(ParameterError, match="years"):
        engine.simulate(sc, worlds=1, years=0)
    with pytest.raises(ParameterError, match="seed"):
        engine.simulate(sc, worlds=1, years=1, seed=-1)


# --- aggregates ("Rest of world") -------------------------------------------------

def test_an_aggregate_counts_in_shares_but_never_acts():
    sc = load_scenario("cold-war-1950")
    agg = [k for k, s in enumerate(sc.states) if s.aggregate]
    assert agg, "the from-data scenario aggregates the rest of the world"
    res = engine.simulate(sc, worlds=200, years=50, seed=5)
    rest = sc.states[agg[0]].name
    st = res.states[res.states.state == rest]
    assert (st.power > 0.1).any()  # big enough to be a great power by share ...
    assert not st.great_power.any()  # ... but never counted as one
    ev = res.events
    assert len(ev[ev.event == "war_start"]) > 0
    assert not ((ev.attacker == rest) | (ev.defender == rest)).any()
    assert (res.system.leader_share <= res.states.groupby(["world", "year"]).power.max().to_numpy() + 1e-15).all()


def test_a_scenario_needs_two_actors():
    d = load_scenario("bipolar").model_dump()
    for s in d["states"][1:]:
        s["aggregate"] = True
    from neorealism.errors import ScenarioError

    with pytest.raises(ScenarioError, match="at least 2 states must be actors"):
        validate_scenario(d)


@pytest.mark.parametrize("name", ["bipolar", "cold-war-1950", "us-china-2016"])
def test_reported_start_structure_is_the_engines_first_year(name):
    # `neorealism validate` / `scenarios` report the structure at the start; it must be the
    # engine's own year-0 reading (aggregates never count as great powers)
    from neorealism.api import initial_structure

    sc = load_scenario(name)
    res = engine.simulate(sc, worlds=1, years=1, seed=0)
    first = res.states[res.states.year == sc.start_year]
    reported = initial_structure(sc)
    assert reported["great_powers"] == first.loc[first.great_power, "state"].astype(str).tolist()
    sys0 = res.system[res.system.year == sc.start_year].iloc[0]
    assert reported["polarity"] == sys0.polarity
    assert reported["con"] == pytest.approx(sys0.con)
    assert reported["hhi"] == pytest.approx(sys0.hhi)


def test_ends_keeps_only_two_years_in_memory_and_the_same_rows():
    sc = load_scenario("multipolar")
    full = engine.run_batch(sc, np.arange(6), 30, seed=2, record_states="all")
    ends = engine.run_batch(sc, np.arange(6), 30, seed=2, record_states="ends")
    assert ends.state_vars["economy"].shape == (2, 6, sc.n_states)  # memory does not grow with years
    for v in ("economy", "alive", "great_power"):
        np.testing.assert_array_equal(ends.state_vars[v], full.state_vars[v][[0, -1]])
    a = engine.to_tables(full, sc, states="ends").states
    b = engine.to_tables(ends, sc, states="ends").states
    pd.testing.assert_frame_equal(a, b)
    assert sorted(b.year.unique()) == [sc.start_year, sc.start_year + 30]
    # the system table and events do not depend on which state rows were kept
    pd.testing.assert_frame_equal(engine.to_tables(full, sc).system, engine.to_tables(ends, sc, states="ends").system)
    # a trajectory that kept two years cannot be tabulated for all years
    with pytest.raises(ParameterError, match="record 'all'"):
        engine.to_tables(ends, sc, states="all")
    with pytest.raises(ParameterError, match="record_states"):
        engine.run_batch(sc, np.arange(2), 5, seed=0, record_states="some")


def test_the_events_table_names_states_kinds_and_labels_from_their_codes():
    """Every text column of the events table is the name its code stands for (the empty string where
    an event has no such field), in pandas' string dtype, also for a chunk without events."""
    import pickle

    sc = load_scenario("multipolar")
    traj = engine.run_batch(sc, np.arange(40), 60, seed=1, record_states="none")
    ev = engine.to_tables(traj, sc, states="none").events
    reg = engine.current()
    fields = {f.name: f for f in reg.event_fields()}
    raw = {k: np.concatenate(v) for k, v in traj.events.items()}
    order = np.lexsort((raw["event"], raw["year"], raw["world"]))
    names = [s.name for s in sc.states]
    kinds = [e.name for e in reg.event_kinds()]
    assert ev["event"].tolist() == [kinds[c] for c in raw["event"][order]]
    labels = [f for f in fields.values() if f.type == "label"]
    assert labels and len(ev) > 100
    given = set()
    for f in [fields[n] for n in ("challenger", "target")] + labels:
        codes = raw[f.name][order]
        if (codes < 0).any() and (codes >= 0).any():
            given.add(f.type)  # both cases exercised
        if f.type == "state":
            want = [names[c] if c >= 0 else "" for c in codes]
        else:
            want = [f.choices[c] if c >= 0 else "" for c in codes]
        assert ev[f.name].tolist() == want, f.name
    assert given == {"state", "label"}
    empty = engine.to_tables(engine.run_batch(sc, np.arange(1), 1, seed=1, record_states="none"), sc, states="none")
    for name in ["event", *(f.name for f in fields.values() if f.type in ("state", "label"))]:
        assert ev[name].dtype == "str" and empty.events[name].dtype == ev[name].dtype, name
    # a trajectory's final state survives a pickle (a process pool sends it)
    back = pickle.loads(pickle.dumps(traj.final))
    assert back.t == traj.final.t and set(back.fields) == set(traj.final.fields)
    np.testing.assert_array_equal(back.economy, traj.final.economy)
