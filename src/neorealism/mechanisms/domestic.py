"""Domestic factors: regimes, the democratic peace, casualty-averse publics and risk-taking leaders.

A critique of structural realism, off by default.  Waltz (1979) explains the
recurrent patterns of international politics by the structure of the system
alone — states are "like units" whose insides do not matter for those
patterns.  The liberal and foreign-policy literatures answer that they do:

- **The democratic peace** (Doyle 1986; Russett 1993; Maoz & Russett 1993):
  democracies have rarely if ever fought each other, although they fight
  non-democracies about as often as other states do — a dyadic regularity
  that no structural variable predicts.
- **Casualty aversion** (Mueller 1973; Gelpi, Feaver & Reifler 2009; Reiter &
  Stam 2002): the publics of democracies withdraw support from costly wars and
  hold their leaders to account, so democratic leaders weigh the cost of war
  more heavily and choose the wars they start more carefully.
- **Leaders** (Bueno de Mesquita 1981; Horowitz, Stam & Ellis 2015): the
  leader's own attitude to risk and background shapes whether a state starts
  a war, and changes when the leader does.

The model keeps the structural calculus of :mod:`.conflict` and adds, through
the ``war_cost`` role (an extra expected cost of war for i attacking j, in
shares of i's economy, known to both sides of the crisis), the term

    D_ij = dp · d_i · d_j  +  ca · d_i · (s_i + 10) / 20  +  L_i,
    L_i  = max(−σ · ρ_i,  −(1 − δ) · c_E / q)

with s_i ∈ [−10, 10] the regime score (Polity2 scale), d_i = [s_i ≥ τ] the
democracy indicator (τ = ``democracy_threshold``, 6 by the Polity
convention), dp = ``democratic_peace``, ca = ``casualty_aversion`` (scaled by
the normalised score: the more democratic, the more accountable), σ =
``leader_risk_spread`` and ρ_i ∈ [−1, 1] the leader's risk propensity (> 0
risk-acceptant: it discounts the cost of war; < 0 risk-averse: it adds to
it).  The discount is capped at (1 − δ)·c_E/q (δ = ``war.cost_uncertainty``,
c_E = ``war.economic_cost``, q = ``war.decisive_prob``): the least economic
cost of war any type of the challenger can have, so no challenger's cost of
war is ever negative and the bargaining range of Fearon (1995) still exists.
D is 0 on the diagonal and for pairs with a dead state.

Regimes: the scenario's ``regime`` (for scenarios built from a real year, the
Polity2 score of that year); where unset, drawn per world and state at the
start — a democracy with probability ``democracy_share``, its score uniform
on the integers of [⌈τ⌉, 10], else uniform on [−10, ⌈τ⌉ − 1].  An aggregate
("Rest of world") is no actor and holds the score 0.  With ``regime_change``
> 0 each living actor undergoes a transition with that yearly probability
(democratisation or breakdown, Przeworski et al. 2000; Huntington 1991): a
democracy's new score is drawn in the autocratic range and an autocracy's in
the democratic one (so in the long run the share of democracies tends to one
half); a new regime brings a new leader.

Leaders: each state's leader has a risk propensity ρ uniform on [−1, 1],
drawn at the start where σ > 0.  Each year a leader is replaced with
probability ``leader_turnover`` (``democratic_turnover`` in a democracy:
elections replace leaders more often, Bueno de Mesquita et al. 2003;
Goemans, Gleditsch & Chiozza 2009), and the new leader's ρ is drawn afresh.

The year: at the ``assess`` stage, regimes change, leaders change and D is
computed (before the war decision reads it); at the ``resolve`` stage —
after the planned wars have begun (``mobilize``) and before the year's
fighting, which may end a war in its first year and clear its slot — every
war begun this year between two democracies is reported (``democratic_war``).

Off (the defaults dp = ca = σ = 0, ``regime_change`` = 0): D is a constant
view of 0 that the war decision skips, nothing is drawn after the start, no
event is emitted; the regime scores are data and change nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from .. import rng
from ..schema import StrictModel
from .base import (
    EventField,
    EventKind,
    InitContext,
    Measure,
    Mechanism,
    StateField,
    Step,
    Stream,
    anywhere,
    emit,
    memo,
    neutral_view,
    pair,
)

REGIME_DRAW = Stream("domestic", "regime")  # the regime scores a scenario leaves unset, at the start
REGIME_CHANGE = Stream("domestic", "regime_change")  # whether a regime changes this year, and its new score
LEADER = Stream("domestic", "leader")  # the first leaders' risk propensity
TURNOVER = Stream("domestic", "turnover")  # whether a leader is replaced this year, and the new one's propensity


class DomesticParams(StrictModel):
    """Domestic factors (a critique, off by default): regimes, the democratic peace, publics and leaders.

    Extra expected cost of war for i attacking j, in shares of i's economy (role war_cost):
    democratic_peace·d_i·d_j + casualty_aversion·d_i·(s_i + 10)/20 + max(−leader_risk_spread·ρ_i, −cap),
    d = [regime score ≥ democracy_threshold] (Doyle 1986; Russett 1993; Mueller 1973; Horowitz, Stam & Ellis 2015).
    """

    democratic_peace: float = Field(
        default=0.0, ge=0.0, le=10.0,
        description="extra expected cost of war, in shares of the attacker's economy, for a democracy attacking a "
        "democracy (the dyadic democratic peace: Doyle 1986; Russett 1993; Maoz & Russett 1993); 0 = off",
    )
    casualty_aversion: float = Field(
        default=0.0, ge=0.0, le=10.0,
        description="extra expected cost of any war a democracy starts, in shares of its economy, times its "
        "normalised regime score (s + 10)/20: publics that punish casualties (Mueller 1973; Gelpi, Feaver & "
        "Reifler 2009; Reiter & Stam 2002); 0 = off",
    )
    leader_risk_spread: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="σ: a leader of risk propensity ρ ∈ [−1, 1] (uniform) adds −σ·ρ shares of its economy to its "
        "cost of war (a risk-acceptant leader discounts it, the discount capped so no cost turns negative; "
        "Bueno de Mesquita 1981; Horowitz, Stam & Ellis 2015); 0 = off (no leaders drawn)",
    )
    leader_turnover: float = Field(
        default=0.1, ge=0.0, le=1.0,
        description="yearly probability that a non-democracy's leader is replaced (a new risk propensity drawn; "
        "autocrats last about a decade: Goemans, Gleditsch & Chiozza 2009); read only where leader_risk_spread > 0",
    )
    democratic_turnover: float = Field(
        default=0.25, ge=0.0, le=1.0,
        description="yearly probability that a democracy's leader is replaced (elections: about four years in "
        "office; Bueno de Mesquita et al. 2003); read only where leader_risk_spread > 0",
    )
    democracy_threshold: float = Field(
        default=6.0, ge=-9.0, le=10.0,
        description="a state with a regime score at least this is a democracy (the Polity convention: ≥ 6)",
    )
    democracy_share: float = Field(
        default=0.35, ge=0.0, le=1.0,
        description="probability that a state whose regime the scenario leaves unset is a democracy (its score drawn "
        "uniformly in the democratic range, else in the autocratic; about a third of states since 1945 in Polity)",
    )
    regime_change: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="yearly probability of a regime transition (a democracy's breakdown or an autocracy's "
        "democratisation: the new score drawn in the other range; Przeworski et al. 2000; Huntington 1991); "
        "a new regime brings a new leader; 0 = regimes fixed",
    )


# --------------------------------------------------------------------------- regimes and leaders


def _cut(params: Any) -> Any:
    """⌈τ⌉: the lowest democratic integer score."""
    return np.ceil(params.domestic.democracy_threshold)


def draw_scores(u_score: np.ndarray, democratic: np.ndarray, cut: Any) -> np.ndarray:
    """Integer scores uniform on [cut, 10] where ``democratic``, else on [−10, cut − 1] (u uniform in [0, 1))."""
    lo = np.where(democratic, cut, -10.0)
    hi = np.where(democratic, 10.0, cut - 1.0)
    return np.minimum(lo + np.floor(u_score * (hi - lo + 1.0)), hi)


def _init_regime(ctx: InitContext) -> np.ndarray:
    q = ctx.params.domestic
    given = ctx.per_state("regime", default=np.nan)  # (R, N)
    N = ctx.shape[1]
    unset = np.isnan(given)
    if not unset.any():
        return given
    u = rng.uniform(ctx.keys, 0, REGIME_DRAW.id, (2, N))
    dem = u[:, 0] < q.democracy_share
    drawn = draw_scores(u[:, 1], dem, _cut(ctx.params))
    out = np.where(unset, drawn, given)
    return np.where(ctx.params.actor[None, :], out, np.where(unset, 0.0, out))  # an aggregate: 0 unless given


def _init_leader(ctx: InitContext) -> np.ndarray:
    spread = ctx.params.domestic.leader_risk_spread
    if not anywhere(spread, lambda s: s > 0):
        return np.zeros(())
    u = rng.uniform(ctx.keys, 0, LEADER.id, (ctx.shape[1],))
    return np.where((spread > 0) & ctx.params.actor[None, :], 2.0 * u - 1.0, 0.0)


def democracies(regime: np.ndarray, params: Any) -> np.ndarray:
    """d_i: the state's regime score is at least the threshold (R, N)."""
    return regime >= params.domestic.democracy_threshold


