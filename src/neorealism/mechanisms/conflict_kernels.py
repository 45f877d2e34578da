"""Compiled kernels of the war decision (:func:`.conflict.decide`): the challenger's and the target's views.

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
"""

from __future__ import annotations

import math

import numba
import numpy as np

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
