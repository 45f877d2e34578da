"""Cognition: the limits of the rational actor (a critique of structural realism; off by default).

Structural realism treats states as unitary actors that perceive the balance
and answer it rationally (Waltz 1979, ch. 6; the rational-actor model of
Allison 1971's Model I).  The critics of that assumption say the decisions
come out of minds and organisations that depart from it systematically.
This mechanism adds four such departures, each switched off at its default
(the structural model stays the baseline), each one parameter away:

1. **Misperception** (Jervis 1976, chs. 4 and 6: images are anchored and
   updated slowly, new information is assimilated to the image already
   held).  Apart from the yearly fog of :mod:`.perception` (a new draw every
   year, which averages out), every observer i holds a persistent log bias
   b_ij about every other state j, an AR(1) across years,

       b_ij(t) = φ·b_ij(t − 1) + σ·√(1 − φ²)·z_ij(t),   b_ij(0) ~ N(0, σ²),

   (σ = ``misperception``, φ = ``misperception_persistence``; its stationary
   sd is σ, its memory 1/(1 − φ) years), applied as the factor exp(b_ij) to
   the military and the composite power i sees of j (``seen_military``,
   ``seen_power``; never on the diagonal: a state knows its own forces).
   The step runs at the ``perceive`` stage after perception and beliefs, so
   threat, armament, the war decision and the alliances all read the biased
   view; beliefs about intentions do not read it.
2. **Cognitive biases.**  (a) *Overconfidence* about one's own chance of
   winning (Blainey 1973: wars begin when both sides expect to win; Van
   Evera 1999, ch. 2, false optimism; Johnson 2004, positive illusions):
   the field ``confidence`` (role ``confidence``) is a factor on the
   challenger's own forces in its own estimate of its chance of winning —
   the target's view and the fighting use the true forces —
   ``(1 + overconfidence)·exp(s·z_i − s²/2)``, a disposition drawn once per
   state with the log-normal spread s = ``overconfidence_spread``.
   (b) *Worst-case assumptions* about others' intentions (Jervis 1976, ch.
   3; Glaser 2010 on the worst-case reasoning of some realists): the field
   ``worst_case_factor`` (role ``intentions``, a factor on the threat i
   perceives from j) moves the intentions factor the other mechanisms give,
   I_ij (beliefs' Walt factor, 1 at the prior), a share w = ``worst_case``
   of the way to its hostile maximum I_max = 1 + 2·intentions_weight·(1 −
   greedy_share) (the factor of a state known to be greedy, beliefs.py):
   the product is I_ij + w·max(0, I_max − I_ij).
3. **Bureaucratic politics** (Allison 1971's Model III; Halperin 1974;
   Wildavsky 1964's incrementalism).  The budget is not the strategists'
   choice alone but a compromise with the agencies, which bargain from last
   year's budget: at the ``allocate`` stage, after :mod:`.armament` chose
   its burden a_i (its partial adjustment toward the best response
   ``burden_target``), the burden becomes

       b_i = clip((1 − β)·a_i + β·B_i, 0, 0.9),
       B_i = b_last,i · (1/K)·Σ_k exp(μ + π_ik + σ_n·ε_ikt),

   β = ``bureaucratic_inertia``: the budget moves from last year's only a
   share 1 − β toward the strategists' choice; B_i is the agencies'
   incremental proposal — each of K = ``services`` services asks for its
   share of last year's budget times a growth factor (Wildavsky's base plus
   increment): the common increment μ = ``service_increment``, the
   service's persistent pull π_ik ~ N(0, ``service_pull``²) (drawn once:
   its organisational essence, Halperin 1974), and a yearly bargaining
   shock of sd ``bargaining_noise``; the budget is the sum of the services'
   budgets.  The state measure ``budget_gap`` is b − ``burden_target``, the
   departure of the chosen burden from the best response to threat.  Worlds
   in Richardson's mode (their burden only charges growth) are left alone.
4. **Ideologically motivated wars** (against the expected-utility calculus
   of Bueno de Mesquita 1981; crusades and wars of faith): the field
   ``crusade`` (role ``crusade``) is 1 in a year in which a living state
   starts a war whatever its expected utility, drawn each year with
   probability ``ideological_war``; the war decision (:mod:`.conflict`)
   presses a crisis for it and goes to war against the valid target where
   war pays most (cause "ideology").

Event ``misperceived_war`` (at the ``measure`` stage of the year a war
ended): the initiator lost a war it expected to win (expected utility > 0
when the war began).  Emitted in the worlds where any of the four is on.

With every parameter at its default each step returns at once, the role
fields are neutral constant views (factor 1, crusade 0) and the model is bit
for bit the model without this mechanism (tests/test_cognition.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from .. import fmath, rng
from ..schema import StrictModel
from .armament import RICHARDSON, _burden0
from .base import (
    EventField,
    EventKind,
    InitContext,
    Measure,
    Mechanism,
    StateField,
    Step,
    Stream,
    anywhere,
    constant_view,
    emit,
    memo,
    neutral_view,
    pair,
    role_product,
)

BIAS = Stream("cognition", "misperception")
CONFIDENCE = Stream("cognition", "overconfidence")
PULL = Stream("cognition", "service_pull")
BARGAIN = Stream("cognition", "bargaining")
ZEAL = Stream("cognition", "ideological_war")

#: The burden's allowed range under bureaucratic bargaining (armament's parameters allow up to 0.9).
MAX_BURDEN = 0.9
#: Most services a budget is split among (``services`` ≤ this): the draws are made for all of them.
MAX_SERVICES = 10
#: The hostile maximum of the intentions factor when no beliefs parameters are registered
#: (beliefs' 1 + 2w(1 − q) at w = 1, q = ½).
HOSTILE_MAX = 2.0
#: below this, another mechanism's intentions factor counts as 0 (the state is fully trusted)
TINY = 1e-9
FATES = ("survived", "conquered")


class CognitionParams(StrictModel):
    """The limits of the rational actor (off by default): misperception (Jervis 1976), overconfidence (Johnson 2004), worst-case assumptions, bureaucratic politics (Allison 1971; Halperin 1974), ideological wars.

    seen_ij × exp(b_ij), b_ij(t) = φ·b_ij(t−1) + σ√(1−φ²)·z; confidence_i = (1 + overconfidence)·exp(s·z_i − s²/2);
    intentions I → I + worst_case·max(0, I_max − I); burden b = clip((1−β)·a + β·b_last·mean_k exp(μ + π_k + σ_n·ε_k), 0, 0.9);
    crusade_i = 1 with probability ideological_war a year.
    """

    misperception: float = Field(
        default=0.0, ge=0.0, le=3.0,
        description="σ: stationary sd of each observer's persistent log bias about each other state's military and power "
        "(cognitive misperception: images anchored and slow to update, Jervis 1976); 0 = off. Apart from perception's "
        "yearly fog (perception.capability_noise)",
    )
    misperception_persistence: float = Field(
        default=0.9, ge=0.0, le=1.0,
        description="φ: the bias's year-to-year autocorrelation (AR(1)); its memory is about 1/(1 − φ) years "
        "(1 = an image never revised, Jervis 1976 ch. 4; 0 = a new bias each year)",
    )
    overconfidence: float = Field(
        default=0.0, ge=0.0, le=3.0,
        description="a challenger rates its own forces (1 + overconfidence) × their true strength when it estimates its "
        "chance of winning (positive illusions, Johnson 2004; false optimism, Van Evera 1999; Blainey 1973); 0 = off",
    )
    overconfidence_spread: float = Field(
        default=0.0, ge=0.0, le=2.0,
        description="sd of the log-normal spread of overconfidence across states (a disposition drawn once per state, "
        "mean 1 + overconfidence); applies only where overconfidence > 0",
    )
    worst_case: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="w: share of the way from the intentions factor beliefs give to its hostile maximum (the factor of "
        "a state known to be greedy): worst-case assumptions about others' aims (Jervis 1976 ch. 3; Glaser 2010); 0 = off",
    )
    bureaucratic_inertia: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="β: weight of the agencies' incremental proposal against the strategists' burden; the budget moves "
        "from last year's only a share 1 − β toward armament's choice (bureaucratic politics, Allison 1971; Halperin "
        "1974; incrementalism, Wildavsky 1964); 0 = off",
    )
    services: int = Field(
        default=3, ge=1, le=MAX_SERVICES,
        description="K: the services (agencies) among which the military budget is split and bargained (army, navy, "
        "air force…; Halperin 1974)",
    )
    service_increment: float = Field(
        default=0.02, ge=-0.5, le=0.5,
        description="μ: the yearly growth each service asks for over its last budget (Wildavsky 1964: the base plus an "
        "increment); read only where bureaucratic_inertia > 0",
    )
    service_pull: float = Field(
        default=0.1, ge=0.0, le=1.0,
        description="sd of each service's persistent pull, a log factor on the growth it claims, drawn once per state and "
        "service (its organisational essence, Halperin 1974); read only where bureaucratic_inertia > 0",
    )
    bargaining_noise: float = Field(
        default=0.05, ge=0.0, le=1.0,
        description="sd of each service's yearly bargaining shock (log factor on its claim); read only where "
        "bureaucratic_inertia > 0",
    )
    ideological_war: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="probability a state sets out this year on a war whatever its expected utility (an ideologically "
        "motivated war, against the expected-utility calculus of Bueno de Mesquita 1981); 0 = off",
    )


# --------------------------------------------------------------------------- switches


def _on(x: Any) -> bool:
    return anywhere(x, lambda v: v > 0)


def _any_on(c: Any) -> bool:
    return any(_on(x) for x in (c.misperception, c.overconfidence, c.worst_case, c.bureaucratic_inertia, c.ideological_war))


_PARTS = ("misperception", "overconfidence", "worst_case", "bureaucratic_inertia", "ideological_war")


def _switches(params: Any) -> dict[str, bool]:
    """Which parts are on in any world (and ``any``: whether one is), tested once a batch (:func:`.base.memo`)."""
    def make() -> dict[str, bool]:
        c = params.cognition
        on = {k: _on(getattr(c, k)) for k in _PARTS}
        on["any"] = any(on.values())
        return on

    return memo(params, "cognition.on", make)


def _world_on(c: Any, R: int) -> NDArray[np.bool_]:
    """(R,): the worlds in which any part of the mechanism is on."""
    on = np.zeros(R, dtype=bool)
    for x in (c.misperception, c.overconfidence, c.worst_case, c.bureaucratic_inertia, c.ideological_war):
        on = on | np.broadcast_to(np.asarray(x) > 0, (R, 1))[:, 0]
    return on


# --------------------------------------------------------------------------- initial values


def _init_bias(ctx: InitContext) -> NDArray[np.float64]:
    """b_ij(0) ~ N(0, σ²), the stationary law of the AR(1); 0 on the diagonal (or everywhere when off)."""
    sd = ctx.params.cognition.misperception
    if not _on(sd):
        return np.zeros(())
    N = ctx.shape[1]
    b = pair(sd) * rng.normal(ctx.keys, 0, BIAS.id, (N, N))
    return np.where(np.eye(N, dtype=bool)[None], 0.0, b)


def _confidence(keys: NDArray[np.uint64], params: Any, N: int) -> NDArray[np.float64]:
    c = params.cognition
    R = keys.shape[0]
    oc, s = c.overconfidence, c.overconfidence_spread
    if not _on(oc):
        return constant_view(1.0, (R, N))
    s = np.where(np.asarray(oc) > 0, s, 0.0)  # the spread applies only where overconfidence is on
    z = rng.normal(keys, 0, CONFIDENCE.id, (N,))
    return np.broadcast_to((1.0 + oc) * fmath.exp(s * z - 0.5 * s * s), (R, N)).copy()


def _init_confidence(ctx: InitContext) -> NDArray[np.float64]:
    return _confidence(ctx.keys, ctx.params, ctx.shape[1])


# --------------------------------------------------------------------------- perceive


def _hostile_max(params: Any) -> Any:
    """I_max: the intentions factor beliefs gives a state known to be greedy (belief 1), 1 + 2w(1 − q)."""
    b = getattr(params, "beliefs", None)
    if b is None or not hasattr(b, "intentions_weight"):
        return HOSTILE_MAX
    from .beliefs import intent_factor

    return intent_factor(1.0, params)


def _other_intentions(state) -> NDArray[np.float64] | float:
    """The product of the other mechanisms' intentions factors as they stand (1 where none)."""
    out = role_product(state, "intentions", exclude=("worst_case_factor",))
    return 1.0 if out is None else out


