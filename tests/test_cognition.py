"""The limits of the rational actor (mechanisms/cognition.py): a critique, off by default.

Checks of the issue, emergent (measured in the events and the tables of seeded runs, each with its
tolerance in the assertion message):

- misperception (a persistent AR(1) bias, Jervis 1976) raises the share of decided wars whose
  initiator loses (counted from the war_end events: the winner is not the attacker);
- bureaucratic politics (Allison 1971; Halperin 1974) widens the spread of the chosen burden
  around the best response to threat (armament's burden_target);
- worst-case assumptions raise military burdens, through threat and armament (multipolar, the first
  decade) — and, where balancing looks hopeless (armament.futility), they lower them;
- overconfidence (Johnson 2004) raises war onsets and the initiator's losing share;
- ideological wars raise the share of wars begun with a negative expected utility;
- switched off, every table is bit for bit that of the model without the mechanism.

Plus the AR(1)'s moments, the misperceived_war events against the war_end events, per-world
switches, and the mechanism contract with everything on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from contract import MechanismContract

from neorealism import api, engine, rng
from neorealism.mechanisms import cognition as cog
from neorealism.mechanisms.conflict import CAUSES
from neorealism.mechanisms.registry import default_mechanisms, using
from neorealism.state import EngineParams, init_state
from neorealism.synthetic import synthetic_scenario

ALL_ON = {"misperception": 0.5, "overconfidence": 0.3, "overconfidence_spread": 0.3, "worst_case": 0.5,
          "bureaucratic_inertia": 0.5, "ideological_war": 0.05}


def _events(traj) -> pd.DataFrame:
    kinds = engine.event_types()
    df = pd.DataFrame({k: np.concatenate(v) if v else np.array([]) for k, v in traj.events.items()})
    df["kind"] = [kinds[int(c)] for c in df["event"]] if len(df) else []
    return df


_CACHE: dict = {}


def _run(cognition: dict | None = None, *, worlds: int = 96, years: int = 60, n: int = 12, seed: int = 3,
         extra: dict | None = None):
    """A seeded batch of synthetic worlds (cached: several checks read the same runs)."""
    key = (tuple(sorted((cognition or {}).items())), worlds, years, n, seed, repr(extra))
    if key not in _CACHE:
        params = {"cognition": dict(cognition or {}), **(extra or {})}
        sc = synthetic_scenario(n, seed=seed, params=params)
        traj = engine.run_batch(sc, np.arange(worlds), years, seed=0)
        _CACHE[key] = (traj, _events(traj))
    return _CACHE[key]


def _losing_share(ev: pd.DataFrame) -> tuple[float, int]:
    """Share of the decided wars whose initiator's side lost, and how many were decided."""
    we = ev[(ev.kind == "war_end") & (ev.winner >= 0)]
    return float((we.winner != we.attacker).mean()), len(we)


def _se(p1: float, n1: int, p2: float, n2: int) -> float:
    return float(np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2))


# --------------------------------------------------------------------------- the contract


class TestCognitionOnContract(MechanismContract):
    """The contract with every part of the mechanism switched on."""

    mechanism = cog.MECHANISM
    overrides = {"cognition": ALL_ON}

    def test_the_contract_world_exercises_the_mechanism(self, world):
        s = world[3]
        assert np.ptp(s.misperception_bias) > 0 and (s.worst_case_factor > 1).any()
        assert (s.confidence != 1.3).any() and any(s.confidence.strides)


# --------------------------------------------------------------------------- off means off


