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

Growth trends (:func:`growth_trends`): each scenario state's yearly trend
of four components is estimated from the ``trend_window`` (default 25)
years *before* the start year — never from the start year or later — and
written to its ``growth`` (economy), ``population_growth``,
``technology_growth`` and ``resources_growth``.  NMC has no GDP, so the
economy's trend is that of the same industrial-urban proxy as its level:
the mean of irst and upop, each divided by its system total in the last
window year (a fixed base, so the series grows with the state's own
output, not with its share); population ← tpop, resources ← pec,
technology ← urbanisation upop/tpop.  For an aggregate, the series is the
chain-linked sum of its members (a member's missing years inside its
reported span interpolated from its own neighbours; each year's link uses
only the members reported in both years, so a member entering or leaving
does not make the sum jump).  The trend is the Theil–Sen slope of the log series on
the year (Theil 1950; Sen 1968: robust to missing years and to the few
years of a war's collapse and recovery), shrunk toward the system's
typical trend by empirical Bayes (Efron & Morris 1975), with a standard
error corrected for autocorrelated residuals (Santer et al. 2000): long,
clean histories keep their slope, short or noisy ones are drawn toward the
system's, a state with fewer than two years gets the system's.  The log
slope b becomes the engine's yearly rate e^b − 1, clipped to the field's
range.  The economy's trend is what was observed, net of the arms the
state bought: it is written as the base rate ``growth`` without adding the
engine's guns-versus-butter cost back.

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

Nuclear forces (``nuclear_since``, read by :mod:`neorealism.mechanisms.nuclear`):
the year of each state's first nuclear test (``files/nuclear/first_tests.csv``:
the United States 1945, the Soviet Union / Russia 1949, the United Kingdom
1952, France 1960, China 1964, India 1974, Pakistan 1998, North Korea 2006;
SIPRI Yearbook; Norris & Kristensen 2010).  By default (``nuclear="start"``)
only forces tested by the start year are marked — like the growth trends, no
fact of a later year enters the scenario; ``nuclear="scheduled"`` also sets
the later tests (history imposed on the run), ``"none"`` marks nobody.
Israel (never tested nor declared) and the aggregate are never marked.  The
years are first tests; a secure second strike came later for most (the
provenance file says so).

Landmass (``landmass``, the stopping power of water, Mearsheimer 2001): the
COW region decides (:func:`landmass`) — the Americas are one landmass;
Europe, Africa, the Middle East and Asia one, Afro-Eurasia; Oceania one —
except island states, each on its own (:data:`ISLANDS`: the United Kingdom,
Ireland, Iceland, Japan, Taiwan, Sri Lanka, Indonesia, the Philippines,
Cuba, Hispaniola's two states, Australia, New Zealand, Madagascar, Cyprus,
Malta …).  The aggregate has none.

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

