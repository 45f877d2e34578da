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
    assert "states[1] (B).armies" in msg and "unknown field" in msg


def test_negative_capability():
    d = good_dict()
    d["states"][0]["military"] = -5
    msg = problems_of(d)
    assert "states[0] (A).military" in msg
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
    assert "states[1] (B).economy" in msg and "'lots'" in msg
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
    assert "states[1] (B).population" in msg and "required" in msg.lower()
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
    assert f"states[0] (A).{field}" in msg and "finite" in msg


def test_nan_in_params_refused():
    d = good_dict() | {"params": {"growth": {"sd": math.nan}}}
    msg = problems_of(d)
    assert "params.growth.sd = nan" in msg and "[0.0, 0.5]" in msg


def test_nan_position_refused():
    d = good_dict()
    d["states"][0]["position"] = [math.nan, 0.0]
    msg = problems_of(d)
    assert "states[0] (A).position" in msg and "finite" in msg


def test_sphere_latitude_out_of_range():
    d = good_dict() | {"params": {"geography": {"metric": "sphere"}}}
    d["states"][1]["position"] = [95.0, 10.0]
    msg = problems_of(d)
    assert "states[1] (B).position" in msg and "95" in msg
    assert "−90 ≤ lat ≤ 90" in msg


def test_bad_choice_lists_allowed_values():
    d = good_dict() | {"params": {"measures": {"gp_rule": "biggest"}}}
    msg = problems_of(d)
    assert "params.measures.gp_rule" in msg and "'share'" in msg and "'relative'" in msg


def test_doctrine_choice():
    d = good_dict()
    d["states"][0]["doctrine"] = "aggressive"
    msg = problems_of(d)
    assert "states[0] (A).doctrine" in msg and "'defensive'" in msg and "'offensive'" in msg


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
    actors = np.array([not s.aggregate for s in sc.states])
    m = system_measures(shares, rule=rule.gp_rule, threshold=rule.gp_threshold, relative=rule.gp_relative,
                        actors=actors, components=comp, cow_bar=rule.gp_concentration)
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


@pytest.mark.slow  # 2.5 s: 150 generated scenarios
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(min_states=2, max_states=8))
def test_generated_scenarios_validate_and_round_trip(data):
    sc = validate_scenario(data)
    assert 2 <= sc.n_states <= 8
    again = parse_scenario_text(sc.to_yaml(), source="round-trip")
    assert again == sc
    assert validate_scenario(sc.model_dump()) == sc


@pytest.mark.slow  # 1.3 s: 50 scenarios of 12-20 states
@settings(max_examples=50, deadline=None)
@given(scenarios(min_states=12, max_states=20, max_alliances=0))
def test_strategy_respects_size_arguments(data):
    sc = validate_scenario(data)
    assert 12 <= sc.n_states <= 20
    assert sc.alliances == []
    assert 1 <= sc.worlds <= 8 and 1 <= sc.years <= 30


# --------------------------------------------------------------------------- adversarial YAML


