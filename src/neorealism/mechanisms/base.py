"""The mechanism protocol: what a mechanism declares, and the pieces the engine builds from it.

A mechanism is one module under :mod:`neorealism.mechanisms` holding one
:class:`Mechanism`: its parameter model (the scenario's ``params.<name>``
group, a frozen pydantic model with defaults, ranges and descriptions), the
state fields it owns with their initial values, its random streams, the
events it emits (kind and typed fields), the measures it reports, and pure
step functions ``step(keys, state, params) -> (state, events)``, each placed
at one stage of the year (:data:`STAGES`, docs/DESIGN.md §2).

Everything else is derived from the ordered registry of mechanisms
(:mod:`neorealism.mechanisms.registry`): the scenario's ``params`` model and
``--set`` paths, the world state's fields, the states / system / events
tables and their Arrow schemas, the generated parameter reference and the
run summary.  Adding a mechanism is adding its module and its entry in the
registry list.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # pragma: no cover
    from pydantic import BaseModel

    from ..state import EngineParams, WorldState

#: The stages of one simulated year, in order (docs/DESIGN.md §2).  Within a
#: stage, steps run in registry order.
STAGES: tuple[str, ...] = (
    "perceive",   # 1. what each state sees of the others
    "assess",     # 2. threat (Walt's balance of threat)
    "cooperate",  # 3. deals, relative gains
    "allocate",   # 4. internal balancing
    "ally",       # 5. external balancing
    "decide",     # 6. crises, bargaining, war decisions, enforcement
    "mobilize",   # 7. planned wars begin; allies honour (or abandon) their commitments and join
    "resolve",    # 8. fighting, costs, transfers, conquest
    "grow",       # 9. growth, military stock
    "measure",    # 10. power shares, polarity, concentration
)

#: Shapes a state field can have, per world: one value per world, per state, or per ordered pair.
Shape = Literal["world", "state", "pair"]
#: Types an event field can have.  ``state`` is a state index (−1 none), shown as the state's name.
EventType = Literal["state", "int", "float", "label"]


@dataclass(frozen=True)
class InitContext:
    """What a field's initialiser may read: the scenario, the per-world parameters, the worlds' keys."""

    scenario: Any
    params: EngineParams
    keys: NDArray[np.uint64]

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.keys.shape[0]), int(self.params.n_states))

    def per_state(self, attr: str, default: Any = None) -> NDArray[np.float64]:
        """A per-state scenario value (``states[k].<attr>``) tiled over the worlds, ``(R, N)``."""
        vals = [getattr(s, attr) for s in self.scenario.states]
        v = np.array([default if x is None else x for x in vals], dtype=np.float64)
        return np.broadcast_to(v, self.shape).copy()


#: The hooks through which one mechanism's field enters another's formula, without either naming
#: the other (docs/architecture.md#roles).  A field declares its role; the reader combines every
#: field of that role (a product for factors and weights, a sum for costs) and, where no field has
#: the role, computes exactly what it computed before.
ROLES: dict[str, tuple[str, str]] = {
    "intentions": ("pair", "I_ij, a factor on the threat i perceives from j (threat; Walt 1987)"),
    "arming_weight": ("pair", "a weight on the threat from j that i arms against (armament)"),
    "arming_factor": ("state", "a factor on the military a state seeks against its threats (armament)"),
    "war_cost": ("pair", "an expected cost of war for i attacking j, in shares of i's economy, added to i's cost (war)"),
    "gain_weight": ("state", "a weight on what a challenger takes if it wins (war)"),
    "hostility": ("pair", "the probability i gives that j has aggressive aims: the pre-emptive motive (war)"),
    "restraint": ("state", "1: the state presses a crisis only with a defensive motive, to prevent or pre-empt (war)"),
    "aims": ("state", "1: the state has aggressive aims (greedy), and no restraint of a doctrine binds it (war)"),
    "confidence": ("state", "a factor on a challenger's own forces in its estimate of winning: > 1 overconfidence (war; Johnson 2004)"),
    "crusade": ("state", "1: this year the state starts a war whatever its expected utility (war: an ideologically motivated war)"),
}


@dataclass(frozen=True)
class StateField:
    """A piece of the world state a mechanism owns.

    ``init(ctx)`` returns its initial value, broadcastable to the field's
    shape (``(R,)``, ``(R, N)`` or ``(R, N, N)``).  ``record=True`` puts a
    ``state``-shaped field in the states table (one column).  ``role`` (one
    of :data:`ROLES`) makes the field an input of another mechanism's formula.
    """

    name: str
    dtype: Any
    shape: Shape
    init: Callable[[InitContext], Any]
    description: str
    record: bool = False
    role: str = ""

    def __post_init__(self) -> None:
        if self.role:
            if self.role not in ROLES:
                raise ValueError(f"field {self.name!r}: role {self.role!r}: allowed {', '.join(ROLES)}")
            if ROLES[self.role][0] != self.shape:
                raise ValueError(f"field {self.name!r}: role {self.role!r} needs shape {ROLES[self.role][0]!r}")


@dataclass(frozen=True)
class EventField:
    """One typed field of an event kind (a column of the events table)."""

    name: str
    type: EventType
    description: str
    choices: tuple[str, ...] = ()  # labels of a ``label`` field (stored as codes)

    @property
    def missing(self) -> Any:
        """The value of this column in rows of event kinds that do not have it."""
        return np.nan if self.type == "float" else -1


@dataclass(frozen=True)
class EventKind:
    """A kind of event (a value of ``events.event``) and its fields."""

    name: str
    fields: tuple[EventField, ...]
    description: str


@dataclass(frozen=True)
class Measure:
    """A measure a mechanism reports each year: a ``system`` column (one value per world)
    or a ``state`` column (one per world and state) computed from the state after the year.

    ``labels`` turns an integer code into text (e.g. polarity).
    """

    name: str
    level: Literal["system", "state"]
    dtype: Any
    compute: Callable[[WorldState, EngineParams], NDArray]
    description: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stream:
    """A named random stream of a mechanism.  Its id is a stable hash of the two names, so adding a
    stream or a mechanism never shifts another's numbers; ``legacy`` keeps the id the core used
    before the registry existed (the same numbers as earlier releases)."""

    mechanism: str
    name: str
    legacy: int | None = None

    @functools.cached_property
    def id(self) -> int:  # a hash: computed on first use (the steps read it every year)
        if self.legacy is not None:
            return self.legacy
        h = hashlib.blake2b(f"{self.mechanism}/{self.name}".encode(), digest_size=8).digest()
        return (int.from_bytes(h, "little") >> 2) | (1 << 40)  # never one of the small legacy ids


@dataclass
class Emitted:
    """Events of one kind emitted by a step: world rows ``r`` and one array per field."""

    kind: str
    r: NDArray[np.int64]
    values: dict[str, Any]


def emit(kind: str, r: NDArray[np.integer], **values: Any) -> Emitted:
    """Events of ``kind`` in the world rows ``r`` (one event per entry); fields as keyword arrays."""
    return Emitted(kind, np.asarray(r, dtype=np.int64), values)


StepFn = Callable[[NDArray[np.uint64], "WorldState", "EngineParams"], tuple["WorldState", Sequence[Emitted]]]


@dataclass(frozen=True)
class Step:
    """A step function at one stage of the year."""

    stage: str
    fn: StepFn
    name: str = ""

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"stage {self.stage!r}: allowed {', '.join(STAGES)}")


@dataclass(frozen=True)
class Mechanism:
    """Everything a mechanism declares (see the module docstring).

    ``name`` is its parameter group (``params.<name>``).  ``derive(scenario,
    params)`` may precompute per-run arrays from the scenario and the
    per-world parameters (e.g. the loss-of-strength matrix); they are
    reachable as attributes of :class:`~neorealism.state.EngineParams`.
    ``summary(result_set)`` may add lines to the run summary.  ``sources``
    are the works the mechanism encodes; ``module`` its import path (for the
    docs).
    """

    name: str
    params: type[BaseModel]
    doc: str
    sources: tuple[str, ...] = ()
    fields: tuple[StateField, ...] = ()
    streams: tuple[Stream, ...] = ()
    events: tuple[EventKind, ...] = ()
    measures: tuple[Measure, ...] = ()
    steps: tuple[Step, ...] = ()
    derive: Callable[[Any, EngineParams], Mapping[str, Any]] | None = None
    summary: Callable[[Any], Mapping[str, Any]] | None = None
    module: str = ""
    #: names of fields whose total over the living states a step keeps constant (for the contract tests)
    conserves: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- per-world parameters


def pair(x: Any) -> Any:
    """A per-world parameter shaped to broadcast over ordered pairs ``(R, N, N)``."""
    return x[..., None] if isinstance(x, np.ndarray) else x


def at(x: Any, r: NDArray[np.integer]) -> Any:
    """A per-world parameter at world rows ``r`` (``(K, 1)``), for steps that work on a subset."""
    return x[r] if isinstance(x, np.ndarray) else x


def at_each(x: Any, r: NDArray[np.integer]) -> Any:
    """A per-world parameter at world rows ``r`` as a flat ``(K,)`` vector (one value per entry)."""
    return x[r, 0] if isinstance(x, np.ndarray) else x


def per_world_vector(x: Any, R: int, dtype: Any = np.float64) -> NDArray[Any]:
    """A per-world parameter (a number or an ``(R, 1)`` column) as a contiguous ``(R,)`` vector (for kernels)."""
    if isinstance(x, np.ndarray) and x.size == R:
        return np.ascontiguousarray(x.reshape(R), dtype=dtype)
    if isinstance(x, (bool, int, float, np.generic)):
        return np.full(R, x, dtype=dtype)
    return np.ascontiguousarray(np.broadcast_to(np.asarray(x).reshape(-1), (R,)), dtype=dtype)


def laid_out(x: Any, shape: tuple[int, ...], dtype: Any = np.float64) -> NDArray[Any]:
    """``x`` as a contiguous array of ``shape`` and ``dtype`` for a kernel: ``x`` itself when it already
    is one (no broadcast or copy a year), else broadcast and copied."""
    if isinstance(x, np.ndarray) and x.shape == shape and x.dtype == dtype and x.flags.c_contiguous:
        return x
    return np.ascontiguousarray(np.broadcast_to(x, shape), dtype=dtype)


def field_reader(name: str) -> Callable[[Any, Any], Any]:
    """A measure's ``compute``: the state field ``name`` as it stands at the end of the year."""
    return lambda state, params: getattr(state, name)


