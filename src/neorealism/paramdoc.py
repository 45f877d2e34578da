"""Parameter reference generated from the scenario models.

Every parameter's default, allowed range and description are read from the
pydantic models — the scenario's and each registered mechanism's parameter
model (:mod:`neorealism.mechanisms.registry`), walked recursively — so the
reference can never drift from what validation enforces, and a new
mechanism's parameters appear in it with no other change.  ``neorealism scenarios --params`` prints it; ``docs/parameters.md``
is :func:`parameters_markdown` verbatim (a test checks they agree).

Regenerate the docs with::

    neorealism scenarios --params --markdown > docs/parameters.md
"""

from __future__ import annotations

import inspect
import math
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .scenario import Scenario, StateSpec

__all__ = [
    "ParamInfo",
    "allowed_text",
    "default_text",
    "iter_fields",
    "iter_params",
    "param_groups",
    "parameters_markdown",
]


@dataclass(frozen=True)
class ParamInfo:
    """One documented field."""

    path: str  #: full path in a scenario file, e.g. ``params.war.offense_defense``
    name: str  #: the field's own name, e.g. ``offense_defense``
    type: str  #: short type name (float, int, str, choice, …)
    default: str  #: default as text ("required" when there is none)
    allowed: str  #: allowed range, choices or shape
    description: str


# --------------------------------------------------------------------------- introspection


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def _num(v: Any) -> str:
    if isinstance(v, float):
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        if v.is_integer() and abs(v) >= 1e6 and abs(v) == 10.0 ** (len(str(int(abs(v)))) - 1):
            return f"{'−' if v < 0 else ''}1e{len(str(int(abs(v)))) - 1}"  # a power of ten: 1e15, 1e6
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v)) if abs(v) >= 1e6 else repr(v)
        return repr(v)
    if isinstance(v, int) and abs(v) >= 10**6:
        # 2**63 - 1 and friends read better as powers
        for base in (2, 10):
            k = round(math.log(v + 1, base))
            if base**k - 1 == v:
                return f"{base}^{k} − 1"
            if base**k == v:
                return f"{base}^{k}"
        return f"{v:_}".replace("_", " ")
    return str(v)


def _bounds(field: FieldInfo) -> dict[str, Any]:
    b: dict[str, Any] = {}
    for m in field.metadata:
        for attr in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            val = getattr(m, attr, None)
            if val is not None:
                b[attr] = val
    return b


def _interval(b: dict[str, Any]) -> str | None:
    lo = b.get("ge", b.get("gt"))
    hi = b.get("le", b.get("lt"))
    if lo is None and hi is None:
        return None
    left = "(" if "gt" in b or lo is None else "["
    right = ")" if "lt" in b or hi is None else "]"
    return f"{left}{'−∞' if lo is None else _num(lo)}, {'∞' if hi is None else _num(hi)}{right}"


def _type_name(tp: Any) -> str:
    tp, optional = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin is Literal:
        name = "choice"
    elif origin in (list, tuple):
        name = origin.__name__
    elif origin is typing.Annotated:
        return _type_name(typing.get_args(tp)[0])
    elif isinstance(tp, type):
        name = tp.__name__
    else:
        name = str(tp)
    return f"{name} or null" if optional else name


def allowed_text(field: FieldInfo) -> str:
    """Allowed values of a field: an interval, choices, length or shape."""
    tp, optional = _strip_optional(field.annotation)
    b = _bounds(field)
    origin = typing.get_origin(tp)
    if origin is Literal:
        text = " | ".join(str(a) for a in typing.get_args(tp))
    elif tp is bool:
        text = "true | false"
    elif tp is str:
        lo, hi = b.get("min_length"), b.get("max_length")
        if lo and hi:
            text = f"text, {lo}–{hi} characters"
        elif hi:
            text = f"text, up to {hi} characters"
        else:
            text = "text"
    elif origin is tuple:
        args = typing.get_args(tp)
        inner = ", ".join(_type_name(a) for a in args)
        text = f"pair [{inner}]" if len(args) == 2 else f"tuple [{inner}]"
    elif origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        if _is_model(item):
            what = f"list of {item.__name__}"
        elif typing.get_origin(item) is tuple:
            what = f"list of pairs [{', '.join(_type_name(a) for a in typing.get_args(item))}]"
        else:
            what = f"list of {_type_name(item)}"
        lo, hi = b.get("min_length"), b.get("max_length")
        if lo is not None and hi is not None:
            what += f", {lo}–{hi} items"
        elif lo is not None:
            what += f", at least {lo} items"
        elif hi is not None:
            what += f", at most {hi} items"
        text = what
    elif tp in (int, float):
        iv = _interval(b)
        text = iv if iv is not None else ("any integer" if tp is int else "any number")
        if tp is float:
            text += ", finite" if iv is None else ""
    else:
        text = _type_name(tp)
    if optional:
        text = f"null or {text}"
    return text


