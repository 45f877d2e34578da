"""Counter-based random numbers: every world its own stream, in one vectorised call.

One root seed gives every world ``w`` a 64-bit key; a draw is a hash of
(world key, year, mechanism stream, element index).  A world's numbers
therefore never depend on how many other worlds run beside it, on chunking,
on process or on machine — the reproducibility contract of the engine
(docs/DESIGN.md §3).  The hash is the SplitMix64 finaliser (Steele, Lea & Flood
2014, "Fast splittable pseudorandom number generators"), applied to uint64
arrays with NumPy's wrapping arithmetic; uniforms take the top 53 bits.

With the compiled kernels on (:mod:`neorealism.kernels`), :func:`uniform` and
:func:`normal` hash in Numba (:mod:`neorealism.rng_kernels`): the same numbers,
bit for bit, without NumPy's temporaries; ``reference()`` keeps the NumPy form.

The engine's step functions take ``keys`` (shape ``(R,)``) the way gymnax's
``step(key, state, params)`` takes a PRNG key.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from .kernels import use_kernels

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S11 = np.uint64(11)
_TWO53 = 2.0**-53


class Stream(IntEnum):
    """One stream per mechanism draw, so adding a draw never shifts another's numbers."""

    INIT_GROWTH = 1
    GROWTH_SHOCK = 2
    WAR_OPPORTUNITY = 3
    WAR_DECISION = 4
    AUTHORITY = 5
    WAR_DECISIVE = 6
    WAR_OUTCOME = 7
    PERCEPTION = 8
    # later mechanisms (beliefs, alliances, cooperation, critiques) take numbers from 20 on


def mix64(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser over a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
        return z ^ (z >> _S31)


def world_keys(seed: int, world_ids: NDArray[np.integer] | range) -> NDArray[np.uint64]:
    """Keys of worlds ``world_ids`` under root ``seed`` (shape ``(R,)``)."""
    ids = np.asarray(world_ids, dtype=np.uint64)
    with np.errstate(over="ignore"):
        root = mix64(np.asarray([np.uint64(seed) + _GOLDEN], dtype=np.uint64))
        return mix64(root ^ mix64((ids + np.uint64(1)) * _GOLDEN))


def _bits(keys: NDArray[np.uint64], year: int, stream: int, shape: tuple[int, ...]) -> NDArray[np.uint64]:
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    with np.errstate(over="ignore"):
        salt = mix64(np.asarray([np.uint64(year) * np.uint64(0x100000001B3) + np.uint64(stream) * _M2], dtype=np.uint64))
        base = mix64(keys ^ salt)  # (R,)
        idx = (np.arange(1, n + 1, dtype=np.uint64) * _GOLDEN)[None, :]
        out = mix64(base[:, None] + idx)
    return out.reshape((keys.shape[0], *shape))


def _compiled(keys, kind: str, year: int, stream: int, shape: tuple[int, ...]) -> NDArray[np.float64] | None:
    """The draws from :mod:`.rng_kernels` (the same numbers), or None where the NumPy form runs.

    Called for every draw of every year, so it costs little in Python: the kernels' module is
    looked up once, the draw count is a product of Python ints, and keys that already are a
    contiguous uint64 vector (the engine's) are passed as they are.
    """
    if not use_kernels():
        return None
    if not (isinstance(keys, np.ndarray) and keys.ndim == 1 and keys.dtype == np.uint64 and keys.flags.c_contiguous):
        if np.ndim(keys) != 1:
            return None
        keys = np.ascontiguousarray(keys, dtype=np.uint64)
    k = _KERNELS or _load_kernels()
    if kind == "normal":
        if not k.EXACT:
            return None
        fn = k.normal
    else:
        fn = k.uniform
    n = 1
    for d in shape:
        n *= int(d)
    out = fn(keys, int(year), int(stream), n)
    return out if len(shape) == 1 else out.reshape((keys.shape[0], *shape))


_KERNELS = None


def _load_kernels():
    """:mod:`.rng_kernels` (numba is imported on first use, not with the package)."""
    global _KERNELS
    from . import rng_kernels

    _KERNELS = rng_kernels
    return rng_kernels


def uniform(keys: NDArray[np.uint64], year: int, stream: int, shape: tuple[int, ...] = ()) -> NDArray[np.float64]:
    """Uniform numbers in [0, 1), shape ``(R, *shape)``."""
    out = _compiled(keys, "uniform", year, stream, shape)
    if out is not None:
        return out
    return (_bits(keys, year, stream, shape) >> _S11).astype(np.float64) * _TWO53


def normal(keys: NDArray[np.uint64], year: int, stream: int, shape: tuple[int, ...] = ()) -> NDArray[np.float64]:
    """Standard normal numbers (inverse-CDF of open-interval uniforms), shape ``(R, *shape)``."""
    out = _compiled(keys, "normal", year, stream, shape)
    if out is not None:
        return out
    u = ((_bits(keys, year, stream, shape) >> _S11).astype(np.float64) + 0.5) * _TWO53
    return ndtri(u)
