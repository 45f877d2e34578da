"""The Python API (neorealism.api): run, overrides, run-or-reuse into a directory, initial structure, summary."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from result_files import chunk_file, result_names, snapshot  # noqa: F401

from neorealism import api
from neorealism.errors import OverrideError, ParameterError, ScenarioError
from neorealism.results import RESULT_FILES, ResultError, ResultSet
from neorealism.scenario import load_builtin

CLI_NAMES = {"worlds": "--worlds", "overwrite": "--overwrite", "out": "--out", "overrides": "--set", "years": "--years"}


# --------------------------------------------------------------------------- run





def test_run_is_the_engine_run():
    from neorealism.engine import simulate

    res = api.run("bipolar", worlds=3, years=4, seed=2)
    ref = simulate(load_builtin("bipolar"), worlds=3, years=4, seed=2)
    for table in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(res, table), getattr(ref, table))
    assert len(res.system) == 3 * 5
    # the chunk size does not change the result
    pd.testing.assert_frame_equal(api.run("bipolar", worlds=3, years=4, seed=2, chunk_size=1).system, res.system)


def test_run_takes_overrides_and_states():
    res = api.run("bipolar", worlds=2, years=3, overrides={"war.cost": 0.3}, states="ends")
    assert res.scenario.params.war.cost == 0.3
    assert sorted(res.states.year.unique()) == [0, 3]


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"worlds": 0}, "worlds = 0: allowed 1 ≤ worlds ≤ 10000000"),
        ({"years": 0}, "years = 0: allowed 1 ≤ years ≤ 10000"),
        ({"seed": -1}, "seed = -1: allowed 0 ≤ seed ≤ 9223372036854775807"),
        ({"chunk_size": 0}, "chunk_size = 0: allowed 1 ≤ chunk_size ≤ 1000000"),
        ({"worlds": 2.5}, "worlds = 2.5: expected an integer in [1, 10000000]"),
        ({"states": "some"}, "states = 'some': allowed all, ends, none"),
    ],
)
def test_bad_run_arguments_name_the_argument_and_range(kwargs, text):
    with pytest.raises(ParameterError) as info:
        api.run("bipolar", **kwargs)
    assert str(info.value) == text
    # the CLI renders the same error with its option names
    key = next(iter(kwargs))
    option = "--" + key.replace("_", "-")
    assert api.error_text(info.value, {key: option}) == text.replace(key, option)


def test_constants_agree_with_the_engine_and_scenarios():
    from neorealism import engine, scenario

    assert api.STATES_RECORDED == engine.STATES_RECORDED
    assert api.MAX_CHUNK_SIZE == engine.MAX_CHUNK_SIZE
    assert (api.MAX_WORLDS, api.MAX_YEARS) == (scenario.MAX_WORLDS, scenario.MAX_YEARS)


def test_importing_the_api_is_light():
    import subprocess
    import sys

    code = "import sys, neorealism.api; print(' '.join(m for m in ('numpy', 'pandas', 'neorealism.engine') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == []


# --------------------------------------------------------------------------- scenarios and overrides


def test_load_by_name_path_or_object(tmp_path):
    sc = load_builtin("multipolar")
    assert api.load("multipolar") == sc and api.load(sc) is sc
    f = tmp_path / "m.yaml"
    f.write_text(sc.to_yaml(), encoding="utf-8")
    assert api.load(f) == sc


@pytest.mark.parametrize("name", ["bipolr", "Bipolar", "BIPOLAR"])
def test_load_suggests_the_builtin_for_a_misspelt_name(name):
    with pytest.raises(ScenarioError, match="did you mean bipolar\\?"):
        api.load(name)


def test_overrides_in_three_forms_are_the_same():
    base = load_builtin("bipolar")
    a = api.with_overrides(base, {"war.cost": 0.1, "years": 7})
    b = api.with_overrides(base, war__cost=0.1, years=7)
    c = api.with_overrides(base, ["war.cost=0.1", "years=7"])
    d = api.with_overrides("bipolar", {"params.war.cost": 0.1}, years=7)
    assert a == b == c == d
    assert a.params.war.cost == 0.1 and a.years == 7
    assert api.with_overrides(base) is base and api.with_overrides(base, {}) is base


@pytest.mark.parametrize(
    "overrides, kw, needles",
    [
        ({"war.cost": 2.0}, {}, ["war.cost = 2.0:", "allowed [0.0, 1.0]"]),
        ({}, {"war__cost": -1}, ["war.cost = -1:", "allowed [0.0, 1.0]"]),
        (["war.cost=2"], {}, ["--set war.cost = 2:", "allowed [0.0, 1.0]"]),
        ({"war.cosst": 0.1}, {}, ["war.cosst", "unknown field", "did you mean `cost`?"]),
        ({"offense_defense": 1.5}, {}, ["offense_defense", "did you mean `war.offense_defense`?"]),
        ({"war": 0.1}, {}, ["war: names a group of parameters"]),
        ({"war.cost": 0.1}, {"war__cost": 0.2}, ["war.cost: given both in the mapping and as the keyword war__cost"]),
        ({"years": 0}, {}, ["years = 0", "allowed [1, 10000]"]),
        ("war.cost=0.1", {}, ["give a mapping"]),
    ],
)
def test_bad_overrides_name_the_field_and_range(overrides, kw, needles):
    with pytest.raises(OverrideError) as info:
        api.with_overrides("bipolar", overrides, **kw)
    for n in needles:
        assert n in str(info.value), str(info.value)


def test_run_setting_given_twice_is_refused():
    with pytest.raises(ParameterError) as info:
        api.prepare("bipolar", years=5, overrides={"years": 6})
    assert str(info.value) == "years and overrides['years'] both given; give one of them"
    assert api.error_text(info.value, CLI_NAMES) == "--years and --set years both given; give one of them"
    assert api.prepare("bipolar", years=5, overrides={"war.cost": 0.2}).years == 5


# --------------------------------------------------------------------------- run_to_dir


def test_run_to_dir_writes_then_reuses_then_refuses(tmp_path, monkeypatch):
    out = tmp_path / "o"
    stages: list[str] = []
    done: list[int] = []
    first = api.run_to_dir("bipolar", out, worlds=3, years=4, seed=1, overrides={"war.cost": 0.2},
                           progress=done.append, stage=stages.append)
    assert not first.reused and first.path == out and first.elapsed is not None and first.chunk_size == api.DEFAULT_CHUNK_SIZE
    assert result_names(out) == ["data-*", *RESULT_FILES]
    assert stages == ["simulating", "writing results"] and sum(done) == 3 * 4
    m = json.loads((out / "manifest.json").read_text())
    assert m["overrides"] == {"war.cost": 0.2} and m["scenario"]["params"]["war"]["cost"] == 0.2
    before = snapshot(out)

    from neorealism import engine

    def no_simulation(*a, **kw):
        raise AssertionError("an identical run must be re-used")

    monkeypatch.setattr(engine, "run_batch", no_simulation)
    again = api.run_to_dir("bipolar", out, worlds=3, years=4, seed=1, overrides=["war.cost=0.2"], chunk_size=1)
    assert again.reused and again.elapsed is None and again.created == m["created"]
    assert again.summary()["reused"] is True
    with pytest.raises(ResultError) as info:
        api.run_to_dir("bipolar", out, worlds=5, years=4, seed=1, overrides={"war.cost": 0.2})
    text = str(info.value)
    assert "already holds a result of a different run (worlds 5 vs 3" in text
    assert "use overwrite=True to replace it, or choose another out" in text
    assert "use --overwrite to replace it, or choose another --out" in api.error_text(info.value, CLI_NAMES)
    assert snapshot(out) == before
    monkeypatch.undo()

    redo = api.run_to_dir("bipolar", out, worlds=5, years=4, seed=1, overwrite=True)
    assert not redo.reused
    with redo.load() as rs:
        assert rs.manifest["worlds"] == 5 and rs.rows["system"] == 5 * 5


def test_run_to_dir_refuses_a_damaged_result(tmp_path):
    out = tmp_path / "o"
    api.run_to_dir("bipolar", out, worlds=2, years=2)
    chunk_file(out, "system").write_bytes(b"broken")
    with pytest.raises(ResultError, match=r"cannot be re-used .*system-000000\.parquet has 6 bytes"):
        api.run_to_dir("bipolar", out, worlds=2, years=2)


def test_run_to_dir_default_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outcome = api.run_to_dir("unipolar", worlds=1, years=2, seed=5)
    assert outcome.path == api.default_out_dir(outcome.scenario) == api.default_out_dir(load_builtin("unipolar").with_run(seed=5))
    assert (tmp_path / "results" / "unipolar-seed5" / "manifest.json").is_file()


def test_chunk_size_is_bounded_by_memory(monkeypatch):
    sc = load_builtin("bipolar").with_run(years=30)
    assert api.chunk_size_for(sc) == api.DEFAULT_CHUNK_SIZE
    per_world = api.CHUNK_MEMORY_BYTES // api.memory_chunk_size(sc.n_states, 30, "all")
    monkeypatch.setattr(api, "CHUNK_MEMORY_BYTES", 3 * per_world)
    assert api.chunk_size_for(sc, "all", 1000) == 3 and api.chunk_size_for(sc, "all", 2) == 2


def test_check_disk_refuses_what_cannot_fit(tmp_path, monkeypatch):
    import collections

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(api.shutil, "disk_usage", lambda p: usage(10**9, 10**9, 10**6))
    with pytest.raises(ParameterError) as info:
        api.check_disk(tmp_path / "new" / "dir", 10_000, 1_000, 14, "all")
    assert "worlds 10000 × years 1000 × 14 states with states all" in str(info.value)
    assert "--worlds 10000 × --years 1000" in api.error_text(info.value, {**CLI_NAMES, "states": "--states"})
    api.check_disk(tmp_path, 1, 1, 14, "all")  # fits


@pytest.mark.parametrize(
    "states, advice",
    [
        ("all", "use states ends or states none, or fewer worlds or years"),
        ("ends", "use states none, or fewer worlds or years"),
        ("none", "use fewer worlds or years"),
    ],
)
def test_check_disk_advises_only_what_would_help(tmp_path, monkeypatch, states, advice):
    import collections

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(api.shutil, "disk_usage", lambda p: usage(10**9, 10**9, 10))
    with pytest.raises(ParameterError) as info:
        api.check_disk(tmp_path, 10_000, 1_000, 14, states)
    assert str(info.value).endswith(advice)
    if states == "none":
        assert "states none" not in str(info.value).split(";")[-1]


def test_os_error_while_writing_names_the_directory(tmp_path, monkeypatch):
    import errno

    from neorealism import results

    real = results._write_atomic

    def full(path, data):
        if path.name.startswith("system-000001"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path.parent / f".{path.name}.tmp-1-x"))
        return real(path, data)

    monkeypatch.setattr(results, "_write_atomic", full)
    out = tmp_path / "o"
    with pytest.raises(ResultError) as info:
        api.run_to_dir("bipolar", out, worlds=4, years=2, chunk_size=2)
    assert str(info.value) == f"cannot write results to {out}: No space left on device"
    assert not list(out.rglob(".*tmp-*"))
    monkeypatch.undo()
    # the finished chunk is kept: the same run resumes once there is room
    assert api.run_to_dir("bipolar", out, worlds=4, years=2, chunk_size=2).load().rows["system"] == 4 * 3


# --------------------------------------------------------------------------- initial structure and summary


def test_initial_structure():
    st = api.initial_structure("bipolar")
    assert st["n_great_powers"] == 2 and st["polarity"] == "bipolar" and len(st["great_powers"]) == 2
    assert sum(st["shares"].values()) == pytest.approx(1.0)
    assert 0 <= st["con"] <= 1 and 0 < st["hhi"] <= 1
    nonpolar = api.with_overrides("bipolar", {"measures.gp_rule": "share", "measures.gp_threshold": 0.3})
    assert api.initial_structure(nonpolar)["polarity"] == "nonpolar"


def test_summary_of_a_result(tmp_path):
    out = tmp_path / "o"
    api.run_to_dir("multipolar", out, worlds=4, years=10, seed=3, overrides=["war.cost=0.05"])
    s = api.summary(out)
    assert (s["name"], s["n_worlds"], s["n_years"], s["seed"], s["n_states"]) == ("multipolar", 4, 10, 3, 14)
    assert s["overrides"] == ["war.cost=0.05"] and s["states_recorded"] == "all" and s["created"]
    assert s["years"] == (0, 10) and s["worlds"] == 4
    with ResultSet.load(out) as rs:
        assert s == api.summary(rs)
        events = rs.events
    assert s["wars_started"] == int((events.event == "war_start").sum())
    assert s["deaths"] == int((events.event == "death").sum())
    assert [row["year"] for row in s["polarity"]][0] == 0
    assert all(abs(sum(row[k] for k in ("nonpolar", "unipolar", "bipolar", "multipolar")) - 1) < 1e-9 for row in s["polarity"])


def test_run_takes_parameters_per_world():
    import numpy as np

    from neorealism import api

    res = api.run("multipolar", worlds=4, years=40, seed=1, per_world={"war.opportunity": np.array([0.0, 0.0, 0.6, 0.6])})
    wars = res.system.groupby("world").wars_started.sum()
    assert wars[0] == 0 and wars[1] == 0 and wars[2] > 0 and wars[3] > 0
