"""Running an experiment: every condition's worlds, batched where the model allows it, measured world by world.

Conditions that share a scenario and differ only in parameters run
in one batch, the parameters varying across its worlds (``per_world``:
each world identical to a run of its point alone).  World *i* of every
condition has world id *i*, so it runs on the same random streams in every
condition — common random numbers (Law 2015, ch. 11), which make the
paired comparison of :mod:`.analysis` tighter — and a condition's worlds
are the same whether it runs batched with others or alone, in any chunks.

The global sensitivity analysis (``sensitivity``) runs SALib's Sobol'
sample (Saltelli 2002; Sobol' 2001) as one batch of worlds, each sample
point a parameter point of ``worlds_per_point`` worlds with the same ids
at every point.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import NeorealismError, ParameterError, SpecError
from . import analysis
from .spec import ExperimentSpec, condition_scenario, resolve_scenario

__all__ = ["CONTEXT_OUTCOMES", "ConditionRun", "ExperimentResult", "run_experiment"]

#: Outcomes measured in every condition for the report, beside the spec's own.
CONTEXT_OUTCOMES = ("wars", "gp_wars", "gp_survival", "minor_survival", "state_deaths", "arms_burden",
                    "alliances_formed")
#: System measures kept per world-year (the results' system table).
SYSTEM_COLUMNS = ("n_alive", "n_great_powers", "polarity", "con", "hhi", "wars_started", "alliances")
#: Most worlds of one batch (all its conditions together) when no chunk size is given.
DEFAULT_BATCH_WORLDS = 1000


@dataclass
class ConditionRun:
    """What one condition's worlds gave: per-world (numerator, denominator) of each outcome, system rows, wars."""

    name: str
    scenario: Any
    values: dict[str, tuple[np.ndarray, np.ndarray]]
    system: pd.DataFrame
    wars: pd.DataFrame


@dataclass
class ExperimentResult:
    """An experiment's runs and analysis; :meth:`write` puts them in a folder with the report."""

    spec: ExperimentSpec
    worlds: int
    years: int
    seed: int
    conditions: list[ConditionRun]
    summary: pd.DataFrame
    levels: pd.DataFrame
    sobol: pd.DataFrame | None = None
    tail: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    tail_sizes: dict[str, np.ndarray] = field(default_factory=dict)

    def condition(self, name: str) -> ConditionRun:
        return next(c for c in self.conditions if c.name == name)

    def world_values(self) -> pd.DataFrame:
        """One row per condition, world and outcome: the numerator and denominator."""
        rows = []
        for c in self.conditions:
            for o, (num, den) in c.values.items():
                rows.append(pd.DataFrame({"experiment": self.spec.name, "condition": c.name,
                                          "world": np.arange(len(num), dtype=np.int64), "outcome": o,
                                          "num": num, "den": den}))
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()

    def write(self, out: Any, overwrite: bool = False) -> Any:
        from .output import write_experiment

        return write_experiment(self, out, overwrite=overwrite)


# --------------------------------------------------------------------------- planning


def _flat_params(sc: Any) -> dict[str, Any]:
    return {f"{g}.{k}": v for g, d in sc.params.model_dump(mode="json").items() for k, v in d.items()}


def _structure_key(sc: Any) -> str:
    d = sc.model_dump(mode="json")
    d.pop("params", None)
    for k in ("name", "description", "worlds", "seed", "years", "source"):
        d.pop(k, None)
    return json.dumps(d, sort_keys=True)


def _groups(scs: list[Any]) -> list[tuple[list[int], list[str]]]:
    """Conditions that can share a batch (same structure): (condition indices, parameter paths varying among them).

    Any parameter — number, switch or choice — can vary across a batch's worlds (``per_world``)."""
    by_key: dict[str, list[int]] = {}
    for i, sc in enumerate(scs):
        by_key.setdefault(_structure_key(sc), []).append(i)
    out = []
    for idx in by_key.values():
        flats = [_flat_params(scs[i]) for i in idx]
        out.append((idx, sorted(k for k in flats[0] if len({json.dumps(f[k]) for f in flats}) > 1)))
    return out


