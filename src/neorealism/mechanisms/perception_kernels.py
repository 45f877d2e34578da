"""Numba kernels of :mod:`.perception`: the capability noise and the perceived sums.

:func:`observe_noisy` fuses the counter hash, the inverse-CDF normal, the
log-normal factor exp(s·z − ½·s²) and the two observed products of
:func:`.perception.observed` into one pass with no (R, N, N) temporaries; the
draws are ``rng.normal``'s bit for bit (:mod:`neorealism.rng_kernels`) and the
exponential is the C library's (``math.exp``, which ``fmath.exp`` calls too), so
the observations are the reference's exactly.  :func:`noise_exponent` is the
exponent alone (s·z − ½·s², 0 on the diagonal) in the same arithmetic, which the
tests compare with rng's draws.  :func:`perceived_sum` is the masked weighted
row sum (summed in einsum's order, :func:`dot_sum`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..rng_kernels import normal_row, world_base


@numba.njit(cache=True, nogil=True, error_model="numpy")
def noise_exponent(keys, year, stream, s, N):
    """``s·z − 0.5·s·s`` (R, N, N) with z = rng.normal(keys, year, stream, (N, N)); 0 on the diagonal."""
    R = keys.shape[0]
    n = N * N
    out = np.empty((R, n))
    u = np.empty(n)
    idx = np.empty(n, dtype=np.int64)
    work = np.empty(4 * n)
    for r in range(R):
        row = out[r]
        normal_row(world_base(keys[r], year, stream), n, row, u, idx, work)
        sr = s[r]
        half = 0.5 * sr * sr
        for k in range(n):
            row[k] = sr * row[k] - half
        for i in range(N):
            row[i * N + i] = 0.0  # exp(0) = 1: a state knows its own forces
    return out.reshape((R, N, N))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def observe_noisy(keys, year, stream, s, military, power):
    """(M̂, P̂) (R, N, N) in one pass: ``military[r, j]·f`` and ``power[r, j]·f`` with the log-normal
    factor f = exp(s·z − 0.5·s·s), z = rng.normal(keys, year, stream, (N, N)), and f = 1 on the diagonal.

    The same arithmetic as :func:`.perception.observed`'s reference: the exponent as in
    :func:`noise_exponent`, then ``math.exp`` (the C library's exp, which ``fmath.exp`` calls too: a
    scalar call an element, as Numba vectorises it only with SVML, where :data:`.rng_kernels.EXACT` is
    False and the caller keeps the NumPy form), then the two products; the diagonal is the value
    itself (× 1, exact).  Neither the exponents nor the factors are stored.
    """
    R, N = military.shape
    n = N * N
    seen_m = np.empty((R, N, N))
    seen_p = np.empty((R, N, N))
    z = np.empty(n)
    u = np.empty(n)
    idx = np.empty(n, dtype=np.int64)
    work = np.empty(4 * n)
    for r in range(R):
        normal_row(world_base(keys[r], year, stream), n, z, u, idx, work)
        sr = s[r]
        half = 0.5 * sr * sr
        for i in range(N):
            for j in range(N):
                f = math.exp(sr * z[i * N + j] - half)
                seen_m[r, i, j] = military[r, j] * f
                seen_p[r, i, j] = power[r, j] * f
            seen_m[r, i, i] = military[r, i]  # a state knows its own forces (the reference's factor 1)
            seen_p[r, i, i] = power[r, i]
    return seen_m, seen_p


@numba.njit(cache=True, nogil=True, error_model="numpy")
def perceived_sum(weights, seen, present):
    """Σ_j weights[r, i, j] · seen[r, i, j] over the present j, (R, N)."""
    R, N = present.shape
    out = np.empty((R, N))
    p = np.empty(N)
    for r in range(R):
        for i in range(N):
            for j in range(N):
                p[j] = weights[r, i, j] * (seen[r, i, j] if present[r, j] else 0.0)
            out[r, i] = dot_sum(p, N)
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def dot_sum(p, n):
    """Σ p[:n] in the order of NumPy's einsum for a two-operand contraction (Σ_j a_j·b_j, p_j = a_j·b_j).

    einsum's contiguous sum-of-products loop keeps two lanes and takes four
    two-lane blocks per step (innermost first), then adds the lanes: summing the
    products in that order gives einsum's result bit for bit (NumPy's baseline
    SIMD build; tests/test_kernels_core.py checks it).
    """
    v0 = 0.0
    v1 = 0.0
    k = 0
    while n - k >= 8:
        v0 = p[k] + (p[k + 2] + (p[k + 4] + (p[k + 6] + v0)))
        v1 = p[k + 1] + (p[k + 3] + (p[k + 5] + (p[k + 7] + v1)))
        k += 8
    while k < n:
        v0 = p[k] + v0
        v1 = (p[k + 1] if k + 1 < n else 0.0) + v1
        k += 2
    return v0 + v1


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def plain_sum(p, n):
    """Σ p[:n] in the order of NumPy's einsum for a one-operand sum (``"rij->ri"``); see :func:`dot_sum`."""
    v0 = 0.0
    v1 = 0.0
    k = 0
    while n - k >= 8:
        v0 = ((p[k] + p[k + 2]) + (p[k + 4] + p[k + 6])) + v0
        v1 = ((p[k + 1] + p[k + 3]) + (p[k + 5] + p[k + 7])) + v1
        k += 8
    while k < n:
        v0 = p[k] + v0
        v1 = (p[k + 1] if k + 1 < n else 0.0) + v1
        k += 2
    return v0 + v1
