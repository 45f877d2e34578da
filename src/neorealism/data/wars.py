"""Onsets of inter-state wars by polarity era and by concentration (CON) tercile.

Wars: COW Inter-State War Data v4.0 (Sarkees & Wayman 2010), participant
file, 95 wars 1823–2003 in a data set that covers 1816–2007.  A war's onset
year is the earliest ``StartYear1`` of its participants.  A war is a
*great-power war* when both sides have at least one great power in the year
that participant entered the war (its own ``StartYear1``).  Great powers are
taken either from COW's major-power list (Correlates of War Project 2017) or
from the capability-only rule of :mod:`neorealism.data.majors`.

Eras: each year of the polarity history (:mod:`neorealism.data.history`,
the same measures as the simulation; Ray & Singer 1973 for CON) has a
measured polarity label and a CON value; years are grouped by that label
(``polarity``), by the conventional periodisation of the literature
(``era``: multipolar to 1945, bipolar 1946–1991, unipolar from 1992;
Waltz 1979, Wohlforth 1999, Mearsheimer 2001; :data:`~neorealism.data.history.CONVENTIONAL_ERAS`),
or by CON tercile (``con``: terciles of CON over the years in the
window).  Rates are onsets per decade: onsets in the era's years / number
of those years × 10.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..output import save_figure
from .history import (
    POLARITY_COLOURS,
    check_range,
    conventional_era,
    polarity_history,
    polarity_runs,
    rule_text,
)
from .loaders import load_wars, major_state_years
from .majors import DEFAULT_RULE, GreatPowerRule, great_power_years
from .source import DataFileError, DataSource, as_source

#: Years the COW Inter-State War v4.0 data cover.
WAR_DATA_YEARS = (1816, 2007)
#: How years can be grouped: measured polarity label, conventional era, CON tercile.
GROUPINGS: tuple[str, ...] = ("polarity", "era", "con")
_KEY = {"polarity": "polarity_label", "era": "conventional_era", "con": "con_tercile"}


def war_onsets(
    source: DataSource | None = None,
    gp_rule: GreatPowerRule = DEFAULT_RULE,
    version: str = "6.0",
) -> pd.DataFrame:
    """One row per war: WarNum, WarName, onset, end, n_states, gp_war_cow, gp_war_capability.

    ``gp_war_cow``: both sides had a COW major power when it entered (the
    list of ``source``, default the shipped one); ``gp_war_capability``: the
    same with great powers from ``gp_rule`` applied to ``source``'s NMC file
    (default the shipped ``version``).  The wars are ``source``'s war
    participant file.
    """
    src = as_source(source)
    w = load_wars(src)
    w = w[w["WarType"] == 1] if "WarType" in w else w
    entry = w["StartYear1"].astype("float64")
    if entry.isna().any():
        bad = w.loc[entry.isna(), "WarNum"].iloc[0]
        raise DataFileError(
            "wars", src.path("wars"), f"war {bad} has a participant with no StartYear1; cannot date its onset"
        )
    part = pd.DataFrame(
        {"WarNum": w["WarNum"], "ccode": w["ccode"], "Side": w["Side"], "year": entry.astype(np.int64)}
    )
    cow = major_state_years(source=src)[["ccode", "year"]].assign(cow=True)
    cap = great_power_years(gp_rule, version, src)[["ccode", "year"]].assign(cap=True)
    part = part.merge(cow, on=["ccode", "year"], how="left").merge(cap, on=["ccode", "year"], how="left")
    part[["cow", "cap"]] = part[["cow", "cap"]].astype("boolean").fillna(False).astype(bool)
    side = part.groupby(["WarNum", "Side"])[["cow", "cap"]].any().unstack("Side", fill_value=False)

    def both(col: str) -> pd.Series:
        s = side[col]
        return s.get(1, False) & s.get(2, False) if (1 in s and 2 in s) else pd.Series(False, index=s.index)

    ends = pd.concat([w["EndYear1"], w["EndYear2"]], axis=1).astype("float64").max(axis=1)
    g = w.assign(_end=ends).groupby("WarNum")
    out = pd.DataFrame(
        {
            "WarName": g["WarName"].first(),
            "onset": g["StartYear1"].min().astype(np.int64),
            "end": g["_end"].max(),
            "n_states": g["ccode"].nunique().astype(np.int64),
        }
    )
    out["end"] = out["end"].astype("Int64")
    out["gp_war_cow"] = both("cow").reindex(out.index, fill_value=False).astype(bool)
    out["gp_war_capability"] = both("cap").reindex(out.index, fill_value=False).astype(bool)
    return out.reset_index().sort_values(["onset", "WarNum"]).reset_index(drop=True)


def _window(hist: pd.DataFrame, start: int | None, end: int | None) -> pd.DataFrame:
    lo = max(int(hist["year"].min()), WAR_DATA_YEARS[0])
    hi = min(int(hist["year"].max()), WAR_DATA_YEARS[1])
    s, e = check_range(start, end, lo, hi, years="the years of both the war data and the NMC file")
    return hist[(hist["year"] >= s) & (hist["year"] <= e)].reset_index(drop=True)


def _terciles(con: pd.Series) -> pd.Series:
    """CON terciles (low, middle, high); ties at the edges broken by year order when the edges coincide.

    Missing CON (years without capability data) has no tercile; with fewer
    than three years of CON there are no terciles at all (``None``).
    """
    labels = ["low", "middle", "high"]
    try:
        return pd.qcut(con, 3, labels=labels).astype(object)
    except ValueError:  # edges coincide: a short or degenerate history
        if con.notna().sum() < 3:
            return pd.Series([None] * len(con), index=con.index, dtype=object)
        return pd.qcut(con.rank(method="first"), 3, labels=labels).astype(object)


def yearly_onsets(
    start: int | None = None,
    end: int | None = None,
    version: str = "6.0",
    rule: Literal["share", "relative"] = "share",
    threshold: float = 0.10,
    relative: float = 0.25,
    gp_rule: GreatPowerRule = DEFAULT_RULE,
    source: DataSource | None = None,
) -> pd.DataFrame:
    """The polarity history (window within 1816–2007) with onsets, CON tercile and conventional era per year.

    ``source`` names the war participant, NMC and major-power files
    (``None``: the shipped ones); each is used everywhere that file is
    needed (the NMC file for both the polarity history and the capability
    rule).
    """
    hist = polarity_history(version, rule=rule, threshold=threshold, relative=relative, source=source)
    hist = _window(hist, start, end)
    wars = war_onsets(source, gp_rule=gp_rule, version=version)
    counts = wars.groupby("onset").agg(
        wars=("WarNum", "size"), gp_wars_cow=("gp_war_cow", "sum"), gp_wars_capability=("gp_war_capability", "sum")
    )
    counts = counts.reindex(hist["year"], fill_value=0).reset_index(drop=True).astype(np.int64)
    out = pd.concat([hist[["year", "polarity_label", "con", "n_great_powers", "great_powers"]], counts], axis=1)
    out["con_tercile"] = _terciles(out["con"])
    out["conventional_era"] = conventional_era(out["year"])
    out.attrs.update(hist.attrs)
    return out


def wars_by_era(
    by: Literal["polarity", "era", "con"] = "polarity",
    start: int | None = None,
    end: int | None = None,
    version: str = "6.0",
    rule: Literal["share", "relative"] = "share",
    threshold: float = 0.10,
    relative: float = 0.25,
    gp_rule: GreatPowerRule = DEFAULT_RULE,
    source: DataSource | None = None,
) -> pd.DataFrame:
    """Onsets and rates per decade by measured polarity label, conventional era or CON tercile.

    Columns: era, years, con_min, con_max, wars, gp_wars_cow,
    gp_wars_capability, and ``*_per_decade`` rates (onsets / years × 10).
    ``by="era"`` groups the same years exactly as ``by="polarity"`` does, by
    the conventional periodisation instead of the measured label (CON is
    still the measured one).
    """
    _check_by(by)
    y = yearly_onsets(start, end, version, rule, threshold, relative, gp_rule, source)
    return era_table(y, by)


def _check_by(by: str) -> None:
    if by not in GROUPINGS:
        raise ParameterError(f"by must be one of {', '.join(GROUPINGS)}, got {by!r}", field="by")


def era_table(y: pd.DataFrame, by: Literal["polarity", "era", "con"] = "polarity") -> pd.DataFrame:
    """:func:`wars_by_era` from an already computed :func:`yearly_onsets` table (no second computation)."""
    _check_by(by)
    g = y.groupby(_KEY[by])
    t = g.agg(
        years=("year", "size"),
        con_min=("con", "min"),
        con_max=("con", "max"),
        wars=("wars", "sum"),
        gp_wars_cow=("gp_wars_cow", "sum"),
        gp_wars_capability=("gp_wars_capability", "sum"),
    )
    order = ["low", "middle", "high"] if by == "con" else ["nonpolar", "unipolar", "bipolar", "multipolar"]
    t = t.reindex([o for o in order if o in t.index])
    for c in ("wars", "gp_wars_cow", "gp_wars_capability"):
        t[f"{c}_per_decade"] = t[c] / t["years"] * 10.0
    t.index.name = "era"
    t = t.reset_index()
    t.attrs.update(y.attrs)
    t.attrs.update({"by": by, "start": int(y["year"].min()), "end": int(y["year"].max())})
    return t


def wars_by_decade(yearly: pd.DataFrame) -> pd.DataFrame:
    """Onsets per decade from :func:`yearly_onsets`: decade, years, wars, gp wars, modal polarity, mean CON."""
    d = yearly.assign(decade=(yearly["year"] // 10) * 10)
    g = d.groupby("decade")
    out = g.agg(
        years=("year", "size"),
        wars=("wars", "sum"),
        gp_wars_cow=("gp_wars_cow", "sum"),
        gp_wars_capability=("gp_wars_capability", "sum"),
        mean_con=("con", "mean"),
        polarity=("polarity_label", lambda s: s.mode().iloc[0] if s.notna().any() else None),
    )
    return out.reset_index()


def plot_wars(
    yearly: pd.DataFrame, by_era: pd.DataFrame, out: str | os.PathLike[str]
) -> Path:
    """PNG: onsets per decade over polarity bands (left) and rates per decade by era (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    dec = wars_by_decade(yearly)
    by = by_era.attrs.get("by", "polarity")
    # the background: the conventional eras when the years are grouped by them, else the measured polarity
    bands = yearly.assign(polarity_label=yearly["conventional_era"]) if by == "era" else yearly
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [2.4, 1]})
    for r in polarity_runs(bands).itertuples():
        if r.label in POLARITY_COLOURS:  # years without capability data have no band
            ax.axvspan(r.start - 0.5, r.end + 0.5, color=POLARITY_COLOURS[r.label], lw=0)
    x = dec["decade"] + 5
    ax.bar(x - 1.8, dec["wars"], width=3.4, color="#1f4e79", label="inter-state war onsets")
    ax.bar(x + 1.8, dec["gp_wars_cow"], width=3.4, color="#990000", label="great powers on both sides (COW list)")
    ax.set_xlabel("decade")
    ax.set_ylabel("war onsets in the decade (count)")
    a = yearly.attrs
    if by == "era":
        background = "conventional eras (Waltz 1979; Wohlforth 1999; Mearsheimer 2001)"
    else:
        background = f"measured polarity (NMC v{a.get('nmc_version', '6.0')}, great power: {rule_text(a)})"
    ax.set_title(f"COW inter-state wars v4.0 by decade; background: {background}", fontsize=10)
    ax.set_ylim(0, max(1.0, float(dec["wars"].max())) * 1.35)
    handles = ax.get_legend_handles_labels()[0]
    present = set(bands["polarity_label"])
    handles += [
        Patch(facecolor=POLARITY_COLOURS[k], edgecolor="#888888", label=f"{k} years")
        for k in POLARITY_COLOURS
        if k in present
    ]
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper left", ncol=2)
    labels = by_era["era"].astype(str)
    xx = np.arange(len(by_era))
    ax2.bar(xx - 0.2, by_era["wars_per_decade"], width=0.4, color="#1f4e79", label="all")
    ax2.bar(xx + 0.2, by_era["gp_wars_cow_per_decade"], width=0.4, color="#990000", label="great-power (COW)")
    ax2.set_xticks(xx, [f"{lab}\n({n} y)" for lab, n in zip(labels, by_era["years"], strict=True)])
    ax2.set_ylabel("onsets per 10 years of the era")
    what = {"polarity": "measured polarity", "era": "conventional era", "con": "CON tercile"}[by]
    ax2.set_xlabel(what + " (years in the era)")
    ax2.set_title(f"rate by {what}", fontsize=10)
    ax2.set_ylim(0, max(1.0, float(by_era["wars_per_decade"].max())) * 1.3)
    ax2.legend(fontsize=8, frameon=False, loc="upper right")
    fig.tight_layout()
    return save_figure(fig, out, dpi=120)
