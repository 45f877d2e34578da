"""Experiment specs: a hypothesis, the conditions compared, the outcomes and what the theory predicts of them.

The spec is kept apart from the model (as EMA Workbench keeps its
experiments apart from the models it runs): it names scenarios and
parameter changes, never code.  A spec is a YAML file, read as safely as a
scenario (:func:`neorealism.scenario._load_yaml`: no tags, no aliases, YAML
1.2 scalars) and validated by pydantic models with ``extra="forbid"``;
every problem is one line naming the field path, its line in the file and
what is allowed (:class:`~neorealism.errors.SpecError`).

A spec::

    name: waltz-stability
    title: Bipolar against multipolar stability
    hypothesis:
      statement: Bipolar systems are more stable than multipolar ones.
      source: Waltz 1979, ch. 8
      rival: {statement: Multipolar systems are more stable., source: Deutsch & Singer 1964}
    scenario: {generator: polar, n_states: 12, poles: 4}
    conditions:
      - {name: multipolar}
      - {name: bipolar, scenario: {generator: polar, n_states: 12, poles: 2}}
    outcomes:
      - {name: gp_wars, predict: lower, sesoi: 0.5}
    worlds: 200
    years: 200
    seed: 0

The first condition is the baseline unless ``baseline`` names another;
each outcome's ``predict`` (``higher``, ``lower`` or ``none`` — no effect
larger than ``sesoi``) applies to every other condition, or is given per
condition (``predict: {bipolar: lower, tripolar: none}``; a condition left
out of the mapping is measured but not tested for that outcome).  A
condition may name the one it is compared with (``compare_to``), e.g.
within each row of a 2 × 2 design.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import NeorealismError, SpecError

__all__ = [
    "MAX_SPEC_BYTES",
    "Condition",
    "ExperimentSpec",
    "Hypothesis",
    "OutcomeSpec",
    "Prediction",
    "SensitivitySpec",
    "TailSpec",
    "TrendSpec",
    "builtin_names",
    "load_spec",
    "resolve_scenario",
]

MAX_SPEC_BYTES = 1_000_000
MAX_CONDITIONS = 64
MAX_WORLDS = 1_000_000
MAX_YEARS = 10_000

Prediction = Literal["higher", "lower", "none"]
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,63}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    statement: Annotated[str, Field(min_length=1, max_length=2000, description="what is claimed")]
    source: Annotated[str, Field(min_length=1, max_length=500, description="who states it (author year, chapter)")]


class Hypothesis(Source):
    """The claim an experiment tests, with the source that states it, and optionally its rival's."""

    rival: Source | None = None


class _MapGenerator(_Model):
    """What every generated family shares: its size, the seed of its map and doctrines, its offensive share."""

    n_states: Annotated[int, Field(ge=2, le=400)] = 12
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    offensive_share: Annotated[float, Field(ge=0.0, le=1.0)] = 0.3


class PolarGenerator(_MapGenerator):
    """:func:`neorealism.synthetic.polar_scenario`: equal poles and equal minors on a fixed map."""

    generator: Literal["polar"]
    n_states: Annotated[int, Field(ge=3, le=400)] = 12
    poles: Annotated[int, Field(ge=1, le=399)] = 2
    gp_share: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.8


class ConcentratedGenerator(_MapGenerator):
    """:func:`neorealism.synthetic.concentrated_scenario`: shares ∝ rank^(−exponent) on a fixed map."""

    generator: Literal["concentrated"]
    exponent: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0


class SyntheticGenerator(_Model):
    """:func:`neorealism.synthetic.synthetic_scenario`: log-normal capabilities."""

    generator: Literal["synthetic"]
    n_states: Annotated[int, Field(ge=2, le=400)] = 12
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0


Generator = Annotated[PolarGenerator | ConcentratedGenerator | SyntheticGenerator, Field(discriminator="generator")]
ScenarioRef = Annotated[str, Field(min_length=1, max_length=500)] | Generator