from .. import fmath
from ..errors import ParameterError
from ..measures import POLARITY_LABELS, composite_index
from ..output import atomic_write_text
from ..scenario import Params, Scenario, validate_scenario
from ..state import COMPONENTS
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
    "DEFAULT_TREND_WINDOW",
    "ECONOMY_SCALE",
    "ERA_NAMES",
    "FIDELITY_MAX_MAD",
    "FIDELITY_MIN_CORR",
    "FromData",
    "ISLANDS",
    "NUCLEAR_MODES",
    "NMC_VERSIONS",
    "REGIONS",
    "REST_MODES",
    "TREND_FIELDS",
    "Group",
    "build_from_data",
    "builtin_text",
    "capital_position",
    "growth_trends",
    "era_name",
    "group_components",
    "imputed_shares",
    "landmass",
    "nuclear_first_tests",
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
#: How scenarios from data mark nuclear forces: tested by the start year, also later ones, or none.
NUCLEAR_MODES: tuple[str, ...] = ("start", "scheduled", "none")
#: The landmass of each COW region (:func:`landmass`); island states are in :data:`ISLANDS`.
REGION_LANDMASS: dict[str, str] = {
    "americas": "Americas",
    "europe": "Afro-Eurasia",
    "africa": "Afro-Eurasia",
    "middle-east": "Afro-Eurasia",
    "asia": "Afro-Eurasia",
    "oceania": "Oceania",
}
#: Island states, each on a landmass of its own (ccode → landmass; two states sharing an island share it).
ISLANDS: dict[int, str] = {
    31: "Bahamas", 40: "Cuba", 41: "Hispaniola", 42: "Hispaniola", 51: "Jamaica", 52: "Trinidad",
    53: "Barbados", 54: "Dominica", 55: "Grenada", 56: "Saint Lucia", 57: "Saint Vincent", 58: "Antigua",
    60: "Saint Kitts", 200: "Great Britain", 205: "Ireland", 338: "Malta", 352: "Cyprus", 395: "Iceland",
    402: "Cape Verde", 403: "Sao Tome", 511: "Zanzibar", 580: "Madagascar", 581: "Comoros", 590: "Mauritius",
    591: "Seychelles", 713: "Taiwan", 740: "Japan", 780: "Sri Lanka", 781: "Maldives", 840: "Philippines",
    850: "Indonesia", 860: "Timor", 900: "Australia", 920: "New Zealand",
}


def landmass(ccode: int) -> str | None:
    """The landmass of COW state ``ccode``: its island (:data:`ISLANDS`), else its region's (:data:`REGION_LANDMASS`)."""
    c = int(ccode)
    if c in ISLANDS:
        return ISLANDS[c]
    for region, (lo, hi) in REGIONS.items():
        if lo <= c <= hi:
            return REGION_LANDMASS[region]
    return None


NUCLEAR_FILE = Path(__file__).resolve().parent / "files" / "nuclear" / "first_tests.csv"


@functools.lru_cache(maxsize=1)
def _first_tests() -> tuple[tuple[int, int], ...]:
    df = pd.read_csv(NUCLEAR_FILE, dtype={"ccode": "int64"})
    tested = df[(df["status"] == "tested") & df["first_test"].notna()]
    return tuple((int(c), int(y)) for c, y in zip(tested["ccode"], tested["first_test"], strict=True))


def nuclear_first_tests() -> dict[int, int]:
    """ccode → the year of the state's first nuclear test (``files/nuclear/first_tests.csv``; Israel left out)."""
    return dict(_first_tests())


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


# --------------------------------------------------------------------------- growth trends

#: The StateSpec field each growth trend is written to → the component it is the trend of.
TREND_FIELDS: dict[str, str] = {
    "growth": "economy",
    "population_growth": "population",
    "technology_growth": "technology",
    "resources_growth": "resources",
}
#: Years of data before the start year the trends are estimated from (the start year itself is not used).
DEFAULT_TREND_WINDOW = 25
#: Largest window allowed.
TREND_WINDOW_MAX = 200
#: A unit with fewer years than this has its own residual scale replaced by at least the system's (pooled).
TREND_MIN_POINTS = 5
#: Floor of the yearly scale of a log series' deviations from its trend (a series is never taken as noiseless).
TREND_MIN_SCALE = 0.005
#: Floor of the between-state spread of trends (the empirical-Bayes prior never collapses to a point).
TREND_MIN_SPREAD = 0.005
#: Normal-consistency constant of the median absolute deviation.
_MAD = 1.4826


def _field_range(name: str) -> tuple[float, float]:
    """The (ge, le) bounds of a :class:`~neorealism.scenario.StateSpec` field (the schema is the one source)."""
    from ..scenario import StateSpec

    lo, hi = -math.inf, math.inf
    for m in StateSpec.model_fields[name].metadata:
        if getattr(m, "ge", None) is not None:
            lo = float(m.ge)
        if getattr(m, "le", None) is not None:
            hi = float(m.le)
    return lo, hi


