"""Scenarios from a real year: COW capabilities mapped into the simulation's five components.

:func:`scenario_from_data` builds a :class:`~neorealism.scenario.Scenario`
whose states are the K strongest states of a year by CINC (Singer, Bremer &
Stuckey 1972), with the rest of the system aggregated, listed or dropped.
``docs/from-data.md`` gives the same account with the measured fidelity.

The mapping
-----------
COW's National Material Capabilities have six indicators in three
dimensions — military (milex, milper), industrial (irst, pec) and
demographic (tpop, upop) — and no GDP.  The simulation has five components
(military, economy, population, resources, technology) and measures power
with the same CINC form (:func:`neorealism.measures.composite_index`: mean of
the state's shares of the components).  Each of the six indicators enters
exactly one *extensive* component, so none is counted twice:

- ``population`` ← tpop, in millions.  The one demographic total.
- ``resources`` ← pec, primary energy consumption, in millions of coal-ton
  equivalents: the energy base an economy draws on (COW has no reserves or
  land data).  Energy is kept out of ``economy`` so it is not counted twice.
- ``economy`` ← the mean of the state's shares of irst (iron and steel, the
  classic heavy-industry output) and upop (urban population: the urban,
  non-agricultural economy, which industrialisation and urbanisation grow
  together), × 1000: economy is the state's per-mille of the system's
  industrial-urban base.  Using irst and pec instead (the COW "industrial
  dimension") counts energy twice (it is also ``resources``) and tracks CINC
  less well (see the docs).
- ``military`` ← the mean of the state's shares of milex and milper (COW's
  military dimension) × a system scale.  The scale is chosen so that, over
  the scenario's states, the steady-state military burden (below) averages
  ``system_burden`` (default 0.05, a round figure of the order of the share of
  world output spent on arms in the twentieth century outside the world
  wars); shares — and so power — do not depend on it.  milex is in £ to 1913
  and US$ from 1914 (COW codebook), which is why only within-year shares are
  used, never levels.
- ``technology`` ← urbanisation, upop / tpop, divided by its median over the
  K chosen states (so the median top-K state is 1).  Technology is an
  intensive multiplier on military production, not a stock; urbanisation is
  a bounded, always-reported modernisation level (industrial output per head
  is more dispersed and tracks CINC worse).  Because technology is
  intensive, its shares are flatter than CINC's: this is the main reason the
  composite is compressed toward 1/N (a smaller leader share than CINC's).

Burden: the engine builds the military stock as
M' = (1 − δ)·M + burden·E·tech·conversion, so a state's initial
``burden = δ·M / (E·tech·conversion)`` puts its stock at the steady state.
It is clipped to [0, cap], cap = ``params.armament.max_burden`` (0.25 by
default; ``burden_cap=`` up to the schema's 0.9).  Why not 0.9: a state whose
military share far exceeds its industrial-urban base (a large peasant army,
a mobilised Balkan state in 1913) would get a burden near 0.9, the engine's
guns-versus-butter term would then shrink its economy by a third or more in
the first years — an artefact of the proxy, not history — and the engine's
own target never exceeds ``max_burden`` anyway.  A clipped state's stock is
above its steady state and decays toward it; the clipped states are named
in the description.  With δ = 0 no spending is needed: burdens are 0
and the scale uses one year's spending instead.

Missing values (COW's −9): a missing indicator of a state in a year is
replaced by the state's *share* of that indicator in the nearest year it is
reported (the earlier year on a tie) — shares, not levels, so currency
changes and inflation do not matter.  An indicator a state never reports is
skipped inside its component (e.g. military from milper alone); a component
with nothing left falls back to the state's published CINC share, and
technology to 1.  The year's total of an indicator is then slightly more
than the reported total; every component is renormalised by the composite
anyway.  Imputations are listed in the description.

Positions (``geography.metric: sphere``, [lat, lon]): the capital in force
on 1 January of the year (COW capitals, peacesciencer); else the record
overlapping that year (earliest first); else the state's record nearest in
time.  A state with no capital record at all is placed at the CINC-weighted
centre of the system's capitals (and named in the description).  An
aggregate ("Rest of world") has no capital: it is placed at the CINC-weighted
spherical centroid of its members' capitals (the mean of their unit vectors,
projected back onto the sphere) — a placeholder: distances to it are only a
rough proxy, since its members are spread over the map.

Alliances: formal alliances of the selected types (default: defense pacts)
in force that year among the individually listed states, from COW Formal
Alliances v4.1 (Gibler 2009) through :func:`~neorealism.data.loaders.alliances_in_force`
— the one use the data's maintainer allows (a scenario's starting
alliances).  The data end in 2012; for a later year the alliances of the
last year are used and the description says so.

Names: the COW state list's, except where one ccode spans states history
names differently (:data:`ERA_NAMES`: ccode 365 is "Soviet Union" in
1922–1991, COW's "Russia" otherwise); an explicit ``rename=`` wins.

Regime: Polity2 of that year (−10…10); missing → none.  The aggregate has none.
Doctrine: defensive for every state (Waltz's default expectation that states
seek security, not maximal power); ``doctrine=`` changes it.

The rest of the system: ``aggregate`` (default) adds one state holding the
sum of every other state's indicators; ``minor`` lists the next ``minors``
states individually and drops the remainder; ``drop`` omits them.  With
``region`` the candidates (and the rest) are the states of that COW region
(ccode ranges, :data:`REGIONS`) plus any ``include`` ccodes.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..measures import POLARITY_LABELS, composite_index, system_measures
from ..output import atomic_write_text
from ..scenario import Params, Scenario, validate_scenario
from .loaders import (
    NMC_COMPONENTS,
    alliances_in_force,
    file_key,
    load_alliances,
    load_capitals,
    load_democracy,
    load_nmc,
    load_states,
)
from .source import DataFileError, DataSource, as_source

__all__ = [
    "ALLIANCE_TYPES",
    "BUILTINS",
    "DEFAULT_SYSTEM_BURDEN",
    "ECONOMY_SCALE",
    "ERA_NAMES",
    "FIDELITY_MAX_MAD",
    "FIDELITY_MIN_CORR",
    "FromData",
    "NMC_VERSIONS",
    "REGIONS",
    "REST_MODES",
    "Group",
    "build_from_data",
    "builtin_text",
    "capital_position",
    "era_name",
    "group_components",
    "imputed_shares",
    "scenario_from_data",
    "state_names",
    "write_builtins",
]

NMC_VERSIONS: tuple[str, ...] = ("6.0", "7.0")
REST_MODES: tuple[str, ...] = ("aggregate", "minor", "drop")
ALLIANCE_TYPES: tuple[str, ...] = ("defense", "neutral", "nonagg", "entente")
#: COW regions as ccode ranges (inclusive), as in the COW state-code scheme.
REGIONS: dict[str, tuple[int, int]] = {
    "americas": (2, 199),
    "europe": (200, 399),
    "africa": (400, 626),
    "middle-east": (630, 699),
    "asia": (700, 899),
    "oceania": (900, 999),
}
#: The system total of ``economy`` (per-mille of the industrial-urban base).
ECONOMY_SCALE = 1000.0
#: Mean steady-state military burden of a scenario's states (sets the military scale only).
DEFAULT_SYSTEM_BURDEN = 0.05
#: Largest initial burden (the scenario schema's bound).
BURDEN_MAX = 0.9
ECONOMY_FLOOR = 1e-6
TECH_FLOOR = 1e-3
TECH_MAX = 1000.0
#: Significant digits kept in the YAML.
SIG_DIGITS = 6
#: Fidelity bar of the built-in scenarios: composite vs published CINC (renormalised over the scenario).
FIDELITY_MIN_CORR = 0.95
FIDELITY_MAX_MAD = 0.02


def _sig(x: float, digits: int = SIG_DIGITS) -> float:
    return float(f"{float(x):.{digits}g}")


def _version(nmc: str | float) -> str:
    v = str(nmc)
    if v in ("6", "7"):
        v += ".0"
    if v not in NMC_VERSIONS:
        raise ParameterError(f"nmc must be one of {', '.join(NMC_VERSIONS)}, got {nmc!r}", field="nmc")
    return v


# --------------------------------------------------------------------------- imputed shares


def _imputed_shares_cached(version: str, source: DataSource | None = None) -> pd.DataFrame:
    """The imputed shares of ``source``'s NMC file, else of the shipped ``version`` (cached per file state).

    The cache key is the file's kind, resolved path, size and modification
    time (:func:`~neorealism.data.loaders.file_key`, as for the loaders), so
    an edited file is read again.  Do not modify the result.
    """
    src = as_source(source)
    key = file_key(src, "nmc", version)  # the loader's own errors (file not found …)
    return _imputed_shares_of_file(version, key, DataSource(nmc=src.nmc))


@functools.lru_cache(maxsize=4)
def _imputed_shares_of_file(version: str, key: tuple, nmc_only: DataSource) -> pd.DataFrame:
    nmc = load_nmc(version, nmc_only)
    df = nmc[["ccode", "stateabb", "year", *NMC_COMPONENTS, "cinc"]].sort_values(["ccode", "year"], kind="stable")
    df = df.reset_index(drop=True)
    totals = df.groupby("year")[list(NMC_COMPONENTS)].sum(min_count=1)
    for c in NMC_COMPONENTS:
        tot = df["year"].map(totals[c])
        s = df[c] / tot.where(tot > 0)
        df["tot_" + c] = tot.fillna(0.0)
        # nearest reported year of the same state (earlier on a tie)
        yr = df["year"].where(s.notna())
        g = df["ccode"]
        prev_s, prev_y = s.groupby(g).ffill(), yr.groupby(g).ffill()
        next_s, next_y = s.groupby(g).bfill(), yr.groupby(g).bfill()
        dp = (df["year"] - prev_y).abs()
        dn = (next_y - df["year"]).abs()
        use_next = prev_s.isna() | (next_s.notna() & (dn < dp))
        filled = prev_s.where(~use_next, next_s)
        src = prev_y.where(~use_next, next_y)
        missing = s.isna()
        df["s_" + c] = s.where(~missing, filled)
        df["from_" + c] = np.where(missing & filled.notna(), src, np.nan)
    return df


def imputed_shares(nmc: str = "6.0", source: DataSource | None = None) -> pd.DataFrame:
    """Every state-year of NMC with each indicator's within-year share, missing ones imputed.

    A ``source`` whose ``nmc`` is set reads that NMC file (e.g. a newer
    release, same columns) instead of the shipped ``nmc`` version.

    Columns: ccode, stateabb, year, the six raw indicators (NaN = −9), cinc;
    ``s_<c>`` the share of the year's reported total of indicator c (a missing
    one replaced by the state's share in its nearest reported year, earlier
    on a tie; NaN if never reported); ``tot_<c>`` the reported total;
    ``from_<c>`` the year an imputed share came from (NaN if not imputed).
    """
    return _imputed_shares_cached(_version(nmc), source).copy()


# --------------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class Group:
    """One scenario state: a single COW state or an aggregate of several."""

    name: str
    kind: Literal["state", "minor", "rest"]
    ccodes: tuple[int, ...]


def group_components(year_rows: pd.DataFrame, members: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """The mapping, for one year: five components (before scaling military/technology) per group.

    ``year_rows`` are the rows of :func:`imputed_shares` for one year;
    ``members[g]`` the row positions of group g.  Returns arrays (one per
    group): ``m_share`` (mean of milex and milper shares), ``economy``,
    ``population`` (millions), ``resources`` (million coal-ton equivalents),
    ``urban`` (upop/tpop), ``cinc`` (published, summed) and a ``fallback``
    note per group.
    """
    G = len(members)
    S = {c: year_rows["s_" + c].to_numpy(dtype=np.float64) for c in NMC_COMPONENTS}
    T = {c: year_rows["tot_" + c].to_numpy(dtype=np.float64) for c in NMC_COMPONENTS}
    cinc = year_rows["cinc"].to_numpy(dtype=np.float64)

    def gsum(a: np.ndarray) -> np.ndarray:
        out = np.full(G, np.nan)
        for g, idx in enumerate(members):
            v = a[idx]
            if len(v) and np.isfinite(v).any():
                out[g] = np.nansum(v)
        return out

    sh = {c: gsum(S[c]) for c in NMC_COMPONENTS}
    csum = gsum(cinc)
    notes: list[list[str]] = [[] for _ in range(G)]

    def mean_of(cols: tuple[str, ...], label: str) -> np.ndarray:
        stack = np.vstack([sh[c] for c in cols])
        have = np.isfinite(stack)
        with np.errstate(invalid="ignore"):
            m = np.where(have.any(axis=0), np.nansum(stack, axis=0) / np.maximum(have.sum(axis=0), 1), np.nan)
        for g in np.flatnonzero(~have.all(axis=0)):
            if np.isnan(m[g]):
                notes[g].append(f"{label} from the published CINC share (no {'/'.join(cols)} ever reported)")
            else:
                gone = [c for c, h in zip(cols, have[:, g], strict=True) if not h]
                notes[g].append(f"{label} without {'/'.join(gone)} (never reported)")
        return np.where(np.isnan(m), csum, m)

    m_share = mean_of(("milex", "milper"), "military")
    e_share = mean_of(("irst", "upop"), "economy")
    single = {}
    for c, label in (("tpop", "population"), ("pec", "resources")):
        s = sh[c]
        for g in np.flatnonzero(np.isnan(s)):
            notes[g].append(f"{label} from the published CINC share (no {c} ever reported)")
        single[c] = np.where(np.isnan(s), csum, s) * T[c][0] / 1000.0 if len(T[c]) else s
    upop = sh["upop"] * (T["upop"][0] if len(T["upop"]) else np.nan)
    tpop = sh["tpop"] * (T["tpop"][0] if len(T["tpop"]) else np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        urban = upop / tpop
    for g in np.flatnonzero(~np.isfinite(urban)):
        notes[g].append("technology set to the median (no urbanisation)")
    return {
        "m_share": m_share,
        "economy": e_share * ECONOMY_SCALE,
        "population": single["tpop"],
        "resources": single["pec"],
        "urban": urban,
        "cinc": csum,
        "notes": np.array(["; ".join(n) for n in notes], dtype=object),
    }


def _military_and_burden(
    m_share: np.ndarray, economy: np.ndarray, tech: np.ndarray, params: Params, system_burden: float, cap: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Military stock (share × scale) and the steady-state burden, clipped to [0, cap]."""
    delta = params.armament.depreciation
    conv = params.armament.conversion
    spend = economy * tech * conv
    eff = delta if delta > 0 else 1.0
    scale = system_burden * spend.sum() / (eff * m_share.sum()) if m_share.sum() > 0 else 0.0
    military = m_share * scale
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(spend > 0, delta * military / spend, np.inf)
    burden = np.clip(raw, 0.0, cap)
    return military, burden, raw


