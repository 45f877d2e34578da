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
def update(belief, e_j, target, e_victim, new, has_new, lo, hi, w2, q, up, down):
    """(belief', intent) (R, N, N).

    ``e_j`` (R, N) exp(λ) of j's arming and aggression, ``target`` (R, N) whom j pressed (−1 none;
    that state's ratio × ``e_victim``), ``new`` (R, N, N) j newly allied with k (rows ``has_new``),
    per-world ``lo``, ``hi`` (the bounds), ``w2`` (2 × intentions_weight), ``q`` (the prior) and
    ``up`` / ``down`` = exp(±alliance_evidence), each (R,).
    """
    R, N, _ = belief.shape
    out = np.empty((R, N, N))
    intent = np.empty((R, N, N))
    for r in range(R):
        a, b, w, p = lo[r], hi[r], w2[r], q[r]
        for i in range(N):
            for j in range(N):
                if i == j:
                    out[r, i, j] = 0.0
                    intent[r, i, j] = 1.0
                    continue
                lr = e_j[r, j]
                if target[r, j] == i:
                    lr = lr * e_victim[r]
                if has_new[r, j]:
                    hostile = 0
                    for k in range(N):
                        if new[r, j, k] and belief[r, i, k] > 0.5:
                            hostile = 1
                            break
                    delta = hostile - (1 if new[r, j, i] else 0)
                    if delta > 0:
                        lr = lr * up[r]
                    elif delta < 0:
                        lr = lr * down[r]
                x0 = belief[r, i, j]
                x = x0 * lr
                y = x / (x + (1.0 - x0))
                if y == y:  # np.minimum(np.maximum(y, lo), hi); NaN stays NaN
                    y = y if y > a else a
                    y = b if y > b else y
                out[r, i, j] = y
                f = 1.0 + w * (y - p)
                intent[r, i, j] = f if f > 0.0 else (0.0 if f == f else f)
    return out, intent
