"""Perception: what each state sees of the others' capabilities.

Capabilities are observable, intentions are not (Jervis 1976, 1978).  Each
state observes every other state's military and composite power, with
optional log-normal noise (``perception.capability_noise``; 0 = seen
exactly; one draw per observer, observed and year, applied to both, so a
state that overrates a rival's forces overrates its power too).  What the
state sees — not the true state — is what threat assessment and the war
decision read: misperception and, later, beliefs about intentions plug in
here.  A state knows its own forces.

The noise and the perceived sums have compiled forms
(:mod:`.perception_kernels`, on unless ``neorealism.kernels.reference()``):
the same draws and the same numbers, bit for bit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from .. import fmath, rng
from ..kernels import use_kernels
from ..schema import StrictModel
from .base import Mechanism, StateField, Step, Stream, anywhere, memo, pair, per_world_vector

NOISE = Stream("perception", "capability_noise", legacy=8)


class PerceptionParams(StrictModel):
    """What states see of each other's capabilities (Jervis 1976): exactly, or with noise."""

    capability_noise: float = Field(default=0.4, ge=0.0, le=5.0, description="sd of log-normal noise on observed capabilities (0 = capabilities seen exactly); the private information about capabilities that makes bargaining fail (Blainey 1973; Fearon 1995), calibrated with the scorecard (docs/scorecard.md#calibration)")


def _exact_kernels() -> bool:
    """:data:`.rng_kernels.EXACT`, read once (numba is imported on first use, not with the package)."""
    global _EXACT
    if _EXACT is None:
        from .. import rng_kernels

        _EXACT = bool(rng_kernels.EXACT)
    return _EXACT


_EXACT: bool | None = None


def observed(state, params, keys: NDArray[np.uint64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Military and composite power of j as seen by i, each ``(R, N, N)`` (row = observer)."""
    R, N = state.shape
    sd = params.perception.capability_noise
    per_world = memo(params, ("perception.noise", R), lambda: (
        per_world_vector(sd, R) if anywhere(sd, lambda x: x > 0) else None))
    if per_world is None:
        return (np.broadcast_to(state.military[:, None, :], (R, N, N)),
                np.broadcast_to(state.power[:, None, :], (R, N, N)))
    if use_kernels() and _exact_kernels():  # the same draws, factors and products, in one pass
        from . import perception_kernels as k

        return k.observe_noisy(np.ascontiguousarray(keys, dtype=np.uint64), int(state.t) + 1, int(NOISE.id), per_world,
                               np.ascontiguousarray(state.military, dtype=np.float64),
                               np.ascontiguousarray(state.power, dtype=np.float64))
    seen_m = np.broadcast_to(state.military[:, None, :], (R, N, N))
    seen_p = np.broadcast_to(state.power[:, None, :], (R, N, N))
    s = pair(sd)
    z = rng.normal(keys, state.t + 1, NOISE.id, (N, N))
    factor = fmath.exp(s * z - 0.5 * s * s)
    eye = np.eye(N, dtype=bool)[None]
    factor = np.where(eye, 1.0, factor)  # a state knows its own forces
    return seen_m * factor, seen_p * factor


def common_view(seen: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """The ``(R, N)`` values every observer sees alike, when perception is exact (else None).

    Exact perception stores the observation as a broadcast view, so a mechanism
    can sum over it as a vector — the same numbers, a fraction of the work.
    """
    return seen[:, 0, :] if seen.ndim == 3 and seen.strides[1] == 0 else None


def perceived_sum(weights: NDArray[np.float64], seen: NDArray[np.float64], present: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Σ_j weights[r, i, j] · seen[r, i, j] over the present j, ``(R, N)``.

    A world in which every observer sees the same values (exact perception)
    is summed as a vector, the others as the full matrix: the same numbers
    for a world whatever the other worlds of its batch perceive, and the
    default (exact) model pays for no matrix it does not need.  einsum's own
    loops (no BLAS) keep each world's summation order fixed.
    """
    common = common_view(seen)
    if common is None and use_kernels() and seen.ndim == 3 and seen.dtype == np.float64 and seen.flags.c_contiguous:
        from . import perception_kernels as k

        R, N = present.shape
        w = np.ascontiguousarray(np.broadcast_to(weights, (R, N, N)), dtype=np.float64)
        return k.perceived_sum(w, seen, np.ascontiguousarray(present, dtype=np.bool_))
    if common is not None:
        return np.einsum("rij,rj->ri", weights, np.where(present, common, 0.0))
    same = (seen == seen[:, :1, :]).all(axis=(1, 2))
    out = np.empty(weights.shape[:2])
    if same.any():
        out[same] = np.einsum("rij,rj->ri", weights[same], np.where(present[same], seen[same, 0, :], 0.0))
    if not same.all():
        d = ~same
        out[d] = np.einsum("rij,rij->ri", weights[d], np.where(present[d][:, None, :], seen[d], 0.0))
    return out


def perceive(keys, state, params):
    seen_m, seen_p = observed(state, params, keys)
    return state.replace(seen_military=seen_m, seen_power=seen_p), ()


def _zeros_pair(ctx):
    return np.zeros(())


MECHANISM = Mechanism(
    name="perception",
    params=PerceptionParams,
    doc=PerceptionParams.__doc__ or "",
    sources=("Jervis 1976", "Jervis 1978"),
    fields=(
        StateField("seen_military", np.float64, "pair", _zeros_pair, "military of j as seen by i this year"),
        StateField("seen_power", np.float64, "pair", _zeros_pair, "composite power of j as seen by i this year"),
    ),
    streams=(NOISE,),
    steps=(Step("perceive", perceive),),
    module=__name__,
)
