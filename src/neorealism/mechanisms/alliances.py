"""Alliances: external balancing, bandwagoning, and allies who fight (or do not).

External balancing — pooling capabilities with others against a common
danger — is the second of Waltz's (1979, ch. 6) two means of balancing.
Walt (1987) refines it: states ally against the state that *threatens*
them most (power, proximity, offensive capability), not simply against the
strongest.  This module makes alliances a living part of the model; the
formulas, with their sources, are in docs/alliances.md.

**Threat from one state** (:func:`threat_from`).  ``T[i, j] = h_ij / M_i``:
the forces j can bring to bear against i (:mod:`.threat`'s
``state.threat_from``: perceived military × proximity × aggregate power ×
offense dominance × intentions, Walt 1987) over i's own forces.  An ally is
no threat.  i's *principal threat* is m_i = argmax_j T[i, j].

**Forming and joining** (stage ``ally``, :func:`ally`).  Each year a state
weighs its alignment with probability ``formation`` (alliance choices are
occasional, like crises).  It seeks an ally when its principal threat is at
least ``threshold`` and, measured against its own forces *and its allies'
projected to its territory*, at least ``balance`` — it stops seeking once
its coalition balances the threat (Waltz 1979: balancing, not maximising).  Its possible partners are the states b that are
themselves threatened by m_i at least at ``threshold`` and fear m_i more
than they fear the seeker (Walt 1987: one allies against the greater
threat); it picks the one that can bring the most power to its territory.
A state that already has allies and takes a new partner is recorded as
*joining* (``alliance_joined``), otherwise a new alliance is *formed*.

**Bandwagoning** (Walt 1987; Schweller 1994).  A weak state — its principal
threat at least ``overwhelming`` times its coalition's power — that weighs
its alignment bandwagons with probability ``bandwagon``: it allies with the
threat itself, and leaves its alliances with states the threat is not
allied to (``alliance_left``, reason ``realigned``).

**Dissolving.**  Each year a state reviews its alliances with probability
``dissolution`` and leaves those whose reason has receded: a balancing
alliance once the two partners no longer share any threat of at least
``recede`` × ``threshold``; a bandwagoning alliance once the stronger
partner's projected power is below ``recede`` × ``overwhelming`` times the
weaker's.  An alliance also ends when a member dies (in
:func:`.conflict.resolve`).

**Honouring commitments** (stage ``mobilize``, :func:`honour`, after
:func:`.conflict.begin` started this year's wars).  Every ally of a state
attacked this year decides whether to defend it: it does with probability
``reliability`` × (1 − ``buck_passing`` × c), c = min(1, D/A), where A is
the attacker's force at the theatre and D the force the rest of the
defending side could bring (the target's, and the other allies' weighted
by ``reliability``) — an ally passes the buck when others can carry the
defence (Christensen & Snyder 1990).  Leeds, Long & Mitchell (2000) find
about three in four commitments honoured (default ``reliability`` 0.75).
An ally of both sides owes the attacked one its defence (a defensive
pledge binds when the partner is attacked, not when it attacks): it
decides like any defender, and if it fights, its alliance with the
attacker ends (``alliance_left``, reason ``conflicting``).  Allies of the
*attacker* join its offensive with probability ``reliability`` ×
``chain_gang`` (chain-ganging, Christensen & Snyder 1990).  A state that
honours joins the war (:func:`.conflict.join`) and shares its costs,
spoils and conquests by its contribution (:func:`.conflict.resolve`).

:func:`expected_support` gives a state deciding on war what it expects
third parties to bring, so alliances deter (Walt 1987; Leeds 2003).

**Measures.**  ``alliances`` (allied pairs), ``blocs`` (connected groups of
allied states), ``alliance_polarization`` (2 × the power share of the
second-largest bloc: 1 when the system is split into two equally strong
blocs, 0 with fewer than two blocs).  :mod:`neorealism.blocs` analyses the
alliance graph of a result with networkx.

**Kernels.**  The NumPy forms here are the reference; with
:func:`neorealism.kernels.use_kernels` on, the steps' heavy parts run as the
Numba loops of :mod:`.alliances_kernels` (the same choices, draws and events;
tests/test_kernels_alliances.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from .. import fmath, rng
from ..kernels import use_kernels
from ..schema import StrictModel
from .base import (
    EventField,
    EventKind,
    Measure,
    Mechanism,
    StateField,
    Step,
    Stream,
    anywhere,
    at,
    at_each,
    emit,
    field_reader,
    memo,
    pair,
    per_world_vector,
)

F = NDArray[np.float64]

#: War sides as in :mod:`.conflict` (kept equal there by a test; not imported, to avoid an import cycle).
NO_SIDE, ATTACKER, DEFENDER = 0, 1, 2
SIDE_LABELS = ("none", "attacker", "defender")

#: Kinds of an alliance pair (``alliance_kind``): none, balancing (also the scenario's), bandwagoning.
NONE, BALANCING, BANDWAGONING = 0, 1, 2
MOTIVES = ("none", "balancing", "bandwagoning")
#: Why a state left an alliance or abandoned a commitment.
REASONS = ("threat receded", "realigned", "unreliable", "buck-passing", "conflicting")
RECEDED, REALIGNED, UNRELIABLE, BUCK_PASSING, CONFLICTING = range(5)

SEEK = Stream("alliances", "seek")
BANDWAGON = Stream("alliances", "bandwagon")
REVIEW = Stream("alliances", "review")
HONOUR = Stream("alliances", "honour")


class AllianceParams(StrictModel):
    """External balancing: alliances form against shared threats, dissolve when they recede, and are honoured
    with a reliability below 1 (Waltz 1979, ch. 6; Walt 1987; Christensen & Snyder 1990; Leeds, Long & Mitchell 2000).
    """

    formation: float = Field(default=0.2, ge=0.0, le=1.0, description="probability a state weighs its alignment in a year (seeks an ally or bandwagons); 0 freezes the alliances")
    threshold: float = Field(default=0.2, ge=0.0, le=100.0, description="threat from one state (the forces it can bring to bear over one's own, T) at which a state is threatened by it: it may seek allies against it, and accept a partner against it (Walt 1987)")
    balance: float = Field(default=1.0, ge=0.0, le=100.0, description="a state seeks allies while its principal threat exceeds balance × the forces of its coalition (its own and its allies', projected to its territory): 1 = until the coalition matches the threat (Waltz 1979: balancing, not maximising)")
    bandwagon: float = Field(default=0.1, ge=0.0, le=1.0, description="propensity of a weak state near an overwhelming threat to ally with it instead of balancing (Walt 1987; Schweller 1994)")
    overwhelming: float = Field(default=5.0, gt=0.0, le=1000.0, description="a threat is overwhelming when its forces are this many times those of the threatened state's coalition (projected to its territory)")
    dissolution: float = Field(default=0.2, ge=0.0, le=1.0, description="probability a state reviews its alliances in a year, leaving those whose threat has receded")
    recede: float = Field(default=0.5, ge=0.0, le=1.0, description="a balancing alliance's shared threat has receded below recede × threshold; a bandwagoning one's below recede × overwhelming (hysteresis)")
    reliability: float = Field(default=0.75, ge=0.0, le=1.0, description="probability an ally honours its commitment when its partner is attacked (Leeds, Long & Mitchell 2000: about 0.75)")
    buck_passing: float = Field(default=0.5, ge=0.0, le=1.0, description="how much an ally's chance of honouring falls when the rest of the defending side could carry the defence (Christensen & Snyder 1990)")
    chain_gang: float = Field(default=0.0, ge=0.0, le=1.0, description="an ally joins its partner's offensive war with probability reliability × chain_gang (chain-ganging, Christensen & Snyder 1990)")


# --------------------------------------------------------------------------- threat from each state


def _scale(params) -> Any:
    """The factor of :func:`.threat.threat_ratio`: (1 − ρ)·θ^w (a number or an (R, 1) column)."""
    return (1.0 - params.authority.enforcement) * fmath.power(params.war.offense_defense, params.threat.offense_weight)


def _pressure(scale, seen_m, seen_p, own_p, reach) -> F:
    """h = (1 − ρ)θ^w · reach · M̂ · 2P̂/(P̂ + P_own): the forces a state can bring against another, weighted by
    its aggregate power against the other's (:func:`.threat.threat_from` with its default power weight)."""
    total = seen_p + own_p
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(total > 0, 2.0 * seen_p / np.where(total > 0, total, 1.0), 1.0)
    return scale * reach * seen_m * rel


