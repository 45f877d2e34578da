"""The idiomatic Mesa 3 reference of benchmarks/mesa_reference.py (issue 19, part 5; Kazil, Masad & Crooks 2020).

It runs, is deterministic for a seed, keeps its invariants (no negative
capability, the dead stay dead), and its outcome distributions agree with the
batch engine's on the built-in multipolar scenario.

Agreement tolerance (stated here, looser than the benchmark's because the
samples are small): for each of war onsets per world, survival and final HHI,
|mean_mesa − mean_engine| ≤ max(2.58 · SE, 0.25 · |mean_engine|), SE the
standard error of the difference of the two means.  With 40 Mesa worlds and
400 engine worlds of 50 years this fails, for instance, if the Mesa model
starts half or twice the engine's wars, or if its states die at a clearly
different rate.
"""
from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

import pytest

pytest.importorskip("mesa", reason="mesa (the 'bench' extra) is not installed: the Mesa reference cannot run")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import mesa_reference as mr  # noqa: E402

from neorealism.scenario import load_scenario  # noqa: E402

Z = 2.58
REL = 0.25


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("multipolar")


def test_runs_and_is_deterministic(scenario):
    a = mr.run_worlds(scenario, worlds=2, years=30, seed=3)
    b = mr.run_worlds(scenario, worlds=2, years=30, seed=3)
    c = mr.run_worlds(scenario, worlds=2, years=30, seed=4)
    assert a == b
    assert a != c
    for out in a:
        assert out["wars"] >= 0 and 0.0 < out["survival"] <= 1.0 and 0.0 < out["hhi"] <= 1.0


def test_invariants(scenario):
    dead_seen: set[int] = set()
    for seed in (0, 1, 2):
        model = mr.WorldModel(scenario, seed=seed)
        assert len(model.agents) == len(scenario.states) == 14
        n_prev = len(model.agents)
        for _ in range(60):
            model.step()
            living = list(model.agents)
            assert len(living) <= n_prev  # no state comes back
            n_prev = len(living)
            for s in living:
                assert s.alive
                for c in mr.COMPONENTS:
                    v = getattr(s, c)
                    assert v >= 0.0 and math.isfinite(v), (c, v)
                assert 0.0 <= s.burden <= 0.9
                assert s not in s.allies and all(s in b.allies for b in s.allies)  # symmetric, no self
            for d in model.dead:
                assert not d.alive and d not in living and d.military == 0.0
                assert not d.allies
                assert all(d not in s.allies for s in living)
            dead_seen.update(id(d) for d in model.dead)
            shares = [s.power for s in living]
            assert abs(sum(shares) - 1.0) < 1e-9
        rows = model.datacollector.get_model_vars_dataframe()
        assert len(rows) == 60 and (rows["alive"].diff().dropna() <= 0).all()
    assert dead_seen, "no state died in 3 × 60 years: the conquest rule never acted"


def _agree(engine, mesa):
    me, mm = statistics.fmean(engine), statistics.fmean(mesa)
    se = math.hypot(statistics.stdev(engine) / math.sqrt(len(engine)), statistics.stdev(mesa) / math.sqrt(len(mesa)))
    return abs(mm - me) <= max(Z * se, REL * abs(me)), me, mm


def test_outcomes_agree_with_the_engine(scenario):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from mesa_benchmark import engine_outcomes

    from neorealism import api

    years = 50
    res = api.run(scenario, worlds=400, years=years, seed=11, states="ends")
    eng = engine_outcomes(res, 400)
    out = mr.run_worlds(scenario, worlds=40, years=years, seed=11)
    mes = {k: [o[k] for o in out] for k in ("wars", "survival", "hhi")}
    assert statistics.fmean(eng["wars"]) > 1.0  # the comparison is about something
    for key in ("wars", "survival", "hhi"):
        ok, me, mm = _agree(eng[key], mes[key])
        assert ok, f"{key}: engine {me:.3f}, mesa {mm:.3f} — outside max({Z}·SE, {REL:.0%})"
