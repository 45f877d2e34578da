"""Cooperation (mechanisms/cooperation.py): relative vs absolute gains (Grieco 1988), Powell's (1991) usability
of force, Snidal's (1991) number of actors, the liberal comparison (Keohane 1984), interdependence; off means off.

Every check is seeded and states its tolerance.  Rates are shares of offered deals accepted, with a binomial
standard error; differences of rates are asked to exceed 4 combined standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from contract import MechanismContract, assert_finite_run, extremes

from neorealism import engine, rng
from neorealism.mechanisms import cooperation
from neorealism.mechanisms.registry import current, default_mechanisms, using
from neorealism.scenario import validate_scenario
from neorealism.state import EngineParams, init_state
from neorealism.synthetic import synthetic_scenario

ON = {"deal_rate": 0.2}
#: channels off: k is the constant sensitivity (the rate then depends on the split and cheating only)
FLAT = {"threat_weight": 0.0, "usability_weight": 0.0, "snidal_weight": 0.0}


# --------------------------------------------------------------------------- the contract


class TestCooperationContract(MechanismContract):
    mechanism = cooperation.MECHANISM
    overrides = {"cooperation": {"deal_rate": 0.4, "commercial_peace": 5.0, "vulnerability": 5.0,
                                 "shadow_of_future": 0.5, "snidal_weight": 0.5, "institutions": 0.3,
                                 "split_spread": 1.2}}

    def test_the_contract_world_exercises_the_mechanism(self, world):
        s = world[3]
        assert (s.deal_gains > 0).any() and s.interdependence.any()
        assert s.commercial_war_cost.any() and (s.vulnerability_weight > 1).any()
        live = s.alive
        assert not (s.interdependence[~live].any() or s.interdependence.transpose(0, 2, 1)[~live].any())


@pytest.mark.parametrize("name,value", extremes(cooperation.CooperationParams))
def test_outputs_stay_finite_at_the_extremes_with_the_mechanism_on(name, value):
    """The contract's extremes run with the mechanism off (deal_rate 0); here each end with deals on."""
    cfg = {"deal_rate": 0.3, "commercial_peace": 2.0, "vulnerability": 2.0, "snidal_weight": 0.5,
           "shadow_of_future": 0.5}
    cfg[name] = value
    sc = synthetic_scenario(10, seed=4, params={"cooperation": cfg, "war": {"opportunity": 0.8}})
    assert_finite_run(sc, f"cooperation.{name} = {value}", worlds=3, years=30)


# --------------------------------------------------------------------------- helpers


def _run(n=10, worlds=40, years=40, seed=0, sc_seed=3, war=None, sc_arm=None, **coop):
    params = {"cooperation": {**ON, **coop}}
    if war:
        params["war"] = war
    if sc_arm:
        params["armament"] = sc_arm
    sc = synthetic_scenario(n, seed=sc_seed, params=params)
    return engine.run_batch(sc, np.arange(worlds), years, seed=seed)


def _deals(traj):
    kinds = [e.name for e in current().event_kinds()]
    ev = {k: np.concatenate(v) if len(v) else np.array([]) for k, v in traj.events.items()}
    sel = ev["event"] == kinds.index("deal")
    return {k: v[sel] for k, v in ev.items()}


def _rate(traj):
    """(share of offered deals accepted, its binomial s.e., offers)."""
    out = _deals(traj)["deal_outcome"]
    n = len(out)
    assert n > 500, f"too few deals ({n}) for the statistics"
    p = float((out == cooperation.ACCEPTED).mean())
    return p, np.sqrt(max(p * (1 - p), 1e-4) / n), n


def _rises(a, b, label):
    (pa, sa, _), (pb, sb, _) = _rate(a), _rate(b)
    se = np.hypot(sa, sb)
    assert pb - pa > 4 * se, f"{label}: cooperation {pa:.3f} → {pb:.3f} (should rise by > 4 s.e. = {4 * se:.3f})"
    return pa, pb


# --------------------------------------------------------------------------- off means off


def _comparable(traj, kinds):
    ev = {k: np.concatenate(v) if len(v) else np.array([]) for k, v in traj.events.items()}
    names = np.asarray(kinds, dtype=object)[ev["event"].astype(np.int64)] if len(ev["event"]) else np.array([])
    return traj.state_vars, traj.system_vars, ev, names


