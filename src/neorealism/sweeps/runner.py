"""Running a sweep into a resumable store, and reading it back.

A sweep's points are split into chunks of ``chunk_points`` points; chunk
*c* holds points [c·k, (c+1)·k) and their worlds, point *p*'s replicate *r*
being world ``p · replications + r`` (its own random stream).  A chunk runs
as one engine batch with the parameters varying across its worlds
(``per_world``), so its rows depend on nothing but the spec and the chunk:
any evaluator, any number of workers, any order gives the same rows.

The store is the run store's (:class:`neorealism.results.ChunkStore` with
one table, ``worlds``): each finished chunk is one checksummed Parquet file,
recorded in a journal as it lands; the manifest (the spec and its SHA-256,
the seed, the package version and model fingerprint, every chunk with its
status, rows and checksum) is written last.  Killing a sweep and running
the same command again verifies the finished chunks and computes only the
rest — none lost, none twice.  A folder that holds another sweep (another
spec, version or model), a run, or anything else is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import NeorealismError, ParameterError
from .spec import SweepSpec

__all__ = ["FORMAT", "SweepError", "SweepOutcome", "SweepResult", "estimate", "evaluate_chunk", "run_sweep"]

#: The sweep store's format (manifest ``format``).
FORMAT = "neorealism-sweep/1"
TABLE = "worlds"
#: Fewest worlds of a chunk that the engine's threads share (below, one thread is faster).
MIN_WORLDS_FOR_THREADS = 256


class SweepError(NeorealismError):
    """A sweep finished with chunks that kept failing (named, with their errors); the others are kept."""


# --------------------------------------------------------------------------- one chunk


@dataclass(frozen=True)
class ChunkTask:
    """What a worker needs to compute one chunk: the spec (as JSON), the chunk, its points."""

    spec_json: str
    index: int
    first_point: int
    points: tuple[tuple[Any, ...], ...]


_SCENARIOS: dict[str, Any] = {}


def _scenario(spec: SweepSpec) -> Any:
    """The sweep's base scenario (its scenario with the spec's ``set``), built once per process."""
    key = spec.digest()
    if key not in _SCENARIOS:
        from .. import api
        from ..experiments.spec import resolve_scenario

        sc = resolve_scenario(spec.scenario, "scenario", spec.name)
        if spec.set:
            sc = api.with_overrides(sc, dict(spec.set))
        _SCENARIOS.clear()
        _SCENARIOS[key] = sc
    return _SCENARIOS[key]


def _states_needed(names: list[str]) -> str:
    from ..outcomes import outcome

    order = {"none": 0, "ends": 1, "all": 2}
    return max((outcome(n).needs for n in names), key=lambda s: order[s], default="none")


def evaluate_chunk(task: ChunkTask) -> pd.DataFrame:
    """The rows of one chunk: point, replicate, world, the point's parameters, every outcome per world.

    For each outcome ``o``: ``o`` (the world's value, Σnum/Σden × scale
    over the world alone; NaN when its denominator is 0), ``o__num`` and
    ``o__den`` (so that pooled figures can be computed from the rows).
    """
    from .. import engine
    from ..outcomes import measure, outcome

    spec = SweepSpec.model_validate_json(task.spec_json)
    sc = _scenario(spec)
    names = list(spec.parameters)
    P, reps = len(task.points), spec.replications
    pts = pd.DataFrame(list(task.points), columns=names)
    first_world = task.first_point * reps
    ids = np.arange(first_world, first_world + P * reps, dtype=np.int64)
    per_world = {p: np.repeat(pts[p].to_numpy(), reps) for p in names}
    mode = _states_needed(list(spec.outcomes))
    # a small chunk runs in one thread: splitting it costs more than it saves (benchmarks/sweeps.py)
    threads = 1 if len(ids) < MIN_WORLDS_FOR_THREADS else None
    traj = engine.run_batch(sc, ids, spec.years, spec.seed, per_world=per_world, record_states=mode, threads=threads)
    t = engine.to_tables(traj, sc, states=mode)
    for df in (t.states, t.system, t.events):
        df["world"] = df["world"].to_numpy(np.int64) - first_world
    n = P * reps
    out: dict[str, Any] = {
        "point": np.repeat(np.arange(task.first_point, task.first_point + P, dtype=np.int64), reps),
        "replicate": np.tile(np.arange(reps, dtype=np.int64), P),
        "world": ids,
    }
    for p in names:
        out[p] = per_world[p]
    for name, (num, den) in measure(t, list(spec.outcomes), n, spec.years).items():
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan) * outcome(name).scale
        out[f"{name}__num"] = num.astype(np.float64)
        out[f"{name}__den"] = den.astype(np.float64)
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- planning


@dataclass
class Plan:
    spec: SweepSpec
    points: pd.DataFrame
    chunk_points: int

    @property
    def n_chunks(self) -> int:
        return math.ceil(len(self.points) / self.chunk_points)

    def task(self, index: int) -> ChunkTask:
        lo = index * self.chunk_points
        hi = min(len(self.points), lo + self.chunk_points)
        rows = tuple(tuple(_plain(v) for v in r) for r in self.points.iloc[lo:hi].itertuples(index=False))
        return ChunkTask(self.spec.model_dump_json(), index, lo, rows)

    def worlds(self, index: int) -> tuple[int, int]:
        lo = index * self.chunk_points
        hi = min(len(self.points), lo + self.chunk_points)
        return lo * self.spec.replications, hi * self.spec.replications


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def plan(spec: SweepSpec) -> Plan:
    """The sample and the chunks (every point checked against the parameter models before anything runs)."""
    from .. import api
    from ..errors import SpecError
    from .samplers import sample

    sc = _scenario_checked(spec)
    pts = sample(spec)
    # each parameter's extremes are validated as a scenario would be, naming the parameter
    for p in pts.columns:
        col = pts[p]
        checks = [_plain(col.min()), _plain(col.max())] if col.dtype.kind in "if" else list(dict.fromkeys(col))
        for v in checks:
            try:
                api.with_overrides(sc, {p: v})
            except NeorealismError as exc:
                raise SpecError(spec.name, [f"parameters.{p}: {exc}"]) from None
    return Plan(spec, pts, spec.chunk())


def _scenario_checked(spec: SweepSpec) -> Any:
    from ..errors import SpecError

    try:
        return _scenario(spec)
    except SpecError:
        raise
    except NeorealismError as exc:
        raise SpecError(spec.name, [f"set: {exc}"]) from None


@dataclass
class Estimate:
    seconds: float
    bytes: float
    worlds: int
    state_years: int


def _pilot(p: Plan, worlds: int, years: int) -> tuple[float, pd.DataFrame]:
    spec = p.spec.model_copy(update={"replications": worlds, "years": years})
    task = ChunkTask(spec.model_dump_json(), 0, 0, (tuple(_plain(v) for v in p.points.iloc[0]),))
    t0 = time.perf_counter()
    rows = evaluate_chunk(task)
    return time.perf_counter() - t0, rows


def estimate(p: Plan, workers: int = 1) -> Estimate:
    """Time and disk a sweep needs, from pilots of its first point (not stored).

    After a short warm-up (compiled kernels load), one point runs with 4 and
    with 16 worlds for the spec's years: the two timings split a chunk's time
    into a fixed cost and a cost per world, t = a + b·w, and the sweep takes
    chunks × (a + b · worlds per chunk) / workers.  The pilot's rows,
    written as the store writes them, give the bytes per world.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    spec = p.spec
    _pilot(p, 2, min(spec.years, 5))
    t4, _ = _pilot(p, 4, spec.years)
    t16, rows = _pilot(p, 16, spec.years)
    b = max((t16 - t4) / 12, t16 / 160)  # per world (at least a tenth of the mean: timings are noisy)
    a = max(t4 - 4 * b, 0.0)
    w = p.chunk_points * spec.replications
    seconds = p.n_chunks * (a + b * w) / max(1, min(workers, p.n_chunks))
    buf = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), buf, compression="zstd")
    per_row = buf.getvalue().size / max(1, len(rows))
    W = spec.n_worlds
    return Estimate(seconds=seconds, bytes=per_row * W, worlds=W,
                    state_years=W * spec.years * _scenario(spec).n_states)


