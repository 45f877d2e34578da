"""Numba kernel of :mod:`.policy`: each pair's policy and the two role fields it sets, in one pass.

The rule of :func:`.policy.choose` and the fields of :func:`.policy.role_fields` (the scenario's
fixed policy, then offensive doctrine or greed → deter, then reassure below the belief threshold;
``policy_arming`` = 1 − restraint where i reassures j; ``policy_resolve`` = resolve where j deters
i), element by element: the same numbers as the NumPy form (``tests/test_policy.py`` compares).
"""

from __future__ import annotations

import numba
import numpy as np

REASSURE, DETER = 1, 2


@numba.njit(cache=True, nogil=True, error_model="numpy")
def choose_from_state(belief, alive, actor, allied, doctrine, greedy, has_greedy, spec, below, enabled, restraint,
                      resolve):
    """:func:`choose` with its ``present`` (alive unitary states) and ``hard`` (a relative-power
    ``doctrine`` (N,), or greedy where ``has_greedy``: :func:`.policy._hard`) formed here, the same booleans."""
    R, N = alive.shape
    present = np.empty((R, N), dtype=np.bool_)
    hard = np.empty((R, N), dtype=np.bool_)
    for r in range(R):
        for i in range(N):
            present[r, i] = alive[r, i] & actor[i]
        if has_greedy:
            for i in range(N):
                hard[r, i] = doctrine[i] | greedy[r, i]
        else:
            for i in range(N):
                hard[r, i] = doctrine[i]
    return choose(belief, present, allied, hard, spec, below, enabled, restraint, resolve)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def choose(belief, present, allied, hard, spec, below, enabled, restraint, resolve):
    """(policy int8, arming, resolve_cost (R, N, N), share reassuring (R,)); per-world ``below``,
    ``enabled`` (bool), ``restraint``, ``resolve`` (R,); ``hard`` (R, N) deters every rival; ``spec``
    (N,) the scenario's fixed policy (0 auto).

    A row at a time without branches over j (so that it vectorises): the code toward a rival is the
    row's fixed code (the scenario's, or deter for a hard state) or deter − [belief < below], times
    whether j is a rival; ``resolve_cost[r, i, j]`` reads the policy of j toward i once every row of
    the world is chosen.
    """
    R, N, _ = belief.shape
    policy = np.empty((R, N, N), dtype=np.int8)
    arming = np.empty((R, N, N))
    cost = np.empty((R, N, N))
    share = np.zeros(R)
    for r in range(R):
        b, on, rv = below[r], enabled[r], resolve[r]
        soft = 1.0 + (-restraint[r])  # the arming factor toward a state reassured
        n = 0
        k = 0
        for i in range(N):
            row_on = on and present[r, i]
            fixed = spec[i] if spec[i] != 0 else (DETER if hard[r, i] else 0)
            for j in range(N):
                rival = row_on & present[r, j] & (not allied[r, i, j]) & (i != j)
                auto = np.int8(DETER) - np.int8(belief[r, i, j] < b)
                code = np.int8(rival) * (np.int8(fixed) if fixed != 0 else auto)
                policy[r, i, j] = code
                arming[r, i, j] = soft if code == REASSURE else 1.0
                n += code != 0
                k += code == REASSURE
        for i in range(N):
            for j in range(N):
                cost[r, i, j] = rv if policy[r, j, i] == DETER else 0.0
        share[r] = k / n if n > 0 else 0.0
    return policy, arming, cost, share


@numba.njit(cache=True, nogil=True, error_model="numpy")
def deterrence_events(crisis_target, policy, crisis_war):
    """The ``deterrence`` events of :func:`.policy.deterrence`: world, challenger i, target j and whether
    deterred (1) or not (0), for each crisis pressed (target ≥ 0) against a target that deters i, in
    ``np.nonzero``'s (row-major) order; the same lists as the NumPy form."""
    R, N = crisis_target.shape
    n = 0
    for r in range(R):
        for i in range(N):
            j = crisis_target[r, i]
            if j >= 0 and policy[r, j, i] == DETER:
                n += 1
    rs = np.empty(n, np.int64)
    cs = np.empty(n, np.int64)
    ts = np.empty(n, np.int64)
    deterred = np.empty(n, np.int64)
    q = 0
    for r in range(R):
        for i in range(N):
            j = crisis_target[r, i]
            if j >= 0 and policy[r, j, i] == DETER:
                rs[q] = r
                cs[q] = i
                ts[q] = j
                deterred[q] = 0 if crisis_war[r, i] else 1
                q += 1
    return rs, cs, ts, deterred
