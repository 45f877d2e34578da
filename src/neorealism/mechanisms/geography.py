"""Geography: distance and the loss-of-strength gradient.

Power fades with distance (Boulding 1962, *Conflict and Defense*): a state
can bring to bear against another only ``exp(−λ·d)`` of its strength, d in
thousands of km.  Proximity is also one of Walt's (1987) sources of threat.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_1000KM = 6.371


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


def decay(dist: NDArray[np.float64], lam: float) -> NDArray[np.float64]:
    """Loss-of-strength gradient exp(−λ·d) (1 on the diagonal: full strength at home)."""
    return np.exp(-lam * np.asarray(dist, dtype=np.float64))