def test_switched_off_the_tables_are_those_of_the_model_without_it():
    sc = api.load("multipolar")
    without = tuple(m for m in default_mechanisms() if m.name != "cognition")
    a = engine.simulate(sc, worlds=24, years=60, seed=11)
    with using(without):
        b = engine.simulate(sc, worlds=24, years=60, seed=11)
    assert len(b.events) and (b.events["event"].astype(str) == "war_start").any()
    for t in ("states", "system", "events"):
        ta, tb = getattr(a, t), getattr(b, t)
        assert set(tb.columns) <= set(ta.columns) and len(ta) == len(tb), t
        if t == "events":
            assert not (ta["event"].astype(str) == "misperceived_war").any()
        for c in tb.columns:  # label columns as text: the categories of the event kinds differ, not the values
            x, y = ta[c].reset_index(drop=True), tb[c].reset_index(drop=True)
            if x.dtype.name == "category" or y.dtype.name == "category":
                x, y = x.astype(str), y.astype(str)
            pd.testing.assert_series_equal(x, y, check_dtype=False, check_exact=True, obj=f"{t}.{c}")


def test_switched_off_the_role_fields_are_neutral_views():
    sc = synthetic_scenario(6, seed=1)
    p = EngineParams.from_scenario(sc, 3)
    keys = rng.world_keys(0, np.arange(3))
    s, _ = engine.step(keys, init_state(sc, p, keys), p)
    for name, value in (("confidence", 1.0), ("worst_case_factor", 1.0), ("crusade", 0.0),
                        ("misperception_bias", 0.0)):
        v = getattr(s, name)
        assert v.ndim > 0 and not any(v.strides) and v.flat[0] == value, name  # a constant view


# --------------------------------------------------------------------------- the checks (emergent)


def test_misperception_raises_the_share_of_wars_the_initiator_loses():
    base, n0 = _losing_share(_run()[1])
    mis, n1 = _losing_share(_run({"misperception": 1.0})[1])
    se = _se(base, n0, mis, n1)
    assert n0 > 300 and n1 > 300
    assert mis - base > max(0.05, 2 * se), (
        f"initiator's losing share {base:.3f} (n={n0}) → {mis:.3f} (n={n1}) with misperception 1.0: "
        f"expected a rise of more than max(0.05, 2 s.e. = {2 * se:.3f})")


def test_misperceived_wars_are_wars_the_initiator_lost_expecting_to_win():
    traj, ev = _run({"misperception": 1.0})
    mw = ev[ev.kind == "misperceived_war"]
    assert len(mw) > 100
    assert (mw.expected_utility > 0).all()
    # every one is a decided war_end of the same year and target that the attacker's side lost (a target
    # conquered the same year, in another war, is no longer named)
    we = ev[(ev.kind == "war_end") & (ev.winner >= 0) & (ev.winner != ev.attacker)]
    keys = set(zip(we.world, we.year, we.defender, strict=True))
    named_foe = mw[mw.defender >= 0]
    assert len(named_foe) > 0.9 * len(mw)
    assert all(k in keys for k in zip(named_foe.world, named_foe.year, named_foe.defender, strict=True))
    named = mw[mw.attacker >= 0]
    assert set(zip(named.world, named.year, named.attacker, strict=True)) <= set(
        zip(we.world, we.year, we.attacker, strict=True))
    fates = set(mw.fate)
    assert fates <= {0, 1} and ((mw.fate == 1) == (mw.attacker < 0)).all()
    # and at most as many as the initiators' lost wars that began with a positive expected utility
    assert len(mw) <= len(we)


def test_bureaucratic_politics_widens_the_gap_to_the_best_response():
    out = {}
    for beta in (0.0, 0.6):
        traj, _ = _run({"bureaucratic_inertia": beta}, years=40)
        alive = traj.state_vars["alive"][1:]
        gap = traj.state_vars["budget_gap"][1:][alive]
        out[beta] = (np.abs(gap).mean(), gap.std())
    (m0, s0), (m1, s1) = out[0.0], out[0.6]
    assert m1 > 1.25 * m0 and s1 > 1.15 * s0, (
        f"mean |burden − burden_target| {m0:.4f} → {m1:.4f} (expected ×1.25 or more), "
        f"sd {s0:.4f} → {s1:.4f} (expected ×1.15 or more) with bureaucratic_inertia 0.6")


