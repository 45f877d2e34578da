"""Numba kernels of the alliance mechanism (:mod:`.alliances`): the same rules, one world and state at a time.

The NumPy forms in :mod:`.alliances` are the tested reference; these loops
avoid their (K, N) and (K, N, N) temporaries.  They follow the reference's
arithmetic operation by operation (NumPy's pairwise summation is reproduced
by :func:`np_sum`), so the choices they make are the same; the sums that
the reference forms with ``einsum`` are summed here in index order and agree
within rounding (tests/test_kernels_alliances.py).  Each kernel returns the
candidates in the order the reference finds them (world by world, state by
state), so the events built from them are the same.
"""

from __future__ import annotations

import numba
import numpy as np

from ..rng_kernels import uniform_at as rng_uniform_at
from ..rng_kernels import world_base

MAX_RATIO = 1e12
NO_SIDE = 0
BANDWAGONING = 2


@numba.njit(cache=True, nogil=True)
def _block(a, off, n):
    """NumPy's pairwise sum of ``a[off:off + n]`` for n ≤ 128: 8 accumulators, then the rest in order."""
    if n < 8:
        res = 0.0
        for q in range(off, off + n):
            res += a[q]
        return res
    r0, r1, r2, r3 = a[off], a[off + 1], a[off + 2], a[off + 3]
    r4, r5, r6, r7 = a[off + 4], a[off + 5], a[off + 6], a[off + 7]
    q = 8
    while q < n - (n % 8):
        p = off + q
        r0 += a[p]
        r1 += a[p + 1]
        r2 += a[p + 2]
        r3 += a[p + 3]
        r4 += a[p + 4]
        r5 += a[p + 5]
        r6 += a[p + 6]
        r7 += a[p + 7]
        q += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while q < n:
        res += a[off + q]
        q += 1
    return res


@numba.njit(cache=True, nogil=True)
def np_sum(a, n):
    """``a[:n].sum()`` exactly as NumPy adds a contiguous float64 row: its pairwise sum (blocks of at most 128
    with 8 accumulators; longer rows split in two halves, a multiple of 8 on the left), without recursion."""
    if n <= 128:
        return _block(a, 0, n)
    offs = np.empty(64, np.int64)
    lens = np.empty(64, np.int64)
    stage = np.empty(64, np.int64)
    vals = np.empty(64)
    top = 0
    nv = 0
    offs[0], lens[0], stage[0] = 0, n, 0
    top = 1
    while top:
        t = top - 1
        m = lens[t]
        if m <= 128:
            vals[nv] = _block(a, offs[t], m)
            nv += 1
            top -= 1
            continue
        m2 = m // 2
        m2 -= m2 % 8
        if stage[t] == 0:  # the left half first
            stage[t] = 1
            offs[top], lens[top], stage[top] = offs[t], m2, 0
            top += 1
        elif stage[t] == 1:  # then the right
            stage[t] = 2
            offs[top], lens[top], stage[top] = offs[t] + m2, m - m2, 0
            top += 1
        else:  # both done: left + right
            nv -= 1
            vals[nv - 1] = vals[nv - 1] + vals[nv]
            top -= 1
    return vals[0]


@numba.njit(cache=True, nogil=True)
def _cap(x):
    """``np.minimum(x, MAX_RATIO)`` (NaN stays NaN)."""
    return MAX_RATIO if x > MAX_RATIO else x


@numba.njit(cache=True, nogil=True)
def _pair_ratio(scale, seen_m, seen_p, own_p, reach, own_m):
    """:func:`.alliances._pair_ratio` for one ordered pair."""
    total = seen_p + own_p
    rel = 2.0 * seen_p / total if total > 0 else 1.0
    h = scale * reach * seen_m * rel
    if own_m > 0:
        x = h / own_m
    else:
        x = MAX_RATIO if h > 0 else 0.0
    return _cap(x)



@numba.njit(cache=True, nogil=True)
def _receded(xi, hk, invk, limit):
    """``np.minimum(xi, hk * invk).max() < limit`` with ``xi`` = h_i · inv_i: the strongest threat two states
    share is below ``limit`` (False where a NaN enters, as the reference's NaN maximum compares False):
    every shared threat min(x, y) is below it, tested without branches."""
    ok = True
    for b in range(xi.shape[0]):
        x = xi[b]
        y = hk[b] * invk
        ok &= ((x < limit) | (y < limit)) & (x == x) & (y == y)
    return ok