# --------------------------------------------------------------------------- running


@dataclass
class SweepOutcome:
    path: Path
    chunks: int
    resumed: int
    computed: int
    reused: bool
    elapsed: float
    failed: dict[int, str] = field(default_factory=dict)


def _identity(spec: SweepSpec) -> dict[str, Any]:
    from .. import __version__
    from ..results import model_fingerprint

    return {"format": FORMAT, "digest": spec.digest(), "version": __version__, "model": model_fingerprint()}


def _key(identity: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def _check_folder(out: Path, identity: dict[str, Any], key: str, overwrite: bool) -> bool:
    """True when ``out`` holds this very sweep, complete; refuse a folder holding something else."""
    from ..results import MANIFEST_NAME, PARTIAL_DIR, _is_temp_name

    if not out.exists():
        return False
    if not out.is_dir():
        raise ParameterError(f"--out {out} is a file, not a folder")
    names = [n.name for n in out.iterdir() if not _is_temp_name(n.name) and n.name not in (".lock",)]
    if not names:
        return False
    mpath = out / MANIFEST_NAME
    if mpath.is_file():
        try:
            m = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            m = {}
        if m.get("format") != FORMAT:
            if overwrite:
                return False
            raise ParameterError(f"--out {out} holds a result that is not a sweep; choose another folder "
                                 "(or --overwrite)")
        same = {k: m.get(k) for k in identity} == identity
        if same and m.get("complete"):
            return True
        if not same and not overwrite:
            diffs = [k for k in identity if m.get(k) != identity[k]]
            what = {"digest": "the spec", "version": "the package version", "model": "the model code"}
            raise ParameterError(
                f"--out {out} holds a sweep of a different {', '.join(what.get(d, d) for d in diffs)} "
                f"(spec sha256 {str(m.get('digest', '?'))[:12]}… there, {identity['digest'][:12]}… here); "
                "refusing to mix them: choose another folder, or --overwrite to replace it")
        return False
    partial = out / PARTIAL_DIR
    others = [d.name for d in partial.iterdir() if d.name != key] if partial.is_dir() else []
    if others and not overwrite:
        raise ParameterError(f"--out {out} holds an unfinished sweep of a different spec, version or model; "
                             "choose another folder, or --overwrite to discard it")
    foreign = [n for n in names if n not in (PARTIAL_DIR,) and not n.startswith("data-")]
    if foreign and not overwrite:
        raise ParameterError(f"--out {out} is not empty ({', '.join(sorted(foreign)[:3])}) and holds no sweep; "
                             "choose a new or empty folder")
    return False


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    *,
    evaluator: Any = None,
    overwrite: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
    on_start: Callable[[Plan, int], None] | None = None,
) -> SweepOutcome:
    """Run ``spec`` into ``out`` (resuming an interrupted run of the same spec), then publish its manifest.

    ``evaluator``: an :mod:`.evaluators` evaluator (default: a sequential one).
    ``progress(chunks_done, chunks_total, worlds_just_done)`` after every
    chunk; ``on_start(plan, chunks_left)`` once the folder is checked, before
    any chunk runs.  Raises :class:`SweepError` naming the chunks that kept
    failing (the others are kept: the same call again retries only those).
    """
    from .. import __version__
    from ..results import ChunkStore, ResultError, to_arrow  # noqa: F401
    from .evaluators import SequentialEvaluator

    out = Path(out)
    identity = _identity(spec)
    key = _key(identity)
    p = plan(spec)
    store = ChunkStore(out, tables=(TABLE,))
    t0 = time.perf_counter()
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    lock = store.lock()
    try:
        if _check_folder(out, identity, key, overwrite):
            return SweepOutcome(out, p.n_chunks, p.n_chunks, 0, True, time.perf_counter() - t0)
        if overwrite:
            m = store.read_manifest()
            if m is not None and m.get("format") != FORMAT:
                (out / "manifest.json").unlink(missing_ok=True)
        store.clean(keep=key)
        partial = store.open_partial(key, {"chunk_points": p.chunk_points, "points": len(p.points)})
        if partial.resumed and int(partial.plan.get("chunk_points", -1)) != p.chunk_points:
            partial.discard()
            partial = store.open_partial(key, {"chunk_points": p.chunk_points, "points": len(p.points)})
        done = set(partial.done)
        todo = [i for i in range(p.n_chunks) if i not in done]
        if on_start is not None:
            on_start(p, len(todo))
        failed: dict[int, str] = {}
        count = [len(done)]
        if progress is not None and done:
            progress(count[0], p.n_chunks, 0)

        def on_result(task: ChunkTask, rows: pd.DataFrame) -> None:
            import pyarrow as pa

            partial.write(task.index, p.worlds(task.index), {TABLE: pa.Table.from_pandas(rows, preserve_index=False)})
            count[0] += 1
            if progress is not None:
                progress(count[0], p.n_chunks, len(rows))

        def on_error(task: ChunkTask, exc: BaseException) -> None:
            failed[task.index] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]

        ev = evaluator or SequentialEvaluator()
        ev.run(evaluate_chunk, (p.task(i) for i in todo), on_result, on_error)
        if failed:
            shown = "; ".join(f"chunk {i}: {m}" for i, m in sorted(failed.items())[:5])
            raise SweepError(
                f"{len(failed)} of {p.n_chunks} chunks failed after retries ({shown}); the {count[0]} finished "
                f"chunks are kept in {out}: run the same command again to retry the rest")
        partial.publish({
            **identity, "sweep": spec.model_dump(mode="json"), "seed": spec.seed, "package_version": __version__,
            "points": len(p.points), "worlds": spec.n_worlds, "years": spec.years, "replications": spec.replications,
            "parameters": list(spec.parameters), "outcomes": list(spec.outcomes), "n_chunks": p.n_chunks,
            "evaluator": getattr(ev, "name", "?"),
        })
        return SweepOutcome(out, p.n_chunks, len(done), len(todo), False, time.perf_counter() - t0)
    except OSError as exc:
        raise ResultError(f"cannot write the sweep to {out}: {exc.strerror or exc}") from None
    finally:
        lock.release()