def _ratio(h: F, own_m: F) -> F:
    """Forces against a state over its own (a state without forces faces an unbounded ratio, capped finite)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = np.where(own_m > 0, h / np.where(own_m > 0, own_m, 1.0), np.where(h > 0, MAX_RATIO, 0.0))
    return np.minimum(x, MAX_RATIO)


#: Cap of a threat ratio (a state with no forces of its own).
MAX_RATIO = 1e12


def _forces(state, params) -> tuple[F, F]:
    """``(h, inv)``: h (R, N, N) the forces j can bring against i (0 from allies, the dead, itself) and
    inv (R, N) 1 / i's own forces (capped), so that T = h · inv (see :func:`threat_from`)."""
    alive = state.alive & params.actor[None, :]
    h = state.fields.get("threat_from")  # masked by the threat mechanism (allies, the dead, the diagonal)
    if h is None:
        present = alive[:, :, None] & alive[:, None, :] & ~state.allied
        h = _pressure(pair(_scale(params)), state.seen_military, state.seen_power, state.power[:, :, None], params.reach)
        h = np.where(present, h, 0.0)
    M = state.military
    with np.errstate(divide="ignore", over="ignore"):
        inv = np.where(alive, np.where(M > 0, 1.0 / np.where(M > 0, M, 1.0), MAX_RATIO), 0.0)
    return h, inv


def _T(x: F) -> F:
    return np.minimum(x, MAX_RATIO)


def threat_from(state, params) -> F:
    """``T[r, i, j]``: the threat i perceives from j, over i's own forces (R, N, N); 0 from allies, the dead, itself.

    The threat is :mod:`.threat`'s ``state.threat_from`` (Walt 1987: j's
    perceived forces × proximity × its aggregate power against i's ×
    offense dominance; in units of military stock), computed the same way
    here when that field is absent; the ratio to i's own military makes it
    comparable across states: T = 1 when j can bring to bear as much as i has.
    (The steps gather the rows and columns they need from ``h`` and ``inv``
    instead of forming the whole matrix.)
    """
    h, inv = _forces(state, params)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(h > 0, _T(h * inv[:, :, None]), 0.0)


def _pair_ratio(state, params, r, i, k) -> F:
    """T of :func:`threat_from` for pairs (r, i, k), allies not masked (K,)."""
    h = _pressure(at_each(_scale(params), r), state.seen_military[r, i, k], state.seen_power[r, i, k],
                  state.power[r, i], params.reach[r, i, k])
    return _ratio(h, state.military[r, i])


