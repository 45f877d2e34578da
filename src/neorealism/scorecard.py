"""The model scorecard: the model's stylized facts beside the Correlates of War record.

:func:`scorecard` runs the built-in ``multipolar``, ``bipolar`` and
``unipolar`` scenarios (and each once more with war switched off) and
measures eight stylized facts on both sides with the project's own code:
the simulated side from the run's states, system and events tables, the
real side from the data layer (:mod:`neorealism.data`: COW wars, the
conventional eras, great powers, state-system membership, capabilities,
alliances).  Each structure is set beside its era of the record
(:data:`neorealism.data.history.CONVENTIONAL_ERAS`: multipolar to 1945,
bipolar 1946–1991, unipolar from 1992).  The calibration era is the
multipolar one (1816–1945); bipolar and unipolar rows are out of sample.

Every figure has an interval (:data:`LEVEL`, 95 %): for the model a
percentile bootstrap over worlds (Efron & Tibshirani 1993) with a seeded
generator, widened to the exact interval of the pooled counts where that
is wider (:func:`model_rate`; rare events), for COW exact Poisson (Garwood 1936) or binomial (Clopper &
Pearson 1934) intervals, or a bootstrap over wars for the tail exponent.
A row is ``in`` when the model's point estimate lies inside COW's
interval, ``out`` when it does not, ``n/a`` when either side has no figure.

The facts (``FACTS``; definitions in ``docs/scorecard.md``):

- ``gp_wars``: wars between great powers per century (Levy 1983; COW's
  major-power list and ``neorealism data wars --by era`` for the record);
- ``initiator_wins``: share of decided wars won by the initiator (Wang &
  Ray 1994 find about two in three in the record);
- ``state_deaths``: state deaths per state per century (Fazal 2007);
- ``tail_alpha``: the power-law exponent of war sizes (Richardson 1948,
  1960; Cederman 2003), fitted as Clauset, Shalizi & Newman (2009) do;
- ``negative_eu``: share of wars whose initiator expected a loss (model
  only; the rationalist account, Fearon 1995, expects none);
- ``hhi_drift``: median change of HHI over the run with war switched off
  (model only);
- ``balancing``: share of rising states that draw a new alliance among
  the states they threaten within a few years (Waltz 1979, ch. 6; Walt 1987);
- ``unipolar_exit``: exits from unipolarity per century of unipolar years
  (Wohlforth 1999; Monteiro 2014).
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import fmath

__all__ = [
    "FACTS",
    "LEVEL",
    "STRUCTURES",
    "FactRow",
    "PowerLawFit",
    "Scorecard",
    "binomial_interval",
    "bootstrap_ratio",
    "bootstrap_stat",
    "model_rate",
    "cow_facts",
    "fit_power_law",
    "model_facts",
    "poisson_interval",
    "power_law_interval",
    "power_law_samples",
    "scorecard",
]

#: Coverage of every interval.
LEVEL = 0.95
#: Bootstrap replicates (model: over worlds; COW tail exponent: over wars).
BOOTSTRAP = 1000
#: Fewer replicates for the tail exponent (each refits x_min): still a stable 95 % interval.
BOOTSTRAP_TAIL = 300
#: The structures compared: (built-in scenario, COW conventional era, calibration?).
STRUCTURES: tuple[tuple[str, str, bool], ...] = (
    ("multipolar", "multipolar", True),
    ("bipolar", "bipolar", False),
    ("unipolar", "unipolar", False),
)
#: fact key → (label, unit).
FACTS: dict[str, tuple[str, str]] = {
    "gp_wars": ("great-power wars per century", "wars / century"),
    "initiator_wins": ("decided wars won by the initiator", "share"),
    "state_deaths": ("state deaths per state per century", "deaths / (state · century)"),
    "tail_alpha": ("tail exponent α of war sizes", "α (pdf ∝ x^−α)"),
    "negative_eu": ("wars whose initiator expected a loss", "share"),
    "hhi_drift": ("median ΔHHI over the run, war off", "ΔHHI"),
    "balancing": ("rising states that draw a balancing alliance", "share"),
    "unipolar_exit": ("exits from unipolarity per unipolar century", "exits / century"),
}
#: A rising state: its power share grows by at least RISE_X (relative) over RISE_Y years ...
RISE_X = 0.25
RISE_Y = 10
#: ... from a share of at least RISE_MIN_SHARE at the end of the rise (no micro-states) ...
RISE_MIN_SHARE = 0.02
#: ... and it draws balancing when a new alliance forms among the states it threatens during the rise
#: or within RISE_Z years after it.
RISE_Z = 5
#: Fewest wars in a power-law tail.
MIN_TAIL = 10
#: Most candidate x_min values tried per fit (evenly spaced among the data's distinct values).
MAX_XMIN_CANDIDATES = 150
#: COW direct contiguity types counted as "near" (1 land … 4 ≤ 150 miles of water).
NEAR_CONTIGUITY = 4
#: Event kinds of the alliances mechanism read as "a new alliance" (if the model emits them).
ALLIANCE_KINDS = ("alliance_formed", "alliance_joined")
#: Event fields that may name the state an alliance is formed against, and its members.
THREAT_FIELDS = ("against", "threat", "target", "rival", "opponent")
MEMBER_FIELDS = ("state", "partner", "ally", "member", "other", "joiner")

_CALIBRATION, _OUT = "calibration", "out of sample"


# --------------------------------------------------------------------------- intervals


def _alpha(level: float) -> float:
    return 1.0 - float(level)


def poisson_interval(k: float, exposure: float = 1.0, level: float = LEVEL) -> tuple[float, float]:
    """Exact (Garwood 1936) interval of a Poisson rate: ``k`` events in ``exposure`` units."""
    from scipy.stats import chi2

    a = _alpha(level)
    lo = 0.0 if k <= 0 else float(chi2.ppf(a / 2, 2 * k)) / 2
    hi = float(chi2.ppf(1 - a / 2, 2 * k + 2)) / 2
    return lo / exposure, hi / exposure


def binomial_interval(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Exact (Clopper & Pearson 1934) interval of a proportion ``k`` of ``n`` (NaN for n = 0)."""
    from scipy.stats import beta

    if n <= 0:
        return math.nan, math.nan
    a = _alpha(level)
    lo = 0.0 if k <= 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k >= n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def _percentiles(samples: np.ndarray, level: float) -> tuple[float, float]:
    s = np.asarray(samples, dtype=np.float64)
    s = s[np.isfinite(s)]
    if not len(s):
        return math.nan, math.nan
    a = _alpha(level)
    lo, hi = np.quantile(s, [a / 2, 1 - a / 2])
    return float(lo), float(hi)


