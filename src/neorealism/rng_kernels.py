"""Numba form of the counter-based generator of :mod:`neorealism.rng`.

The same SplitMix64 finaliser (Steele, Lea & Flood 2014) in uint64
arithmetic (wrapping, as NumPy's), the same (key, year, stream, index)
counter and the same inverse-CDF normal: :func:`ndtri` is the Cephes
``ndtri`` (Moshier 1989) that ``scipy.special.ndtri`` evaluates, with its
coefficients and operation order, so a kernel's draws are the very numbers
``rng.uniform`` / ``rng.normal`` give (tests/test_kernels_core.py checks
them bit for bit).  The logarithms are libm's scalar ones, as in SciPy; with
Intel's SVML loaded Numba could vectorise them with other roundings, so
:data:`EXACT` is then False and the callers keep the NumPy form.
"""

from __future__ import annotations

import numba
import numpy as np

#: Whether the kernels' draws are rng's bit for bit on this installation (not when Numba vectorises log with SVML).
EXACT = not numba.config.USING_SVML

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_FNV = np.uint64(0x100000001B3)
_TWO53 = 2.0**-53

_P0 = np.array([-5.99633501014107895267E1, 9.80010754185999661536E1, -5.66762857469070293439E1,
                1.39312609387279679503E1, -1.23916583867381258016E0])
_Q0 = np.array([1.95448858338141759834E0, 4.67627912898881538453E0, 8.63602421390890590575E1,
                -2.25462687854119370527E2, 2.00260212380060660359E2, -8.20372256168333339912E1,
                1.59056225126211695515E1, -1.18331621121330003142E0])
_P1 = np.array([4.05544892305962419923E0, 3.15251094599893866154E1, 5.71628192246421288162E1,
                4.40805073893200834700E1, 1.46849561928858024014E1, 2.18663306850790267539E0,
                -1.40256079171354495875E-1, -3.50424626827848203418E-2, -8.57456785154685413611E-4])
_Q1 = np.array([1.57799883256466749731E1, 4.53907635128879210584E1, 4.13172038254672030440E1,
                1.50425385692907503408E1, 2.50464946208309415979E0, -1.42182922854787788574E-1,
                -3.80806407691578277194E-2, -9.33259480895457427372E-4])
_P2 = np.array([3.23774891776946035970E0, 6.91522889068984211695E0, 3.93881025292474443415E0,
                1.33303460815807542389E0, 2.01485389549179081538E-1, 1.23716634817820021358E-2,
                3.01581553508235416007E-4, 2.65806974686737550832E-6, 6.23974539184983293730E-9])
_Q2 = np.array([6.02427039364742014255E0, 3.67983563856160859403E0, 1.37702099489081330271E0,
                2.16236993594496635890E-1, 1.34204006088543189037E-2, 3.28014464682127739104E-4,
                2.89247864745380683936E-6, 6.79019408009981274425E-9])
_SQRT2PI = 2.50662827463100050242E0
_EXPM2 = 0.13533528323661269189
_ONE_MINUS_EXPM2 = 1.0 - _EXPM2  # as C folds (1.0 - 0.135...) in double precision


