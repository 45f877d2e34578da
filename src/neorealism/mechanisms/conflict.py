"""War: who starts it, who fights on which side, who wins, what it costs, and who survives.

Decision (rationalist expected utility; Bueno de Mesquita 1981, Fearon 1995):
each year a state weighs war with probability ``opportunity`` (crises are
rare).  Against each possible target j it estimates, from what it
*perceives* of j's forces (:mod:`.perception`),

    EU_ij = (1 − ρ)·[p_ij·G_ij − (1 − p_ij)·L − C_ij] − ρ·penalty

in shares of its own economy: p_ij the chance of winning, G_ij the share of
j's economy it would take, L the share it would cede if it lost, C_ij the
expected cost (economic cost and military losses valued at replacement cost
over the expected duration), ρ the authority's enforcement.  It picks the
best target and plans to attack with probability
logistic((EU − threshold)/temperature): defensive realists (Waltz 1979; Van
Evera 1999) need a clear gain, offensive realists (Mearsheimer 2001) seize
smaller opportunities.  Allies are never targets.  The plan becomes a war at
the ``resolve`` stage unless the authority (:mod:`.authority`) stopped it.

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

from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, field_validator

from .. import rng
from ..measures import composite_index
from ..schema import StrictModel
from . import authority
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
)

F = NDArray[np.float64]

#: Sides of a war: ``war_side[r, w, i]`` is 0 (not in war w), 1 (the initiator's side) or 2 (the target's).
NO_SIDE, ATTACKER, DEFENDER = 0, 1, 2
SIDE_LABELS = ("none", "attacker", "defender")

OPPORTUNITY = Stream("war", "opportunity", legacy=3)
DECISION = Stream("war", "decision", legacy=4)
DECISIVE = Stream("war", "decisive", legacy=6)
OUTCOME = Stream("war", "outcome", legacy=7)


class WarParams(StrictModel):
    """War: initiation by expected utility, a contest success function, costs, transfers, death.

    P(A wins) = (θ·A)^m / ((θ·A)^m + B^m), A = the initiator's side's military projected over
    distance, B = the defending side's (Hirshleifer 1989; θ is the offense–defense
    balance of Jervis 1978 and Van Evera 1999).
    """

    offense_defense: float = Field(default=1.0, gt=0.0, le=10.0, description="θ: > 1 favours attackers, < 1 defenders")
    decisiveness: float = Field(default=2.0, gt=0.0, le=20.0, description="m: contest exponent; larger = the stronger side wins more surely")
    cost: float = Field(default=0.15, ge=0.0, le=1.0, description="κ: each year of war destroys κ·min(A, B) of each side's military")
    economic_cost: float = Field(default=0.03, ge=0.0, le=1.0, description="share of economy each side loses per year of war")
    transfer: float = Field(default=0.25, ge=0.0, le=1.0, description="share of economy, population and resources the loser cedes to the winner")
    decisive_prob: float = Field(default=0.6, gt=0.0, le=1.0, description="probability a year of war ends in a decision (else it goes on)")
    threshold: float = Field(default=0.02, ge=-1.0, le=1.0, description="expected gain (share of own economy) a state needs before starting a war")
    offensive_threshold: float = Field(default=0.0, ge=-1.0, le=1.0, description="the same threshold for states with the offensive doctrine (Mearsheimer 2001: any war whose expected gain beats its cost is an opportunity to seize)")
    temperature: float = Field(default=0.03, gt=0.0, le=1.0, description="noise of the decision: P(attack) = logistic((EU − threshold)/temperature)")
    opportunity: float = Field(default=0.15, ge=0.0, le=1.0, description="probability a state weighs war at all in a year (crises are rare)")
    survival_floor: float = Field(default=0.15, ge=0.0, lt=1.0, description="a state that loses a decisive war while its composite power is below this fraction of the winning side's is conquered (absorbed by the winners)")

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
        r = ratio * ratio if (np.ndim(m) == 0 and m == 2.0) else np.power(ratio, m)
        p = 1.0 / (1.0 + r)
    p = np.where(a > 0, p, 0.0)
    return np.where((a <= 0) & (b <= 0), 0.5, p)


# --------------------------------------------------------------------------- decision


def expected_utility(state, params, rows: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None) -> F:
    """EU of i attacking each j, in shares of i's own economy, from what i perceives.

    With ``rows = (r, i)`` (K deciders) the result is (K, N): one row per
    deciding state; without, the full (R, N, N) matrix.  Both give the same
    numbers (the row form only skips states that face no crisis this year).
    """
    M, E, T = state.military, state.economy, state.technology
    if rows is None:
        R, N = state.shape
        r = np.repeat(np.arange(R), N)
        i = np.tile(np.arange(N), R)
        return expected_utility(state, params, (r, i)).reshape(R, N, N)
    w = params.war
    r, i = rows
    Ei = E[r, i]
    safeE = np.where(Ei > 0, Ei, 1.0)[:, None]
    A = M[r, i][:, None] * params.decay[r, i]
    B = state.seen_military[r, i]
    p = win_probability(A, B, at(w.offense_defense, r), at(w.decisiveness, r))
    duration = 1.0 / at(w.decisive_prob, r)
    mil_loss = at(w.cost, r) * np.minimum(A, B)
    Ti = T[r, i]
    replacement = (np.where(Ti > 0, Ti, 1.0)[:, None] * at(params.armament.conversion, r)) * safeE
    transfer = at(w.transfer, r)
    # a state with next to no economy can overflow gain and cost: its EU is then ±inf or NaN,
    # and :func:`decide` never starts a war whose EU is not finite
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        gain = transfer * E[r] / safeE
        cost = duration * (at(w.economic_cost, r) + mil_loss / replacement)
        eu = p * gain - (1.0 - p) * transfer - cost
        return (1.0 - at(params.authority.enforcement, r)) * eu - at(authority.expected_penalty(params), r)


def decide(keys, state, params):
    """Which idle states plan a war this year, and against whom (``war_plan``, ``plan_eu``)."""
    R, N = state.shape
    t = state.t + 1
    w = params.war
    alive = state.alive
    crisis = rng.uniform(keys, t, OPPORTUNITY.id, (N,)) < w.opportunity
    u_go = rng.uniform(keys, t, DECISION.id, (N,))
    target = np.full((R, N), -1, dtype=np.int64)
    best_eu = np.full((R, N), np.nan)
    r, i = np.nonzero(alive & params.actor[None, :] & (state.war_target < 0) & crisis)
    if len(r):
        valid = alive[r] & params.actor[None, :] & (np.arange(N)[None, :] != i[:, None]) & ~state.allied[r, i]
        eu = expected_utility(state, params, (r, i))
        eu = np.where(valid & ~np.isnan(eu), eu, -np.inf)  # NaN (degenerate economy) is no option, not the argmax
        tgt = np.argmax(eu, axis=-1)
        best = eu[np.arange(len(r)), tgt]
        has = np.isfinite(best)
        thr = np.where(params.offensive[i], at_each(w.offensive_threshold, r), at_each(w.threshold, r))
        with np.errstate(over="ignore"):  # a huge margin saturates the logistic at 0 or 1, as it should
            from scipy.special import expit

            prob = expit((np.where(has, best, 0.0) - thr) / at_each(w.temperature, r))
        go = has & (u_go[r, i] < prob)
        target[r[go], i[go]] = tgt[go]
        best_eu[r[go], i[go]] = best[go]
    return state.replace(war_plan=target, plan_eu=best_eu), ()


# --------------------------------------------------------------------------- coalitions


def join(state, r: NDArray[np.integer], war: NDArray[np.integer], member: NDArray[np.integer], side: NDArray[np.integer]):
    """States ``member`` join war ``war`` (the initiator's slot) on ``side`` in worlds ``r``.

    Returns the new state and the ``war_join`` events.  Joining a war that
    is not being fought, or by a dead state, is ignored.
    """
    r, war, member, side = (np.asarray(x, dtype=np.int64) for x in (r, war, member, side))
    ok = (state.war_target[r, war] >= 0) & state.alive[r, member] & np.isin(side, (ATTACKER, DEFENDER))
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
    (:mod:`.alliances`); the fighting is :func:`resolve`'s.
    """
    N = state.shape[1]
    t = state.t + 1
    plan = state.war_plan
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
              expected_utility=state.plan_eu[rs, is_])
    return state.replace(
        war_target=np.where(started, plan, state.war_target),
        war_start=np.where(started, t, state.war_start),
        war_losses=np.where(started, 0.0, state.war_losses),
        war_side=side,
        n_started=n_started,
    ), (ev,)


