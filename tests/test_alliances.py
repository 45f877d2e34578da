"""External balancing (issue #15 item 4): alliances that form, dissolve and fight.

Emergent tests run many seeded worlds and compare a treatment with its
counterfactual at a stated tolerance; property tests check the alliance
matrix after every year of random scenarios; the sparse ``expected_support``
is checked against a plain loop over allies.  The contract (purity, the dead
stay dead, batch independence, finite extremes) is in tests/test_contract.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios

from neorealism import blocs, engine, rng
from neorealism.api import load, with_overrides
from neorealism.mechanisms import alliances as al
from neorealism.mechanisms import conflict
from neorealism.scenario import validate_scenario
from neorealism.state import EngineParams, init_state
from neorealism.synthetic import synthetic_scenario

NO_WAR = {"war": {"opportunity": 0.0}, "perception": {"capability_noise": 0.0}}


def _state(name, mil, pos, growth=None, **extra):
    s = {"name": name, "military": mil, "economy": 3.0 * mil, "population": 2.0 * mil, "resources": mil,
         "technology": 1.0, "position": list(pos)}
    if growth is not None:
        s["growth"] = growth
    return s | extra


def _run(sc, worlds, years, seed=0):
    return engine.simulate(sc, worlds=worlds, years=years, seed=seed, states="none")


def _ev(res, kind):
    e = res.events
    return e[e["event"].astype(str) == kind]


# --------------------------------------------------------------------------- declarations


def test_sides_agree_with_the_conflict_mechanism():
    assert al.SIDE_LABELS == conflict.SIDE_LABELS
    assert (al.NO_SIDE, al.ATTACKER, al.DEFENDER) == (conflict.NO_SIDE, conflict.ATTACKER, conflict.DEFENDER)


def test_bad_parameters_are_one_clear_line():
    sc = load("bipolar")
    for bad in ("alliances.reliability=1.5", "alliances.bandwagon=-0.1"):
        with pytest.raises(Exception) as e:
            with_overrides(sc, [bad])
        msg = str(e.value)
        assert "reliability" in msg or "bandwagon" in msg
        assert "Traceback" not in msg


# --------------------------------------------------------------------------- properties


ALLIANCE_PARAMS = st.fixed_dictionaries({
    "formation": st.sampled_from([0.0, 0.3, 1.0]),
    "dissolution": st.sampled_from([0.0, 0.5, 1.0]),
    "bandwagon": st.sampled_from([0.0, 0.5, 1.0]),
    "threshold": st.sampled_from([0.0, 0.2, 2.0]),
    "balance": st.sampled_from([0.0, 1.0]),
    "chain_gang": st.sampled_from([0.0, 1.0]),
})


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=scenarios(min_states=3, max_states=8, max_worlds=3, max_years=5), ap=ALLIANCE_PARAMS)
def test_alliances_stay_symmetric_irreflexive_and_among_the_living(data, ap):
    data = dict(data)
    data["params"] = {**data.get("params", {}), "alliances": ap,
                      "war": {**data.get("params", {}).get("war", {}), "opportunity": 0.6, "survival_floor": 0.5}}
    sc = validate_scenario(data)
    R = 3
    p = EngineParams.from_scenario(sc, R)
    keys = rng.world_keys(1, np.arange(R))
    s = init_state(sc, p, keys)
    for _ in range(12):
        s, _ = engine.step(keys, s, p)
        A = s.allied
        assert (A == A.transpose(0, 2, 1)).all(), "alliances are symmetric"
        assert not A[:, np.arange(A.shape[1]), np.arange(A.shape[1])].any(), "no state allies with itself"
        assert not (A & ~s.alive[:, :, None]).any(), "only the living are allied"
        assert (s.n_alliances == A.sum(axis=(1, 2)) // 2).all()
        assert ((s.alliance_polarization >= 0) & (s.alliance_polarization <= 1)).all()


@settings(max_examples=40)
@given(st.integers(2, 9), st.integers(1, 4), st.floats(0, 1), st.integers(0, 2**32 - 1))
def test_bloc_measures_agree_with_networkx(n, worlds, density, seed):
    g = np.random.default_rng(seed)
    upper = np.triu(g.random((worlds, n, n)) < density, 1)
    allied = upper | upper.transpose(0, 2, 1)
    alive = np.ones((worlds, n), dtype=bool)
    power = g.random((worlds, n))
    pairs, nb, pol = al.bloc_measures(allied, power, alive)
    labels = al.bloc_labels(allied)
    names = [f"s{k}" for k in range(n)]
    for w in range(worlds):
        G = blocs.graph(((names[a], names[b]) for a, b in zip(*np.nonzero(np.triu(allied[w], 1)), strict=True)), names)
        found = blocs.blocs(G, "components")
        assert pairs[w] == G.number_of_edges()
        assert nb[w] == len(found)
        assert math.isclose(pol[w], blocs.polarization(found, dict(zip(names, power[w], strict=True))), abs_tol=1e-12)
        for b in found:  # every member of a bloc carries the bloc's first member as its label
            idx = sorted(names.index(x) for x in b)
            assert (labels[w, idx] == idx[0]).all()


# --------------------------------------------------------------------------- expected support


def _dense_support(state, params, r, i):
    """Plain loops: what i expects j's allies (and its own, by chain-ganging) to bring to a war at j."""
    a = params.alliances
    rel, bp, chain = a.reliability, a.buck_passing, a.chain_gang
    K, N = len(r), state.shape[1]
    ft, fs = np.zeros((K, N)), np.zeros((K, N))
    for k in range(K):
        w, me = r[k], i[k]
        alive = state.alive[w] & params.actor
        seen = state.seen_military[w, me]
        for j in range(N):
            if j == me:
                continue
            helpers = [x for x in range(N) if state.allied[w, j, x] and alive[x] and x != me]
            S = sum(seen[x] * params.decay[w, x, j] for x in helpers)
            A = state.military[w, me] * params.decay[w, me, j]
            c = min(1.0, (seen[j] + rel * S) / A) if A > 0 else 1.0
            ft[k, j] = rel * (1 - bp * c) * S
            backers = [x for x in range(N) if state.allied[w, me, x] and alive[x] and x != j and not state.allied[w, j, x]]
            fs[k, j] = rel * chain * sum(seen[x] * params.decay[w, x, j] for x in backers)
    return ft, fs


