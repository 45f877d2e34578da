"""Outcomes of a run, measured world by world: what experiments, comparisons and reports compare.

A registry of reporters in the manner of Mesa's DataCollector: each
:class:`Outcome` turns a run's tables into two numbers per world, a
numerator and a denominator, and the outcome of a set of worlds is
Σ numerator / Σ denominator × ``scale`` (a rate per century, a share, a
mean).  Because every world contributes its own pair, the figure and its
bootstrap over worlds do not depend on how the worlds were chunked or
batched.

The outcomes are the structural theory's dependent variables:

- ``wars``, ``gp_wars`` — wars begun, and wars between two great powers
  (both great powers in the year before), per century (Waltz 1979, ch. 8;
  Levy 1983);
- ``gp_survival``, ``minor_survival`` — the share of the initial great
  powers, and of the initial minor states, alive at the end (survival is
  the first aim under anarchy, Waltz 1979, ch. 5; Fazal 2007);
- ``state_deaths`` — states conquered per century;
- ``polarity_duration`` — years the initial polarity lasts (censored at
  the run's end);
- ``arms_burden`` — the mean military burden of the living states
  (internal balancing), ``burden_others`` that of every state but the
  strongest (balancing a hegemon);
- ``alliances_formed`` — new alliances per century; ``alliances_against_leader``
  those formed against the strongest state (external balancing against a
  hegemon, Walt 1987);
- ``balancing_rate`` — the share of rising states that draw a new alliance
  against them within a few years (Waltz 1979, ch. 6), and
  ``balancing_delay`` — the years from the start of the rise to that
  alliance;
- ``arms_races``, ``spirals`` — arms races per century and those the
  beliefs call spirals (Jervis 1976; Kydd 2005);
- ``cooperation`` — the share of offered deals accepted (Grieco 1988);
- ``offensive_survival``, ``defensive_survival``, ``offensive_power_gain``
  — which doctrine survives and prospers: the survival of the states whose
  doctrine aims at relative power (offensive realism, Mearsheimer 2001)
  and of the others, and the power share the former gain over the run
  (defensive realists expect expansion not to pay where defence dominates:
  Snyder 1991; Van Evera 1999);
- ``con``, ``hhi`` — the mean concentration over the run (Ray & Singer
  1973; Mansfield 1992); ``final_con``, ``final_hhi`` — the concentration
  in the run's last year.

Each outcome says which state rows it reads (``needs``): ``"none"`` — the
system and events tables only; ``"ends"`` — the state rows of the first and
last year (a run made with ``--states ends`` suffices); ``"all"`` — every
year's.  The experiment layer always has every row; the comparison of two
stored results (:func:`neorealism.report.compare`) marks an outcome n/a
when a run kept fewer state rows than it needs.  This is the project's one
registry of outcomes: experiments, comparisons and the scorecard's
balancing counts all read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["OUTCOMES", "Outcome", "balancing_counts", "measure", "outcome"]


@dataclass(frozen=True)
class Outcome:
    """One outcome: ``fn(tables, R, T) -> (num, den)``, one value each per world position 0 … R − 1."""

    name: str
    label: str
    unit: str
    fn: Callable[[Any, int, int], tuple[np.ndarray, np.ndarray]]
    #: multiplies Σnum / Σden (100 for "per century" with den in years)
    scale: float = 1.0
    #: what a reader needs to know of its definition
    doc: str = ""
    #: the state rows ``fn`` reads: "none" (system and events only), "ends" (first and last year), "all"
    needs: str = "none"


def _counts(frame: pd.DataFrame, R: int) -> np.ndarray:
    """Rows of ``frame`` per world position."""
    if not len(frame):
        return np.zeros(R)
    return np.bincount(frame["world"].to_numpy(np.int64), minlength=R)[:R].astype(np.float64)


def _sums(frame: pd.DataFrame, col: str, R: int) -> np.ndarray:
    if not len(frame):
        return np.zeros(R)
    return np.bincount(frame["world"].to_numpy(np.int64), weights=frame[col].to_numpy(np.float64), minlength=R)[:R]


def _events(t: Any, kind: str) -> pd.DataFrame:
    ev = t.events
    return ev[ev["event"].astype(str) == kind]


def _per_century(kind: str) -> Callable[[Any, int, int], tuple[np.ndarray, np.ndarray]]:
    def fn(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
        return _counts(_events(t, kind), R), np.full(R, float(T))

    return fn


def _gp_wars(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    starts = _events(t, "war_start")[["world", "year", "attacker", "defender"]].astype({"attacker": str, "defender": str})
    st = t.states
    gp = st.loc[st["great_power"].astype(bool), ["world", "year", "state"]].astype({"state": str})
    gp = gp.assign(year=gp["year"] + 1)
    a = starts.merge(gp.rename(columns={"state": "attacker"}), on=["world", "year", "attacker"])
    both = a.merge(gp.rename(columns={"state": "defender"}), on=["world", "year", "defender"])
    return _counts(both, R), np.full(R, float(T))


def _first_last(t: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first and the last year's state rows (all that a ``--states ends`` table holds)."""
    st = t.states
    y0, y1 = st["year"].min(), st["year"].max()
    return st[st["year"] == y0], st[st["year"] == y1]


