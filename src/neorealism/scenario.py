"""Scenarios: the states of a system and every mechanism parameter, validated.

A scenario is what a user writes (YAML) or picks from the built-ins.  It is
validated by pydantic v2 with unknown fields forbidden, so a typo in a
parameter name is an error and never a silently ignored setting.  Each
parameter has a documented default and allowed range (see
``docs/parameters.md``, generated from these models by
``neorealism scenarios --params``).

Loading guards against hostile or broken files: safe YAML only, no aliases
(so no "billion laughs" expansion), no tags, merge keys or duplicate keys, a
nesting limit and a size limit, numbers written as numbers (not ``true`` or
``"0.5"``), and one clear message per problem naming the field path, the bad
value and the allowed range or type.  Plain scalars follow the YAML 1.2 core
schema (:func:`core_scalar`: ``1:30`` and ``yes`` are text, ``1e-3`` a
number, ``0x1`` refused), in files and ``--set`` values alike.  Capability
values are bounded (:data:`MAX_CAPABILITY`) and names may not hold control
characters (they are printed on terminals).
"""

from __future__ import annotations

import difflib
import math
import re
import typing
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import OverrideError, ScenarioError

#: Largest scenario file read, in bytes (a scenario is a few KiB; a larger file is refused).
MAX_SCENARIO_BYTES = 2_000_000
#: Bounds that keep a run inside this machine's memory and time.
MAX_STATES = 400
MAX_WORLDS = 10_000_000
MAX_YEARS = 10_000

#: Largest capability value a scenario may give (military, economy, population, resources).  Only
#: shares matter, so any unit fits far below it (COW's largest, China's population in thousands, is
#: about 1.4e6); it keeps every product the model forms (economy × technology × conversion …) far
#: from the largest float (1.8e308).  Growth over many years can still overflow: the engine stops such
#: a run with an error naming the parameters (see docs/model.md, "Nothing non-finite is published").
MAX_CAPABILITY = 1e15
#: Largest map coordinate, in absolute value (thousands of km on the plane; the Earth is 40 around).
MAX_COORDINATE = 1e6

DOCTRINES = ("defensive", "offensive")
COMPONENTS = ("military", "economy", "population", "resources", "technology")


from .schema import FiniteNonNeg, _kinds, _strict_scalar  # noqa: E402,F401
from .schema import StrictModel as _Model  # noqa: E402

#: A capability component: finite, ≥ 0 and at most :data:`MAX_CAPABILITY`.
Capability = typing.Annotated[float, Field(ge=0.0, le=MAX_CAPABILITY, allow_inf_nan=False)]
#: A capability component that must be positive (economy, population).
PositiveCapability = typing.Annotated[float, Field(gt=0.0, le=MAX_CAPABILITY, allow_inf_nan=False)]


def _no_control_characters(value: str) -> str:
    """Refuse a name holding control characters (ESC, BEL …): it is printed on terminals."""
    from .formatting import control_characters

    found = control_characters(value)
    if found:
        raise ValueError(
            f"a name may not hold control characters (found {', '.join(found)}); they would act on the "
            "terminal that prints the name (title, screen, cursor) — write plain text"
        )
    return value