@numba.njit(cache=True, nogil=True)
def ally(h, alive, allied, kind, seen_m, seen_p, power, reach, decay, military, war_side,
         keys, year, seek_id, bw_id, rev_id, pw):
    """The candidates of :func:`.alliances.ally`.

    Returns ``(adds, drops)``: ``adds`` rows (r, seeker, partner, bandwagoning,
    principal threat) in the reference's order; ``drops`` rows (r, state, partner, reason)
    with the realigned bandwagoners' drops first (reason 1), then the receded alliances (reason 0).
    The per-world parameters are the rows of ``pw`` (8, R): formation, threshold, balance, overwhelming,
    bandwagon, dissolution, recede and the threat scale (1 − ρ)θ^w.  ``inv`` (1 / a state's own forces, capped; 0 for the dead)
    is formed per world as :func:`.alliances._forces` forms it, and the ``seek``, ``bandwagon`` and
    ``review`` draws (streams ``seek_id``, ``bw_id``, ``rev_id`` of ``year``) are drawn where they are
    compared, each :func:`neorealism.rng.uniform`'s number for that state.
    """
    R, N = alive.shape
    formation, threshold, balance, overwhelming = pw[0], pw[1], pw[2], pw[3]
    bandwagon, dissolution, recede, scale = pw[4], pw[5], pw[6], pw[7]
    adds = np.empty((R * N, 5), np.int64)
    n_add = 0
    realigned = np.empty((R * N * N, 3), np.int64)
    n_re = 0
    receded = np.empty((R * N * N, 3), np.int64)
    n_rec = 0
    part = np.empty(N)
    invr = np.empty(N)
    xi = np.empty(N)
    u_seek = np.empty(N)
    u_rev = np.empty(N)
    for r in range(R):
        thr = threshold[r]
        for b in range(N):  # np.where(alive, np.where(M > 0, 1 / M, MAX_RATIO), 0), without branches
            M = military[r, b]
            pos = M > 0
            q = 1.0 / (M if pos else 1.0)
            q = q if pos else MAX_RATIO
            invr[b] = q if alive[r, b] else 0.0
        b_seek = world_base(keys[r], year, seek_id)
        b_bw = world_base(keys[r], year, bw_id)
        b_rev = world_base(keys[r], year, rev_id)
        for b in range(N):  # the world's seek and review draws in one tight loop (the hashes pipeline)
            u_seek[b] = rng_uniform_at(b_seek, b)
            u_rev[b] = rng_uniform_at(b_rev, b)
        for i in range(N):
            if not alive[r, i]:
                continue
            inv_i = invr[i]
            # --- seeking allies (balancing) or bandwagoning
            if u_seek[i] < formation[r]:
                ms = 0
                best = _cap(h[r, i, 0] * inv_i)
                for b in range(1, N):  # np.argmax: the first maximum (the first NaN if any)
                    if np.isnan(best):
                        break
                    x = _cap(h[r, i, b] * inv_i)
                    if x > best or np.isnan(x):
                        best = x
                        ms = b
                Tm = best
                Tc = 0.0
                if Tm > 0 and Tm >= thr:  # threatened: is its coalition short of the threat?
                    for b in range(N):
                        v = seen_m[r, i, b] * decay[r, b, i]
                        part[b] = v if (allied[r, i, b] and alive[r, b]) else 0.0
                    allies_here = np_sum(part, N)
                    own = military[r, i]
                    home = own + allies_here
                    if home > 0:
                        Tc = Tm * own / home
                    else:
                        Tc = MAX_RATIO  # Tm > 0 here
                if Tm > 0 and Tm >= thr and Tc >= balance[r]:
                    partner = 0
                    top = -np.inf
                    has = False
                    for b in range(N):
                        if b == i or b == ms or not alive[r, b] or allied[r, i, b]:
                            continue
                        X = _cap(h[r, b, ms] * invr[b])
                        if not X >= thr:
                            continue
                        fear = _cap(h[r, b, i] * invr[b])
                        if X > fear:
                            score = seen_m[r, i, b] * decay[r, b, i]
                            if not has or score > top:
                                top = score
                                partner = b
                            has = True
                    bw = Tc >= overwhelming[r] and rng_uniform_at(b_bw, i) < bandwagon[r]
                    if bw:
                        partner = ms
                    if bw or has:
                        enemies = False
                        for x in range(N):
                            sa = war_side[r, x, i]
                            sb = war_side[r, x, partner]
                            if sa != NO_SIDE and sb != NO_SIDE and sa != sb:
                                enemies = True
                                break
                        if not enemies:
                            adds[n_add, 0] = r
                            adds[n_add, 1] = i
                            adds[n_add, 2] = partner
                            adds[n_add, 3] = 1 if bw else 0
                            adds[n_add, 4] = ms
                            n_add += 1
                            if bw:  # a bandwagoner leaves the partners its new patron is not allied to
                                for b in range(N):
                                    if b != ms and allied[r, i, b] and not allied[r, ms, b]:
                                        realigned[n_re, 0] = r
                                        realigned[n_re, 1] = i
                                        realigned[n_re, 2] = b
                                        n_re += 1
            # --- reviewing: leave the alliances whose threat has receded
            if u_rev[i] < dissolution[r]:
                row = False  # h[i, ·] · inv_i, formed at the first balancing alliance reviewed
                for k in range(N):
                    if not allied[r, i, k]:
                        continue
                    if kind[r, i, k] == BANDWAGONING:
                        x1 = _pair_ratio(scale[r], seen_m[r, i, k], seen_p[r, i, k], power[r, i], reach[r, i, k],
                                         military[r, i])
                        x2 = _pair_ratio(scale[r], seen_m[r, k, i], seen_p[r, k, i], power[r, k], reach[r, k, i],
                                         military[r, k])
                        ratio = x2 if (x2 > x1 or np.isnan(x2)) and not np.isnan(x1) else x1
                        gone = ratio < recede[r] * overwhelming[r]
                    else:
                        if not row:
                            for b in range(N):
                                xi[b] = h[r, i, b] * inv_i
                            row = True
                        gone = _receded(xi, h[r, k], invr[k], recede[r] * thr)
                    if gone:
                        receded[n_rec, 0] = r
                        receded[n_rec, 1] = i
                        receded[n_rec, 2] = k
                        n_rec += 1
    drops = np.empty((n_re + n_rec, 4), np.int64)
    for q in range(n_re):
        drops[q, 0] = realigned[q, 0]
        drops[q, 1] = realigned[q, 1]
        drops[q, 2] = realigned[q, 2]
        drops[q, 3] = 1
    for q in range(n_rec):
        drops[n_re + q, 0] = receded[q, 0]
        drops[n_re + q, 1] = receded[q, 1]
        drops[n_re + q, 2] = receded[q, 2]
        drops[n_re + q, 3] = 0
    return adds[:n_add], drops


