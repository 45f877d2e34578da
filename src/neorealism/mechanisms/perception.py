"""Perception: what states see of each other's capabilities.

Capabilities are observable, intentions are not (Jervis 1976, 1978).  In
the core, each state observes every other state's military with optional
log-normal noise (``perception.capability_noise``; 0 = seen exactly).
Beliefs about intentions (security seeker or greedy) are a later mechanism
that extends this module.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .. import rng
from ..state import EngineParams, WorldState


def observed_military(
    state: WorldState, params: EngineParams, keys: NDArray[np.uint64]
) -> NDArray[np.float64]:
    """Military of j as seen by i, shape (R, N, N) (row = observer)."""
    R, N = state.shape
    seen = np.broadcast_to(state.military[:, None, :], (R, N, N))
    if params.capability_noise <= 0:
        return seen
    z = rng.normal(keys, state.t + 1, rng.Stream.PERCEPTION, (N, N))
    noisy = seen * np.exp(params.capability_noise * z - 0.5 * params.capability_noise**2)
    # a state knows its own forces
    eye = np.eye(N, dtype=bool)[None]
    return np.where(eye, seen, noisy)