def war_cost(regime: np.ndarray, risk: np.ndarray, alive: np.ndarray, params: Any) -> np.ndarray:
    """D_ij (R, N, N): the extra expected cost, in shares of i's economy, of i attacking j (module docstring)."""
    q, w = params.domestic, params.war
    R, N = regime.shape
    dem = democracies(regime, params).astype(np.float64)
    cap = (1.0 - w.cost_uncertainty) * w.economic_cost / w.decisive_prob  # the least economic cost of any type
    own = q.casualty_aversion * dem * (regime + 10.0) / 20.0 + np.maximum(-q.leader_risk_spread * risk, -cap)
    d = pair(q.democratic_peace) * dem[:, :, None] * dem[:, None, :] + own[:, :, None]
    live = alive[:, :, None] & alive[:, None, :] & ~np.eye(N, dtype=bool)[None]
    return np.where(live, d, 0.0)


def _on(q: Any) -> bool:
    """Whether a cost term is on in any world (else D is a constant view of 0)."""
    return (anywhere(q.democratic_peace, lambda x: x > 0) or anywhere(q.casualty_aversion, lambda x: x > 0)
            or anywhere(q.leader_risk_spread, lambda x: x > 0))


def switched_on(q: Any) -> Any:
    """Per world (a bool, or an (R, 1) column): whether any part of the mechanism is on there."""
    return (np.asarray(q.democratic_peace) > 0) | (np.asarray(q.casualty_aversion) > 0) | (
        np.asarray(q.leader_risk_spread) > 0) | (np.asarray(q.regime_change) > 0)


