"""War: who starts it, who fights on which side, who wins, what it costs, and who survives.

Decision: a crisis is a bargaining problem (Fearon 1995; formulas in
:mod:`.bargaining`, derivations in docs/war.md).  Each year a state faces a
crisis with probability ``opportunity`` (crises are rare).  Against each
possible target j it estimates, from what it *perceives* of j's forces
(:mod:`.perception`) plus the forces it expects third parties to bring
(:func:`.alliances.expected_support`), its chance p of winning, the stake
(a share ``transfer`` of j's economy, or all of it when j would be conquered;
what it would lose, a share of its own economy or all of it when it would
be conquered itself), its expected cost of war, and the fall of its odds over
``shift_horizon`` years at the current trends of power (the premium of a
declining state, Powell 2006).  Its cost of war this crisis is private: a
draw around the expected cost (``cost_uncertainty``).  It presses the crisis
against the target where pressing pays most, if war beats the status quo at
all.  The target, which knows only the distribution of the challenger's cost
and estimates the odds from what *it* perceives, makes the offer that best
trades a smaller concession against the risk of refusal (the risk–return
trade-off); the challenger takes it if it is worth its value of war.  An
accepted offer is a real transfer of a share of the target's economy,
population and resources; a refused one is a war, planned here and begun at
the ``mobilize`` stage unless the authority (:mod:`.authority`) stops it.
So war comes only from private information (about costs, or diverging
estimates of the odds under fog — mutual optimism, Blainey 1973), from the
commitment problem of a fast shift of power (Powell 2006), or from the
small decision noise ``temperature``.  Defensive realists need a margin
``threshold`` over the value of war, offensive realists (Mearsheimer 2001) a
smaller one: doctrine acts only through the decision.  Allies are never
targets.

Wars are between coalitions.  A war has an id (start year × N + initiator),
two sides — the initiator's and the target's — a start year and accumulated
losses; a state can join a side after the war has started (:func:`join`).
The war is fought on the original target's territory.

Forces: a state in several wars at once splits its military equally among
them.  Its contribution to a war is that share projected to the theatre
over the loss-of-strength gradient (Boulding 1962); a side's strength is the
sum of its members' contributions.

Contest (Hirshleifer 1989; Jervis 1978 for θ): P(initiator's side wins) =
(θ·A)^m / ((θ·A)^m + B^m) for side strengths A and B.

Resolution: each year of war destroys κ·min(A, B) of each side's military,
shared among the side's members by contribution, and a share of every
belligerent's economy.  With probability ``decisive_prob`` the year ends in
a decision: every member of the losing side cedes a share ``transfer`` of
its economy, population and resources, and the spoils of the war are shared
among the winning side's members by their contribution.  A loser whose
composite power is below ``survival_floor`` × the winning side's joint power
is conquered: its assets go to the winners in the same proportions, its
military is destroyed, and death is absorbing (survival is what every state
is playing for, Waltz 1979, p. 91).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, field_validator
from scipy.special import expit

from .. import fmath, rng
from ..kernels import use_kernels
from ..measures import composite_index
from ..schema import StrictModel
from . import alliances, authority, bargaining
from .base import (
    EventField,
    EventKind,
    Measure,
    Mechanism,
    StateField,
    Step,
    Stream,
    at,
    at_each,
    emit,
    memo,
    per_world_vector,
    role_any,
    role_factor,
    role_product,
    role_sum,
)

F = NDArray[np.float64]

#: Sides of a war: ``war_side[r, w, i]`` is 0 (not in war w), 1 (the initiator's side) or 2 (the target's).
NO_SIDE, ATTACKER, DEFENDER = 0, 1, 2
SIDE_LABELS = ("none", "attacker", "defender")
#: ``war_outcome[r, s]`` in the year the war of initiator slot s ended: the initiator's side won, lost,
#: or the war ended undecided (a side was gone, or it was not fought); 0 in other years.
WON, LOST, UNDECIDED = 1, 2, 3

OPPORTUNITY = Stream("war", "opportunity", legacy=3)
DECISION = Stream("war", "decision", legacy=4)
DECISIVE = Stream("war", "decisive", legacy=6)
OUTCOME = Stream("war", "outcome", legacy=7)
COST_TYPE = Stream("war", "cost_type")  # the challenger's private cost of war, each crisis


class WarParams(StrictModel):
    """War: crisis bargaining (Fearon 1995; Powell 2006), a contest success function, costs, transfers, death.

    P(A wins) = (θ·A)^m / ((θ·A)^m + B^m), A = the initiator's side's military projected over
    distance, B = the defending side's (Hirshleifer 1989; θ is the offense–defense
    balance of Jervis 1978 and Van Evera 1999).  The crisis: the target offers the
    transfer that best trades concession against the risk of refusal, given the
    challenger's private cost of war (docs/war.md).
    """

    offense_defense: float = Field(default=1.0, gt=0.0, le=10.0, description="θ: > 1 favours attackers, < 1 defenders")
    decisiveness: float = Field(default=2.0, gt=0.0, le=20.0, description="m: contest exponent; larger = the stronger side wins more surely")
    cost: float = Field(default=0.15, ge=0.0, le=1.0, description="κ: each year of war destroys κ·min(A, B) of each side's military")
    economic_cost: float = Field(default=0.03, ge=0.0, le=1.0, description="share of economy each side loses per year of war")
    transfer: float = Field(default=0.25, ge=0.0, le=1.0, description="share of economy, population and resources the loser cedes to the winner")
    decisive_prob: float = Field(default=0.6, gt=0.0, le=1.0, description="probability a year of war ends in a decision (else it goes on)")
    threshold: float = Field(default=0.02, ge=-1.0, le=1.0, description="margin (share of own economy) by which war must beat the best settlement before a state fights: a cost of war the target knows and allows for (defensive realism, Waltz 1979; Van Evera 1999)")
    offensive_threshold: float = Field(default=0.0, ge=-1.0, le=1.0, description="the same margin for states with the offensive doctrine (Mearsheimer 2001: any war whose expected gain beats its cost is an opportunity to seize)")
    temperature: float = Field(default=0.001, ge=0.0, le=1.0, description="decision noise: P(war) = logistic((value of war − offer)/(temperature × own economy)); 0 = none (Signorino 1999's strategic noise)")
    opportunity: float = Field(default=0.5, ge=0.0, le=1.0, description="probability a state weighs a dispute in a year; it presses a crisis only where war would pay (calibrated with the scorecard, docs/scorecard.md#calibration)")
    survival_floor: float = Field(default=0.15, ge=0.0, lt=1.0, description="a state that loses a decisive war while its composite power is below this fraction of the winning side's is conquered (absorbed by the winners)")
    cost_uncertainty: float = Field(default=0.6, ge=0.0, le=1.0, description="δ: each crisis the challenger's cost of war is private, uniform on expected cost × [1 − δ, 1 + δ]; the target knows only this (Fearon 1995: private information and the incentive to bluff); 0 = complete information")
    max_concession: float = Field(default=1.0, ge=0.0, le=1.0, description="largest share of its economy, population and resources a target concedes in one year's settlements (1 = all it has; below 1 a stake can be too large to buy off, and war follows even under complete information: an indivisibility, Fearon 1995)")
    shift_horizon: float = Field(default=10.0, ge=0.0, le=100.0, description="years over which a state projects the trend of power when it weighs preventive war (Powell 2006; 0 = no commitment problem)")
    trend_memory: float = Field(default=0.2, gt=0.0, le=1.0, description="weight of the latest year in the moving average of each state's yearly log change of power (the trend of power)")
    prevention_drop: float = Field(default=0.05, ge=0.0, le=1.0, description="a restrained state (a defensive security seeker) presses a preventive crisis only where its chance of winning would fall by more than this over shift_horizon (Van Evera 1999: windows of vulnerability)")
    preemption_belief: float = Field(default=0.3, ge=0.0, le=1.0, description="a restrained state presses a pre-emptive crisis only against a state it believes at least this likely to have aggressive aims (and only under a first-move advantage)")
    preemption: float = Field(default=0.5, ge=0.0, le=1.0, description="how surely a rival with aggressive aims strikes first: weighs the pre-emption premium hostility × max(0, p_first − p_struck) × stakes (Jervis 1978; Van Evera 1999); read only where a mechanism supplies hostility (beliefs)")

    @field_validator("offense_defense")
    @classmethod
    def _theta_finite(cls, v: float) -> float:
        import math

        if not math.isfinite(v):
            raise ValueError("must be finite")
        return v


def win_probability(attack: F, defence: F, theta: Any, m: Any) -> F:
    """Contest success function P = (θA)^m / ((θA)^m + B^m) (0.5 when both are 0)."""
    a = theta * np.asarray(attack, dtype=np.float64)
    b = np.asarray(defence, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = b / a
        r = ratio * ratio if (np.ndim(m) == 0 and m == 2.0) else fmath.power(ratio, m)
        p = 1.0 / (1.0 + r)
    p = np.where(a > 0, p, 0.0)
    return np.where((a <= 0) & (b <= 0), 0.5, p)


# --------------------------------------------------------------------------- decision


def expected_war_cost(fought, E, T, dur, econ, conv):
    """A side's expected cost of a war in units of the economy: the economic cost ``econ`` of each of
    the ``dur`` expected years, and its military losses ``fought`` (= dur·κ·min(A, B)) replaced at the
    cost of producing arms, 1 / (technology T × ``conversion``)."""
    return dur * econ * E + fought / (T * conv)


def _war_terms(A, B, Pi, Pj, Ei, Ej, Ti, Tj, shift, k, ext=None) -> dict[str, F]:
    """The terms of a war between a challenger (forces A at the theatre, power Pi, economy Ei,
    technology Ti) and a target (B, Pj, Ej, Tj), in units of the economy; ``k`` the war
    parameters shaped to broadcast; ``ext`` the role inputs of other mechanisms shaped to
    broadcast (``gain`` weight, extra ``cost`` share, ``hostility``; :func:`_extras`).  See
    :func:`crisis_terms`."""
    p = win_probability(A, B, k["theta"], k["m"])
    p_future = win_probability(A * shift, B, k["theta"], k["m"]) if np.any(shift != 1.0) else p
    tau, floor = k["tau"], k["floor"]
    j_dies = (1.0 - tau) * Pj < floor * (Pi + tau * Pj)
    i_dies = (1.0 - tau) * Pi < floor * (Pj + tau * Pi)
    gain = np.where(j_dies, Ej, tau * Ej)
    if ext is not None and ext.get("gain") is not None:
        gain = gain * ext["gain"]
    loss = np.where(i_dies, Ei, tau * Ei)
    fought = k["dur"] * k["kappa"] * np.minimum(A, B)
    cost = expected_war_cost(fought, Ei, Ti, k["dur"], k["econ"], k["conv"])
    known = None
    if ext is not None and ext.get("cost") is not None:
        # a cost everyone knows (a nuclear deterrent, a deterrer's commitment): added to the expected
        # cost, outside the challenger's private draw
        known = ext["cost"] * Ei
        private = cost
        cost = cost + known
    out = {
        "p": p,
        "p_future": p_future,
        "gain": gain,
        "loss": loss,
        "cost": cost,
        "cost_target": expected_war_cost(fought, Ej, Tj, k["dur"], k["econ"], k["conv"]),
        "value": p * gain - (1.0 - p) * loss,
        "premium": bargaining.decline_premium(p, p_future, gain + loss),
    }
    if known is not None:
        out["cost_private"], out["cost_known"] = private, known
    if ext is not None and ext.get("hostility") is not None:
        out["fear"] = bargaining.preemption_premium(p, 1.0 - win_probability(B, A, k["theta"], k["m"]),
                                                    ext["hostility"] * k["preempt"], gain + loss)
    return out


def _war_params(params, r, flat: bool) -> dict[str, Any]:
    w = params.war
    get = at_each if flat else at
    return {
        "theta": get(w.offense_defense, r), "m": get(w.decisiveness, r), "conv": get(params.armament.conversion, r),
        "dur": 1.0 / get(w.decisive_prob, r), "kappa": get(w.cost, r), "econ": get(w.economic_cost, r),
        "tau": get(w.transfer, r), "floor": get(w.survival_floor, r), "horizon": get(w.shift_horizon, r),
        "preempt": get(w.preemption, r),
    }


def _extras(state) -> dict[str, Any]:
    """The role inputs other mechanisms give the war decision (:data:`.base.ROLES`), each None where no
    registered field plays the role: the challenger's ``gain`` weight (R, N), the extra ``cost`` share
    of attacking (R, N, N), its ``hostility`` toward the target (R, N, N) and its ``restraint`` (R, N):
    a doctrine's restraint, lifted where the state has aggressive aims (role ``aims``); its
    ``confidence`` (R, N), a factor on its own forces in its estimate of winning (overconfidence,
    Johnson 2004), and ``crusade`` (R, N), 1 where it starts a war this year whatever the war's
    expected utility (an ideologically motivated war)."""
    restraint = role_product(state, "restraint")
    aims = role_product(state, "aims") if restraint is not None else None
    if aims is not None:  # a greedy state is bound by no doctrine's restraint
        restraint = restraint * (1.0 - aims)
    return {"gain": role_product(state, "gain_weight"), "cost": role_sum(state, "war_cost"),
            "hostility": role_product(state, "hostility"), "restraint": restraint,
            "confidence": role_factor(state, "confidence"), "crusade": role_any(state, "crusade")}


def _rows_of(ext: dict[str, Any], r, i, targets=None) -> dict[str, Any]:
    """The role inputs at the deciders' rows: (K, 1) / (K, N), or (K,) at their targets."""
    out: dict[str, Any] = {}
    g = ext.get("gain")
    if targets is None:
        out["gain"] = None if g is None else g[r, i][:, None]
        out["cost"] = None if ext.get("cost") is None else ext["cost"][r, i]
        out["hostility"] = None if ext.get("hostility") is None else ext["hostility"][r, i]
        out["confidence"] = None if ext.get("confidence") is None else ext["confidence"][r, i][:, None]
    else:
        out["gain"] = None if g is None else g[r, i]
        out["cost"] = None if ext.get("cost") is None else ext["cost"][r, i, targets]
        out["hostility"] = None  # the target does not know how the challenger reads its aims
    return out