def bootstrap_ratio(
    num: Any, den: Any, rng: np.random.Generator, level: float = LEVEL, reps: int = BOOTSTRAP
) -> tuple[float, float, float]:
    """Σnum / Σden over worlds, with a percentile bootstrap interval resampling worlds.

    ``num`` and ``den`` hold one value per world.  Returns (point, lo, hi);
    NaN when Σden is 0.
    """
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    if not len(num) or den.sum() <= 0:
        return math.nan, math.nan, math.nan
    point = float(num.sum() / den.sum())
    idx = rng.integers(0, len(num), size=(reps, len(num)))
    d = den[idx].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(d > 0, num[idx].sum(axis=1) / d, np.nan)
    return (point, *_percentiles(r, level))


def model_rate(
    num: Any, den: Any, rng: np.random.Generator, level: float = LEVEL, kind: str = "poisson", scale: float = 1.0,
) -> tuple[float, float, float]:
    """A model rate Σnum / Σden × ``scale``: the wider of the bootstrap over worlds and the exact interval.

    The bootstrap over worlds carries the differences between worlds; the
    exact interval of the pooled counts (``kind`` ``poisson``: events in an
    exposure; ``binomial``: successes of trials) keeps rare events honest,
    where a bootstrap degenerates (0 of 5 rises, or every exit in one world,
    give an interval of one point).
    """
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    p, lo, hi = bootstrap_ratio(num, den, rng, level)
    if not math.isfinite(p):
        return p, lo, hi
    k, n = float(num.sum()), float(den.sum())
    e_lo, e_hi = binomial_interval(int(round(k)), int(round(n)), level) if kind == "binomial" else poisson_interval(k, n, level)
    return p * scale, min(lo, e_lo) * scale, max(hi, e_hi) * scale