@numba.njit(cache=True, nogil=True)
def commit(adds, drops, allied, kind):
    """:func:`.alliances._commit` of :func:`ally`'s candidates (``adds``, ``drops`` in the order :func:`ally` gives
    them): the new alliance and kind matrices and the events' fields, in the reference's order.

    The alliances left come once per pair (the first candidate: realigned before receded), ordered by
    pair key (r·N + lo)·N + hi as ``np.unique`` orders them; the alliances made come once per pair
    (bandwagoning before balancing, then the first candidate), ordered by key as the reference's
    ``np.lexsort``.  Returns ``(allied, kind, left, made)``: ``left`` the columns r, state, partner, reason;
    ``made`` r, state, partner, against, motive, formed (1: a new alliance, 0: joined), with ``state``
    the joiner and ``partner`` the member for a state joining.
    """
    N = allied.shape[1]
    new_allied = allied.copy()
    new_kind = kind.copy()
    nd = drops.shape[0]
    key = np.empty(nd, np.int64)
    for q in range(nd):
        s, p = drops[q, 1], drops[q, 2]
        key[q] = (drops[q, 0] * N + min(s, p)) * N + max(s, p)
    order = np.argsort(key, kind="mergesort")
    L = 0
    for q in range(nd):
        if q == 0 or key[order[q]] != key[order[q - 1]]:
            L += 1
    lr = np.empty(L, np.int64)
    ls = np.empty(L, np.int64)
    lp = np.empty(L, np.int64)
    lw = np.empty(L, np.int64)
    c = 0
    for q in range(nd):
        if q == 0 or key[order[q]] != key[order[q - 1]]:
            o = order[q]
            r, s, p = drops[o, 0], drops[o, 1], drops[o, 2]
            lr[c], ls[c], lp[c], lw[c] = r, s, p, drops[o, 3]
            new_allied[r, s, p] = False
            new_allied[r, p, s] = False
            new_kind[r, s, p] = 0
            new_kind[r, p, s] = 0
            c += 1
    na = adds.shape[0]
    key2 = np.empty(na, np.int64)
    for q in range(na):
        s, p = adds[q, 1], adds[q, 2]
        k = BANDWAGONING if adds[q, 3] == 1 else 1
        key2[q] = ((adds[q, 0] * N + min(s, p)) * N + max(s, p)) * 4 + (3 - k)  # then bandwagoning first
    order2 = np.argsort(key2, kind="mergesort")
    M = 0
    for q in range(na):
        if q == 0 or key2[order2[q]] // 4 != key2[order2[q - 1]] // 4:
            M += 1
    mr = np.empty(M, np.int64)
    ms_ = np.empty(M, np.int64)
    mp = np.empty(M, np.int64)
    mm = np.empty(M, np.int64)
    mk = np.empty(M, np.int8)
    mf = np.empty(M, np.bool_)
    c = 0
    for q in range(na):
        if q == 0 or key2[order2[q]] // 4 != key2[order2[q - 1]] // 4:
            o = order2[q]
            r, s, p = adds[o, 0], adds[o, 1], adds[o, 2]
            bw = adds[o, 3] == 1
            had_s = False
            had_p = False
            for x in range(N):  # on the alliances before this year's changes, as the reference reads them
                had_s |= allied[r, s, x]
                had_p |= allied[r, p, x]
            k = BANDWAGONING if bw else 1
            new_allied[r, s, p] = True
            new_allied[r, p, s] = True
            new_kind[r, s, p] = k
            new_kind[r, p, s] = k
            joiner = s if (had_p and not had_s) else (p if (had_s and not had_p) else s)
            mr[c] = r
            ms_[c] = joiner
            mp[c] = p if joiner == s else s
            mm[c] = -1 if bw else adds[o, 4]
            mk[c] = k
            mf[c] = not had_s and not had_p
            c += 1
    return new_allied, new_kind, (lr, ls, lp, lw), (mr, ms_, mp, mm, mk, mf)


