"""Strict pydantic base for every validated model: scenarios and mechanism parameters.

Every parameter group of a mechanism (``mechanisms/<name>.py``) and every
scenario field is a frozen pydantic v2 model with unknown fields forbidden
and no lax conversions (a quoted number or a ``true`` where a number belongs
is an error, never silently read as 0.5 or 1.0).  The base lives here, apart
from :mod:`neorealism.scenario`, so that mechanism modules can declare their
parameter models without importing the scenario (which is built from them).
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = ["FiniteNonNeg", "StrictModel"]

def _kinds(annotation: Any) -> set[type]:
    """The scalar types a field annotation admits (``float | None`` → {float, NoneType})."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_kinds(a) for a in typing.get_args(annotation)))
    return {annotation} if isinstance(annotation, type) else set()


def _strict_scalar(value: Any, kinds: set[type]) -> None:
    """Refuse the lax conversions pydantic would make for a number or a switch.

    pydantic's lax mode reads ``true`` as 1.0, ``"0.5"`` (quoted in YAML, so
    text) as 0.5 and ``"yes"`` or ``1`` as True.  In a scenario those are
    almost always slips (a quoted number, a switch where a number belongs),
    so numbers must be written as numbers and switches as true/false.
    Integers are accepted for real numbers, and whole floats (``100.0``)
    for integers.
    """
    numeric = bool(kinds & {int, float})
    if numeric and bool not in kinds:
        if isinstance(value, bool):
            raise ValueError(f"Input should be a valid number, not {str(value).lower()} (a true/false switch)")
        if isinstance(value, str):
            raise ValueError("Input should be a valid number, not text (write numbers without quotes)")
    elif kinds == {bool} and not isinstance(value, bool):
        raise ValueError("Input should be true or false")


class StrictModel(BaseModel):
    """Frozen, unknown fields forbidden, numbers written as numbers and switches as true/false."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_lax_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        ann = cls.model_fields[info.field_name].annotation if info.field_name else None
        if typing.get_origin(ann) is tuple and isinstance(value, (list, tuple)):
            # fixed-length tuples of numbers (state positions): check each coordinate
            for item_ann, item in zip(typing.get_args(ann), value, strict=False):
                _strict_scalar(item, _kinds(item_ann))
        else:
            _strict_scalar(value, _kinds(ann))
        return value


FiniteNonNeg = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
