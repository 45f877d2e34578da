"""The dashboard's job manager: bounded, cancellable, private jobs (neorealism.dashboard.jobs)."""

from __future__ import annotations

import threading
import time

import pytest

from neorealism.dashboard.jobs import Busy, Cancelled, JobManager, UnknownJob
from neorealism.errors import ParameterError

WAIT = 20.0


def _wait(job, statuses=("done", "failed", "cancelled")):
    t0 = time.monotonic()
    while job.status not in statuses:
        if time.monotonic() - t0 > WAIT:
            pytest.fail(f"job {job.id} still {job.status} after {WAIT} s")
        time.sleep(0.01)
    return job


@pytest.fixture
def jobs():
    m = JobManager(workers=2, max_active=2, max_kept=3)
    yield m
    m.shutdown()


def test_result_and_progress(jobs):
    def work(job):
        for _ in range(4):
            job.advance(5)
        return "answer"

    job = _wait(jobs.submit("run", 20, work, {"scenario": "x"}))
    assert job.status == "done" and job.result == "answer"
    d = job.status_dict()
    assert d["progress"] == 1.0 and d["scenario"] == "x" and d["error"] is None


def test_cancel_stops_at_the_next_progress_call(jobs):
    started, steps = threading.Event(), []

    def work(job):
        started.set()
        for _ in range(10_000):
            time.sleep(0.005)
            steps.append(1)
            job.advance(1)
        return "finished"

    job = jobs.submit("run", 10_000, work, {})
    assert started.wait(WAIT)
    jobs.cancel(job.id)
    _wait(job)
    assert job.status == "cancelled" and job.result is None
    assert len(steps) < 10_000


def test_a_user_error_fails_the_job_with_its_line_and_the_manager_goes_on(jobs):
    def bad(job):
        raise ParameterError("war.cost = 5: allowed 0 ≤ war.cost ≤ 1\nsecond line", field="war.cost")

    def boom(job):
        raise ZeroDivisionError("division by zero")

    j1, j2 = _wait(jobs.submit("run", 1, bad, {})), _wait(jobs.submit("run", 1, boom, {}))
    assert j1.status == "failed" and j1.error == "war.cost = 5: allowed 0 ≤ war.cost ≤ 1"
    assert j2.status == "failed" and "ZeroDivisionError" in j2.error and "\n" not in j2.error
    assert _wait(jobs.submit("run", 1, lambda j: 1, {})).status == "done"


def test_at_most_max_active_and_cancelling_frees_a_place(jobs):
    gate = threading.Event()

    def blocked(job):
        while not gate.is_set():
            time.sleep(0.005)
            job.advance(0)
        return 1

    a = jobs.submit("run", 1, blocked, {})
    b = jobs.submit("run", 1, blocked, {})
    with pytest.raises(Busy, match="at most 2"):
        jobs.submit("run", 1, blocked, {})
    jobs.cancel(a.id)
    _wait(a)
    c = jobs.submit("run", 1, lambda j: 2, {})
    gate.set()
    assert _wait(b).status == "done" and _wait(c).result == 2


def test_ids_are_random_tokens_kinds_separate_and_old_jobs_dropped(jobs):
    made = [_wait(jobs.submit("run", 1, lambda j: 0, {})) for _ in range(5)]
    ids = [j.id for j in made]
    assert len(set(ids)) == 5 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    for old in ids[:2]:  # only the last max_kept = 3 finished jobs are kept
        with pytest.raises(UnknownJob):
            jobs.get(old)
    assert jobs.get(ids[-1]).result == 0
    with pytest.raises(UnknownJob):
        jobs.get(ids[-1], "experiment")
    with pytest.raises(UnknownJob):
        jobs.get("0" * 32)


def test_cancelled_is_raised_only_after_cancel():
    from neorealism.dashboard.jobs import Job

    job = Job(id="x", kind="run", total=10, meta={})
    job.advance(3)
    assert job.done == 3 and job.progress == pytest.approx(0.3)
    job.cancel_event.set()
    with pytest.raises(Cancelled):
        job.advance(1)


def test_finished_jobs_kept_within_their_memory_weight():
    m = JobManager(workers=1, max_active=2, max_kept=10, max_kept_weight=100)
    try:
        made = [_wait(m.submit("run", 1, lambda j: 0, {}, weight=40)) for _ in range(4)]
        kept = []
        for j in made:
            try:
                kept.append(m.get(j.id).id)
            except UnknownJob:
                pass
        assert kept == [j.id for j in made[-2:]]  # 2 × 40 ≤ 100 < 3 × 40
        big = _wait(m.submit("run", 1, lambda j: 0, {}, weight=500))  # heavier than the budget: still kept
        assert m.get(big.id) is big
        with pytest.raises(UnknownJob):
            m.get(made[-1].id)
    finally:
        m.shutdown()