def _survival(great: bool) -> Callable[[Any, int, int], tuple[np.ndarray, np.ndarray]]:
    def fn(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
        first, last = _first_last(t)
        actors = first[first["alive"].astype(bool) & (first["great_power"].astype(bool) == great)][["world", "state"]]
        end = actors.merge(last[["world", "state", "alive"]], on=["world", "state"], how="left")
        alive = end[end["alive"].fillna(False).astype(bool)]
        return _counts(alive, R), _counts(actors, R)

    return fn


def _maximisers(t: Any) -> set[str] | None:
    """Names of the states whose doctrine aims at relative power (offensive realism); None without a scenario."""
    sc = getattr(t, "scenario", None)
    if sc is None:
        return None
    from .mechanisms.doctrines import get

    return {s.name for s in sc.states if not s.aggregate and get(s.doctrine).classifier["aim"] == "relative power"}


def _doctrine_survival(offensive: bool) -> Callable[[Any, int, int], tuple[np.ndarray, np.ndarray]]:
    def fn(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
        names = _maximisers(t)
        if names is None:
            return np.zeros(R), np.zeros(R)
        first, last = _first_last(t)
        pick = first["state"].astype(str).isin(names) == offensive
        actors = first[first["alive"].astype(bool) & pick][["world", "state"]]
        if getattr(t, "scenario", None) is not None:
            agg = {s.name for s in t.scenario.states if s.aggregate}
            actors = actors[~actors["state"].astype(str).isin(agg)]
        end = actors.merge(last[["world", "state", "alive"]], on=["world", "state"], how="left")
        return _counts(end[end["alive"].fillna(False).astype(bool)], R), _counts(actors, R)

    return fn


def _offensive_gain(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    names = _maximisers(t)
    if names is None:
        return np.zeros(R), np.zeros(R)
    first, last = _first_last(t)

    def held(rows: pd.DataFrame) -> np.ndarray:
        r = rows[rows["alive"].astype(bool) & rows["state"].astype(str).isin(names)]
        return _sums(r, "power", R)

    return held(last) - held(first), np.ones(R)


def _polarity_duration(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    s = t.system.sort_values(["world", "year"])
    pol = s["polarity"].astype(str).to_numpy()
    w = s["world"].to_numpy(np.int64)
    first = np.r_[True, w[1:] != w[:-1]]
    start_pol = pol[first][np.cumsum(first) - 1]
    changed = pol != start_pol
    years = s["year"].to_numpy(np.int64)
    y0 = years[first][np.cumsum(first) - 1]
    out = np.full(R, float(T))
    hit = pd.Series(np.where(changed, years - y0, T)).groupby(w).min()
    out[hit.index.to_numpy()] = hit.to_numpy(np.float64)
    return out, np.ones(R)


def _alive_rows(t: Any) -> pd.DataFrame:
    st = t.states
    return st[st["alive"].astype(bool) & (st["year"] > st["year"].min())]


def _burden(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    a = _alive_rows(t)
    return _sums(a, "burden", R), _counts(a, R)


def _leaders(t: Any) -> pd.DataFrame:
    """The strongest living state of each world-year."""
    st = t.states
    a = st[st["alive"].astype(bool)]
    idx = a.groupby(["world", "year"])["power"].idxmax()
    return a.loc[idx, ["world", "year", "state"]].astype({"state": str})


def _burden_others(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    a = _alive_rows(t).astype({"state": str})
    lead = _leaders(t).rename(columns={"state": "leader"})
    m = a.merge(lead, on=["world", "year"])
    m = m[m["state"] != m["leader"]]
    return _sums(m, "burden", R), _counts(m, R)


def _against_leader(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    f = _events(t, "alliance_formed")[["world", "year", "against"]].astype({"against": str})
    lead = _leaders(t).assign(year=lambda d: d["year"] + 1).rename(columns={"state": "against"})
    hit = f.merge(lead, on=["world", "year", "against"])
    return _counts(hit, R), np.full(R, float(T))


def balancing_counts(st: pd.DataFrame, ev: pd.DataFrame, worlds: np.ndarray, T: int,
                     alliance_events: tuple[Any, str | None, list[str]] | None = None,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
    """Per world: rising states that drew a new alliance against them, rising states, summed delays; the threat field.

    A rise is a ``RISE_Y``-year window in which a state's power share grows
    by ``RISE_X`` (relative) to at least ``RISE_MIN_SHARE``
    (:mod:`neorealism.scorecard`); it draws balancing when an alliance event
    naming it as the threat follows within the window or ``RISE_Z`` years
    after it (Waltz 1979, ch. 6; Walt 1987).  The delay is the years from the
    window's start to the first such alliance.  Returns NaN-free arrays in
    the order of ``worlds``; the threat field is None when the events name no
    threat (then any new alliance without the riser counts).  ``alliance_events``: the new
    alliances as :func:`neorealism.scorecard._alliance_events` picks them, when the caller has them.
    """
    from .scorecard import RISE_Y, RISE_Z, _alliance_events, _rising_episodes

    a, threat, members = _alliance_events(ev) if alliance_events is None else alliance_events
    k_w, n_w, d_w = np.zeros(len(worlds)), np.zeros(len(worlds)), np.zeros(len(worlds))
    names = pd.Index(sorted(st["state"].astype(str).unique()))
    pv = st.assign(state=st["state"].astype(str), power=np.where(st["alive"].astype(bool), st["power"], 0.0))
    by_world = {w: g for w, g in a.groupby("world")} if a is not None else {}
    pos = {w: i for i, w in enumerate(worlds)}
    for w, g in pv.groupby("world"):
        wi = pos.get(w)
        if wi is None:
            continue
        tab = g.pivot(index="year", columns="state", values="power").reindex(columns=names).fillna(0.0)
        sh = tab.to_numpy(dtype=np.float64)
        years = tab.index.to_numpy()
        al = by_world.get(w)
        for i, t0 in _rising_episodes(sh, sh > 0):
            y0, y_last = int(years[t0]), int(years[t0 + RISE_Y]) + RISE_Z
            if y_last > T:
                continue
            n_w[wi] += 1
            if al is None:
                continue
            win = al[(al["year"] > y0) & (al["year"] <= y_last)]
            riser = names[i]
            if threat is not None:
                hits = win[win[threat].astype(str) == riser]
            else:
                mem = [win[c].astype(str) for c in members]
                hits = win if not mem or not any((m == riser).any() for m in mem) else win.iloc[:0]
            if len(hits):
                k_w[wi] += 1
                d_w[wi] += float(hits["year"].min() - y0)
    return k_w, n_w, d_w, threat


def _balancing(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    k, n, _, _ = balancing_counts(t.states, t.events, np.arange(R), T)
    return k, n


def _balancing_delay(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    k, _, d, _ = balancing_counts(t.states, t.events, np.arange(R), T)
    return d, k


def _spirals(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    races = _events(t, "arms_race")
    # the event's spiral field is a label ("yes" / "no"), not a truth value
    sp = races[races["spiral"].astype(str) == "yes"] if "spiral" in races else races.iloc[:0]
    return _counts(sp, R), np.full(R, float(T))


def _system_sum(col: str) -> Callable[[Any, int, int], tuple[np.ndarray, np.ndarray]]:
    def fn(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
        s = t.system
        s = s[s["year"] > s["year"].min()]
        v = s[col].astype("float64")
        ok = s[np.isfinite(v.to_numpy())]
        return _sums(ok, col, R), _counts(ok, R)

    return fn


def _cooperation(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    s = t.system
    return _sums(s, "deals_accepted", R), _sums(s, "deals_offered", R)


def _system_final(col: str) -> Callable[[Any, int, int], tuple[np.ndarray, np.ndarray]]:
    """The system measure ``col`` in the last year: (its value, 1) per world, (0, 0) where it is not finite."""

    def fn(t: Any, R: int, T: int) -> tuple[np.ndarray, np.ndarray]:
        s = t.system
        if not len(s):
            return np.zeros(R), np.zeros(R)
        s = s[s["year"] == s["year"].max()]
        ok = s[np.isfinite(s[col].astype("float64").to_numpy())]
        return _sums(ok, col, R), _counts(ok, R)

    return fn


_OUT = [
    Outcome("wars", "wars begun per century", "wars / century", _per_century("war_start"), 100.0,
            "war_start events per world-century"),
    Outcome("gp_wars", "great-power wars per century", "wars / century", _gp_wars, 100.0,
            "wars whose initiator and target were both great powers the year before, per world-century", needs="all"),
    Outcome("gp_survival", "initial great powers alive at the end", "share", _survival(True), 1.0,
            "of the living states that were great powers in the first year", needs="ends"),
    Outcome("minor_survival", "initial minor states alive at the end", "share", _survival(False), 1.0,
            "of the living actors that were not great powers in the first year", needs="ends"),
    Outcome("state_deaths", "states conquered per century", "deaths / century", _per_century("death"), 100.0,
            "death events per world-century"),
    Outcome("polarity_duration", "years the initial polarity lasts", "years", _polarity_duration, 1.0,
            "years until the system's polarity first differs from the first year's; the run's length if never"),
    Outcome("arms_burden", "mean arms burden", "share of the economy", _burden, 1.0,
            "mean military burden over the living states' years", needs="all"),
    Outcome("burden_others", "mean arms burden of all but the strongest", "share of the economy", _burden_others, 1.0,
            "internal balancing against a leader: the burden of every living state but the strongest", needs="all"),
    Outcome("alliances_formed", "alliances formed per century", "alliances / century", _per_century("alliance_formed"),
            100.0, "alliance_formed events per world-century"),
    Outcome("alliances_against_leader", "alliances formed against the strongest state per century",
            "alliances / century", _against_leader, 100.0,
            "alliance_formed events whose threat is the strongest living state of the year before", needs="all"),
    Outcome("balancing_rate", "rising states that draw a balancing alliance", "share", _balancing, 1.0,
            "rises as in the scorecard (docs/scorecard.md); an alliance naming the riser as its threat", needs="all"),
    Outcome("balancing_delay", "years from a rise to the alliance against it", "years", _balancing_delay, 1.0,
            "among the rises that drew balancing", needs="all"),
    Outcome("arms_races", "arms races per century", "races / century", _per_century("arms_race"), 100.0,
            "arms_race events (policy mechanism) per world-century"),
    Outcome("spirals", "spirals per century", "spirals / century", _spirals, 100.0,
            "arms races between two states each believing the other a security seeker (Jervis 1976)"),
    Outcome("cooperation", "deals accepted", "share of offers", _cooperation, 1.0,
            "accepted of offered deals (cooperation mechanism; none when it is off)"),
    Outcome("con", "mean concentration CON", "CON", _system_sum("con"), 1.0, "Ray & Singer (1973), mean over years"),
    Outcome("hhi", "mean concentration HHI", "HHI", _system_sum("hhi"), 1.0, "Herfindahl index, mean over years"),
    Outcome("final_con", "final concentration CON", "CON", _system_final("con"), 1.0,
            "CON (Ray & Singer 1973) in the run's last year, pooled over worlds"),
    Outcome("offensive_survival", "initial offensive-doctrine states alive at the end", "share",
            _doctrine_survival(True), 1.0,
            "states whose doctrine aims at relative power (offensive realism, Mearsheimer 2001); needs the scenario",
            needs="ends"),
    Outcome("defensive_survival", "initial defensive-doctrine states alive at the end", "share",
            _doctrine_survival(False), 1.0,
            "states whose doctrine aims at security (defensive realism, Waltz 1979); needs the scenario", needs="ends"),
    Outcome("offensive_power_gain", "power share gained by the offensive-doctrine states", "share of power",
            _offensive_gain, 1.0,
            "their summed power share at the end minus at the start (the conquered count as 0): does offense pay?",
            needs="ends"),
    Outcome("final_hhi", "final concentration HHI", "HHI", _system_final("hhi"), 1.0,
            "the Herfindahl index of power shares in the run's last year, pooled over worlds"),
]

#: name → :class:`Outcome`, in the order documented above.
OUTCOMES: dict[str, Outcome] = {o.name: o for o in _OUT}


def outcome(name: str) -> Outcome:
    """The outcome called ``name`` (``KeyError`` naming the known ones otherwise)."""
    try:
        return OUTCOMES[name]
    except KeyError:
        raise KeyError(f"no outcome {name!r}; outcomes: {', '.join(OUTCOMES)}") from None


def measure(t: Any, names: list[str] | tuple[str, ...], R: int, T: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every named outcome of the tables ``t`` (world positions 0 … R − 1, T years)."""
    return {n: outcome(n).fn(t, R, T) for n in names}