@numba.njit(cache=True, nogil=True, error_model="numpy")
def mix64(z):
    """SplitMix64 finaliser of one uint64 (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def world_base(key, year, stream):
    """The per-(world, year, stream) base of :func:`neorealism.rng._bits`; draw k (from 0) is ``mix64(base + (k+1)·golden)``."""
    salt = mix64(np.uint64(year) * _FNV + np.uint64(stream) * _M2)
    return mix64(key ^ salt)


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _p0(x):
    """``polevl(x, P0)`` written out: the same operations (a loop over a constant array would not vectorise)."""
    return ((((-59.96335010141079) * x + 98.00107541859997) * x + -56.67628574690703) * x + 13.931260938727968) * x + -1.2391658386738125


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _q0(x):
    """``p1evl(x, Q0)`` written out: the same operations (a loop over a constant array would not vectorise)."""
    return (((((((x + 1.9544885833814176) * x + 4.676279128988815) * x + 86.36024213908905) * x + -225.46268785411937) * x + 200.26021238006066) * x + -82.03722561683334) * x + 15.90562251262117) * x + -1.1833162112133


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _p1(x):
    """``polevl(x, P1)`` written out: the same operations (a loop over a constant array would not vectorise)."""
    return ((((((((4.0554489230596245) * x + 31.525109459989388) * x + 57.16281922464213) * x + 44.08050738932008) * x + 14.684956192885803) * x + 2.1866330685079025) * x + -0.1402560791713545) * x + -0.03504246268278482) * x + -0.0008574567851546854


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _q1(x):
    """``p1evl(x, Q1)`` written out: the same operations (a loop over a constant array would not vectorise)."""
    return (((((((x + 15.779988325646675) * x + 45.39076351288792) * x + 41.3172038254672) * x + 15.04253856929075) * x + 2.504649462083094) * x + -0.14218292285478779) * x + -0.03808064076915783) * x + -0.0009332594808954574


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _p2(x):
    """``polevl(x, P2)`` written out: the same operations (a loop over a constant array would not vectorise)."""
    return ((((((((3.2377489177694603) * x + 6.915228890689842) * x + 3.9388102529247444) * x + 1.3330346081580755) * x + 0.20148538954917908) * x + 0.012371663481782003) * x + 0.00030158155350823543) * x + 2.6580697468673755e-06) * x + 6.239745391849833e-09


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _q2(x):
    """``p1evl(x, Q2)`` written out: the same operations (a loop over a constant array would not vectorise)."""
    return (((((((x + 6.02427039364742) * x + 3.6798356385616087) * x + 1.3770209948908132) * x + 0.21623699359449663) * x + 0.013420400608854318) * x + 0.00032801446468212774) * x + 2.8924786474538068e-06) * x + 6.790194080099813e-09


@numba.njit(cache=True, nogil=True, error_model="numpy")
def ndtri(y0):
    """Inverse of the standard normal CDF, the Cephes algorithm as SciPy evaluates it (0 < y0 < 1 here)."""
    if y0 == 0.0:
        return -np.inf
    if y0 == 1.0:
        return np.inf
    if y0 < 0.0 or y0 > 1.0:
        return np.nan
    code = 1
    y = y0
    if y > (1.0 - _EXPM2):
        y = 1.0 - y
        code = 0
    if y > _EXPM2:
        y = y - 0.5
        y2 = y * y
        x = y + y * (y2 * _p0(y2) / _q0(y2))
        return x * _SQRT2PI
    x = np.sqrt(-2.0 * np.log(y))
    x0 = x - np.log(x) / x
    z = 1.0 / x
    if x < 8.0:
        x1 = z * _p1(z) / _q1(z)
    else:
        x1 = z * _p2(z) / _q2(z)
    x = x0 - x1
    if code != 0:
        x = -x
    return x


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def ndtri_central(y0):
    """:func:`ndtri`'s value where ``exp(−2) < y0 ≤ 1 − exp(−2)`` (:func:`is_central`): its branch, without branches."""
    y = y0 - 0.5
    y2 = y * y
    x = y + y * (y2 * _p0(y2) / _q0(y2))
    return x * _SQRT2PI


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def is_central(y0):
    """Whether :func:`ndtri` takes its central branch at ``y0``."""
    return (not y0 > _ONE_MINUS_EXPM2) and y0 > _EXPM2


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def open_uniform(base, k):
    """Draw k (from 0) as the open-interval uniform that rng.normal transforms."""
    bits = mix64(base + np.uint64(k + 1) * _GOLDEN)
    return (np.float64(bits >> np.uint64(11)) + 0.5) * _TWO53


@numba.njit(cache=True, nogil=True, error_model="numpy")
def normal_at(base, k):
    """Draw k (from 0) of the standard normal stream with ``base`` (:func:`world_base`): rng.normal's number."""
    bits = mix64(base + np.uint64(k + 1) * _GOLDEN)
    u = (np.float64(bits >> np.uint64(11)) + 0.5) * _TWO53
    return ndtri(u)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def uniform_at(base, k):
    """Draw k (from 0) of the uniform stream with ``base``: rng.uniform's number."""
    bits = mix64(base + np.uint64(k + 1) * _GOLDEN)
    return np.float64(bits >> np.uint64(11)) * _TWO53


