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


# --------------------------------------------------------------------------- re-running: identical runs are re-used


def one_line_error(result, *needles: str) -> str:
    assert_user_error(result, *needles)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_main_command_twice_reuses_the_identical_result(runner, tmp_path, monkeypatch):
    """`neorealism run bipolar` run again succeeds: the identical earlier result is re-used, not recomputed."""
    monkeypatch.chdir(tmp_path)
    first = invoke(runner, "run", "bipolar")
    assert first.exit_code == 0, first.output
    out = tmp_path / "results" / "bipolar-seed0"
    before = {f: (out / f).read_bytes() for f in RESULT_FILES}
    from neorealism import engine

    def no_simulation(*a, **kw):
        raise AssertionError("an identical earlier run must not be recomputed")

    monkeypatch.setattr(engine, "iter_chunks", no_simulation)
    second = invoke(runner, "run", "bipolar")
    assert second.exit_code == 0, second.output
    assert second.stderr == ""
    assert "Re-used" in second.stdout and "identical run" in second.stdout and "--overwrite" in second.stdout
    assert "results/bipolar-seed0" in second.stdout
    # the same summary as the first time (apart from the timing)
    summary = lambda text: [ln for ln in text.splitlines() if not ln.startswith(("bipolar:", "Re-used"))]  # noqa: E731
    assert summary(second.stdout) == summary(first.stdout)
    assert {f: (out / f).read_bytes() for f in RESULT_FILES} == before, "the result is left as it was"


def test_identical_run_with_other_chunk_size_is_reused(runner, tmp_path):
    out = tmp_path / "o"
    args = ["run", "bipolar", "--worlds", 4, "--years", 5, "--seed", 3, "--out", out]
    assert invoke(runner, *args, "--chunk-size", 1).exit_code == 0
    created = json.loads((out / "manifest.json").read_text())["created"]
    again = invoke(runner, *args, "--chunk-size", 3)
    assert again.exit_code == 0, again.output
    assert "Re-used" in again.stdout and created in again.stdout


