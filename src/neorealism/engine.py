"""The batch engine: R worlds advance year by year through the registered mechanisms.

``step(keys, state, params)`` is pure (gymnax style): it returns a new
:class:`~neorealism.state.WorldState` and the year's events.  One year runs
every step of the mechanism registry (:mod:`neorealism.mechanisms.registry`)
in the stage order of docs/DESIGN.md §2 — perceive, assess threat,
cooperate, allocate, ally, decide war, resolve wars, grow, measure — and
nothing in this module names a mechanism: the tables' columns, the events
and the parameters all come from the registry.

There is no Python loop over states or dyads: every mechanism is a handful
of array operations over all worlds at once; the only loops are over years
and over the steps.  World ``w`` draws its random numbers from its own
counter-based stream (:mod:`.rng`), so its history is the same alone, in a
batch of thousands, or in any chunk; and a parameter given per world
(``per_world={"war.cost": values}``) gives each world the same history as a
run of its parameter point alone.

Nothing non-finite is published: every year, in every world, the engine
checks what a run publishes (the recorded fields, the measures, the events'
numbers; :func:`_nonfinite`, one sum per array) and stops a run whose values
overflowed with a :class:`~neorealism.errors.ParameterError` naming the
world, year, step and the parameters that drive it (:func:`_nonfinite_error`),
before anything of the chunk is returned (and so written).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import rng
from .errors import ParameterError
from .mechanisms.base import Emitted
from .mechanisms.registry import Registry, current
from .scenario import MAX_WORLDS, MAX_YEARS, Scenario
from .state import EngineParams, WorldState, init_state

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Which years' state rows a run keeps: every year, the first and last, or none.
STATES_RECORDED = ("all", "ends", "none")
#: Largest number of worlds run in one batch (memory: about 2 KiB per world-state-year recorded).
MAX_CHUNK_SIZE = 1_000_000


def step(keys: NDArray[np.uint64], state: WorldState, params: EngineParams) -> tuple[WorldState, list[Emitted]]:
    """Advance every world one year through the registered steps.  Pure: ``state`` is not modified."""
    events: list[Emitted] = []
    for _, st in current().steps():
        state, ev = st.fn(keys, state, params)
        events.extend(ev)
    return state.replace(t=state.t + 1), events


def state_columns() -> list[str]:
    """Columns of the states table, in order (from the registry)."""
    return ["world", "year", "state", *(n for n, _, _ in current().state_columns())]


def event_types() -> tuple[str, ...]:
    """Values of ``events.event`` in their order (from the registry)."""
    return tuple(e.name for e in current().event_kinds())


# --------------------------------------------------------------------------- running


@dataclass
class Trajectory:
    """Raw arrays of a batch run (time-major): what the tables are built from."""

    world_ids: NDArray[np.int64]
    years: NDArray[np.int64]  # calendar years, length T + 1
    state_vars: dict[str, NDArray]  # each (len(state_years), R, N)
    system_vars: dict[str, NDArray]  # each (T+1, R)
    events: dict[str, list[NDArray]]
    final: WorldState
    #: positions in ``years`` of the recorded state rows (all years, or only the first and last)
    state_years: NDArray[np.int64] | None = None


def _check_run(worlds: int, years: int, seed: int, chunk_size: int) -> None:
    if not (1 <= worlds <= MAX_WORLDS):
        raise ParameterError(f"worlds = {worlds}: allowed 1 ≤ worlds ≤ {MAX_WORLDS}")
    if not (1 <= years <= MAX_YEARS):
        raise ParameterError(f"years = {years}: allowed 1 ≤ years ≤ {MAX_YEARS}")
    if not (0 <= seed < 2**63):
        raise ParameterError(f"seed = {seed}: allowed 0 ≤ seed < 2^63")
    if not (1 <= chunk_size <= MAX_CHUNK_SIZE):
        raise ParameterError(f"chunk_size = {chunk_size}: allowed 1 ≤ chunk_size ≤ {MAX_CHUNK_SIZE}")


def recorded_years(states: str, years: int) -> NDArray[np.int64]:
    """Positions (0 = the initial state … ``years``) of the years whose state rows a run keeps."""
    if states == "all":
        return np.arange(years + 1, dtype=np.int64)
    return np.unique(np.array([0, years], dtype=np.int64)) if states == "ends" else np.array([], dtype=np.int64)


def run_batch(
    scenario: Scenario,
    world_ids: NDArray[np.integer] | Sequence[int],
    years: int,
    seed: int,
    *,
    params: EngineParams | None = None,
    per_world: Mapping[str, Any] | None = None,
    record_states: bool | str = True,
    progress: Callable[[int], None] | None = None,
    threads: int | None = None,
    stream_ids: NDArray[np.integer] | Sequence[int] | None = None,
) -> Trajectory:
    """Run the worlds ``world_ids`` for ``years`` years; return the raw trajectory.

    ``stream_ids`` (default: ``world_ids``) are the ids whose random streams
    the worlds draw from, one per world: two worlds with one stream id and
    the same parameters have the same history, whatever their labels — the
    common random numbers of an experiment's conditions (each world keeps
    its own label in ``world_ids`` and in the events).

    ``per_world`` gives parameters that differ across these worlds (one
    value per world id, see :meth:`EngineParams.from_scenario`).
    ``record_states``: which years' state variables are kept in memory —
    ``"all"`` (or True), ``"ends"`` (the first and last year only: memory
    independent of the number of years) or ``"none"`` (or False).  System
    measures and events are always recorded for every year.

    ``threads``: how many threads share the worlds (default
    :func:`neorealism.kernels.threads`: the machine's cores, or
    ``NEOREALISM_THREADS``).  Each thread runs a contiguous block of worlds
    through every year (the kernels and NumPy's loops release the GIL); a
    world's history is its own, so the trajectory is the same for any number
    of threads.  With ``params`` given the batch runs in one thread.
    """
    mode = {True: "all", False: "none"}.get(record_states, record_states)  # type: ignore[call-overload]
    if mode not in STATES_RECORDED:
        raise ParameterError(f"record_states = {record_states!r}: allowed True, False, {', '.join(STATES_RECORDED)}")
    from .kernels import read_environment

    read_environment()  # NEOREALISM_KERNELS, as the run starts
    ids = np.asarray(world_ids, dtype=np.int64)
    R = len(ids)
    streams = ids if stream_ids is None else np.asarray(stream_ids, dtype=np.int64)
    if streams.shape != ids.shape:
        raise ParameterError(f"stream_ids: expected {R} ids (one per world), got shape {streams.shape}")
    if params is not None:
        if params.n_worlds != R:
            raise ParameterError(f"params were built for {params.n_worlds} worlds, not {R}")
        return _run_worlds(scenario, ids, years, seed, params, mode, progress, None, streams=streams)
    from .kernels import threads as default_threads

    n = default_threads() if threads is None else int(threads)
    if n < 1:
        raise ParameterError(f"threads = {threads}: allowed threads ≥ 1")
    fork = _use_processes(R * scenario.n_states * years)
    least = MIN_WORLDS_PER_PROCESS if fork else MIN_WORLDS_PER_THREAD
    parts = [p for p in np.array_split(np.arange(R), min(n, max(1, R // least))) if len(p)]
    pw = {k: np.asarray(v) for k, v in (per_world or {}).items()}
    if len(parts) <= 1:
        return _run_worlds(scenario, ids, years, seed, EngineParams.from_scenario(scenario, R, per_world),
                           mode, progress, None, streams=streams)
    # every part's parameters are built (and validated) before any thread starts
    part_params = [EngineParams.from_scenario(scenario, len(p), {k: v[p] for k, v in pw.items()} or None)
                   for p in parts]
    if fork:
        return _run_forked(scenario, ids, years, seed, parts, part_params, mode, progress, streams)
    return _run_threaded(scenario, ids, years, seed, parts, part_params, mode, progress, streams)


#: Fewest worlds a thread is given: below that, splitting a batch costs more than it saves — the
#: blocks' Python-level work waits on the interpreter lock (docs/performance.md: on 2 cores, 100
#: worlds in 2 threads ran at 0.65× one thread, 150 at about 1×, 500 at 1.5×).
MIN_WORLDS_PER_THREAD = 150

#: Fewest worlds a forked process is given (processes share no lock: 32 worlds each still gain).
MIN_WORLDS_PER_PROCESS = 32


def _run_threaded(scenario, ids, years, seed, parts, part_params, mode, progress, streams=None) -> Trajectory:
    """The parts' trajectories in threads, joined in world order (as one batch would give them).

    A failure is the one a single batch would raise: the first year in which
    any world's values overflowed (the lowest world on a tie), else the first
    part's exception.  An interrupt stops every part at its next year.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    stop = _Halt()
    lock = threading.Lock()

    def report(n: int) -> None:
        with lock:
            progress(n)  # type: ignore[misc]

    sv, sysv = _allocate(mode, years, len(ids), scenario.n_states)

    pool = ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="neorealism-worlds")
    try:
        streams = ids if streams is None else streams
        futures = [pool.submit(_run_worlds, scenario, ids[p], years, seed, pp, mode,
                               report if progress is not None else None, stop, _block_views(sv, sysv, p),
                               streams=streams[p])
                   for p, pp in zip(parts, part_params, strict=True)]
        results, errors = [], []
        for f in futures:
            try:
                results.append(f.result())
            except BaseException as exc:  # noqa: BLE001  (re-raised below, the one a single batch gives)
                errors.append(exc)
                if not isinstance(exc, _Stopped):  # a block stopped by the rule changes nothing
                    stop.after(getattr(exc, "year", None))
    finally:
        stop.set()
        pool.shutdown(wait=True)
    _raise_first([e for e in errors if not isinstance(e, _Stopped)] or errors)
    return _join(results, sv, sysv)


