"""Polarity and concentration history of the real system, 1816–2016 (v6.0) or 1816–2022 (v7.0).

For every year: each state's share is its CINC recomputed from the six NMC
components (Singer, Bremer & Stuckey 1972) with
:func:`neorealism.measures.composite_index`; great powers, polarity, CON
(Ray & Singer 1973) and HHI come from :func:`neorealism.measures.system_measures`
— the same functions that measure simulated worlds, so real and simulated
systems are measured alike.  The default great-power rule is the
simulation's: share ≥ 0.10 of the system.  COW's own major-power count
(Correlates of War Project 2017) is shown beside it for comparison.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..measures import POLARITY_LABELS, composite_index, system_measures
from ..output import save_figure
from .cinc import component_array, year_blocks
from .loaders import load_nmc, major_state_years
from .source import DataSource

#: Colours of the polarity bands in plots.
POLARITY_COLOURS = {
    "nonpolar": "#dddddd",
    "unipolar": "#f4cccc",
    "bipolar": "#cfe2f3",
    "multipolar": "#d9ead3",
}

#: The conventional periodisation of the literature: (label, first year, last year or None = to the end).
#: Multipolar to the end of the Second World War, bipolar through the Soviet Union's dissolution
#: (Waltz 1979; Mearsheimer 2001 dates it 1945–1990), unipolar since (Wohlforth 1999).  The labels are
#: the simulation's, so measured and conventional eras can be compared side by side.
CONVENTIONAL_ERAS: tuple[tuple[str, int | None, int | None], ...] = (
    ("multipolar", None, 1945),
    ("bipolar", 1946, 1991),
    ("unipolar", 1992, None),
)

HISTORY_COLUMNS = (
    "year",
    "n_states",
    "n_great_powers",
    "great_powers",
    "polarity",
    "polarity_label",
    "con",
    "hhi",
    "leader",
    "leader_share",
    "cow_n_majors",
)


def share_matrix(
    version: str = "6.0", source: DataSource | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """Recomputed CINC shares as a ``(Y, N)`` array with presence mask, years, ccodes and the NMC frame."""
    nmc = load_nmc(version, source)
    arr, present, _, _ = component_array(nmc)
    shares = composite_index(arr, present)
    years = np.unique(nmc["year"].to_numpy())
    ccodes = np.unique(nmc["ccode"].to_numpy())
    return shares, present, years, ccodes, nmc


def check_range(
    start: int | None,
    end: int | None,
    lo: int,
    hi: int,
    names: tuple[str, str] = ("start", "end"),
    years: str = "the data's years",
) -> tuple[int, int]:
    """Validate a year range against the data's (lo, hi); ``None`` is the data's first or last year.

    A :class:`ParameterError` names the argument (``names``: the caller's
    names for start and end) as its ``field``, so that a front end can
    name its own option (:func:`neorealism.errors.rename_fields`);
    ``years`` says what the range is.
    """
    s = lo if start is None else int(start)
    e = hi if end is None else int(end)
    for name, v in zip(names, (s, e), strict=True):
        if not lo <= v <= hi:
            raise ParameterError(f"{name} = {v}: allowed {lo}–{hi} ({years})", field=name)
    if s > e:
        raise ParameterError(f"{names[0]} = {s} is after {names[1]} = {e}", field=names[0], also=(names[1],))
    return s, e


def polarity_history(
    version: str = "6.0",
    rule: Literal["cow", "share", "relative"] = "share",
    threshold: float = 0.10,
    relative: float = 0.25,
    start: int | None = None,
    end: int | None = None,
    source: DataSource | None = None,
) -> pd.DataFrame:
    """One row per year: the real system measured as the simulation measures its worlds.

    Columns: year; n_states; n_great_powers and great_powers (state
    abbreviations joined by ";", largest first) under the rule (``share``:
    share ≥ ``threshold``; ``relative``: share ≥ ``relative`` × leader's
    share; ``cow``: the validated rule :data:`~neorealism.data.majors.DEFAULT_RULE`,
    with its persistence, the engine's default); polarity (0–3) and polarity_label; con (Ray & Singer 1973 CON
    over the great powers, or the top two if fewer); hhi (over all states);
    leader and leader_share; cow_n_majors (COW's major-power count that
    year, ``<NA>`` outside the list's years).  A year without capability
    data (every value −9) is missing, not "nonpolar": its polarity and
    n_great_powers are ``<NA>`` (those columns are then ``Int64``),
    polarity_label and leader ``None``, con, hhi and leader_share ``NaN``;
    ``attrs["missing_years"]`` lists such years.  ``source`` names the NMC
    file and the major-power list to read (``None``: the shipped ones).
    """
    if not 0 < threshold <= 1:
        raise ParameterError(f"threshold must be in (0, 1], got {threshold}", field="threshold")
    if not 0 < relative <= 1:
        raise ParameterError(f"relative must be in (0, 1], got {relative}", field="relative")
    nmc = load_nmc(version, source)
    all_years = np.unique(nmc["year"].to_numpy())
    s, e = check_range(start, end, int(all_years[0]), int(all_years[-1]))
    abb_of = nmc.drop_duplicates("ccode").set_index("ccode")["stateabb"]
    parts = []
    if rule == "cow":  # the validated rule follows each state across years: one grid, with persistence
        from .majors import DEFAULT_RULE, CapabilityPanel, identify

        panel = CapabilityPanel.from_nmc(version, source)
        arr, present, _, _ = component_array(nmc)
        shares = composite_index(arr, present)
        gp = identify(DEFAULT_RULE, panel)
        parts.append(_measure_years(shares, present, panel.years, panel.stateabb, rule, threshold, relative, gp=gp))
    for rows in ([] if rule == "cow" else year_blocks(nmc)):  # one grid for the shipped files; blocks of years for a large file
        sub = nmc.iloc[rows]
        arr, present, _, _ = component_array(sub)
        shares = composite_index(arr, present)
        years = np.unique(sub["year"].to_numpy())
        abb = abb_of.reindex(np.unique(sub["ccode"].to_numpy())).to_numpy()
        parts.append(_measure_years(shares, present, years, abb, rule, threshold, relative))
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    out = _cow_counts(out, source)
    out = out[(out["year"] >= s) & (out["year"] <= e)].reset_index(drop=True)
    out.attrs.update(
        {
            "nmc_version": version, "rule": rule, "threshold": threshold, "relative": relative,
            "missing_years": [int(y) for y in out.loc[out["polarity"].isna(), "year"]],
        }
    )
    return out


def _measure_years(
    shares: np.ndarray, present: np.ndarray, years: np.ndarray, abb: np.ndarray,
    rule: str, threshold: float, relative: float, gp: np.ndarray | None = None,
) -> pd.DataFrame:
    """The history's measures of the years of one (Y, N) share grid (``abb``: each column's state).

    A year in which no state has a usable capability value (every value −9,
    or every system total 0) is missing: polarity, n_great_powers ``NaN``
    (made ``<NA>`` by the caller), great_powers ``""``, polarity_label and
    leader ``None``, CON, HHI and leader_share ``NaN`` — not "nonpolar" with
    an HHI of 0.
    """
    m = system_measures(shares, rule=rule, threshold=threshold, relative=relative, gp=gp)  # type: ignore[arg-type]
    defined = (shares > 0).any(axis=1)
    order = np.argsort(-shares, axis=1, kind="stable")
    lead = order[:, 0]
    gp = m["gp"]
    # great powers listed largest first, one string per year (vectorised over the sorted mask)
    gp_sorted = np.take_along_axis(gp, order, axis=1)
    abb_sorted = abb[order]
    gp_names = pd.Series([";".join(a[g]) for a, g in zip(abb_sorted, gp_sorted, strict=True)], dtype=object)
    labels = np.asarray(POLARITY_LABELS, dtype=object)[m["polarity"]]
    leader = abb[lead].astype(object)
    labels[~defined] = None
    leader[~defined] = None
    nan = np.where(defined, 0.0, np.nan)
    return pd.DataFrame(
        {
            "year": years.astype(np.int64),
            "n_states": present.sum(axis=1).astype(np.int64),
            "n_great_powers": np.where(defined, m["n_great_powers"], -1).astype(np.int64),
            "great_powers": gp_names,
            "polarity": np.where(defined, m["polarity"], -1).astype(np.int64),
            "polarity_label": labels,
            "con": m["con"] + nan,
            "hhi": m["hhi"] + nan,
            "leader": leader,
            "leader_share": shares[np.arange(len(years)), lead] + nan,
            "_defined": defined,
        }
    )


def _cow_counts(out: pd.DataFrame, source: DataSource | None) -> pd.DataFrame:
    """Add COW's major-power count per year (``<NA>`` outside the list's years); turn undefined years to missing."""
    counts = major_state_years(source=source).groupby("year").size()
    years = out["year"].to_numpy()
    cow = pd.Series(counts.reindex(years, fill_value=0).to_numpy(), dtype="Int64")
    if len(counts):
        cow[(years > int(counts.index.max())) | (years < int(counts.index.min()))] = pd.NA
    else:  # a list with no state-years (every period ends before it starts) counts nothing
        cow[:] = pd.NA
    out["cow_n_majors"] = cow
    undefined = ~out.pop("_defined").to_numpy()
    if undefined.any():
        # a year without capability data (every value −9) has no polarity: <NA> (these columns become Int64)
        for c in ("n_great_powers", "polarity"):
            col = pd.Series(out[c].to_numpy(), dtype="Int64")
            col[undefined] = pd.NA
            out[c] = col
    return out


def conventional_era(years: Any) -> np.ndarray:
    """The conventional era (:data:`CONVENTIONAL_ERAS`) of each year: an object array of polarity labels."""
    y = np.asarray(years, dtype=np.int64)
    out = np.empty(y.shape, dtype=object)
    for label, lo, hi in CONVENTIONAL_ERAS:
        sel = np.ones(y.shape, dtype=bool)
        if lo is not None:
            sel &= y >= lo
        if hi is not None:
            sel &= y <= hi
        out[sel] = label
    return out


def year_spans(years: Any) -> str:
    """Years as inclusive runs: ``[1946, 1947, 1948, 1958]`` → ``"1946–1948, 1958"``."""
    ys = sorted({int(y) for y in years})
    if not ys:
        return ""
    out, s, p = [], ys[0], ys[0]
    for y in ys[1:]:
        if y != p + 1:
            out.append(f"{s}" if s == p else f"{s}–{p}")
            s = y
        p = y
    out.append(f"{s}" if s == p else f"{s}–{p}")
    return ", ".join(out)


def rule_text(attrs: dict) -> str:
    """The polarity history's great-power rule in words, from its ``attrs`` (``share ≥ 0.1`` …)."""
    if attrs.get("rule", "share") == "share":
        return f"share ≥ {attrs.get('threshold', 0.1):g}"
    return f"share ≥ {attrs.get('relative', 0.25):g} × leader"