# --------------------------------------------------------------------------- positions


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def spherical_centroid(lat: Sequence[float], lon: Sequence[float], weights: Sequence[float]) -> tuple[float, float] | None:
    """Weighted centroid of points on the sphere (mean unit vector, projected back); None if degenerate."""
    la, lo, w = (np.asarray(a, dtype=np.float64) for a in (lat, lon, weights))
    ok = np.isfinite(la) & np.isfinite(lo) & np.isfinite(w) & (w > 0)
    if not ok.any():
        return None
    v = (_unit(la[ok], lo[ok]) * w[ok, None]).sum(axis=0) / w[ok].sum()
    n = float(np.linalg.norm(v))
    if n < 1e-9:
        return None
    v /= n
    return float(np.degrees(np.arctan2(v[2], math.hypot(v[0], v[1])))), float(np.degrees(np.arctan2(v[1], v[0])))


def capital_position(ccode: int, year: int, capitals: pd.DataFrame | None = None) -> tuple[float, float, str, str] | None:
    """(lat, lon, capital, how) of a state's capital in a year, or None if it has no record.

    ``how`` is ``in force`` (the record covering 1 January), ``that year``
    (a record overlapping the year, earliest first) or ``nearest (YYYY)``
    (the record nearest in time).
    """
    caps = load_capitals() if capitals is None else capitals
    r = caps[caps["ccode"] == int(ccode)]
    if r.empty:
        return None
    jan1 = pd.Timestamp(year=int(year), month=1, day=1)
    dec31 = pd.Timestamp(year=int(year), month=12, day=31)
    r = r.sort_values("stdate", kind="stable")
    hit = r[(r["stdate"] <= jan1) & (r["enddate"] >= jan1)]
    how = "in force"
    if hit.empty:
        hit = r[(r["stdate"] <= dec31) & (r["enddate"] >= jan1)]
        how = "that year"
    if hit.empty:
        gap = np.maximum((r["stdate"] - dec31).dt.days.to_numpy(), (jan1 - r["enddate"]).dt.days.to_numpy())
        k = int(np.argmin(gap))
        hit = r.iloc[[k]]
        how = f"nearest ({hit['stdate'].iloc[0].year}–{hit['enddate'].iloc[0].year})"
    row = hit.iloc[0]
    return float(row["lat"]), float(row["lng"]), str(row["capital"]), how


