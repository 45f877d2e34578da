"""Great powers in the engine, read by the data layer's validated rule (issue 15, item 5).

The engine's default rule (``measures.gp_rule: cow``) is the data layer's
:data:`neorealism.data.majors.DEFAULT_RULE` read on the simulated
components.  These tests hold the engine's great powers against references
written here from the rule's definition (plain loops over one state at a
time, not the batched code), against the data layer's own ``identify`` on
the same numbers, and check what persistence must do to the simulated
polarity.  Tolerances are stated where a figure is statistical.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from neorealism import engine
from neorealism import measures as m
from neorealism.data import majors as M
from neorealism.scenario import apply_overrides, load_scenario
from neorealism.state import COMPONENTS

# --------------------------------------------------------------------------- independent references


def reference_status(raw, present, defined, k_enter, k_exit):
    """The rule's persistence for ONE state, year by year, from its definition (a plain loop).

    First present year: the raw reading.  Enter after k_enter consecutive
    (defined) years above the bar, leave after k_exit consecutive years
    below; an undefined year changes nothing; absence ends the status and
    resets the counts.
    """
    out, status, up, down, was = [], False, 0, 0, False
    for r, p, d in zip(raw, present, defined, strict=True):
        if not p:
            status, up, down, was = False, 0, 0, False
            out.append(False)
            continue
        if d:
            up, down = (up + 1, 0) if r else (0, down + 1)
        if not was:
            status = bool(r and d)
        if not status and up >= k_enter:
            status = True
        if status and down >= k_exit:
            status = False
        out.append(status)
        was = True
    return out


def reference_reading(military, resources, actor, bar=0.2):
    """One world-year's raw reading of the rule, from the definition, state by state.

    score = (2 × military share + 1 × resources share) / 3 (the weight of a
    component whose system total is 0 drops out); great power if the score
    is positive and ≥ bar × Σscore² / Σscore over the unitary actors.
    """
    n = len(military)
    tm, tr = sum(military), sum(resources)
    score = []
    for i in range(n):
        num = den = 0.0
        if tm > 0:
            num, den = num + 2 * military[i] / tm, den + 2
        if tr > 0:
            num, den = num + resources[i] / tr, den + 1
        score.append(num / den if den and actor[i] else 0.0)
    s1 = sum(score)
    s2 = sum(x * x for x in score)
    if s1 <= 0:
        return [False] * n
    return [x > 0 and x >= bar * s2 / s1 for x in score]


def _traj(name, worlds, years, seed, sets=()):
    sc = load_scenario(name)
    if sets:
        sc = apply_overrides(sc, list(sets))
    return sc, engine.run_batch(sc, np.arange(worlds), years, seed)


# --------------------------------------------------------------------------- the shared hysteresis


@given(
    st.integers(1, 40).flatmap(lambda Y: st.tuples(
        st.lists(st.booleans(), min_size=Y, max_size=Y),
        st.lists(st.booleans(), min_size=Y, max_size=Y),
        st.lists(st.booleans(), min_size=Y, max_size=Y),
    )),
    st.integers(1, 9), st.integers(1, 9),
)
def test_shared_hysteresis_matches_the_definition(seqs, k_enter, k_exit):
    raw, present, defined = (np.array(x, dtype=bool) for x in seqs)
    want = reference_status(raw, present, defined, k_enter, k_exit)
    got = m.hysteresis(raw[:, None], present[:, None], k_enter, k_exit, defined[:, None])[:, 0]
    assert got.tolist() == want
    # the data layer runs the same function
    assert M.hysteresis is m.hysteresis and M.concentration_bar is m.concentration_bar


# --------------------------------------------------------------------------- the engine's great powers


@pytest.fixture(scope="module")
def multipolar():
    return _traj("multipolar", worlds=12, years=80, seed=5)


def test_engine_status_is_the_rule_applied_to_its_own_trajectory(multipolar):
    """Every world-year-state's great_power equals the definition run on the recorded components."""
    sc, traj = multipolar
    sv = traj.state_vars
    actor = [not s.aggregate for s in sc.states]
    T, R, N = sv["great_power"].shape
    for w in range(R):
        raw = np.array([reference_reading(sv["military"][t, w].tolist(), sv["resources"][t, w].tolist(), actor)
                        for t in range(T)])
        alive = sv["alive"][:, w]
        for i in range(N):
            want = reference_status(raw[:, i], alive[:, i], alive[:, i], 5, 8)
            assert sv["great_power"][:, w, i].tolist() == want, (w, sc.states[i].name)
    # the figure is not empty: great powers are read, and some statuses change over the run
    assert sv["great_power"].any(axis=(1, 2)).all()
    assert (np.diff(sv["great_power"].astype(np.int8), axis=0) != 0).any()