@pytest.mark.parametrize(("chain", "noise"), [(0.0, 0.0), (0.6, 0.0), (0.0, 0.3), (0.6, 0.3)])
def test_expected_support_equals_a_plain_loop_over_allies(chain, noise):
    sc = synthetic_scenario(9, seed=3, params={"alliances": {"formation": 0.6, "chain_gang": chain},
                                               "perception": {"capability_noise": noise}})
    R = 6
    p = EngineParams.from_scenario(sc, R)
    keys = rng.world_keys(2, np.arange(R))
    s = init_state(sc, p, keys)
    for _ in range(25):
        s, _ = engine.step(keys, s, p)
    assert s.allied.sum() > 10, "the warm-up must leave alliances"
    r = np.repeat(np.arange(R), 9)
    i = np.tile(np.arange(9), R)
    got_t, got_s = al.expected_support(s, p, r, i)
    want_t, want_s = _dense_support(s, p, r, i)
    np.testing.assert_allclose(got_t, want_t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got_s, want_s, rtol=1e-10, atol=1e-12)
    assert (got_t > 0).any()
    if chain:
        assert (got_s > 0).any()
    else:
        assert (got_s == 0).all()


# --------------------------------------------------------------------------- emergent behaviour


def _ring(riser_growth, n_outer=4, radius=2.5, **params):
    # security seekers all (the types known to the test): the threat a riser poses is its power, not its aims
    states = [_state("Riser", 10.0, (0.0, 0.0), growth=riser_growth, type="security")]
    for k in range(n_outer):
        ang = 2 * math.pi * k / n_outer
        states.append(_state(f"O{k}", 10.0, (radius * math.cos(ang), radius * math.sin(ang)), growth=0.02,
                             type="security"))
    prm = {"growth": {"spread": 0.0, "sd": 0.01}, **NO_WAR}
    for g, v in params.items():
        prm.setdefault(g, {}).update(v)
    return validate_scenario({"name": "ring", "states": states, "params": prm})