def _block_views(sv: dict[str, NDArray], sysv: dict[str, NDArray], p: NDArray[np.int64]
                 ) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
    """The views of a batch's state and system arrays that the block of worlds ``p`` records into."""
    block = slice(int(p[0]), int(p[-1]) + 1)
    return {k: v[:, block] for k, v in sv.items()}, {k: v[:, block] for k, v in sysv.items()}


def _raise_first(errors: Sequence[BaseException]) -> None:
    """Raise the error of the blocks that a single batch would raise: the first year in which any
    world's values overflowed (the lowest world on a tie), else the first block's."""
    if errors:
        overflow = [e for e in errors if getattr(e, "year", None) is not None]
        raise min(overflow, key=lambda e: (e.year, e.world)) if overflow else errors[0]


#: Fewest state-years (N·R·T) of a batch that the process back end forks for (below, threads: a
#: fork and the copy of a part's events back cost more than the processes gain; docs/performance.md:
#: 64 worlds × 200 years of 20 states forked ran at 1.2× one thread, 1,000 × 10 years at 1.1× but
#: at 0.7× two threads).
MIN_STATE_YEARS_TO_FORK = 250_000


def _use_processes(state_years: int) -> bool:
    from .kernels import backend

    return backend() == "processes" and state_years >= MIN_STATE_YEARS_TO_FORK


