"""Cooperation under anarchy: relative against absolute gains, and interdependence.

"Am I better off?" or "Am I better off than the other?"  Grieco (1988)
argued that states in anarchy are *defensive positionalists*: a state
values a deal by its own gain V less a share k of the gap by which its
partner gains more, ``U = V − k·(W − V)``, because today's partner may be
tomorrow's enemy and will turn its gains into power (Waltz 1979, ch. 6:
"even the prospect of large absolute gains for both parties does not elicit
their cooperation so long as each fears how the other will use its
increased capabilities").  Liberal institutionalists (Keohane 1984) answered
that the obstacle to cooperation is cheating, which repeated play and
institutions can tame.  Powell (1991) and Snidal (1991) made k a variable:
relative gains matter where force is usable, and less the more states there
are.

**Deals** (stage ``cooperate``, after :mod:`.threat`'s ``assess``).  Each
year every unordered pair of living actors is offered a deal with
probability ``deal_rate`` (trade, joint projects; a state with no economy
left has nothing to exchange and is offered none).  Its joint surplus is
``S = surplus · min(E_i, E_j)`` (the smaller economy bounds what the pair
can exchange), split s : 1 − s with s uniform on [½ − spread/2, ½ + spread/2]
(``split_spread``; above 1 one side may lose).  Both sides see the same
deal: one draw per unordered pair.  V = s·S is i's gain, W = (1 − s)·S j's.

**How a state values it.**  With c the partner's chance of cheating (it
keeps the whole surplus) and F the weight of the partnership's future,

    V̄ = (1 − c)·V + F·(1 − c)·S/2,     W̄ = (1 − c)·W + c·S + F·((1 − c)·S/2 + c·S),
    U_ij = V̄ − k_ij·(g·W̄ − V̄),        accept iff U_ij > 0 (both must accept),

- c = ``cheating``·(1 − ``institutions``): institutions monitor and lower
  cheating (Keohane 1984, ch. 6; Axelrod & Keohane 1985).  A state fears
  being the sucker and counts on its own good faith;
- F = ``deal_rate``·δ/(1 − δ), δ = ``shadow_of_future``: the deal is the
  first of a partnership that goes on with probability δ a year and brings
  like deals at the same rate; the splits of future deals are unknown, even
  in expectation, so they add to the absolute gain and nothing to the
  expected gap (diffuse reciprocity; Keohane 1984, Axelrod 1984).  The
  future deals are discounted for cheating as this one;
- g = (n − 1)^(−``snidal_weight``) with n the relevant actors in the world
  (living actors, or the living great powers: ``snidal_actors``; n ≥ 2).
  With weight 1, ``g·W̄ − V̄`` is i's gain against the *mean* gain of its
  n − 1 rivals, of whom only the partner gains: Snidal's (1991) weighing of
  the relative term against all rivals.  With two actors it is Grieco's
  dyadic gap; with many the deal even improves the pair's standing against
  the rest, and the relative concern fades.  Weight 0: g = 1 (off);
- k_ij = ``sensitivity``·(1 − ``institutions``·``institution_relief``)·f_threat·f_usability:

  f_threat = 1 + ``threat_weight``·(2·x_ij − 1), x_ij = h_ij/(h_ij + M_i):
  the threat i perceives from j (``state.threat_from``, in military units:
  Walt 1987) against i's own forces; 1 for a peer threat (x = ½), 1 − w for
  a harmless partner or an ally (Gowa 1994: relative gains matter less among
  allies), up to 1 + w for an overwhelming one.  Normalised by i's own
  forces, not by its total threat, so that the channel does not depend on
  the number of states (that is Snidal's channel);

  f_usability = (θ · decay_ij · 2c₀/(c₀ + C_ji))^``usability_weight``
  (Powell 1991: relative gains matter to the extent that the partner could
  turn them into force against i, that is as force is usable between them):
  θ the offense–defense balance (``war.offense_defense``), decay_ij the
  loss-of-strength gradient between them (proximity, Boulding 1962), C_ji
  the expected cost to j of attacking i in shares of j's economy, as the
  war mechanism charges it — ``(econ + κ·min(M_j·decay, M_i)/(T_j·conv·E_j)) /
  decisive_prob`` plus every other mechanism's known ``war_cost`` (a nuclear
  deterrent makes force unusable: Jervis 1989) — and c₀ = ``cost_reference``.
  1 for neighbours at θ = 1 whose war costs c₀; falls toward 0 as war grows
  costly; at most 2θ·decay when war is free.  Weight 0: factor 1 (off).

Pure absolute gains are one parameter away (``sensitivity`` = 0), the
liberal-institutionalist comparison another (``institutions`` = 1: no
cheating and the relative concern cut by ``institution_relief``; add
``shadow_of_future`` for repeated play).

**Accepted deals** add to the two economies at once (the economy only): V to
i and W to j; a cheated deal (probability c, the defector chosen by a coin)
gives the whole surplus to the defector.  So cooperation changes the
distribution of power.  ``deal_gains`` (recorded) is each state's cumulative
gain.  The dead never deal.

**Interdependence.**  Accepted deals build a symmetric dyadic stock
``D ← (1 − interdependence_decay)·D + S``, which can be read two ways (both
off by default):

- commercial liberalism (Oneal & Russett 1997, 1999): war would forgo the
  gains of trade, an extra expected cost of i attacking j of
  ``commercial_peace · D_ij / E_i`` of i's economy (role ``war_cost``);
- realism (Waltz 1979, ch. 7; Copeland 1996): interdependence is mutual
  vulnerability; i arms against j with weight ``1 + vulnerability · D_ij / E_i``
  on the threat from j (role ``arming_weight``).

**Events** ``deal``, one per offered deal: ``state`` the side with the
smaller share, ``partner`` the other, ``deal_outcome`` accepted,
refused_relative (refused although every side that refused had a positive
expected gain of its own: refused for relative-gains reasons) or
refused_absolute (a side that refused gained nothing or lost), ``own_gain`` and
``partner_gain`` (their shares of the surplus, in shares of their own
economies), ``relative_concern`` (the state's k), ``refuser`` and
``defector``.  **Measures**: deals_offered, deals_accepted,
deals_refused_relative (system, per year).

Off by default (``deal_rate`` = 0): the step returns at once, both role
fields are neutral constant views, nothing changes.  A suggested "on" value:
``deal_rate`` = 0.2.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from .. import fmath, rng
from ..schema import StrictModel
from . import conflict
from .base import (
    EventField,
    EventKind,
    Measure,
    Mechanism,
    StateField,
    Step,
    Stream,
    anywhere,
    at_each,
    emit,
    field_reader,
    memo,
    neutral_view,
    pair,
    role_sum,
)

OFFER = Stream("cooperation", "offer")  # upper triangle: is the pair offered a deal; lower: the split
CHEAT = Stream("cooperation", "cheat")  # upper triangle: is the deal cheated; lower: who defects

OUTCOMES = ("accepted", "refused_relative", "refused_absolute")
ACCEPTED, REFUSED_RELATIVE, REFUSED_ABSOLUTE = range(3)

#: the role fields this mechanism writes (its own war cost is not an input of its usability of force)
WAR_COST_FIELD = "commercial_war_cost"
ARMING_FIELD = "vulnerability_weight"
STOCK_FIELD = "interdependence"


class CooperationParams(StrictModel):
    """Cooperation under anarchy: relative vs absolute gains (Grieco 1988; Powell 1991; Snidal 1991; Keohane 1984).

    U_ij = V̄ − k_ij·(g·W̄ − V̄); k_ij = sensitivity·(1 − institutions·institution_relief)·f_threat·f_usability;
    f_threat = 1 + threat_weight·(2h_ij/(h_ij + M_i) − 1); f_usability = (θ·decay_ij·2c₀/(c₀ + C_ji))^usability_weight;
    g = (n − 1)^(−snidal_weight).  Off by default (deal_rate = 0; suggested on: 0.2).
    """

    deal_rate: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="probability a given unordered pair of living actors is offered a deal in a year (trade, joint "
        "projects); 0 = off (the default); a suggested value when on: 0.2",
    )
    surplus: float = Field(
        default=0.01, ge=0.0, le=0.5,
        description="a deal's joint surplus as a share of the smaller of the two economies",
    )
    split_spread: float = Field(
        default=0.6, ge=0.0, le=2.0,
        description="the share of the surplus going to one side is uniform on [0.5 − spread/2, 0.5 + spread/2] "
        "(0: even splits; above 1 one side can lose from a deal that still has a joint surplus)",
    )
    sensitivity: float = Field(
        default=1.0, ge=0.0, le=20.0,
        description="k: Grieco's (1988) coefficient of sensitivity to gaps in gains, against a peer threat where "
        "force is as usable as at the reference (0 = pure absolute gains: the liberal baseline)",
    )
    threat_weight: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="how k rises with the threat i perceives from the partner against its own forces, "
        "f = 1 + w·(2h/(h + M) − 1) (Grieco 1988; Walt 1987; a harmless partner or ally gets 1 − w: Gowa 1994); 0 = off",
    )
    usability_weight: float = Field(
        default=1.0, ge=0.0, le=3.0,
        description="exponent on the usability of force between the two, θ·proximity·2c₀/(c₀ + cost of war) "
        "(Powell 1991: relative gains matter as force is usable; costly war makes them fade); 0 = off",
    )
    cost_reference: float = Field(
        default=0.1, ge=0.001, le=10.0,
        description="c₀: the expected cost of war, in shares of the attacker's economy, at which the usability "
        "factor is θ·proximity (the model's typical war costs about 0.1)",
    )
    snidal_weight: float = Field(
        default=0.0, ge=0.0, le=3.0,
        description="exponent w of g = (n − 1)^(−w), the weight of the partner's gain in the relative term: with "
        "w = 1 the gap is taken against the mean gain of all n − 1 rivals (Snidal 1991), so it fades as the number "
        "of relevant actors grows; 0 = off (Grieco's dyadic gap)",
    )
    snidal_actors: Literal["states", "great_powers"] = Field(
        default="states",
        description="who the relevant actors n of Snidal's (1991) channel are: the living actors, or the living "
        "great powers (at least 2)",
    )
    cheating: float = Field(
        default=0.1, ge=0.0, le=1.0,
        description="probability a deal is cheated (the defector keeps the whole surplus); each state fears being "
        "the sucker (the cheating problem, Axelrod & Keohane 1985; Grieco 1988)",
    )
    institutions: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="strength of international institutions (Keohane 1984): cheating × (1 − institutions), and "
        "the relative concern × (1 − institutions·institution_relief); 1 = the liberal-institutionalist world",
    )
    institution_relief: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="share of the relative-gains concern that full institutions remove, by informing states of "
        "the distribution of gains (Keohane 1993; 1 = they remove it all)",
    )
    shadow_of_future: float = Field(
        default=0.0, ge=0.0, le=0.95,
        description="δ: discount × probability the partnership goes on a year; a deal is valued with the "
        "expected future deals of the partnership, deal_rate·δ/(1 − δ) of them, split evenly in expectation "
        "(repeated play: Axelrod 1984; Keohane 1984's diffuse reciprocity); 0 = a one-shot deal",
    )
    interdependence_decay: float = Field(
        default=0.2, ge=0.01, le=1.0,
        description="yearly decay of the dyadic interdependence stock D ← (1 − decay)·D + S of accepted deals",
    )
    commercial_peace: float = Field(
        default=0.0, ge=0.0, le=100.0,
        description="commercial liberal reading (Oneal & Russett 1997, 1999): extra expected cost of i attacking "
        "j of commercial_peace·D_ij/E_i of i's economy (role war_cost); 0 = off",
    )
    vulnerability: float = Field(
        default=0.0, ge=0.0, le=100.0,
        description="realist reading (Waltz 1979, ch. 7; Copeland 1996): interdependence is vulnerability; "
        "i arms against j with weight 1 + vulnerability·D_ij/E_i (role arming_weight); 0 = off",
    )


# --------------------------------------------------------------------------- the valuation


def relevant_actors(state, params) -> np.ndarray:
    """n (R,): the relevant actors of Snidal's channel, living actors or living great powers, at least 2."""
    present = state.alive & params.actor[None, :]
    n_states = present.sum(axis=-1)
    who = params.cooperation.snidal_actors
    if anywhere(who, lambda x: x == "great_powers"):
        gp = getattr(state, "great_power", None)
        n_gp = (present & gp).sum(axis=-1) if gp is not None else n_states
        n = np.where(np.asarray(who == "great_powers").reshape(-1), n_gp, n_states)
    else:
        n = n_states
    return np.maximum(n, 2).astype(np.float64)