def bootstrap_stat(
    values: Any, stat: Callable[[np.ndarray], Any], rng: np.random.Generator,
    level: float = LEVEL, reps: int = BOOTSTRAP,
) -> tuple[float, float, float]:
    """``stat`` of one value per world, with a percentile bootstrap interval resampling worlds."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return math.nan, math.nan, math.nan
    idx = rng.integers(0, len(v), size=(reps, len(v)))
    samples = np.asarray(stat(v[idx]), dtype=np.float64)
    return (float(stat(v[None, :])[0]), *_percentiles(samples, level))


# --------------------------------------------------------------------------- power-law tail


@dataclass(frozen=True)
class PowerLawFit:
    """A continuous power-law tail p(x) ∝ x^−α for x ≥ x_min (NaN when too few data)."""

    alpha: float
    x_min: float
    n_tail: int
    n: int
    ks: float


def fit_power_law(x: Any, min_tail: int = MIN_TAIL, max_candidates: int = MAX_XMIN_CANDIDATES) -> PowerLawFit:
    """Clauset, Shalizi & Newman (2009): continuous MLE of α with x_min chosen by the KS distance.

    For each candidate x_min (a distinct data value leaving at least
    ``min_tail`` points; at most ``max_candidates`` of them, evenly spaced)
    α̂ = 1 + n / Σ ln(x_i / x_min) over the n points ≥ x_min, and the
    Kolmogorov–Smirnov distance between the tail's empirical CDF and the
    fitted one, 1 − (x / x_min)^(1−α̂); the x_min with the smallest distance
    is kept.  Non-positive and non-finite values are dropped.
    """
    v = np.asarray(x, dtype=np.float64)
    v = np.sort(v[np.isfinite(v) & (v > 0)])
    n = len(v)
    nan = PowerLawFit(math.nan, math.nan, 0, n, math.nan)
    if n < max(2, min_tail):
        return nan
    logs = fmath.log(v)
    suffix = np.cumsum(logs[::-1])[::-1]  # suffix[k] = Σ_{i ≥ k} ln x_i
    _, first = np.unique(v, return_index=True)
    cand = first[n - first >= min_tail]
    if not len(cand):
        return nan
    if len(cand) > max_candidates:
        cand = cand[np.unique(np.linspace(0, len(cand) - 1, max_candidates).round().astype(np.int64))]
    best = nan
    for k in cand:
        m = n - k
        denom = suffix[k] - m * logs[k]
        if denom <= 0:
            continue
        a = 1.0 + m / denom
        tail = v[k:]
        fit = 1.0 - (tail / v[k]) ** (1.0 - a)
        steps = np.arange(m + 1) / m
        d = float(max(np.abs(steps[1:] - fit).max(), np.abs(steps[:-1] - fit).max()))
        if not math.isfinite(best.ks) or d < best.ks:
            best = PowerLawFit(float(a), float(v[k]), int(m), n, d)
    return best


def power_law_samples(
    groups: Sequence[np.ndarray], rng: np.random.Generator, reps: int = BOOTSTRAP_TAIL,
) -> tuple[PowerLawFit, np.ndarray]:
    """The fit of all ``groups`` pooled, and ``reps`` bootstrap replicates of α resampling the groups (x_min refitted).

    A group is a world's war sizes (model) or one war's size (COW).  The
    replicates are empty when the pooled data have no tail.
    """
    arrs = [np.asarray(g, dtype=np.float64).ravel() for g in groups]
    fit = fit_power_law(np.concatenate(arrs) if arrs else np.array([]))
    if not math.isfinite(fit.alpha):
        return fit, np.array([])
    flat = np.concatenate(arrs)
    lengths = np.array([len(a) for a in arrs])
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    samples = np.empty(reps)
    for b in range(reps):
        pick = rng.integers(0, len(arrs), size=len(arrs))
        ln = lengths[pick]
        idx = np.repeat(starts[pick], ln) + (np.arange(ln.sum()) - np.repeat(np.cumsum(ln) - ln, ln))
        samples[b] = fit_power_law(flat[idx]).alpha
    return fit, samples


def power_law_interval(
    groups: Sequence[np.ndarray], rng: np.random.Generator, level: float = LEVEL, reps: int = BOOTSTRAP_TAIL,
) -> tuple[PowerLawFit, float, float]:
    """The fit of all ``groups`` pooled, and a bootstrap interval of α resampling the groups (x_min refitted).

    A group is a world's war sizes (model) or one war's size (COW).
    """
    fit, samples = power_law_samples(groups, rng, reps)
    if not len(samples):
        return fit, math.nan, math.nan
    return (fit, *_percentiles(samples, level))


# --------------------------------------------------------------------------- rows


@dataclass
class FactRow:
    """One fact for one structure: the model's figure and COW's, each with its interval."""

    fact: str
    structure: str
    sample: str
    model: float = math.nan
    model_lo: float = math.nan
    model_hi: float = math.nan
    model_n: str = ""
    cow: float = math.nan
    cow_lo: float = math.nan
    cow_hi: float = math.nan
    cow_years: str = ""
    cow_n: str = ""
    note: str = ""

    @property
    def label(self) -> str:
        return FACTS[self.fact][0]

    @property
    def unit(self) -> str:
        return FACTS[self.fact][1]

    @property
    def verdict(self) -> str:
        """``in`` (model point inside COW's interval), ``out``, or ``n/a``."""
        vals = (self.model, self.cow_lo, self.cow_hi)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in vals):
            return "n/a"
        return "in" if self.cow_lo <= self.model <= self.cow_hi else "out"

    def record(self) -> dict[str, Any]:
        d = asdict(self)
        out: dict[str, Any] = {"fact": self.fact, "label": self.label, "unit": self.unit}
        out.update({k: d[k] for k in ("structure", "sample")})
        for k in ("model", "model_lo", "model_hi", "cow", "cow_lo", "cow_hi"):
            v = d[k]
            out[k] = float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None
        out.update({"model_n": self.model_n, "cow_years": self.cow_years, "cow_n": self.cow_n})
        out["verdict"] = self.verdict
        out["note"] = self.note
        out["definition"] = self.definition
        return out

    @property
    def definition(self) -> str:
        """How the fact is measured on both sides (the same for every structure, save the unipolar caveat)."""
        era = dict((s, e) for s, e, _c in STRUCTURES).get(self.structure, self.structure)
        return _fact_note(self.fact, era)


def _rng(seed: int, *path: str) -> np.random.Generator:
    """A generator for one figure: the seed and the figure's name (same seed, same intervals)."""
    salt = [int.from_bytes(p.encode()[:8].ljust(8, b"\0"), "little") for p in path]
    return np.random.default_rng([int(seed), *salt])


# --------------------------------------------------------------------------- COW side


def _era_span(era: str, first: int, last: int) -> tuple[int, int]:
    from .data.history import CONVENTIONAL_ERAS

    for label, lo, hi in CONVENTIONAL_ERAS:
        if label == era:
            return max(first, lo if lo is not None else first), min(last, hi if hi is not None else last)
    raise KeyError(era)


def _span(lo: int, hi: int) -> str:
    return f"{lo}–{hi}"


def cow_facts(seed: int = 0, level: float = LEVEL, source: Any = None) -> dict[tuple[str, str], FactRow]:
    """COW's side of every fact and era: ``{(fact, era): FactRow}`` (model fields left empty)."""
    out: dict[tuple[str, str], FactRow] = {}
    for _scn, era, calib in STRUCTURES:
        sample = _CALIBRATION if calib else _OUT
        for fact in FACTS:
            out[(fact, era)] = FactRow(fact, era, sample)
    _cow_gp_wars(out, level, source)
    _cow_initiator(out, level, source)
    _cow_deaths(out, level, source)
    _cow_tail(out, seed, level, source)
    _cow_balancing(out, level, source)
    for _scn, era, _c in STRUCTURES:
        out[("negative_eu", era)].cow_n = "n/a (the theory's target is ≈ 0)"
        out[("hhi_drift", era)].cow_n = "n/a (not comparable)"
    _cow_unipolar(out, level, source)
    return out


def _cow_gp_wars(out: dict, level: float, source: Any) -> None:
    from .data.wars import era_table, yearly_onsets

    y = yearly_onsets(source=source)
    t = era_table(y, "era").set_index("era")
    for _s, era, _c in STRUCTURES:
        if era not in t.index:
            continue
        k, n = int(t.loc[era, "gp_wars_cow"]), int(t.loc[era, "years"])
        yrs = y.loc[y["conventional_era"] == era, "year"]
        r = out[("gp_wars", era)]
        r.cow = 100.0 * k / n
        r.cow_lo, r.cow_hi = (100.0 * v for v in poisson_interval(k, n, level))
        r.cow_years = _span(int(yrs.min()), int(yrs.max()))
        r.cow_n = f"{k} war{'s' if k != 1 else ''} in {n} years"