def worst_case_factor(state, params) -> NDArray[np.float64]:
    """F_ij (R, N, N): the factor that moves the others' intentions factor I_ij a share ``worst_case`` of the way
    to its hostile maximum, I·F = I + w·max(0, I_max − I); 1 on the diagonal (and where w = 0)."""
    R, N = state.shape
    w = pair(params.cognition.worst_case)
    others = np.broadcast_to(np.asarray(_other_intentions(state), dtype=np.float64), (R, N, N))
    imax = _hostile_max(params)
    f = 1.0 + w * np.maximum(0.0, imax / np.maximum(others, TINY) - 1.0)
    return np.where(np.eye(N, dtype=bool)[None], 1.0, f)


def perceive(keys, state, params):
    """The persistent bias on what each state sees of the others; the worst-case factor on intentions; the
    neutral role fields made constant views where their part is off."""
    c = params.cognition
    R, N = state.shape
    new: dict[str, Any] = {}
    on = _switches(params)
    if on["misperception"]:
        sd = pair(c.misperception)
        phi = pair(c.misperception_persistence)
        z = rng.normal(keys, state.t + 1, BIAS.id, (N, N))
        b = phi * state.misperception_bias + sd * np.sqrt(1.0 - phi * phi) * z
        b = np.where(np.eye(N, dtype=bool)[None], 0.0, b)
        factor = fmath.exp(b)
        new.update(misperception_bias=b, seen_military=state.seen_military * factor,
                   seen_power=state.seen_power * factor)
    else:
        new["misperception_bias"] = neutral_view(state.misperception_bias, 0.0, (R, N, N))
    if on["worst_case"]:
        new["worst_case_factor"] = worst_case_factor(state, params)
    else:
        new["worst_case_factor"] = neutral_view(state.worst_case_factor, 1.0, (R, N, N))
    if not on["overconfidence"]:
        new["confidence"] = neutral_view(state.confidence, 1.0, (R, N))
    new = {k: v for k, v in new.items() if v is not getattr(state, k)}
    if not new:
        return state, ()
    return state.replace(**new), ()


