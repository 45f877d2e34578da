"""Crisis bargaining (issue #15, item 1): the pure formulas against closed forms and brute force,
their properties, and what they make the model do over many seeded worlds.

The closed forms are derived in docs/war.md.  The brute-force checks minimise the target's
expected loss over a fine grid of offers, with the acceptance rule written out afresh, so they do
not reuse the formula they check.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from neorealism import api, engine, rng
from neorealism.mechanisms import bargaining as bg
from neorealism.mechanisms import conflict, perception
from neorealism.scenario import load_scenario, validate_scenario
from neorealism.state import EngineParams, init_state

pos = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)
spread = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def brute_offer(v, lo, hi, loss, cap=np.inf, truncate=True, n=200_001):
    """The target's best offer by grid search: min over x of x·P(accept) + loss·P(war), with the
    challenger's cost uniform on [lo, hi] (truncated at v once it presses), accepting iff x ≥ v − k."""
    top = min(cap, max(v - lo, 0.0) + 1.0)
    xs = np.linspace(0.0, top, n)
    h = min(hi, v) if truncate else hi
    if h - lo <= 0:
        war = (v - xs > lo).astype(float)
    else:
        war = np.clip((v - xs - lo) / (h - lo), 0.0, 1.0)
    cost = xs * (1 - war) + loss * war
    k = np.argmin(cost)
    return xs[k], war[k], cost[k]


def expected_loss(x, v, lo, hi, loss, truncate=True):
    h = min(hi, v) if truncate else hi
    war = float(np.clip((v - x - lo) / (h - lo), 0, 1)) if h > lo else float(v - x > lo)
    return x * (1 - war) + loss * war


# --------------------------------------------------------------------------- closed forms


def test_complete_information_leaves_a_range_and_no_war():
    # Fearon (1995): with costs c_C, c_T > 0 and a zero-sum stake the range is [v − c_C, v + c_T]
    v, cc, ct = 3.0, 1.0, 0.5
    lo_r, hi_r = bg.bargaining_range(v, cc, v + ct)
    assert hi_r - lo_r == pytest.approx(cc + ct)
    x, p = bg.optimal_offer(v, cc, cc, v + ct)
    assert p == 0.0
    assert x == pytest.approx(v - cc)  # the proposer keeps the whole surplus: the challenger gets its reservation
    assert bg.accepts(x, v - cc)


def test_uniform_offer_and_war_probability_match_the_closed_form():
    # no truncation, no cap: y* = (hi + v − L)/2, x* = v − clip(y*, lo, hi),
    # P(war) = (hi − S − 2·lo)/(2·(hi − lo)), S = L − v   (docs/war.md, eq. 4–5)
    v, lo, hi, L = 4.0, 0.2, 1.8, 4.5
    S = L - v
    y = (hi + v - L) / 2
    x, p = bg.optimal_offer(v, lo, hi, L, truncate=False)
    assert x == pytest.approx(v - y)
    assert p == pytest.approx((hi - S - 2 * lo) / (2 * (hi - lo)))
    xb, pb, _ = brute_offer(v, lo, hi, L, truncate=False)
    assert x == pytest.approx(xb, abs=1e-4) and p == pytest.approx(pb, abs=1e-4)


def test_symmetric_costs_need_large_uncertainty_before_war():
    # mean cost m, target cost m, no shift: interior war iff m·(3δ − 1) > c_T, i.e. δ > 2/3 (docs/war.md)
    m = 1.0
    for d, war in ((0.5, False), (0.66, False), (0.7, True), (1.0, True)):
        lo, hi = bg.uniform_costs(m, d)
        p = bg.war_probability(5.0, lo, hi, 5.0 + m, truncate=False)
        assert (p > 0) == war, (d, p)
    lo, hi = bg.uniform_costs(m, 1.0)
    assert bg.war_probability(5.0, lo, hi, 5.0 + m, truncate=False) == pytest.approx(0.25)


@pytest.mark.parametrize("truncate", [False, True])
@pytest.mark.parametrize("case", [
    (4.0, 0.2, 1.8, 4.5, np.inf),   # interior
    (1.0, 0.2, 1.8, 1.4, np.inf),   # the challenger's value inside its cost range (truncation binds)
    (6.0, 0.5, 1.5, 6.2, np.inf),   # cheap to buy everyone off
    (4.0, 0.2, 1.8, 4.5, 1.0),      # the cap binds
    (3.0, 0.0, 2.0, -1.0, np.inf),  # the target prefers war to any concession
])
def test_optimal_offer_is_the_brute_force_minimum(case, truncate):
    v, lo, hi, L, cap = case
    x, p = bg.optimal_offer(v, lo, hi, L, cap, truncate)
    xb, pb, cb = brute_offer(v, lo, hi, L, cap, truncate)
    assert expected_loss(float(x), v, lo, hi, L, truncate) == pytest.approx(cb, abs=1e-4)
    assert p == pytest.approx(pb, abs=2e-3)