def _same_map(params) -> bool:
    """Whether every world of the batch has the same loss-of-strength matrix (a broadcast view)."""
    return params.decay.strides[0] == 0


def _to_home(params, r, i) -> F:
    """``decay[r, b, i]`` for every b: each state's strength projected to i's territory, (K, N)."""
    return params.decay[0][:, i].T if _same_map(params) else params.decay[r, :, i]


# --------------------------------------------------------------------------- forming, joining, leaving


def ally(keys, state, params):
    """Alliances form against shared threats, weak states may bandwagon, receded alliances dissolve."""
    R, N = state.shape
    t = state.t + 1
    a = params.alliances
    if not memo(params, "alliances.acts", lambda: anywhere(a.formation, lambda x: x > 0)
                or anywhere(a.dissolution, lambda x: x > 0)):
        return state, ()
    alive = state.alive & params.actor[None, :]
    if use_kernels():
        return _ally_kernel(keys, t, state, params, alive)
    allied = state.allied
    kind = state.alliance_kind
    h, inv = _forces(state, params)
    threshold, overwhelming, recede = a.threshold, a.overwhelming, a.recede

    add_r: list[NDArray] = []
    add_a: list[NDArray] = []
    add_b: list[NDArray] = []
    add_k: list[NDArray] = []
    add_m: list[NDArray] = []
    drop: list[tuple[NDArray, NDArray, NDArray, NDArray]] = []  # (r, state, partner, reason)

    u_seek = rng.uniform(keys, t, SEEK.id, (N,))
    # --- seeking allies (balancing) or bandwagoning
    rs, is_ = np.nonzero(alive & (u_seek < a.formation))
    if len(rs):
        K = len(rs)
        kk = np.arange(K)
        with np.errstate(over="ignore", invalid="ignore"):
            row = _T(h[rs, is_, :] * inv[rs, is_][:, None])  # (K, N): T[i, ·]
        ms = row.argmax(axis=1)  # the principal threat
        Tm = row[kk, ms]
        # the coalition's forces at home: own + allies' (as perceived) projected to i's territory
        dec_home = _to_home(params, rs, is_)  # (K, N): decay[r, b, i]
        allies_here = np.where(allied[rs, is_, :] & alive[rs], state.seen_military[rs, is_, :] * dec_home, 0.0).sum(axis=1)
        own = state.military[rs, is_]
        home = own + allies_here
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            Tc = np.where(home > 0, Tm * own / np.where(home > 0, home, 1.0), np.where(Tm > 0, MAX_RATIO, 0.0))
        seeks = (Tm > 0) & (Tm >= at_each(threshold, rs)) & (Tc >= at_each(a.balance, rs))
        rs, is_, ms, Tc, dec_home = rs[seeks], is_[seeks], ms[seeks], Tc[seeks], dec_home[seeks]
        if len(rs):
            thr = at(threshold, rs)
            with np.errstate(over="ignore", invalid="ignore"):
                X = _T(h[rs, :, ms] * inv[rs])  # (K, N): each b's threat from the seeker's principal threat
                fear_seeker = _T(h[rs, :, is_] * inv[rs])  # each b's threat from the seeker
            cols = np.arange(N)[None, :]
            cand = (alive[rs] & (X >= thr) & (X > fear_seeker) & (cols != is_[:, None]) & (cols != ms[:, None])
                    & ~allied[rs, is_, :])
            score = np.where(cand, state.seen_military[rs, is_, :] * dec_home, -np.inf)
            partner = score.argmax(axis=1)
            has = cand.any(axis=1)
            weak = Tc >= at_each(overwhelming, rs)
            u_bw = rng.uniform(keys, t, BANDWAGON.id, (N,))[rs, is_]
            bw = weak & (u_bw < at_each(a.bandwagon, rs))
            partner = np.where(bw, ms, partner)
            go = bw | has
            rs, is_, partner, bw, ms = rs[go], is_[go], partner[go], bw[go], ms[go]
            # no alliance between states fighting each other
            sa, sb = state.war_side[rs, :, is_], state.war_side[rs, :, partner]
            enemies = ((sa != NO_SIDE) & (sb != NO_SIDE) & (sa != sb)).any(axis=1)
            keep = ~enemies
            rs, is_, partner, bw, ms = rs[keep], is_[keep], partner[keep], bw[keep], ms[keep]
            if len(rs):
                add_r.append(rs), add_a.append(is_), add_b.append(partner)
                add_k.append(np.where(bw, BANDWAGONING, BALANCING).astype(np.int8)), add_m.append(np.where(bw, -1, ms))
            # a bandwagoner leaves the partners its new patron is not allied to
            if bw.any():
                rb, ib, mb = rs[bw], is_[bw], ms[bw]
                leave = allied[rb, ib, :] & ~allied[rb, mb, :]
                leave[np.arange(len(rb)), mb] = False
                k, kp = np.nonzero(leave)
                if len(k):
                    drop.append((rb[k], ib[k], kp, np.full(len(k), REALIGNED)))

    # --- reviewing: leave the alliances whose threat has receded
    if anywhere(a.dissolution, lambda x: x > 0):
        reviews = alive & (rng.uniform(keys, t, REVIEW.id, (N,)) < a.dissolution)
        rv, iv = np.divmod(np.flatnonzero(reviews & allied.any(axis=2)), N)
        if len(rv):
            k, kk = np.divmod(np.flatnonzero(allied[rv, iv, :]), N)
            rr, ii = rv[k], iv[k]
            gone = np.zeros(len(rr), dtype=bool)
            bwp = kind[rr, ii, kk] == BANDWAGONING
            b_ = ~bwp
            rb, ib, kb = rr[b_], ii[b_], kk[b_]
            with np.errstate(over="ignore", invalid="ignore"):
                x = h[rb, ib, :]
                x *= inv[rb, ib][:, None]
                y = h[rb, kb, :]
                y *= inv[rb, kb][:, None]
                shared = np.minimum(x, y, out=x).max(axis=1) if len(rb) else np.zeros(0)
            gone[b_] = shared < at_each(recede, rb) * at_each(threshold, rb)
            if bwp.any():
                rw_, iw_, kw_ = rr[bwp], ii[bwp], kk[bwp]
                ratio = np.maximum(_pair_ratio(state, params, rw_, iw_, kw_), _pair_ratio(state, params, rw_, kw_, iw_))
                gone[bwp] = ratio < at_each(recede, rw_) * at_each(overwhelming, rw_)
            if gone.any():
                drop.append((rr[gone], ii[gone], kk[gone], np.full(int(gone.sum()), RECEDED)))

    return _commit(state, add_r, add_a, add_b, add_k, add_m, drop)


