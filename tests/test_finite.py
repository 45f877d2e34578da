"""Nothing non-finite is ever published: a run is finite, or refused with a ParameterError naming the parameters.

The scenario bounds capability values (≤ 1e15) and the engine checks every
year what a run publishes (the recorded fields, the measures, the events'
numbers); growth compounded over thousands of years can still overflow, and
such a run stops with an error that names the world, the year, the step and
the parameters that drive it, before anything is written.

The property test draws every numeric parameter of every registered
mechanism from its allowed range, with extra weight on the bounds, and
checks every published value of the run (or that it was refused); a guard
checks that both outcomes occur among its examples.
"""

from __future__ import annotations

import collections
import json
import math
import re
import typing
from typing import Any, Literal

import numpy as np
import pytest
from cli_lines import error_lines
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from neorealism import api, engine
from neorealism.cli import app
from neorealism.errors import ParameterError, ScenarioError
from neorealism.mechanisms.registry import current
from neorealism.scenario import MAX_CAPABILITY, validate_scenario

# --------------------------------------------------------------------------- helpers


def published_problems(res: engine.SimulationResult) -> list[str]:
    """Every published float column holding an inf or a NaN (events: NaN only where a kind lacks the field)."""
    bad = []
    for table in ("states", "system"):
        df = getattr(res, table)
        for col in df.columns:
            v = df[col].to_numpy()
            if v.dtype.kind == "f" and not np.isfinite(v).all():
                bad.append(f"{table}.{col}: {int((~np.isfinite(v)).sum())} non-finite")
    ev = res.events
    for kind in current().event_kinds():
        rows = ev[ev["event"] == kind.name]
        for f in kind.fields:
            if f.type == "float" and len(rows):
                v = rows[f.name].to_numpy(dtype=np.float64)
                if not np.isfinite(v).all():
                    bad.append(f"events.{f.name} of {kind.name}: {int((~np.isfinite(v)).sum())} non-finite")
    return bad