def test_a_rising_threat_draws_a_balancing_alliance_among_those_it_threatens():
    """Walt (1987): states threatened by the same rising state ally against it; equal neighbours do not."""
    share = {}
    for label, g in (("rising", 0.07), ("flat", 0.02)):
        res = _run(_ring(g), worlds=60, years=60)
        made = res.events[res.events["event"].astype(str).isin(["alliance_formed", "alliance_joined"])]
        against = made[made["against"].astype(str) == "Riser"]
        share[label] = against["world"].nunique() / 60
        if label == "rising":  # the partners are the threatened neighbours, never the riser itself
            assert not (made["state"].astype(str) == "Riser").any() or (made["motive"].astype(str) == "bandwagoning").any()
    assert share["rising"] >= 0.8, share
    assert share["flat"] <= 0.2, share


def test_alliances_dissolve_when_the_shared_threat_recedes():
    """An alliance against a threat that collapses ends; against one that persists it holds."""
    def scenario(threat_growth):
        states = [_state("Threat", 40.0, (0.0, 0.0), growth=threat_growth), _state("A", 8.0, (2.0, 0.0)),
                  _state("B", 8.0, (-2.0, 0.0))]
        prm = {"growth": {"spread": 0.0, "sd": 0.01}, "alliances": {"formation": 0.0}, **NO_WAR}
        return validate_scenario({"name": "recede", "states": states, "alliances": [["A", "B"]], "params": prm})

    held = {}
    for label, g in (("receding", -0.12), ("persisting", 0.02)):
        res = _run(scenario(g), worlds=40, years=100)
        last = res.system[res.system["year"] == res.system["year"].max()]
        held[label] = float((last["alliances"] > 0).mean())
        if label == "receding":
            left = _ev(res, "alliance_left")
            assert (left["reason"].astype(str) == "threat receded").all() and len(left) >= 30
    assert held["receding"] <= 0.1, held
    assert held["persisting"] >= 0.9, held


def _steppia_deaths(overrides, worlds=120, years=150):
    sc = with_overrides(load("bipolar"), ["war.opportunity=0.4", *overrides])
    res = _run(sc, worlds, years)
    d = _ev(res, "death")
    return d[d["state"].astype(str) == "Steppia"]["world"].nunique() / worlds, res


STATIC = ["alliances.formation=0", "alliances.dissolution=0"]


def test_allies_who_honour_their_commitments_protect_the_small_ally():
    """The East's ally Steppia is absorbed far less often when allies honour commitments (reliability 1 vs 0):
    allies that would come deter the attack (:func:`.alliances.expected_support`) and fight when it comes."""
    unreliable, r0 = _steppia_deaths([*STATIC, "alliances.reliability=0"])
    reliable, r1 = _steppia_deaths([*STATIC, "alliances.reliability=1"])
    assert len(_ev(r0, "war_join")) == 0  # nobody joins at reliability 0
    assert unreliable >= 0.05, unreliable
    assert reliable <= 0.5 * unreliable, (reliable, unreliable)


