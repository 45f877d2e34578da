"""Internal balancing: arms spending rises with threat (Waltz 1979, ch. 8); or a Richardson arms race.

``mode = "balancing"`` (the default).  States balance internally by moving
resources into arms when threatened.  The target burden rises from
``base_burden`` toward ``max_burden`` as the threat ratio τ grows,
``b* = base + (max − base)·sτ/(1 + sτ)``; budgets are sticky, closing a
share ``adjustment`` of the gap each year.  Spending builds the military
stock, which depreciates: ``M' = (1 − δ)·M + b·E·tech·conversion``
(:func:`build`, called by :mod:`.growth`, which also charges the cost in
growth: guns vs butter).

``mode = "richardson"``.  Richardson's (1960) arms-race equations
``dx/dt = k·y − a·x + g`` (one Euler step of length ``dt`` a year,
:func:`richardson_step`): each state's military stock x responds to the
threat-weighted military of its non-allied rivals as it perceives them,
``y_i = Σ_j reach_ij · seen_military_ij``, is restrained by fatigue and
driven by grievance.  The stock is set here, at the allocate stage; the
burden is the spending it implies (clipped to [0, max_burden]) and only
charges growth — :func:`build` leaves the stock alone in this mode.
Bureaucratic politics and per-rival policies (reassure / deter) are later
mechanisms at the same stage.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from ..schema import StrictModel
from .base import Mechanism, StateField, Step, anywhere
from .perception import perceived_sum

RICHARDSON = "richardson"


class ArmamentParams(StrictModel):
    """Internal balancing: military burden rises with perceived threat (Waltz 1979, ch. 8); or Richardson's (1960) arms race.

    balancing: target burden b* = base + (max − base)·τ/(1 + τ), τ = sensitivity·threat ratio;
    b' = b + adjustment·(b* − b);  M' = (1 − depreciation)·M + b'·E·tech·conversion.
    richardson: M' = max(0, M + dt·(reaction·y − fatigue·M + grievance)), y = Σ_j reach_ij·seen military_ij
    over the living non-allied others; burden = the spending implied, clipped to [0, max_burden].
    """

    mode: Literal["balancing", "richardson"] = Field(
        default="balancing",
        description="balancing: burden follows threat (Waltz 1979); richardson: the stock follows Richardson's (1960) "
        "dx/dt = k·y − a·x + g (reaction, fatigue, grievance, dt)",
    )
    base_burden: float = Field(default=0.02, ge=0.0, le=0.9, description="burden with no threat")
    max_burden: float = Field(default=0.2, ge=0.0, le=0.9, description="burden under overwhelming threat (richardson: cap of the burden charged to growth)")
    sensitivity: float = Field(default=0.08, ge=0.0, le=100.0, description="how strongly burden responds to threat")
    adjustment: float = Field(default=0.3, ge=0.0, le=1.0, description="share of the gap to the target burden closed each year (inertia)")
    depreciation: float = Field(default=0.08, ge=0.0, le=1.0, description="δ: yearly depreciation of the military stock")
    conversion: float = Field(default=1.0, gt=0.0, le=100.0, description="military stock bought per unit of spending at technology 1")
    reaction: float = Field(
        default=0.3, ge=0.0, le=1.0,
        description="richardson k = l: arms added per unit of the rivals' threat-weighted military, per unit of time "
        "(the defence coefficient, Richardson 1960); one value for all states",
    )
    fatigue: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="richardson a = b: arms lost per unit of one's own arms, per unit of time (fatigue and expense, "
        "Richardson 1960)",
    )
    grievance: float = Field(
        default=0.1, ge=-1000.0, le=1000.0,
        description="richardson g = h: constant drive to arm, in units of the military stock per unit of time "
        "(grievances and ambitions; < 0: goodwill, Richardson 1960)",
    )
    dt: float = Field(
        default=1.0, gt=0.0, le=1.0,
        description="richardson: units of Richardson's time per simulated year (one Euler step of this length a year)",
    )

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


def richardson_step(x: Any, y: Any, k: Any, a: Any, g: Any, dt: Any) -> NDArray[np.float64]:
    """One Euler step of Richardson's equation, ``max(0, x + dt·(k·y − a·x + g))``.

    Pure and elementwise: ``k``, ``a``, ``g`` and ``dt`` may be scalars or
    arrays broadcasting with ``x`` (per state, per world).  For two states,
    ``x`` = [x, y] and ``y`` = [y, x] with per-state [k, l], [a, b], [g, h].
    """
    return np.maximum(x + dt * (k * y - a * x + g), 0.0)


def rivals_military(state, params) -> NDArray[np.float64]:
    """y_i = Σ_j reach_ij · seen_military_ij over the living, non-allied others j (R, N), as in :mod:`.threat`."""
    present = state.alive & params.actor[None, :]
    reach = np.where(state.allied, 0.0, params.reach)  # an ally's arms are no threat
    return perceived_sum(reach, state.seen_military, present)


def _richardson(state, params) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The Richardson stock and the burden it implies, (R, N) each; 0 for the dead."""
    a = params.armament
    alive = state.alive
    x = state.military
    m = richardson_step(x, rivals_military(state, params), a.reaction, a.fatigue, a.grievance, a.dt)
    m = np.where(alive, m, 0.0)
    # the spending that would buy this stock under the build rule M' = (1 − δ)M + b·E·tech·conversion
    spend = m - (1.0 - a.depreciation) * x
    cost = state.economy * state.technology * a.conversion
    b = np.divide(spend, cost, out=np.where(spend > 0, np.inf, 0.0), where=cost > 0)
    b = np.clip(b, 0.0, a.max_burden)
    return m, np.where(alive, b, 0.0)


def _is_richardson(params) -> Any:
    """Whether a world runs in richardson mode: a bool, or an (R, 1) column when the mode varies."""
    mode = params.armament.mode
    return mode == RICHARDSON if isinstance(mode, np.ndarray) else bool(mode == RICHARDSON)


def allocate(keys, state, params):
    """New military burden after internal balancing (richardson: the new stock and its burden)."""
    b = state.burden + params.armament.adjustment * (target_burden(state.threat, params) - state.burden)
    b = np.where(state.alive, b, 0.0)
    if not anywhere(params.armament.mode, lambda m: m == RICHARDSON):
        return state.replace(burden=b), ()
    rich = _is_richardson(params)
    m, rb = _richardson(state, params)
    return state.replace(burden=np.where(rich, rb, b), military=np.where(rich, m, state.military)), ()


def build(military, economy, technology, burden, alive, params):
    """Military stock after a year of depreciation and procurement.

    In richardson mode the stock was set at the allocate stage and is kept
    as it is (the burden only charges growth), so it is not updated twice.
    """
    a = params.armament
    m = (1.0 - a.depreciation) * military + burden * economy * technology * a.conversion
    if anywhere(a.mode, lambda x: x == RICHARDSON):
        m = np.where(_is_richardson(params), military, m)
    return np.where(alive, m, 0.0)


def _burden0(ctx):
    base = ctx.params.armament.base_burden
    b = ctx.per_state("burden", default=np.nan)
    return np.where(np.isnan(b), base, b)


MECHANISM = Mechanism(
    name="armament",
    params=ArmamentParams,
    doc=ArmamentParams.__doc__ or "",
    sources=("Waltz 1979, ch. 8", "Richardson 1960"),
    fields=(StateField("burden", np.float64, "state", _burden0, "share of the economy spent on arms", record=True),),
    steps=(Step("allocate", allocate),),
    module=__name__,
)