def _check_trend_window(trend_window: Any) -> int:
    if trend_window is None:
        return 0
    if isinstance(trend_window, bool) or not isinstance(trend_window, (int, np.integer)) or not (
        trend_window == 0 or 2 <= trend_window <= TREND_WINDOW_MAX
    ):
        raise ParameterError(
            f"trend_window = {trend_window!r}: allowed 0 (no trends) or 2–{TREND_WINDOW_MAX} years",
            field="trend_window",
        )
    return int(trend_window)


def _window_panel(sh: pd.DataFrame, ccodes: Sequence[int], years: np.ndarray) -> dict[str, np.ndarray]:
    """Raw irst, upop, tpop, pec (NaN = missing) as (len(ccodes), len(years)) arrays, and the references.

    Only the raw indicators are read, never the imputed shares: those fill a
    missing value from the nearest year, which may lie after the start.
    """
    sub = sh[sh["year"].isin(years) & sh["ccode"].isin(list(ccodes))]
    out: dict[str, np.ndarray] = {}
    for c in ("irst", "upop", "tpop", "pec"):
        piv = sub.pivot(index="ccode", columns="year", values=c).reindex(index=list(ccodes), columns=list(years))
        out[c] = piv.to_numpy(dtype=np.float64)
    # the economy proxy's fixed base: the system totals of the last window year that reports them
    tot = sh[sh["year"].isin(years)].groupby("year")[["irst", "upop"]].sum(min_count=1)
    for c in ("irst", "upop"):
        good = tot[c][tot[c] > 0]
        out["ref_" + c] = np.array(float(good.iloc[-1]) if len(good) else np.nan)
    return out


