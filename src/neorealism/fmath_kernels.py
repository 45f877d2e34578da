"""The rules of :mod:`neorealism.fmath` for one value, inside Numba kernels.

``math.log`` inside a kernel is the C library's, as :func:`neorealism.fmath.log` is, but
it has no answer for x ≤ 0 (Python's would raise): these give NumPy's (NaN below the
domain, −inf at its edge), so a kernel that takes a logarithm itself matches the NumPy
reference bit for bit.  :mod:`neorealism.fmath` compiles the same functions as its ufuncs.
"""

from __future__ import annotations

import math

import numba


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def log(x):
    """``fmath.log`` of one value: NaN below 0, −inf at 0, else the C library's log."""
    if x < 0.0:
        return math.nan
    if x == 0.0:
        return -math.inf
    return math.log(x)


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def log1p(x):
    """``fmath.log1p`` of one value: NaN below −1, −inf at −1, else the C library's log1p."""
    if x < -1.0:
        return math.nan
    if x == -1.0:
        return -math.inf
    return math.log1p(x)
