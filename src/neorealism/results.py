"""Simulation results on disk: three tidy Parquet tables and a manifest.

A result directory holds

- ``states.parquet``  one row per world × year × state,
- ``system.parquet``  one row per world × year,
- ``events.parquet``  one row per event (war start/end, state death, war prevented),
- ``manifest.json``   the full validated scenario, seed, worlds, years, package
  version, a fingerprint of the model's code, the Python / NumPy / SciPy
  versions, creation time, row counts and ``"complete": true``.

:class:`ResultWriter` streams chunks of worlds into hidden temporary files and
renames them into place only when the run finishes (``manifest.json`` last),
so a directory either holds a complete result or no result files at all.
:class:`ResultSet` reads a result back: the tables as pandas DataFrames
(loaded lazily), the manifest, DuckDB SQL over the three tables, and a
summary of the run.
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
    "environment",
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
#: Every file name a complete result has (``manifest.json`` is written last).
RESULT_FILES: tuple[str, ...] = (*(f"{t}.parquet" for t in TABLES), MANIFEST_NAME)
#: Version of the on-disk layout, recorded in the manifest.
FORMAT = "neorealism-results/1"

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
    if have < want:  # pragma: no cover - there is only one format so far
        raise ResultError(f"{mpath}: format {fmt!r} is older than {FORMAT!r} and no longer read; re-run it")


def _package_version() -> str:
    from . import __version__

    return __version__


def _check_table(p: Path, table: str, expected_rows: Any) -> None:
    """The table file exists, is a whole Parquet file of the result schema, with the rows the manifest says."""
    f = p / f"{table}.parquet"
    if not f.is_file():
        raise ResultError(f"incomplete result in {p}: missing {f.name}")
    try:
        meta = pq.ParquetFile(f)
        schema = meta.schema_arrow
        n = meta.metadata.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ResultError(
            f"corrupt result in {p}: {f.name} is not a readable Parquet file (truncated or damaged: {exc}); "
            "re-run with --overwrite"
        ) from None
    want = SCHEMAS[table]
    if [(fld.name, fld.type) for fld in schema] != [(fld.name, fld.type) for fld in want]:
        raise ResultError(
            f"corrupt result in {p}: {f.name} has columns {schema.names}, not the {table} table's {want.names}"
        )
    if isinstance(expected_rows, int) and not isinstance(expected_rows, bool) and n != expected_rows:
        raise ResultError(
            f"corrupt result in {p}: {f.name} has {n} rows but {MANIFEST_NAME} records {expected_rows} "
            "(the file was replaced or damaged); re-run with --overwrite"
        )


#: The modules whose code determines a run's numbers (the model), for :func:`model_fingerprint`.
MODEL_MODULES: tuple[str, ...] = ("engine.py", "state.py", "rng.py", "measures.py", "scenario.py", "schema.py", "mechanisms")


@functools.cache
def model_fingerprint() -> str:
    """SHA-256 (first 16 hex digits) of the model's source code.

    The package version alone does not change while the model is being
    developed (an editable install); this fingerprint does, so an earlier
    result is never taken for the current model's.
    """
    from importlib import resources

    root = resources.files("neorealism")
    h = hashlib.sha256()
    for name in MODEL_MODULES:
        node = root / name
        files = sorted((f for f in node.iterdir() if f.name.endswith(".py")), key=lambda f: f.name) if node.is_dir() else [node]
        for f in files:
            h.update(f"{name}/{f.name}\0".encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


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


# --------------------------------------------------------------------------- helpers


def _is_temp_name(name: str) -> bool:
    """Hidden temporary files written by a :class:`ResultWriter` (possibly left by a killed run)."""
    return name.startswith(".") and _TMP_MARK in name and any(
        name[1:].startswith(final) for final in RESULT_FILES
    )


def _fsync_file(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    # Best effort: make the renames durable (POSIX; a no-op where unsupported).
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


# --------------------------------------------------------------------------- writing


class ResultWriter:
    """Stream simulation chunks into ``out_dir`` and publish them atomically.

    >>> with ResultWriter("results/run") as w:           # doctest: +SKIP
    ...     for chunk in iter_chunks(scenario):
    ...         w.write_chunk(chunk.states, chunk.system, chunk.events)
    ...     w.close({"scenario": scenario, "seed": 0, "worlds": 100, "years": 100})

    While running, rows go to hidden temp files ``DIR/.<table>.parquet.tmp-<pid>-<token>``.
    :meth:`close` renames them to ``DIR/<table>.parquet`` (``os.replace``) and
    then writes ``DIR/manifest.json`` (temp + rename) with ``"complete": true``.
    :meth:`abort` (also called when the ``with`` block raises) deletes the
    temp files; no file with a final name is left half-written.

    A directory that already holds a result (or anything else) is refused
    unless ``overwrite=True``; with overwrite the old result stays intact
    until :meth:`close` replaces it.
    """

    def __init__(self, out_dir: str | os.PathLike[str], overwrite: bool = False, *, compression: str = "zstd"):
        self.path = Path(out_dir)
        self.overwrite = bool(overwrite)
        self.compression = compression
        self._token = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._rows: dict[str, int] = dict.fromkeys(TABLES, 0)
        self._chunks = 0
        self._state = "open"  # open → closed | aborted
        self._created_dir = False
        self._check_target()
        try:
            if not self.path.exists():
                self.path.mkdir(parents=True)
                self._created_dir = True
        except OSError as exc:
            raise ResultError(f"cannot create result directory {self.path}: {exc.strerror or exc}") from None

    # -- target checks -----------------------------------------------------------

    def _check_target(self) -> None:
        p = self.path
        if p.exists() and not p.is_dir():
            raise ResultError(f"cannot write results to {p}: it exists and is not a directory")
        if not p.exists():
            return
        try:
            names = [n for n in os.listdir(p) if not _is_temp_name(n)]
        except OSError as exc:
            raise ResultError(f"cannot read result directory {p}: {exc.strerror or exc}") from None
        if not names or self.overwrite:
            return
        previous = [n for n in RESULT_FILES if n in names]
        if previous:
            raise ResultError(
                f"{p} already holds a result ({', '.join(previous)}); "
                "refusing to overwrite it (use --overwrite / overwrite=True, or choose another directory)"
            )
        shown = ", ".join(sorted(names)[:5]) + (", …" if len(names) > 5 else "")
        raise ResultError(
            f"{p} is not empty ({shown}) and holds no neorealism result; "
            "choose a new or empty directory (or use --overwrite / overwrite=True to write into it anyway)"
        )

    # -- paths ------------------------------------------------------------------------

    def _final(self, table: str) -> Path:
        return self.path / f"{table}.parquet"

    def _temp(self, name: str) -> Path:
        return self.path / f".{name}{_TMP_MARK}{self._token}"

    def temp_files(self) -> list[Path]:
        """Temp files this writer currently has on disk."""
        names = [f"{t}.parquet" for t in TABLES] + [MANIFEST_NAME]
        return [self._temp(n) for n in names if self._temp(n).exists()]

    # -- writing ----------------------------------------------------------------------

    @property
    def rows(self) -> dict[str, int]:
        """Rows written so far, per table."""
        return dict(self._rows)

    @property
    def closed(self) -> bool:
        return self._state != "open"

    def _writer(self, table: str) -> pq.ParquetWriter:
        w = self._writers.get(table)
        if w is None:
            w = pq.ParquetWriter(
                str(self._temp(f"{table}.parquet")), SCHEMAS[table], compression=self.compression
            )
            self._writers[table] = w
        return w

    def write_chunk(
        self,
        states: pd.DataFrame | None,
        system: pd.DataFrame | None,
        events: pd.DataFrame | None,
    ) -> None:
        """Append one chunk (any set of worlds) of the three tables."""
        if self._state != "open":
            raise RuntimeError(f"ResultWriter for {self.path} is {self._state}; cannot write")
        try:
            # convert all three first, so a bad chunk writes nothing
            tables = {name: to_arrow(name, df) for name, df in zip(TABLES, (states, system, events), strict=True)}
            for name, tbl in tables.items():
                w = self._writer(name)
                if tbl.num_rows:
                    w.write_table(tbl)
                self._rows[name] += tbl.num_rows
            self._chunks += 1
        except BaseException:
            self.abort()
            raise

    def close(self, manifest: Mapping[str, Any]) -> Path:
        """Finish: publish the three tables and then ``manifest.json``; return the directory.

        ``manifest`` should hold ``scenario`` (the validated scenario, as a
        dict or a pydantic model), ``seed``, ``worlds`` and ``years``; the
        writer adds ``version``, ``created`` (UTC), ``rows``, ``files``,
        ``format`` and ``complete: true``.
        """
        if self._state != "open":
            raise RuntimeError(f"ResultWriter for {self.path} is {self._state}; cannot close")
        published: list[Path] = []
        try:
            for table in TABLES:
                self._writer(table)  # tables never written to still get an (empty) file
            for w in self._writers.values():
                w.close()
            self._writers.clear()
            meta = self._manifest(manifest)
            text = json.dumps(meta, indent=2, allow_nan=False, default=_json_default, ensure_ascii=False) + "\n"
            tmp_manifest = self._temp(MANIFEST_NAME)
            with open(tmp_manifest, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            for table in TABLES:
                _fsync_file(self._temp(f"{table}.parquet"))
            if self.overwrite:
                # Unpublish the previous result first: from here until the new
                # manifest lands, the directory reads as incomplete, never mixed.
                old = self.path / MANIFEST_NAME
                if old.exists():
                    old.unlink()
                    _fsync_dir(self.path)
            for table in TABLES:
                final = self._final(table)
                os.replace(self._temp(f"{table}.parquet"), final)
                published.append(final)
            _fsync_dir(self.path)
            os.replace(tmp_manifest, self.path / MANIFEST_NAME)
            _fsync_dir(self.path)
        except BaseException:
            for f in published:
                with contextlib.suppress(OSError):
                    f.unlink()
            self.abort()
            raise
        self._state = "closed"
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
                "rows": dict(self._rows),
                "chunks": self._chunks,
                "files": {t: f"{t}.parquet" for t in TABLES},
                "format": FORMAT,
                "complete": True,
            }
        )
        return meta

    def abort(self) -> None:
        """Discard everything written: close and delete temp files (idempotent)."""
        if self._state == "closed":
            return
        for w in list(self._writers.values()):
            with contextlib.suppress(Exception):
                w.close()
        self._writers.clear()
        for name in (*(f"{t}.parquet" for t in TABLES), MANIFEST_NAME):
            with contextlib.suppress(FileNotFoundError):
                self._temp(name).unlink()
        if self._created_dir:
            with contextlib.suppress(OSError):
                self.path.rmdir()  # only if still empty
        self._state = "aborted"

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # An exception, or leaving the block without close(): nothing is published.
        if self._state == "open":
            self.abort()


# --------------------------------------------------------------------------- reading


def _sql_str(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


class ResultSet:
    """A finished result directory, read back.

    ``.states``, ``.system`` and ``.events`` are pandas DataFrames read on
    first use; ``.manifest`` is the parsed ``manifest.json``; ``.query(sql)``
    runs DuckDB SQL over views named ``states``, ``system`` and ``events``.
    """

    def __init__(self, path: Path, manifest: dict[str, Any]):
        self.path = path
        self.manifest = manifest
        self._con = None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ResultSet:
        """Open a result directory, or raise :class:`ResultError` naming what is missing."""
        p = Path(path)
        if not p.is_dir():
            raise ResultError(f"no result directory {p} (it does not exist or is not a directory)")
        mpath = p / MANIFEST_NAME
        if not mpath.is_file():
            present = [n for n in RESULT_FILES if (p / n).exists()]
            why = (
                "the run did not finish or was interrupted" if present else "it holds no neorealism result"
            )
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
        rows = manifest.get("rows") if isinstance(manifest.get("rows"), dict) else {}
        for t in TABLES:
            _check_table(p, t, rows.get(t))
        return cls(p, manifest)

    # -- tables -----------------------------------------------------------------------

    def file(self, table: str) -> Path:
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}; tables: {', '.join(TABLES)}")
        return self.path / f"{table}.parquet"

    def read(self, table: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Read one table (optionally only some columns) into pandas."""
        cols = list(columns) if columns is not None else None
        f = self.file(table)
        unknown = [c for c in cols or () if c not in SCHEMAS[table].names]
        if unknown:
            raise KeyError(f"unknown columns {unknown} of table {table!r}; columns: {', '.join(SCHEMAS[table].names)}")
        try:
            return pq.read_table(f, columns=cols).to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise ResultError(f"corrupt result in {self.path}: cannot read {f.name} ({exc}); re-run with --overwrite") from None

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
        return {t: pq.ParquetFile(self.file(t)).metadata.num_rows for t in TABLES}

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
                con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet({_sql_str(self.file(t))})")
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
