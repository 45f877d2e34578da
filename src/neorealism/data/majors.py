"""Great powers identified from capabilities alone, held against COW's major-power list.

COW's list (Correlates of War Project 2017; 1,195 state-years, 1816–2016)
is a judgement of historians, not a formula.  This module asks how far
material capabilities alone (Singer, Bremer & Stuckey 1972) reproduce it,
scored as F1 over major-power state-years (with precision and recall),
overall and per year.  The list is only ever the *target*: no rule reads it.

A rule (:class:`GreatPowerRule`) has three parts:

1. a **score**: a weighted composite of the six NMC component shares
   (milex, milper, irst, pec, tpop, upop).  Each component's share of the
   year's system total comes from :func:`neorealism.measures.composite_index`
   (the CINC machinery, missing values skipped), and the score is their
   weighted mean over the components the state has.  Equal weights give
   CINC itself;
2. a **bar**: :func:`neorealism.measures.great_powers` with ``share``
   (score ≥ ``threshold`` of the system) or ``relative`` (score ≥
   ``relative`` × the leader's score);
3. **persistence** (hysteresis): a state becomes a great power after
   ``k_enter`` consecutive years above the bar and stops being one after
   ``k_exit`` consecutive years below it.  A state's first year in the data
   starts it in the status its raw reading gives; a year with no score for
   the state (all weighted components missing) leaves its counters as they
   were.  Great-power status is a standing that outlasts a bad year (Levy
   1983 stresses that it rests on sustained capability).

:data:`BASELINE` is the plain CINC-share rule (share ≥ 0.03, no
persistence: F1 ≈ 0.79 on v6.0).  :data:`DEFAULT_RULE` weights military
expenditure twice and primary energy consumption once — spending on forces
backed by an industrial base — and leaves out military personnel and the
two population components, which make mass armies and populous agrarian
states (China before 1950, India) look like great powers; it asks for a
score of at least 10% of the leader's, sustained over 8 years (entry and
exit).  On v6.0, 1816–2016, it reaches F1 0.905 (precision 0.89, recall
0.92) against the baseline's 0.79.  The defaults were chosen by looking at F1:
:func:`split_validation` re-runs that choice on one half of the years
(1816–1915 or 1916–2016) over :data:`SEARCH_GRID` and scores it on the
other half, so that the out-of-sample F1 can be reported beside the
in-sample one (see ``docs/data.md``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..measures import composite_index, great_powers
from .cinc import component_array
from .history import check_range
from .loaders import NMC_COMPONENTS, PathArg, load_nmc, major_state_years


@dataclass(frozen=True)
class GreatPowerRule:
    """A capability-only great-power rule (see the module docstring).

    weights: weights of (milex, milper, irst, pec, tpop, upop); equal
        weights give CINC.
    kind: ``share`` (score ≥ threshold) or ``relative`` (score ≥ relative ×
        the leader's score).
    threshold: the bar for ``share`` (fraction of the system).
    relative: the bar for ``relative`` (fraction of the leader).
    k_enter: consecutive years above the bar before a state becomes a great power.
    k_exit: consecutive years below the bar before it stops being one.
    """

    weights: tuple[float, ...] = (2.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    kind: Literal["share", "relative"] = "relative"
    threshold: float = 0.03
    relative: float = 0.10
    k_enter: int = 8
    k_exit: int = 8
    name: str = field(default="military-industrial, persistent", compare=False)

    def __post_init__(self) -> None:
        w = tuple(float(x) for x in self.weights)
        if len(w) != len(NMC_COMPONENTS) or any(x < 0 for x in w) or sum(w) <= 0:
            raise ParameterError(
                f"weights must be {len(NMC_COMPONENTS)} non-negative numbers "
                f"({', '.join(NMC_COMPONENTS)}) with a positive sum, got {self.weights!r}"
            )
        object.__setattr__(self, "weights", w)
        if self.kind not in ("share", "relative"):
            raise ParameterError(f"kind must be 'share' or 'relative', got {self.kind!r}")
        if not 0 < self.threshold <= 1:
            raise ParameterError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 0 < self.relative <= 1:
            raise ParameterError(f"relative must be in (0, 1], got {self.relative}")
        for nm in ("k_enter", "k_exit"):
            v = getattr(self, nm)
            if int(v) != v or v < 1:
                raise ParameterError(f"{nm} must be an integer ≥ 1, got {v}")
            object.__setattr__(self, nm, int(v))

    def describe(self) -> str:
        w = ", ".join(f"{c}×{x:g}" for c, x in zip(NMC_COMPONENTS, self.weights, strict=True) if x)
        bar = (
            f"score ≥ {self.threshold:g} of the system"
            if self.kind == "share"
            else f"score ≥ {self.relative:g} × leader"
        )
        pers = (
            "no persistence"
            if self.k_enter == 1 and self.k_exit == 1
            else f"enter after {self.k_enter} y above, leave after {self.k_exit} y below"
        )
        return f"{self.name}: [{w}], {bar}, {pers}"

    def params(self) -> dict:
        d = asdict(self)
        d["weights"] = dict(zip(NMC_COMPONENTS, self.weights, strict=True))
        return d


#: Plain CINC-share rule (PROVENANCE: F1 ≈ 0.79 on v6.0).
BASELINE = GreatPowerRule(
    weights=(1.0,) * 6, kind="share", threshold=0.03, k_enter=1, k_exit=1, name="CINC share (baseline)"
)
#: The documented default rule.
DEFAULT_RULE = GreatPowerRule()
#: Named rules for the CLI.
RULES: dict[str, GreatPowerRule] = {"default": DEFAULT_RULE, "baseline": BASELINE}

#: Candidate weight profiles searched (a priori emphases, not fitted weights).
WEIGHT_PROFILES: dict[str, tuple[float, ...]] = {
    "cinc (all six)": (1, 1, 1, 1, 1, 1),
    "military+industrial": (1, 1, 1, 1, 0, 0),
    "military+industrial, population ½": (1, 1, 1, 1, 0.5, 0.5),
    "military": (1, 1, 0, 0, 0, 0),
    "industrial": (0, 0, 1, 1, 0, 0),
    "milex": (1, 0, 0, 0, 0, 0),
    "milex+pec": (1, 0, 0, 1, 0, 0),
    "2·milex+pec": (2, 0, 0, 1, 0, 0),
    "milex+irst": (1, 0, 1, 0, 0, 0),
    "2·milex+irst+pec": (2, 0, 1, 1, 0, 0),
}

#: The grid :func:`split_validation` searches.
SEARCH_GRID: dict[str, Sequence] = {
    "weights": tuple(WEIGHT_PROFILES.values()),
    "share": tuple(np.round(np.arange(0.02, 0.0701, 0.005), 4)),
    "relative": tuple(np.round(np.arange(0.05, 0.301, 0.01), 4)),
    "k": (1, 3, 5, 8, 10, 12),
}

#: Years of the two halves used for out-of-sample checks.
EARLY = (1816, 1915)
LATE = (1916, 2016)


# --------------------------------------------------------------------------- scores and rules


@dataclass
class CapabilityPanel:
    """Component shares of an NMC file as arrays: (Y, C, N) shares, (Y, C, N) validity, (Y, N) presence."""

    years: np.ndarray
    ccodes: np.ndarray
    stateabb: np.ndarray
    shares: np.ndarray
    valid: np.ndarray
    present: np.ndarray

    @classmethod
    def from_nmc(cls, version: str = "6.0", path: PathArg = None) -> CapabilityPanel:
        nmc = load_nmc(version, path)
        arr, present, _, _ = component_array(nmc)
        # each component's share of the system total, via the CINC machinery (one component at a time)
        shares = np.stack(
            [composite_index(arr[:, [c], :], present) for c in range(arr.shape[1])], axis=1
        )
        years = np.unique(nmc["year"].to_numpy())
        ccodes = np.unique(nmc["ccode"].to_numpy())
        abb = nmc.drop_duplicates("ccode").set_index("ccode")["stateabb"].reindex(ccodes).to_numpy()
        return cls(years, ccodes, abb, shares, ~np.isnan(arr) & present[:, None, :], present)

    def score(self, weights: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """Weighted mean of component shares over present components; and where it is defined."""
        w = np.asarray(weights, dtype=np.float64)[None, :, None]
        use = self.valid & (w > 0)
        num = np.where(use, self.shares * w, 0.0).sum(axis=1)
        den = np.where(use, w, 0.0).sum(axis=1)
        defined = den > 0
        return np.where(defined, num / np.where(defined, den, 1.0), 0.0), defined

    def truth(self, majors_path: PathArg = None) -> np.ndarray:
        """COW major-power state-years as a (Y, N) mask (the target; never a rule input)."""
        m = major_state_years(path=majors_path)
        m = m[m["year"].between(self.years[0], self.years[-1]) & m["ccode"].isin(self.ccodes)]
        t = np.zeros(self.present.shape, dtype=bool)
        t[np.searchsorted(self.years, m["year"]), np.searchsorted(self.ccodes, m["ccode"])] = True
        return t


def hysteresis(raw: np.ndarray, present: np.ndarray, k_enter: int, k_exit: int, defined: np.ndarray | None = None) -> np.ndarray:
    """Persistent status from a (Y, N) raw reading: enter after k_enter years above, exit after k_exit below.

    Loops over years only (vectorised over states).  A state's first present
    year takes its raw reading; absent years reset it; undefined years
    (``defined`` False) leave counters and status unchanged.
    """
    Y, N = raw.shape
    if defined is None:
        defined = np.ones_like(raw, dtype=bool)
    out = np.zeros_like(raw, dtype=bool)
    status = np.zeros(N, dtype=bool)
    up = np.zeros(N, dtype=np.int64)
    down = np.zeros(N, dtype=np.int64)
    was_present = np.zeros(N, dtype=bool)
    for t in range(Y):
        p, r, d = present[t], raw[t], defined[t]
        new = p & ~was_present
        up = np.where(d, np.where(r, up + 1, 0), up)
        down = np.where(d, np.where(r, 0, down + 1), down)
        status = np.where(new, r & d, status)
        status = np.where(~status & (up >= k_enter), True, status)
        status = np.where(status & (down >= k_exit), False, status)
        status &= p
        up = np.where(p, up, 0)
        down = np.where(p, down, 0)
        out[t] = status
        was_present = p
    return out


def identify(rule: GreatPowerRule, panel: CapabilityPanel) -> np.ndarray:
    """(Y, N) great-power mask under ``rule``."""
    s, defined = panel.score(rule.weights)
    raw = great_powers(s, rule=rule.kind, threshold=rule.threshold, relative=rule.relative)
    if rule.k_enter == 1 and rule.k_exit == 1:
        return raw & panel.present
    return hysteresis(raw, panel.present, rule.k_enter, rule.k_exit, defined)


def great_power_years(
    rule: GreatPowerRule = DEFAULT_RULE, version: str = "6.0", path: PathArg = None
) -> pd.DataFrame:
    """State-years the rule calls great powers: year, ccode, stateabb, score."""
    panel = CapabilityPanel.from_nmc(version, path)
    gp = identify(rule, panel)
    s, _ = panel.score(rule.weights)
    yi, ni = np.nonzero(gp)
    return pd.DataFrame(
        {
            "year": panel.years[yi].astype(np.int64),
            "ccode": panel.ccodes[ni].astype(np.int64),
            "stateabb": panel.stateabb[ni].astype(object),
            "score": s[yi, ni],
        }
    )


# --------------------------------------------------------------------------- agreement


def _prf(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float, float, int, int, int]:
    tp = int((pred & truth).sum())
    fp = int((pred & ~truth).sum())
    fn = int((~pred & truth).sum())
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return f1, prec, rec, tp, fp, fn


def f1_score(pred: np.ndarray, truth: np.ndarray, year_mask: np.ndarray | None = None) -> float:
    """F1 of a (Y, N) prediction over state-years (optionally only the masked years)."""
    if year_mask is not None:
        pred, truth = pred[year_mask], truth[year_mask]
    return _prf(pred, truth)[0]


@dataclass
class Agreement:
    """Agreement of a rule with COW's list: overall F1/precision/recall, per year, and the differences."""

    rule: GreatPowerRule
    f1: float
    precision: float
    recall: float
    tp: int
    fp: int
    fn: int
    per_year: pd.DataFrame
    differences: pd.DataFrame
    start: int
    end: int

    def to_dict(self) -> dict:
        return {
            "rule": self.rule.params(),
            "rule_description": self.rule.describe(),
            "start": self.start,
            "end": self.end,
            "agreement": self.f1,
            "f1": self.f1,
            "precision": self.precision,
            "recall": self.recall,
            "true_positives": self.tp,
            "false_positives": self.fp,
            "false_negatives": self.fn,
            "per_year": _records(self.per_year),
            "differences": _records(self.differences),
        }


def _records(df: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in r.items()}
        for r in df.to_dict(orient="records")
    ]