def _war_last(source: Any) -> int:
    from .data.loaders import load_wars
    from .data.wars import WAR_DATA_YEARS

    return max(WAR_DATA_YEARS[1], int(load_wars(source)["StartYear1"].max()))


def _cow_initiator(out: dict, level: float, source: Any) -> None:
    from .data.backtest import real_wars
    from .data.loaders import load_wars
    from .data.wars import WAR_DATA_YEARS

    ccodes = load_wars(source)["ccode"].unique()
    last = _war_last(source)
    for _s, era, _c in STRUCTURES:
        lo, hi = _era_span(era, WAR_DATA_YEARS[0], last)
        rw = real_wars(ccodes, lo, hi, source)
        d = rw[rw["decided"]]
        k, n = int(d["initiator_won"].sum()), len(d)
        r = out[("initiator_wins", era)]
        r.cow_years = _span(lo, hi)
        r.cow_n = f"{k} of {n} decided wars"
        if n:
            r.cow = k / n
            r.cow_lo, r.cow_hi = binomial_interval(k, n, level)


def _cow_deaths(out: dict, level: float, source: Any) -> None:
    from .data.backtest import _deaths_per_year
    from .data.loaders import load_system

    sysm = load_system(source)
    first, last = int(sysm["year"].min()), int(sysm["year"].max())
    ccodes = sysm["ccode"].unique()
    for _s, era, _c in STRUCTURES:
        lo, hi = _era_span(era, first + 1, last)  # a death in year t: in the system in t − 1, not in t
        years = np.arange(lo, hi + 1)
        k = float(_deaths_per_year(sysm, ccodes, years).sum())
        at_risk = int(sysm["year"].between(lo - 1, hi - 1).sum())
        r = out[("state_deaths", era)]
        r.cow = 100.0 * k / at_risk
        r.cow_lo, r.cow_hi = (100.0 * v for v in poisson_interval(k, at_risk, level))
        r.cow_years = _span(lo, hi)
        r.cow_n = f"{int(k)} exits in {at_risk:,} state-years ({100.0 * k / (hi - lo + 1):.1f} per century)"


def _cow_war_sizes(source: Any) -> pd.DataFrame:
    """One row per COW inter-state war: WarNum, onset, size (battle deaths summed over participants)."""
    from .data.loaders import load_wars
    from .data.wars import war_onsets

    w = load_wars(source)
    w = w[w["WarType"] == 1] if "WarType" in w else w
    size = w.groupby("WarNum")["BatDeath"].sum(min_count=1).astype("float64")
    on = war_onsets(source).set_index("WarNum")["onset"]
    return pd.DataFrame({"onset": on, "size": size.reindex(on.index)}).reset_index()


def _cow_tail(out: dict, seed: int, level: float, source: Any) -> None:
    from .data.wars import WAR_DATA_YEARS

    sizes = _cow_war_sizes(source)
    last = _war_last(source)
    for _s, era, _c in STRUCTURES:
        lo, hi = _era_span(era, WAR_DATA_YEARS[0], last)
        x = sizes.loc[sizes["onset"].between(lo, hi), "size"].dropna().to_numpy()
        fit, a_lo, a_hi = power_law_interval([np.array([v]) for v in x], _rng(seed, "cow", "tail", era), level)
        r = out[("tail_alpha", era)]
        r.cow_years = _span(lo, hi)
        if math.isfinite(fit.alpha):
            r.cow, r.cow_lo, r.cow_hi = fit.alpha, a_lo, a_hi
            r.cow_n = f"{fit.n_tail} of {fit.n} wars ≥ x_min {fit.x_min:,.0f} battle deaths"
        else:
            r.cow_n = f"{len(x)} wars: too few for a tail (≥ {MIN_TAIL})"


def _rising_episodes(shares: np.ndarray, present: np.ndarray) -> list[tuple[int, int]]:
    """(state column, window start index) of every rise: non-overlapping RISE_Y-year windows from the first row."""
    T = shares.shape[0]
    eps = []
    for t0 in range(0, T - RISE_Y, RISE_Y):
        t1 = t0 + RISE_Y
        a, b = shares[t0], shares[t1]
        ok = present[t0] & present[t1] & (a > 0) & (b >= RISE_MIN_SHARE) & (b >= (1.0 + RISE_X) * a)
        eps.extend((int(i), t0) for i in np.flatnonzero(ok))
    return eps