def concern(state, params, r, i, j) -> np.ndarray:
    """k_ij (K,): i's sensitivity to j's relative gains at world rows r (module docstring)."""
    q = params.cooperation
    w = params.war
    k = at_each(q.sensitivity, r) * (1.0 - at_each(q.institutions, r) * at_each(q.institution_relief, r))
    tw = at_each(q.threat_weight, r)
    if anywhere(q.threat_weight, lambda x: x > 0):
        h = state.threat_from[r, i, j]
        m = state.military[r, i]
        tot = h + m
        x = np.divide(h, tot, out=np.zeros_like(h), where=tot > 0)
        k = k * (1.0 + tw * (2.0 * x - 1.0))
    uw = at_each(q.usability_weight, r)
    if anywhere(q.usability_weight, lambda x: x > 0):
        decay = np.broadcast_to(params.decay, state.threat_from.shape)[r, i, j]
        theta = at_each(w.offense_defense, r)
        # the expected cost to j of attacking i, in shares of j's economy, as the war mechanism charges it
        dur = 1.0 / at_each(w.decisive_prob, r)
        econ, conv = at_each(w.economic_cost, r), at_each(params.armament.conversion, r)
        mj, mi = state.military[r, j], state.military[r, i]
        ej, tj = state.economy[r, j], state.technology[r, j]
        ok = tj * conv * ej > 0  # else (no economy or technology left) only the economic cost counts
        fought = dur * at_each(w.cost, r) * np.minimum(mj * decay, mi)
        with np.errstate(over="ignore", invalid="ignore"):
            cost = conflict.expected_war_cost(fought, ej, np.where(ok, tj, 1.0), dur, econ, conv)
            c = np.where(ok, cost / np.where(ok, ej, 1.0), dur * econ)
        extra = role_sum(state, "war_cost", exclude=(WAR_COST_FIELD,))  # the other mechanisms' known costs
        if extra is not None:
            c = c + np.broadcast_to(extra, state.threat_from.shape)[r, j, i]
        c0 = at_each(q.cost_reference, r)
        use = theta * decay * (2.0 * c0 / (c0 + c))
        with np.errstate(over="ignore"):
            k = k * fmath.power(use, uw)
    return np.where(np.isfinite(k), k, np.finfo(np.float64).max)


