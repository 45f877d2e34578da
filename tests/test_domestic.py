"""Domestic factors (mechanisms/domestic.py): regimes, the democratic peace, casualty aversion, leaders.

The emergent checks run the 12-state synthetic system (half its states democracies) over WORLDS × YEARS,
seeded, and count wars from the ``war_start`` events and the recorded regimes and leaders — never from the
cost term the mechanism adds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from contract import MechanismContract

from neorealism import engine
from neorealism.mechanisms import domestic
from neorealism.mechanisms.registry import current, default_mechanisms, using
from neorealism.scenario import validate_scenario
from neorealism.synthetic import synthetic_scenario

WORLDS, YEARS, SEED, SC_SEED = 300, 60, 5, 3
THRESHOLD = 6.0
BASE = {"democracy_share": 0.5}


# --------------------------------------------------------------------------- the contract


class TestDomesticContract(MechanismContract):
    mechanism = domestic.MECHANISM
    overrides = {"domestic": {"democratic_peace": 1.0, "casualty_aversion": 0.5, "leader_risk_spread": 0.5,
                              "regime_change": 0.1, "democracy_share": 0.5}}

    def test_the_contract_world_exercises_the_mechanism(self, world):
        s = world[3]
        dem = s.regime >= THRESHOLD
        assert dem.any() and (~dem).any()
        assert (s.leader_risk > 0).any() and (s.leader_risk < 0).any()
        assert s.domestic_war_cost.any() and np.isfinite(s.domestic_war_cost).all()


# --------------------------------------------------------------------------- helpers


def _run(worlds=WORLDS, years=YEARS, seed=SEED, **dom):
    sc = synthetic_scenario(12, seed=SC_SEED, params={"domestic": {**BASE, **dom}})
    return engine.run_batch(sc, np.arange(worlds), years, seed=seed)


def _events(traj, kind):
    kinds = [e.name for e in current().event_kinds()]
    ev = {k: np.concatenate(v) if len(v) else np.array([]) for k, v in traj.events.items()}
    if not len(ev["event"]):
        return {k: v[:0] for k, v in ev.items()}
    sel = ev["event"] == kinds.index(kind)
    return {k: v[sel] for k, v in ev.items()}


def _wars(traj):
    """Every war started: world, year (index), attacker, defender, and whether each side was a democracy."""
    ws = _events(traj, "war_start")
    w, y, a, d = ws["world"], ws["year"], ws["attacker"], ws["defender"]
    dem = traj.state_vars["regime"] >= THRESHOLD  # (T+1, R, N): the regime of the year the war began
    return {"world": w, "year": y, "attacker": a, "defender": d, "war_id": ws["war_id"],
            "dem_a": dem[y, w, a], "dem_d": dem[y, w, d]}


def _per_1000(n):
    return 1000.0 * n / (WORLDS * YEARS)


@pytest.fixture(scope="module")
def runs():
    return {
        "base": _run(),
        "peace": _run(democratic_peace=0.5),
        "casualty": _run(casualty_aversion=0.3),
        "leaders": _run(leader_risk_spread=0.3),
    }


# --------------------------------------------------------------------------- regimes


def test_regimes_come_from_the_scenario_where_set_and_are_drawn_elsewhere():
    d = synthetic_scenario(12, seed=SC_SEED, params={"domestic": dict(BASE)}).model_dump()
    d["states"][0]["regime"] = 10.0
    d["states"][1]["regime"] = -7.0
    sc = validate_scenario(d)
    traj = engine.run_batch(sc, np.arange(400), 2, seed=1)
    reg = traj.state_vars["regime"][0]  # (R, N) at the start
    assert (reg[:, 0] == 10.0).all() and (reg[:, 1] == -7.0).all()
    drawn = reg[:, 2:]
    assert np.array_equal(drawn, np.round(drawn)) and (drawn >= -10).all() and (drawn <= 10).all()
    dem = drawn >= THRESHOLD
    share = dem.mean()
    n = dem.size
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / n), f"democracy share {share:.3f} vs 0.5 (4 s.e.)"
    assert set(np.unique(drawn[dem])) == set(range(6, 11)) and set(np.unique(drawn[~dem])) == set(range(-10, 6))
    # worlds differ in their draws; the measure counts the living democracies
    assert len({tuple(row) for row in drawn}) > 300
    nd = traj.system_vars["n_democracies"][0]
    np.testing.assert_array_equal(nd, (reg >= THRESHOLD).sum(axis=1))


def test_regime_change_happens_at_the_stated_rate():
    rate = 0.03
    traj = _run(worlds=200, years=50, regime_change=rate)
    rc = _events(traj, "regime_change")
    alive = traj.state_vars["alive"]  # a state alive at the end of year t − 1 can change in year t
    exposed = int(alive[:-1].sum())
    n, expected = len(rc["world"]), rate * exposed
    sd = np.sqrt(exposed * rate * (1 - rate))
    assert abs(n - expected) <= 4 * sd, f"{n} regime changes vs {expected:.0f} expected (± 4 s.d. = {4 * sd:.0f})"
    # each is a transition across the threshold, as the recorded scores show, and only those change type
    reg = traj.state_vars["regime"]
    dem = reg >= THRESHOLD
    flipped = np.argwhere(dem[1:] != dem[:-1])  # (t − 1, world, state)
    got = {(int(w), int(y), int(s)) for w, y, s in zip(rc["world"], rc["year"], rc["state"], strict=True)}
    assert got == {(int(w), int(t) + 1, int(s)) for t, w, s in flipped}
    np.testing.assert_array_equal(reg[rc["year"], rc["world"], rc["state"]], rc["regime_new"])
    np.testing.assert_array_equal(reg[rc["year"] - 1, rc["world"], rc["state"]], rc["regime_old"])
    # a new regime brings a new leader
    lc = _events(traj, "leader_change")
    assert got <= {(int(w), int(y), int(s)) for w, y, s in zip(lc["world"], lc["year"], lc["state"], strict=True)}


# --------------------------------------------------------------------------- the democratic peace


def test_democratic_war_events_are_the_wars_begun_between_democracies():
    traj = _run(worlds=120, years=40, democratic_peace=0.02)  # weak: many dem-dem wars still happen
    w = _wars(traj)
    both = w["dem_a"] & w["dem_d"]
    dw = _events(traj, "democratic_war")
    assert both.sum() > 20
    want = set(zip(w["world"][both].tolist(), w["year"][both].tolist(), w["war_id"][both].tolist(),
                   w["attacker"][both].tolist(), w["defender"][both].tolist(), strict=True))
    got = set(zip(dw["world"].tolist(), dw["year"].tolist(), dw["war_id"].tolist(), dw["attacker"].tolist(),
                  dw["defender"].tolist(), strict=True))
    assert got == want and len(dw["world"]) == both.sum()


def test_democracies_rarely_fight_each_other(runs):
    base, peace = _wars(runs["base"]), _wars(runs["peace"])
    dd0, dd1 = int((base["dem_a"] & base["dem_d"]).sum()), int((peace["dem_a"] & peace["dem_d"]).sum())
    all0, all1 = len(base["world"]), len(peace["world"])
    print(f"dem-dem wars per 1,000 world-years {_per_1000(dd0):.1f} → {_per_1000(dd1):.1f}; "
          f"all wars {_per_1000(all0):.1f} → {_per_1000(all1):.1f}")
    # the baseline has wars between democracies (nothing in the structural model stops them)
    assert _per_1000(dd0) >= 10, dd0
    # with the democratic peace they fall to at most a fifth (measured: a few per cent)
    assert dd1 <= 0.2 * dd0, (dd1, dd0)
    # wars overall fall much less: the relative fall of all wars is under half that of dem-dem wars
    fall_dd, fall_all = 1 - dd1 / dd0, 1 - all1 / all0
    assert fall_all < 0.5 * fall_dd, (fall_all, fall_dd)
    # and democracies still fight non-democracies (at least half the baseline's mixed wars)
    mixed0 = int((base["dem_a"] != base["dem_d"]).sum())
    mixed1 = int((peace["dem_a"] != peace["dem_d"]).sum())
    assert mixed1 >= 0.5 * mixed0, (mixed1, mixed0)


def test_casualty_aversion_lowers_the_share_of_wars_democracies_start(runs):
    base, cas = _wars(runs["base"]), _wars(runs["casualty"])
    p0, p1 = base["dem_a"].mean(), cas["dem_a"].mean()
    n0, n1 = len(base["dem_a"]), len(cas["dem_a"])
    se = np.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
    print(f"share of wars started by democracies {p0:.3f} (n={n0}) → {p1:.3f} (n={n1})")
    assert p1 < p0 - 4 * se, f"share {p0:.3f} → {p1:.3f}; need a fall of more than 4 s.e. ({4 * se:.3f})"


def test_risk_acceptant_leaders_start_more_wars_than_risk_averse_ones(runs):
    traj = runs["leaders"]
    w = _wars(traj)
    risk = traj.state_vars["leader_risk"]  # (T+1, R, N): the leader of the year
    alive = traj.state_vars["alive"]
    at_war = risk[w["year"], w["world"], w["attacker"]]
    # state-years of living states, by the leader's propensity (the year's leader)
    r1, a1 = risk[1:], alive[:-1]
    out = {}
    for name, sel, years in (("acceptant", at_war > 0, (r1 > 0) & a1), ("averse", at_war < 0, (r1 < 0) & a1)):
        out[name] = (int(sel.sum()), int(years.sum()))
    rate = {k: n / sy for k, (n, sy) in out.items()}
    se = np.sqrt(sum(n / sy**2 for n, sy in out.values()))
    print(f"wars started per state-year: risk-acceptant {rate['acceptant']:.4f}, risk-averse {rate['averse']:.4f}")
    assert rate["acceptant"] > rate["averse"] + 4 * se, (out, se)
    # the leaders change: turnover at the stated rates (democracies' leaders more often)
    lc = _events(traj, "leader_change")
    assert len(lc["world"]) > 0 and (np.abs(lc["leader_risk"]) <= 1).all()
    assert (np.abs(risk) <= 1).all() and (risk[:, :, :] != risk[0]).any()


def test_leader_turnover_rates():
    traj = _run(worlds=150, years=40, leader_risk_spread=0.2, leader_turnover=0.1, democratic_turnover=0.3)
    lc = _events(traj, "leader_change")
    dem = traj.state_vars["regime"] >= THRESHOLD
    alive = traj.state_vars["alive"][:-1]
    for is_dem, p in ((True, 0.3), (False, 0.1)):
        exposed = int((alive & (dem[1:] == is_dem)).sum())
        n = int((dem[lc["year"], lc["world"], lc["state"]] == is_dem).sum())
        sd = np.sqrt(exposed * p * (1 - p))
        assert abs(n - p * exposed) <= 4 * sd, (is_dem, n, p * exposed, sd)


# --------------------------------------------------------------------------- per world, and off by default


def test_per_world_parameters_give_each_world_its_own_point():
    sc = synthetic_scenario(12, seed=SC_SEED, params={"domestic": dict(BASE)})
    points = {"domestic.democratic_peace": [0.0, 1.0, 0.0, 0.3], "domestic.leader_risk_spread": [0.0, 0.0, 0.4, 0.2],
              "domestic.regime_change": [0.0, 0.05, 0.0, 0.1]}
    ids = np.arange(4)
    batch = engine.run_batch(sc, ids, 20, seed=2, per_world=points)
    from neorealism import api

    for w in ids:
        one = engine.run_batch(api.with_overrides(sc, {k: v[w] for k, v in points.items()}), [w], 20, seed=2)
        for k in ("regime", "leader_risk", "military", "economy", "alive"):
            np.testing.assert_array_equal(batch.state_vars[k][:, w], one.state_vars[k][:, 0], err_msg=f"{k}, {w}")
    assert (batch.state_vars["leader_risk"][:, [0, 1]] == 0).all()


def _tables(mechanisms, worlds=40, years=60):
    with using(mechanisms):
        sc = synthetic_scenario(12, seed=SC_SEED)
        return engine.to_tables(engine.run_batch(sc, np.arange(worlds), years, seed=SEED), sc)


def test_off_by_default_is_the_model_without_it():
    on = _tables(default_mechanisms())
    off = _tables(tuple(m for m in default_mechanisms() if m.name != "domestic"))
    for name in ("states", "system", "events"):
        x, y = getattr(on, name), getattr(off, name)
        assert set(y.columns) <= set(x.columns)
        cols = list(y.columns)
        pd.testing.assert_frame_equal(x[cols].reset_index(drop=True), y[cols].reset_index(drop=True),
                                      check_dtype=False, check_categorical=False, obj=name)
    assert not on.events.event.isin(["regime_change", "leader_change", "democratic_war"]).any()
    assert (on.states.leader_risk == 0).all()
    assert on.states.regime.between(-10, 10).all()  # the regimes are data, and change nothing


def test_off_the_cost_is_a_constant_zero_that_the_war_decision_skips():
    sc = synthetic_scenario(6, seed=1)
    traj = engine.run_batch(sc, np.arange(3), 3, seed=0)
    cost = traj.final.domestic_war_cost
    assert cost.strides == (0, 0, 0) and not cost.any()