class Condition(_Model):
    """One condition compared: a scenario (default: the spec's) with parameter and state changes."""

    name: Annotated[str, Field(pattern=_NAME, description="condition name (letters, digits, - _ . space)")]
    description: Annotated[str, Field(max_length=2000)] = ""
    scenario: ScenarioRef | None = None
    #: parameter changes, as ``--set`` takes them: ``{war.cost: 0.1}``
    set: dict[str, Any] = Field(default_factory=dict)
    #: state changes: ``{"*": {policy: deter}, P2: {type: greedy}}`` ("*" = every state)
    states: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: the condition's value on a trend's axis (e.g. the initial concentration it is built with)
    x: float | None = None
    #: the condition this one is compared with (default: the spec's baseline), e.g. within one row of a 2 × 2
    compare_to: str | None = None


def _known_outcome(v: str) -> str:
    from ..outcomes import OUTCOMES

    if v not in OUTCOMES:
        raise ValueError(f"unknown outcome; outcomes: {', '.join(OUTCOMES)}")
    return v


#: The name of an outcome of :data:`neorealism.outcomes.OUTCOMES`.
OutcomeName = Annotated[str, AfterValidator(_known_outcome)]


class OutcomeSpec(_Model):
    """An outcome compared across conditions, what the hypothesis predicts of it and the smallest effect of interest."""

    name: OutcomeName
    predict: Prediction | dict[str, Prediction]
    sesoi: Annotated[float, Field(gt=0.0, le=1e6, description="smallest effect of interest, in the outcome's units")]
    note: Annotated[str, Field(max_length=2000)] = ""


class ThresholdSpec(_Model):
    """A prediction of one condition's level: ``balancing_rate`` in ``rising`` is higher than 0.5."""

    outcome: OutcomeName
    condition: str
    value: Annotated[float, Field(ge=-1e9, le=1e9)]
    predict: Prediction
    sesoi: Annotated[float, Field(gt=0.0, le=1e6)]
    note: Annotated[str, Field(max_length=2000)] = ""


class TrendSpec(_Model):
    """The shape of an outcome across conditions ordered by their ``x`` (e.g. war against concentration).

    ``increasing`` / ``decreasing``: the effect is the change of a fitted
    line across the range of x (outcome units); ``inverted_u`` / ``u``: the
    effect is the fitted quadratic's hump at the middle of the range above
    the mean of its ends (Mansfield 1992's inverted U is a positive hump).
    """

    outcome: OutcomeName
    shape: Literal["increasing", "decreasing", "inverted_u", "u"]
    sesoi: Annotated[float, Field(gt=0.0, le=1e6)]
    note: Annotated[str, Field(max_length=2000)] = ""


class SensitivityOutcome(_Model):
    name: OutcomeName
    index: Literal["S1", "ST"] = "ST"
    #: per parameter: does the hypothesis expect the index to exceed sesoi ("higher") or stay below it ("none")
    predict: dict[str, Literal["higher", "none"]] = Field(default_factory=dict)
    sesoi: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1


class SensitivitySpec(_Model):
    """A global sensitivity analysis (Sobol 2001; Saltelli 2002) with SALib, one batch of worlds over the sample.

    ``samples`` base samples N (a power of 2) give N·(D + 2) parameter
    points (Saltelli's scheme without second-order terms); each point runs
    ``worlds_per_point`` worlds (the same world ids for every point: common
    random numbers).
    """

    scenario: ScenarioRef | None = None
    parameters: dict[str, tuple[float, float]]
    samples: Annotated[int, Field(ge=4, le=4096)] = 64
    worlds_per_point: Annotated[int, Field(ge=1, le=1000)] = 4
    years: Annotated[int, Field(ge=1, le=MAX_YEARS)] | None = None
    outcomes: list[SensitivityOutcome] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> SensitivitySpec:
        if not (1 <= len(self.parameters) <= 20):
            raise ValueError("parameters: give 1 to 20 parameters, each with [low, high]")
        n = self.samples
        if n & (n - 1):
            raise ValueError(f"samples = {n}: must be a power of 2 (Sobol' sequences), e.g. 64")
        for path, (lo, hi) in self.parameters.items():
            if not lo < hi:
                raise ValueError(f"parameters.{path} = [{lo}, {hi}]: allowed low < high")
        for o in self.outcomes:
            unknown = sorted(set(o.predict) - set(self.parameters))
            if unknown:
                raise ValueError(f"outcomes ({o.name}).predict names {', '.join(unknown)}, not among the parameters")
        return self


