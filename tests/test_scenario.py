"""Scenario validation: bad input gives one clear message per problem; valid input round-trips.

Each bad-input test checks that the message names the field path and the
allowed range or type (what a user needs to fix the file), and that
ScenarioError is a NeorealismError (so the CLI prints it without a traceback).
"""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from strategies import scenarios

from neorealism.errors import NeorealismError, ScenarioError
from neorealism.measures import POLARITY_LABELS, composite_index, system_measures
from neorealism.scenario import (
    COMPONENTS,
    MAX_SCENARIO_BYTES,
    Scenario,
    builtin_names,
    load_builtin,
    load_scenario,
    load_scenario_file,
    parse_scenario_text,
    validate_scenario,
)

GOOD = """\
name: tiny
description: two states
states:
  - {name: A, military: 10, economy: 20, population: 5, resources: 3, technology: 1, position: [0, 0]}
  - {name: B, military: 5, economy: 10, population: 5, resources: 3, technology: 1, position: [1, 0]}
"""


def good_dict() -> dict:
    return yaml.safe_load(GOOD)


def problems_of(text_or_data, source: str = "test.yaml") -> str:
    """The error message for bad input (fails the test if the input is accepted)."""
    with pytest.raises(ScenarioError) as info:
        if isinstance(text_or_data, str):
            parse_scenario_text(text_or_data, source=source)
        else:
            validate_scenario(text_or_data, source=source)
    err = info.value
    assert isinstance(err, NeorealismError)
    assert err.problems, "a ScenarioError must list at least one problem"
    msg = str(err)
    assert source in msg, "the message names the file"
    return msg


def test_good_scenario_parses():
    sc = parse_scenario_text(GOOD)
    assert isinstance(sc, Scenario)
    assert sc.n_states == 2 and sc.states[1].name == "B"


# --------------------------------------------------------------------------- bad input


def test_yaml_syntax_error_names_line():
    text = "name: x\nstates:\n  - {name: A, military: 1\n  - oops: [\n"
    msg = problems_of(text)
    assert "YAML syntax error" in msg
    assert re_line(msg) in (3, 4, 5)


def re_line(msg: str) -> int:
    m = re.search(r"line (\d+)", msg)
    assert m, f"no line number in {msg!r}"
    return int(m.group(1))


def test_unknown_top_level_field():
    d = good_dict() | {"colour": "red"}
    msg = problems_of(d)
    assert "colour" in msg and "unknown field" in msg
    assert "--params" in msg  # points to the parameter list


def test_unknown_nested_param_is_named_with_full_path():
    d = good_dict() | {"params": {"war": {"ofense_defense": 2.0}}}
    msg = problems_of(d)
    assert "params.war.ofense_defense" in msg and "unknown field" in msg


def test_unknown_field_in_state():
    d = good_dict()
    d["states"][1]["armies"] = 3
    msg = problems_of(d)
    assert "states[1].armies" in msg and "unknown field" in msg


def test_negative_capability():
    d = good_dict()
    d["states"][0]["military"] = -5
    msg = problems_of(d)
    assert "states[0].military" in msg
    assert "-5" in msg
    assert "allowed [0" in msg  # the allowed range


def test_probability_above_one():
    d = good_dict() | {"params": {"authority": {"enforcement": 1.5}}}
    msg = problems_of(d)
    assert "params.authority.enforcement" in msg and "1.5" in msg
    assert "[0.0, 1.0]" in msg


def test_zero_states():
    d = good_dict() | {"states": []}
    msg = problems_of(d)
    assert "states" in msg and "at least 2" in msg


def test_one_state():
    d = good_dict()
    d["states"] = d["states"][:1]
    msg = problems_of(d)
    assert "states" in msg and "at least 2" in msg


def test_duplicate_names():
    d = good_dict()
    d["states"][1]["name"] = "A"
    msg = problems_of(d)
    assert "unique" in msg and "A" in msg


def test_duplicate_names_path():
    d = good_dict()
    d["states"][1]["name"] = "A"
    msg = problems_of(d)
    assert "states[1].name" in msg
    assert "(top level) = {" not in msg


