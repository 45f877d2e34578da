"""Evaluators: where a sweep's chunks run — sequentially, on a local process pool, or on Dask distributed.

One interface (EMA Workbench's evaluators, after which it is modelled):
``evaluator.run(fn, tasks, on_result, on_error)`` calls ``fn(task)`` for
every task and hands each result to ``on_result(task, result)`` in the
parent process, as results arrive.  Submission is bounded — at most
``in_flight`` tasks are out at once (twice the workers by default), never
all of them — so a sweep of a million chunks holds a few in memory.  A task
that raises is retried ``retries`` times; then ``on_error(task, exc)`` is
told and the others go on.  A chunk's result depends only on the chunk, so
every back end and any number of workers give the same rows.

- :class:`SequentialEvaluator` — in this process (the engine's own threads
  for each chunk);
- :class:`ProcessPoolEvaluator` — ``concurrent.futures`` worker processes
  (the default), one engine thread each;
- :class:`DaskEvaluator` — a ``dask.distributed`` client: an existing
  scheduler (``tcp://HOST:PORT``) or a ``LocalCluster`` of N workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["DaskEvaluator", "Evaluator", "ProcessPoolEvaluator", "SequentialEvaluator", "default_workers"]

#: How many times a failing task is run again before it is reported.
RETRIES = 2
_END = object()


def default_workers() -> int:
    """The cores this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _single_thread() -> None:
    """A pool worker's initializer: one engine thread per worker process (the workers share the cores)."""
    os.environ["NEOREALISM_THREADS"] = "1"


class Evaluator:
    """The interface; subclasses implement :meth:`_submit` / :meth:`_wait` (futures) or override :meth:`run`."""

    name = "evaluator"
    workers = 1

    def __init__(self, retries: int = RETRIES, in_flight: int | None = None):
        self.retries = int(retries)
        self.in_flight = in_flight

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers."""

    def describe(self) -> str:
        return self.name

    def run(self, fn: Callable[[Any], Any], tasks: Iterable[Any], on_result: Callable[[Any, Any], None],
            on_error: Callable[[Any, BaseException], None]) -> None:
        """Run ``fn`` over ``tasks`` with bounded submission and retries (see the module docstring)."""
        pending = iter(tasks)
        limit = self.in_flight or max(1, 2 * self.workers)
        live: dict[Any, tuple[Any, int]] = {}  # future → (task, attempts so far)

        def submit(task: Any, attempt: int) -> None:
            live[self._submit(fn, task)] = (task, attempt)

        for task in pending:
            submit(task, 1)
            if len(live) >= limit:
                break
        while live:
            for fut in self._wait(list(live)):
                task, attempt = live.pop(fut)
                try:
                    result = self._result(fut)
                except KeyboardInterrupt:
                    raise
                except BaseException as exc:  # noqa: BLE001 - a chunk's failure is reported, not fatal
                    if attempt <= self.retries:
                        submit(task, attempt + 1)
                        continue
                    on_error(task, exc)
                else:
                    on_result(task, result)
                nxt = next(pending, _END)
                if nxt is not _END:
                    submit(nxt, 1)

    def _submit(self, fn: Callable[[Any], Any], task: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _wait(self, futures: Sequence[Any]) -> list[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _result(self, fut: Any) -> Any:
        return fut.result()


class _Done:
    """A finished call (the sequential evaluator's future)."""

    def __init__(self, fn: Callable[[Any], Any], task: Any):
        try:
            self.value, self.error = fn(task), None
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001
            self.value, self.error = None, exc

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class SequentialEvaluator(Evaluator):
    """Every chunk in this process, one after another."""

    name = "sequential"

    def __init__(self, retries: int = RETRIES):
        super().__init__(retries, in_flight=1)

    def _submit(self, fn, task):
        return _Done(fn, task)

    def _wait(self, futures):
        return list(futures)


class ProcessPoolEvaluator(Evaluator):
    """A local pool of worker processes (``concurrent.futures``), each running the engine in one thread."""

    name = "processes"

    def __init__(self, workers: int | None = None, retries: int = RETRIES, in_flight: int | None = None):
        super().__init__(retries, in_flight)
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        self.workers = int(workers or default_workers())
        # forkserver: workers start from a clean interpreter (no threads or locks inherited mid-use)
        ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_single_thread)

    def describe(self) -> str:
        return f"a local pool of {self.workers} worker process{'es' if self.workers != 1 else ''}"

    def _submit(self, fn, task):
        return self._pool.submit(fn, task)

    def _wait(self, futures):
        from concurrent.futures import FIRST_COMPLETED, wait

        return list(wait(futures, return_when=FIRST_COMPLETED).done)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskEvaluator(Evaluator):
    """Dask distributed: ``scheduler`` (``tcp://HOST:PORT``) of an existing cluster, or a ``LocalCluster`` of ``local`` workers."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, local: int | None = None, retries: int = RETRIES,
                 in_flight: int | None = None):
        super().__init__(retries, in_flight)
        from dask.distributed import Client, LocalCluster

        self._cluster = None
        if scheduler is not None:
            self._client = Client(scheduler, timeout="30s")
            self.where = scheduler
        else:
            n = int(local or default_workers())
            self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                         env={"NEOREALISM_THREADS": "1"})
            self._client = Client(self._cluster)
            self.where = f"a local Dask cluster of {n} worker{'s' if n != 1 else ''}"
        self.workers = max(1, sum(self._client.nthreads().values()))

    def describe(self) -> str:
        return f"Dask distributed ({self.where}, {self.workers} worker thread{'s' if self.workers != 1 else ''})"

    def _submit(self, fn, task):
        return self._client.submit(fn, task, pure=False)

    def _wait(self, futures):
        from dask.distributed import wait

        return list(wait(futures, return_when="FIRST_COMPLETED").done)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