def _shared_empty(shape: tuple[int, ...], dtype: Any) -> NDArray:
    """An uninitialised array in anonymous shared memory (``MAP_SHARED``): a forked child's writes
    into it are the parent's too."""
    import mmap

    dt = np.dtype(dtype)
    n = int(np.prod(shape)) * dt.itemsize
    buf = mmap.mmap(-1, max(n, 1))
    return np.frombuffer(buf, dtype=dt, count=int(np.prod(shape))).reshape(shape)


def _run_forked(scenario, ids, years, seed, parts, part_params, mode, progress, streams=None) -> Trajectory:
    """The parts in processes: every part but the first in a forked child, the first in this process.

    The children record the state and system arrays straight into shared memory (the
    parent's arrays) and send back only their events and final state (in an unlinked
    temporary file); progress is counted in shared memory.  Python's interpreter lock is not shared
    between processes, so two processes on two cores gain more than two threads do (about
    1.2–1.3× here, docs/performance.md).  A world's history is its own, so the trajectory is
    the one threads or a single batch give.  A child that fails is re-run in this process,
    so the error raised is exactly the one a single batch raises (the runs are deterministic).

    A child lays its event columns and final state out in its file itself and sends their
    layout on a pipe (:func:`_write_part`); this process maps the file (:func:`_map_part`):
    no copy of ~100 MB pickled in and read out again.  The pipe also wakes this process the
    moment a child is done (not at a poll), and the child's exit is waited for only at the end.
    """
    streams = ids if streams is None else streams
    import contextlib
    import gc
    import os
    import pickle
    import select
    import signal
    import tempfile

    sv, sysv = _allocate(mode, years, len(ids), scenario.n_states, empty=_shared_empty)
    counts = _shared_empty((len(parts),), np.int64)
    counts[:] = 0

    # each child's events and final state come back in an unlinked temporary file, in memory where
    # the system has a tmpfs (/dev/shm): a pipe's 64 KB at a time took 0.27 s for 132 MB, the file 0.05 s
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    children: list[tuple[int, int, Any, int]] = []  # (part index, pid, the file it writes, its pipe's read end)
    finished: list[int] = []  # children that sent their part (exiting; reaped at the end)
    # the objects that exist now are left out of the garbage collector's passes until the batch ends
    # (gc.freeze): a full collection during the run walked all of them in both processes, ~0.1 s, and
    # touching their pages made the kernel copy the pages the child shares with this process
    frozen = gc.get_freeze_count() == 0  # (objects frozen by the caller stay frozen after the batch)
    if frozen:
        gc.freeze()
    try:
        for k in range(1, len(parts)):
            box = tempfile.TemporaryFile(dir=shm)
            done_r, done_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: run the part, write its events and final state, say so, exit
                code = 0
                try:
                    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles interrupts
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    signal.signal(signal.SIGHUP, signal.SIG_DFL)
                    os.close(done_r)

                    def tick(n, k=k):
                        counts[k] += n

                    res = _run_worlds(scenario, ids[parts[k]], years, seed, part_params[k], mode,
                                      tick, None, _block_views(sv, sysv, parts[k]), streams=streams[parts[k]],
                                      raw_events=True)
                    layout = pickle.dumps(_write_part(box.fileno(), res.events, res.final),
                                          protocol=pickle.HIGHEST_PROTOCOL)
                    _write_all(done_w, len(layout).to_bytes(8, "little") + layout)
                except BaseException:  # noqa: BLE001  (the parent re-runs the part and raises its error)
                    code = 1
                finally:
                    os._exit(code)
            os.close(done_w)  # the child's end: the pipe reads empty (EOF) once the child has exited
            children.append((k, pid, box, done_r))

        reported = [0] * len(parts)

        def report_children():
            if progress is None:
                return
            for k, _, _, _ in children:
                c = int(counts[k])
                if c > reported[k]:
                    progress(c - reported[k])
                    reported[k] = c

        def own(n):
            progress(n)
            report_children()

        results: dict[int, Trajectory] = {}
        errors: list[BaseException] = []
        try:
            results[0] = _run_worlds(scenario, ids[parts[0]], years, seed, part_params[0], mode,
                                     own if progress is not None else None, None, _block_views(sv, sysv, parts[0]),
                                     streams=streams[parts[0]])
        except Exception as exc:  # noqa: BLE001  (an interrupt propagates: the children are killed below)
            errors.append(exc)
        while children:
            k, pid, box, done_r = children[0]
            while not select.select([done_r], [], [], 0.05 if progress is not None else None)[0]:
                report_children()
            head = _read_all(done_r, 8)  # short (EOF): the child exited without sending its part
            layout = _read_all(done_r, int.from_bytes(head, "little")) if len(head) == 8 else b""
            sent = len(head) == 8 and len(layout) == int.from_bytes(head, "little")
            report_children()  # the child's last years (its count is final: it has sent its part or exited)
            children.pop(0)
            if sent:
                finished.append(pid)
            else:
                os.waitpid(pid, 0)  # reaped: never signalled again (its pid may be another process's by now)
            os.close(done_r)
            loaded = None
            if sent:
                try:
                    loaded = _map_part(box.fileno(), pickle.loads(layout))
                except Exception:  # noqa: BLE001  (an unreadable part is re-run here, as a failed one is)
                    loaded = None
            box.close()  # its pages live on in the mapping
            if loaded is not None:
                events, final = loaded
                results[k] = Trajectory(world_ids=ids[parts[k]], years=None, state_vars={}, system_vars={},
                                        events=events, final=final, state_years=None)
            else:  # failed: run it here, for the very error a single batch raises
                try:
                    results[k] = _run_worlds(scenario, ids[parts[k]], years, seed, part_params[k], mode,
                                             None, None, _block_views(sv, sysv, parts[k]), streams=streams[parts[k]])
                except Exception as exc:  # noqa: BLE001
                    errors.append(exc)
        _raise_first(errors)
        return _join([results[k] for k in range(len(parts))], sv, sysv)  # before the children are reaped
    finally:
        for _, pid, box, done_r in children:  # an interrupt or a failure here: no child outlives the batch
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
            box.close()
            with contextlib.suppress(OSError):
                os.close(done_r)
        for pid in finished:  # done and exiting (not yet reaped, so the pid is still that child's)
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        if frozen:
            gc.unfreeze()


