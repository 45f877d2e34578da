"""Unit tests, one mechanism at a time (the shared contract is in tests/contract.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neorealism import kernels, measures, rng
from neorealism.mechanisms import (
    armament,
    authority,
    conflict,
    geography,
    growth,
    perception,
    threat,
)
from neorealism.scenario import load_scenario, validate_scenario
from neorealism.state import EngineParams, init_state
from neorealism.synthetic import synthetic_scenario


def setup(scenario="multipolar", worlds=64, **over):
    """Scenario, params, keys and the initial state as the year's first steps see it (perceived).

    Capabilities are seen exactly unless a test sets ``perception__capability_noise``: these tests
    check each mechanism's arithmetic on known inputs."""
    sc = load_scenario(scenario)
    over = {"perception__capability_noise": 0.0, **over}
    if over:
        d = sc.model_dump()
        for k, v in over.items():
            group, name = k.split("__")
            d["params"][group][name] = v
        sc = validate_scenario(d)
    p = EngineParams.from_scenario(sc, worlds)
    keys = rng.world_keys(5, np.arange(worlds))
    s, _ = perception.perceive(keys, init_state(sc, p, keys), p)
    return sc, p, keys, s


# --- geography ---------------------------------------------------------------

def test_plane_and_sphere_distances():
    d = geography.distances(np.array([[0.0, 0.0], [3.0, 4.0]]), "plane")
    assert d[0, 1] == pytest.approx(5.0) and d[1, 1] == 0
    # Washington – Moscow great-circle distance is about 7,800 km
    d = geography.distances(np.array([[38.895, -77.037], [55.756, 37.617]]), "sphere")
    assert d[0, 1] == pytest.approx(7.82, abs=0.05)
    dec = geography.decay(d, 0.15)
    assert dec[0, 0] == 1.0 and dec[0, 1] == pytest.approx(np.exp(-0.15 * d[0, 1]))


# --- contest success function ------------------------------------------------

def test_contest_equal_forces_is_a_coin_flip_and_theta_favours_attackers():
    assert conflict.win_probability(np.array(5.0), np.array(5.0), 1.0, 2.0) == pytest.approx(0.5)
    p = [float(conflict.win_probability(np.array(5.0), np.array(5.0), th, 2.0)) for th in (0.5, 1.0, 2.0)]
    assert p[0] < p[1] < p[2]
    # (θA)^m / ((θA)^m + B^m) with θ=2, A=1, B=3, m=3: 8 / (8 + 27)
    assert conflict.win_probability(np.array(1.0), np.array(3.0), 2.0, 3.0) == pytest.approx(8 / 35)
    assert conflict.win_probability(np.array(0.0), np.array(3.0), 1.0, 2.0) == 0.0
    assert conflict.win_probability(np.array(0.0), np.array(0.0), 1.0, 2.0) == 0.5


def test_row_form_of_expected_utility_equals_full_matrix():
    sc, p, keys, s = setup(worlds=7)
    full = conflict.expected_utility(s, p)
    r, i = np.array([0, 3, 6]), np.array([2, 0, 13])
    np.testing.assert_array_equal(conflict.expected_utility(s, p, (r, i)), full[r, i])


def test_authority_lowers_the_value_of_war():
    _, p0, keys, s = setup(worlds=4)
    _, p9, _, _ = setup(worlds=4, authority__enforcement=0.9)
    eu0 = conflict.expected_utility(s, p0)
    eu9 = conflict.expected_utility(s, p9)
    pen = p0.authority.penalty
    # EU_ρ = (1 − ρ)·EU_0 − ρ·penalty: lower for every war better than paying the penalty
    np.testing.assert_allclose(eu9, 0.1 * eu0 - 0.9 * pen)
    worth = eu0 > -pen
    assert worth.sum() > 10 and (eu9[worth] < eu0[worth]).all()
    thr = p0.war.threshold
    assert (eu9 > thr).sum() <= (eu0 > thr).sum()


