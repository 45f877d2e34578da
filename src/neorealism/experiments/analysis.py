"""Effects, intervals and verdicts: how an experiment's numbers become "held" or "did not hold".

An outcome of a set of worlds is Σ numerator / Σ denominator
(:mod:`neorealism.outcomes`).  The effect of a condition is its outcome
minus the baseline's, in the outcome's units; its 95 % interval is a
percentile bootstrap (Efron & Tibshirani 1993) that resamples world
indices, the same indices for both conditions: world *i* of every
condition runs on the same random streams (common random numbers), so the
pairs are independent draws and the paired bootstrap is valid and tighter
than an unpaired one.

The verdict is computed, never written by hand, from the interval
[lo, hi], the point estimate e and the smallest effect of interest δ > 0
the spec states (Lakens 2017's smallest effect size of interest).  With
the prediction's sign s (+1 ``higher``, −1 ``lower``) and e′, lo′, hi′ the
effect and interval multiplied by s:

- **held**: lo′ > 0 and e′ ≥ δ — the effect has the predicted sign beyond
  chance and is estimated at least as large as the smallest of interest;
- **did not hold**: hi′ < δ — the interval rules out an effect of the
  predicted sign as large as δ (a reversed effect, no effect, or a trivial
  one);
- **inconclusive in the model** otherwise (too few worlds to tell).

A prediction of ``none`` (no effect that matters: e.g. the structural
claim that domestic factors leave systemic outcomes alone) is an
equivalence test (Schuirmann 1987): **held** when the interval lies
inside (−δ, δ); **did not hold** when it excludes 0 and |e| ≥ δ.

The three cases exclude each other (e′ ≥ δ implies hi′ ≥ δ), and a
reversed effect can only make a directional prediction fail.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence

import numpy as np

__all__ = [
    "BOOTSTRAP",
    "LEVEL",
    "VERDICTS",
    "effect_interval",
    "level_interval",
    "rng_for",
    "trend_effect",
    "verdict",
]

#: Coverage of every interval.
LEVEL = 0.95
#: Bootstrap replicates.
BOOTSTRAP = 2000
HELD, NOT_HELD, INCONCLUSIVE = "held", "did not hold", "inconclusive in the model"
VERDICTS = (HELD, NOT_HELD, INCONCLUSIVE)


def rng_for(seed: int, *path: str) -> np.random.Generator:
    """A generator for one figure: the same (seed, path) always gives the same stream, on any machine."""
    return np.random.default_rng([int(seed) % (2**63), *(zlib.crc32(p.encode("utf-8")) for p in path)])


def verdict(effect: float, lo: float, hi: float, predict: str, sesoi: float) -> str:
    """The verdict of one effect (see the module docstring)."""
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (effect, lo, hi)):
        return INCONCLUSIVE
    d = float(sesoi)
    if predict == "none":
        if -d < lo and hi < d:
            return HELD
        if (lo > 0 or hi < 0) and abs(effect) >= d:
            return NOT_HELD
        return INCONCLUSIVE
    s = 1.0 if predict == "higher" else -1.0
    e, lo_s, hi_s = s * effect, min(s * lo, s * hi), max(s * lo, s * hi)
    if lo_s > 0 and e >= d:
        return HELD
    if hi_s < d:
        return NOT_HELD
    return INCONCLUSIVE


def _ratio(num: np.ndarray, den: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray | float:
    if idx is None:
        d = float(den.sum())
        return float(num.sum()) / d if d > 0 else math.nan
    dd = den[idx].sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(dd > 0, num[idx].sum(axis=-1) / np.where(dd > 0, dd, 1.0), np.nan)


def _pct(samples: np.ndarray, level: float) -> tuple[float, float]:
    s = samples[np.isfinite(samples)]
    if len(s) < max(10, len(samples) // 2):
        return math.nan, math.nan
    a = 1.0 - level
    lo, hi = np.quantile(s, [a / 2, 1 - a / 2])
    return float(lo), float(hi)


def indices(R: int, rng: np.random.Generator, reps: int = BOOTSTRAP) -> np.ndarray:
    """Bootstrap resamples of world positions: (reps, R)."""
    return rng.integers(0, R, size=(reps, R))


def level_interval(num: np.ndarray, den: np.ndarray, scale: float, idx: np.ndarray,
                   level: float = LEVEL) -> tuple[float, float, float]:
    """One condition's outcome Σnum/Σden × scale and its bootstrap interval."""
    p = _ratio(num, den)
    lo, hi = _pct(np.asarray(_ratio(num, den, idx)) * scale, level)
    return p * scale, lo, hi


def effect_interval(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], scale: float,
                    idx: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Effect of condition ``b`` against baseline ``a`` (each (num, den) per world), paired bootstrap interval."""
    p = (_ratio(*b) - _ratio(*a)) * scale
    samples = (np.asarray(_ratio(*b, idx)) - np.asarray(_ratio(*a, idx))) * scale
    lo, hi = _pct(samples, level)
    return float(p), lo, hi


def _shape_effect(x: np.ndarray, y: np.ndarray, shape: str) -> np.ndarray:
    """The trend's effect for rows of ``y`` (…, K) at the K points ``x`` (outcome units; see TrendSpec)."""
    u = (x - x.min()) / (x.max() - x.min())
    ok = np.isfinite(y).all(axis=-1)
    yy = np.where(np.isfinite(y), y, 0.0)
    if shape in ("increasing", "decreasing"):
        A = np.stack([np.ones_like(u), u], axis=1)
        coef = np.linalg.lstsq(A, yy.reshape(-1, len(u)).T, rcond=None)[0]
        eff = coef[1]  # the fitted change from the lowest x to the highest
    else:
        A = np.stack([np.ones_like(u), u, u * u], axis=1)
        coef = np.linalg.lstsq(A, yy.reshape(-1, len(u)).T, rcond=None)[0]
        eff = -coef[2] / 4.0  # the fitted value at the middle minus the mean of the ends
    eff = eff.reshape(y.shape[:-1])
    return np.where(ok, eff, np.nan)


def trend_effect(x: Sequence[float], pairs: Sequence[tuple[np.ndarray, np.ndarray]], scale: float, shape: str,
                 idx: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """A trend's effect across conditions at ``x`` (each (num, den) per world), paired bootstrap interval."""
    xs = np.asarray(x, dtype=np.float64)
    point = np.array([_ratio(n, d) for n, d in pairs]) * scale
    boot = np.stack([np.asarray(_ratio(n, d, idx)) for n, d in pairs], axis=-1) * scale
    e = float(_shape_effect(xs, point[None, :], shape)[0])
    lo, hi = _pct(_shape_effect(xs, boot, shape), level)
    return e, lo, hi


def trend_prediction(shape: str) -> str:
    """The sign a trend's effect is predicted to have."""
    return {"increasing": "higher", "inverted_u": "higher", "decreasing": "lower", "u": "lower"}[shape]
