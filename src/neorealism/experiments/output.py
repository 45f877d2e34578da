"""An experiment's folder: Parquet results, summary.csv, PNG plots and a self-contained report.html.

Every file of the set is staged and renamed into place together
(:func:`neorealism.output.atomic_file_set`): an interrupted write leaves
the folder as it was, never half a result.  The folder must be new, empty
or hold an earlier experiment's files (replaced only with ``overwrite``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError

__all__ = ["MANIFEST", "write_experiment"]

MANIFEST = "experiment.json"
_COLOURS = ("#1f4e79", "#990000", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#c2185b", "#455a64")
_VERDICT_COLOUR = {"held": "#006100", "did not hold": "#9c0006", "inconclusive in the model": "#7a5c00"}


def _check_folder(out: Path, overwrite: bool) -> None:
    from ..output import check_out_folder

    check_out_folder(out)
    if not out.is_dir():
        return
    names = [n for n in out.iterdir() if not n.name.startswith(".")]
    if not names:
        return
    if not (out / MANIFEST).is_file():
        raise ParameterError(f"--out {out} is not empty and holds no experiment result; choose a new or empty folder")
    if not overwrite:
        raise ParameterError(f"--out {out} already holds an experiment result; give --overwrite to replace it")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _label(name: str) -> str:
    from ..outcomes import OUTCOMES

    o = OUTCOMES.get(name)
    return o.label if o is not None else name


def _unit(name: str) -> str:
    from ..outcomes import OUTCOMES

    o = OUTCOMES.get(name)
    return o.unit if o is not None else ""


def _effects_figure(res: Any):
    """Condition-against-condition effects (thresholds, trends and Sobol' rows have their own units: in the table)."""
    plt = _plt()
    s = res.summary
    s = s[s["baseline"].isin([c.name for c in res.conditions])]
    outs = list(dict.fromkeys(s["outcome"]))
    counts = [int((s["outcome"] == o).sum()) for o in outs]
    fig, axes = plt.subplots(len(outs), 1, figsize=(9, 0.9 + sum(0.8 + 0.3 * n for n in counts)), squeeze=False,
                             gridspec_kw={"height_ratios": [0.8 + 0.3 * n for n in counts]})
    for ax, o in zip(axes[:, 0], outs, strict=True):
        rows = s[s["outcome"] == o].reset_index(drop=True)
        d = float(rows["sesoi"].iloc[0])
        ax.axvspan(-d, d, color="#eeeeee", zorder=0)
        ax.axvline(0, color="#888888", lw=0.8)
        for k, r in rows.iterrows():
            col = _VERDICT_COLOUR.get(r["verdict"], "#333333")
            if math.isfinite(r["effect"]):
                lo = r["ci_low"] if math.isfinite(r["ci_low"]) else r["effect"]
                hi = r["ci_high"] if math.isfinite(r["ci_high"]) else r["effect"]
                ax.errorbar(r["effect"], k, xerr=[[r["effect"] - lo], [hi - r["effect"]]], fmt="o", color=col,
                            capsize=3)
        ax.set_yticks(range(len(rows)), [f"{c} vs {b} ({p})" if len(set(rows["baseline"])) > 1 else f"{c} ({p})"
                                         for c, b, p in zip(rows["condition"], rows["baseline"], rows["prediction"],
                                                            strict=True)], fontsize=8)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        refs = sorted(set(rows["baseline"]))
        ax.set_title(f"{_label(o)} — effect against {' / '.join(refs)}", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle(f"{res.spec.name}: effects with 95% intervals (grey: within the smallest effect of interest)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def _points(ax: Any, x: Any, value: Any, lo: Any, hi: Any) -> None:
    """Points with their intervals (a missing bound drawn as no bar)."""
    v = np.asarray(value, dtype=np.float64)
    lo = np.where(np.isfinite(np.asarray(lo, dtype=np.float64)), lo, v)
    hi = np.where(np.isfinite(np.asarray(hi, dtype=np.float64)), hi, v)
    ax.errorbar(x, v, yerr=[np.maximum(0, v - lo), np.maximum(0, hi - v)], fmt="o", color="#1f4e79", capsize=3)


def _levels_figure(res: Any):
    plt = _plt()
    lv = res.levels
    outs = list(dict.fromkeys(lv["outcome"]))
    cols = 3
    rows_n = math.ceil(len(outs) / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(13, 3.0 * rows_n), squeeze=False)
    conds = [c.name for c in res.conditions]
    for ax, o in zip(axes.ravel(), outs, strict=False):
        sub = lv[lv["outcome"] == o].set_index("condition").reindex(conds)
        _points(ax, np.arange(len(conds)), sub["value"], sub["ci_low"], sub["ci_high"])
        ax.set_xticks(range(len(conds)), conds, rotation=30, ha="right", fontsize=7)
        ax.set_title(_label(o), fontsize=9)
        ax.set_ylabel(_unit(o), fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
    for ax in axes.ravel()[len(outs):]:
        ax.axis("off")
    fig.suptitle(f"{res.spec.name}: each condition's outcomes ({res.worlds} worlds × {res.years} years, 95% intervals)",
                 fontsize=10)
    fig.tight_layout()
    return fig


def _timeline_figure(res: Any):
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 3.6))
    for k, c in enumerate(res.conditions):
        g = c.system.groupby("year")
        wars = g["wars_started"].mean()
        smooth = wars.rolling(10, min_periods=1, center=True).mean() * 100
        col = _COLOURS[k % len(_COLOURS)]
        a1.plot(smooth.index, smooth.to_numpy(), color=col, label=c.name, lw=1.2)
        con = g["con"].mean()
        a2.plot(con.index, con.to_numpy(), color=col, label=c.name, lw=1.2)
    a1.set_title("wars begun per world-century (10-year moving mean)", fontsize=9)
    a2.set_title("mean concentration CON across worlds", fontsize=9)
    for a in (a1, a2):
        a.set_xlabel("year", fontsize=8)
        a.tick_params(labelsize=8)
    a1.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def _trend_figure(res: Any, t: Any):
    from ..outcomes import outcome

    plt = _plt()
    lv = res.levels[res.levels["outcome"] == t.outcome].set_index("condition")
    pts = [(c.x, c.name) for c in res.spec.conditions if c.x is not None]
    xs = np.array([x for x, _ in pts])
    sub = lv.loc[[n for _, n in pts]]
    v = sub["value"].to_numpy(np.float64)
    fig, ax = plt.subplots(figsize=(7, 4))
    _points(ax, xs, sub["value"], sub["ci_low"], sub["ci_high"])
    deg = 1 if t.shape in ("increasing", "decreasing") else 2
    if np.isfinite(v).all() and len(xs) > deg:
        c = np.polyfit(xs, v, deg)
        grid = np.linspace(xs.min(), xs.max(), 100)
        ax.plot(grid, np.polyval(c, grid), color="#990000", lw=1, label=f"fitted {'line' if deg == 1 else 'quadratic'}")
        ax.legend(fontsize=8)
    for x, n in pts:
        ax.annotate(n, (x, lv.loc[n, "value"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("x (the conditions' axis: see the spec)", fontsize=8)
    ax.set_ylabel(f"{outcome(t.outcome).label} ({outcome(t.outcome).unit})", fontsize=8)
    ax.set_title(f"{res.spec.name}: {t.outcome} against x — predicted {t.shape.replace('_', ' ')}", fontsize=9)
    fig.tight_layout()
    return fig


def _sobol_figure(res: Any):
    plt = _plt()
    df = res.sobol
    outs = list(dict.fromkeys(df["outcome"]))
    fig, axes = plt.subplots(1, len(outs), figsize=(5.5 * len(outs), 3.8), squeeze=False)
    for ax, o in zip(axes[0], outs, strict=True):
        sub = df[df["outcome"] == o]
        params = list(dict.fromkeys(sub["parameter"]))
        for j, ix in enumerate(("S1", "ST")):
            r = sub[sub["index"] == ix].set_index("parameter").reindex(params)
            v = r["value"].to_numpy()
            ax.bar(np.arange(len(params)) + (j - 0.5) * 0.38, v, width=0.38, label=ix,
                   yerr=[v - r["ci_low"].to_numpy(), r["ci_high"].to_numpy() - v], capsize=3,
                   color=("#1f4e79", "#990000")[j])
        ax.set_xticks(range(len(params)), params, fontsize=8, rotation=15)
        ax.set_title(f"Sobol' indices of {_label(o)}", fontsize=9)
        ax.axhline(0, color="#888888", lw=0.8)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _tail_figure(res: Any):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 5))
    tab = res.tail.set_index("sample")
    for k, (name, x) in enumerate(res.tail_sizes.items()):
        x = np.sort(np.asarray(x, dtype=np.float64))
        x = x[np.isfinite(x) & (x > 0)]
        if not len(x) or name not in tab.index:
            continue
        xmin, alpha = float(tab.loc[name, "x_min"]), float(tab.loc[name, "alpha"])
        scale = xmin if math.isfinite(xmin) and xmin > 0 else float(np.median(x))
        ccdf = 1.0 - np.arange(len(x)) / len(x)
        model_colours = [c for c in _COLOURS if c != "#990000"]  # red is COW's
        col = "#990000" if name.startswith("COW") else model_colours[k % len(model_colours)]
        ax.loglog(x / scale, ccdf, ".", ms=3, color=col, label=f"{name} (α = {alpha:.2f})" if math.isfinite(alpha)
                  else name)
        if math.isfinite(alpha):
            frac = float((x >= xmin).mean())
            g = np.logspace(0, np.log10(max(x.max() / scale, 1.0001)), 50)
            ax.loglog(g, frac * g ** (1.0 - alpha), "-", color=col, lw=1)
    ax.set_xlabel("war size / its sample's x_min (model: military units lost; COW: battle deaths)", fontsize=8)
    ax.set_ylabel("P(size ≥ x)", fontsize=8)
    ax.set_title("war sizes: complementary CDF, log-log, with each fitted power-law tail", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _command(res: Any) -> str:
    return (f"neorealism experiment run {res.spec.name} --worlds {res.worlds} --years {res.years} "
            f"--seed {res.seed} --out DIR")


def _page(res: Any) -> Any:
    from ..htmlpage import Page

    spec = res.spec
    page = Page(f"Experiment {spec.name}: {spec.title}",
                f"{res.worlds} worlds per condition × {res.years} years, seed {res.seed}")
    page.heading("Hypothesis")
    page.paragraph(f"{spec.hypothesis.statement} ({spec.hypothesis.source})")
    if spec.hypothesis.rival is not None:
        page.paragraph(f"Rival: {spec.hypothesis.rival.statement} ({spec.hypothesis.rival.source})")
    if spec.predicts:
        page.paragraph(spec.predicts)
    page.heading("Verdicts")
    page.paragraph("Each effect is a condition's outcome minus the baseline's, with a 95% paired bootstrap interval "
                   "over worlds. held: the interval lies on the predicted side of 0 and the effect is at least the "
                   "smallest effect of interest (sesoi); did not hold: the interval rules out an effect of the "
                   "predicted sign as large as the sesoi; otherwise inconclusive. 'none' predicts no effect beyond "
                   "the sesoi (an equivalence test).")
    cls = {"verdict": lambda v: {"held": "held", "did not hold": "did-not-hold"}.get(v, "inconclusive")}
    page.table(res.summary.drop(columns=["experiment"]), classes=cls)
    if res.summary["baseline"].isin([c.name for c in res.conditions]).any():
        page.figure(_effects_figure(res), "effects and their intervals", png="effects.png")
    if res.conditions:
        page.heading("Conditions")
        page.bullets([f"{c.name}: {c.description or 'as the scenario gives it'}"
                      + (f" — set {json.dumps(c.set)}" if c.set else "")
                      + (f" — states {json.dumps(c.states)}" if c.states else "")
                      + (f" — x = {c.x:g}" if c.x is not None else "") for c in spec.conditions])
        page.figure(_levels_figure(res), "each condition's outcomes", png="levels.png")
        wide = res.levels.pivot(index="outcome", columns="condition", values="value")
        wide = wide.reindex(index=list(dict.fromkeys(res.levels["outcome"])), columns=[c.name for c in res.conditions])
        page.table(wide.reset_index())
        page.figure(_timeline_figure(res), "wars and concentration over time", png="timeline.png")
    for t in spec.trends:
        page.heading(f"Trend: {t.outcome}")
        page.figure(_trend_figure(res, t), f"{t.outcome} against x", png=f"trend-{t.outcome}.png")
        if t.note:
            page.paragraph(t.note)
    if res.sobol is not None:
        s = spec.sensitivity
        page.heading("Global sensitivity (Sobol' indices, SALib)")
        page.paragraph(f"{res.sobol.attrs.get('points')} parameter points (Saltelli's scheme, base N = {s.samples}) × "
                       f"{s.worlds_per_point} worlds × {res.sobol.attrs.get('years')} years; ranges: "
                       + "; ".join(f"{p} ∈ [{lo:g}, {hi:g}]" for p, (lo, hi) in s.parameters.items())
                       + ". S1: the share of the outcome's variance due to the parameter alone; ST: with all its "
                       "interactions. Intervals: SALib's bootstrap (95%).")
        page.table(res.sobol)
        page.figure(_sobol_figure(res), "Sobol' indices", png="sobol.png")
    if res.tail is not None:
        page.heading("War sizes")
        page.paragraph("Power-law tails fitted as Clauset, Shalizi & Newman (2009) do (continuous MLE, x_min by the "
                       "KS distance); intervals from a bootstrap over worlds (model) or wars (COW). For COW's "
                       "inter-state wars Clauset (2018) reports α ≈ 1.53 ± 0.07 above about 7,000 battle deaths. "
                       "The exponent is scale-free, so the model's sizes (military units lost) and COW's (battle "
                       "deaths) are compared by α alone.")
        page.table(res.tail)
        page.figure(_tail_figure(res), "war sizes, log-log CCDF", png="war-sizes.png")
    if spec.caveats or res.notes:
        page.heading("Caveats")
        page.bullets(list(spec.caveats) + list(res.notes))
    page.heading("Reproduce")
    page.code(_command(res))
    return page


def write_experiment(res: Any, out: Any, overwrite: bool = False) -> Path:
    """Write the experiment's files into ``out`` (all of them or none) and return the folder."""
    import yaml

    from .. import __version__
    from ..output import atomic_file_set, atomic_write_csv, atomic_write_text

    out = Path(out)
    _check_folder(out, overwrite)
    previous: set[str] = set()
    if (out / MANIFEST).is_file():
        try:
            previous = set(json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("files", []))
        except (OSError, ValueError, AttributeError):
            previous = set()
    page = _page(res)
    names = ["summary.csv", "conditions.csv", "worlds.parquet", "system.parquet", "wars.parquet", "spec.yaml",
             "report.html", *(n for n, _ in page.pngs)]
    if res.sobol is not None:
        names += ["sobol.csv", "sobol-points.parquet"]
    if res.tail is not None:
        names.append("tail.csv")
    names.append(MANIFEST)
    with atomic_file_set(out, names, overwrite=True) as f:
        atomic_write_csv(f["summary.csv"], res.summary, float_format="%.6g")
        atomic_write_csv(f["conditions.csv"], res.levels, float_format="%.6g")
        res.world_values().to_parquet(f["worlds.parquet"], index=False)
        sysdf = pd.concat([c.system.assign(condition=c.name) for c in res.conditions], ignore_index=True) \
            if res.conditions else pd.DataFrame({"condition": []})
        sysdf.to_parquet(f["system.parquet"], index=False)
        wars = pd.concat([c.wars.assign(condition=c.name) for c in res.conditions], ignore_index=True) \
            if res.conditions else pd.DataFrame({"condition": []})
        wars.to_parquet(f["wars.parquet"], index=False)
        atomic_write_text(f["spec.yaml"], yaml.safe_dump(res.spec.model_dump(mode="json"), sort_keys=False,
                                                         allow_unicode=True))
        atomic_write_text(f["report.html"], page.html())
        for name, data in page.pngs:
            f[name].write_bytes(data)
        if res.sobol is not None:
            atomic_write_csv(f["sobol.csv"], res.sobol, float_format="%.6g")
            pts = pd.DataFrame(res.sobol.attrs["X"], columns=list(res.spec.sensitivity.parameters))
            for n, y in res.sobol.attrs["Y"].items():
                pts[n] = y
            pts.to_parquet(f["sobol-points.parquet"], index=False)
        if res.tail is not None:
            atomic_write_csv(f["tail.csv"], res.tail, float_format="%.6g")
        atomic_write_text(f[MANIFEST], json.dumps({
            "experiment": res.spec.name, "worlds": res.worlds, "years": res.years, "seed": res.seed,
            "version": __version__, "conditions": [c.name for c in res.conditions],
            "files": sorted(n for n in names if n != MANIFEST),
        }, indent=2) + "\n")
    for stale in previous - set(names):  # an earlier experiment's files this one does not write
        if "/" not in stale and not stale.startswith("."):
            (out / stale).unlink(missing_ok=True)
    return out