# --------------------------------------------------------------------------- allocate


def proposal(keys, state, params) -> NDArray[np.float64]:
    """B (R, N): the services' incremental proposal, last year's budget × the mean of their growth factors."""
    c = params.cognition
    N = state.shape[1]
    k = np.arange(MAX_SERVICES)
    K = np.asarray(c.services)
    serves = (k < (K[..., None] if K.ndim else K)).astype(np.float64)  # (K,) or (R, 1, K)
    if serves.ndim == 1:
        serves = serves[None, None, :]
    pull = rng.normal(keys, 0, PULL.id, (N, MAX_SERVICES))
    shock = rng.normal(keys, state.t + 1, BARGAIN.id, (N, MAX_SERVICES))
    g = pair(c.service_increment) + pair(c.service_pull) * pull + pair(c.bargaining_noise) * shock
    growth = (fmath.exp(g) * serves).sum(axis=-1) / serves.sum(axis=-1)
    return state.budget_last * growth


def bargain(keys, state, params):
    """Bureaucratic politics: the budget is a compromise between armament's burden and the agencies' proposal."""
    c = params.cognition
    beta = c.bureaucratic_inertia
    if not _switches(params)["bureaucratic_inertia"]:
        return state, ()
    a = state.burden
    b = (1.0 - beta) * a + beta * proposal(keys, state, params)
    b = np.clip(b, 0.0, MAX_BURDEN)
    on = np.asarray(beta) > 0
    mode = params.armament.mode
    if anywhere(mode, lambda m: m == RICHARDSON):
        on = on & (np.asarray(mode) != RICHARDSON)
    b = np.where(on & state.alive, b, a)
    return state.replace(burden=b, budget_last=b), ()