def _bounds(field: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in field.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            if getattr(m, attr, None) is not None:
                out[attr] = getattr(m, attr)
    return out


def _numeric_strategy(field: Any) -> st.SearchStrategy[Any] | None:
    """A field's allowed values, half of the draws at a bound (the smallest and largest allowed)."""
    tp = field.annotation
    args = typing.get_args(tp)
    if type(None) in args:
        tp = next(a for a in args if a is not type(None))
    if typing.get_origin(tp) is Literal:
        return st.sampled_from(typing.get_args(tp))
    if tp is bool:
        return st.booleans()
    b = _bounds(field)
    if tp is int:
        lo = b["gt"] + 1 if "gt" in b else b.get("ge", -(10**6))
        hi = b["lt"] - 1 if "lt" in b else b.get("le", 10**6)
        return st.one_of(st.sampled_from([lo, hi]), st.integers(lo, hi))
    if tp is float:
        lo = b.get("ge", b.get("gt", -1e6))
        hi = b.get("le", b.get("lt", 1e6))
        lo_v = math.nextafter(lo, math.inf) if "gt" in b else lo
        hi_v = math.nextafter(hi, -math.inf) if "lt" in b else hi
        inner = st.floats(lo, hi, exclude_min="gt" in b, exclude_max="lt" in b, allow_nan=False, allow_infinity=False)
        return st.one_of(st.sampled_from([lo_v, hi_v]), inner)
    return None


@st.composite
def parameter_points(draw: st.DrawFn) -> dict[str, Any]:
    """``{"growth.technology": 0.2, …}``: every settable scalar parameter of every registered mechanism."""
    out: dict[str, Any] = {}
    for m in current().mechanisms:
        if m.params is None:
            continue
        for name, field in m.params.model_fields.items():
            if m.name == "geography" and name == "metric":
                continue  # positions are plane coordinates here
            strat = _numeric_strategy(field)
            if strat is not None:
                out[f"{m.name}.{name}"] = draw(strat)
    lo, hi = out.get("armament.base_burden"), out.get("armament.max_burden")
    if lo is not None and hi is not None and hi < lo:  # the one cross-field rule: max_burden ≥ base_burden
        out["armament.base_burden"], out["armament.max_burden"] = hi, lo
    return out


def _scale_capabilities(sc: Any, factor: float) -> Any:
    """``sc`` with every state's military, economy, population and resources × ``factor`` (clipped to 1e15)."""
    d = sc.model_dump()
    for s in d["states"]:
        for k in ("military", "economy", "population", "resources"):
            if s[k] > 0:
                s[k] = min(MAX_CAPABILITY, s[k] * factor)
    return validate_scenario(d)


#: What the property test saw: runs published finite, runs refused.
OUTCOMES: collections.Counter[str] = collections.Counter()


def run_or_refuse(sc: Any, worlds: int, years: int) -> str:
    """Run ``sc``; "finite" when every published value is finite, "refused" for a ParameterError; else fail."""
    try:
        res = engine.simulate(sc, worlds=worlds, years=years, seed=3, chunk_size=worlds)
    except ParameterError as exc:
        msg = str(exc)
        assert "\n" not in msg and "nothing was published" in msg, msg
        assert "world " in msg and "year" in msg and " = " in msg, msg  # where, and the parameter values
        return "refused"
    bad = published_problems(res)
    assert not bad, bad
    return "finite"


# --------------------------------------------------------------------------- the property


@pytest.mark.slow
def test_every_published_value_is_finite_or_the_run_is_refused():
    base = api.load("bipolar")
    outcomes: collections.Counter[str] = collections.Counter()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        point=parameter_points(),
        scale=st.sampled_from([1e-6, 1.0, 1e6, 1e15]),
        run=st.tuples(st.integers(1, 3), st.integers(1, 300)),
        long=st.sampled_from([False] * 7 + [True] + [False] * 7),  # one world for 5,000 years (can overflow)
    )
    @example(point={"growth.technology": 0.2}, scale=1.0, run=(1, 1), long=True)  # issue #14's run
    def check(point: dict[str, Any], scale: float, run: tuple[int, int], long: bool) -> None:
        try:
            sc = api.with_overrides(_scale_capabilities(base, scale), point)
        except ScenarioError:
            outcomes["not allowed"] += 1  # a cross-field rule refuses this point: not allowed, not run
            return
        worlds, years = (1, 5000) if long else run
        outcomes[run_or_refuse(sc, worlds, years)] += 1

    check()
    OUTCOMES.update(outcomes)
    # the guard: both paths ran (a check that never refuses anything would pass vacuously), and
    # most points were allowed (a strategy whose points are all refused would test nothing)
    assert outcomes["refused"] >= 1, outcomes
    assert outcomes["finite"] >= 10, outcomes
    assert outcomes["not allowed"] <= outcomes["finite"], outcomes


# --------------------------------------------------------------------------- deterministic long runs


@pytest.mark.slow
@pytest.mark.parametrize(
    "overrides, years",
    [
        ({"growth.technology": 0.2}, 5000),  # issue #14: 1,110 infinite and 1,336 NaN values published
        ({"growth.base": 0.3, "growth.guns_butter": 0.0}, 3000),
    ],
)
def test_long_growth_overflows_are_refused_naming_the_parameters(overrides, years):
    sc = api.with_overrides("bipolar", overrides)
    with pytest.raises(ParameterError) as info:
        engine.simulate(sc, worlds=2, years=years, seed=0)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("values overflowed: ") and "became infinite" in msg
    assert re.search(r"in world [01], year \d+ \(\d+ of " + str(years) + r" simulated years\)", msg), msg
    assert "step growth.grow" in msg
    for path, value in overrides.items():
        assert f"{path} = {value:g} (changed from the default)" in msg, msg
    assert "nothing was published" in msg and "Lower growth.*" in msg and f"(years {years})" in msg


def test_default_long_run_stays_finite():
    res = engine.simulate(api.load("bipolar"), worlds=1, years=2000, seed=0)
    assert not published_problems(res)


def test_largest_allowed_capabilities_run_finite():
    sc = _scale_capabilities(api.load("bipolar"), 1e15)
    assert max(s.economy for s in sc.states) == MAX_CAPABILITY
    res = engine.simulate(sc, worlds=2, years=100, seed=0)
    assert not published_problems(res)