def test_nothing_to_bargain_when_no_type_would_fight():
    # v ≤ lo: even the most resolved challenger prefers the status quo: no offer, no war
    x, p = bg.optimal_offer(0.5, 0.6, 1.4, 2.0)
    assert x == 0.0 and p == 0.0


@pytest.mark.parametrize("d, war", [(0.0, False), (1.4, False), (1.5, False), (1.6, True), (5.0, True)])
def test_preventive_war_iff_the_shift_exceeds_the_surplus(d, war):
    # Powell (2006) under complete information: c_C + c_T = 1.5; the declining challenger's value is
    # a + d; the rising target's loss is a + c_T.  War (certain) iff d > c_C + c_T.
    a, cc, ct = 0.5, 1.0, 0.5
    x, p = bg.optimal_offer(a + d, cc, cc, a + ct)
    assert bool(bg.preventive_war(d, cc, ct)) == war
    assert p == (1.0 if war else 0.0)
    if not war and a + d > cc:
        assert x == pytest.approx(a + d - cc)  # the rising state pays the decline premium to keep the peace


def test_decline_premium_and_projection():
    assert bg.decline_premium(0.6, 0.4, 10.0) == pytest.approx(2.0)
    assert bg.decline_premium(0.4, 0.6, 10.0) == 0.0  # a rising challenger has no premium
    assert bg.projected_ratio(0.01, 0.05, 10.0) == pytest.approx(np.exp(-0.4))


def test_uniform_cdf():
    assert bg.uniform_cdf(0.5, 0.0, 2.0) == pytest.approx(0.25)
    assert bg.uniform_cdf(-1.0, 0.0, 2.0) == 0.0 and bg.uniform_cdf(3.0, 0.0, 2.0) == 1.0
    assert bg.uniform_cdf(1.0, 1.0, 1.0) == 0.0 and bg.uniform_cdf(1.1, 1.0, 1.0) == 1.0


# --------------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(v=pos, m=st.floats(0.01, 5.0), d=spread, L=st.floats(-2.0, 15.0), cap=st.floats(0.0, 20.0),
       truncate=st.booleans())
def test_offer_is_feasible_and_war_probability_a_probability(v, m, d, L, cap, truncate):
    lo, hi = bg.uniform_costs(m, d)
    x, p = bg.optimal_offer(v, lo, hi, L, cap, truncate)
    assert 0.0 <= x <= cap + 1e-12
    assert x <= max(L, 0.0) + 1e-9  # never concede more than war would cost
    assert 0.0 <= p <= 1.0
    if v > lo and L >= v - lo and d == 0 and cap >= v - lo:  # complete information, range exists, within reach
        assert p == 0.0 and x == pytest.approx(v - lo)  # the offer is in the bargaining range [v − c, L]


@settings(max_examples=300, deadline=None)
@given(v=pos, m=st.floats(0.01, 5.0), d=spread, L=st.floats(0.0, 15.0), cap=st.floats(0.0, 20.0),
       truncate=st.booleans(), alt=st.floats(0.0, 1.0))
def test_the_offer_is_the_targets_best_reply(v, m, d, L, cap, truncate, alt):
    lo, hi = bg.uniform_costs(m, d)
    assume(hi > lo)
    x, _ = bg.optimal_offer(v, lo, hi, L, cap, truncate)
    other = alt * cap if np.isfinite(cap) else alt * 20
    assert expected_loss(float(x), v, lo, hi, L, truncate) <= expected_loss(other, v, lo, hi, L, truncate) + 1e-9


@settings(max_examples=300, deadline=None)
@given(v=st.floats(0.0, 10.0), m=st.floats(0.01, 5.0), ct=st.floats(0.0, 5.0), d1=spread, d2=spread,
       truncate=st.booleans())
def test_war_probability_rises_with_uncertainty_while_a_range_exists(v, m, ct, d1, d2, truncate):
    # Fearon (1995): where complete information leaves a range (no commitment problem), more private
    # information about the challenger's cost means more war; L = v + c_T ≥ v − m
    lo1, hi1 = bg.uniform_costs(m, min(d1, d2))
    lo2, hi2 = bg.uniform_costs(m, max(d1, d2))
    p1 = bg.war_probability(v, lo1, hi1, v + ct, truncate=truncate)
    p2 = bg.war_probability(v, lo2, hi2, v + ct, truncate=truncate)
    assert p2 >= p1 - 1e-12