def test_the_war_decision_reads_what_the_state_perceives():
    # a state that sees its rival's forces as tiny expects to win: perception is the decision's input
    _, p, keys, s = setup(worlds=3)
    base = conflict.expected_utility(s, p)
    seen = np.array(s.seen_military, copy=True)
    seen[:, :, 1] *= 0.01  # everybody underrates state 1
    fooled = conflict.expected_utility(s.replace(seen_military=seen), p)
    others = [k for k in range(s.shape[1]) if k != 1]
    assert (fooled[:, others, 1] > base[:, others, 1]).all()
    np.testing.assert_array_equal(np.delete(fooled, 1, axis=2), np.delete(base, 1, axis=2))


def test_capability_noise_makes_perceptions_differ_and_own_forces_known():
    _, p, keys, s = setup(worlds=50, perception__capability_noise=0.5)
    seen = s.seen_military
    R, N = s.shape
    assert not np.allclose(seen, s.military[:, None, :])
    np.testing.assert_array_equal(seen[:, np.arange(N), np.arange(N)], s.military)
    # log-normal with mean one: the average perception is unbiased (tolerance: 5% over 50 × 14 × 13 draws)
    ratio = seen / np.where(s.military[:, None, :] > 0, s.military[:, None, :], 1)
    off = ~np.eye(N, dtype=bool)[None].repeat(R, 0)
    assert abs(ratio[off].mean() - 1.0) < 0.05


# --- threat and armament -----------------------------------------------------

def test_threat_grows_with_offense_dominance_and_shrinks_under_authority():
    _, p, keys, s = setup()
    _, p_off, _, _ = setup(war__offense_defense=2.0)
    _, p_hier, _, _ = setup(authority__enforcement=0.9)
    base = threat.threat_ratio(s, p)
    off = threat.threat_ratio(s, p_off)
    hier = threat.threat_ratio(s, p_hier)
    assert (off > base).all() and (hier < base).all()
    np.testing.assert_allclose(hier, 0.1 * base)


def test_threat_reads_perceived_power():
    _, p, keys, s = setup(worlds=3)
    base = threat.threat_ratio(s, p)
    seen = np.array(s.seen_power, copy=True)
    seen[:, 0, :] *= 3.0  # state 0 sees everyone three times as strong
    t2 = threat.threat_ratio(s.replace(seen_power=seen), p)
    np.testing.assert_allclose(t2[:, 0], 3.0 * base[:, 0], rtol=1e-13)
    np.testing.assert_allclose(t2[:, 1:], base[:, 1:], rtol=1e-13)  # the others' view is unchanged


def test_weaker_states_near_strong_ones_feel_more_threat():
    sc, p, keys, s = setup()
    tau = threat.threat_ratio(s, p)[0]
    names = [x.name for x in sc.states]
    # Helvetia (tiny, in the middle of the great powers) vs Teutonia (the strongest)
    assert tau[names.index("Helvetia")] > tau[names.index("Teutonia")]


def test_internal_balancing_raises_burden_toward_target_with_inertia():
    # the burden moves a share `adjustment` of the way to the target the threatening forces set
    _, p, keys, s = setup()
    s, _ = threat.assess(keys, s, p)
    armed = s.replace(threat_from=s.threat_from * 5.0)
    s1, _ = armament.allocate(keys, armed, p)
    a = p.armament
    target = armament.target_burden(armament.required_burden(armed, p), p)
    np.testing.assert_allclose(s1.burden, s.burden + a.adjustment * (target - s.burden))
    assert (s1.burden != s.burden).any()  # the threat moved some budget
    assert (armament.target_burden(np.zeros(3), p) == a.base_burden).all()
    assert (armament.target_burden(np.full(3, 1e12), p) <= a.max_burden + 1e-12).all()


def test_guns_cost_butter():
    _, p, keys, s = setup(growth__sd=0.0, growth__spread=0.0)
    low, _ = growth.grow(keys, s.replace(burden=np.full(s.shape, 0.01)), p)
    high, _ = growth.grow(keys, s.replace(burden=np.full(s.shape, 0.20)), p)
    assert (high.economy < low.economy).all()
    assert (high.military > low.military).all()
    # E' = E (1 + g − c b) with no shocks
    np.testing.assert_allclose(low.economy, s.economy * (1 + s.growth - p.growth.guns_butter * 0.01))