def test_off_by_default_is_bit_identical_to_the_model_without_it():
    sc = synthetic_scenario(9, seed=2, params={"war": {"opportunity": 0.8}})
    on = _comparable(engine.run_batch(sc, np.arange(6), 40, seed=5), [e.name for e in current().event_kinds()])
    without = tuple(m for m in default_mechanisms() if m.name != "cooperation")
    with using(without) as reg:
        sc2 = validate_scenario(sc.model_dump(exclude={"params": {"cooperation"}}))
        off = _comparable(engine.run_batch(sc2, np.arange(6), 40, seed=5), [e.name for e in reg.event_kinds()])
    for k, v in off[0].items():
        np.testing.assert_array_equal(on[0][k], v, err_msg=f"state {k}")
    for k, v in off[1].items():
        np.testing.assert_array_equal(on[1][k], v, err_msg=f"system {k}")
    assert len(off[3]) > 0, "the run has events to compare"
    np.testing.assert_array_equal(on[3], off[3], err_msg="event kinds")
    for k, v in off[2].items():
        if k != "event":
            np.testing.assert_array_equal(on[2][k], v, err_msg=f"event field {k}")
    assert not (on[1]["deals_offered"].any() or on[0]["deal_gains"].any())


def test_role_fields_are_neutral_constant_views_when_their_parameter_is_zero():
    for coop in ({}, ON):
        traj = _run(worlds=3, years=5, **coop)
        s = traj.final
        for name, value in (("commercial_war_cost", 0.0), ("vulnerability_weight", 1.0)):
            v = getattr(s, name)
            assert not any(v.strides) and v.flat[0] == value, f"{name} with {coop} is not a neutral constant view"
    s = _run(worlds=3, years=5, commercial_peace=1.0, vulnerability=1.0).final
    assert s.commercial_war_cost.any() and (s.vulnerability_weight > 1).any()


# --------------------------------------------------------------------------- one step by hand


def _one_step(coop, n=8, worlds=30):
    sc = synthetic_scenario(n, seed=1, params={"cooperation": coop, "war": {"opportunity": 0.8}})
    p = EngineParams.from_scenario(sc, worlds)
    keys = rng.world_keys(3, np.arange(worlds))
    s = init_state(sc, p, keys)
    for _ in range(6):
        s, _ = engine.step(keys, s, p)
    for _, st in current().steps():
        if st.fn is cooperation.cooperate:
            break
        s, _ = st.fn(keys, s, p)
    out, events = cooperation.cooperate(keys, s, p)
    return s, out, events[0], p


def test_a_step_adds_the_accepted_deals_to_the_economies_and_builds_a_symmetric_stock():
    coop = {"deal_rate": 0.5, "cheating": 0.3, "commercial_peace": 1.0}
    s, out, ev, p = _one_step(coop)
    assert (~s.alive).any(), "some states are dead by then"
    added = out.economy - s.economy
    assert (added >= 0).all() and not added[~s.alive].any(), "only the living gain"
    np.testing.assert_allclose(out.deal_gains - s.deal_gains, added, rtol=1e-12, atol=1e-12)
    v = ev.values
    acc = v["deal_outcome"] == cooperation.ACCEPTED
    # the surplus of a deal is surplus·min(E_i, E_j); the two sides' gains add up to it (cheated or not)
    S = 0.01 * np.minimum(s.economy[ev.r, v["state"]], s.economy[ev.r, v["partner"]])
    total = np.bincount(ev.r[acc], weights=S[acc], minlength=s.shape[0])
    np.testing.assert_allclose(added.sum(axis=1), total, rtol=1e-12)
    # the dead never deal; each unordered pair at most once
    assert s.alive[ev.r, v["state"]].all() and s.alive[ev.r, v["partner"]].all()
    key = ev.r * 100 + np.minimum(v["state"], v["partner"]) * 10 + np.maximum(v["state"], v["partner"])
    assert len(np.unique(key)) == len(key)
    D = out.interdependence
    np.testing.assert_array_equal(D, D.transpose(0, 2, 1))
    before = np.where((s.alive[:, :, None] & s.alive[:, None, :]), 0.8 * s.interdependence, 0.0)
    np.testing.assert_allclose((D - before).sum(axis=(1, 2)), 2 * total, rtol=1e-9, atol=1e-12)  # 0.8·D + S
    assert (v["own_gain"] <= v["partner_gain"] * s.economy[ev.r, v["partner"]] / s.economy[ev.r, v["state"]] + 1e-12).all()
    # cheating: defectors only in accepted deals, at about the rate c (binomial, 4 s.e.)
    cheated = v["defector"] >= 0
    assert not (cheated & ~acc).any()
    n = int(acc.sum())
    assert abs(cheated.sum() / n - 0.3) < 4 * np.sqrt(0.21 / n), f"cheated {cheated.sum()}/{n} vs 0.3"
    # measures: this year's counts
    np.testing.assert_array_equal(out.deals_offered_year, np.bincount(ev.r, minlength=s.shape[0]))
    np.testing.assert_array_equal(out.deals_accepted_year, np.bincount(ev.r[acc], minlength=s.shape[0]))