def _write_all(fd: int, data: bytes) -> None:
    """All of ``data`` to ``fd`` (a pipe takes 64 KB at a time)."""
    import os

    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_all(fd: int, n: int) -> bytes:
    """``n`` bytes from ``fd``, fewer only at its end."""
    import os

    chunks, got = [], 0
    while got < n:
        b = os.read(fd, n - got)
        if not b:
            break
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def _align(n: int) -> int:
    """``n`` bytes rounded up to a cache line."""
    return -(-n // 64) * 64


def _write_part(fd: int, log: _EventLog, final: WorldState) -> dict[str, Any]:
    """Write a forked block's event columns and final state into the (empty) file ``fd``; their
    layout: the bytes the file holds, the final year, and each array's name, shape, dtype and
    offset (64-byte aligned) — :func:`_map_part` maps them back.  The columns are written once,
    straight into the file's pages (:meth:`_EventLog.laid_out`).  Arrays of Python objects (none
    in the registered fields) travel in the layout itself."""
    import errno
    import mmap
    import os

    n = log.size()
    specs: list[tuple[str, str, tuple[int, ...], np.dtype, int]] = []
    objects: dict[str, Any] = {}
    at = 0
    for name, dt in log.column_types() if n else ():
        specs.append(("events", name, (n,), dt, at))
        at += _align(n * dt.itemsize)
    for name, v in final.fields.items():
        a = np.asarray(v)
        if a.dtype.hasobject:
            objects[name] = v
            continue
        specs.append(("final", name, a.shape, a.dtype, at))
        at += _align(a.nbytes)
    size = max(at, 1)
    try:
        os.posix_fallocate(fd, 0, size)  # the space now (a full tmpfs: an error here, not SIGBUS on a write)
    except (AttributeError, OSError) as exc:  # no fallocate (system or file system): the size only
        if isinstance(exc, OSError) and exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
        os.ftruncate(fd, size)
    buf = mmap.mmap(fd, size)
    arrays = _views(buf, specs)
    if n:
        log.laid_out({name: arrays["events", name] for name, _ in log.column_types()})
    for (group, name), a in arrays.items():
        if group == "final":
            np.copyto(a, final.fields[name])
    return {"size": size, "t": final.t, "specs": specs, "objects": objects, "order": list(final.fields)}


def _views(buf: Any, specs: Sequence[tuple[str, str, tuple[int, ...], np.dtype, int]]) -> dict[tuple[str, str], NDArray]:
    """The arrays that ``specs`` (group, name, shape, dtype, offset) lay out in ``buf``."""
    return {(group, name): (np.frombuffer(buf, dtype=dt, count=math.prod(shape), offset=at).reshape(shape)
                            if math.prod(shape) else np.empty(shape, dtype=dt))
            for group, name, shape, dt, at in specs}


def _map_part(fd: int, layout: Mapping[str, Any]) -> tuple[dict[str, list[NDArray]], WorldState]:
    """A forked block's event columns and final state (:func:`_write_part`), as arrays over a
    private (copy-on-write) mapping of its file: nothing copied, the file's pages are shared."""
    import mmap

    buf = mmap.mmap(fd, layout["size"], access=mmap.ACCESS_COPY)
    arrays = _views(buf, layout["specs"])
    events = {name: [a] for (group, name), a in arrays.items() if group == "events"}
    if not events:
        events = {"world": [], "year": [], "event": [], **{f.name: [] for f in current().event_fields()}}
    objects = layout["objects"]
    fields = {name: objects[name] if name in objects else arrays["final", name] for name in layout["order"]}
    return events, WorldState(layout["t"], fields)


def _join(parts: Sequence[Trajectory], sv: dict[str, NDArray], sysv: dict[str, NDArray]) -> Trajectory:
    """One trajectory from the trajectories of consecutive blocks of worlds (which recorded into
    views of ``sv`` and ``sysv``)."""
    first = parts[0]
    events = {k: [a for p in parts for a in p.events[k]] for k in first.events}
    final = WorldState(first.final.t, {k: np.concatenate([p.final.fields[k] for p in parts])
                                        for k in first.final.fields})
    return Trajectory(
        world_ids=np.concatenate([p.world_ids for p in parts]),
        years=first.years,
        state_vars=sv,
        system_vars=sysv,
        events=events,
        final=final,
        state_years=first.state_years,
    )


class _Halt:
    """When the blocks of a threaded batch stop: at once (an interrupt, a failure that is not an
    overflow, the batch's end), or after year Y when a block's values overflowed in year Y — the
    other blocks go on to Y, since an earlier year's overflow in one of them is the one a single
    batch reports (stopping them at once made the reported world depend on the blocks' speed)."""

    def __init__(self) -> None:
        import threading

        self._now = threading.Event()
        self._year = math.inf  # lowered only by the thread collecting the blocks' results

    def set(self) -> None:
        self._now.set()

    def after(self, year: int | None) -> None:
        if year is None:
            self._now.set()
            return
        self._year = min(self._year, year)

    def halts(self, t: int) -> bool:
        """Whether a block about to simulate year ``t`` stops."""
        return self._now.is_set() or t > self._year


class _Stopped(Exception):
    """A part of a threaded batch stopped because another part failed (or the run was interrupted)."""


def _allocate(mode: str, T: int, R: int, N: int, empty: Callable[..., NDArray] = np.empty
              ) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
    """The arrays a run of R worlds × N states for T years records into: state variables
    ``(kept years, R, N)`` (none with ``mode`` "none") and system measures ``(T + 1, R)``."""
    reg = current()
    sv: dict[str, NDArray] = {}
    if mode != "none":
        K = len(recorded_years(mode, T))
        for _, f in reg.fields():
            if f.record:
                sv[f.name] = empty((K, R, N), f.dtype)
        for ms in reg.measures("state"):
            sv[ms.name] = empty((K, R, N), ms.dtype)
    return sv, {ms.name: empty((T + 1, R), ms.dtype) for ms in reg.system_columns()}


def _run_worlds(scenario: Scenario, ids: NDArray[np.int64], years: int, seed: int, params: EngineParams,
                mode: str, progress: Callable[[int], None] | None, stop: Any,
                out: tuple[dict[str, NDArray], dict[str, NDArray]] | None = None,
                streams: NDArray[np.int64] | None = None, *, raw_events: bool = False) -> Trajectory:
    """Run one block of worlds through every year (the body of :func:`run_batch`); ``out`` the
    arrays (views of a larger batch's) to record into; ``streams`` the ids of their random streams
    (default ``ids``).  ``raw_events``: the trajectory's ``events`` are the :class:`_EventLog`
    itself (a forked block's, laid out by :func:`_write_part`)."""
    R = len(ids)
    reg = current()
    keys = rng.world_keys(seed, ids if streams is None else streams)
    state = init_state(scenario, params, keys)
    N = state.shape[1]
    T = years
    state_years = recorded_years(mode, T)
    slot = np.full(T + 1, -1, dtype=np.int64)  # year -> row of the state arrays (−1: not kept)
    slot[state_years] = np.arange(len(state_years))
    recorded = [f.name for _, f in reg.fields() if f.record]
    state_measures = reg.measures("state")
    system = reg.system_columns()
    sv, sysv = _allocate(mode, T, R, N) if out is None else out
    ev = _EventLog(reg)

    checked = _checked_fields(reg)

    def record(t: int, st: WorldState) -> str | None:
        """Record year ``t``; the name of a field or measure that is not finite (None when all are)."""
        fields = st.fields
        bad = _first_nonfinite((name, fields[name]) for name in checked)
        k = slot[t]
        if sv and k >= 0:
            for name in recorded:
                sv[name][k] = fields[name]
            for ms in state_measures:
                sv[ms.name][k] = ms.compute(st, params)
                if bad is None and sv[ms.name].dtype.kind == "f" and _nonfinite(sv[ms.name][k]):
                    bad = ms.name
        for ms in system:
            sysv[ms.name][t] = ms.compute(st, params)
            if bad is None and sysv[ms.name].dtype.kind == "f" and _nonfinite(sysv[ms.name][t]):
                bad = ms.name
        return bad

    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is caught below, named, and refused
        bad = record(0, state)
        if bad is not None:
            raise _nonfinite_error(scenario, ids, params, None, state, 0, T, bad, keys=keys)
        for t in range(1, T + 1):
            if stop is not None and stop.halts(t):
                raise _Stopped()
            prev = state
            state, emitted = step(keys, state, params)
            bad = record(t, state) or ev.add(ids, t, emitted)
            if bad is not None:
                raise _nonfinite_error(scenario, ids, params, prev, state, t, T, bad, keys=keys)
            if progress is not None:
                progress(R)
    return Trajectory(
        world_ids=ids,
        years=scenario.start_year + np.arange(T + 1, dtype=np.int64),
        state_vars=sv,
        system_vars=sysv,
        events=ev if raw_events else ev.columns,
        final=state,
        state_years=state_years,
    )


# --------------------------------------------------------------------------- nothing non-finite


def _checked_fields(reg: Registry) -> list[str]:
    """The floating-point fields checked every year: the recorded ones (columns of ``states.parquet``).

    They are checked every year whichever state rows a run keeps, together
    with the measures (computed from them) and the events' numbers: all that
    a run publishes.  Fields that are not recorded may hold NaN on purpose
    (``plan_eu`` of a state with no plan) and feed the recorded ones.
    """
    return [f.name for _, f in reg.fields() if f.record and np.dtype(f.dtype).kind == "f"]


def _nonfinite(a: NDArray) -> bool:
    """Whether ``a`` holds an infinity or a NaN.

    One pass: the sum of finite values is finite unless it overflows (values
    near 1e308), and only then does the exact test decide.
    """
    return not math.isfinite(np.add.reduce(a, axis=None)) and not bool(np.isfinite(a).all())


def _first_nonfinite(arrays: Iterator[tuple[str, NDArray]] | Sequence[tuple[str, NDArray]]) -> str | None:
    for name, a in arrays:
        if _nonfinite(a):
            return name
    return None


def _nonfinite_error(
    scenario: Scenario,
    ids: NDArray[np.int64],
    params: EngineParams,
    prev: WorldState | None,
    state: WorldState,
    t: int,
    T: int,
    bad: str,
    *,
    keys: NDArray[np.uint64],
) -> ParameterError:
    """The error for a value that overflowed (or became NaN) in year ``t``: where, in which step, what drives it.

    Steps are pure, so the year is re-run step by step from the previous
    state to find the first step whose output is not finite; its
    mechanism's parameters (with this world's values) are the ones the
    message names.  Only runs when a run is refused.
    """
    reg = current()
    checked = _checked_fields(reg)
    field, arr, owner, step_name = bad.split(" ")[0], None, None, None
    if prev is not None:
        s = prev
        for m, stp in reg.steps():
            try:
                s, _ = stp.fn(keys, s, params)
            except Exception:  # noqa: BLE001  (a diagnosis only; the error below is raised anyway)
                break
            found = _first_nonfinite((n, s.fields[n]) for n in checked)
            if found is not None:
                owner, step_name = m, stp.name or getattr(stp.fn, "__name__", stp.stage)
                field, arr = found, s.fields[found]
                break
    if arr is None:
        arr = state.fields.get(field)
        for m in reg.mechanisms:
            for ms in m.measures:
                if ms.name == field:
                    owner = owner or m
                    if arr is None:
                        arr = ms.compute(state, params)
            if owner is None and any(f.name == field for f in m.fields):
                owner = m
    r, who, kind = 0, "", "not finite"
    a = np.asarray(arr) if arr is not None else np.zeros(0)
    where = np.argwhere(~np.isfinite(a)) if a.ndim >= 1 and a.dtype.kind == "f" else []
    if len(where):
        r = int(where[0][0])
        kind = "NaN" if np.isnan(a[tuple(where[0])]) else "infinite (past the largest float, about 1.8e308)"
        if len(where[0]) >= 2 and int(where[0][1]) < len(scenario.states):
            who = f" of state {scenario.states[int(where[0][1])].name!r}"
    what = (bad if bad.split(" ")[0] == field else field) + who
    step_text = f", in step {owner.name}.{step_name}" if owner is not None and step_name is not None else ""
    drivers, lower = "", "the rates that compound"
    if owner is not None and owner.name in params.groups:
        changed, rest = [], []
        fields = getattr(owner.params, "model_fields", {})
        for k, v in params.groups[owner.name].items():
            if isinstance(v, np.ndarray):
                v = v.reshape(-1)[r] if v.size > 1 else v.reshape(-1)[0]
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
                continue
            default = getattr(fields.get(k), "default", None)
            text = f"{owner.name}.{k} = {float(v):g}"
            (rest if default is not None and float(v) == default else changed).append(text)
        if changed or rest:
            listed = ", ".join([*(f"{c} (changed from the default)" for c in changed), *rest])
            drivers = f", driven by the {owner.name} parameters ({listed})"
        lower = f"{owner.name}.* (with {{overrides}})"
    world = int(ids[r]) if 0 <= r < len(ids) else int(ids[0]) if len(ids) else 0
    when = "in the initial state" if t == 0 else f"year {scenario.start_year + t} ({t} of {T} simulated years)"
    template = (
        f"values overflowed: {_lit(what)} became {kind} in world {world}, {when}{_lit(step_text)}{_lit(drivers)}; "
        f"nothing was published. Lower {lower}, the scenario's initial values, or the years ({{years}} {T})"
    )
    exc = ParameterError(template.format(years="years", overrides="overrides"))
    exc.template = template  # type: ignore[attr-defined]  (api.error_text renders it in the CLI's option names)
    exc.year, exc.world = t, world  # type: ignore[attr-defined]  (a threaded batch raises the earliest)
    return exc


def _lit(text: str) -> str:
    """Text inside an error template, its braces escaped."""
    return str(text).replace("{", "{{").replace("}", "}}")


class _EventLog:
    """The events of a run as columns (sparse index arrays; no loop over states).

    A year's events keep only the fields they give; :attr:`columns` builds
    each column once, at the end, filling the fields an event kind does not
    have with their missing value.  (Building all 33 columns for every kind
    every year cost a sixth of a small batch's time.)
    """

    def __init__(self, reg: Registry):
        self.kinds = {e.name: k for k, e in enumerate(reg.event_kinds())}
        self.fields = reg.event_fields()
        self._dtypes = {f.name: (np.float64 if f.type == "float" else np.int64) for f in self.fields}
        self._float = {f.name for f in self.fields if f.type == "float"}
        self._groups: list[tuple[int, int, NDArray[np.int64], int]] = []  # (kind, year, worlds, size)
        # per field: the groups (positions in ``_groups``) that give it, and their values
        self._given: dict[str, tuple[list[int], list[NDArray]]] = {f.name: ([], []) for f in self.fields}

    def add(self, ids: NDArray[np.int64], t: int, emitted: Sequence[Emitted]) -> str | None:
        """Log the year's events; the name of an event field given a value that is not finite (None when all are)."""
        bad = None
        for e in emitted:
            n = len(e.r)
            if n == 0:
                continue
            kind = self.kinds.get(e.kind)
            if kind is None:
                raise ValueError(f"event kind {e.kind!r} is not declared by any mechanism")
            g = len(self._groups)
            for name, v in e.values.items():
                dtype = self._dtypes.get(name)
                if dtype is None:
                    continue  # not a declared event field (as before: only declared fields are columns)
                a = np.asarray(v, dtype=dtype)
                if a.shape != (n,):  # a value given once for every event of the group
                    a = np.broadcast_to(a, (n,))
                if bad is None and name in self._float and _nonfinite(a):
                    bad = f"{name} (of {e.kind} events)"  # a missing value (NaN) is not a value given
                which, values = self._given[name]
                which.append(g)
                values.append(a)
            self._groups.append((kind, t, ids[e.r], n))
        return bad

    @property
    def columns(self) -> dict[str, list[NDArray]]:
        """One array per column (in a one-element list, as a block's columns are joined)."""
        return self.laid_out()

    def size(self) -> int:
        """How many events the log holds."""
        return sum(g[3] for g in self._groups)

    def column_types(self) -> list[tuple[str, np.dtype]]:
        """The columns' names and dtypes, in order."""
        return [("world", np.dtype(np.int64)), ("year", np.dtype(np.int64)), ("event", np.dtype(np.int16)),
                *((f.name, np.dtype(self._dtypes[f.name])) for f in self.fields)]

    def laid_out(self, columns: Mapping[str, NDArray] | None = None) -> dict[str, list[NDArray]]:
        """The columns, written into ``columns`` (arrays of :meth:`size` elements, of
        :meth:`column_types`, e.g. in a forked block's file) or into new arrays."""
        groups = self._groups
        if not groups:
            return {"world": [], "year": [], "event": [], **{f.name: [] for f in self.fields}}
        sizes = np.fromiter((g[3] for g in groups), dtype=np.int64, count=len(groups))
        ends = np.cumsum(sizes)
        starts = ends - sizes
        total = int(ends[-1])
        year = np.repeat(np.fromiter((g[1] for g in groups), dtype=np.int64, count=len(groups)), sizes)
        event = np.repeat(np.fromiter((g[0] for g in groups), dtype=np.int16, count=len(groups)), sizes)
        if columns is None:
            columns = {"world": np.concatenate([g[2] for g in groups]), "year": year, "event": event,
                       **{f.name: np.empty(total, dtype=self._dtypes[f.name]) for f in self.fields}}
        else:
            np.concatenate([g[2] for g in groups], out=columns["world"])
            columns["year"][:], columns["event"][:] = year, event
        # each field's values, gathered by :meth:`add` from the groups that give it, written in one
        # scatter (instead of a slice assignment per group and field: 9,000 in a 100-world run of 200 years)
        for f in self.fields:
            column = columns[f.name]
            which, values = self._given[f.name]
            if not which:
                column.fill(f.missing)
                continue
            if len(which) == len(groups):  # every group gives it: the values are the column
                np.concatenate(values, out=column)
                continue
            column.fill(f.missing)
            at = np.asarray(which, dtype=np.int64)
            n = sizes[at]
            # the positions of those groups' rows: each group's start, then its rows in order
            column[np.arange(int(n.sum())) + np.repeat(starts[at] - (np.cumsum(n) - n), n)] = np.concatenate(values)
        return {name: [columns[name]] for name, _ in self.column_types()}


@dataclass
class SimulationResult:
    """The three tidy tables of a run (or of one chunk of worlds)."""

    scenario: Scenario
    states: pd.DataFrame
    system: pd.DataFrame
    events: pd.DataFrame


def _names_of(codes: NDArray[np.int64], names: Sequence[str]):
    import pandas as pd

    cats = list(names)
    if not len(codes):
        return pd.Categorical([], categories=cats)
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=cats)