# --------------------------------------------------------------------------- decide


def zeal(keys, state, params):
    """Who sets out on an ideological war this year (1.0), whatever its expected utility."""
    p = params.cognition.ideological_war
    R, N = state.shape
    if not _switches(params)["ideological_war"]:
        off = neutral_view(state.crusade, 0.0, (R, N))
        return (state if off is state.crusade else state.replace(crusade=off)), ()
    u = rng.uniform(keys, state.t + 1, ZEAL.id, (N,))
    crusade = (u < p) & state.alive & params.actor[None, :]
    return state.replace(crusade=crusade.astype(np.float64)), ()


# --------------------------------------------------------------------------- measure


def record(keys, state, params):
    """``misperceived_war``: the initiator's side lost a war that ended this year, which it expected to win."""
    c = params.cognition
    outcome = getattr(state, "war_outcome", None)
    eu = getattr(state, "war_eu", None)
    if outcome is None or eu is None or not _switches(params)["any"]:
        return state, ()
    R, N = state.shape
    with np.errstate(invalid="ignore"):
        hit = (outcome == 2) & (eu > 0) & _world_on(c, R)[:, None]
    if not hit.any():
        return state, ()
    r, s = np.nonzero(hit)
    foe = getattr(state, "war_foe", None)
    foe = np.full(len(r), -1, dtype=np.int64) if foe is None else foe[r, s]
    alive = state.alive
    ok = (foe >= 0) & alive[r, np.maximum(foe, 0)]
    survived = alive[r, s]
    # a conquered initiator is no actor any more: the event names it only by its fate (see the death event)
    ev = emit("misperceived_war", r, attacker=np.where(survived, s, -1), defender=np.where(ok, foe, -1),
              expected_utility=eu[r, s], fate=np.where(survived, 0, 1))
    return state, (ev,)


