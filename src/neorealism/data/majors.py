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
2. a **bar**: ``share`` (score ≥ ``threshold`` of the system),
   ``relative`` (score ≥ ``relative`` × the leader's score), both via
   :func:`neorealism.measures.great_powers`, or ``concentration`` (score ≥
   ``concentration`` × the capability-weighted mean score Σs²/Σs, i.e. a
   share of at least ``concentration`` / N_eff, where N_eff = 1/HHI is the
   effective number of powers of Laakso & Taagepera 1979);
3. **persistence** (hysteresis): a state becomes a great power after
   ``k_enter`` consecutive years above the bar and stops being one after
   ``k_exit`` consecutive years below it.  :func:`concentration_bar` and
   :func:`hysteresis` (one :func:`neorealism.measures.hysteresis_step` per
   year) live in :mod:`neorealism.measures`, shared with the engine, whose
   default great-power rule (``measures.gp_rule: cow``) is this module's
   :data:`DEFAULT_RULE` read on the simulated components
   (``docs/great-powers.md``).  A state's first year in the data
   starts it in the status its raw reading gives; a year with no score for
   the state (all weighted components missing) leaves its counters as they
   were.  Great-power status is a standing that outlasts a bad year (Levy
   1983 stresses that it rests on sustained capability).

:data:`BASELINE` is the plain CINC-share rule (share ≥ 0.03, no
persistence: F1 ≈ 0.79 on v6.0).  :data:`DEFAULT_RULE` weights military
expenditure twice and primary energy consumption once — military power
backed by latent, industrial power (Mearsheimer 2001) — and leaves out
military personnel and the two population components, which make mass
armies and populous agrarian states (China before 1950, India) look like
great powers.  Its bar is system-relative: a score of at least 0.2 × the
capability-weighted mean score, a yardstick set by the whole top tier
rather than by the leader alone (whose wartime surges and post-1945
dominance move a leader-relative bar) or by the count of small states.
Entry takes 5 years above the bar, exit 8 years below (status is sticky).
On v6.0, 1816–2016, it reaches F1 0.915 in sample.

Honest figures: the rule family was chosen by looking at the data.
:func:`split_validation` re-runs the choice on one half of the years
(1816–1915 or 1916–2016) and scores it on the other, and on four of five
eras scoring the fifth (:data:`ERAS`), for the default's search grid
(:data:`SEARCH_GRID`) and for the previous one (:data:`LEADER_GRID`, whose
choice on all years is :data:`LEADER_RULE`, the previous default).  See
``docs/data.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..measures import composite_index, concentration_bar, great_powers, hysteresis
from .cinc import component_array
from .history import check_range
from .loaders import NMC_COMPONENTS, check_memory, load_nmc, major_state_years
from .source import DataFileError, DataSource, as_source

#: Bytes the capability panel needs per (year, component, state) cell: its float and boolean grids
#: and the temporaries of scoring a rule.
PANEL_BYTES_PER_CELL = 64

#: The bars a rule can use.
KINDS = ("share", "relative", "concentration")


@dataclass(frozen=True)
class GreatPowerRule:
    """A capability-only great-power rule (see the module docstring).

    weights: weights of (milex, milper, irst, pec, tpop, upop); equal
        weights give CINC.
    kind: ``share`` (score ≥ threshold), ``relative`` (score ≥ relative ×
        the leader's score) or ``concentration`` (score ≥ concentration ×
        the capability-weighted mean score Σs²/Σs).
    threshold: the bar for ``share`` (fraction of the system).
    relative: the bar for ``relative`` (fraction of the leader).
    concentration: the bar for ``concentration`` (fraction of Σs²/Σs).
    k_enter: consecutive years above the bar before a state becomes a great power.
    k_exit: consecutive years below the bar before it stops being one.
    """

    weights: tuple[float, ...] = (2.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    kind: Literal["share", "relative", "concentration"] = "concentration"
    threshold: float = 0.03
    relative: float = 0.10
    concentration: float = 0.20
    k_enter: int = 5
    k_exit: int = 8
    name: str = field(default="military-industrial, concentration bar", compare=False)

    def __post_init__(self) -> None:
        w = tuple(float(x) for x in self.weights)
        if len(w) != len(NMC_COMPONENTS) or any(x < 0 for x in w) or sum(w) <= 0:
            raise ParameterError(
                f"weights must be {len(NMC_COMPONENTS)} non-negative numbers "
                f"({', '.join(NMC_COMPONENTS)}) with a positive sum, got {self.weights!r}",
                field="weights",
            )
        object.__setattr__(self, "weights", w)
        if self.kind not in KINDS:
            raise ParameterError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}", field="kind")
        if not 0 < self.threshold <= 1:
            raise ParameterError(f"threshold must be in (0, 1], got {self.threshold}", field="threshold")
        if not 0 < self.relative <= 1:
            raise ParameterError(f"relative must be in (0, 1], got {self.relative}", field="relative")
        if not 0 < self.concentration <= 1:
            raise ParameterError(f"concentration must be in (0, 1], got {self.concentration}", field="concentration")
        for nm in ("k_enter", "k_exit"):
            v = getattr(self, nm)
            if int(v) != v or v < 1:
                raise ParameterError(f"{nm} must be an integer ≥ 1, got {v}", field=nm)
            object.__setattr__(self, nm, int(v))

    def describe(self) -> str:
        w = ", ".join(f"{c}×{x:g}" for c, x in zip(NMC_COMPONENTS, self.weights, strict=True) if x)
        bar = {
            "share": f"score ≥ {self.threshold:g} of the system",
            "relative": f"score ≥ {self.relative:g} × leader",
            "concentration": f"score ≥ {self.concentration:g} × Σs²/Σs",
        }[self.kind]
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
#: The documented default rule: 2·milex + pec, score ≥ 0.2 × Σs²/Σs, enter after 5 years, leave after 8.
DEFAULT_RULE = GreatPowerRule()
#: The previous default (leader-relative bar), the best rule of :data:`LEADER_GRID` on all years.
LEADER_RULE = GreatPowerRule(
    weights=(2.0, 0.0, 0.0, 1.0, 0.0, 0.0), kind="relative", relative=0.10, k_enter=8, k_exit=8,
    name="military-industrial, leader-relative (previous default)",
)
#: Named rules for the CLI.
RULES: dict[str, GreatPowerRule] = {"default": DEFAULT_RULE, "leader": LEADER_RULE, "baseline": BASELINE}

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

#: The grid the default comes from (4,830 rules): weight profiles × concentration bars ×
#: (k_enter, k_exit) pairs with exit no faster than entry.
SEARCH_GRID: dict[str, Sequence] = {
    "weights": tuple(WEIGHT_PROFILES.values()),
    "concentration": tuple(np.round(np.arange(0.05, 0.601, 0.025), 4)),
    "k_pairs": tuple((ke, kx) for ke in (1, 3, 5, 8) for kx in (3, 5, 8, 10, 15, 20) if kx >= ke),
}
#: The grid the previous default (:data:`LEADER_RULE`) came from (2,220 rules): weight
#: profiles × share and leader-relative bars × symmetric persistence.
LEADER_GRID: dict[str, Sequence] = {
    "weights": tuple(WEIGHT_PROFILES.values()),
    "share": tuple(np.round(np.arange(0.02, 0.0701, 0.005), 4)),
    "relative": tuple(np.round(np.arange(0.05, 0.301, 0.01), 4)),
    "k": (1, 3, 5, 8, 10, 12),
}
#: The grids :func:`split_validation` reports by default.
GRIDS: dict[str, dict[str, Sequence]] = {"default (concentration)": SEARCH_GRID, "previous (leader/share)": LEADER_GRID}

#: Years of the two halves used for out-of-sample checks.
EARLY = (1816, 1915)
LATE = (1916, 2016)
#: Eras for leave-one-era-out checks.
ERAS: tuple[tuple[int, int], ...] = ((1816, 1870), (1871, 1918), (1919, 1945), (1946, 1989), (1990, 2016))


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
    def from_nmc(cls, version: str = "6.0", source: DataSource | None = None) -> CapabilityPanel:
        nmc = load_nmc(version, source)
        # the rule's persistence follows each state across years: one dense (years × 6 × states) grid
        n_cells = int(nmc["year"].nunique()) * int(nmc["ccode"].nunique()) * len(NMC_COMPONENTS)
        check_memory(
            "nmc", as_source(source).path("nmc", version), PANEL_BYTES_PER_CELL * n_cells,
            f"the major-power rule's grid of {nmc['year'].nunique():,} years × {nmc['ccode'].nunique():,} states",
        )
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

    def truth(self, source: DataSource | None = None) -> np.ndarray:
        """COW major-power state-years (``source``'s list) as a (Y, N) mask (the target; never a rule input)."""
        m = major_state_years(source=source)
        m = m[m["year"].between(self.years[0], self.years[-1]) & m["ccode"].isin(self.ccodes)]
        t = np.zeros(self.present.shape, dtype=bool)
        t[np.searchsorted(self.years, m["year"]), np.searchsorted(self.ccodes, m["ccode"])] = True
        return t


def raw_reading(rule: GreatPowerRule, scores: np.ndarray) -> np.ndarray:
    """(Y, N) year-by-year reading of the rule's bar (before persistence)."""
    if rule.kind == "concentration":
        return concentration_bar(scores, rule.concentration)
    return great_powers(scores, rule=rule.kind, threshold=rule.threshold, relative=rule.relative)


def identify(rule: GreatPowerRule, panel: CapabilityPanel) -> np.ndarray:
    """(Y, N) great-power mask under ``rule``."""
    s, defined = panel.score(rule.weights)
    raw = raw_reading(rule, s)
    if rule.k_enter == 1 and rule.k_exit == 1:
        return raw & panel.present
    return hysteresis(raw, panel.present, rule.k_enter, rule.k_exit, defined)


def great_power_years(
    rule: GreatPowerRule = DEFAULT_RULE, version: str = "6.0", source: DataSource | None = None
) -> pd.DataFrame:
    """State-years the rule calls great powers (in ``source``'s NMC file): year, ccode, stateabb, score."""
    panel = CapabilityPanel.from_nmc(version, source)
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
    source: DataSource | None = None,
) -> Agreement:
    """Score ``rule`` against COW's major-power state-years (years ≤ the list's last year).

    The rule runs over the whole NMC file (persistence needs the years
    before ``start``); F1, precision and recall count the state-years in
    ``start``–``end``.  ``differences`` lists every (year, state) where they
    differ: ``false_positive`` (the rule says great power, COW does not) or
    ``false_negative``.  ``source`` names the NMC file and the major-power
    list (``None``: the shipped ones).
    """
    panel = CapabilityPanel.from_nmc(version, source)
    truth = panel.truth(source)
    last = _list_last_year(panel, source)
    lo, hi = int(panel.years[0]), min(int(panel.years[-1]), last)
    s, e = check_range(start, end, lo, hi, years="the years both the NMC file and COW's major-power list cover")
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


