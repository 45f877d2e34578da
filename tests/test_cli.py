"""The command line: help, scenarios, validate, run (files, overwrite guard, errors, reproducibility)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from result_files import chunk_file, result_names, snapshot  # noqa: F401
from typer.testing import CliRunner

import neorealism
from neorealism import api, cli
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
        "params.measures.gp_rule = cow   allowed: cow | share | relative",
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
    assert_user_error(result, str(f), "states[0] (A).military", "allowed [0", "params.war.ofense_defense", "unknown field")
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
    assert result_names(out) == ["data-*", *RESULT_FILES]
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


@pytest.mark.slow
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
        ("--worlds", "0", f"--worlds = 0: allowed 1 ≤ --worlds ≤ {MAX_WORLDS}"),
        ("--worlds", str(MAX_WORLDS + 1), "--worlds"),
        ("--years", "0", "--years = 0: allowed 1 ≤ --years ≤ "),
        ("--seed", "-1", "--seed = -1: allowed 0 ≤ --seed ≤ "),
        ("--chunk-size", "0", "--chunk-size = 0: allowed 1 ≤ --chunk-size ≤ "),
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

    real = engine.run_batch

    def spy(*a, progress=None, **kw):
        assert progress is not None, "the progress bar must be fed"

        def counting(n):
            calls.append(n)
            progress(n)

        return real(*a, progress=counting, **kw)

    monkeypatch.setattr(cli, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(engine, "run_batch", spy)
    result = invoke(runner, "run", "bipolar", "--worlds", 3, "--years", 4, "--seed", 1,
                    "--chunk-size", 2, "--out", tmp_path / "p")
    assert result.exit_code == 0, result.output
    assert sum(calls) == 3 * 4
    assert ResultSet.load(tmp_path / "p").rows["system"] == 3 * 5


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.slow
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
    assert bad.exit_code == 2 and "--states" in bad.output and "'all', 'ends', 'none'" in bad.output


# --------------------------------------------------------------------------- re-running: identical runs are re-used


def one_line_error(result, *needles: str) -> str:
    assert_user_error(result, *needles)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_second_writer_is_refused_naming_the_directory(runner, tmp_path):
    from neorealism.results import StoreLock

    out = tmp_path / "o"
    with StoreLock.acquire(out):  # another run is writing there
        line = one_line_error(invoke(runner, "run", "bipolar", "--worlds", 2, "--years", 2, "--out", out),
                              str(out), "being written by another neorealism run")
    assert ".lock" not in line and ".tmp-" not in line
    assert not out.exists()


def test_disk_full_is_a_user_error_naming_out(runner, tmp_path, monkeypatch):
    import errno

    from neorealism import results

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path.parent / f".{path.name}.tmp-1-x"))

    monkeypatch.setattr(results, "_write_atomic", full)
    out = tmp_path / "o"
    line = one_line_error(invoke(runner, "run", "bipolar", "--worlds", 2, "--years", 2, "--states", "none",
                                 "--out", out), f"cannot write results to {out}: No space left on device")
    assert ".tmp-" not in line and "--states" not in line
    assert not out.exists(), "no empty output folder is left"


@pytest.mark.slow
def test_main_command_twice_reuses_the_identical_result(runner, tmp_path, monkeypatch):
    """`neorealism run bipolar` run again succeeds: the identical earlier result is re-used, not recomputed."""
    monkeypatch.chdir(tmp_path)
    first = invoke(runner, "run", "bipolar")
    assert first.exit_code == 0, first.output
    out = tmp_path / "results" / "bipolar-seed0"
    before = snapshot(out)
    from neorealism import engine

    def no_simulation(*a, **kw):
        raise AssertionError("an identical earlier run must not be recomputed")

    monkeypatch.setattr(engine, "run_batch", no_simulation)
    second = invoke(runner, "run", "bipolar")
    assert second.exit_code == 0, second.output
    assert second.stderr == ""
    assert "Re-used" in second.stdout and "identical run" in second.stdout and "--overwrite" in second.stdout
    assert "results/bipolar-seed0" in second.stdout
    # the same summary as the first time (apart from the timing)
    summary = lambda text: [ln for ln in text.splitlines() if not ln.startswith(("bipolar:", "Re-used"))]  # noqa: E731
    assert summary(second.stdout) == summary(first.stdout)
    assert snapshot(out) == before, "the result is left as it was"


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
    before = {t: getattr(old, t) for t in ("states", "system", "events")}  # read now: the overwrite removes these files
    old_files = set(old.files("states"))
    calls = []
    from neorealism import engine

    real = engine.run_batch
    monkeypatch.setattr(engine, "run_batch", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    again = invoke(runner, *args, "--overwrite")
    assert again.exit_code == 0, again.output
    assert calls and "Re-used" not in again.stdout
    new = ResultSet.load(out)
    for table in ("states", "system", "events"):  # deterministic: recomputed, identical
        pd.testing.assert_frame_equal(before[table], getattr(new, table))
    assert not any(f.exists() for f in old_files), "the old generation is removed after publishing"
    assert result_names(out) == ["data-*", "manifest.json"]


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
    before = snapshot(out)
    args = {**base, change[0]: change[1]}
    result = invoke(runner, "run", "bipolar", *[x for kv in args.items() for x in kv], "--out", out)
    line = one_line_error(result, str(out), "already holds a result of a different run", needle, "--overwrite")
    assert "this run vs the one there" in line
    assert snapshot(out) == before


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
    f = chunk_file(out, "system")
    f.write_bytes(f.read_bytes()[:100])
    one_line_error(invoke(runner, *args), "cannot be re-used", "system-000000.parquet", "--overwrite")
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
                    ["states[0] (A).military = True", "valid number", "allowed [0.0, 1e15]"]),
    "text-number": (GOOD.replace("military: 10,", 'military: "0.5",'),
                    ["states[0] (A).military = '0.5'", "not text", "allowed [0.0, 1e15]"]),
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
        (["--worlds", "0"], f"--worlds = 0: allowed 1 ≤ --worlds ≤ {MAX_WORLDS}"),
        (["--years", "-1"], "--years = -1: allowed 1 ≤ --years ≤ 10000"),
        (["--seed", "-1"], "--seed = -1: allowed 0 ≤ --seed ≤ 9223372036854775807"),
        (["--seed", str(2**63)], f"--seed = {2**63}: allowed 0 ≤ --seed ≤ 9223372036854775807"),
        (["--chunk-size", "0"], "--chunk-size = 0: allowed 1 ≤ --chunk-size ≤ 1000000"),
        (["--states", "bogus"], "Invalid value for '--states': 'bogus' is not one of 'all', 'ends', 'none'"),
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
    per_world = api.CHUNK_MEMORY_BYTES // api.memory_chunk_size(14, 30, "all")
    monkeypatch.setattr(api, "CHUNK_MEMORY_BYTES", 2 * per_world)  # room for two worlds
    assert api.memory_chunk_size(14, 30, "all") == 2
    out = tmp_path / "small"
    result = invoke(runner, "run", "bipolar", "--worlds", 5, "--years", 30, "--chunk-size", 1000, "--out", out)
    assert result.exit_code == 0, result.output
    assert "note: --chunk-size 1000 lowered to 2" in result.stderr
    m = ResultSet.load(out).manifest
    assert m["chunk_size"] == 2 and [c["worlds"] for c in m["chunks"]] == [[0, 2], [2, 4], [4, 5]]
    a, b = ResultSet.load(ref), ResultSet.load(out)
    for table in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))


def test_memory_chunk_size_for_the_largest_runs():
    from neorealism.scenario import MAX_STATES, MAX_YEARS

    # the default main job keeps its default chunk
    assert api.memory_chunk_size(14, 200, "all") >= api.DEFAULT_CHUNK_SIZE
    # the largest allowed run still fits one world in the budget, and chunks shrink with years × states
    assert api.memory_chunk_size(MAX_STATES, MAX_YEARS, "all") == 1
    assert api.memory_chunk_size(14, MAX_YEARS, "all") < 100
    assert api.memory_chunk_size(14, MAX_YEARS, "none") > api.memory_chunk_size(14, MAX_YEARS, "all")


def test_run_that_cannot_fit_on_disk_is_refused(runner, tmp_path, monkeypatch):
    import collections

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(api.shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 10**6, 10**6))
    line = one_line_error(
        invoke(runner, "run", "bipolar", "--worlds", 10000, "--years", 1000, "--out", tmp_path / "o"),
        "--worlds 10000 × --years 1000", "1.0 MB free", "--states ends or --states none",
    )
    assert line.startswith("error: ")
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- walkthrough fixes


def test_pct_has_one_decimal_and_never_rounds_a_loss_away():
    assert cli._pct(1 - 2115 / 500000) == "99.6%"
    assert cli._pct(1.0) == "100.0%" and cli._pct(0.0) == "0.0%"
    assert cli._pct(1 - 1 / 500000) == ">99.9%"  # would round to 100.0%
    assert cli._pct(1 / 500000) == "<0.1%"  # would round to 0.0%
    assert cli._pct(float("nan")) == "–" and cli._pct(None) == "–"


def _summary(**over):
    s = {
        "years": (0, 200), "n_years": 200, "worlds": 100000,
        "polarity": [{"year": 0, "unipolar": 0.0, "bipolar": 0.9996, "multipolar": 0.0004, "nonpolar": 0.0}],
        "wars_started": 10, "wars_per_world_century": 0.005, "deaths": 2115, "deaths_per_world": 0.02,
        "wars_prevented": 0, "gp_initial": 500000, "gp_alive": 497885, "gp_still": 490000,
        "gp_survival": 497885 / 500000, "gp_retained": 490000 / 500000,
        "con": (0.1, 0.2), "hhi": (0.2, 0.3),
        "name": "bipolar", "n_worlds": 100000, "n_states": 14, "seed": 0, "states_recorded": "all",
        "overrides": None, "elapsed": 10.0, "reused": False,
    }
    s = {**s, **over}
    from neorealism.api import summary_lines

    return {**s, "lines": summary_lines(None, s)}


def test_great_power_survival_line_shows_losses(capsys, tmp_path):
    cli._print_summary(_summary(), tmp_path)
    out = capsys.readouterr().out
    (line,) = [ln for ln in out.splitlines() if ln.startswith("Great-power survival")]
    assert line == (
        "Great-power survival: 99.6% of the 500,000 initial great powers alive at the end (2,115 died); "
        "98.0% still great powers (7,885 survivors lost great-power status)"
    )
    # the polarity table: 99.96% and 0.04% of worlds do not read as 100% and 0%
    (row,) = [ln for ln in out.splitlines() if ln.strip().startswith("0 ")]
    assert row.split() == ["0", "0.0%", ">99.9%", "<0.1%", "0.0%"]


def _initial_gp_fates(st: pd.DataFrame) -> tuple[int, int, int]:
    """(initial great powers, alive at the end, still great powers at the end), counted with pandas."""
    first = st[(st.year == st.year.min()) & st.great_power][["world", "state"]]
    last = st[st.year == st.year.max()].merge(first, on=["world", "state"])
    return len(first), int(last.alive.sum()), int((last.alive & last.great_power).sum())


def test_run_summary_counts_match_the_tables(runner, tmp_path):
    out = tmp_path / "o"
    res = invoke(runner, "run", "multipolar", "--worlds", 30, "--years", 100, "--seed", 3,
                 "--set", "war.survival_floor=0.4", "--out", out)
    assert res.exit_code == 0, res.output
    n, alive, still = _initial_gp_fates(ResultSet.load(out).states)
    # the run must produce both kinds of loss, or the line below is not tested (when written: 300 initial
    # great powers, 109 died, 2 survivors lost the status)
    assert n - alive > 0 and alive - still > 0, (n, alive, still)
    assert f"of the {n:,} initial great powers alive at the end ({n - alive:,} died)" in res.stdout
    assert f"({alive - still:,} survivors lost great-power status)" in res.stdout
    assert f"{100 * alive / n:.1f}% of the" in res.stdout


def test_run_summary_counts_known_deaths_and_demotions(tmp_path):
    """Summary arithmetic against losses put into the tables by hand: exact counts, whatever the dynamics."""
    import numpy as np

    from neorealism import engine
    from neorealism.results import ResultWriter
    from neorealism.scenario import load_scenario

    res = engine.simulate(load_scenario("multipolar"), worlds=6, years=12, seed=3)
    st = res.states.copy()
    n, alive0, still0 = _initial_gp_fates(st)
    end = st.year == st.year.max()
    first = st[(st.year == st.year.min()) & st.great_power][["world", "state"]]
    fine = st[end & st.alive & st.great_power].merge(first, on=["world", "state"])
    assert len(fine) >= 10, len(fine)
    picks = fine.sample(frac=1.0, random_state=np.random.RandomState(1))[["world", "state"]]
    killed, demoted = picks.iloc[:6], picks.iloc[6:10]

    def rows(keys):
        return end & pd.MultiIndex.from_frame(st[["world", "state"]]).isin(pd.MultiIndex.from_frame(keys))

    st.loc[rows(killed), ["alive", "great_power"]] = False
    st.loc[rows(demoted), "great_power"] = False
    out = tmp_path / "o"
    with ResultWriter(out) as w:
        w.write_chunk(st, res.system, res.events)
        w.close({"scenario": {"name": "multipolar"}, "seed": 3, "worlds": 6, "years": 12})
    with ResultSet.load(out) as rs:
        s = rs.summary()
        line = next(ln for ln in api.summary_lines(rs, s) if ln.startswith("Great-power survival"))
    assert (s["gp_initial"], s["gp_alive"], s["gp_still"]) == (n, alive0 - 6, still0 - 10)
    assert f"({n - alive0 + 6:,} died)" in line and f"({alive0 - still0 + 4:,} survivors lost great-power status)" in line


def test_run_header_names_the_initial_year_and_both_speeds(runner, tmp_path):
    f = tmp_path / "tiny.yaml"
    f.write_text(GOOD)
    res = invoke(runner, "run", f, "--set", "start_year=1900", "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    header = res.stdout.splitlines()[0]
    assert header.startswith("tiny: 3 world(s) × 5 simulated year(s), seed 4, years 1900–1905 "
                             "(year 1900 = the initial state)  (")
    m = re.search(r"([\d,]+) world-years/s, ([\d,]+) state-years/s\)$", header)
    assert m, header
    world_rate, state_rate = (int(x.replace(",", "")) for x in m.groups())
    assert state_rate == pytest.approx(3 * world_rate, abs=3)  # 3 states


def test_reuse_message_names_every_part_of_the_run_identity(runner, tmp_path):
    from neorealism.results import IDENTITY_LABELS, run_identity

    args = ["run", "bipolar", "--worlds", 2, "--years", 2, "--out", tmp_path / "o"]
    assert invoke(runner, *args).exit_code == 0
    again = invoke(runner, *args)
    (line,) = [ln for ln in again.stdout.splitlines() if ln.startswith("Re-used")]
    for key in run_identity({}):
        assert IDENTITY_LABELS[key] in line, key
    assert "model code" in line


def test_states_help_says_system_table_and_events_stay_in_full():
    import typer

    cmd = typer.main.get_command(app).commands["run"]
    (opt,) = [p for p in cmd.params if p.name == "states"]
    text = " ".join(opt.help.split())
    assert "system table (one row per world-year)" in text and "events" in text
    assert "100,000 worlds × 200 years" in text and "hundreds of MB" in text
    assert "a fraction of the size" not in text


@pytest.mark.parametrize("name", builtin_names())
def test_scenarios_show_prints_the_complete_builtin(runner, name):
    import yaml

    from neorealism.scenario import Params, load_builtin, parse_scenario_text

    res = invoke(runner, "scenarios", "--show", name)
    assert res.exit_code == 0, res.output
    assert parse_scenario_text(res.stdout, source="shown") == load_builtin(name)
    lines = res.stdout.splitlines()
    header = [ln for ln in lines if ln.startswith("#")]
    assert header and lines[: len(header)] == header, "comments only at the top"
    data = yaml.safe_load(res.stdout)
    for group, field in Params.model_fields.items():  # complete: every parameter written out
        assert set(data["params"][group]) == set(field.annotation.model_fields), group
    assert {"years", "worlds", "seed", "start_year", "description"} <= set(data)


def test_scenarios_show_saved_file_validates_and_runs(runner, tmp_path):
    res = invoke(runner, "scenarios", "--show", "multipolar")
    f = tmp_path / "my.yaml"
    f.write_text(res.stdout, encoding="utf-8")
    ok = invoke(runner, "validate", f)
    assert ok.exit_code == 0 and ok.stdout.startswith("ok: multipolar, 14 states")


def test_scenarios_show_errors(runner):
    one_line_error(invoke(runner, "scenarios", "--show", "multipolr"), "--show 'multipolr'", "multipolar", "bipolar")
    one_line_error(invoke(runner, "scenarios", "--show", "bipolar", "--params"), "--show", "--params")


def test_scenarios_list_shows_first_sentences_only(runner):
    from neorealism.scenario import load_builtin

    res = invoke(runner, "scenarios")
    assert res.exit_code == 0
    flat = " ".join(res.stdout.replace("│", " ").split())
    assert "The early Cold War." in flat
    assert "NATO" not in flat and "Capabilities mapped" not in flat  # later sentences
    assert "--show NAME" in flat
    for name in builtin_names():
        full = " ".join(load_builtin(name).description.split())
        assert cli.first_sentence(full) == cli.first_sentence(load_builtin(name).description)
        assert full.startswith(cli.first_sentence(full))


@pytest.mark.parametrize(
    "text, first",
    [
        ("One. Two.", "One."),
        ("No full stop", "No full stop"),
        ("Waltz (1979. Ch. 8) says so. Then more.", "Waltz (1979. Ch. 8) says so."),
        ("Small states, e.g. Belgium, hide. Then more.", "Small states, e.g. Belgium, hide."),
        ("The US–China transition (K. Organski): in 2016. 10 states follow.", "The US–China transition (K. Organski): in 2016."),
        ("Ends with a question? Yes.", "Ends with a question?"),
        ("lower. case goes on. Next", "lower. case goes on."),
    ],
)
def test_first_sentence(text, first):
    assert cli.first_sentence(text) == first


def test_validate_missing_file_says_how_to_start_one(runner, tmp_path):
    one_line_error(invoke(runner, "validate", tmp_path / "my.yaml"), "file not found", "neorealism scenarios --show")


def test_run_with_set_overrides(runner, tmp_path):
    out = tmp_path / "o"
    sets = ["--set", "war.offense_defense=1.5", "--set", "params.authority.enforcement=0.9", "--set", "years=4"]
    res = invoke(runner, "run", "bipolar", "--worlds", 2, *sets, "--out", out)
    assert res.exit_code == 0, res.output
    m = ResultSet.load(out).manifest
    assert m["scenario"]["params"]["war"]["offense_defense"] == 1.5
    assert m["scenario"]["params"]["authority"]["enforcement"] == 0.9
    assert m["years"] == 4 and m["scenario"]["years"] == 4
    assert isinstance(m["scenario"]["params"]["war"]["offense_defense"], float)
    # the same overrides: the identical run is re-used
    again = invoke(runner, "run", "bipolar", "--worlds", 2, *sets, "--out", out)
    assert again.exit_code == 0 and "Re-used" in again.stdout
    # without them (or with another value) it is a different run, named
    line = one_line_error(invoke(runner, "run", "bipolar", "--worlds", 2, "--years", 4, "--out", out),
                          "already holds a result of a different run")
    assert "params.war.offense_defense 1.0 vs 1.5" in line and "params.authority.enforcement 0.0 vs 0.9" in line
    line = one_line_error(invoke(runner, "run", "bipolar", "--worlds", 2, *sets[:-4], "--set", "authority.enforcement=0.8",
                                 "--set", "years=4", "--out", out), "different run")
    assert "params.authority.enforcement 0.8 vs 0.9" in line


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize(
    "sets, needles",
    [
        (["war.offense_defense=20"], ["error: --set war.offense_defense = 20:", "allowed (0.0, 10.0]"]),
        (["authority.enforcement=1.5"], ["--set authority.enforcement = 1.5", "allowed [0.0, 1.0]"]),
        (["war.offence_defense=1.5"], ["--set war.offence_defense", "unknown field", "did you mean `offense_defense`?"]),
        (["offense_defense=1.5"], ["--set offense_defense", "did you mean `war.offense_defense`?"]),
        (["war.cost='0.5'"], ["--set war.cost = '0.5'", "not text", "allowed [0.0, 1.0]"]),
        (["war.cost=true"], ["--set war.cost", "not true", "allowed [0.0, 1.0]"]),
        (["war.cost=!!float 0.5"], ["--set war.cost", "YAML tags"]),
        (["war.cost=*x"], ["--set war.cost", "aliases"]),
        (["war.cost"], ["--set war.cost", "PATH=VALUE"]),
        (["war.cost=0.1", "params.war.cost=0.2"], ["--set params.war.cost", "more than once"]),
        (["years=0"], ["--set years = 0", "allowed [1, 10000]"]),
        (["armament.max_burden=0.01"], ["--set armament.max_burden", "must be ≥ base_burden"]),
    ],
)
def test_bad_set_is_one_line_naming_the_option(runner, tmp_path, command, sets, needles):
    args = [x for s in sets for x in ("--set", s)]
    extra = ["--out", tmp_path / "o"] if command == "run" else []
    one_line_error(invoke(runner, command, "bipolar", *args, *extra), *needles)
    assert not (tmp_path / "o").exists()


def test_set_and_option_for_the_same_setting_is_refused(runner, tmp_path):
    one_line_error(invoke(runner, "run", "bipolar", "--years", 5, "--set", "years=6", "--out", tmp_path / "o"),
                   "--years and --set years")


def test_validate_with_set(runner):
    res = invoke(runner, "validate", "bipolar", "--set", "worlds=7", "--set", "measures.gp_rule=share", "--set", "measures.gp_threshold=0.3")
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("ok: bipolar with 3 --set override(s), ") and "7 world(s)" in res.stdout
    assert "0 great power(s) at start (nonpolar)" in res.stdout  # the override is applied before measuring


# --------------------------------------------------------------------------- a new user's walkthrough (issue 13, item 12)


def test_flags_are_shown_without_a_type(runner):
    for args in (["--help"], ["run", "--help"], ["scenarios", "--help"]):
        res = invoke(runner, *args)
        assert res.exit_code == 0, res.output
        assert "<bool>" not in res.output, args
    out = invoke(runner, "run", "--help").output
    assert "--overwrite" in out and "<int>" in out  # options that take a value keep their type


def test_plain_progress_lines_when_stderr_is_not_a_terminal(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "PROGRESS_INTERVAL", 0.0)  # a line at every chunk instead of every few seconds
    res = invoke(runner, "run", "bipolar", "--worlds", 4, "--years", 3, "--chunk-size", 1, "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    lines = res.stderr.splitlines()
    assert lines and all(ln.startswith("bipolar: ") for ln in lines), res.stderr
    assert any("of 12 world-years" in ln and "elapsed" in ln for ln in lines)
    assert lines[-1] == "bipolar: all 12 world-years simulated; writing results…"
    assert "Polarity" in res.stdout


def test_progress_bar_gives_way_to_a_writing_stage():
    prog = cli._Progress("bipolar", 6, terminal=True)
    with prog:
        prog.stage("simulating")
        assert prog._bar is not None
        prog.advance(6)
        prog.stage("writing results")
        assert prog._bar is None, "no bar left standing at 100%"
        assert prog._status is not None
    assert not prog.printed  # nothing printed as plain lines on a terminal


@pytest.mark.parametrize("width", [60, 100])
def test_tables_fit_the_terminal_width(runner, tmp_path, width):
    env = {"COLUMNS": str(width)}
    listing = runner.invoke(app, ["scenarios"], env=env)
    assert listing.exit_code == 0, listing.output
    rows = [ln for ln in listing.stdout.splitlines() if ln[:1] in "┏┃┡│└"]
    assert rows and max(len(ln) for ln in rows) <= width
    res = runner.invoke(app, ["run", "bipolar", "--worlds", 2, "--years", 2, "--out", str(tmp_path / "o")], env=env)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    start = lines.index(next(ln for ln in lines if ln.startswith("Polarity")))
    table = lines[start: start + 5]  # title, header, years 0, 1, 2
    assert max(len(ln) for ln in table) <= width and "multipolar" in table[1]


@pytest.mark.parametrize("given", ["bipolr", "Bipolar", "BIPOLAR"])
def test_misspelt_scenario_name_suggests_the_builtin(runner, given):
    line = one_line_error(invoke(runner, "run", given), f"invalid scenario {given}", "did you mean bipolar?")
    assert "built-ins: bipolar" in line
    one_line_error(invoke(runner, "validate", given), "did you mean bipolar?")
    one_line_error(invoke(runner, "scenarios", "--show", given), "did you mean bipolar?")


def test_run_summary_echoes_the_overrides(runner, tmp_path):
    args = ["run", "bipolar", "--worlds", 2, "--years", 2, "--set", "war.cost=0.2", "--set", "seed=3",
            "--out", tmp_path / "o"]
    first = invoke(runner, *args)
    assert first.exit_code == 0, first.output
    assert "Overrides: --set war.cost=0.2  --set seed=3" in first.stdout.splitlines()
    again = invoke(runner, *args)  # re-used: the overrides are read back from the manifest
    assert "Re-used" in again.stdout and "Overrides: --set war.cost=0.2  --set seed=3" in again.stdout
    plain = invoke(runner, "run", "bipolar", "--worlds", 2, "--years", 2, "--out", tmp_path / "p")
    assert "Overrides" not in plain.stdout


def test_scenario_field_errors_name_their_line(runner, tmp_path):
    f = tmp_path / "bad.yaml"
    text = GOOD.replace(
        "  - {name: B, military: 5,", "  - name: B\n    military: -1.0\n    economy: 10\n  - {name: B2, military: 5,"
    ) + "params:\n  war:\n    ofense_defense: 2\n"
    f.write_text(text)
    res = invoke(runner, "validate", f)
    assert_user_error(res)
    assert "states[1] (B).military = -1.0: Input should be greater than or equal to 0 (line 5; allowed [0.0, 1e15]" in res.stderr
    assert "states[1] (B).population: required field is missing (in the mapping at line 4;" in res.stderr
    assert "params.war.ofense_defense = 2: unknown field" in res.stderr and "(line 14)" in res.stderr
    # --set errors have no line (they are not in a file)
    one_line_error(invoke(runner, "validate", "bipolar", "--set", "war.cost=2"), "--set war.cost = 2")
    assert "line" not in invoke(runner, "validate", "bipolar", "--set", "war.cost=2").stderr


def test_states_choices_are_the_engines():
    from neorealism import engine

    assert tuple(s.value for s in cli.States) == engine.STATES_RECORDED == api.STATES_RECORDED


def test_cli_imports_no_heavy_library():
    """`neorealism --help` stays fast: the CLI module loads neither the engine nor pandas & co (timing: benchmarks/cli_startup.py)."""
    import subprocess
    import sys

    heavy = ("numpy", "pandas", "scipy", "pyarrow", "duckdb", "matplotlib", "neorealism.engine", "neorealism.results")
    code = f"import sys, neorealism.cli; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == [], f"`import neorealism.cli` loads {out.stdout.strip()}"


def test_every_run_reports_the_wars_whose_initiator_expected_a_loss(runner, tmp_path):
    # the share is read from the war_start events' expected utility, so it must agree with them
    out = tmp_path / "eu"
    res = invoke(runner, "run", "multipolar", "--worlds", 20, "--years", 60, "--out", out)
    assert res.exit_code == 0, res.output
    ev = ResultSet.load(out).events
    starts = ev[ev.event == "war_start"]
    assert len(starts) > 20 and starts.expected_utility.notna().all()
    neg = int((starts.expected_utility < 0).sum())
    (line,) = [ln for ln in res.output.splitlines() if ln.startswith("Wars whose initiator expected a loss")]
    assert f"({neg:,} of {len(starts):,};" in line
