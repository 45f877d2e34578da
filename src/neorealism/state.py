"""World state and engine parameters: frozen containers of arrays, built from the mechanism registry.

Following the batched style of gymnax, the state of R independent worlds of
N states is a frozen object of NumPy arrays shaped ``(R,)`` (one value per
world), ``(R, N)`` (per state) or ``(R, N, N)`` (per ordered pair, row =
the state that holds the value).  Its fields are the ones the registered
mechanisms declare (:class:`~neorealism.mechanisms.base.StateField`), read
as attributes (``state.military``); a step never mutates a state, it
returns a new one with :meth:`WorldState.replace`.

:class:`EngineParams` holds every mechanism's parameters for a batch: each
group is ``params.<group>`` (``params.war.cost``).  A parameter is a plain
number when it is the same in every world of the batch and an ``(R, 1)``
column when it varies across worlds (one parameter point per world, see
:meth:`EngineParams.from_scenario`); mechanisms write their formulas so that
both broadcast, and a world's numbers are the same either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import ParameterError

F = NDArray[np.float64]
B = NDArray[np.bool_]
I = NDArray[np.int64]  # noqa: E741

#: The capability components, in the order of the composite index (Singer, Bremer & Stuckey 1972).
COMPONENTS = ("military", "economy", "population", "resources", "technology")


class WorldState:
    """R worlds × N states: the year ``t`` (0 = the initial state) and the registered fields."""

    # The fields also sit in the instance's own ``__dict__`` (the same dict as ``_fields``), so that reading
    # one (``state.military``, a few hundred times a year) is Python's plain attribute lookup rather than a
    # call of ``__getattr__``; a field named like a method of the class would shadow it, so such a name
    # (none is registered) keeps the fields in a dict of their own, read through ``__getattr__``.
    __slots__ = ("t", "_fields", "__dict__")

    def __init__(self, t: int, fields: Mapping[str, Any]):
        d = dict(fields)
        object.__setattr__(self, "t", int(t))
        object.__setattr__(self, "_fields", d)
        if _SHADOWING.isdisjoint(d):
            object.__setattr__(self, "__dict__", d)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"the world state has no field {name!r}") from None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its year and fields (a process pool sends states and trajectories)."""
        return WorldState, (self.t, self._fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("WorldState is frozen: use state.replace(name=value)")

    def __repr__(self) -> str:
        R, N = self.shape
        return f"WorldState(t={self.t}, worlds={R}, states={N}, fields={list(self._fields)})"

    @property
    def fields(self) -> Mapping[str, Any]:
        """The fields by name (read-only view)."""
        return MappingProxyType(self._fields)

    def replace(self, **changes: Any) -> WorldState:
        """A new state with some fields (or ``t``) replaced; unknown names are an error."""
        t = changes.pop("t") if "t" in changes else self.t
        fields = self._fields
        if not changes.keys() <= fields.keys():
            unknown = [k for k in changes if k not in fields]
            raise AttributeError(f"the world state has no field(s) {unknown}; known: {list(fields)}")
        new = fields.copy()
        new.update(changes)
        out = _new_state(WorldState)  # as WorldState(t, new), without copying and checking the names again
        _set(out, "t", int(t))
        _set(out, "_fields", new)
        if self.__dict__ is fields:  # no name of the class's among this state's, nor the new one's
            _set(out, "__dict__", new)
        return out

    @property
    def shape(self) -> tuple[int, int]:
        return self._fields["alive"].shape  # type: ignore[no-any-return]

    def components(self) -> F:
        """Stacked capability components ``(R, 5, N)`` in the order of :data:`COMPONENTS`."""
        return np.stack([self._fields[c] for c in COMPONENTS], axis=1)

    def select(self, rows: NDArray[np.integer] | slice) -> WorldState:
        """The state of a subset of worlds (for tests and diagnostics)."""
        return WorldState(self.t, {k: v[rows] for k, v in self._fields.items()})

    def readonly(self) -> WorldState:
        """The same state with every array marked read-only (the purity contract of the tests)."""
        out = {}
        for k, v in self._fields.items():
            a = np.array(v, copy=True)
            a.setflags(write=False)
            out[k] = a
        return WorldState(self.t, out)


#: Names a field of the world state may not take in the instance's ``__dict__`` (the class's own attributes).
_SHADOWING = frozenset(dir(WorldState))
_new_state = object.__new__
_set = object.__setattr__


class ParamGroup(Mapping[str, Any]):
    """The values of one parameter group for a batch: numbers, or ``(R, 1)`` columns where they vary."""

    __slots__ = ("_name", "_values", "__dict__")

    def __init__(self, name: str, values: Mapping[str, Any]):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_values", dict(values))
        # the values again as instance attributes (a plain lookup, not a call of __getattr__), but for a
        # name of the class's own (a Mapping method), which stays the method as before
        object.__setattr__(self, "__dict__", {k: v for k, v in self._values.items() if k not in _GROUP_SHADOWING})

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"params.{self._name} has no parameter {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("parameters are frozen")

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"params.{self._name}({self._values})"


_GROUP_SHADOWING = frozenset(dir(ParamGroup))


class EngineParams:
    """Every mechanism's parameters for one batch of worlds, with the per-run arrays they derive.

    ``params.<group>.<name>`` is a parameter; ``params.<name>`` is also a
    derived array (``decay``, the loss-of-strength matrix, ``(R, N, N)``).
    ``n_states``, ``names``, ``actor`` (unitary actors, not aggregates) and
    ``n_worlds`` describe the batch.
    """

    def __init__(self, *, n_states: int, names: tuple[str, ...], actor: B, n_worlds: int,
                 groups: Mapping[str, ParamGroup], varying: tuple[str, ...] = ()):
        self.__dict__.update(
            n_states=n_states, names=names, actor=actor, n_worlds=n_worlds,
            groups=dict(groups), derived={}, varying=varying, _memo={},
        )

    def __getattr__(self, name: str) -> Any:
        groups = self.__dict__.get("groups", {})
        if name in groups:
            value = groups[name]
        else:
            derived = self.__dict__.get("derived", {})
            if name not in derived:
                raise AttributeError(f"no parameter group or derived array {name!r}")
            value = derived[name]
        if not name.startswith("_"):  # kept as an instance attribute: the next read is a plain lookup
            self.__dict__[name] = value
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("EngineParams is frozen")

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        """A value computed once per batch from the (frozen) parameters: ``make()`` on first use.

        For what a step rebuilds every year from the parameters alone (the
        kernels' per-world vectors); ``key`` names it.
        """
        memo = self.__dict__["_memo"]
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def _derive(self, values: Mapping[str, Any]) -> None:
        for k, v in values.items():
            if k in self.__dict__["derived"] or k in self.__dict__["groups"]:
                raise ValueError(f"derived array {k!r} is declared twice")
            self.__dict__["derived"][k] = v

    @classmethod
    def from_scenario(
        cls,
        sc: Any,
        n_worlds: int = 1,
        per_world: Mapping[str, Any] | None = None,
    ) -> EngineParams:
        """The parameters of ``n_worlds`` worlds of scenario ``sc``.

        ``per_world`` gives parameters that differ across the worlds of the
        batch: ``{"war.cost": array of n_worlds values, …}`` — one parameter
        point per world.  Every point is validated by the parameter models
        (ranges and cross-field rules), so a batch accepts exactly what a
        scenario file would.
        """
        from .mechanisms.registry import current

        reg = current()
        groups: dict[str, dict[str, Any]] = {}
        for m in reg.mechanisms:
            if m.params is not None:
                model = getattr(sc.params, m.name)
                groups[m.name] = {k: getattr(model, k) for k in type(model).model_fields}
        varying: list[str] = []
        if per_world:
            groups, varying = _per_world(sc, groups, per_world, n_worlds)
        p = cls(
            n_states=sc.n_states,
            names=tuple(s.name for s in sc.states),
            actor=np.array([not s.aggregate for s in sc.states]),
            n_worlds=n_worlds,
            groups={k: ParamGroup(k, v) for k, v in groups.items()},
            varying=tuple(varying),
        )
        for m in reg.mechanisms:
            if m.derive is not None:
                p._derive(m.derive(sc, p))
        return p


def _per_world(sc: Any, groups: dict[str, dict[str, Any]], per_world: Mapping[str, Any], R: int):
    """Groups with the per-world parameters as ``(R, 1)`` columns, every distinct point validated."""
    from pydantic import ValidationError

    from .scenario import _format_errors, _override_loc

    cols: dict[tuple[str, str], NDArray] = {}
    for path, values in per_world.items():
        loc, problem = _override_loc(path)
        if loc is None or loc[0] != "params":
            raise ParameterError(f"per_world[{path!r}]: {problem or 'only parameters (GROUP.NAME) can vary per world'}")
        _, g, name = loc
        if g not in groups or name not in groups[g]:
            raise ParameterError(f"per_world[{path!r}]: not a parameter (see `neorealism scenarios --params`)")
        arr = np.asarray(values)
        if arr.shape != (R,):
            raise ParameterError(f"per_world[{path!r}]: expected {R} values (one per world), got shape {arr.shape}")
        cols[(g, name)] = arr
    out = {g: dict(v) for g, v in groups.items()}
    touched = sorted({g for g, _ in cols})
    base = sc.model_dump()
    names = list(cols)
    stacked = list(zip(*(cols[k].tolist() for k in names), strict=True))
    for point in dict.fromkeys(stacked):  # each distinct point once, in first-seen order
        data = dict(base)
        data["params"] = {g: dict(v) for g, v in base["params"].items()}
        for (g, n), v in zip(names, point, strict=True):
            data["params"][g][n] = v
        try:
            type(sc).model_validate(data)
        except ValidationError as exc:
            shown = ", ".join(f"{g}.{n}={v!r}" for (g, n), v in zip(names, point, strict=True))
            lines = [ln.removeprefix("params.") for ln in _format_errors(exc, data)]
            raise ParameterError(f"per_world point ({shown}): {'; '.join(lines)}") from None
    for g in touched:
        for (gg, n) in names:
            if gg != g:
                continue
            a = cols[(g, n)]
            if a.dtype.kind in "iu" and isinstance(groups[g][n], float):
                a = a.astype(np.float64)
            out[g][n] = a.reshape(R, 1)
    return out, [f"{g}.{n}" for (g, n) in cols]


def init_state(sc: Any, params: EngineParams, keys: NDArray[np.uint64]) -> WorldState:
    """The initial state (year 0) of the worlds whose keys are given (shape ``(R,)``).

    Every registered field is set by its mechanism's initialiser; then the
    measuring steps run once, so that the year-0 measures describe the
    scenario's own start.
    """
    from .mechanisms.base import InitContext
    from .mechanisms.registry import current

    reg = current()
    R, N = int(keys.shape[0]), sc.n_states
    full = {"world": (R,), "state": (R, N), "pair": (R, N, N)}
    ctx = InitContext(sc, params, keys)
    fields: dict[str, Any] = {}
    for _, f in reg.fields():
        v = np.asarray(f.init(ctx), dtype=f.dtype)
        fields[f.name] = np.broadcast_to(v, full[f.shape]).copy()
    state = WorldState(0, fields)
    for _, st in reg.steps(stage="measure"):
        state, _ev = st.fn(keys, state, params)
    return state


__all__ = ["COMPONENTS", "EngineParams", "ParamGroup", "WorldState", "init_state"]