def assess(keys, state, params):
    """Regime transitions, leader turnover, and the cost D of war they give (before the war decision)."""
    q = params.domestic
    R, N = state.shape
    changes, turnover, costs = memo(params, "domestic.on", lambda: (
        anywhere(q.regime_change, lambda x: x > 0), anywhere(q.leader_risk_spread, lambda s: s > 0), _on(q)))
    if not (changes or turnover or costs):  # off everywhere: no transitions, no cost (the state as it is)
        cost = neutral_view(state.domestic_war_cost, 0.0, (R, N, N))
        return (state if cost is state.domestic_war_cost else state.replace(domestic_war_cost=cost)), ()
    year = state.t + 1
    events: list = []
    regime, risk = state.regime, state.leader_risk
    living = state.alive & params.actor[None, :]
    new_leader = np.zeros((R, N), dtype=bool)
    if changes:
        u = rng.uniform(keys, year, REGIME_CHANGE.id, (2, N))
        change = living & (u[:, 0] < q.regime_change)
        if change.any():
            was_dem = democracies(regime, params)
            drawn = draw_scores(u[:, 1], ~was_dem, _cut(params))
            new = np.where(change, drawn, regime)
            r, i = np.nonzero(change)
            events.append(emit("regime_change", r, state=i, regime_old=regime[r, i], regime_new=new[r, i]))
            regime = new
            new_leader = change
    spread = q.leader_risk_spread
    if turnover:
        u = rng.uniform(keys, year, TURNOVER.id, (2, N))
        p = np.where(democracies(regime, params), q.democratic_turnover, q.leader_turnover)
        new_leader = new_leader | (living & (spread > 0) & (u[:, 0] < p))
        if new_leader.any():
            risk = np.where(new_leader & (spread > 0), 2.0 * u[:, 1] - 1.0, np.broadcast_to(risk, (R, N)))
    if new_leader.any():
        r, i = np.nonzero(new_leader)
        events.append(emit("leader_change", r, state=i, leader_risk=np.broadcast_to(risk, (R, N))[r, i]))
    if costs:
        cost = war_cost(regime, np.broadcast_to(risk, (R, N)), state.alive, params)
    else:
        cost = neutral_view(state.domestic_war_cost, 0.0, (R, N, N))
    return state.replace(regime=regime, leader_risk=risk, domestic_war_cost=cost), events