# --------------------------------------------------------------------------- building


@dataclass
class FromData:
    """A scenario built from a real year, with the table it came from and its fidelity to CINC."""

    scenario: Scenario
    groups: list[Group]
    table: pd.DataFrame
    fidelity: dict[str, float]
    year: int
    nmc: str
    rest: str
    region: str | None = None
    include: tuple[int, ...] = ()
    notes: list[str] = field(default_factory=list)
    #: The data files read, when not the shipped ones (``None`` = shipped): keys
    #: ``nmc``, ``capitals``, ``alliances``, ``democracy``, ``states``.
    paths: dict[str, Path | None] = field(default_factory=dict)
    #: The files it was built from (``DataSource()``: all shipped).
    source: DataSource = field(default_factory=DataSource)


def _candidates(rows: pd.DataFrame, region: str | None, include: Sequence[int]) -> pd.DataFrame:
    if region is None:
        return rows
    lo, hi = REGIONS[region]
    keep = rows["ccode"].between(lo, hi) | rows["ccode"].isin(list(include))
    return rows[keep]


def _state_names(source: DataSource | None = None) -> dict[int, str]:
    st = load_states(source).sort_values(["ccode", "styear"], kind="stable")
    return st.drop_duplicates("ccode", keep="last").set_index("ccode")["statenme"].to_dict()