class TailSpec(_Model):
    """The tail of the war-size distribution against COW's inter-state wars (Richardson 1948; Clauset 2018)."""

    reference: Literal["cow"] = "cow"
    predict: Prediction = "none"
    sesoi: Annotated[float, Field(gt=0.0, le=10.0)] = 0.25
    conditions: list[str] | None = None


class ExperimentSpec(_Model):
    """A whole experiment (see the module docstring)."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]{0,63}$", description="lower-case name, digits, -")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    hypothesis: Hypothesis
    predicts: Annotated[str, Field(max_length=4000, description="what the theory predicts, in words")] = ""
    caveats: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list)
    scenario: ScenarioRef | None = None
    #: parameter changes every condition starts from (a condition's own ``set`` comes after)
    set: dict[str, Any] = Field(default_factory=dict)
    conditions: list[Condition] = Field(default_factory=list, max_length=MAX_CONDITIONS)
    baseline: str | None = None
    outcomes: list[OutcomeSpec] = Field(default_factory=list)
    thresholds: list[ThresholdSpec] = Field(default_factory=list)
    trends: list[TrendSpec] = Field(default_factory=list)
    sensitivity: SensitivitySpec | None = None
    tail: TailSpec | None = None
    #: further outcomes measured in every condition and shown in the report, without a prediction
    measures: list[OutcomeName] = Field(default_factory=list)
    worlds: Annotated[int, Field(ge=1, le=MAX_WORLDS)] = 200
    years: Annotated[int, Field(ge=1, le=MAX_YEARS)] = 200
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0

    @model_validator(mode="after")
    def _check(self) -> ExperimentSpec:
        names = [c.name for c in self.conditions]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"conditions: names must be unique; repeated: {', '.join(dup)}")
        if self.baseline is not None and self.baseline not in names:
            raise ValueError(f"baseline = {self.baseline!r}: not a condition ({', '.join(names) or 'none'})")
        if self.outcomes and len(self.conditions) < 2:
            raise ValueError("outcomes need at least 2 conditions to compare (a baseline and another)")
        if not (self.outcomes or self.thresholds or self.trends or self.sensitivity or self.tail):
            raise ValueError("the spec measures nothing: give outcomes, thresholds, trends, sensitivity or tail")
        for c in self.conditions:
            if c.compare_to is not None and (c.compare_to not in names or c.compare_to == c.name):
                raise ValueError(f"conditions ({c.name}).compare_to = {c.compare_to!r}: must name another condition")
        for t in self.thresholds:
            if t.condition not in names:
                raise ValueError(f"thresholds ({t.outcome}).condition = {t.condition!r}: not a condition")
        if not self.conditions and (self.trends or self.tail):
            raise ValueError("trends and tail need conditions")
        if any(c.scenario is None for c in self.conditions) and self.scenario is None:
            missing = [c.name for c in self.conditions if c.scenario is None]
            raise ValueError(f"conditions {', '.join(missing)} give no scenario and the spec has no `scenario`")
        if self.sensitivity is not None and self.sensitivity.scenario is None and self.scenario is None:
            raise ValueError("sensitivity gives no scenario and the spec has no `scenario`")
        for o in self.outcomes:
            if isinstance(o.predict, dict):
                unknown = sorted(set(o.predict) - set(names))
                if unknown:
                    raise ValueError(f"outcomes ({o.name}).predict names {', '.join(unknown)}, not conditions")
                lone = sorted(c.name for c in self.conditions if c.name in o.predict and self.reference(c) is None)
                if lone:
                    raise ValueError(f"outcomes ({o.name}).predict: {', '.join(lone)} is the baseline, compared with "
                                     "nothing (the others are compared with it)")
        for t in self.trends:
            xs = [c.x for c in self.conditions]
            if sum(x is not None for x in xs) < (3 if t.shape in ("inverted_u", "u") else 2):
                raise ValueError(f"trends ({t.outcome}, {t.shape}): give `x` to at least "
                                 f"{3 if t.shape in ('inverted_u', 'u') else 2} conditions")
        if self.tail is not None and self.tail.conditions:
            unknown = sorted(set(self.tail.conditions) - set(names))
            if unknown:
                raise ValueError(f"tail.conditions names {', '.join(unknown)}, not conditions")
        return self

    @property
    def baseline_name(self) -> str | None:
        return self.baseline or (self.conditions[0].name if self.conditions else None)

    def reference(self, cond: Condition) -> str | None:
        """The condition ``cond`` is compared with (None for the baseline itself)."""
        ref = cond.compare_to or self.baseline_name
        return None if ref == cond.name else ref

    def prediction(self, outcome: OutcomeSpec, condition: str) -> Prediction:
        return outcome.predict.get(condition, "none") if isinstance(outcome.predict, dict) else outcome.predict


# --------------------------------------------------------------------------- loading


def _format(exc: ValidationError, lines: dict[tuple[Any, ...], int] | None) -> list[str]:
    from ..scenario import _line_of, _loc_path

    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        # a discriminated union puts the tag in the path (scenario.polar.poles): drop it
        loc = tuple(p for p in loc if p not in ("polar", "concentrated", "synthetic", "str")
                    and not (isinstance(p, str) and p.startswith("function-")))
        path = _loc_path(loc)
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        at = _line_of(loc, lines)
        where = f" (line {at})" if at is not None else ""
        if err.get("type") == "extra_forbidden":
            out.append(f"{path}: unknown field{where}")
        elif err.get("type") == "missing":
            out.append(f"{path}: required field is missing{where}")
        elif not loc:
            out.append(f"{msg}{where}")
        else:
            shown = repr(err.get("input"))
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            out.append(f"{path} = {shown}: {msg}{where}")
    return out


def parse_yaml_model(text: str, source: str, model: type[BaseModel], expected: str) -> Any:
    """YAML text read safely (as a scenario is) and validated as ``model``; :class:`SpecError` naming each problem.

    ``expected`` says what the top level should hold (for a file that is not a mapping).
    """
    import yaml

    from ..scenario import _load_yaml, _YamlRefused

    if len(text.encode("utf-8", errors="replace")) > MAX_SPEC_BYTES:
        raise SpecError(source, [f"larger than {MAX_SPEC_BYTES} bytes; a spec is a few KiB"])
    lines: dict[tuple[Any, ...], int] = {}
    try:
        data = _load_yaml(text, lines)
    except _YamlRefused as exc:
        raise SpecError(source, exc.problems) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise SpecError(source, [f"YAML syntax error{where}: {getattr(exc, 'problem', None) or exc}"]) from None
    if not isinstance(data, dict):
        raise SpecError(source, [f"(top level): expected a mapping with {expected}"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(source, _format(exc, lines)) from None


def parse_spec(text: str, source: str = "<text>", base_dir: Path | None = None) -> ExperimentSpec:
    """Parse YAML text (safely) and validate it as an :class:`ExperimentSpec`."""
    spec = parse_yaml_model(text, source, ExperimentSpec, "name, title, hypothesis, conditions, outcomes")
    if base_dir is not None:
        spec = _with_base(spec, base_dir)
    return spec


def _with_base(spec: ExperimentSpec, base: Path) -> ExperimentSpec:
    """Scenario paths in a spec file are read relative to the file's folder."""
    from ..scenario import builtin_names as scenario_names

    names = set(scenario_names())

    def fix(ref: Any) -> Any:
        if isinstance(ref, str) and ref not in names and not Path(ref).is_absolute():
            return str(base / ref)
        return ref

    conds = [c.model_copy(update={"scenario": fix(c.scenario)}) for c in spec.conditions]
    upd: dict[str, Any] = {"scenario": fix(spec.scenario), "conditions": conds}
    if spec.sensitivity is not None:
        upd["sensitivity"] = spec.sensitivity.model_copy(update={"scenario": fix(spec.sensitivity.scenario)})
    return spec.model_copy(update=upd)