def crisis_terms(state, params, rows: tuple[NDArray[np.int64], NDArray[np.int64]],
                 targets: NDArray[np.int64] | None = None, support: tuple[F, F] | None = None,
                 extras: dict[str, Any] | None = None) -> dict[str, F]:
    """The terms of a crisis between each decider i (rows ``(r, i)``, K of them) and every j, (K, N);
    or, with ``targets`` (K,), as the targets see them, (K,).

    The challenger's view (``targets`` None) reads what i perceives of j
    (``seen_military[r, i, j]``, ``seen_power[r, i, j]``); the target's view
    what j perceives of i (``seen_military[r, j, i]``, ``seen_power[r, j, i]``).
    Both add the forces i expects third parties to bring
    (:func:`.alliances.expected_support`; ``support`` passes them in when
    already computed).

    ``p`` the challenger's chance of winning (Hirshleifer 1989) and ``p_future``
    the same after ``shift_horizon`` years at the current trends of power;
    ``gain`` what it takes if it wins (a share ``transfer`` of j's economy, all
    of it when j would be conquered: its power after ceding below
    ``survival_floor`` × the winner's); ``loss`` what it cedes if it loses
    (all of its economy when it would be conquered itself); ``cost`` its
    expected cost of war, ``cost_target`` the target's (the economic cost and
    the military losses at replacement cost, over the expected duration
    1/decisive_prob); ``value = p·gain − (1 − p)·loss`` and ``premium`` the
    decline premium (:func:`.bargaining.decline_premium`); ``economy`` the
    challenger's economy.  Other mechanisms enter through roles
    (:func:`_extras`): a weight on the gain (greed, relative gains), an extra
    cost of attacking (a nuclear deterrent, a deterrer's resolve) and, in the
    challenger's view, ``fear``, the pre-emption premium its hostility
    toward the target gives (:func:`.bargaining.preemption_premium`).
    """
    r, i = rows
    ext = _rows_of(_extras(state) if extras is None else extras, r, i, targets)
    K = len(r)
    E, M, T, P = state.economy, state.military, state.technology, state.power
    if support is None:
        support = alliances.expected_support(state, params, r, i)
    for_target, for_self = support
    flat = targets is not None
    k = _war_params(params, r, flat)
    Ti = np.where(T[r, i] > 0, T[r, i], 1.0)
    trend = state.power_trend
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if not flat:
            reach = params.decay[r, i]  # (K, N): i's strength projected to j's territory (the theatre)
            A = M[r, i][:, None] * reach + for_self
            if ext.get("confidence") is not None:  # overconfidence: i overrates its own side's strength
                A = A * ext["confidence"]
            B = state.seen_military[r, i] + for_target
            Ej = E[r]
            shift = bargaining.projected_ratio(trend[r, i][:, None], trend[r], k["horizon"])
            out = _war_terms(A, B, P[r, i][:, None], state.seen_power[r, i], E[r, i][:, None], Ej,
                             Ti[:, None], np.where(T[r] > 0, T[r], 1.0), shift, k, ext)
            out["economy"] = np.broadcast_to(E[r, i][:, None], Ej.shape)
            return out
        j = targets
        kk = np.arange(K)
        A = state.seen_military[r, j, i] * params.decay[r, i, j] + for_self[kk, j]
        B = M[r, j] + for_target[kk, j]
        shift = bargaining.projected_ratio(trend[r, i], trend[r, j], k["horizon"])
        out = _war_terms(A, B, state.seen_power[r, j, i], P[r, j], E[r, i], E[r, j],
                         Ti, np.where(T[r, j] > 0, T[r, j], 1.0), shift, k, ext)
        out["economy"] = E[r, i]
        return out


