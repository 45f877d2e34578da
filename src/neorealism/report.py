"""Every run readable without pandas: an offline HTML report of one result, and two results side by side.

:func:`write_report` turns a result directory (written by ``neorealism run``)
into ``DIR/report.html`` — one self-contained page, every figure embedded as
a PNG — and keeps the figures as files in ``DIR/report/``.  The page shows
what was run and its headline numbers (:func:`neorealism.api.summary`), power
shares over time, polarity and concentration (CON, HHI) over time with
intervals across worlds, a timeline of wars, alliances and state deaths, and
the survival of great powers and minor states.

:func:`compare` sets two results side by side on outcomes of the project's
one registry, :data:`neorealism.outcomes.OUTCOMES` (:data:`COMPARE_OUTCOMES`
by default): each run's figure pooled over its worlds (Σ numerator /
Σ denominator × scale), the difference B − A and a percentile bootstrap
interval of that difference, resampling the worlds of each run
independently (Efron & Tibshirani 1993, ch. 8: two independent samples).
Worlds are the independent replications of a Monte Carlo experiment, so the
world is the unit of resampling (Lee et al. 2015 on replication in
agent-based models).

>>> from neorealism import report                                         # doctest: +SKIP
>>> report.write_report("results/bipolar-seed0")                          # report.html + report/*.png
>>> cmp = report.compare("results/bipolar-seed0", "results/bipolar-nowar")
>>> cmp.frame()                                                           # one row per outcome
>>> report.per_world(rs, "wars")                                          # one value per world (numpy)

``report.OUTCOMES`` and ``report.Outcome`` are :mod:`neorealism.outcomes`'
own, not a copy.  The report of one run is computed in DuckDB over the
result's Parquet files (no table is loaded whole), except the bootstrap of
CON's mean, which reads the system table's ``con`` column when it is small
enough.  A comparison reads the tables its outcomes need into pandas (the
state rows only when an outcome needs them, only the first and last year's
when none needs more).
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .results import ResultSet

__all__ = [
    "COMPARE_OUTCOMES",
    "Comparison",
    "ReportFiles",
    "build_report",
    "compare",
    "default_compare_path",
    "per_world",
    "unavailable",
    "write_report",
]

#: Coverage of every interval.
LEVEL = 0.95
#: Bootstrap replicates of a comparison (per run and outcome).
BOOTSTRAP = 1000
#: States drawn with their own line and band in the power-share figure (the largest by mean share).
LEADING_STATES = 6
#: Most system rows (worlds × years) read into memory for the bootstrap of CON's mean; above, a normal interval.
MAX_BOOTSTRAP_ROWS = 2_000_000
#: Event kinds of the timeline: (event, label).
TIMELINE = (("war_start", "wars begun"), ("alliance_formed", "alliances formed"), ("death", "state deaths"))
#: Polarity labels in the order drawn.
POLARITY = ("unipolar", "bipolar", "multipolar", "nonpolar")
_POLARITY_COLOURS = {"unipolar": "#b2182b", "bipolar": "#2166ac", "multipolar": "#4dac26", "nonpolar": "#bababa",
                     "n/a": "#eeeeee"}
#: What each ``--states`` mode keeps, ordered: an outcome needing "ends" also works with "all".
_STATES_ORDER = {"none": 0, "ends": 1, "all": 2}


# --------------------------------------------------------------------------- small helpers


def _states_recorded(rs: ResultSet) -> str:
    mode = str(rs.manifest.get("states_recorded", "all"))
    return mode if mode in _STATES_ORDER else "all"


def _n_years(rs: ResultSet) -> int:
    """Simulated years as asked (year 0 is the initial state, so the system table has one year more)."""
    n = rs.manifest.get("years") or (rs.manifest.get("scenario") or {}).get("years")
    if n:
        return int(n)
    first, last = _span(rs)
    return 0 if first is None else last - first


#: Per result: its first and last year and its worlds (asked of DuckDB once per ResultSet).
_CACHE: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _cached(rs: ResultSet, key: str, compute: Callable[[], Any]) -> Any:
    try:
        store = _CACHE.setdefault(rs, {})
    except TypeError:  # not weak-referenceable: compute every time
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def _span(rs: ResultSet) -> tuple[int | None, int | None]:
    def compute() -> tuple[int | None, int | None]:
        r = rs.query("SELECT min(year) AS a, max(year) AS b FROM system").iloc[0]
        if r["a"] is None or r["a"] != r["a"]:
            return None, None
        return int(r["a"]), int(r["b"])

    return _cached(rs, "span", compute)


def _aggregates(rs: ResultSet) -> set[str]:
    """Names of the scenario's aggregate states ("rest of world": part of the power shares, not actors)."""
    sc = rs.manifest.get("scenario")
    states = sc.get("states") if isinstance(sc, dict) else None
    return {str(s.get("name")) for s in states or () if isinstance(s, dict) and s.get("aggregate")}


