"""Numba kernels of the growth step (:mod:`.growth`): the same arithmetic as the NumPy reference, one pass.

:func:`.growth.grow`'s NumPy form makes some forty passes over (R, N) arrays
(the income gap, the technology gap to the frontier, the growth factors and
the floors, the procurement of :func:`.armament.build`); :func:`grow_year`
makes one, taking the two logarithms itself by ``math.log`` with
:func:`.fmath.log`'s special cases (:func:`_log`): the C library's function,
so the same bits as the reference's ``fmath.log``.  Every other operation is
the reference's, in its order:
``np.maximum(x, c)`` is ``x`` when ``x > c`` or ``x`` is NaN, else ``c``
(NumPy gives the second operand on a tie, so ``max(−0.0, 0.0)`` is ``+0.0``
here too).  tests/test_growth.py checks the kernels against the reference.
"""

from __future__ import annotations

import numba

from ..fmath_kernels import log as _log


@numba.njit(cache=True, nogil=True, inline="always")
def _max(x, c):
    """``np.maximum(x, c)`` for one value: NaN propagates, a tie gives ``c``."""
    return x if (x > c or x != x) else c


@numba.njit(cache=True, nogil=True)
def grow_year(E, P, T, Res, M, alive, actor, growth, burden, z, sd, gb, pop_trend, tech_trend, res_trend,
              converges, convergence, social, rate, t, diffuses, diffusion, keep_gap, gap0, min_factor,
              keep_m, conversion, economy, population, technology, resources, military):
    """:func:`log_arguments`, the two logarithms and :func:`grow` in one pass over each world, and the
    procurement of :func:`.armament.build` (not in richardson mode): the new military
    (1 − δ)·M + b·E·T·conversion for the living, 0 for the dead, from this year's E and T.

    ``rate`` is the (R,) trend rate x of :func:`.growth.income_gap`, multiplied by the year ``t`` here
    (the reference's ``rate * state.t``); ``keep_m`` = 1 − δ and ``conversion`` (R,) vectors.
    """
    R, N = E.shape
    ft = float(t)
    for r in range(R):
        front = 1.0
        if diffuses:
            top = 0.0
            for n in range(N):
                tn = T[r, n]
                v = tn if (alive[r, n] and actor[n] and tn > 0) else 0.0
                top = v if v > top else top
            front = top if top > 0 else 1.0
        trend = rate[r] * ft
        for n in range(N):
            e, p, tn = E[r, n], P[r, n], T[r, n]
            live = alive[r, n]
            conv = 0.0
            if converges:
                ok = live and e > 0 and p > 0 and tn > 0
                gap = social[r, n] + trend + _log(tn * p / e) if ok else 0.0
                conv = convergence[r] * gap
            eps = sd[r] * z[r, n]
            factor = _max(1.0 + growth[r, n] + conv + eps - gb[r] * burden[r, n], min_factor)
            tech = 1.0 + tech_trend[r, n]
            if diffuses:
                gap_t = _max(_log(front / tn if (live and tn > 0) else 1.0), 0.0)
                tech = tech + diffusion[r] * _max(gap_t - keep_gap[r] * gap0[r, n], 0.0)
            tech_factor = _max(tech, min_factor)
            economy[r, n] = _max(e * factor, 0.0) if live else 0.0
            population[r, n] = _max(p * (1.0 + pop_trend[r, n]), 0.0) if live else 0.0
            technology[r, n] = _max(tn * tech_factor, 0.0) if live else 0.0
            resources[r, n] = _max(Res[r, n] * (1.0 + res_trend[r, n]), 0.0) if live else 0.0
            military[r, n] = keep_m[r] * M[r, n] + burden[r, n] * e * tn * conversion[r] if live else 0.0