def _commit(state, add_r, add_a, add_b, add_k, add_m, drop):
    """The state with the year's alliances left (``drop``) and made (``add_*``), and their events."""
    N = state.shape[1]
    allied = state.allied
    kind = state.alliance_kind
    events: list = []
    if not add_r and not drop:
        return state, ()
    new_allied = allied.copy()
    new_kind = kind.copy()
    if drop:
        r, s, p_, why = (np.concatenate(x) for x in zip(*drop, strict=True))
        lo, hi = np.minimum(s, p_), np.maximum(s, p_)
        key = (r * N + lo) * N + hi
        _, first = np.unique(key, return_index=True)  # a pair left once (realigned before receded)
        r, s, p_, why = r[first], s[first], p_[first], why[first]
        new_allied[r, s, p_] = new_allied[r, p_, s] = False
        new_kind[r, s, p_] = new_kind[r, p_, s] = NONE
        events.append(emit("alliance_left", r, state=s, partner=p_, reason=why))
    if add_r:
        r, s, p_, k, m_ = (np.concatenate(x) for x in (add_r, add_a, add_b, add_k, add_m))
        lo, hi = np.minimum(s, p_), np.maximum(s, p_)
        key = (r * N + lo) * N + hi
        order = np.lexsort((-k, key))  # a pair chosen twice once; bandwagoning first
        key, r, s, p_, k, m_ = key[order], r[order], s[order], p_[order], k[order], m_[order]
        first = np.concatenate(([True], key[1:] != key[:-1]))
        r, s, p_, k, m_ = r[first], s[first], p_[first], k[first], m_[first]
        had_s = allied[r, s, :].any(axis=1)
        had_p = allied[r, p_, :].any(axis=1)
        new_allied[r, s, p_] = new_allied[r, p_, s] = True
        new_kind[r, s, p_] = new_kind[r, p_, s] = k
        formed = ~had_s & ~had_p
        # joining: the state entering an existing alliance is the one that had no ally (else the seeker)
        joiner = np.where(had_p & ~had_s, s, np.where(had_s & ~had_p, p_, s))
        member = np.where(joiner == s, p_, s)
        _membership_events(events, r, joiner, member, m_, k, formed)  # a new alliance's joiner is s
    return state.replace(allied=new_allied, alliance_kind=new_kind), events


def _ally_kernel(keys, t, state, params, alive):
    """:func:`ally` by the kernels: :func:`.alliances_kernels.ally` finds the same candidates, in the same order,
    as the lists the NumPy form fills, and :func:`.alliances_kernels.commit` carries them out as
    :func:`_commit` does (the same matrices and events)."""
    from . import alliances_kernels as kern

    R, N = state.shape
    a = params.alliances
    pw = memo(params, ("alliances.ally", R), lambda: np.stack([per_world_vector(x, R) for x in (
        a.formation, a.threshold, a.balance, a.overwhelming, a.bandwagon, a.dissolution, a.recede, _scale(params))]))
    h = getattr(state, "threat_from", None)
    if h is None:
        h, _ = _forces(state, params)
    adds, drops = kern.ally(np.ascontiguousarray(h), alive, state.allied, state.alliance_kind, state.seen_military,
                            state.seen_power, state.power, params.reach, params.decay, state.military,
                            state.war_side, np.ascontiguousarray(keys, dtype=np.uint64), int(t), SEEK.id,
                            BANDWAGON.id, REVIEW.id, pw)
    if not len(adds) and not len(drops):
        return state, ()
    allied, kind, (lr, ls, lp, lw), (mr, ms, mp, mm, mk, formed) = kern.commit(adds, drops, state.allied,
                                                                               state.alliance_kind)
    events: list = []
    if len(lr):
        events.append(emit("alliance_left", lr, state=ls, partner=lp, reason=lw))
    if len(mr):
        _membership_events(events, mr, ms, mp, mm, mk, formed)
    return state.replace(allied=allied, alliance_kind=kind), events


def _membership_events(events: list, r, st, partner, against, motive, formed) -> None:
    """The year's ``alliance_formed`` (two states without allies) and ``alliance_joined`` events (a
    state entering an existing alliance), in this order: ``st`` the state that joins, ``partner``
    the member it allies with."""
    f = np.flatnonzero(formed)
    j = np.flatnonzero(~formed)
    if len(f):
        events.append(emit("alliance_formed", r[f], state=st[f], partner=partner[f], against=against[f], motive=motive[f]))
    if len(j):
        events.append(emit("alliance_joined", r[j], state=st[j], partner=partner[j], against=against[j], motive=motive[j]))