def compare_with_cow(
    rule: GreatPowerRule = DEFAULT_RULE,
    version: str = "6.0",
    start: int | None = None,
    end: int | None = None,
    path: PathArg = None,
    majors_path: PathArg = None,
) -> Agreement:
    """Score ``rule`` against COW's major-power state-years (years ≤ the list's last year).

    The rule runs over the whole NMC file (persistence needs the years
    before ``start``); F1, precision and recall count the state-years in
    ``start``–``end``.  ``differences`` lists every (year, state) where they
    differ: ``false_positive`` (the rule says great power, COW does not) or
    ``false_negative``.
    """
    panel = CapabilityPanel.from_nmc(version, path)
    truth = panel.truth(majors_path)
    last = int(major_state_years(path=majors_path)["year"].max())
    lo, hi = int(panel.years[0]), min(int(panel.years[-1]), last)
    try:
        s, e = check_range(start, end, lo, hi)
    except ParameterError as exc:
        raise ParameterError(f"{exc} (the years both the NMC file and COW's major-power list cover)") from None
    pred = identify(rule, panel)
    ym = (panel.years >= s) & (panel.years <= e)
    f1, prec, rec, tp, fp, fn = _prf(pred[ym], truth[ym])
    p, t = pred[ym], truth[ym]
    tp_y, fp_y, fn_y = (p & t).sum(1), (p & ~t).sum(1), (~p & t).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_year = pd.DataFrame(
            {
                "year": panel.years[ym].astype(np.int64),
                "n_rule": p.sum(1).astype(np.int64),
                "n_cow": t.sum(1).astype(np.int64),
                "true_positives": tp_y.astype(np.int64),
                "false_positives": fp_y.astype(np.int64),
                "false_negatives": fn_y.astype(np.int64),
                "f1": np.where(2 * tp_y + fp_y + fn_y > 0, 2 * tp_y / (2 * tp_y + fp_y + fn_y), np.nan),
                "precision": np.where(tp_y + fp_y > 0, tp_y / (tp_y + fp_y), np.nan),
                "recall": np.where(tp_y + fn_y > 0, tp_y / (tp_y + fn_y), np.nan),
            }
        )
    score, _ = panel.score(rule.weights)
    diffs = []
    for kind, mask in (("false_positive", p & ~t), ("false_negative", ~p & t)):
        yi, ni = np.nonzero(mask)
        diffs.append(
            pd.DataFrame(
                {
                    "year": panel.years[ym][yi].astype(np.int64),
                    "ccode": panel.ccodes[ni].astype(np.int64),
                    "stateabb": panel.stateabb[ni].astype(object),
                    "kind": kind,
                    "score": score[ym][yi, ni],
                }
            )
        )
    differences = pd.concat(diffs, ignore_index=True).sort_values(["year", "ccode"], kind="stable")
    return Agreement(rule, f1, prec, rec, tp, fp, fn, per_year, differences.reset_index(drop=True), s, e)