# --------------------------------------------------------------------------- the model's decisions


def _initial(sc, R, seed=3):
    p = EngineParams.from_scenario(sc, R)
    keys = rng.world_keys(seed, np.arange(R))
    s, _ = perception.perceive(keys, init_state(sc, p, keys), p)
    return p, keys, s


def dyad(**war):
    """Two equal states 1,000 km apart (each defends at home: the challenger's odds are below 1/2),
    seeing each other exactly (no private information about capabilities), both security seekers
    (Powell's commitment problem needs no greed)."""
    states = [dict(name=n, military=10.0, economy=20.0, population=20.0, resources=10.0, technology=1.0,
                   position=[x, 0.0], type="security") for n, x in (("Holder", 0.0), ("Riser", 1.0))]
    return validate_scenario({"name": "dyad", "states": states, "params": {
        "war": {"opportunity": 1.0, **war}, "perception": {"capability_noise": 0.0}}})


#: war cheap against its stakes, so that the shift of power can exceed the surplus
CHEAP = {"transfer": 0.6, "economic_cost": 0.01, "cost": 0.05}


def test_a_fast_shift_of_power_makes_the_declining_state_strike():
    # Powell (2006): the declining state fights when the fall of its odds outweighs the costs of war;
    # the same dyad, the riser's trend of power 0, slow or fast.  4000 worlds; the fast case is
    # deterministic (every type of the holder fights), so the margins are wide.
    sc = dyad(**CHEAP)
    p, keys, s = _initial(sc, 4000)
    started = {}
    for g in (0.0, 0.01, 0.06):
        tr = np.zeros(s.shape)
        tr[:, 1] = g
        s2, _ = conflict.decide(keys, s.replace(power_trend=tr), p)
        started[g] = (s2.war_plan[:, 0] == 1).mean(), s2.plan_cause[:, 0][s2.war_plan[:, 0] == 1], (s2.war_plan[:, 1] == 0).mean()
    assert started[0.0][0] == 0.0 and started[0.01][0] < 0.01
    assert started[0.06][0] > 0.9
    assert (started[0.06][1] == conflict.CAUSES.index("commitment")).mean() > 0.95
    assert all(v[2] == 0.0 for v in started.values())  # the riser never strikes: it gains by waiting


def test_a_fast_riser_draws_preventive_wars_in_the_engine():
    # the trend is measured, not set: the riser grows fast (economy, population, technology).
    # 300 worlds × 40 years; the holder's attacks on the riser, fast against slow growth.
    def run(growth):
        d = dyad(**CHEAP).model_dump()
        d["states"][1].update(growth=growth, population_growth=growth / 2, technology_growth=growth / 2)
        res = engine.simulate(validate_scenario(d), worlds=300, years=40, seed=11, states="none")
        ws = res.events[res.events.event == "war_start"]
        by_holder = ws[(ws.attacker == "Holder") & (ws.defender == "Riser")]
        return len(by_holder), (by_holder.cause == "commitment").sum()

    slow, slow_c = run(0.02)
    fast, fast_c = run(0.12)
    assert fast > 2 * slow + 20, (slow, fast)
    assert fast_c > 0.5 * fast and fast_c > 10 * max(slow_c, 1), (slow_c, fast_c)


def test_complete_information_without_shifts_settles_every_crisis():
    # δ = 0, exact perception, no noise, no commitment problem: crises happen and all are settled
    sc = api.with_overrides(load_scenario("multipolar"), {
        "war.cost_uncertainty": 0.0, "war.temperature": 0.0, "war.shift_horizon": 0.0,
        "perception.capability_noise": 0.0})
    res = engine.simulate(sc, worlds=100, years=100, seed=4, states="none")
    ev = res.events
    crises = ev[ev.event == "crisis"]
    assert len(crises) > 100
    assert (crises.outcome == "settled").all()
    assert (ev.event == "war_start").sum() == 0


def _wars(sc, R, T, seed, per_world):
    res = engine.simulate(sc, worlds=R, years=T, seed=seed, states="none", per_world=per_world)
    ws = res.events[res.events.event == "war_start"]
    return np.bincount(ws.world.to_numpy(), minlength=R), ws


def _z(a, b):
    return (a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))