def _cow_balancing(out: dict, level: float, source: Any) -> None:
    """Rising states (recomputed CINC shares) and new defence pacts or ententes among the states they threaten.

    The states a riser threatens: those directly contiguous to it (COW type
    ≤ :data:`NEAR_CONTIGUITY`) in the year its rise ends, and, when it is a
    COW major power that year, the other major powers (Mearsheimer 2001:
    great powers reach beyond their region).  The alliance data are used
    only for this one aggregate beside the simulated figure (PROVENANCE.md).
    """
    from .data.history import share_matrix
    from .data.loaders import load_alliances, load_contiguity, major_state_years

    shares, present, years, ccodes, _ = share_matrix("6.0", source)
    al = load_alliances(source)
    al = al[(al["ccode1"] < al["ccode2"]) & ((al["cow_defense"] == 1) | (al["cow_entente"] == 1))]
    a_first, a_last = int(al["year"].min()), int(al["year"].max())
    pairs = set(zip(al["ccode1"].to_numpy().tolist(), al["ccode2"].to_numpy().tolist(), al["year"].to_numpy().tolist(), strict=True))
    new_by_year: dict[int, list[tuple[int, int]]] = {}
    for a, b, y in pairs:
        if y > a_first and (a, b, y - 1) not in pairs:
            new_by_year.setdefault(y, []).append((a, b))
    ct = load_contiguity(source)
    ct = ct[ct["conttype"] <= NEAR_CONTIGUITY]
    c_lo, c_hi = ct["stdate"].dt.year.to_numpy(), ct["enddate"].dt.year.to_numpy()
    c1, c2 = ct["ccode1"].to_numpy(), ct["ccode2"].to_numpy()
    majors = major_state_years(source=source)
    major_set = set(zip(majors["ccode"].tolist(), majors["year"].tolist(), strict=True))
    majors_by_year = majors.groupby("year")["ccode"].apply(set).to_dict()
    counts: dict[str, list[int]] = {}
    for i, t0 in _rising_episodes(shares, present):
        t_end = t0 + RISE_Y
        y_end = int(years[t_end])
        y_last = y_end + RISE_Z
        if y_last > a_last or int(years[t0]) < a_first:
            continue
        era = _conventional(y_end)
        c = int(ccodes[i])
        near = set(c2[(c1 == c) & (c_lo <= y_end) & (c_hi >= y_end)].tolist())
        if (c, y_end) in major_set:
            near |= majors_by_year.get(y_end, set()) - {c}
        hit = any(
            a in near and b in near
            for y in range(int(years[t0]) + 1, y_last + 1)
            for a, b in new_by_year.get(y, ())
        )
        k_n = counts.setdefault(era, [0, 0, y_end, y_end])
        k_n[0] += int(hit)
        k_n[1] += 1
        k_n[2], k_n[3] = min(k_n[2], y_end), max(k_n[3], y_end)
    for _s, era, _c in STRUCTURES:
        k, n, first_end, last_end = counts.get(era, [0, 0, 0, 0])
        r = out[("balancing", era)]
        r.cow_n = f"{k} of {n} rises"
        r.cow_years = f"rises ending {_span(first_end, last_end)}" if n else ""
        if n:
            r.cow = k / n
            r.cow_lo, r.cow_hi = binomial_interval(k, n, level)


def _conventional(year: int) -> str:
    from .data.history import conventional_era

    return str(conventional_era([year])[0])


def _cow_unipolar(out: dict, level: float, source: Any) -> None:
    from .data.loaders import load_nmc

    last = int(load_nmc("6.0", source)["year"].max())
    lo, hi = _era_span("unipolar", 1816, last)
    pairs = hi - lo  # year-to-year transitions observed inside the spell
    r = out[("unipolar_exit", "unipolar")]
    r.cow = 0.0
    r.cow_lo, r.cow_hi = (100.0 * v for v in poisson_interval(0, pairs, level))
    r.cow_years = _span(lo, hi)
    r.cow_n = f"0 exits in {pairs} years (right-censored: still unipolar at the end of the data)"
    for _s, era, _c in STRUCTURES:
        if era != "unipolar":
            out[("unipolar_exit", era)].cow_n = "n/a"


# --------------------------------------------------------------------------- model side


def _per_world(series: pd.Series, worlds: np.ndarray) -> np.ndarray:
    return series.reindex(worlds, fill_value=0).to_numpy(dtype=np.float64)


def _alliance_events(ev: pd.DataFrame) -> tuple[pd.DataFrame | None, str | None, list[str]]:
    """The model's new-alliance events (or None when it emits no such kind), the threat field, the member fields."""
    try:
        from .mechanisms.registry import current

        declared = {e.name for e in current().event_kinds()}
    except Exception:  # pragma: no cover - a registry in mid-change
        declared = set()
    kinds = [k for k in ALLIANCE_KINDS if k in declared or (ev["event"].astype(str) == k).any()]
    if not kinds:
        return None, None, []
    a = ev[ev["event"].astype(str).isin(kinds)]
    def filled(c: str) -> bool:
        return c in a.columns and bool((a[c].astype(str).replace({"nan": "", "None": "", "<NA>": ""}) != "").any())

    threat = next((c for c in THREAT_FIELDS if filled(c)), None)
    if threat is None:
        threat = next((c for c in THREAT_FIELDS if c in a.columns), None)
    members = [c for c in MEMBER_FIELDS if c in a.columns]
    return a, threat, members