def valuations(V, W, S, k, g, c, F) -> tuple[np.ndarray, np.ndarray]:
    """(U, own expected gain of this deal): U = V̄ − k·(g·W̄ − V̄) (module docstring); all arrays (K,)."""
    own = (1.0 - c) * V
    other = (1.0 - c) * W + c * S
    own_tot = own + F * (1.0 - c) * S / 2.0
    other_tot = other + F * ((1.0 - c) * S / 2.0 + c * S)
    with np.errstate(over="ignore", invalid="ignore"):
        U = own_tot - k * (g * other_tot - own_tot)
    U = np.where(np.isnan(U), -np.inf, U)
    return U, own


# --------------------------------------------------------------------------- the step


def _neutral(state, params):
    """The fields as they stand with the mechanism off: neutral constant views, no counts."""
    R, N = state.shape
    new: dict[str, Any] = {}
    for name, value in ((WAR_COST_FIELD, 0.0), (ARMING_FIELD, 1.0), (STOCK_FIELD, 0.0)):
        v = neutral_view(getattr(state, name), value, (R, N, N))
        if v is not getattr(state, name):
            new[name] = v
    for name in ("deals_offered_year", "deals_accepted_year", "deals_refused_relative_year"):
        if np.count_nonzero(getattr(state, name)):  # (x.any(), without a reduction's overhead)
            new[name] = np.zeros(R, dtype=np.int32)
    return state.replace(**new) if new else state