@numba.njit(cache=True, nogil=True)
def expected_support(r, i, allied, alive, seen, decay, military, rel, bp, chain, do_chain, for_target, for_self,
                     rivals_only=False):
    """:func:`.alliances.expected_support` into ``for_target`` and ``for_self`` (K, N); every entry is
    written (the arrays may come uninitialised).

    Per decider k: S_j = Σ_a seen[i, a]·decay[a, j] over j's living allies a ≠ i, summed in the order of
    a, then the honouring probability i expects; ``rel``, ``bp``, ``chain`` per decider.  Deciders of
    the same world that come one after another (as :func:`.conflict.decide` gives them, world by
    world) share the world's link matrix read by ally (``links[a, j]``: a is j's living ally) and the
    list of the states with any such link.  The sums run over those states a in order with every
    target j at once, adding 0 where a is no ally of j: a sum of non-negative terms is unchanged by
    a +0 (nor is any sum of the reference's order), so the numbers are the reference's while the
    inner loop over j is a plain vector loop.  With ``rivals_only`` the entries of the targets the
    crisis decision never weighs (i's own allies and the dead or non-actors, j = 0 apart, as
    :func:`.conflict_kernels.challenger_view` keeps it) are set to 0.
    """
    K = r.shape[0]
    N = allied.shape[1]
    dw = np.empty((N, N))  # the world's loss-of-strength matrix, contiguous (``decay`` may be a broadcast view)
    links = np.zeros((N, N), np.bool_)  # links[a, j]: a is a living ally of j
    apart = np.zeros((N, N), np.bool_)  # apart[a, j]: a is not j and no ally of j (living or not)
    linked = np.empty(N, np.int64)  # the states a with any such link, in order
    mine = np.empty(N, np.int64)  # the decider's living allies, in order
    s = np.empty(N)
    f = np.empty(N)
    k0 = 0
    while k0 < K:
        w = r[k0]
        k1 = k0 + 1
        while k1 < K and r[k1] == w:
            k1 += 1
        dw[:, :] = decay[w]
        has = False
        nl = 0
        for a in range(N):
            any_a = False
            live = alive[w, a]
            for j in range(N):
                link = allied[w, j, a]
                has |= link
                lk = link and live
                links[a, j] = lk
                apart[a, j] = not link and j != a
                any_a |= lk
            if any_a:
                linked[nl] = a
                nl += 1
        if not has:
            for k in range(k0, k1):
                for j in range(N):
                    for_target[k, j] = 0.0
                    for_self[k, j] = 0.0
            k0 = k1
            continue
        for k in range(k0, k1):
            me = i[k]
            sm = seen[w, me]
            Mi = military[w, me]
            rk, bk = rel[k], bp[k]
            rc = rk * chain[k]
            for j in range(N):
                s[j] = 0.0
            for q in range(nl):
                a = linked[q]
                if a == me:
                    continue
                sa = sm[a]
                la = links[a]
                da = dw[a]
                for j in range(N):
                    t = sa * da[j]
                    s[j] += t if la[j] else 0.0
            if do_chain:
                nm = 0
                for a in range(N):
                    if a != me and links[a, me]:
                        mine[nm] = a
                        nm += 1
                for j in range(N):
                    f[j] = 0.0
                for q in range(nm):
                    a = mine[q]
                    sa = sm[a]
                    da = dw[a]
                    pa = apart[a]
                    for j in range(N):
                        t = sa * da[j]
                        f[j] += t if pa[j] else 0.0
            dm = dw[me]
            mrow = allied[w, me]
            arow = alive[w]
            for j in range(N):
                if j == me or (rivals_only and j > 0 and (mrow[j] or not arow[j])):
                    for_target[k, j] = 0.0  # no target of i's, or one the crisis never weighs
                    for_self[k, j] = 0.0
                    continue
                A = Mi * dm[j]
                pos = A > 0
                c = (sm[j] + rk * s[j]) / (A if pos else 1.0)
                c = c if (pos and not c > 1.0) else 1.0
                for_target[k, j] = rk * (1.0 - bk * c) * s[j]
                for_self[k, j] = rc * f[j] if do_chain else 0.0
        k0 = k1


