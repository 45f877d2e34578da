"""Loaders for the shipped Correlates of War (COW) files and regime scores.

One function per file.  Each takes an optional ``source=``, a
:class:`~neorealism.data.source.DataSource` naming the files to read, so
that a newer release can be read instead of the copy shipped in
``neorealism/data/files``; every file is validated on reading:

- the header must hold the required columns (else a :class:`DataError`
  naming the file and the missing columns);
- every data row must have as many fields as the header (a short last row —
  a truncated download — is reported with its line number);
- every cell must parse as its column's type (else ``DataError`` naming
  the file, line, column number and column name and the bad value).

Missing-value codes (COW convention): ``-9`` missing/unknown, ``-8`` not
applicable, ``-7`` ongoing.  Where a column documents such codes, the
loader turns them into missing values: ``NaN`` in float columns, ``<NA>`` in
pandas nullable ``Int64`` columns.  Each loader's docstring lists the codes it
converts.  Integer columns without missing values are ``int64``; text columns
are ``object`` (Python ``str``); dates are ``datetime64[ns]``.

Errors about a file are :class:`~neorealism.data.source.DataFileError`
(a ``DataError``) and name the data and the file (``COW NMC file
/tmp/x.csv, line 4, column 4 (milex): …``), never a command-line option.

Reading is linear in the file's size: a file without quotes is split by
pandas' C parser and checked column by column at C speed; any doubt sends
it through the csv module in chunks of :data:`CHUNK_ROWS` rows, which names
the first bad line.  A file above :data:`MAX_DATA_BYTES`, or one whose
estimated memory (:data:`MEMORY_PER_BYTE`) exceeds what the process can
allocate (:func:`available_memory`), is refused before it is read.

Parsed frames are cached per (file kind, path, size, modification time) with
:func:`functools.lru_cache`; every call returns a fresh copy, so callers may
modify what they get.

Sources (cite them; see ``files/CITATION.md`` or ``neorealism data --cite``):
Singer, Bremer & Stuckey (1972) and Singer (1987) for National Material
Capabilities; Correlates of War Project (2017) for State System Membership;
Sarkees & Wayman (2010) for Inter-State Wars; Palmer et al. (2022) for MIDs;
Gibler (2009) for Formal Alliances; Stinnett et al. (2002) for Direct
Contiguity; Miller (2022) for the peacesciencer-processed files; Coppedge et
al. (V-Dem), Marshall, Gurr & Jaggers (Polity) and Márquez (2016) /
Pemstein, Meserve & Melton (2010) for the regime scores.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
import re
import stat
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .source import (  # COW_DIR, DEMOCRACY_DIR, FILES_DIR and NMC_FILES are re-exported here
    COW_DIR,
    DEMOCRACY_DIR,  # noqa: F401
    FILES_DIR,
    NMC_FILES,
    DataFileError,
    DataSource,
    as_source,
    nmc_version,
)

#: The six NMC capability components, in COW's order.
NMC_COMPONENTS: tuple[str, ...] = ("milex", "milper", "irst", "pec", "tpop", "upop")

# ASCII digits only: ``\d`` would take "١٨١٦" (Arabic-Indic digits) for 1816
_INT_RE = r"[-+]?[0-9]+"
_FLOAT_RE = r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_KIND_WORD = {"int": "an integer", "float": "a number", "date": "a date (YYYY-MM-DD)"}


@dataclass(frozen=True)
class Col:
    """A column's expected type and missing-value handling.

    kind: ``int``, ``float``, ``str`` or ``date``.
    na_codes: codes turned into missing values (e.g. ``(-9,)``).
    empty_ok: whether an empty cell is allowed (read as missing).
    nonneg: whether a value (other than a missing-value code) must be ≥ 0 —
        quantities such as COW's capability components, where a negative
        number can only be a corrupt cell or an undocumented code.
    """

    kind: str = "int"
    na_codes: tuple[int, ...] = ()
    empty_ok: bool = False
    nonneg: bool = False


@dataclass(frozen=True)
class Spec:
    """What a file must look like."""

    name: str
    columns: Mapping[str, Col]
    key: tuple[str, ...] = field(default_factory=tuple)  # must be unique if given
    #: (first, last) column pairs of a period: a row whose last is before its first is an error
    periods: tuple[tuple[str, str], ...] = ()


# --------------------------------------------------------------------------- parsing


def _decode(data: bytes, kind: str, path: Path) -> str:
    """UTF-8 text of a file (a BOM is dropped); a bad byte is reported with its line and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        before = data[bom : exc.start]
        # lines end in LF, CRLF or a bare CR (the war participant file)
        line = before.count(b"\n") + before.replace(b"\r\n", b"\n").count(b"\r") + 1
        start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
        prefix = before[start:].decode("utf-8", errors="replace")
        field_no = len(next(csv.reader([prefix + "x"]), [""]))  # the CSV field the byte falls in
        raise DataFileError(
            kind, path,
            f"byte 0x{data[exc.start]:02x} is not UTF-8 text ({exc.reason}); is this a CSV file?",
            f", line {line}, column {field_no} (character {len(prefix) + 1})",
        ) from None


#: Data rows converted at a time: the strings of one chunk are dropped once its columns are typed,
#: so a large file costs its typed columns plus one chunk, not a Python string per cell.
CHUNK_ROWS = 100_000

