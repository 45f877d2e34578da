"""The registry: the ordered list of mechanisms, and everything derived from it.

:data:`MECHANISMS` is the one list to edit when a mechanism is added.  From
it come the scenario's ``params`` model (one group per mechanism), the world
state's fields, the year's steps in stage order (docs/DESIGN.md §2), the
columns of the states, system and events tables with their Arrow types, the
random stream ids, and the parameter reference.  :func:`using` installs
another list for a while (tests, experiments with an extra mechanism).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from typing import Any

from .base import STAGES, EventField, EventKind, Measure, Mechanism, StateField, Step


def _default() -> tuple[Mechanism, ...]:
    from . import (
        alliances,
        armament,
        authority,
        beliefs,
        cognition,
        conflict,
        cooperation,
        doctrines,
        domestic,
        geography,
        growth,
        nuclear,
        perception,
        polarity,
        policy,
        structure,
        threat,
    )

    # Order matters twice: steps of one stage run in this order, and table columns follow it.
    return (
        structure.MECHANISM,   # the distribution of capabilities (Waltz's structure)
        polarity.MECHANISM,    # measure: power shares, great powers, polarity, CON, HHI
        geography.MECHANISM,   # the map and the loss-of-strength gradient
        perception.MECHANISM,  # perceive
        beliefs.MECHANISM,     # perceive: types and Bayesian beliefs about them (the security dilemma)
        threat.MECHANISM,      # assess
        nuclear.MECHANISM,     # assess: who holds a secure second strike; the deterrent (role war_cost)
        doctrines.MECHANISM,   # (fields) defensive / offensive realism: arming, gains, restraint (roles)
        policy.MECHANISM,      # assess: reassure or deter each rival (roles arming_weight, war_cost); arms races
        armament.MECHANISM,    # allocate (internal balancing)
        cooperation.MECHANISM,  # cooperate: deals, relative vs absolute gains (Grieco 1988); interdependence
        cognition.MECHANISM,   # critique (off by default): misperception, biases, bureaucratic politics
        domestic.MECHANISM,    # critique (off by default): regimes, the democratic peace, leaders
        conflict.MECHANISM,    # decide (bargaining), mobilize (begin), resolve (coalition wars), measure (trend)
        alliances.MECHANISM,   # ally (forming, dissolving), mobilize (honouring), measure (blocs)
        authority.MECHANISM,   # decide: the hierarchy counterfactual
        growth.MECHANISM,      # grow
    )


class Registry:
    """An ordered, checked set of mechanisms and the declarations derived from it."""

    def __init__(self, mechanisms: Sequence[Mechanism]):
        self.mechanisms: tuple[Mechanism, ...] = tuple(mechanisms)
        self._check()

    def _check(self) -> None:
        seen: dict[str, str] = {}

        def claim(kind: str, name: str, owner: str) -> None:
            key = f"{kind}:{name}"
            if key in seen:
                raise ValueError(f"{kind} {name!r} is declared by both {seen[key]} and {owner}")
            seen[key] = owner

        for m in self.mechanisms:
            claim("mechanism", m.name, m.name)
            for f in m.fields:
                claim("state field", f.name, m.name)
                if f.record and f.shape != "state":
                    raise ValueError(f"{m.name}: field {f.name!r} is recorded but not one value per state")
            for s in m.streams:
                claim("stream id", str(s.id), f"{m.name}.{s.name}")
            for e in m.events:
                claim("event kind", e.name, m.name)
            for ms in m.measures:
                claim(f"{ms.level} measure", ms.name, m.name)
        fields: dict[str, EventField] = {}
        for m in self.mechanisms:
            for e in m.events:
                for f in e.fields:
                    if f.name in ("world", "year", "event"):
                        raise ValueError(f"event field name {f.name!r} is reserved")
                    old = fields.setdefault(f.name, f)
                    if (old.type, old.choices) != (f.type, f.choices):
                        raise ValueError(f"event field {f.name!r} has two types ({old.type}, {f.type})")
        cols = {f.name for _, f in self.fields() if f.record} | {ms.name for ms in self.measures("state")}
        for c in ("world", "year", "state"):
            if c in cols:
                raise ValueError(f"states column name {c!r} is reserved")

    # -- lookups -------------------------------------------------------------------

    def __iter__(self) -> Iterator[Mechanism]:
        return iter(self.mechanisms)

    def get(self, name: str) -> Mechanism:
        for m in self.mechanisms:
            if m.name == name:
                return m
        raise KeyError(name)

    def fields(self) -> list[tuple[Mechanism, StateField]]:
        return [(m, f) for m in self.mechanisms for f in m.fields]

    @functools.cached_property
    def _roles(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for _, f in self.fields():
            if f.role:
                out.setdefault(f.role, []).append(f.name)
        return {k: tuple(v) for k, v in out.items()}

    def role_fields(self, role: str) -> tuple[str, ...]:
        """The names of the fields that play ``role`` (:data:`.base.ROLES`), in registry order."""
        return self._roles.get(role, ())

    @functools.cached_property
    def _ordered_steps(self) -> tuple[tuple[Mechanism, Step], ...]:
        out = [(STAGES.index(s.stage), k, m, s) for k, m in enumerate(self.mechanisms) for s in m.steps]
        out.sort(key=lambda x: (x[0], x[1]))
        return tuple((m, s) for _, _, m, s in out)

    def steps(self, stage: str | None = None) -> list[tuple[Mechanism, Step]]:
        """The year's steps in stage order (registry order within a stage)."""
        return [(m, s) for m, s in self._ordered_steps if stage is None or s.stage == stage]

    def measures(self, level: str) -> list[Measure]:
        return [ms for m in self.mechanisms for ms in m.measures if ms.level == level]

    def event_kinds(self) -> list[EventKind]:
        return [e for m in self.mechanisms for e in m.events]

    def event_fields(self) -> list[EventField]:
        """Every event field once, in registry order: the columns after world, year, event."""
        out: dict[str, EventField] = {}
        for e in self.event_kinds():
            for f in e.fields:
                out.setdefault(f.name, f)
        return list(out.values())

    # -- tables ----------------------------------------------------------------------

    def state_columns(self) -> list[tuple[str, Any, str]]:
        """``(name, dtype, description)`` of the states table after world, year, state:
        the recorded fields, then the state measures."""
        cols = [(f.name, f.dtype, f.description) for _, f in self.fields() if f.record]
        cols += [(ms.name, ms.dtype, ms.description) for ms in self.measures("state")]
        return cols

    def system_columns(self) -> list[Measure]:
        return self.measures("system")

    @functools.cached_property
    def schemas(self) -> dict[str, Any]:
        """Arrow schemas of the three tables (pyarrow imported only when asked)."""
        import numpy as np
        import pyarrow as pa

        def arrow(dtype: Any, labels: tuple[str, ...] = ()) -> Any:
            if labels:
                return pa.string()
            kind = np.dtype(dtype).kind
            return {"b": pa.bool_(), "f": pa.float64(), "i": pa.int32(), "u": pa.int32()}[kind]

        states = [("world", pa.int32()), ("year", pa.int32()), ("state", pa.string())]
        states += [(n, arrow(d)) for n, d, _ in self.state_columns()]
        system = [("world", pa.int32()), ("year", pa.int32())]
        system += [(ms.name, arrow(ms.dtype, ms.labels)) for ms in self.system_columns()]
        ev_type = {"state": pa.string(), "int": pa.int64(), "float": pa.float64(), "label": pa.string()}
        events = [("world", pa.int32()), ("year", pa.int32()), ("event", pa.string())]
        events += [(f.name, ev_type[f.type]) for f in self.event_fields()]
        return {"states": pa.schema(states), "system": pa.schema(system), "events": pa.schema(events)}

    # -- parameters --------------------------------------------------------------------

    @functools.cached_property
    def params_model(self) -> type:
        """The scenario's ``params`` model: one group per mechanism that has parameters."""
        from pydantic import Field, create_model

        from ..schema import StrictModel

        groups = {
            m.name: (m.params, Field(default_factory=m.params, description=m.doc.splitlines()[0] if m.doc else ""))
            for m in self.mechanisms
            if m.params is not None
        }
        model = create_model("Params", __base__=StrictModel, **groups)  # type: ignore[call-overload]
        model.__doc__ = "Every mechanism parameter, one group per mechanism (the registry's order)."
        return model


_current: Registry | None = None


def current() -> Registry:
    """The registry in force (the default list unless :func:`using` installed another)."""
    global _current
    if _current is None:
        _current = Registry(_default())
    return _current


def default_mechanisms() -> tuple[Mechanism, ...]:
    return _default()


def _install(reg: Registry) -> None:
    global _current
    _current = reg
    from .. import scenario

    scenario.Params = reg.params_model
    field = scenario.Scenario.model_fields["params"]
    field.annotation = reg.params_model
    scenario.Scenario.model_rebuild(force=True)


@contextlib.contextmanager
def using(mechanisms: Sequence[Mechanism]) -> Iterator[Registry]:
    """Run with another mechanism list (e.g. the default plus a new one); restored afterwards.

    The scenario model, ``--set`` paths, tables and parameter docs all follow.
    """
    before = current()
    reg = Registry(mechanisms)
    _install(reg)
    try:
        yield reg
    finally:
        _install(before)
