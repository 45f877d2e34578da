"""The compiled war decision (mechanisms/conflict_kernels.py) against its NumPy reference.

The kernel walks the K deciders and N targets once; the reference builds the (K, N) terms of the
crisis (conflict.crisis_terms, conflict._bargain, bargaining.optimal_offer).  Both must choose the
same target and give the same numbers for it, bit for bit, on the states of real runs under
random parameters, and in whole runs.  The kernel serves the contest exponent 2 (the default);
other exponents take the NumPy path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neorealism.engine import run_batch, to_tables
from neorealism.kernels import compiled, reference, use_kernels
from neorealism.mechanisms import conflict
from neorealism.scenario import load_scenario
from neorealism.synthetic import synthetic_scenario

SCENARIOS = {
    "bipolar": lambda: load_scenario("bipolar"),
    "multipolar": lambda: load_scenario("multipolar"),
    "synthetic20": lambda: synthetic_scenario(20, seed=1),
}


def _run(sc, worlds=50, years=60, seed=3, **kw):
    return to_tables(run_batch(sc, np.arange(worlds), years, seed=seed, **kw), sc)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_whole_run_is_the_reference(name):
    sc = SCENARIOS[name]()
    with compiled():
        assert use_kernels()
        fast = _run(sc)
    with reference():
        assert not use_kernels()
        ref = _run(sc)
    # the runs exercise the decision: crises are pressed, settled and fought
    ev = ref.events["event"].astype(str)
    assert (ev == "crisis").sum() > 10
    assert (ev == "war_start").sum() > 0
    for table in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(ref, table), check_exact=True)


class _Both:
    """Stands in for a kernel view inside decide: runs it and its reference, records how they compare."""

    def __init__(self, kernel, ref, names, pressed=lambda a: a[2] > 0):
        self.kernel, self.ref, self.names, self.is_pressed = kernel, ref, names, pressed
        self.calls = 0
        self.pressed = 0
        self.mismatch: list[str] = []
        self.max_rel = 0.0

    def __call__(self, *args):
        a = self.ref(*args)
        b = self.kernel(*args)
        self.calls += 1
        self.pressed += int(np.sum(self.is_pressed(a)))
        if self.names[0] == "target" and not np.array_equal(a[0], b[0]):
            self.mismatch.append(f"targets differ at {np.flatnonzero(a[0] != b[0])[:5]}")
        for name, x, y in zip(self.names, a, b, strict=True):
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            if not same.all():
                fin = np.isfinite(x) & np.isfinite(y)
                if (~same & ~fin).any():
                    self.mismatch.append(f"{name}: non-finite values differ")
                with np.errstate(all="ignore"):
                    rel = np.abs(x - y)[fin & ~same] / np.maximum(np.abs(x), np.abs(y))[fin & ~same]
                self.max_rel = max(self.max_rel, float(rel.max(initial=0.0)))
        return b


CHALLENGER = ("target", "pays", "reservation", "value", "cost", "premium", "fear")
TARGET = ("offer", "war_prob", "offer_without_premium")


def _both_views(monkeypatch, sc, worlds, years, seed, per_world=None):
    spies = (_Both(conflict._challenger_view_kernel, conflict._challenger_view, CHALLENGER),
             _Both(conflict._target_view_kernel, conflict._target_view, TARGET, pressed=lambda a: a[0] > 0))
    monkeypatch.setattr(conflict, "_challenger_view_kernel", spies[0])
    monkeypatch.setattr(conflict, "_target_view_kernel", spies[1])
    with compiled():
        run_batch(sc, np.arange(worlds), years, seed=seed, record_states=False, per_world=per_world)
    return spies


def test_views_agree_exactly_with_default_parameters(monkeypatch):
    ch, tg = _both_views(monkeypatch, synthetic_scenario(12, seed=4), 40, 40, 5)
    assert ch.calls == 40 and ch.pressed > 50
    assert 0 < tg.calls <= 40 and tg.pressed > 20  # offers made (> 0), in the years with a crisis pressed
    assert ch.mismatch == tg.mismatch == [] and ch.max_rel == tg.max_rel == 0.0


_params = st.fixed_dictionaries({
    "war.offense_defense": st.floats(0.3, 3.0),
    "war.cost": st.floats(0.0, 0.6),
    "war.economic_cost": st.floats(0.0, 0.2),
    "war.transfer": st.floats(0.0, 1.0),
    "war.decisive_prob": st.floats(0.1, 1.0),
    "war.threshold": st.floats(-0.2, 0.2),
    "war.offensive_threshold": st.floats(-0.2, 0.2),
    "war.survival_floor": st.floats(0.0, 0.9),
    "war.cost_uncertainty": st.floats(0.0, 1.0),
    "war.max_concession": st.floats(0.0, 1.0),
    "war.shift_horizon": st.sampled_from([0.0, 3.0, 10.0, 60.0]),
    "authority.enforcement": st.sampled_from([0.0, 0.0, 0.3]),
})


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_params, min_size=4, max_size=4), st.integers(0, 2**16), st.sampled_from(["bipolar", "multipolar"]))
def test_views_agree_under_random_per_world_parameters(pw_rows, seed, name):
    mp = pytest.MonkeyPatch()
    try:
        per_world = {k: np.array([row[k] for row in pw_rows]) for k in pw_rows[0]}
        spies = _both_views(mp, SCENARIOS[name](), 4, 25, seed, per_world)
    finally:
        mp.undo()
    assert spies[0].calls > 0  # the target's view runs only in the years a crisis is pressed
    for spy in spies:
        assert spy.mismatch == [] and spy.max_rel == 0.0


def test_other_contest_exponents_take_the_reference_path():
    # m ≠ 2 (here per world) is NumPy's: the whole run is the reference's, bit for bit
    sc = load_scenario("multipolar")
    per_world = {"war.decisiveness": np.array([1.0, 2.0, 3.5, 2.0]), "war.shift_horizon": np.full(4, 20.0)}
    with compiled():
        fast = _run(sc, worlds=4, years=40, seed=9, per_world=per_world)
    with reference():
        ref = _run(sc, worlds=4, years=40, seed=9, per_world=per_world)
    assert (ref.events["event"].astype(str) == "crisis").sum() > 0
    for table in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(ref, table), check_exact=True)


def test_the_spies_can_fail(monkeypatch):
    # a kernel that picks another target, or shades the offer by a rounding error, is caught
    def wrong_target(*a):
        j, *rest = conflict._challenger_view(*a)
        return ((j + 1) % 3, *rest)

    def wrong_offer(*a):
        offer, *rest = conflict._target_view(*a)
        return (offer * (1.0 + 1e-15), *rest)

    ch = _Both(wrong_target, conflict._challenger_view, CHALLENGER)
    tg = _Both(wrong_offer, conflict._target_view, TARGET, pressed=lambda a: a[0] > 0)
    monkeypatch.setattr(conflict, "_challenger_view_kernel", ch)
    monkeypatch.setattr(conflict, "_target_view_kernel", tg)
    with compiled():
        run_batch(synthetic_scenario(8, seed=2), np.arange(8), 10, seed=1, record_states=False)
    assert ch.mismatch
    assert tg.pressed > 0 and tg.max_rel > 0.0


def test_conquest_flow_squaring_stops_at_its_fixed_point(monkeypatch):
    # the flow matrix of the year's conquests (shared spoils, conquerors conquered in turn) is squared
    # until it squares to itself: the same numbers, bit for bit, as all ceil(log2 N) + 1 squarings
    gen = np.random.default_rng(0)
    R, N, K = 4, 7, 8
    cases = []
    for case in range(60):
        rw = np.sort(gen.integers(0, R, K))
        conq = gen.random((K, N)) < 0.3
        # every other case without chains: no conqueror is conquered itself (the matrix is fixed at once)
        fallen = np.zeros((R, N), dtype=bool)
        np.logical_or.at(fallen, rw, conq)
        barred = fallen[rw] if case % 2 else conq
        wshare = gen.random((K, N)) * (gen.random((K, N)) < 0.6) * ~barred
        pick = np.argmax(gen.random((K, N)) * ~barred, axis=1)  # a winner in every war (where one can be)
        wshare[np.arange(K), pick] += 0.5 * ~barred[np.arange(K), pick]
        total = wshare.sum(axis=1, keepdims=True)
        wshare = np.where(total > 0, wshare / np.where(total > 0, total, 1.0), 0.0)
        args = (conq, rw, gen.random(K), np.arange(K), wshare, tuple(gen.random((R, N)) for _ in range(3)), R, N)
        cases.append((args, conflict._conquest(*args)))
    monkeypatch.setattr(np, "array_equal", lambda *a, **k: False)  # never a fixed point: every squaring
    for args, got in cases:
        for x, y in zip(got, conflict._conquest(*args), strict=True):
            assert x.dtype == y.dtype and x.shape == y.shape and (x.view(np.uint8) == y.view(np.uint8)).all()


def test_the_environment_switch_is_read_as_a_run_starts(monkeypatch):
    """``NEOREALISM_KERNELS=0`` selects the reference for the runs that start after it is set (it is read
    once a run, not at every step), and the run's tables are the compiled run's."""
    sc = SCENARIOS["multipolar"]()
    fast = _run(sc, worlds=8, years=30)
    assert use_kernels()
    monkeypatch.setenv("NEOREALISM_KERNELS", "0")
    ref = _run(sc, worlds=8, years=30)
    assert not use_kernels()
    monkeypatch.delenv("NEOREALISM_KERNELS")
    _run(sc, worlds=1, years=1)
    assert use_kernels()
    pd.testing.assert_frame_equal(fast.events, ref.events)
    pd.testing.assert_frame_equal(fast.states, ref.states)