def _builtin_folder() -> Any:
    from importlib import resources

    return resources.files("neorealism") / "experiments" / "builtin"


def builtin_names() -> list[str]:
    """The built-in experiments shipped in the package."""
    return sorted(f.name[:-5] for f in _builtin_folder().iterdir() if f.name.endswith(".yaml"))


def builtin_text(name: str) -> str:
    return (_builtin_folder() / f"{name}.yaml").read_text(encoding="utf-8")


def load_spec(name_or_path: str | Path) -> ExperimentSpec:
    """A built-in experiment by name, or a spec file by path (``SpecError`` naming what is wrong)."""
    from ..api import did_you_mean

    s = str(name_or_path)
    names = builtin_names()
    if s in names:
        return parse_spec(builtin_text(s), source=f"built-in {s}")
    p = Path(s)
    if p.suffix.lower() not in (".yaml", ".yml") and not p.exists():
        raise SpecError(s, [f"neither a built-in experiment nor an existing .yaml file; {did_you_mean(s, names)}"
                            f"built-ins: {', '.join(names)}"])
    if p.is_dir():
        raise SpecError(s, ["is a directory; give a spec .yaml file"])
    if not p.is_file():
        raise SpecError(s, ["file not found"])
    if p.stat().st_size > MAX_SPEC_BYTES:
        raise SpecError(s, [f"file is larger than {MAX_SPEC_BYTES} bytes"])
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(s, [f"not UTF-8 text (byte {exc.start})"]) from None
    except OSError as exc:
        raise SpecError(s, [f"cannot read the file: {exc.strerror or exc}"]) from None
    return parse_spec(text, source=s, base_dir=p.parent)