def test_the_stock_decays():
    s, out, ev, p = _one_step({"deal_rate": 0.5, "interdependence_decay": 0.25})
    s2 = s.replace(interdependence=out.interdependence)
    out2, _ = cooperation.cooperate(rng.world_keys(3, np.arange(30)) + np.uint64(1), s2, p)
    before, after = out.interdependence, out2.interdependence
    # after a second round: ≥ 0.75·D (decay, plus new deals), equal where the pair made no new deal
    assert (after >= 0.75 * before - 1e-15).all()
    assert np.isclose(after, 0.75 * before).mean() > 0.5


# --------------------------------------------------------------------------- relative vs absolute gains


@pytest.fixture(scope="module")
def by_k():
    out = {k: _run(sensitivity=k, worlds=150) for k in (0.0, 1.0, 3.0)}
    out["flat"] = _run(sensitivity=1.0, worlds=150, **FLAT)  # k = 1 against every partner
    return out


@pytest.mark.slow
def test_cooperation_falls_as_k_rises(by_k):
    _rises(by_k[3.0], by_k[1.0], "k 3 → 1")
    _rises(by_k[1.0], by_k[0.0], "k 1 → 0")


def test_with_k_zero_every_deal_with_a_positive_own_gain_is_accepted():
    traj = _run(sensitivity=0.0, split_spread=1.5)  # some deals give one side a loss
    d = _deals(traj)
    pos = (d["own_gain"] > 0) & (d["partner_gain"] > 0)
    assert pos.sum() > 500 and (~pos).sum() > 50
    assert (d["deal_outcome"][pos] == cooperation.ACCEPTED).all(), "a deal good for both was refused with k = 0"
    assert (d["deal_outcome"][~pos] == cooperation.REFUSED_ABSOLUTE).all()
    assert not (d["deal_outcome"] == cooperation.REFUSED_RELATIVE).any()


def test_refusals_for_relative_reasons_are_counted_and_fall_on_the_smaller_share():
    traj = _run(sensitivity=2.0)
    d = _deals(traj)
    rel = d["deal_outcome"] == cooperation.REFUSED_RELATIVE
    assert rel.sum() > 100
    assert (d["own_gain"][rel] > 0).all()
    per_year = np.zeros_like(traj.system_vars["deals_refused_relative"])
    np.add.at(per_year, (d["year"][rel], d["world"][rel]), 1)
    np.testing.assert_array_equal(traj.system_vars["deals_refused_relative"], per_year)
    # without the fear of cheating only the side with the smaller share can refuse for relative reasons
    d0 = _deals(_run(sensitivity=2.0, cheating=0.0, worlds=10))
    r0 = d0["deal_outcome"] == cooperation.REFUSED_RELATIVE
    assert r0.any() and (d0["refuser"][r0] == d0["state"][r0]).all()


def _growth(traj):
    """Per world: log of the living states' total economy at the end over the start."""
    e = np.where(traj.state_vars["alive"], traj.state_vars["economy"], 0.0).sum(axis=-1)
    return np.log(e[-1] / e[0])


@pytest.mark.slow
def test_the_relative_gains_concern_lowers_growth(by_k):
    # deals add about 2% to the living states' total economy over 40 years (k = 0 against no deals); the
    # relative concern forgoes part of it: k = 1 against every partner about 0.012 log points, k = 3 with the
    # threat and usability channels about as much (docs/cooperation.md has the figures)
    g0, g1, g3 = (_growth(by_k[k]) for k in (0.0, "flat", 3.0))
    for g, label in ((g1, "k = 1 (channels off)"), (g3, "k = 3")):
        diff = g0 - g
        se = diff.std(ddof=1) / np.sqrt(len(diff))
        assert diff.mean() > 4 * se, f"{label}: growth lower than with k = 0 by {diff.mean():.4f} (4 s.e. = {4 * se:.4f})"
    gd = _growth(by_k[1.0])  # k = 1 with the default channels (force less usable far away): a smaller loss
    assert (g0 - gd).mean() < (g0 - g3).mean()


# --------------------------------------------------------------------------- Powell and Snidal


def test_powell_cooperation_rises_with_the_cost_of_war():
    usable = {"threat_weight": 0.0, "snidal_weight": 0.0, "usability_weight": 1.0}
    _rises(_run(war={"economic_cost": 0.01}, **usable), _run(war={"economic_cost": 0.2}, **usable), "economic_cost")
    _rises(_run(war={"cost": 0.05}, **usable), _run(war={"cost": 0.6}, **usable), "war.cost")
    # the channel off: the cost of war does not move cooperation (|difference| < 4 s.e.)
    (pa, sa, _), (pb, sb, _) = (_rate(_run(war={"economic_cost": ec}, **FLAT)) for ec in (0.01, 0.2))
    assert abs(pb - pa) < 4 * np.hypot(sa, sb), f"usability off: {pa:.3f} vs {pb:.3f}"