def _bargain(terms: dict[str, F], r, offensive, params, flat: bool, premium: bool = True):
    """The challenger's gross value, the support of its cost and the target's loss, in one view.

    With enforcement ρ, a war is stopped with probability ρ and the initiator
    pays ``penalty`` (Waltz's hierarchy counterfactual): the value and cost of
    war scale by 1 − ρ, the expected penalty is subtracted from the value, and
    the target loses nothing when the war is stopped.  ``margin`` is the
    doctrine's threshold, a cost of war the target knows.
    """
    w = params.war
    get = at_each if flat else at
    rho = get(params.authority.enforcement, r)
    pen = get(authority.expected_penalty(params), r)
    E = terms["economy"]
    margin = np.where(offensive, get(w.offensive_threshold, r), get(w.threshold, r)) * E
    value = terms["value"] + terms["premium"] if premium else terms["value"]
    if premium and "fear" in terms:
        value = value + terms["fear"]
    v = (1.0 - rho) * value - pen * E
    lo, hi = bargaining.uniform_costs(terms.get("cost_private", terms["cost"]), get(w.cost_uncertainty, r))
    if "cost_known" in terms:  # the known part of the cost is no part of the private draw
        lo, hi = lo + terms["cost_known"], hi + terms["cost_known"]
    lo = (1.0 - rho) * (lo + margin)
    hi = (1.0 - rho) * (hi + margin)
    loss_t = (1.0 - rho) * (terms["value"] + terms["cost_target"])
    return v, lo, hi, loss_t, margin