#: Era-correct default names for COW codes whose single COW name does not fit every year:
#: ccode → ((first year, last year, name), …).  In other years the state keeps its name in the COW
#: state list ("Russia" for 365).  An explicit ``rename=`` wins over both.
ERA_NAMES: dict[int, tuple[tuple[int, int, str], ...]] = {
    365: ((1922, 1991, "Soviet Union"),),
}


def era_name(ccode: int, year: int, cow_name: str) -> str:
    """The default name of state ``ccode`` in ``year``: its :data:`ERA_NAMES` entry for that year, else ``cow_name``."""
    for lo, hi, name in ERA_NAMES.get(int(ccode), ()):
        if lo <= int(year) <= hi:
            return name
    return cow_name


def state_names(year: int, source: DataSource | None = None, rename: Mapping[int, str] | None = None) -> dict[int, str]:
    """ccode → the name a scenario of ``year`` gives the state: ``rename``, else :func:`era_name` of COW's name.

    COW's names come from ``source``'s state list (``None``: the shipped one).
    """
    names = _state_names(source)
    names = {c: era_name(c, year, n) for c, n in names.items()}
    return {**names, **{int(k): str(v) for k, v in (rename or {}).items()}}


def _check_options(
    year: Any, top: Any, rest: str, minors: int | None, region: str | None, alliance_types: Sequence[str], doctrine: str, system_burden: float
) -> None:
    if rest not in REST_MODES:
        raise ParameterError(f"rest must be one of {', '.join(REST_MODES)}, got {rest!r}", field="rest")
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
        raise ParameterError(f"year must be an integer, got {year!r}", field="year")
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)):
        raise ParameterError(f"top must be an integer, got {top!r}", field="top")
    if minors is not None and (isinstance(minors, bool) or not isinstance(minors, (int, np.integer)) or minors < 0):
        raise ParameterError(f"minors must be an integer ≥ 0, got {minors!r}", field="minors")
    if region is not None and region not in REGIONS:
        raise ParameterError(f"region must be one of {', '.join(REGIONS)}, got {region!r}", field="region")
    bad = [t for t in alliance_types if t not in ALLIANCE_TYPES]
    if bad:
        raise ParameterError(
            f"alliance_types: unknown type(s) {', '.join(map(repr, bad))}; allowed: {', '.join(ALLIANCE_TYPES)}",
            field="alliance_types",
        )
    if doctrine not in ("defensive", "offensive"):
        raise ParameterError(f"doctrine must be 'defensive' or 'offensive', got {doctrine!r}", field="doctrine")
    if not (0 < system_burden <= BURDEN_MAX):
        raise ParameterError(f"system_burden must be in (0, {BURDEN_MAX}], got {system_burden}", field="system_burden")