def cooperate(keys, state, params):
    """Offer deals, value them (relative vs absolute gains), carry out the accepted ones, update interdependence."""
    q = params.cooperation
    if not memo(params, "cooperation.on", lambda: anywhere(q.deal_rate, lambda x: x > 0)):
        return _neutral(state, params), ()
    R, N = state.shape
    year = state.t + 1
    present = state.alive & params.actor[None, :]
    trader = present & (state.economy > 0)  # a state with no economy has nothing to exchange
    iu, ju = np.triu_indices(N, 1)
    u = rng.uniform(keys, year, OFFER.id, (N, N))  # (R, N, N)
    offered = (u[:, iu, ju] < q.deal_rate) & trader[:, iu] & trader[:, ju]  # (R, P)
    r, p = np.nonzero(offered)
    a, b = iu[p], ju[p]  # a < b
    E = state.economy
    S = at_each(q.surplus, r) * np.minimum(E[r, a], E[r, b])
    share_a = 0.5 + at_each(q.split_spread, r) * (u[r, b, a] - 0.5)
    Va, Vb = share_a * S, (1.0 - share_a) * S
    c = at_each(q.cheating, r) * (1.0 - at_each(q.institutions, r))
    delta = at_each(q.shadow_of_future, r)
    F = at_each(q.deal_rate, r) * delta / (1.0 - delta)
    snidal = at_each(q.snidal_weight, r)
    g = fmath.power(relevant_actors(state, params)[r] - 1.0, -snidal) if anywhere(q.snidal_weight, lambda x: x > 0) else 1.0
    k_ab = concern(state, params, r, a, b)
    k_ba = concern(state, params, r, b, a)
    Ua, own_a = valuations(Va, Vb, S, k_ab, g, c, F)
    Ub, own_b = valuations(Vb, Va, S, k_ba, g, c, F)
    acc_a, acc_b = Ua > 0, Ub > 0
    accepted = acc_a & acc_b
    absolute = (~acc_a & ~(own_a > 0)) | (~acc_b & ~(own_b > 0))
    outcome = np.where(accepted, ACCEPTED, np.where(absolute, REFUSED_ABSOLUTE, REFUSED_RELATIVE))

    # carry out the accepted deals; a cheated one goes wholly to its defector
    v = rng.uniform(keys, year, CHEAT.id, (N, N))
    cheated = accepted & (v[r, a, b] < c)
    a_defects = v[r, b, a] < 0.5
    gain_a = np.where(accepted, np.where(cheated, np.where(a_defects, S, 0.0), Va), 0.0)
    gain_b = np.where(accepted, np.where(cheated, np.where(a_defects, 0.0, S), Vb), 0.0)
    flat = np.bincount(np.concatenate([r * N + a, r * N + b]), weights=np.concatenate([gain_a, gain_b]),
                       minlength=R * N).reshape(R, N)
    economy = E + flat
    gains = state.deal_gains + flat

    # interdependence: D ← (1 − decay)·D + S for the accepted deals; none with the dead
    decay = pair(q.interdependence_decay)
    D = (1.0 - decay) * state.interdependence
    D = np.array(np.broadcast_to(D, (R, N, N)), dtype=np.float64)
    ra, aa, ba, sa = r[accepted], a[accepted], b[accepted], S[accepted]
    np.add.at(D, (ra, aa, ba), sa)
    np.add.at(D, (ra, ba, aa), sa)
    D *= present[:, :, None] & present[:, None, :]
    new: dict[str, Any] = {"economy": economy, "deal_gains": gains, STOCK_FIELD: D}
    own_E = np.where(present, economy, 0.0)[:, :, None]
    if anywhere(q.commercial_peace, lambda x: x > 0):
        new[WAR_COST_FIELD] = pair(q.commercial_peace) * np.divide(D, own_E, out=np.zeros_like(D), where=own_E > 0)
    else:
        new[WAR_COST_FIELD] = neutral_view(state.commercial_war_cost, 0.0, (R, N, N))
    if anywhere(q.vulnerability, lambda x: x > 0):
        new[ARMING_FIELD] = 1.0 + pair(q.vulnerability) * np.divide(D, own_E, out=np.zeros_like(D), where=own_E > 0)
    else:
        new[ARMING_FIELD] = neutral_view(state.vulnerability_weight, 1.0, (R, N, N))
    new["deals_offered_year"] = np.bincount(r, minlength=R).astype(np.int32)
    new["deals_accepted_year"] = np.bincount(r[accepted], minlength=R).astype(np.int32)
    new["deals_refused_relative_year"] = np.bincount(r[outcome == REFUSED_RELATIVE], minlength=R).astype(np.int32)

    # events: one per offered deal; ``state`` the side with the smaller share
    a_first = share_a <= 0.5
    first, second = np.where(a_first, a, b), np.where(a_first, b, a)
    k_first = np.where(a_first, k_ab, k_ba)
    own_first, own_second = np.where(a_first, Va, Vb), np.where(a_first, Vb, Va)
    Ef, Es = E[r, first], E[r, second]
    refuser = np.where(accepted, -1, np.where(np.where(a_first, ~acc_a, ~acc_b), first, second))
    defector = np.where(cheated, np.where(a_defects, a, b), -1)
    ev = emit("deal", r, state=first, partner=second, deal_outcome=outcome,
              own_gain=np.divide(own_first, Ef, out=np.zeros_like(own_first), where=Ef > 0),
              partner_gain=np.divide(own_second, Es, out=np.zeros_like(own_second), where=Es > 0),
              relative_concern=np.minimum(k_first, 1e300), refuser=refuser, defector=defector)
    return state.replace(**new), (ev,)