def expected_utility(state, params, rows: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None) -> F:
    """EU of i going to war against each j, in shares of i's own economy, from what i perceives.

    ``EU = (1 − ρ)·(p·G − (1 − p)·L + D − C) − ρ·penalty`` for the challenger's
    expected cost C (its mean type): the value of war against the status quo,
    which for a declining state carries the decline premium D
    (:func:`crisis_terms`).  With ``rows = (r, i)`` (K deciders) the result is
    (K, N); without, the full (R, N, N) matrix.  Both give the same numbers.
    """
    if rows is None:
        R, N = state.shape
        r = np.repeat(np.arange(R), N)
        i = np.tile(np.arange(N), R)
        return expected_utility(state, params, (r, i)).reshape(R, N, N)
    r, i = rows
    t = crisis_terms(state, params, (r, i))
    rho = at(params.authority.enforcement, r)
    E = t["economy"]
    safeE = np.where(E > 0, E, 1.0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        gross = t["value"] + t["premium"]
        if "fear" in t:
            gross = gross + t["fear"]
        eu = (gross - t["cost"]) / safeE
        return (1.0 - rho) * eu - at(authority.expected_penalty(params), r)


#: Why a war started: private information (about costs, or diverging estimates of the odds), a
#: commitment problem (the shift of power), the decision's noise, pre-emption (the fear of a
#: rival's aims under a first-move advantage), or ideology (role ``crusade``: a war the calculus
#: alone would not have started).
CAUSES = ("none", "information", "commitment", "noise", "preemption", "ideology")
OUTCOMES = ("settled", "war")


def decide(keys, state, params):
    """Crises of this year: who presses one against whom, the target's offer, settlement or war.

    Settlements are transferred at once; wars are planned (``war_plan``,
    ``plan_eu``, ``plan_cause``) and begin at the ``mobilize`` stage.  The
    challenger's and the target's views (:func:`_challenger_view`,
    :func:`_target_view`, the NumPy reference), how the crises end and the
    settlements (:func:`_settle`) run as compiled kernels
    (:mod:`.conflict_kernels`) unless :func:`neorealism.kernels.use_kernels` says no;
    both give the same numbers.
    """
    R, N = state.shape
    t = state.t + 1
    w = params.war
    alive = state.alive
    crisis = rng.uniform(keys, t, OPPORTUNITY.id, (N,)) < w.opportunity
    ext = _extras(state)
    crusade = ext["crusade"]
    if crusade is not None:  # a crusader weighs a dispute this year whatever the draw
        crisis = crisis | (crusade > 0)
    target = np.full((R, N), -1, dtype=np.int64)
    best_eu = np.full((R, N), np.nan)
    cause = np.zeros((R, N), dtype=np.int8)
    # a state with no economy left cannot pay for a war (nor is its utility defined)
    r, i = np.nonzero(alive & params.actor[None, :] & (state.war_target < 0) & crisis & (state.economy > 0))
    events: list = []
    crisis_target = np.full((R, N), -1, dtype=np.int64)
    crisis_war = np.zeros((R, N), dtype=bool)
    if not len(r):
        return state.replace(war_plan=target, plan_eu=best_eu, plan_cause=cause, crisis_target=crisis_target,
                             crisis_war=crisis_war), events
    u_cost = rng.uniform(keys, t, COST_TYPE.id, (N,))[r, i]
    u_go = rng.uniform(keys, t, DECISION.id, (N,))[r, i]
    support = alliances.expected_support(state, params, r, i, rivals_only=True)
    off = params.offensive[i]
    Ei = state.economy[r, i]
    zeal = (crusade[r, i] > 0) if crusade is not None else None
    kern = use_kernels()
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # the challenger's view: the target where pressing pays most, and that crisis's numbers
        view = _challenger_view_kernel if kern else _challenger_view
        j, best_pay, reservation, v_best, cost_best, prem_best, fear_best = view(
            state, params, r, i, off, u_cost, support, ext)
        has = np.isfinite(best_pay)
        # the target's view: its offer, from what it perceives, knowing only the distribution of the cost
        # (and the offer it would make without the challenger's decline premium, for the cause below)
        # — for the pressed crises only (elsewhere there is no offer to make: it is 0)
        pressed = has & (reservation > 0)
        if zeal is not None:  # a crusader presses its crisis even where war does not pay
            pressed = pressed | (has & zeal)
        kp = np.flatnonzero(pressed)
        offer, p_war, offer0 = np.zeros(len(r)), np.zeros(len(r)), np.zeros(len(r))
        if len(kp):
            view_t = _target_view_kernel if kern else _target_view
            sub = (support[0][kp], support[1][kp])
            offer[kp], p_war[kp], offer0[kp] = view_t(state, params, r[kp], i[kp], j[kp], off[kp], sub, ext)
        if kern:  # how the crises end, by the compiled kernel (the same numbers)
            from .conflict_kernels import crisis_ends

            temperature = memo(params, "conflict.temperature", lambda: per_world_vector(w.temperature, R))
            go, settled, why, eu = crisis_ends(
                r, i, j, best_pay, reservation, offer, offer0, v_best, cost_best, prem_best, fear_best, u_go, Ei,
                temperature, _kernel_params(params, R)[7], _NO_FLAG if zeal is None else zeal, zeal is not None,
                target, best_eu, cause, crisis_target, crisis_war)
        else:
            gap = reservation - offer  # > 0: war is worth more than the offer
            scale = at_each(w.temperature, r) * np.where(Ei > 0, Ei, 1.0)
            noisy = scale > 0
            settle = bargaining.accepts(offer, reservation)
            go = has & np.where(noisy, u_go < expit(gap / np.where(noisy, scale, 1.0)), ~settle)
            go &= np.isfinite(gap)
            calculus = go
            if zeal is not None:  # ... and goes to war whatever it is offered (a target is needed: has)
                go = go | (has & zeal)
            settled = pressed & ~go
            # the initiator's EU of war at the moment it chose it: its material value of war against the
            # status quo at its true cost (the doctrinal margin is a preference, not a payoff)
            rho_k = at_each(params.authority.enforcement, r)
            eu = (v_best - (1.0 - rho_k) * cost_best) / np.where(Ei > 0, Ei, 1.0)
            # why: the calculus said settle (or nothing was worth pressing) → noise; it would have settled
            # without the decline premium → commitment; else private information (costs, or the odds)
            prem = (1.0 - rho_k) * prem_best
            fear = (1.0 - rho_k) * fear_best
            why = np.where(settle, 3, np.where((prem > 0) & bargaining.accepts(offer0, reservation - prem), 2,
                                               np.where((fear > 0) & bargaining.accepts(offer, reservation - fear), 4, 1)))
            if zeal is not None:
                why = np.where(go & ~calculus, 5, why)
            why = why.astype(np.int8)
            target[r[go], i[go]] = j[go]
            best_eu[r[go], i[go]] = eu[go]
            cause[r[go], i[go]] = why[go]
            crisis_target[r[kp], i[kp]] = j[kp]
            crisis_war[r[kp], i[kp]] = go[kp]

    tgt = j
    new = {}
    if len(kp):
        events.append(emit(
            "crisis", r[kp], challenger=i[kp], target=tgt[kp],
            share=offer[kp] / np.where(state.economy[r[kp], tgt[kp]] > 0, state.economy[r[kp], tgt[kp]], 1.0),
            war_prob=p_war[kp], outcome=np.where(go[kp], 1, 0), cause=np.where(go[kp], why[kp], 0),
            expected_utility=eu[kp],
        ))
    ks = np.flatnonzero(settled & (offer > 0))
    if len(ks):
        new = (_settle_kernel if kern else _settle)(state, r[ks], i[ks], tgt[ks], offer[ks], w.max_concession)
    return state.replace(war_plan=target, plan_eu=best_eu, plan_cause=cause, crisis_target=crisis_target,
                         crisis_war=crisis_war, **new), events


def _challenger_view(state, params, r, i, off, u_cost, support, extras=None):
    """The challenger's view of its crisis (NumPy reference): for each decider k the target
    ``j[k]`` where pressing a crisis pays most (the better of the offer it expects and war, only
    where war beats the status quo; elsewhere there is no crisis to press; −inf when nowhere), and
    for that target what pressing pays, its reservation (war against the status quo at its private
    cost), its gross value of war, its private cost, the decline premium and the pre-emption premium.

    A restrained decider (role ``restraint``: a defensive security seeker) presses only where it
    has a defensive motive: its odds would fall by more than ``prevention_drop`` over the horizon
    (prevention), or it believes the target greedy at least ``preemption_belief`` and striking first
    pays (pre-emption)."""
    R, N = state.shape
    w = params.war
    K = len(r)
    kk = np.arange(K)
    ext = _extras(state) if extras is None else extras
    valid = state.alive[r] & params.actor[None, :] & (np.arange(N)[None, :] != i[:, None]) & ~state.allied[r, i]
    terms = crisis_terms(state, params, (r, i), support=support, extras=ext)
    fear = terms.get("fear")
    if ext.get("restraint") is not None:
        motive = terms["p"] - terms["p_future"] > at(w.prevention_drop, r)
        if fear is not None:
            motive = motive | ((fear > 0) & (ext["hostility"][r, i] >= at(w.preemption_belief, r)))
        valid = valid & (~(ext["restraint"][r, i] > 0)[:, None] | motive)
    rho = at(params.authority.enforcement, r)
    delta = at(w.cost_uncertainty, r)
    v_c, lo_c, hi_c, loss_c, margin = _bargain(terms, r, off[:, None], params, flat=False)
    cost_true = terms.get("cost_private", terms["cost"]) * (1.0 + delta * (2.0 * u_cost[:, None] - 1.0))
    if "cost_known" in terms:
        cost_true = cost_true + terms["cost_known"]
    res = v_c - (1.0 - rho) * (cost_true + margin)  # its reservation: war against the status quo
    pays = np.where(valid & np.isfinite(res), res, -np.inf)
    kc, jc = np.nonzero(pays > 0)
    if len(kc):
        cap_c = at_each(w.max_concession, r[kc]) * state.economy[r[kc], jc]
        x_hat, _ = bargaining.optimal_offer(v_c[kc, jc], lo_c[kc, jc], hi_c[kc, jc], loss_c[kc, jc], cap_c)
        pays[kc, jc] = np.maximum(pays[kc, jc], np.where(np.isfinite(x_hat), x_hat, -np.inf))
    j = np.argmax(pays, axis=-1)
    fear_j = fear[kk, j] if fear is not None else np.zeros(K)
    return j, pays[kk, j], res[kk, j], v_c[kk, j], cost_true[kk, j], terms["premium"][kk, j], fear_j


def _target_view(state, params, r, i, j, off, support, extras=None):
    """The target's view of each crisis (NumPy reference): its optimal offer from what it perceives,
    knowing only the distribution of the challenger's cost (not how the challenger reads its aims),
    the risk of refusal it accepts with it, and the offer it would make without the challenger's
    decline premium."""
    tv = crisis_terms(state, params, (r, i), targets=j, support=support, extras=extras)
    cap = at_each(params.war.max_concession, r) * state.economy[r, j]
    v_t, lo_t, hi_t, loss_t, _ = _bargain(tv, r, off, params, flat=True)
    offer, p_war = bargaining.optimal_offer(v_t, lo_t, hi_t, loss_t, cap)
    v0, lo0, hi0, loss0, _ = _bargain(tv, r, off, params, flat=True, premium=False)
    offer0, _ = bargaining.optimal_offer(v0, lo0, hi0, loss0, cap)
    return offer, p_war, offer0


def _square_contest(params) -> bool:
    """Whether the contest exponent is the scalar 2 (the reference squares the force ratio; the
    kernels serve only this case; another exponent takes the NumPy path, with ``fmath.power``)."""
    m = params.war.decisiveness
    return bool(np.ndim(m) == 0 and m == 2.0)


def _kernel_params(params, R: int) -> list[F]:
    """The per-world parameters of the decision kernels, each a contiguous (R,) vector (built once a batch)."""
    return memo(params, "conflict.kernel_params", lambda: _kernel_vectors(params, R))


def _kernel_vectors(params, R: int) -> list[F]:
    w, a = params.war, params.authority
    return [per_world_vector(x, R) for x in (
        w.offense_defense, params.armament.conversion, 1.0 / np.asarray(w.decisive_prob, dtype=np.float64),
        w.cost, w.economic_cost, w.transfer, w.survival_floor, a.enforcement, authority.expected_penalty(params),
        w.threshold, w.offensive_threshold, w.cost_uncertainty, w.max_concession)]


def _growth_factors(state, params, extras: dict[str, Any] | None = None) -> F:
    """Each state's :func:`.bargaining.growth_factor` over the shift horizon, ``(R, N)``: the kernels
    divide two of them for a pair's projected force ratio (:func:`.bargaining.projected_ratio`).
    Computed once a decision: kept in the year's role inputs ``extras`` (:func:`_extras`, which
    :func:`decide` hands to both views) when given."""
    if extras is not None:
        kept = extras.get("_growth")
        if kept is None:
            kept = extras["_growth"] = _growth_factors(state, params)
        return kept
    R = state.shape[0]
    horizon = memo(params, "conflict.horizon", lambda: per_world_vector(params.war.shift_horizon, R)[:, None])
    return np.ascontiguousarray(bargaining.growth_factor(state.power_trend, horizon))


_NO_STATE = np.zeros((1, 1))
_NO_PAIR = np.zeros((1, 1, 1))
_NO_FLAG = np.zeros(1, dtype=bool)


def _kernel_roles(ext: dict[str, Any]) -> tuple[Any, ...]:
    """The role inputs as the kernels take them: contiguous arrays (a 1-element stand-in where no field
    plays the role) and one flag per role."""
    def arr(x, dummy):
        return dummy if x is None else np.ascontiguousarray(x, dtype=np.float64)

    g, c, h, q, f = (ext.get(k) for k in ("gain", "cost", "hostility", "restraint", "confidence"))
    return (arr(g, _NO_STATE), arr(c, _NO_PAIR), arr(h, _NO_PAIR), arr(q, _NO_STATE),
            g is not None, c is not None, h is not None, q is not None, arr(f, _NO_STATE), f is not None)


def _target_view_kernel(state, params, r, i, j, off, support, extras=None):
    """:func:`_target_view` by the compiled kernel (:mod:`.conflict_kernels`); the growth
    factors of the projected force ratio computed before it (``fmath.exp``); a contest exponent other than the scalar 2 takes the NumPy path."""
    if not _square_contest(params):
        return _target_view(state, params, r, i, j, off, support, extras)
    from .conflict_kernels import target_view

    R = state.shape[0]
    ext = _extras(state) if extras is None else extras
    growth = _growth_factors(state, params, ext)
    for_target, for_self = support
    r, i, j = (np.ascontiguousarray(x) for x in (r, i, j))
    gw, wc, _, _, has_g, has_c, _, _, _, _ = _kernel_roles(ext)
    return target_view(r, i, j, state.military, state.economy, state.technology, state.power,
                       state.seen_military, state.seen_power, params.decay, for_target, for_self, growth, off,
                       *_kernel_params(params, R), gw, wc, has_g, has_c)


def _challenger_view_kernel(state, params, r, i, off, u_cost, support, extras=None):
    """:func:`_challenger_view` by the compiled kernel (:mod:`.conflict_kernels`): one pass over the
    K deciders and N targets, no (K, N) temporaries.  The kernel squares the force ratio, as the
    reference does for the scalar contest exponent 2; any other exponent (or a per-world one) takes
    the NumPy path, whose vectorised ``power`` the kernel could not match to the last bit."""
    if not _square_contest(params):
        return _challenger_view(state, params, r, i, off, u_cost, support, extras)
    from .conflict_kernels import challenger_view

    R, N = state.shape
    for_target, for_self = support
    ext = _extras(state) if extras is None else extras
    growth = _growth_factors(state, params, ext)
    pw = _kernel_params(params, R)
    w = params.war
    gates = memo(params, "conflict.gates", lambda: [per_world_vector(x, R) for x in (
        w.preemption, w.prevention_drop, w.preemption_belief)])
    roles = _kernel_roles(ext)
    return challenger_view(
        np.ascontiguousarray(r), np.ascontiguousarray(i), state.military, state.economy, state.technology, state.power, state.seen_military,
        state.seen_power, params.decay, for_target, for_self, growth, state.alive, params.actor,
        state.allied, off, u_cost, *pw, *gates, *roles)


def _settle(state, r, i, j, offer, max_concession) -> dict[str, F]:
    """Settlements: each target cedes a share offer/E_j of its economy, population and resources to
    its challenger.  A target that settles several crises in one year cedes at most ``max_concession``
    in all (each concession scaled down in proportion)."""
    R, N = state.shape
    E = state.economy
    share = offer / np.where(E[r, j] > 0, E[r, j], 1.0)
    out_j = np.bincount(r * N + j, weights=share, minlength=R * N).reshape(R, N)
    cap = np.broadcast_to(np.asarray(max_concession, dtype=np.float64), (R, 1))
    over = out_j > cap
    scale = np.where(over, cap / np.where(over, out_j, 1.0), 1.0)
    share = share * scale[r, j]
    res = {}
    for name in ("economy", "population", "resources"):
        x = getattr(state, name)
        amount = share * x[r, j]
        lost = np.bincount(r * N + j, weights=amount, minlength=R * N).reshape(R, N)
        won = np.bincount(r * N + i, weights=amount, minlength=R * N).reshape(R, N)
        res[name] = np.maximum(x - lost, 0.0) + won  # ceding everything leaves 0, not a rounding error below it
    return res


def _settle_kernel(state, r, i, j, offer, max_concession) -> dict[str, F]:
    """:func:`_settle` by the compiled kernel (:func:`.conflict_kernels.settle`): the same numbers."""
    from .conflict_kernels import settle

    R = state.shape[0]
    cap = per_world_vector(max_concession, R)
    E, P, S = settle(r, i, j, offer, state.economy, state.population, state.resources, cap)
    return {"economy": E, "population": P, "resources": S}


def trend(keys, state, params):
    """The trend of each state's power: a moving average of the yearly log change of its composite
    index (runs at the ``measure`` stage after :mod:`.polarity`, so ``power`` is this year's).  By the
    compiled kernel (:func:`.conflict_kernels.power_trend`) unless
    :func:`neorealism.kernels.use_kernels` says no; the same numbers."""
    if use_kernels():
        from .conflict_kernels import power_trend

        R = state.shape[0]
        alpha = memo(params, "conflict.trend_memory", lambda: per_world_vector(params.war.trend_memory, R))
        new, kept = power_trend(state.power, state.power_last, state.power_trend, state.alive, alpha)
        return state.replace(power_trend=new, power_last=kept), ()
    alpha = params.war.trend_memory
    P, last = state.power, state.power_last
    ok = (P > 0) & (last > 0) & state.alive
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(ok, fmath.log(np.where(ok, P, 1.0) / np.where(ok, last, 1.0)), 0.0)
    new = np.where(state.alive, (1.0 - alpha) * state.power_trend + alpha * g, 0.0)
    new = np.where(last > 0, new, 0.0)  # the first measurement (year 0) has no change yet
    return state.replace(power_trend=new, power_last=np.where(state.alive, P, 0.0)), ()


# --------------------------------------------------------------------------- coalitions


def join(state, r: NDArray[np.integer], war: NDArray[np.integer], member: NDArray[np.integer], side: NDArray[np.integer]):
    """States ``member`` join war ``war`` (the initiator's slot) on ``side`` in worlds ``r``.

    Returns the new state and the ``war_join`` events.  Joining a war that
    is not being fought, or by a dead state, is ignored.
    """
    r, war, member, side = (np.asarray(x, dtype=np.int64) for x in (r, war, member, side))
    ok = (state.war_target[r, war] >= 0) & state.alive[r, member] & ((side == ATTACKER) | (side == DEFENDER))
    r, war, member, side = r[ok], war[ok], member[ok], side[ok]
    ws = state.war_side.copy()
    ws[r, war, member] = side
    N = state.shape[1]
    ev = emit("war_join", r, war_id=state.war_start[r, war] * N + war, state=member, side=side)
    return state.replace(war_side=ws), (ev,)


def _by_contribution(force: F, total: F, members: NDArray[np.bool_]) -> F:
    """Each member's share of its side: by contribution, or equal when the side brings no force."""
    n = members.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_force = force / np.where(total > 0, total, 1.0)[:, None]
    equal = np.where(members, 1.0 / np.maximum(n, 1), 0.0)
    return np.where((total > 0)[:, None], by_force, equal)


def begin(keys, state, params):
    """The wars planned this year begin (the authority has already stopped some).

    Runs at the ``mobilize`` stage, before allies decide whether to join
    (:mod:`.alliances`); the fighting is :func:`resolve`'s.  By the compiled kernel
    (:func:`.conflict_kernels.begin_wars`) unless :func:`neorealism.kernels.use_kernels` says no; the
    same numbers.
    """
    N = state.shape[1]
    t = state.t + 1
    plan = state.war_plan
    if use_kernels():
        from .conflict_kernels import begin_wars

        n_started, rs, is_, tgt, start, losses, side, eu, foe = begin_wars(
            plan, t, state.war_target, state.war_start, state.war_losses, state.war_side, state.plan_eu,
            state.war_eu, state.war_foe)
        if not len(rs):
            return state.replace(n_started=n_started), ()
        ev = emit("war_start", rs, war_id=t * N + is_, attacker=is_, defender=plan[rs, is_],
                  expected_utility=state.plan_eu[rs, is_], cause=state.plan_cause[rs, is_])
        return state.replace(war_target=tgt, war_start=start, war_losses=losses, war_side=side,
                             n_started=n_started, war_eu=eu, war_foe=foe), (ev,)
    started = plan >= 0
    n_started = started.sum(axis=-1)
    rs, is_ = np.nonzero(started)
    if not len(rs):
        return state.replace(n_started=n_started), ()
    side = state.war_side.copy()
    side[rs, is_, :] = NO_SIDE
    side[rs, is_, is_] = ATTACKER
    side[rs, is_, plan[rs, is_]] = DEFENDER
    ev = emit("war_start", rs, war_id=t * N + is_, attacker=is_, defender=plan[rs, is_],
              expected_utility=state.plan_eu[rs, is_], cause=state.plan_cause[rs, is_])
    return state.replace(
        war_target=np.where(started, plan, state.war_target),
        war_start=np.where(started, t, state.war_start),
        war_losses=np.where(started, 0.0, state.war_losses),
        war_side=side,
        n_started=n_started,
        war_eu=np.where(started, state.plan_eu, state.war_eu),
        war_foe=np.where(started, plan, state.war_foe),
    ), (ev,)


def resolve(keys, state, params):
    """Fight one year of every war; transfers, conquest and deaths.

    The fighting (:func:`_fight`, the NumPy reference) and the conquests (:func:`_conquest`) run as
    compiled kernels (:func:`.conflict_kernels.fight`, :func:`.conflict_kernels.conquest`) unless
    :func:`neorealism.kernels.use_kernels` says no; both give the same numbers."""
    R, N = state.shape
    t = state.t + 1
    events: list = []
    tgt, wstart, wloss, side = state.war_target, state.war_start, state.war_losses, state.war_side
    n_started = state.n_started

    rw, w = np.nonzero(tgt >= 0)  # the wars being fought, one entry per (world, initiator slot)
    outcome = state.war_outcome
    if outcome.any():  # last year's endings are read (at the measure stage) by now
        outcome = np.zeros_like(outcome)
    if len(rw) == 0:
        return state.replace(war_target=tgt, war_start=wstart, war_losses=wloss, war_side=side, n_started=n_started,
                             war_outcome=outcome), events

    alive = state.alive
    j = tgt[rw, w]  # the original target
    u_dec = rng.uniform(keys, t, DECISIVE.id, (N,))
    u_out = rng.uniform(keys, t, OUTCOME.id, (N,))
    kern = use_kernels()
    fight = _fight_kernel if kern else _fight
    M1, E2, P2, S2, war_size, active, decided, att_won, memA, memB, wshare, conq, wpow = fight(
        state, params, rw, w, u_dec, u_out)

    # --- conquest: a decisive loser far weaker than the winning side is absorbed by it
    died = np.zeros((R, N), dtype=bool)
    absorber = np.full((R, N), -1, dtype=np.int64)
    death_war = np.full((R, N), -1, dtype=np.int64)
    war_id = wstart[rw, w] * N + w
    E3, P3, S3 = E2, P2, S2
    dead = conq is not None and bool(conq.any())
    if dead:
        E3, P3, S3, died, absorber, death_war = (_conquest_kernel if kern else _conquest)(
            conq, rw, wpow, war_id, wshare, (E2, P2, S2), R, N)
    M3 = np.where(died, 0.0, M1) if dead else M1
    alive_new = alive & ~died if dead else alive

    # --- wars end when decided, when they were not fought, or when a side is gone (with no death this
    # year, a fought war's sides are all there still)
    if dead:
        al2 = alive_new[rw]
        ended = decided | ~active | ~((memA & al2).any(axis=1) & (memB & al2).any(axis=1))
    else:
        ended = decided | ~active
    losses = wloss[rw, w] + war_size
    ke = np.flatnonzero(ended)
    if len(ke):
        winner = np.where(decided, np.where(att_won, w, j), -1)
        loser = np.where(decided, np.where(att_won, j, w), -1)
        events.append(emit("war_end", rw[ke], war_id=war_id[ke], attacker=w[ke], defender=j[ke],
                           winner=winner[ke], loser=loser[ke], losses=losses[ke]))
        outcome = outcome.copy() if outcome is state.war_outcome else outcome
        outcome[rw[ke], w[ke]] = np.where(decided[ke], np.where(att_won[ke], WON, LOST), UNDECIDED)
    rd, sd = np.nonzero(died)
    if len(rd):
        events.append(emit("death", rd, war_id=death_war[rd, sd], state=sd, absorbed_by=absorber[rd, sd]))

    tgt = tgt.copy()
    wstart = wstart.copy()
    wloss = wloss.copy()
    wloss[rw, w] = np.where(ended, 0.0, losses)
    tgt[rw[ke], w[ke]] = -1
    wstart[rw[ke], w[ke]] = -1
    allied = state.allied
    if len(ke) or len(rd):
        side = side.copy()
        side[rw[ke], w[ke], :] = NO_SIDE
        if len(rd):
            side[rd, :, sd] = NO_SIDE  # the dead fight no more
            allied = allied.copy()  # and their alliances end
            allied[rd, sd, :] = False
            allied[rd, :, sd] = False
    new = state.replace(
        military=M3,
        economy=E3,
        population=P3,
        resources=S3,
        technology=np.where(died, 0.0, state.technology),
        burden=np.where(died, 0.0, state.burden),
        alive=alive_new,
        war_target=tgt,
        war_start=wstart,
        war_losses=wloss,
        war_side=side,
        n_started=n_started,
        allied=allied,
        war_outcome=outcome,
    )
    return new, events


def _fight(state, params, rw, w, u_dec, u_out):
    """One year of the wars being fought (world ``rw[k]``, initiator slot ``w[k]``), the NumPy reference of
    :func:`.conflict_kernels.fight`: the sides' strengths at the theatre, the military and economic
    losses, the decisions (the draws ``u_dec`` and ``u_out``, (R, N)), the transfers, and who is
    conquered (None when no war was decided).  Returns (M1, E2, P2, S2, war_size, active, decided,
    att_won, memA, memB, wshare, conq, wpow) for :func:`resolve`."""
    R, N = state.shape
    w_ = params.war
    tgt, side, alive = state.war_target, state.war_side, state.alive
    M, E = state.military, state.economy
    S = side[rw, w]
    al = alive[rw]
    memA = (S == ATTACKER) & al
    memB = (S == DEFENDER) & al
    active = memA.any(axis=1) & memB.any(axis=1)
    mem_act = (memA | memB) & active[:, None]
    flat = rw[:, None] * N + np.arange(N)[None, :]
    n_in = np.bincount(flat[mem_act], minlength=R * N).reshape(R, N)  # active wars each state is in
    j = tgt[rw, w]  # the theatre: the original target's territory
    reach = params.decay[rw, :, j]  # (K, N): each state's strength projected to the theatre
    force = np.where(mem_act, M[rw] / np.maximum(n_in[rw], 1), 0.0) * reach
    fA = np.where(memA, force, 0.0)
    fB = np.where(memB, force, 0.0)
    A, B = fA.sum(axis=1), fB.sum(axis=1)
    intensity = np.where(active, at_each(w_.cost, rw) * np.minimum(A, B), 0.0)
    # each side loses the intensity, shared among its members by contribution; a state in several
    # wars loses the sum, capped at what it has, scaled down proportionally
    contrib = _by_contribution(fA, A, memA) + _by_contribution(fB, B, memB)
    loss = intensity[:, None] * contrib
    raw = np.bincount(flat.ravel(), weights=loss.ravel(), minlength=R * N).reshape(R, N)
    military_lost = np.minimum(raw, M)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(raw > 0, military_lost / np.where(raw > 0, raw, 1.0), 0.0)
    war_size = (loss * scale[rw]).sum(axis=1)
    economy_lost = np.where(n_in > 0, w_.economic_cost * E, 0.0)
    M1 = M - military_lost
    E1 = E - economy_lost

    # --- decisions
    p = win_probability(A, B, at_each(w_.offense_defense, rw), at_each(w_.decisiveness, rw))
    decided = active & (u_dec[rw, w] < at_each(w_.decisive_prob, rw))
    att_won = decided & (u_out[rw, w] < p)
    win = np.where(att_won[:, None], memA, memB) & decided[:, None]
    lose = np.where(att_won[:, None], memB, memA) & decided[:, None]

    # a state losing several wars in one year cedes at most everything
    n_lost = np.bincount(flat[lose], minlength=R * N).reshape(R, N)
    transfer = w_.transfer
    with np.errstate(divide="ignore"):
        frac = np.where(n_lost > 0, np.minimum(1.0, 1.0 / np.maximum(transfer * n_lost, 1e-300)), 1.0)
    ceded = np.where(lose, (at(transfer, rw) * frac[rw]), 0.0)
    wforce = np.where(win, force, 0.0)
    wshare = _by_contribution(wforce, wforce.sum(axis=1), win)

    def spoils(x: F) -> F:
        amount = ceded * x[rw]
        gain = amount.sum(axis=1)[:, None] * wshare
        lost = np.bincount(flat.ravel(), weights=amount.ravel(), minlength=R * N).reshape(R, N)
        won = np.bincount(flat.ravel(), weights=gain.ravel(), minlength=R * N).reshape(R, N)
        return np.maximum(x - lost, 0.0) + won  # ceding everything leaves 0, not a rounding error below it

    E2, P2, S2 = spoils(E1), spoils(state.population), spoils(state.resources)

    conq = wpow = None
    if decided.any():
        # the power after this year's fighting, in the worlds where a war was decided (each world's
        # index is its own: the same numbers as over every world)
        ws = np.unique(rw[decided])
        power = composite_index(np.stack([M1[ws], E2[ws], P2[ws], S2[ws], state.technology[ws]], axis=1), alive[ws])
        pw = power[np.minimum(np.searchsorted(ws, rw), len(ws) - 1)]  # a row of an undecided war loses nothing
        wpow = np.where(win, pw, 0.0).sum(axis=1)
        conq = lose & (pw < at(w_.survival_floor, rw) * wpow[:, None])
    return M1, E2, P2, S2, war_size, active, decided, att_won, memA, memB, wshare, conq, wpow


def _fight_kernel(state, params, rw, w, u_dec, u_out):
    """:func:`_fight` by the compiled kernel (:func:`.conflict_kernels.fight`): one pass over the wars, no
    (K, N) temporaries; the same numbers.  A contest exponent other than the scalar 2, or more states
    than the kernel's pairwise sums serve, takes the NumPy path."""
    R, N = state.shape
    from .conflict_kernels import MAX_N, fight

    if not _square_contest(params) or N > MAX_N:
        return _fight(state, params, rw, w, u_dec, u_out)
    w_ = params.war
    vec = memo(params, "conflict.fight_params", lambda: [per_world_vector(x, R) for x in (
        w_.cost, w_.economic_cost, w_.offense_defense, w_.decisive_prob, w_.transfer, w_.survival_floor)])
    return fight(rw, w, state.war_side, state.alive, state.military, state.economy, state.population,
                 state.resources, np.ascontiguousarray(state.technology, dtype=np.float64), params.decay,
                 state.war_target, u_dec, u_out, *vec)


def start_and_fight(keys, state, params):
    """:func:`begin` then :func:`resolve`: the planned wars start and every war is fought a year
    (no ally joins in between; for tests and for callers that drive the conflict alone)."""
    state, ev1 = begin(keys, state, params)
    state, ev2 = resolve(keys, state, params)
    return state, [*ev1, *ev2]


def _conquest(conq, rw, wpow, war_id, wshare, assets, R, N):
    """Deaths and where the conquered states' assets go.

    Each conquered state falls in one war — the one whose winning side is
    strongest (the lowest war id on a tie) — and its economy, population and
    resources go to that war's winners by their contribution.  A winner that
    was itself conquered the same year passes what it received on (a flow
    matrix squared until every chain reaches a survivor; the squaring stops
    early once the matrix squares to itself, bit for bit).
    """
    kk, ss = np.nonzero(conq)
    rr = rw[kk]
    key = rr * N + ss
    order = np.lexsort((war_id[kk], -wpow[kk], key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    pick = order[first]
    kd, sd, rd = kk[pick], ss[pick], rr[pick]
    died = np.zeros((R, N), dtype=bool)
    died[rd, sd] = True
    death_war = np.full((R, N), -1, dtype=np.int64)
    death_war[rd, sd] = war_id[kd]
    worlds, inv = np.unique(rd, return_inverse=True)
    D = died[worlds]
    shares = wshare[kd]
    if np.all(shares.max(axis=1) == 1.0):  # every conquered state has one conqueror: follow pointers
        to = np.argmax(shares, axis=1)
        ptr = np.broadcast_to(np.arange(N), (len(worlds), N)).copy()
        ptr[inv, sd] = to
        for _ in range(max(1, math.ceil(math.log2(max(N, 2)))) + 1):
            ptr = np.take_along_axis(ptr, ptr, axis=1)
        absorber = np.full((R, N), -1, dtype=np.int64)
        absorber[worlds] = np.where(D, ptr, -1)
        out = []
        for x in assets:
            xw = x[worlds]
            Rw = len(worlds)
            flat = (np.arange(Rw)[:, None] * N + np.where(D, ptr, 0)).ravel()
            gain = np.bincount(flat, weights=np.where(D, xw, 0.0).ravel(), minlength=Rw * N).reshape(Rw, N)
            y = x.copy()
            y[worlds] = np.where(D, 0.0, xw + gain)
            out.append(y)
        return (*out, died, absorber, death_war)
    Q = np.zeros((len(worlds), N, N))
    ar = np.arange(N)
    Q[:, ar, ar] = np.where(D, 0.0, 1.0)
    Q[inv, sd, :] = wshare[kd]
    *out, absorber = _flow(Q, worlds, D, assets, R, N)
    return (*out, died, absorber, death_war)


def _flow(Q, worlds, D, assets, R, N):
    """The conquests of :func:`_conquest` through the flow matrix ``Q`` (W, N, N) of the worlds with a
    death (``D`` who died there): ``Q`` squared until every chain reaches a survivor (or it squares to
    itself, bit for bit), then each asset's flows.  Returns the assets after the conquests and each dead
    state's absorber (who received the largest part)."""
    for _ in range(max(1, math.ceil(math.log2(max(N, 2)))) + 1):
        Q2 = np.einsum("rij,rjk->rik", Q, Q)
        fixed = np.array_equal(Q2.view(np.int64), Q.view(np.int64))
        Q = Q2
        if fixed:  # squared to itself, bit for bit: every further squaring gives the same numbers again
            break
    absorber = np.full((R, N), -1, dtype=np.int64)
    best = np.argmax(Q, axis=-1)
    got = Q.max(axis=-1) > 0
    absorber[worlds] = np.where(D & got, best, -1)
    out = []
    for x in assets:
        xw = x[worlds]
        gain = np.einsum("rd,rdm->rm", np.where(D, xw, 0.0), Q)
        y = x.copy()
        y[worlds] = np.where(D, 0.0, xw + gain)
        out.append(y)
    return (*out, absorber)


def _conquest_kernel(conq, rw, wpow, war_id, wshare, assets, R, N):
    """:func:`_conquest` by the compiled kernel (:func:`.conflict_kernels.conquest`): who falls in which
    war and, where every conquered state has one conqueror, where its assets go; else the flow matrix
    is squared as the reference squares it (:func:`_flow`).  The same numbers."""
    from .conflict_kernels import conquest

    simple, died, death_war, worlds, Q, E3, P3, S3, absorber = conquest(conq, rw, wpow, war_id, wshare, *assets)
    if simple:
        return E3, P3, S3, died, absorber, death_war
    *out, absorber = _flow(Q, worlds, died[worlds], assets, R, N)
    return (*out, died, absorber, death_war)


# --------------------------------------------------------------------------- declaration


def _derive(sc, params):
    from .doctrines import get

    # the war margin each state's doctrine class declares (offensive_threshold or threshold)
    return {"offensive": np.array([bool(get(s.doctrine).offensive_margin) for s in sc.states])}


def expected_loss_share(rs) -> tuple[int, int]:
    """(wars whose initiator expected a loss, wars started) in a result: how many wars the
    expected-utility calculus did not choose.  The EU is the initiator's value of war against the
    status quo when it chose it (its own perception, its private cost; for a declining state the
    status quo carries the projected erosion of its position).  Rational states start no war they
    expect to lose (Fearon 1995; Bueno de Mesquita 1981 finds initiators' EU positive in most
    wars); here such wars start only through the decision's noise, ``war.temperature``."""
    row = rs.query(
        "SELECT count(*) FILTER (WHERE expected_utility < 0) AS neg, count(*) AS n "
        "FROM events WHERE event = 'war_start'"
    ).iloc[0]
    return int(row["neg"]), int(row["n"])


def crisis_outcomes(rs) -> dict[str, Any]:
    """Crises in a result: how many, how many settled, the mean share conceded in a settlement, and
    the wars started by cause (information, commitment, noise)."""
    c = rs.query(
        "SELECT count(*) AS n, count(*) FILTER (WHERE outcome = 'settled') AS settled, "
        "avg(share) FILTER (WHERE outcome = 'settled') AS share FROM events WHERE event = 'crisis'"
    ).iloc[0]
    by = rs.query("SELECT cause, count(*) AS n FROM events WHERE event = 'war_start' GROUP BY cause")
    causes = {str(k): int(v) for k, v in zip(by["cause"], by["n"], strict=True)}
    return {"crises": int(c["n"]), "settled": int(c["settled"]),
            "share": float(c["share"]) if c["settled"] else float("nan"), "causes": causes}


def _summary(rs, s):
    """Run-summary lines: how often wars start, why, whether they were chosen, how often states die."""
    from ..formatting import num, pct

    lines = [f"Wars started: {s['wars_started']} ({num(s['wars_per_world_century'], 2)} per world per century)"]
    if rs is not None:
        c = crisis_outcomes(rs)
        if c["crises"]:
            lines.append(f"Crises: {c['crises']:,}; settled {pct(c['settled'] / c['crises'])} "
                         f"(mean concession {pct(c['share'])} of the target)" if c["settled"] else
                         f"Crises: {c['crises']:,}; none settled")
        if c["causes"]:
            lines.append("Wars by cause: " + ", ".join(f"{k} {v:,}" for k, v in sorted(c["causes"].items())))
    if rs is not None and s.get("wars_started"):
        neg, n = expected_loss_share(rs)
        lines.append(f"Wars whose initiator expected a loss: {pct(neg / n)} ({neg:,} of {n:,}; only the decision's noise, or an ideological war (cognition), can start such a war)")
    lines.append(f"State deaths: {s['deaths']} ({num(s['deaths_per_world'], 2)} per world)")
    return lines


def _side(ctx):
    return np.zeros((), dtype=np.int8)


MECHANISM = Mechanism(
    name="war",
    params=WarParams,
    doc=WarParams.__doc__ or "",
    sources=("Fearon 1995", "Powell 2006", "Blainey 1973", "Bueno de Mesquita 1981", "Mearsheimer 2001", "Hirshleifer 1989", "Jervis 1978", "Boulding 1962", "Waltz 1979"),
    fields=(
        StateField("war_plan", np.int64, "state", lambda c: -1, "target of the war a state plans this year (−1 none)"),
        StateField("plan_eu", np.float64, "state", lambda c: np.nan, "expected utility of the planned war"),
        StateField("plan_cause", np.int8, "state", lambda c: 0, "why the planned war was chosen (index into CAUSES)"),
        StateField("crisis_target", np.int64, "state", lambda c: -1, "the state this state pressed in a crisis this year (−1 none)"),
        StateField("crisis_war", np.bool_, "state", lambda c: False, "whether this state's crisis of this year ended in war (else it was settled)"),
        StateField("power_trend", np.float64, "state", lambda c: 0.0, "moving average of the yearly log change of the state's composite power (the trend of power)"),
        StateField("power_last", np.float64, "state", lambda c: 0.0, "composite power at the last measurement (for the trend)"),
        StateField("war_target", np.int64, "state", lambda c: -1, "per initiator slot: the original target of its war (−1 none)"),
        StateField("war_start", np.int64, "state", lambda c: -1, "per initiator slot: the war's start year (−1 none)"),
        StateField("war_losses", np.float64, "state", lambda c: 0.0, "per initiator slot: the war's military losses so far"),
        StateField("war_side", np.int8, "pair", _side, "war_side[r, w, i]: i's side in the war of slot w (0 none, 1 attacker, 2 defender)"),
        StateField("n_started", np.int64, "world", lambda c: 0, "wars started this year"),
        StateField("war_eu", np.float64, "state", lambda c: np.nan, "per initiator slot: the initiator's expected "
                   "utility when its last war began (NaN none; kept after the war until the slot's next war)"),
        StateField("war_foe", np.int64, "state", lambda c: -1, "per initiator slot: the original target of its last "
                   "war (−1 none; kept after the war until the slot's next war)"),
        StateField("war_outcome", np.int8, "state", lambda c: 0, "per initiator slot, in the year its war ended: "
                   "1 the initiator's side won, 2 it lost, 3 undecided; 0 otherwise"),
    ),
    streams=(OPPORTUNITY, DECISION, DECISIVE, OUTCOME, COST_TYPE),
    events=(
        EventKind("war_start", (
            EventField("war_id", "int", "the war's id: start year × N + initiator index"),
            EventField("attacker", "state", "the initiator (leader of the attacking side)"),
            EventField("defender", "state", "the target (leader of the defending side)"),
            EventField("expected_utility", "float", "the initiator's expected utility of the war when it chose it (share of its economy, against the status quo)"),
            EventField("cause", "label", "why: private information, a commitment problem (shift of power) or the decision's noise", choices=CAUSES),
        ), "a state started a war"),
        EventKind("crisis", (
            EventField("challenger", "state", "the state that pressed the crisis"),
            EventField("target", "state", "the state it pressed"),
            EventField("share", "float", "the target's offer: share of its economy, population and resources"),
            EventField("war_prob", "float", "the risk of refusal the target accepted with its offer (its estimate)"),
            EventField("outcome", "label", "settled (the offer was taken and transferred) or war", choices=OUTCOMES),
            EventField("cause", "label", "why it ended in war (none when settled)", choices=CAUSES),
            EventField("expected_utility", "float", "the challenger's expected utility of war (share of its economy, against the status quo)"),
        ), "a crisis: the challenger pressed a target, which offered a settlement"),
        EventKind("war_join", (
            EventField("war_id", "int", "the war joined"),
            EventField("state", "state", "the state that joined"),
            EventField("side", "label", "the side it joined", choices=SIDE_LABELS),
        ), "a state joined a war after it started"),
        EventKind("war_end", (
            EventField("war_id", "int", "the war"),
            EventField("attacker", "state", "the initiator"),
            EventField("defender", "state", "the original target"),
            EventField("winner", "state", "leader of the winning side (empty if undecided)"),
            EventField("loser", "state", "leader of the losing side (empty if undecided)"),
            EventField("losses", "float", "the war's total military losses, all sides"),
        ), "a war ended: decided, or a side was gone"),
        EventKind("death", (
            EventField("war_id", "int", "the war the state was conquered in"),
            EventField("state", "state", "the state that died"),
            EventField("absorbed_by", "state", "who received the largest part of its assets"),
        ), "a state was conquered (death is absorbing)"),
    ),
    measures=(
        Measure("wars_started", "system", np.int32, lambda s, p: s.n_started, "wars started this year"),
        Measure("wars_ongoing", "system", np.int32, lambda s, p: (s.war_target >= 0).sum(axis=-1), "wars being fought at the end of the year"),
    ),
    steps=(Step("decide", decide, "decide"), Step("mobilize", begin, "begin"), Step("resolve", resolve, "resolve"),
           Step("measure", trend, "trend")),
    derive=_derive,
    summary=_summary,
    module=__name__,
    conserves=("population", "resources"),  # war moves them between states, never destroys them
)
