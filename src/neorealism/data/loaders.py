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
import io
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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

_INT_RE = r"[-+]?\d+"
_FLOAT_RE = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_DATE_RE = r"\d{4}-\d{2}-\d{2}"
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


def _read_rows(path: Path, kind: str) -> tuple[list[str], list[list[str]], np.ndarray]:
    """Header, data rows and each row's line number, checking field counts."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_DATA_BYTES + 1)
    except FileNotFoundError:
        raise DataFileError(kind, path, "file not found") from None
    except OSError as exc:
        raise DataFileError(kind, path, f"cannot read file ({exc.strerror})") from None
    if len(data) > MAX_DATA_BYTES:
        raise DataFileError(kind, path, f"larger than the {MAX_DATA_BYTES:,}-byte limit for one data file")
    reader = csv.reader(io.StringIO(_decode(data, kind, path), newline=""))
    try:
        header: list[str] | None = None
        while header is None:
            first = next(reader, None)
            if first is None:
                raise DataFileError(kind, path, "empty file (no header line)")
            if first and any(c.strip() for c in first):
                header = [c.strip() for c in first]
        rows: list[list[str]] = []
        lines: list[int] = []
        width = len(header)
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != width:
                last = reader.line_num
                is_last = next(reader, None) is None
                what = "too few" if len(row) < width else "too many"
                hint = " (file truncated?)" if is_last and len(row) < width else ""
                raise DataFileError(
                    kind, path, f"{what} fields ({len(row)}, the header has {width}){hint}", f", line {last}"
                )
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataFileError(kind, path, f"malformed CSV ({exc})", f", line {reader.line_num}") from None
    return header, rows, np.asarray(lines, dtype=np.int64)


def _parse(path: Path, kind: str, spec: Spec) -> pd.DataFrame:
    header, rows, lines = _read_rows(path, kind)

    def error(detail: str, where: str = "") -> DataFileError:
        return DataFileError(kind, path, detail, where)

    missing = [c for c in spec.columns if c not in header]
    if missing:
        raise error(f"missing required column(s) {', '.join(missing)} (header has: {', '.join(header)})")
    dup = sorted({c for c in header if header.count(c) > 1})
    if dup:
        raise error(f"duplicate column(s) {', '.join(dup)}", ", line 1")
    if not rows:
        raise error("no data rows after the header")
    raw = pd.DataFrame(rows, columns=header, dtype=object)
    out: dict[str, pd.Series] = {}
    for name, col in spec.columns.items():
        s = raw[name].astype(object).str.strip()
        empty = s == ""
        if col.kind == "str":
            out[name] = s.where(~empty, None) if col.empty_ok else s
            bad = empty if not col.empty_ok else pd.Series(False, index=s.index)
        else:
            pattern = {"int": _INT_RE, "float": _FLOAT_RE, "date": _DATE_RE}[col.kind]
            ok = s.str.fullmatch(pattern).fillna(False).astype(bool)
            bad = ~ok & ~(empty & col.empty_ok)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            value = raw[name].iloc[i]
            cnum = header.index(name) + 1
            word = _KIND_WORD.get(col.kind, "a non-empty value")
            what = "is empty" if value.strip() == "" else f"is not {word}"
            raise error(f"{value!r} {what}", f", line {lines[i]}, column {cnum} ({name})")
        if col.kind == "str":
            continue
        if col.kind == "date":
            parsed = pd.to_datetime(s.where(~empty), format="%Y-%m-%d", errors="coerce")
            badd = parsed.isna() & ~empty
            if badd.any():
                i = int(np.flatnonzero(badd.to_numpy())[0])
                raise error(
                    f"{raw[name].iloc[i]!r} is not a valid date", f", line {lines[i]}, column {header.index(name) + 1} ({name})"
                )
            out[name] = parsed.astype("datetime64[ns]")
            continue
        num = pd.to_numeric(s.where(~empty), errors="coerce")
        na = empty.copy()
        if col.na_codes:
            na |= num.isin(col.na_codes)
        for cond, why in (
            (~np.isfinite(num.astype(np.float64)) & ~na, "is not a finite number"),
            ((num < 0) & ~na if col.nonneg else None, _negative_why(col)),
        ):
            if cond is None or not cond.any():
                continue
            i = int(np.flatnonzero(cond.to_numpy())[0])
            raise error(f"{raw[name].iloc[i]!r} {why}", f", line {lines[i]}, column {header.index(name) + 1} ({name})")
        if col.kind == "float":
            out[name] = num.where(~na).astype(np.float64)
        elif na.any() or col.empty_ok or col.na_codes:
            out[name] = num.where(~na).astype("Int64")
        else:
            out[name] = num.astype(np.int64)
    df = pd.DataFrame(out)
    if spec.key:
        dupk = df.duplicated(list(spec.key), keep="first")
        if dupk.any():
            i = int(np.flatnonzero(dupk.to_numpy())[0])
            vals = ", ".join(f"{k}={df[k].iloc[i]}" for k in spec.key)
            raise error(f"duplicate row for {vals}", f", line {lines[i]}")
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


#: What a cached table is keyed on: (file kind, resolved path, size, modification time in ns).
FileKey = tuple[str, str, int, int]


@functools.lru_cache(maxsize=32)
def _cached(key: FileKey, spec_name: str, shown: str) -> pd.DataFrame:
    kind = key[0]
    try:
        return _parse(Path(key[1]), kind, _SPECS[spec_name])
    except DataFileError as exc:
        # name the file as it was given (``shown``), not its resolved path
        raise DataFileError(kind, shown, exc.detail, exc.where) from None


def file_key(source: DataSource | None, kind: str, version: str = "6.0") -> FileKey:
    """Check that ``source``'s file of ``kind`` can be read; the key its parsed tables are cached on.

    Raises :class:`~neorealism.data.source.DataFileError` for a missing file,
    a folder, a device, pipe or socket, or a file above :data:`MAX_DATA_BYTES`.
    """
    p = as_source(source).path(kind, version)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise DataFileError(kind, p, "file not found") from None
    except OSError as exc:
        raise DataFileError(kind, p, f"cannot read file ({exc.strerror})") from None
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
    return (kind, str(p.resolve()), st.st_size, st.st_mtime_ns)


def _load(source: DataSource | None, kind: str, spec: Spec, version: str = "6.0") -> pd.DataFrame:
    src = as_source(source)
    key = file_key(src, kind, version)
    _SPECS.setdefault(spec.name, spec)
    return _cached(key, spec.name, str(src.path(kind, version))).copy()


def clear_cache() -> None:
    """Forget every parsed file (the cache also notices changed files by size and mtime)."""
    _cached.cache_clear()


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
