"""Anarchy and its counterfactual: a world authority that enforces.

Anarchy means no authority above states (Waltz 1979, ch. 6); the default
ρ = 0 encodes it.  With ρ > 0 an authority stops a war at its start with
probability ρ and punishes the initiator by taking a share ``penalty`` of
its military and economy.  States anticipate this (the expected-utility term
below), so hierarchy deters as well as intervenes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from .. import rng
from ..state import EngineParams, WorldState


def expected_penalty(params: EngineParams) -> float:
    """Expected cost of initiating, in shares of one's own economy: ρ·penalty."""
    return params.enforcement * params.penalty


def enforce(
    state: WorldState, attacks: NDArray[np.bool_], params: EngineParams, keys: NDArray[np.uint64]
) -> tuple[WorldState, NDArray[np.bool_]]:
    """Stop and punish a share ρ of new wars; returns the state and the stopped mask (R, N)."""
    if params.enforcement <= 0:
        return state, np.zeros_like(attacks)
    u = rng.uniform(keys, state.t + 1, rng.Stream.AUTHORITY, (state.shape[1],))
    stopped = attacks & (u < params.enforcement)
    keep = np.where(stopped, 1.0 - params.penalty, 1.0)
    return (
        dataclasses.replace(state, military=state.military * keep, economy=state.economy * keep),
        stopped,
    )