def _fidelity(share: np.ndarray, cinc: np.ndarray, individual: np.ndarray) -> dict[str, float]:
    ref = cinc / cinc.sum()
    d = np.abs(share - ref)
    ind = individual

    def corr(a: np.ndarray, b: np.ndarray) -> float:
        if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
            return float("nan")
        return float(np.corrcoef(a, b)[0, 1])

    return {
        "corr": corr(share, ref),
        "corr_states": corr(share[ind], ref[ind]),
        "mean_abs_diff": float(d.mean()),
        "max_abs_diff": float(d.max()),
        "leader_share": float(share.max()),
        "leader_cinc": float(ref.max()),
    }


def build_from_data(
    year: int,
    top: int = 10,
    nmc: str = "6.0",
    rest: str = "aggregate",
    name: str | None = None,
    *,
    minors: int | None = None,
    region: str | None = None,
    include: Sequence[int] = (),
    alliance_types: Sequence[str] = ("defense",),
    doctrine: str = "defensive",
    system_burden: float = DEFAULT_SYSTEM_BURDEN,
    burden_cap: float | None = None,
    rename: Mapping[int, str] | None = None,
    params: Params | Mapping[str, Any] | None = None,
    years: int = 100,
    worlds: int = 100,
    seed: int = 0,
    description: str | None = None,
    source: DataSource | None = None,
) -> FromData:
    """Build a scenario from a real year and keep the table behind it (see the module docstring).

    ``source`` (a :class:`~neorealism.data.source.DataSource`) names the NMC,
    capitals, alliance, democracy and state-list (state names) files to read
    instead of the shipped ones — e.g. a newer NMC release, same layout; the
    year may then be any year the given NMC file covers.  States are named as in the COW
    state list, with era-correct names where one ccode spans differently
    named states (:data:`ERA_NAMES`: 365 is the Soviet Union in 1922–1991);
    ``rename`` (ccode → name) wins over both.  ``minors`` (with ``rest="minor"``)
    defaults to 10, or to all the remaining states if fewer; a larger
    number is an error giving the allowed range.
    """
    version = _version(nmc)
    alliance_types = tuple(alliance_types)
    _check_options(year, top, rest, minors, region, alliance_types, doctrine, system_burden)
    year, top = int(year), int(top)
    files = as_source(source)
    paths: dict[str, Path | None] = {k: getattr(files, k) for k in ("nmc", "capitals", "alliances", "democracy", "states")}
    nmc_label = f"v{version}" if files.nmc is None else f"file {files.nmc.name}"
    sh = _imputed_shares_cached(version, files)
    lo, hi = int(sh["year"].min()), int(sh["year"].max())
    if not lo <= year <= hi:
        raise ParameterError(f"year = {year}: allowed {lo}–{hi} (the years of COW NMC {nmc_label})", field="year")
    rows = sh[sh["year"] == year].reset_index(drop=True)
    if not any(rows["s_" + c].notna().any() for c in NMC_COMPONENTS):
        raise DataFileError(
            "nmc", files.path("nmc", version),
            f"no capability data for {year}: every component of every state is missing (-9), in that year "
            "and in every year a missing value could be filled from; nothing to build a scenario from",
        )
    cand = _candidates(rows, region, include).sort_values(["cinc", "ccode"], ascending=[False, True], kind="stable")
    n_cand = len(cand)
    where = f" in {region}" + (f" (+ ccodes {', '.join(map(str, include))})" if include else "") if region else ""
    if not 2 <= top <= n_cand:
        raise ParameterError(
            f"top = {top}: allowed 2–{n_cand} (the number of states{where} in the system in {year}, "
            f"COW NMC {nmc_label})",
            field="top",
        )
    pdata: dict[str, Any]
    if params is None:
        pdata = {}
    elif isinstance(params, Params):
        pdata = params.model_dump()
    else:
        pdata = dict(params)
    pdata.setdefault("geography", {})
    pdata["geography"] = {**dict(pdata["geography"]), "metric": "sphere"}
    p = Params.model_validate(pdata)
    cap = p.armament.max_burden if burden_cap is None else float(burden_cap)
    if not 0 <= cap <= BURDEN_MAX:
        raise ParameterError(f"burden_cap must be in [0, {BURDEN_MAX}], got {burden_cap}", field="burden_cap")

    names = state_names(year, files, rename)
    chosen = cand.iloc[:top]
    groups: list[Group] = [Group(names.get(int(c), str(a)), "state", (int(c),)) for c, a in zip(chosen["ccode"], chosen["stateabb"], strict=True)]
    others = cand.iloc[top:]
    rest_label = "Rest of world" if region is None else f"Rest of {region.replace('-', ' ').title()}"
    if minors is None:
        minors = min(10, len(others))
    elif rest == "minor" and minors > len(others):
        raise ParameterError(
            f"minors = {minors}: allowed 0–{len(others)} (the states{where} in {year} after the top {top}, "
            f"COW NMC {nmc_label})",
            field="minors",
        )
    if rest == "minor":
        mi = others.iloc[:minors]
        groups += [Group(names.get(int(c), str(a)), "minor", (int(c),)) for c, a in zip(mi["ccode"], mi["stateabb"], strict=True)]
    elif rest == "aggregate" and len(others):
        groups.append(Group(rest_label, "rest", tuple(int(c) for c in others["ccode"])))
    # unique names (COW names are unique per ccode; guard anyway)
    seen: dict[str, int] = {}
    for k, g in enumerate(groups):
        if g.name in seen:
            groups[k] = Group(f"{g.name} ({g.ccodes[0]})", g.kind, g.ccodes)
        seen[groups[k].name] = k

    pos_of = {int(c): i for i, c in enumerate(rows["ccode"])}
    members = [np.array([pos_of[c] for c in g.ccodes], dtype=np.int64) for g in groups]
    comp = group_components(rows, members)
    individual = np.array([g.kind != "rest" for g in groups])
    top_mask = np.array([g.kind == "state" for g in groups])
    urban = comp["urban"]
    med = float(np.nanmedian(urban[top_mask])) if np.isfinite(urban[top_mask]).any() else float("nan")
    tech = np.where(np.isfinite(urban) & (med > 0), urban / med, 1.0)
    tech = np.clip(tech, TECH_FLOOR, TECH_MAX)
    economy = np.maximum(comp["economy"], ECONOMY_FLOOR)
    population = np.maximum(comp["population"], ECONOMY_FLOOR)
    resources = np.maximum(comp["resources"], 0.0)
    military, burden, raw_burden = _military_and_burden(comp["m_share"], economy, tech, p, system_burden, cap)

    # positions
    caps = load_capitals(files)
    cap_info: list[tuple[float, float, str, str] | None] = []
    notes: list[str] = []
    for g in groups:
        if g.kind == "rest":
            cap_info.append(None)
            continue
        cap_info.append(capital_position(g.ccodes[0], year, caps))
    # the system's centre (for states without any record) and the aggregate's centroid
    all_pos = [capital_position(int(c), year, caps) for c in rows["ccode"]]
    lat_all = [np.nan if q is None else q[0] for q in all_pos]
    lon_all = [np.nan if q is None else q[1] for q in all_pos]
    w_all = rows["cinc"].to_numpy(dtype=np.float64)
    centre = spherical_centroid(lat_all, lon_all, w_all) or (0.0, 0.0)
    positions: list[tuple[float, float]] = []
    capital_names: list[str] = []
    for g, idx, info in zip(groups, members, cap_info, strict=True):
        if g.kind == "rest":
            c = spherical_centroid([lat_all[i] for i in idx], [lon_all[i] for i in idx], w_all[idx])
            if c is None:
                c = centre
            positions.append(c)
            capital_names.append("(centroid of members' capitals)")
        elif info is None:
            positions.append(centre)
            capital_names.append("(no capital record: system centre)")
            notes.append(f"{g.name} has no capital record: placed at the CINC-weighted centre of the system's capitals")
        else:
            positions.append((info[0], info[1]))
            capital_names.append(info[2])
            if info[3] != "in force":
                notes.append(f"{g.name}: capital {info[2]} ({info[3]})")

    # regime scores
    dem = load_democracy(files)
    dem = dem[dem["year"] == year].set_index("ccode")["polity2"]
    regimes: list[float | None] = []
    for g in groups:
        v = dem.get(g.ccodes[0], np.nan) if g.kind != "rest" else np.nan
        regimes.append(float(v) if np.isfinite(v) and -10 <= v <= 10 else None)

    # alliances among the individually listed states
    ally = load_alliances(files)
    a_lo, a_hi = int(ally["year"].min()), int(ally["year"].max())
    a_year = min(max(year, a_lo), a_hi)
    if a_year != year:
        notes.append(f"COW alliance data cover {a_lo}–{a_hi}: alliances in force in {a_year} used")
    ind_ccodes = [g.ccodes[0] for g in groups if g.kind != "rest"]
    pairs_df = alliances_in_force(a_year, ind_ccodes, source=files)
    cols = [f"cow_{t}" for t in alliance_types]
    pairs_df = pairs_df[(pairs_df[cols] == 1).any(axis=1)] if len(pairs_df) else pairs_df
    idx_of = {g.ccodes[0]: k for k, g in enumerate(groups) if g.kind != "rest"}
    pairs = sorted({tuple(sorted((idx_of[int(a)], idx_of[int(b)]))) for a, b in zip(pairs_df["ccode1"], pairs_df["ccode2"], strict=True)})
    alliances = [(groups[i].name, groups[j].name) for i, j in pairs]

    # imputation and mapping notes
    for g, n in zip(groups, comp["notes"], strict=True):
        if n:
            notes.append(f"{g.name}: {n}")
    for g, idx in zip(groups, members, strict=True):
        if g.kind == "rest":
            continue
        r = rows.iloc[idx[0]]
        imp = [f"{c} from {int(r['from_' + c])}" for c in NMC_COMPONENTS if np.isfinite(r["from_" + c])]
        if imp:
            notes.append(f"{g.name}: missing {', '.join(imp)} (nearest year's share)")
    clipped = [g.name for g, b in zip(groups, raw_burden, strict=True) if b > cap]
    if clipped:
        notes.append(
            f"burden clipped to {cap:g} (military stock above the steady state its industrial-urban "
            f"base supports; the stock then shrinks): {', '.join(clipped)}"
        )

    # the scenario
    share = composite_index(np.vstack([military, economy, population, resources, tech]))
    fid = _fidelity(share, comp["cinc"], individual)
    states = []
    for k, g in enumerate(groups):
        s: dict[str, Any] = {
            "name": g.name,
            "military": _sig(military[k]),
            "economy": _sig(economy[k]),
            "population": _sig(population[k]),
            "resources": _sig(resources[k]),
            "technology": _sig(tech[k]),
            "position": [round(positions[k][0], 4), round(positions[k][1], 4)],
            "doctrine": doctrine,
            "burden": _sig(burden[k], 4),
        }
        if regimes[k] is not None:
            s["regime"] = regimes[k]
        if g.kind != "rest":
            s["ccode"] = g.ccodes[0]
        else:
            s["aggregate"] = True  # capabilities count, but it is no unitary actor
        states.append(s)
    rest_text = {
        "aggregate": f"the other {len(others)} states{where} aggregated as one state ('{rest_label}')" if len(others) else "no other states",
        "minor": f"the next {minors} states listed as minor states (the remaining {len(others) - minors} dropped)",
        "drop": f"the other {len(others)} states{where} omitted",
    }[rest]
    auto = (
        f"The {top} strongest states{where} of {year} by CINC (COW NMC {nmc_label}), {rest_text}. "
        f"Capabilities mapped into the five components as documented in docs/from-data.md "
        f"(military ← milex & milper shares; economy ← iron & steel and urban population shares; "
        f"population ← total population; resources ← energy consumption; technology ← urbanisation, "
        f"median of the top {top} = 1); burdens at the military steady state; capitals' coordinates "
        f"on the sphere; {'/'.join(alliance_types)} pacts in force (COW Formal Alliances v4.1); Polity2 regimes."
    )
    auto += " " + _start_reading(share, [g.name for g in groups], [g.kind != "rest" for g in groups], p)
    text = (description.strip() + "\n\n" if description else "") + auto
    if notes:
        text += " Notes: " + "; ".join(notes) + "."
    if len(text) > 4000:
        text = text[:3990].rsplit(";", 1)[0] + " …"
    src = (
        f"Correlates of War National Material Capabilities {nmc_label} (Singer, Bremer & Stuckey 1972; Singer 1987), "
        f"year {year}; capitals via peacesciencer (Miller 2022); Formal Alliances v4.1 (Gibler 2009), "
        f"pacts in force in {a_year}; Polity2 (Marshall, Gurr & Jaggers) via peacesciencer."
    )
    data = {
        "name": name or (f"cow-{year}-top{top}" + (f"-{region}" if region else "")),
        "description": text,
        "start_year": year,
        "years": years,
        "worlds": worlds,
        "seed": seed,
        "states": states,
        "alliances": [list(a) for a in alliances],
        "params": p.model_dump(mode="json"),
        "source": src,
    }
    sc = validate_scenario(data, source=f"from-data {year}")
    table = pd.DataFrame(
        {
            "name": [g.name for g in groups],
            "kind": [g.kind for g in groups],
            "ccode": [g.ccodes[0] if g.kind != "rest" else pd.NA for g in groups],
            "n_members": [len(g.ccodes) for g in groups],
            "cinc": comp["cinc"],
            "cinc_share": comp["cinc"] / comp["cinc"].sum(),
            "share": share,
            "military": military,
            "economy": economy,
            "population": population,
            "resources": resources,
            "technology": tech,
            "burden": burden,
            "lat": [q[0] for q in positions],
            "lon": [q[1] for q in positions],
            "capital": capital_names,
            "regime": regimes,
        }
    )
    return FromData(
        scenario=sc, groups=groups, table=table, fidelity=fid, year=year, nmc=version, rest=rest,
        region=region, include=tuple(int(c) for c in include), notes=notes, paths=paths, source=files,
    )