def test_overwrite_recomputes_an_identical_run(runner, tmp_path, monkeypatch):
    out = tmp_path / "o"
    args = ["run", "bipolar", "--worlds", 3, "--years", 4, "--out", out]
    assert invoke(runner, *args).exit_code == 0
    old = ResultSet.load(out)
    calls = []
    from neorealism import engine

    real = engine.iter_chunks
    monkeypatch.setattr(engine, "iter_chunks", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    again = invoke(runner, *args, "--overwrite")
    assert again.exit_code == 0, again.output
    assert calls and "Re-used" not in again.stdout
    new = ResultSet.load(out)
    for table in ("states", "system", "events"):  # deterministic: recomputed, identical
        pd.testing.assert_frame_equal(getattr(old, table), getattr(new, table))


@pytest.mark.parametrize(
    "change, needle",
    [
        (["--worlds", "5"], "worlds 5 vs 4"),
        (["--years", "6"], "years 6 vs 5"),
        (["--states", "ends"], "--states ends vs all"),
    ],
)
def test_different_run_in_the_directory_is_refused_naming_the_difference(runner, tmp_path, change, needle):
    out = tmp_path / "o"
    base = {"--worlds": "4", "--years": "5", "--states": "all"}
    assert invoke(runner, "run", "bipolar", *[x for kv in base.items() for x in kv], "--out", out).exit_code == 0
    before = {f: (out / f).read_bytes() for f in RESULT_FILES}
    args = {**base, change[0]: change[1]}
    result = invoke(runner, "run", "bipolar", *[x for kv in args.items() for x in kv], "--out", out)
    line = one_line_error(result, str(out), "already holds a result of a different run", needle, "--overwrite")
    assert "this run vs the one there" in line
    assert {f: (out / f).read_bytes() for f in RESULT_FILES} == before


def test_changed_scenario_file_is_a_different_run(runner, tmp_path):
    f = tmp_path / "tiny.yaml"
    f.write_text(GOOD)
    out = tmp_path / "o"
    assert invoke(runner, "run", f, "--out", out).exit_code == 0
    f.write_text(GOOD + "params:\n  war:\n    cost: 0.2\n")
    one_line_error(invoke(runner, "run", f, "--out", out), "params.war.cost 0.2 vs 0.15")
    f.write_text(GOOD.replace("military: 10,", "military: 11,"))
    one_line_error(invoke(runner, "run", f, "--out", out), "states[0].military 11.0 vs 10.0")


def test_result_from_another_version_is_a_different_run(runner, tmp_path):
    out = tmp_path / "o"
    args = ["run", "bipolar", "--worlds", 2, "--years", 2, "--out", out]
    assert invoke(runner, *args).exit_code == 0
    m = json.loads((out / "manifest.json").read_text())
    m["version"] = "0.0.1"
    (out / "manifest.json").write_text(json.dumps(m))
    one_line_error(invoke(runner, *args), f"version {neorealism.__version__} vs 0.0.1")


def test_result_of_other_model_code_is_a_different_run(runner, tmp_path, monkeypatch):
    # during development the version stays while the model changes: the code fingerprint decides
    from neorealism import results

    out = tmp_path / "o"
    args = ["run", "bipolar", "--worlds", 2, "--years", 2, "--out", out]
    assert invoke(runner, *args).exit_code == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["model"] == results.model_fingerprint() and len(m["model"]) == 16
    assert {"python", "numpy", "scipy"} <= set(m["environment"])
    monkeypatch.setattr(results, "model_fingerprint", lambda: "0123456789abcdef")
    one_line_error(invoke(runner, *args), f"model code 0123456789abcdef vs {m['model']}")


def test_model_fingerprint_follows_the_model_source(tmp_path, monkeypatch):
    from importlib import resources

    from neorealism import results

    results.model_fingerprint.cache_clear()
    before = results.model_fingerprint()
    # a copy of the package with one mechanism changed has another fingerprint
    import shutil

    pkg = tmp_path / "neorealism"
    shutil.copytree(resources.files("neorealism"), pkg)
    (pkg / "mechanisms" / "growth.py").write_text((pkg / "mechanisms" / "growth.py").read_text() + "\n# changed\n")
    monkeypatch.setattr(resources, "files", lambda name: pkg)
    results.model_fingerprint.cache_clear()
    try:
        assert results.model_fingerprint() != before
    finally:
        monkeypatch.undo()
        results.model_fingerprint.cache_clear()
    assert results.model_fingerprint() == before


def test_damaged_identical_result_is_not_reused(runner, tmp_path):
    out = tmp_path / "o"
    args = ["run", "bipolar", "--worlds", 2, "--years", 3, "--out", out]
    assert invoke(runner, *args).exit_code == 0
    f = out / "system.parquet"
    f.write_bytes(f.read_bytes()[:100])
    one_line_error(invoke(runner, *args), "cannot be re-used", "system.parquet", "--overwrite")
    assert len(f.read_bytes()) == 100, "left alone"
    fixed = invoke(runner, *args, "--overwrite")
    assert fixed.exit_code == 0, fixed.output
    assert ResultSet.load(out).rows["system"] == 2 * 4


def test_incomplete_result_is_not_reused(runner, tmp_path):
    out = tmp_path / "o"
    args = ["run", "bipolar", "--worlds", 2, "--years", 3, "--out", out]
    assert invoke(runner, *args).exit_code == 0
    m = json.loads((out / "manifest.json").read_text())
    m["complete"] = False
    (out / "manifest.json").write_text(json.dumps(m))
    one_line_error(invoke(runner, *args), "cannot be re-used", "not marked complete")


# --------------------------------------------------------------------------- adversarial scenario files


ADVERSARIAL = {
    "python-tag": (GOOD.replace("name: tiny", "name: !!python/object/apply:os.system ['echo pwned']"),
                   ["name: YAML tags (!!python/object/apply:os.system)", "line 1"]),
    "merge-key": (GOOD.replace(
        "  - {name: C, military: 1, economy: 2, population: 5, resources: 3, technology: 1, position: [0, 1]}",
        "  - <<: {military: 1, economy: 2, population: 5, resources: 3, technology: 1}\n    name: C\n    position: [0, 1]",
    ), ["states[2]: YAML merge keys (<<)", "line 5"]),
    "duplicate-key": (GOOD + "years: 9\n", ["years: duplicate key 'years' at line 9 (first at line 6)"]),
    "deep": ("name: x\ndescription: " + "[" * 50_000 + "]" * 50_000 + "\n", ["nested more than 16 levels"]),
    "bool-number": (GOOD.replace("military: 10,", "military: true,"),
                    ["states[0].military = True", "valid number", "allowed [0.0, ∞)"]),
    "text-number": (GOOD.replace("military: 10,", 'military: "0.5",'),
                    ["states[0].military = '0.5'", "not text", "allowed [0.0, ∞)"]),
    "huge-seed": (GOOD.replace("seed: 4", f"seed: {2**64}"), [f"seed = {2**64}", "allowed [0, 9223372036854775807]"]),
    "tab": (GOOD.replace("  - {name: B", "\t- {name: B"), ["line 4", "tab", "spaces"]),
    "alias": (GOOD + "description: *x\n", ["aliases"]),
    "years-too-many": (GOOD.replace("years: 5", "years: 100000"), ["years = 100000", "allowed [1, 10000]"]),
    "worlds-too-many": (GOOD.replace("worlds: 3", "worlds: 100000000"), ["worlds = 100000000", "allowed [1, 10000000]"]),
}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
def test_adversarial_scenario_files(runner, tmp_path, command, case):
    text, needles = ADVERSARIAL[case]
    f = tmp_path / "adv.yaml"
    f.write_text(text, encoding="utf-8")
    extra = ["--out", tmp_path / "o"] if command == "run" else []
    line = one_line_error(invoke(runner, command, f, *extra), *needles)
    assert line.startswith(f"error: invalid scenario {f}: ")
    assert not (tmp_path / "o").exists(), "nothing is written"


def test_scenario_path_that_is_a_directory(runner, tmp_path):
    for command in ("validate", "run"):
        line = one_line_error(invoke(runner, command, tmp_path), "is a directory, not a scenario file")
        assert str(tmp_path) in line


def test_scenario_with_bom_and_crlf_runs(runner, tmp_path):
    f = tmp_path / "win.yaml"
    f.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    result = invoke(runner, "validate", f)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: tiny, 3 states,")


# --------------------------------------------------------------------------- run options


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--worlds", "0"], f"--worlds must be an integer in [1, {MAX_WORLDS}], got 0"),
        (["--years", "-1"], "--years must be an integer in [1, 10000], got -1"),
        (["--seed", "-1"], "--seed must be an integer in [0, 9223372036854775807], got -1"),
        (["--seed", str(2**63)], f"--seed must be an integer in [0, 9223372036854775807], got {2**63}"),
        (["--chunk-size", "0"], "--chunk-size must be an integer in [1, 1000000], got 0"),
        (["--states", "bogus"], "--states 'bogus': allowed all, ends, none"),
        (["--worlds", "many"], "Invalid value for '--worlds'"),
        (["--frobnicate"], "No such option: --frobnicate"),
    ],
)
def test_run_bad_options_are_one_line(runner, tmp_path, args, needle):
    line = one_line_error(invoke(runner, "run", "bipolar", *args, "--out", tmp_path / "o"), needle)
    assert line.startswith("error: ")
    assert not (tmp_path / "o").exists()