def test_wrong_type_string_for_number():
    d = good_dict()
    d["states"][1]["economy"] = "lots"
    msg = problems_of(d)
    assert "states[1].economy" in msg and "'lots'" in msg
    assert "valid number" in msg and "(0.0, " in msg


def test_wrong_type_in_params():
    d = good_dict() | {"params": {"war": {"decisiveness": [1, 2]}}}
    msg = problems_of(d)
    assert "params.war.decisiveness" in msg and "valid number" in msg
    assert "(0.0, 20.0]" in msg


def test_missing_required_field_in_state():
    d = good_dict()
    del d["states"][1]["population"]
    msg = problems_of(d)
    assert "states[1].population" in msg and "required" in msg.lower()
    assert "> 0" in msg  # what the value must be


def test_missing_name():
    d = good_dict()
    del d["name"]
    msg = problems_of(d)
    assert "name" in msg and "required" in msg.lower()


def test_alliance_with_unknown_state():
    d = good_dict() | {"alliances": [["A", "Zed"]]}
    msg = problems_of(d)
    assert "alliances[0]" in msg and "'Zed'" in msg and "unknown state" in msg


def test_alliance_with_itself():
    d = good_dict() | {"alliances": [["A", "A"]]}
    msg = problems_of(d)
    assert "alliances[0]" in msg and "itself" in msg


def test_alias_bomb_refused_quickly():
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 10):
        prev = chr(ord("a") + k - 1)
        cur = chr(ord("a") + k)
        levels.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(levels) + "\n"
    t0 = time.perf_counter()
    msg = problems_of(text)
    assert time.perf_counter() - t0 < 1.0
    assert "anchors" in msg or "aliases" in msg
    assert "line 1" in msg


def test_plain_alias_refused():
    text = GOOD + "description: *x\n"
    msg = problems_of(text)
    assert "alias" in msg.lower()


def test_oversized_text_refused():
    text = GOOD + "#" * (MAX_SCENARIO_BYTES + 10) + "\n"
    msg = problems_of(text)
    assert str(MAX_SCENARIO_BYTES) in msg and "larger" in msg


def test_oversized_file_refused_without_reading(tmp_path):
    f = tmp_path / "huge.yaml"
    with open(f, "wb") as fh:
        fh.truncate(MAX_SCENARIO_BYTES + 1)  # sparse: cheap to create
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(f)
    msg = str(info.value)
    assert str(f) in msg and str(MAX_SCENARIO_BYTES) in msg


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty_file(text):
    msg = problems_of(text)
    assert "empty" in msg and "name" in msg and "states" in msg


@pytest.mark.parametrize("text, kind", [("- 1\n- 2\n", "list"), ("just a string\n", "str"), ("42\n", "int")])
def test_non_mapping_top_level(text, kind):
    msg = problems_of(text)
    assert "(top level)" in msg and "mapping" in msg and kind in msg


@pytest.mark.parametrize("field, value", [("military", ".nan"), ("economy", ".inf"), ("resources", "-.inf")])
def test_nan_and_inf_refused(field, value):
    text = re.sub(rf"{field}: \d+,", f"{field}: {value},", GOOD, count=1)  # YAML's own NaN/inf spelling
    assert value in text
    msg = problems_of(text)
    assert f"states[0].{field}" in msg and "finite" in msg


def test_nan_in_params_refused():
    d = good_dict() | {"params": {"growth": {"sd": math.nan}}}
    msg = problems_of(d)
    assert "params.growth.sd = nan" in msg and "[0.0, 0.5]" in msg


def test_nan_position_refused():
    d = good_dict()
    d["states"][0]["position"] = [math.nan, 0.0]
    msg = problems_of(d)
    assert "states[0].position" in msg and "finite" in msg


def test_sphere_latitude_out_of_range():
    d = good_dict() | {"params": {"geography": {"metric": "sphere"}}}
    d["states"][1]["position"] = [95.0, 10.0]
    msg = problems_of(d)
    assert "states[1].position" in msg and "95" in msg
    assert "−90 ≤ lat ≤ 90" in msg