#: Most digits an integer cell may have (an ``int64`` holds 18 digits whatever they are).
MAX_INT_DIGITS = 18

_SPACE = re.compile(r"[^\S\n]")  # whitespace other than the line breaks that join cells
_CELL_RE = {
    "int": re.compile(_INT_RE),
    "float": re.compile(_FLOAT_RE),
    "date": re.compile(_DATE_RE),
}


def _read_bytes(path: Path, kind: str) -> bytes:
    """The file's bytes; an OS error (permission, a folder, I/O) is a :class:`DataFileError`."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_DATA_BYTES + 1)
    except FileNotFoundError:
        raise DataFileError(kind, path, "file not found") from None
    except IsADirectoryError:
        raise DataFileError(kind, path, "is a folder, not a CSV file") from None
    except PermissionError:
        raise DataFileError(kind, path, "cannot read file (permission denied)") from None
    except OSError as exc:
        raise DataFileError(kind, path, f"cannot read file ({exc.strerror or exc})") from None
    if len(data) > MAX_DATA_BYTES:
        raise DataFileError(kind, path, f"larger than the {MAX_DATA_BYTES:,}-byte limit for one data file")
    return data


#: One converted column chunk: values (typed ndarray) and, for nullable integers, the missing mask.
_Part = tuple[np.ndarray, "np.ndarray | None"]


class _Columns:
    """Converts a file's rows chunk by chunk into typed columns (see :func:`_parse`)."""

    def __init__(self, kind: str, path: Path, spec: Spec, header: list[str]):
        self.kind, self.path, self.spec, self.header = kind, path, spec, header
        self.index = {name: header.index(name) for name in spec.columns}
        self.parts: dict[str, list[_Part]] = {name: [] for name in spec.columns}
        self.lines: list[np.ndarray] = []

    def add(self, rows: list[list[str]], lines: list[int]) -> DataFileError | None:
        """Convert one chunk; the first bad cell's error (not raised: the caller reads on for field counts)."""
        cols = list(zip(*rows, strict=True))
        ln = np.asarray(lines, dtype=np.int64)
        for name, col in self.spec.columns.items():
            j = self.index[name]
            part = _fast_column(cols[j], col)
            if part is None:  # a bad (or unusual) cell: the careful path finds it and says why
                part = _careful_column(cols[j], col, name, j + 1, ln, self.kind, self.path)
                if isinstance(part, DataFileError):
                    return part
            self.parts[name].append(part)
        self.lines.append(ln)
        return None

    def frame(self) -> tuple[pd.DataFrame, np.ndarray]:
        out: dict[str, object] = {}
        for name, col in self.spec.columns.items():
            parts = self.parts[name]
            values = parts[0][0] if len(parts) == 1 else np.concatenate([p[0] for p in parts])
            if col.kind == "int" and (col.empty_ok or col.na_codes):
                mask = np.concatenate([p[1] if p[1] is not None else np.zeros(len(p[0]), bool) for p in parts])
                out[name] = pd.arrays.IntegerArray(values.astype(np.int64), mask)
            elif col.kind == "str":
                out[name] = pd.Series(values, dtype=object, copy=False)  # Python str, not pandas' string dtype
            else:
                out[name] = values
            self.parts[name] = []
        lines = np.concatenate(self.lines) if self.lines else np.zeros(0, np.int64)
        return pd.DataFrame(out), lines


_NOT_DIGIT = re.compile(r"[^0-9\n]")
_NOT_DIGIT_OR_DOT = re.compile(r"[^0-9.\n]")
_TWO_DOTS = re.compile(r"\.[0-9]*\.")


def _plain_numbers(joined: str, dots: bool) -> bool:
    """Whether every line of ``joined`` is ``[-+]?\\d+`` (``dots``: ``[-+]?(\\d+\\.?\\d*|\\.\\d+)``), checked in C.

    ``False`` means "not sure" (an exponent, a stray sign …): the caller
    then checks cell by cell.  Cells are non-empty here.
    """
    body = ("\n" + joined).replace("\n-", "\n").replace("\n+", "\n")  # one leading sign per cell
    if "\n\n" in body or body.endswith("\n"):
        return False  # a cell that was a sign alone
    if not dots:
        return _NOT_DIGIT.search(body) is None
    if _NOT_DIGIT_OR_DOT.search(body) is not None or _TWO_DOTS.search(body) is not None:
        return False
    return "\n.\n" not in body + "\n"  # a lone dot is no number


