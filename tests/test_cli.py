"""The command line: help, scenarios, validate, run (files, overwrite guard, errors, reproducibility)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import neorealism
from neorealism import cli
from neorealism.cli import app
from neorealism.paramdoc import parameters_markdown
from neorealism.results import RESULT_FILES, ResultSet
from neorealism.scenario import MAX_WORLDS, builtin_names

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
name: tiny
states:
  - {name: A, military: 10, economy: 20, population: 5, resources: 3, technology: 1, position: [0, 0]}
  - {name: B, military: 5, economy: 10, population: 5, resources: 3, technology: 1, position: [1, 0]}
  - {name: C, military: 1, economy: 2, population: 5, resources: 3, technology: 1, position: [0, 1]}
years: 5
worlds: 3
seed: 4
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_user_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip(), "the message goes to stderr"
    for n in needles:
        assert n in result.stderr, f"{n!r} not in {result.stderr!r}"


# --------------------------------------------------------------------------- help, version


@pytest.mark.parametrize(
    "args, needles",
    [
        ([], ["run", "scenarios", "validate", "--version"]),
        (["run"], ["SCENARIO_OR_FILE", "--worlds", "--years", "--seed", "--out", "--overwrite", "--chunk-size"]),
        (["scenarios"], ["--params", "--markdown"]),
        (["validate"], ["FILE"]),
    ],
)
def test_help(runner, args, needles):
    result = invoke(runner, *args, "--help")
    assert result.exit_code == 0, result.output
    for n in needles:
        assert n in result.output


def test_no_args_shows_help(runner):
    result = invoke(runner)
    assert "Usage" in result.output and "run" in result.output


def test_version(runner):
    result = invoke(runner, "--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"neorealism {neorealism.__version__}"


# --------------------------------------------------------------------------- scenarios


def test_scenarios_lists_builtins(runner):
    result = invoke(runner, "scenarios")
    assert result.exit_code == 0, result.output
    for name in builtin_names():
        assert name in result.output
    assert "great powers" in result.output
    assert "2 (bipolar)" in result.output
    assert "1 (unipolar)" in result.output


def test_scenarios_params(runner):
    result = invoke(runner, "scenarios", "--params")
    assert result.exit_code == 0, result.output
    out = result.output
    for needle in (
        "params.war.offense_defense = 1.0   allowed: (0.0, 10.0]",
        "params.authority.enforcement = 0.0   allowed: [0.0, 1.0]",
        "params.measures.gp_rule = share   allowed: share | relative",
        "states[].military = required",
        "worlds = 100",
    ):
        assert needle in out
    from neorealism.paramdoc import iter_params

    for p in iter_params():  # every parameter, with its description
        assert p.path in out and p.description in out


def test_scenarios_params_markdown(runner):
    result = invoke(runner, "scenarios", "--params", "--markdown")
    assert result.exit_code == 0
    assert result.stdout == parameters_markdown()


def test_markdown_without_params_is_an_error(runner):
    assert_user_error(invoke(runner, "scenarios", "--markdown"), "--params")


def test_committed_parameter_docs_are_current():
    committed = (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert committed == parameters_markdown(), (
        "docs/parameters.md is out of date: run `neorealism scenarios --params --markdown > docs/parameters.md`"
    )


# --------------------------------------------------------------------------- validate


def test_validate_good(runner, tmp_path):
    f = tmp_path / "tiny.yaml"
    f.write_text(GOOD)
    result = invoke(runner, "validate", f)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: tiny, 3 states,")
    assert "great power" in result.output


@pytest.mark.parametrize("name", builtin_names())
def test_validate_builtin(runner, name):
    result = invoke(runner, "validate", name)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"ok: {name}, ")


def test_validate_bad(runner, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(GOOD.replace("military: 10", "military: -10") + "params:\n  war:\n    ofense_defense: 2\n")
    result = invoke(runner, "validate", f)
    assert_user_error(result, str(f), "states[0].military", "allowed [0", "params.war.ofense_defense", "unknown field")
    assert result.stdout == ""


def test_validate_yaml_error_and_missing_file(runner, tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text("name: x\nstates: [\n  - oops\n  b: c\n")
    assert_user_error(invoke(runner, "validate", f), "YAML syntax error", "line")
    assert_user_error(invoke(runner, "validate", tmp_path / "missing.yaml"), "file not found")


# --------------------------------------------------------------------------- run


def test_run_writes_result(runner, tmp_path):
    out = tmp_path / "out"
    result = invoke(runner, "run", "bipolar", "--worlds", 3, "--years", 6, "--seed", 1, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULT_FILES)
    rs = ResultSet.load(out)
    m = rs.manifest
    assert (m["worlds"], m["years"], m["seed"], m["complete"]) == (3, 6, 1, True)
    assert m["scenario"]["name"] == "bipolar" and m["scenario"]["worlds"] == 3
    assert len(m["scenario"]["states"]) >= 12
    assert rs.system["world"].nunique() == 3
    assert rs.system["year"].nunique() == 7  # initial year + 6 simulated years
    # summary
    out_text = result.stdout
    for needle in ("Polarity", "bipolar", "Wars started", "per world per century", "State deaths",
                   "Great-power survival", "CON", "HHI", str(out)):
        assert needle in out_text, needle
    # no progress bar when stderr is not a terminal
    assert result.stderr == ""


def test_run_scenario_file_uses_its_settings(runner, tmp_path):
    f = tmp_path / "tiny.yaml"
    f.write_text(GOOD)
    out = tmp_path / "o"
    result = invoke(runner, "run", f, "--out", out)
    assert result.exit_code == 0, result.output
    m = ResultSet.load(out).manifest
    assert (m["worlds"], m["years"], m["seed"]) == (3, 5, 4)


def test_run_default_out_dir(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "run", "unipolar", "--worlds", 2, "--years", 3, "--seed", 5)
    assert result.exit_code == 0, result.output
    out = tmp_path / "results" / "unipolar-seed5"
    assert ResultSet.load(out).manifest["seed"] == 5
    assert "results/unipolar-seed5" in result.stdout


def test_run_bipolar_on_builtin_defaults(runner, tmp_path, monkeypatch):
    """The README's main command."""
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "run", "bipolar")
    assert result.exit_code == 0, result.output
    rs = ResultSet.load(tmp_path / "results" / "bipolar-seed0")
    from neorealism.scenario import load_builtin

    sc = load_builtin("bipolar")
    assert (rs.manifest["worlds"], rs.manifest["years"]) == (sc.worlds, sc.years)
    assert rs.rows["system"] == sc.worlds * (sc.years + 1)