def test_bargaining_alone_without_an_increment_still_widens_the_spread():
    """With no ratchet (service_increment 0) the spread comes from inertia and the services' claims."""
    out = {}
    for beta in (0.0, 0.6):
        traj, _ = _run({"bureaucratic_inertia": beta, "service_increment": 0.0}, years=40)
        alive = traj.state_vars["alive"][1:]
        out[beta] = traj.state_vars["budget_gap"][1:][alive].std()
    assert out[0.6] > 1.1 * out[0.0], f"sd of the gap {out[0.0]:.4f} → {out[0.6]:.4f}: expected ×1.1 or more"


def _mean_burden(sc, worlds=64, years=10):
    traj = engine.run_batch(sc, np.arange(worlds), years, seed=0)
    alive = traj.state_vars["alive"][1:]
    return float(traj.state_vars["burden"][1:][alive].mean())


def test_worst_case_assumptions_raise_burdens():
    """Through threat and armament: the threat of every rival moves toward its hostile maximum."""
    sc = api.load("multipolar")
    b0 = _mean_burden(sc)
    b1 = _mean_burden(api.with_overrides(sc, {"cognition.worst_case": 1.0}))
    assert b1 > 1.05 * b0, f"mean burden in the first decade {b0:.4f} → {b1:.4f} with worst_case 1: expected ×1.05 or more"


def test_where_balancing_is_hopeless_worst_case_assumptions_lower_burdens():
    """The reversal: synthetic worlds of many small states, most past the peak of armament's futility
    curve, give balancing up as the threat they assume grows (Walt 1987: the weak bandwagon); with
    futility 0 (a state spends what it must whatever the odds) the same worlds arm more."""
    sc = synthetic_scenario(12, seed=3)
    hopeless0 = _mean_burden(sc)
    hopeless1 = _mean_burden(api.with_overrides(sc, {"cognition.worst_case": 1.0}))
    assert hopeless1 < 0.97 * hopeless0, f"futility 2: mean burden {hopeless0:.4f} → {hopeless1:.4f}: expected ×0.97 or less"
    sc0 = api.with_overrides(sc, {"armament.futility": 0.0})
    spend0 = _mean_burden(sc0)
    spend1 = _mean_burden(api.with_overrides(sc0, {"cognition.worst_case": 1.0}))
    assert spend1 > 1.05 * spend0, f"futility 0: mean burden {spend0:.4f} → {spend1:.4f}: expected ×1.05 or more"


def test_overconfidence_raises_war_onsets_and_the_initiators_losing_share():
    traj0, ev0 = _run()
    traj1, ev1 = _run({"overconfidence": 0.5})
    n0, n1 = int((ev0.kind == "war_start").sum()), int((ev1.kind == "war_start").sum())
    assert n1 > 1.3 * n0, f"war onsets {n0} → {n1} with overconfidence 0.5: expected ×1.3 or more"
    base, d0 = _losing_share(ev0)
    over, d1 = _losing_share(ev1)
    se = _se(base, d0, over, d1)
    assert over - base > max(0.05, 2 * se), (
        f"initiator's losing share {base:.3f} → {over:.3f}: expected a rise of more than max(0.05, 2 s.e. = {2 * se:.3f})")


def test_a_spread_of_overconfidence_is_a_disposition_drawn_once():
    sc = synthetic_scenario(8, seed=2, params={"cognition": {"overconfidence": 0.5, "overconfidence_spread": 0.4}})
    p = EngineParams.from_scenario(sc, 400)
    keys = rng.world_keys(0, np.arange(400))
    s0 = init_state(sc, p, keys)
    s1, _ = engine.step(keys, s0, p)
    np.testing.assert_array_equal(s1.confidence, s0.confidence)
    c = s0.confidence
    assert abs(c.mean() - 1.5) < 0.03, f"mean confidence {c.mean():.3f}: expected 1.5 ± 0.03"
    assert abs(np.log(c).std() - 0.4) < 0.03, f"sd of log confidence {np.log(c).std():.3f}: expected 0.4 ± 0.03"