@numba.njit(cache=True, nogil=True, error_model="numpy")
def normal_row(base, n, out, u, idx, work):
    """Draws 0 … n−1 of the normal stream with ``base`` into ``out[:n]`` (``u``, ``idx``, ``work``: scratch of n, n, 4n).

    The hash and ndtri's central branch for every draw (branch-free, so it
    vectorises; the two in separate loops, as the hash's integer-to-float
    conversion would keep a joint loop scalar), then the tails (about a quarter
    of the draws) gathered and transformed together (:func:`normal_tails`).
    """
    for k in range(n):
        u[k] = open_uniform(base, k)
    for k in range(n):
        out[k] = ndtri_central(u[k])
    m = 0
    for k in range(n):  # gather the tails without a branch (a quarter of them, at random)
        uk = u[k]
        idx[m] = k
        m += (uk > _ONE_MINUS_EXPM2) | (not uk > _EXPM2)  # not is_central(uk)
    z = work[3 * n:4 * n]
    normal_tails(u, idx, m, z, work)
    for t in range(m):
        out[idx[t]] = z[t]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def normal(keys, year, stream, n):
    """``rng.normal(keys, year, stream, (n,))`` as an (R, n) array."""
    R = keys.shape[0]
    out = np.empty((R, n))
    u = np.empty(n)
    idx = np.empty(n, dtype=np.int64)
    work = np.empty(4 * n)
    for r in range(R):
        normal_row(world_base(keys[r], year, stream), n, out[r], u, idx, work)
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def uniform(keys, year, stream, n):
    """``rng.uniform(keys, year, stream, (n,))`` as an (R, n) array."""
    R = keys.shape[0]
    out = np.empty((R, n))
    for r in range(R):
        base = world_base(keys[r], year, stream)
        for k in range(n):
            out[r, k] = uniform_at(base, k)
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def normal_tails(u, idx, m, z, work):
    """:func:`ndtri` of ``u[idx[:m]]`` into ``z[:m]`` for draws off the central branch, a step at a time.

    The same operations as :func:`ndtri`'s tail, in separate loops over contiguous scratch so that
    all but the two libm logarithms vectorise; ``work`` is scratch of length ≥ 3·m.  The far
    branch (x ≥ 8, a uniform below e⁻³², about once in 10¹⁴ draws) and the values ndtri treats
    apart (0 and 1) are left to :func:`ndtri` itself, draw by draw, after a branch-free check.
    """
    y = work[:m]
    lg = work[m:2 * m]
    x = work[2 * m:3 * m]
    for t in range(m):
        z[t] = u[idx[t]]
    apart = False
    for t in range(m):
        y0 = z[t]
        # ndtri's y: 1 − y0 above 1 − e⁻², else y0 — for a tail value the smaller of the two (no branch)
        y[t] = min(y0, 1.0 - y0)
        apart |= (not y0 > _ONE_MINUS_EXPM2) & (y0 > _EXPM2)  # a central value (no caller passes one)
        z[t] = 2.0 * np.float64(y0 > _ONE_MINUS_EXPM2) - 1.0  # the sign, ±1: ndtri negates below ½
    for t in range(m):
        lg[t] = np.log(y[t])
    for t in range(m):
        x[t] = np.sqrt(-2.0 * lg[t])
    for t in range(m):
        lg[t] = np.log(x[t])
    for t in range(m):
        xt = x[t]
        x0 = xt - lg[t] / xt
        zt = 1.0 / xt
        z[t] = (x0 - zt * _p1(zt) / _q1(zt)) * z[t]  # × ±1: exact, the negation of ndtri
        apart |= (not xt < 8.0) | (y[t] > _EXPM2)
    if apart:  # never for rng's open-interval uniforms but for the deepest tails (x ≥ 8)
        for t in range(m):
            if not x[t] < 8.0 or y[t] > _EXPM2 or is_central(u[idx[t]]):  # also 0 and 1 (y = 0: x = ∞)
                z[t] = ndtri(u[idx[t]])