def test_rerun_refuses_without_overwrite(runner, tmp_path):
    out = tmp_path / "out"
    args = ["run", "bipolar", "--worlds", 2, "--years", 3, "--seed", 1, "--out", out]
    assert invoke(runner, *args).exit_code == 0
    before = (out / "manifest.json").read_text()
    result = invoke(runner, *args[:-2], "--seed", 2, "--out", out)
    assert_user_error(result, str(out), "already holds a result", "--overwrite")
    assert (out / "manifest.json").read_text() == before
    result = invoke(runner, *args[:-2], "--seed", 2, "--out", out, "--overwrite")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2


@pytest.mark.parametrize(
    "option, value, needle",
    [
        ("--worlds", "0", f"--worlds must be an integer in [1, {MAX_WORLDS}], got 0"),
        ("--worlds", str(MAX_WORLDS + 1), "--worlds"),
        ("--years", "0", "--years must be an integer in [1, "),
        ("--seed", "-1", "--seed must be an integer in [0, "),
        ("--chunk-size", "0", "--chunk-size must be an integer in [1, "),
    ],
)
def test_run_bad_options(runner, tmp_path, option, value, needle):
    result = invoke(runner, "run", "bipolar", option, value, "--out", tmp_path / "o")
    assert_user_error(result, needle)
    assert not (tmp_path / "o").exists()