def to_tables(traj: Trajectory, scenario: Scenario, states: str = "all") -> SimulationResult:
    """Tidy tables from a trajectory, sorted by world, year (and state).

    ``states``: ``all`` state rows for every year, ``ends`` only the first
    and last year (enough for survival and great-power turnover), ``none``
    an empty states table (system measures and events only).
    """
    import pandas as pd

    reg = current()
    names = tuple(s.name for s in scenario.states)
    T1, R = len(traj.years), len(traj.world_ids)
    N = len(names)

    def ry(a: NDArray) -> NDArray:  # (T+1, R) -> world-major flat
        return a.T.reshape(-1)

    sys_cols: dict[str, Any] = {
        "world": np.repeat(traj.world_ids, T1).astype(np.int32),
        "year": np.tile(traj.years, R).astype(np.int32),
    }
    for ms in reg.system_columns():
        v = ry(traj.system_vars[ms.name])
        if ms.labels:
            sys_cols[ms.name] = pd.Categorical.from_codes(v.astype(np.int64), categories=list(ms.labels))
        else:
            sys_cols[ms.name] = v.astype(ms.dtype)
    system = pd.DataFrame(sys_cols)
    if states not in STATES_RECORDED:
        raise ParameterError(f"states = {states!r}: allowed {', '.join(STATES_RECORDED)}")
    columns = reg.state_columns()
    if traj.state_vars and states != "none":
        kept = np.arange(T1) if traj.state_years is None else np.asarray(traj.state_years)
        want = recorded_years(states, T1 - 1)
        if len(np.setdiff1d(want, kept)):
            raise ParameterError(
                f"states = {states!r}: this trajectory kept state rows for {len(kept)} of {T1} years "
                "(run_batch record_states); record 'all' to tabulate every year"
            )
        sel = np.searchsorted(kept, want)
        Ts = len(sel)

        def rys(a: NDArray) -> NDArray:  # (K, R, N) -> world, year, state
            return a[sel].transpose(1, 0, 2).reshape(-1)

        cols: dict[str, Any] = {
            "world": np.repeat(traj.world_ids, Ts * N).astype(np.int32),
            "year": np.tile(np.repeat(traj.years[want], N), R).astype(np.int32),
            "state": _names_of(np.tile(np.arange(N), R * Ts), names),
        }
        for name, _, _ in columns:
            cols[name] = rys(traj.state_vars[name])
        states_df = pd.DataFrame(cols)
    else:
        empty: dict[str, Any] = {
            "world": np.array([], dtype=np.int32),
            "year": np.array([], dtype=np.int32),
            "state": pd.Categorical([], categories=list(names)),
        }
        for name, dtype, _ in columns:
            empty[name] = np.array([], dtype=dtype)
        states_df = pd.DataFrame(empty)
    events = _events_frame(traj, scenario, names, reg)
    return SimulationResult(scenario=scenario, states=states_df, system=system, events=events)