def one_problem(text: str) -> str:
    """The single problem of bad text, and the message is one line."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario_text(text, source="adv.yaml")
    err = info.value
    assert len(err.problems) == 1, err.problems
    assert "\n" not in str(err), "one problem is one line"
    assert str(err).startswith("invalid scenario adv.yaml: ")
    return err.problems[0]


@pytest.mark.parametrize(
    "tagged, shown",
    [
        ("!!python/object:os.system x", "!!python/object:os.system"),
        ('!!python/object/apply:os.system ["echo pwned"]', "!!python/object/apply:os.system"),
        ("!!python/name:builtins.eval ''", "!!python/name:builtins.eval"),
        ("!!str tiny", "!!str"),
    ],
)
def test_yaml_tags_refused(tagged, shown):
    msg = one_problem(GOOD.replace("name: tiny", f"name: {tagged}"))
    assert msg.startswith("name: ") and "tags" in msg and shown in msg and "line 1" in msg


def test_yaml_tag_on_a_collection_names_its_path():
    text = GOOD.replace("  - {name: B", "  - !!python/object:x {name: B")
    msg = one_problem(text)
    assert msg.startswith("states[1]: ") and "tags" in msg and "line 5" in msg


def test_merge_key_refused():
    text = GOOD.replace(
        "  - {name: B, military: 5, economy: 10, population: 5, resources: 3, technology: 1, position: [1, 0]}",
        "  - <<: {military: 5, economy: 10, population: 5, resources: 3, technology: 1}\n"
        "    name: B\n    position: [1, 0]",
    )
    assert "<<" in text
    msg = one_problem(text)
    assert msg.startswith("states[1]: ") and "merge keys (<<)" in msg and "line 5" in msg


def test_duplicate_top_level_key_names_key_and_lines():
    msg = one_problem(GOOD + "years: 5\nyears: 7\n")
    assert msg.startswith("years: duplicate key 'years' at line 7 (first at line 6)")


def test_duplicate_key_inside_a_state():
    text = GOOD.replace("military: 10,", "military: 10, military: 99,")
    msg = one_problem(text)
    assert msg.startswith("states[0].military: duplicate key 'military' at line 4 (first at line 4)")


def test_every_duplicate_key_is_reported():
    with pytest.raises(ScenarioError) as info:
        parse_scenario_text(GOOD + "years: 5\nseed: 1\nyears: 6\nseed: 2\n", source="x")
    assert [p.split(":")[0] for p in info.value.problems] == ["years", "seed"]


def test_same_key_in_different_mappings_is_fine():
    sc = parse_scenario_text(GOOD + "params:\n  growth: {sd: 0.01}\n  war: {cost: 0.1}\n")
    assert sc.params.growth.sd == 0.01 and sc.params.war.cost == 0.1


@pytest.mark.parametrize("depth", [17, 100_000])
def test_deep_nesting_refused_without_recursion_error(depth):
    text = "name: x\ndescription: " + "[" * depth + "]" * depth + "\n"
    t0 = time.perf_counter()
    msg = one_problem(text)
    assert time.perf_counter() - t0 < 5.0
    assert "nested more than 16 levels" in msg and msg.startswith("line 2: ")
    if depth == 17:  # libyaml ≥ 0.2.5 stops 100,000 levels itself, before the path is known
        assert msg.startswith("line 2: description[0]")


def test_nesting_of_a_real_scenario_is_accepted():
    # the deepest a scenario goes: params.<group>.<field> and states[k].position[i]
    sc = parse_scenario_text(GOOD + "params:\n  geography:\n    decay: 0.2\n")
    assert sc.params.geography.decay == 0.2


@pytest.mark.slow  # 1.5 s: a 1.7 MB file of 17,000 states
def test_large_file_of_many_states_is_refused_quickly():
    rows = [
        f"  - {{name: S{i}, military: {i % 97 + 1}, economy: {i % 89 + 1}, population: 5, resources: 3, "
        f"technology: 1, position: [{i % 50}, {i // 50}]}}"
        for i in range(17_000)
    ]
    text = "name: big\nstates:\n" + "\n".join(rows) + "\n"
    assert 1_700_000 < len(text) < MAX_SCENARIO_BYTES
    t0 = time.perf_counter()
    msg = one_problem(text)
    assert time.perf_counter() - t0 < 15.0
    assert msg.startswith("states = ") and "at most 400" in msg and "17000" in msg
    assert "allowed 2 to 400 entries" in msg


@pytest.mark.parametrize(
    "field, value, shown",
    [
        ("military", "true", "True"),
        ("economy", "false", "False"),
        ("technology", "True", "True"),  # YAML 1.2 core: true, True, TRUE
    ],
)
def test_booleans_are_not_numbers(field, value, shown):
    text = re.sub(rf"{field}: \d+,", f"{field}: {value},", GOOD, count=1)
    msg = one_problem(text)
    assert msg.startswith(f"states[0] (A).{field} = {shown}: Input should be a valid number")
    assert "true/false" in msg and "allowed " in msg


def test_boolean_run_setting_is_not_a_number():
    msg = one_problem(GOOD + "years: true\n")
    assert msg.startswith("years = True: Input should be a valid number") and "allowed [1, 10000]" in msg


@pytest.mark.parametrize("text_value", ['"0.5"', "'12'", '"1e3"'])
def test_quoted_numbers_are_text(text_value):
    msg = one_problem(GOOD.replace("military: 10,", f"military: {text_value},"))
    assert msg.startswith("states[0] (A).military = '") and "not text" in msg and "without quotes" in msg
    assert "allowed [0.0, 1e15]" in msg


def test_quoted_number_in_params_and_in_position():
    msg = one_problem(GOOD + 'params:\n  war:\n    cost: "0.1"\n')
    assert msg.startswith("params.war.cost = '0.1'") and "[0.0, 1.0]" in msg
    msg = one_problem(GOOD.replace("position: [1, 0]", 'position: [1, "0"]'))
    assert msg.startswith("states[1] (B).position = [1, '0']") and "not text" in msg


def test_switch_must_be_true_or_false():
    msg = one_problem(GOOD.replace("technology: 1, position: [0, 0]", "technology: 1, position: [0, 0], aggregate: 1"))
    assert msg.startswith("states[0] (A).aggregate = 1: Input should be true or false")


def test_whole_floats_for_integers_and_integers_for_floats_are_accepted():
    sc = parse_scenario_text(GOOD + "years: 12.0\nseed: 3\n")
    assert sc.years == 12 and isinstance(sc.years, int)
    assert sc.states[0].military == 10.0 and isinstance(sc.states[0].military, float)


def test_numpy_numbers_are_accepted():
    # scenarios built from data pass numpy scalars
    d = good_dict()
    d["states"][0]["military"] = np.float64(3.5)
    d["states"][0]["ccode"] = np.int64(2)
    d["years"] = np.int64(7)
    sc = validate_scenario(d)
    assert (sc.states[0].military, sc.states[0].ccode, sc.years) == (3.5, 2, 7)


@pytest.mark.parametrize("seed", [2**63, 2**64 + 1, 10**30])
def test_seed_above_2_63(seed):
    msg = one_problem(GOOD + f"seed: {seed}\n")
    assert msg.startswith(f"seed = {seed}: ") and "allowed [0, 9223372036854775807]" in msg


def test_integer_too_long_to_convert():
    msg = one_problem(GOOD + "seed: " + "9" * 5000 + "\n")
    assert msg.startswith("seed = 99999999999999999999…: a number with 5000 digits (line 6)")
    assert "allowed [0, 9223372036854775807]" in msg


def test_directory_is_not_a_scenario(tmp_path):
    for call in (load_scenario_file, load_scenario):
        with pytest.raises(ScenarioError) as info:
            call(tmp_path)
        assert str(info.value) == f"invalid scenario {tmp_path}: is a directory, not a scenario file (give a path to a .yaml file)"


def test_special_file_is_not_read(tmp_path):
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # reading it would block forever
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario_file(fifo)


def test_bom_and_crlf_and_mixed_line_ends_are_accepted(tmp_path):
    want = parse_scenario_text(GOOD)
    for name, data in {
        "bom.yaml": b"\xef\xbb\xbf" + GOOD.encode(),
        "crlf.yaml": GOOD.replace("\n", "\r\n").encode(),
        "both.yaml": b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode(),
    }.items():
        f = tmp_path / name
        f.write_bytes(data)
        assert load_scenario_file(f) == want, name


def test_tab_indentation_is_named():
    msg = one_problem(GOOD.replace("  - {name: B", "\t- {name: B"))
    assert msg.startswith("YAML syntax error at line 5, column 1") and "tab" in msg and "spaces" in msg


def test_tab_inside_a_value_is_fine():
    sc = parse_scenario_text(GOOD.replace("description: two states", "description: 'two\tstates'"))
    assert sc.description == "two\tstates"


def test_second_document_refused():
    msg = one_problem(GOOD + "---\n" + GOOD)
    assert "second YAML document" in msg and "line 6" in msg


def test_key_that_is_a_list_refused():
    msg = one_problem(GOOD + "? [a, b]\n: 1\n")
    assert "a key must be a name, not a list" in msg and "line 6" in msg


def test_control_character_is_one_line():
    msg = one_problem("name: x\x00\n")
    assert msg.startswith("YAML syntax error at line 1") and "#x0000" in msg


def test_several_problems_are_listed_one_per_line():
    with pytest.raises(ScenarioError) as info:
        validate_scenario(good_dict() | {"years": 0, "worlds": 0}, source="x")
    lines = str(info.value).splitlines()
    assert lines[0] == "invalid scenario x (2 problems):"
    assert lines[1].startswith("  - years = 0") and lines[2].startswith("  - worlds = 0")


def test_a_flood_of_problems_is_listed_briefly():
    text = GOOD + "params:\n  war:\n" + "".join(f"    k{i}: 1\n" for i in range(5000))
    with pytest.raises(ScenarioError) as info:
        parse_scenario_text(text, source="flood.yaml")
    err = info.value
    assert len(err.problems) == 5000
    lines = str(err).splitlines()
    assert lines[0] == "invalid scenario flood.yaml (5000 problems):"
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "  … and 4980 more problems"
    assert lines[1].startswith("  - params.war.k0 = 1: unknown field")


def test_pure_python_yaml_parser_gives_the_same_results(monkeypatch):
    """Without libyaml the loader falls back to PyYAML's own parser, with the same checks."""
    with_c = parse_scenario_text(GOOD)
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    assert parse_scenario_text(GOOD) == with_c
    assert one_problem(GOOD + "years: 5\nyears: 7\n").startswith("years: duplicate key 'years' at line 7")
    assert "nested more than 16 levels" in one_problem("name: x\ndescription: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "tags (!!python/object" in one_problem(GOOD.replace("name: tiny", "name: !!python/object:os.system x"))


# --------------------------------------------------------------------------- did you mean, state names


@pytest.mark.parametrize(
    "change, path, suggestion",
    [
        (lambda d: d | {"params": {"war": {"offence_defense": 1.5}}}, "params.war.offence_defense", "offense_defense"),
        (lambda d: d | {"yeras": 10}, "yeras", "years"),
        (lambda d: d | {"params": {"authorty": {"enforcement": 0.5}}}, "params.authorty", "authority"),
    ],
)
def test_unknown_field_suggests_the_close_allowed_name(change, path, suggestion):
    msg = problems_of(change(good_dict()))
    assert f"{path} = " in msg and "unknown field" in msg
    assert f"did you mean `{suggestion}`?" in msg


def test_unknown_field_in_a_state_suggests_a_state_field():
    d = good_dict()
    d["states"][1]["militray"] = 3
    msg = problems_of(d)
    assert "states[1] (B).militray" in msg and "did you mean `military`?" in msg


def test_unknown_field_without_a_close_name_has_no_suggestion():
    msg = problems_of(good_dict() | {"colour": "red"})
    assert "did you mean" not in msg and "check the spelling" in msg


def test_error_inside_a_state_names_the_state():
    d = good_dict()
    d["states"] += [dict(d["states"][0], name=f"m{k}") for k in range(2)]
    d["states"][3]["military"] = -5
    msg = problems_of(d)
    assert "states[3] (m1).military = -5: " in msg


@pytest.mark.parametrize("bad_name", ["", 12, "x" * 65, "a\nb"])
def test_state_without_a_valid_name_is_named_by_index_only(bad_name):
    d = good_dict()
    d["states"][1]["name"] = bad_name
    d["states"][1]["military"] = -5
    msg = problems_of(d)
    assert "states[1].military = -5: " in msg
    if bad_name != "a\nb":  # a line break is allowed in a name, but not shown in a one-line path
        assert "states[1].name" in msg  # the name's own problem, without a name in the path


def test_sphere_position_error_names_the_state():
    d = good_dict() | {"params": {"geography": {"metric": "sphere"}}}
    d["states"][0]["position"] = [95, 0]
    assert "states[0] (A).position = [95.0, 0.0]" in problems_of(d)


def test_missing_file_says_how_to_start_one(tmp_path):
    with pytest.raises(ScenarioError, match=r"neorealism scenarios --show bipolar > my\.yaml"):
        load_scenario_file(tmp_path / "nope.yaml")


# --------------------------------------------------------------------------- complete YAML, --set overrides


@pytest.mark.parametrize("name", builtin_names())
def test_complete_yaml_reads_back_equal_with_every_default_written(name):
    sc = load_builtin(name)
    text = sc.to_yaml(complete=True)
    assert parse_scenario_text(text) == sc
    data = yaml.safe_load(text)
    assert data["params"]["war"]["offense_defense"] == sc.params.war.offense_defense
    assert "start_year" in data and "aggregate" in data["states"][0]
    assert "offense_defense" not in sc.to_yaml()  # the default form leaves defaults out


def test_overrides_set_params_and_run_settings():
    from neorealism.scenario import apply_overrides

    sc = parse_scenario_text(GOOD)
    new = apply_overrides(
        sc, ["war.offense_defense=1.5", "params.authority.enforcement=0.9", "years=7", "start_year=1900",
             "measures.gp_rule=relative", "war.decisive_prob=1"]
    )
    assert new.params.war.offense_defense == 1.5 and isinstance(new.params.war.offense_defense, float)
    assert new.params.authority.enforcement == 0.9
    assert (new.years, new.start_year) == (7, 1900)
    assert new.params.measures.gp_rule == "relative"
    assert new.params.war.decisive_prob == 1.0
    assert new.states == sc.states and new.params.war.cost == sc.params.war.cost  # the rest is untouched
    assert apply_overrides(sc, []) == sc


@pytest.mark.parametrize(
    "item, needles",
    [
        ("war.offense_defense=20", ["--set war.offense_defense = 20: ", "allowed (0.0, 10.0]"]),
        ("war.offence_defense=1", ["--set war.offence_defense", "did you mean `offense_defense`?"]),
        ("wat.cost=0.5", ["--set wat.cost", "unknown field `wat`", "did you mean `war`?"]),
        ("war=1", ["--set war: names a group", "war.offense_defense"]),
        ("name=x", ["--set name: not a parameter --set can change", "years, worlds, seed, start_year"]),
        ("params.years=3", ["--set params.years", "did you mean `years`?"]),
        ("a.b.c=1", ["--set a.b.c: not a parameter"]),
        ("war.cost='0.5'", ["--set war.cost = '0.5'", "not text"]),
        ("war.cost=1e-3x", ["--set war.cost = '1e-3x'", "not text"]),
        ("war.cost=0x1", ["--set war.cost=0x1", "hexadecimal", "decimal", "write 1"]),
        ("war.cost=0o7", ["--set war.cost=0o7", "octal", "write 7"]),
        ("seed=1:30", ["--set seed = '1:30'", "valid number", "YAML 1.2", "90"]),
        ("war.cost=.nan", ["--set war.cost = nan", "finite"]),
        ("war.cost=-.inf", ["--set war.cost = -inf", "finite"]),
        ("war.cost=&a 1", ["--set war.cost", "anchors"]),
        ("war.cost=[1, 2]", ["--set war.cost", "not a list"]),
        ("war.cost=", ["--set war.cost", "no value"]),
        ("war.cost=[", ["--set war.cost", "not one YAML value"]),
        ("=1", ["--set ", "path"]),
        ("seed=-1", ["--set seed = -1", "allowed [0, "]),
    ],
)
def test_bad_overrides_name_the_option(item, needles):
    from neorealism.errors import OverrideError
    from neorealism.scenario import apply_overrides

    with pytest.raises(OverrideError) as info:
        apply_overrides(parse_scenario_text(GOOD), [item])
    msg = str(info.value)
    assert "\n" not in msg, "one problem, one line"
    assert isinstance(info.value, NeorealismError)
    for n in needles:
        assert n in msg, (n, msg)


def test_several_bad_overrides_are_all_listed():
    from neorealism.errors import OverrideError
    from neorealism.scenario import apply_overrides

    with pytest.raises(OverrideError) as info:
        apply_overrides(parse_scenario_text(GOOD), ["war.cost=2", "authority.enforcement=-1"])
    assert len(info.value.problems) == 2
    assert "--set war.cost = 2" in str(info.value) and "--set authority.enforcement = -1" in str(info.value)


def test_alliance_problems_are_reported_beside_field_errors():
    # `validate` promises every problem at once: pydantic's whole-scenario check runs only when
    # every field is valid, so alliances are also checked against the raw state names
    text = GOOD.replace("economy: 20", "economy: -20", 1) + "alliances: [[A, Nowhere], [B, B]]\n"
    with pytest.raises(ScenarioError) as e:
        parse_scenario_text(text)
    msg = "\n".join(e.value.problems)
    assert "economy" in msg
    assert "alliances[0][1] = 'Nowhere': unknown state" in msg
    assert "alliances[1] = ['B', 'B']: a state cannot ally with itself" in msg
    # with valid fields the same problems come from the scenario's own check, all of them, each once
    with pytest.raises(ScenarioError) as e2:
        parse_scenario_text(GOOD + "alliances: [[A, Nowhere], [B, B]]\n")
    assert e2.value.problems == [p for p in e.value.problems if p.startswith("alliances")]
    assert len(e2.value.problems) == 2


# --------------------------------------------------------------------------- YAML 1.2 core schema (issue #14)


@pytest.mark.parametrize(
    "text, value",
    [
        ("1e-3", 0.001), ("1E3", 1000.0), (".5", 0.5), ("2.", 2.0), ("+7", 7), ("010", 10), ("-0", 0),
        ("1:30", "1:30"), ("1_000", "1_000"), ("0b101", "0b101"), ("yes", "yes"), ("No", "No"), ("on", "on"),
        ("2001-12-14", "2001-12-14"), ("=", "="), ("true", True), ("FALSE", False), ("~", None), ("null", None),
    ],
)
def test_plain_scalars_read_as_yaml_1_2_core(text, value):
    from neorealism.scenario import core_scalar

    got = core_scalar(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text, decimal", [("0x1", 1), ("0xFF", 255), ("0o17", 15)])
def test_hex_and_octal_are_refused_asking_for_decimal(text, decimal):
    msg = one_problem(GOOD + f"years: {text}\n")
    assert msg.startswith(f"years = {text}: ") and "decimal" in msg and f"write {decimal}" in msg and "line 6" in msg


def test_base_60_is_text_and_says_what_yaml_1_1_made_of_it():
    msg = one_problem(GOOD + "seed: 1:30\n")
    assert msg.startswith("seed = '1:30': Input should be a valid number")
    assert "YAML 1.2" in msg and "90" in msg and "line 6" in msg


def test_exponent_floats_are_numbers_and_yes_is_text():
    sc = parse_scenario_text(GOOD + "params:\n  war:\n    cost: 1e-3\n")
    assert sc.params.war.cost == 0.001
    sc = parse_scenario_text(GOOD.replace("name: A,", "name: NO,").replace("name: B,", "name: 2001-12-14,"))
    assert [s.name for s in sc.states] == ["NO", "2001-12-14"]
    msg = one_problem(GOOD.replace("position: [1, 0]", "position: [1, 0], aggregate: yes"))
    assert "aggregate = 'yes': Input should be true or false" in msg and "YAML 1.2" in msg


@pytest.mark.parametrize("name", ["1e3", "1:30x", "0x10", "yes", "null", "True", "1_0", ".inf", "-.5", "2."])
def test_names_that_look_like_numbers_round_trip(name):
    sc = parse_scenario_text(GOOD.replace("name: A,", f"name: '{name}',"))
    again = parse_scenario_text(sc.to_yaml())
    assert again == sc and again.states[0].name == name


def test_infinite_and_nan_values_are_refused_as_not_finite():
    msg = one_problem(GOOD + "params:\n  war:\n    cost: .nan\n")
    assert msg.startswith("params.war.cost = nan: Input should be a finite number")
    msg = one_problem(GOOD.replace("economy: 20,", "economy: .inf,"))
    assert "economy = inf: Input should be a finite number" in msg


# --------------------------------------------------------------------------- bounds and names (issue #14)


@pytest.mark.parametrize("field", ["military", "economy", "population", "resources"])
def test_capabilities_are_bounded_by_1e15(field):
    from neorealism.scenario import MAX_CAPABILITY

    assert MAX_CAPABILITY == 1e15
    ok = re.sub(rf"{field}: \d+,", f"{field}: 1.0e+15,", GOOD, count=1)
    assert getattr(parse_scenario_text(ok).states[0], field) == 1e15
    msg = one_problem(re.sub(rf"{field}: \d+,", f"{field}: 1.0e+308,", GOOD, count=1))
    assert msg.startswith(f"states[0] (A).{field} = 1e+308: Input should be less than or equal to 1e15")
    assert "1e15]" in msg


def test_positions_are_bounded():
    msg = one_problem(GOOD.replace("position: [1, 0]", "position: [1, -2.0e+6]"))
    assert msg.startswith("states[1] (B).position = [1, -2000000.0]: coordinates must lie within")


@pytest.mark.parametrize("bad", ["\x1b[2J", "\x07", "\x9b", "\u202e", "\x7f", "a\nb", "\t"])
def test_names_with_control_characters_are_refused(bad):
    from neorealism.errors import ScenarioError

    d = good_dict()
    d["name"] = f"x{bad}"
    with pytest.raises(ScenarioError) as info:
        validate_scenario(d)
    msg = str(info.value)
    assert msg.count("\n") == 0 and "name = " in msg and "control characters" in msg
    assert bad not in msg  # the message itself shows it escaped
    d = good_dict()
    d["states"][1]["name"] = f"B{bad}"
    with pytest.raises(ScenarioError) as info:
        validate_scenario(d)
    assert "states[1].name = " in str(info.value) and "control characters" in str(info.value)


def test_descriptions_may_hold_control_characters():
    d = good_dict()
    d["description"] = "line one\nline two \x1b[1mbold\x1b[0m"
    assert validate_scenario(d).description == d["description"]