def model_facts(
    res: Any, scenario: Any, seed: int, level: float = LEVEL, war_off: Any = None, war_off_note: str = "",
) -> dict[str, tuple[float, float, float, str, str]]:
    """The model's figures of one run: ``{fact: (point, lo, hi, n_text, note)}``.

    ``res``: a :class:`~neorealism.engine.SimulationResult` with every state
    row (``states="all"``); ``war_off``: the same scenario's run with war
    switched off (its system table suffices), or None.
    """
    name = scenario.name
    T = int(scenario.years)
    st, sysdf, ev = res.states, res.system, res.events
    worlds = np.sort(sysdf["world"].unique())
    R = len(worlds)
    evk = ev["event"].astype(str)
    out: dict[str, tuple[float, float, float, str, str]] = {}

    # great-power wars: both leaders great powers at the start of the war's first year (row of year − 1)
    starts = ev[evk == "war_start"][["world", "year", "attacker", "defender", "expected_utility"]].copy()
    starts["attacker"] = starts["attacker"].astype(str)
    starts["defender"] = starts["defender"].astype(str)
    gp = st.loc[st["great_power"].astype(bool), ["world", "year", "state"]].copy()
    gp["state"] = gp["state"].astype(str)
    gp = gp.assign(year=gp["year"] + 1, gp=True)
    s2 = starts.merge(gp.rename(columns={"state": "attacker", "gp": "gp_a"}), on=["world", "year", "attacker"], how="left")
    s2 = s2.merge(gp.rename(columns={"state": "defender", "gp": "gp_d"}), on=["world", "year", "defender"], how="left")
    both = s2["gp_a"].fillna(False).astype(bool) & s2["gp_d"].fillna(False).astype(bool)
    k = _per_world(s2[both].groupby("world").size(), worlds)
    p, lo, hi = model_rate(k, np.full(R, float(T)), _rng(seed, name, "gp"), level, scale=100.0)
    out["gp_wars"] = (p, lo, hi, f"{int(k.sum())} war{'s' if k.sum() != 1 else ''} in {R} worlds × {T} years", "")

    # initiator wins among decided wars
    ends = ev[evk == "war_end"]
    win = ends["winner"].astype(str).replace({"nan": "", "None": "", "<NA>": ""})
    decided = win != ""
    won = decided & (win == ends["attacker"].astype(str))
    d_w = _per_world(ends[decided].groupby("world").size(), worlds)
    w_w = _per_world(ends[won].groupby("world").size(), worlds)
    p, lo, hi = model_rate(w_w, d_w, _rng(seed, name, "initiator"), level, "binomial")
    out["initiator_wins"] = (p, lo, hi, f"{int(w_w.sum())} of {int(d_w.sum())} decided wars", "")

    # state deaths per state at risk per century
    deaths = _per_world(ev[evk == "death"].groupby("world").size(), worlds)
    at_risk = _per_world(st[st["alive"].astype(bool) & (st["year"] < T)].groupby("world").size(), worlds)
    p, lo, hi = model_rate(deaths, at_risk, _rng(seed, name, "deaths"), level, scale=100.0)
    out["state_deaths"] = (
        p, lo, hi, f"{int(deaths.sum())} deaths in {int(at_risk.sum()):,} state-years",
        f"{100.0 * deaths.sum() / (R * T):.2f} deaths per world-century among {scenario.n_states} states",
    )

    # tail exponent of war sizes (war_end losses), bootstrap over worlds
    losses = ends[["world", "losses"]].astype({"losses": "float64"})
    losses = losses[np.isfinite(losses["losses"]) & (losses["losses"] > 0)]
    groups = [g["losses"].to_numpy() for _, g in losses.groupby("world")]
    groups += [np.array([])] * (R - len(groups))
    fit, a_lo, a_hi = power_law_interval(groups, _rng(seed, name, "tail"), level)
    if math.isfinite(fit.alpha):
        out["tail_alpha"] = (fit.alpha, a_lo, a_hi, f"{fit.n_tail} of {fit.n} wars ≥ x_min {fit.x_min:.3g}", "")
    else:
        out["tail_alpha"] = (math.nan, math.nan, math.nan, f"{fit.n} wars: too few for a tail", "")

    # negative expected utility at the start
    eu = starts["expected_utility"].astype("float64")
    neg = _per_world(starts[eu < 0].groupby("world").size(), worlds)
    n_st = _per_world(starts[eu.notna()].groupby("world").size(), worlds)
    p, lo, hi = model_rate(neg, n_st, _rng(seed, name, "eu"), level, "binomial")
    out["negative_eu"] = (p, lo, hi, f"{int(neg.sum())} of {int(n_st.sum())} wars", "")

    # HHI drift with war off
    if war_off is not None:
        s = war_off.system
        first, last = s["year"].min(), s["year"].max()
        h0 = s[s["year"] == first].set_index("world")["hhi"]
        h1 = s[s["year"] == last].set_index("world")["hhi"]
        dh = (h1 - h0).dropna().to_numpy(dtype=np.float64)
        p, lo, hi = bootstrap_stat(dh, lambda a: np.median(a, axis=-1), _rng(seed, name, "hhi"), level)
        out["hhi_drift"] = (
            p, lo, hi, f"{len(dh)} worlds", f"HHI fell in {np.mean(dh < 0):.0%} of worlds; {war_off_note}".rstrip("; "),
        )
    else:
        out["hhi_drift"] = (math.nan, math.nan, math.nan, "", war_off_note or "no war-off run")

    out["balancing"] = _model_balancing(st, ev, worlds, T, seed, name, level)
    out["unipolar_exit"] = _model_unipolar(sysdf, worlds, seed, name, level)
    return out


def _model_balancing(st: pd.DataFrame, ev: pd.DataFrame, worlds: np.ndarray, T: int, seed: int, name: str,
                     level: float) -> tuple[float, float, float, str, str]:
    from .outcomes import balancing_counts

    found = _alliance_events(ev)
    if found[0] is None:
        return (math.nan, math.nan, math.nan, "n/a",
                f"the model emits no alliance events ({', '.join(ALLIANCE_KINDS)}): not measured")
    k_w, n_w, _, threat = balancing_counts(st, ev, worlds, T, alliance_events=found)
    p, lo, hi = model_rate(k_w, n_w, _rng(seed, name, "balancing"), level, "binomial")
    note = (f"an alliance event naming the riser in `{threat}`" if threat is not None
            else "loose: the events name no threat, so any new alliance without the riser counts")
    return p, lo, hi, f"{int(k_w.sum())} of {int(n_w.sum())} rise{'s' if n_w.sum() != 1 else ''}", note