def _batch_size(sc: Any, years: int, n_conditions: int, chunk_size: int | None) -> int:
    from ..api import memory_chunk_size

    fits = max(1, memory_chunk_size(sc.n_states, years, "all") // n_conditions)
    want = chunk_size if chunk_size is not None else max(1, DEFAULT_BATCH_WORLDS // n_conditions)
    return max(1, min(want, fits))


def _run_block(sc: Any, streams: np.ndarray, years: int, seed: int, per_world: dict[str, np.ndarray] | None,
               progress: Callable[[int], None] | None) -> Any:
    """Tables of one batch of worlds drawing on the random streams ``streams`` (repeated across conditions:
    common random numbers); the tables' ``world`` is the position in the batch."""
    from .. import engine

    traj = engine.run_batch(sc, np.arange(len(streams), dtype=np.int64), years, seed, per_world=per_world or None,
                            record_states="all", progress=progress, stream_ids=streams)
    return engine.to_tables(traj, sc, states="all")


class _Slice:
    """The rows of worlds [lo, lo + n) of a batch's tables, renumbered from 0."""

    def __init__(self, t: Any, lo: int, n: int):
        def cut(df: pd.DataFrame) -> pd.DataFrame:
            w = df["world"].to_numpy()
            part = df[(w >= lo) & (w < lo + n)].copy()
            part["world"] = part["world"] - lo
            return part

        self.states, self.system, self.events = cut(t.states), cut(t.system), cut(t.events)
        self.scenario = t.scenario


def _wars(t: Any, offset: int) -> pd.DataFrame:
    ev = t.events
    e = ev[ev["event"].astype(str) == "war_end"]
    return pd.DataFrame({"world": e["world"].to_numpy(np.int64) + offset, "year": e["year"].to_numpy(np.int64),
                         "war_id": e["war_id"].to_numpy(np.int64), "size": e["losses"].to_numpy(np.float64)})


# --------------------------------------------------------------------------- running


def run_experiment(
    spec: ExperimentSpec,
    *,
    worlds: int | None = None,
    years: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    source: str = "",
) -> ExperimentResult:
    """Run every condition (and the sensitivity analysis) of ``spec`` and analyse them.

    ``worlds``, ``years`` and ``seed`` default to the spec's.  ``chunk_size``
    bounds the worlds per condition in one batch (results do not depend on
    it).  ``progress`` is called with the world-years just completed.
    """
    src = source or spec.name
    R = spec.worlds if worlds is None else worlds
    T = spec.years if years is None else years
    S = spec.seed if seed is None else seed
    for name, v, hi in (("worlds", R, 10_000_000), ("years", T, 10_000), ("seed", S, 2**63 - 1)):
        if isinstance(v, bool) or not isinstance(v, int) or not ((0 if name == "seed" else 1) <= v <= hi):
            raise ParameterError(f"{name} = {v!r}: allowed {0 if name == 'seed' else 1} ≤ {name} ≤ {hi}", field=name)
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1):
        raise ParameterError(f"chunk_size = {chunk_size!r}: allowed chunk_size ≥ 1", field="chunk_size")

    # every scenario is built and checked before anything runs
    scs = [condition_scenario(spec, c, src) for c in spec.conditions]
    sens_plan = _plan_sensitivity(spec, src) if spec.sensitivity is not None else None

    names = _outcome_names(spec)
    runs: list[ConditionRun | None] = [None] * len(scs)
    for idx, varying in _groups(scs):
        _run_group(spec, scs, idx, varying, names, R, T, S, chunk_size, progress, runs)
    conditions = [r for r in runs if r is not None]

    notes: list[str] = []
    # one set of bootstrap resamples of world positions, shared by every effect, level and trend (paired)
    boot = analysis.indices(R, analysis.rng_for(S, spec.name, "bootstrap"))
    summary_rows, level_rows = _compare(spec, conditions, boot)
    summary_rows += _trends(spec, conditions, boot)
    tail_df, tail_sizes = None, {}
    if spec.tail is not None:
        rows, tail_df, tail_sizes = _tail(spec, conditions, S)
        summary_rows += rows
    sobol_df = None
    if sens_plan is not None:
        rows, sobol_df, n = _sensitivity(spec, sens_plan, T, S, chunk_size, progress)
        summary_rows += rows
        if n:
            notes.append(f"sensitivity: {n} sample points had no denominator for an outcome; set to the mean")
    cols = ["experiment", "outcome", "condition", "baseline", "prediction", "sesoi", "effect", "ci_low", "ci_high",
            "verdict"]
    summary = pd.DataFrame(summary_rows, columns=cols)
    levels = pd.DataFrame(level_rows, columns=["experiment", "condition", "outcome", "value", "ci_low", "ci_high",
                                               "n_worlds"])
    return ExperimentResult(spec, R, T, S, conditions, summary, levels, sobol_df, tail_df, notes, tail_sizes)


def _outcome_names(spec: ExperimentSpec) -> list[str]:
    names = list(dict.fromkeys([o.name for o in spec.outcomes] + [t.outcome for t in spec.thresholds]
                               + [t.outcome for t in spec.trends] + list(spec.measures)
                               + list(CONTEXT_OUTCOMES)))
    return names


def _run_group(spec, scs, idx, varying, names, R, T, S, chunk_size, progress, runs) -> None:
    from ..outcomes import measure

    base = scs[idx[0]]
    C = len(idx)
    n_per = _batch_size(base, T, C, chunk_size)
    flats = [_flat_params(scs[i]) for i in idx]
    acc: list[dict[str, list[tuple[np.ndarray, np.ndarray]]]] = [{n: [] for n in names} for _ in idx]
    systems: list[list[pd.DataFrame]] = [[] for _ in idx]
    wars: list[list[pd.DataFrame]] = [[] for _ in idx]
    for lo in range(0, R, n_per):
        n = min(R, lo + n_per) - lo
        ids = np.tile(np.arange(lo, lo + n, dtype=np.int64), C)
        pw = {k: np.repeat(np.array([f[k] for f in flats]), n) for k in varying}
        try:
            t = _run_block(base, ids, T, S, pw, progress)
        except ParameterError as exc:
            raise SpecError(spec.name, [f"conditions ({', '.join(spec.conditions[i].name for i in idx)}): {exc}"]) from None
        for j in range(C):
            part = _Slice(t, j * n, n)
            for name, (num, den) in measure(part, names, n, T).items():
                acc[j][name].append((num, den))
            sysdf = part.system[["world", "year", *SYSTEM_COLUMNS]].copy()
            sysdf["world"] = sysdf["world"] + lo
            systems[j].append(sysdf)
            wars[j].append(_wars(part, lo))
    for j, i in enumerate(idx):
        values = {k: (np.concatenate([a for a, _ in v]), np.concatenate([b for _, b in v])) for k, v in acc[j].items()}
        runs[i] = ConditionRun(spec.conditions[i].name, scs[i], values,
                               pd.concat(systems[j], ignore_index=True), pd.concat(wars[j], ignore_index=True))


# --------------------------------------------------------------------------- analysis


def _compare(spec: ExperimentSpec, conds: list[ConditionRun], idx: np.ndarray) -> tuple[list[list], list[list]]:
    from ..outcomes import outcome

    summary, levels = [], []
    if not conds:
        return summary, levels
    for c in conds:
        for name, (num, den) in c.values.items():
            p, lo, hi = analysis.level_interval(num, den, outcome(name).scale, idx)
            levels.append([spec.name, c.name, name, p, lo, hi, len(num)])
    by_name = {c.name: c for c in conds}
    refs = {c.name: spec.reference(c) for c in spec.conditions}
    for o in spec.outcomes:
        sc = outcome(o.name).scale
        for c in conds:
            ref = refs[c.name]
            if ref is None or (isinstance(o.predict, dict) and c.name not in o.predict):
                continue  # the baseline, or a condition this outcome makes no prediction for
            e, lo, hi = analysis.effect_interval(by_name[ref].values[o.name], c.values[o.name], sc, idx)
            pred = spec.prediction(o, c.name)
            summary.append([spec.name, o.name, c.name, ref, pred, o.sesoi, e, lo, hi,
                            analysis.verdict(e, lo, hi, pred, o.sesoi)])
    for t in spec.thresholds:
        num, den = by_name[t.condition].values[t.outcome]
        p, lo, hi = analysis.level_interval(num, den, outcome(t.outcome).scale, idx)
        e, lo, hi = p - t.value, lo - t.value, hi - t.value
        summary.append([spec.name, t.outcome, t.condition, f"the level {t.value:g}", t.predict, t.sesoi, e, lo, hi,
                        analysis.verdict(e, lo, hi, t.predict, t.sesoi)])
    return summary, levels


def _trends(spec: ExperimentSpec, conds: list[ConditionRun], idx: np.ndarray) -> list[list]:
    from ..outcomes import outcome

    rows = []
    with_x = [(c, sc.x) for c, sc in zip(conds, spec.conditions, strict=True) if sc.x is not None]
    for t in spec.trends:
        xs = [x for _, x in with_x]
        pairs = [c.values[t.outcome] for c, _ in with_x]
        e, lo, hi = analysis.trend_effect(xs, pairs, outcome(t.outcome).scale, t.shape, idx)
        pred = analysis.trend_prediction(t.shape)
        rows.append([spec.name, t.outcome, f"trend: {t.shape.replace('_', ' ')} in x", "", pred, t.sesoi, e, lo, hi,
                     analysis.verdict(e, lo, hi, pred, t.sesoi)])
    return rows


def cow_war_sizes() -> np.ndarray:
    """Battle deaths of every COW inter-state war (summed over its participants)."""
    from ..scorecard import _cow_war_sizes

    return _cow_war_sizes(None)["size"].dropna().to_numpy(np.float64)


def _tail(spec: ExperimentSpec, conds: list[ConditionRun], S: int):
    from ..scorecard import power_law_samples

    t = spec.tail
    cow = cow_war_sizes()
    fit_c, samp_c = power_law_samples([np.array([v]) for v in cow], analysis.rng_for(S, spec.name, "tail", "cow"))
    rows, table = [], []
    lo_c, hi_c = analysis._pct(samp_c, analysis.LEVEL) if len(samp_c) else (math.nan, math.nan)
    table.append(["COW inter-state wars", fit_c.alpha, lo_c, hi_c, fit_c.x_min, fit_c.n_tail, fit_c.n, "battle deaths"])
    sizes = {"COW inter-state wars": cow}
    for c in conds:
        if t.conditions and c.name not in t.conditions:
            continue
        w = c.wars[np.isfinite(c.wars["size"]) & (c.wars["size"] > 0)]
        groups = [g["size"].to_numpy() for _, g in w.groupby("world")]
        groups += [np.array([])] * max(0, int(c.wars["world"].max() + 1 if len(c.wars) else 0) - len(groups))
        fit, samp = power_law_samples(groups, analysis.rng_for(S, spec.name, "tail", c.name))
        lo, hi = analysis._pct(samp, analysis.LEVEL) if len(samp) else (math.nan, math.nan)
        table.append([c.name, fit.alpha, lo, hi, fit.x_min, fit.n_tail, fit.n, "military units lost"])
        sizes[c.name] = w["size"].to_numpy()
        if len(samp) and len(samp_c):
            e = fit.alpha - fit_c.alpha
            d_lo, d_hi = analysis._pct(samp - samp_c[: len(samp)], analysis.LEVEL)
        else:
            e, d_lo, d_hi = math.nan, math.nan, math.nan
        rows.append([spec.name, "tail_alpha", c.name, "COW inter-state wars", t.predict, t.sesoi, e, d_lo, d_hi,
                     analysis.verdict(e, d_lo, d_hi, t.predict, t.sesoi)])
    df = pd.DataFrame(table, columns=["sample", "alpha", "ci_low", "ci_high", "x_min", "n_tail", "n", "size_unit"])
    return rows, df, sizes


# --------------------------------------------------------------------------- global sensitivity


@dataclass
class _SensPlan:
    scenario: Any
    names: list[str]
    bounds: list[list[float]]
    X: np.ndarray


def _plan_sensitivity(spec: ExperimentSpec, src: str) -> _SensPlan:
    from .. import api

    s = spec.sensitivity
    sc = resolve_scenario(s.scenario if s.scenario is not None else spec.scenario, "sensitivity.scenario", src)
    for path, (lo, hi) in s.parameters.items():
        for v in (lo, hi):
            try:
                api.with_overrides(sc, {path: v})
            except NeorealismError as exc:
                raise SpecError(src, [f"sensitivity.parameters.{path}: {exc}"]) from None
    try:
        from SALib.sample import sobol as sobol_sample
    except ImportError as exc:  # pragma: no cover - a dependency
        raise SpecError(src, [f"sensitivity needs SALib ({exc})"]) from None
    names = list(s.parameters)
    bounds = [list(map(float, s.parameters[p])) for p in names]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    X = sobol_sample.sample(problem, s.samples, calc_second_order=False, scramble=True,
                            seed=int(analysis.rng_for(spec.seed, spec.name, "sobol").integers(2**31)))
    return _SensPlan(sc, names, bounds, X)


def _sensitivity(spec: ExperimentSpec, plan: _SensPlan, T: int, S: int, chunk_size: int | None,
                 progress: Callable[[int], None] | None):
    from SALib.analyze import sobol as sobol_analyze

    from ..outcomes import measure, outcome

    s = spec.sensitivity
    Ts = s.years if s.years is not None else T
    k = s.worlds_per_point
    P = len(plan.X)
    names = [o.name for o in s.outcomes]
    per_point = max(1, _batch_size(plan.scenario, Ts, k, chunk_size))
    Y = {n: np.full(P, math.nan) for n in names}
    for lo in range(0, P, per_point):
        hi = min(P, lo + per_point)
        ids = np.tile(np.arange(k, dtype=np.int64), hi - lo)
        pw = {p: np.repeat(plan.X[lo:hi, j], k) for j, p in enumerate(plan.names)}
        try:
            t = _run_block(plan.scenario, ids, Ts, S, pw, progress)
        except ParameterError as exc:
            raise SpecError(spec.name, [f"sensitivity: {exc}"]) from None
        vals = measure(t, names, len(ids), Ts)
        for n, (num, den) in vals.items():
            nn, dd = num.reshape(hi - lo, k).sum(axis=1), den.reshape(hi - lo, k).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                Y[n][lo:hi] = np.where(dd > 0, nn / np.where(dd > 0, dd, 1), np.nan) * outcome(n).scale
    problem = {"num_vars": len(plan.names), "names": plan.names, "bounds": plan.bounds}
    rows, table, filled = [], [], 0
    for o in s.outcomes:
        y = Y[o.name].copy()
        bad = ~np.isfinite(y)
        filled += int(bad.sum())
        if bad.all():
            y[:] = 0.0
        elif bad.any():
            y[bad] = float(np.nanmean(y))
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=1000, conf_level=analysis.LEVEL,
                                    seed=int(analysis.rng_for(S, spec.name, "sobol", o.name).integers(2**31)),
                                    print_to_console=False)
        for j, p in enumerate(plan.names):
            for ix in ("S1", "ST"):
                v, conf = float(res[ix][j]), float(res[f"{ix}_conf"][j])
                table.append([o.name, p, ix, v, v - conf, v + conf])
            v, conf = float(res[o.index][j]), float(res[f"{o.index}_conf"][j])
            pred = o.predict.get(p)
            if pred is not None:
                lo_, hi_ = v - conf, v + conf
                rows.append([spec.name, o.name, f"{o.index} {p}", "sensitivity", pred, o.sesoi, v, lo_, hi_,
                             analysis.verdict(v, lo_, hi_, pred, o.sesoi)])
    df = pd.DataFrame(table, columns=["outcome", "parameter", "index", "value", "ci_low", "ci_high"])
    df.attrs["points"] = P
    df.attrs["worlds_per_point"] = k
    df.attrs["years"] = Ts
    df.attrs["Y"] = {n: Y[n] for n in names}
    df.attrs["X"] = plan.X
    return rows, df, filled


def total_world_years(spec: ExperimentSpec, worlds: int | None = None, years: int | None = None) -> int:
    """World-years an experiment simulates (for a progress bar)."""
    R = spec.worlds if worlds is None else worlds
    T = spec.years if years is None else years
    n = R * T * len(spec.conditions)
    if spec.sensitivity is not None:
        s = spec.sensitivity
        n += s.samples * (len(s.parameters) + 2) * s.worlds_per_point * (s.years if s.years is not None else T)
    return n
