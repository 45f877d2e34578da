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
def choose(belief, present, allied, hard, spec, below, enabled, restraint, resolve):
    """(policy int8, arming, resolve_cost (R, N, N), share reassuring (R,)); per-world ``below``,
    ``enabled`` (bool), ``restraint``, ``resolve`` (R,); ``hard`` (R, N) deters every rival; ``spec``
    (N,) the scenario's fixed policy (0 auto)."""
    R, N, _ = belief.shape
    policy = np.zeros((R, N, N), dtype=np.int8)
    arming = np.empty((R, N, N))
    cost = np.zeros((R, N, N))
    share = np.zeros(R)
    for r in range(R):
        b, on, rs, rv = below[r], enabled[r], restraint[r], resolve[r]
        n = 0
        k = 0
        for i in range(N):
            for j in range(N):
                code = 0
                if on and i != j and present[r, i] and present[r, j] and not allied[r, i, j]:
                    if spec[i] != 0:
                        code = spec[i]
                    elif hard[r, i]:
                        code = DETER
                    else:
                        code = REASSURE if belief[r, i, j] < b else DETER
                policy[r, i, j] = code
                arming[r, i, j] = 1.0 + (-rs) if code == REASSURE else 1.0
                if code == DETER:
                    cost[r, j, i] = rv
                if code != 0:
                    n += 1
                    if code == REASSURE:
                        k += 1
        share[r] = k / n if n > 0 else 0.0
    return policy, arming, cost, share