def test_run_bad_scenario(runner, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(GOOD.replace("seed: 4", "seed: four"))
    assert_user_error(invoke(runner, "run", f, "--out", tmp_path / "o"), "seed", "'four'")
    assert_user_error(invoke(runner, "run", "no-such-thing"), "bipolar", "multipolar", "unipolar")


def test_run_with_progress_bar(runner, tmp_path, monkeypatch):
    """The progress-bar path (taken only when stderr is a terminal) runs and writes the same result."""
    calls = []
    from neorealism import engine

    real = engine.iter_chunks

    def spy(*a, progress=None, **kw):
        assert progress is not None, "the progress bar must be fed"

        def counting(n):
            calls.append(n)
            progress(n)

        return real(*a, progress=counting, **kw)

    monkeypatch.setattr(cli, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(engine, "iter_chunks", spy)
    result = invoke(runner, "run", "bipolar", "--worlds", 3, "--years", 4, "--seed", 1,
                    "--chunk-size", 2, "--out", tmp_path / "p")
    assert result.exit_code == 0, result.output
    assert sum(calls) == 3 * 4
    assert ResultSet.load(tmp_path / "p").rows["system"] == 3 * 5


# --------------------------------------------------------------------------- reproducibility


def test_world_zero_does_not_depend_on_number_of_worlds(runner, tmp_path):
    one, fifty = tmp_path / "one", tmp_path / "fifty"
    r1 = invoke(runner, "run", "bipolar", "--worlds", 1, "--seed", 7, "--out", one)
    r50 = invoke(runner, "run", "bipolar", "--worlds", 50, "--seed", 7, "--out", fifty, "--chunk-size", 7)
    assert r1.exit_code == 0, r1.output
    assert r50.exit_code == 0, r50.output
    a, b = ResultSet.load(one), ResultSet.load(fifty)
    assert b.system["world"].nunique() == 50
    for table in ("states", "system", "events"):
        ta, tb = getattr(a, table), getattr(b, table)
        assert (ta["world"] == 0).all()
        w0 = tb[tb["world"] == 0].reset_index(drop=True)
        pd.testing.assert_frame_equal(ta.reset_index(drop=True), w0, check_exact=True)
    assert len(a.states) > 0 and len(a.system) > 0
    # and the whole run is not trivially constant across worlds
    assert b.system.groupby("world")["hhi"].last().nunique() > 1


def test_output_into_a_closed_pipe_stops_quietly():
    # `neorealism … | head`: the reader leaves early; no traceback, no error line
    import subprocess
    import sys

    # `true` exits without reading while neorealism is still starting up, so its first
    # write meets a pipe with no reader
    proc = subprocess.run(
        f"{sys.executable} -m neorealism data --cite | true; echo done",
        shell=True, capture_output=True, text=True, timeout=120,
    )
    assert proc.stdout == "done\n"
    assert "Traceback" not in proc.stderr and "error" not in proc.stderr.lower()


def test_states_option_keeps_all_ends_or_none(runner, tmp_path):
    sets = {}
    for mode in ("all", "ends", "none"):
        out = tmp_path / mode
        res = invoke(runner, "run", "multipolar", "--worlds", 6, "--years", 40, "--seed", 2, "--states", mode, "--out", out)
        assert res.exit_code == 0, res.output
        sets[mode] = ResultSet.load(out)
    full, ends, none = sets["all"].states, sets["ends"].states, sets["none"].states
    assert sorted(ends.year.unique()) == [0, 40]
    pd.testing.assert_frame_equal(
        ends.reset_index(drop=True), full[full.year.isin([0, 40])].reset_index(drop=True), check_categorical=False
    )
    assert len(none) == 0 and list(none.columns) == list(full.columns)
    # system and events do not depend on what is kept of the states
    for table in ("system", "events"):
        pd.testing.assert_frame_equal(getattr(sets["all"], table), getattr(sets["none"], table))
    assert sets["ends"].summary()["gp_survival"] == sets["all"].summary()["gp_survival"]
    assert "not recorded" in invoke(runner, "run", "bipolar", "--worlds", 2, "--years", 2, "--states", "none", "--out", tmp_path / "n2").output
    bad = invoke(runner, "run", "bipolar", "--states", "some", "--out", tmp_path / "bad")
    assert bad.exit_code == 2 and "--states" in bad.output and "all, ends, none" in bad.output
