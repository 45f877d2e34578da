"""Internal balancing: arms spending rises with threat (Waltz 1979, ch. 8).

States balance internally by moving resources into arms when threatened.
The target burden rises from ``base_burden`` toward ``max_burden`` as the
threat ratio τ grows, ``b* = base + (max − base)·sτ/(1 + sτ)``; budgets are
sticky, closing a share ``adjustment`` of the gap each year.  Spending
builds the military stock, which depreciates:
``M' = (1 − δ)·M + b·E·tech·conversion``.  The cost in growth (guns vs
butter) is paid in :mod:`.growth`.  Bureaucratic politics and per-rival
policies (reassure / deter) extend :func:`allocate` in later mechanisms.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from ..state import EngineParams, WorldState


def target_burden(threat: NDArray[np.float64], params: EngineParams) -> NDArray[np.float64]:
    x = params.sensitivity * threat
    return params.base_burden + (params.max_burden - params.base_burden) * x / (1.0 + x)


def allocate(state: WorldState, threat: NDArray[np.float64], params: EngineParams) -> WorldState:
    """New military burden after internal balancing."""
    b = state.burden + params.adjustment * (target_burden(threat, params) - state.burden)
    return dataclasses.replace(state, burden=np.where(state.alive, b, 0.0))


def build(military, economy, technology, burden, alive, params: EngineParams):
    """Military stock after a year of depreciation and procurement."""
    m = (1.0 - params.depreciation) * military + burden * economy * technology * params.conversion
    return np.where(alive, m, 0.0)
