"""Numba kernel of :mod:`.armament`: the threatening forces H and the allied forces A in one pass.

H_i = max_j h_ij + w_o·(Σ_j h_ij − max_j h_ij) and A_i = w_a·Σ_k allied_ik·reach_ik·M̂_ik over the
present k, as :func:`.armament.threatening_forces` and :func:`.armament.allied_forces` compute them
(the row sums in einsum's order, :mod:`.perception_kernels`: the same numbers bit for bit);
:func:`allocate` goes on from them to the new burdens of :func:`.armament.allocate` (balancing), state by
state in the reference's operation order.
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


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _maximum(a, b):
    """``np.maximum(a, b)``: the larger, NaN if either is NaN (b when they are equal, as NumPy's loop)."""
    return a if (a > b or a != a) else b


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _burden(need, cost, depreciation):
    """:func:`.armament._burden_of` of one state: δ·need / cost where cost > 0, else 0; NaN → 0."""
    b = (depreciation * need) / cost if cost > 0 else 0.0
    return 0.0 if b != b else b


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _target(required, max_burden, power_e, base):
    """:func:`.armament.target_burden` of one state, ``(1 + futility)`` a whole ``power_e`` in 1 … 4
    (the power by multiplication, as :func:`.armament._power`)."""
    u = required / _maximum(max_burden, 1e-300)
    p = u
    for _ in range(power_e - 1):
        p = p * u
    b = required / (1.0 + p)
    if required == np.inf or required == -np.inf:
        b = 0.0
    return _maximum(base, b)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def allocate(h, weight, has_weight, allied, reach, seen_m, present, others_weight, ally_weight, any_allied,
             factor, has_factor, economy, technology, burden, alive, sensitivity, conversion, depreciation,
             max_burden, base_burden, adjustment, power_e):
    """(b', justified, target), each (R, N): :func:`.armament.allocate` in balancing mode from the
    forces of :func:`forces`, state by state in the reference's operation order (``factor`` (R, N) the
    role ``arming_factor`` where ``has_factor``; the per-world parameters (R,)), so the same numbers."""
    H, H0, A = forces(h, weight, has_weight, allied, reach, seen_m, present, others_weight, ally_weight, any_allied)
    R, N = present.shape
    new = np.empty((R, N))
    justified = np.empty((R, N))
    target = np.empty((R, N))
    for r in range(R):
        s, c, d, mb, base, adj = sensitivity[r], conversion[r], depreciation[r], max_burden[r], base_burden[r], adjustment[r]
        for i in range(N):
            need0 = _maximum(s * H0[r, i] - A[r, i], 0.0)
            need = _maximum(s * H[r, i] - A[r, i], 0.0)
            if has_factor:
                need = need * factor[r, i]
            cost = economy[r, i] * technology[r, i] * c
            if alive[r, i]:
                t = _target(_burden(need, cost, d), mb, power_e, base)
                justified[r, i] = _target(_burden(need0, cost, d), mb, power_e, base)
                target[r, i] = t
                b0 = burden[r, i]
                new[r, i] = b0 + adj * (t - b0)
            else:
                justified[r, i] = 0.0
                target[r, i] = 0.0
                new[r, i] = 0.0
    return new, justified, target


@numba.njit(cache=True, nogil=True, error_model="numpy")
def allocate_alive(h, weight, has_weight, allied, reach, seen_m, actor, others_weight, ally_weight, any_allied,
                   factor, has_factor, economy, technology, burden, alive, sensitivity, conversion, depreciation,
                   max_burden, base_burden, adjustment, power_e):
    """:func:`allocate` with ``present`` (alive and unitary: ``alive & actor``) formed here."""
    R, N = alive.shape
    present = np.empty((R, N), dtype=np.bool_)
    for r in range(R):
        for i in range(N):
            present[r, i] = alive[r, i] & actor[i]
    return allocate(h, weight, has_weight, allied, reach, seen_m, present, others_weight, ally_weight, any_allied,
                    factor, has_factor, economy, technology, burden, alive, sensitivity, conversion, depreciation,
                    max_burden, base_burden, adjustment, power_e)
