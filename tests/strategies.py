"""Hypothesis strategies for valid scenarios (shared by the scenario, engine and CLI tests).

Ranges are read from the pydantic models in :mod:`neorealism.scenario`, so a
strategy never drifts from what validation allows.  Capabilities are drawn
at moderate magnitudes (1e-2 … 1e4) so that generated scenarios are also
sensible engine input; every value is still valid for the model.

Main entry point::

    from strategies import scenarios

    @given(scenarios(min_states=2, max_states=8))
    def test_something(data: dict): ...

``scenarios`` yields plain dicts (what ``yaml.safe_load`` of a scenario
file gives); ``validate_scenario(d)`` turns one into a ``Scenario``.
"""

from __future__ import annotations

import functools
import math
import string
import typing
from typing import Any, Literal

from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from neorealism.scenario import ArmamentParams, Params, StateSpec

__all__ = [
    "field_values",
    "model_dicts",
    "params",
    "scenario_models",
    "scenarios",
    "state_names",
    "states",
]

#: Names: letters, digits and a little punctuation, including YAML look-alikes (yes, null, 1.5).
_NAME_CHARS = string.ascii_letters + string.digits + " -_'."
_TRICKY_NAMES = ["yes", "no", "null", "~", "1.5", "0x10", "true", "On", "-", "A: B", "#x"]


def _bounds(field: FieldInfo) -> dict[str, Any]:
    b: dict[str, Any] = {}
    for m in field.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            v = getattr(m, attr, None)
            if v is not None:
                b[attr] = v
    return b


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    args = typing.get_args(tp)
    if type(None) in args and len(args) == 2:
        return next(a for a in args if a is not type(None)), True
    return tp, False


def _doctrines() -> list[str]:
    from neorealism.mechanisms.doctrines import registered

    return list(registered())


def _landmasses() -> list[str]:
    return ["Eurasia", "Americas", "Island"]


#: Text fields whose valid values are a named set (a registry), not a pattern.
_NAMED_CHOICES: dict[tuple[str, str], Any] = {("StateSpec", "doctrine"): _doctrines, ("StateSpec", "landmass"): _landmasses}


@functools.cache  # strategies are immutable: build each once, not on every draw
def field_values(
    model: type[BaseModel], name: str, *, lo: float | None = None, hi: float | None = None
) -> st.SearchStrategy[Any]:
    """Valid values of ``model.name``: numbers in the field's range (optionally narrowed), choices."""
    field = model.model_fields[name]
    tp, optional = _strip_optional(field.annotation)
    b = _bounds(field)
    if (model.__name__, name) in _NAMED_CHOICES:
        strat: st.SearchStrategy[Any] = st.sampled_from(_NAMED_CHOICES[(model.__name__, name)]())
    elif typing.get_origin(tp) is Literal:
        strat = st.sampled_from(typing.get_args(tp))
    elif tp is bool:
        strat = st.booleans()
    elif tp is int:
        mn = b["gt"] + 1 if "gt" in b else b.get("ge")
        mx = b["lt"] - 1 if "lt" in b else b.get("le")
        if lo is not None:
            mn = math.ceil(lo) if mn is None else max(mn, math.ceil(lo))
        if hi is not None:
            mx = math.floor(hi) if mx is None else min(mx, math.floor(hi))
        strat = st.integers(min_value=mn, max_value=mx)
    elif tp is float:
        mn = b.get("ge", b.get("gt"))
        mx = b.get("le", b.get("lt"))
        excl_min, excl_max = "gt" in b, "lt" in b
        if lo is not None and (mn is None or lo > mn):
            mn, excl_min = lo, False
        if hi is not None and (mx is None or hi < mx):
            mx, excl_max = hi, False
        strat = st.floats(
            min_value=mn, max_value=mx, exclude_min=excl_min and mn is not None,
            exclude_max=excl_max and mx is not None, allow_nan=False, allow_infinity=False,
        )
    else:
        raise TypeError(f"no strategy for {model.__name__}.{name}: {field.annotation}")
    return st.one_of(st.none(), strat) if optional else strat