def test_engine_agrees_with_the_data_layers_identify_on_the_same_numbers(multipolar):
    """The data layer's DEFAULT_RULE, fed the engine's military as milex and resources as pec, reads the same."""
    sc, traj = multipolar
    sv = traj.state_vars
    T, R, N = sv["great_power"].shape
    for w in range(R):
        comps = np.zeros((T, 6, N))
        comps[:, 0] = sv["military"][:, w]  # milex slot (weight 2)
        comps[:, 3] = sv["resources"][:, w]  # pec slot (weight 1)
        alive = sv["alive"][:, w]
        shares = np.stack([m.composite_index(comps[:, [c], :], alive) for c in range(6)], axis=1)
        panel = M.CapabilityPanel(np.arange(T), np.arange(N), np.array([s.name for s in sc.states]),
                                  shares, np.broadcast_to(alive[:, None, :], shares.shape).copy(), alive)
        np.testing.assert_array_equal(M.identify(M.DEFAULT_RULE, panel), sv["great_power"][:, w], err_msg=f"world {w}")


def test_year_zero_is_the_raw_reading_of_the_scenario():
    for name in ("bipolar", "multipolar", "unipolar", "cold-war-1950"):
        sc = load_scenario(name)
        traj = engine.run_batch(sc, np.arange(2), 1, 0)
        actor = [not s.aggregate for s in sc.states]
        want = reference_reading([s.military for s in sc.states], [s.resources for s in sc.states], actor)
        assert traj.state_vars["great_power"][0, 0].tolist() == want, name


def test_status_spells_respect_the_persistence():
    """A surviving great power keeps the status ≥ gp_exit years; a lapsed one needs ≥ gp_enter to return."""
    for name, k_enter, k_exit in (("unipolar", 5, 8), ("multipolar", 2, 11)):
        sc, traj = _traj(name, 30, 120, 1, [f"measures.gp_enter={k_enter}", f"measures.gp_exit={k_exit}"])
        gp, alive = traj.state_vars["great_power"], traj.state_vars["alive"]
        on_spells = off_gaps = 0
        for w in range(gp.shape[1]):
            for i in range(gp.shape[2]):
                x, a = gp[:, w, i].astype(int), alive[:, w, i]
                d = np.diff(x)
                ups, downs = np.nonzero(d == 1)[0] + 1, np.nonzero(d == -1)[0] + 1
                for u in ups:  # status gained at u: held through every year until a loss while alive
                    later = downs[downs > u]
                    if len(later) and a[later[0]]:
                        assert later[0] - u >= k_exit, (name, w, i, u, later[0])
                        on_spells += 1
                for dn in downs:
                    later = ups[ups > dn]
                    if len(later):
                        assert later[0] - dn >= k_enter, (name, w, i, dn, later[0])
                        off_gaps += 1
        assert on_spells > 0, name  # the check saw completed spells
        assert off_gaps >= 0


def test_a_per_world_rule_gives_each_world_its_rules_reading():
    sc = load_scenario("unipolar")  # the rules read its minor powers differently
    rules = np.array(["cow", "share", "relative", "cow"])
    mixed = engine.run_batch(sc, np.arange(4), 40, 2, per_world={"measures.gp_rule": rules})
    for rule in ("cow", "share", "relative"):
        alone = engine.run_batch(apply_overrides(sc, [f"measures.gp_rule={rule}"]), np.arange(4), 40, 2)
        for w in np.nonzero(rules == rule)[0]:
            np.testing.assert_array_equal(mixed.state_vars["great_power"][:, w], alone.state_vars["great_power"][:, w])
    # the rules really differ on this scenario (the test above would pass if the rule were ignored)
    assert (mixed.state_vars["great_power"][:, 0] != mixed.state_vars["great_power"][:, 1]).any()