#: The most states whose alliance graph fits one 64-bit mask per state (:func:`_labels_bits`).
MASK_N = 64


@numba.njit(cache=True, nogil=True)
def _labels_bits(a, N, out):
    """:func:`bloc_labels` of one world from its alliance matrix ``a`` as a flat (N·N,) uint8 vector, N ≤ 64,
    into ``out`` (N,): each state's neighbours (a link in either direction) as a bit mask, then each
    component grown from its smallest unvisited member by OR-ing its members' masks (the same labels)."""
    adj = np.zeros(N, np.uint64)
    col = np.zeros(N, np.uint64)
    one = np.uint64(1)
    zero = np.uint64(0)
    for x in range(N):  # branch-free: x's links as bits of its row, and x's bit in each column
        m = zero
        bx = one << np.uint64(x)
        for y in range(N):
            v = np.uint64(a[x * N + y])
            m |= v << np.uint64(y)
            col[y] |= (zero - v) & bx
        adj[x] = m
    for x in range(N):
        col[x] |= adj[x]  # the links in either direction
        out[x] = -2
    for x in range(N):
        if out[x] != -2:
            continue
        comp = one << np.uint64(x)  # every other member is above x: the states below it are visited
        done = zero
        while comp != done:
            todo = comp & ~done
            grown = comp
            for v in range(x, N):
                grown |= col[v] & (zero - ((todo >> np.uint64(v)) & one))
            done |= todo
            comp = grown
        for v in range(x, N):
            if (comp >> np.uint64(v)) & one:
                out[v] = x
    for x in range(N):
        if adj[x] == zero:
            out[x] = -1