# --------------------------------------------------------------------------- declarations


def _zero(ctx):
    return np.zeros(())


def _one(ctx):
    return np.ones(())


def _summary(rs, s):
    """A run-summary line when the run had deals: offered, accepted, refused for relative gains."""
    if rs is None:
        return []
    c = rs.query("SELECT count(*) FILTER (WHERE event = 'deal') AS n, "
                 "count(*) FILTER (WHERE event = 'deal' AND deal_outcome = 'accepted') AS acc, "
                 "count(*) FILTER (WHERE event = 'deal' AND deal_outcome = 'refused_relative') AS rel "
                 "FROM events").iloc[0]
    n, acc, rel = int(c["n"]), int(c["acc"]), int(c["rel"])
    if not n:
        return []
    from ..formatting import pct

    return [f"Deals offered: {n:,}; accepted {pct(acc / n)}; refused for relative gains {pct(rel / n)}"]


_DEAL_FIELDS = (
    EventField("state", "state", "the side with the smaller share of the surplus"),
    EventField("partner", "state", "the other side"),
    EventField("deal_outcome", "label", "accepted by both; refused_relative: refused although each side that "
               "refused had a positive expected gain of its own (Grieco 1988); refused_absolute: a side that "
               "refused gained nothing or lost", choices=OUTCOMES),
    EventField("own_gain", "float", "the state's share of the surplus, in shares of its own economy (as agreed)"),
    EventField("partner_gain", "float", "the partner's share of the surplus, in shares of the partner's economy"),
    EventField("relative_concern", "float", "k: the state's sensitivity to the partner's relative gains"),
    EventField("refuser", "state", "the side that refused (the state when both did; empty when accepted)"),
    EventField("defector", "state", "the side that cheated and kept the whole surplus (empty when none)"),
)