def measured_polarity_note(hist: pd.DataFrame) -> str:
    """One line warning that measured polarity labels are not the textbook eras (printed under tables).

    ``hist`` needs ``year``, ``polarity_label`` and ``great_powers`` (and the
    history's ``attrs``).  Counts the years in which the labels differ from
    :data:`CONVENTIONAL_ERAS` and names the years after 1945 in which China
    — the main reason they differ — is above the bar.
    """
    hist = hist[hist["polarity_label"].notna()]  # years without capability data have no label
    years = hist["year"].to_numpy()
    differ = int((hist["polarity_label"].to_numpy().astype(object) != conventional_era(years)).sum())
    china = years[[("CHN" in str(g).split(";")) for g in hist["great_powers"]]]
    china = china[china > 1945]
    text = (
        f"note: polarity is measured from CINC shares ({rule_text(hist.attrs)}), not the textbook eras "
        f"(multipolar to 1945, bipolar 1946–1991, unipolar from 1992); they differ in {differ} of {len(years)} years"
    )
    if differ and len(china):
        text += f"; China is above the bar in {year_spans(china)}"
    return text + ". See `neorealism data wars --by era` and docs/data.md."


def polarity_runs(hist: pd.DataFrame) -> pd.DataFrame:
    """Contiguous runs of one polarity label: label, start, end (years inclusive), years."""
    lab = hist["polarity_label"].to_numpy()
    yrs = hist["year"].to_numpy()
    brk = np.r_[True, (lab[1:] != lab[:-1]) | (np.diff(yrs) != 1)]
    gid = np.cumsum(brk)
    g = pd.DataFrame({"gid": gid, "label": lab, "year": yrs}).groupby("gid")
    runs = g.agg(label=("label", "first"), start=("year", "min"), end=("year", "max"))
    runs["years"] = runs["end"] - runs["start"] + 1
    return runs.reset_index(drop=True)