# --------------------------------------------------------------------------- honest selection


def candidate_rules(grid: dict[str, Sequence] | None = None) -> Iterable[GreatPowerRule]:
    """Every rule of the search grid (share and relative bars × weight profiles × persistence k)."""
    g = SEARCH_GRID if grid is None else grid
    for w, k in itertools.product(g["weights"], g["k"]):
        for th in g["share"]:
            yield GreatPowerRule(weights=tuple(w), kind="share", threshold=float(th), k_enter=k, k_exit=k, name="candidate")
        for rel in g["relative"]:
            yield GreatPowerRule(weights=tuple(w), kind="relative", relative=float(rel), k_enter=k, k_exit=k, name="candidate")


def _rule_key(r: GreatPowerRule) -> tuple:
    return (r.weights, r.kind, r.threshold if r.kind == "share" else r.relative, r.k_enter, r.k_exit)


def grid_scores(
    version: str = "6.0",
    grid: dict[str, Sequence] | None = None,
    halves: tuple[tuple[int, int], tuple[int, int]] = (EARLY, LATE),
    path: PathArg = None,
) -> pd.DataFrame:
    """F1 of every candidate rule on the whole span and on each half (one row per rule)."""
    panel = CapabilityPanel.from_nmc(version, path)
    truth = panel.truth()
    last = int(major_state_years()["year"].max())
    full = panel.years <= last
    masks = [(panel.years >= a) & (panel.years <= b) for a, b in halves]
    rows = []
    cache: dict[tuple, np.ndarray] = {}
    for r in candidate_rules(grid):
        key = (r.weights,)
        if key not in cache:
            cache[key] = panel.score(r.weights)  # type: ignore[assignment]
        s, defined = cache[key]  # type: ignore[misc]
        raw = great_powers(s, rule=r.kind, threshold=r.threshold, relative=r.relative)
        pred = raw & panel.present if r.k_enter == 1 == r.k_exit else hysteresis(raw, panel.present, r.k_enter, r.k_exit, defined)
        rows.append(
            {
                "rule": r,
                "weights": r.weights,
                "kind": r.kind,
                "bar": r.threshold if r.kind == "share" else r.relative,
                "k": r.k_enter,
                "f1": f1_score(pred, truth, full),
                "f1_first": f1_score(pred, truth, masks[0]),
                "f1_second": f1_score(pred, truth, masks[1]),
            }
        )
    return pd.DataFrame(rows)