def _k_pairs(g: dict[str, Sequence]) -> list[tuple[int, int]]:
    pairs = [(int(k), int(k)) for k in g.get("k", ())] + [(int(ke), int(kx)) for ke, kx in g.get("k_pairs", ())]
    if not pairs:
        raise ParameterError("a search grid needs 'k' (symmetric persistence) or 'k_pairs' ((k_enter, k_exit) pairs)")
    return pairs


def _grid_bars(g: dict[str, Sequence]) -> list[tuple[str, float]]:
    bars = [(kind, float(v)) for kind in KINDS for v in g.get(kind, ())]
    if not bars:
        raise ParameterError(f"a search grid needs at least one of {', '.join(KINDS)}")
    return bars


def _make_rule(w: Sequence[float], kind: str, bar: float, ke: int, kx: int) -> GreatPowerRule:
    return GreatPowerRule(
        weights=tuple(w), kind=kind, k_enter=ke, k_exit=kx, name="candidate",  # type: ignore[arg-type]
        **{{"share": "threshold"}.get(kind, kind): bar},
    )


def candidate_rules(grid: dict[str, Sequence] | None = None) -> Iterable[GreatPowerRule]:
    """Every rule of a search grid (default :data:`SEARCH_GRID`): weight profiles × bars × persistence.

    Grid keys: ``weights``; any of ``share``, ``relative``, ``concentration``
    (bar values); ``k`` (symmetric persistence) and/or ``k_pairs``
    ((k_enter, k_exit) pairs).
    """
    g = SEARCH_GRID if grid is None else grid
    for w in g["weights"]:
        for kind, bar in _grid_bars(g):
            for ke, kx in _k_pairs(g):
                yield _make_rule(w, kind, bar, ke, kx)