def resolve(keys, state, params):
    """Fight one year of every war; transfers, conquest and deaths."""
    R, N = state.shape
    t = state.t + 1
    w_ = params.war
    events: list = []
    tgt, wstart, wloss, side = state.war_target, state.war_start, state.war_losses, state.war_side
    n_started = state.n_started

    rw, w = np.nonzero(tgt >= 0)  # the wars being fought, one entry per (world, initiator slot)
    if len(rw) == 0:
        return state.replace(war_target=tgt, war_start=wstart, war_losses=wloss, war_side=side, n_started=n_started), events

    alive = state.alive
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
    decided = active & (rng.uniform(keys, t, DECISIVE.id, (N,))[rw, w] < at_each(w_.decisive_prob, rw))
    att_won = decided & (rng.uniform(keys, t, OUTCOME.id, (N,))[rw, w] < p)
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
        return x - lost + won

    E2, P2, S2 = spoils(E1), spoils(state.population), spoils(state.resources)

    # --- conquest: a decisive loser far weaker than the winning side is absorbed by it
    died = np.zeros((R, N), dtype=bool)
    absorber = np.full((R, N), -1, dtype=np.int64)
    death_war = np.full((R, N), -1, dtype=np.int64)
    war_id = wstart[rw, w] * N + w
    E3, P3, S3 = E2, P2, S2
    if decided.any():
        power = composite_index(np.stack([M1, E2, P2, S2, state.technology], axis=1), alive)
        wpow = np.where(win, power[rw], 0.0).sum(axis=1)
        conq = lose & (power[rw] < at(w_.survival_floor, rw) * wpow[:, None])
        if conq.any():
            E3, P3, S3, died, absorber, death_war = _conquest(conq, rw, wpow, war_id, wshare, (E2, P2, S2), R, N)
    M3 = np.where(died, 0.0, M1)
    alive_new = alive & ~died

    # --- wars end when decided, when they were not fought, or when a side is gone
    al2 = alive_new[rw]
    ended = decided | ~active | ~((memA & al2).any(axis=1) & (memB & al2).any(axis=1))
    losses = wloss[rw, w] + war_size
    ke = np.flatnonzero(ended)
    if len(ke):
        winner = np.where(decided, np.where(att_won, w, j), -1)
        loser = np.where(decided, np.where(att_won, j, w), -1)
        events.append(emit("war_end", rw[ke], war_id=war_id[ke], attacker=w[ke], defender=j[ke],
                           winner=winner[ke], loser=loser[ke], losses=losses[ke]))
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
    )
    return new, events


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
    matrix squared until every chain reaches a survivor).
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
        for _ in range(max(1, int(np.ceil(np.log2(max(N, 2))))) + 1):
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
    for _ in range(max(1, int(np.ceil(np.log2(max(N, 2))))) + 1):
        Q = np.einsum("rij,rjk->rik", Q, Q)
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
    return (*out, died, absorber, death_war)


