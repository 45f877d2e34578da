"""The dashboard's HTTP API (docs/dashboard.md), through FastAPI's TestClient and a live uvicorn server.

Every expected value is computed here from the library itself
(:func:`neorealism.api.run`, the scenario loader, the COW loaders, the
experiment specs), never from :mod:`neorealism.dashboard.views`: a run
shown by the dashboard must be the run the library makes, world by world.
Runs are small (≤ 20 worlds, ≤ 60 years) except the ones that are
cancelled or must still be running.
"""

from __future__ import annotations

import concurrent.futures
import html
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from importlib import resources
from typing import Any

import httpx
import numpy as np
import pytest
from dashboard_helpers import (
    bad_requests,
    live_server,
    many_states_yaml,
    run_to_done,
    wait_for,
)
from fastapi.testclient import TestClient

import neorealism
from neorealism import api
from neorealism.dashboard.app import Limits, create_app
from neorealism.errors import NeorealismError
from neorealism.scenario import builtin_names, load_builtin, parse_scenario_text

#: The main client's limits: not the defaults, so that /api/limits and the refusals are seen to follow them.
LIMITS = Limits(max_worlds=150, max_years=300, max_states=30, max_upload_bytes=96 * 1024, max_active_runs=4,
                max_kept_runs=40, max_experiment_worlds=30, max_experiment_years=80)
HEX32 = re.compile(r"[0-9a-f]{32}")
TOL = 2e-6  # the API rounds floats to 6 decimals
#: the event kinds of a world's timeline (docs/dashboard.md)
EVENT_KINDS = ("war_start", "war_join", "war_end", "alliance_formed", "alliance_joined", "alliance_left", "death",
               "crisis", "deterrence", "arms_race", "arms_race_end", "commitment_honoured", "commitment_abandoned",
               "nuclear_acquired")


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(LIMITS)) as c:
        yield c


@pytest.fixture(scope="module")
def ref_bipolar():
    return api.run("bipolar", worlds=6, years=40, seed=3)


@pytest.fixture(scope="module")
def bipolar_run(client):
    """A finished run of bipolar, 6 worlds, 40 years, seed 3: its status."""
    return run_to_done(client, {"scenario": "bipolar", "worlds": 6, "years": 40, "seed": 3})


def assert_error(r: httpx.Response, status: int, field: str | None = None, named: bool = True) -> dict[str, Any]:
    """``r`` is the documented error: ``status``, a JSON body with a one-line ``error`` whose ``field`` is ``field``.

    With ``named`` the message itself names the field too.
    """
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:400]}"
    assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
    body = r.json()
    err = body.get("error")
    assert isinstance(err, str) and err, body
    assert "\n" not in err and "Traceback" not in r.text, body
    if field is not None:
        assert body.get("field") == field, body
        if named:
            assert field in err, body
    return body


def expected_world(res: Any, w: int) -> dict[str, Any]:
    """What /world/{w} must show, computed from the tables of ``res`` (a :func:`neorealism.api.run` result)."""
    names = [s.name for s in res.scenario.states]
    sys_w = res.system[res.system["world"] == w].sort_values("year")
    st = res.states[res.states["world"] == w].copy()
    st["state"] = st["state"].astype(str)
    power = st.pivot(index="year", columns="state", values="power")[names].sort_index()
    alive = st.pivot(index="year", columns="state", values="alive")[names].sort_index().astype(bool)
    living = power.where(alive, 0.0)
    share = living.div(living.sum(axis=1), axis=0).where(alive)
    burden = st.pivot(index="year", columns="state", values="burden")[names].sort_index().where(alive)
    great = st.pivot(index="year", columns="state", values="great_power")[names].sort_index().astype(bool)
    evw = res.events[res.events["world"] == w]
    ev = evw[evw["event"] == "war_start"]
    wars: dict[int, dict[str, Any]] = {}
    for r in ev.itertuples(index=False):
        wars[int(r.war_id)] = {"id": int(r.war_id), "start": int(r.year), "end": None, "attacker": r.attacker,
                               "defender": r.defender, "joined": [], "winner": None}
    for r in evw[evw["event"] == "war_join"].itertuples(index=False):
        wars[int(r.war_id)]["joined"].append(r.state)
    for r in evw[evw["event"] == "war_end"].itertuples(index=False):
        wars[int(r.war_id)]["end"] = int(r.year)
        wars[int(r.war_id)]["winner"] = r.winner if isinstance(r.winner, str) and r.winner else None
    timeline = evw[evw["event"].isin(EVENT_KINDS)]
    return {
        "years": sys_w["year"].astype(int).tolist(),
        "names": names,
        "alive": alive.to_numpy().tolist(),
        "share": share.to_numpy(),
        "power": power.to_numpy(),
        "burden": burden.to_numpy(dtype=float),
        "great_power": great.to_numpy().tolist(),
        "war_details": sorted(wars.values(), key=lambda d: (d["start"], d["id"])),
        "events": sorted(zip(timeline["year"].astype(int), timeline["event"].astype(str), strict=True)),
        "polarity": sys_w["polarity"].astype(str).tolist(),
        "con": sys_w["con"].to_numpy(dtype=float),
        "wars": sorted(zip(ev["attacker"].astype(str), ev["defender"].astype(str), ev["year"].astype(int),
                           strict=True)),
    }


def assert_world_matches(view: dict[str, Any], exp: dict[str, Any], where: str) -> None:
    assert view["years"] == exp["years"], where
    assert [s["name"] for s in view["states"]] == exp["names"], where
    assert view["alive"] == exp["alive"], where
    got = np.array([[np.nan if v is None else v for v in row] for row in view["share"]], dtype=float)
    assert got.shape == exp["share"].shape, where
    assert np.array_equal(np.isnan(got), np.isnan(exp["share"])), f"{where}: share is null exactly when dead"
    np.testing.assert_allclose(got, exp["share"], atol=TOL, rtol=0, equal_nan=True, err_msg=where)
    live = ~np.isnan(got)
    np.testing.assert_allclose(np.nansum(got, axis=1), 1.0, atol=1e-5, err_msg=f"{where}: shares sum to 1")
    assert live.any(axis=1).all(), where
    assert view["polarity"] == exp["polarity"], where
    np.testing.assert_allclose(np.asarray(view["con"], dtype=float), exp["con"], atol=TOL, rtol=0, err_msg=where)
    wars = sorted((d["attacker"], d["defender"], d["start"]) for d in view["wars"])
    assert wars == exp["wars"], where
    starts = sorted((e["a"], e["b"], e["year"]) for e in view["events"] if e["kind"] == "war_start")
    assert starts == exp["wars"], where
    details = sorted(view["wars"], key=lambda d: (d["start"], d["id"]))
    assert [{**d, "joined": sorted(d["joined"])} for d in details] == [
        {**d, "joined": sorted(d["joined"])} for d in exp["war_details"]], where
    assert sorted((e["year"], e["kind"]) for e in view["events"]) == exp["events"], where
    assert view["great_power"] == exp["great_power"], where
    b = np.array([[np.nan if v is None else v for v in row] for row in view["burden"]], dtype=float)
    np.testing.assert_allclose(b, exp["burden"], atol=TOL, rtol=0, equal_nan=True, err_msg=f"{where}: burden")