def _worlds(rs: ResultSet) -> np.ndarray:
    import numpy as np

    def compute() -> np.ndarray:
        w = rs.query("SELECT DISTINCT world FROM system ORDER BY world")["world"]
        return w.to_numpy(dtype=np.int64)

    return _cached(rs, "worlds", compute).copy()


# --------------------------------------------------------------------------- per-world outcomes


#: The outcomes a comparison shows unless told otherwise: names in :data:`neorealism.outcomes.OUTCOMES`.
COMPARE_OUTCOMES = ("wars", "gp_wars", "state_deaths", "gp_survival", "final_con", "final_hhi", "arms_burden",
                    "alliances_formed")


def __getattr__(name: str) -> Any:
    """``OUTCOMES`` and ``Outcome`` are :mod:`neorealism.outcomes`' own (imported on first use)."""
    if name in ("OUTCOMES", "Outcome"):
        from . import outcomes

        return getattr(outcomes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _outcome(name: str) -> Any:
    """The registered outcome ``name`` (:class:`neorealism.outcomes.Outcome`); ParameterError naming the known ones."""
    from .outcomes import OUTCOMES

    if name not in OUTCOMES:
        raise ParameterError(f"outcome {name!r}: unknown; allowed {', '.join(OUTCOMES)}")
    return OUTCOMES[name]


def unavailable(rs: ResultSet, name: str) -> str | None:
    """Why outcome ``name`` cannot be measured on ``rs`` (its state rows were not kept), or None."""
    o = _outcome(name)
    mode = _states_recorded(rs)
    if _STATES_ORDER[mode] < _STATES_ORDER[o.needs]:
        return f"needs the state rows of --states {o.needs}{' or all' if o.needs == 'ends' else ''} (run kept {mode})"
    return None


class _Tables:
    """A result's tables as :mod:`neorealism.outcomes` reads them.

    ``world`` is the world's position 0 … R − 1 in sorted world order.  Each
    table is read on first use; with ``needs="ends"`` only the first and last
    year's state rows are read.
    """

    def __init__(self, rs: ResultSet, needs: str):
        self._rs, self._needs = rs, needs
        self.worlds = _worlds(rs)
        self._cache: dict[str, Any] = {}

    def _positions(self, df: Any) -> Any:
        import numpy as np

        df = df.copy()
        df["world"] = np.searchsorted(self.worlds, df["world"].to_numpy(np.int64)).astype(np.int64)
        return df

    def _get(self, table: str) -> Any:
        if table not in self._cache:
            rs = self._rs
            if table == "states" and self._needs == "ends" and _states_recorded(rs) == "all":
                first, last = _span(rs)
                df = rs.query("SELECT * FROM states WHERE year = ? OR year = ?", [first, last])
            else:
                df = getattr(rs, table)
            self._cache[table] = self._positions(df)
        return self._cache[table]

    @property
    def states(self) -> Any:
        return self._get("states")

    @property
    def system(self) -> Any:
        return self._get("system")

    @property
    def events(self) -> Any:
        return self._get("events")


def _measure(rs: ResultSet, names: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-world (numerator, denominator) of every named outcome ``rs`` can measure (the others are left out)."""
    from .outcomes import measure

    ok = [n for n in names if unavailable(rs, n) is None]
    need = max((_outcome(n).needs for n in ok), key=_STATES_ORDER.__getitem__, default="none")
    t = _Tables(rs, need)
    return measure(t, ok, len(t.worlds), _n_years(rs))


def _ratio_per_world(num: np.ndarray, den: np.ndarray, scale: float) -> np.ndarray:
    import numpy as np

    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan) * scale


def per_world(rs: ResultSet, name: str) -> np.ndarray:
    """Outcome ``name`` of each world of ``rs`` on its own (numerator / denominator × scale), in world order.

    NaN where a world has no denominator (no initial great power, say), and
    all NaN when :func:`unavailable`.  A set of worlds' figure is pooled
    (Σ numerator / Σ denominator), not the mean of these values.
    """
    import numpy as np

    o = _outcome(name)
    if unavailable(rs, name) is not None:
        return np.full(len(_worlds(rs)), np.nan)
    num, den = _measure(rs, [name])[name]
    return _ratio_per_world(num, den, o.scale)


def _pooled(num: np.ndarray, den: np.ndarray, scale: float, rng: np.random.Generator, reps: int
            ) -> tuple[float, np.ndarray]:
    """Σnum / Σden × scale and its ``reps`` bootstrap replicates, this run's worlds resampled."""
    import numpy as np

    from .experiments.analysis import _ratio, indices

    if not len(num):
        return math.nan, np.full(reps, np.nan)
    return float(_ratio(num, den)) * scale, np.asarray(_ratio(num, den, indices(len(num), rng, reps))) * scale


# --------------------------------------------------------------------------- comparison


@dataclass
class CompareRow:
    """One outcome of a comparison: each run's figure pooled over its worlds, B − A, and bootstrap intervals."""

    name: str
    label: str
    unit: str
    a: float
    a_lo: float
    a_hi: float
    b: float
    b_lo: float
    b_hi: float
    diff: float
    lo: float
    hi: float
    n_a: int
    n_b: int
    note: str = ""

    @property
    def verdict(self) -> str:
        """``B > A`` / ``B < A`` when the difference's interval excludes 0, ``–`` when it holds 0, n/a without a figure."""
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)):
            return "n/a"
        if self.lo > 0:
            return "B > A"
        if self.hi < 0:
            return "B < A"
        return "–"


