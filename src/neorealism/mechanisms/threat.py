"""Threat assessment: Walt's (1987) balance of threat.

Walt (1987, ch. 2) names four sources of threat: aggregate power,
geographic proximity, offensive capabilities and perceived intentions.
States balance against threats, not against power as such; an ally is no
threat.  This mechanism reads every source *as the state perceives it*
(:mod:`.perception`) and leaves two measures in the state:

``threat_from`` (R, N, N), row i, column j: the threat i perceives from j,
in units of military stock — the forces j can bring to bear against i:

    h_ij = s · I_ij · reach_ij · M̂_ij · (2 P̂_ij / (P̂_ij + P_i))^w_p

with M̂_ij j's military as i sees it (offensive capability), reach_ij =
exp(−λ d_ij) the loss-of-strength gradient (proximity, Boulding 1962;
0 on the diagonal and for allies), P̂_ij / P_i j's aggregate power as i sees
it against i's own — the factor is 1 between equals, tends to 2^w_p against
an overwhelming state and to 0 against a negligible one (a small state's
army cannot be sustained in a long war against a large economy) — and
I_ij the intentions factor, 1 until beliefs about intentions are modelled
(:func:`intentions`).  s = (1 − ρ)·θ^w scales for offense dominance
(θ, the offense–defense balance: offense dominance sharpens the security
dilemma, Jervis 1978) and for a world authority ρ, which lifts part of the
security burden (the hierarchy counterfactual to Waltz's self-help).

``threat`` (R, N), τ_i: the aggregate threat ratio, the others' perceived
power weighted the same way, relative to one's own power,

    τ_i = s · Σ_{j≠i, alive, not allied} I_ij · P̂_ij · exp(−λ d_ij) / P_i.

τ is the summary other mechanisms compare across states (who is most
threatened); ``threat_from`` says by whom, and in the units in which
internal balancing (:mod:`.armament`) answers.

τ and h_ij are computed in one compiled pass (:mod:`.threat_kernels`) when
perception is noisy and power_weight is 1 (the default): the same numbers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from .. import fmath
from ..kernels import use_kernels
from ..schema import StrictModel
from .base import Mechanism, StateField, Step, laid_out, memo, per_world_vector, role_product
from .perception import common_view, perceived_sum


class ThreatParams(StrictModel):
    """Threat assessment: aggregate power × proximity × offensive capability × intentions (Walt 1987).

    h_ij = (1 − ρ)·θ^offense_weight · I_ij · reach_ij · M̂_ij · (2P̂_ij / (P̂_ij + P_i))^power_weight;
    intentions I_ij = 1 until the beliefs mechanism adds them.
    """

    offense_weight: float = Field(default=1.0, ge=0.0, le=5.0, description="exponent on θ in threat: how much offense dominance heightens threat (Jervis 1978)")
    power_weight: float = Field(
        default=1.0, ge=0.0, le=5.0,
        description="exponent on j's aggregate power against i's own, 2P̂_j/(P̂_j + P_i) ∈ [0, 2], in the threat i "
        "perceives from j's forces (Walt 1987: aggregate power; 0 = forces alone)",
    )


def intentions(state, params):
    """The intentions factor I_ij of Walt's (1987) threat: the product of the fields of role
    ``intentions`` (the beliefs mechanism's reading of j's aims: Jervis 1976, Kydd 2005), an
    (R, N, N) array in [0, ∞); 1 (benign and hostile alike) where no field plays the role.
    Every formula here multiplies it in."""
    f = role_product(state, "intentions")
    return 1.0 if f is None else f


def _scale(params):
    return (1.0 - params.authority.enforcement) * fmath.power(params.war.offense_defense, params.threat.offense_weight)


def _pair(x):
    return x[..., None] if isinstance(x, np.ndarray) else x


def threat_ratio(state, params) -> NDArray[np.float64]:
    """Each state's threat ratio τ (R, N) from what it perceives; 0 for dead states."""
    alive = state.alive & params.actor[None, :]
    power = state.power
    reach = np.where(state.allied, 0.0, params.reach) * intentions(state, params)  # an ally is no threat
    pressure = perceived_sum(reach, state.seen_power, alive)
    own = np.where(alive & (power > 0), power, 1.0)
    return np.where(alive, _scale(params) * pressure / own, 0.0)