def alliance_components(names: list[str], alliances: list[tuple[str, str]]) -> list[set[int]]:
    """Connected groups (of two or more states) of the alliance graph, by breadth-first search."""
    idx = {n: k for k, n in enumerate(names)}
    adj: dict[int, set[int]] = {k: set() for k in range(len(names))}
    for a, b in alliances:
        adj[idx[a]].add(idx[b])
        adj[idx[b]].add(idx[a])
    seen: set[int] = set()
    out = []
    for k in range(len(names)):
        if k in seen or not adj[k]:
            continue
        comp, todo = set(), [k]
        while todo:
            j = todo.pop()
            if j not in comp:
                comp.add(j)
                todo.extend(adj[j] - comp)
        seen |= comp
        out.append(comp)
    return out


# --------------------------------------------------------------------------- 1. facts


def test_health(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True and body["version"] == neorealism.__version__


def test_limits_are_the_ones_given(client):
    body = client.get("/api/limits").json()
    for key in ("max_worlds", "max_years", "max_states", "max_upload_bytes", "max_active_runs"):
        assert body[key] == getattr(LIMITS, key), key
    given = asdict(LIMITS)
    for key, value in body.items():
        assert given[key] == value, key


def test_limits_of_the_defaults():
    with TestClient(create_app()) as c:
        body = c.get("/api/limits").json()
    assert (body["max_worlds"], body["max_years"], body["max_states"], body["max_upload_bytes"],
            body["max_active_runs"]) == (200, 500, 40, 256 * 1024, 4)  # docs/dashboard.md's table


def test_scenarios_are_the_builtins(client):
    rows = client.get("/api/scenarios").json()["scenarios"]
    assert [r["name"] for r in rows] == builtin_names()
    for r in rows:
        sc = load_builtin(r["name"])
        assert (r["states"], r["years"], r["worlds"], r["seed"], r["start_year"], r["description"]) == (
            sc.n_states, sc.years, sc.worlds, sc.seed, sc.start_year, sc.description), r["name"]


@pytest.mark.parametrize("name", builtin_names())
def test_scenario_page_parses_back_to_the_builtin(client, name):
    r = client.get(f"/api/scenarios/{name}")
    assert r.status_code == 200
    body = r.json()
    sc = load_builtin(name)
    assert body["name"] == name
    assert parse_scenario_text(body["yaml"], source="test").model_dump() == sc.model_dump()
    assert [(s["name"], s["x"], s["y"]) for s in body["states"]] == [
        (s.name, float(s.position[0]), float(s.position[1])) for s in sc.states]
    data = sc.params.model_dump(mode="json")
    assert body["params"], "the form's values"
    for path, value in body["params"].items():
        node: Any = data
        for part in path.split("."):
            node = node[part]
        assert value == node, path


def _schema_params(client) -> list[dict[str, Any]]:
    groups = client.get("/api/schema").json()["groups"]
    return [p for g in groups for p in g["params"]]


def test_schema_defaults_are_accepted_by_with_overrides(client):
    params = _schema_params(client)
    assert len(params) > 20
    paths = [p["path"] for p in params]
    assert len(set(paths)) == len(paths)
    assert {"war.cost", "war.offense_defense"} <= set(paths)
    base = load_builtin("bipolar")
    for p in params:
        assert p["type"] in ("float", "int", "bool", "choice"), p
        sc = api.with_overrides(base, {p["path"]: p["default"]})  # raises if the path or default were refused
        node: Any = sc.params.model_dump(mode="json")
        for part in p["path"].split("."):
            node = node[part]
        assert node == p["default"], p["path"]
        if p["type"] == "choice":
            assert p["default"] in p["choices"], p


def _outside(p: dict[str, Any]) -> list[Any]:
    """Values just outside ``p``'s bounds."""
    out = []
    for bound, exclusive, sign in ((p["minimum"], p["exclusive_minimum"], -1), (p["maximum"], p["exclusive_maximum"],
                                                                                 1)):
        if bound is None:
            continue
        if p["type"] == "int":
            out.append(bound if exclusive else bound + sign)
        else:
            out.append(float(bound) if exclusive else float(bound) + sign * 1e-6 * max(1.0, abs(float(bound))))
    return out


def test_schema_bounds_agree_with_what_is_refused(client):
    params = [p for p in _schema_params(client) if p["type"] in ("float", "int")]
    bounded = [p for p in params if p["minimum"] is not None or p["maximum"] is not None]
    assert sum(p["type"] == "float" for p in bounded) >= 5
    assert any(p["exclusive_minimum"] for p in bounded) and any(not p["exclusive_minimum"] for p in bounded)
    base = load_builtin("bipolar")
    checked = 0
    for k, p in enumerate(bounded):
        for value in _outside(p):
            with pytest.raises(NeorealismError):
                api.with_overrides(base, {p["path"]: value})
            if k % 5 and p["type"] != "int":
                continue  # the library refuses every one; the API is asked about a fifth of them (and every int)
            r = client.post("/api/runs", json={"scenario": "bipolar", "worlds": 1, "years": 1,
                                               "params": {p["path"]: value}})
            body = assert_error(r, 400, p["path"])
            assert body["error"].startswith(p["path"]), body
            checked += 1
    assert checked >= 10
    # an inclusive bound itself is allowed (unless a rule tying two parameters refuses it, e.g. base ≤ max burden)
    for p in bounded:
        for bound, exclusive in ((p["minimum"], p["exclusive_minimum"]), (p["maximum"], p["exclusive_maximum"])):
            if bound is None or exclusive:
                continue
            try:
                api.with_overrides(base, {p["path"]: bound})
            except NeorealismError as exc:
                assert "must be" in str(exc) and "allowed" not in str(exc).split(":", 1)[1][:40], (p["path"], exc)
    for p in (q for q in _schema_params(client) if q["type"] == "choice"):
        r = client.post("/api/runs", json={"scenario": "bipolar", "params": {p["path"]: "no-such-choice"}})
        assert_error(r, 400, p["path"])


def test_validate_upload(client):
    text = (resources.files("neorealism") / "scenarios" / "bipolar.yaml").read_text(encoding="utf-8")
    r = client.post("/api/scenarios/validate", json={"yaml": text})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["name"] == "bipolar"
    assert [s["name"] for s in body["states"]] == [s.name for s in load_builtin("bipolar").states]
    assert_error(client.post("/api/scenarios/validate", json={"yaml": "name: x\nstates: []\n"}), 400)


# --------------------------------------------------------------------------- 2. a run


def test_run_status(client, bipolar_run):
    st = bipolar_run
    assert HEX32.fullmatch(st["id"])
    assert (st["status"], st["progress"], st["scenario"], st["worlds"], st["years"], st["seed"], st["states"]) == (
        "done", 1.0, "bipolar", 6, 40, 3, 14)
    assert st["error"] is None


def test_run_worlds_equal_the_library_run(client, bipolar_run, ref_bipolar):
    for w in range(6):
        r = client.get(f"/api/runs/{bipolar_run['id']}/world/{w}")
        assert r.status_code == 200, r.text
        view = r.json()
        assert view["world"] == w
        assert_world_matches(view, expected_world(ref_bipolar, w), f"world {w}")
    assert len(ref_bipolar.events[ref_bipolar.events["event"] == "war_start"]) > 0, "the check saw some wars"


def test_run_world_fields(client, bipolar_run, ref_bipolar):
    view = client.get(f"/api/runs/{bipolar_run['id']}/world/0").json()
    T1 = 41
    for key in ("alive", "share", "great_power", "burden", "bloc"):
        assert len(view[key]) == T1 and all(len(row) == 14 for row in view[key]), key
    for key in ("polarity", "con", "hhi", "wars_ongoing", "arms_races", "spirals", "suspicion"):
        assert len(view[key]) == T1, key
    sys0 = ref_bipolar.system[ref_bipolar.system["world"] == 0].sort_values("year")
    np.testing.assert_allclose(view["hhi"], sys0["hhi"].to_numpy(), atol=TOL)
    assert view["wars_ongoing"] == sys0["wars_ongoing"].astype(int).tolist()
    st0 = ref_bipolar.states[ref_bipolar.states["world"] == 0]
    gp = st0.pivot(index="year", columns="state", values="great_power")[[s.name for s in load_builtin(
        "bipolar").states]].sort_index().astype(bool)
    assert view["great_power"] == gp.to_numpy().tolist()
    kinds = set(EVENT_KINDS)
    years = [e["year"] for e in view["events"]]
    assert years == sorted(years) and {e["kind"] for e in view["events"]} <= kinds
    assert all(isinstance(e["text"], str) and e["text"] for e in view["events"])


def test_run_with_params_equals_the_library_run_with_overrides(client):
    st = run_to_done(client, {"scenario": "bipolar", "worlds": 3, "years": 30, "seed": 7,
                              "params": {"war.cost": 0.2}})
    ref = api.run("bipolar", worlds=3, years=30, seed=7, overrides={"war.cost": 0.2})
    plain = api.run("bipolar", worlds=3, years=30, seed=7)
    assert ref.scenario.params.war.cost == 0.2 != load_builtin("bipolar").params.war.cost
    differs = False
    for w in range(3):
        view = client.get(f"/api/runs/{st['id']}/world/{w}").json()
        assert_world_matches(view, expected_world(ref, w), f"world {w}")
        p = expected_world(plain, w)
        differs |= not np.allclose(np.nan_to_num(p["share"]), np.nan_to_num(expected_world(ref, w)["share"]))
    assert differs, "war.cost 0.2 should change the run (else the test cannot tell it was applied)"


def test_uploaded_yaml_runs_as_the_parsed_scenario(client):
    text = (resources.files("neorealism") / "scenarios" / "bipolar.yaml").read_text(encoding="utf-8")
    changed, n = re.subn(r"(- name: West\n  military: )40\b", r"\g<1>12", text)
    assert n == 1
    sc = parse_scenario_text(changed, source="test")
    assert sc.states[0].name == "West" and sc.states[0].military == 12
    st = run_to_done(client, {"yaml": changed, "worlds": 4, "years": 30, "seed": 5, "label": "weaker West"})
    assert st["label"] == "weaker West" and st["states"] == 14
    ref = api.run(sc, worlds=4, years=30, seed=5)
    builtin = api.run("bipolar", worlds=1, years=1, seed=5)
    for w in range(4):
        view = client.get(f"/api/runs/{st['id']}/world/{w}").json()
        exp = expected_world(ref, w)
        assert_world_matches(view, exp, f"world {w}")
    assert view["share"][0][0] < expected_world(builtin, 0)["share"][0][0] - 0.02, "West is weaker in the upload"


def test_run_defaults_worlds_years_seed(client):
    r = client.post("/api/runs", json={"scenario": "bipolar", "years": 2})
    assert r.status_code == 202, r.text
    sc = load_builtin("bipolar")
    st = r.json()
    assert (st["worlds"], st["years"], st["seed"]) == (min(sc.worlds, 50), 2, sc.seed)
    wait_for(client, f"/api/runs/{st['id']}")


def test_distribution_agrees_with_the_tables(client, bipolar_run, ref_bipolar):
    r = client.get(f"/api/runs/{bipolar_run['id']}/distribution")
    assert r.status_code == 200, r.text
    d = r.json()
    sys_ = ref_bipolar.system
    R, T = 6, 40
    assert d["worlds"] == R and d["years"] == list(range(T + 1))
    con = sys_.pivot(index="world", columns="year", values="con").sort_index(axis=1).to_numpy()
    np.testing.assert_allclose(d["con"]["q50"], np.median(con, axis=0), atol=TOL)
    np.testing.assert_allclose(d["con"]["q10"], np.quantile(con, 0.1, axis=0), atol=TOL)
    np.testing.assert_allclose(d["con"]["q90"], np.quantile(con, 0.9, axis=0), atol=TOL)
    shares = np.array([d["polarity"]["share"][lab] for lab in d["polarity"]["labels"]], dtype=float)
    np.testing.assert_allclose(shares.sum(axis=0), 1.0, atol=1e-9)
    pol = sys_.pivot(index="world", columns="year", values="polarity").sort_index(axis=1).astype(str).to_numpy()
    for lab in d["polarity"]["labels"]:
        np.testing.assert_allclose(d["polarity"]["share"][lab], (pol == lab).mean(axis=0), atol=TOL)
    ws = sys_.pivot(index="world", columns="year", values="wars_started").sort_index(axis=1).to_numpy()
    np.testing.assert_allclose(d["wars_started"], ws.mean(axis=0), atol=TOL)
    n_alive = sys_.pivot(index="world", columns="year", values="n_alive").sort_index(axis=1).to_numpy()
    np.testing.assert_allclose(d["n_alive"], n_alive.mean(axis=0), atol=TOL)
    gps = sys_.pivot(index="world", columns="year", values="n_great_powers").sort_index(axis=1).to_numpy()
    np.testing.assert_allclose(d["great_powers"], gps.mean(axis=0), atol=TOL)
    st = ref_bipolar.states
    living_burden = st[st["alive"]].groupby(["world", "year"])["burden"].mean().unstack("year").sort_index(axis=1)
    np.testing.assert_allclose(d["burden"]["q50"], np.median(living_burden.to_numpy(), axis=0), atol=TOL)
    heads = {o["name"]: o for o in d["outcomes"]}
    n_wars = int((ref_bipolar.events["event"] == "war_start").sum())
    assert n_wars > 0
    assert heads["wars"]["value"] == pytest.approx(n_wars * 100 / (R * T), abs=1e-5)
    n_deaths = int((ref_bipolar.events["event"] == "death").sum())
    assert heads["state_deaths"]["value"] == pytest.approx(n_deaths * 100 / (R * T), abs=1e-5)
    for o in d["outcomes"]:
        assert {"name", "label", "unit", "value"} <= set(o)


# --------------------------------------------------------------------------- 3. blocs


def test_blocs_of_year_0_are_the_scenarios_alliances(client, bipolar_run, ref_bipolar):
    sc = load_builtin("bipolar")
    names = [s.name for s in sc.states]
    # bipolar: West with Westmark and Atlantia, East with Eastmark and Steppia, the rest unallied
    expected = [-1] * len(names)
    for members in (("West", "Westmark", "Atlantia"), ("East", "Eastmark", "Steppia")):
        for m in members:
            expected[names.index(m)] = names.index(members[0])
    comps = alliance_components(names, sc.alliances)
    assert sorted(map(sorted, comps)) == sorted(sorted({i for i, b in enumerate(expected) if b == lead})
                                                for lead in (0, 1))
    for w in range(6):
        view = client.get(f"/api/runs/{bipolar_run['id']}/world/{w}").json()
        power0 = expected_world(ref_bipolar, w)["power"][0]
        strongest = [-1] * len(names)
        for comp in comps:
            lead = max(comp, key=lambda k: power0[k])
            for k in comp:
                strongest[k] = lead
        assert view["bloc"][0] == strongest, f"world {w}"
        assert view["bloc"][0] == expected, f"world {w}: the superpowers lead their blocs"


def test_blocs_are_consistent_every_year(client, bipolar_run, ref_bipolar):
    """Every year: dead states are unallied, a bloc's id is a member of it and the strongest one."""
    for w in range(6):
        view = client.get(f"/api/runs/{bipolar_run['id']}/world/{w}").json()
        power = expected_world(ref_bipolar, w)["power"]
        for t, row in enumerate(view["bloc"]):
            for k, b in enumerate(row):
                if not view["alive"][t][k]:
                    assert b == -1, (w, t, k)
            for lead in set(row) - {-1}:
                members = [k for k, b in enumerate(row) if b == lead]
                assert lead in members and len(members) >= 2, (w, t, lead)
                assert power[t][lead] == max(power[t][k] for k in members), (w, t, lead)


def _bloc_partition(row: list[int], names: list[str]) -> set[frozenset[str]]:
    return {frozenset(names[k] for k, b in enumerate(row) if b == lead) for lead in set(row) - {-1}}


@pytest.mark.parametrize("scenario", ["bipolar", "cold-war-1950"])
def test_blocs_every_year_are_the_librarys_components(client, scenario):
    """Each year's blocs are the connected groups of the alliances in force (neorealism.blocs), as the engine counts them."""
    from neorealism import blocs as nb

    body = {"scenario": scenario, "worlds": 3, "years": 25, "seed": 8}
    st = run_to_done(client, body)
    ref = api.run(scenario, worlds=3, years=25, seed=8)
    names = [s.name for s in ref.scenario.states]
    views_ = [client.get(f"/api/runs/{st['id']}/world/{w}").json() for w in range(3)]
    for w, view in enumerate(views_):
        assert_world_matches(view, expected_world(ref, w), f"{scenario} world {w}")
    assert views_[0]["years"][0] == ref.scenario.start_year
    for t, year in enumerate(views_[0]["years"]):
        in_force = nb.alliance_pairs(ref, year=year)
        for w, view in enumerate(views_):
            sys_w = ref.system[ref.system["world"] == w].sort_values("year")
            pairs = in_force[w]
            alive = {n for n, a in zip(names, view["alive"][t], strict=True) if a}
            g = nb.graph([p for p in pairs if p[0] in alive and p[1] in alive], sorted(alive))
            expected = {frozenset(b) for b in nb.blocs(g, "components")}
            assert _bloc_partition(view["bloc"][t], names) == expected, (scenario, w, year)
            assert len(expected) == int(sys_w["blocs"].iloc[t]), (scenario, w, year, "the engine's bloc count")


# --------------------------------------------------------------------------- 4. bad requests


@pytest.mark.parametrize("case", bad_requests(LIMITS.max_worlds, LIMITS.max_years), ids=lambda c: c[0])
def test_bad_request(client, case):
    _, method, path, kw, status, field = case
    assert_error(client.request(method, path, **kw), status, field)


def test_bad_request_messages_name_the_allowed_range(client):
    body = assert_error(client.post("/api/runs", json={"scenario": "bipolar", "worlds": 0}), 400, "worlds")
    assert body["error"] == f"worlds = 0: allowed 1 ≤ worlds ≤ {LIMITS.max_worlds}"
    body = assert_error(client.post("/api/runs", json={"scenario": "bipolar", "years": 301}), 400, "years")
    assert "300" in body["error"]
    body = assert_error(client.post("/api/runs", json={"scenario": "bipolar", "params": {"war.cost": 7.5}}), 400,
                        "war.cost")
    assert body["error"].startswith("war.cost") and "1.0" in body["error"]
    body = assert_error(client.post("/api/runs", json={"scenario": "nope"}), 404, "scenario")
    assert "bipolar" in body["error"], "the allowed names"


def test_bool_for_worlds_is_refused(client):
    r = client.post("/api/runs", json={"scenario": "bipolar", "worlds": True, "years": 1})
    if r.status_code == 202:
        wait_for(client, f"/api/runs/{r.json()['id']}")
    assert_error(r, 400, "worlds")


def test_a_parameter_given_twice_is_refused(client):
    both = {"war.cost": 0.1, "params.war.cost": 0.3}
    with pytest.raises(NeorealismError):
        api.with_overrides("bipolar", both)
    r = client.post("/api/runs", json={"scenario": "bipolar", "worlds": 1, "years": 1, "params": both})
    if r.status_code == 202:
        wait_for(client, f"/api/runs/{r.json()['id']}")
    assert_error(r, 400, named=False)
    assert r.json()["field"] in ("war.cost", "params.war.cost"), r.json()


def test_a_list_as_parameter_value_names_the_parameter(client):
    body = assert_error(client.post("/api/runs", json={"scenario": "bipolar", "params": {"war.cost": [1]}}), 400)
    assert body["field"] in ("war.cost", "params.war.cost"), body
    assert "boolean" not in body["error"], body


def test_deeply_nested_json_is_a_body_error(client):
    deep = '{"scenario": ' + "[" * 30000 + "]" * 30000 + "}"
    r = client.post("/api/runs", content=deep, headers={"content-type": "application/json"})
    assert_error(r, 400, "body")


def test_non_object_bodies(client):
    for body in ([1, 2], "bipolar", None, 3):
        assert_error(client.post("/api/runs", json=body), 400, "body")
    r = client.post("/api/runs", content=b"\xff\xfe not utf-8", headers={"content-type": "application/json"})
    assert_error(r, 400, "body")
    assert_error(client.delete("/api/health"), 405)


def test_hostile_yaml_is_refused(client):
    for text in ("a: &x [1]\nb: *x\n", "name: x\nstates: !!python/object/apply:os.system [ls]\n",
                 "name: x\n" + "a: " + "[" * 200 + "]" * 200 + "\n"):
        assert_error(client.post("/api/runs", json={"yaml": text}), 400)
    assert client.get("/api/health").json()["ok"] is True


def test_malformed_yaml_is_a_one_line_400(client):
    for text in ("name: x\nstates: [\n", "a: b: c\n", "- a\n- b\n", "", "name: [unclosed\n  states: {\n"):
        assert_error(client.post("/api/runs", json={"yaml": text}), 400)
        assert_error(client.post("/api/scenarios/validate", json={"yaml": text}), 400)


def test_malformed_yaml_names_the_yaml_field(client):
    body = assert_error(client.post("/api/runs", json={"yaml": "name: x\nstates: [\n"}), 400)
    assert body["field"] == "yaml" and body["error"].startswith("yaml"), body


def test_yaml_with_too_many_states():
    lim = Limits(max_states=4)
    text = many_states_yaml(lim.max_states + 1)
    assert parse_scenario_text(text, source="test").n_states == 5  # valid, only too large for the dashboard
    ok = many_states_yaml(lim.max_states)
    with TestClient(create_app(lim)) as c:
        assert_error(c.post("/api/runs", json={"yaml": text, "worlds": 1, "years": 1}), 400, "states")
        assert_error(c.post("/api/scenarios/validate", json={"yaml": text}), 400, "states")
        assert_error(c.post("/api/runs", json={"scenario": "bipolar"}), 400, "states")  # 14 states > 4
        run_to_done(c, {"yaml": ok, "worlds": 1, "years": 2})


def test_body_larger_than_the_limit_is_413():
    lim = Limits(max_upload_bytes=4096)
    with TestClient(create_app(lim)) as c:
        big = "x" * (lim.max_upload_bytes + 1)
        assert_error(c.post("/api/runs", json={"yaml": big}), 413, "body")
        assert_error(c.post("/api/scenarios/validate", json={"yaml": big}), 413, "body")
        # the limit is on bytes: 1,400 three-byte characters are 4,200 bytes
        assert_error(c.post("/api/scenarios/validate", json={"yaml": "€" * 1400},
                            headers={"content-type": "application/json"}), 413, "body")
        assert c.get("/api/health").json()["ok"] is True
        small = many_states_yaml(3)
        assert c.post("/api/scenarios/validate", json={"yaml": small}).status_code == 200


def test_body_without_content_length_over_the_limit_is_413():
    lim = Limits(max_upload_bytes=4096)

    def chunks():
        for _ in range(10):
            yield b"x" * 1000

    with TestClient(create_app(lim)) as c:
        r = c.post("/api/scenarios/validate", content=chunks(), headers={"content-type": "application/json"})
        assert_error(r, 413, "body")


def test_world_out_of_range(client, bipolar_run):
    for w in (6, 100, -1):
        body = assert_error(client.get(f"/api/runs/{bipolar_run['id']}/world/{w}"), 400, "world")
        assert "5" in body["error"]
    body = assert_error(client.get(f"/api/runs/{bipolar_run['id']}/world/abc"), 400)
    assert body["field"].endswith("world") and "world" in body["error"], body


def test_results_of_an_unfinished_run_are_409_and_too_many_runs_429():
    with TestClient(create_app(Limits(max_active_runs=1))) as c:
        r = c.post("/api/runs", json={"scenario": "multipolar", "worlds": 200, "years": 500, "seed": 1})
        assert r.status_code == 202, r.text
        rid = r.json()["id"]
        try:
            st = c.get(f"/api/runs/{rid}").json()
            assert st["status"] in ("queued", "running"), st
            assert_error(c.get(f"/api/runs/{rid}/world/0"), 409, "id", named=False)
            assert_error(c.get(f"/api/runs/{rid}/distribution"), 409, "id", named=False)
            body = assert_error(c.post("/api/runs", json={"scenario": "bipolar", "worlds": 1, "years": 1}), 429,
                                "runs")
            assert "1" in body["error"]
            assert_error(c.post("/api/experiments", json={"name": "waltz-stability", "worlds": 1, "years": 1}), 429,
                         "runs")
        finally:
            c.delete(f"/api/runs/{rid}")
        st = wait_for(c, f"/api/runs/{rid}", timeout=20)
        assert st["status"] == "cancelled"
        assert_error(c.get(f"/api/runs/{rid}/world/0"), 409, "id", named=False)
        run_to_done(c, {"scenario": "bipolar", "worlds": 1, "years": 3})


PASSWD_MARKERS = ("root:x:", "root:*:", "/bin/sh", "/bin/bash")
SOURCE_MARKERS = ("def create_app", "import ", "FastAPI")
TRAVERSALS = ("/api/scenarios/..%2F..%2Fetc%2Fpasswd", "/static/../app.py", "/api/scenarios/%2Fetc%2Fpasswd",
              "/static/..%2Fapp.py", "/static/%2e%2e/app.py", "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
              "/static/%2e%2e%2f%2e%2e%2fscenario.py", "/api/scenarios/..%5C..%5Capp.py",
              "/api/scenarios/bipolar%00.yaml", "/static//etc/passwd", "/api/scenarios/....//....//etc/passwd")


def _no_file_contents(status: int, text: str, where: str) -> None:
    assert status < 500, f"{where}: {status}"
    if status == 200:
        assert not any(m in text for m in PASSWD_MARKERS + SOURCE_MARKERS), f"{where}: 200 with file contents"
    assert not any(m in text for m in PASSWD_MARKERS), f"{where}: {text[:200]}"
    assert "def create_app" not in text, where


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_testclient(client, path):
    r = client.get(path)
    _no_file_contents(r.status_code, r.text, path)
    assert r.status_code in (400, 404), (path, r.status_code)


def _raw_get(url: str, path: str) -> tuple[int, str]:
    """GET ``path`` byte for byte (no client normalises the dots away)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body.decode("utf-8", errors="replace")


def test_path_traversal_raw_on_the_live_server():
    with live_server(LIMITS) as url:
        for path in TRAVERSALS + ("/static/../../../../etc/passwd", "/static/./../app.py", "/../app.py"):
            status, text = _raw_get(url, path)
            _no_file_contents(status, text, path)
            assert status in (400, 404), (path, status, text[:200])
        status, text = _raw_get(url, "/api/health")
        assert status == 200 and '"ok":true' in text.replace(" ", "")


def test_page_and_static_files_are_served(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "<html" in r.text.lower()
    for src in re.findall(r'src="(/static/[^"]+)"', r.text):
        assert client.get(src).status_code == 200, src
        assert "://" not in src
    assert not re.search(r'<script[^>]+src="https?://', r.text), "no CDN"


def test_own_scripts_load_nothing_from_the_network(client):
    page = client.get("/").text
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        if "/vendor/" in src:
            continue
        text = client.get(src).text
        urls = set(re.findall(r"https?://[^\s\"'`)]+", text))
        # identifiers only: the Vega-Lite schema id and the SVG namespace are never fetched
        assert urls <= {"https://vega.github.io/schema/vega-lite/v5.json", "http://www.w3.org/2000/svg"}, (src, urls)


def test_api_docs_page_needs_no_cdn(client):
    r = client.get("/api/docs")
    if r.status_code == 404:
        return
    assert not re.search(r'(?:src|href)="https?://', r.text), re.findall(r'(?:src|href)="(https?://[^"]+)"', r.text)


# --------------------------------------------------------------------------- 5. cancel


def test_cancel_a_long_run(client):
    r = client.post("/api/runs", json={"scenario": "multipolar", "worlds": 150, "years": 300, "seed": 2})
    assert r.status_code == 202, r.text
    rid = r.json()["id"]
    time.sleep(0.3)
    t0 = time.monotonic()
    d = client.delete(f"/api/runs/{rid}")
    assert d.status_code == 200 and d.json()["id"] == rid
    st = wait_for(client, f"/api/runs/{rid}", timeout=30)
    took = time.monotonic() - t0
    assert st["status"] == "cancelled", st
    assert took < 5.0, f"cancelled after {took:.1f} s"
    assert st["progress"] < 1.0
    # cancelling again is harmless; a new run afterwards works
    assert client.delete(f"/api/runs/{rid}").json()["status"] == "cancelled"
    st2 = run_to_done(client, {"scenario": "bipolar", "worlds": 2, "years": 5, "seed": 1})
    assert client.get(f"/api/runs/{st2['id']}/world/1").status_code == 200


def test_cancel_a_queued_run():
    with TestClient(create_app(Limits(workers=1, max_active_runs=3))) as c:
        a = c.post("/api/runs", json={"scenario": "multipolar", "worlds": 200, "years": 500}).json()["id"]
        b = c.post("/api/runs", json={"scenario": "bipolar", "worlds": 1, "years": 1}).json()["id"]
        try:
            assert c.get(f"/api/runs/{b}").json()["status"] == "queued"  # one worker, busy with a
            assert c.get("/api/health").json()["active_runs"] == 2
            assert c.delete(f"/api/runs/{b}").json()["status"] == "cancelled"
            assert c.get("/api/health").json()["active_runs"] == 1
        finally:
            c.delete(f"/api/runs/{a}")
        assert wait_for(c, f"/api/runs/{a}", timeout=20)["status"] == "cancelled"
        st_b = wait_for(c, f"/api/runs/{b}", timeout=20)
        assert st_b["status"] == "cancelled" and st_b["progress"] == 0.0
        assert c.get("/api/health").json()["active_runs"] == 0
        run_to_done(c, {"scenario": "bipolar", "worlds": 1, "years": 2})


def test_cancelling_a_finished_run_keeps_it(client, bipolar_run):
    assert client.delete(f"/api/runs/{bipolar_run['id']}").json()["status"] == "done"
    assert client.get(f"/api/runs/{bipolar_run['id']}/world/0").status_code == 200


def test_finished_runs_kept_oldest_dropped_first():
    with TestClient(create_app(Limits(max_kept_runs=2))) as c:
        ids = [run_to_done(c, {"scenario": "bipolar", "worlds": 1, "years": 1, "seed": k})["id"] for k in range(6)]
        for rid in ids[:3]:
            assert_error(c.get(f"/api/runs/{rid}"), 404, "id")
        for rid in ids[-2:]:
            assert c.get(f"/api/runs/{rid}").json()["status"] == "done"
            assert c.get(f"/api/runs/{rid}/world/0").status_code == 200


# --------------------------------------------------------------------------- 6. isolation


def test_two_concurrent_runs_are_isolated(client):
    bodies = {"bipolar": {"scenario": "bipolar", "worlds": 4, "years": 30, "seed": 11},
              "multipolar": {"scenario": "multipolar", "worlds": 4, "years": 30, "seed": 11}}
    ids = {}
    for name, body in bodies.items():
        r = client.post("/api/runs", json=body)
        assert r.status_code == 202, r.text
        ids[name] = r.json()["id"]
    assert all(HEX32.fullmatch(i) for i in ids.values()) and len(set(ids.values())) == 2
    for name, rid in ids.items():
        st = wait_for(client, f"/api/runs/{rid}")
        assert st["status"] == "done" and st["scenario"] == name and st["id"] == rid
    for name, rid in ids.items():
        ref = api.run(name, worlds=4, years=30, seed=11)
        own = [s.name for s in load_builtin(name).states]
        for w in range(4):
            view = client.get(f"/api/runs/{rid}/world/{w}").json()
            assert [s["name"] for s in view["states"]] == own
            assert_world_matches(view, expected_world(ref, w), f"{name} world {w}")
        d = client.get(f"/api/runs/{rid}/distribution").json()
        con = ref.system.pivot(index="world", columns="year", values="con").to_numpy()
        np.testing.assert_allclose(d["con"]["q50"], np.median(con, axis=0), atol=TOL)
    # nobody can list the runs
    assert client.get("/api/runs").status_code in (404, 405)
    # a run's id is no experiment's
    for rid in ids.values():
        assert_error(client.get(f"/api/experiments/{rid}"), 404, "id")
        assert_error(client.get(f"/api/experiments/{rid}/report"), 404, "id")
        assert_error(client.delete(f"/api/experiments/{rid}"), 404, "id")


def test_health_count_is_safe_while_runs_are_submitted():
    """The manager /api/health asks, driven from threads as the server's worker threads drive it."""
    app = create_app(Limits(max_active_runs=10**6, max_kept_runs=32))
    jobs = app.state.jobs
    errors: list[BaseException] = []
    stop = time.monotonic() + 3.0

    def submit() -> None:
        while time.monotonic() < stop and not errors:
            jobs.submit("run", 1, lambda job: None, {})

    def count() -> None:
        while time.monotonic() < stop and not errors:
            try:
                jobs.active()
            except RuntimeError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=f) for f in (submit, submit, count, count)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        jobs.shutdown()
    assert not errors, f"{len(errors)} errors: {errors[0]!r}"