@pytest.mark.slow
def test_snidal_cooperation_rises_with_the_number_of_states():
    sn = {**FLAT, "snidal_weight": 0.5}
    small, mid, large = (_run(n=n, worlds=w, **sn) for n, w in ((3, 150), (6, 60), (12, 20)))
    _rises(small, mid, "3 → 6 states")
    _rises(mid, large, "6 → 12 states")
    (pa, sa, _), (pb, sb, _) = (_rate(_run(n=n, worlds=w, **FLAT)) for n, w in ((3, 150), (12, 20)))
    assert abs(pb - pa) < 4 * np.hypot(sa, sb), f"snidal off: {pa:.3f} vs {pb:.3f}"


def _acceptance_by_partner_strength(traj):
    """Acceptance of deals whose partner's forces exceed the state's own, and of the others: ((p, se), (p, se))."""
    d = _deals(traj)
    m = traj.state_vars["military"]
    y = np.maximum(d["year"] - 1, 0)  # the forces at the start of the year of the deal
    stronger = m[y, d["world"], d["partner"]] > m[y, d["world"], d["state"]]
    acc = d["deal_outcome"] == cooperation.ACCEPTED
    out = []
    for sel in (stronger, ~stronger):
        p, n = acc[sel].mean(), sel.sum()
        assert n > 300, f"too few deals ({n})"
        out.append((p, np.sqrt(p * (1 - p) / n)))
    return out


def test_the_threat_channel_makes_states_wary_of_deals_with_stronger_partners():
    # no cheating: only the side with the smaller share can refuse; usability off: only the threat channel
    kw = {"cheating": 0.0, "usability_weight": 0.0, "worlds": 60}
    (ps, ss), (pw, sw) = _acceptance_by_partner_strength(_run(threat_weight=1.0, **kw))
    assert pw - ps > 4 * np.hypot(ss, sw), f"threat on: accepted {ps:.3f} with stronger partners, {pw:.3f} with weaker"
    (ps, ss), (pw, sw) = _acceptance_by_partner_strength(_run(threat_weight=0.0, **kw))
    assert abs(pw - ps) < 4 * np.hypot(ss, sw), f"threat off: {ps:.3f} vs {pw:.3f}"


# --------------------------------------------------------------------------- liberal institutionalism


def test_institutions_and_the_shadow_of_the_future_raise_cooperation():
    base = _run(**FLAT)
    _rises(base, _run(institutions=1.0, **FLAT), "institutions 0 → 1")
    _rises(base, _run(shadow_of_future=0.8, **FLAT), "shadow of the future 0 → 0.8")
    d = _deals(_run(institutions=1.0, worlds=10))
    assert not (d["defector"] >= 0).any(), "full institutions: no cheating"


# --------------------------------------------------------------------------- interdependence


def _wars(traj):
    kinds = [e.name for e in current().event_kinds()]
    ev = np.concatenate(traj.events["event"])
    return int((ev == kinds.index("war_start")).sum())


def test_commercial_peace_lowers_war_and_vulnerability_raises_arms():
    war = {"opportunity": 0.8}
    kw = {"deal_rate": 0.5, "surplus": 0.05, "worlds": 30}
    base = _run(war=war, **kw)
    peace = _run(war=war, commercial_peace=30.0, **kw)
    w0, w1 = _wars(base), _wars(peace)
    assert w1 < w0 - 4 * np.sqrt(w0 + w1), f"wars {w0} → {w1} (should fall by > 4 √(w0 + w1))"
    # futility 0: a state spends up to what it can afford however large the need (with the default futility a
    # larger need can lower the burden of a state that gives balancing up as hopeless)
    kw["sc_arm"] = {"futility": 0.0}
    base = _run(war=war, **kw)
    vuln = _run(war=war, vulnerability=30.0, **kw)
    b0 = np.where(base.state_vars["alive"], base.state_vars["burden"], np.nan)
    b1 = np.where(vuln.state_vars["alive"], vuln.state_vars["burden"], np.nan)
    m0, m1 = np.nanmean(b0[10:], axis=(0, 2)), np.nanmean(b1[10:], axis=(0, 2))  # per world
    diff = m1 - m0
    assert diff.mean() > 4 * diff.std(ddof=1) / np.sqrt(len(diff)), f"burden {m0.mean():.4f} → {m1.mean():.4f}"