def _component_series(panel: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """Each trend component of the states ``rows`` of the panel: (values, denominator or None), (M, T)."""
    irst, upop, tpop, pec = (panel[c][rows] for c in ("irst", "upop", "tpop", "pec"))
    parts = []
    for x, ref in ((irst, panel["ref_irst"]), (upop, panel["ref_upop"])):
        if np.isfinite(ref) and ref > 0:
            parts.append(x / ref)
    if parts:
        stack = np.stack(parts)  # (k, M, T)
        ever = np.isfinite(stack).any(axis=2)  # an indicator a state never reports in the window is skipped
        use = np.broadcast_to(ever[:, :, None], stack.shape)
        n_use = use.sum(axis=0)
        with np.errstate(invalid="ignore"):
            econ = np.where(n_use > 0, np.where(use, stack, 0.0).sum(axis=0) / np.maximum(n_use, 1), np.nan)
        econ = np.where((use & ~np.isfinite(stack)).any(axis=0), np.nan, econ)  # reported some years, missing this one
    else:
        econ = np.full(irst.shape, np.nan)
    return {"economy": (econ, None), "population": (tpop, None), "resources": (pec, None), "technology": (upop, tpop)}


def _fill_interior(x: np.ndarray) -> np.ndarray:
    """Each row's missing values between two of its positive values, log-linearly interpolated.

    Only gaps inside a member's reported span are filled, from its own
    neighbouring years (both in the window, so no later value enters);
    before its first and after its last reported year it stays missing.
    """
    out = x.copy()
    t = np.arange(x.shape[1], dtype=np.float64)
    for r in range(x.shape[0]):
        pos = np.isfinite(x[r]) & (x[r] > 0)
        if pos.sum() < 2:
            continue
        k = np.flatnonzero(pos)
        gap = ~np.isfinite(x[r])
        gap[: k[0]] = False
        gap[k[-1] + 1 :] = False
        if gap.any():
            out[r, gap] = fmath.exp(np.interp(t[gap], t[k], fmath.log(x[r, k])))
    return out


def _chain_index(num: np.ndarray, den: np.ndarray | None) -> np.ndarray:
    """Chain-linked log index (T,) of the sum of ``num`` (over its M rows), or of sum(num)/sum(den).

    For a group, a member's missing years inside its reported span are first
    interpolated (:func:`_fill_interior`), so that a large member missing a
    year does not leave the link to the others.  Each link from the last
    indexed year s to year t then uses only the members with a positive
    value in both years (and, for a ratio, both the numerator and the
    denominator), so a member entering or leaving does not make the sum
    jump: the matched-sample chain index of index-number practice.  A year
    no member links to is NaN.  For one member it is the log of its series
    (less its first value), gaps left as they are.
    """
    if num.shape[0] > 1:
        num = _fill_interior(num)
        den = _fill_interior(den) if den is not None else None
    ok = np.isfinite(num) & (num > 0)
    if den is not None:
        ok &= np.isfinite(den) & (den > 0)
    T = num.shape[1]
    out = np.full(T, np.nan)
    if num.shape[0] == 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            v = fmath.log(num[0]) - (fmath.log(den[0]) if den is not None else 0.0)
        v = np.where(ok[0], v, np.nan)
        fin = np.flatnonzero(np.isfinite(v))
        if len(fin):
            out = v - v[fin[0]]
        return out
    s: int | None = None
    for t in range(T):
        if not ok[:, t].any():
            continue
        if s is None:
            out[t], s = 0.0, t
            continue
        m = ok[:, s] & ok[:, t]
        if not m.any():
            continue
        link = math.log(num[m, t].sum() / num[m, s].sum())
        if den is not None:
            link -= math.log(den[m, t].sum() / den[m, s].sum())
        out[t], s = out[s] + link, t
    return out


def _theil_sen(L: np.ndarray, years: np.ndarray) -> dict[str, np.ndarray]:
    """Theil–Sen slope of each row of ``L`` (U, T) on ``years``, with what its standard error needs.

    slope: the median of the slopes between every pair of years with data
    (Theil 1950; Sen 1968), robust to up to about 29% of outlying years (a
    war's collapse and recovery); the intercept is the median of L − slope·t.
    scale: the robust (MAD) scale of the residuals from that line; rho: the
    lag-1 autocorrelation of the residuals (in consecutive years, residuals
    winsorised at 3 scales), clipped to [0, 0.8]; sxx: Σ(t − t̄)² over the
    years with data; n: years with data.
    """
    U, T = L.shape
    t = years.astype(np.float64)
    fin = np.isfinite(L)
    n = fin.sum(axis=1)
    slope = np.full(U, np.nan)
    scale = np.full(U, np.nan)
    rho = np.zeros(U)
    if T >= 2 and U:
        i, j = np.triu_indices(T, 1)
        pair = (L[:, j] - L[:, i]) / (t[j] - t[i])
        have = np.isfinite(pair).any(axis=1)
        if have.any():
            slope[have] = np.nanmedian(pair[have], axis=1)
    with np.errstate(invalid="ignore"):
        base = L - slope[:, None] * t[None, :]
    ok = np.isfinite(base).any(axis=1)
    icpt = np.full(U, np.nan)
    if ok.any():
        icpt[ok] = np.nanmedian(base[ok], axis=1)
    resid = base - icpt[:, None]
    if ok.any():
        scale[ok] = _MAD * np.nanmedian(np.abs(resid[ok]), axis=1)
    lim = 3.0 * np.maximum(np.nan_to_num(scale), TREND_MIN_SCALE)
    rw = np.clip(resid, -lim[:, None], lim[:, None])
    a, b = rw[:, 1:], rw[:, :-1]
    both = np.isfinite(a) & np.isfinite(b)
    npair = both.sum(axis=1)
    a0, b0 = np.where(both, a, 0.0), np.where(both, b, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        num = (a0 * b0).sum(axis=1)
        den = np.sqrt((a0**2).sum(axis=1) * (b0**2).sum(axis=1))
        r = np.where((npair >= 3) & (den > 0), num / den, 0.0)
    rho = np.clip(np.nan_to_num(r), 0.0, 0.8)
    tm = np.where(fin, t[None, :], np.nan)
    with np.errstate(invalid="ignore"):
        mean_t = np.where(n > 0, np.nansum(np.nan_to_num(tm), axis=1) / np.maximum(n, 1), np.nan)
        sxx = np.nansum(np.where(fin, (t[None, :] - mean_t[:, None]) ** 2, 0.0), axis=1)
    return {"slope": slope, "scale": scale, "rho": rho, "sxx": sxx, "n": n}


def _unit_estimates(panel: dict[str, np.ndarray], units: Sequence[np.ndarray], years: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Raw Theil–Sen estimates of every trend component for each unit (a list of panel rows)."""
    out: dict[str, dict[str, np.ndarray]] = {}
    series = [_component_series(panel, rows) for rows in units]
    for comp in ("economy", "population", "technology", "resources"):
        L = np.vstack([_chain_index(*s[comp]) for s in series]) if units else np.zeros((0, len(years)))
        out[comp] = _theil_sen(L, years)
    return out


def _shrink(unit: dict[str, np.ndarray], system: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Empirical-Bayes shrinkage of the units' slopes toward the system's typical trend.

    A unit's sampling error is the least-squares standard error of a trend,
    scale / √Σ(t − t̄)², inflated for autocorrelated residuals by
    √((1 + ρ)/(1 − ρ)) (the effective-sample-size correction of Santer et al.
    2000); the scale is floored at :data:`TREND_MIN_SCALE` and, for a unit
    with fewer than :data:`TREND_MIN_POINTS` years, at the system's median
    scale.  The prior comes from the system's individual states with at
    least :data:`TREND_MIN_POINTS` years: mean m = the median of their
    slopes, spread τ² = their robust (MAD) variance less their median
    sampling variance, floored at :data:`TREND_MIN_SPREAD`² (the
    method-of-moments estimate; Efron & Morris 1975).  The estimate is
    m + w·(slope − m) with w = τ² / (τ² + se²): a long, clean history keeps
    its own slope, a short or noisy one is drawn toward m, and a unit with
    fewer than two years gets m.
    """
    full = (system["n"] >= TREND_MIN_POINTS) & np.isfinite(system["slope"])
    pooled = float(np.nanmedian(system["scale"][full])) if full.any() else TREND_MIN_SCALE
    pooled = max(pooled if math.isfinite(pooled) else TREND_MIN_SCALE, TREND_MIN_SCALE)

    def se_of(est: dict[str, np.ndarray]) -> np.ndarray:
        sc = np.maximum(np.where(np.isfinite(est["scale"]), est["scale"], 0.0), TREND_MIN_SCALE)
        sc = np.where(est["n"] < TREND_MIN_POINTS, np.maximum(sc, pooled), sc)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = sc / np.sqrt(est["sxx"]) * np.sqrt((1.0 + est["rho"]) / (1.0 - est["rho"]))
        return np.where((est["n"] >= 2) & np.isfinite(est["slope"]) & (est["sxx"] > 0), se, np.inf)

    if full.any():
        s = system["slope"][full]
        m = float(np.median(s))
        spread2 = (_MAD * float(np.median(np.abs(s - m)))) ** 2
        tau2 = max(spread2 - float(np.median(se_of(system)[full] ** 2)), TREND_MIN_SPREAD**2)
    else:
        m, tau2 = float("nan"), float("nan")
    se = se_of(unit)
    if math.isfinite(tau2):
        w = np.where(np.isfinite(se), tau2 / (tau2 + se**2), 0.0)
    else:  # no system to shrink toward: a unit keeps its own slope, if it has one
        w = np.where(np.isfinite(se), 1.0, np.nan)
    slope = np.where(np.isfinite(unit["slope"]), unit["slope"], 0.0)
    with np.errstate(invalid="ignore"):
        est = m + w * (slope - m) if math.isfinite(m) else np.where(w > 0, slope, np.nan)
    return {"trend": est, "se": se, "weight": w, "prior": np.full(len(se), m)}


def growth_trends(
    sh: pd.DataFrame, year: int, groups: Sequence[Group], universe: Sequence[int], window: int = DEFAULT_TREND_WINDOW
) -> pd.DataFrame:
    """Each group's yearly growth trend of economy, population, technology and resources before ``year``.

    ``sh`` is :func:`imputed_shares` (only its raw indicators and years are
    read), ``groups`` the scenario's states, ``universe`` the ccodes of the
    system the scenario is drawn from (the prior's states).  Uses only the
    years ``year − window … year − 1`` (those in the data): no value of the
    start year or later enters.  Returns one row per group and field of
    :data:`TREND_FIELDS`: ``name``, ``field``, ``component``, ``n_years``,
    ``slope`` (Theil–Sen, log per year), ``se``, ``weight`` (of the slope
    against the prior), ``prior`` (the system's typical log trend),
    ``trend`` (shrunk, log per year), ``rate`` (exp(trend) − 1, the engine's
    yearly rate, clipped to the field's range; NaN when nothing can be
    estimated) and ``clipped``.  See the module docstring.
    """
    lo_year = int(sh["year"].min())
    y0, y1 = max(lo_year, int(year) - int(window)), int(year) - 1
    years = np.arange(y0, y1 + 1) if y1 >= y0 else np.zeros(0, dtype=np.int64)
    ccodes = sorted({int(c) for c in universe} | {int(c) for g in groups for c in g.ccodes})
    pos = {c: i for i, c in enumerate(ccodes)}
    panel = _window_panel(sh, ccodes, years) if len(years) else None
    rows_out: list[dict[str, Any]] = []
    if panel is not None:
        sys_est = _unit_estimates(panel, [np.array([pos[int(c)]]) for c in universe], years)
        grp_est = _unit_estimates(panel, [np.array([pos[c] for c in g.ccodes]) for g in groups], years)
    for field_name, comp in TREND_FIELDS.items():
        lo, hi = _field_range(field_name)
        if panel is None:
            shr = {k: np.full(len(groups), np.nan) for k in ("trend", "se", "weight", "prior")}
            est = {"slope": np.full(len(groups), np.nan), "n": np.zeros(len(groups), dtype=np.int64)}
        else:
            est = grp_est[comp]
            shr = _shrink(est, sys_est[comp])
        with np.errstate(invalid="ignore", over="ignore"):
            raw = fmath.expm1(shr["trend"])
        rate = np.clip(raw, lo, hi)
        for k, g in enumerate(groups):
            rows_out.append({
                "name": g.name, "field": field_name, "component": comp, "n_years": int(est["n"][k]),
                "slope": float(est["slope"][k]), "se": float(shr["se"][k]), "weight": float(shr["weight"][k]),
                "prior": float(shr["prior"][k]), "trend": float(shr["trend"][k]), "rate": float(rate[k]),
                "clipped": bool(np.isfinite(raw[k]) and raw[k] != rate[k]),
            })
    df = pd.DataFrame(rows_out, columns=["name", "field", "component", "n_years", "slope", "se", "weight", "prior", "trend", "rate", "clipped"])
    df.attrs["years"] = (int(years[0]), int(years[-1])) if len(years) else None
    return df


# --------------------------------------------------------------------------- positions


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([fmath.cos(la) * fmath.cos(lo), fmath.cos(la) * fmath.sin(lo), fmath.sin(la)], axis=-1)


def spherical_centroid(lat: Sequence[float], lon: Sequence[float], weights: Sequence[float]) -> tuple[float, float] | None:
    """Weighted centroid of points on the sphere (mean unit vector, projected back); None if degenerate."""
    la, lo, w = (np.asarray(a, dtype=np.float64) for a in (lat, lon, weights))
    ok = np.isfinite(la) & np.isfinite(lo) & np.isfinite(w) & (w > 0)
    if not ok.any():
        return None
    v = (_unit(la[ok], lo[ok]) * w[ok, None]).sum(axis=0) / w[ok].sum()
    n = math.sqrt(float(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]))  # in this order on every machine (not BLAS)
    if n < 1e-9:
        return None
    v /= n
    return float(np.degrees(math.atan2(v[2], math.hypot(v[0], v[1])))), float(np.degrees(math.atan2(v[1], v[0])))


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
    #: The growth trends behind the states' growth fields (:func:`growth_trends`; empty with no window).
    trends: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Years before the start the trends were estimated from (0: none).
    trend_window: int = 0


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
    trend_window: int | None = DEFAULT_TREND_WINDOW,
    nuclear: str = "start",
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
    number is an error giving the allowed range.  ``trend_window``: the
    years before ``year`` each state's growth trends are estimated from
    (:func:`growth_trends`; default :data:`DEFAULT_TREND_WINDOW`); 0 or
    ``None`` leaves the trends to the engine's defaults.  ``nuclear``
    (:data:`NUCLEAR_MODES`): mark the nuclear forces first tested by ``year``
    (``start``, the default), also those tested later (``scheduled``), or none.
    """
    if nuclear not in NUCLEAR_MODES:
        raise ParameterError(f"nuclear must be one of {', '.join(NUCLEAR_MODES)}, got {nuclear!r}", field="nuclear")
    version = _version(nmc)
    alliance_types = tuple(alliance_types)
    _check_options(year, top, rest, minors, region, alliance_types, doctrine, system_burden)
    window = _check_trend_window(trend_window)
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
    trends = (
        growth_trends(sh, year, groups, [int(c) for c in cand["ccode"]], window)
        if window else pd.DataFrame(columns=["name", "field", "component", "n_years", "slope", "se", "weight", "prior", "trend", "rate", "clipped"])
    )
    rates = {f: trends[trends["field"] == f]["rate"].to_numpy(dtype=np.float64) for f in TREND_FIELDS} if window else {}

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
    trend_text = ""
    if window:
        span = trends.attrs.get("years")
        if span is None:
            notes.append(f"no years before {year} in the NMC file: growth trends left to the engine's defaults")
        else:
            trend_text = (
                f" Growth trends per state (economy, population, technology, resources): Theil–Sen slopes of "
                f"each component over {span[0]}–{span[1]} (no data of {year} or later), shrunk toward the "
                f"system's typical trend where the history is short or noisy."
            )
            if span[1] - span[0] + 1 < window:
                notes.append(f"growth trends from {span[1] - span[0] + 1} years ({span[0]}–{span[1]}), not {window}: the NMC file begins in {span[0]}")
            econ = trends[trends["field"] == "growth"]
            short = [f"{r.name} ({r.n_years})" for r in econ.itertuples() if r.n_years < min(TREND_MIN_POINTS, span[1] - span[0] + 1)]
            if short:
                notes.append(f"growth trends drawn toward the system's (fewer than {TREND_MIN_POINTS} years of data before {year}): {', '.join(short)}")
            nan = sorted({r.name for r in trends.itertuples() if not np.isfinite(r.rate)})
            if nan:
                notes.append(f"no growth trend could be estimated (engine defaults): {', '.join(nan)}")
            cl = [f"{r.name} {r.field}" for r in trends.itertuples() if r.clipped]
            if cl:
                notes.append(f"growth trends clipped to the scenario's ranges: {', '.join(cl)}")

    # the scenario
    share = composite_index(np.vstack([military, economy, population, resources, tech]))
    fid = _fidelity(share, comp["cinc"], individual)
    tests = nuclear_first_tests()
    marked: list[str] = []
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
        for f in rates:
            if np.isfinite(rates[f][k]):
                s[f] = _sig(rates[f][k], 4)
        if regimes[k] is not None:
            s["regime"] = regimes[k]
        if g.kind != "rest":
            s["ccode"] = g.ccodes[0]
            land = landmass(g.ccodes[0])
            if land is not None:
                s["landmass"] = land
            since = tests.get(g.ccodes[0])
            if since is not None and (nuclear == "scheduled" or (nuclear == "start" and since <= year)):
                s["nuclear_since"] = since
                marked.append(f"{g.name} {since}")
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
        + trend_text
        + " Landmasses from the COW regions (the Americas; Afro-Eurasia; Oceania), island states each on its own."
        + (" Nuclear forces from the year of the first test (SIPRI; Norris & Kristensen 2010"
           + ("; later tests scheduled" if nuclear == "scheduled" else f"; tests by {year} only")
           + f"): {', '.join(marked)}." if marked else "")
    )
    comps = np.array([[float(st[c]) for st in states] for c in COMPONENTS])
    auto += " " + _start_reading(comps, [g.name for g in groups], [g.kind != "rest" for g in groups], p)
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
            **{f: rates.get(f, np.full(len(groups), np.nan)) for f in TREND_FIELDS},
            "lat": [q[0] for q in positions],
            "lon": [q[1] for q in positions],
            "capital": capital_names,
            "regime": regimes,
        }
    )
    return FromData(
        scenario=sc, groups=groups, table=table, fidelity=fid, year=year, nmc=version, rest=rest,
        region=region, include=tuple(int(c) for c in include), notes=notes, paths=paths, source=files,
        trends=trends, trend_window=window,
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


def _rule_text(m: Any) -> str:
    """The great-power rule of a ``measures`` parameter group, in words."""
    if m.gp_rule == "share":
        return f"share ≥ {m.gp_threshold:g}"
    if m.gp_rule == "relative":
        return f"share ≥ {m.gp_relative:g} × the leader's"
    return (f"COW-validated: 2 × military + 1 × resources share ≥ {m.gp_concentration:g} × Σs²/Σs, "
            f"entry after {m.gp_enter} years, exit after {m.gp_exit}")


def _start_reading(comps: np.ndarray, names: Sequence[str], actors: Sequence[bool], p: Params) -> str:
    """How the model's own measures read the start (so a scenario's name never hides its structure)."""
    from ..mechanisms.polarity import read_years

    sm = read_years(comps[None], np.ones((1, len(names)), dtype=bool), np.asarray(actors), p.measures)
    share, gp = sm["power"][0], sm["gp"][0]
    gps = [f"{n} {s:.2f}" for n, s, g in zip(names, share, gp, strict=True) if g]
    return (
        f"At the start the model's great-power rule ({_rule_text(p.measures)}) reads it as "
        f"{POLARITY_LABELS[int(sm['polarity'][0])]}: {', '.join(gps) or 'no state above the bar'} "
        f"(composite index shares)."
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
            "(1942) and Franco-Soviet (1944) treaties, formally in force until 1955. The United States holds a "
            "nuclear force from 1945 and the Soviet Union from 1949 (first tests; a secure second strike, which "
            "the nuclear mechanism assumes, came later for the Soviet Union); later nuclear powers are not "
            "scheduled. The COW-validated "
            "great-power rule (military and energy shares) also counts China and the United Kingdom "
            "beside the two superpowers, so the model reads the start as multipolar rather than "
            "Waltz's bipolar (the rule's reading of the real 1950s: docs/great-powers.md)."
        ),
    ),
    "unipolar-1992": dict(
        year=1992, top=10, rest="aggregate", alliance_types=("defense",), years=50,
        description=(
            "The unipolar moment after the Soviet Union's collapse: the United States leads. The "
            "COW-validated great-power rule reads gross military and energy shares, in which China, "
            "Russia, India, Japan, Germany and the United Kingdom all clear the bar, so the model reads "
            "this start as multipolar; that the world of 1992 was unipolar is a judgement about the "
            "quality of military and economic power that gross capability counts miss (Wohlforth 1999; "
            "Beckley 2018 on gross vs net power). Use it to ask how the structure evolves, or raise "
            "measures.gp_concentration."
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
