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

Scores (``summary["scores"]``, one entry per measured quantity; see
:func:`score_window`): the CON of the great powers, the number of great
powers, war onsets per year and state deaths per year (the simulated events
against COW's inter-state wars and system exits among the scenario's own
states), and the share of decided wars won by the initiator.  Each has the
model's mean absolute error, the error of the **no-change forecast** (the
start year's real value held constant; for the counts and the initiator's
success, the real rate of the equal-length period before the start year,
measured on the top-K states of the year that period begins), the skill
score 1 − error_model / error_nochange (positive: better than no change) and
the ensemble CRPS (:func:`crps_ensemble`) averaged over the years.
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
from ..measures import POLARITY_LABELS
from ..mechanisms.polarity import read_years
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

__all__ = [
    "BacktestResult",
    "backtest",
    "crps_ensemble",
    "mae",
    "real_same_states",
    "real_wars",
    "score_window",
    "skill_score",
    "write_backtest",
    "BACKTEST_FILES",
    "SCORED",
]

#: Files written by :func:`write_backtest`.
BACKTEST_FILES: tuple[str, ...] = ("backtest.png", "backtest.csv", "summary.json")
#: CON difference below which the real value counts as inside the simulated band (rounding of
#: the scenario's indicators to 6 significant digits moves the start year's CON by ~1e-6).
IN_BAND_SLACK = 1e-4
#: Largest number of worlds a backtest runs.
MAX_BACKTEST_WORLDS = 100_000
#: The quantities scored against the no-change forecast (keys of ``summary["scores"]``).
SCORED: tuple[str, ...] = ("con", "n_great_powers", "war_onsets", "initiator_success", "state_deaths")
#: COW Inter-State War codes: ``Initiator`` 1 = initiated; ``Outcome`` 1 = won, 2 = lost (else undecided).
_INITIATOR, _WON, _LOST = 1, 1, 2