# --------------------------------------------------------------------------- honouring commitments


def _honour_probs(keys, t, state, params, rw, w, j, defend):
    """The NumPy form of :func:`honour`'s draws ``u`` and defence probabilities ``p_def`` (K, N) for the wars
    (rw, w) at target j: p_def = reliability × (1 − buck_passing × c), c = min(1, D/A)."""
    N = state.shape[1]
    a = params.alliances
    K = len(rw)
    kk = np.arange(K)
    worlds, inv = np.unique(rw, return_inverse=True)
    u = rng.uniform(keys[worlds], t, HONOUR.id, (N, N))[inv, w, :]  # (K, N): one draw per war slot and ally
    seen = state.seen_military[rw]  # (K, N, N): row = the deciding ally
    to_theatre = params.decay[rw, :, j]  # (K, N)
    own_target = seen[kk, :, j]  # (K, N): the target's force at home, as each ally sees it
    att = seen[kk, :, w] * params.decay[rw, w, j][:, None]
    rel, bp = at(a.reliability, rw), at(a.buck_passing, rw)
    # D for ally x: the target's force as x sees it + rel × the other allies' forces as x sees them
    fx = seen * to_theatre[:, None, :]  # (K, x, y): y's force at the theatre as x sees it
    fx = np.where(defend[:, None, :], fx, 0.0)
    others = own_target + rel * (fx.sum(axis=2) - np.einsum("kxx->kx", fx))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c = np.where(att > 0, np.minimum(1.0, others / np.where(att > 0, att, 1.0)), 1.0)
    p_def = rel * (1.0 - bp * c)
    return u, p_def


def honour(keys, state, params):
    """The allies of the states attacked this year defend them — or abandon them; chain-gangers join attacks."""
    t = state.t + 1
    if use_kernels():
        return _honour_kernel(keys, t, state, params)
    new = (state.war_target >= 0) & (state.war_start == t)
    rw, w = np.nonzero(new)
    if not len(rw) or not state.allied[rw].any():
        return state, ()
    j = state.war_target[rw, w]
    alive = state.alive & params.actor[None, :]
    al = alive[rw]
    K = len(rw)
    kk = np.arange(K)
    free = al & (state.war_side[rw, w, :] == NO_SIDE)
    free[kk, w] = free[kk, j] = False
    of_target = state.allied[rw, j, :] & free
    of_attacker = state.allied[rw, w, :] & free
    # an ally of both sides owes the attacked one its defence (a defensive pledge binds when the partner is
    # attacked, not when it attacks): it decides like any defender, and if it fights, its alliance with the
    # attacker ends
    conflicting = of_target & of_attacker
    defend = of_target
    attack = of_attacker & ~of_target
    if not (defend.any() or attack.any()):
        return state, ()
    u, p_def = _honour_probs(keys, t, state, params, rw, w, j, defend)
    return _honoured(state, params, rw, w, j, defend, attack, conflicting, u, p_def)


def _honour_kernel(keys, t, state, params):
    """:func:`honour` by the kernels (:func:`.alliances_kernels.honour_year`): :func:`.alliances_kernels.honour_plan`
    finds the wars and their allies, :func:`.alliances_kernels.honour` draws and weighs the decisions and
    :func:`.alliances_kernels.honour_outcome` lists what :func:`_honoured` carries out (the same as the NumPy form)."""
    from . import alliances_kernels as kern

    R = state.shape[0]
    a = params.alliances
    rel, bp, chain = memo(params, ("alliances.honour", R), lambda: (
        per_world_vector(a.reliability, R), per_world_vector(a.buck_passing, R), per_world_vector(a.chain_gang, R)))
    acts, (hr, hw, mem, side, war_id, partner, r4, m4, w4, r3, war3, m3, j3, buck) = kern.honour_year(
        state.war_target, state.war_start, int(t), state.allied, state.war_side, state.alive, params.actor,
        state.seen_military, params.decay, rel, bp, chain, keys, HONOUR.id)
    if not acts:
        return state, ()
    events: list = []
    if len(hr):  # as _honoured, from the kernel's lists (the same numbers, in the same order)
        from . import conflict

        events.append(emit("commitment_honoured", hr, war_id=war_id, state=mem, partner=partner, side=side))
        state, ev = conflict.join(state, hr, hw, mem, side)
        events.extend(ev)
    if len(r4):
        state, left = _left_conflicting(state, r4, m4, w4)
        events.append(left)
    if len(r3):
        events.append(emit("commitment_abandoned", r3, war_id=war3, state=m3, partner=j3,
                           side=np.full(len(r3), DEFENDER), reason=np.where(buck, BUCK_PASSING, UNRELIABLE)))
    return state, events


def _left_conflicting(state, r4, m4, w4):
    """The alliances of the honoured with the attacker ended (:func:`_honoured`'s), and their events."""
    N = state.shape[1]
    allied = state.allied.copy()
    kind = state.alliance_kind.copy()
    allied[r4, m4, w4] = allied[r4, w4, m4] = False
    kind[r4, m4, w4] = kind[r4, w4, m4] = NONE
    state = state.replace(allied=allied, alliance_kind=kind)
    key = (r4 * N + np.minimum(m4, w4)) * N + np.maximum(m4, w4)
    _, first = np.unique(key, return_index=True)
    return state, emit("alliance_left", r4[first], state=m4[first], partner=w4[first],
                       reason=np.full(len(first), CONFLICTING))


