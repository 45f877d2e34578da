"""CINC recomputed from the six NMC components with :func:`neorealism.measures.composite_index`.

The Composite Index of National Capability (Singer, Bremer & Stuckey 1972)
is the mean, over the six components (milex, milper, irst, pec, tpop, upop),
of a state's share of that year's system total.  COW skips a component the
state lacks (−9) rather than counting it as a zero share, so the published
``cinc`` of a year with missing components need not sum to 1.  Recomputing
with the same function the simulation uses (``composite_index``, which skips
``NaN``) reproduces the published column to rounding (max abs difference
2.4e-8, max relative difference 1.2e-7, on v6.0 and v7.0).  The bar the
tests hold is :func:`within_tolerance`: absolute :data:`CINC_TOLERANCE`
*and* relative :data:`CINC_REL_TOLERANCE`.  An absolute bar alone would be
empty for the smallest states (CINC as low as 2e-7, and 630 state-years
below 1e-5 on v6.0), whose recomputed value could be off by 100% within it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..measures import composite_index
from .loaders import NMC_COMPONENTS, load_nmc
from .source import DataSource

#: Largest allowed |published − recomputed| CINC.
CINC_TOLERANCE = 1e-6
#: Largest allowed |published − recomputed| / published CINC (the published column has
#: 8 significant digits; the largest relative difference measured is 1.1e-7, Nicaragua 1927).
CINC_REL_TOLERANCE = 1e-6


def within_tolerance(published, recomputed) -> np.ndarray:
    """Whether each recomputed CINC matches the published one: absolute and relative bars both met."""
    pub = np.asarray(published, dtype=np.float64)
    diff = np.abs(np.asarray(recomputed, dtype=np.float64) - pub)
    return (diff <= CINC_TOLERANCE) & (diff <= CINC_REL_TOLERANCE * np.abs(pub))


def state_year_grid(nmc: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Year index, state index and the sorted years and ccodes of an NMC frame (for pivoting)."""
    years, yi = np.unique(nmc["year"].to_numpy(), return_inverse=True)
    ccodes, si = np.unique(nmc["ccode"].to_numpy(), return_inverse=True)
    return yi, si, years, ccodes