@dataclass
class Comparison:
    """Two results side by side (:func:`compare`)."""

    a: dict[str, Any]
    b: dict[str, Any]
    rows: list[CompareRow]
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def frame(self) -> Any:
        """One row per outcome (pandas)."""
        import pandas as pd

        recs = []
        for r in self.rows:
            recs.append({
                "outcome": r.name, "label": r.label, "unit": r.unit, "A": r.a, "A_lo": r.a_lo, "A_hi": r.a_hi,
                "B": r.b, "B_lo": r.b_lo, "B_hi": r.b_hi, "B_minus_A": r.diff, "diff_lo": r.lo, "diff_hi": r.hi,
                "worlds_A": r.n_a, "worlds_B": r.n_b, "verdict": r.verdict, "note": r.note,
            })
        return pd.DataFrame.from_records(recs)

    def table_rows(self) -> list[list[str]]:
        """The printed table's cells: outcome, A, B, B − A [interval], verdict."""
        return [[r.label, _cell(r.a, r.a_lo, r.a_hi), _cell(r.b, r.b_lo, r.b_hi), _cell(r.diff, r.lo, r.hi, signed=True),
                 r.verdict] for r in self.rows]

    def page(self) -> Any:
        """The comparison as an HTML page (:class:`neorealism.htmlpage.Page`)."""
        return _compare_page(self)

    def write(self, path: str | Path) -> Path:
        """Write the HTML comparison (atomically)."""
        return self.page().write(path)