@numba.njit(cache=True, nogil=True)
def bloc_labels(allied, out):
    """:func:`.alliances.bloc_labels` into ``out`` (R, N): each state's bloc's first member, −1 without allies."""
    R, N = out.shape
    if N <= MASK_N:
        for r in range(R):
            _labels_bits(allied[r].ravel().view(np.uint8), N, out[r])
        return
    stack = np.empty(N, np.int64)
    for r in range(R):
        for x in range(N):
            out[r, x] = -2
        for x in range(N):
            if out[r, x] != -2:
                continue
            out[r, x] = x  # visited in index order: x is its component's smallest member
            top = 0
            stack[top] = x
            top += 1
            while top:
                top -= 1
                v = stack[top]
                for y in range(N):
                    if (allied[r, v, y] or allied[r, y, v]) and out[r, y] == -2:
                        out[r, y] = x
                        stack[top] = y
                        top += 1
        for x in range(N):
            lone = True
            for y in range(N):
                if allied[r, x, y]:
                    lone = False
                    break
            if lone:
                out[r, x] = -1


@numba.njit(cache=True, nogil=True)
def uniform_at(keys, year, stream, n_elem, r, n):
    """``rng.uniform(keys, year, stream, shape)[r, ...].ravel()[n]`` for each pair (r[k], n[k]) (``n_elem``
    unused: the counter of an element does not depend on the shape)."""
    out = np.empty(r.shape[0])
    for k in range(r.shape[0]):
        out[k] = rng_uniform_at(world_base(keys[r[k]], year, stream), n[k])
    return out


@numba.njit(cache=True, nogil=True)
def honour_plan(war_target, war_start, year, allied, war_side, alive, actor):
    """Who decides in :func:`.alliances.honour`: the wars begun this ``year`` (world ``rw``, initiator slot ``w``,
    target ``j``, in the order of ``np.nonzero``) and, per war, the allies of the target (``defend``) and of
    the attacker alone (``attack``) among the living actors not at war in it, and those allied to both
    (``conflicting``), (K, N) each; ``linked``: whether any of those worlds has an alliance at all."""
    R, N = war_target.shape
    K = 0
    for r in range(R):
        for x in range(N):
            if war_target[r, x] >= 0 and war_start[r, x] == year:
                K += 1
    rw = np.empty(K, np.int64)
    w = np.empty(K, np.int64)
    j = np.empty(K, np.int64)
    k = 0
    for r in range(R):
        for x in range(N):
            if war_target[r, x] >= 0 and war_start[r, x] == year:
                rw[k] = r
                w[k] = x
                j[k] = war_target[r, x]
                k += 1
    linked = False
    last = -1
    for k in range(K):
        r = rw[k]
        if r == last or linked:
            continue
        last = r
        for a in range(N):
            for b in range(N):
                linked |= allied[r, a, b]
    defend = np.zeros((K, N), np.bool_)
    attack = np.zeros((K, N), np.bool_)
    conflicting = np.zeros((K, N), np.bool_)
    if not linked:
        return rw, w, j, defend, attack, conflicting, linked
    for k in range(K):
        r, wk, jk = rw[k], w[k], j[k]
        for x in range(N):
            free = alive[r, x] and actor[x] and war_side[r, wk, x] == NO_SIDE and x != wk and x != jk
            t_ = allied[r, jk, x] and free
            a_ = allied[r, wk, x] and free
            defend[k, x] = t_
            attack[k, x] = a_ and not t_
            conflicting[k, x] = t_ and a_
    return rw, w, j, defend, attack, conflicting, linked


@numba.njit(cache=True, nogil=True)
def honour(rw, w, j, seen, decay, defend, attack, rel, bp, keys, year, stream):
    """The draws and defence probabilities of :func:`.alliances.honour`, (K, N) each.

    ``u[k, x]`` is the ``honour`` draw of war slot w and ally x (only where x defends or may join the
    attack; 1 elsewhere); ``p_def[k, x]`` = rel × (1 − bp × c), c = min(1, D/A) for each defender x
    (0 elsewhere), summing the other defenders' forces as NumPy does.
    """
    K = rw.shape[0]
    N = seen.shape[1]
    u = np.ones((K, N))
    p_def = np.zeros((K, N))
    fx = np.empty(N)
    for k in range(K):
        r = rw[k]
        wk = w[k]
        jk = j[k]
        base = world_base(keys[r], year, stream)
        for x in range(N):
            if defend[k, x] or attack[k, x]:
                u[k, x] = rng_uniform_at(base, wk * N + x)
            if not defend[k, x]:
                continue
            for y in range(N):
                fx[y] = seen[r, x, y] * decay[r, y, jk] if defend[k, y] else 0.0
            others = seen[r, x, jk] + rel[k] * (np_sum(fx, N) - fx[x])
            att = seen[r, x, wk] * decay[r, wk, jk]
            if att > 0:
                c = others / att
                if c > 1.0:
                    c = 1.0
            else:
                c = 1.0
            p_def[k, x] = rel[k] * (1.0 - bp[k] * c)
    return u, p_def