def _honoured(state, params, rw, w, j, defend, attack, conflicting, u, p_def):
    """The allies' decisions carried out: the honoured join the war, the abandoned are recorded."""
    N = state.shape[1]
    a = params.alliances
    honoured = defend & (u < p_def)
    abandoned = defend & ~honoured
    joins = attack & (u < at(a.reliability, rw) * at(a.chain_gang, rw))
    events: list = []
    k1, m1 = np.nonzero(honoured)
    k2, m2 = np.nonzero(joins)
    kr = np.concatenate([k1, k2])
    mem = np.concatenate([m1, m2])
    side = np.concatenate([np.full(len(k1), DEFENDER), np.full(len(k2), ATTACKER)])
    if len(kr):
        from . import conflict

        war_id = state.war_start[rw[kr], w[kr]] * N + w[kr]
        partner = np.where(side == DEFENDER, j[kr], w[kr])
        events.append(emit("commitment_honoured", rw[kr], war_id=war_id, state=mem, partner=partner, side=side))
        state, ev = conflict.join(state, rw[kr], w[kr], mem, side)
        events.extend(ev)
    k4, m4 = np.nonzero(honoured & conflicting)
    if len(k4):
        state, left = _left_conflicting(state, rw[k4], m4, w[k4])
        events.append(left)
    k3, m3 = np.nonzero(abandoned)
    if len(k3):
        why = np.where(u[k3, m3] < at_each(a.reliability, rw[k3]), BUCK_PASSING, UNRELIABLE)
        war_id = state.war_start[rw[k3], w[k3]] * N + w[k3]
        events.append(emit("commitment_abandoned", rw[k3], war_id=war_id, state=m3, partner=j[k3],
                           side=np.full(len(k3), DEFENDER), reason=why))
    return state, events


# --------------------------------------------------------------------------- what a decider expects


def expected_support(state, params, r, i, rivals_only=False):
    """What the deciders ``i`` (in worlds ``r``, K of them) expect third parties to bring to a war.

    Returns ``(for_target, for_self)``, each (K, N): for every candidate
    target j, the military that j's allies would add to j's side, and that
    i's own allies would add to i's side, as i perceives it (its
    ``seen_military``), projected to j's territory (``params.decay[r, a, j]``)
    and weighted by the chance each ally honours its commitment — for j's
    allies ``reliability`` × (1 − ``buck_passing`` × c), c = min(1, D/A)
    with A i's forces at j and D the defence j's whole side could carry,
    j's forces + ``reliability`` × its allies' (i's expectation of the
    buck-passing of :func:`honour`, where each ally leaves itself out of D);
    for i's allies, who would join an offensive only by
    chain-ganging, ``reliability`` × ``chain_gang``.  An ally of both i and
    j counts for j (its defensive pledge to j binds; :func:`honour`).  The conflict's expected utility and its
    bargaining read these, so alliances deter (Walt 1987; Leeds 2003).

    With exact perception the allies' forces are summed once per world;
    with noisy perception, per decider ((K, N, N) temporaries).  With the
    kernels on (:func:`neorealism.kernels.use_kernels`),
    :func:`.alliances_kernels.expected_support` loops over the deciders
    instead, without temporaries (the same numbers within rounding); with
    ``rivals_only`` it leaves 0 where the crisis decision never looks (i's
    own allies, the dead and non-actors; :func:`.conflict.decide` asks so),
    which the NumPy form computes anyway.
    """
    r = np.asarray(r, dtype=np.int64)
    i = np.asarray(i, dtype=np.int64)
    K, N = len(r), state.shape[1]
    if K and use_kernels():
        from . import alliances_kernels as kern

        for_target, for_self = np.empty((K, N)), np.empty((K, N))  # the kernel writes every entry
        a = params.alliances
        R = state.shape[0]
        vectors = memo(params, "alliances.support", lambda: [per_world_vector(x, R) for x in (
            a.reliability, a.buck_passing, a.chain_gang)])
        rel, bp, chain = (v[r] for v in vectors)
        kern.expected_support(r, i, state.allied, state.alive & params.actor[None, :], state.seen_military,
                              params.decay, state.military, rel, bp, chain,
                              anywhere(a.chain_gang, lambda x: x > 0), for_target, for_self, rivals_only)
        return for_target, for_self
    for_target = np.zeros((K, N))
    for_self = np.zeros((K, N))
    if K == 0:
        return for_target, for_self
    has = state.allied.any(axis=2)  # (R, N): states with allies
    sel = np.flatnonzero(has[r].any(axis=1))
    if not len(sel):
        return for_target, for_self
    a = params.alliances
    rs, is_ = r[sel], i[sel]
    S_ = len(sel)
    alive = state.alive & params.actor[None, :]
    mine = state.allied[rs, is_, :]  # (S, N): i's allies
    ok = alive[rs] & (np.arange(N)[None, :] != is_[:, None])
    seen = state.seen_military[rs, is_, :]  # (S, N): forces as i sees them
    same = _same_map(params)
    D0 = params.decay[0] if same else None
    # -- S[k, j]: the forces of j's allies (every living ally but i) at j's territory, as i sees them
    common = state.seen_military[:, 0, :] if state.seen_military.strides[1] == 0 else None
    helpers = state.allied & alive[:, None, :]  # (R, j, a)
    if common is not None and same:  # exact perception, one map: one sum per world, then i's own share out
        Sw = np.einsum("rja,ra,aj->rj", helpers, common, D0)
        S = Sw[rs] - np.where(helpers[rs, :, is_], common[rs, is_][:, None] * D0[is_, :], 0.0)
    else:
        dec = D0.T[None] if same else params.decay[rs].transpose(0, 2, 1)  # (., j, a)
        S = np.einsum("kja,ka,kja->kj", helpers[rs] & ok[:, None, :], seen, np.broadcast_to(dec, (S_, N, N)))
    S[np.arange(S_), is_] = 0.0  # i is no target of itself
    rel, bp = at(a.reliability, rs), at(a.buck_passing, rs)
    A = state.military[rs, is_][:, None] * (D0[is_, :] if same else params.decay[rs, is_, :])  # i's forces at j
    others = seen + rel * S  # the defence j's side could carry: j's own forces + its allies'
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c = np.where(A > 0, np.minimum(1.0, others / np.where(A > 0, A, 1.0)), 1.0)
    for_target[sel] = rel * (1.0 - bp * c) * S
    # -- i's allies joining its offensive against j (chain-ganging); not j's allies, not j
    if anywhere(a.chain_gang, lambda x: x > 0):
        k, aa = np.nonzero(mine & ok)
        if len(k):
            dec = D0[aa, :] if same else params.decay[rs[k], aa, :]  # (P, N_j)
            g = seen[k, aa][:, None] * dec
            g = np.where(state.allied[rs[k], :, aa] | (np.arange(N)[None, :] == aa[:, None]), 0.0, g)
            out = np.zeros((S_, N))
            np.add.at(out, k, g)
            for_self[sel] = at(a.reliability, rs) * at(a.chain_gang, rs) * out
    return for_target, for_self