def crps_ensemble(ens: Any, obs: Any) -> np.ndarray:
    """CRPS of an ensemble forecast against an observation: E|X − y| − ½ E|X − X'|.

    ``ens`` has the members on its last axis, ``obs`` the shape of the other
    axes (or broadcasts to it).  The expectations are over the ensemble's
    empirical distribution (each member weight 1/m), so the value equals
    ∫ (F(x) − 1{x ≥ y})² dx exactly, F the ensemble's step CDF; for one
    member it is |x − y|.  NaN members are left out (the row's m is its
    count of finite members); a row with none, or a NaN observation, gives
    NaN.  Vectorised: E|X − X'| from the sorted members,
    Σᵢⱼ |xᵢ − xⱼ| / m² = 2/m² Σᵢ (2i − m − 1) x₍ᵢ₎.
    """
    x = np.asarray(ens, dtype=np.float64)
    if x.ndim == 0:
        x = x[None]
    y = np.broadcast_to(np.asarray(obs, dtype=np.float64), x.shape[:-1])
    ok = np.isfinite(x)
    m = ok.sum(axis=-1)
    xs = np.sort(np.where(ok, x, np.inf), axis=-1)  # the missing members last
    xs0 = np.where(np.isfinite(xs), xs, 0.0)
    i = np.arange(1, x.shape[-1] + 1)
    mm = m[..., None]
    w = np.where(i <= mm, 2 * i - mm - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        e_xy = np.where(ok, np.abs(np.where(ok, x, 0.0) - y[..., None]), 0.0).sum(axis=-1) / m
        e_xx = 2.0 * (w * xs0).sum(axis=-1) / (m.astype(np.float64) ** 2)
        out = e_xy - 0.5 * e_xx
    return np.where((m > 0) & np.isfinite(y), out, np.nan)


def mae(forecast: Any, truth: Any) -> float:
    """Mean absolute error over the pairs where both are finite (NaN when there are none)."""
    f, y = np.broadcast_arrays(np.asarray(forecast, dtype=np.float64), np.asarray(truth, dtype=np.float64))
    ok = np.isfinite(f) & np.isfinite(y)
    return float(np.abs(f[ok] - y[ok]).mean()) if ok.any() else float("nan")


def skill_score(err_model: float, err_nochange: float) -> float:
    """1 − err_model / err_nochange: 1 = perfect, 0 = as good as no change, < 0 = worse.

    NaN when either error is undefined or the no-change forecast is itself
    perfect (no room for skill).
    """
    if not (math.isfinite(err_model) and math.isfinite(err_nochange)) or err_nochange == 0:
        return float("nan")
    return 1.0 - err_model / err_nochange


def real_wars(ccodes: Any, first: int, last: int, source: DataSource | None = None) -> pd.DataFrame:
    """COW inter-state wars among the given states with onset in ``first`` … ``last``.

    A war counts when the states have a participant on each side.  One row
    per war: WarNum, onset (earliest ``StartYear1`` of all participants),
    decided (an initiating participant — COW ``Initiator`` = 1 — won or
    lost: ``Outcome`` 1 or 2), initiator_won.
    """
    from .loaders import load_wars

    w = load_wars(as_source(source))
    w = w[w["WarType"] == 1] if "WarType" in w else w
    onset = w.groupby("WarNum")["StartYear1"].min()
    mine = w[w["ccode"].isin([int(c) for c in ccodes])]
    sides = mine.groupby("WarNum")["Side"].agg(lambda s: {1, 2} <= set(int(v) for v in s))
    nums = sides.index[sides.to_numpy(dtype=bool)]
    rows = []
    for n in nums:
        o = onset.get(n)
        if o is None or pd.isna(o) or not first <= int(o) <= last:
            continue
        ini = w[(w["WarNum"] == n) & (w["Initiator"] == _INITIATOR)]["Outcome"].astype(int)
        won = bool((ini == _WON).any())
        rows.append({"WarNum": int(n), "onset": int(o), "decided": won or bool((ini == _LOST).any()), "initiator_won": won})
    return pd.DataFrame(rows, columns=["WarNum", "onset", "decided", "initiator_won"])


def _deaths_per_year(sh: pd.DataFrame, ccodes: Any, years: np.ndarray) -> np.ndarray:
    """Per year: tracked states in the COW system the year before and not in this year."""
    cc = [int(c) for c in ccodes]
    pres = sh[sh["ccode"].isin(cc)].assign(p=True).pivot_table(index="year", columns="ccode", values="p", aggfunc="any")
    pres = pres.reindex(index=np.arange(years[0] - 1, years[-1] + 1), columns=cc).fillna(False).astype(bool).to_numpy()
    return (pres[:-1] & ~pres[1:]).sum(axis=1).astype(np.float64)


def _share_won(wars: pd.DataFrame) -> float:
    d = wars[wars["decided"]]
    return float(d["initiator_won"].mean()) if len(d) else float("nan")


def score_window(
    ens: np.ndarray, real: np.ndarray, nochange: float, *, point: str = "median"
) -> dict[str, float]:
    """Errors, skill and CRPS of one quantity over the years compared.

    ``ens``: years × worlds (NaN = undefined member); ``real``: per year;
    ``nochange``: the no-change forecast (constant).  The model's point
    forecast is the ensemble ``point`` (median or mean) of each year.
    """
    import warnings

    ens = np.asarray(ens, dtype=np.float64)
    with warnings.catch_warnings():  # a year (or window) with no defined member: NaN, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        pt = np.nanmedian(ens, axis=1) if point == "median" else np.nanmean(ens, axis=1)
    err_m = mae(pt, real)
    err_n = mae(np.full(len(real), nochange), real)
    crps = crps_ensemble(ens, real)
    ok = np.isfinite(crps)
    c = float(crps[ok].mean()) if ok.any() else float("nan")
    real = np.asarray(real, dtype=np.float64)
    both = np.isfinite(real) & np.isfinite(pt)  # the years scored: the means are over these
    return {
        "real": float(real[both].mean()) if both.any() else float("nan"),
        "sim": float(pt[both].mean()) if both.any() else float("nan"),
        "nochange": float(nochange),
        "error_model": err_m,
        "error_nochange": err_n,
        "skill": skill_score(err_m, err_n),
        "crps": c,
        "crps_skill": skill_score(c, err_n),  # a point forecast's CRPS is its absolute error
        "years": int(ok.sum()),
    }


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
    comps = np.zeros((len(years), 5, len(names)))
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
        comps[t][:, cols] = arr
        present[t, cols] = True
    actors = np.array([g.kind != "rest" for g in fd.groups])
    # the engine's reading, persistence included, on the same five components (mechanisms.polarity)
    m = read_years(comps, present, actors, mp)
    shares = m["power"]
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

    scores, notes = _scores(fd, res, tab, sh, start, end, lo, top, version, rest, src, from_data)

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
        "scores": scores,
        "score_notes": notes,
        "note": (
            "Model run with the scenario's default parameters; nothing tuned to the real path. "
            "real_* = the same states measured with the same mapping; system_* = the whole COW system."
        ),
    }
    return BacktestResult(table=tab, summary=summary, built=fd, real=real, system=whole)


