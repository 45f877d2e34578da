"""Nuclear deterrence (mechanisms/nuclear.py): who holds a force, the deterrent it casts, off means off,
and the emergent check of issue #16 — two nuclear states almost never fight each other, but still compete.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from contract import MechanismContract
from hypothesis import given, settings
from hypothesis import strategies as st

from neorealism import api, engine
from neorealism.errors import OverrideError, ScenarioError
from neorealism.mechanisms import nuclear
from neorealism.mechanisms.registry import default_mechanisms, using
from neorealism.scenario import validate_scenario


def with_nuclear():
    ms = default_mechanisms()
    return ms if any(m.name == "nuclear" for m in ms) else (*ms, nuclear.MECHANISM)


def without_nuclear():
    return tuple(m for m in default_mechanisms() if m.name != "nuclear")


@pytest.fixture(scope="module", autouse=True)
def registry():
    with using(with_nuclear()) as reg:
        yield reg


def bipolar(since: dict[str, int | None], start_year: int = 1950, **params):
    """The bipolar built-in with ``nuclear_since`` set per state name and ``params`` (group → values)."""
    d = api.load("bipolar").model_dump()
    d["start_year"] = start_year
    for s in d["states"]:
        s["nuclear_since"] = since.get(s["name"])
    for g, v in params.items():
        d["params"][g].update(v)
    return validate_scenario(d)


# --------------------------------------------------------------------------- the contract


class TestNuclearContract(MechanismContract):
    mechanism = nuclear.MECHANISM
    # the synthetic states' technology lies in [0.8, 1.5]: some acquire a force, allies are covered
    overrides = {"nuclear": {"acquisition_technology": 1.2, "umbrella": 0.5, "paradox": 0.5}}

    def test_the_contract_world_exercises_the_deterrent(self, world):
        s = world[3]
        assert s.nuclear.any() and (~s.nuclear & s.alive).any() and s.nuclear_deterrent.any()
        assert not (s.nuclear & ~s.alive).any()


# --------------------------------------------------------------------------- the deterrent matrix


def _params(**kw):
    base = dict(enabled=True, catastrophe=2.0, paradox=0.25, acquisition_technology=0.0, umbrella=0.0)
    base.update(kw)
    return SimpleNamespace(nuclear=SimpleNamespace(**base))


def test_deterrent_matrix_by_hand():
    nuc = np.array([[True, False, True, False]])
    alive = np.ones((1, 4), dtype=bool)
    allied = np.zeros((1, 4, 4), dtype=bool)
    allied[0, 1, 2] = allied[0, 2, 1] = True  # 1 is allied with the nuclear state 2
    d = nuclear.deterrent(nuc, alive, allied, _params())[0]
    # attacking a nuclear state costs the catastrophe; between two nuclear states discounted by the paradox
    assert d[1, 0] == 2.0 and d[3, 2] == 2.0 and d[1, 2] == 2.0
    assert d[0, 2] == pytest.approx(2.0 * 0.75) and d[2, 0] == pytest.approx(2.0 * 0.75)
    # a non-nuclear target without an umbrella costs nothing extra, and nothing on the diagonal
    assert d[0, 1] == 0.0 and d[2, 3] == 0.0 and d[0, 3] == 0.0
    assert np.all(np.diag(d) == 0.0)
    # extended deterrence: 1 is covered in the share `umbrella` of its ally's deterrent; 3 is not
    d = nuclear.deterrent(nuc, alive, allied, _params(umbrella=0.5))[0]
    assert d[0, 1] == pytest.approx(2.0 * 0.75 * 0.5) and d[3, 1] == pytest.approx(2.0 * 0.5)
    assert d[0, 3] == 0.0
    # a nuclear state's own force is never diluted by an umbrella
    assert d[1, 2] == 2.0


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31), cat=st.floats(0, 100), par=st.floats(0, 1), umb=st.floats(0, 1))
def test_deterrent_bounds_hold_for_any_holders(seed, cat, par, umb):
    g = np.random.default_rng(seed)
    R, N = 3, 6
    nuc, alive = g.random((R, N)) < 0.4, g.random((R, N)) < 0.8
    allied = g.random((R, N, N)) < 0.3
    allied = (allied | allied.transpose(0, 2, 1)) & ~np.eye(N, dtype=bool)
    d = nuclear.deterrent(nuc, alive, allied, _params(catastrophe=cat, paradox=par, umbrella=umb))
    assert d.shape == (R, N, N) and np.isfinite(d).all()
    assert (d >= 0).all() and (d <= cat * (1 + 1e-12)).all()
    assert (d[:, np.arange(N), np.arange(N)] == 0).all()
    assert (d[~np.broadcast_to(alive[:, None, :], d.shape)] == 0).all()  # no deterrent from the dead
    # more paradox never raises the cost; a living holder always costs the attacker at least cat·(1 − par)
    d2 = nuclear.deterrent(nuc, alive, allied, _params(catastrophe=cat, paradox=min(1.0, par + 0.1), umbrella=umb))
    assert (d2 <= d + 1e-12).all()
    held = (nuc & alive)[:, None, :] & ~np.eye(N, dtype=bool)
    assert (d[held] >= cat * (1 - par) - 1e-9).all()


def test_dead_states_cast_and_feel_no_deterrent():
    nuc = np.array([[True, True, False]])
    alive = np.array([[True, False, True]])
    d = nuclear.deterrent(nuc, alive, None, _params(paradox=0.0))[0]
    assert d[2, 0] == 2.0
    assert np.all(d[:, 1] == 0.0)  # the dead holder casts nothing


def test_off_is_a_zero_deterrent_per_world():
    nuc = np.ones((2, 3), dtype=bool)
    alive = np.ones((2, 3), dtype=bool)
    d = nuclear.deterrent(nuc, alive, None, _params(enabled=np.array([[True], [False]])))
    assert np.all(d[1] == 0.0) and d[0, 0, 1] > 0


# --------------------------------------------------------------------------- acquisition


def test_acquisition_by_scenario_year():
    # West from the start (1945 <= 1950), East from 1955 (the fifth simulated year), none else
    sc = bipolar({"West": 1945, "East": 1955}, start_year=1950)
    res = engine.to_tables(engine.run_batch(sc, np.arange(3), 12, seed=3), sc)
    st = res.states
    west = st[st.state == "West"].set_index(["world", "year"])["nuclear"]
    east = st[st.state == "East"].set_index(["world", "year"])["nuclear"]
    others = st[~st.state.isin(["West", "East"])]
    assert west.all()  # including the initial state (year 1950)
    years = east.index.get_level_values("year")
    assert not east[years < 1955].any() and east[(years >= 1955)].all()
    assert not others["nuclear"].any()
    ev = res.events[res.events.event == "nuclear_acquired"]
    assert sorted(ev.world) == [0, 1, 2] and set(ev.year) == {1955} and set(ev.state) == {"East"}
    sysm = res.system.set_index(["world", "year"])["nuclear_states"]
    assert (sysm[sysm.index.get_level_values("year") < 1955] == 1).all()
    assert (sysm[sysm.index.get_level_values("year") >= 1955] == 2).all()


def test_acquisition_by_technology_threshold_is_permanent_while_alive():
    thr = 1.3
    d = api.load("bipolar").model_dump()
    d["params"]["nuclear"]["acquisition_technology"] = thr
    d["params"]["growth"] = {**d["params"]["growth"], "technology": 0.01}
    sc = validate_scenario(d)
    traj = engine.run_batch(sc, np.arange(6), 40, seed=5)
    nuc, tech, alive = (traj.state_vars[k] for k in ("nuclear", "technology", "alive"))
    assert not nuc[0].any() or np.array_equal(nuc[0], np.zeros_like(nuc[0]))  # no scheduled force, none at start
    reached = np.zeros_like(nuc[0])
    for t in range(1, nuc.shape[0]):
        reached |= tech[t - 1] >= thr  # what the assess stage of year t sees
        np.testing.assert_array_equal(nuc[t], reached & alive[t], err_msg=f"year index {t}")
    # the threshold bites: some states start below it and cross it during the run
    assert (tech[0] < thr).any() and (nuc[-1] & (tech[0] < thr)).any()
    assert nuc[1].sum() < nuc[-1].sum()


def test_acquisition_technology_zero_means_never():
    sc = bipolar({})  # no nuclear_since, threshold 0
    traj = engine.run_batch(sc, np.arange(3), 10, seed=1)
    assert not traj.state_vars["nuclear"].any()
    assert (traj.system_vars["nuclear_states"] == 0).all()


def test_bad_parameters_give_one_clear_line():
    sc = api.load("bipolar")
    for path, value in (("nuclear.paradox", 1.5), ("nuclear.umbrella", -0.1), ("nuclear.catastrophe", -1)):
        with pytest.raises((OverrideError, ScenarioError)) as e:
            api.with_overrides(sc, {path: value})
        msg = str(e.value)
        assert "paradox" in msg or "umbrella" in msg or "catastrophe" in msg
        assert "Traceback" not in msg


def test_per_world_parameters_give_each_world_its_own_point():
    sc = bipolar({"West": 0, "East": 6}, start_year=0)
    points = {"nuclear.paradox": [0.0, 0.8, 0.0, 0.5], "nuclear.enabled": [True, True, False, True],
              "nuclear.umbrella": [0.0, 1.0, 1.0, 0.3]}
    ids = np.arange(4)
    batch = engine.run_batch(sc, ids, 15, seed=2, per_world=points)
    for w in ids:
        alone = api.with_overrides(sc, {k: v[w] for k, v in points.items()})
        one = engine.run_batch(alone, [w], 15, seed=2)
        for k in ("nuclear", "military", "economy", "alive"):
            np.testing.assert_array_equal(batch.state_vars[k][:, w], one.state_vars[k][:, 0], err_msg=f"{k}, world {w}")
    assert not batch.state_vars["nuclear"][:, 2].any() and batch.state_vars["nuclear"][-1, 0, :2].all()


# --------------------------------------------------------------------------- off means off


def _tables(sc, mechanisms, worlds=40, years=60, seed=11):
    with using(mechanisms):
        scn = validate_scenario(sc.model_dump(exclude={"params": {"nuclear"}}) if not any(
            m.name == "nuclear" for m in mechanisms) else sc.model_dump())
        return engine.to_tables(engine.run_batch(scn, np.arange(worlds), years, seed=seed), scn)


def _assert_same_tables(a, b):
    for name in ("states", "system", "events"):
        x, y = getattr(a, name), getattr(b, name)
        common = [c for c in y.columns if c in x.columns]
        assert len(common) == len(y.columns), f"{name}: the model without nuclear has columns the model with lacks"
        pd.testing.assert_frame_equal(x[common].reset_index(drop=True), y[common].reset_index(drop=True),
                                      check_dtype=False, obj=name)


def test_off_means_off():
    """With nuclear.enabled = false the tables equal those of the model without the mechanism."""
    sc = bipolar({"West": 1945, "East": 1949}, start_year=1950,
                 nuclear={"enabled": False, "umbrella": 1.0, "acquisition_technology": 1.0})
    on = _tables(sc, with_nuclear())
    off = _tables(sc, without_nuclear())
    _assert_same_tables(on, off)
    assert not on.states["nuclear"].any() and (on.system["nuclear_states"] == 0).all()
    assert not (on.events.event == "nuclear_acquired").any()


def test_enabled_but_nobody_nuclear_is_the_model_without_it():
    sc = bipolar({})
    _assert_same_tables(_tables(sc, with_nuclear()), _tables(sc, without_nuclear()))


# --------------------------------------------------------------------------- the emergent check (issue #16)
#
# "Two nuclear states almost never fight each other directly, but still compete."  The bipolar built-in,
# its two leaders (West, East) both nuclear from the start against neither, WORLDS × YEARS, seeded.

WORLDS, YEARS, SEED = 200, 100, 16
LEADERS = ("West", "East")


def _run_bipolar(since, **nuclear_params):
    sc = bipolar(since, start_year=0, nuclear=nuclear_params)
    return engine.to_tables(engine.run_batch(sc, np.arange(WORLDS), YEARS, seed=SEED), sc)


def _dyad(res, a="West", b="East"):
    """Wars the two start against each other, wars they fight on opposite sides (joins included),
    crises between them."""
    ev = res.events
    st = ev[ev.event == "war_start"][["world", "war_id", "attacker", "defender"]]
    started = int((((st.attacker == a) & (st.defender == b)) | ((st.attacker == b) & (st.defender == a))).sum())
    part = pd.concat([
        st.assign(state=st.attacker, side="attacker")[["world", "war_id", "state", "side"]],
        st.assign(state=st.defender, side="defender")[["world", "war_id", "state", "side"]],
        ev[ev.event == "war_join"][["world", "war_id", "state", "side"]],
    ])
    sa = part[part.state == a].drop_duplicates(["world", "war_id"]).set_index(["world", "war_id"]).side
    sb = part[part.state == b].drop_duplicates(["world", "war_id"]).set_index(["world", "war_id"]).side
    both = sa.to_frame("a").join(sb.to_frame("b"), how="inner")
    opposite = int((both.a != both.b).sum())
    cr = ev[ev.event == "crisis"]
    crises = int((((cr.challenger == a) & (cr.target == b)) | ((cr.challenger == b) & (cr.target == a))).sum())
    return {"started": started, "opposite": opposite, "crises": crises}


def _competition(res, a="West", b="East"):
    ev = res.events
    cr = ev[ev.event == "crisis"]
    st = res.states
    lead = st[st.state.isin([a, b]) & (st.year > 0)]
    return {
        "crises_vs_others": int((cr.challenger.isin([a, b]) & ~cr.target.isin([a, b])).sum()),
        "burden": float(lead.burden.mean()),
        "military_share": float(lead.military.sum() / st[st.year > 0].military.sum()),
        "alliances": float(res.system.alliances.mean()),
    }


@pytest.fixture(scope="module")
def runs(registry):
    both = {"West": 0, "East": 0}
    return {
        "neither": _run_bipolar({}),
        "both": _run_bipolar(both),
        "umbrella": _run_bipolar(both, umbrella=1.0),
        "paradox": _run_bipolar(both, paradox=0.9),
    }


def _needs_wiring():
    from neorealism.mechanisms import conflict

    if "role_sum(state, \"war_cost\")" not in open(conflict.__file__, encoding="utf-8").read():
        pytest.skip("conflict.decide does not read the war_cost role yet")


@pytest.mark.slow
def test_two_nuclear_states_almost_never_start_a_war_against_each_other(runs):
    _needs_wiring()
    ctrl, nuc = _dyad(runs["neither"]), _dyad(runs["both"])
    per_century = WORLDS * YEARS / 100
    # the control: the two leaders do fight (≥ 0.05 wars per world-century; measured 0.08)
    assert ctrl["started"] / per_century >= 0.05, ctrl
    # nuclear: at most 0.01 per world-century (measured 0), and at most a tenth of the control
    assert nuc["started"] / per_century <= 0.01 and nuc["started"] <= 0.1 * ctrl["started"], (nuc, ctrl)
    assert nuc["crises"] <= 0.1 * ctrl["crises"], (nuc, ctrl)


@pytest.mark.slow
def test_with_extended_deterrence_they_almost_never_meet_in_any_war(runs):
    """Without an umbrella they still collide through their allies' wars (the ally is attacked, its
    patron joins); with extended deterrence (umbrella 1) that path closes too."""
    _needs_wiring()
    ctrl, bare, umb = (_dyad(runs[k]) for k in ("neither", "both", "umbrella"))
    per_century = WORLDS * YEARS / 100
    assert bare["opposite"] < ctrl["opposite"], (bare, ctrl)
    assert umb["opposite"] / per_century <= 0.1 and umb["opposite"] <= ctrl["opposite"] / 4, (umb, ctrl)


@pytest.mark.slow
def test_nuclear_leaders_still_compete(runs):
    """Deterrence ends war between them, not their rivalry: they keep pressing crises on third states,
    keep their arms (burden at least the floor, stock share near the control's) and the blocs stay."""
    _needs_wiring()
    ctrl, nuc = _competition(runs["neither"]), _competition(runs["both"])
    base = api.load("bipolar").params.armament.base_burden
    assert nuc["crises_vs_others"] >= 0.9 * ctrl["crises_vs_others"] and nuc["crises_vs_others"] > 0, (nuc, ctrl)
    assert nuc["burden"] >= base and nuc["burden"] >= 0.98 * ctrl["burden"], (nuc, ctrl)
    assert nuc["military_share"] >= 0.9 * ctrl["military_share"], (nuc, ctrl)
    assert nuc["alliances"] >= 0.9 * ctrl["alliances"] > 0, (nuc, ctrl)


@pytest.mark.slow
def test_the_stability_instability_paradox_brings_back_conflict_in_the_dyad(runs):
    """Snyder 1965: with escalation believed controllable (paradox 0.9) the nuclear dyad has more
    crises and wars than under pure deterrence (paradox 0)."""
    _needs_wiring()
    pure, par = _dyad(runs["both"]), _dyad(runs["paradox"])
    assert par["crises"] >= pure["crises"] + 5, (par, pure)
    assert par["started"] >= pure["started"] + 5, (par, pure)
    assert par["opposite"] >= pure["opposite"], (par, pure)
