"""Sweep specs: parameters with ranges, a sampler, replications per point, years, seed and outcomes.

A sweep explores a model's parameter space (EMA Workbench's experiments
over uncertainties; Saltelli et al. 2008): each sampled point is a
parameter point run on ``replications`` worlds, and every world's outcomes
(:mod:`neorealism.outcomes`) are kept, so any summary can be computed
afterwards with ``neorealism query``.  The spec is YAML, loaded as safely
as a scenario and validated with ``extra="forbid"``::

    name: offense-defense-sweep
    scenario: multipolar                     # a built-in, a file, or {generator: polar, …}
    set: {cooperation.deal_rate: 0.2}        # changes every point starts from
    parameters:
      war.offense_defense: {low: 0.5, high: 3.0}
      geography.decay: {low: 0.03, high: 0.5}
      measures.gp_enter: {low: 2, high: 10, integer: true}
      armament.mode: {values: [balancing, richardson]}
    sampler: latin_hypercube                 # grid | monte_carlo | latin_hypercube | sobol
    points: 64                               # monte_carlo, latin_hypercube: points; sobol: base N (2^k)
    levels: 5                                # grid: values per ranged parameter
    replications: 10                         # worlds per point
    years: 100
    seed: 0
    outcomes: [wars, gp_survival, final_hhi]
    chunk_points: 16                         # points per chunk (default: about 2,000 worlds a chunk)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import SpecError
from ..experiments.spec import OutcomeName, ScenarioRef

__all__ = ["MAX_POINTS", "ParameterRange", "SweepSpec", "load_sweep", "parse_sweep"]

MAX_POINTS = 10_000_000
MAX_WORLDS = 100_000_000
DEFAULT_OUTCOMES = ("wars", "gp_wars", "state_deaths", "gp_survival", "minor_survival", "final_con", "final_hhi")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterRange(_Model):
    """A ranged parameter ``{low, high}`` (``integer: true`` rounds), or a list of ``values``."""

    low: float | None = None
    high: float | None = None
    integer: bool = False
    values: list[float | int | str | bool] | None = Field(default=None, min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _check(self) -> ParameterRange:
        ranged = self.low is not None or self.high is not None
        if self.values is not None and ranged:
            raise ValueError("give either low and high, or values")
        if self.values is None:
            if self.low is None or self.high is None:
                raise ValueError("give low and high (low < high), or values")
            if not self.low < self.high:
                raise ValueError(f"low = {self.low}, high = {self.high}: allowed low < high")
        return self


class SweepSpec(_Model):
    """A whole sweep (see the module docstring)."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]{0,63}$")]
    description: Annotated[str, Field(max_length=4000)] = ""
    scenario: ScenarioRef
    set: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, ParameterRange] = Field(min_length=1, max_length=50)
    sampler: Literal["grid", "monte_carlo", "latin_hypercube", "sobol"] = "latin_hypercube"
    points: Annotated[int, Field(ge=1, le=MAX_POINTS)] = 64
    levels: Annotated[int, Field(ge=2, le=1000)] = 5
    replications: Annotated[int, Field(ge=1, le=100_000)] = 10
    years: Annotated[int, Field(ge=1, le=10_000)] = 100
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    outcomes: list[OutcomeName] = Field(default_factory=lambda: list(DEFAULT_OUTCOMES), min_length=1)
    chunk_points: Annotated[int, Field(ge=1, le=1_000_000)] | None = None

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        if self.sampler == "sobol":
            if self.points & (self.points - 1):
                raise ValueError(f"points = {self.points}: sobol needs a power of 2 (the base sample N)")
            text = [p for p, r in self.parameters.items() if r.values is not None]
            if text:
                raise ValueError(f"sampler sobol needs ranges (low, high); {', '.join(text)} give values")
        n = self.n_points
        if n > MAX_POINTS:
            raise ValueError(f"the sample has {n:,} points: at most {MAX_POINTS:,} (fewer levels or points)")
        if n * self.replications > MAX_WORLDS:
            raise ValueError(f"{n:,} points × {self.replications:,} replications: at most {MAX_WORLDS:,} worlds")
        return self

    @property
    def n_points(self) -> int:
        """How many parameter points the sampler draws."""
        D = len(self.parameters)
        if self.sampler == "grid":
            n = 1
            for r in self.parameters.values():
                n *= len(r.values) if r.values is not None else self.levels
            return n
        if self.sampler == "sobol":
            return self.points * (D + 2)
        return self.points

    @property
    def n_worlds(self) -> int:
        return self.n_points * self.replications

    def chunk(self) -> int:
        """Points per chunk: the spec's, else about 2,000 worlds a chunk."""
        if self.chunk_points is not None:
            return self.chunk_points
        return max(1, min(self.n_points, 2000 // self.replications or 1))

    def digest(self) -> str:
        """SHA-256 of the spec (what it samples and runs): names the sweep in its store."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def parse_sweep(text: str, source: str = "<text>", base_dir: Path | None = None) -> SweepSpec:
    """Parse YAML text (safely) and validate it as a :class:`SweepSpec`."""
    from ..experiments.spec import parse_yaml_model
    from ..scenario import builtin_names as scenario_names

    spec = parse_yaml_model(text, source, SweepSpec, "name, scenario, parameters, sampler, …")
    ref = spec.scenario
    if base_dir is not None and isinstance(ref, str) and ref not in scenario_names() and not Path(ref).is_absolute():
        spec = spec.model_copy(update={"scenario": str(base_dir / ref)})
    return spec


def load_sweep(path: str | Path) -> SweepSpec:
    """A sweep spec file (``SpecError`` naming what is wrong)."""
    p = Path(path)
    if not p.is_file():
        raise SpecError(str(p), ["file not found (a sweep spec is a .yaml file; see examples/sweep.yaml)"
                                 if not p.exists() else "not a regular file"])
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(str(p), [f"not UTF-8 text (byte {exc.start})"]) from None
    except OSError as exc:
        raise SpecError(str(p), [f"cannot read the file: {exc.strerror or exc}"]) from None
    return parse_sweep(text, source=str(p), base_dir=p.parent)