def scenario_from_data(
    year: int,
    top: int = 10,
    nmc: str = "6.0",
    rest: str = "aggregate",
    name: str | None = None,
    **kwargs: Any,
) -> Scenario:
    """A scenario of the ``top`` strongest states of ``year`` by CINC (see the module docstring).

    ``rest``: ``aggregate`` (one "Rest of world" state), ``minor`` (the next
    ``minors`` states individually) or ``drop``.  Keyword options:
    ``minors``, ``region`` (one of :data:`REGIONS`), ``include`` (extra
    ccodes in a region), ``alliance_types`` (subset of :data:`ALLIANCE_TYPES`,
    default defense pacts), ``doctrine``, ``system_burden``, ``params``,
    ``years``, ``worlds``, ``seed``, ``description``, and ``source`` (a
    :class:`~neorealism.data.source.DataSource` naming other files of the
    same layout, e.g. a newer NMC release, instead of the shipped ones).  Raises
    :class:`~neorealism.errors.ParameterError` naming the option and its
    allowed range for a year outside the data, ``top`` < 2 or more than the
    states of that year, ``minors`` more than the states left, or an unknown
    option value.
    """
    return build_from_data(year, top, nmc, rest, name, **kwargs).scenario


def _start_reading(share: np.ndarray, names: Sequence[str], actors: Sequence[bool], p: Params) -> str:
    """How the model's own measures read the start (so a scenario's name never hides its structure)."""
    m = p.measures
    sm = system_measures(share, rule=m.gp_rule, threshold=m.gp_threshold, relative=m.gp_relative, actors=np.asarray(actors))
    bar = f"share ≥ {m.gp_threshold:g}" if m.gp_rule == "share" else f"share ≥ {m.gp_relative:g} × the leader's"
    gps = [f"{n} {s:.2f}" for n, s, g in zip(names, share, sm["gp"], strict=True) if g]
    return (
        f"At the start the model's composite index and great-power rule ({bar}) read it as "
        f"{POLARITY_LABELS[int(sm['polarity'])]}: {', '.join(gps) or 'no state above the bar'}."
    )


