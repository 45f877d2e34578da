"""Threat assessment: power × proximity × offensive advantage (Walt 1987).

Walt's balance of threat weighs aggregate power, geographic proximity,
offensive capabilities and perceived intentions.  The core reads threat as
the power of the others *as the state perceives it* (:mod:`.perception`),
discounted by the loss-of-strength gradient and scaled by the
offense–defense balance θ (offense dominance sharpens the security dilemma,
Jervis 1978), relative to the state's own power:

    τ_i = (1 − ρ) · θ^w · Σ_{j≠i, alive, not allied to i} P̂_ij · exp(−λ d_ij) / P_i

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
from pydantic import Field

from ..schema import StrictModel
from .base import Mechanism, StateField, Step
from .perception import perceived_sum


class ThreatParams(StrictModel):
    """Threat assessment: power × proximity (× offensive advantage), after Walt (1987).

    Perceived hostility (intentions) is added by the beliefs mechanism.
    """

    offense_weight: float = Field(default=1.0, ge=0.0, le=5.0, description="exponent on θ in threat: how much offense dominance heightens threat (Jervis 1978)")


def threat_ratio(state, params) -> NDArray[np.float64]:
    """Each state's threat ratio τ (R, N) from what it perceives; 0 for dead states."""
    alive = state.alive & params.actor[None, :]
    power = state.power
    reach = np.where(state.allied, 0.0, params.reach)  # an ally is no threat
    pressure = perceived_sum(reach, state.seen_power, alive)
    own = np.where(alive & (power > 0), power, 1.0)
    scale = (1.0 - params.authority.enforcement) * params.war.offense_defense ** params.threat.offense_weight
    return np.where(alive, scale * pressure / own, 0.0)


def _derive(sc, params):
    # the loss-of-strength matrix without the diagonal: a state is no threat to itself
    return {"reach": params.decay * (1.0 - np.eye(params.n_states))}


def assess(keys, state, params):
    return state.replace(threat=threat_ratio(state, params)), ()


MECHANISM = Mechanism(
    name="threat",
    params=ThreatParams,
    doc=ThreatParams.__doc__ or "",
    sources=("Walt 1987", "Jervis 1978"),
    fields=(StateField("threat", np.float64, "state", lambda ctx: 0.0, "threat ratio τ this year"),),
    steps=(Step("assess", assess),),
    derive=_derive,
    module=__name__,
)