def default_text(field: FieldInfo) -> str:
    """The default as it would be written in YAML ("required" when there is none)."""
    if field.default is PydanticUndefined:
        if field.default_factory is None:
            return "required"
        value = field.default_factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _num(value)
    if isinstance(value, str):
        return f'"{value}"' if value == "" else value
    if isinstance(value, (list, tuple)):
        return "[]" if not value else str(list(value))
    return str(value)


def _describe(field: FieldInfo) -> str:
    return " ".join((field.description or "").split())


def leaf_fields(model: type[BaseModel], prefix: str = "", *, recurse: bool = True
                ) -> Iterator[tuple[str, str, FieldInfo]]:
    """``(path, name, field)`` of every leaf field of ``model`` (descending into nested models when ``recurse``)."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        tp, _ = _strip_optional(field.annotation)
        if _is_model(tp):
            if recurse:
                yield from leaf_fields(tp, f"{path}.", recurse=True)
            continue
        yield path, name, field


def iter_fields(model: type[BaseModel], prefix: str = "", *, recurse: bool = True) -> Iterator[ParamInfo]:
    """Every leaf field of ``model`` (descending into nested models when ``recurse``)."""
    for path, name, field in leaf_fields(model, prefix, recurse=recurse):
        yield ParamInfo(
            path=path,
            name=name,
            type=_type_name(field.annotation),
            default=default_text(field),
            allowed=allowed_text(field),
            description=_describe(field),
        )


def iter_params() -> Iterator[ParamInfo]:
    """Every mechanism parameter (``params.<group>.<name>``)."""
    from .mechanisms.registry import current

    return iter_fields(current().params_model, "params.")


def _doc(model: type[BaseModel]) -> str:
    return inspect.cleandoc(model.__doc__ or "").strip()


def param_groups() -> list[tuple[str, type[BaseModel], list[ParamInfo]]]:
    """``(group name, model, parameters)`` for each group under ``params``."""
    from .mechanisms.registry import current

    groups = []
    for name, field in current().params_model.model_fields.items():
        tp, _ = _strip_optional(field.annotation)
        if _is_model(tp):
            groups.append((name, tp, list(iter_fields(tp, f"params.{name}."))))
    return groups


# --------------------------------------------------------------------------- markdown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: list[ParamInfo]) -> list[str]:
    out = ["| parameter | default | allowed | description |", "|---|---|---|---|"]
    for p in rows:
        out.append(
            f"| `{_cell(p.path)}` | `{_cell(p.default)}` | {_cell(p.allowed)} | {_cell(p.description)} |"
        )
    return out


def parameters_markdown() -> str:
    """The parameter reference as Markdown (the text of ``docs/parameters.md``)."""
    lines = [
        "# Scenario parameters",
        "",
        "<!-- Generated from the models in src/neorealism/scenario.py and the mechanisms of src/neorealism/mechanisms/registry.py by",
        "     `neorealism scenarios --params --markdown > docs/parameters.md`; do not edit by hand. -->",
        "",
        "Every field a scenario file may set, with its default, the allowed range and what it means.",
        "Unknown fields are errors (a misspelt parameter is never silently ignored).",
        "Intervals use `[` `]` for inclusive and `(` `)` for exclusive bounds.",
        "",
        "## Scenario",
        "",
        _doc(Scenario),
        "",
        *_table(list(iter_fields(Scenario, recurse=False))),
        "",
        "## States",
        "",
        "Each entry of `states`.  " + _doc(StateSpec),
        "",
        *_table(list(iter_fields(StateSpec, "states[].", recurse=False))),
        "",
    ]
    from .mechanisms.registry import current

    reg = current()
    for name, model, params in param_groups():
        mech = reg.get(name)
        about = f"Mechanism `{mech.module}`" + (f"; sources: {'; '.join(mech.sources)}." if mech.sources else ".")
        lines += [f"## params.{name}", "", _doc(model), "", about, "", *_table(params), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