def _by_world_year(df: pd.DataFrame, col: str | None, years: np.ndarray, worlds: np.ndarray) -> np.ndarray:
    """years × worlds: ``col`` of ``df`` (or, with ``col=None``, the count of rows) per world-year."""
    if col is None:
        t = df.groupby(["year", "world"]).size()
        fill = 0.0
    else:
        t = df.set_index(["year", "world"])[col]
        fill = np.nan
    return t.unstack("world").reindex(index=years, columns=worlds).fillna(fill).to_numpy(dtype=np.float64)


def _scores(
    fd: FromData, res: Any, tab: pd.DataFrame, sh: pd.DataFrame, start: int, end: int, lo: int,
    top: int, version: str, rest: str, src: DataSource, from_data: dict[str, Any],
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The per-quantity scores (and the per-year war/death columns of ``tab``, added in place)."""
    sysdf, ev = res.system, res.events
    years = tab["year"].to_numpy()
    worlds = np.sort(sysdf["world"].unique())
    after = years > start
    yrs = years[after]
    n_years = end - start
    tracked = [g.ccodes[0] for g in fd.groups if g.kind != "rest"]
    notes: list[str] = []

    # --- real events among the scenario's states
    from .loaders import load_wars

    war_last = max(2007, int(load_wars(src)["StartYear1"].max()))  # COW Inter-State War v4.0 covers to 2007
    rw = real_wars(tracked, start, end, src)
    onsets = rw.groupby("onset").size().reindex(years, fill_value=0).to_numpy(dtype=np.float64)
    onsets[years > war_last] = np.nan
    if end > war_last:
        notes.append(f"war onsets and initiator success: COW's war data end in {war_last}; years after it are not scored")
    deaths = _deaths_per_year(sh, tracked, years)

    # --- simulated events
    starts = ev[ev["event"] == "war_start"]
    ends = ev[ev["event"] == "war_end"]
    sim_onsets = _by_world_year(starts, None, years, worlds)
    sim_deaths = _by_world_year(ev[ev["event"] == "death"], None, years, worlds)
    tab["real_war_onsets"] = onsets
    tab["sim_war_onsets_mean"] = sim_onsets.mean(axis=1)
    tab["real_state_deaths"] = deaths
    tab["sim_state_deaths_mean"] = sim_deaths.mean(axis=1)
    ww = starts[(starts["year"] > start) & (starts["year"] <= min(end, war_last))][["world", "war_id", "attacker"]]
    ww = ww.merge(ends[["world", "war_id", "winner"]], on=["world", "war_id"], how="left")
    win = ww["winner"].fillna("").astype(str)
    ww = ww.assign(decided=win != "", won=(win != "") & (win == ww["attacker"].astype(str)))
    dec = ww[ww["decided"]].groupby("world")["won"].mean()
    sim_share = dec.reindex(worlds).to_numpy(dtype=np.float64)[None, :]  # a world with no decided war: undefined
    real_share = np.array([_share_won(rw[(rw["onset"] > start) & (rw["onset"] <= min(end, war_last))])])

    # --- the no-change forecasts: the start year's value; for events, the equal-length period before it
    real0 = tab.loc[~after].iloc[0]
    prev = max(start - n_years, lo)
    nc_onsets = nc_deaths = nc_share = float("nan")
    if prev == start:
        notes.append(f"no period before {start} in the NMC file: no no-change rate for war onsets, initiator success and deaths")
    else:
        if prev > start - n_years:
            notes.append(
                f"the period before the start is {start - prev} year{'s' if start - prev != 1 else ''} "
                f"({prev + 1}–{start}), not {n_years}: "
                "the NMC file begins in " + str(lo)
            )
        try:
            fd_prev = build_from_data(prev, top, version, rest, name=f"backtest-{prev}", source=src, **from_data)
        except ParameterError as e:
            notes.append(f"no no-change rate for the events: the scenario of {prev} cannot be built ({e})")
        else:
            prev_tracked = [g.ccodes[0] for g in fd_prev.groups if g.kind != "rest"]
            py = np.arange(prev + 1, start + 1)
            nc_deaths = float(_deaths_per_year(sh, prev_tracked, py).mean())
            wy = py[py <= war_last]
            if len(wy):
                pw = real_wars(prev_tracked, int(wy[0]), int(wy[-1]), src)
                nc_onsets = len(pw) / len(wy)
                nc_share = _share_won(pw)
            notes.append(
                f"no-change rates of war onsets, initiator success and deaths: {prev + 1}–{start}, "
                f"among the top {top} states of {prev}"
            )
    if not math.isfinite(float(real_share[0])):
        notes.append("initiator success: no decided war among the scenario's states in the window, so no score")
    elif not math.isfinite(nc_share) and prev != start:
        notes.append("initiator success: no decided war in the period before the start, so no no-change forecast")

    con = _by_world_year(sysdf, "con", yrs, worlds)
    ngp = _by_world_year(sysdf, "n_great_powers", yrs, worlds)
    sc = {
        "con": score_window(con, tab.loc[after, "real_con"].to_numpy(), float(real0["real_con"])),
        "n_great_powers": score_window(ngp, tab.loc[after, "real_n_gp"].to_numpy(np.float64), float(real0["real_n_gp"])),
        "war_onsets": score_window(sim_onsets[after], onsets[after], nc_onsets, point="mean"),
        "initiator_success": score_window(sim_share, real_share, nc_share, point="mean"),
        "state_deaths": score_window(sim_deaths[after], deaths[after], nc_deaths, point="mean"),
    }
    sc["con"]["point"] = sc["n_great_powers"]["point"] = "median of the worlds, per year"
    sc["war_onsets"]["point"] = sc["state_deaths"]["point"] = "mean of the worlds, per year (a rate)"
    sc["initiator_success"]["point"] = "mean over the worlds of each world's share (one value for the window)"
    sc["war_onsets"]["real_total"] = float(np.nansum(onsets[after]))
    sc["war_onsets"]["sim_total_mean"] = float(sim_onsets[after][np.isfinite(onsets[after])].sum(axis=0).mean())
    sc["state_deaths"]["real_total"] = float(deaths[after].sum())
    sc["state_deaths"]["sim_total_mean"] = float(sim_deaths[after].sum(axis=0).mean())
    sc["initiator_success"]["real_decided_wars"] = int(
        rw[(rw["onset"] > start) & (rw["onset"] <= min(end, war_last))]["decided"].sum()
    )
    sc["initiator_success"]["sim_decided_wars_mean"] = float(ww["decided"].sum() / len(worlds))
    return sc, notes


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