# --------------------------------------------------------------------------- built-ins

#: The shipped scenarios built from data: name → options of :func:`build_from_data`.
BUILTINS: dict[str, dict[str, Any]] = {
    "europe-1913": dict(
        year=1913, top=7, rest="minor", minors=8, region="europe", include=(640,),
        alliance_types=("defense", "entente"), years=100, rename={640: "Ottoman Empire"},
        description=(
            "Europe on the eve of the First World War: the six European great powers and the Ottoman "
            "Empire (ccode 640, added to COW's European ccode range 200–399), which are exactly the seven "
            "strongest of that set by CINC in 1913, plus the next eight European states as minor states. "
            "A regional subsystem: the United States and Japan are left out, so shares are of Europe's "
            "capabilities. Defense pacts and ententes are set, so that both the Triple Alliance and the "
            "Franco-Russian alliance with the British ententes appear as COW records them."
        ),
    ),
    "cold-war-1950": dict(
        year=1950, top=10, rest="aggregate", alliance_types=("defense",), years=50,
        description=(
            "The early Cold War. COW records NATO from 1949, so the United States, Britain, France and "
            "Italy start allied; the Warsaw Pact dates only from 1955, so in 1950 the Soviet bloc is "
            "the Soviet Union's bilateral defense treaties as COW records them (with China since the "
            "1950 Sino-Soviet treaty, and with Poland); COW also still records the wartime Anglo-Soviet "
            "(1942) and Franco-Soviet (1944) treaties, formally in force until 1955. Nuclear deterrence (secure second strikes) is "
            "not yet modelled and will be added with the strategy mechanisms. By CINC, China's population "
            "puts it above the 10% bar beside the two superpowers, so the model reads the start as "
            "multipolar rather than Waltz's bipolar."
        ),
    ),
    "unipolar-1992": dict(
        year=1992, top=10, rest="aggregate", alliance_types=("defense",), years=50,
        description=(
            "The unipolar moment after the Soviet Union's collapse: the United States leads. A "
            "CINC-form index counts China's population and heavy industry at full weight, so the model "
            "reads this start as bipolar (the United States and China above the 10% bar); that the "
            "world of 1992 was unipolar is a judgement about the quality of military and economic power "
            "that gross capability counts miss (Wohlforth 1999; Beckley 2018 on gross vs net power). "
            "Use it to ask how the index's structure evolves, or raise measures.gp_threshold."
        ),
    ),
    "us-china-2016": dict(
        year=2016, top=10, rest="aggregate", alliance_types=("defense",), years=50,
        description=(
            "The US–China power transition: by COW's CINC China overtook the United States in the "
            "1990s (its population and industrial output weigh heavily in the index)."
        ),
    ),
}


