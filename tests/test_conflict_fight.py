"""The compiled year of fighting (conflict_kernels.fight) against its NumPy reference (conflict._fight).

The kernel walks the wars once; the reference builds the (K, N) terms of every war.  Both must give
the same numbers, bit for bit: on the states of real runs (coalitions, several wars per state,
decisions, transfers and conquests), under random per-world parameters, and in whole runs.  The
kernel serves the contest exponent 2 (the default); other exponents take the NumPy path.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import pytest

from neorealism.engine import run_batch, to_tables
from neorealism.kernels import compiled, reference
from neorealism.mechanisms import conflict
from neorealism.scenario import load_scenario
from neorealism.synthetic import synthetic_scenario

NAMES = ("M1", "E2", "P2", "S2", "war_size", "active", "decided", "att_won", "memA", "memB", "wshare", "conq", "wpow")


class _Both:
    """Stands in for the kernel inside resolve: runs it and the reference, records where they differ."""

    def __init__(self, kernel=None):
        self.kernel = kernel or conflict._fight_kernel
        self.calls = self.wars = self.decided = self.conquered = 0
        self.mismatch: list[str] = []

    def __call__(self, state, params, rw, w, u_dec, u_out):
        a = conflict._fight(state, params, rw, w, u_dec, u_out)
        b = self.kernel(state, params, rw, w, u_dec, u_out)
        self.calls += 1
        self.wars += len(rw)
        self.decided += int(a[6].sum())
        if a[11] is not None:
            self.conquered += int(a[11].sum())
            for name, x, y in zip(NAMES, a, b, strict=True):
                if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
                    self.mismatch.append(name)
        else:  # no war decided: nobody is conquered (the kernel says so with an empty mask)
            for name, x, y in zip(NAMES[:11], a[:11], b[:11], strict=True):
                if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
                    self.mismatch.append(name)
            if b[11].any() or b[12].any():
                self.mismatch.append("conquest without a decided war")
        return b


def _both(monkeypatch, sc, worlds, years, seed, per_world=None, kernel=None):
    spy = _Both(kernel)
    monkeypatch.setattr(conflict, "_fight_kernel", spy)
    with compiled():
        run_batch(sc, np.arange(worlds), years, seed=seed, record_states=False, per_world=per_world, threads=1)
    return spy


def test_fight_agrees_exactly_on_real_states(monkeypatch):
    spy = _both(monkeypatch, synthetic_scenario(20, seed=1), 60, 60, 0)
    assert spy.calls > 40 and spy.wars > 500 and spy.decided > 100 and spy.conquered > 10
    assert spy.mismatch == []


def test_fight_agrees_exactly_under_random_per_world_parameters(monkeypatch):
    gen = np.random.default_rng(7)
    W = 8
    per_world = {
        "war.offense_defense": gen.uniform(0.3, 3.0, W),
        "war.cost": gen.uniform(0.0, 0.6, W),
        "war.economic_cost": gen.uniform(0.0, 0.2, W),
        "war.transfer": np.r_[gen.uniform(0.0, 1.0, W - 2), 0.0, 1.0],
        "war.decisive_prob": gen.uniform(0.1, 1.0, W),
        "war.survival_floor": gen.uniform(0.0, 0.9, W),
    }
    for name, seed in (("multipolar", 3), ("bipolar", 4)):
        spy = _both(monkeypatch, load_scenario(name), W, 50, seed, per_world)
        assert spy.calls > 0 and spy.decided > 0
        assert spy.mismatch == []


def test_the_spy_can_fail(monkeypatch):
    # a kernel whose losses are off by a rounding error, or that conquers no one, is caught
    real = conflict._fight_kernel

    def shaded(*a):
        out = list(real(*a))
        out[4] = out[4] * (1.0 + 1e-15)
        out[11] = np.zeros_like(out[11])
        return tuple(out)

    spy = _both(monkeypatch, synthetic_scenario(20, seed=1), 30, 40, 0, kernel=shaded)
    assert "war_size" in spy.mismatch and "conq" in spy.mismatch


@pytest.mark.parametrize("name", ["synthetic20", "multipolar"])
def test_whole_run_is_the_reference(name):
    sc = synthetic_scenario(20, seed=1) if name == "synthetic20" else load_scenario(name)
    with compiled():
        fast = to_tables(run_batch(sc, np.arange(40), 60, seed=5), sc)
    with reference():
        ref = to_tables(run_batch(sc, np.arange(40), 60, seed=5), sc)
    ev = ref.events["event"].astype(str)
    assert (ev == "war_end").sum() > 20 and (ev == "death").sum() > 0
    for table in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(ref, table), check_exact=True)


def test_other_contest_exponents_take_the_reference_path(monkeypatch):
    sc = load_scenario("multipolar")
    called = []
    real = conflict._fight
    monkeypatch.setattr(conflict, "_fight", lambda *a: called.append(1) or real(*a))
    with compiled():
        run_batch(sc, np.arange(4), 30, seed=9, per_world={"war.decisiveness": np.array([1.0, 2.0, 3.5, 2.0])})
    assert called  # m ≠ 2 (here per world) is NumPy's


def test_pairwise_sum_is_numpys():
    from neorealism.mechanisms.conflict_kernels import MAX_N, _psum

    psum = numba.njit(lambda a, n: _psum(a, n))
    gen = np.random.default_rng(1)
    for n in [*range(0, 40), 63, 64, 65, 127, MAX_N]:
        for _ in range(20):
            a = gen.standard_normal(n) * 10.0 ** gen.integers(-8, 8, n)
            row = np.ascontiguousarray(np.tile(a, (3, 1)))
            assert psum(a, n) == row.sum(axis=1)[1] == a.sum()


def test_settlements_agree_exactly(monkeypatch):
    # conflict_kernels.settle against conflict._settle: several settlements per target, the cap binding
    seen = {"calls": 0, "crises": 0, "capped": 0, "mismatch": []}
    real = conflict._settle_kernel

    def spy(state, r, i, j, offer, cap):
        a = conflict._settle(state, r, i, j, offer, cap)
        b = real(state, r, i, j, offer, cap)
        seen["calls"] += 1
        seen["crises"] += len(r)
        R, N = state.shape
        E = state.economy
        share = offer / np.where(E[r, j] > 0, E[r, j], 1.0)
        out = np.bincount(r * N + j, weights=share, minlength=R * N).reshape(R, N)
        seen["capped"] += int((out > np.broadcast_to(np.asarray(cap, dtype=np.float64), (R, 1))).sum())
        for name in ("economy", "population", "resources"):
            if a[name].dtype != b[name].dtype or a[name].tobytes() != b[name].tobytes():
                seen["mismatch"].append(name)
        return b

    monkeypatch.setattr(conflict, "_settle_kernel", spy)
    per_world = {"war.max_concession": np.tile([1.0, 0.05, 0.02, 0.3, 1.0, 0.01], 2),
                 "war.cost_uncertainty": np.tile([0.6, 0.0, 0.9, 0.3, 0.0, 0.6], 2)}
    with compiled():
        run_batch(synthetic_scenario(20, seed=1), np.arange(12), 80, seed=2, record_states=False,
                  per_world=per_world, threads=1)
    assert seen["calls"] > 20 and seen["crises"] > 40
    assert seen["mismatch"] == []
    # and on made-up settlements: many on one target, a cap that binds (per world or one for all)
    state = run_batch(synthetic_scenario(20, seed=1), np.arange(12), 5, seed=2, record_states=False).final
    gen = np.random.default_rng(3)
    for case in range(40):
        K = int(gen.integers(1, 60))
        r = np.sort(gen.integers(0, 12, K))
        j = gen.integers(0, 3 if case % 2 else 20, K)
        i = (j + gen.integers(1, 20, K)) % 20
        offer = gen.random(K) * state.economy[r, j] * (0.5 if case % 3 else 3.0)
        cap = gen.random((12, 1)) if case % 4 else 0.4
        spy(state, r, i, j, offer, cap)
    assert seen["capped"] > 20
    assert seen["mismatch"] == []


def test_crises_end_as_the_reference_says_with_and_without_noise():
    # conflict_kernels.crisis_ends (decide's body after the views): noisy and noiseless decisions,
    # an authority that stops wars (ρ > 0), caps on concessions, and the trend of power
    # (conflict_kernels.power_trend) under per-world memories; the whole run is the reference's
    sc = synthetic_scenario(12, seed=3)
    per_world = {"war.temperature": np.array([0.0, 0.001, 0.05, 0.0, 0.2, 0.001]),
                 "authority.enforcement": np.array([0.0, 0.3, 0.0, 0.5, 0.0, 0.0]),
                 "war.max_concession": np.array([1.0, 1.0, 0.1, 1.0, 0.5, 1.0]),
                 "war.trend_memory": np.array([0.2, 0.05, 1.0, 0.5, 0.2, 0.9])}
    with compiled():
        fast = to_tables(run_batch(sc, np.arange(6), 80, seed=8, per_world=per_world), sc)
    with reference():
        ref = to_tables(run_batch(sc, np.arange(6), 80, seed=8, per_world=per_world), sc)
    ev = ref.events
    crises = ev[ev["event"].astype(str) == "crisis"]
    assert len(crises) > 50 and (crises["outcome"].astype(str) == "settled").sum() > 5
    assert (crises["outcome"].astype(str) == "war").sum() > 5
    for table in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(ref, table), check_exact=True)


def _conquest_cases(gen, n_cases=80, R=4, N=7, K=8):
    """Made-up conquests: shared spoils or one conqueror each, chains of conquerors conquered in turn,
    ties in the winning side's power."""
    for case in range(n_cases):
        rw = np.sort(gen.integers(0, R, K))
        conq = gen.random((K, N)) < 0.3
        fallen = np.zeros((R, N), dtype=bool)
        np.logical_or.at(fallen, rw, conq)
        barred = fallen[rw] if case % 2 else conq
        if case % 4 < 2:  # one conqueror per war
            wshare = np.zeros((K, N))
            pick = np.argmax(gen.random((K, N)) * ~conq, axis=1)
            wshare[np.arange(K), pick] = 1.0
        else:
            wshare = gen.random((K, N)) * (gen.random((K, N)) < 0.6) * ~barred
            pick = np.argmax(gen.random((K, N)) * ~barred, axis=1)
            wshare[np.arange(K), pick] += 0.5 * ~barred[np.arange(K), pick]
            total = wshare.sum(axis=1, keepdims=True)
            wshare = np.where(total > 0, wshare / np.where(total > 0, total, 1.0), 0.0)
        wpow = gen.integers(0, 3, K) / 2.0 if case % 3 == 0 else gen.random(K)  # ties in case 0 mod 3
        war_id = gen.permutation(K).astype(np.int64)
        yield conq, rw, wpow, war_id, wshare, tuple(gen.random((R, N)) for _ in range(3)), R, N