def _grid_counts(panel: CapabilityPanel, truth: np.ndarray, grid: dict[str, Sequence]) -> tuple[list[GreatPowerRule], np.ndarray]:
    """Every rule of the grid and its (true +, false +, false −) per year: an (R, 3, Y) array.

    Rules sharing a score and a bar are run through :func:`hysteresis` side by side.
    """
    rules: list[GreatPowerRule] = []
    counts: list[np.ndarray] = []
    pairs = _k_pairs(grid)
    ke = np.repeat([p[0] for p in pairs], panel.present.shape[1])
    kx = np.repeat([p[1] for p in pairs], panel.present.shape[1])
    K = len(pairs)
    present_k = np.tile(panel.present, (1, K))
    truth_k = np.tile(truth, (1, K))
    for w in grid["weights"]:
        s, defined = panel.score(w)
        defined_k = np.tile(defined, (1, K))
        for kind, bar in _grid_bars(grid):
            rule0 = _make_rule(w, kind, bar, 1, 1)
            raw = np.tile(raw_reading(rule0, s), (1, K))
            pred = hysteresis(raw, present_k, ke, kx, defined_k)  # type: ignore[arg-type]
            c = np.stack([(pred & truth_k), (pred & ~truth_k), (~pred & truth_k)])  # (3, Y, K·N)
            c = c.reshape(3, c.shape[1], K, -1).sum(axis=3).transpose(2, 0, 1)  # (K, 3, Y)
            counts.append(c)
            rules.extend(replace(rule0, k_enter=p[0], k_exit=p[1]) for p in pairs)
    return rules, np.concatenate(counts, axis=0)


