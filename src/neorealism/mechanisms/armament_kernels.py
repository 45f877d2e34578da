"""Numba kernel of :mod:`.armament`: the threatening forces H and the allied forces A in one pass.

H_i = max_j h_ij + w_o·(Σ_j h_ij − max_j h_ij) and A_i = w_a·Σ_k allied_ik·reach_ik·M̂_ik over the
present k, as :func:`.armament.threatening_forces` and :func:`.armament.allied_forces` compute them
(the row sums in einsum's order, :mod:`.perception_kernels`: the same numbers bit for bit).
"""

from __future__ import annotations

import numba
import numpy as np

from .perception_kernels import dot_sum, plain_sum


@numba.njit(cache=True, nogil=True, error_model="numpy")
def forces(h, weight, has_weight, allied, reach, seen_m, present, others_weight, ally_weight, any_allied):
    """(H, H0, A), each (R, N): H from the threats weighted by ``weight`` (R, N, N) where ``has_weight``
    (the role ``arming_weight``), H0 from the threats in full (the same array when unweighted);
    ``others_weight`` and ``ally_weight`` (R,)."""
    R, N = present.shape
    H = np.empty((R, N))
    H0 = np.empty((R, N)) if has_weight else H
    A = np.zeros((R, N))
    q = np.empty(N)
    q0 = np.empty(N)
    for r in range(R):
        for i in range(N):
            top = h[r, i, 0] * weight[r, i, 0] if has_weight else h[r, i, 0]
            top0 = h[r, i, 0]
            for j in range(N):
                v0 = h[r, i, j]
                v = v0 * weight[r, i, j] if has_weight else v0
                q[j] = v
                if v > top or v != v:
                    top = v
                if has_weight:
                    q0[j] = v0
                    if v0 > top0 or v0 != v0:
                        top0 = v0
            H[r, i] = top + others_weight[r] * (plain_sum(q, N) - top)
            if has_weight:
                H0[r, i] = top0 + others_weight[r] * (plain_sum(q0, N) - top0)
            if any_allied:
                for j in range(N):
                    w = reach[r, i, j] if allied[r, i, j] else 0.0
                    q[j] = w * (seen_m[r, i, j] if present[r, j] else 0.0)
                A[r, i] = ally_weight[r] * dot_sum(q, N)
    return H, H0, A