def _gap(state, params) -> NDArray[np.float64]:
    return np.where(state.alive, state.burden - state.burden_target, 0.0)


def _summary(rs, s):
    if rs is None:
        return []
    try:
        row = rs.query("SELECT count(*) AS n, count(*) FILTER (WHERE fate = 'conquered') AS dead "
                       "FROM events WHERE event = 'misperceived_war'").iloc[0]
    except Exception:  # noqa: BLE001 (a result without the column: the mechanism was not registered)
        return []
    n = int(row["n"])
    return [f"Misperceived wars (the initiator lost a war it expected to win): {n:,}; the initiator was conquered "
            f"in {int(row['dead']):,} of them"] if n else []


MECHANISM = Mechanism(
    name="cognition",
    params=CognitionParams,
    doc=CognitionParams.__doc__ or "",
    sources=("Jervis 1976", "Blainey 1973", "Van Evera 1999", "Johnson 2004", "Glaser 2010", "Allison 1971",
             "Halperin 1974", "Wildavsky 1964", "Bueno de Mesquita 1981"),
    fields=(
        StateField("misperception_bias", np.float64, "pair", _init_bias,
                   "b_ij: i's persistent log bias about j's military and power, an AR(1) over years (Jervis 1976); "
                   "0 on the diagonal"),
        StateField("confidence", np.float64, "state", _init_confidence,
                   "factor on a challenger's own forces in its estimate of winning: 1 + overconfidence (Johnson 2004)",
                   role="confidence"),
        StateField("worst_case_factor", np.float64, "pair", lambda ctx: 1.0,
                   "factor moving the intentions factor toward its hostile maximum by the share worst_case "
                   "(worst-case assumptions)", role="intentions"),
        StateField("crusade", np.float64, "state", lambda ctx: 0.0,
                   "1: this year the state starts a war whatever its expected utility (an ideological war)",
                   role="crusade"),
        StateField("budget_last", np.float64, "state", _burden0,
                   "the burden bureaucratic bargaining chose last year (the agencies' base)"),
    ),
    streams=(BIAS, CONFIDENCE, PULL, BARGAIN, ZEAL),
    events=(
        EventKind("misperceived_war", (
            EventField("attacker", "state", "the initiator (empty when it was conquered in the war)"),
            EventField("defender", "state", "the original target"),
            EventField("expected_utility", "float", "the initiator's expected utility when the war began (> 0)"),
            EventField("fate", "label", "the initiator survived the war or was conquered in it", choices=FATES),
        ), "a war ended in the defeat of an initiator that expected to win it (Jervis 1976; Blainey 1973)"),
    ),
    measures=(
        Measure("budget_gap", "state", np.float64, _gap,
                "the chosen military burden minus the best response to threat (armament's burden_target): "
                "the departure of policy from the structural prediction"),
    ),
    steps=(Step("perceive", perceive, "misperceive"), Step("allocate", bargain, "bargain"),
           Step("decide", zeal, "zeal"), Step("measure", record, "record")),
    summary=_summary,
    module=__name__,
)
