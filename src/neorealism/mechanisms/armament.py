"""Internal balancing: arms answer the forces of the states that threaten (Walt 1987); or a Richardson arms race.

``mode = "balancing"`` (the default).  A state balances internally by
moving resources into arms against the states that threaten it (Waltz
1979, ch. 8), and the threat is Walt's (1987): the forces a rival can bring
to bear, weighted by proximity, its aggregate power and offense dominance
(``state.threat_from`` of :mod:`.threat`, h_ij, in units of military stock).
Each year a state

1. sums the threat it faces, the principal threat counting in full and the
   rest at ``others_weight`` (the others' forces may be turned against each
   other): ``H_i = max_j h_ij + w_o·(Σ_j h_ij − max_j h_ij)``;
2. counts the help of its allies, their forces as it sees them projected to
   its territory, at ``ally_weight``: ``A_i = w_a·Σ_k allied_ik·reach_ik·M̂_ik``
   (external balancing lightens internal balancing; Olson & Zeckhauser 1966:
   the small exploit the great);
3. seeks the military that closes the gap, ``M*_i = max(0, sensitivity·H_i − A_i)``
   (sensitivity 1 = parity with the threatening forces), and the burden that
   keeps that stock in the long run under the build rule,
   ``b_req = δ·M*_i / (E_i·tech_i·conversion)``;
4. pays it while it is
   small against what it can afford, and gives balancing up as the need
   grows hopeless: ``b* = max(base, b_req / (1 + (b_req/max_burden)^(1+futility)))``
   (futility 1: at most max_burden/2, reached when b_req = max_burden, then
   falling as max²/b_req; the default 2: at most 0.53·max_burden ≈ 10.6% of
   GDP, then falling as max³/b_req²): a weak state facing an overwhelming neighbour
   cannot, and does not, ruin itself trying — it relies on allies or
   bandwagons (Walt 1987, ch. 5);
5. moves its budget a share ``adjustment`` of the way to b* (budgets are
   sticky): ``b' = b + adjustment·(b* − b)``.

So a rival's build-up raises the burden of the states it threatens
(action–reaction), and burdens stay in the range of real ones (mostly 1–10%
of GDP).  Spending builds the military stock, which depreciates:
``M' = (1 − δ)·M + b·E·tech·conversion`` (:func:`build`, called by
:mod:`.growth`, which also charges the cost in growth: guns vs butter).

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

H and A are summed in one compiled pass (:mod:`.armament_kernels`), and in balancing mode with
the default power of futility the whole allocation (steps 1–5) is: the same numbers.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from .. import fmath
from ..kernels import use_kernels
from ..schema import StrictModel
from .base import (
    Mechanism,
    StateField,
    Step,
    anywhere,
    laid_out,
    memo,
    per_world_vector,
    role_product,
)
from .perception import common_view, perceived_sum

RICHARDSON = "richardson"


class ArmamentParams(StrictModel):
    """Internal balancing against the forces that threaten (Waltz 1979, ch. 8; Walt 1987); or Richardson's (1960) arms race.

    balancing: H = max_j h_ij + others_weight·(Σ_j h_ij − max_j h_ij), h = threat_from; A = ally_weight·Σ allies' projected
    forces; M* = max(0, sensitivity·H − A); b_req = δ·M*/(E·tech·conversion);
    b* = max(base, b_req/(1 + (b_req/max_burden)^(1 + futility))); b' = b + adjustment·(b* − b);  M' = (1 − depreciation)·M + b'·E·tech·conversion.
    richardson: M' = max(0, M + dt·(reaction·y − fatigue·M + grievance)), y = Σ_j reach_ij·seen military_ij
    over the living non-allied others; burden = the spending implied, clipped to [0, max_burden].
    """

    mode: Literal["balancing", "richardson"] = Field(
        default="balancing",
        description="balancing: burden follows threat (Waltz 1979); richardson: the stock follows Richardson's (1960) "
        "dx/dt = k·y − a·x + g (reaction, fatigue, grievance, dt)",
    )
    base_burden: float = Field(default=0.02, ge=0.0, le=0.9, description="burden with no threat (the floor of the target)")
    max_burden: float = Field(
        default=0.2, ge=0.0, le=0.9,
        description="what a state can afford to spend on balancing: the target saturates at it (futility 0) or "
        "peaks below it and falls as the need grows hopeless (futility > 0) (richardson: cap of the burden charged "
        "to growth)",
    )
    sensitivity: float = Field(
        default=1.0, ge=0.0, le=100.0,
        description="military sought per unit of the threatening forces H (1 = parity; 0 = no balancing, the burden "
        "goes to base_burden)",
    )
    others_weight: float = Field(
        default=0.25, ge=0.0, le=1.0,
        description="weight of the threats beyond the principal one in H (0: arm against the most threatening "
        "state only; 1: against the sum of all)",
    )
    ally_weight: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="share of the allies' forces (as seen, projected to the state) counted against the threat "
        "(Olson & Zeckhauser 1966; allies honour about three in four commitments, Leeds, Long & Mitchell 2000, "
        "and face threats of their own)",
    )
    futility: float = Field(
        default=2.0, ge=0.0, le=10.0,
        description="how a state gives balancing up as the burden it would need grows hopeless: "
        "b* = b_req/(1 + (b_req/max_burden)^(1+futility)) (0: it spends up to max_burden whatever the odds; "
        "1: at most max_burden/2; Walt 1987: the weak bandwagon)",
    )
    adjustment: float = Field(default=0.3, ge=0.0, le=1.0, description="share of the gap to the target burden closed each year (inertia)")
    depreciation: float = Field(default=0.08, ge=0.0, le=1.0, description="δ: yearly depreciation of the military stock")
    conversion: float = Field(default=1.0, ge=1e-6, le=100.0, description="military stock bought per unit of spending at technology 1")
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


def armed_against(state) -> NDArray[np.float64]:
    """The threats a state arms against, h_ij × the weights of role ``arming_weight`` (a policy of
    restraint toward j: Kydd 2005's reassurance); ``threat_from`` itself where no field plays the role."""
    w = role_product(state, "arming_weight")
    return state.threat_from if w is None else np.ascontiguousarray(state.threat_from * w)


def threatening_forces(state, params, roles: bool = True) -> NDArray[np.float64]:
    """H_i (R, N): the principal threat in full plus the others at ``others_weight`` (military units)."""
    h = armed_against(state) if roles else state.threat_from
    top = h.max(axis=-1)
    return top + params.armament.others_weight * (np.einsum("rij->ri", h) - top)


def allied_forces(state, params) -> NDArray[np.float64]:
    """A_i (R, N): the allies' forces as i sees them, projected to i's territory, at ``ally_weight``."""
    present = state.alive & params.actor[None, :]
    if not state.allied.any():
        return np.zeros(state.shape)
    reach = np.where(state.allied, params.reach, 0.0)
    return params.armament.ally_weight * perceived_sum(reach, state.seen_military, present)


_NO_PAIR = np.zeros((1, 1, 1))


def _kernel_inputs(state):
    """(threat_from, seen_military, any alliance) as the armament kernels read them, or None where they do not apply
    (arrays not contiguous float64 pairs, or exact perception with allies); with no alliance anywhere
    the perceived forces go unread (``threat_from`` stands in)."""
    R, N = state.shape
    full = (R, N, N)
    h = state.threat_from
    if not (h.shape == full and h.dtype == np.float64 and h.flags.c_contiguous):
        return None
    any_allied = bool(state.allied.any())
    seen_m = state.seen_military
    if any_allied and (common_view(seen_m) is not None or seen_m.shape != full or not seen_m.flags.c_contiguous):
        return None
    return h, (seen_m if any_allied else h), any_allied


def _forces_kernel(state, params):
    """(H, H0, A) from the compiled kernel (the same sums), or None where it does not apply (exact
    perception with allies): H against the threats weighted by role ``arming_weight``, H0 against
    the threats in full."""
    R, N = state.shape
    full = (R, N, N)
    inputs = _kernel_inputs(state)
    if inputs is None:
        return None
    h, seen_m, any_allied = inputs
    from . import armament_kernels as k

    a = params.armament
    w = role_product(state, "arming_weight")
    weight = _NO_PAIR if w is None else np.ascontiguousarray(np.broadcast_to(w, full), dtype=np.float64)
    allied = np.ascontiguousarray(np.broadcast_to(state.allied, full), dtype=np.bool_)
    reach = np.ascontiguousarray(np.broadcast_to(params.reach, full), dtype=np.float64)
    present = np.ascontiguousarray(state.alive & params.actor[None, :])
    vec = memo(params, "armament.kernel", lambda: [per_world_vector(a.others_weight, R), per_world_vector(a.ally_weight, R)])
    return k.forces(h, weight, w is not None, allied, reach, np.asarray(seen_m, dtype=np.float64), present,
                    *vec, any_allied)


def _burden_of(need, state, params):
    a = params.armament
    with np.errstate(over="ignore", invalid="ignore"):
        cost = state.economy * state.technology * a.conversion
        b = np.divide(a.depreciation * need, cost, out=np.zeros(need.shape), where=cost > 0)
    # values past the largest float (need and cost both infinite: growth compounded too long) give no
    # burden to read; the engine's overflow check then names the growth that caused them, not this step
    return np.where(np.isnan(b), 0.0, b)


def required_burdens(state, params) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """b_req (R, N): the burden that keeps, in the long run, the military that closes the gap to the
    threat (against the threats weighted by role ``arming_weight``, times the factors of role
    ``arming_factor``: a policy's restraint, a doctrine's sufficiency or more, a greedy state's
    premium); and the burden a security seeker arming to sufficiency would need, against the
    threats in full with no factor (what the state's own threat environment justifies).

    0 for a state with no economy to pay from (it can buy nothing, whatever it spends).
    """
    a = params.armament
    forces = _forces_kernel(state, params) if use_kernels() else None
    if forces is None:
        A = allied_forces(state, params)
        forces = threatening_forces(state, params), threatening_forces(state, params, roles=False), A
    H, H0, A = forces
    factor = role_product(state, "arming_factor")
    with np.errstate(over="ignore", invalid="ignore"):
        need0 = np.maximum(a.sensitivity * H0 - A, 0.0)
        need = np.maximum(a.sensitivity * H - A, 0.0) if H is not H0 else need0
        if factor is not None:  # sufficiency or more (doctrine), a greedy state's premium (beliefs)
            need = need * factor
    req = _burden_of(need, state, params)
    return req, (_burden_of(need0, state, params) if need is not need0 else req)


def required_burden(state, params) -> NDArray[np.float64]:
    """b_req (R, N) of :func:`required_burdens` (with every role)."""
    return required_burdens(state, params)[0]


def _power(u, e):
    """u ** e, by multiplication when e is a small whole number (the default 3), else by the C library's pow."""
    if not isinstance(e, np.ndarray) and float(e).is_integer() and 1 <= e <= 4:
        out = u
        for _ in range(int(e) - 1):
            out = out * u
        return out
    return fmath.power(u, e)


def target_burden(required: NDArray[np.float64], params) -> NDArray[np.float64]:
    """b* = max(base, b_req / (1 + (b_req / max_burden)^(1 + futility))) from the required burden b_req.

    Close to b_req while it is small against ``max_burden``; with futility 0 it saturates at max_burden
    (a state spends up to what it can afford whatever the odds); with futility > 0 it peaks and then falls
    as the need grows hopeless (futility 1: the peak is max_burden / 2, at b_req = max_burden).
    """
    a = params.armament
    u = required / np.maximum(a.max_burden, 1e-300)
    with np.errstate(over="ignore", invalid="ignore"):
        b = required / (1.0 + _power(u, 1.0 + a.futility))  # an overflowing power gives 0: hopeless
    b = np.where(np.isinf(required), 0.0, b)  # an infinite need is hopeless too (inf / inf is no burden)
    return np.maximum(a.base_burden, b)


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


def _allocate_kernel(state, params):
    """(b', justified, target) of balancing from the compiled kernel (:func:`.armament_kernels.allocate`,
    the same numbers), or None where it does not apply: as :func:`_forces_kernel`, and 1 + futility a
    whole number from 1 to 4 (the power by multiplication; another power is :func:`_power`'s, by fmath)."""
    R, N = state.shape
    a = params.armament
    vec = memo(params, ("armament.allocate", R), lambda: _allocate_vectors(a, R))
    if vec is None:
        return None
    full = (R, N, N)
    inputs = _kernel_inputs(state)
    if inputs is None:
        return None
    h, seen_m, any_allied = inputs
    from . import armament_kernels as k

    w = role_product(state, "arming_weight")
    weight = _NO_PAIR if w is None else laid_out(w, full)
    f = role_product(state, "arming_factor")
    factor = _NO_STATE if f is None else laid_out(f, (R, N))
    allied, reach = laid_out(state.allied, full, np.bool_), laid_out(params.reach, full)
    c = np.ascontiguousarray
    return k.allocate_alive(h, weight, w is not None, allied, reach, np.asarray(seen_m, dtype=np.float64), params.actor,
                            vec[0], vec[1], any_allied, factor, f is not None, c(state.economy, dtype=np.float64),
                            c(state.technology, dtype=np.float64), c(state.burden, dtype=np.float64), c(state.alive),
                            *vec[2:])


def _allocate_vectors(a, R):
    """The per-world parameters of :func:`.armament_kernels.allocate` (None where the kernel does not apply:
    richardson mode in some world, or a power 1 + futility that :func:`_power` leaves to fmath's pow)."""
    e = 1.0 + a.futility
    if anywhere(a.mode, lambda m: m == RICHARDSON) or isinstance(e, np.ndarray) or not (float(e).is_integer() and 1 <= e <= 4):
        return None
    return [per_world_vector(x, R) for x in (a.others_weight, a.ally_weight, a.sensitivity, a.conversion,
                                             a.depreciation, a.max_burden, a.base_burden, a.adjustment)] + [int(e)]


_NO_STATE = np.zeros((1, 1))


def allocate(keys, state, params):
    """New military burden after internal balancing (richardson: the new stock and its burden), the
    best response it adjusts toward (``burden_target``), and the burden a security seeker arming to
    sufficiency would choose (``burden_justified``)."""
    out = _allocate_kernel(state, params) if use_kernels() else None
    if out is not None:
        b, justified, target = out
        return state.replace(burden=b, burden_justified=justified, burden_target=target), ()
    req, req0 = required_burdens(state, params)
    target = target_burden(req, params)
    justified = target_burden(req0, params) if req0 is not req else target
    justified = np.where(state.alive, justified, 0.0)
    target = np.where(state.alive, target, 0.0)
    b = state.burden + params.armament.adjustment * (target - state.burden)
    b = np.where(state.alive, b, 0.0)
    if not anywhere(params.armament.mode, lambda m: m == RICHARDSON):
        return state.replace(burden=b, burden_justified=justified, burden_target=target), ()
    rich = _is_richardson(params)
    m, rb = _richardson(state, params)
    return state.replace(burden=np.where(rich, rb, b), military=np.where(rich, m, state.military),
                         burden_justified=np.where(rich, rb, justified), burden_target=np.where(rich, rb, target)), ()


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
    sources=("Waltz 1979, ch. 8", "Walt 1987", "Olson & Zeckhauser 1966", "Richardson 1960"),
    fields=(StateField("burden", np.float64, "state", _burden0, "share of the economy spent on arms", record=True),
            StateField("burden_justified", np.float64, "state", _burden0, "the burden a security seeker arming to "
                       "sufficiency against its threats would choose this year (what its threat environment justifies)"),
            StateField("burden_target", np.float64, "state", _burden0, "the best response to this year's threats: the "
                       "burden the state's doctrine seeks, before the partial adjustment toward it")),
    steps=(Step("allocate", allocate),),
    module=__name__,
)