def _events_frame(traj: Trajectory, scenario: Scenario, names: tuple[str, ...], reg: Registry):
    import pandas as pd

    ev = traj.events
    fields = reg.event_fields()
    kinds = [e.name for e in reg.event_kinds()]
    if ev["world"]:
        cat = {k: np.concatenate(v) for k, v in ev.items()}
    else:
        cat = {"world": np.array([], np.int64), "year": np.array([], np.int64), "event": np.array([], np.int16)}
        cat |= {f.name: np.array([], dtype=np.float64 if f.type == "float" else np.int64) for f in fields}
    order = np.lexsort((cat["event"], cat["year"], cat["world"]))  # stable: emission order within a kind

    data: dict[str, Any] = {
        "world": cat["world"][order].astype(np.int32),
        "year": (cat["year"][order] + scenario.start_year).astype(np.int32),
        "event": _text(cat["event"][order], kinds),
    }
    for f in fields:
        v = cat[f.name][order]
        if f.type in ("state", "label"):  # a code (−1: missing, the empty string)
            data[f.name] = _text(v, names if f.type == "state" else f.choices, missing=True)
        elif f.type == "float":
            data[f.name] = v.astype(np.float64)
        else:
            data[f.name] = v.astype(np.int64)
    return pd.DataFrame(data)