def component_array(
    nmc: pd.DataFrame, components: tuple[str, ...] = NMC_COMPONENTS, missing_as_zero: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pivot an NMC frame into ``(Y, C, N)`` components and a ``(Y, N)`` presence mask.

    Returns (components, present, yi, si): ``yi``/``si`` map each row of
    ``nmc`` to its (year, state) cell.  Missing values stay ``NaN`` (skipped
    by ``composite_index``) unless ``missing_as_zero``.
    """
    yi, si, years, ccodes = state_year_grid(nmc)
    arr = np.full((len(years), len(components), len(ccodes)), np.nan)
    vals = nmc[list(components)].to_numpy(dtype=np.float64)
    if missing_as_zero:
        vals = np.nan_to_num(vals, nan=0.0)
    for c in range(len(components)):
        arr[yi, c, si] = vals[:, c]
    present = np.zeros((len(years), len(ccodes)), dtype=bool)
    present[yi, si] = True
    return arr, present, yi, si


#: Largest dense (years × states) grid measured at once.  The shipped files (about 200 × 220) are
#: measured in one grid; a larger NMC file is measured in blocks of consecutive years, each with only
#: its own states, so that time and memory grow with the rows of the file, not with years × states.
MAX_GRID_CELLS = 2_000_000


def year_blocks(nmc: pd.DataFrame, max_cells: int = MAX_GRID_CELLS) -> list[np.ndarray]:
    """Row positions of ``nmc`` in blocks of consecutive years whose (years × rows) stays under ``max_cells``.

    One block (every row, in file order) when the whole (years × states)
    grid is small; otherwise each block holds whole years, at least one.
    Every year's measures depend on that year's rows alone, so measuring
    block by block gives the same numbers as one grid.
    """
    yi, si, years, ccodes = state_year_grid(nmc)
    if len(years) * len(ccodes) <= max_cells:
        return [np.arange(len(nmc))]
    order = np.argsort(yi, kind="stable")
    counts = np.bincount(yi, minlength=len(years))
    blocks, first, n_years, n_rows, pos = [], 0, 0, 0, 0
    for c in counts.tolist():
        if n_years and (n_years + 1) * (n_rows + c) > max_cells:
            blocks.append(order[first:pos])
            first, n_years, n_rows = pos, 0, 0
        n_years += 1
        n_rows += c
        pos += c
    blocks.append(order[first:pos])
    return blocks


def recompute_cinc(nmc: pd.DataFrame, missing_as_zero: bool = False) -> pd.Series:
    """CINC for every row of an NMC frame, recomputed from its components.

    ``missing_as_zero=True`` counts a missing component as a zero share
    (dividing by six) — not COW's convention; offered only to show that the
    convention matters.  A state-year with no usable component (all six
    −9, or only components whose system total is 0) has no CINC: ``NaN``,
    not 0.  Large files are measured in blocks of years (:func:`year_blocks`).
    """
    out = np.full(len(nmc), np.nan)
    for rows in year_blocks(nmc):
        sub = nmc.iloc[rows]
        arr, present, yi, si = component_array(sub, missing_as_zero=missing_as_zero)
        if missing_as_zero:
            # every component counts: a missing value is a zero, never skipped
            idx = composite_index(np.where(present[:, None, :], arr, 0.0), present)
        else:
            idx = composite_index(arr, present)
        vals = idx[yi, si]
        valid = ~np.isnan(arr)
        totals = np.where(valid, arr, 0.0).sum(axis=-1, keepdims=True)
        usable = (valid & (totals > 0)).any(axis=1)[yi, si]
        out[rows] = np.where(usable, vals, np.nan)
    return pd.Series(out, index=nmc.index, name="cinc_recomputed")


def cinc_all(version: str = "6.0", source: DataSource | None = None) -> pd.DataFrame:
    """All state-years: ccode, stateabb, year, cinc (published), cinc_recomputed, diff."""
    nmc = load_nmc(version, source)
    out = nmc[["ccode", "stateabb", "year", "cinc"]].copy()
    out["cinc_recomputed"] = recompute_cinc(nmc)
    out["diff"] = out["cinc_recomputed"] - out["cinc"]
    return out


def year_range(version: str = "6.0", source: DataSource | None = None) -> tuple[int, int]:
    """First and last year of an NMC file (``source``'s, else the shipped ``version``)."""
    y = load_nmc(version, source)["year"]
    return int(y.min()), int(y.max())


def cinc_table(year: int, version: str = "6.0", source: DataSource | None = None) -> pd.DataFrame:
    """One year's CINC: ccode, stateabb, cinc (published), cinc_recomputed, diff.

    Sorted by published cinc, largest first.  Raises :class:`ParameterError`
    naming ``year`` and the file's range when the year is outside the data.
    """
    lo, hi = year_range(version, source)
    if not isinstance(year, (int, np.integer)) or not lo <= int(year) <= hi:
        raise ParameterError(f"year = {year}: allowed {lo}–{hi} (NMC v{version})", field="year")
    nmc = load_nmc(version, source)
    nmc = nmc[nmc["year"] == int(year)]  # a year's CINC depends on that year's rows alone
    t = nmc[["ccode", "stateabb", "cinc"]].copy()
    t["cinc_recomputed"] = recompute_cinc(nmc)
    t["diff"] = t["cinc_recomputed"] - t["cinc"]
    return t.sort_values("cinc", ascending=False, kind="stable").reset_index(drop=True)


def cinc_check(version: str = "6.0", source: DataSource | None = None) -> dict[str, float | int | str]:
    """Largest absolute and relative |published − recomputed|, where they occur, and rows out of tolerance.

    Rows with a missing published CINC are not compared.
    """
    a = cinc_all(version, source)
    a = a[a["cinc"].notna()].reset_index(drop=True)
    d = a["diff"].abs()
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (d / a["cinc"].abs()).fillna(0.0)
    i = int(d.to_numpy().argmax())
    j = int(rel.to_numpy().argmax())
    return {
        "max_abs_diff": float(d.iloc[i]),
        "stateabb": str(a["stateabb"].iloc[i]),
        "year": int(a["year"].iloc[i]),
        "max_rel_diff": float(rel.iloc[j]),
        "rel_stateabb": str(a["stateabb"].iloc[j]),
        "rel_year": int(a["year"].iloc[j]),
        "rows_above_tolerance": int((~within_tolerance(a["cinc"], a["cinc_recomputed"])).sum()),
        "tolerance": CINC_TOLERANCE,
        "rel_tolerance": CINC_REL_TOLERANCE,
    }