class StateSpec(_Model):
    """One state: its name, its five capability components, where it is, how it thinks.

    Capabilities are in arbitrary but common units across states (only
    shares matter for the power index, as in COW's CINC; Singer, Bremer &
    Stuckey 1972).  ``position`` is a point on the map: plane coordinates in
    thousands of km (``geography.metric: plane``) or ``[lat, lon]`` degrees
    (``geography.metric: sphere``).
    """

    name: str = Field(min_length=1, max_length=64, description="unique state name")
    military: Capability = Field(description="military stock (arms, forces), ≥ 0, at most 1e15")
    economy: PositiveCapability = Field(description="economic output, > 0, at most 1e15")
    population: PositiveCapability = Field(description="population, > 0, at most 1e15")
    resources: Capability = Field(description="natural resources / energy, ≥ 0, at most 1e15")
    technology: float = Field(
        gt=0.0, le=1000.0, allow_inf_nan=False,
        description="technology multiplier on military production (1 = baseline), (0, 1000]",
    )
    position: tuple[float, float] = Field(
        description="map position [x, y] (plane, thousands of km, each within ±1e6) or [lat, lon] (sphere)"
    )
    doctrine: str = Field(
        default="defensive", min_length=1, max_length=64,
        description="the state's doctrine, a registered doctrine class: defensive (Waltz 1979, Van Evera 1999) or "
        "offensive (Mearsheimer 2001) realism, or one a user registered (docs/doctrines.md)",
    )
    type: Literal["greedy", "security"] | None = Field(
        default=None,
        description="the state's private aims: a security seeker or greedy (Glaser 2010; Kydd 2005); unset: drawn "
        "with probability beliefs.greedy_share",
    )
    policy: Literal["auto", "reassure", "deter"] = Field(
        default="auto",
        description="the state's policy toward its rivals: reassure (Kydd 2005's costly reassurance) or deter "
        "(Jervis 1976's deterrence model), or auto: chosen each year by doctrine and belief",
    )
    landmass: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="the landmass the state lies on; power projected across water to another landmass fades "
        "faster (geography.water; Mearsheimer 2001's stopping power of water); unset: one landmass for all",
    )
    nuclear_since: int | None = Field(
        default=None, ge=-5000, le=5000,
        description="calendar year from which the state holds a secure second-strike nuclear force (at or before "
        "start_year: from the start); unset: none, unless acquired (nuclear.acquisition_technology)",
    )
    regime: float | None = Field(
        default=None, ge=-10.0, le=10.0, allow_inf_nan=False,
        description="optional regime score (Polity2 scale −10..10) for the domestic-factors critique",
    )
    growth: float | None = Field(
        default=None, ge=-0.2, le=0.3, allow_inf_nan=False,
        description="this state's base economic growth rate per year (default: growth.base)",
    )
    population_growth: float | None = Field(
        default=None, ge=-0.1, le=0.1, allow_inf_nan=False,
        description="this state's yearly population growth trend (default: growth.population)",
    )
    technology_growth: float | None = Field(
        default=None, ge=-0.1, le=0.2, allow_inf_nan=False,
        description="this state's yearly technology growth trend (default: growth.technology)",
    )
    resources_growth: float | None = Field(
        default=None, ge=-0.1, le=0.1, allow_inf_nan=False,
        description="this state's yearly change of resources (default: growth.resources)",
    )
    burden: float | None = Field(
        default=None, ge=0.0, le=0.9, allow_inf_nan=False,
        description="initial military burden, share of the economy spent on arms (default: armament.base_burden)",
    )
    ccode: int | None = Field(default=None, ge=1, le=999, description="COW state code, when built from data")
    aggregate: bool = Field(
        default=False,
        description="stands for many states (e.g. 'Rest of world'): counts in system totals but is no unitary actor — never a great power, never at war, no source of threat",
    )

    @field_validator("position")
    @classmethod
    def _finite_position(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not all(math.isfinite(x) for x in v):
            raise ValueError("coordinates must be finite numbers")
        if not all(abs(x) <= MAX_COORDINATE for x in v):
            raise ValueError(f"coordinates must lie within ±{MAX_COORDINATE:.0e} (thousands of km)")
        return v

    @field_validator("name")
    @classmethod
    def _plain_name(cls, v: str) -> str:
        return _no_control_characters(v)

    @field_validator("doctrine")
    @classmethod
    def _known_doctrine(cls, v: str) -> str:
        from .mechanisms.doctrines import registered

        known = registered()
        if v not in known:
            raise ValueError(f"unknown doctrine {v!r}: allowed {', '.join(map(repr, known))} (register a class to add one)")
        return v


def _params_model() -> type[BaseModel]:
    """The ``params`` model: one group per registered mechanism (:mod:`neorealism.mechanisms.registry`)."""
    from .mechanisms.registry import current

    return current().params_model


#: The scenario's ``params`` model, built from the mechanism registry (each group is the
#: parameter model its mechanism declares).  Re-bound when another registry is installed.
Params = _params_model()

# Each group's model lives in its mechanism's module; re-exported here for convenience.
from .mechanisms.alliances import AllianceParams  # noqa: E402,F401
from .mechanisms.armament import ArmamentParams  # noqa: E402,F401
from .mechanisms.authority import AuthorityParams  # noqa: E402,F401
from .mechanisms.conflict import WarParams  # noqa: E402,F401
from .mechanisms.geography import GeographyParams  # noqa: E402,F401
from .mechanisms.growth import GrowthParams  # noqa: E402,F401
from .mechanisms.perception import PerceptionParams  # noqa: E402,F401
from .mechanisms.polarity import MeasureParams  # noqa: E402,F401
from .mechanisms.threat import ThreatParams  # noqa: E402,F401


def _alliance_problems(names: list[str], alliances: Any) -> list[str]:
    """Every alliance pair that names an unknown state or a state with itself."""
    known = set(names)
    shown = f"{', '.join(names[:12])}{', …' if len(names) > 12 else ''}"
    out = []
    for k, pair in enumerate(alliances):
        a, b = pair
        for pos, n in enumerate((a, b)):
            if n not in known:
                out.append(f"alliances[{k}][{pos}] = {n!r}: unknown state, not one of this scenario's states ({shown})")
        if a == b:
            out.append(f"alliances[{k}] = [{a!r}, {b!r}]: a state cannot ally with itself")
    return out


def _raw_alliance_problems(data: dict[str, Any]) -> list[str]:
    """The alliance problems of raw scenario data whose other fields did not validate.

    pydantic runs the whole-scenario checks only once every field is valid;
    so that `validate` reports every problem at once, the alliance pairs are
    checked here against the state names the raw data gives (when they are
    plain strings), beside the field errors.
    """
    states, alliances = data.get("states"), data.get("alliances")
    if not isinstance(states, list) or not isinstance(alliances, list):
        return []
    names = [st.get("name") for st in states if isinstance(st, dict)]
    if not all(isinstance(n, str) for n in names):
        return []
    pairs = [p for p in alliances if isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(x, str) for x in p)]
    if len(pairs) != len(alliances):
        return []  # malformed pairs are field errors of their own
    return _alliance_problems(names, pairs)


