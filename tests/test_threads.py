"""A batch shared among threads or processes gives the batch's results: the same tables, the same errors.

:func:`neorealism.engine.run_batch` splits its worlds into contiguous blocks,
one per thread — or, with the process back end, one per forked process that
records into shared memory.  A world's history is its own (its random stream,
its parameters), so neither the number of blocks nor the back end may change
anything a run publishes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neorealism import api, engine, rng
from neorealism.errors import ParameterError
from neorealism.kernels import backend, threads
from neorealism.mechanisms.base import Mechanism, StateField, Step
from neorealism.mechanisms.registry import default_mechanisms, using


def _tables(traj, sc):
    return engine.to_tables(traj, sc)


@pytest.fixture(params=["threads", "processes"])
def back_end(request, monkeypatch):
    """Each back end, for batches of any size (the process back end forks even for small ones)."""
    monkeypatch.setenv("NEOREALISM_BACKEND", request.param)
    monkeypatch.setattr(engine, "MIN_STATE_YEARS_TO_FORK", 0)
    monkeypatch.setattr(engine, "MIN_WORLDS_PER_THREAD", 32)  # small blocks: the tests' batches stay small
    monkeypatch.setattr(engine, "MIN_WORLDS_PER_PROCESS", 32)
    if request.param == "processes" and backend() != "processes":
        pytest.skip("no fork on this system")
    return request.param


@pytest.mark.parametrize("name", ["multipolar", "bipolar"])
def test_tables_and_final_state_do_not_depend_on_the_threads(name, back_end):
    sc = api.load(name)
    ids = np.arange(5, 5 + 3 * engine.MIN_WORLDS_PER_THREAD + 7)  # not a multiple of the block size
    costs = np.linspace(0.05, 0.4, len(ids))
    runs = {n: engine.run_batch(sc, ids, 40, seed=11, threads=n, per_world={"war.cost": costs}) for n in (1, 2, 3)}
    one = _tables(runs[1], sc)
    assert one.events["event"].eq("war_start").sum() > 0  # the runs have wars to get wrong
    for n in (2, 3):
        other = _tables(runs[n], sc)
        for table in ("states", "system", "events"):
            pd.testing.assert_frame_equal(getattr(one, table), getattr(other, table), obj=f"{table}, {n} threads")
        for k, v in runs[1].final.fields.items():
            assert np.array_equal(v, runs[n].final.fields[k], equal_nan=True), (k, n)


def test_a_small_batch_runs_in_one_block():
    """Below two blocks' worth of worlds a batch is not split (and gives the same numbers)."""
    sc = api.load("unipolar")
    a = engine.run_batch(sc, np.arange(engine.MIN_WORLDS_PER_THREAD), 15, seed=2, threads=8)
    b = engine.run_batch(sc, np.arange(engine.MIN_WORLDS_PER_THREAD), 15, seed=2, threads=1)
    pd.testing.assert_frame_equal(_tables(a, sc).states, _tables(b, sc).states)


def test_progress_counts_every_world_year_once(back_end):
    sc = api.load("bipolar")
    seen: list[int] = []
    engine.run_batch(sc, np.arange(100), 12, seed=0, threads=3, progress=seen.append)
    assert sum(seen) == 100 * 12


def _poison(world_years: dict[int, int], seed: int) -> Mechanism:
    """A toy mechanism whose field turns NaN in the given worlds from the given years on."""
    keys = {int(rng.world_keys(seed, [w])[0]): year for w, year in world_years.items()}

    def spoil(k, state, params):
        bad = np.array([state.t + 1 >= keys.get(int(x), 10**9) for x in k])
        return state.replace(toy=np.where(bad[:, None], np.nan, state.toy)), ()

    return Mechanism(name="toy", params=None, doc="", module=__name__,
                     fields=(StateField("toy", np.float64, "state", lambda ctx: 0.0, "toy", record=True),),
                     steps=(Step("grow", spoil),))


@pytest.mark.parametrize("world_years", [{90: 3, 10: 5}, {10: 4, 90: 4}, {70: 2}])
def test_an_overflow_is_reported_as_one_batch_reports_it(world_years, back_end):
    """The earliest year (then the lowest world) whichever block it falls in; not a stopped block."""
    with using([*default_mechanisms(), _poison(world_years, seed=0)]):
        sc = api.load("bipolar")
        msgs = []
        for n in (1, 3):
            with pytest.raises(ParameterError) as info:
                engine.run_batch(sc, np.arange(100), 8, seed=0, threads=n)
            msgs.append(str(info.value))
    first = min(world_years.items(), key=lambda wy: (wy[1], wy[0]))
    assert msgs[0] == msgs[1]
    assert f"toy of state {sc.states[0].name!r} became NaN in world {first[0]}," in msgs[0], msgs[0]


def test_threads_are_checked(monkeypatch):
    sc = api.load("bipolar")
    with pytest.raises(ParameterError, match=r"threads = 0: allowed threads ≥ 1"):
        engine.run_batch(sc, np.arange(4), 2, seed=0, threads=0)
    monkeypatch.setenv("NEOREALISM_THREADS", "two")
    with pytest.raises(ParameterError, match=r"NEOREALISM_THREADS = 'two': allowed a whole number ≥ 1"):
        threads()
    monkeypatch.setenv("NEOREALISM_THREADS", "3")
    assert threads() == 3
    monkeypatch.setenv("NEOREALISM_BACKEND", "gpu")
    with pytest.raises(ParameterError, match=r"NEOREALISM_BACKEND = 'gpu': allowed processes, threads"):
        backend()


def test_the_process_back_end_forks_only_for_large_batches(monkeypatch):
    """Small batches (tests, sweeps' chunks) stay in threads: a fork costs more than it gains there."""
    monkeypatch.setenv("NEOREALISM_BACKEND", "processes")
    forked = []
    monkeypatch.setattr(engine, "_run_forked", lambda *a, **k: forked.append(1) or pytest.fail("forked"))
    sc = api.load("bipolar")
    engine.run_batch(sc, np.arange(100), 10, seed=0, threads=2)
    assert not forked


def test_no_child_outlives_a_batch(back_end):
    """After a forked batch (and after one that failed) no child process is left."""
    import os

    sc = api.load("bipolar")
    engine.run_batch(sc, np.arange(100), 5, seed=0, threads=3)
    with using([*default_mechanisms(), _poison({70: 2}, seed=0)]):
        sc = api.load("bipolar")
        with pytest.raises(ParameterError):
            engine.run_batch(sc, np.arange(100), 5, seed=0, threads=3)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_an_earlier_overflow_in_a_slower_block_is_the_one_reported(monkeypatch):
    """A block that fails late must not stop a slower block before the earlier year in which that one
    fails (the reported world once depended on which thread ran ahead)."""
    import time

    monkeypatch.setenv("NEOREALISM_BACKEND", "threads")
    monkeypatch.setattr(engine, "MIN_WORLDS_PER_THREAD", 32)
    slow_key = int(rng.world_keys(0, [90])[0])
    poison = _poison({10: 5, 90: 3}, seed=0)

    def slow(k, state, params):
        if slow_key in {int(x) for x in k} and state.t < 3:
            time.sleep(0.4)  # the block holding world 90 lags far behind the one holding world 10
        return state, ()

    lag = Mechanism(name="lag", params=None, doc="", module=__name__, steps=(Step("grow", slow),))
    with using([*default_mechanisms(), poison, lag]):
        sc = api.load("bipolar")
        with pytest.raises(ParameterError, match=r"became NaN in world 90, year 3 \(3 of 8"):
            engine.run_batch(sc, np.arange(100), 8, seed=0, threads=3)
