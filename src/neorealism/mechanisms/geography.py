"""Geography: distance and the loss-of-strength gradient.

Power fades with distance (Boulding 1962, *Conflict and Defense*): a state
can bring to bear against another only ``exp(−λ·d)`` of its strength, d in
thousands of km.  Proximity is also one of Walt's (1987) sources of threat,
and water's "stopping power" (Mearsheimer 2001) is a steep gradient.  The
mechanism has no yearly step: it derives the matrix ``params.decay``
(``(R, N, N)``; 1 on the diagonal) that threat, war decisions and war
resolution read.

The stopping power of water (Mearsheimer 2001, ch. 4): armies cannot cross
large bodies of water in force against a defended shore — amphibious
assault and seaborne supply are slow, exposed and small against what a
defender moves by land — so power projected from one landmass to another
fades much faster than power projected over land.  Each state may lie on a
named ``landmass`` (``StateSpec.landmass``; states that name none share one
landmass); for a pair on different landmasses the gradient's rate λ is
multiplied by ``water`` ≥ 1: ``exp(−water·λ·d)``.  This is why, for
Mearsheimer, no state can be a global hegemon and the most a great power can
hope for is hegemony in its own region, with offshore balancers beyond the
water.  With no landmass set, ``params.decay`` is exactly ``exp(−λ·d)``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from .. import fmath
from ..schema import StrictModel
from .base import Mechanism

EARTH_RADIUS_1000KM = 6.371


class GeographyParams(StrictModel):
    """Where states are and how power fades with distance (Boulding 1962's loss-of-strength gradient) and across water (Mearsheimer 2001).

    decay_ij = exp(−λ_ij·d_ij), d in 1000 km; λ_ij = decay, times water when i and j lie on different landmasses.
    """

    metric: Literal["plane", "sphere"] = Field(default="plane", description="plane: positions in 1000 km; sphere: [lat, lon] degrees, great-circle distance")
    decay: float = Field(default=0.15, ge=0.0, le=10.0, description="λ: projected power × exp(−λ·d), d in 1000 km")
    water: float = Field(
        default=3.0, ge=1.0, le=20.0,
        description="the stopping power of water: λ is multiplied by this for a pair of states on different "
        "landmasses (states[k].landmass; Mearsheimer 2001, ch. 4); 1 = water is no obstacle",
    )


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
        a = fmath.sin(dlat / 2) ** 2 + fmath.cos(lat)[:, None] * fmath.cos(lat)[None, :] * fmath.sin(dlon / 2) ** 2
        return 2 * EARTH_RADIUS_1000KM * fmath.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    raise ValueError(f"metric must be 'plane' or 'sphere', got {metric!r}")


def decay(dist: NDArray[np.float64], lam: Any) -> NDArray[np.float64]:
    """Loss-of-strength gradient exp(−λ·d) (1 on the diagonal: full strength at home)."""
    return fmath.exp(-lam * np.asarray(dist, dtype=np.float64))


def across_water(landmasses: Any) -> NDArray[np.bool_]:
    """(N, N): whether states i and j lie on different landmasses (None: the one shared landmass)."""
    lm = ["" if x is None else f"={x}" for x in landmasses]  # None is a landmass of its own, never a name
    codes = np.unique(lm, return_inverse=True)[1].reshape(-1)
    return codes[:, None] != codes[None, :]


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
    water = across_water([getattr(s, "landmass", None) for s in sc.states])
    if water.any():  # the stopping power of water: a steeper gradient across it (Mearsheimer 2001, ch. 4)
        w = g.water[:, :, None] if isinstance(g.water, np.ndarray) else g.water
        lam = lam * np.where(water[None], w, 1.0)
    return {"decay": np.broadcast_to(decay(dist, lam), (R, N, N))}


MECHANISM = Mechanism(
    name="geography",
    params=GeographyParams,
    doc=GeographyParams.__doc__ or "",
    sources=("Boulding 1962", "Walt 1987", "Mearsheimer 2001"),
    derive=_derive,
    module=__name__,
)