def test_military_stock_depreciates_and_is_rebuilt():
    _, p, _, s = setup()
    m = armament.build(s.military, s.economy, s.technology, np.zeros(s.shape), s.alive, p)
    np.testing.assert_allclose(m, (1 - p.armament.depreciation) * s.military)


def test_enforcement_stops_about_rho_of_new_wars_and_punishes():
    _, p, keys, s = setup(worlds=2000, authority__enforcement=0.6)
    plan = np.full(s.shape, -1)
    plan[:, 0] = 3
    s2, ev = authority.enforce(keys, s.replace(war_plan=plan), p)
    stopped = (plan >= 0) & (s2.war_plan < 0)
    rate = stopped[:, 0].mean()
    assert abs(rate - 0.6) < 4 * np.sqrt(0.24 / 2000)  # 4 standard errors
    assert not stopped[:, 1:].any()
    np.testing.assert_allclose(s2.military[stopped], s.military[stopped] * (1 - p.authority.penalty))
    assert len(ev) == 1 and ev[0].kind == "war_prevented" and len(ev[0].r) == stopped.sum()


# --- war resolution: conservation, conquest ----------------------------------

def _at_war(worlds=500, seed=11, n=8, **params):
    """Random wars planned between the states of a synthetic system (resolve starts them)."""
    sc = synthetic_scenario(n, seed=seed, params={"war": params} if params else None)
    p = EngineParams.from_scenario(sc, worlds)
    keys = rng.world_keys(seed, np.arange(worlds))
    s = init_state(sc, p, keys)
    g = np.random.default_rng(seed)
    tgt = g.integers(0, n, size=(worlds, n))
    tgt = np.where((tgt == np.arange(n)) | (g.random((worlds, n)) < 0.5), -1, tgt)
    return p, keys, s.replace(war_plan=tgt)


def _events(ev, kind):
    return [e for e in ev if e.kind == kind]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(2, 9),
    transfer=st.floats(0.0, 1.0),
    floor=st.floats(0.0, 0.99),
    theta=st.floats(0.2, 5.0),
)
def test_transfers_conserve_capability_up_to_the_costs_of_war(seed, n, transfer, floor, theta):
    p, keys, s = _at_war(worlds=60, seed=seed, n=n, transfer=transfer, survival_floor=floor, offense_defense=theta)
    s2, _ = conflict.start_and_fight(keys, s, p)
    targeted = np.zeros(s.shape, dtype=bool)
    r, i = np.nonzero(s.war_plan >= 0)
    targeted[r, s.war_plan[r, i]] = True
    belligerent = (s.war_plan >= 0) | targeted
    cost = p.war.economic_cost * (s.economy * belligerent).sum(axis=1)
    np.testing.assert_allclose(s2.economy.sum(axis=1), s.economy.sum(axis=1) - cost, rtol=1e-11)
    for name in ("population", "resources"):
        np.testing.assert_allclose(getattr(s2, name).sum(axis=1), getattr(s, name).sum(axis=1), rtol=1e-12)
    assert (s2.military <= s.military + 1e-12).all()  # war destroys forces, never makes them


def test_transfers_and_conquest_happen_in_the_conservation_setting():
    # guard: the property above must exercise transfers and conquest, not only quiet years
    p, keys, s = _at_war(transfer=0.6, survival_floor=0.5)
    s2, ev = conflict.start_and_fight(keys, s, p)
    ends = _events(ev, "war_end")[0]
    assert (ends.values["winner"] >= 0).sum() > 100
    assert (~s2.alive).sum() > 10


def test_dead_states_hold_nothing_and_their_wars_end():
    p, keys, s = _at_war(transfer=0.6, survival_floor=0.5)
    s2, ev = conflict.start_and_fight(keys, s, p)
    dead = ~s2.alive
    assert dead.any()
    for name in ("military", "economy", "population", "resources"):
        assert (getattr(s2, name)[dead] == 0).all()
    rows = np.arange(s2.shape[0])[:, None]
    tgt = s2.war_target
    assert not ((tgt >= 0) & ~s2.alive).any()
    assert not ((tgt >= 0) & ~s2.alive[rows, np.where(tgt >= 0, tgt, 0)]).any()
    assert not (s2.war_side[np.broadcast_to(~s2.alive[:, None, :], s2.war_side.shape)] != 0).any()
    deaths = _events(ev, "death")[0]
    assert len(deaths.r) == dead.sum()
    assert (deaths.values["absorbed_by"] >= 0).all()
    assert s2.alive[deaths.r, deaths.values["absorbed_by"]].all()