def _model_unipolar(sysdf: pd.DataFrame, worlds: np.ndarray, seed: int, name: str,
                    level: float) -> tuple[float, float, float, str, str]:
    s = sysdf.sort_values(["world", "year"])
    pol = s["polarity"].astype(str).to_numpy()
    w = s["world"].to_numpy()
    same = np.r_[False, w[1:] == w[:-1]]
    prev_uni = np.r_[False, pol[:-1] == "unipolar"] & same
    exit_ = prev_uni & (pol != "unipolar")
    exposure = _per_world(pd.Series(prev_uni).groupby(w).sum(), worlds)
    exits = _per_world(pd.Series(exit_).groupby(w).sum(), worlds)
    start = s.groupby("world")["polarity"].first().astype(str).value_counts()
    start_text = "polarity at the start: " + ", ".join(f"{k} {v}" for k, v in start.items() if v)
    if exposure.sum() == 0:
        return math.nan, math.nan, math.nan, "no unipolar years", start_text
    p, lo, hi = model_rate(exits, exposure, _rng(seed, name, "unipolar"), level, scale=100.0)
    ever = pd.Series(pol == "unipolar").groupby(w).any()
    first_exit = pd.Series(np.where(exit_, s["year"].to_numpy(), -1)).groupby(w).max()
    n_ever, n_left = int(ever.sum()), int((first_exit[ever] >= 0).sum())
    still = f"{n_ever - n_left} of the {n_ever} worlds ever unipolar never leave it"
    med = f"; {start_text}"
    return (p, lo, hi, f"{int(exits.sum())} exit{'s' if exits.sum() != 1 else ''} in {int(exposure.sum()):,} unipolar world-years",
            f"{still}{med}")


# --------------------------------------------------------------------------- the scorecard


@dataclass
class Scorecard:
    """The rows (fact × structure) and what was run."""

    rows: list[FactRow]
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.record() for r in self.rows])

    def to_csv(self) -> str:
        buf = io.StringIO()
        self.frame().to_csv(buf, index=False, lineterminator="\n", float_format="%.6g")
        return buf.getvalue()

    def to_json(self) -> str:
        payload = {"settings": self.settings, "facts": [r.record() for r in self.rows], "notes": self.notes}
        return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"

    def plot(self, path: str | os.PathLike[str]) -> Path:
        """PNG: one panel per fact; per structure, the model's interval (blue) beside COW's (red)."""
        return plot_scorecard(self, path)


#: The run settings when neither the arguments nor the overrides give them.
DEFAULT_RUN = {"worlds": 200, "years": 200, "seed": 0}


def _override_keys(overrides: Any) -> set[str]:
    if overrides is None or isinstance(overrides, str):
        return set()
    keys = overrides.keys() if isinstance(overrides, Mapping) else (str(o).partition("=")[0] for o in overrides)
    return {str(k).strip().removeprefix("params.") for k in keys}


def structure_scenarios(
    worlds: int | None = None, years: int | None = None, seed: int | None = None, overrides: Any = None,
) -> list[Any]:
    """The three scenarios as the card runs them: overrides applied, then worlds, years and seed.

    A run setting that is neither given nor set by ``overrides`` takes
    :data:`DEFAULT_RUN` (not the scenario file's own), so that every
    structure runs alike.  Raises the API's errors for bad input.
    """
    from . import api

    given = {"worlds": worlds, "years": years, "seed": seed}
    keys = _override_keys(overrides)
    run = {k: (v if v is not None or k in keys else DEFAULT_RUN[k]) for k, v in given.items()}
    return [api.prepare(scn, overrides=overrides, **run) for scn, _e, _c in STRUCTURES]


def scorecard(
    *,
    worlds: int | None = None,
    years: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    level: float = LEVEL,
    progress: Callable[[str], None] | None = None,
    source: Any = None,
) -> Scorecard:
    """Run the three built-in structures (and each with war off) and score them against COW.

    ``worlds``, ``years`` and ``seed`` default to :data:`DEFAULT_RUN` (200,
    200, 0) unless ``overrides`` set them.  ``overrides`` apply to every scenario, as in :func:`neorealism.api.run`;
    the war-off runs add ``war.opportunity = 0`` on top.  Deterministic for
    a seed (the simulation and every bootstrap are seeded).
    """
    from . import api
    from .errors import NeorealismError, ParameterError

    if not 0 < float(level) < 1:
        raise ParameterError(f"level = {level}: allowed 0 < level < 1")
    scenarios = structure_scenarios(worlds, years, seed, overrides)  # every bad input refused before any run
    worlds, years, seed = scenarios[0].worlds, scenarios[0].years, scenarios[0].seed
    cow = cow_facts(seed=int(seed), level=level, source=source)
    rows: list[FactRow] = []
    for sc, (scn, era, _calib) in zip(scenarios, STRUCTURES, strict=True):
        if progress is not None:
            progress(f"{scn}: {sc.worlds:,} worlds × {sc.years:,} years")
        res = api.run(sc, states="all")
        try:
            off_sc = api.with_overrides(sc, {"war.opportunity": 0})
            off, off_note = api.run(off_sc, states="none"), "war.opportunity = 0"
        except NeorealismError as exc:  # the war parameters may have changed: say so, measure the rest
            off, off_note = None, f"no war-off run ({exc})"
        fig = model_facts(res, sc, int(seed), level, off, off_note)
        for fact in FACTS:
            r = cow[(fact, era)]
            r.structure = scn
            r.model, r.model_lo, r.model_hi, r.model_n, note = fig[fact]
            r.note = note
            rows.append(r)
    settings = {
        "worlds": int(worlds), "years": int(years), "seed": int(seed), "level": float(level),
        "overrides": list(overrides) if overrides is not None and not isinstance(overrides, Mapping)
        else (dict(overrides) if overrides else None),
        "scenarios": [s for s, _e, _c in STRUCTURES],
        "calibration": "multipolar (COW 1816–1945); bipolar and unipolar rows are out of sample",
        "rise": {"x": RISE_X, "y_years": RISE_Y, "min_share": RISE_MIN_SHARE, "z_years": RISE_Z},
    }
    from . import __version__

    settings["version"] = __version__
    notes = [
        "in/out: the model's point estimate inside or outside COW's interval; n/a: a side has no figure.",
        f"Intervals {level:.0%}: model, percentile bootstrap over worlds ({BOOTSTRAP} replicates, "
        f"{BOOTSTRAP_TAIL} for α), widened to the exact Poisson or binomial interval of the pooled counts where "
        "that is wider; COW, exact Poisson or binomial, bootstrap over wars for α.",
        "COW eras are the data layer's conventional periodisation: multipolar to 1945, bipolar 1946–1991, "
        "unipolar from 1992 (neorealism data wars --by era).",
    ]
    return Scorecard(rows, settings, notes)


