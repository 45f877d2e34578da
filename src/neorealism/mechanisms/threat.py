"""Threat assessment: power × proximity × offensive advantage (Walt 1987).

Walt's balance of threat weighs aggregate power, geographic proximity,
offensive capabilities and perceived intentions.  The core reads threat as
the power of the others, discounted by the loss-of-strength gradient and
scaled by the offense–defense balance θ (offense dominance sharpens the
security dilemma, Jervis 1978), relative to the state's own power:

    τ_i = (1 − ρ) · θ^w · Σ_{j≠i, alive, not allied to i} P_j · exp(−λ d_ij) / P_i

An ally's power is no threat (Walt 1987: states balance against threats,
and a partner is not one); whether allies can be relied on in war is the
alliance mechanism's question, not this one's.

Under a world authority (ρ > 0) part of the security burden is lifted from
each state — the hierarchy counterfactual to Waltz's self-help.  Perceived
hostility (beliefs about intentions) multiplies in when that mechanism is on.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..state import EngineParams, WorldState


def threat_ratio(state: WorldState, power: NDArray[np.float64], params: EngineParams) -> NDArray[np.float64]:
    """Each state's threat ratio τ (R, N); 0 for dead states."""
    alive = state.alive & params.actor[None, :]
    p_others = np.where(alive, power, 0.0)
    # Σ_j P_j·decay_ij over j ≠ i (diagonal removed) and over non-allies
    off = params.decay * (1.0 - np.eye(params.n_states))
    # einsum's own loops (no BLAS): each world's sum runs in the same order in any batch
    pressure = np.einsum("rij,rj->ri", np.where(state.allied, 0.0, off), p_others)
    own = np.where(alive & (power > 0), power, 1.0)
    scale = (1.0 - params.enforcement) * params.theta**params.offense_weight
    return np.where(alive, scale * pressure / own, 0.0)