@numba.njit(cache=True, nogil=True)
def measure(allied, allied_before, bloc, power, alive):
    """:func:`.alliances.measure`: ``(labels, pairs, blocs, polarization)``.

    Blocs are searched again (:func:`bloc_labels`) only in the worlds whose alliance matrix changed since
    it was last measured (or never measured: a label below −1); the bloc powers are summed in state
    order and the total power as NumPy sums it, so the polarization is the reference's to the bit.
    """
    R, N = bloc.shape
    lab = bloc.copy()
    pairs = np.zeros(R, np.int64)
    blocs = np.zeros(R, np.int64)
    pol = np.zeros(R)
    one = np.empty((1, N), np.int64)
    pw = np.empty(N)
    bpow = np.empty(N)
    flat = N <= MASK_N and allied.flags.c_contiguous and allied_before.flags.c_contiguous
    NN = N * N
    if flat:  # the matrices as flat byte vectors: one pass that vectorises
        a8 = allied.reshape(R, NN).view(np.uint8)
        b8 = allied_before.reshape(R, NN).view(np.uint8)
    for r in range(R):
        changed = bloc[r, 0] < -1
        n = 0
        if flat:
            a = a8[r]
            b = b8[r]
            diff = np.uint8(0)
            cnt = np.uint32(0)
            for q in range(NN):
                cnt += a[q]
                diff |= a[q] ^ b[q]
            n = np.int64(cnt)
            changed |= diff != 0
            pairs[r] = n // 2
            if changed:
                _labels_bits(a, N, lab[r])
        else:
            for x in range(N):
                for y in range(N):
                    v = allied[r, x, y]
                    n += v
                    changed |= v != allied_before[r, x, y]
            pairs[r] = n // 2
            if changed:
                bloc_labels(allied[r:r + 1], one)
                for x in range(N):
                    lab[r, x] = one[0, x]
        for x in range(N):
            pw[x] = power[r, x] if alive[r, x] else 0.0
            bpow[x] = 0.0
        for x in range(N):
            m = lab[r, x]
            if 0 <= m < N:
                bpow[m] += pw[x]
            else:
                bpow[0] += 0.0
        nb = 0
        first = 0.0
        second = 0.0
        for x in range(N):
            v = bpow[x] if (lab[r, x] >= 0 and lab[r, x] == x) else 0.0
            if lab[r, x] >= 0 and lab[r, x] == x:
                nb += 1
            if v > first:
                second = first
                first = v
            elif v > second:
                second = v
        blocs[r] = nb
        if N < 2:
            second = 0.0
        total = np_sum(pw, N)
        if total > 0:
            q = 2.0 * second / total
            pol[r] = 1.0 if q > 1.0 else q
        else:
            pol[r] = 0.0
    return lab, pairs, blocs, pol