def _forced_war(overrides, attacker="West", target="Steppia", worlds=300, years=12):
    """Every world: ``attacker`` attacks ``target`` in year 1 (no other war); the events until ``years``.

    The plan is put in after the year's decisions, so the war begins at the
    ``mobilize`` stage like any other and the allies decide as they would.
    """
    from neorealism.mechanisms.base import STAGES
    from neorealism.mechanisms.registry import current

    sc = with_overrides(load("bipolar"), ["war.opportunity=0", *STATIC, *overrides])
    names = [x.name for x in sc.states]
    p = EngineParams.from_scenario(sc, worlds)
    keys = rng.world_keys(5, np.arange(worlds))
    s = init_state(sc, p, keys)
    events: list = []
    planned = False
    for _, step in current().steps():
        if step.stage == "mobilize" and not planned:
            plan = np.full(s.shape, -1)
            plan[:, names.index(attacker)] = names.index(target)
            s = s.replace(war_plan=plan, plan_eu=np.zeros(s.shape))
            planned = True
        s, ev = step.fn(keys, s, p)
        events.extend(ev)
    s = s.replace(t=s.t + 1)
    assert STAGES.index("decide") < STAGES.index("mobilize")
    for _ in range(years - 1):
        s, ev = engine.step(keys, s, p)
        events.extend(ev)
    out = {}
    for e in events:
        vals = {k: np.broadcast_to(np.asarray(v), e.r.shape) for k, v in e.values.items()}
        out.setdefault(e.kind, []).append({"r": e.r, **vals})
    cat = {k: {f: np.concatenate([d[f] for d in v]) for f in v[0]} for k, v in out.items()}
    return cat, names, worlds


def test_allies_joining_lowers_the_attackers_success_and_protects_the_small_ally():
    """West attacks the East's ally Steppia in 300 worlds: the attacker wins, and Steppia dies, far less often
    when its ally comes (reliability 1) than when it does not (reliability 0)."""
    out = {}
    for rel in (0.0, 1.0):
        ev, names, R = _forced_war([f"alliances.reliability={rel}", "alliances.buck_passing=0"])
        west, step = names.index("West"), names.index("Steppia")
        end = ev["war_end"]
        first = end["attacker"] == west
        won = (end["winner"][first] == west).sum() / R
        death = ev.get("death", {"r": np.array([], dtype=int), "state": np.array([], dtype=int)})
        died = len(np.unique(death["r"][death["state"] == step])) / R
        out[rel] = (won, died, len(ev.get("commitment_honoured", {}).get("r", [])))
    (won0, died0, hon0), (won1, died1, hon1) = out[0.0], out[1.0]
    assert hon0 == 0 and hon1 >= 0.95 * 300, out  # the East honours every commitment at reliability 1
    assert won1 <= won0 - 0.2, out
    assert died1 <= 0.5 * died0 and died0 >= 0.1, out


def test_defence_commitments_are_honoured_at_the_stated_reliability():
    """With no buck-passing, an ally honours a defence commitment with probability ``reliability`` (±0.06, n = 300)."""
    ev, names, R = _forced_war(["alliances.reliability=0.75", "alliances.buck_passing=0"], years=1)
    n_h = len(ev.get("commitment_honoured", {}).get("r", []))
    ab = ev.get("commitment_abandoned", {"r": [], "reason": np.array([], dtype=int)})
    assert n_h + len(ab["r"]) == R  # the East decides once in every world
    assert abs(n_h / R - 0.75) <= 0.06, n_h / R
    assert set(np.asarray(ab["reason"]).tolist()) <= {al.UNRELIABLE}


def test_buck_passing_lowers_the_share_of_commitments_honoured():
    """Christensen & Snyder (1990): an ally honours less often when others could carry the defence."""
    def share(bp):
        ev, names, R = _forced_war(["alliances.reliability=0.75", f"alliances.buck_passing={bp}"], years=1)
        return len(ev.get("commitment_honoured", {}).get("r", [])) / R
    none, full = share(0.0), share(1.0)
    assert full <= none - 0.08, (none, full)


def test_chain_ganging_brings_allies_into_their_partners_offensives():
    """The West's allies join its attack at rate reliability × chain_gang, and never at chain_gang 0."""
    joined = {}
    for chain in (0.0, 1.0):
        ev, names, R = _forced_war(["alliances.reliability=0.75", f"alliances.chain_gang={chain}"], years=1)
        hon = ev.get("commitment_honoured", {"side": np.array([], dtype=int)})
        joined[chain] = int((np.asarray(hon["side"]) == al.ATTACKER).sum()) / (2 * R)  # Westmark and Atlantia
    assert joined[0.0] == 0
    assert abs(joined[1.0] - 0.75) <= 0.06, joined


