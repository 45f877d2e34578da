"""The fused perception kernel gives the NumPy reference's observations bit for bit.

:func:`neorealism.mechanisms.perception_kernels.observe_noisy` draws the normals,
forms the log-normal factors with the C library's exp (``math.exp`` inside the
kernel, which LLVM may lay out four at a time but still calls libm's scalar
``exp`` for: no SVML) and writes both observations; the reference draws with
``rng.normal`` and exponentiates with ``fmath.exp``.
"""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

from neorealism import fmath, rng, rng_kernels
from neorealism.kernels import compiled, reference
from neorealism.mechanisms import perception


def test_math_exp_in_a_kernel_loop_is_fmath_exp_bit_for_bit():
    """The exp of a compiled loop (vectorisable, as the kernel's) is fmath.exp's, on a wide sample."""
    import numba

    @numba.njit(error_model="numpy")
    def loop(x, s, half):
        out = np.empty_like(x)
        for k in range(x.size):
            out[k] = math.exp(s * x[k] - half)
        return out

    g = np.random.default_rng(11)
    z = np.concatenate([g.standard_normal(3_000_000), g.uniform(-9.0, 9.0, 1_000_000)])
    for s in (0.4, 1.5, 5.0):
        np.testing.assert_array_equal(loop(z, s, 0.5 * s * s), fmath.exp(s * z - 0.5 * s * s))
    wide = np.concatenate([g.uniform(-745.0, 709.0, 2_000_000), [0.0, -0.0, 709.78, -745.1, np.inf, -np.inf, np.nan]])
    np.testing.assert_array_equal(loop(wide, 1.0, 0.0), fmath.exp(wide))


def _world(seed, R=70, N=11, per_world=True):
    g = np.random.default_rng(seed)
    alive = g.random((R, N)) > 0.2
    military = np.where(alive, g.exponential(size=(R, N)) * 10 ** g.uniform(-3, 3, (R, N)), 0.0)
    power = np.where(alive, g.random((R, N)), 0.0)
    military[0, :3] = [-0.0, 0.0, np.nan]  # signed zeros and a NaN keep their bits
    power[1, 2] = np.inf
    sd = g.uniform(0.0, 5.0, (R, 1)) if per_world else 0.4
    if per_world:
        sd[:4] = 0.0  # worlds that see exactly beside worlds that do not
        sd[4] = 5.0  # the bound of the schema
    state = types.SimpleNamespace(shape=(R, N), military=military, power=power, t=int(g.integers(0, 400)))
    params = types.SimpleNamespace(perception=types.SimpleNamespace(capability_noise=sd))
    return rng.world_keys(seed, np.arange(R)), state, params


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("per_world", [False, True])
def test_observe_noisy_is_the_reference_bit_for_bit(seed, per_world):
    keys, state, params = _world(seed, per_world=per_world)
    with compiled():
        km, kp = perception.observed(state, params, keys)
    with reference():
        rm, rp = perception.observed(state, params, keys)
    for k, r in ((km, rm), (kp, rp)):
        assert k.shape == r.shape and k.flags.c_contiguous
        np.testing.assert_array_equal(k, r)
        assert np.array_equal(np.signbit(k), np.signbit(r))  # −0 stays −0
    N = state.shape[1]
    np.testing.assert_array_equal(km[:, np.arange(N), np.arange(N)], state.military)  # a state knows its own forces


def test_observe_noisy_is_the_exponent_kernel_then_fmath_exp():
    """The fused kernel against the exponent kernel (tested against rng's draws) and fmath.exp, unfused."""
    from neorealism.mechanisms.perception_kernels import noise_exponent, observe_noisy

    keys, state, _ = _world(7, R=300, N=20)
    s = np.random.default_rng(3).uniform(0.0, 3.0, 300)
    factor = fmath.exp(noise_exponent(keys, 42, 8, s, 20))
    m, p = observe_noisy(keys, 42, 8, s, state.military, state.power)
    np.testing.assert_array_equal(m, state.military[:, None, :] * factor)
    np.testing.assert_array_equal(p, state.power[:, None, :] * factor)


@pytest.mark.skipif(not rng_kernels.EXACT, reason="with SVML the NumPy form runs (perception._exact_kernels)")
def test_observe_noisy_calls_the_scalar_exp_only():
    """LLVM lays the kernel's exp out four at a time (``llvm.exp.v4f64``), but without a vector maths
    library it lowers that to four calls of libm's scalar ``exp``: no SVML or libmvec routine is called."""
    import re

    import numba

    from neorealism.mechanisms.perception_kernels import observe_noisy

    fresh = numba.njit(error_model="numpy")(observe_noisy.py_func)  # inspection needs an uncached compile
    keys = rng.world_keys(1, np.arange(3))
    fresh(keys, 1, 8, np.full(3, 0.4), np.ones((3, 4)), np.ones((3, 4)))
    asm = fresh.inspect_asm(fresh.signatures[0])
    called = set(re.findall(r"\$(\w*exp\w*)", asm))
    assert called <= {"exp", "_exp"}, called  # libm's exp (the leading underscore of some platforms' symbols)
    assert not re.search(r"svml|_ZGV", asm, re.IGNORECASE)
