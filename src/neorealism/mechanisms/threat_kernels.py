"""Numba kernel of :mod:`.threat`: the threat ratio τ and the pair threats h_ij in one pass.

The same formulas as :func:`.threat.threat_ratio` and :func:`.threat.threat_from`
(power_weight 1), element by element in the reference's operation order, with
no (R, N, N) temporaries: h_ij and τ are the reference's bit for bit (τ's row sum in einsum's
order, :func:`.perception_kernels.dot_sum`).
"""

from __future__ import annotations

import numba
import numpy as np

from .perception_kernels import dot_sum


@numba.njit(cache=True, nogil=True, error_model="numpy")
def assess(seen_p, seen_m, allied, reach, present, power, scale, intent, has_intent):
    """(τ (R, N), h (R, N, N)); ``scale`` (R,) = (1 − ρ)·θ^w, ``present`` alive and unitary;
    ``intent`` (R, N, N) the intentions factor where ``has_intent``."""
    R, N = present.shape
    tau = np.empty((R, N))
    h = np.empty((R, N, N))
    q = np.empty(N)
    for r in range(R):
        s = scale[r]
        s2 = 2.0 * s
        for i in range(N):
            own = power[r, i] + 1e-300 if present[r, i] else np.inf
            for j in range(N):
                rij = 0.0 if allied[r, i, j] else reach[r, i, j]
                if has_intent:
                    rij = rij * intent[r, i, j]
                p = seen_p[r, i, j]
                pj = present[r, j]
                q[j] = rij * (p if pj else 0.0)
                m = seen_m[r, i, j] if pj else 0.0
                h[r, i, j] = (s2 * p * m) / (p + own) * rij
            acc = dot_sum(q, N)
            if present[r, i]:
                pi = power[r, i]
                tau[r, i] = s * acc / (pi if pi > 0 else 1.0)
            else:
                tau[r, i] = 0.0
    return tau, h


@numba.njit(cache=True, nogil=True, error_model="numpy")
def assess_alive(seen_p, seen_m, allied, reach, alive, actor, power, scale, intent, has_intent):
    """:func:`assess` with ``present`` (alive and unitary: ``alive & actor``) formed here."""
    R, N = alive.shape
    present = np.empty((R, N), dtype=np.bool_)
    for r in range(R):
        for i in range(N):
            present[r, i] = alive[r, i] & actor[i]
    return assess(seen_p, seen_m, allied, reach, present, power, scale, intent, has_intent)