def _fast_column(values: tuple[str, ...], col: Col) -> _Part | None:
    """Convert a chunk of one column when every cell is well formed; ``None`` if any may not be.

    Checks every cell against the column's pattern (in C, one regex call per
    cell) and converts with NumPy; anything unusual (an empty cell where none
    is allowed, a value out of range, a date) is left to :func:`_careful_column`.
    """
    if col.kind == "date":
        return None
    try:
        joined = "\n".join(values)
        if joined.count("\n") != len(values) - 1:
            return None  # a cell holds a line break
        if _SPACE.search(joined):
            values = tuple(v.strip() for v in values)
        if col.kind == "str":
            arr = np.array(values, dtype=object)
            empty = arr == ""
            if empty.any():
                if not col.empty_ok:
                    return None
                arr[empty] = None
                return arr, None
            codes, uniq = pd.factorize(arr)  # one string object per distinct name, not per row
            return np.asarray(uniq, dtype=object).take(codes), None
        empty = np.array([v == "" for v in values], dtype=bool) if "" in values else None
        if empty is not None:
            if not col.empty_ok:
                return None
            values = tuple("0" if v == "" else v for v in values)
        if col.kind == "int":
            if not (_plain_numbers(joined, dots=False) or all(map(_CELL_RE["int"].fullmatch, values))):
                return None
            if max(map(len, values)) > MAX_INT_DIGITS:
                return None
            num = np.array(values, dtype=np.int64)
        else:
            if not (_plain_numbers(joined, dots=True) or all(map(_CELL_RE["float"].fullmatch, values))):
                return None
            num = np.array(values, dtype=np.float64)
        na = np.zeros(len(num), dtype=bool) if empty is None else empty
        if col.na_codes:
            na = na | np.isin(num, col.na_codes)
        if col.kind == "float":
            if not np.isfinite(num[~na]).all():
                return None
            if col.nonneg and (num[~na] < 0).any():
                return None
            return np.where(na, np.nan, num), None
        if col.nonneg and (num[~na] < 0).any():
            return None
        if col.empty_ok or col.na_codes:
            return np.where(na, 0, num), na
        return num, None
    except (ValueError, OverflowError, TypeError):
        return None


def _careful_column(
    values: tuple[str, ...], col: Col, name: str, cnum: int, lines: np.ndarray, kind: str, path: Path
) -> _Part | DataFileError:
    """Check and convert one column chunk cell by cell: the first bad cell's error, naming line and column."""

    def error(i: int, why: str) -> DataFileError:
        return DataFileError(kind, path, f"{values[i]!r} {why}", f", line {lines[i]}, column {cnum} ({name})")

    s = pd.Series(values, dtype=object).str.strip()
    empty = (s == "").to_numpy()
    if col.kind == "str":
        if empty.any() and not col.empty_ok:
            return error(int(np.flatnonzero(empty)[0]), "is empty")
        return s.where(~empty, None).to_numpy(dtype=object), None
    ok = s.str.fullmatch(_CELL_RE[col.kind].pattern).fillna(False).astype(bool).to_numpy()
    bad = ~ok & ~(empty & col.empty_ok)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        word = _KIND_WORD.get(col.kind, "a non-empty value")
        return error(i, "is empty" if empty[i] else f"is not {word}")
    if col.kind == "date":
        parsed = pd.to_datetime(s.where(~empty), format="%Y-%m-%d", errors="coerce")
        badd = (parsed.isna().to_numpy() & ~empty)
        if badd.any():
            return error(int(np.flatnonzero(badd)[0]), "is not a valid date")
        return parsed.astype("datetime64[ns]").to_numpy(), None
    if col.kind == "int":
        digits = s.str.lstrip("+-").str.len().to_numpy()
        big = (digits > MAX_INT_DIGITS) & ~empty
        if big.any():
            return error(int(np.flatnonzero(big)[0]), f"is out of range (an integer has at most {MAX_INT_DIGITS} digits)")
    num = pd.to_numeric(s.where(~empty, "0"), errors="coerce").to_numpy(
        dtype=np.int64 if col.kind == "int" else np.float64
    )
    na = empty.copy()
    if col.na_codes:
        na |= np.isin(num, col.na_codes)
    for cond, why in (
        (~np.isfinite(num.astype(np.float64)) & ~na, "is not a finite number"),
        ((num < 0) & ~na if col.nonneg else None, _negative_why(col)),
    ):
        if cond is not None and cond.any():
            return error(int(np.flatnonzero(cond)[0]), why)
    if col.kind == "float":
        return np.where(na, np.nan, num), None
    if col.empty_ok or col.na_codes:
        return np.where(na, 0, num), na
    return num, None


def _parse(path: Path, kind: str, spec: Spec) -> pd.DataFrame:
    """Read, check and convert one file (the reading and the checks of the module docstring).

    Time and memory grow linearly with the file: rows are converted
    :data:`CHUNK_ROWS` at a time.  Errors keep the order of a whole-file
    read: a wrong field count anywhere comes first, then the header, then the
    first bad cell, then duplicate keys.
    """
    data = _read_bytes(path, kind)
    text = _decode(data, kind, path)
    if b'"' not in data and b"\x00" not in data:
        fast = _parse_plain(data, text, kind, path, spec)
        if fast is not None:
            return fast
    del data
    reader = csv.reader(io.StringIO(text, newline=""))
    del text
    # millions of short-lived row lists would otherwise set off a full garbage collection again and again
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_rows(reader, path, kind, spec)
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse_plain(data: bytes, text: str, kind: str, path: Path, spec: Spec) -> pd.DataFrame | None:
    """The fast path for a file without quotes: pandas' C parser, then the same checks as :func:`_parse_rows`.

    Used only for a file that is valid throughout: with no ``"`` and no NUL
    in it, every line is its cells split at commas, as the csv module reads
    it.  ``None`` at the first doubt — a leading blank line, a wrong field
    count (the commas are counted), a bad cell, a duplicate key — and
    :func:`_parse_rows` reads the file again to say what is wrong, where.
    """
    first = re.split(r"\r\n|\r|\n", text[:65536], maxsplit=1)[0]
    header = [c.strip() for c in first.split(",")]
    if not any(header) or any(c not in header for c in spec.columns) or len(set(header)) != len(header):
        return None
    width = len(header)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        with warnings.catch_warnings():
            # a row with too many fields is dropped with a warning: the comma count below catches it
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            raw = pd.read_csv(
                io.BytesIO(body), header=None, skiprows=1, names=list(range(width)), index_col=False,
                dtype=object, na_filter=False, keep_default_na=False, quoting=csv.QUOTE_NONE,
                engine="c", skip_blank_lines=True, encoding="utf-8",
            )
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError, OverflowError):
        return None
    if len(raw) == 0 or body.count(b",") != (width - 1) * (len(raw) + 1):
        return None  # no rows, or some row has too few fields (pandas fills them with "")
    columns = _Columns(kind, path, spec, header)
    for name, col in spec.columns.items():
        values = raw[columns.index[name]].to_numpy(dtype=object)
        part = _fast_column(values, col)
        if part is None:
            return None
        columns.parts[name].append(part)
    del raw
    df, _ = columns.frame()
    if spec.key and df.duplicated(list(spec.key)).any():
        return None
    for a, b in spec.periods:
        if (df[b] < df[a]).to_numpy(dtype=bool, na_value=False).any():
            return None
    return df