def test_ideological_wars_raise_the_share_of_wars_with_a_negative_expected_utility():
    _, ev0 = _run()
    _, ev1 = _run({"ideological_war": 0.02})
    ws0, ws1 = ev0[ev0.kind == "war_start"], ev1[ev1.kind == "war_start"]
    neg0, neg1 = float((ws0.expected_utility < 0).mean()), float((ws1.expected_utility < 0).mean())
    assert neg1 > neg0 + 0.15, (
        f"share of wars begun with EU < 0: {neg0:.3f} (n={len(ws0)}) → {neg1:.3f} (n={len(ws1)}) with "
        "ideological_war 0.02: expected a rise of more than 0.15")
    ideology = CAUSES.index("ideology")
    assert (ws1.cause == ideology).sum() > 0 and not (ws0.cause == ideology).any()


# --------------------------------------------------------------------------- the bias and the switches


def test_the_bias_is_an_ar1_with_the_stated_moments():
    sd, phi = 0.6, 0.8
    sc = synthetic_scenario(10, seed=1, params={"cognition": {"misperception": sd, "misperception_persistence": phi}})
    p = EngineParams.from_scenario(sc, 60)
    keys = rng.world_keys(2, np.arange(60))
    s = init_state(sc, p, keys)
    off = ~np.eye(10, dtype=bool)
    first = s.misperception_bias[:, off]
    s1, _ = engine.step(keys, s, p)
    second = s1.misperception_bias[:, off]
    assert (np.diagonal(s1.misperception_bias, axis1=1, axis2=2) == 0).all()
    assert abs(first.std() - sd) < 0.03 and abs(second.std() - sd) < 0.03, (first.std(), second.std())
    r = np.corrcoef(first.ravel(), second.ravel())[0, 1]
    assert abs(r - phi) < 0.03, f"year-to-year correlation {r:.3f}: expected {phi} ± 0.03"
    # it is applied to what each state sees (its own forces seen exactly)
    sp = synthetic_scenario(10, seed=1, params={"cognition": {"misperception": sd}, "perception": {"capability_noise": 0.0}})
    pp = EngineParams.from_scenario(sp, 4)
    k4 = rng.world_keys(2, np.arange(4))
    st = init_state(sp, pp, k4)
    out, _ = cog.perceive(k4, st.replace(seen_military=np.broadcast_to(st.military[:, None, :], (4, 10, 10)),
                                         seen_power=np.broadcast_to(st.power[:, None, :], (4, 10, 10))), pp)
    np.testing.assert_allclose(out.seen_military, st.military[:, None, :] * np.exp(out.misperception_bias))
    np.testing.assert_array_equal(np.diagonal(out.seen_power, axis1=1, axis2=2), st.power)


def test_a_world_switched_off_in_a_batch_is_the_world_of_the_default_run():
    sc = synthetic_scenario(8, seed=5)
    on = {k: np.array([0.0, v, 0.0, v]) for k, v in
          (("cognition.misperception", 0.5), ("cognition.worst_case", 0.5), ("cognition.bureaucratic_inertia", 0.5),
           ("cognition.ideological_war", 0.05), ("cognition.overconfidence", 0.3))}
    mixed = engine.run_batch(sc, np.arange(4), 30, seed=0, per_world=on)
    plain = engine.run_batch(sc, np.arange(4), 30, seed=0)
    for k in ("military", "economy", "burden", "alive"):
        np.testing.assert_array_equal(mixed.state_vars[k][:, [0, 2]], plain.state_vars[k][:, [0, 2]], err_msg=k)
        assert not np.array_equal(mixed.state_vars[k][:, [1, 3]], plain.state_vars[k][:, [1, 3]]) or k == "alive"
    ev = _events(mixed)
    assert not ev[(ev.kind == "misperceived_war")].world.isin([0, 2]).any()