# --------------------------------------------------------------------------- what persistence does to polarity


def _status_flips_under_noise(k_enter: int, k_exit: int, worlds: int = 200, years: int = 120) -> np.ndarray:
    """Status changes of a state whose score wanders around the bar, through the engine's measure step.

    Three states: two large ones and one whose military is redrawn every
    year, independently, from a range straddling the bar (white noise, the
    worst case for a bare bar).  Returns the changes of its status per world.
    """
    from neorealism.mechanisms.polarity import measure
    from neorealism.scenario import Scenario
    from neorealism.state import EngineParams, init_state

    sc = Scenario.model_validate({
        "name": "noise", "years": years, "worlds": worlds,
        "states": [
            {"name": "A", "military": 10, "economy": 10, "population": 10, "resources": 10, "technology": 1, "position": [0, 0]},
            {"name": "B", "military": 10, "economy": 10, "population": 10, "resources": 10, "technology": 1, "position": [1, 0]},
            {"name": "C", "military": 1, "economy": 10, "population": 10, "resources": 1, "technology": 1, "position": [2, 0]},
        ],
        "params": {"measures": {"gp_enter": k_enter, "gp_exit": k_exit}},
    })
    params = EngineParams.from_scenario(sc, worlds)
    keys = np.arange(worlds, dtype=np.uint64)
    state = init_state(sc, params, keys)
    gen = np.random.default_rng(11)
    status = [state.great_power[:, 2].copy()]
    for _ in range(years):
        mil = state.military.copy()
        # C's score (2·m/(20+m) + 1/21)/3 crosses the bar 0.2·Σs²/Σs near m ≈ 2.4: draw m from [1.4, 3.4]
        mil[:, 2] = gen.uniform(1.4, 3.4, worlds)
        state, _ = measure(keys, state.replace(military=mil), params)
        status.append(state.great_power[:, 2].copy())
    g = np.array(status, dtype=int)
    return np.abs(np.diff(g, axis=0)).sum(axis=0)


def test_persistence_filters_noise_around_the_bar():
    """With a score that is white noise around the bar, persistence removes most status changes.

    Without persistence (enter/exit after 1 year) the status changes about
    every other year; with the rule's 5/8 years a change needs five draws
    above in a row (p ≈ 0.5⁵), so it should change at most a tenth as often
    (200 worlds × 120 years).
    """
    bare = _status_flips_under_noise(1, 1)
    sticky = _status_flips_under_noise(5, 8)
    assert bare.mean() > 30, bare.mean()  # the score really wanders across the bar
    assert sticky.mean() < 0.1 * bare.mean(), (sticky.mean(), bare.mean())


def test_validated_rule_is_the_default_and_the_old_rules_stay_selectable():
    from neorealism.mechanisms.polarity import MeasureParams

    p = MeasureParams()
    assert p.gp_rule == "cow"
    assert (p.gp_concentration, p.gp_enter, p.gp_exit) == (
        M.DEFAULT_RULE.concentration, M.DEFAULT_RULE.k_enter, M.DEFAULT_RULE.k_exit)
    # the engine's weights are the data rule's, moved onto the engine's components by the from-data mapping
    w = dict(zip(COMPONENTS, m.COW_WEIGHTS, strict=True))
    nmc = dict(zip(M.NMC_COMPONENTS, M.DEFAULT_RULE.weights, strict=True))
    assert w["military"] == nmc["milex"] and w["resources"] == nmc["pec"]
    assert sum(w.values()) == sum(nmc.values())
    assert set(MeasureParams.model_fields["gp_rule"].annotation.__args__) == {"cow", "share", "relative"}