class Scenario(_Model):
    """A whole scenario: the states, their initial alliances, parameters and run settings."""

    name: str = Field(min_length=1, max_length=64, description="scenario name")
    description: str = Field(default="", max_length=4000)
    start_year: int = Field(default=0, ge=-5000, le=5000, description="calendar year of the first simulated year (label only)")
    years: int = Field(default=100, ge=1, le=MAX_YEARS, description="years to simulate")
    worlds: int = Field(default=100, ge=1, le=MAX_WORLDS, description="independent worlds (Monte Carlo replications)")
    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="root seed")
    states: list[StateSpec] = Field(min_length=2, max_length=MAX_STATES, description="the states of the system (at least 2)")
    alliances: list[tuple[str, str]] = Field(default_factory=list, description="pairs of state names allied at the start")
    params: Params = Field(default_factory=lambda: Params(), description="every mechanism parameter, one group per mechanism")
    source: str | None = Field(default=None, max_length=4000, description="where the numbers come from (e.g. COW NMC v6.0, 1913)")

    @field_validator("name")
    @classmethod
    def _plain_name(cls, v: str) -> str:
        return _no_control_characters(v)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        names = [s.name for s in self.states]
        if sum(not s.aggregate for s in self.states) < 2:
            raise ValueError("states: at least 2 states must be actors (aggregate: false)")
        first: dict[str, int] = {}
        for k, n in enumerate(names):
            if n in first:
                raise ValueError(
                    f"states[{k}].name = {n!r}: state names must be unique (also states[{first[n]}].name)"
                )
            first[n] = k
        bad = _alliance_problems(names, self.alliances)
        if bad:
            raise ValueError("\n".join(bad))  # one problem a line (see _format_errors)
        if self.params.geography.metric == "sphere":
            for k, s in enumerate(self.states):
                lat, lon = s.position
                if not (-90 <= lat <= 90 and -180 <= lon <= 360):
                    raise ValueError(
                        f"{_state_path(k, s.name)}.position = {list(s.position)}: with geography.metric 'sphere' "
                        "position is [lat, lon] with −90 ≤ lat ≤ 90 and −180 ≤ lon ≤ 360"
                    )
        return self

    @property
    def n_states(self) -> int:
        return len(self.states)

    def with_run(self, *, worlds: int | None = None, years: int | None = None, seed: int | None = None) -> Scenario:
        """A copy with run settings overridden (validated like the file)."""
        data = self.model_dump()
        if worlds is not None:
            data["worlds"] = worlds
        if years is not None:
            data["years"] = years
        if seed is not None:
            data["seed"] = seed
        return validate_scenario(data, source=f"{self.name} (overrides)")

    def to_yaml(self, complete: bool = False) -> str:
        """YAML of the scenario; parameters at their package default are left out.

        With ``complete=True`` every field is written out, defaults included
        (only unset optional fields, which default to nothing, are left out):
        a file to edit, which reads back equal to this scenario.
        """
        data = self.model_dump(mode="json", exclude_none=True, exclude_defaults=not complete)
        return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


# --------------------------------------------------------------------------- loading


#: Deepest nesting of YAML collections accepted (a scenario needs 3: ``states[k].position``,
#: ``params.war.cost``); deeper input is refused before it can exhaust the stack.
MAX_YAML_DEPTH = 16

_YAML_TAG = "tag:yaml.org,2002:"