def test_bandwagoning_propensity_draws_weak_states_to_the_threat():
    """With propensity 1 the West's weak neighbours side with the West far more often than with propensity 0."""
    neighbours = ["Nordheim", "Southport", "Insula", "Isthmia"]

    def sided(bw):
        sc = with_overrides(load("bipolar"), [f"alliances.bandwagon={bw}", "alliances.overwhelming=2"])
        traj = engine.run_batch(sc, np.arange(80), 60, seed=0, record_states="none")
        names = [s.name for s in sc.states]
        west = names.index("West")
        idx = [names.index(n) for n in neighbours]
        return float(traj.final.allied[:, west, idx].mean())

    none, full = sided(0.0), sided(1.0)
    assert full >= none + 0.25, (none, full)


# --------------------------------------------------------------------------- blocs at analysis time


def test_blocs_rebuilt_from_the_events_match_the_final_alliances(tmp_path):
    from neorealism import api

    sc = with_overrides(load("bipolar"), ["war.opportunity=0.5"])
    out = api.run_to_dir(sc, tmp_path / "b", worlds=6, years=40, states="none")
    traj = engine.run_batch(sc, np.arange(6), 40, seed=sc.seed, record_states="none")
    names = [s.name for s in sc.states]
    with out.load() as rs:
        pairs = blocs.alliance_pairs(rs)
        table = blocs.bloc_table(rs, method="cliques")
        last = rs.query("SELECT world, alliances, blocs FROM system WHERE year = (SELECT max(year) FROM system) ORDER BY world")
    for w in range(6):
        want = {tuple(sorted((names[a], names[b]))) for a, b in zip(*np.nonzero(np.triu(traj.final.allied[w], 1)), strict=True)}
        assert pairs[w] == want
        g = blocs.graph_of_state(traj.final, names, w)
        assert {tuple(sorted(e)) for e in g.edges} == want
        assert last["alliances"].iloc[w] == len(want)
        assert last["blocs"].iloc[w] == len(blocs.blocs(g))
    assert set(table.columns) == {"world", "bloc", "size", "members"}


def test_polarization_of_two_equal_blocs_is_one_and_of_one_bloc_zero():
    power = {"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0}
    g = blocs.graph([("a", "b"), ("c", "d")])
    assert blocs.polarization(blocs.blocs(g), power) == pytest.approx(1.0)
    g1 = blocs.graph([("a", "b"), ("b", "c"), ("c", "d")])
    assert blocs.polarization(blocs.blocs(g1), power) == 0.0
    assert len(blocs.blocs(g1, "cliques")) == 3
    with pytest.raises(ValueError):
        blocs.blocs(g, "nonsense")  # type: ignore[arg-type]


def test_alliance_parameters_vary_per_world_like_runs_of_each_point():
    """A world's history with per-world alliance parameters equals a run of its point alone."""
    sc = with_overrides(load("bipolar"), ["war.opportunity=0.4"])
    pw = {"alliances.reliability": [0.0, 1.0, 0.5, 0.75], "alliances.formation": [0.0, 0.5, 0.2, 1.0],
          "alliances.buck_passing": [1.0, 0.0, 0.5, 0.25], "alliances.chain_gang": [0.0, 1.0, 0.5, 0.0]}
    batch = engine.simulate(sc, worlds=4, years=40, seed=3, per_world=pw, states="none")
    for w in range(4):
        point = with_overrides(sc, [f"{k}={v[w]}" for k, v in pw.items()])
        alone = engine.to_tables(engine.run_batch(point, [w], 40, 3, record_states="none"), point, states="none")
        for table in ("system", "events"):
            a = getattr(batch, table)
            a = a[a["world"] == w].reset_index(drop=True)
            b = getattr(alone, table).reset_index(drop=True)
            assert a.astype(str).equals(b.astype(str)), f"world {w}: {table}"