# --------------------------------------------------------------------------- declaration


def _derive(sc, params):
    return {"offensive": np.array([s.doctrine == "offensive" for s in sc.states])}


def expected_loss_share(rs) -> tuple[int, int]:
    """(wars whose initiator expected a loss, wars started) in a result: how many wars the
    expected-utility calculus did not choose (Fearon 1995: rational states start no war they
    expect to lose; such wars start only through the decision's noise, ``war.temperature``)."""
    row = rs.query(
        "SELECT count(*) FILTER (WHERE expected_utility < 0) AS neg, count(*) AS n "
        "FROM events WHERE event = 'war_start'"
    ).iloc[0]
    return int(row["neg"]), int(row["n"])


def _summary(rs, s):
    """Run-summary lines: how often wars start, whether they were chosen, how often states die."""
    from ..formatting import num, pct

    lines = [f"Wars started: {s['wars_started']} ({num(s['wars_per_world_century'], 2)} per world per century)"]
    if rs is not None and s.get("wars_started"):
        neg, n = expected_loss_share(rs)
        lines.append(f"Wars whose initiator expected a loss: {pct(neg / n)} ({neg:,} of {n:,}; started by the decision's noise)")
    lines.append(f"State deaths: {s['deaths']} ({num(s['deaths_per_world'], 2)} per world)")
    return lines


def _side(ctx):
    return np.zeros((), dtype=np.int8)


MECHANISM = Mechanism(
    name="war",
    params=WarParams,
    doc=WarParams.__doc__ or "",
    sources=("Fearon 1995", "Bueno de Mesquita 1981", "Hirshleifer 1989", "Jervis 1978", "Boulding 1962", "Waltz 1979"),
    fields=(
        StateField("war_plan", np.int64, "state", lambda c: -1, "target of the war a state plans this year (−1 none)"),
        StateField("plan_eu", np.float64, "state", lambda c: np.nan, "expected utility of the planned war"),
        StateField("war_target", np.int64, "state", lambda c: -1, "per initiator slot: the original target of its war (−1 none)"),
        StateField("war_start", np.int64, "state", lambda c: -1, "per initiator slot: the war's start year (−1 none)"),
        StateField("war_losses", np.float64, "state", lambda c: 0.0, "per initiator slot: the war's military losses so far"),
        StateField("war_side", np.int8, "pair", _side, "war_side[r, w, i]: i's side in the war of slot w (0 none, 1 attacker, 2 defender)"),
        StateField("n_started", np.int64, "world", lambda c: 0, "wars started this year"),
    ),
    streams=(OPPORTUNITY, DECISION, DECISIVE, OUTCOME),
    events=(
        EventKind("war_start", (
            EventField("war_id", "int", "the war's id: start year × N + initiator index"),
            EventField("attacker", "state", "the initiator (leader of the attacking side)"),
            EventField("defender", "state", "the target (leader of the defending side)"),
            EventField("expected_utility", "float", "the initiator's expected utility of the war when it chose it"),
        ), "a state started a war"),
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
    steps=(Step("decide", decide, "decide"), Step("mobilize", begin, "begin"), Step("resolve", resolve, "resolve")),
    derive=_derive,
    summary=_summary,
    module=__name__,
    conserves=("population", "resources"),  # war moves them between states, never destroys them
)