def test_ids_are_random_tokens(client):
    seen = set()
    for _ in range(3):
        r = client.post("/api/runs", json={"scenario": "bipolar", "worlds": 1, "years": 1})
        assert r.status_code == 202
        seen.add(r.json()["id"])
        wait_for(client, f"/api/runs/{r.json()['id']}")
    assert len(seen) == 3 and all(HEX32.fullmatch(i) for i in seen)


# --------------------------------------------------------------------------- 7. a burst of bad requests


def _burst_cases() -> list[tuple[str, str, str, dict[str, Any], int, str]]:
    cases = bad_requests(LIMITS.max_worlds, LIMITS.max_years)
    cases.append(("too large", "POST", "/api/runs", {"json": {"yaml": "x" * (LIMITS.max_upload_bytes + 10)}}, 413,
                  "body"))
    cases.append(("traversal", "GET", "/api/scenarios/..%2F..%2Fetc%2Fpasswd", {}, 404, "path"))
    return cases


def test_burst_of_bad_requests_sequential(client):
    cases = _burst_cases()
    for i in range(300):
        label, method, path, kw, status, field = cases[i % len(cases)]
        r = client.request(method, path, **kw)
        assert r.status_code == status, (i, label, r.status_code, r.text[:200])
        assert r.json()["field"] == field, (i, label, r.text[:200])
    assert client.get("/api/health").json()["ok"] is True
    st = run_to_done(client, {"scenario": "bipolar", "worlds": 2, "years": 10, "seed": 4})
    ref = api.run("bipolar", worlds=2, years=10, seed=4)
    assert_world_matches(client.get(f"/api/runs/{st['id']}/world/1").json(), expected_world(ref, 1), "after")


