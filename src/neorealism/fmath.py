"""Elementary functions that give the same bits on every machine.

NumPy computes ``exp``, ``log``, ``power`` and their kin with SIMD code that
it picks for the CPU it runs on: on a machine with AVX-512 these are Intel's
SVML routines, elsewhere the C library's.  Both are accurate to about an ulp,
but they do not round alike, and a simulation that compares a drawn number
with a probability turns a last-bit difference into another history: one
seed then gives different tables on different machines (seen in this
project: the backtest tables of docs/from-data.md changed from an AVX-512
machine to an AVX2 one).  The reproducibility contract (docs/DESIGN.md §3:
one seed, the same results on any machine) therefore needs the model's
transcendental functions to be one implementation everywhere.

These are the C library's functions (glibc's, correctly rounded in practice
since glibc 2.28), compiled by Numba as NumPy ufuncs over ``float64``: what
NumPy itself computes on a machine without AVX-512, bit for bit, and what
``math.exp`` gives inside a Numba kernel — so a kernel may compute them
itself and still match the NumPy reference.  They take ``out=`` and
broadcast as NumPy's do.  ``tests/test_fmath.py`` checks them against
Python's :mod:`math` (the same C library) and checks that the engine's results do
not move when NumPy's own functions are made to round differently.

Numba is imported on first use, not with the package (the CLI's start-up).
"""

from __future__ import annotations

import math
from typing import Any

_UFUNCS: dict[str, Any] = {}

#: The functions this module serves, and the NumPy functions they replace in the model.
NAMES = ("exp", "log", "log1p", "expm1", "power", "sin", "cos", "arcsin")


def _build() -> dict[str, Any]:
    from numba import vectorize

    def unary(fn):
        return vectorize(["float64(float64)"], cache=True, nopython=True)(fn)

    def _exp(x):
        return math.exp(x)

    from . import (
        fmath_kernels,  # the rules below the domain, shared with the kernels that take logs themselves
    )

    _log = fmath_kernels.log.py_func
    _log1p = fmath_kernels.log1p.py_func

    def _expm1(x):
        return math.expm1(x)

    def _sin(x):
        return math.sin(x)

    def _cos(x):
        return math.cos(x)

    def _arcsin(x):
        if not -1.0 <= x <= 1.0:
            return math.nan  # NumPy's arcsin outside [-1, 1] (and of NaN)
        return math.asin(x)

    def _power(x, y):
        return x**y

    return {
        "exp": unary(_exp), "log": unary(_log), "log1p": unary(_log1p), "expm1": unary(_expm1),
        "sin": unary(_sin), "cos": unary(_cos), "arcsin": unary(_arcsin),
        "power": vectorize(["float64(float64, float64)"], cache=True, nopython=True)(_power),
    }


def _get(name: str) -> Any:
    fn = _UFUNCS.get(name)
    if fn is None:
        _UFUNCS.update(_build())
        fn = _UFUNCS[name]
    return fn


def _unary(name: str, doc: str) -> Any:
    def fn(x: Any, out: Any = None) -> Any:
        f = _get(name)
        return f(x) if out is None else f(x, out=out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


exp = _unary("exp", "e**x, the C library's rounding (NumPy's ``exp`` on AVX-512 machines rounds otherwise).")
log = _unary("log", "Natural logarithm (NaN below 0, −inf at 0, as NumPy's).")
log1p = _unary("log1p", "log(1 + x), accurate near 0 (NaN below −1, −inf at −1).")
expm1 = _unary("expm1", "e**x − 1, accurate near 0.")
sin = _unary("sin", "Sine (radians).")
cos = _unary("cos", "Cosine (radians).")
arcsin = _unary("arcsin", "Inverse sine (NaN outside [−1, 1]).")


def power(x: Any, y: Any, out: Any = None) -> Any:
    """x**y over floats (the C library's ``pow``; NaN for a negative base and a fractional exponent)."""
    f = _get("power")
    return f(x, y) if out is None else f(x, y, out=out)