def test_bad_choice_lists_allowed_values():
    d = good_dict() | {"params": {"measures": {"gp_rule": "biggest"}}}
    msg = problems_of(d)
    assert "params.measures.gp_rule" in msg and "'share'" in msg and "'relative'" in msg


def test_doctrine_choice():
    d = good_dict()
    d["states"][0]["doctrine"] = "aggressive"
    msg = problems_of(d)
    assert "states[0].doctrine" in msg and "'defensive'" in msg and "'offensive'" in msg


def test_run_settings_out_of_range():
    msg = problems_of(good_dict() | {"worlds": 0, "years": 10**6, "seed": -1})
    assert "worlds = 0" in msg and "[1, " in msg
    assert "years = 1000000" in msg
    assert "seed = -1" in msg


def test_max_burden_below_base():
    d = good_dict() | {"params": {"armament": {"base_burden": 0.5, "max_burden": 0.1}}}
    msg = problems_of(d)
    assert "max_burden" in msg and "base_burden" in msg and "params.armament" in msg


def test_several_problems_reported_at_once():
    d = good_dict() | {"params": {"war": {"cost": 2.0, "transfer": -1.0}}}
    with pytest.raises(ScenarioError) as info:
        validate_scenario(d, source="x")
    assert len(info.value.problems) == 2


def test_missing_file_and_bad_encoding(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario_file(tmp_path / "nope.yaml")
    f = tmp_path / "latin1.yaml"
    f.write_bytes(GOOD.replace("two states", "caf\xe9").encode("latin-1"))
    with pytest.raises(ScenarioError, match="UTF-8"):
        load_scenario_file(f)


def test_unknown_builtin_lists_builtins():
    with pytest.raises(ScenarioError) as info:
        load_scenario("no-such-scenario")
    for name in builtin_names():
        assert name in str(info.value)


def test_with_run_overrides_validate():
    sc = parse_scenario_text(GOOD)
    assert sc.with_run(worlds=3, years=4, seed=5).worlds == 3
    with pytest.raises(ScenarioError, match="worlds"):
        sc.with_run(worlds=0)


# --------------------------------------------------------------------------- built-ins


def initial_polarity(sc: Scenario) -> tuple[str, int]:
    comp = np.array([[getattr(s, c) for s in sc.states] for c in COMPONENTS], dtype=float)
    assert comp.shape == (5, sc.n_states)
    shares = composite_index(comp)
    assert shares.sum() == pytest.approx(1.0)
    rule = sc.params.measures
    m = system_measures(shares, rule=rule.gp_rule, threshold=rule.gp_threshold, relative=rule.gp_relative)
    return POLARITY_LABELS[int(m["polarity"])], int(m["n_great_powers"])


def test_builtins_exist():
    assert {"bipolar", "multipolar", "unipolar"} <= set(builtin_names())


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_loads_with_polarity_of_its_name(name):
    sc = load_builtin(name)
    if name in POLARITY_LABELS:  # the abstract teaching scenarios: ≥ 12 states, minor ones included
        assert sc.n_states >= 12
    assert sc.n_states >= 2
    assert sc.description.strip()
    polarity, n_gp = initial_polarity(sc)
    if name in POLARITY_LABELS:
        assert polarity == name, f"{name}: initial polarity is {polarity} ({n_gp} great powers)"
    if name == "multipolar":
        assert n_gp >= 4
    assert load_scenario(name) == sc
    # the file is its own canonical form
    assert parse_scenario_text(sc.to_yaml()) == sc


# --------------------------------------------------------------------------- property-based


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(min_states=2, max_states=8))
def test_generated_scenarios_validate_and_round_trip(data):
    sc = validate_scenario(data)
    assert 2 <= sc.n_states <= 8
    again = parse_scenario_text(sc.to_yaml(), source="round-trip")
    assert again == sc
    assert validate_scenario(sc.model_dump()) == sc


@settings(max_examples=50, deadline=None)
@given(scenarios(min_states=12, max_states=20, max_alliances=0))
def test_strategy_respects_size_arguments(data):
    sc = validate_scenario(data)
    assert 12 <= sc.n_states <= 20
    assert sc.alliances == []
    assert 1 <= sc.worlds <= 8 and 1 <= sc.years <= 30