def test_conquests_agree_exactly():
    paths = set()
    from neorealism.mechanisms.conflict_kernels import conquest

    for args in _conquest_cases(np.random.default_rng(5)):
        if not args[0].any():
            continue
        paths.add(bool(conquest(*args[:5], *args[5])[0]))
        a = conflict._conquest(*args)
        b = conflict._conquest_kernel(*args)
        for x, y in zip(a, b, strict=True):
            assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    assert paths == {True, False}  # both branches: pointers and the flow matrix


def test_trend_of_power_agrees_exactly_at_the_edges():
    # conflict_kernels.power_trend against conflict.trend's NumPy form: powers of 0, tiny, huge and
    # NaN, the dead, a first measurement (no power last year), per-world memories
    from neorealism.state import EngineParams

    sc = synthetic_scenario(20, seed=1)
    R = 12
    state = run_batch(sc, np.arange(R), 5, seed=2, record_states=False).final
    gen = np.random.default_rng(4)
    edge = np.array([0.0, 1e-310, 1e-300, 1e300, np.inf, np.nan, 0.3, 1.0])
    for memory in (0.2, np.tile([0.05, 0.2, 1.0, 0.5], 3)):
        params = EngineParams.from_scenario(sc, R, {"war.trend_memory": np.broadcast_to(memory, (R,)).copy()})
        for _ in range(10):
            P = np.where(gen.random((R, 20)) < 0.3, edge[gen.integers(0, 8, (R, 20))], gen.random((R, 20)))
            last = np.where(gen.random((R, 20)) < 0.3, edge[gen.integers(0, 8, (R, 20))], gen.random((R, 20)))
            s = state.replace(power=P, power_last=last, alive=gen.random((R, 20)) < 0.8,
                              power_trend=gen.standard_normal((R, 20)))
            with compiled():
                a, _ = conflict.trend(None, s, params)
            with reference(), np.errstate(over="ignore"):  # a ratio past the largest float: +inf
                b, _ = conflict.trend(None, s, params)
            for name in ("power_trend", "power_last"):
                x, y = getattr(a, name), getattr(b, name)
                assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name