#: The caption under ``polarity.png``: why CON jumps.
PLOT_HISTORY_CAPTION = (
    "CON is measured among the great powers only, so it jumps whenever a state crosses the bar and the set of great\n"
    "powers changes (lower panel): an artefact of the measure, not a change in power. HHI and the leader's share do not."
)


def plot_history(hist: pd.DataFrame, out: str | os.PathLike[str], title: str | None = None) -> Path:
    """PNG: CON, HHI and the leader's share over time on polarity bands; great-power counts (rule vs COW) below.

    A caption (:data:`PLOT_HISTORY_CAPTION`) says that CON jumps when the set
    of great powers changes, an artefact of the measure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    fig, (ax, ax2) = plt.subplots(
        2, 1, figsize=(11, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1.4]}
    )
    for r in polarity_runs(hist).itertuples():
        if r.label not in POLARITY_COLOURS:
            continue  # years without capability data: no band
        for a in (ax, ax2):
            a.axvspan(r.start - 0.5, r.end + 0.5, color=POLARITY_COLOURS[r.label], lw=0)
    ax.plot(hist["year"], hist["con"], color="#1f4e79", lw=1.6, label="CON (great powers)")
    ax.plot(hist["year"], hist["hhi"], color="#b45f06", lw=1.6, label="HHI (all states)")
    ax.plot(hist["year"], hist["leader_share"], color="#555555", lw=1, ls=":", label="leader's share")
    ax.set_ylim(0, 1)
    ax.set_ylabel("CON, HHI and leader's share (0–1)")
    handles, _ = ax.get_legend_handles_labels()
    present = set(hist["polarity_label"].dropna())
    handles += [Patch(facecolor=POLARITY_COLOURS[k], edgecolor="#888888", label=k) for k in POLARITY_LABELS if k in present]
    ax.legend(handles=handles, loc="upper left", fontsize=8, ncol=2, frameon=False)
    a = hist.attrs
    rule = rule_text(a)
    ax.set_title(title or f"Polarity and concentration, COW NMC v{a.get('nmc_version', '6.0')} (great power: {rule})")
    ax2.step(hist["year"], hist["n_great_powers"], where="mid", color="#1f4e79", label=f"great powers ({rule})")
    cow = hist["cow_n_majors"].astype("float64")
    ax2.step(hist["year"], cow, where="mid", color="#990000", ls="--", label="COW major powers")
    ax2.set_ylabel("great powers (count)")
    ax2.set_xlabel("year")
    ax2.legend(loc="upper left", fontsize=8, frameon=False)
    fig.text(0.01, 0.01, PLOT_HISTORY_CAPTION, ha="left", va="bottom", fontsize=8, color="#333333")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return save_figure(fig, out, dpi=120)