def threat_from(state, params) -> NDArray[np.float64]:
    """The threat each state perceives from each other, h_ij (R, N, N), in units of military stock.

    0 on the diagonal, from allies, from the dead and aggregates, and to the dead.  Computed as
    h_ij = reach_ij · (2s·P̂_ij·M̂_ij) / (P̂_ij + P_i), P_i = ∞ for an absent observer (its row is 0),
    in three passes over the pairs when perception is exact and power_weight = 1.
    """
    present = state.alive & params.actor[None, :]
    reach = np.where(state.allied, 0.0, params.reach) if state.allied.any() else params.reach
    intent = intentions(state, params)
    if not (np.isscalar(intent) and intent == 1.0):
        reach = reach * intent
    scale = _pair(_scale(params))
    # the observer's own power, +tiny so that 0 + 0 never divides; ∞ for an absent observer (row of zeros)
    own = np.where(present, state.power + 1e-300, np.inf)[:, :, None]
    common_p, common_m = common_view(state.seen_power), common_view(state.seen_military)
    if common_p is not None and common_m is not None:  # exact perception: (R, 1, N) views, the same numbers
        seen_p = common_p[:, None, :]
        seen_m = np.where(present, common_m, 0.0)[:, None, :]
    else:
        seen_p = state.seen_power
        seen_m = np.where(present[:, None, :], state.seen_military, 0.0)
    w = params.threat.power_weight
    if not isinstance(w, np.ndarray) and w == 1.0:
        h = seen_p + own
        np.divide((2.0 * scale) * seen_p * seen_m, h, out=h)
    else:
        h = seen_p + own
        np.divide(2.0 * seen_p, h, out=h)
        h **= _pair(w)
        h *= scale * seen_m
        h = np.where(present[:, :, None], h, 0.0)  # 0^0 = 1 would otherwise leave an absent observer a threat
    h *= reach
    return h


def _derive(sc, params):
    # the loss-of-strength matrix without the diagonal: a state is no threat to itself
    return {"reach": params.decay * (1.0 - np.eye(params.n_states))}


def _assess_kernel(state, params):
    """τ and h_ij from the compiled kernel (the same numbers), or None where it does not apply.

    It applies to noisy perception (full (R, N, N) observations) and power_weight 1.
    """
    seen_p, seen_m = state.seen_power, state.seen_military
    w = params.threat.power_weight
    if isinstance(w, np.ndarray) or w != 1.0:
        return None
    intent = intentions(state, params)
    has_intent = not (np.isscalar(intent) and intent == 1.0)
    R, N = state.shape
    full = (R, N, N)
    if not all(x.shape == full and x.dtype == np.float64 and x.flags.c_contiguous for x in (seen_p, seen_m)):
        return None
    from . import threat_kernels as k

    allied, reach = laid_out(state.allied, full, np.bool_), laid_out(params.reach, full)
    power = np.ascontiguousarray(state.power, dtype=np.float64)
    if has_intent:
        intent = laid_out(intent, full)
    scale = memo(params, ("threat.scale", R), lambda: per_world_vector(_scale(params), R))
    return k.assess_alive(seen_p, seen_m, allied, reach, laid_out(state.alive, (R, N), np.bool_), params.actor, power,
                          scale, intent if has_intent else _NO_PAIR, has_intent)


_NO_PAIR = np.zeros((1, 1, 1))


def assess(keys, state, params):
    if use_kernels():
        out = _assess_kernel(state, params)
        if out is not None:
            return state.replace(threat=out[0], threat_from=out[1]), ()
    return state.replace(threat=threat_ratio(state, params), threat_from=threat_from(state, params)), ()


def _zeros_pair(ctx):
    return np.zeros(())


MECHANISM = Mechanism(
    name="threat",
    params=ThreatParams,
    doc=ThreatParams.__doc__ or "",
    sources=("Walt 1987", "Jervis 1978", "Boulding 1962"),
    fields=(
        StateField("threat", np.float64, "state", lambda ctx: 0.0, "threat ratio τ this year: the others' perceived power, "
                   "weighted by proximity, offense dominance and intentions, over one's own (Walt 1987)"),
        StateField("threat_from", np.float64, "pair", _zeros_pair, "threat i perceives from j this year, in military "
                   "units: j's perceived forces × proximity × its aggregate power against i's × offense dominance × "
                   "intentions (Walt 1987); 0 from allies"),
    ),
    steps=(Step("assess", assess),),
    derive=_derive,
    module=__name__,
)