def test_run_out_is_an_existing_file(runner, tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    line = one_line_error(invoke(runner, "run", "bipolar", "--worlds", 1, "--years", 1, "--out", f), "--out", str(f), "is a file")
    assert line.startswith("error: ")
    assert f.read_text() == "keep me"


def test_missing_argument_is_one_line(runner):
    one_line_error(invoke(runner, "run"), "Missing argument 'SCENARIO_OR_FILE'", "neorealism run --help")


def test_chunk_size_is_lowered_to_bound_memory(runner, tmp_path, monkeypatch):
    """Memory stays bounded: a chunk never holds more world-years than the budget allows; results unchanged."""
    ref = tmp_path / "ref"
    assert invoke(runner, "run", "bipolar", "--worlds", 5, "--years", 30, "--out", ref).exit_code == 0
    per_world = cli.CHUNK_MEMORY_BYTES // cli.memory_chunk_size(14, 30, "all")
    monkeypatch.setattr(cli, "CHUNK_MEMORY_BYTES", 2 * per_world)  # room for two worlds
    assert cli.memory_chunk_size(14, 30, "all") == 2
    out = tmp_path / "small"
    result = invoke(runner, "run", "bipolar", "--worlds", 5, "--years", 30, "--chunk-size", 1000, "--out", out)
    assert result.exit_code == 0, result.output
    assert "note: --chunk-size 1000 lowered to 2" in result.stderr
    m = ResultSet.load(out).manifest
    assert m["chunk_size"] == 2 and m["chunks"] == 3
    a, b = ResultSet.load(ref), ResultSet.load(out)
    for table in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))


def test_memory_chunk_size_for_the_largest_runs():
    from neorealism.scenario import MAX_STATES, MAX_YEARS

    # the default main job keeps its default chunk
    assert cli.memory_chunk_size(14, 200, "all") >= cli.DEFAULT_CHUNK_SIZE
    # the largest allowed run still fits one world in the budget, and chunks shrink with years × states
    assert cli.memory_chunk_size(MAX_STATES, MAX_YEARS, "all") == 1
    assert cli.memory_chunk_size(14, MAX_YEARS, "all") < 100
    assert cli.memory_chunk_size(14, MAX_YEARS, "none") > cli.memory_chunk_size(14, MAX_YEARS, "all")


def test_run_that_cannot_fit_on_disk_is_refused(runner, tmp_path, monkeypatch):
    import collections

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(cli.shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 10**6, 10**6))
    line = one_line_error(
        invoke(runner, "run", "bipolar", "--worlds", 10000, "--years", 1000, "--out", tmp_path / "o"),
        "--worlds 10000 × --years 1000", "1.0 MB free", "--states ends or --states none",
    )
    assert line.startswith("error: ")
    assert not (tmp_path / "o").exists()