def split_validation(
    version: str = "6.0",
    grid: dict[str, Sequence] | None = None,
    path: PathArg = None,
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Choose the best rule on one half of the years, score it on the other (both ways), and on all years.

    Rows: ``chosen on`` (1816–1915, 1916–2016, all years), the chosen rule,
    its F1 on the years it was chosen on (in-sample) and on the other half
    (out-of-sample; NaN for "all years").
    """
    sc = grid_scores(version, grid, path=path) if scores is None else scores
    out = []
    for label, col, other in (
        (f"{EARLY[0]}–{EARLY[1]}", "f1_first", "f1_second"),
        (f"{LATE[0]}–{LATE[1]}", "f1_second", "f1_first"),
        ("all years", "f1", None),
    ):
        best = sc.loc[sc[col].idxmax()]
        r: GreatPowerRule = best["rule"]
        out.append(
            {
                "chosen_on": label,
                "rule": r.describe().split(": ", 1)[1],
                "f1_in_sample": float(best[col]),
                "f1_out_of_sample": float(best[other]) if other else float("nan"),
                "f1_all_years": float(best["f1"]),
            }
        )
    return pd.DataFrame(out)


def rule_from_options(
    rule: str = "default",
    weights: Sequence[float] | None = None,
    kind: str | None = None,
    threshold: float | None = None,
    relative: float | None = None,
    k_enter: int | None = None,
    k_exit: int | None = None,
) -> GreatPowerRule:
    """A named rule (``default``, ``baseline``) with any parameter overridden."""
    if rule not in RULES:
        raise ParameterError(f"--rule must be one of {', '.join(RULES)}, got {rule!r}")
    base = RULES[rule]
    changes: dict = {}
    if weights is not None:
        changes["weights"] = tuple(weights)
    for nm, v in (("kind", kind), ("threshold", threshold), ("relative", relative), ("k_enter", k_enter), ("k_exit", k_exit)):
        if v is not None:
            changes[nm] = v
    if changes:
        changes["name"] = f"{base.name} (modified)"
    try:
        return replace(base, **changes)
    except ParameterError as exc:
        # name the command-line option, not the dataclass field
        msg = str(exc)
        field_name = msg.split(" ", 1)[0]
        if field_name in changes:
            msg = "--" + field_name.replace("_", "-") + msg[len(field_name):]
        raise ParameterError(msg) from None
