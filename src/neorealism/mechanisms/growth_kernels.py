"""Numba kernels of the growth step (:mod:`.growth`): the same arithmetic as the NumPy reference, one pass.

:func:`.growth.grow`'s NumPy form makes some forty passes over (R, N) arrays
(the income gap, the technology gap to the frontier, the growth factors and
the floors); these loops make two, around the two logarithms, which stay
where NumPy computes them (its vectorised ``log`` may differ from libm's in
the last bit).  Every other operation is the reference's, in its order:
``np.maximum(x, c)`` is ``x`` when ``x > c`` or ``x`` is NaN, else ``c``
(NumPy gives the second operand on a tie, so ``max(−0.0, 0.0)`` is ``+0.0``
here too).  tests/test_growth.py checks the kernels against the reference.
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, nogil=True, inline="always")
def _max(x, c):
    """``np.maximum(x, c)`` for one value: NaN propagates, a tie gives ``c``."""
    return x if (x > c or x != x) else c


@numba.njit(cache=True, nogil=True)
def log_arguments(E, P, T, alive, actor, converges, diffuses, ok_inc, ratio_inc, ok_tech, ratio_tech):
    """The arguments of the step's two logarithms, into the (R, N) outputs.

    ``ratio_inc`` = T·P / E where ``ok_inc`` (alive, E, P, T > 0), else 1 (:func:`.growth.income_gap`);
    ``ratio_tech`` = T_F / T where ``ok_tech`` (alive, T > 0), else 1, T_F the world's frontier, the highest
    technology among its living unitary states (1 where none; :func:`.growth.technology_gap`).  A part
    switched off (``converges``, ``diffuses``) is left unwritten.
    """
    R, N = E.shape
    for r in range(R):
        if converges:
            for n in range(N):
                t = T[r, n]
                ok = alive[r, n] and E[r, n] > 0 and P[r, n] > 0 and t > 0
                ok_inc[r, n] = ok
                ratio_inc[r, n] = t * P[r, n] / E[r, n] if ok else 1.0
        if diffuses:
            top = 0.0
            for n in range(N):  # np.where(present, T, 0).max(): no NaN enters (T > 0 holds for none)
                t = T[r, n]
                v = t if (alive[r, n] and actor[n] and t > 0) else 0.0
                top = v if v > top else top
            front = top if top > 0 else 1.0
            for n in range(N):
                t = T[r, n]
                ok = alive[r, n] and t > 0
                ok_tech[r, n] = ok
                ratio_tech[r, n] = front / t if ok else 1.0


@numba.njit(cache=True, nogil=True)
def grow(E, P, T, Res, alive, growth, burden, z, sd, gb, pop_trend, tech_trend, res_trend,
         converges, convergence, social, trend, ok_inc, log_inc,
         diffuses, diffusion, keep_gap, gap0, log_tech, min_factor,
         economy, population, technology, resources):
    """The new economy, population, technology and resources (R, N) of :func:`.growth.grow`.

    factor = max(1 + g + β·gap_y + sd·z − c·burden, min_factor), gap_y = ln κ + x·t + ln(T·P/E) where defined
    (else 0); tech = max(1 + g_T + φ·max(max(ln(T_F/T), 0) − (1 − ψ)·gap0, 0), min_factor); each new amount
    floored at 0 for the living, 0 for the dead.  Per-world parameters (``sd``, ``gb``, ``convergence``,
    ``trend``, ``diffusion``, ``keep_gap`` = 1 − ψ) are (R,) vectors; ``log_inc`` and ``log_tech`` the
    logarithms of :func:`log_arguments`' ratios.
    """
    R, N = E.shape
    for r in range(R):
        for n in range(N):
            conv = 0.0
            if converges:
                gap = social[r, n] + trend[r] + log_inc[r, n] if ok_inc[r, n] else 0.0
                conv = convergence[r] * gap
            eps = sd[r] * z[r, n]
            factor = _max(1.0 + growth[r, n] + conv + eps - gb[r] * burden[r, n], min_factor)
            tech = 1.0 + tech_trend[r, n]
            if diffuses:
                gap_t = _max(log_tech[r, n], 0.0)
                tech = tech + diffusion[r] * _max(gap_t - keep_gap[r] * gap0[r, n], 0.0)
            tech_factor = _max(tech, min_factor)
            live = alive[r, n]
            economy[r, n] = _max(E[r, n] * factor, 0.0) if live else 0.0
            population[r, n] = _max(P[r, n] * (1.0 + pop_trend[r, n]), 0.0) if live else 0.0
            technology[r, n] = _max(T[r, n] * tech_factor, 0.0) if live else 0.0
            resources[r, n] = _max(Res[r, n] * (1.0 + res_trend[r, n]), 0.0) if live else 0.0