def _f1_counts(c: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """F1 of each rule from (R, 3, Y) counts over the masked years."""
    tp, fp, fn = c[:, :, mask].sum(axis=2).T.astype(np.float64)
    den = 2 * tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 2 * tp / np.where(den > 0, den, 1.0), np.nan)


def _panel_truth(version: str, source: DataSource | None) -> tuple[CapabilityPanel, np.ndarray, int]:
    panel = CapabilityPanel.from_nmc(version, source)
    return panel, panel.truth(source), _list_last_year(panel, source)


def _list_last_year(panel: CapabilityPanel, source: DataSource | None) -> int:
    """The major-power list's last year; a :class:`DataFileError` if none of its years is in the NMC file's."""
    m = major_state_years(source=source)
    lo, hi = int(panel.years[0]), int(panel.years[-1])
    if m.empty or not m["year"].between(lo, hi).any():
        span = "no state-years" if m.empty else f"{int(m['year'].min())}–{int(m['year'].max())}"
        raise DataFileError(
            "majors", as_source(source).path("majors"),
            f"no major-power state-year falls in the NMC file's years {lo}–{hi} (the list covers {span}); "
            "nothing to compare",
        )
    return int(m["year"].max())


def grid_scores(
    version: str = "6.0",
    grid: dict[str, Sequence] | None = None,
    halves: tuple[tuple[int, int], tuple[int, int]] = (EARLY, LATE),
    source: DataSource | None = None,
) -> pd.DataFrame:
    """F1 of every candidate rule on the whole span and on each half (one row per rule)."""
    panel, truth, last = _panel_truth(version, source)
    rules, c = _grid_counts(panel, truth, SEARCH_GRID if grid is None else grid)
    full = panel.years <= last
    masks = [(panel.years >= a) & (panel.years <= b) for a, b in halves]
    return pd.DataFrame(
        {
            "rule": rules,
            "weights": [r.weights for r in rules],
            "kind": [r.kind for r in rules],
            "bar": [{"share": r.threshold, "relative": r.relative}.get(r.kind, r.concentration) for r in rules],
            "k_enter": [r.k_enter for r in rules],
            "k_exit": [r.k_exit for r in rules],
            "f1": _f1_counts(c, full),
            "f1_first": _f1_counts(c, masks[0]),
            "f1_second": _f1_counts(c, masks[1]),
        }
    )