def _parse_rows(reader: Any, path: Path, kind: str, spec: Spec) -> pd.DataFrame:

    def error(detail: str, where: str = "") -> DataFileError:
        return DataFileError(kind, path, detail, where)

    try:
        header: list[str] | None = None
        while header is None:
            first = next(reader, None)
            if first is None:
                raise error("empty file (no header line)")
            if first and any(c.strip() for c in first):
                header = [c.strip() for c in first]
        pending: DataFileError | None = None
        missing = [c for c in spec.columns if c not in header]
        dup = sorted({c for c in header if header.count(c) > 1})
        if missing:
            pending = error(f"missing required column(s) {', '.join(missing)} (header has: {', '.join(header)})")
        elif dup:
            pending = error(f"duplicate column(s) {', '.join(dup)}", ", line 1")
        columns = _Columns(kind, path, spec, header) if pending is None else None
        rows: list[list[str]] = []
        lines: list[int] = []
        n_rows = 0
        width = len(header)
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != width:
                last = reader.line_num
                is_last = next(reader, None) is None
                what = "too few" if len(row) < width else "too many"
                hint = " (file truncated?)" if is_last and len(row) < width else ""
                raise error(f"{what} fields ({len(row)}, the header has {width}){hint}", f", line {last}")
            n_rows += 1
            if pending is None:
                rows.append(row)
                lines.append(reader.line_num)
                if len(rows) >= CHUNK_ROWS:
                    assert columns is not None
                    pending = columns.add(rows, lines)
                    rows, lines = [], []
        if pending is None and rows:
            assert columns is not None
            pending = columns.add(rows, lines)
        rows = []
    except csv.Error as exc:
        raise error(f"malformed CSV ({exc})", f", line {reader.line_num}") from None
    if pending is not None:
        raise pending
    if n_rows == 0:
        raise error("no data rows after the header")
    assert columns is not None
    df, row_lines = columns.frame()
    if spec.key:
        dupk = df.duplicated(list(spec.key), keep="first")
        if dupk.any():
            i = int(np.flatnonzero(dupk.to_numpy())[0])
            vals = ", ".join(f"{k}={df[k].iloc[i]}" for k in spec.key)
            raise error(f"duplicate row for {vals}", f", line {row_lines[i]}")
    for first, last in spec.periods:
        inverted = (df[last] < df[first]).to_numpy(dtype=bool, na_value=False)
        if inverted.any():
            i = int(np.flatnonzero(inverted)[0])
            raise error(
                f"the period ends before it starts ({last} {df[last].iloc[i]} < {first} {df[first].iloc[i]})",
                f", line {row_lines[i]}, column {header.index(last) + 1} ({last})",
            )
    return df


def _negative_why(col: Col) -> str:
    codes = ", ".join(str(c) for c in col.na_codes)
    return (
        f"is negative (the only negative values allowed are the missing-value codes {codes})"
        if codes
        else "is negative (a quantity cannot be)"
    )


_SPECS: dict[str, Spec] = {}

#: Largest data file read (bytes). COW's files are a few MB; a larger one is refused
#: rather than read into memory.
MAX_DATA_BYTES = 256 * 1024 * 1024


#: Memory a parsed file needs, per byte of the file (measured: a 100 MB NMC file peaks at about
#: 1 GB resident while it is read and measured; virtual memory, which RLIMIT_AS caps, runs higher).
MEMORY_PER_BYTE = 12
#: Memory a process needs besides the file (Python, NumPy, pandas, the shipped tables).
MEMORY_BASE = 400 * 1024 * 1024


def available_memory() -> int | None:
    """Bytes this process can still allocate: the smaller of the system's ``MemAvailable``
    (``/proc/meminfo``) and what ``RLIMIT_AS`` leaves above the process's current size; ``None``
    if neither is known (not Linux, no limit)."""
    import resource

    found: list[int] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (OSError, ValueError):
        soft = resource.RLIM_INFINITY
    if soft != resource.RLIM_INFINITY and soft > 0:
        used = 0
        try:
            with open("/proc/self/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmSize:"):
                        used = int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            pass
        found.append(max(0, soft - used))
    return min(found) if found else None