def free_bytes(out: Path) -> int | None:
    probe = out.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


# --------------------------------------------------------------------------- reading


class SweepResult:
    """A finished sweep, read back: ``.worlds`` (pandas), ``.query(sql)`` / ``.relation(sql)`` (DuckDB)."""

    def __init__(self, path: Path, manifest: dict[str, Any]):
        self.path, self.manifest = path, manifest
        self._con = None

    @classmethod
    def load(cls, path: str | Path, verify: bool = True) -> SweepResult:
        from ..results import MANIFEST_NAME, ResultError, _verify_file

        p = Path(path)
        try:
            m = json.loads((p / MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ResultError(f"{p} holds no readable sweep manifest ({exc})") from None
        if not isinstance(m, dict) or m.get("format") != FORMAT or not m.get("complete"):
            raise ResultError(f"{p} holds no complete sweep")
        for c in m.get("chunks", []):
            rec = c["files"][TABLE]
            if verify:
                _verify_file(p, rec, "manifest.json")
        return cls(p, m)

    def files(self) -> list[Path]:
        return [self.path / c["files"][TABLE]["path"] for c in self.manifest.get("chunks", [])]

    @property
    def worlds(self) -> pd.DataFrame:
        import pyarrow as pa
        import pyarrow.parquet as pq

        return pa.concat_tables([pq.read_table(f) for f in self.files()]).to_pandas()

    def connection(self) -> Any:
        if self._con is None:
            import duckdb

            from ..results import _sql_str

            con = duckdb.connect()
            files = ", ".join(_sql_str(f) for f in self.files())
            con.execute(f"CREATE VIEW worlds AS SELECT * FROM read_parquet([{files}]) ORDER BY world")
            self._con = con
        return self._con

    def relation(self, sql: str) -> Any:
        """A DuckDB relation of ``sql`` over the view ``worlds``."""
        return self.connection().sql(sql)

    def query(self, sql: str) -> pd.DataFrame:
        """``sql`` over the view ``worlds``, as pandas."""
        return self.connection().execute(sql).df()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> SweepResult:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