def _best(f1: np.ndarray) -> int:
    """Index of the highest F1 (the first on ties, i.e. grid order)."""
    return int(np.nanargmax(f1))


def split_validation(
    version: str = "6.0",
    grids: dict[str, dict[str, Sequence]] | None = None,
    source: DataSource | None = None,
) -> pd.DataFrame:
    """Choose the best rule of each grid on some years, score it on the others.

    For each grid (default :data:`GRIDS`: the default's and the previous
    one), rows ``chosen on``: ``1816–1915`` (scored on 1916–2016),
    ``1916–2016`` (scored on 1816–1915), ``4 of 5 eras`` (a rule chosen on
    every four of :data:`ERAS`, scored on the fifth; out-of-sample F1 pooled
    over the five held-out eras, the rule column lists the five choices)
    and ``all years`` (in-sample only).  Columns: the F1 on the years the
    rule was chosen on (in sample), on the held-out years (out of sample)
    and on all years.
    """
    panel, truth, last = _panel_truth(version, source)
    full = panel.years <= last

    def ym(a: int, b: int) -> np.ndarray:
        return (panel.years >= a) & (panel.years <= b) & full

    def short(r: GreatPowerRule) -> str:
        return r.describe().split(": ", 1)[1]

    out = []
    for gname, grid in (GRIDS if grids is None else grids).items():
        rules, c = _grid_counts(panel, truth, grid)
        f1_all = _f1_counts(c, full)
        for (a, b), (oa, ob) in ((EARLY, LATE), (LATE, EARLY)):
            i = _best(_f1_counts(c, ym(a, b)))
            out.append(
                {
                    "grid": gname,
                    "chosen_on": f"{a}–{b}",
                    "scored_on": f"{oa}–{ob}",
                    "rule": short(rules[i]),
                    "f1_in_sample": float(_f1_counts(c[i : i + 1], ym(a, b))[0]),
                    "f1_out_of_sample": float(_f1_counts(c[i : i + 1], ym(oa, ob))[0]),
                    "f1_all_years": float(f1_all[i]),
                }
            )
        held = np.zeros(3)
        chosen = []
        for e, (a, b) in enumerate(ERAS):
            train = np.zeros_like(full)
            for j, (ja, jb) in enumerate(ERAS):
                if j != e:
                    train |= ym(ja, jb)
            i = _best(_f1_counts(c, train))
            held += c[i][:, ym(a, b)].sum(axis=1)
            chosen.append(f"{a}–{b}: {short(rules[i])}")
        tp, fp, fn = held
        out.append(
            {
                "grid": gname,
                "chosen_on": "4 of 5 eras",
                "scored_on": "the 5th (pooled)",
                "rule": "; ".join(chosen),
                "f1_in_sample": float("nan"),
                "f1_out_of_sample": float(2 * tp / (2 * tp + fp + fn)),
                "f1_all_years": float("nan"),
            }
        )
        i = _best(f1_all)
        out.append(
            {
                "grid": gname,
                "chosen_on": "all years",
                "scored_on": "—",
                "rule": short(rules[i]),
                "f1_in_sample": float(f1_all[i]),
                "f1_out_of_sample": float("nan"),
                "f1_all_years": float(f1_all[i]),
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
    concentration: float | None = None,
) -> GreatPowerRule:
    """A named rule (``default``, ``leader``, ``baseline``) with any parameter overridden."""
    if rule not in RULES:
        raise ParameterError(f"rule must be one of {', '.join(RULES)}, got {rule!r}", field="rule")
    base = RULES[rule]
    changes: dict = {}
    if weights is not None:
        changes["weights"] = tuple(weights)
    for nm, v in (
        ("kind", kind), ("threshold", threshold), ("relative", relative),
        ("k_enter", k_enter), ("k_exit", k_exit), ("concentration", concentration),
    ):
        if v is not None:
            changes[nm] = v
    if changes:
        changes["name"] = f"{base.name} (modified)"
    return replace(base, **changes)
