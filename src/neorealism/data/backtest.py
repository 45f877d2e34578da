"""Backtest: start the model from a real year and hold its polarity and CON paths against history.

:func:`backtest` builds the scenario of the ``start`` year with
:func:`~neorealism.data.scenarios_from_data.build_from_data`, runs
:func:`neorealism.engine.simulate` for ``end − start`` years with the
scenario's own (default) parameters — nothing is tuned to the real path —
and compares, year by year:

- the simulated CON (Ray & Singer 1973) of every world — median and 5–95 %
  band — with the **real CON over the same states**: the top-K states of the
  start year plus the aggregated rest (or the minors), mapped into the five
  components with the same mapping each year and measured with the same
  :mod:`neorealism.measures` functions and great-power rule.  A tracked
  state that leaves the COW system (e.g. a state absorbed by another) counts
  as dead from that year, as a conquered state does in the simulation; its
  successor, under a new COW code, falls in the rest.
- the share of simulated worlds in each polarity with the real label of the
  same states;
- for reference, the real **whole-system** path
  (:func:`neorealism.data.history.polarity_history`: every state's
  recomputed CINC), which is not what the model simulates when the rest is
  aggregated (an aggregate is one actor in the model).

Summary: ``coverage`` (share of years after the start whose real CON lies
inside the simulated 5–95 % band), ``mae_median_con`` (mean absolute error
of the median simulated CON), ``polarity_agreement`` (share of simulated
world-years whose polarity label equals the real one), and the real versus
simulated mean number of great powers.  The start year is excluded from the
summary (it agrees by construction).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..measures import POLARITY_LABELS, composite_index, system_measures
from ..output import atomic_file_set, atomic_write_text, save_figure
from .history import POLARITY_COLOURS, polarity_history
from .scenarios_from_data import (
    FromData,
    _imputed_shares_cached,
    _version,
    build_from_data,
    group_components,
)
from .source import DataSource, as_source

__all__ = ["BacktestResult", "backtest", "real_same_states", "write_backtest", "BACKTEST_FILES"]

#: Files written by :func:`write_backtest`.
BACKTEST_FILES: tuple[str, ...] = ("backtest.png", "backtest.csv", "summary.json")
#: CON difference below which the real value counts as inside the simulated band (rounding of
#: the scenario's indicators to 6 significant digits moves the start year's CON by ~1e-6).
IN_BAND_SLACK = 1e-4
#: Largest number of worlds a backtest runs.
MAX_BACKTEST_WORLDS = 100_000


def real_same_states(fd: FromData, end: int) -> pd.DataFrame:
    """The real path of the scenario's states, ``fd.year`` … ``end``, measured as the model measures.

    Each year: the individually listed states (absent once they leave the
    COW system), plus, for ``rest="aggregate"``, one aggregate of every other
    system state of that year (of the region, if the scenario has one); the
    five components by the scenario's mapping
    (:func:`~neorealism.data.scenarios_from_data.group_components`);
    shares by :func:`~neorealism.measures.composite_index`; great powers,
    polarity, CON and HHI by :func:`~neorealism.measures.system_measures`
    with the scenario's rule.  Columns: year, n_alive, n_great_powers,
    polarity (label), con, hhi, leader, leader_share, and ``share:<name>``
    per state.
    """
    sh = _imputed_shares_cached(fd.nmc, fd.source)
    mp = fd.scenario.params.measures
    names = [g.name for g in fd.groups]
    ind = [g for g in fd.groups if g.kind != "rest"]
    tracked = {g.ccodes[0] for g in ind}
    has_rest = any(g.kind == "rest" for g in fd.groups)
    years = np.arange(fd.year, end + 1)
    shares = np.zeros((len(years), len(names)))
    present = np.zeros((len(years), len(names)), dtype=bool)
    by_year = dict(tuple(sh[sh["year"].between(fd.year, end)].groupby("year")))
    for t, y in enumerate(years):
        rows = by_year.get(int(y))
        if rows is None:
            continue
        rows = rows.reset_index(drop=True)
        pos = {int(c): i for i, c in enumerate(rows["ccode"])}
        members: list[np.ndarray] = []
        cols: list[int] = []
        for k, g in enumerate(fd.groups):
            if g.kind == "rest":
                cand = rows
                if fd.region is not None:
                    from .scenarios_from_data import REGIONS

                    lo, hi = REGIONS[fd.region]
                    cand = rows[rows["ccode"].between(lo, hi) | rows["ccode"].isin(list(fd.include))]
                idx = np.array([pos[int(c)] for c in cand["ccode"] if int(c) not in tracked], dtype=np.int64)
            else:
                c = g.ccodes[0]
                idx = np.array([pos[c]], dtype=np.int64) if c in pos else np.array([], dtype=np.int64)
            if len(idx):
                members.append(idx)
                cols.append(k)
        comp = group_components(rows, members)
        # technology: urbanisation (its scale cancels in the shares); a group without it gets the median
        urban = comp["urban"]
        tech = np.where(np.isfinite(urban), urban, np.nanmedian(urban) if np.isfinite(urban).any() else 1.0)
        arr = np.vstack([comp["m_share"], comp["economy"], comp["population"], comp["resources"], tech])
        s = composite_index(arr)
        shares[t, cols] = s
        present[t, cols] = True
    actors = np.array([g.kind != "rest" for g in fd.groups])
    m = system_measures(shares, rule=mp.gp_rule, threshold=mp.gp_threshold, relative=mp.gp_relative, actors=actors)
    lead = np.where(actors, shares, -1.0).argmax(axis=1)
    out = pd.DataFrame(
        {
            "year": years.astype(np.int64),
            "n_alive": present.sum(axis=1).astype(np.int64),
            "n_great_powers": m["n_great_powers"].astype(np.int64),
            "polarity": np.asarray(POLARITY_LABELS, dtype=object)[m["polarity"]],
            "con": m["con"],
            "hhi": m["hhi"],
            "leader": np.asarray(names, dtype=object)[lead],
            "leader_share": shares[np.arange(len(years)), lead],
        }
    )
    out = pd.concat([out, pd.DataFrame(shares, columns=[f"share:{n}" for n in names])], axis=1)
    if has_rest:
        out.attrs["rest"] = "aggregate"
    return out


@dataclass
class BacktestResult:
    """Per-year comparison, summary figures, and what it was built from."""

    table: pd.DataFrame
    summary: dict[str, Any]
    built: FromData
    real: pd.DataFrame
    system: pd.DataFrame = field(repr=False)


def _check(start: Any, end: Any, worlds: Any, seed: Any, lo: int, hi: int) -> None:
    for name, v in (("start", start), ("end", end), ("worlds", worlds), ("seed", seed)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ParameterError(f"{name} must be an integer, got {v!r}", field=name)
    for name, v in (("start", start), ("end", end)):
        if not lo <= v <= hi:
            raise ParameterError(f"{name} = {v}: allowed {lo}–{hi} (the NMC file's years)", field=name)
    if end <= start:
        raise ParameterError(f"end = {end} must be after start = {start}", field="end", also=("start",))
    if not 1 <= worlds <= MAX_BACKTEST_WORLDS:
        raise ParameterError(f"worlds must be in [1, {MAX_BACKTEST_WORLDS}], got {worlds}", field="worlds")
    if not 0 <= seed < 2**63:
        raise ParameterError(f"seed must be in [0, 2^63), got {seed}", field="seed")


def backtest(
    start: int = 1950,
    end: int = 2000,
    *,
    top: int = 10,
    worlds: int = 200,
    seed: int = 0,
    nmc: str = "6.0",
    rest: str = "aggregate",
    source: DataSource | None = None,
    **from_data: Any,
) -> BacktestResult:
    """Run the model from the ``start`` year's real system to ``end`` and compare with history.

    ``from_data`` options go to :func:`~neorealism.data.scenarios_from_data.build_from_data`
    (``minors``, ``region``, ``alliance_types`` …).  ``source`` (a
    :class:`~neorealism.data.source.DataSource`) names other files of the
    same layout (e.g. a newer NMC release) to read instead of the shipped
    ones: its NMC file is used for the
    scenario, the real path of the same states and the whole-system
    reference, and sets the years allowed.  See the module docstring for
    what is compared.
    """
    from ..engine import simulate

    version = _version(nmc)
    src = as_source(source)
    sh = _imputed_shares_cached(version, src)
    lo, hi = int(sh["year"].min()), int(sh["year"].max())
    _check(start, end, worlds, seed, lo, hi)
    start, end = int(start), int(end)
    fd = build_from_data(
        start, top, version, rest, name=f"backtest-{start}", years=end - start, worlds=worlds, seed=seed,
        source=src, **from_data,
    )
    res = simulate(fd.scenario, worlds=worlds, years=end - start, seed=seed, states="none")
    sysdf = res.system
    real = real_same_states(fd, end)
    mp = fd.scenario.params.measures
    whole = polarity_history(
        version, rule=mp.gp_rule, threshold=mp.gp_threshold, relative=mp.gp_relative, start=start, end=end, source=src
    )

    g = sysdf.groupby("year", sort=True)
    con = g["con"]
    tab = pd.DataFrame(
        {
            "year": np.arange(start, end + 1, dtype=np.int64),
        }
    )
    tab["sim_con_median"] = con.median().reindex(tab["year"]).to_numpy()
    tab["sim_con_p05"] = con.quantile(0.05).reindex(tab["year"]).to_numpy()
    tab["sim_con_p95"] = con.quantile(0.95).reindex(tab["year"]).to_numpy()
    tab["real_con"] = real["con"].to_numpy()
    # the slack absorbs the scenario's rounding to SIG_DIGITS (the start year's band is one point)
    tab["in_band"] = (tab["real_con"] >= tab["sim_con_p05"] - IN_BAND_SLACK) & (
        tab["real_con"] <= tab["sim_con_p95"] + IN_BAND_SLACK
    )
    pol = sysdf["polarity"].astype(str)
    counts = pd.crosstab(sysdf["year"], pol).reindex(index=tab["year"], columns=list(POLARITY_LABELS), fill_value=0)
    for lab in POLARITY_LABELS:
        tab[f"sim_share_{lab}"] = (counts[lab] / counts.sum(axis=1)).to_numpy()
    tab["real_polarity"] = real["polarity"].to_numpy()
    tab["sim_share_real_label"] = [float(tab.loc[i, f"sim_share_{lab}"]) for i, lab in enumerate(tab["real_polarity"])]
    tab["sim_n_gp_mean"] = g["n_great_powers"].mean().reindex(tab["year"]).to_numpy()
    tab["real_n_gp"] = real["n_great_powers"].to_numpy()
    tab["real_leader"] = real["leader"].to_numpy()
    w = whole.set_index("year").reindex(tab["year"])
    tab["system_con"] = w["con"].to_numpy()
    tab["system_polarity"] = w["polarity_label"].to_numpy()
    tab["system_n_gp"] = w["n_great_powers"].to_numpy()

    after = tab["year"] > start
    t1 = tab[after]
    summary = {
        "from": start,
        "to": end,
        "years_compared": int(after.sum()),
        "top": int(top),
        "rest": rest,
        "nmc": version,
        "data_files": {k: str(v) for k, v in fd.paths.items() if v is not None},
        "worlds": int(worlds),
        "seed": int(seed),
        "states": [g_.name for g_ in fd.groups],
        "great_power_rule": {"rule": mp.gp_rule, "threshold": mp.gp_threshold, "relative": mp.gp_relative},
        "coverage": float(t1["in_band"].mean()),
        "mae_median_con": float((t1["sim_con_median"] - t1["real_con"]).abs().mean()),
        "polarity_agreement": float(t1["sim_share_real_label"].mean()),
        "real_mean_n_great_powers": float(t1["real_n_gp"].mean()),
        "sim_mean_n_great_powers": float(t1["sim_n_gp_mean"].mean()),
        "real_final_polarity": str(t1["real_polarity"].iloc[-1]),
        "sim_final_polarity_shares": {lab: float(t1[f"sim_share_{lab}"].iloc[-1]) for lab in POLARITY_LABELS},
        "system_coverage": float(
            (
                (t1["system_con"] >= t1["sim_con_p05"] - IN_BAND_SLACK)
                & (t1["system_con"] <= t1["sim_con_p95"] + IN_BAND_SLACK)
            ).mean()
        ),
        "system_mae_median_con": float((t1["sim_con_median"] - t1["system_con"]).abs().mean()),
        "mapping_fidelity": {k: float(v) for k, v in fd.fidelity.items()},
        "note": (
            "Model run with the scenario's default parameters; nothing tuned to the real path. "
            "real_* = the same states measured with the same mapping; system_* = the whole COW system."
        ),
    }
    return BacktestResult(table=tab, summary=summary, built=fd, real=real, system=whole)


def _finite(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def summary_json(result: BacktestResult) -> str:
    return json.dumps(_finite(result.summary), indent=2, ensure_ascii=False) + "\n"


#: Outline of the real-label strips in ``backtest.png``: a neutral grey, no polarity's colour.
STRIP_EDGE = "#666666"


def backtest_title(summary: dict[str, Any]) -> str:
    """The title of ``backtest.png``: what was run, and the summary figures in words (no jargon)."""
    s = summary
    return (
        f"Backtest {s['from']}→{s['to']}: top {s['top']} + rest ({s['rest']}), {s['worlds']} worlds\n"
        f"the real CON (same states) lies inside the simulated 5–95 % band in {s['coverage']:.0%} of the years\n"
        f"mean gap between simulated median and real CON {s['mae_median_con']:.3f}; "
        f"simulated world-years with the real polarity {s['polarity_agreement']:.0%}"
    )


def plot_backtest(result: BacktestResult, out: str | os.PathLike[str]) -> Path:
    """PNG: CON fan chart with the real paths; stacked polarity shares with the real labels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    t = result.table
    yrs = t["year"].to_numpy()
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    ax.fill_between(yrs, t["sim_con_p05"], t["sim_con_p95"], color="#9fc5e8", alpha=0.6, lw=0, label="simulated 5–95 %")
    ax.plot(yrs, t["sim_con_median"], color="#1f4e79", lw=1.8, label="simulated median")
    ax.plot(yrs, t["real_con"], color="#990000", lw=1.8, label="real, same states")
    ax.plot(yrs, t["system_con"], color="#555555", lw=1.2, ls="--", label="real, whole system")
    ax.set_ylim(0, 1)
    ax.set_ylabel("CON (Ray & Singer)")
    s = result.summary
    ax.set_title(backtest_title(s), fontsize=10)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    bottom = np.zeros(len(yrs))
    for lab in POLARITY_LABELS:
        v = t[f"sim_share_{lab}"].to_numpy()
        ax2.fill_between(yrs, bottom, bottom + v, color=POLARITY_COLOURS[lab], step="mid", lw=0)
        bottom = bottom + v
    for y, lab in zip(yrs, t["real_polarity"], strict=True):
        ax2.add_patch(
            plt.Rectangle((y - 0.5, 1.03), 1, 0.07, facecolor=POLARITY_COLOURS[lab], edgecolor=STRIP_EDGE, lw=0.3)
        )
    for y, lab in zip(yrs, t["system_polarity"], strict=True):
        if isinstance(lab, str):
            ax2.add_patch(
                plt.Rectangle((y - 0.5, 1.12), 1, 0.07, facecolor=POLARITY_COLOURS[lab], edgecolor=STRIP_EDGE, lw=0.3)
            )
    ax2.text(yrs[-1] + 0.8, 1.065, "real, same states", ha="left", va="center", fontsize=7)
    ax2.text(yrs[-1] + 0.8, 1.155, "real, whole system", ha="left", va="center", fontsize=7)
    ax2.set_xlim(yrs[0] - 1, yrs[-1] + 0.12 * (yrs[-1] - yrs[0]) + 2)
    ax2.plot(yrs, t["sim_share_real_label"], color="#990000", lw=1.0, label="share of worlds with the real label")
    ax2.set_ylim(0, 1.2)
    ax2.set_yticks(np.linspace(0, 1, 6))  # the strips above 1 are labels, not shares
    ax2.set_ylabel("share of simulated worlds")
    ax2.set_xlabel("year")
    handles = [Patch(facecolor=POLARITY_COLOURS[k], edgecolor="#888888", label=k) for k in POLARITY_LABELS]
    handles += ax2.get_legend_handles_labels()[0]
    # below the axes, so that it hides none of the stacked shares
    ax2.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=8, ncol=5, frameon=False)
    fig.tight_layout()
    return save_figure(fig, out, dpi=110)


def write_backtest(result: BacktestResult, out_dir: str | os.PathLike[str], overwrite: bool = True) -> list[Path]:
    """Write ``backtest.png``, ``backtest.csv`` and ``summary.json`` into ``out_dir``, as one set.

    The three files are written to temporary files first and then renamed
    onto their names (:func:`neorealism.output.atomic_file_set`): earlier
    backtest files are replaced, and a failure leaves them as they were;
    other files in the folder are not touched.  ``overwrite=False`` refuses
    a folder that already holds one of the three.
    """
    d = Path(out_dir)
    with atomic_file_set(d, BACKTEST_FILES, overwrite=overwrite) as staged:
        plot_backtest(result, staged["backtest.png"])
        atomic_write_text(staged["backtest.csv"], backtest_csv(result))
        atomic_write_text(staged["summary.json"], summary_json(result))
    return [d / f for f in BACKTEST_FILES]


def backtest_csv(result: BacktestResult) -> str:
    """The per-year table as CSV text (as in ``backtest.csv``)."""
    return result.table.to_csv(index=False, float_format="%.6g", lineterminator="\n")
