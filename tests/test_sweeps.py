"""Sweeps: specs, samplers, back ends (identical rows), the resumable store (killed and resumed), query."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from neorealism import api, engine
from neorealism.cli import app
from neorealism.errors import SpecError
from neorealism.sweeps import evaluators, runner
from neorealism.sweeps.samplers import sample
from neorealism.sweeps.spec import parse_sweep

REPO = Path(__file__).resolve().parents[1]

SPEC = """\
name: test-sweep
scenario: bipolar
parameters:
  war.offense_defense: {low: 0.5, high: 3.0}
  geography.decay: {low: 0.03, high: 0.5}
sampler: latin_hypercube
points: 8
replications: 3
years: 15
seed: 5
outcomes: [wars, gp_survival, final_hhi]
chunk_points: 2
"""


def spec_with(**change):
    data = yaml.safe_load(SPEC)
    data.update(change)
    return parse_sweep(yaml.safe_dump(data), source="t.yaml")


def rows(path: Path) -> pd.DataFrame:
    return runner.SweepResult.load(path).worlds.sort_values("world").reset_index(drop=True)


# --------------------------------------------------------------------------- samplers


def test_samplers_are_seeded_and_keep_their_designs():
    lhs = sample(spec_with(points=20))
    assert lhs.equals(sample(spec_with(points=20)))  # same seed, same sample
    assert not lhs.equals(sample(spec_with(points=20, seed=6)))
    for p, (lo, hi) in (("war.offense_defense", (0.5, 3.0)), ("geography.decay", (0.03, 0.5))):
        u = (lhs[p].to_numpy() - lo) / (hi - lo)
        assert sorted(np.floor(u * 20).astype(int)) == list(range(20))  # one point in each stratum
    grid = sample(spec_with(sampler="grid", levels=4))
    assert len(grid) == 16 and sorted(set(grid["geography.decay"])) == pytest.approx(np.linspace(0.03, 0.5, 4))
    sob = sample(spec_with(sampler="sobol", points=8))
    assert len(sob) == 8 * (2 + 2)
    mc = sample(spec_with(sampler="monte_carlo", points=50))
    assert mc["war.offense_defense"].between(0.5, 3.0).all()
    mixed = sample(spec_with(parameters={"measures.gp_enter": {"low": 2, "high": 9, "integer": True},
                                         "armament.mode": {"values": ["balancing", "richardson"]}},
                             sampler="monte_carlo", points=40))
    assert mixed["measures.gp_enter"].dtype.kind == "i" and mixed["measures.gp_enter"].between(2, 9).all()
    assert set(mixed["armament.mode"]) == {"balancing", "richardson"}


@pytest.mark.parametrize(
    "change, needle",
    [
        ({"parameters": {"war.nope": {"low": 0, "high": 1}}}, "parameters.war.nope"),
        ({"parameters": {"war.cost": {"low": 0.5, "high": 2.0}}}, "parameters.war.cost"),
        ({"parameters": {"war.cost": {"low": 0.5, "high": 0.1}}}, "low < high"),
        ({"sampler": "sobol", "points": 6}, "power of 2"),
        ({"replications": 0}, "replications"),
        ({"outcomes": ["warz"]}, "unknown outcome"),
        ({"colour": 1}, "unknown field"),
    ],
)
def test_bad_sweep_specs_are_refused_naming_the_field(change, needle):
    with pytest.raises(SpecError) as e:
        runner.plan(spec_with(**change))
    assert needle in str(e.value)


# --------------------------------------------------------------------------- one chunk, any back end


def test_a_sweep_world_is_the_run_of_its_point_alone(tmp_path):
    spec = spec_with()
    runner.run_sweep(spec, tmp_path / "s")
    got = rows(tmp_path / "s")
    pts = sample(spec)
    sc = api.load("bipolar")
    for point in (0, 5):
        ids = np.arange(point * 3, point * 3 + 3)
        pw = {p: np.full(3, pts.loc[point, p]) for p in pts.columns}
        traj = engine.run_batch(sc, ids, 15, 5, per_world=pw, record_states="none")
        t = engine.to_tables(traj, sc, states="none")
        wars = t.events[t.events["event"].astype(str) == "war_start"].groupby("world").size()
        mine = got[got["point"] == point].set_index("world")["wars"] * 15 / 100
        np.testing.assert_allclose(mine.to_numpy(), wars.reindex(ids, fill_value=0).to_numpy())


@pytest.mark.slow
def test_every_back_end_gives_the_same_rows(tmp_path):
    spec = spec_with()
    runner.run_sweep(spec, tmp_path / "seq", evaluator=evaluators.SequentialEvaluator())
    with evaluators.ProcessPoolEvaluator(workers=2) as ev:
        runner.run_sweep(spec, tmp_path / "pool", evaluator=ev)
    with evaluators.DaskEvaluator(local=2) as ev:
        assert ev.workers == 2
        runner.run_sweep(spec, tmp_path / "dask", evaluator=ev)
    a = rows(tmp_path / "seq")
    assert len(a) == 8 * 3 and a["world"].is_unique
    pd.testing.assert_frame_equal(a, rows(tmp_path / "pool"))
    pd.testing.assert_frame_equal(a, rows(tmp_path / "dask"))
    # and the chunking does not matter
    runner.run_sweep(spec.model_copy(update={"chunk_points": 3}), tmp_path / "c3")
    pd.testing.assert_frame_equal(a, rows(tmp_path / "c3"))


def test_submission_is_bounded():
    seen, live, peak = [], [0], [0]

    class Probe(evaluators.Evaluator):
        workers = 2

        def _submit(self, fn, task):
            live[0] += 1
            peak[0] = max(peak[0], live[0])
            return task

        def _wait(self, futures):
            live[0] -= 1
            return [futures[0]]

        def _result(self, fut):
            return fut

    Probe().run(lambda t: t, iter(range(100)), lambda t, r: seen.append(r), lambda t, e: None)
    assert sorted(seen) == list(range(100)) and peak[0] == 4


# --------------------------------------------------------------------------- the store


def test_a_failing_chunk_is_retried_then_reported_while_the_rest_finish(tmp_path, monkeypatch):
    spec = spec_with()
    real = runner.evaluate_chunk
    calls: dict[int, int] = {}

    def flaky(task):
        calls[task.index] = calls.get(task.index, 0) + 1
        if task.index == 1 and calls[1] <= 1:
            raise RuntimeError("transient")
        if task.index == 2:
            raise RuntimeError("always broken")
        return real(task)

    monkeypatch.setattr(runner, "evaluate_chunk", flaky)
    with pytest.raises(runner.SweepError, match=r"1 of 4 chunks failed.*chunk 2: RuntimeError: always broken"):
        runner.run_sweep(spec, tmp_path / "s", evaluator=evaluators.SequentialEvaluator(retries=2))
    assert calls[1] == 2 and calls[2] == 3  # retried once and succeeded; retried twice and reported
    assert not (tmp_path / "s" / "manifest.json").exists()  # not published with a hole
    monkeypatch.setattr(runner, "evaluate_chunk", real)
    calls.clear()
    out = runner.run_sweep(spec, tmp_path / "s")
    assert (out.resumed, out.computed) == (3, 1)  # only the failed chunk is computed again
    runner.run_sweep(spec, tmp_path / "fresh")
    pd.testing.assert_frame_equal(rows(tmp_path / "s"), rows(tmp_path / "fresh"))


@pytest.mark.slow
def test_a_killed_sweep_resumes_without_losing_or_repeating_a_chunk(tmp_path):
    spec_file = tmp_path / "sweep.yaml"
    data = yaml.safe_load(SPEC)
    data.update(points=24, chunk_points=1, years=60, replications=4)
    spec_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "neorealism", "sweep", str(spec_file), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    journal = None
    deadline = time.time() + 120
    while time.time() < deadline:
        js = list((out / ".partial").glob("*/journal.json")) if (out / ".partial").is_dir() else []
        if js:
            try:
                n = len(json.loads(js[0].read_text())["chunks"])
            except (ValueError, OSError):
                n = 0
            if n >= 3:
                journal = js[0]
                break
        time.sleep(0.05)
    assert journal is not None, "the sweep never got going"
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-run
    proc.wait()
    assert not (out / "manifest.json").exists()
    done_before = len(json.loads(journal.read_text())["chunks"])
    assert 3 <= done_before < 24
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "resuming" in again.stderr
    got = rows(out)
    assert len(got) == 24 * 4 and got["world"].is_unique
    spec = parse_sweep(spec_file.read_text())
    runner.run_sweep(spec, tmp_path / "clean")
    pd.testing.assert_frame_equal(got, rows(tmp_path / "clean"))


def test_a_different_spec_is_refused(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text(SPEC, encoding="utf-8")
    r = CliRunner()
    ok = r.invoke(app, ["sweep", str(f), "--out", str(tmp_path / "s"), "--sequential"])
    assert ok.exit_code == 0, ok.output
    f.write_text(SPEC.replace("seed: 5", "seed: 6"), encoding="utf-8")
    bad = r.invoke(app, ["sweep", str(f), "--out", str(tmp_path / "s"), "--sequential"])
    assert bad.exit_code == 2 and "different the spec" in bad.stderr and "--overwrite" in bad.stderr
    again = r.invoke(app, ["sweep", str(f), "--out", str(tmp_path / "s"), "--sequential", "--overwrite"])
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "s" / "manifest.json").read_text())["seed"] == 6


# --------------------------------------------------------------------------- query and the example


def test_query_reads_runs_and_sweeps(tmp_path):
    r = CliRunner()
    res = r.invoke(app, ["sweep", str(REPO / "examples" / "sweep.yaml"), "--out", str(tmp_path / "s"), "--sequential"])
    assert res.exit_code == 0, res.output
    q = r.invoke(app, ["query", str(tmp_path / "s"), "SELECT count(*) AS n, count(DISTINCT point) AS p FROM worlds",
                       "--format", "csv"])
    assert q.exit_code == 0 and q.output.splitlines()[1] == "128,16"
    api.run_to_dir("bipolar", tmp_path / "run", worlds=3, years=5)
    q = r.invoke(app, ["query", str(tmp_path / "run"), "SELECT count(*) AS n FROM system", "--format", "json"])
    assert q.exit_code == 0 and json.loads(q.output) == [{"n": 3 * 6}]
    rel = api.query(tmp_path / "s", "SELECT point, avg(wars) AS w FROM worlds GROUP BY point", relation=True)
    assert len(rel.df()) == 16
    bad = r.invoke(app, ["query", str(tmp_path / "s"), "SELECT nope FROM worlds"])
    assert bad.exit_code == 2 and "SQL error" in bad.stderr and "Traceback" not in bad.output
    missing = r.invoke(app, ["query", str(tmp_path / "nothing"), "SELECT 1"])
    assert missing.exit_code == 2


def test_bad_back_end_options_are_one_line(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text(SPEC, encoding="utf-8")
    r = CliRunner()
    both = r.invoke(app, ["sweep", str(f), "--out", str(tmp_path / "s"), "--sequential", "--dask-local", "2"])
    assert both.exit_code == 2 and "one back end" in both.stderr
    w = r.invoke(app, ["sweep", str(f), "--out", str(tmp_path / "s"), "--workers", "0"])
    assert w.exit_code == 2 and "--workers" in w.stderr