def test_burst_of_bad_requests_concurrent_on_the_live_server():
    cases = _burst_cases()
    local = threading.local()

    def one(i: int) -> tuple[int, str, int, int | str]:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=30)
        label, method, path, kw, status, _ = cases[i % len(cases)]
        try:
            r = local.client.request(method, path, **kw)
            return i, label, status, r.status_code
        except httpx.HTTPError as exc:
            return i, label, status, f"{type(exc).__name__}: {exc}"

    with live_server(LIMITS) as url:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(one, range(200)))
        wrong = [r for r in results if r[2] != r[3]]
        assert not wrong, wrong[:10]
        with httpx.Client(base_url=url, timeout=30) as c:
            assert c.get("/api/health").json()["ok"] is True
            st = run_to_done(c, {"scenario": "bipolar", "worlds": 2, "years": 5})
            assert c.get(f"/api/runs/{st['id']}/distribution").status_code == 200


# --------------------------------------------------------------------------- 8. history


def test_history(client):
    from neorealism.data.loaders import major_state_years
    from neorealism.measures import POLARITY_LABELS

    h = client.get("/api/history").json()
    assert h["years"] == list(range(1816, 2017))
    n = len(h["years"])
    for key in ("polarity", "con", "hhi", "great_powers", "majors"):
        assert len(h[key]) == n, key
    assert all(c is not None and 0.0 <= c <= 1.0 for c in h["con"])
    assert set(h["polarity"]) <= set(POLARITY_LABELS)
    majors = major_state_years()
    assert h["majors"][0] == sorted(majors.loc[majors["year"] == 1816, "stateabb"].astype(str))
    assert set(h["majors"][0]) == {"AUH", "FRN", "GMY", "RUS", "UKG"}  # COW's major powers of 1816
    k1950 = h["years"].index(1950)
    assert set(h["majors"][k1950]) == set(majors.loc[majors["year"] == 1950, "stateabb"].astype(str))
    assert h["wars"] and all({"name", "start", "end", "great_power"} <= set(w) for w in h["wars"])
    assert all(1816 <= w["start"] <= w["end"] <= 2016 for w in h["wars"])
    assert isinstance(h["citation"], str) and h["citation"]