def test_capabilities_beyond_the_bound_are_refused_at_validation():
    d = api.load("bipolar").model_dump()
    d["states"][0]["military"] = 1.0e308
    with pytest.raises(ScenarioError) as info:
        validate_scenario(d)
    msg = str(info.value)
    assert "states[0] (" in msg and ".military = 1e+308" in msg and "allowed [0.0, 1e15]" in msg


# --------------------------------------------------------------------------- the check itself


def test_the_check_names_a_non_finite_measure_and_its_world():
    """A measure that is NaN from finite fields is caught too (here a toy measure, NaN in world 1 only)."""
    from neorealism.mechanisms.base import Measure, Mechanism
    from neorealism.mechanisms.registry import default_mechanisms, using

    def odd(st, params):
        v = np.zeros(st.shape[0])
        if st.t >= 3:
            v[1] = np.nan
        return v

    toy = Mechanism(name="toy", params=None, doc="", measures=(Measure("toy_measure", "system", np.float64, odd, "toy"),))
    with using([*default_mechanisms(), toy]):
        sc = api.load("bipolar")
        with pytest.raises(ParameterError) as info:
            engine.run_batch(sc, np.arange(10, 13), 10, seed=0)
    msg = str(info.value)
    year = sc.start_year + 3
    assert msg.startswith(f"values overflowed: toy_measure became NaN in world 11, year {year} (3 of 10 simulated years)")


def test_the_check_costs_little():
    """The yearly check is a sum per published array: far below the cost of a year."""
    import timeit

    a = np.random.default_rng(0).random((1000, 20))
    per_array = min(timeit.repeat(lambda: engine._nonfinite(a), number=200, repeat=3)) / 200
    assert per_array < 2e-4  # about 5 µs here; a year of 1,000 worlds × 20 states takes about 10 ms
    assert engine._nonfinite(np.array([1.0, np.inf])) and engine._nonfinite(np.array([np.nan]))
    with np.errstate(over="ignore"):  # as in a run
        assert not engine._nonfinite(np.full(10, 1e308))  # the sum overflows; the exact test decides


# --------------------------------------------------------------------------- through the command line


@pytest.mark.slow
def test_cli_refuses_an_overflowing_run_in_one_line_and_publishes_nothing(tmp_path):
    out = tmp_path / "r"
    res = CliRunner().invoke(
        app, ["run", "bipolar", "--worlds", "2", "--chunk-size", "1", "--years", "5000",
              "--set", "growth.technology=0.2", "--out", str(out)],
    )
    assert res.exit_code == 2, res.output
    lines = error_lines(res.stderr.strip())
    assert len(lines) == 1 and lines[0].startswith("error: values overflowed: "), res.stderr
    assert "growth.technology = 0.2" in lines[0] and "--years 5000" in lines[0] and "--set" in lines[0]
    assert "Traceback" not in res.output
    assert not (out / "manifest.json").exists()
    assert not any(out.rglob("*.parquet")) if out.exists() else True


@pytest.mark.slow
def test_a_later_chunk_that_overflows_leaves_no_complete_result(tmp_path):
    """World 1 overflows, world 0 does not: the first chunk is written, the second refused, nothing published."""
    from neorealism import rng
    from neorealism.mechanisms.base import Mechanism, StateField, Step
    from neorealism.mechanisms.registry import default_mechanisms, using

    key1 = rng.world_keys(0, np.array([1]))[0]

    def grow_toy(keys, state, params):
        factor = np.where(keys == key1, 1e200, 1.0)[:, None]
        return state.replace(toy_stock=state.toy_stock * factor), ()

    toy = Mechanism(
        name="toy", params=None, doc="",
        fields=(StateField("toy_stock", np.float64, "state", lambda ctx: 1.0, "toy", record=True),),
        steps=(Step("grow", grow_toy),),
    )
    out = tmp_path / "r"
    with using([*default_mechanisms(), toy]):
        with pytest.raises(ParameterError) as info:
            api.run_to_dir("bipolar", out, worlds=2, years=5, chunk_size=1)
    assert "toy_stock of state " in str(info.value) and "in world 1, year " in str(info.value)
    assert not (out / "manifest.json").exists()
    if out.exists():
        for m in out.rglob("manifest.json"):
            assert json.loads(m.read_text()).get("complete") is not True