def _builtin_options(name: str) -> dict[str, Any]:
    if name not in BUILTINS:
        raise ParameterError(f"no built-in from-data scenario {name!r}; known: {', '.join(BUILTINS)}")
    return dict(BUILTINS[name])


def builtin_text(name: str) -> str:
    """The YAML text of a built-in from-data scenario as the generator makes it today."""
    opts = _builtin_options(name)
    year = opts.pop("year")
    sc = build_from_data(year, name=name, **opts).scenario
    header = (
        f"# Built-in scenario '{name}', generated from COW data by\n"
        f"#   python -m neorealism.data.scenarios_from_data --write-builtins\n"
        f"# Do not edit by hand: tests check that this file equals the generator's output.\n"
    )
    return header + sc.to_yaml()


def builtins_dir() -> Path:
    return Path(str(resources.files("neorealism") / "scenarios"))


def write_builtins(folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """(Re)write every built-in from-data scenario; returns the paths written."""
    out = Path(folder) if folder is not None else builtins_dir()
    return [atomic_write_text(out / f"{n}.yaml", builtin_text(n)) for n in BUILTINS]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m neorealism.data.scenarios_from_data", description=__doc__.splitlines()[0])
    ap.add_argument("--write-builtins", action="store_true", help="regenerate the built-in from-data scenarios")
    ap.add_argument("--folder", default=None, help="write them here instead of the package's scenarios folder")
    ap.add_argument("--check", action="store_true", help="exit 1 if a shipped file differs from the generator's output")
    a = ap.parse_args(argv)
    if a.check:
        folder = Path(a.folder) if a.folder else builtins_dir()
        stale = [n for n in BUILTINS if not (folder / f"{n}.yaml").is_file() or (folder / f"{n}.yaml").read_text(encoding="utf-8") != builtin_text(n)]
        for n in stale:
            print(f"stale: {n}.yaml", file=sys.stderr)
        return 1 if stale else 0
    if a.write_builtins:
        for p in write_builtins(a.folder):
            print(p)
        return 0
    ap.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