MECHANISM = Mechanism(
    name="cooperation",
    params=CooperationParams,
    doc=CooperationParams.__doc__ or "",
    sources=("Grieco 1988", "Powell 1991", "Snidal 1991", "Keohane 1984", "Axelrod 1984", "Axelrod & Keohane 1985",
             "Waltz 1979, ch. 6–7", "Copeland 1996", "Oneal & Russett 1997", "Gowa 1994", "Keohane 1993",
             "Walt 1987", "Boulding 1962", "Jervis 1989"),
    fields=(
        StateField("deal_gains", np.float64, "state", lambda ctx: 0.0,
                   "cumulative gains from deals (economy units added since the start)", record=True),
        StateField(STOCK_FIELD, np.float64, "pair", _zero,
                   "interdependence stock D_ij: decayed sum of the surpluses of the pair's accepted deals (symmetric)"),
        StateField(WAR_COST_FIELD, np.float64, "pair", _zero,
                   "extra expected cost of i attacking j, in shares of i's economy: commercial_peace·D_ij/E_i, the "
                   "gains of trade war would forgo (Oneal & Russett 1997)", role="war_cost"),
        StateField(ARMING_FIELD, np.float64, "pair", _one,
                   "weight on the threat from j that i arms against: 1 + vulnerability·D_ij/E_i, interdependence "
                   "as vulnerability (Waltz 1979, ch. 7; Copeland 1996)", role="arming_weight"),
        StateField("deals_offered_year", np.int32, "world", lambda ctx: 0, "deals offered this year"),
        StateField("deals_accepted_year", np.int32, "world", lambda ctx: 0, "deals accepted this year"),
        StateField("deals_refused_relative_year", np.int32, "world", lambda ctx: 0,
                   "deals refused this year for relative-gains reasons"),
    ),
    streams=(OFFER, CHEAT),
    events=(EventKind("deal", _DEAL_FIELDS, "a deal offered to a pair of states, and what became of it"),),
    measures=(
        Measure("deals_offered", "system", np.int32, field_reader("deals_offered_year"), "deals offered this year"),
        Measure("deals_accepted", "system", np.int32, field_reader("deals_accepted_year"),
                "deals accepted by both sides this year"),
        Measure("deals_refused_relative", "system", np.int32, field_reader("deals_refused_relative_year"),
                "deals refused this year although the refusing side would have gained (relative gains)"),
    ),
    steps=(Step("cooperate", cooperate),),
    summary=_summary,
    module=__name__,
)