def anywhere(x: Any, test: Callable[[Any], Any]) -> bool:
    """Whether ``test`` holds for the parameter in any world (to skip work switched off everywhere)."""
    out = test(x)
    if isinstance(out, (bool, np.bool_)):
        return bool(out)  # a number: no reduction to call (the steps ask some thirty times a year)
    return bool(np.any(out))


# --------------------------------------------------------------------------- roles


def _role_values(state: Any, role: str, exclude: tuple[str, ...] = ()) -> list[Any]:
    current = _registry_current or _load_registry_current()
    out = []
    for n in current().role_fields(role):
        if n not in exclude:
            v = getattr(state, n, None)
            if v is not None:
                out.append(v)
    return out


_registry_current = None


def _load_registry_current() -> Callable[[], Any]:
    """:func:`.registry.current`, imported on first use (the registry imports this module), then kept:
    the role readers run some thirty times a year."""
    global _registry_current
    from .registry import current

    _registry_current = current
    return current


def constant_view(value: float, shape: tuple[int, ...]) -> NDArray[np.float64]:
    """A read-only array of one value that takes no memory (a neutral role field: 0 cost, factor 1):
    the role readers skip it without a pass over it."""
    return np.broadcast_to(np.float64(value), shape)


def neutral_view(current: Any, value: float, shape: tuple[int, ...]) -> NDArray[np.float64]:
    """A field switched off: ``current`` itself when it already is a :func:`constant_view` of ``value``
    (the step then leaves the state as it was), else a new one."""
    return current if _is_constant(current, value) else constant_view(value, shape)