def _text(codes: NDArray, labels: Sequence[str], missing: bool = False):
    """The column of text ``labels[codes]`` (``missing``: a negative code is the empty string), in
    pandas' string dtype whether or not a chunk has events.  Taken from the labels by pyarrow (one
    pass over int codes; building it from an array of Python strings cost most of a small run's
    table building)."""
    import pandas as pd
    import pyarrow as pa

    c = np.asarray(codes, dtype=np.int64)
    if missing:
        labels, c = [*labels, ""], np.where(c >= 0, c, len(labels))
    text = pa.array(list(labels), type=pa.large_string()).take(pa.array(c))
    return pd.array(text, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def iter_chunks(
    scenario: Scenario,
    *,
    worlds: int | None = None,
    years: int | None = None,
    seed: int | None = None,
    chunk_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    states: str = "all",
    per_world: Mapping[str, Any] | None = None,
) -> Iterator[SimulationResult]:
    """Run the scenario in chunks of worlds, yielding one :class:`SimulationResult` per chunk.

    World ids are global (chunk 2 of size 1000 holds worlds 1000–1999), so
    the results do not depend on ``chunk_size``; so are ``per_world`` values
    (one per world of the whole run).  ``progress`` is called with the number
    of world-years just completed.  ``states`` chooses the state rows kept:
    ``all`` years, the first and last (``ends``), or ``none``.
    """
    worlds = scenario.worlds if worlds is None else worlds
    years = scenario.years if years is None else years
    seed = scenario.seed if seed is None else seed
    _check_run(worlds, years, seed, chunk_size)
    if states not in STATES_RECORDED:
        raise ParameterError(f"states = {states!r}: allowed {', '.join(STATES_RECORDED)}")
    pw = {k: np.asarray(v) for k, v in (per_world or {}).items()}
    for k, v in pw.items():
        if v.shape != (worlds,):
            raise ParameterError(f"per_world[{k!r}]: expected {worlds} values (one per world), got shape {v.shape}")
    for lo in range(0, worlds, chunk_size):
        ids = np.arange(lo, min(worlds, lo + chunk_size), dtype=np.int64)
        chunk_pw = {k: v[ids] for k, v in pw.items()} or None
        traj = run_batch(scenario, ids, years, seed, per_world=chunk_pw, record_states=states, progress=progress)
        yield to_tables(traj, scenario, states=states)


def simulate(
    scenario: Scenario,
    *,
    worlds: int | None = None,
    years: int | None = None,
    seed: int | None = None,
    chunk_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    states: str = "all",
    per_world: Mapping[str, Any] | None = None,
) -> SimulationResult:
    """Run the scenario; all worlds' tables concatenated (see :func:`iter_chunks`)."""
    import pandas as pd

    parts = list(iter_chunks(scenario, worlds=worlds, years=years, seed=seed, chunk_size=chunk_size,
                             progress=progress, states=states, per_world=per_world))
    if len(parts) == 1:  # one chunk: its tables as they are (a concatenation would copy them)
        return parts[0]
    return SimulationResult(
        scenario=scenario,
        states=pd.concat([p.states for p in parts], ignore_index=True),
        system=pd.concat([p.system for p in parts], ignore_index=True),
        events=pd.concat([p.events for p in parts], ignore_index=True),
    )