def test_history_scenario_runs(client):
    r = client.post("/api/history/scenario", json={"year": 1913})
    assert r.status_code == 200, r.text
    body = r.json()
    sc = parse_scenario_text(body["yaml"], source="test")
    assert sc.n_states >= 10 and sc.name == body["name"]
    st = run_to_done(client, {"yaml": body["yaml"], "worlds": 3, "years": 10, "seed": 2})
    ref = api.run(sc, worlds=3, years=10, seed=2)
    view = client.get(f"/api/runs/{st['id']}/world/2").json()
    assert_world_matches(view, expected_world(ref, 2), "1913 world 2")


@pytest.mark.parametrize("year", [1700, 1815, 2017, 99999])
def test_history_scenario_year_out_of_range(client, year):
    body = assert_error(client.post("/api/history/scenario", json={"year": year}), 400, "year")
    assert "1816" in body["error"] and "2016" in body["error"]


def test_history_scenario_wrong_type(client):
    assert_error(client.post("/api/history/scenario", json={"year": "nineteen"}), 400, "year")
    assert_error(client.post("/api/history/scenario", json={}), 400, "year")


# --------------------------------------------------------------------------- 9. experiments


def test_experiments_list(client):
    from neorealism.experiments.spec import builtin_names as experiment_names
    from neorealism.experiments.spec import load_spec

    rows = client.get("/api/experiments").json()["experiments"]
    assert [r["name"] for r in rows] == experiment_names()
    for r in rows:
        sp = load_spec(r["name"])
        assert r["title"] == sp.title and r["hypothesis"] == sp.hypothesis.statement