def check_memory(kind: str, path: Path, need: int, what: str) -> None:
    """Refuse, with one :class:`DataFileError`, work that needs ``need`` bytes when less is available."""
    avail = available_memory()
    if avail is not None and need > avail:
        raise DataFileError(
            kind, path,
            f"{what} needs about {need / 2**20:,.0f} MiB of memory and about {avail / 2**20:,.0f} MiB is available; "
            "give a smaller file or run with more memory",
        )


#: What a cached table is keyed on: (file kind, resolved path, size, modification time in ns).
FileKey = tuple[str, str, int, int]


@functools.lru_cache(maxsize=32)
def _cached(key: FileKey, spec_name: str, shown: str) -> pd.DataFrame:
    kind = key[0]
    try:
        df = _parse(Path(key[1]), kind, _SPECS[spec_name])
        _parsed_keys.add(key)
        return df
    except MemoryError:
        raise DataFileError(
            kind, shown, f"out of memory reading this {key[2]:,}-byte file; give a smaller file or run with more memory"
        ) from None
    except DataFileError as exc:
        # name the file as it was given (``shown``), not its resolved path
        raise DataFileError(kind, shown, exc.detail, exc.where) from None


def file_key(source: DataSource | None, kind: str, version: str = "6.0") -> FileKey:
    """Check that ``source``'s file of ``kind`` can be read; the key its parsed tables are cached on.

    Raises :class:`~neorealism.data.source.DataFileError` for a missing or
    unreadable file, a folder, a device, pipe or socket, a file above
    :data:`MAX_DATA_BYTES`, or one too large for the memory available
    (:func:`check_memory`; not checked again once the file is cached).
    """
    p = as_source(source).path(kind, version)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise DataFileError(kind, p, "file not found") from None
    except PermissionError:
        raise DataFileError(kind, p, "cannot read file (permission denied)") from None
    except OSError as exc:
        raise DataFileError(kind, p, f"cannot read file ({exc.strerror or exc})") from None
    except ValueError:  # a NUL character in the path
        raise DataFileError(kind, p, "not a valid file path (it contains a NUL character)") from None
    if p.is_dir():
        raise DataFileError(kind, p, "is a folder, not a CSV file")
    if not stat.S_ISREG(st.st_mode):
        # a device (/dev/zero), a FIFO or a socket would be read forever or block
        raise DataFileError(kind, p, "not a regular file (a device, pipe or socket); give a CSV file")
    if st.st_size > MAX_DATA_BYTES:
        raise DataFileError(
            kind, p,
            f"{st.st_size:,} bytes is larger than the {MAX_DATA_BYTES:,}-byte limit for one data file "
            "(the largest COW file shipped is about 2.5 MB); is this the right file?",
        )
    if (kind, str(p.resolve()), st.st_size, st.st_mtime_ns) not in _parsed_keys:
        check_memory(kind, p, MEMORY_BASE // 4 + MEMORY_PER_BYTE * st.st_size, f"reading this {st.st_size:,}-byte file")
    return (kind, str(p.resolve()), st.st_size, st.st_mtime_ns)


#: Keys of the files parsed and cached (no memory check when one is read again).
_parsed_keys: set[FileKey] = set()


def _load(source: DataSource | None, kind: str, spec: Spec, version: str = "6.0") -> pd.DataFrame:
    src = as_source(source)
    key = file_key(src, kind, version)
    _SPECS.setdefault(spec.name, spec)
    return _cached(key, spec.name, str(src.path(kind, version))).copy()


def clear_cache() -> None:
    """Forget every parsed file (the cache also notices changed files by size and mtime)."""
    _cached.cache_clear()
    _parsed_keys.clear()


def _cols(kind: str, names: Sequence[str], **kw: object) -> dict[str, Col]:
    return {n: Col(kind, **kw) for n in names}  # type: ignore[arg-type]


# --------------------------------------------------------------------------- specs

NMC_SPEC = Spec(
    "nmc",
    {
        "stateabb": Col("str"),
        "ccode": Col("int"),
        "year": Col("int"),
        **_cols("float", NMC_COMPONENTS, na_codes=(-9,), nonneg=True),
        "cinc": Col("float", na_codes=(-9,), nonneg=True),
        "version": Col("int"),
    },
    key=("ccode", "year"),
)

STATES_SPEC = Spec(
    "states",
    {
        "stateabb": Col("str"),
        "ccode": Col("int"),
        "statenme": Col("str"),
        **_cols("int", ["styear", "stmonth", "stday", "endyear", "endmonth", "endday", "version"]),
    },
    periods=(("styear", "endyear"),),
)

SYSTEM_SPEC = Spec(
    "system",
    {"stateabb": Col("str"), "ccode": Col("int"), "year": Col("int"), "version": Col("int")},
    key=("ccode", "year"),
)

MAJORS_SPEC = Spec(
    "majors",
    {
        "stateabb": Col("str"),
        "ccode": Col("int"),
        **_cols("int", ["styear", "stmonth", "stday", "endyear", "endmonth", "endday", "version"]),
    },
    periods=(("styear", "endyear"),),
)

_WAR_DATES = [f"{a}{b}{n}" for n in (1, 2) for a in ("Start", "End") for b in ("Month", "Day", "Year")]

WARS_SPEC = Spec(
    "wars",
    {
        "WarNum": Col("int"),
        "WarName": Col("str"),
        "WarType": Col("int"),
        "ccode": Col("int"),
        "StateName": Col("str"),
        "Side": Col("int"),
        **_cols("int", _WAR_DATES, na_codes=(-9, -8, -7)),
        "TransFrom": Col("str"),
        "WhereFought": Col("int"),
        "Initiator": Col("int"),
        "Outcome": Col("int"),
        "TransTo": Col("int", na_codes=(-9, -8)),
        "BatDeath": Col("int", na_codes=(-9,)),
        "Version": Col("int"),
    },
)

WAR_DYADS_SPEC = Spec(
    "war_dyads",
    {
        **_cols("int", ["warnum", "ccode1", "ccode2", "year", "cowinterongoing", "cowinteronset"]),
        **_cols("int", ["sidea1", "sidea2", "initiator1", "initiator2"]),
        **_cols("int", ["outcome1", "outcome2"], empty_ok=True),
        **_cols("int", ["batdeath1", "batdeath2"], na_codes=(-9,)),
        "resume": Col("int"),
    },
)

MIDA_SPEC = Spec(
    "mida",
    {
        "dispnum": Col("int"),
        **_cols("int", ["stday", "endday"], na_codes=(-9,)),
        **_cols("int", ["stmon", "styear", "endmon", "endyear"]),
        **_cols("int", ["outcome", "settle", "fatality", "fatalpre"], na_codes=(-9,)),
        **_cols("int", ["maxdur", "mindur", "hiact", "hostlev", "recip", "numa", "numb"]),
        **_cols("int", ["ongo2014", "version"]),
    },
    key=("dispnum",),
)

MIDB_SPEC = Spec(
    "midb",
    {
        "dispnum": Col("int"),
        "stabb": Col("str"),
        "ccode": Col("int"),
        **_cols("int", ["stday", "endday"], na_codes=(-9,)),
        **_cols("int", ["stmon", "styear", "endmon", "endyear", "sidea", "revstate"]),
        **_cols("int", ["revtype1", "revtype2", "fatality", "fatalpre"], na_codes=(-9,)),
        **_cols("int", ["hiact", "hostlev", "orig", "version"]),
    },
)

ALLIANCE_SPEC = Spec(
    "alliances",
    _cols("int", ["ccode1", "ccode2", "year", "cow_defense", "cow_neutral", "cow_nonagg", "cow_entente"]),
)

CONTIGUITY_SPEC = Spec(
    "contiguity",
    {
        "ccode1": Col("int"),
        "ccode2": Col("int"),
        "conttype": Col("int"),
        "stdate": Col("date"),
        "enddate": Col("date"),
    },
)

CAPITALS_SPEC = Spec(
    "capitals",
    {
        "ccode": Col("int"),
        "statenme": Col("str"),
        "capital": Col("str"),
        "stdate": Col("date"),
        "enddate": Col("date"),
        "lat": Col("float"),
        "lng": Col("float"),
    },
)

DEMOCRACY_SPEC = Spec(
    "democracy",
    {
        "ccode": Col("int"),
        "year": Col("int"),
        **_cols("float", ["v2x_polyarchy", "polity2", "xm_qudsest"], empty_ok=True),
    },
    key=("ccode", "year"),
)

# --------------------------------------------------------------------------- loaders


def nmc_path(version: str = "6.0") -> Path:
    """Path of the shipped NMC file for ``version`` ("6.0" or "7.0")."""
    return COW_DIR / NMC_FILES[nmc_version(version)]


def load_nmc(version: str = "6.0", source: DataSource | None = None) -> pd.DataFrame:
    """COW National Material Capabilities, abridged (v6.0 1816–2016, v7.0 1816–2022).

    Columns: ``stateabb`` (str), ``ccode`` (int64), ``year`` (int64),
    ``milex`` (military expenditure, thousands of current £ to 1913 and US$
    from 1914), ``milper`` (military personnel, thousands), ``irst`` (iron and
    steel production, thousands of tons), ``pec`` (primary energy consumption,
    thousands of coal-ton equivalents), ``tpop`` and ``upop`` (total and
    urban population, thousands) — all float64 with COW's ``-9`` (missing)
    turned into ``NaN`` — ``cinc`` (float64, as published) and ``version``
    (int64, the release year).  One row per state-year; a duplicate
    (ccode, year) is an error.

    Source: Singer, Bremer & Stuckey (1972); Singer (1987).  A ``source``
    whose ``nmc`` is set reads that file (same layout, e.g. a newer release)
    instead of the shipped copy of ``version``.
    """
    return _load(source, "nmc", NMC_SPEC, nmc_version(version))


def load_states(source: DataSource | None = None) -> pd.DataFrame:
    """COW State System Membership v2016, membership periods (states2016.csv).

    Columns: stateabb, statenme (str); ccode, styear, stmonth, stday, endyear,
    endmonth, endday, version (int64).  No missing codes.  Source:
    Correlates of War Project (2017); converted by peacesciencer (Miller 2022).
    """
    return _load(source, "states", STATES_SPEC)


def load_system(source: DataSource | None = None) -> pd.DataFrame:
    """COW State System Membership v2016, state-years (system2016.csv).

    Columns: stateabb (str), ccode, year, version (int64); 15,951 rows for
    1816–2016.  Source: Correlates of War Project (2017).
    """
    return _load(source, "system", SYSTEM_SPEC)


def load_majors(source: DataSource | None = None) -> pd.DataFrame:
    """COW major-power periods v2016 (majors2016.csv).

    Columns: stateabb (str); ccode, styear, stmonth, stday, endyear, endmonth,
    endday, version (int64).  Periods include both end years; expand with
    :func:`major_state_years`.  Source: Correlates of War Project (2017).
    """
    return _load(source, "majors", MAJORS_SPEC)


def major_state_years(majors: pd.DataFrame | None = None, source: DataSource | None = None) -> pd.DataFrame:
    """The COW major-power list as state-years (ccode, stateabb, year), styear–endyear inclusive.

    The shipped v2016 list has 1,195 state-years.
    """
    m = load_majors(source) if majors is None else majors
    n = (m["endyear"] - m["styear"] + 1).clip(lower=0).to_numpy()
    idx = np.repeat(np.arange(len(m)), n)
    offs = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    out = pd.DataFrame(
        {
            "ccode": m["ccode"].to_numpy()[idx],
            "stateabb": m["stateabb"].to_numpy()[idx],
            "year": m["styear"].to_numpy()[idx] + offs,
        }
    )
    return out.drop_duplicates(["ccode", "year"]).sort_values(["year", "ccode"]).reset_index(drop=True)


def load_wars(source: DataSource | None = None) -> pd.DataFrame:
    """COW Inter-State War Data v4.0, one row per state per war (participant file).

    Columns: WarNum, WarType, ccode, Side, WhereFought, Initiator, Outcome,
    Version (int64); WarName, StateName, TransFrom (str; TransFrom may list
    several war numbers, "-8" = none); the start/end month, day and year of
    the first and second spell of participation (``StartMonth1`` …
    ``EndYear2``, nullable Int64: ``-8`` not applicable (no second spell),
    ``-9`` unknown and ``-7`` ongoing become ``<NA>``); TransTo (Int64, ``-8``
    none → ``<NA>``); BatDeath (Int64, battle deaths, ``-9`` unknown →
    ``<NA>``).  The file uses bare-CR line ends; the csv module reads them.
    Source: Sarkees & Wayman (2010).
    """
    df = _load(source, "wars", WARS_SPEC)
    df["TransFrom"] = df["TransFrom"].where(df["TransFrom"] != "-8", None)
    return df


def load_war_dyads(source: DataSource | None = None) -> pd.DataFrame:
    """COW Inter-State War v4.0, directed dyad-years (peacesciencer form).

    Columns (int64 unless noted): warnum, ccode1, ccode2, year,
    cowinterongoing, cowinteronset, sidea1, sidea2, initiator1, initiator2,
    outcome1, outcome2 (Int64; empty → ``<NA>``), batdeath1, batdeath2
    (Int64; ``-9`` unknown → ``<NA>``), resume.  Source: Sarkees & Wayman
    (2010), processed by Miller (2022).
    """
    return _load(source, "war_dyads", WAR_DYADS_SPEC)


def load_mids(kind: str = "A", source: DataSource | None = None) -> pd.DataFrame:
    """COW Militarized Interstate Disputes v5.0: ``kind="A"`` disputes, ``"B"`` participants.

    All columns int64 except ``stabb`` (str, MIDB).  ``-9`` (unknown) → ``<NA>``
    (Int64) in stday, endday, outcome, settle, fatality, fatalpre and, for
    MIDB, revtype1 and revtype2.  Source: Palmer et al. (2022).
    """
    k = str(kind).upper()
    if k not in ("A", "B"):
        raise ParameterError(f"MID kind must be 'A' (disputes) or 'B' (participants), got {kind!r}")
    if k == "A":
        return _load(source, "mida", MIDA_SPEC)
    return _load(source, "midb", MIDB_SPEC)


def load_alliances(source: DataSource | None = None) -> pd.DataFrame:
    """COW Formal Alliances v4.1, directed dyad-years — for internal use only.

    Columns (int64): ccode1, ccode2, year, cow_defense, cow_neutral,
    cow_nonagg, cow_entente.  Source: Gibler (2009), via peacesciencer
    (Miller 2022).

    Restriction: at the maintainer's request these data are used here only
    to set the formal alliances in force among a scenario's states in its
    start year (:func:`alliances_in_force`) and to show the real alliance
    record beside simulated alliances.  Do not re-export them in dyad-year
    form or merge them into dyad-year analyses; use ATOP for alliance
    covariates.
    """
    return _load(source, "alliances", ALLIANCE_SPEC)


def alliances_in_force(
    year: int, ccodes: Sequence[int] | None = None, source: DataSource | None = None
) -> pd.DataFrame:
    """Formal alliances in force in one year among the given states (undirected pairs).

    Returns ccode1 < ccode2 with the four pact-type flags (defense, neutral,
    nonagg, entente) — the allowed use of the alliance data: a scenario's
    starting alliances, or the real record shown beside a simulation.
    """
    a = load_alliances(source)
    a = a[(a["year"] == int(year)) & (a["ccode1"] < a["ccode2"])]
    if ccodes is not None:
        cc = list(ccodes)
        a = a[a["ccode1"].isin(cc) & a["ccode2"].isin(cc)]
    return a.drop(columns="year").reset_index(drop=True)


def load_contiguity(source: DataSource | None = None) -> pd.DataFrame:
    """COW Direct Contiguity v3.2, directed (peacesciencer form).

    Columns: ccode1, ccode2, conttype (int64; 1 land, 2 ≤ 12 miles of water,
    3 ≤ 24, 4 ≤ 150, 5 ≤ 400), stdate, enddate (datetime64).  Source:
    Stinnett et al. (2002), via Miller (2022).
    """
    return _load(source, "contiguity", CONTIGUITY_SPEC)


def load_capitals(source: DataSource | None = None) -> pd.DataFrame:
    """Capitals of COW states with coordinates (peacesciencer form).

    Columns: ccode (int64), statenme, capital (str), stdate, enddate
    (datetime64), lat, lng (float64, degrees).  Source: Miller (2022).
    """
    return _load(source, "capitals", CAPITALS_SPEC)


def load_democracy(source: DataSource | None = None) -> pd.DataFrame:
    """Regime scores by COW state-year (peacesciencer's ccode_democracy), 1816–2020.

    Columns: ccode, year (int64); v2x_polyarchy (V-Dem, 0–1), polity2
    (Polity, −10…10), xm_qudsest (extended Unified Democracy Scores) —
    float64, empty cells → ``NaN``.  Sources: Coppedge et al. (V-Dem);
    Marshall, Gurr & Jaggers (Polity IV); Márquez (2016); Pemstein, Meserve &
    Melton (2010); Miller (2022).
    """
    return _load(source, "democracy", DEMOCRACY_SPEC)


# --------------------------------------------------------------------------- catalogue

#: Shipped files: relative path, loader name, citation keys.
SHIPPED: tuple[tuple[str, str, str], ...] = (
    ("cow/NMC-60-abridged.csv", "load_nmc(version='6.0')", "SingerBremerStuckey1972; Singer1987"),
    ("cow/NMC-70-abridged.csv", "load_nmc(version='7.0')", "SingerBremerStuckey1972; Singer1987; Miller2022"),
    ("cow/states2016.csv", "load_states", "COW2017; Miller2022"),
    ("cow/system2016.csv", "load_system", "COW2017"),
    ("cow/majors2016.csv", "load_majors", "COW2017"),
    ("cow/Inter-StateWarData_v4.0.csv", "load_wars", "SarkeesWayman2010"),
    ("cow/interstate_war_v4.0_dyad_year.csv", "load_war_dyads", "SarkeesWayman2010; Miller2022"),
    ("cow/MIDA_5.0.csv", "load_mids(kind='A')", "Palmer2022"),
    ("cow/MIDB_5.0.csv", "load_mids(kind='B')", "Palmer2022"),
    ("cow/alliance_v4.1_dyad_year.csv", "load_alliances (restricted use)", "Gibler2009; Miller2022"),
    ("cow/contiguity_direct_v3.2.csv", "load_contiguity", "Stinnett2002; Miller2022"),
    ("cow/capitals.csv", "load_capitals", "Miller2022"),
    ("democracy/ccode_democracy.csv", "load_democracy", "VDem; Polity; Marquez2016; Pemstein2010; Miller2022"),
    ("nuclear/first_tests.csv", "scenarios_from_data.nuclear_first_tests", "SIPRI; NorrisKristensen2010"),
)


def shipped_files() -> pd.DataFrame:
    """What ships: file, data rows, sha256 prefix (16 hex digits), loader, citation keys."""
    import hashlib

    recs = []
    for rel, loader, cite in SHIPPED:
        p = FILES_DIR / rel
        data = p.read_bytes()
        text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        n_lines = len([ln for ln in text.split(b"\n") if ln.strip()])
        recs.append(
            {
                "file": rel,
                "rows": n_lines - 1,
                "sha256": hashlib.sha256(data).hexdigest()[:16],
                "loader": loader,
                "citation": cite,
            }
        )
    return pd.DataFrame(recs)


def citation_text() -> str:
    """The text of ``files/CITATION.md``: every citation the sources ask for."""
    return (FILES_DIR / "CITATION.md").read_text(encoding="utf-8")


def citations() -> pd.DataFrame:
    """Every citation as a row: key, citation, and the data it covers (parsed from CITATION.md)."""
    rows: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in citation_text().splitlines():
        m = re.match(r"^- \[([^\]]+)\]\s*(.*)$", line)
        if m:
            current = {"key": m.group(1), "citation": m.group(2).strip(), "data": ""}
            rows.append(current)
        elif current is not None and line.startswith("  ") and line.strip():
            text = line.strip()
            if text.startswith("— "):
                current["data"] = text[2:].strip()
            elif current["data"]:
                current["data"] += " " + text
            else:
                current["citation"] += " " + text
        else:  # a heading, a blank line or an unkeyed item ends the entry
            current = None
    for r in rows:  # the short form puts the data on the same line: "citation — data"
        if not r["data"] and " — " in r["citation"]:
            r["citation"], r["data"] = (x.strip() for x in r["citation"].rsplit(" — ", 1))
    return pd.DataFrame(rows, columns=["key", "citation", "data"])