# --------------------------------------------------------------------------- blocs and measures


def components(allied: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Connected components of every world's alliance graph, (R, N): a component id per state.

    Ids are unique across the batch (one sparse graph of all worlds, scipy's
    linear-time search); a state without allies is a component of its own.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    R, N = allied.shape[:2]
    flat = np.flatnonzero(allied)
    r, rest = np.divmod(flat, N * N)
    x, y = np.divmod(rest, N)
    g = coo_matrix((np.ones(len(r), dtype=np.int8), (r * N + x, r * N + y)), shape=(R * N, R * N))
    _, lab = connected_components(g, directed=False)
    return lab.reshape(R, N).astype(np.int64)


def bloc_labels(allied: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Each state's bloc, (R, N): the index of its bloc's first member (−1 for a state without allies)."""
    R, N = allied.shape[:2]
    if use_kernels():
        from . import alliances_kernels as kern

        out = np.empty((R, N), dtype=np.int64)
        kern.bloc_labels(np.ascontiguousarray(allied), out)
        return out
    lab = components(allied).ravel()
    _, first, inv = np.unique(lab, return_index=True, return_inverse=True)
    out = (first % N)[inv].reshape(R, N)  # nodes run world by world in index order: first = smallest member
    return np.where(allied.any(axis=2), out, -1)


def bloc_measures(allied: NDArray[np.bool_], power: F, alive: NDArray[np.bool_],
                  labels: NDArray[np.int64] | None = None) -> tuple[NDArray, NDArray, F]:
    """(allied pairs, blocs, polarization) per world from the alliance matrix and the power index.

    A bloc is a connected group of at least two allied states; polarization
    is 2 × the power share of the second-strongest bloc (in [0, 1]).
    ``labels``: the worlds' :func:`bloc_labels`, when already known.
    """
    R, N = alive.shape
    pairs = np.count_nonzero(allied, axis=(1, 2)) // 2
    lab = bloc_labels(allied) if labels is None else labels
    member = lab >= 0
    flat = (np.arange(R)[:, None] * N + np.where(member, lab, 0)).ravel()
    pw = np.where(alive, power, 0.0)
    bpow = np.bincount(flat, weights=np.where(member, pw, 0.0).ravel(), minlength=R * N).reshape(R, N)
    heads = member & (lab == np.arange(N)[None, :])  # one entry per bloc: its first member
    blocs = heads.sum(axis=1)
    bp = np.where(heads, bpow, 0.0)
    second = -np.partition(-bp, 1, axis=1)[:, 1] if N >= 2 else np.zeros(R)
    total = pw.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pol = np.where(total > 0, np.minimum(1.0, 2.0 * second / np.where(total > 0, total, 1.0)), 0.0)
    return pairs, blocs, pol


def measure(keys, state, params):
    """The year's alliance measures; blocs are searched again only in worlds whose alliances changed."""
    allied = state.allied
    if use_kernels():
        from . import alliances_kernels as kern

        lab, pairs, blocs, pol = kern.measure_alive(allied, state.allied_before, state.bloc, state.power, state.alive,
                                                    params.actor)
        return state.replace(n_alliances=pairs, n_blocs=blocs, alliance_polarization=pol, bloc=lab,
                             allied_before=allied.copy()), ()
    changed = np.flatnonzero((allied != state.allied_before).any(axis=(1, 2)) | (state.bloc[:, 0] < -1))
    lab = state.bloc
    if len(changed):
        lab = lab.copy()
        lab[changed] = bloc_labels(allied[changed])
    pairs, blocs, pol = bloc_measures(allied, state.power, state.alive & params.actor[None, :], lab)
    return state.replace(n_alliances=pairs, n_blocs=blocs, alliance_polarization=pol, bloc=lab,
                         allied_before=allied.copy()), ()


# --------------------------------------------------------------------------- declaration


def _allied0(ctx):
    sc = ctx.scenario
    index = {s.name: k for k, s in enumerate(sc.states)}
    N = sc.n_states
    allied = np.zeros((N, N), dtype=bool)
    for x, y in sc.alliances:
        allied[index[x], index[y]] = allied[index[y], index[x]] = True
    return allied


def _kind0(ctx):
    return np.where(_allied0(ctx), BALANCING, NONE).astype(np.int8)


def _summary(rs, s):
    """Run-summary lines: alliances formed and left, commitments honoured and abandoned."""
    from ..formatting import num, pct

    if rs is None:
        return []
    c = rs.query(
        "SELECT count(*) FILTER (WHERE event IN ('alliance_formed', 'alliance_joined')) AS made, "
        "count(*) FILTER (WHERE event IN ('alliance_formed', 'alliance_joined') AND motive = 'bandwagoning') AS bw, "
        "count(*) FILTER (WHERE event = 'alliance_left') AS left_, "
        "count(*) FILTER (WHERE event = 'commitment_honoured' AND side = 'defender') AS hon, "
        "count(*) FILTER (WHERE event = 'commitment_abandoned') AS ab "
        "FROM events WHERE event LIKE 'alliance_%' OR event LIKE 'commitment_%'"
    ).iloc[0]
    made, bw, left, hon, ab = (int(c[k]) for k in ("made", "bw", "left_", "hon", "ab"))
    lines = [f"Alliances made: {made:,} ({pct(bw / made) if made else '–'} bandwagoning); left: {left:,}"]
    if hon + ab:
        lines.append(f"Defence commitments honoured: {pct(hon / (hon + ab))} ({hon:,} of {hon + ab:,})")
    last = rs.query("SELECT avg(alliances) AS n, avg(alliance_polarization) AS pol FROM system "
                    "WHERE year = (SELECT max(year) FROM system)").iloc[0]
    lines.append(f"Alliances in force at the end: {num(last['n'], 2)} pairs per world; "
                 f"alliance polarization {num(last['pol'])}")
    return lines


MECHANISM = Mechanism(
    name="alliances",
    params=AllianceParams,
    doc=AllianceParams.__doc__ or "",
    sources=("Waltz 1979, ch. 6", "Walt 1987", "Schweller 1994", "Christensen & Snyder 1990",
             "Leeds, Long & Mitchell 2000", "Leeds 2003", "Gibler 2009"),
    fields=(
        StateField("allied", np.bool_, "pair", _allied0, "symmetric alliance matrix"),
        StateField("alliance_kind", np.int8, "pair", _kind0, "why each pair is allied: 0 not, 1 balancing (or the scenario's), 2 bandwagoning"),
        StateField("bloc", np.int64, "state", lambda c: -2, "each state's alliance bloc: the index of its first member (−1 no allies; −2 not yet measured)"),
        StateField("allied_before", np.bool_, "pair", lambda c: False, "the alliance matrix when the blocs were last measured"),
        StateField("n_alliances", np.int64, "world", lambda c: 0, "allied pairs"),
        StateField("n_blocs", np.int64, "world", lambda c: 0, "alliance blocs (connected groups of ≥ 2 allied states)"),
        StateField("alliance_polarization", np.float64, "world", lambda c: 0.0, "2 × power share of the second-largest bloc"),
    ),
    streams=(SEEK, BANDWAGON, REVIEW, HONOUR),
    events=(
        EventKind("alliance_formed", (
            EventField("state", "state", "the state that sought the alliance (or bandwagoned)"),
            EventField("partner", "state", "its new ally"),
            EventField("against", "state", "the threat they ally against (empty when bandwagoning: the partner is the threat)"),
            EventField("motive", "label", "balancing or bandwagoning", choices=MOTIVES),
        ), "a new alliance: two states without allies ally"),
        EventKind("alliance_joined", (
            EventField("state", "state", "the state joining an existing alliance"),
            EventField("partner", "state", "the member it allies with"),
            EventField("against", "state", "the threat they ally against (empty when bandwagoning)"),
            EventField("motive", "label", "balancing or bandwagoning", choices=MOTIVES),
        ), "a state allied with a state that already had allies (or took a new one)"),
        EventKind("alliance_left", (
            EventField("state", "state", "the state that left"),
            EventField("partner", "state", "the ally it left"),
            EventField("reason", "label", "why: the shared threat receded, it realigned (bandwagoned), or it defended another ally against this one (conflicting)", choices=REASONS),
        ), "an alliance dissolved"),
        EventKind("commitment_honoured", (
            EventField("war_id", "int", "the war joined"),
            EventField("state", "state", "the ally that joined"),
            EventField("partner", "state", "the ally it fights for"),
            EventField("side", "label", "the side it joined (defender: a defence commitment; attacker: chain-ganging)", choices=SIDE_LABELS),
        ), "an ally joined a war on its partner's side"),
        EventKind("commitment_abandoned", (
            EventField("war_id", "int", "the war"),
            EventField("state", "state", "the ally that stayed out"),
            EventField("partner", "state", "the attacked ally it abandoned"),
            EventField("side", "label", "the side it was committed to", choices=SIDE_LABELS),
            EventField("reason", "label", "unreliable, or buck-passing (others could carry the defence)", choices=REASONS),
        ), "an ally did not defend its attacked partner"),
    ),
    measures=(
        Measure("alliances", "system", np.int32, field_reader("n_alliances"), "allied pairs in force"),
        Measure("blocs", "system", np.int32, field_reader("n_blocs"), "alliance blocs: connected groups of at least two allied states"),
        Measure("alliance_polarization", "system", np.float64, field_reader("alliance_polarization"),
                "2 × the power share of the second-largest bloc: 1 = two equally strong blocs hold all power, 0 = fewer than two blocs"),
    ),
    steps=(Step("ally", ally, "ally"), Step("mobilize", honour, "honour"), Step("measure", measure, "measure")),
    summary=_summary,
    module=__name__,
)
