"""Numba kernels of :mod:`.beliefs`: the evidence every observer sees alike (:func:`evidence`), then the
likelihood ratio, Bayes' rule and the intentions factor of every pair in one pass (:func:`update`).

The arithmetic of :func:`.beliefs._common_evidence`, :func:`.beliefs.likelihood_ratios`,
:func:`.beliefs.bayes` and :func:`.beliefs._intent`, element by element in the same order; the
logarithms and exponentials are the C library's (``math.log``, ``math.log1p``, ``math.exp``, which
``neorealism.fmath`` calls too, with fmath's rules at 0 and below), so the beliefs are the reference's
bit for bit; ``tests/test_kernels_core.py`` and ``tests/test_beliefs.py`` check it.  Neither the
(R, N) evidence nor the (R, N, N) likelihood ratios are stored.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..fmath_kernels import log as _log
from ..fmath_kernels import log1p as _log1p
from .perception_kernels import dot_sum


@numba.njit(cache=True, nogil=True, error_model="numpy")
def evidence(burden, justified, burden_seen, alive, target, eps, c, ga, sd, ae):
    """exp(λ) of j's arming and aggression, (R, N): :func:`.beliefs._common_evidence`'s ``e_j``.

    y = c·log((b + ε)/(b̄ + ε)) + (1 − c)·log((b + ε)/(b_seen + ε)), d = c·log1p(greed_arming),
    λ = (d/σ²)·(y − d/2) (+ aggression_evidence where j pressed a crisis), 0 for a dead state,
    held in [−50, 50] (NumPy's clip: NaN stays NaN) before the exp; ε = ``eps`` (:data:`.beliefs.EPS`),
    per-world ``c``, ``ga``, ``sd``, ``ae`` (R,).  The same operations in the same order as the reference.
    """
    R, N = burden.shape
    out = np.empty((R, N))
    y1 = np.empty(N)
    y2 = np.empty(N)
    for r in range(R):
        for j in range(N):  # the ratios (vectorised), then the logarithms of the living states' only
            bj = burden[r, j] + eps
            y1[j] = bj / (justified[r, j] + eps)
            y2[j] = bj / (burden_seen[r, j] + eps)
        for j in range(N):
            if alive[r, j]:
                y1[j] = _log(y1[j])
                y2[j] = _log(y2[j])
        cr = c[r]
        cm = 1.0 - cr
        d = cr * _log1p(ga[r])
        s = sd[r]
        k = d / (s * s)
        h = 0.5 * d
        a = ae[r]
        for j in range(N):
            if alive[r, j]:
                llr = k * ((cr * y1[j] + cm * y2[j]) - h)
                if target[r, j] >= 0:
                    llr = llr + a
                x = llr if (llr > -50.0 or llr != llr) else -50.0  # np.clip(λ, −50, 50): NaN stays NaN
                x = x if (x < 50.0 or x != x) else 50.0
                out[r, j] = math.exp(x)
            else:
                out[r, j] = 1.0  # a dead state's λ is 0: exp(0) = 1 exactly
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def update(belief, e_j, target, e_victim, allied, allied_seen, lo, hi, w2, q, up, down):
    """(belief', intent) (R, N, N).

    ``e_j`` (R, N) exp(λ) of j's arming and aggression, ``target`` (R, N) whom j pressed (−1 none;
    that state's ratio × ``e_victim``), ``allied`` and ``allied_seen`` (R, N, N) the alliances now and
    at the last update (j newly allied with k: ``allied & ~allied_seen``; each world's new alliances are
    listed once, so that an observer's alliance evidence reads only them), per-world ``lo``, ``hi``
    (the bounds), ``w2`` (2 × intentions_weight), ``q`` (the prior) and ``up`` / ``down`` =
    exp(±alliance_evidence), each (R,).

    A row of observers i is computed for every j at once, without branches (so that it vectorises):
    the victim's factor is a multiplication by e_victim or by 1 (exact), the bounds and the
    intentions factor selects with NumPy's NaN rule; the alliance factors, for the few j with a new
    alliance, are applied before Bayes' rule as in the reference.
    """
    R, N, _ = belief.shape
    out = np.empty((R, N, N))
    intent = np.empty((R, N, N))
    new = np.empty((N, N), dtype=np.bool_)
    partners = np.empty((N, N), dtype=np.int64)  # row j: the states j newly allied with, partners[j, :count[j]]
    count = np.empty(N, dtype=np.int64)
    movers = np.empty(N, dtype=np.int64)  # the states with a new alliance, movers[:n_new]
    lr = np.empty(N)
    for r in range(R):
        a, b, w, p, ev = lo[r], hi[r], w2[r], q[r], e_victim[r]
        n_new = 0
        for j in range(N):
            any_new = False
            for k in range(N):
                nk = allied[r, j, k] & (not allied_seen[r, j, k])
                new[j, k] = nk
                any_new |= nk
            if any_new:
                c = 0
                for k in range(N):
                    partners[j, c] = k
                    c += new[j, k]
                count[j] = c
                movers[n_new] = j
                n_new += 1
        for i in range(N):
            for j in range(N):
                lr[j] = e_j[r, j] * (ev if target[r, j] == i else 1.0)  # × 1: exact
            for t in range(n_new):
                j = movers[t]
                if j == i:
                    continue
                hostile = 0
                for m in range(count[j]):  # j allied with a state i believes greedy
                    if belief[r, i, partners[j, m]] > 0.5:
                        hostile = 1
                        break
                delta = hostile - (1 if new[j, i] else 0)
                if delta > 0:
                    lr[j] = lr[j] * up[r]
                elif delta < 0:
                    lr[j] = lr[j] * down[r]
            for j in range(N):
                x0 = belief[r, i, j]
                x = x0 * lr[j]
                y = x / (x + (1.0 - x0))
                y = y if (y > a or y != y) else a  # np.maximum(y, lo): NaN stays NaN
                y = y if (y < b or y != y) else b  # np.minimum(y, hi)
                out[r, i, j] = y
                f = 1.0 + w * (y - p)
                intent[r, i, j] = f if (f > 0.0 or f != f) else 0.0  # np.maximum(0, f) (f is never −0)
            out[r, i, i] = 0.0
            intent[r, i, i] = 1.0
    return out, intent


@numba.njit(cache=True, nogil=True, error_model="numpy")
def evidence_and_update(burden, justified, burden_seen, alive, target, eps, c, ga, sd, ae,
                        belief, e_victim, allied, allied_seen, lo, hi, w2, q, up, down):
    """:func:`evidence` then :func:`update` in one call (the evidence handed on, not returned): (belief', intent)."""
    e_j = evidence(burden, justified, burden_seen, alive, target, eps, c, ga, sd, ae)
    return update(belief, e_j, target, e_victim, allied, allied_seen, lo, hi, w2, q, up, down)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def belief_measure(belief, alive, actor, greedy, on, suspicion):
    """:func:`.beliefs.misjudgement` (or with ``suspicion`` :func:`.beliefs.suspicion`) of every world, (R,).

    The same arithmetic: with present p_j (alive unitary) and g_j = [j greedy]·p_j, the weights are
    w_j = p_j − 2g_j (misjudgement) or p_j·[j a security seeker] (suspicion); the row sums
    Σ_j b_ij·w_j and then Σ_i (row sum)_i·p_i are added in einsum's order
    (:func:`.perception_kernels.dot_sum`, as NumPy's ``einsum("rij,rj->ri")`` and ``einsum("ri,ri->r")``
    on contiguous rows); the counts are whole numbers, exact in any order.  A world with ``on`` false
    (beliefs switched off) gives 0.
    """
    R, N = alive.shape
    out = np.empty(R)
    pres = np.empty(N)
    w = np.empty(N)
    q = np.empty(N)
    rows = np.empty(N)
    for r in range(R):
        k = 0.0
        c = 0.0  # Σ g_j (misjudgement) or Σ w_j, the seekers (suspicion)
        for j in range(N):
            p = 1.0 if (alive[r, j] and actor[j]) else 0.0
            pres[j] = p
            if suspicion:
                w[j] = p * (0.0 if greedy[r, j] else 1.0)
                c += w[j]
            else:
                g = p * (1.0 if greedy[r, j] else 0.0)
                w[j] = p - 2.0 * g
                c += g
            k += p
        for i in range(N):
            for j in range(N):
                q[j] = belief[r, i, j] * w[j]
            rows[i] = dot_sum(q, N) * pres[i]
        total = dot_sum(rows, N)
        if suspicion:
            n = k * c - c
        else:
            total = total + (k - 1.0) * c
            n = k * (k - 1.0)
        out[r] = total / (n if n > 1.0 else 1.0) if (n > 0 and on[r]) else 0.0
    return out
