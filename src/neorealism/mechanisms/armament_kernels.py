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
def forces(h, allied, reach, seen_m, present, others_weight, ally_weight, any_allied):
    """(H, A), each (R, N); ``others_weight`` and ``ally_weight`` (R,)."""
    R, N = present.shape
    H = np.empty((R, N))
    A = np.zeros((R, N))
    q = np.empty(N)
    for r in range(R):
        for i in range(N):
            top = h[r, i, 0]
            for j in range(N):
                v = h[r, i, j]
                q[j] = v
                if v > top or v != v:
                    top = v
            H[r, i] = top + others_weight[r] * (plain_sum(q, N) - top)
            if any_allied:
                for j in range(N):
                    w = reach[r, i, j] if allied[r, i, j] else 0.0
                    q[j] = w * (seen_m[r, i, j] if present[r, j] else 0.0)
                A[r, i] = ally_weight[r] * dot_sum(q, N)
    return H, A