def test_stronger_side_wins_more_often():
    p, keys, s = _at_war(worlds=3000, decisive_prob=1.0)
    s2, ev = conflict.start_and_fight(keys, s, p)
    ends = _events(ev, "war_end")[0]
    r, i, j = ends.r, ends.values["attacker"], ends.values["defender"]
    att_won = ends.values["winner"] == i
    # forces as the rule says: each state's military split equally over its wars, projected to the theatre
    n_wars = (s.war_plan >= 0).astype(int)
    rr, ii = np.nonzero(s.war_plan >= 0)
    np.add.at(n_wars, (rr, s.war_plan[rr, ii]), 1)
    A = s.military[r, i] / n_wars[r, i] * p.decay[r, i, j]
    B = s.military[r, j] / n_wars[r, j]
    assert att_won[A > B].mean() > att_won[A < B].mean() + 0.3


def test_an_undefined_expected_utility_is_no_option(monkeypatch):
    # NaN sorts first in argmax: a target whose terms are undefined must not block or win the choice
    # (every state greedy: none is held back by a defensive doctrine's restraint)
    _, p, keys, s = setup(worlds=50, war__opportunity=1.0, beliefs__greedy_share=1.0)
    real = conflict.crisis_terms

    def fake(state, params, rows, targets=None, support=None, extras=None):
        t = {k: np.array(v, copy=True) for k, v in real(state, params, rows, targets, support, extras).items()}
        if targets is None:  # the challenger's view of every target: 0 undefined, 1 clearly worth pressing
            for k in t:
                if k != "economy":
                    t[k][:, 0] = np.nan
            t["value"][:, 1] = 10.0 * t["economy"][:, 1]
        else:  # the target's view of the chosen pair
            t["value"] = np.where(targets == 1, 10.0 * t["economy"], t["value"])
        return t

    monkeypatch.setattr(conflict, "crisis_terms", fake)
    with kernels.reference():  # the NumPy form reads crisis_terms (the kernels compute the terms themselves)
        s2, ev = conflict.decide(keys, s, p)
    crises = [e for e in ev if e.kind == "crisis"][0]
    deciders = crises.values["challenger"] >= 2
    n_deciders = (s.alive[:, 2:] & (s.war_target[:, 2:] < 0)).sum()
    assert deciders.sum() > 0.9 * n_deciders  # they still decide: the NaN did not block them
    assert (crises.values["target"][deciders] == 1).all()
    assert np.isfinite(s2.plan_eu[s2.war_plan >= 0]).all()


def test_an_allys_power_is_no_threat():
    # Walt (1987): states balance against threats; an ally is not one
    sc, p, keys, s = setup(worlds=3)
    power = s.power
    base = threat.threat_ratio(s, p)
    allied = s.allied.copy()
    allied[:, 0, 1] = allied[:, 1, 0] = True
    t2 = threat.threat_ratio(s.replace(allied=allied), p)
    scale = (1 - p.authority.enforcement) * p.war.offense_defense ** p.threat.offense_weight
    np.testing.assert_allclose(base[:, 0] - t2[:, 0], scale * power[:, 1] * p.decay[:, 0, 1] / power[:, 0])
    np.testing.assert_allclose(base[:, 1] - t2[:, 1], scale * power[:, 0] * p.decay[:, 1, 0] / power[:, 1])
    np.testing.assert_array_equal(t2[:, 2:], base[:, 2:])  # third parties unaffected
    assert (t2[:, :2] < base[:, :2]).all()


def test_power_is_the_composite_index_of_the_capabilities():
    _, p, keys, s = setup(worlds=2)
    np.testing.assert_array_equal(s.power, measures.composite_index(s.components(), s.alive))