def test_run_an_experiment():
    app = create_app(LIMITS)
    tmp = app.state.tmp
    with TestClient(app) as client:
        _run_an_experiment(client)
        assert tmp.is_dir() and any(tmp.iterdir()), "the report is in the server's temporary folder"
    assert not tmp.exists(), "the server removes its temporary folder when it stops"


def _run_an_experiment(client):
    from neorealism.experiments.spec import load_spec

    name = "waltz-stability"  # 3 conditions of 12 states: the cheapest with predictions (about 3 s)
    sp = load_spec(name)
    r = client.post("/api/experiments", json={"name": name, "worlds": 5, "years": 20, "seed": 1})
    assert r.status_code == 202, r.text
    eid = r.json()["id"]
    assert HEX32.fullmatch(eid)
    st = wait_for(client, f"/api/experiments/{eid}", timeout=90)
    assert st["status"] == "done", st
    rows = st["summary"]
    assert rows
    conditions = {c.name for c in sp.conditions}
    outcomes = {o.name for o in sp.outcomes}
    for row in rows:
        assert {"outcome", "condition", "verdict"} <= set(row), row
        assert row["outcome"] in outcomes and row["condition"] in conditions, row
        assert isinstance(row["verdict"], str) and row["verdict"]
    rep = client.get(f"/api/experiments/{eid}/report")
    assert rep.status_code == 200 and "text/html" in rep.headers["content-type"]
    assert sp.title in rep.text or html.escape(sp.title) in rep.text
    assert not re.search(r'<script[^>]+src="https?://', rep.text)
    # an experiment's id is no run's
    assert_error(client.get(f"/api/runs/{eid}"), 404, "id")
    assert_error(client.get(f"/api/runs/{eid}/world/0"), 404, "id")
    assert_error(client.delete(f"/api/runs/{eid}"), 404, "id")