class _YamlRefused(Exception):
    """A structural problem found while reading the YAML (carries the problem lines)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class _Frame:
    """One open YAML collection while the document is built from parser events."""

    __slots__ = ("container", "path", "line", "key", "has_key", "key_lines")

    def __init__(self, container: list[Any] | dict[Any, Any], path: str, line: int):
        self.container = container
        self.path = path
        self.line = line
        self.key: Any = None
        self.has_key = False
        self.key_lines: dict[Any, int] = {}


def _child_path(frame: _Frame | None) -> str:
    """The field path of the node about to be added to ``frame`` (for messages)."""
    if frame is None:
        return "(top level)"
    if isinstance(frame.container, list):
        return f"{frame.path}[{len(frame.container)}]"
    if frame.has_key:
        key = _key_text(frame.key)
        return f"{frame.path}.{key}" if frame.path else key
    return frame.path or "(top level)"


def _key_text(key: Any) -> str:
    """A mapping key as part of a field path in a message (control characters escaped)."""
    from .formatting import safe_text

    return safe_text(str(key))


def _path_loc(path: str) -> tuple[Any, ...]:
    """``states[2].position`` → ``("states", 2, "position")`` (for :func:`_constraint_text`)."""
    return tuple(int(i) if i else k for k, i in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path))


def _yaml_events(text: str):
    """Parser events of ``text`` (libyaml when available: fast; PyYAML's safe parser otherwise)."""
    loader_cls = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    loader = loader_cls(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def _load_yaml(text: str, lines: dict[tuple[Any, ...], int] | None = None) -> Any:
    """Build plain Python data from YAML text, refusing what a scenario never needs.

    ``lines``, when given, is filled with the line (1-based) of every field
    path (``("states", 3, "military")``): a mapping entry's key line, a list
    item's own line, so that errors can say where a field is.

    The document is assembled directly from parser events (no recursion, so
    no nesting depth can overflow the stack).  Plain scalars are read by the
    YAML 1.2 core schema (:func:`core_scalar`), not PyYAML's YAML 1.1 rules:
    ``1:30`` is text (not 90 in base 60), ``010`` is ten, ``1e-3`` is a
    number, ``yes``/``no``/``on``/``off`` and dates are text; hexadecimal and
    octal numbers (``0x1``, ``0o7``) are refused, asking for decimal.
    Refused, each with its line: aliases and anchors
    (no "billion laughs"), explicit tags (``!!python/object`` …), merge keys
    (``<<``), duplicate keys in a mapping (YAML would silently keep the
    last), non-scalar keys, nesting deeper than :data:`MAX_YAML_DEPTH`, more
    than one document, and integers too long to convert.
    """
    problems: list[str] = []
    stack: list[_Frame] = []
    root: Any = None
    documents = 0

    def add(value: Any, line: int) -> None:
        nonlocal root
        if not stack:
            root = value
            if lines is not None:
                lines.setdefault((), line)
            return
        top = stack[-1]
        if isinstance(top.container, list):
            if lines is not None:
                lines.setdefault(_path_loc(f"{top.path}[{len(top.container)}]"), line)
            top.container.append(value)
            return
        if not top.has_key:
            if isinstance(value, (list, dict)):
                raise _YamlRefused(
                    [f"line {line}: {top.path or '(top level)'}: a key must be a name, not a "
                     f"{'list' if isinstance(value, list) else 'mapping'}"]
                )
            if value in top.key_lines:
                where = f"{top.path}.{_key_text(value)}" if top.path else _key_text(value)
                problems.append(
                    f"{where}: duplicate key {value!r} at line {line} (first at line {top.key_lines[value]}); "
                    "each field may appear once in a mapping"
                )
            else:
                top.key_lines[value] = line
            top.key, top.has_key = value, True
            return
        if top.key not in top.container:
            top.container[top.key] = value  # on a duplicate key the first value stays (and it is an error)
            if lines is not None:
                key = str(top.key)
                lines.setdefault(_path_loc(f"{top.path}.{key}" if top.path else key), top.key_lines.get(top.key, line))
        top.key, top.has_key = None, False

    for ev in _yaml_events(text):
        line = ev.start_mark.line + 1
        if isinstance(ev, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _YamlRefused(
                    [f"line {line}: a second YAML document starts here ('---'); a scenario file holds one document"]
                )
            continue
        if isinstance(ev, yaml.AliasEvent):
            raise _YamlRefused([f"YAML aliases (*{ev.anchor}) are not allowed in scenarios (line {line})"])
        if isinstance(ev, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            where = _child_path(stack[-1] if stack else None)
            if ev.anchor is not None:
                raise _YamlRefused([f"YAML anchors (&{ev.anchor}) are not allowed in scenarios (line {line}, at {where})"])
            if ev.tag is not None:
                tag = ev.tag.replace(_YAML_TAG, "!!")
                raise _YamlRefused(
                    [f"{where}: YAML tags ({tag}) are not allowed in scenarios (line {line}); write a plain value"]
                )
        if isinstance(ev, yaml.ScalarEvent):
            plain = bool(ev.implicit and ev.implicit[0])  # not quoted, not a block scalar
            if plain and ev.value == "<<" and stack and isinstance(stack[-1].container, dict) and not stack[-1].has_key:
                raise _YamlRefused(
                    [f"{where}: YAML merge keys (<<) are not allowed in scenarios (line {line}); write the fields out"]
                )
            value: Any = ev.value
            if plain:
                try:
                    value = core_scalar(ev.value)
                except _NotDecimal as exc:
                    raise _YamlRefused(
                        [f"{where} = {_short(ev.value)}: {exc} (line {line}); scenario files take decimal numbers "
                         "only: write " + (f"{exc.decimal}" if exc.decimal is not None else "it in decimal digits")]
                    ) from None
                except ValueError:
                    hint = _constraint_text(Scenario, _path_loc(where))
                    raise _YamlRefused(
                        [f"{where} = {_short(ev.value)}: a number with {len(ev.value)} digits (line {line}) is far "
                         "outside any allowed range" + (f" ({hint})" if hint else "")]
                    ) from None
            add(value, line)
        elif isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_YAML_DEPTH:
                raise _YamlRefused(
                    [f"line {line}: {where}: nested more than {MAX_YAML_DEPTH} levels deep; "
                     "a scenario needs at most 3 (e.g. states[0].position)"]
                )
            stack.append(_Frame([] if isinstance(ev, yaml.SequenceStartEvent) else {}, "" if where == "(top level)" else where, line))
        elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            frame = stack.pop()
            add(frame.container, frame.line)
    if problems:
        raise _YamlRefused(problems)
    return root


# --------------------------------------------------------------------------- YAML 1.2 core scalars

#: The YAML 1.2 core schema's plain scalars (YAML 1.2.2, §10.3.2), as scenario files read them.
_CORE_NULL = re.compile(r"null|Null|NULL|~|")
_CORE_TRUE = re.compile(r"true|True|TRUE")
_CORE_FALSE = re.compile(r"false|False|FALSE")
_CORE_INT = re.compile(r"[-+]?[0-9]+")
_CORE_OCT = re.compile(r"0o[0-7]+")
_CORE_HEX = re.compile(r"0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_CORE_INF = re.compile(r"[-+]?(\.inf|\.Inf|\.INF)")
_CORE_NAN = re.compile(r"\.nan|\.NaN|\.NAN")
#: YAML 1.1 numbers that YAML 1.2 reads as text: base 60 (``1:30``), binary, digits grouped with ``_``.
_YAML11_NUMBER = re.compile(r"[-+]?(0b[01_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[0-9][0-9_]*_[0-9_]*(\.[0-9_]*)?)")


class _NotDecimal(ValueError):
    """A plain scalar that YAML 1.2 reads as a hexadecimal or octal integer (refused: write decimal)."""

    def __init__(self, message: str, decimal: int | None):
        super().__init__(message)
        self.decimal = decimal


def core_scalar(text: str) -> Any:
    """The value of a plain (unquoted) YAML scalar under the YAML 1.2 core schema.

    ``null``/``~``/empty → None; ``true``/``false`` (three spellings each)
    → bool; ``[-+]?[0-9]+`` → int (``010`` is ten); decimal floats with an
    optional exponent (``1e-3``, ``.5``, ``2.``) → float; ``.inf``/``.nan``
    → float (then refused by the fields' ranges); anything else is text.
    Hexadecimal (``0x1``) and octal (``0o7``) integers raise
    :class:`_NotDecimal`; an integer too long to convert raises ValueError.
    """
    if _CORE_NULL.fullmatch(text):
        return None
    if _CORE_TRUE.fullmatch(text):
        return True
    if _CORE_FALSE.fullmatch(text):
        return False
    if _CORE_INT.fullmatch(text):
        return int(text, 10)  # ValueError beyond Python's digit limit (sys.get_int_max_str_digits)
    for pattern, base, what in ((_CORE_HEX, 16, "a hexadecimal number"), (_CORE_OCT, 8, "an octal number")):
        if pattern.fullmatch(text):
            digits = text[2:]
            decimal = int(digits, base) if len(digits) <= 64 else None
            raise _NotDecimal(what, decimal)
    if _CORE_FLOAT.fullmatch(text):
        return float(text)
    if _CORE_INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _CORE_NAN.fullmatch(text):
        return math.nan
    return text


def _resolves_to_text(text: str) -> bool:
    """Whether ``text`` written as a plain scalar reads back as this text (:func:`core_scalar`)."""
    try:
        return core_scalar(text) == text and isinstance(core_scalar(text), str)
    except ValueError:
        return False


#: Words YAML 1.1 read as switches and YAML 1.2 reads as text.
_YAML11_SWITCHES = frozenset({"y", "n", "yes", "no", "on", "off"})


def _yaml11_hint(value: Any) -> str | None:
    """For text YAML 1.1 read otherwise (``1:30`` = 90, ``yes`` = true), what it is now and how to write it."""
    if isinstance(value, str) and value.strip().lower() in _YAML11_SWITCHES:
        v = value.strip()
        return (f"{v} is text in YAML 1.2, which scenario files and --set follow (YAML 1.1 read it as a switch): "
                "write true or false for a switch, digits for a number")
    return _yaml11_number_hint(value)


def _yaml11_number_hint(value: Any) -> str | None:
    """For text that YAML 1.1 would have read as a number (``1:30`` = 90), the hint to write it in decimal."""
    if not isinstance(value, str) or not _YAML11_NUMBER.fullmatch(value.strip()):
        return None
    v = value.strip()
    try:
        old = yaml.safe_load(v)  # PyYAML's YAML 1.1 reading, only to show what it meant there
    except yaml.YAMLError:
        old = None
    meant = f"; YAML 1.1 read it as {old!r}" if isinstance(old, (int, float)) and not isinstance(old, bool) else ""
    return f"{v} is text in YAML 1.2, which scenario files and --set follow{meant}: write the number in decimal digits"


def _short(text: str, limit: int = 24) -> str:
    """A scalar as written, kept short for a message (control characters escaped)."""
    from .formatting import safe_text

    text = safe_text(text)
    return text if len(text) <= limit else text[: limit - 4] + "…"


class _Dumper(yaml.SafeDumper):
    """``yaml.safe_dump`` whose text reads back as text under :func:`core_scalar` (``1e3`` is quoted)."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if not _resolves_to_text(data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
    return dumper.represent_str(data)


_Dumper.add_representer(str, _represent_str)


def _constraint_text(model: type[BaseModel], loc: tuple[Any, ...]) -> str | None:
    """The allowed range or choices of the field at ``loc``, read from the models."""
    names = list(loc)
    while names and isinstance(names[-1], int):  # an item of a list or tuple: the field holding it
        names.pop()
    holder = _model_at(model, tuple(names)) if names else None
    field = holder.model_fields.get(names[-1]) if holder is not None else None
    if field is None:
        return None
    lo = hi = None
    lo_incl = hi_incl = True
    for m in field.metadata:
        for attr, incl in (("ge", True), ("gt", False)):
            if getattr(m, attr, None) is not None:
                lo, lo_incl = getattr(m, attr), incl
        for attr, incl in (("le", True), ("lt", False)):
            if getattr(m, attr, None) is not None:
                hi, hi_incl = getattr(m, attr), incl
    parts = []
    n_lo = n_hi = None
    for m in field.metadata:
        n_lo = getattr(m, "min_length", None) if getattr(m, "min_length", None) is not None else n_lo
        n_hi = getattr(m, "max_length", None) if getattr(m, "max_length", None) is not None else n_hi
    if typing.get_origin(field.annotation) is list and (n_lo is not None or n_hi is not None):
        parts.append(f"allowed {n_lo or 0} to {n_hi if n_hi is not None else 'any number of'} entries")
    if lo is not None or hi is not None:
        left = "[" if lo_incl and lo is not None else "("
        right = "]" if hi_incl and hi is not None else ")"
        parts.append(f"allowed {left}{'−∞' if lo is None else _bound(lo)}, {'∞' if hi is None else _bound(hi)}{right}")
    if field.description:
        parts.append(field.description)
    return "; ".join(parts) if parts else None


def _bound(x: Any) -> str:
    """A range bound as the docs write it: ``1e15`` rather than ``1000000000000000.0``."""
    if isinstance(x, float) and abs(x) >= 1e6:
        return f"{x:.0e}".replace("e+", "e")
    return str(x)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model holding the field at ``loc`` (``("params", "war", "cost")`` → :class:`WarParams`)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        ann = fields[part].annotation
        current = None
        for cand in (ann, *(getattr(ann, "__args__", ()) or ())):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                current = cand
        if current is None:
            return None
    return current


def _did_you_mean(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Allowed field names close to the unknown one at ``loc`` (difflib), best first."""
    holder = _model_at(model, loc) if loc else None
    if holder is None:
        return []
    return difflib.get_close_matches(str(loc[-1]), list(holder.model_fields), n=3, cutoff=0.6)


def _unknown_field_text(model: type[BaseModel], loc: tuple[Any, ...], name_it: bool = False) -> str:
    """The message for an unknown field: a did-you-mean hint when a field of that model is close."""
    what = f"unknown field `{loc[-1]}`" if name_it and loc else "unknown field"
    close = _did_you_mean(model, loc)
    if close:
        return f"{what}; did you mean {' or '.join(f'`{c}`' for c in close)}? (see `neorealism scenarios --params`)"
    return f"{what} (not a scenario parameter; check the spelling, see `neorealism scenarios --params`)"


def _state_path(k: int, name: Any) -> str:
    """``states[3] (m1)``: a state's index and, when it has a valid name, the name."""
    ok = (
        isinstance(name, str)
        and 1 <= len(name) <= 64
        and name.strip() != ""
        and name.isprintable()
    )
    return f"states[{k}] ({name})" if ok else f"states[{k}]"


def _loc_path(loc: tuple[Any, ...], data: Any = None) -> str:
    """``("states", 3, "military")`` → ``states[3] (m1).military`` (the state's name read from ``data``)."""
    parts = list(loc)
    head = ""
    if len(parts) >= 3 and parts[0] == "states" and isinstance(parts[1], int) and parts[2] != "name":
        states = data.get("states") if isinstance(data, dict) else None
        entry = states[parts[1]] if isinstance(states, list) and 0 <= parts[1] < len(states) else None
        name = entry.get("name") if isinstance(entry, dict) else getattr(entry, "name", None)
        head = _state_path(parts[1], name)
        parts = parts[2:]
    path = head + "".join(f"[{p}]" if isinstance(p, int) else f".{_key_text(p)}" for p in parts)
    return path.lstrip(".") or "(top level)"


def _line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int] | None) -> int | None:
    """The file line of the field at ``loc`` (or of the nearest enclosing one read from the file)."""
    if not lines:
        return None
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _format_errors(
    exc: ValidationError,
    data: Any = None,
    overrides: dict[tuple[Any, ...], tuple[str, Any]] | None = None,
    lines: dict[tuple[Any, ...], int] | None = None,
) -> list[str]:
    """One line per validation error: field path (with the state's name), bad value, message, line, allowed range.

    ``overrides`` maps the field path of each ``--set`` to its label
    (``--set war.cost``) and value: an error at or above such a path is
    reported under the label, with the value as given.  ``lines`` (from
    :func:`_load_yaml`) maps field paths to their lines in the file: each
    error then says ``line N``.
    """
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        path = _loc_path(loc, data)
        inp = err.get("input")
        renamed = False
        for oloc, (label, value) in (overrides or {}).items():
            n = min(len(loc), len(oloc))
            if n and loc[:n] == oloc[:n]:
                path, inp, renamed = label, value, loc != oloc
                break
        at = None if overrides else _line_of(loc, lines)  # an override has no line in a file
        where = [f"line {at}"] if at is not None else []
        msg = err.get("msg", "invalid")
        yaml11 = _yaml11_hint(inp) if ("not text" in msg or "true or false" in msg) else None
        if yaml11:
            msg = f"{msg.split(' (')[0]} ({yaml11})"
        elif isinstance(inp, float) and not math.isfinite(inp) and err.get("type") != "extra_forbidden":
            msg = "Input should be a finite number (.inf and .nan are not allowed)"
        for b in (err.get("ctx") or {}).values():
            if isinstance(b, float) and math.isfinite(b) and abs(b) >= 1e6 and b == int(b):
                msg = re.sub(rf"\b{int(b)}(\.0)?\b", _bound(b), msg)  # 1e15, not 1000000000000000
        if err.get("type") == "extra_forbidden":
            msg = _unknown_field_text(Scenario, loc, name_it=renamed)
        if not loc:
            # whole-scenario checks name their own field path in the message, one problem a line
            problems.extend(msg.removeprefix("Value error, ").splitlines())
            continue
        if err.get("type") == "missing":
            h = _constraint_text(Scenario, loc)
            notes = [f"in the mapping at line {at}"] if at is not None else []
            notes += [h] if h else []
            problems.append(f"{path}: required field is missing" + (f" ({'; '.join(notes)})" if notes else ""))
            continue
        shown = repr(inp)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        line = f"{path} = {shown}: {msg.removeprefix('Value error, ')}"
        if err.get("type") != "extra_forbidden":
            hint = _constraint_text(Scenario, loc)
            where += [hint] if hint else []
        if where:
            line += f" ({'; '.join(where)})"
        problems.append(line)
    return problems


def validate_scenario(
    data: Any, source: str = "<mapping>", lines: dict[tuple[Any, ...], int] | None = None
) -> Scenario:
    """Validate a mapping as a :class:`Scenario`, or raise :class:`ScenarioError`.

    ``lines`` (field path → line in the file, from :func:`_load_yaml`) adds
    ``line N`` to each problem.
    """
    if not isinstance(data, dict):
        raise ScenarioError(source, [f"(top level): expected a mapping of scenario fields, got {type(data).__name__}"])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = _format_errors(exc, data, lines=lines)
        problems += [p for p in _raw_alliance_problems(data) if p not in problems]
        raise ScenarioError(source, problems) from None


def _char_at(text: str, mark: Any) -> str:
    """The character at a YAML error mark ('' when unknown)."""
    if mark is None:
        return ""
    lines = text.splitlines()
    if not 0 <= mark.line < len(lines):
        return ""
    row = lines[mark.line]
    return row[mark.column] if 0 <= mark.column < len(row) else ""


def parse_scenario_text(text: str, source: str = "<text>") -> Scenario:
    """Parse YAML text (safe, alias-free) and validate it."""
    if len(text.encode("utf-8", errors="replace")) > MAX_SCENARIO_BYTES:
        raise ScenarioError(source, [f"file is larger than {MAX_SCENARIO_BYTES} bytes; a scenario is a few KiB"])
    lines: dict[tuple[Any, ...], int] = {}
    try:
        data = _load_yaml(text, lines)
    except _YamlRefused as exc:
        raise ScenarioError(source, exc.problems) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        ch = exc.character
        code = ord(ch) if isinstance(ch, str) and len(ch) == 1 else ch if isinstance(ch, int) else None
        shown = f" (character #x{code:04x})" if code is not None else ""
        raise ScenarioError(source, [f"YAML syntax error at line {line}: {exc.reason}{shown}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if "nesting depth" in problem:
            # libyaml ≥ 0.2.5 (PyYAML ≥ 6.0.4 wheels) stops deep nesting itself, scanning ahead of
            # our own depth check: report it in the same words
            line = f"line {mark.line + 1}: " if mark is not None else ""
            raise ScenarioError(
                source,
                [f"{line}nested more than {MAX_YAML_DEPTH} levels deep (the YAML parser stopped{where}); "
                 "a scenario needs at most 3 (e.g. states[0].position)"],
            ) from None
        if "\t" in problem or "'\\t'" in problem or _char_at(text, mark) == "\t":
            problem += " (a tab: YAML does not allow tabs for indentation; indent with spaces)"
        raise ScenarioError(source, [f"YAML syntax error{where}: {problem}"]) from None
    if data is None:
        raise ScenarioError(source, ["(top level): the file is empty; expected a mapping with at least 'name' and 'states'"])
    return validate_scenario(data, source=source, lines=lines)


def load_scenario_file(path: str | Path) -> Scenario:
    """Load and validate a scenario file."""
    p = Path(path)
    if p.is_dir():
        raise ScenarioError(str(p), ["is a directory, not a scenario file (give a path to a .yaml file)"])
    if p.exists() and not p.is_file():
        raise ScenarioError(str(p), ["not a regular file (a device, pipe or socket); give a path to a .yaml file"])
    if not p.is_file():
        raise ScenarioError(
            str(p),
            ["file not found (give a built-in name, see `neorealism scenarios`, or a path to a .yaml file; "
             "to start a scenario file from a built-in: `neorealism scenarios --show bipolar > my.yaml`)"],
        )
    size = p.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(str(p), [f"file is {size} bytes, larger than the limit of {MAX_SCENARIO_BYTES} bytes"])
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(str(p), [f"not UTF-8 text (byte {exc.start})"]) from None
    except OSError as exc:
        raise ScenarioError(str(p), [f"cannot read the file: {exc.strerror or exc}"]) from None
    return parse_scenario_text(text, source=str(p))


def builtin_names() -> list[str]:
    """Names of the scenarios shipped inside the package."""
    folder = resources.files("neorealism") / "scenarios"
    return sorted(f.name[:-5] for f in folder.iterdir() if f.name.endswith(".yaml"))


def load_builtin(name: str) -> Scenario:
    folder = resources.files("neorealism") / "scenarios"
    f = folder / f"{name}.yaml"
    if not f.is_file():
        raise ScenarioError(name, [f"no built-in scenario named {name!r}; built-ins: {', '.join(builtin_names())}"])
    return parse_scenario_text(f.read_text(encoding="utf-8"), source=f"built-in {name}")


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    s = str(name_or_path)
    if s in builtin_names():
        return load_builtin(s)
    p = Path(s)
    if p.suffix.lower() in (".yaml", ".yml") or p.exists():
        return load_scenario_file(p)
    raise ScenarioError(s, [f"neither a built-in scenario ({', '.join(builtin_names())}) nor an existing .yaml file"])


# --------------------------------------------------------------------------- --set overrides


#: Top-level scenario fields ``--set`` may change; every other path is a parameter under ``params.``.
SETTABLE_TOP_LEVEL: tuple[str, ...] = ("years", "worlds", "seed", "start_year")


def _settable_paths() -> list[str]:
    """Every path ``--set`` accepts (without the optional ``params.`` prefix)."""
    paths = list(SETTABLE_TOP_LEVEL)
    for group, field in Params.model_fields.items():
        sub = field.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            paths += [f"{group}.{name}" for name in sub.model_fields]
    return paths


def _shown(text: str, limit: int = 40) -> str:
    """A value as given on the command line, kept to one short line."""
    text = text if text.isprintable() else repr(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _override_loc(path: str) -> tuple[tuple[Any, ...] | None, str | None]:
    """The field path ``--set PATH`` names, or None and the problem."""
    raw = path.strip()
    prefixed = raw.startswith("params.")
    parts = raw.removeprefix("params.").split(".")
    if any(not p for p in parts):
        return None, "expected a path such as war.offense_defense (names joined by dots)"
    if len(parts) == 1 and parts[0] in SETTABLE_TOP_LEVEL and not prefixed:
        return (parts[0],), None
    if len(parts) == 2:
        return ("params", *parts), None
    if len(parts) == 1 and parts[0] in Params.model_fields:
        first = next(iter(Params.model_fields[parts[0]].annotation.model_fields))
        return None, (
            f"names a group of parameters; set one of them, e.g. --set {parts[0]}.{first}=… "
            "(see `neorealism scenarios --params`)"
        )
    close = difflib.get_close_matches(raw.removeprefix("params."), _settable_paths(), n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(f'`{c}`' for c in close)}? " if close else ""
    return None, (
        f"not a parameter --set can change; {hint}--set takes GROUP.NAME under params "
        f"(e.g. war.offense_defense; see `neorealism scenarios --params`) or one of {', '.join(SETTABLE_TOP_LEVEL)}"
    )


def _override_value(text: str) -> tuple[Any, str | None]:
    """VALUE of ``--set PATH=VALUE`` read as one YAML scalar, strictly (no tags, aliases or anchors)."""
    if not text.strip():
        return None, "no value after '=' (write e.g. --set war.offense_defense=1.5)"
    try:
        value = _load_yaml(text)
    except _YamlRefused as exc:
        problem = "; ".join(re.sub(r"^\(top level\)(: | = .*?: )", "", p) for p in exc.problems)
        problem = re.sub(r" \(line 1(, at \(top level\))?\)", "", problem)
        return None, problem.replace(" in scenarios", " in --set values").replace("scenario files take", "--set takes")
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or "not valid"
        return None, f"not one YAML value ({problem}); write a number, true/false or a word"
    if isinstance(value, (list, dict)):
        kind = "list" if isinstance(value, list) else "mapping"
        return None, f"expects one value (a number, true/false or a word), not a {kind}"
    return value, None


def apply_overrides(scenario: Scenario, sets: Sequence[str], option: str = "--set") -> Scenario:
    """``scenario`` with ``--set PATH=VALUE`` overrides applied, validated by the same models.

    PATH is a parameter under ``params.`` (the prefix is optional, e.g.
    ``war.offense_defense``) or one of :data:`SETTABLE_TOP_LEVEL`; VALUE is
    read as one YAML scalar with the rules of scenario files (a number stays
    a number, quoted text is text, no tags or aliases).  Every problem —
    malformed option, unknown path, value of the wrong type or out of range,
    a path given twice — is reported naming the option (``--set
    war.offense_defense``) and the allowed range; raises :class:`OverrideError`.
    """
    problems: list[str] = []
    given: dict[tuple[Any, ...], tuple[str, Any]] = {}
    for item in sets:
        path, eq, text = item.partition("=")
        label = f"{option} {_shown(path.strip())}"
        if not eq:
            problems.append(f"{option} {_shown(item)}: expected PATH=VALUE, e.g. {option} war.offense_defense=1.5")
            continue
        loc, problem = _override_loc(path)
        if loc is None:
            problems.append(f"{label}: {problem}")
            continue
        if loc in given:
            also = f" (also as {given[loc][0]})" if given[loc][0] != label else ""
            problems.append(f"{label}: given more than once{also}; give each path once")
            continue
        value, problem = _override_value(text)
        if problem is not None:
            problems.append(f"{label}={_shown(text)}: {problem}")
            continue
        given[loc] = (label, value)
    if problems:
        raise OverrideError(problems, source=option)
    return apply_given(scenario, given, source=option)


def apply_given(scenario: Scenario, given: dict[tuple[Any, ...], tuple[str, Any]], source: str) -> Scenario:
    """``scenario`` with each value of ``given`` (field path → (label, value)) set, validated.

    Errors are reported under each value's label (``--set war.cost``,
    ``war.cost``) by :class:`OverrideError` from ``source``.
    """
    if not given:
        return scenario
    data = scenario.model_dump()
    for loc, (_, value) in given.items():
        node = data
        for key in loc[:-1]:
            node = node.setdefault(key, {})  # a new mapping only under an unknown group (refused below)
        node[loc[-1]] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise OverrideError(_format_errors(exc, data, given), source=source) from None