def test_more_private_information_about_costs_means_more_war():
    # the same worlds, half with δ = 0.2 and half with δ = 1 (one batch, per-world parameters);
    # no decision noise, so every war is chosen.  z > 3: a one-sided test at about 0.1%.  The costs
    # everyone knows (a deterrer's resolve, role war_cost) are no part of the private draw, so the
    # effect is a sixth (measured 6.3 against 7.4 wars a world-century), hence the 1,600 worlds.
    R = 1600
    sc = api.with_overrides(load_scenario("multipolar"), {"war.temperature": 0.0})
    delta = np.where(np.arange(R) % 2 == 0, 0.2, 1.0)
    wars, _ = _wars(sc, R, 100, 5, {"war.cost_uncertainty": delta})
    lo, hi = wars[delta == 0.2], wars[delta == 1.0]
    assert _z(hi, lo) > 3, (lo.mean(), hi.mean())


def test_fog_about_capabilities_means_more_war():
    # Blainey (1973): mutual optimism.  Perception noise 0 against 0.4 in one batch.
    R = 300
    sc = api.with_overrides(load_scenario("multipolar"), {"war.temperature": 0.0})
    noise = np.where(np.arange(R) % 2 == 0, 0.0, 0.4)
    wars, ws = _wars(sc, R, 100, 6, {"perception.capability_noise": noise})
    clear, fog = wars[noise == 0.0], wars[noise == 0.4]
    assert _z(fog, clear) > 3 and fog.mean() > 2 * clear.mean(), (clear.mean(), fog.mean())


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_few_wars_are_expected_losses(noise):
    # the run summary's figure: the share of wars whose initiator's EU was negative when it chose war
    sc = api.with_overrides(load_scenario("multipolar"), {"perception.capability_noise": noise})
    _, ws = _wars(sc, 300, 200, 0, None)
    assert len(ws) >= 20
    assert (ws.expected_utility < 0).mean() < 0.05


def test_offensive_doctrine_is_more_willing():
    # Mearsheimer (2001): the same world with every state offensive presses more crises and fights
    # more wars; the doctrine acts only through the decision (its margin), not on outcomes.
    base = load_scenario("multipolar").model_dump()
    base["params"]["war"]["offensive_threshold"] = -0.02
    off = {**base, "states": [{**s, "doctrine": "offensive"} for s in base["states"]]}
    res_d = engine.simulate(validate_scenario(base), worlds=200, years=100, seed=8, states="none")
    res_o = engine.simulate(validate_scenario(off), worlds=200, years=100, seed=8, states="none")
    crises = [(r.events.event == "crisis").sum() for r in (res_d, res_o)]
    wars = [(r.events.event == "war_start").sum() for r in (res_d, res_o)]
    assert crises[1] > 1.2 * crises[0] and wars[1] > wars[0], (crises, wars)


def test_a_settlement_is_a_real_transfer():
    # every settled crisis moves the offered share of the target's economy, population and resources
    # to the challenger; totals are conserved
    R = 3000
    sc = load_scenario("multipolar")
    p, keys, s = _initial(sc, R)
    s2, ev = conflict.decide(keys, s, p)
    crisis = [e for e in ev if e.kind == "crisis"][0]
    ok = crisis.values["outcome"] == 0
    assert ok.sum() > 50
    for name in ("economy", "population", "resources"):
        np.testing.assert_allclose(getattr(s2, name).sum(axis=1), getattr(s, name).sum(axis=1), rtol=1e-12)
    # worlds with one settlement and no other crisis: the target lost exactly the share
    r = crisis.r
    one = np.bincount(r, minlength=R) == 1
    k = np.flatnonzero(ok & one[r])
    assert len(k) > 10
    tr, ch, sh = crisis.values["target"][k], crisis.values["challenger"][k], crisis.values["share"][k]
    rk = r[k]
    np.testing.assert_allclose(s2.economy[rk, tr], s.economy[rk, tr] * (1 - sh), rtol=1e-12)
    np.testing.assert_allclose(s2.population[rk, ch] - s.population[rk, ch], s.population[rk, tr] * sh, rtol=1e-10)


def test_settlements_do_not_concentrate_power():
    # with capabilities seen exactly, crises (about 97% of them settled by a concession) move the HHI
    # about as little as no crises at all: the medians over 200 worlds × 200 years differ by < 0.01
    def drift(**over):
        sc = api.with_overrides(load_scenario("multipolar"), {"perception.capability_noise": 0.0, **over})
        res = engine.simulate(sc, worlds=200, years=200, seed=9, states="none")
        h = res.system.pivot(index="world", columns="year", values="hhi")
        return float(np.median(h.iloc[:, -1] - h.iloc[:, 0]))

    none = drift(**{"war.opportunity": 0.0})
    crises = drift()
    assert abs(crises - none) < 0.01, (none, crises)
