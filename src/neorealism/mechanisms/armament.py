"""Internal balancing: arms spending rises with threat (Waltz 1979, ch. 8).

States balance internally by moving resources into arms when threatened.
The target burden rises from ``base_burden`` toward ``max_burden`` as the
threat ratio τ grows, ``b* = base + (max − base)·sτ/(1 + sτ)``; budgets are
sticky, closing a share ``adjustment`` of the gap each year.  Spending
builds the military stock, which depreciates:
``M' = (1 − δ)·M + b·E·tech·conversion`` (:func:`build`, called by
:mod:`.growth`, which also charges the cost in growth: guns vs butter).
Bureaucratic politics and per-rival policies (reassure / deter) are later
mechanisms at the same stage.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from ..schema import StrictModel
from .base import Mechanism, StateField, Step


class ArmamentParams(StrictModel):
    """Internal balancing: military burden rises with perceived threat (Waltz 1979, ch. 8).

    target burden b* = base + (max − base)·τ/(1 + τ), τ = sensitivity·threat ratio;
    b' = b + adjustment·(b* − b);  M' = (1 − depreciation)·M + b'·E·tech·conversion.
    """

    base_burden: float = Field(default=0.02, ge=0.0, le=0.9, description="burden with no threat")
    max_burden: float = Field(default=0.2, ge=0.0, le=0.9, description="burden under overwhelming threat")
    sensitivity: float = Field(default=0.08, ge=0.0, le=100.0, description="how strongly burden responds to threat")
    adjustment: float = Field(default=0.3, ge=0.0, le=1.0, description="share of the gap to the target burden closed each year (inertia)")
    depreciation: float = Field(default=0.08, ge=0.0, le=1.0, description="δ: yearly depreciation of the military stock")
    conversion: float = Field(default=1.0, gt=0.0, le=100.0, description="military stock bought per unit of spending at technology 1")

    @model_validator(mode="after")
    def _ordered(self) -> ArmamentParams:
        if self.max_burden < self.base_burden:
            raise ValueError(
                f"max_burden ({self.max_burden}) must be ≥ base_burden ({self.base_burden})"
            )
        return self


def target_burden(threat: NDArray[np.float64], params) -> NDArray[np.float64]:
    a = params.armament
    x = a.sensitivity * threat
    return a.base_burden + (a.max_burden - a.base_burden) * x / (1.0 + x)


def allocate(keys, state, params):
    """New military burden after internal balancing."""
    b = state.burden + params.armament.adjustment * (target_burden(state.threat, params) - state.burden)
    return state.replace(burden=np.where(state.alive, b, 0.0)), ()


def build(military, economy, technology, burden, alive, params):
    """Military stock after a year of depreciation and procurement."""
    a = params.armament
    m = (1.0 - a.depreciation) * military + burden * economy * technology * a.conversion
    return np.where(alive, m, 0.0)


def _burden0(ctx):
    base = ctx.params.armament.base_burden
    b = ctx.per_state("burden", default=np.nan)
    return np.where(np.isnan(b), base, b)


MECHANISM = Mechanism(
    name="armament",
    params=ArmamentParams,
    doc=ArmamentParams.__doc__ or "",
    sources=("Waltz 1979, ch. 8",),
    fields=(StateField("burden", np.float64, "state", _burden0, "share of the economy spent on arms", record=True),),
    steps=(Step("allocate", allocate),),
    module=__name__,
)