def test_experiment_bad_requests(client):
    assert_error(client.post("/api/experiments", json={"name": "no-such"}), 404, "name")
    assert_error(client.post("/api/experiments", json={"name": "../../etc/passwd"}), 404, "name")
    assert_error(client.post("/api/experiments", json={"name": "waltz-stability",
                                                       "worlds": LIMITS.max_experiment_worlds + 1}), 400, "worlds")
    assert_error(client.post("/api/experiments", json={"name": "waltz-stability", "worlds": 0}), 400, "worlds")
    assert_error(client.post("/api/experiments", json={"name": "waltz-stability",
                                                       "years": LIMITS.max_experiment_years + 1}), 400, "years")
    assert_error(client.post("/api/experiments", json={"name": "waltz-stability", "seed": -1}), 400, "seed")
    assert_error(client.post("/api/experiments", json={"name": "waltz-stability", "out": "/tmp/x"}), 400, "out")
    assert_error(client.get(f"/api/experiments/{'f' * 32}/report"), 404, "id")


def test_cancel_an_experiment(client):
    r = client.post("/api/experiments", json={"name": "offense-defense", "worlds": 30, "years": 80})
    assert r.status_code == 202, r.text
    eid = r.json()["id"]
    client.delete(f"/api/experiments/{eid}")
    st = wait_for(client, f"/api/experiments/{eid}", timeout=30)
    assert st["status"] == "cancelled", st
    assert_error(client.get(f"/api/experiments/{eid}/report"), 409, "id", named=False)


