"""Geography: distance and the loss-of-strength gradient.

Power fades with distance (Boulding 1962, *Conflict and Defense*): a state
can bring to bear against another only ``exp(−λ·d)`` of its strength, d in
thousands of km.  Proximity is also one of Walt's (1987) sources of threat,
and water's "stopping power" (Mearsheimer 2001) is a steep gradient.  The
mechanism has no yearly step: it derives the matrix ``params.decay``
(``(R, N, N)``; 1 on the diagonal) that threat, war decisions and war
resolution read.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from ..schema import StrictModel
from .base import Mechanism

EARTH_RADIUS_1000KM = 6.371


class GeographyParams(StrictModel):
    """Where states are and how power fades with distance (Boulding 1962's loss-of-strength gradient)."""

    metric: Literal["plane", "sphere"] = Field(default="plane", description="plane: positions in 1000 km; sphere: [lat, lon] degrees, great-circle distance")
    decay: float = Field(default=0.15, ge=0.0, le=10.0, description="λ: projected power × exp(−λ·d), d in 1000 km")


def distances(positions: NDArray[np.float64], metric: Literal["plane", "sphere"] = "plane") -> NDArray[np.float64]:
    """Pairwise distances (N, N) in thousands of km.

    ``plane``: positions are (x, y) in thousands of km, Euclidean distance.
    ``sphere``: positions are (lat, lon) in degrees, great-circle distance (haversine).
    """
    p = np.asarray(positions, dtype=np.float64)
    if metric == "plane":
        diff = p[:, None, :] - p[None, :, :]
        return np.sqrt((diff * diff).sum(axis=-1))
    if metric == "sphere":
        lat = np.radians(p[:, 0])
        lon = np.radians(p[:, 1])
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
        return 2 * EARTH_RADIUS_1000KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    raise ValueError(f"metric must be 'plane' or 'sphere', got {metric!r}")


def decay(dist: NDArray[np.float64], lam: Any) -> NDArray[np.float64]:
    """Loss-of-strength gradient exp(−λ·d) (1 on the diagonal: full strength at home)."""
    return np.exp(-lam * np.asarray(dist, dtype=np.float64))


def _derive(sc: Any, params: Any) -> dict[str, Any]:
    g = params.geography
    R, N = params.n_worlds, params.n_states
    pos = np.array([s.position for s in sc.states], dtype=np.float64)
    metric = g.metric
    if isinstance(metric, np.ndarray):  # the metric varies across worlds: both distance matrices
        plane, sphere = distances(pos, "plane"), distances(pos, "sphere")
        dist = np.where((metric == "sphere")[:, :, None], sphere[None], plane[None])
    else:
        dist = distances(pos, metric)[None]
    lam = g.decay[:, :, None] if isinstance(g.decay, np.ndarray) else g.decay
    return {"decay": np.broadcast_to(decay(dist, lam), (R, N, N))}


MECHANISM = Mechanism(
    name="geography",
    params=GeographyParams,
    doc=GeographyParams.__doc__ or "",
    sources=("Boulding 1962", "Walt 1987", "Mearsheimer 2001"),
    derive=_derive,
    module=__name__,
)