def _is_constant(v: Any, value: float) -> bool:
    return isinstance(v, np.ndarray) and v.ndim > 0 and not any(v.strides) and v.size > 0 and v.flat[0] == value


def role_product(state: Any, role: str, exclude: tuple[str, ...] = ()) -> NDArray[np.float64] | None:
    """The product of the fields that play ``role`` (a factor or a weight), or None when none does
    (or the state holds none of them).  A field that is a :func:`constant_view` of 1 is skipped;
    ``exclude`` leaves out the fields named (a mechanism reading the others' factors without its own)."""
    values = _role_values(state, role, exclude)
    if not values:
        return None
    kept = [v for v in values if not _is_constant(v, 1.0)] or values[:1]
    out = np.asarray(kept[0], dtype=np.float64)
    for v in kept[1:]:
        out = out * v
    return out


def role_factor(state: Any, role: str) -> NDArray[np.float64] | None:
    """:func:`role_product` for a role whose neutral value is 1 (a pure factor): None also when every
    field playing it is a :func:`constant_view` of 1, so the reader skips the multiplication."""
    out = role_product(state, role)
    return None if out is None or _is_constant(out, 1.0) else out


def role_sum(state: Any, role: str, exclude: tuple[str, ...] = ()) -> NDArray[np.float64] | None:
    """The sum of the fields that play ``role`` (a cost), or None when none does (a field that is a
    :func:`constant_view` of 0 adds nothing and is skipped); ``exclude`` leaves out the fields named
    (a mechanism reading the others' costs without its own)."""
    values = [v for v in _role_values(state, role, exclude) if not _is_constant(v, 0.0)]
    if not values:
        return None
    out = np.asarray(values[0], dtype=np.float64)
    for v in values[1:]:
        out = out + v
    return out


def role_any(state: Any, role: str) -> NDArray[np.float64] | None:
    """The largest of the fields that play ``role`` (a flag: 1 where any field raises it), or None when
    none does; a field that is a :func:`constant_view` of 0 (the flag lowered everywhere) is skipped."""
    values = [v for v in _role_values(state, role) if not _is_constant(v, 0.0)]
    if not values:
        return None
    out = np.asarray(values[0], dtype=np.float64)
    for v in values[1:]:
        out = np.maximum(out, v)
    return out


def memo(params: Any, key: str, make: Callable[[], Any]) -> Any:
    """``params.memo(key, make)`` (a value built once a batch from the frozen parameters), or ``make()``
    for a parameter object that keeps no memo (a test's stand-in)."""
    keep = getattr(params, "memo", None)
    return keep(key, make) if callable(keep) else make()