def _fact_note(fact: str, era: str) -> str:
    return {
        "gp_wars": "COW: great powers (COW list) on both sides; model: both leaders great powers",
        "initiator_wins": "COW: an initiating participant won (decided: it won or lost); model: war_end winner = attacker",
        "state_deaths": "COW: every state-system exit (conquest, occupation, unification, dissolution)",
        "tail_alpha": "COW: battle deaths; model: war_end losses (military units)",
        "negative_eu": "COW n/a: the rationalist target is ≈ 0 (Fearon 1995)",
        "hhi_drift": "COW n/a: the record has wars and new states; its HHI change is not comparable",
        "balancing": f"rise: share × ≥ {1 + RISE_X:g} in {RISE_Y} years to ≥ {RISE_MIN_SHARE:g}; "
                     f"new alliance during it or within {RISE_Z} years",
        "unipolar_exit": "COW: conventional unipolarity from 1992, right-censored" if era == "unipolar"
        else "model: exits from the system table's unipolar years; COW: the unipolar era only",
    }.get(fact, "")


# --------------------------------------------------------------------------- rendering


def _fmt(v: float, fact: str) -> str:
    if not (isinstance(v, (int, float)) and math.isfinite(v)):
        return "—"
    if fact in ("initiator_wins", "negative_eu", "balancing"):
        return f"{v:.0%}" if abs(v) >= 0.01 or v == 0 else f"{v:.1%}"
    if fact == "hhi_drift":
        return f"{v:+.3f}"
    return f"{v:.2f}" if v == 0 or abs(v) >= 0.1 else f"{v:.2g}"


def cell(value: float, lo: float, hi: float, fact: str) -> str:
    """``value [lo, hi]`` as printed in the table."""
    if not (isinstance(value, (int, float)) and math.isfinite(value)):
        return "n/a"
    return f"{_fmt(value, fact)} [{_fmt(lo, fact)}, {_fmt(hi, fact)}]"


def table_rows(card: Scorecard) -> list[list[str]]:
    """The rows of the printed table: fact, structure, sample, model, COW, COW years, verdict."""
    out = []
    for r in card.rows:
        cow = cell(r.cow, r.cow_lo, r.cow_hi, r.fact)
        if cow == "n/a" and r.cow_n:
            cow = r.cow_n
        out.append([r.label, r.structure, r.sample, cell(r.model, r.model_lo, r.model_hi, r.fact),
                    r.model_n, cow, r.cow_years, r.verdict])
    return out


def plot_scorecard(card: Scorecard, path: str | os.PathLike[str]) -> Path:
    """PNG: one panel per fact; the model's point and interval beside COW's, per structure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .output import save_figure

    facts = list(FACTS)
    fig, axes = plt.subplots(2, 4, figsize=(16, 7.5))
    structures = [s for s, _e, _c in STRUCTURES]
    for ax, fact in zip(axes.ravel(), facts, strict=True):
        rows = {r.structure: r for r in card.rows if r.fact == fact}
        for j, s in enumerate(structures):
            r = rows.get(s)
            if r is None:
                continue
            for dx, (v, lo, hi), colour in (
                (-0.12, (r.model, r.model_lo, r.model_hi), "#1f4e79"),
                (0.12, (r.cow, r.cow_lo, r.cow_hi), "#990000"),
            ):
                if isinstance(v, float) and math.isfinite(v):
                    err = [[max(0.0, v - lo) if math.isfinite(lo) else 0.0], [max(0.0, hi - v) if math.isfinite(hi) else 0.0]]
                    ax.errorbar(j + dx, v, yerr=err, fmt="o", color=colour, capsize=4, ms=5)
            if not (isinstance(r.model, float) and math.isfinite(r.model)):
                ax.text(j - 0.12, 0.5, "model n/a", transform=ax.get_xaxis_transform(), rotation=90, ha="center",
                        va="center", fontsize=7, color="#1f4e79")
            if not (isinstance(r.cow, float) and math.isfinite(r.cow)):
                ax.text(j + 0.12, 0.5, "COW n/a", transform=ax.get_xaxis_transform(), rotation=90, ha="center",
                        va="center", fontsize=7, color="#990000")
            if r.verdict != "n/a":
                ax.text(j, 1.01, r.verdict, transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=8,
                        color="#006100" if r.verdict == "in" else "#9c0006")
        ax.set_xticks(range(len(structures)), [f"{s}\n{'calibration' if k == 0 else 'out of sample'}"
                                               for k, s in enumerate(structures)], fontsize=8)
        ax.set_xlim(-0.5, len(structures) - 0.5)
        ax.set_title(FACTS[fact][0], fontsize=9, pad=14)
        ax.set_ylabel(FACTS[fact][1], fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        if fact in ("hhi_drift", "negative_eu"):
            ax.axhline(0, color="#888888", lw=0.8, ls=":")  # no drift; the rationalist target
    handles = [
        plt.Line2D([], [], color="#1f4e79", marker="o", ls="", label="model (bootstrap over worlds)"),
        plt.Line2D([], [], color="#990000", marker="o", ls="", label="COW record (exact / bootstrap)"),
    ]
    s = card.settings
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False, fontsize=9)
    fig.suptitle(
        f"Model scorecard: {s['worlds']} worlds × {s['years']} years per scenario, seed {s['seed']}, "
        f"{s['level']:.0%} intervals; in/out = model point inside COW's interval", fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return save_figure(fig, path, dpi=110)
