"""Numba kernel of :mod:`.polarity`'s measure step under the ``cow`` rule: one pass per world.

The same arithmetic as :func:`.polarity.read_year` with the functions of
:mod:`neorealism.measures` (component shares, the CINC-form index, the COW
score, the concentration bar Σs²/Σs, the persistence counters, CON and the
HHI), in their operation order: sums over the states follow NumPy's pairwise
summation (:func:`np_sum`), so the results are the reference's bit for bit.
"""

from __future__ import annotations

import numba
import numpy as np

from .alliances_kernels import _block  # NumPy's pairwise sum of one block (≤ 128 values)

#: The longest vector :func:`np_sum` reproduces (NumPy's pairwise sum splits longer ones in halves).
MAX_N = 128


@numba.njit(cache=True, nogil=True, error_model="numpy")
def np_sum(a):
    """``a.sum()`` of a contiguous vector of at most :data:`MAX_N` as NumPy reduces it (0 + the pairwise sum)."""
    return 0.0 + _block(a, 0, a.shape[0])


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def composite_row(comps, alive, xz, usable, share, power):
    """One world's component shares and CINC-form index (:func:`neorealism.measures.component_shares`,
    :func:`neorealism.measures.composite_index`): ``comps`` (C, N) its components, ``alive`` (N,);
    the shares and whether each is usable into ``share`` and ``usable`` (C, N), the index into
    ``power`` (N,); ``xz`` (C, N) a buffer.  The reference's operations, in its order."""
    C, N = comps.shape
    for c in range(C):
        for n in range(N):
            x = comps[c, n] if alive[n] else np.nan
            xz[c, n] = x if x == x else 0.0
        tot = np_sum(xz[c])
        for n in range(N):
            x = comps[c, n] if alive[n] else np.nan
            share[c, n] = xz[c, n] / tot if tot > 0 else 0.0
            usable[c, n] = (x == x) and tot > 0
    for n in range(N):
        used = 0
        summed = 0.0
        for c in range(C):
            used += usable[c, n]
            summed += share[c, n] if usable[c, n] else 0.0
        idx = summed / max(used, 1) if used > 0 else 0.0
        power[n] = idx if alive[n] else 0.0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def read_cow_fields(military, economy, population, resources, technology, alive, actor, weights, conc, k_enter,
                    k_exit, seen, status, up, down):
    """:func:`read_cow` from the five component fields (R, N) as the state holds them, stacked here in the
    order of state.COMPONENTS (what ``state.components()`` stacks in NumPy): the same numbers."""
    R, N = alive.shape
    comps = np.empty((R, 5, N))
    for r in range(R):
        for n in range(N):
            comps[r, 0, n] = military[r, n]
            comps[r, 1, n] = economy[r, n]
            comps[r, 2, n] = population[r, n]
            comps[r, 3, n] = resources[r, n]
            comps[r, 4, n] = technology[r, n]
    return read_cow(comps, alive, actor, weights, conc, k_enter, k_exit, seen, status, up, down)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def read_cow(comps, alive, actor, weights, conc, k_enter, k_exit, seen, status, up, down):
    """One year's reading under the ``cow`` rule, every world.

    ``comps`` (R, C, N) in the order of state.COMPONENTS; ``weights`` the COW score's (C,);
    ``conc``, ``k_enter``, ``k_exit`` per world (R,).  Returns power, status, up, down (R, N) and
    n_great_powers, polarity, con, hhi, leader_share (R,).
    """
    R, C, N = comps.shape
    power = np.zeros((R, N))
    st = np.zeros((R, N), dtype=np.bool_)
    up2 = np.zeros((R, N), dtype=np.int64)
    down2 = np.zeros((R, N), dtype=np.int64)
    n_gp = np.zeros(R, dtype=np.int64)
    pol = np.zeros(R, dtype=np.int8)
    con = np.empty(R)
    hhi = np.empty(R)
    lead = np.empty(R)
    xz = np.empty((C, N))
    usable = np.empty((C, N), dtype=np.bool_)
    share = np.empty((C, N))
    score = np.empty(N)
    defined = np.empty(N, dtype=np.bool_)
    sq = np.empty(N)
    s = np.empty(N)
    sel = np.empty(N, dtype=np.bool_)
    for r in range(R):
        # component shares and the composite index (measures.component_shares, composite_index)
        composite_row(comps[r], alive[r], xz, usable, share, power[r])
        for n in range(N):
            # the rule's score (measures.weighted_index)
            num = 0.0
            den = 0.0
            for c in range(C):
                if weights[c] > 0:
                    num += weights[c] * share[c, n] if usable[c, n] else 0.0
                    den += weights[c] * usable[c, n]
            defined[n] = den > 0
            v = num / den if den > 0 else 0.0
            score[n] = v if actor[n] else 0.0
            sq[n] = score[n] * score[n]
        # the bar (measures.concentration_bar) and persistence (measures.hysteresis_step)
        tot = np_sum(score)
        ref = np_sum(sq) / tot if tot > 0 else np.inf
        bar = conc[r] * ref
        count = 0
        for n in range(N):
            raw = (score[n] >= bar) and score[n] > 0
            d = defined[n]
            u = (up[r, n] + 1) * raw if d else up[r, n]
            w = (down[r, n] + 1) * (not raw) if d else down[r, n]
            p = alive[r, n]
            new = p and not seen[r, n]
            g = ((status[r, n] and not new) or (new and raw and d) or (u >= k_enter[r])) and not (w >= k_exit[r]) and p
            st[r, n] = g
            up2[r, n] = u * p
            down2[r, n] = w * p
            count += g
        n_gp[r] = count
        pol[r] = min(count, 3)
        # CON over the great powers or the top two (measures.concentration), the HHI, the leader
        for n in range(N):
            s[n] = power[r, n] if actor[n] else 0.0
        nsel = 0
        nan = False
        for n in range(N):
            nan |= s[n] != s[n]
        # the two first in the order of a stable argsort of −s: the largest, the earlier of equals first
        b1 = -1
        b2 = -1
        if not nan:
            for n in range(N):
                if b1 < 0 or s[n] > s[b1]:
                    b2 = b1
                    b1 = n
                elif b2 < 0 or s[n] > s[b2]:
                    b2 = n
        for n in range(N):
            if nan:  # a NaN has no place in the order: the ranks as the reference counts them
                rank = 0
                for m in range(N):
                    if -s[m] < -s[n] or (m < n and -s[m] == -s[n]):
                        rank += 1
                top2 = rank < 2
            else:
                top2 = n == b1 or n == b2
            sel[n] = st[r, n] or top2
            nsel += sel[n]
            sq[n] = s[n] if sel[n] else 0.0
        total = np_sum(sq)
        div = total if total > 0 else 1.0
        for n in range(N):
            rel = s[n] / div if sel[n] else 0.0
            sq[n] = rel * rel
        ssq = np_sum(sq)
        nf = np.float64(nsel)
        x = (ssq - 1.0 / nf) / (1.0 - 1.0 / nf)
        if x == x:
            x = min(max(x, 0.0), 1.0)
        con[r] = np.sqrt(x) if total > 0 else np.nan
        tot = np_sum(s)
        top = 0.0
        for n in range(N):
            rel = s[n] / tot if tot > 0 else 0.0
            sq[n] = rel * rel
            p_ = power[r, n] if actor[n] else 0.0
            if n == 0 or p_ > top or p_ != p_:
                top = p_
        hhi[r] = np_sum(sq)
        lead[r] = top
    return power, st, up2, down2, n_gp, pol, con, hhi, lead