def report_democratic_wars(keys, state, params):
    """Wars begun this year (``mobilize``) between two democracies, before the fighting can end them
    (reported in the worlds where the mechanism is on).

    An initiator slot s holds a war begun this year when ``war_start[r, s] == t + 1`` (the year being
    simulated: the engine advances ``t`` after the year's steps) and ``war_target[r, s] ≥ 0`` is its target.
    """
    on = memo(params, "domestic.switched_on", lambda: switched_on(params.domestic))
    any_on = memo(params, "domestic.any_on", lambda: anywhere(on, lambda x: x))
    if not any_on:
        return state, ()  # off: nothing to report (the war_start events hold every war)
    year = state.t + 1
    started = (state.war_start == year) & (state.war_target >= 0) & on
    if not started.any():
        return state, ()
    r, s = np.nonzero(started)
    j = state.war_target[r, s]
    dem = democracies(state.regime, params)
    both = dem[r, s] & dem[r, j]
    if not both.any():
        return state, ()
    N = state.shape[1]
    r, s, j = r[both], s[both], j[both]
    return state, (emit("democratic_war", r, war_id=year * N + s, attacker=s, defender=j),)


def _n_democracies(state, params):
    return (democracies(state.regime, params) & state.alive & params.actor[None, :]).sum(axis=-1)


def _summary(rs, s):
    """A run-summary line when the run had domestic events: regime changes and wars between democracies."""
    if rs is None:
        return []
    c = rs.query("SELECT count(*) FILTER (WHERE event = 'democratic_war') AS dw, "
                 "count(*) FILTER (WHERE event = 'regime_change') AS rc FROM events").iloc[0]
    dw, rc = int(c["dw"]), int(c["rc"])
    if not (dw or rc):
        return []
    return [f"Wars between democracies: {dw:,}; regime changes: {rc:,}"]


MECHANISM = Mechanism(
    name="domestic",
    params=DomesticParams,
    doc=DomesticParams.__doc__ or "",
    sources=("Doyle 1986", "Russett 1993", "Maoz & Russett 1993", "Mueller 1973", "Gelpi, Feaver & Reifler 2009",
             "Reiter & Stam 2002", "Bueno de Mesquita 1981", "Horowitz, Stam & Ellis 2015",
             "Goemans, Gleditsch & Chiozza 2009", "Przeworski et al. 2000"),
    fields=(
        StateField("regime", np.float64, "state", _init_regime,
                   "regime score on the Polity2 scale −10..10 (the scenario's, else drawn; democracy ≥ "
                   "domestic.democracy_threshold)", record=True),
        StateField("leader_risk", np.float64, "state", _init_leader,
                   "the leader's risk propensity ρ ∈ [−1, 1] (> 0 risk-acceptant; 0 where leader_risk_spread = 0)",
                   record=True),
        StateField("domestic_war_cost", np.float64, "pair", lambda c: 0.0,
                   "extra expected cost for i of attacking j, in shares of i's economy: the democratic peace, "
                   "casualty aversion and the leader's attitude to risk (Doyle 1986; Mueller 1973; Horowitz, Stam "
                   "& Ellis 2015)", role="war_cost"),
    ),
    streams=(REGIME_DRAW, REGIME_CHANGE, LEADER, TURNOVER),
    events=(
        EventKind("regime_change", (
            EventField("state", "state", "the state whose regime changed"),
            EventField("regime_old", "float", "its regime score before (Polity2 scale)"),
            EventField("regime_new", "float", "its regime score after"),
        ), "a regime transition: a democracy broke down or an autocracy democratised (a new leader too)"),
        EventKind("leader_change", (
            EventField("state", "state", "the state with a new leader"),
            EventField("leader_risk", "float", "the new leader's risk propensity ρ ∈ [−1, 1]"),
        ), "a new leader (turnover, or a regime change)"),
        EventKind("democratic_war", (
            EventField("war_id", "int", "the war's id (as in war_start)"),
            EventField("attacker", "state", "the initiator, a democracy"),
            EventField("defender", "state", "the target, a democracy"),
        ), "a war begun this year between two democracies"),
    ),
    measures=(
        Measure("n_democracies", "system", np.int32, _n_democracies,
                "living actors whose regime score is at least the democracy threshold"),
    ),
    steps=(Step("assess", assess, "assess"), Step("resolve", report_democratic_wars, "democratic_wars")),
    summary=_summary,
    module=__name__,
)