@numba.njit(cache=True, nogil=True)
def honour_outcome(rw, w, j, defend, attack, u, p_def, conflicting, reliability, chain_gang, war_start):
    """The decisions of :func:`.alliances._honoured` and the fields of its events, (K, N) → flat lists.

    honoured = defend ∧ u < p_def, abandoned = defend ∧ ¬honoured, joins = attack ∧ u < rel·chain (the
    world's reliability times its chain-ganging, as the reference's product), each taken in
    ``np.nonzero``'s (row-major) order; the honoured then the joins, as the reference concatenates them:
    their worlds, war slots, members, sides, war ids (start·N + slot) and partners (the target for a
    defender, the attacker for one who joins); the honoured who also were allied to the attacker (world,
    member, slot); the abandoned: world, war id, member, target and whether a buck-passer (u < rel).
    ``reliability``, ``chain_gang`` (R,).
    """
    K, N = defend.shape
    n1 = 0
    n2 = 0
    n3 = 0
    n4 = 0
    for k in range(K):
        thr = reliability[rw[k]] * chain_gang[rw[k]]
        for x in range(N):
            if defend[k, x]:
                if u[k, x] < p_def[k, x]:
                    n1 += 1
                    n4 += conflicting[k, x]
                else:
                    n3 += 1
            if attack[k, x] and u[k, x] < thr:
                n2 += 1
    n = n1 + n2
    hr = np.empty(n, np.int64)
    hw = np.empty(n, np.int64)
    mem = np.empty(n, np.int64)
    side = np.empty(n, np.int64)
    war_id = np.empty(n, np.int64)
    partner = np.empty(n, np.int64)
    r4 = np.empty(n4, np.int64)
    m4 = np.empty(n4, np.int64)
    w4 = np.empty(n4, np.int64)
    r3 = np.empty(n3, np.int64)
    war3 = np.empty(n3, np.int64)
    m3 = np.empty(n3, np.int64)
    j3 = np.empty(n3, np.int64)
    buck = np.empty(n3, np.bool_)
    q = 0
    q3 = 0
    q4 = 0
    for k in range(K):
        r = rw[k]
        wk = w[k]
        wid = war_start[r, wk] * N + wk
        for x in range(N):
            if defend[k, x]:
                if u[k, x] < p_def[k, x]:
                    hr[q] = r
                    hw[q] = wk
                    mem[q] = x
                    side[q] = 2  # DEFENDER
                    war_id[q] = wid
                    partner[q] = j[k]
                    q += 1
                    if conflicting[k, x]:
                        r4[q4] = r
                        m4[q4] = x
                        w4[q4] = wk
                        q4 += 1
                else:
                    r3[q3] = r
                    war3[q3] = wid
                    m3[q3] = x
                    j3[q3] = j[k]
                    buck[q3] = u[k, x] < reliability[r]
                    q3 += 1
    for k in range(K):
        r = rw[k]
        wk = w[k]
        thr = reliability[r] * chain_gang[r]
        for x in range(N):
            if attack[k, x] and u[k, x] < thr:
                hr[q] = r
                hw[q] = wk
                mem[q] = x
                side[q] = 1  # ATTACKER
                war_id[q] = war_start[r, wk] * N + wk
                partner[q] = wk
                q += 1
    return hr, hw, mem, side, war_id, partner, r4, m4, w4, r3, war3, m3, j3, buck


@numba.njit(cache=True, nogil=True)
def honour_year(war_target, war_start, year, allied, war_side, alive, actor, seen, decay, reliability, buck_passing,
                chain_gang, keys, stream):
    """:func:`honour_plan`, :func:`honour` and :func:`honour_outcome` in one call, as :func:`.alliances.honour`
    chains them: (whether any ally decides, then :func:`honour_outcome`'s lists, empty when none does).
    ``reliability``, ``buck_passing``, ``chain_gang`` (R,)."""
    rw, w, j, defend, attack, conflicting, linked = honour_plan(war_target, war_start, year, allied, war_side,
                                                                alive, actor)
    acts = False
    if rw.shape[0] > 0 and linked:
        K, N = defend.shape
        for k in range(K):
            for x in range(N):
                acts |= defend[k, x] or attack[k, x]
    if not acts:
        N = war_target.shape[1]
        none = np.empty((0, N))
        return False, honour_outcome(rw[:0], w[:0], j[:0], defend[:0], attack[:0], none, none, conflicting[:0],
                                     reliability, chain_gang, war_start)
    u, p_def = honour(rw, w, j, seen, decay, defend, attack, reliability[rw], buck_passing[rw], keys, year, stream)
    return True, honour_outcome(rw, w, j, defend, attack, u, p_def, conflicting, reliability, chain_gang, war_start)


@numba.njit(cache=True, nogil=True)
def measure_alive(allied, allied_before, bloc, power, alive, actor):
    """:func:`measure` with its present states (alive and unitary: ``alive & actor``) formed here."""
    R, N = alive.shape
    present = np.empty((R, N), np.bool_)
    for r in range(R):
        for i in range(N):
            present[r, i] = alive[r, i] & actor[i]
    return measure(allied, allied_before, bloc, power, present)
