"""Jobs of the dashboard: runs and experiments in worker threads, each known only by a random id.

A job is queued on a small thread pool, reports its progress (world-years
done of its total) through :meth:`Job.advance`, which the engine calls once
a year, and stops there when it is cancelled (:class:`Cancelled` is raised
out of the engine's progress callback, so a cancelled run ends at the end
of the year it is simulating).  The manager bounds the jobs queued or
running at once (a further one is refused: :class:`Busy`) and keeps the
last ``max_kept`` finished ones, dropping the oldest first.  Ids are
128-bit random tokens: a job can be read only by whoever started it, and
one user's jobs never mix with another's.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..errors import NeorealismError

STATUSES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = frozenset({"done", "failed", "cancelled"})


class Cancelled(Exception):
    """Raised inside a job's progress callback once the job has been cancelled."""


class Busy(NeorealismError):
    """Too many jobs queued or running."""


class UnknownJob(NeorealismError):
    """No job of that id (never made, or dropped)."""


@dataclass
class Job:
    id: str
    kind: str
    total: int
    meta: dict[str, Any]
    status: str = "queued"
    done: int = 0
    error: str | None = None
    result: Any = None
    weight: float = 0.0
    created: float = field(default_factory=time.time)
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def advance(self, n: int) -> None:
        """Progress callback: ``n`` more world-years done; raises :class:`Cancelled` once cancelled."""
        self.done += int(n)
        if self.cancel_event.is_set():
            raise Cancelled

    @property
    def progress(self) -> float:
        if self.status == "done":
            return 1.0
        return min(1.0, self.done / self.total) if self.total else 0.0

    def status_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "progress": round(self.progress, 4),
                "error": self.error, **self.meta}


class JobManager:
    """A bounded set of jobs on ``workers`` threads (see the module docstring)."""

    def __init__(self, workers: int = 2, max_active: int = 4, max_kept: int = 32,
                 max_kept_weight: float = float("inf")):
        self.max_active, self.max_kept, self.max_kept_weight = int(max_active), int(max_kept), float(max_kept_weight)
        self._pool = ThreadPoolExecutor(max_workers=int(workers), thread_name_prefix="neorealism-dashboard")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, kind: str, total: int, fn: Callable[[Job], Any], meta: dict[str, Any], weight: float = 0.0
               ) -> Job:
        """Queue ``fn(job)``; its return value becomes ``job.result``.  Raises :class:`Busy` when full.

        ``weight`` is what the finished job holds in memory (a run: its state-years); the finished
        jobs kept weigh at most ``max_kept_weight`` in all (the newest is always kept)."""
        with self._lock:
            active = sum(1 for j in self._jobs.values() if j.status not in FINISHED)
            if active >= self.max_active:
                raise Busy(f"runs: {active} queued or running; allowed at most {self.max_active} at once "
                           "(wait for one to finish or cancel one)")
            job = Job(id=secrets.token_hex(16), kind=kind, total=max(1, int(total)), meta=dict(meta),
                      weight=float(weight))
            self._jobs[job.id] = job
            self._drop_old()
        self._pool.submit(self._run, job, fn)
        return job

    def _run(self, job: Job, fn: Callable[[Job], Any]) -> None:
        with self._lock:  # a cancel of a queued job and its start do not interleave
            if job.cancel_event.is_set():
                job.status = "cancelled"
                self._drop_old()
                return
            job.status = "running"
        try:
            job.result = fn(job)
        except Cancelled:
            job.status = "cancelled"
        except NeorealismError as exc:
            job.status, job.error = "failed", str(exc).splitlines()[0]
        except Exception as exc:  # noqa: BLE001  (reported to the page as the job's error, the server goes on)
            job.status, job.error = "failed", f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]
        else:
            job.status = "cancelled" if job.cancel_event.is_set() and job.result is None else "done"
        finally:
            with self._lock:
                self._drop_old()

    def _drop_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.status in FINISHED]
        weight = sum(self._jobs[k].weight for k in finished)
        for k in finished[:-1]:  # oldest first; the newest stays
            if len(finished) <= self.max_kept and weight <= self.max_kept_weight:
                break
            weight -= self._jobs[k].weight
            finished.remove(k)
            del self._jobs[k]

    def get(self, job_id: str, kind: str | None = None) -> Job:
        job = self._jobs.get(job_id)
        if job is None or (kind is not None and job.kind != kind):
            raise UnknownJob(f"id = {job_id[:40]!r}: no such {kind or 'job'} (never started, or dropped "
                             f"after {self.max_kept} newer ones finished)")
        return job

    def cancel(self, job_id: str, kind: str | None = None) -> Job:
        job = self.get(job_id, kind)
        with self._lock:
            job.cancel_event.set()
            if job.status == "queued":
                job.status = "cancelled"
        return job

    def active(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.status not in FINISHED)

    def shutdown(self) -> None:
        with self._lock:
            running = list(self._jobs.values())
        for j in running:
            j.cancel_event.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