def _fmt(x: float, signed: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    a = abs(x)
    digits = 3 if a < 10 else (2 if a < 100 else 1)
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


def _cell(v: float, lo: float, hi: float, signed: bool = False) -> str:
    if v is None or not math.isfinite(v):
        return "n/a"
    return f"{_fmt(v, signed)} [{_fmt(lo, signed)}, {_fmt(hi, signed)}]"


def _run_info(rs: ResultSet) -> dict[str, Any]:
    m = rs.manifest
    sc = m.get("scenario") if isinstance(m.get("scenario"), dict) else {}
    return {
        "path": str(rs.path), "name": str(sc.get("name", "?")), "worlds": int(m.get("worlds") or 0),
        "years": int(m.get("years") or 0), "seed": m.get("seed"), "states_recorded": _states_recorded(rs),
        "overrides": m.get("overrides"),
    }


def compare(
    dir_a: str | Path | ResultSet, dir_b: str | Path | ResultSet, *, outcomes: list[str] | None = None,
    seed: int = 0, level: float = LEVEL, reps: int = BOOTSTRAP,
) -> Comparison:
    """Compare two results on outcomes of :data:`neorealism.outcomes.OUTCOMES` (:data:`COMPARE_OUTCOMES` by default).

    Each run's figure is the outcome pooled over its worlds, Σ numerator /
    Σ denominator × scale (:mod:`neorealism.outcomes`), with a percentile
    bootstrap interval resampling that run's worlds; B − A is the difference
    of the two figures, with the percentile interval of B* − A* — the two
    runs' worlds resampled independently, as two independent samples
    (Efron & Tibshirani 1993, ch. 8; the runs are not paired).  ``reps``
    replicates per run and outcome from ``numpy.random.default_rng([seed,
    crc32(outcome), crc32("A" or "B")])``
    (:func:`neorealism.experiments.analysis.rng_for`): the same inputs give
    the same table.  An outcome that needs state rows a run did not keep is
    n/a, with a note.
    """
    import numpy as np

    from .experiments.analysis import _pct, rng_for
    from .results import ResultSet

    if not 0 < float(level) < 1:
        raise ParameterError(f"level = {level}: allowed 0 < level < 1")
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 10:
        raise ParameterError(f"reps = {reps!r}: allowed an integer ≥ 10")
    names = list(COMPARE_OUTCOMES) if outcomes is None else [_outcome(n).name for n in outcomes]
    opened: list[ResultSet] = []
    try:
        sets = []
        for d in (dir_a, dir_b):
            if isinstance(d, ResultSet):
                sets.append(d)
            else:
                rs = ResultSet.load(d)
                opened.append(rs)
                sets.append(rs)
        rs_a, rs_b = sets
        vals = {"A": _measure(rs_a, names), "B": _measure(rs_b, names)}
        rows = []
        for n in names:
            o = _outcome(n)
            fig: dict[str, tuple[float, float, float, int]] = {}
            boot = {}
            for side in "AB":
                num, den = vals[side].get(n, ((), ()))
                point, boot[side] = _pooled(num, den, o.scale, rng_for(seed, n, side), reps)
                fig[side] = (point, *_pct(boot[side], level), int((np.asarray(den) > 0).sum()))
            (a, a_lo, a_hi, n_a), (b, b_lo, b_hi, n_b) = fig["A"], fig["B"]
            why = [(side, unavailable(rs, n) or ("no world has a value" if not fig[side][3] else ""))
                   for side, rs in (("A", rs_a), ("B", rs_b))]
            why = [(side, w) for side, w in why if w]
            rows.append(CompareRow(
                n, o.label, o.unit, a, a_lo, a_hi, b, b_lo, b_hi, b - a, *_pct(boot["B"] - boot["A"], level),
                n_a, n_b, "; ".join(f"{side}: {w}" for side, w in why),
            ))
        info_a, info_b = _run_info(rs_a), _run_info(rs_b)
    finally:
        for rs in opened:
            rs.close()
    notes = [
        f"Each cell: the outcome pooled over the run's worlds (Σ numerator / Σ denominator, neorealism.outcomes) "
        f"[{level:.0%} percentile bootstrap interval, {reps} replicates, worlds resampled]; B − A: the two runs' "
        "worlds resampled independently.",
        "B > A / B < A: the interval of B − A excludes 0.",
    ]
    if info_a["years"] != info_b["years"]:
        notes.append(f"The runs simulate different numbers of years (A {info_a['years']}, B {info_b['years']}): "
                     "rates are per century, but final values and survival shares are at different horizons.")
    settings = {"seed": int(seed), "level": float(level), "reps": int(reps), "outcomes": names}
    return Comparison(info_a, info_b, rows, settings, notes)


def _slug(text: str) -> str:
    s = re.sub(r"[^\w.-]+", "-", str(text).strip()).strip("-.")
    return s or "run"


def default_compare_path(dir_a: str | Path, dir_b: str | Path) -> Path:
    """``compare-<name of A's folder>-vs-<name of B's folder>.html`` in the current directory."""
    return Path(f"compare-{_slug(Path(dir_a).absolute().name)}-vs-{_slug(Path(dir_b).absolute().name)}.html")


def _run_bullets(label: str, info: Mapping[str, Any]) -> str:
    ov = info.get("overrides")
    items = ([f"{k}={v}" for k, v in ov.items()] if isinstance(ov, dict) else [str(x) for x in ov]) if ov else []
    return (f"{label}: {info['name']} — {info['worlds']:,} worlds × {info['years']:,} years, seed {info['seed']}, "
            f"state rows {info['states_recorded']}" + (f", overrides {' '.join(items)}" if items else ", no overrides")
            + f" ({info['path']})")


def _compare_page(cmp: Comparison) -> Any:
    from .htmlpage import Page

    page = Page(f"{cmp.a['name']} vs {cmp.b['name']}", "Two neorealism runs side by side: A, B and B − A")
    page.heading("Runs")
    page.bullets([_run_bullets("A", cmp.a), _run_bullets("B", cmp.b)])
    page.heading("Outcomes (one value per world)")
    rows = [[r.label, r.unit, _cell(r.a, r.a_lo, r.a_hi), _cell(r.b, r.b_lo, r.b_hi),
             _cell(r.diff, r.lo, r.hi, signed=True), r.verdict, r.note] for r in cmp.rows]
    page.table(rows, columns=["outcome", "unit", "A [95%]", "B [95%]", "B − A [95%]", "difference", "note"],
               classes={"difference": lambda v: {"B > A": "held", "B < A": "did-not-hold"}.get(v)})
    page.paragraph(" ".join(cmp.notes))
    page.figure(_compare_figure(cmp), "Each outcome: A and B (pooled over each run's worlds, 95% bootstrap interval).")
    page.heading("Definitions", 3)
    page.bullets([f"{r.label} ({r.name}, neorealism.outcomes): {_outcome(r.name).doc}" for r in cmp.rows
                  if _outcome(r.name).doc])
    return page


def _compare_figure(cmp: Comparison) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(cmp.rows)
    cols = min(4, max(1, n))
    nrows = math.ceil(n / cols) if n else 1
    fig, axes = plt.subplots(nrows, cols, figsize=(3.2 * cols, 2.8 * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax, r in zip(axes.ravel(), cmp.rows, strict=False):
        for x, (v, lo, hi), colour in ((0, (r.a, r.a_lo, r.a_hi), "#1f4e79"), (1, (r.b, r.b_lo, r.b_hi), "#990000")):
            if math.isfinite(v):
                err = [[max(0.0, v - lo) if math.isfinite(lo) else 0.0], [max(0.0, hi - v) if math.isfinite(hi) else 0.0]]
                ax.errorbar(x, v, yerr=err, fmt="o", color=colour, capsize=4, ms=5)
            else:
                ax.text(x, 0.5, "n/a", transform=ax.get_xaxis_transform(), ha="center", fontsize=8)
        ax.set_xticks([0, 1], ["A", "B"])
        ax.set_xlim(-0.6, 1.6)
        ax.set_title(r.label, fontsize=8)
        ax.set_ylabel(r.unit, fontsize=7)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the report of one run


@dataclass
class ReportFiles:
    """What :func:`write_report` wrote."""

    html: Path
    png_dir: Path
    pngs: list[Path]
    notes: list[str]


def _out_paths(result_dir: Path, out: str | Path | None) -> tuple[Path, Path]:
    """The page and the PNG folder: ``DIR/report.html`` and ``DIR/report/`` (``--out X.html``: ``X/``)."""
    html = Path(out) if out is not None else result_dir / "report.html"
    return html, html.with_suffix("") if html.suffix else html.with_name(html.name + "-png")


def check_report_paths(result_dir: str | Path, out: str | Path | None = None, option: str = "--out") -> tuple[Path, Path]:
    """Refuse (ParameterError) a report target that cannot be written; nothing is created."""
    from .output import check_out_file, check_out_folder

    html, png_dir = _out_paths(Path(result_dir), out)
    check_out_file(html, option=option if out is not None else None)
    check_out_folder(png_dir, option="the figures' folder")
    return html, png_dir


def build_report(rs: ResultSet) -> tuple[Any, list[str]]:
    """The report of ``rs`` as a :class:`~neorealism.htmlpage.Page`, and the notes of what it left out."""
    import matplotlib

    matplotlib.use("Agg")
    from . import api
    from .htmlpage import Page

    s = api.summary(rs)
    mode = _states_recorded(rs)
    first, last = s["years"] if s.get("years") else (None, None)
    notes: list[str] = []
    page = Page(
        f"{s['name']}: {s['n_worlds']:,} worlds × {s['n_years']:,} years, seed {s['seed']}",
        f"neorealism run report — {rs.path}",
    )
    page.heading("What was run")
    ov = s.get("overrides")
    items = ([f"{k}={v}" for k, v in ov.items()] if isinstance(ov, dict) else [str(x) for x in ov]) if ov else []
    page.bullets([
        f"scenario: {s['name']} ({s['n_states']} states, start year {s.get('start_year')})",
        f"worlds: {s['n_worlds']:,}; simulated years: {s['n_years']:,}"
        + (f" (years {first}–{last}; year {first} is the initial state)" if first is not None else ""),
        f"seed: {s['seed']}",
        "overrides: " + (" ".join(f"--set {i}" for i in items) if items else "none"),
        f"state rows kept: {mode}",
        f"created: {s.get('created') or '?'}; neorealism {rs.manifest.get('version', '?')}, model "
        f"{rs.manifest.get('model', '?')}",
    ])
    if first is None:
        page.paragraph("This result has no rows: nothing to show.")
        return page, ["no rows"]

    page.heading("Headline numbers")
    con0, con1 = s.get("con", (math.nan, math.nan))
    hhi0, hhi1 = s.get("hhi", (math.nan, math.nan))
    rows = [
        ["wars started", s["wars_started"]],
        ["wars per world-century", float(s["wars_per_world_century"])],
        ["state deaths", s["deaths"]],
        ["state deaths per world", float(s["deaths_per_world"])],
        ["wars prevented", s.get("wars_prevented", 0)],
    ]
    if mode != "none":
        rows += [
            ["initial great powers (all worlds)", s["gp_initial"]],
            ["great-power survival (alive at the end)", float(s["gp_survival"])],
            ["great powers still great powers at the end", float(s["gp_retained"])],
        ]
    rows += [[f"CON, mean over worlds, year {first} → {last}", f"{_fmt(con0)} → {_fmt(con1)}"],
             [f"HHI, mean over worlds, year {first} → {last}", f"{_fmt(hhi0)} → {_fmt(hhi1)}"]]
    page.table(rows, columns=["measure", "value"])
    if s.get("lines"):
        page.heading("Run summary", 3)
        page.bullets(list(s["lines"]))

    _power_section(page, rs, mode, first, last, notes)
    _polarity_section(page, rs, first, last)
    _con_section(page, rs, notes)
    _timeline_section(page, rs, s["worlds"] or s["n_worlds"])
    _survival_section(page, rs, mode, first, last, notes)
    return page, notes


def _no_state_rows(page: Any, what: str, mode: str, notes: list[str]) -> None:
    text = (f"{what}: not shown — this run kept no state rows (--states none); run it again with --states all "
            "to see it.") if mode == "none" else (
        f"{what}: only the first and last year are shown — this run kept the state rows of those two years only "
        "(--states ends); run it again with --states all for the figure over time.")
    page.paragraph(text)
    notes.append(text)


def _power_section(page: Any, rs: ResultSet, mode: str, first: int, last: int, notes: list[str]) -> None:
    page.heading("Power shares")
    if mode == "none":
        _no_state_rows(page, "Power shares over time", mode, notes)
        return
    df = rs.query(
        """
        WITH p AS (SELECT year, state, CASE WHEN alive AND NOT isnan(power) THEN power ELSE 0 END AS v FROM states)
        SELECT year, state, avg(v) AS mean, quantile_cont(v, 0.025) AS lo, quantile_cont(v, 0.975) AS hi
        FROM p GROUP BY year, state ORDER BY year, state
        """
    )
    if not len(df):
        page.paragraph("No state rows.")
        return
    order = df.groupby("state")["mean"].mean().sort_values(ascending=False)
    lead = list(order.index[:LEADING_STATES])
    agg = _aggregates(rs)

    def name(st: Any) -> str:
        return f"{st} (aggregate)" if str(st) in agg else str(st)
    if mode == "ends":
        _no_state_rows(page, "Power shares over time", mode, notes)
        t = df[df["state"].isin(lead)].pivot(index="state", columns="year", values="mean").reindex(lead)
        page.table([[name(st), *(float(t.loc[st, y]) for y in t.columns)] for st in lead],
                   columns=["state", *(f"mean share, year {y}" for y in t.columns)])
        return
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.8))
    colours = plt.get_cmap("tab10")
    for i, st in enumerate(lead):
        d = df[df["state"] == st]
        c = colours(i % 10)
        ax.fill_between(d["year"], d["lo"], d["hi"], color=c, alpha=0.15, lw=0)
        ax.plot(d["year"], d["mean"], color=c, lw=1.8, label=name(st))
    ax.set_xlabel("year")
    ax.set_ylabel("power share (composite index)")
    ax.set_ylim(bottom=0)
    ax.set_xlim(first, last)
    ax.legend(fontsize=8, ncol=2, frameon=False)
    ax.set_title(f"The {len(lead)} leading states: mean share across worlds, 2.5–97.5 percentile band", fontsize=10)
    fig.tight_layout()
    rest = len(order) - len(lead)
    page.figure(fig, "Each state's power share (0 once dead): the line is the mean across worlds, the band the "
                "2.5–97.5 percentiles across worlds." + (f" {rest} smaller states are not drawn." if rest > 0 else ""),
                png="power_shares.png")


def _polarity_section(page: Any, rs: ResultSet, first: int, last: int) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    page.heading("Polarity and concentration")
    df = rs.query("SELECT year, coalesce(CAST(polarity AS VARCHAR), 'n/a') AS p, count(*) AS n FROM system "
                  "GROUP BY year, p ORDER BY year")
    tab = df.pivot_table(index="year", columns="p", values="n", aggfunc="sum", fill_value=0)
    tab = tab.div(tab.sum(axis=1), axis=0)
    for p in POLARITY:
        if p not in tab.columns:
            tab[p] = 0.0
    labels = list(POLARITY) + [p for p in tab.columns if p not in POLARITY]
    fig, ax = plt.subplots(figsize=(10, 3.6))
    years = tab.index.to_numpy()
    ax.stackplot(years, *(tab[p].to_numpy(dtype=np.float64) for p in labels), labels=labels,
                 colors=[_POLARITY_COLOURS.get(p, "#999999") for p in labels], alpha=0.85)
    ax.set_xlim(first, last)
    ax.set_ylim(0, 1)
    ax.set_xlabel("year")
    ax.set_ylabel("share of worlds")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_title("Polarity: share of worlds unipolar, bipolar, multipolar, nonpolar each year", fontsize=10)
    fig.tight_layout()
    page.figure(fig, "Share of worlds of each polarity per year (great powers counted by the scenario's "
                "params.measures rule).", png="polarity.png")
    picks = sorted({int(round(first + f * (last - first))) for f in np.linspace(0, 1, 5)})
    page.table([[y, *(float(tab.loc[y, p]) if y in tab.index else math.nan for p in labels)] for y in picks],
               columns=["year", *labels])


def _con_section(page: Any, rs: ResultSet, notes: list[str]) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    from .experiments.analysis import rng_for

    stats = rs.query(
        """
        SELECT year,
               avg(con) FILTER (WHERE NOT isnan(con)) AS con, quantile_cont(con, 0.025) FILTER (WHERE NOT isnan(con)) AS con_lo,
               quantile_cont(con, 0.975) FILTER (WHERE NOT isnan(con)) AS con_hi,
               stddev_samp(con) FILTER (WHERE NOT isnan(con)) AS con_sd, count(con) FILTER (WHERE NOT isnan(con)) AS con_n,
               avg(hhi) FILTER (WHERE NOT isnan(hhi)) AS hhi, quantile_cont(hhi, 0.025) FILTER (WHERE NOT isnan(hhi)) AS hhi_lo,
               quantile_cont(hhi, 0.975) FILTER (WHERE NOT isnan(hhi)) AS hhi_hi
        FROM system GROUP BY year ORDER BY year
        """
    )
    years = stats["year"].to_numpy()
    n_rows = int(rs.rows.get("system", 0))
    ci_lo = ci_hi = None
    how = ""
    if n_rows <= MAX_BOOTSTRAP_ROWS:
        sysdf = rs.query("SELECT world, year, con FROM system")
        mat = sysdf.pivot(index="world", columns="year", values="con").reindex(columns=years).to_numpy(np.float64)
        ok = np.isfinite(mat)
        x = np.where(ok, mat, 0.0)
        reps = 1000
        rng = rng_for(0, "report", "con")
        R = mat.shape[0]
        w = rng.multinomial(R, np.full(R, 1.0 / R), size=reps).astype(np.float64)  # resampled worlds' weights
        with np.errstate(invalid="ignore", divide="ignore"):
            means = (w @ x) / (w @ ok.astype(np.float64))
        ci_lo, ci_hi = np.nanpercentile(means, [2.5, 97.5], axis=0)
        how = f"percentile bootstrap over worlds ({reps} replicates)"
    else:
        se = stats["con_sd"].to_numpy(np.float64) / np.sqrt(np.maximum(stats["con_n"].to_numpy(np.float64), 1))
        ci_lo, ci_hi = stats["con"].to_numpy(np.float64) - 1.96 * se, stats["con"].to_numpy(np.float64) + 1.96 * se
        how = f"normal approximation (mean ± 1.96 standard errors; more than {MAX_BOOTSTRAP_ROWS:,} system rows)"
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, col, name in ((axes[0], "con", "CON"), (axes[1], "hhi", "HHI")):
        ax.fill_between(years, stats[f"{col}_lo"], stats[f"{col}_hi"], color="#1f4e79", alpha=0.15, lw=0,
                        label="2.5–97.5 percentiles across worlds")
        if col == "con":
            ax.fill_between(years, ci_lo, ci_hi, color="#1f4e79", alpha=0.4, lw=0, label="95% CI of the mean")
        ax.plot(years, stats[col], color="#1f4e79", lw=1.8, label="mean across worlds")
        ax.set_xlabel("year")
        ax.set_ylabel(name)
        ax.set_title(f"{name} over time", fontsize=10)
        ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    page.figure(fig, f"Concentration of capabilities: CON (Singer, Bremer & Stuckey 1972) and HHI. Line: mean across "
                f"worlds; light band: 2.5–97.5 percentiles across worlds; dark band (CON): 95% interval of the "
                f"mean, {how}.", png="concentration.png")
    picks = sorted({int(round(years[0] + f * (years[-1] - years[0]))) for f in np.linspace(0, 1, 5)})
    st = stats.set_index("year")
    lo_s = dict(zip(years.tolist(), np.asarray(ci_lo).tolist(), strict=True))
    hi_s = dict(zip(years.tolist(), np.asarray(ci_hi).tolist(), strict=True))
    page.table([[y, float(st.loc[y, "con"]), float(st.loc[y, "con_lo"]), float(st.loc[y, "con_hi"]), float(lo_s[y]),
                 float(hi_s[y])] for y in picks if y in st.index],
               columns=["year", "CON mean", "2.5% of worlds", "97.5% of worlds", "mean CI low", "mean CI high"])


def _timeline_section(page: Any, rs: ResultSet, worlds: int) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    page.heading("Wars, alliances and state deaths")
    kinds = [k for k, _ in TIMELINE]
    first, last = _span(rs)
    df = rs.query(
        f"SELECT year, event, count(*) AS n FROM events WHERE event IN ({', '.join('?' * len(kinds))}) "
        "GROUP BY year, event", kinds,
    )
    years = np.arange(first, last + 1)
    w = max(1, int(worlds))
    fig, axes = plt.subplots(len(TIMELINE), 1, figsize=(10, 1.9 * len(TIMELINE) + 0.6), sharex=True)
    totals = []
    for ax, (kind, label), colour in zip(axes, TIMELINE, ("#b2182b", "#2166ac", "#333333"), strict=True):
        d = df[df["event"] == kind].set_index("year")["n"].reindex(years, fill_value=0).to_numpy(np.float64) / w
        ax.bar(years, d, width=1.0, color=colour, lw=0)
        ax.set_ylabel("per world", fontsize=8)
        ax.set_title(f"{label} per year, mean per world", fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
        totals.append([label, float(d.sum()), float(d.sum() * 100.0 / max(1, _n_years(rs)))])
    axes[-1].set_xlabel("year")
    axes[-1].set_xlim(first - 0.5, last + 0.5)
    fig.tight_layout()
    page.figure(fig, "Events per year divided by the number of worlds: wars begun (war_start), new alliances "
                "(alliance_formed; joining an existing alliance is not counted) and state deaths (death).",
                png="timeline.png")
    page.table(totals, columns=["event", "per world (whole run)", "per world-century"])


def _survival_section(page: Any, rs: ResultSet, mode: str, first: int, last: int, notes: list[str]) -> None:
    page.heading("Survival")
    if mode == "none":
        _no_state_rows(page, "Survival of great powers and minor states", mode, notes)
        return
    agg = sorted(_aggregates(rs))
    skip = f"AND state NOT IN ({', '.join('?' * len(agg))})" if agg else ""
    df = rs.query(
        f"""
        WITH i AS (SELECT world, state, great_power AS gp FROM states WHERE year = ? AND alive {skip})
        SELECT s.year, i.gp, avg(CASE WHEN s.alive THEN 1.0 ELSE 0.0 END) AS share, count(*) AS n
        FROM states AS s JOIN i ON i.world = s.world AND i.state = s.state GROUP BY s.year, i.gp ORDER BY s.year
        """,
        [first, *agg],
    )
    if agg:
        page.paragraph(f"Aggregate states ({', '.join(agg)}) are not actors and are left out of the survival figures.")
    label = {True: "great powers at the start", False: "minor states at the start"}
    if mode == "ends":
        _no_state_rows(page, "Survival over time", mode, notes)
        page.table([[label[bool(g)], int(d["n"].iloc[0]), *(float(x) for x in d["share"])]
                    for g, d in df.groupby("gp", sort=False)],
                   columns=["states", "state-worlds", *(f"alive in year {y}" for y in sorted(df["year"].unique()))])
        return
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 3.6))
    for g, colour, style, lw in ((True, "#b2182b", "-", 2.6), (False, "#2166ac", "--", 1.6)):
        d = df[df["gp"] == g]
        if len(d):
            ax.plot(d["year"], d["share"], color=colour, lw=lw, ls=style, label=f"{label[g]} ({int(d['n'].iloc[0]):,} in all worlds)")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(first, last)
    ax.set_xlabel("year")
    ax.set_ylabel("share alive")
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    ax.set_title("Share of the initial states still alive", fontsize=10)
    fig.tight_layout()
    page.figure(fig, "Share of the states alive in the first year that are alive each year, pooled over worlds: "
                "the initial great powers (great powers in the first year) and the other states.", png="survival.png")


def write_report(result_dir: str | Path, out: str | Path | None = None) -> ReportFiles:
    """Write the report of the result in ``result_dir``: ``DIR/report.html`` and ``DIR/report/*.png``.

    ``out`` names the page instead (its figures go into the folder of the
    same name without ``.html``).  Bad targets and damaged results are
    refused before anything is written (:class:`~neorealism.errors.ParameterError`,
    :class:`~neorealism.results.ResultError`).
    """
    from .results import ResultSet

    result_dir = Path(result_dir)
    with ResultSet.load(result_dir) as rs:
        html, png_dir = check_report_paths(result_dir, out)
        page, notes = build_report(rs)
        page.write(html, png_dir=png_dir)
    return ReportFiles(html, png_dir, [png_dir / n for n, _ in page.pngs], notes)
