"""Compiled kernels of the war steps: the decision's views and ends (:func:`.conflict.decide`), the
year of fighting and the conquests (:func:`.conflict.resolve`).

Each year K deciders weigh a crisis against every other state j.  The NumPy
reference (:func:`.conflict.crisis_terms` then :func:`.conflict._bargain` and
:func:`.bargaining.optimal_offer`) builds some forty (K, N) temporaries to
find, for each decider, the target where pressing a crisis pays most.
:func:`challenger_view` walks the K deciders and N targets once and keeps, per
decider, only the chosen target and the few numbers of that pair the rest of
the decision reads; :func:`target_view` then gives the chosen target's offer
from what it perceives, in one pass over the K crises instead of some hundred
small NumPy operations.  The arithmetic is the reference's, in the same order (the formulas
are those of Fearon 1995 and Powell 2006 as implemented in :mod:`.bargaining`,
with the contest of Hirshleifer 1989), so the results are bit-identical.
Transcendental functions stay with the caller (:mod:`neorealism.fmath`, the
C library's, which a kernel could now compute itself to the same bit): each
state's growth factor over the shift horizon is computed by the caller and
passed in (a pair's projected force ratio is the quotient of two), and the
kernel serves only the contest exponent m = 2 (the default; the reference
squares the ratio), other exponents taking the NumPy path
(:func:`.conflict._challenger_view_kernel`).

:func:`crisis_ends` then decides how each crisis ends (settlement or war, the
challenger's expected utility and the cause), and :func:`settle` transfers the
settlements.  :func:`fight` is a year of every war (:func:`.conflict._fight`:
the sides' strengths, losses, decisions, transfers and who is conquered) and
:func:`conquest` who falls in which war and, when every conquered state has
one conqueror, where its assets go (:func:`.conflict._conquest`; the flow
matrix of shared spoils stays NumPy's).  Each is the arithmetic of its NumPy
reference in the same order — sums over a war's members as NumPy's pairwise
sums (:func:`_psum`), sums over wars or crises in their order as
``np.bincount`` adds them — so the results are bit-identical; they serve the
contest exponent 2 and at most :data:`MAX_N` states (else the NumPy path).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .alliances_kernels import _block
from .polarity_kernels import MAX_N as MAX_N  # the most states the kernels' pairwise sums serve
from .polarity_kernels import composite_row

#: :data:`.bargaining.TOL`, inlined (the kernel cannot read module globals that may change).
TOL = 1e-9


# np.minimum / np.maximum / np.clip as NumPy's array loops compute them: NaN in any argument
# propagates, and on a tie the second argument (the bound) is returned (the sign of a zero)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _min(a, b):
    if a != a or b != b:
        return np.nan
    return a if a < b else b


@numba.njit(cache=True, inline="always", error_model="numpy")
def _max(a, b):
    if a != a or b != b:
        return np.nan
    return a if a > b else b


@numba.njit(cache=True, inline="always", error_model="numpy")
def _clip(x, lo, hi):
    return _min(_max(x, lo), hi)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _tol(a, b):
    return TOL * (abs(a) + abs(b)) + 1e-300


@numba.njit(cache=True, inline="always", error_model="numpy")
def _win(a_forces, b, theta):
    """:func:`.conflict.win_probability` for one pair, contest exponent 2."""
    a = theta * a_forces
    if a <= 0.0 and b <= 0.0:
        return 0.5
    if not a > 0.0:
        return 0.0
    ratio = b / a
    return 1.0 / (1.0 + ratio * ratio)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _win_flat(a_forces, b, theta):
    """:func:`_win` without branches (the quotients computed always, then chosen, as the reference's
    ``np.where`` chooses them): the same numbers, in a form a loop over the targets can vectorise."""
    a = theta * a_forces
    ratio = b / a
    p = 1.0 / (1.0 + ratio * ratio)
    p = p if a > 0.0 else 0.0
    return 0.5 if (a <= 0.0 and b <= 0.0) else p


@numba.njit(cache=True, inline="always", error_model="numpy")
def _stakes(A, B, shift, theta, Pi, Pj, Ei, Ej, Ti, tau, floor, dur, kappa, econ, conv,
            has_gain, g, has_cost, c):
    """The terms of one war of i against j (:func:`.conflict._war_terms` for one pair): the expected stake
    ``value``, the decline premium, the private and the known parts of i's expected cost, the
    fighting's military term (both sides' cost share it) and the stakes (gain + loss).  ``Ti`` is i's technology, 1 where it has none; ``g``
    the gain weight and ``c`` the extra cost share, read where ``has_gain`` / ``has_cost``."""
    p = _win(A, B, theta)
    p_f = _win(A * shift, B, theta)
    value, prem, cost, known, fought, stakes, drop = _stakes_at(A, B, p, p_f, Pi, Pj, Ei, Ej, Ti, tau, floor, dur,
                                                                kappa, econ, conv, has_gain, g, has_cost, c)
    return value, prem, cost, known, fought, p, stakes, drop


@numba.njit(cache=True, inline="always", error_model="numpy")
def _stakes_at(A, B, p, p_f, Pi, Pj, Ei, Ej, Ti, tau, floor, dur, kappa, econ, conv, has_gain, g, has_cost, c):
    """:func:`_stakes` given the odds ``p`` = _win(A, B) and ``p_f`` = _win(A·shift, B) (computed beforehand)."""
    j_dies = (1.0 - tau) * Pj < floor * (Pi + tau * Pj)
    i_dies = (1.0 - tau) * Pi < floor * (Pj + tau * Pi)
    gain = Ej if j_dies else tau * Ej
    if has_gain:
        gain = gain * g
    loss = Ei if i_dies else tau * Ei
    fought = dur * kappa * _min(A, B)
    cost = dur * econ * Ei + fought / (Ti * conv)  # the private part (drawn in each crisis)
    known = c * Ei if has_cost else 0.0  # the part everyone knows (a deterrent, a commitment)
    value = p * gain - (1.0 - p) * loss
    prem = _max(0.0, p - p_f) * (gain + loss)
    return value, prem, cost, known, fought, gain + loss, p - p_f


@numba.njit(cache=True, inline="always", error_model="numpy")
def _offer(v, lo, hi, L, cap):
    """The offer of :func:`.bargaining.optimal_offer` (truncated posterior) for one crisis."""
    return _offer_and_risk(v, lo, hi, L, cap)[0]


@numba.njit(cache=True, inline="always", error_model="numpy")
def _offer_and_risk(v, lo, hi, L, cap):
    """:func:`.bargaining.optimal_offer` (truncated posterior) for one crisis: (offer, P(war))."""
    hi_e = _min(hi, v)
    pressed = v > lo + (0.0 if hi > lo else _tol(v, lo))  # as bargaining.optimal_offer
    w = hi_e - lo
    y_star = 0.5 * (hi_e + v - L)
    if w > 0.0:
        certain = y_star >= hi_e
    else:
        certain = y_star > hi_e + _tol(y_star, hi_e)
    y = _clip(y_star, lo, _max(hi_e, lo))
    if certain or (v - y < 0.0):
        y = v
    elif v - y > cap:
        y = v - cap
    x = v - y if pressed else 0.0
    x = _clip(x, 0.0, cap)
    if not pressed:
        return x, 0.0
    if w > 0.0:
        p = _clip((y - lo) / w, 0.0, 1.0)
    else:
        p = 1.0 if y > lo + _tol(y, lo) else 0.0
    return x, p


@numba.njit(cache=True, nogil=True, error_model="numpy")
def challenger_view(r, i, M, E, T, P, seen_mil, seen_pow, decay, for_target, for_self, growth,
                    alive, actor, allied, off, u_cost,
                    theta, conv, dur, kappa, econ, tau, floor, rho, pen, thr, offthr, delta, maxconc,
                    preempt, prev_drop, pre_belief, gw, wc, host, restr, has_gain, has_cost, has_host, has_restr,
                    conf, has_conf):
    """For each decider k (world ``r[k]``, state ``i[k]``): the target j where pressing a crisis pays
    most (the first on a tie) and, for that j, what pressing pays, the reservation, the gross value of
    war, the true (private) cost, the decline premium and the pre-emption premium.

    Per-world parameters are (R,) arrays; ``growth`` (R, N) each state's growth factor over the
    shift horizon (a pair's projected force ratio is the quotient of two); the contest exponent is 2.
    The role inputs (:func:`.conflict._extras`) — gain weight ``gw`` (R, N), extra cost ``wc`` and
    hostility ``host`` (R, N, N), restraint ``restr`` (R, N), confidence ``conf`` (R, N), a factor on
    the decider's own side's strength in its estimate — are read where their flag is set.
    """
    K = r.shape[0]
    N = E.shape[1]
    best_j = np.zeros(K, dtype=np.int64)
    best_pay = np.empty(K)
    best_res = np.empty(K)
    best_v = np.empty(K)
    best_ct = np.empty(K)
    best_prem = np.empty(K)
    best_fear = np.empty(K)
    # per decider, over every j: the forces, the projected ratio and the three contest odds, in short
    # branch-free loops of their own that the compiler vectorises (the divisions; the same numbers)
    As = np.empty(N)
    Bs = np.empty(N)
    sh = np.empty(N)
    pn = np.empty(N)
    pfs = np.empty(N)
    qs = np.empty(N)
    for k in range(K):
        w = r[k]
        s = i[k]
        th, cv, du, ka, ec = theta[w], conv[w], dur[w], kappa[w], econ[w]
        ta, fl, rh, pe, de, mc = tau[w], floor[w], rho[w], pen[w], delta[w], maxconc[w]
        Ms = M[w, s]
        Es = E[w, s]
        Ps = P[w, s]
        Ts = T[w, s] if T[w, s] > 0 else 1.0
        g = gw[w, s] if has_gain else 1.0
        restrained = has_restr and restr[w, s] > 0
        cf = conf[w, s] if has_conf else 1.0
        margin = (offthr[w] if off[k] else thr[w]) * Es
        uk = 1.0 + de * (2.0 * u_cost[k] - 1.0)
        one_rho = 1.0 - rh
        gs = growth[w, s]
        for j in range(N):
            sh[j] = gs / growth[w, j]
        for j in range(N):
            a_ = Ms * decay[w, s, j] + for_self[k, j]
            As[j] = a_ * cf if has_conf else a_
        for j in range(N):
            Bs[j] = seen_mil[w, s, j] + for_target[k, j]
        for j in range(N):
            pn[j] = _win_flat(As[j], Bs[j], th)
        for j in range(N):
            pfs[j] = _win_flat(As[j] * sh[j], Bs[j], th)
        if has_host:
            for j in range(N):
                qs[j] = _win_flat(Bs[j], As[j], th)
        jb = 0
        pay_b = -np.inf
        res_b = 0.0
        v_b = 0.0
        ct_b = 0.0
        prem_b = 0.0
        fear_b = 0.0
        for j in range(N):
            ok = alive[w, j] and actor[j] and j != s and not allied[w, s, j]
            if j > 0 and not ok:
                continue  # pressing pays −inf here: never the first maximum (j = 0 is kept, as argmax does)
            shift = sh[j]
            if restrained and j > 0 and shift >= 1.0 and not (has_host and not host[w, s, j] < pre_belief[w]):
                # no defensive motive can open the gate: its odds do not fall (the projected ratio does not
                # fall) and it does not fear j enough to pre-empt — pressing pays −inf, as below
                continue
            A = As[j]
            B = Bs[j]
            p = pn[j]
            Ej = E[w, j]
            value, prem, cost, known, fought, stakes, drop = _stakes_at(
                A, B, p, pfs[j], Ps, seen_pow[w, s, j], Es, Ej, Ts,
                ta, fl, du, ka, ec, cv, has_gain, g, has_cost, wc[w, s, j] if has_cost else 0.0)
            fear = 0.0
            gross = value + prem
            if has_host:
                fear = ((host[w, s, j] * preempt[w]) * _max(0.0, p - (1.0 - qs[j]))) * stakes
                gross = gross + fear
            if restrained and not (drop > prev_drop[w] or (fear > 0.0 and host[w, s, j] >= pre_belief[w])):
                ok = False  # a defensive security seeker presses only to prevent or pre-empt
            v = one_rho * gross - pe * Es
            ct = cost * uk
            lo_c = cost * (1.0 - de)
            hi_c = cost * (1.0 + de)
            if has_cost:
                ct = ct + known
                lo_c = lo_c + known
                hi_c = hi_c + known
            res = v - one_rho * (ct + margin)
            if ok and math.isfinite(res):
                pay = res
                if pay > 0.0:
                    Tj = T[w, j] if T[w, j] > 0 else 1.0
                    cost_t = du * ec * Ej + fought / (Tj * cv)
                    lo = one_rho * (lo_c + margin)
                    hi = one_rho * (hi_c + margin)
                    loss_t = one_rho * (value + cost_t)
                    x = _offer(v, lo, hi, loss_t, mc * Ej)
                    if math.isfinite(x):
                        pay = _max(pay, x)
            else:
                pay = -np.inf
            if j == 0 or pay > pay_b:
                jb = j
                pay_b = pay
                res_b = res
                v_b = v
                ct_b = ct
                prem_b = prem
                fear_b = fear
        best_j[k] = jb
        best_pay[k] = pay_b
        best_res[k] = res_b
        best_v[k] = v_b
        best_ct[k] = ct_b
        best_prem[k] = prem_b
        best_fear[k] = fear_b
    return best_j, best_pay, best_res, best_v, best_ct, best_prem, best_fear


@numba.njit(cache=True, nogil=True, error_model="numpy")
def target_view(r, i, j, M, E, T, P, seen_mil, seen_pow, decay, for_target, for_self, growth, off,
                theta, conv, dur, kappa, econ, tau, floor, rho, pen, thr, offthr, delta, maxconc,
                gw, wc, has_gain, has_cost):
    """The target's view of each crisis k (world ``r[k]``, challenger ``i[k]``, target ``j[k]``), from
    what j perceives of i: its optimal offer and the risk of refusal it accepts with it, and the offer
    it would make were the challenger's decline premium left out (:func:`.conflict.decide` reads it
    to tell a commitment problem from private information).  ``growth`` (R, N) the states' growth
    factors over the shift horizon; contest exponent 2; the challenger's gain weight ``gw`` and extra
    cost ``wc`` where flagged (the target does not know the challenger's hostility)."""
    K = r.shape[0]
    offer = np.empty(K)
    p_war = np.empty(K)
    offer0 = np.empty(K)
    for k in range(K):
        w = r[k]
        s = i[k]
        t = j[k]
        ta, fl, du = tau[w], floor[w], dur[w]
        one_rho = 1.0 - rho[w]
        A = seen_mil[w, t, s] * decay[w, s, t] + for_self[k, t]
        B = M[w, t] + for_target[k, t]
        Ei = E[w, s]
        Ej = E[w, t]
        Ti = T[w, s] if T[w, s] > 0 else 1.0
        Tj = T[w, t] if T[w, t] > 0 else 1.0
        value, prem, cost, known, fought, p, stakes, drop = _stakes(
            A, B, growth[w, s] / growth[w, t], theta[w], seen_pow[w, t, s], P[w, t], Ei, Ej, Ti,
            ta, fl, du, kappa[w], econ[w], conv[w], has_gain, gw[w, s] if has_gain else 1.0,
            has_cost, wc[w, s, t] if has_cost else 0.0)
        cost_t = du * econ[w] * Ej + fought / (Tj * conv[w])
        margin = (offthr[w] if off[k] else thr[w]) * Ei
        lo_c = cost * (1.0 - delta[w])
        hi_c = cost * (1.0 + delta[w])
        if has_cost:
            lo_c = lo_c + known
            hi_c = hi_c + known
        lo = one_rho * (lo_c + margin)
        hi = one_rho * (hi_c + margin)
        loss_t = one_rho * (value + cost_t)
        cap = maxconc[w] * Ej
        x, q = _offer_and_risk(one_rho * (value + prem) - pen[w] * Ei, lo, hi, loss_t, cap)
        offer[k] = x
        p_war[k] = q
        offer0[k] = _offer(one_rho * value - pen[w] * Ei, lo, hi, loss_t, cap)
    return offer, p_war, offer0


# --------------------------------------------------------------------------- a year of fighting (resolve)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _psum(a, n):
    """``a[:n].sum()`` of a contiguous row of at most :data:`MAX_N` values as NumPy reduces it: 0 + its
    pairwise sum (:func:`.alliances_kernels._block`)."""
    return 0.0 + _block(a, 0, n)




@numba.njit(cache=True, inline="always", error_model="numpy")
def _share_of(f, total, member, n_members):
    """:func:`.conflict._by_contribution` for one member slot: by contribution, or equal when the side
    brings no force."""
    by_force = f / (total if total > 0 else 1.0)
    equal = 1.0 / max(n_members, 1) if member else 0.0
    return by_force if total > 0 else equal


@numba.njit(cache=True, nogil=True, error_model="numpy")
def fight(rw, w, side, alive, M, E, Pop, S, Tech, decay, tgt, u_dec, u_out,
          kappa, econ, theta, dprob, tau, floor):
    """One year of every war k (world ``rw[k]``, initiator slot ``w[k]``): :func:`.conflict._fight`, the
    NumPy reference, in one pass over the wars — the same arithmetic in the same order (the sums over
    a war's members as NumPy's pairwise sums, the sums over the wars in war order as ``np.bincount``
    adds them), so the numbers are the reference's bit for bit.

    The sides' strengths (Boulding 1962's projection over the loss-of-strength gradient), the
    military losses κ·min(A, B) shared by contribution (capped at what a state has) and the economic
    cost; the contest of Hirshleifer 1989 (exponent 2) and the decision (``u_dec`` < decisive_prob,
    ``u_out`` < P, the two draws (R, N)); the transfers of the losing side to the winners by
    contribution; and who is conquered: a loser whose composite power (the CINC form,
    :func:`neorealism.measures.composite_index`, over the military, economy, population, resources and
    technology after the year's fighting) is below ``survival_floor`` × the winning side's.  The
    per-world parameters are (R,) vectors.  Returns the military M1 and the economy, population and
    resources after the transfers (R, N), the war's losses this year, whether it was fought, decided
    and won by the initiator's side (K,), the sides' members, the winners' shares of the spoils, the
    conquered (K, N) and the winning side's power (K,) (:func:`.conflict._conquest` reads the last three).
    """
    R, N = M.shape
    K = rw.shape[0]
    memA = np.zeros((K, N), dtype=np.bool_)
    memB = np.zeros((K, N), dtype=np.bool_)
    active = np.zeros(K, dtype=np.bool_)
    n_in = np.zeros((R, N), dtype=np.int64)
    for k in range(K):
        r = rw[k]
        s = w[k]
        a_any = False
        b_any = False
        for n in range(N):
            al = alive[r, n]
            ma = side[r, s, n] == 1 and al
            mb = side[r, s, n] == 2 and al
            memA[k, n] = ma
            memB[k, n] = mb
            a_any |= ma
            b_any |= mb
        active[k] = a_any and b_any
        if a_any and b_any:
            for n in range(N):
                if memA[k, n] or memB[k, n]:
                    n_in[r, n] += 1
    force = np.empty((K, N))
    loss = np.empty((K, N))
    A = np.empty(K)
    B = np.empty(K)
    raw = np.zeros((R, N))
    bufA = np.empty(N)
    bufB = np.empty(N)
    for k in range(K):
        r = rw[k]
        j = tgt[r, w[k]]  # the theatre: the original target's territory
        act = active[k]
        nA = 0
        nB = 0
        for n in range(N):
            x = M[r, n] / max(n_in[r, n], 1) if (act and (memA[k, n] or memB[k, n])) else 0.0
            f = x * decay[r, n, j]
            force[k, n] = f
            bufA[n] = f if memA[k, n] else 0.0
            bufB[n] = f if memB[k, n] else 0.0
            nA += memA[k, n]
            nB += memB[k, n]
        a = _psum(bufA, N)
        b = _psum(bufB, N)
        A[k] = a
        B[k] = b
        intensity = kappa[r] * _min(a, b) if act else 0.0
        for n in range(N):
            c = _share_of(bufA[n], a, memA[k, n], nA) + _share_of(bufB[n], b, memB[k, n], nB)
            x = intensity * c
            loss[k, n] = x
            raw[r, n] += x
    M1 = np.empty((R, N))
    E1 = np.empty((R, N))
    scale = np.empty((R, N))
    for r in range(R):
        for n in range(N):
            lost = _min(raw[r, n], M[r, n])
            scale[r, n] = lost / (raw[r, n] if raw[r, n] > 0 else 1.0) if raw[r, n] > 0 else 0.0
            M1[r, n] = M[r, n] - lost
            E1[r, n] = E[r, n] - (econ[r] * E[r, n] if n_in[r, n] > 0 else 0.0)
    war_size = np.empty(K)
    decided = np.zeros(K, dtype=np.bool_)
    att_won = np.zeros(K, dtype=np.bool_)
    n_lost = np.zeros((R, N), dtype=np.int64)
    for k in range(K):
        r = rw[k]
        for n in range(N):
            bufA[n] = loss[k, n] * scale[r, n]
        war_size[k] = _psum(bufA, N)
        p = _win_flat(A[k], B[k], theta[r])
        dec = active[k] and u_dec[r, w[k]] < dprob[r]
        decided[k] = dec
        att_won[k] = dec and u_out[r, w[k]] < p
        if dec:
            for n in range(N):
                if memB[k, n] if att_won[k] else memA[k, n]:
                    n_lost[r, n] += 1
    # a state losing several wars in one year cedes at most everything; the winners share by contribution
    ceded = np.zeros((K, N))
    wshare = np.zeros((K, N))
    win = np.zeros((K, N), dtype=np.bool_)
    lose = np.zeros((K, N), dtype=np.bool_)
    for k in range(K):
        if not decided[k]:
            continue  # nobody cedes, nobody wins: shares 0 (a side with no members shares nothing)
        r = rw[k]
        aw = att_won[k]
        nw = 0
        for n in range(N):
            wi = memA[k, n] if aw else memB[k, n]
            lo = memB[k, n] if aw else memA[k, n]
            win[k, n] = wi
            lose[k, n] = lo
            if lo:
                nl = n_lost[r, n]
                frac = _min(1.0, 1.0 / _max(tau[r] * nl, 1e-300)) if nl > 0 else 1.0
                ceded[k, n] = tau[r] * frac
            bufA[n] = force[k, n] if wi else 0.0
            nw += wi
        tot = _psum(bufA, N)
        for n in range(N):
            wshare[k, n] = _share_of(bufA[n], tot, win[k, n], nw)
    E2 = _spoils(E1, rw, ceded, wshare, bufA)
    P2 = _spoils(Pop, rw, ceded, wshare, bufA)
    S2 = _spoils(S, rw, ceded, wshare, bufA)
    # conquest: the power after this year's fighting, in the worlds where a war was decided
    conq = np.zeros((K, N), dtype=np.bool_)
    wpow = np.zeros(K)
    seen = np.zeros(R, dtype=np.bool_)
    power = np.zeros((R, N))
    comps = np.empty((5, N))
    xz = np.empty((5, N))
    usable = np.empty((5, N), dtype=np.bool_)
    share = np.empty((5, N))
    for k in range(K):
        if not decided[k]:
            continue
        r = rw[k]
        if not seen[r]:
            seen[r] = True
            for n in range(N):  # in the order of state.COMPONENTS
                comps[0, n] = M1[r, n]
                comps[1, n] = E2[r, n]
                comps[2, n] = P2[r, n]
                comps[3, n] = S2[r, n]
                comps[4, n] = Tech[r, n]
            composite_row(comps, alive[r], xz, usable, share, power[r])
        for n in range(N):
            bufA[n] = power[r, n] if win[k, n] else 0.0
        wp = _psum(bufA, N)
        wpow[k] = wp
        for n in range(N):
            conq[k, n] = lose[k, n] and power[r, n] < floor[r] * wp
    return M1, E2, P2, S2, war_size, active, decided, att_won, memA, memB, wshare, conq, wpow


@numba.njit(cache=True, inline="always", error_model="numpy")
def _spoils(x, rw, ceded, wshare, buf):
    """The spoils of one asset (the ``spoils`` of :func:`.conflict._fight`): each loser cedes its share,
    the war's winners take the war's total by contribution; ceding everything leaves 0."""
    R, N = x.shape
    K = rw.shape[0]
    lost = np.zeros((R, N))
    won = np.zeros((R, N))
    for k in range(K):
        r = rw[k]
        for n in range(N):
            amount = ceded[k, n] * x[r, n]
            buf[n] = amount
            lost[r, n] += amount
        g = _psum(buf, N)
        for n in range(N):
            won[r, n] += g * wshare[k, n]
    out = np.empty((R, N))
    for r in range(R):
        for n in range(N):
            out[r, n] = _max(x[r, n] - lost[r, n], 0.0) + won[r, n]
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def settle(r, i, j, offer, E, P, S, cap):
    """The settlements of the year (:func:`.conflict._settle`, the NumPy reference): each target j cedes a
    share offer/E_j of its economy, population and resources to its challenger i, at most ``cap`` (R,)
    in all in one year (each concession scaled down in proportion).  The sums over the crises in
    crisis order, as ``np.bincount`` adds them: the same numbers, bit for bit."""
    R, N = E.shape
    K = r.shape[0]
    share = np.empty(K)
    out_j = np.zeros((R, N))
    for k in range(K):
        e = E[r[k], j[k]]
        share[k] = offer[k] / (e if e > 0 else 1.0)
        out_j[r[k], j[k]] += share[k]
    for k in range(K):
        o = out_j[r[k], j[k]]
        c = cap[r[k]]
        share[k] = share[k] * (c / (o if o > c else 1.0) if o > c else 1.0)
    E1 = _ceded(E, r, i, j, share)
    P1 = _ceded(P, r, i, j, share)
    S1 = _ceded(S, r, i, j, share)
    return E1, P1, S1


@numba.njit(cache=True, inline="always", error_model="numpy")
def _ceded(x, r, i, j, share):
    """One asset after the settlements of :func:`settle`: ceding everything leaves 0."""
    R, N = x.shape
    lost = np.zeros((R, N))
    won = np.zeros((R, N))
    for k in range(r.shape[0]):
        amount = share[k] * x[r[k], j[k]]
        lost[r[k], j[k]] += amount
        won[r[k], i[k]] += amount
    out = np.empty((R, N))
    for a in range(R):
        for n in range(N):
            out[a, n] = _max(x[a, n] - lost[a, n], 0.0) + won[a, n]
    return out


@numba.njit(cache=True, inline="always", error_model="numpy")
def _accepts(x, res):
    """:func:`.bargaining.accepts` for one crisis: the offer is at least worth the reservation (ties settle)."""
    return x >= res - _tol(x, res)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def crisis_ends(r, i, j, best_pay, reservation, offer, offer0, v_best, cost_best, prem_best, fear_best,
                u_go, Ei, temperature, rho, zeal, has_zeal, target, best_eu, cause, crisis_target, crisis_war):
    """How each decider's crisis ends (the NumPy body of :func:`.conflict.decide` after the two views):
    settlement or war — the challenger takes the offer if it is worth its reservation, or under the
    decision noise with probability logistic(gap / (temperature × economy)) (``expit`` as 1/(1 + e^−z),
    the C library's exp: SciPy's formula and function) — its expected utility of war, and why a war
    was chosen (index into :data:`.conflict.CAUSES`).  The same arithmetic in the same order as the
    reference.  Writes the planned wars and the crises into ``target``, ``best_eu``, ``cause``,
    ``crisis_target`` and ``crisis_war`` (R, N); returns go, settled, why and eu (K,).
    ``zeal`` (K,) read where ``has_zeal``."""
    K = r.shape[0]
    go = np.zeros(K, dtype=np.bool_)
    settled = np.zeros(K, dtype=np.bool_)
    why = np.zeros(K, dtype=np.int8)
    eu = np.empty(K)
    for k in range(K):
        w = r[k]
        has = math.isfinite(best_pay[k])
        z = has_zeal and zeal[k]
        res = reservation[k]
        pressed = has and (res > 0 or z)
        x = offer[k]
        gap = res - x
        e = Ei[k] if Ei[k] > 0 else 1.0
        scale = temperature[w] * e
        noisy = scale > 0
        settle = _accepts(x, res)
        if noisy:
            g = u_go[k] < 1.0 / (1.0 + math.exp(-(gap / scale)))
        else:
            g = not settle
        g = has and g and math.isfinite(gap)
        calculus = g
        if z:
            g = g or has
        go[k] = g
        settled[k] = pressed and not g
        one_rho = 1.0 - rho[w]
        eu[k] = (v_best[k] - one_rho * cost_best[k]) / e
        prem = one_rho * prem_best[k]
        fear = one_rho * fear_best[k]
        if settle:
            c = 3
        elif prem > 0 and _accepts(offer0[k], res - prem):
            c = 2
        elif fear > 0 and _accepts(x, res - fear):
            c = 4
        else:
            c = 1
        if has_zeal and g and not calculus:
            c = 5
        why[k] = c
        if g:
            target[w, i[k]] = j[k]
            best_eu[w, i[k]] = eu[k]
            cause[w, i[k]] = c
        if pressed:
            crisis_target[w, i[k]] = j[k]
            crisis_war[w, i[k]] = g
    return go, settled, why, eu


# --------------------------------------------------------------------------- conquest


@numba.njit(cache=True, inline="always", error_model="numpy")
def _falls_in(k1, k2, wpow, war_id):
    """Whether a state conquered in wars k1 and k2 falls in k1 rather than in k2 (k1 < k2 in the
    reference's order): the war whose winning side is strongest, then the lowest war id — the order of
    :func:`numpy.lexsort` on (war id, −wpow), where NaN sorts last."""
    a = -wpow[k1]
    b = -wpow[k2]
    if a != a or b != b:
        if a != a and b != b:
            return war_id[k1] <= war_id[k2]
        return b != b
    if a < b:
        return True
    if a > b:
        return False
    return war_id[k1] <= war_id[k2]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def conquest(conq, rw, wpow, war_id, wshare, E, P, S):
    """Who is conquered in which war, and, where every conquered state has one conqueror, where its
    assets go (:func:`.conflict._conquest`, the NumPy reference, whose pointer-following branch this is,
    in the same order: the same numbers).  Returns ``simple`` (every conquered state has one conqueror),
    died and death_war (R, N), the worlds with a death (sorted) and, for each, who died there, and, when
    ``simple``, the economy, population and resources after the conquests and each dead state's
    absorber (R, N) — else the flow matrix ``Q`` (W, N, N) the caller squares (the shares each dead
    state's assets go by, the survivors keeping theirs)."""
    K, N = conq.shape
    R = E.shape[0]
    pick = np.full((R, N), -1, dtype=np.int64)
    for k in range(K):
        r = rw[k]
        for n in range(N):
            if conq[k, n] and (pick[r, n] < 0 or not _falls_in(pick[r, n], k, wpow, war_id)):
                pick[r, n] = k
    died = np.zeros((R, N), dtype=np.bool_)
    death_war = np.full((R, N), -1, dtype=np.int64)
    W = 0
    simple = True
    for r in range(R):
        any_r = False
        for n in range(N):
            k = pick[r, n]
            if k >= 0:
                died[r, n] = True
                death_war[r, n] = war_id[k]
                any_r = True
                m = wshare[k, 0]
                for q in range(1, N):  # np.max over the row: NaN propagates
                    x = wshare[k, q]
                    if x != x or m != m:
                        m = np.nan
                    elif x > m:
                        m = x
                simple = simple and m == 1.0
        W += any_r
    worlds = np.empty(W, dtype=np.int64)
    q = 0
    for r in range(R):
        for n in range(N):
            if died[r, n]:
                worlds[q] = r
                q += 1
                break
    absorber = np.full((R, N), -1, dtype=np.int64)
    if not simple:
        Q = np.zeros((W, N, N))
        for a in range(W):
            r = worlds[a]
            for n in range(N):
                if died[r, n]:
                    for m in range(N):
                        Q[a, n, m] = wshare[pick[r, n], m]
                else:
                    Q[a, n, n] = 1.0
        return simple, died, death_war, worlds, Q, E, P, S, absorber
    steps = 1
    while (1 << steps) < max(N, 2):  # max(1, ceil(log2(max(N, 2)))) + 1 squarings of the pointers
        steps += 1
    steps += 1
    ptr = np.empty((W, N), dtype=np.int64)
    nxt = np.empty(N, dtype=np.int64)
    for a in range(W):
        r = worlds[a]
        for n in range(N):
            ptr[a, n] = n
            if died[r, n]:
                k = pick[r, n]
                to = 0
                for m in range(1, N):  # np.argmax: the first maximum
                    if wshare[k, m] > wshare[k, to]:
                        to = m
                ptr[a, n] = to
        for _ in range(steps):
            for n in range(N):
                nxt[n] = ptr[a, ptr[a, n]]
            for n in range(N):
                ptr[a, n] = nxt[n]
        for n in range(N):
            if died[r, n]:
                absorber[r, n] = ptr[a, n]
    E3 = _absorbed(E, worlds, died, ptr)
    P3 = _absorbed(P, worlds, died, ptr)
    S3 = _absorbed(S, worlds, died, ptr)
    return simple, died, death_war, worlds, np.zeros((0, N, N)), E3, P3, S3, absorber


@numba.njit(cache=True, inline="always", error_model="numpy")
def _absorbed(x, worlds, died, ptr):
    """One asset after the conquests of :func:`conquest` (one conqueror each): the dead's go to their
    absorber, added in the states' order as ``np.bincount`` adds them."""
    N = x.shape[1]
    y = x.copy()
    gain = np.empty(N)
    for a in range(worlds.shape[0]):
        r = worlds[a]
        for n in range(N):
            gain[n] = 0.0
        for n in range(N):
            if died[r, n]:
                gain[ptr[a, n]] += x[r, n]
            else:
                gain[0] += 0.0
        for n in range(N):
            y[r, n] = 0.0 if died[r, n] else x[r, n] + gain[n]
    return y


# --------------------------------------------------------------------------- the trend of power


@numba.njit(cache=True, nogil=True, error_model="numpy")
def power_trend(P, last, trend, alive, alpha):
    """:func:`.conflict.trend` (the NumPy reference) in one pass: the moving average (weight ``alpha``
    (R,) on the latest year) of each state's yearly log change of composite power, and the power kept
    for next year.  The log is the C library's (``math.log``, as :func:`neorealism.fmath.log`); the
    same numbers."""
    R, N = P.shape
    new = np.empty((R, N))
    kept = np.empty((R, N))
    for r in range(R):
        a = alpha[r]
        for n in range(N):
            p = P[r, n]
            q = last[r, n]
            al = alive[r, n]
            g = 0.0
            if p > 0 and q > 0 and al:
                x = p / q
                g = -math.inf if x == 0.0 else math.log(x)  # fmath.log (x > 0 here, or +inf)
            v = (1.0 - a) * trend[r, n] + a * g if al else 0.0
            new[r, n] = v if q > 0 else 0.0  # the first measurement (year 0) has no change yet
            kept[r, n] = p if al else 0.0
    return new, kept


# --------------------------------------------------------------------------- the wars begin


@numba.njit(cache=True, nogil=True, error_model="numpy")
def begin_wars(plan, t, war_target, war_start, war_losses, war_side, plan_eu, war_eu, war_foe):
    """:func:`.conflict.begin` (the NumPy reference) in one pass: the planned wars begin — each
    initiator's slot takes its target, the start year ``t``, no losses yet, its expected utility and
    foe, and the war's two sides (the initiator attacks, the target defends).  Returns the wars
    started per world and the started (world, initiator) pairs in row order; the new slot fields only
    when a war started (else the inputs)."""
    R, N = plan.shape
    n_started = np.zeros(R, dtype=np.int64)
    count = 0
    for r in range(R):
        for n in range(N):
            if plan[r, n] >= 0:
                n_started[r] += 1
                count += 1
    rs = np.empty(count, dtype=np.int64)
    is_ = np.empty(count, dtype=np.int64)
    if count == 0:
        return n_started, rs, is_, war_target, war_start, war_losses, war_side, war_eu, war_foe
    tgt = war_target.copy()
    start = war_start.copy()
    losses = war_losses.copy()
    side = war_side.copy()
    eu = war_eu.copy()
    foe = war_foe.copy()
    q = 0
    for r in range(R):
        for n in range(N):
            j = plan[r, n]
            if j >= 0:
                rs[q] = r
                is_[q] = n
                q += 1
                for m in range(N):
                    side[r, n, m] = 0
                side[r, n, n] = 1
                side[r, n, j] = 2
                tgt[r, n] = j
                start[r, n] = t
                losses[r, n] = 0.0
                eu[r, n] = plan_eu[r, n]
                foe[r, n] = j
    return n_started, rs, is_, tgt, start, losses, side, eu, foe
