"""Simulation results on disk: a chunked, checksummed result store, and reading it back.

A result directory (``DIR``) holds

- ``manifest.json``  written last, atomically: the full validated scenario, seed,
  worlds, years, package version, a fingerprint of the model's code, the
  Python / NumPy / SciPy versions, creation time, the run's identity hash,
  row counts, ``"complete": true`` and every chunk file (table, world range,
  rows, bytes, sha256);
- ``data-<generation>/<table>-<chunk>.parquet``  one Parquet file per table
  (``states``: one row per world × year × state, ``system``: per world × year,
  ``events``: per event) and per chunk of worlds;
- while a run is unfinished, ``.partial/<identity>/journal.json`` (its finished
  chunks, so that it resumes) and ``.lock`` (the flock of the one writer).

:class:`ChunkStore` is the store (runs now, sweeps later), :class:`StoreLock`
its lock, :class:`ResultWriter` writes a run through it and :class:`ResultSet`
reads a result back (checksums verified): the tables as pandas DataFrames
(loaded lazily), the manifest, DuckDB SQL over the three tables, and a summary
of the run.  See docs/architecture.md, "The result store".
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import hashlib
import json
import math
import os
import secrets
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import NeorealismError

__all__ = [
    "IDENTITY_LABELS",
    "MANIFEST_NAME",
    "RESULT_FILES",
    "SCHEMAS",
    "TABLES",
    "ChunkStore",
    "StoreLock",
    "environment",
    "identity_key",
    "model_fingerprint",
    "ResultError",
    "ResultSet",
    "ResultWriter",
    "run_differences",
    "run_identity",
]

#: The three tables of a result, in the order they are written.
TABLES: tuple[str, ...] = ("states", "system", "events")

class _Schemas(Mapping[str, "pa.Schema"]):
    """Table name → Arrow schema, derived from the mechanism registry (stable even for empty chunks)."""

    def __getitem__(self, table: str) -> pa.Schema:
        from .mechanisms.registry import current

        return current().schemas[table]

    def __iter__(self):
        return iter(TABLES)

    def __len__(self) -> int:
        return len(TABLES)


#: Table name → explicit Arrow schema, one declaration: the registry's (see docs/model.md#outputs).
SCHEMAS: Mapping[str, pa.Schema] = _Schemas()


def __getattr__(name: str) -> Any:
    """``STATES_SCHEMA``, ``SYSTEM_SCHEMA``, ``EVENTS_SCHEMA`` and ``EVENT_KINDS`` of the registry in force."""
    if name in ("STATES_SCHEMA", "SYSTEM_SCHEMA", "EVENTS_SCHEMA"):
        return SCHEMAS[name.split("_")[0].lower()]
    if name == "EVENT_KINDS":
        from .mechanisms.registry import current

        return tuple(e.name for e in current().event_kinds())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MANIFEST_NAME = "manifest.json"
#: The file names at the top of a complete result (beside its ``data-<generation>`` folder).
RESULT_FILES: tuple[str, ...] = (MANIFEST_NAME,)
#: Version of the on-disk layout, recorded in the manifest (1: one file per table; 2: checksummed chunks).
FORMAT = "neorealism-results/2"

_TMP_MARK = ".tmp-"


#: Largest ``manifest.json`` read (a manifest holds one scenario: a few KiB to a few hundred KiB).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


class ResultError(NeorealismError):
    """A result directory is missing, incomplete, corrupt, or would be overwritten."""


def _format_version(fmt: Any) -> int | None:
    """``"neorealism-results/3"`` → 3; None for anything that is not such a string."""
    prefix, _, number = str(fmt).rpartition("/")
    if not isinstance(fmt, str) or f"{prefix}/" != FORMAT.rsplit("/", 1)[0] + "/" or not number.isdigit():
        return None
    return int(number)


def _check_format(mpath: Path, fmt: Any) -> None:
    """Refuse a manifest of another layout, or of a newer one than this version reads."""
    have, want = _format_version(fmt), _format_version(FORMAT)
    assert want is not None
    if have is None:
        raise ResultError(
            f"unreadable {mpath}: format = {json.dumps(fmt)} is not a neorealism result format "
            f"(this version reads {FORMAT!r})"
        )
    if have > want:
        raise ResultError(
            f"{mpath}: format {fmt!r} was written by a newer neorealism than this one "
            f"({_package_version()}, which reads up to {FORMAT!r}); upgrade neorealism to read it"
        )
    if have < want:
        raise ResultError(
            f"{mpath}: format {fmt!r} is older than {FORMAT!r} (no checksums) and no longer read; "
            "re-run it with --overwrite"
        )


def _package_version() -> str:
    from . import __version__

    return __version__


#: The modules whose code determines a run's numbers (the model), for :func:`model_fingerprint`.
MODEL_MODULES: tuple[str, ...] = ("engine.py", "state.py", "rng.py", "measures.py", "scenario.py", "schema.py", "mechanisms")


@functools.cache
def _package_digest() -> bytes:
    from importlib import resources

    root = resources.files("neorealism")
    h = hashlib.sha256()
    for name in MODEL_MODULES:
        node = root / name
        files = sorted((f for f in node.iterdir() if f.name.endswith(".py")), key=lambda f: f.name) if node.is_dir() else [node]
        for f in files:
            h.update(f"{name}/{f.name}\0".encode())
            h.update(f.read_bytes())
    return h.digest()


def model_fingerprint() -> str:
    """SHA-256 (first 16 hex digits) of the model's source code.

    The package version alone does not change while the model is being
    developed (an editable install); this fingerprint does, so an earlier
    result is never taken for the current model's.  Code outside the
    package that takes part in a run — a doctrine class a user registered, a
    mechanism of a registry installed with ``registry.using`` — counts too
    (:func:`_user_code`), so a changed user class is never served a result
    computed with the old one.
    """
    user = _user_code()
    if not user:
        return hashlib.sha256(_package_digest()).hexdigest()[:16]
    h = hashlib.sha256(_package_digest())
    for key, text in user:
        h.update(f"user/{key}\0".encode())
        h.update(text.encode())
    return h.hexdigest()[:16]


model_fingerprint.cache_clear = _package_digest.cache_clear  # type: ignore[attr-defined]


def _user_code() -> list[tuple[str, str]]:
    """The code outside the package that takes part in a run: doctrine classes a user registered
    and mechanisms of a registry installed with ``registry.using`` (their source, or their
    declaration where the source cannot be read), so that changing one changes the fingerprint."""
    import inspect

    from .mechanisms.doctrines import registered
    from .mechanisms.registry import current

    def source(obj: Any, fallback: str) -> str:
        try:
            return inspect.getsource(obj)
        except (OSError, TypeError):
            return fallback

    out = []
    for name, cls in registered().items():
        if cls.__module__ != "neorealism.mechanisms.doctrines":  # the package's own are in the digest
            out.append((f"doctrine:{name}", source(cls, f"{cls.__qualname__} {cls.classifier!r} {cls.sources!r}")))
    for m in current().mechanisms:
        module = m.module or ""
        if not module.startswith("neorealism.mechanisms."):
            import sys

            mod = sys.modules.get(module)
            out.append((f"mechanism:{m.name}", source(mod, repr(m)) if mod is not None else repr(m)))
    return out


def environment() -> dict[str, str]:
    """Versions of what computed a result (recorded in the manifest, not part of a run's identity)."""
    import platform

    import scipy

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "machine": platform.machine(),
        "system": platform.system(),
    }