# --------------------------------------------------------------------------- 10. the command


def _cli() -> list[str]:
    exe = shutil.which("neorealism")
    return [exe] if exe else [sys.executable, "-m", "neorealism"]


@pytest.mark.parametrize("args,name", [(["--port", "99999"], "port"), (["--port", "-1"], "port"),
                                       (["--max-worlds", "0"], "--max-worlds"),
                                       (["--max-years", "10001"], "--max-years")])
def test_serve_refuses_bad_options(args, name):
    p = subprocess.run([sys.executable, "-m", "neorealism", "serve", *args], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    lines = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert name in lines[0] and "Traceback" not in lines[0]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_on_a_free_port_answers_and_stops(sig):
    """``neorealism serve --port 0`` prints its address, answers, and stops promptly even with a long run going."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    p = subprocess.Popen([*_cli(), "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in p.stdout], daemon=True).start()
    took = 0.0
    try:
        url = None
        deadline = time.monotonic() + 60
        seen = []
        while url is None:
            left = deadline - time.monotonic()
            if left <= 0 or p.poll() is not None:
                pytest.fail(f"no address printed (exit {p.poll()}): {seen}")
            try:
                ln = lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            seen.append(ln)
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", ln)
            if m:
                url = m.group(0)
                assert int(m.group(1)) > 0
        r = None
        for _ in range(100):
            try:
                r = httpx.get(url + "api/health", timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert r is not None and r.status_code == 200 and r.json()["ok"] is True
        assert not any("warning" in ln for ln in seen), "loopback: no warning"
        run = httpx.post(url + "api/runs", json={"scenario": "multipolar", "worlds": 200, "years": 500}, timeout=30)
        assert run.status_code == 202, run.text
    finally:
        if p.poll() is None:
            t0 = time.monotonic()
            p.send_signal(sig)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
                pytest.fail(f"neorealism serve did not stop within 20 s of {sig.name}")
            took = time.monotonic() - t0
    err = p.stderr.read()
    assert "Traceback" not in err, err
    allowed = {signal.SIGINT: (0, 130, -signal.SIGINT), signal.SIGTERM: (0, -signal.SIGTERM, 143)}[sig]
    assert p.returncode in allowed, (p.returncode, err)
    assert took < 10, f"took {took:.1f} s to stop: the running job should stop at the end of its year"