@functools.cache
def model_dicts(model: type[BaseModel], exclude: tuple[str, ...] = ()) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts of any subset of ``model``'s scalar fields, each within its allowed range.

    Fields left out take their defaults, so defaults are exercised too.
    """
    optional = {
        name: field_values(model, name)
        for name, field in model.model_fields.items()
        if name not in exclude and not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel))
    }
    return st.fixed_dictionaries({}, optional=optional)


def _fix_armament(d: dict[str, Any]) -> dict[str, Any]:
    """Enforce the cross-field rule max_burden ≥ base_burden."""
    base = d.get("base_burden", ArmamentParams.model_fields["base_burden"].default)
    mx = d.get("max_burden", ArmamentParams.model_fields["max_burden"].default)
    if mx < base:
        d = {**d, "base_burden": mx, "max_burden": base}
    return d


@functools.cache
def params(*, metric: str | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """A valid ``params`` mapping: any subset of groups, any subset of fields in each.

    ``metric`` fixes ``geography.metric`` (positions must match it).
    """
    groups: dict[str, st.SearchStrategy[Any]] = {}
    for name, field in Params.model_fields.items():
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        strat = model_dicts(model, exclude=("metric",) if name == "geography" else ())
        if name == "armament":
            strat = strat.map(_fix_armament)
        groups[name] = strat
    strat = st.fixed_dictionaries({}, optional=groups)
    if metric is not None:
        strat = strat.map(lambda d: {**d, "geography": {**d.get("geography", {}), "metric": metric}})
    return strat


@functools.cache
def state_names(min_size: int = 2, max_size: int = 8) -> st.SearchStrategy[list[str]]:
    """Unique state names (1–64 characters), sometimes YAML look-alikes such as ``yes`` or ``1.5``."""
    name = st.one_of(
        st.text(alphabet=_NAME_CHARS, min_size=1, max_size=20),
        st.sampled_from(_TRICKY_NAMES),
    )
    return st.lists(name, min_size=min_size, max_size=max_size, unique=True)


@st.composite
def _position(draw: st.DrawFn, metric: str) -> list[float]:
    if metric == "sphere":
        lat = draw(st.floats(-90.0, 90.0, allow_nan=False))
        lon = draw(st.floats(-180.0, 360.0, allow_nan=False))
        return [lat, lon]
    return [draw(st.floats(-50.0, 50.0, allow_nan=False)) for _ in range(2)]


@st.composite
def states(draw: st.DrawFn, names: list[str], metric: str = "plane") -> list[dict[str, Any]]:
    """One valid state mapping per name (moderate magnitudes; optional fields sometimes set)."""
    out = []
    for n in names:
        s: dict[str, Any] = {
            "name": n,
            "military": draw(field_values(StateSpec, "military", hi=1e4)),
            "economy": draw(field_values(StateSpec, "economy", lo=1e-2, hi=1e4)),
            "population": draw(field_values(StateSpec, "population", lo=1e-2, hi=1e4)),
            "resources": draw(field_values(StateSpec, "resources", hi=1e4)),
            "technology": draw(field_values(StateSpec, "technology", lo=0.1, hi=10.0)),
            "position": draw(_position(metric)),
        }
        for opt in ("doctrine", "regime", "growth", "burden", "ccode"):
            if draw(st.booleans()):
                value = draw(field_values(StateSpec, opt))
                if value is not None:
                    s[opt] = value
        out.append(s)
    return out


@st.composite
def scenarios(
    draw: st.DrawFn,
    min_states: int = 2,
    max_states: int = 8,
    *,
    max_worlds: int = 8,
    max_years: int = 30,
    max_alliances: int = 6,
) -> dict[str, Any]:
    """A valid scenario as a plain dict (like a parsed YAML file).

    Small ``worlds`` and ``years`` by default, so that engine tests can run
    the drawn scenarios directly.
    """
    metric = draw(st.sampled_from(["plane", "sphere"]))
    names = draw(state_names(min_states, max_states))
    data: dict[str, Any] = {
        "name": draw(st.text(alphabet=_NAME_CHARS, min_size=1, max_size=30)),
        "states": draw(states(names, metric)),
        "params": draw(params(metric=metric)),
    }
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    if pairs and max_alliances:
        chosen = draw(st.lists(st.sampled_from(pairs), max_size=max_alliances, unique=True))
        if chosen:
            data["alliances"] = [list(p) for p in chosen]
    optional = {
        "description": st.text(alphabet=string.printable, max_size=200),
        "start_year": st.integers(-5000, 5000),
        "years": st.integers(1, max_years),
        "worlds": st.integers(1, max_worlds),
        "seed": st.integers(0, 2**63 - 1),
        "source": st.text(alphabet=string.ascii_letters + string.digits + " .,;:()", max_size=80),
    }
    for key, strat in optional.items():
        if draw(st.booleans()):
            data[key] = draw(strat)
    data.setdefault("years", draw(st.integers(1, max_years)))
    data.setdefault("worlds", draw(st.integers(1, max_worlds)))
    return data


def scenario_models(min_states: int = 2, max_states: int = 8, **kwargs: Any):
    """Like :func:`scenarios`, validated into :class:`neorealism.scenario.Scenario` objects."""
    from neorealism.scenario import validate_scenario

    return scenarios(min_states, max_states, **kwargs).map(validate_scenario)