#: Each part of a run's identity (the keys of :func:`run_identity`) as named to a user.
IDENTITY_LABELS: dict[str, str] = {
    "scenario": "scenario",
    "worlds": "worlds",
    "years": "years",
    "seed": "seed",
    "states": "--states",
    "version": "neorealism version",
    "model": "model code (fingerprint of its source)",
    "format": "result format",
}


def run_identity(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What determines a run's results (each part named in words by :data:`IDENTITY_LABELS`).

    The scenario (with worlds, years, seed), the ``--states`` mode, the
    package version, the model-code fingerprint and the result format.

    Runs are deterministic: two runs with the same identity write identical
    tables, whatever their chunk size (world ids, not chunks, seed the random
    streams), so ``chunk_size`` and ``created`` are not part of it.
    """
    ident = {
        "scenario": manifest.get("scenario"),
        "worlds": manifest.get("worlds"),
        "years": manifest.get("years"),
        "seed": manifest.get("seed"),
        "states": manifest.get("states_recorded", "all"),
        "version": manifest.get("version"),
        "model": manifest.get("model"),
        "format": manifest.get("format"),
    }
    # normalise through JSON (tuples → lists, numpy scalars → numbers, models → dicts)
    return json.loads(json.dumps(ident, default=_json_default, allow_nan=True))


def run_differences(wanted: Mapping[str, Any], stored: Mapping[str, Any], limit: int = 6) -> list[str]:
    """How two manifests' runs differ, as ``"worlds 100 vs 50"`` items (wanted vs stored); [] if identical."""
    a, b = run_identity(wanted), run_identity(stored)
    out: list[str] = []
    # run settings first (they are also inside the scenario; name them once)
    for key in ("worlds", "years", "seed", "states", "version", "model", "format"):
        if a[key] != b[key]:
            label = {"states": "--states", "model": "model code"}.get(key, key)
            out.append(f"{label} {_short(a[key])} vs {_short(b[key])}")
    skip = {"worlds", "years", "seed"}
    _diff(a["scenario"], b["scenario"], "", out, skip)
    if len(out) > limit:
        out = [*out[:limit], f"… {len(out) - limit} more"]
    return out


def _short(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
    return text if len(text) <= 40 else text[:37] + "..."


def _diff(a: Any, b: Any, path: str, out: list[str], skip: set[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if not path and k in skip:
                continue
            _diff(a.get(k), b.get(k), f"{path}.{k}" if path else str(k), out, skip)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and path != "alliances":
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{path}[{i}]", out, skip)
    elif isinstance(a, list) and isinstance(b, list) and len(a) != len(b):
        out.append(f"{path or 'scenario'}: {len(a)} vs {len(b)} entries")
    elif a != b:
        out.append(f"{path or 'scenario'} {_short(a)} vs {_short(b)}")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (_dt.datetime, _dt.date)):
        return obj.isoformat()
    dump = getattr(obj, "model_dump", None)  # pydantic models (e.g. a Scenario)
    if callable(dump):
        return dump(mode="json")
    raise TypeError(f"manifest value of type {type(obj).__name__} is not JSON-serialisable")


def to_arrow(table: str, df: pd.DataFrame | None) -> pa.Table:
    """Convert one chunk of table ``table`` to Arrow with the fixed schema.

    Columns are selected and ordered by the schema (extra columns are an
    error, as are missing ones); dtypes are cast safely (e.g. int64 world ids
    to int32), so every chunk and every file has the same schema.
    """
    schema = SCHEMAS[table]
    if df is None or len(df) == 0:
        if df is not None:
            _check_columns(table, df)
        return schema.empty_table()
    _check_columns(table, df)
    frame = df[schema.names]
    try:
        out = pa.Table.from_pandas(frame, schema=schema, preserve_index=False, safe=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise ValueError(f"{table} chunk does not fit the result schema: {exc}") from exc
    return out.replace_schema_metadata(None)


def _check_columns(table: str, df: pd.DataFrame) -> None:
    if len(df) == 0 and len(df.columns) == 0:
        return  # a bare empty frame means "no rows"
    names = SCHEMAS[table].names
    cols = [str(c) for c in df.columns]
    missing = [n for n in names if n not in cols]
    extra = [c for c in cols if c not in names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing columns {missing}")
        if extra:
            parts.append(f"unexpected columns {extra}")
        raise ValueError(f"{table} chunk: {'; '.join(parts)} (expected {names})")


# --------------------------------------------------------------------------- helpers


def _is_temp_name(name: str) -> bool:
    """Hidden temporary files written by the store (possibly left by a killed writer), any layout version."""
    return name.startswith(".") and _TMP_MARK in name


def _fsync_dir(path: Path) -> None:
    # Best effort: make the renames durable (POSIX; a no-op where unsupported).
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _token() -> str:
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a hidden temp file beside it (fsync, then rename)."""
    tmp = path.with_name(f".{path.name}{_TMP_MARK}{_token()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _json_text(obj: Any) -> str:
    return json.dumps(obj, indent=2, allow_nan=False, default=_json_default, ensure_ascii=False) + "\n"


def identity_key(manifest: Mapping[str, Any]) -> str:
    """SHA-256 (first 16 hex digits) of a run's :func:`run_identity`: names its journal, recorded in its manifest."""
    text = json.dumps(run_identity(manifest), sort_keys=True, ensure_ascii=False, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _os_errors(path: Path, doing: str = "write results to"):
    """An OS error (disk full, permission denied) as a :class:`ResultError` naming the user's directory."""
    try:
        yield
    except ResultError:
        raise
    except OSError as exc:
        raise ResultError(f"cannot {doing} {path}: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- the lock


LOCK_NAME = ".lock"
PARTIAL_DIR = ".partial"
JOURNAL_NAME = "journal.json"
_GEN_PREFIX = "data-"


class StoreLock:
    """An exclusive ``fcntl.flock`` on ``DIR/.lock``: one writer per result directory.

    The OS releases a flock when its process dies, so a killed writer never
    leaves a stale lock.  A second writer is refused at once (:class:`ResultError`
    naming the directory); it does not wait.  flock is per open file
    description, so a second :class:`StoreLock` in the same process conflicts too.
    The lock file is removed on :meth:`release` (while still held; a writer that
    locked the removed file notices and locks the new one).  A directory the
    lock created is removed again on release if nothing else is left in it.
    """

    def __init__(self, path: Path, fd: int, created: bool):
        self.path, self._fd, self.created = path, fd, created

    @classmethod
    def acquire(cls, path: str | os.PathLike[str]) -> StoreLock:
        import fcntl

        p = Path(path)
        if p.exists() and not p.is_dir():
            raise ResultError(f"cannot write results to {p}: it exists and is not a directory")
        created = False
        with _os_errors(p, "create result directory"):
            if not p.exists():
                p.mkdir(parents=True)
                created = True
        lock = p / LOCK_NAME
        fd, held, got = -1, False, None
        try:
            while True:
                with _os_errors(p, "lock result directory"):
                    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = ""
                    with contextlib.suppress(OSError):
                        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                    os.close(fd)
                    fd = -1
                    who = f" (process {holder})" if holder.isdigit() else ""
                    raise ResultError(
                        f"{p} is being written by another neorealism run{who}; wait for it to finish, "
                        "or choose another output directory"
                    ) from None
                except OSError as exc:
                    os.close(fd)
                    fd = -1
                    raise ResultError(f"cannot lock result directory {p}: {exc.strerror or exc}") from None
                held = True
                try:
                    same = os.stat(lock).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if same:
                    break
                os.close(fd)  # locked a lock file its holder had just removed: lock the current one
                fd, held = -1, False
            got = cls(p, fd, created)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)
            return got
        except BaseException:  # an interrupt (Ctrl-C, SIGTERM) half-way: leave no lock file, no new directory
            if got is not None:
                got.release()
                raise
            if fd >= 0 and not held:  # opened, not yet locked: the file is ours to remove only if no one holds it
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held = True
            if held:  # only a lock file this call holds is its to remove (never another writer's)
                with contextlib.suppress(OSError):
                    if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                        os.unlink(lock)
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if created:
                with contextlib.suppress(OSError):
                    p.rmdir()  # only if empty
            raise

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Unlock (idempotent); remove the lock file, and the directory if this lock created it and it is empty."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path / LOCK_NAME)
        with contextlib.suppress(OSError):
            (self.path / PARTIAL_DIR).rmdir()  # only if empty
        os.close(self._fd)
        self._fd = None
        if self.created:
            with contextlib.suppress(OSError):
                self.path.rmdir()  # only if empty

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


# --------------------------------------------------------------------------- the chunk store


def _chunk_file_name(table: str, index: int) -> str:
    return f"{table}-{index:06d}.parquet"


def _verify_file(root: Path, rec: Mapping[str, Any], where: str) -> Path:
    """The chunk file ``rec`` (path, bytes, sha256) exists under ``root`` unchanged; else :class:`ResultError`."""
    rel = rec.get("path") if isinstance(rec, Mapping) else None
    if not isinstance(rel, str) or not rel or rel.startswith("/") or ".." in Path(rel).parts:
        raise ResultError(f"corrupt result in {root}: {where} lists a chunk file with a bad path {rel!r}")
    f = root / rel
    if not f.is_file():
        raise ResultError(f"incomplete result in {root}: missing {rel} (listed in {where})")
    size = f.stat().st_size
    if size != rec.get("bytes"):
        raise ResultError(
            f"corrupt result in {root}: {rel} has {size} bytes but {where} records {rec.get('bytes')} "
            "(the file was replaced or damaged); re-run with --overwrite"
        )
    if _sha256_file(f) != rec.get("sha256"):
        raise ResultError(
            f"corrupt result in {root}: {rel} does not match its sha256 in {where} "
            "(the file was changed or replaced); re-run with --overwrite"
        )
    return f


class ChunkStore:
    """A directory of tables stored as one checksummed Parquet file per finished chunk, plus a manifest.

    Layout (docs/architecture.md#the-result-store)::

        DIR/manifest.json                    written last, atomically (rename): the published result
        DIR/data-<generation>/<table>-<index>.parquet   one file per table and chunk
        DIR/.partial/<key>/journal.json      the chunks finished so far of an unpublished generation
        DIR/.lock                            flock of the one writer

    Every chunk file is written to a hidden temp file and renamed into place;
    its size and sha256 go into the journal (rewritten atomically after every
    chunk) and, when the generation is published, into the manifest.  A new
    generation is built beside the published one, so the old result stays
    complete and loadable until the manifest rename publishes the new one.

    The store serves runs (:class:`ResultWriter`) and, later, sweeps: a key
    names a generation's journal (a run uses the hash of its identity, so a
    killed run resumes from its finished chunks), and ``plan`` records what
    decides the chunks' contents and boundaries (e.g. the chunk size).
    Methods that change the directory must be called with the lock held
    (:meth:`lock`).
    """

    def __init__(self, path: str | os.PathLike[str], *, tables: tuple[str, ...] = TABLES, compression: str = "zstd"):
        self.path = Path(path)
        self.tables = tables
        self.compression = compression

    def lock(self) -> StoreLock:
        return StoreLock.acquire(self.path)

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST_NAME

    def _journal_path(self, key: str) -> Path:
        return self.path / PARTIAL_DIR / key / JOURNAL_NAME

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest as JSON, or None when there is none or it is unreadable (no checks)."""
        try:
            m = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        return m if isinstance(m, dict) else None

    def _journal(self, key: str) -> dict[str, Any] | None:
        try:
            j = json.loads(self._journal_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(j, dict) or j.get("key") != key or not isinstance(j.get("chunks"), list):
            return None
        gen = j.get("generation")
        if not isinstance(gen, str) or not gen.startswith(_GEN_PREFIX) or "/" in gen:
            return None
        return j

    @staticmethod
    def listed_paths(doc: Mapping[str, Any] | None) -> set[str]:
        """Every chunk file path a manifest or journal lists."""
        out: set[str] = set()
        chunks = doc.get("chunks") if isinstance(doc, Mapping) else None
        for c in chunks if isinstance(chunks, list) else ():
            files = c.get("files") if isinstance(c, Mapping) else None
            for rec in files.values() if isinstance(files, Mapping) else ():
                if isinstance(rec, Mapping) and isinstance(rec.get("path"), str):
                    out.add(rec["path"])
        return out

    def clean(self, keep: str | None = None) -> None:
        """Remove what dead writers left (lock held): temp files, partials other than ``keep``'s,
        chunk files no valid manifest or journal lists, and generation folders nobody references."""
        p = self.path
        if not p.is_dir():
            return
        listed = self.listed_paths(self.read_manifest())
        partial = p / PARTIAL_DIR
        if partial.is_dir():
            for d in partial.iterdir():
                if d.name == keep and d.is_dir() and self._journal(keep) is not None:
                    for f in d.iterdir():
                        if f.name != JOURNAL_NAME:
                            _rmtree(f) if f.is_dir() else f.unlink(missing_ok=True)
                    listed |= self.listed_paths(self._journal(keep))
                    listed.add(f"{self._journal(keep)['generation']}/")
                else:
                    _rmtree(d) if d.is_dir() else d.unlink(missing_ok=True)
        for f in p.iterdir():
            if _is_temp_name(f.name):
                _rmtree(f) if f.is_dir() else f.unlink(missing_ok=True)
            elif f.name.startswith(_GEN_PREFIX) and f.is_dir():
                mine = {x for x in listed if x.startswith(f.name + "/")}
                if not mine:
                    _rmtree(f)
                    continue
                for g in f.iterdir():
                    if f"{f.name}/{g.name}" not in mine:
                        _rmtree(g) if g.is_dir() else g.unlink(missing_ok=True)
        _fsync_dir(p)

    def open_partial(self, key: str | None, plan: Mapping[str, Any]) -> Partial:
        """The unpublished generation of ``key``: resumed from its journal (its finished chunks verified,
        its ``plan`` kept) when there is one, else a new one.  ``key=None``: always new, never resumed."""
        if key is not None:
            j = self._journal(key)
            if j is not None and isinstance(j.get("plan"), dict):
                good = []
                for c in j["chunks"]:
                    try:
                        for rec in c["files"].values():
                            _verify_file(self.path, rec, JOURNAL_NAME)
                        good.append(c)
                    except (ResultError, KeyError, TypeError, AttributeError, OSError):
                        pass  # a damaged finished chunk is computed again
                return Partial(self, key, j["generation"], dict(j["plan"]), good, resumed=True)
        key = key or f"w{secrets.token_hex(8)}"
        gen = f"{_GEN_PREFIX}{_dt.datetime.now(_dt.UTC).strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}"
        return Partial(self, key, gen, dict(plan), [], resumed=False)


class Partial:
    """One generation being built in a :class:`ChunkStore`: chunks written one by one, then published."""

    def __init__(self, store: ChunkStore, key: str, generation: str, plan: dict[str, Any],
                 chunks: list[dict[str, Any]], resumed: bool):
        self.store, self.key, self.generation, self.plan = store, key, generation, plan
        self.chunks: dict[int, dict[str, Any]] = {int(c["index"]): c for c in chunks}
        self.resumed = resumed

    @property
    def done(self) -> set[int]:
        """Indices of the finished chunks (resumed or written)."""
        return set(self.chunks)

    def _dir(self) -> Path:
        return self.store.path / self.generation

    def _save_journal(self) -> None:
        j = {"key": self.key, "generation": self.generation, "plan": self.plan,
             "chunks": [self.chunks[i] for i in sorted(self.chunks)]}
        jp = self.store._journal_path(self.key)
        jp.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(jp, _json_text(j).encode())

    def write(self, index: int, worlds: tuple[int, int] | None, tables: Mapping[str, pa.Table]) -> dict[str, Any]:
        """Write chunk ``index`` (each table atomically, with its sha256), then record it in the journal."""
        d = self._dir()
        d.mkdir(parents=True, exist_ok=True)
        files: dict[str, Any] = {}
        for table in self.store.tables:
            tbl = tables[table]
            buf = pa.BufferOutputStream()
            pq.write_table(tbl, buf, compression=self.store.compression)
            data = buf.getvalue().to_pybytes()
            name = _chunk_file_name(table, index)
            _write_atomic(d / name, data)
            files[table] = {"path": f"{self.generation}/{name}", "rows": tbl.num_rows, "bytes": len(data),
                            "sha256": hashlib.sha256(data).hexdigest()}
        rec = {"index": int(index), "worlds": list(worlds) if worlds is not None else None, "status": "done",
               "files": files}
        self.chunks[int(index)] = rec
        self._save_journal()
        return rec

    def publish(self, meta: Mapping[str, Any]) -> Path:
        """Publish: ``manifest.json`` (``meta`` + the chunk list) replaces the previous one in one rename;
        then the previous generation and the journal are removed."""
        store = self.store
        old = store.read_manifest()
        if not self.chunks:
            self._dir().mkdir(parents=True, exist_ok=True)
        chunks = [self.chunks[i] for i in sorted(self.chunks)]
        manifest = dict(meta)
        manifest.update(
            generation=self.generation,
            identity=self.key,
            plan=self.plan,
            chunks=chunks,
            rows={t: sum(int(c["files"][t]["rows"]) for c in chunks) for t in store.tables},
        )
        manifest["complete"] = True
        _fsync_dir(self._dir())
        _before_publish(store.path)
        _write_atomic(store.manifest_path, _json_text(manifest).encode())
        # published: what the old manifest listed (other generations) and the journal go
        for gen in {x.split("/", 1)[0] for x in store.listed_paths(old)} - {self.generation}:
            if gen.startswith(_GEN_PREFIX):
                _rmtree(store.path / gen)
        legacy = old.get("files") if isinstance(old, dict) else None  # format 1: one file per table at the top
        for name in legacy.values() if isinstance(legacy, dict) else ():
            if name in {f"{t}.parquet" for t in store.tables}:
                (store.path / name).unlink(missing_ok=True)
        self.drop_journal()
        return store.path

    def drop_journal(self) -> None:
        _rmtree(self.store.path / PARTIAL_DIR / self.key)
        with contextlib.suppress(OSError):
            (self.store.path / PARTIAL_DIR).rmdir()

    def discard(self) -> None:
        """Delete this generation's files and journal (not a generation the manifest lists)."""
        listed = {x.split("/", 1)[0] for x in self.store.listed_paths(self.store.read_manifest())}
        if self.generation not in listed:
            _rmtree(self._dir())
        self.drop_journal()


def _before_publish(path: Path) -> None:
    """Called right before the manifest rename (a seam for tests to inject a crash there)."""


# --------------------------------------------------------------------------- writing


class ResultWriter:
    """Write a result into ``out_dir`` chunk by chunk through a :class:`ChunkStore`, and publish it atomically.

    >>> with ResultWriter("results/run") as w:           # doctest: +SKIP
    ...     for chunk in iter_chunks(scenario):
    ...         w.write_chunk(chunk.states, chunk.system, chunk.events)
    ...     w.close({"scenario": scenario, "seed": 0, "worlds": 100, "years": 100})

    The writer holds the directory's lock (:class:`StoreLock`) from creation
    to :meth:`close` / :meth:`abort`; then it removes what dead writers left.
    Each :meth:`write_chunk` writes one checksummed Parquet file per table into
    the new generation folder and records it in the journal; :meth:`close`
    writes ``manifest.json`` last (temp + rename) with ``"complete": true``.
    :meth:`abort` (also when the ``with`` block raises) deletes the new
    generation — or, with ``keep=True``, keeps its finished chunks for a resume.

    A directory that already holds a result (or anything else) is refused
    unless ``overwrite=True``; with overwrite the old result stays intact and
    loadable until :meth:`close` publishes the new one.

    ``resume=(key, plan)`` (what :func:`neorealism.api.run_to_dir` gives: the
    run's identity hash and its chunk size) continues the journal of ``key``
    if there is one: :attr:`done` holds the chunk indices already finished and
    :attr:`plan` the journal's plan.  ``lock`` is a :class:`StoreLock` the
    caller already holds (the writer then leaves releasing it to the caller).
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        overwrite: bool = False,
        *,
        compression: str = "zstd",
        lock: StoreLock | None = None,
        resume: tuple[str, Mapping[str, Any]] | None = None,
    ):
        self.path = Path(out_dir)
        self.overwrite = bool(overwrite)
        self.store = ChunkStore(self.path, compression=compression)
        self._own_lock = lock is None
        self._rows: dict[str, int] = dict.fromkeys(TABLES, 0)
        self._state = "open"  # open → closed | aborted
        self._partial: Partial | None = None
        self._lock = lock if lock is not None else StoreLock.acquire(self.path)
        try:
            self._check_target()
            key, plan = resume if resume is not None else (None, {})
            with _os_errors(self.path):
                self.store.clean(keep=key)
                self._partial = self.store.open_partial(key, plan)
        except BaseException:
            self._release()
            raise
        for c in self._partial.chunks.values():
            for t in TABLES:
                self._rows[t] += int(c["files"][t]["rows"])
        self._next = max(self._partial.done, default=-1) + 1

    # -- target checks -----------------------------------------------------------

    def _check_target(self) -> None:
        p = self.path
        try:
            names = [n for n in os.listdir(p) if not _is_temp_name(n) and n not in (LOCK_NAME, PARTIAL_DIR)]
        except OSError as exc:
            raise ResultError(f"cannot read result directory {p}: {exc.strerror or exc}") from None
        if not names or self.overwrite:
            return
        if MANIFEST_NAME in names:
            raise ResultError(
                f"{p} already holds a result ({MANIFEST_NAME}); "
                "refusing to overwrite it (use --overwrite / overwrite=True, or choose another directory)"
            )
        foreign = [n for n in names if not (n.startswith(_GEN_PREFIX) and (p / n).is_dir())]
        if not foreign:
            return  # only generation folders a dead writer left (removed by the clean-up)
        shown = ", ".join(sorted(foreign)[:5]) + (", …" if len(foreign) > 5 else "")
        raise ResultError(
            f"{p} is not empty ({shown}) and holds no neorealism result; "
            "choose a new or empty directory (or use --overwrite / overwrite=True to write into it anyway)"
        )

    # -- state ------------------------------------------------------------------------

    @property
    def rows(self) -> dict[str, int]:
        """Rows written so far (including resumed chunks), per table."""
        return dict(self._rows)

    @property
    def closed(self) -> bool:
        return self._state != "open"

    @property
    def done(self) -> set[int]:
        """Indices of the chunks already finished (those of a resumed journal, and those written)."""
        return self._partial.done if self._partial is not None else set()

    @property
    def plan(self) -> dict[str, Any]:
        """The generation's plan (a resumed journal's, else the one given)."""
        return dict(self._partial.plan) if self._partial is not None else {}

    @property
    def generation(self) -> str | None:
        return self._partial.generation if self._partial is not None else None

    def temp_files(self) -> list[Path]:
        """Hidden temp files in the directory and the generation folder (none between chunks)."""
        out = [f for f in self.path.iterdir() if _is_temp_name(f.name)]
        g = self.path / (self.generation or "")
        if self.generation and g.is_dir():
            out += [f for f in g.iterdir() if _is_temp_name(f.name)]
        return out

    # -- writing ----------------------------------------------------------------------

    def write_chunk(
        self,
        states: pd.DataFrame | None,
        system: pd.DataFrame | None,
        events: pd.DataFrame | None,
        *,
        index: int | None = None,
        worlds: tuple[int, int] | None = None,
    ) -> None:
        """Write one chunk (chunk ``index``, default the next; holding the worlds ``[lo, hi)``) of the three tables."""
        if self._state != "open":
            raise RuntimeError(f"ResultWriter for {self.path} is {self._state}; cannot write")
        assert self._partial is not None
        try:
            # convert all three first, so a bad chunk writes nothing
            tables = {name: to_arrow(name, df) for name, df in zip(TABLES, (states, system, events), strict=True)}
            if worlds is None:
                import pyarrow.compute as pc

                w = tables["system"].column("world") if tables["system"].num_rows else None
                worlds = (int(pc.min(w).as_py()), int(pc.max(w).as_py()) + 1) if w is not None else None
            i = self._next if index is None else int(index)
            old = self._partial.chunks.get(i)
            with _os_errors(self.path):
                self._partial.write(i, worlds, tables)
            for name, tbl in tables.items():
                self._rows[name] += tbl.num_rows - (int(old["files"][name]["rows"]) if old else 0)
            self._next = max(self._next, i + 1)
        except BaseException:
            self.abort()
            raise

    def close(self, manifest: Mapping[str, Any]) -> Path:
        """Finish: publish ``manifest.json`` (the tables' chunk files are already in place); return the directory.

        ``manifest`` should hold ``scenario`` (the validated scenario, as a
        dict or a pydantic model), ``seed``, ``worlds`` and ``years``; the
        writer adds ``version``, ``model``, ``environment``, ``created`` (UTC),
        ``rows``, ``generation``, ``identity``, ``plan``, ``chunks`` (every chunk:
        index, world range, status, and per table its file's path, rows, bytes
        and sha256), ``format`` and ``complete: true``.
        """
        if self._state != "open":
            raise RuntimeError(f"ResultWriter for {self.path} is {self._state}; cannot close")
        assert self._partial is not None
        try:
            meta = self._manifest(manifest)
            json.dumps(meta, allow_nan=False, default=_json_default)  # refuse a bad manifest before publishing
            with _os_errors(self.path):
                self._partial.publish(meta)
        except BaseException:
            self.abort()
            raise
        self._state = "closed"
        self._release()
        return self.path

    def _manifest(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        from . import __version__

        meta: dict[str, Any] = dict(manifest)
        meta.update(
            {
                "version": __version__,
                "model": model_fingerprint(),
                "environment": environment(),
                "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                "format": FORMAT,
            }
        )
        return meta

    def abort(self, keep: bool = False) -> None:
        """Stop without publishing (idempotent): delete the new generation, or with ``keep`` keep its
        finished chunks and journal so that the same run resumes from them.  Temp files always go."""
        if self._state != "open":
            return
        self._state = "aborted"
        if self._partial is not None:
            with contextlib.suppress(OSError):
                if keep and self._partial.done:
                    for f in self.temp_files():
                        f.unlink(missing_ok=True)
                else:
                    self._partial.discard()
        self._release()

    def _release(self) -> None:
        if self._own_lock:
            self._lock.release()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # An exception, or leaving the block without close(): nothing is published.
        if self._state == "open":
            self.abort()


# --------------------------------------------------------------------------- reading


def _sql_str(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _chunk_list(p: Path, manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    chunks = manifest.get("chunks")
    if not isinstance(chunks, list) or not all(
        isinstance(c, dict) and isinstance(c.get("files"), dict) and isinstance(c.get("index"), int) for c in chunks
    ):
        raise ResultError(f"corrupt result in {p}: {MANIFEST_NAME} has no valid list of chunks")
    return sorted(chunks, key=lambda c: ((c.get("worlds") or [c["index"]])[0], c["index"]))


class ResultSet:
    """A finished result directory, read back.

    ``.states``, ``.system`` and ``.events`` are pandas DataFrames read on
    first use (each the union of its chunk files, in world order); ``.manifest``
    is the parsed ``manifest.json``; ``.query(sql)`` runs DuckDB SQL over views
    named ``states``, ``system`` and ``events``.  Only the chunk files the
    manifest lists are read.
    """

    def __init__(self, path: Path, manifest: dict[str, Any]):
        self.path = path
        self.manifest = manifest
        self._con = None
        self._chunks = _chunk_list(path, manifest)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, verify: bool = True) -> ResultSet:
        """Open a result directory, or raise :class:`ResultError` naming what is missing or damaged.

        Every chunk file the manifest lists must be present with its recorded
        size and sha256 (``verify=False`` checks presence and size only).
        """
        p = Path(path)
        if not p.is_dir():
            raise ResultError(f"no result directory {p} (it does not exist or is not a directory)")
        mpath = p / MANIFEST_NAME
        if not mpath.is_file():
            ours = any(n in (PARTIAL_DIR, LOCK_NAME) or n.startswith(_GEN_PREFIX) or _is_temp_name(n)
                       for n in os.listdir(p))
            why = "the run did not finish or was interrupted" if ours else "it holds no neorealism result"
            raise ResultError(f"incomplete result in {p}: missing {MANIFEST_NAME} ({why})")
        try:
            size = mpath.stat().st_size
            if size > MAX_MANIFEST_BYTES:
                raise ResultError(
                    f"unreadable {mpath}: {size} bytes, larger than a manifest can be ({MAX_MANIFEST_BYTES} bytes)"
                )
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise ResultError(f"unreadable {mpath}: not UTF-8 text (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise ResultError(f"unreadable {mpath}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
        except (OSError, RecursionError) as exc:
            raise ResultError(f"unreadable {mpath}: {getattr(exc, 'strerror', None) or exc}") from None
        if not isinstance(manifest, dict):
            raise ResultError(
                f"unreadable {mpath}: expected a JSON object of run metadata, got {type(manifest).__name__}"
            )
        _check_format(mpath, manifest.get("format"))
        if manifest.get("complete") is not True:
            raise ResultError(
                f"incomplete result in {p}: {MANIFEST_NAME} is not marked complete "
                f"(complete = {json.dumps(manifest.get('complete'))}; the run did not finish)"
            )
        chunks = _chunk_list(p, manifest)
        for c in chunks:
            for t in TABLES:
                rec = c["files"].get(t)
                if not isinstance(rec, dict):
                    raise ResultError(f"corrupt result in {p}: chunk {c['index']} of {MANIFEST_NAME} has no {t} file")
                if verify:
                    with _os_errors(p, "read result"):
                        _verify_file(p, rec, MANIFEST_NAME)
                elif not (p / str(rec.get("path"))).is_file():
                    raise ResultError(f"incomplete result in {p}: missing {rec.get('path')} (listed in {MANIFEST_NAME})")
        return cls(p, manifest)

    # -- tables -----------------------------------------------------------------------

    def files(self, table: str) -> list[Path]:
        """The chunk files of ``table``, in world order."""
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}; tables: {', '.join(TABLES)}")
        return [self.path / c["files"][table]["path"] for c in self._chunks]

    def read(self, table: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Read one table (optionally only some columns) into pandas: its chunk files in world order."""
        cols = list(columns) if columns is not None else None
        files = self.files(table)
        unknown = [c for c in cols or () if c not in SCHEMAS[table].names]
        if unknown:
            raise KeyError(f"unknown columns {unknown} of table {table!r}; columns: {', '.join(SCHEMAS[table].names)}")
        schema = SCHEMAS[table]
        parts = []
        for f in files:
            try:
                parts.append(pq.read_table(f, columns=cols))
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise ResultError(
                    f"corrupt result in {self.path}: cannot read {f.relative_to(self.path)} ({exc}); re-run with --overwrite"
                ) from None
        if not parts:
            empty = schema.empty_table()
            parts = [empty.select(cols) if cols is not None else empty]
        return pa.concat_tables(parts).to_pandas()

    @cached_property
    def states(self) -> pd.DataFrame:
        return self.read("states")

    @cached_property
    def system(self) -> pd.DataFrame:
        return self.read("system")

    @cached_property
    def events(self) -> pd.DataFrame:
        return self.read("events")

    @property
    def rows(self) -> dict[str, int]:
        return {t: sum(int(c["files"][t]["rows"]) for c in self._chunks) for t in TABLES}

    @property
    def scenario(self):
        """The run's scenario, validated again (a :class:`neorealism.scenario.Scenario`)."""
        from .scenario import validate_scenario

        return validate_scenario(self.manifest.get("scenario"), source=f"{self.path / MANIFEST_NAME}")

    # -- SQL --------------------------------------------------------------------------

    def _connection(self):
        if self._con is None:
            import duckdb

            con = duckdb.connect(":memory:")
            for t in TABLES:
                files = self.files(t)
                if files:
                    listed = ", ".join(_sql_str(f) for f in files)
                    con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet([{listed}])")
                else:
                    con.register(f"_{t}_empty", SCHEMAS[t].empty_table())
                    con.execute(f"CREATE VIEW {t} AS SELECT * FROM _{t}_empty")
            self._con = con
        return self._con

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run DuckDB SQL over the views ``states``, ``system`` and ``events``; return pandas."""
        con = self._connection()
        rel = con.execute(sql, params) if params is not None else con.execute(sql)
        return rel.df()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> ResultSet:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        m = self.manifest
        name = (m.get("scenario") or {}).get("name", "?") if isinstance(m.get("scenario"), dict) else "?"
        return f"ResultSet({str(self.path)!r}, scenario={name!r}, worlds={m.get('worlds')}, years={m.get('years')}, seed={m.get('seed')})"

    # -- summary ----------------------------------------------------------------------

    def summary(self, checkpoints: int = 3) -> dict[str, Any]:
        """Headline numbers of the run, computed in DuckDB (no table is loaded whole).

        Returns a dict with ``years`` (first, last), ``worlds``, ``polarity``
        (list of ``{"year", "nonpolar", "unipolar", "bipolar", "multipolar"}``
        shares of worlds at the first year, ``checkpoints`` interior years and
        the last year), ``wars_started``, ``wars_per_world_century``,
        ``deaths``, ``deaths_per_world``, ``wars_prevented``,
        ``gp_initial``, ``gp_alive`` / ``gp_still`` (how many of them are
        alive / still great powers at the end), ``gp_survival`` (share of
        initial great powers alive at the end), ``gp_retained`` (… still
        great powers), and ``con`` /
        ``hhi`` (mean over worlds at first and last year).
        """
        first, last, worlds = self.query(
            "SELECT min(year) AS a, max(year) AS b, count(DISTINCT world) AS w FROM system"
        ).iloc[0]
        out: dict[str, Any] = {"path": str(self.path), "worlds": 0, "years": None}
        if pd.isna(first):
            return out
        first, last, worlds = int(first), int(last), int(worlds)
        out["worlds"] = worlds
        out["years"] = (first, last)
        n_years = int(self.manifest.get("years") or (last - first + 1))
        out["n_years"] = n_years

        fracs = np.linspace(0.0, 1.0, checkpoints + 2)
        years = sorted({int(round(first + f * (last - first))) for f in fracs})
        placeholders = ", ".join(str(y) for y in years)
        pol = self.query(
            f"SELECT year, polarity, count(*) AS n FROM system WHERE year IN ({placeholders}) GROUP BY year, polarity"
        )
        tot = self.query(f"SELECT year, count(*) AS n FROM system WHERE year IN ({placeholders}) GROUP BY year")
        totals = {int(y): int(n) for y, n in zip(tot["year"], tot["n"], strict=True)}
        labels = ("nonpolar", "unipolar", "bipolar", "multipolar")
        rows = []
        for y in years:
            row: dict[str, Any] = {"year": y, **dict.fromkeys(labels, 0.0)}
            sub = pol[pol["year"] == y]
            n = totals.get(y, 0)
            for p, k in zip(sub["polarity"], sub["n"], strict=True):
                row[str(p)] = (int(k) / n) if n else math.nan
            rows.append(row)
        out["polarity"] = rows

        ev = self.query("SELECT event, count(*) AS n FROM events GROUP BY event")
        counts = {str(e): int(n) for e, n in zip(ev["event"], ev["n"], strict=True)}
        wars = counts.get("war_start", 0)
        out["wars_started"] = wars
        out["wars_per_world_century"] = wars / worlds / (n_years / 100.0) if worlds and n_years else math.nan
        out["deaths"] = counts.get("death", 0)
        out["deaths_per_world"] = counts.get("death", 0) / worlds if worlds else math.nan
        out["wars_prevented"] = counts.get("war_prevented", 0)

        gp = self.query(
            f"""
            WITH first AS (SELECT world, state FROM states WHERE year = {first} AND great_power),
                 last AS (SELECT world, state, alive, great_power FROM states WHERE year = {last})
            SELECT count(*) AS n,
                   coalesce(sum(CASE WHEN last.alive THEN 1 ELSE 0 END), 0) AS alive,
                   coalesce(sum(CASE WHEN last.alive AND last.great_power THEN 1 ELSE 0 END), 0) AS gp
            FROM first LEFT JOIN last USING (world, state)
            """
        ).iloc[0]
        n_gp = int(gp["n"])
        out["gp_initial"] = n_gp
        out["gp_alive"] = int(gp["alive"])
        out["gp_still"] = int(gp["gp"])
        out["gp_survival"] = int(gp["alive"]) / n_gp if n_gp else math.nan
        out["gp_retained"] = int(gp["gp"]) / n_gp if n_gp else math.nan

        m = self.query(
            f"""
            SELECT year,
                   avg(con) FILTER (WHERE NOT isnan(con)) AS con,
                   avg(hhi) FILTER (WHERE NOT isnan(hhi)) AS hhi
            FROM system WHERE year IN ({first}, {last}) GROUP BY year
            """
        )
        by_year = {int(y): (c, h) for y, c, h in zip(m["year"], m["con"], m["hhi"], strict=True)}

        def _f(x: Any) -> float:
            return math.nan if x is None or pd.isna(x) else float(x)

        out["con"] = (_f(by_year.get(first, (None, None))[0]), _f(by_year.get(last, (None, None))[0]))
        out["hhi"] = (_f(by_year.get(first, (None, None))[1]), _f(by_year.get(last, (None, None))[1]))
        return out
