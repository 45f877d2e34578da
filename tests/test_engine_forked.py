"""A forked batch hands back exactly what one block gives: its events' columns, its final state.

The process back end (:func:`neorealism.engine._run_forked`) has each child lay out its
event columns and final state in a file (:func:`neorealism.engine._write_part`) that the
parent maps (:func:`neorealism.engine._map_part`); a child that cannot send its part is run
again in the parent.  None of this may change a value, a dtype or the blocks' layout.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pandas as pd
import pytest

from neorealism import api, engine
from neorealism.kernels import backend
from neorealism.mechanisms.base import emit
from neorealism.mechanisms.registry import current
from neorealism.state import WorldState


@pytest.fixture
def forking(monkeypatch):
    """The process back end, forking even for small batches."""
    monkeypatch.setenv("NEOREALISM_BACKEND", "processes")
    monkeypatch.setattr(engine, "MIN_STATE_YEARS_TO_FORK", 0)
    monkeypatch.setattr(engine, "MIN_WORLDS_PER_PROCESS", 32)
    if backend() != "processes":
        pytest.skip("no fork on this system")


def _same_arrays(a, b, what):
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), what


def test_a_forked_batch_gives_the_blocks_events_and_final_state(forking, monkeypatch):
    """The same arrays, block by block, as the same blocks in threads give."""
    sc = api.load("multipolar")
    ids = np.arange(3, 3 + 110)
    forked = engine.run_batch(sc, ids, 25, seed=4, threads=3)
    monkeypatch.setenv("NEOREALISM_BACKEND", "threads")
    monkeypatch.setattr(engine, "MIN_WORLDS_PER_THREAD", 32)
    one = engine.run_batch(sc, ids, 25, seed=4, threads=3)
    assert len(forked.events["world"]) == len(one.events["world"]) == 3  # one array per block, in world order
    assert forked.events.keys() == one.events.keys()
    for k, v in one.events.items():
        for a, b in zip(v, forked.events[k], strict=True):
            _same_arrays(a, b, k)
    assert list(forked.final.fields) == list(one.final.fields) and forked.final.t == one.final.t
    for k, v in one.final.fields.items():
        _same_arrays(v, forked.final.fields[k], k)
    for name in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(engine.to_tables(one, sc), name),
                                      getattr(engine.to_tables(forked, sc), name), obj=name)


def test_every_block_draws_from_its_own_streams(forking):
    """``stream_ids`` reach every block, the parent's own too (common random numbers)."""
    sc = api.load("bipolar")
    ids = np.arange(100)
    streams = (ids * 7) % 100
    one = engine.to_tables(engine.run_batch(sc, ids, 12, seed=1, threads=1, stream_ids=streams), sc)
    forked = engine.to_tables(engine.run_batch(sc, ids, 12, seed=1, threads=2, stream_ids=streams), sc)
    for name in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(forked, name), obj=name)


def test_the_collector_skips_the_objects_of_before_the_fork_only_during_the_batch(forking):
    """The objects that exist when the children are forked are frozen (left out of the garbage
    collector's passes, whose walks copied the pages the processes share) during the batch only;
    objects a caller froze itself stay frozen."""
    import gc

    sc = api.load("bipolar")
    seen = []

    def tick(n):
        seen.append(gc.get_freeze_count())

    assert gc.get_freeze_count() == 0
    engine.run_batch(sc, np.arange(80), 6, seed=2, threads=2, progress=tick)
    assert seen and min(seen) > 0  # frozen while the batch ran
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        mine = gc.get_freeze_count()
        engine.run_batch(sc, np.arange(80), 6, seed=2, threads=2)
        assert gc.get_freeze_count() > 0.99 * mine  # still frozen (less the few objects freed meanwhile)
    finally:
        gc.unfreeze()


def test_a_child_that_cannot_send_its_part_is_run_again_here(forking, monkeypatch):
    sc = api.load("bipolar")
    want = engine.to_tables(engine.run_batch(sc, np.arange(100), 10, seed=2, threads=1), sc)

    def fail(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine, "_write_part", fail)  # the children's copy of the module fails
    pids = []
    fork = os.fork

    def counted_fork():
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted_fork)
    got = engine.to_tables(engine.run_batch(sc, np.arange(100), 10, seed=2, threads=3), sc)
    for name in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(want, name), getattr(got, name), obj=name)
    assert len(pids) == 2
    for pid in pids:  # every child of the batch is reaped (the test process may have others of its own)
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_a_part_round_trips_through_its_file():
    reg = current()
    final = WorldState(7, {"alive": np.array([[True, False], [True, True]]), "military": np.array([[1.5, np.nan], [0.0, 2.0]]),
                           "pairs": np.arange(8, dtype=np.int32).reshape(2, 2, 2), "none": np.zeros((0, 2))})
    kinds = [e for e in reg.event_kinds() if e.fields]
    log = engine._EventLog(reg)
    log.add(np.array([10, 11, 12]), 1, [emit(kinds[0].name, np.array([0, 2]),
                                               **{kinds[0].fields[0].name: np.array([1, 0])})])
    log.add(np.array([10, 11, 12]), 2, [emit(kinds[1].name, np.array([1]))])
    for events_log in (log, engine._EventLog(reg)):  # with events and without
        with tempfile.TemporaryFile() as box:
            layout = engine._write_part(box.fileno(), events_log, final)
            events, back = engine._map_part(box.fileno(), layout)
        want = events_log.columns
        assert events.keys() == want.keys()
        for k, v in want.items():
            assert len(events[k]) == len(v)
            for a, b in zip(v, events[k], strict=True):
                _same_arrays(a, b, k)
        assert back.t == 7 and list(back.fields) == list(final.fields)
        for k, v in final.fields.items():
            _same_arrays(v, back.fields[k], k)
    assert len(log.columns["world"][0]) == 3
    back.fields["military"][0, 0] = 9.0  # the mapped arrays are the caller's to change
