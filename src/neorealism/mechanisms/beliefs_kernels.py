"""Numba kernel of :mod:`.beliefs`: the likelihood ratio, Bayes' rule and the intentions factor of
every pair, in one pass.

The arithmetic of :func:`.beliefs.likelihood_ratios`, :func:`.beliefs.bayes` and
:func:`.beliefs._intent`, element by element in the same order (the exponentials, the only
transcendental step, come in from NumPy), so the beliefs are the reference's bit for bit;
``tests/test_kernels_core.py`` checks it.  The (R, N, N) likelihood ratios are never stored.
"""

from __future__ import annotations

import numba
import numpy as np


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
