"""Policies toward each rival (issue #16, items 2 and 5): reassure or deter, arms races, deterrence crises.

Unit tests check the choice rule against a plain loop over pairs (Jervis 1976, ch. 3; Kydd 2005;
Glaser 2010), the role fields it writes, the arms-race counter on constructed burden paths
(Richardson 1960; Wallace 1979) and the deterrence events on constructed crises (Huth & Russett
1984).  The contract (purity, the dead stay dead, batch independence, finite extremes) runs with
the mechanism registered.  "Off means off" compares whole tables with the model without the
mechanism.  The emergent checks of the issue (deter against a greedy rival, reassure against a
security seeker) run once the readers of the role fields are wired (armament, conflict).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from contract import MechanismContract

from neorealism import engine, rng
from neorealism.api import with_overrides
from neorealism.mechanisms import policy as pol
from neorealism.mechanisms.registry import current, default_mechanisms, using
from neorealism.scenario import validate_scenario
from neorealism.state import EngineParams, WorldState, init_state


def with_policy(beliefs: bool = True):
    """The default mechanisms with the policy mechanism (appended unless the registry has it);
    ``beliefs=False``: without the beliefs mechanism (no types, no beliefs)."""
    mechs = [m for m in default_mechanisms() if beliefs or m.name != "beliefs"]
    if not any(m.name == "policy" for m in mechs):
        mechs.append(pol.MECHANISM)
    return mechs


def without_policy():
    return [m for m in default_mechanisms() if m.name != "policy"]


def _state(name, size, pos, **extra):
    return {"name": name, "military": size, "economy": 3.0 * size, "population": 2.0 * size,
            "resources": size, "technology": 1.0, "position": list(pos)} | extra


def _scenario(states, params=None, alliances=()):
    with using(with_policy()):  # the params model with the policy group
        return validate_scenario({"name": "policy-test", "states": states, "params": params or {},
                                  "alliances": [list(a) for a in alliances]})


def _world(sc, R=3, seed=5):
    p = EngineParams.from_scenario(sc, R)
    keys = rng.world_keys(seed, np.arange(R))
    return keys, p, init_state(sc, p, keys)


def _with(state, **fields):
    """The state with extra fields (e.g. the beliefs mechanism's ``greedy`` and ``belief``)."""
    return WorldState(state.t, {**state.fields, **fields})


def _ev(res, kind):
    e = res.events
    return e[e["event"].astype(str) == kind]


# --------------------------------------------------------------------------- declarations


def test_declared_event_fields_do_not_clash_with_the_model():
    with using(with_policy()) as reg:  # the registry check: one type per event field name
        kinds = {e.name for e in reg.event_kinds()}
        assert {"arms_race", "arms_race_end", "deterrence"} <= kinds
        assert {"arms_races", "spirals", "reassuring"} <= {m.name for m in reg.measures("system")}
        assert "policy_arming" in reg.role_fields("arming_weight")
        assert "policy_resolve" in reg.role_fields("war_cost")


@pytest.mark.parametrize("bad", ["policy.restraint=1.5", "policy.resolve=-0.1", "policy.race_years=0",
                                 "policy.race_years=2.5", "policy.reassure_below=2", "policy.enabled=maybe"])
def test_bad_parameters_are_one_clear_line(bad):
    sc = _scenario([_state("A", 1.0, (0, 0)), _state("B", 1.0, (1, 0))])
    with using(with_policy()):
        with pytest.raises(Exception) as e:
            with_overrides(sc, [bad])
    msg = str(e.value)
    assert "policy." in msg and "\n" not in msg.strip(), msg


def test_stages_put_the_choice_before_armament_and_the_deterrence_events_after_the_decision():
    with using(with_policy()) as reg:
        order = [(m.name, s.stage) for m, s in reg.steps()]
    assert order.index(("threat", "assess")) < order.index(("policy", "assess")) < order.index(("armament", "allocate"))
    assert order.index(("war", "decide")) < order.index(("policy", "mobilize"))


# --------------------------------------------------------------------------- the choice rule


def _loop_choice(alive, actor, allied, offensive, greedy, belief, spec, below):
    """The choice rule written pair by pair (the reference)."""
    R, N = alive.shape
    out = np.zeros((R, N, N), dtype=np.int8)
    for r in range(R):
        for i in range(N):
            for j in range(N):
                if i == j or not (alive[r, i] and alive[r, j] and actor[i] and actor[j]) or allied[r, i, j]:
                    continue
                if spec[i] == "reassure":
                    out[r, i, j] = pol.REASSURE
                elif spec[i] == "deter":
                    out[r, i, j] = pol.DETER
                elif offensive[i] or greedy[r, i]:
                    out[r, i, j] = pol.DETER  # Mearsheimer 2001; Kydd 2005: greedy types do not reassure
                else:
                    out[r, i, j] = pol.REASSURE if belief[r, i, j] < below else pol.DETER
    return out


def _mixed_scenario(**policy_params):
    states = [
        _state("Def", 1.0, (0, 0)),
        _state("Off", 1.0, (1, 0), doctrine="offensive"),
        _state("Calm", 1.0, (0, 1), policy="reassure", doctrine="offensive"),
        _state("Hawk", 1.0, (1, 1), policy="deter"),
        _state("Def2", 1.0, (2, 1)),
        _state("Rest", 1.0, (5, 5), aggregate=True),
    ]
    return _scenario(states, {"policy": policy_params} if policy_params else None, alliances=[("Def", "Def2")])


def _mixed_world(sc, R, seed):
    """``_world(sc, R)`` with a dead state in world 1, greedy states (30%) and beliefs rounded to 0.1
    (values on the threshold too), drawn from ``seed``."""
    keys, p, s = _world(sc, R=R)
    R, N = s.shape
    g = np.random.default_rng(seed)
    alive = s.alive.copy()
    alive[1, 3] = False
    greedy = g.random((R, N)) < 0.3
    belief = np.round(g.random((R, N, N)), 1)
    return keys, p, _with(s.replace(alive=alive), greedy=greedy, belief=belief)


@pytest.mark.parametrize("below", [0.0, 0.3, 0.5, 1.0])
def test_the_choice_follows_doctrine_type_and_belief_as_a_loop_over_pairs(below):
    sc = _mixed_scenario(reassure_below=below)
    with using(with_policy()):
        keys, p, s = _mixed_world(sc, R=4, seed=3)
        alive, greedy, belief = s.alive, s.greedy, s.belief
        got, _ = pol.assess(keys, s, p)
        spec = [x.policy for x in sc.states]
        offensive = [x.doctrine == "offensive" for x in sc.states]
        want = _loop_choice(alive, p.actor, s.allied, offensive, greedy, belief, spec, below)
        np.testing.assert_array_equal(got.policy, want)
        # the role fields: arming weight 1 − restraint where i reassures j; resolve where j deters i
        np.testing.assert_array_equal(got.policy_arming, np.where(want == pol.REASSURE, 0.5, 1.0))
        np.testing.assert_array_equal(got.policy_resolve, np.where(want.transpose(0, 2, 1) == pol.DETER, 0.05, 0.0))


@pytest.mark.parametrize("below", [0.0, 0.3, 0.5, 1.0])
def test_the_choice_kernel_is_the_reference_bit_for_bit(below):
    """The compiled choice (policy, the two role fields and the share reassuring) against the NumPy form,
    with fixed policies, an offensive doctrine, greedy states, a dead state, allies and beliefs on the bar."""
    from neorealism.kernels import compiled, reference

    sc = _mixed_scenario(reassure_below=below)
    with using(with_policy()):
        keys, p, s = _mixed_world(sc, R=6, seed=11)
        with reference():
            a, _ = pol.assess(keys, s, p)
        with compiled():
            b, _ = pol.assess(keys, s, p)
    _same_fields(a, b, ("policy", "policy_arming", "policy_resolve", "policy_reassuring"))


def test_without_beliefs_types_are_unknown_and_no_one_is_greedy():
    sc = _mixed_scenario(reassure_below=0.6)  # 0.5 < 0.6: an unknown rival is reassured
    with using(with_policy(beliefs=False)):
        keys, p, s = _world(sc)
        got, _ = pol.assess(keys, s, p)
        names = [x.name for x in sc.states]
        d, o, c, h = (names.index(n) for n in ("Def", "Off", "Calm", "Hawk"))
        assert (got.policy[:, d, o] == pol.REASSURE).all()
        assert (got.policy[:, o, d] == pol.DETER).all()      # offensive doctrine
        assert (got.policy[:, c, o] == pol.REASSURE).all()   # fixed by the scenario over doctrine
        assert (got.policy[:, h, d] == pol.DETER).all()      # fixed by the scenario
        assert (got.policy[:, d, names.index("Def2")] == pol.NONE).all()  # an ally
        assert (got.policy[:, names.index("Rest"), :] == pol.NONE).all()  # an aggregate has no policy
        assert (got.policy[:, :, names.index("Rest")] == pol.NONE).all()
    sc = _mixed_scenario()  # default 0.5: an unknown rival (0.5) is deterred
    with using(with_policy(beliefs=False)):
        keys, p, s = _world(sc)
        got, _ = pol.assess(keys, s, p)
        assert (got.policy[:, 0, 1] == pol.DETER).all()


def test_switched_off_the_fields_are_neutral():
    sc = _mixed_scenario(enabled=False, restraint=0.9, resolve=0.5)
    with using(with_policy()):
        keys, p, s = _world(sc)
        got, ev = pol.assess(keys, s, p)
        assert (got.policy == pol.NONE).all() and ev == ()
        assert (got.policy_arming == 1.0).all() and (got.policy_resolve == 0.0).all()


def test_per_world_parameters_give_each_world_the_numbers_of_its_point():
    sc = _mixed_scenario()
    vals = {"policy.restraint": [0.0, 0.3, 0.9], "policy.reassure_below": [0.2, 0.6, 1.0],
            "policy.enabled": [True, False, True]}
    with using(with_policy()):
        R = 3
        p = EngineParams.from_scenario(sc, R, per_world=vals)
        keys = rng.world_keys(2, np.arange(R))
        s = init_state(sc, p, keys)
        belief = np.random.default_rng(0).random((R, 6, 6))
        s = _with(s, greedy=np.zeros((R, 6), bool), belief=belief)
        got, _ = pol.assess(keys, s, p)
        for w in range(R):
            one = {k: [v[w]] for k, v in vals.items()}
            p1 = EngineParams.from_scenario(sc, 1, per_world=one)
            alone, _ = pol.assess(keys[w:w + 1], s.select([w]), p1)
            for f in ("policy", "policy_arming", "policy_resolve"):
                np.testing.assert_array_equal(getattr(alone, f)[0], getattr(got, f)[w], err_msg=f"{f} world {w}")


# --------------------------------------------------------------------------- arms races


def _race_world(R=2, **policy_params):
    sc = _scenario([_state("A", 1.0, (0, 0)), _state("B", 1.0, (1, 0)), _state("C", 1.0, (0, 1))],
                   {"policy": policy_params} if policy_params else None)
    keys, p, s = _world(sc, R=R)
    h = np.ones((R, 3, 3)) - np.eye(3)  # everyone threatens everyone
    return keys, p, s.replace(threat_from=h)


def _drive(keys, p, s, burdens):
    """Run the arms-race step through a path of burdens (years × (R, N)); the events of each year."""
    out = []
    for b in burdens:
        s = s.replace(burden=np.asarray(b, dtype=float))
        s, ev = pol.races(keys, s, p)
        out.append({e.kind: e for e in ev})
    return s, out


def test_a_race_is_announced_once_when_both_burdens_have_risen_for_k_years_and_its_end_once():
    with using(with_policy(beliefs=False)):
        keys, p, s = _race_world(R=1, race_years=3, race_rise=0.0)
        s = s.replace(policy_burden_last=np.full((1, 3), 0.02))
        # A and B rise for 5 years, C stays flat; then A falls
        path = [[[0.02 + 0.01 * y, 0.02 + 0.02 * y, 0.02]] for y in range(1, 6)] + [[[0.01, 0.2, 0.02]]]
        s, evs = _drive(keys, p, s, path)
        starts = [(y, e) for y, year in enumerate(evs, 1) for k, e in year.items() if k == "arms_race"]
        assert [y for y, _ in starts] == [3]
        e = starts[0][1]
        assert (e.values["state"].tolist(), e.values["partner"].tolist(), e.values["spiral"].tolist()) == ([0], [1], [1])
        ends = [(y, e) for y, year in enumerate(evs, 1) for k, e in year.items() if k == "arms_race_end"]
        assert [y for y, _ in ends] == [6] and ends[0][1].values["race_length"].tolist() == [5]
        assert (s.policy_race == 0).all()


def test_no_race_without_a_threat_both_ways_or_below_the_rise_that_counts():
    with using(with_policy(beliefs=False)):
        keys, p, s = _race_world(R=1, race_years=2, race_rise=0.1)
        h = s.threat_from.copy()
        h[0, 1, 0] = 0.0  # B does not feel threatened by A
        s = s.replace(threat_from=h, policy_burden_last=np.full((1, 3), 0.02))
        # A, B rise 20% a year (a race but for the one-way threat); A, C: C rises only 5% (below race_rise)
        path = [[[0.02 * 1.2 ** y, 0.02 * 1.2 ** y, 0.02 * 1.05 ** y]] for y in range(1, 8)]
        s, evs = _drive(keys, p, s, path)
        assert not any("arms_race" in year for year in evs)
        assert (s.policy_race == 0).all()
        keys, p, s = _race_world(R=1, race_years=2, race_rise=0.04)  # C's 5% now counts
        s = s.replace(policy_burden_last=np.full((1, 3), 0.02))
        s, evs = _drive(keys, p, s, path)
        e = evs[1]["arms_race"]
        assert sorted(zip(e.values["state"].tolist(), e.values["partner"].tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]


def test_a_race_between_a_greedy_state_and_a_security_seeker_is_no_spiral():
    with using(with_policy(beliefs=False)):
        keys, p, s = _race_world(R=2, race_years=1, race_rise=0.0)
        greedy = np.array([[True, False, False], [False, False, False]])
        s = _with(s, greedy=greedy).replace(policy_burden_last=np.full((2, 3), 0.02))
        s, evs = _drive(keys, p, s, [np.full((2, 3), 0.03)])
        e = evs[0]["arms_race"]
        spiral = {(int(r), int(i), int(j)): int(x) for r, i, j, x in
                  zip(e.r, e.values["state"], e.values["partner"], e.values["spiral"], strict=True)}
        assert spiral == {(0, 0, 1): 0, (0, 0, 2): 0, (0, 1, 2): 1, (1, 0, 1): 1, (1, 0, 2): 1, (1, 1, 2): 1}
        assert s.policy_races.tolist() == [3, 3]  # the system measures arms_races and spirals
        assert s.policy_spirals.tolist() == [1, 3]


def test_a_race_with_a_state_that_dies_ends_without_naming_it():
    with using(with_policy(beliefs=False)):
        keys, p, s = _race_world(R=1, race_years=1, race_rise=0.0)
        s = s.replace(policy_burden_last=np.full((1, 3), 0.02))
        s, _ = _drive(keys, p, s, [[[0.03, 0.03, 0.02]]])
        assert s.policy_race[0, 0, 1] == 1
        s = s.replace(alive=np.array([[True, False, True]]))
        s, evs = _drive(keys, p, s, [[[0.04, 0.0, 0.02]]])
        assert evs == [{}] and (s.policy_race == 0).all()


def test_two_neighbours_building_up_from_a_low_burden_race():
    """Action–reaction (Richardson 1960): two equal neighbours starting far below the burden their threats call
    for both arm for years: an arms race, announced once after k years, ended once the build-up slows."""
    states = [_state(n, 1.0, pos, burden=0.005, military=4.0, type="security") for n, pos in (("A", (0, 0)), ("B", (0.5, 0)))]
    prm = {"war": {"opportunity": 0.0}, "growth": {"sd": 0.0, "spread": 0.0}, "perception": {"capability_noise": 0.0}}
    with using(with_policy()):
        res = engine.simulate(_scenario(states, prm), worlds=4, years=30, seed=1, states="none")
        start, end = _ev(res, "arms_race"), _ev(res, "arms_race_end")
        assert len(start) == 4 and (start["year"] == 3).all()  # once per world, after k = 3 years
        assert len(end) == 4 and (end["race_length"] >= 3).all() and (end["year"] == end["race_length"] + 1).all()
        assert (start["spiral"].astype(str) == "yes").all()  # two security seekers: a spiral


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_race_counter_gives_the_numbers_of_the_numpy_reference(seed):
    """Random burdens, threats, counters (some at the int16 cap), deaths and types: the kernel's counts, measures
    and events equal the reference's, bit for bit."""
    from neorealism.kernels import compiled, reference

    g = np.random.default_rng(seed)
    with using(with_policy(beliefs=False)):
        R, N = 7, 6
        sc = _scenario([_state(f"S{k}", 1.0, (k, 0)) for k in range(N)],
                       {"policy": {"race_years": int(g.integers(1, 4)), "race_rise": float(g.choice([0.0, 0.05]))}})
        keys, p, s = _world(sc, R=R)
        old = g.integers(0, 6, (R, N, N)).astype(np.int16)
        old[0, 0, 1] = 32767
        old = np.triu(old, 1)
        old = old + np.swapaxes(old, 1, 2)
        h = g.random((R, N, N)) * (g.random((R, N, N)) < 0.8) * (1 - np.eye(N))  # threat_from: 0 on the diagonal
        s = s.replace(burden=g.random((R, N)) * 0.1, policy_burden_last=g.random((R, N)) * 0.1,
                      alive=g.random((R, N)) < 0.85, threat_from=h, policy_race=old)
        for st in (s, _with(s, greedy=g.random((R, N)) < 0.4)):
            with reference():
                a, ea = pol.races(keys, st, p)
            with compiled():
                b, eb = pol.races(keys, st, p)
            _same_fields(a, b, ("policy_race", "policy_races", "policy_spirals", "policy_burden_last"))
            assert [e.kind for e in ea] == [e.kind for e in eb]
            for x, y in zip(ea, eb, strict=True):
                np.testing.assert_array_equal(x.r, y.r)
                for k in x.values:
                    np.testing.assert_array_equal(np.asarray(x.values[k]), np.asarray(y.values[k]), err_msg=k)


def test_runs_with_and_without_the_kernels_are_the_same():
    from neorealism.api import load
    from neorealism.kernels import compiled, reference

    with using(with_policy()):
        sc = load("multipolar")
        with reference():
            a = engine.simulate(sc, worlds=8, years=40, seed=2)
        with compiled():
            b = engine.simulate(sc, worlds=8, years=40, seed=2)
    for t in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(a, t), getattr(b, t), obj=t)


# --------------------------------------------------------------------------- deterrence events


def test_each_crisis_against_a_deterring_target_is_a_deterrence_test_success_when_no_war():
    sc = _scenario([_state("A", 1.0, (0, 0)), _state("B", 1.0, (1, 0), policy="reassure"),
                    _state("C", 1.0, (0, 1), policy="deter")])
    with using(with_policy()):
        keys, p, s = _world(sc, R=2)
        s, _ = pol.assess(keys, s, p)  # A (auto, no beliefs) and C deter everyone; B reassures
        ct = np.array([[2, 0, 1], [1, -1, 0]])  # who pressed whom this year
        cw = np.array([[True, False, True], [False, False, False]])
        s = s.replace(crisis_target=ct, crisis_war=cw)
        _, ev = pol.deterrence(keys, s, p)
        (e,) = ev
        got = sorted(zip(e.r.tolist(), e.values["challenger"].tolist(), e.values["target"].tolist(),
                         e.values["deterred"].tolist(), strict=True))
        # world 0: A→C (C deters A; war: failure), B→A (A deters B; settled: success); C→B: B reassures, no test
        # world 1: A→B: B reassures, no test; C→A (A deters C; settled: success)
        assert got == [(0, 0, 2, 0), (0, 1, 0, 1), (1, 2, 0, 1)]


def test_deterrence_kernel_gives_the_events_of_the_numpy_form():
    """The compiled deterrence events (policy_kernels.deterrence_events) are the NumPy form's: the same
    worlds, challengers, targets and outcomes, in the same order and dtypes, on random crises and policies."""
    from neorealism.kernels import compiled, reference

    sc = _scenario([_state("A", 1.0, (0, 0)), _state("B", 1.0, (1, 0), policy="reassure"),
                    _state("C", 1.0, (0, 1), policy="deter"), _state("D", 2.0, (1, 1))])
    with using(with_policy()):
        keys, p, s = _world(sc, R=40)
        g = np.random.default_rng(0)
        for _ in range(20):
            ct = np.where(g.random((40, 4)) < 0.5, g.integers(0, 4, (40, 4)), -1).astype(np.int64)
            ct[ct == np.arange(4)] = -1
            st = s.replace(crisis_target=ct, crisis_war=g.random((40, 4)) < 0.5,
                           policy=g.integers(0, 3, (40, 4, 4)).astype(np.int8))
            with reference():
                _, want = pol.deterrence(keys, st, p)
            with compiled():
                _, got = pol.deterrence(keys, st, p)
            assert len(want) == len(got)
            for a, b in zip(want, got, strict=True):
                assert a.kind == b.kind and np.array_equal(a.r, b.r) and list(a.values) == list(b.values)
                for k in a.values:
                    x, y = np.asarray(a.values[k]), np.asarray(b.values[k])
                    assert x.dtype == y.dtype and np.array_equal(x, y), k


@pytest.mark.parametrize("beliefs", [False, True])
def test_deterrence_events_in_a_run_match_its_crises(beliefs):
    """Every deterrence event is a crisis of the same year and pair, its outcome the crisis's; without
    beliefs every auto defensive state deters an unknown rival, so every crisis is a test of deterrence."""
    from neorealism.api import load

    with using(with_policy(beliefs)):
        # without greedy states a defensive doctrine's restraint leaves few crises: lift it for the count
        sc = load("multipolar") if beliefs else with_overrides("multipolar", {"doctrine.restraint": False})
        res = engine.simulate(sc, worlds=30, years=60, seed=3, states="none")
    cr = _ev(res, "crisis")[["world", "year", "challenger", "target", "outcome"]]
    de = _ev(res, "deterrence")[["world", "year", "challenger", "target", "deterred"]]
    assert len(de) > 20
    m = de.merge(cr, on=["world", "year", "challenger", "target"], how="left", validate="one_to_one")
    assert m["outcome"].notna().all()
    assert ((m["outcome"].astype(str) == "war") == (m["deterred"].astype(str) == "no")).all()
    if not beliefs:
        assert len(de) == len(cr)


# --------------------------------------------------------------------------- off means off


def _tables(sc, mechs, worlds=40, years=60, seed=11):
    with using(mechs):
        return engine.simulate(sc, worlds=worlds, years=years, seed=seed)


@pytest.mark.parametrize("name", ["multipolar", "bipolar"])
def test_switched_off_the_tables_are_those_of_the_model_without_it(name):
    from neorealism.api import load

    sc = load(name)
    with using(with_policy()):
        off = with_overrides(sc, ["policy.enabled=false", "policy.restraint=0.9", "policy.resolve=0.9"])
    a = _tables(off, with_policy())
    b = _tables(sc, without_policy())
    for t in ("states", "system", "events"):
        ta, tb = getattr(a, t), getattr(b, t)
        if t == "events":
            assert not ta["event"].astype(str).isin(["arms_race", "arms_race_end", "deterrence"]).any()
            ta = ta[tb.columns]
        cols = list(tb.columns)
        assert set(cols) <= set(ta.columns)
        assert len(ta) == len(tb), t
        for c in cols:  # label columns as text: the categories of the event kinds differ, not the values
            x, y = ta[c].reset_index(drop=True), tb[c].reset_index(drop=True)
            if x.dtype.name == "category" or y.dtype.name == "category":
                x, y = x.astype(str), y.astype(str)
            pd.testing.assert_series_equal(x, y, check_dtype=False, obj=f"{t}.{c}")


# --------------------------------------------------------------------------- the contract


class TestPolicyContract(MechanismContract):
    mechanism = pol.MECHANISM

    @pytest.fixture(scope="class", autouse=True)
    def _registered(self):
        with using(with_policy()):
            yield

    def test_is_registered(self):
        assert any(m.name == "policy" for m in current().mechanisms)





# --------------------------------------------------------------------------- the checks (emergent)
#
# A dyad: B, a defensive security seeker with its policy toward A fixed by the scenario, and its
# rival A one thousand km away, of equal capabilities.  Rates are per 100 dyad-years in which both are
# alive (a conquered state fights no more wars: raw counts would reward letting the rival win).
# 240 worlds × 100 years, seed 0.  The doctrine mechanism (restraint of defensive states) is added when
# the registry does not yet hold it, so the checks run on the model of issue #16.

CHECK_WORLDS, CHECK_YEARS = 240, 100


def full_model():
    from neorealism.mechanisms import doctrines

    mechs = with_policy()
    if not any(m.name == "doctrine" for m in mechs) and hasattr(doctrines, "MECHANISM"):
        at = next(k for k, m in enumerate(mechs) if m.name == "threat")
        mechs.insert(at, doctrines.MECHANISM)
    return mechs


def _dyad(rival_type, rival_doctrine, policy, theta=1.0, seed=0):
    states = [_state("A", 1.0, (0, 0), type=rival_type, doctrine=rival_doctrine),
              _state("B", 1.0, (1.0, 0), type="security", policy=policy)]
    with using(full_model()):
        sc = validate_scenario({"name": "dyad", "states": states, "params": {"war": {"offense_defense": theta}}})
        res = engine.simulate(sc, worlds=CHECK_WORLDS, years=CHECK_YEARS, seed=seed)
    s = res.states[res.states["year"] > 0]
    both = s.groupby(["world", "year"])["alive"].transform("all")
    live = s[both]
    dyad_years = live[["world", "year"]].drop_duplicates().shape[0]
    ws = _ev(res, "war_start")
    by_rival = int((ws["attacker"].astype(str) == "A").sum())
    burden = live.groupby(live["state"].astype(str))["burden"].mean()
    end = res.states[res.states["year"] == CHECK_YEARS]
    return {
        "wars": 100.0 * len(ws) / dyad_years,
        "by_rival": 100.0 * by_rival / dyad_years,
        "burden_a": float(burden["A"]), "burden_b": float(burden["B"]),
        "arms": float(burden["A"] + burden["B"]),
        "b_survives": float(end.loc[end["state"].astype(str) == "B", "alive"].mean()),
        "races": len(_ev(res, "arms_race")),
    }


@pytest.mark.parametrize("doctrine", ["defensive", "offensive"])
def test_against_a_greedy_rival_deter_gives_fewer_wars_than_reassure(doctrine):
    """Jervis (1976, ch. 3), the deterrence model; Schelling (1966): against a greedy rival, matching its arms and
    signalling resolve deters its challenges, where restraint invites them.  Tolerance: the greedy rival's wars
    against the deterrer at most 95% of those against the reassurer, all wars of the dyad fewer, and the
    deterrer survives at least as often.  Figures: docs/policy.md."""
    deter = _dyad("greedy", doctrine, "deter")
    reassure = _dyad("greedy", doctrine, "reassure")
    assert deter["by_rival"] <= 0.95 * reassure["by_rival"], (deter, reassure)
    assert deter["wars"] < reassure["wars"], (deter, reassure)
    assert deter["b_survives"] >= reassure["b_survives"], (deter, reassure)


@pytest.mark.parametrize("theta", [1.0, 2.0, 3.0])
def test_against_a_security_seeker_reassure_gives_lower_arms_and_no_more_wars_than_deter(theta):
    """Jervis (1976, ch. 3), the spiral model; Kydd (2005): against a security seeker deterrence is needless and
    provokes, and restraint lowers the arms of both — the reassurer's directly, the rival's as its belief that the
    reassurer is greedy falls and with it the threat it perceives; under offence dominance (θ = 2, 3) the security
    dilemma is sharpest (Jervis 1978) and the deterrer's posture can draw a pre-emptive war.  Tolerance: the reassurer's burden at most 98% of the deterrer's, the two
    burdens' sum lower, no more arms races; the war rate under reassure at most 105% of deter's + 0.1 per 100
    dyad-years (both may be near 0).  Figures: docs/policy.md."""
    deter = _dyad("security", "defensive", "deter", theta)
    reassure = _dyad("security", "defensive", "reassure", theta)
    assert reassure["burden_b"] <= 0.98 * deter["burden_b"], (deter, reassure)
    assert reassure["arms"] < deter["arms"], (deter, reassure)
    assert reassure["races"] <= deter["races"], (deter, reassure)
    assert reassure["wars"] <= 1.05 * deter["wars"] + 0.1, (deter, reassure)


def test_the_choice_kernel_is_the_numpy_choice():
    """The compiled choice (mechanisms/policy_kernels.py) against choose + role_fields, on a run's state
    with random beliefs, fixed policies and per-world parameters."""
    from neorealism import kernels as K
    from neorealism import rng as R_
    from neorealism.mechanisms import policy as P
    from neorealism.scenario import load_scenario
    from neorealism.state import EngineParams

    d = load_scenario("multipolar").model_dump()
    d["states"][0]["policy"], d["states"][1]["policy"] = "deter", "reassure"
    sc = validate_scenario(d)
    n = 30
    pw = {"policy.reassure_below": np.linspace(0.1, 0.9, n), "policy.restraint": np.linspace(0.0, 1.0, n),
          "policy.enabled": np.arange(n) % 7 != 0}
    st = engine.run_batch(sc, np.arange(n), 15, seed=1, per_world=pw).final
    st = st.replace(belief=np.random.default_rng(0).uniform(size=st.belief.shape))
    p = EngineParams.from_scenario(sc, n, pw)
    keys = R_.world_keys(1, np.arange(n))
    with K.compiled():
        fast, _ = P.assess(keys, st, p)
    with K.reference():
        ref, _ = P.assess(keys, st, p)
    for name in ("policy", "policy_arming", "policy_resolve", "policy_reassuring"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(ref, name), err_msg=name)
    assert (ref.policy == P.REASSURE).any() and (ref.policy == P.DETER).any()


def _same_fields(a, b, names) -> None:
    """The reference's and the kernel's states hold the same values, of the same dtype, in ``names``."""
    for f in names:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
        assert getattr(a, f).dtype == getattr(b, f).dtype, f