# --------------------------------------------------------------------------- scenarios of conditions


def resolve_scenario(ref: Any, where: str, source: str) -> Any:
    """The :class:`~neorealism.scenario.Scenario` a spec's scenario field names (built-in, file or generator)."""
    from .. import api
    from ..synthetic import GENERATORS

    try:
        if isinstance(ref, str):
            return api.load(ref)
        kw = ref.model_dump()
        return GENERATORS[kw.pop("generator")](**kw)
    except NeorealismError as exc:
        raise SpecError(source, [f"{where}: {exc}"]) from None
    except ValueError as exc:
        raise SpecError(source, [f"{where}: {exc}"]) from None


def condition_scenario(spec: ExperimentSpec, cond: Condition, source: str) -> Any:
    """The scenario of one condition: its scenario (or the spec's), its parameter changes, its state changes."""
    from .. import api
    from ..scenario import validate_scenario

    where = f"conditions ({cond.name})"
    sc = resolve_scenario(cond.scenario if cond.scenario is not None else spec.scenario, f"{where}.scenario", source)
    for label, changes in (("set", spec.set), (f"{where}.set", cond.set)):
        if changes:
            try:
                sc = api.with_overrides(sc, dict(changes))
            except NeorealismError as exc:
                raise SpecError(source, [f"{label}: {exc}"]) from None
    if cond.states:
        data = sc.model_dump(mode="json")
        names = [s["name"] for s in data["states"]]
        for key, changes in cond.states.items():
            if key != "*" and key not in names:
                raise SpecError(source, [f"{where}.states: no state {key!r} in the scenario; states: {', '.join(names)}, or *"])
            for st in data["states"]:
                if key in ("*", st["name"]):
                    st.update(changes)
        try:
            sc = validate_scenario(data, source=f"{where}.states")
        except NeorealismError as exc:
            raise SpecError(source, [str(exc)]) from None
    return sc


def slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text.strip()).strip("-.") or "x"
