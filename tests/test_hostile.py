"""Hostile input never gets past one clear line: exit 2, no traceback, nothing raw reaches the terminal.

Every case of ``tests/hostile/cases.jsonl`` (scenario files, generated
files, ``--set`` values; see ``tests/hostile/README.md``) runs through the
command line in-process; plus the error handler's own cases: OS errors name
the path and exit 2, a MemoryError is one line naming what to lower (also
for real, under an address-space limit, in a subprocess), and names with
escape codes are escaped wherever they are printed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_lines import error_lines
from typer.testing import CliRunner

from neorealism import api
from neorealism.cli import app

HERE = Path(__file__).parent / "hostile"
CASES: list[dict[str, Any]] = [json.loads(line) for line in (HERE / "cases.jsonl").read_text().splitlines() if line]

#: What must never reach the terminal raw: C0 controls but the newline, DEL, C1, line separators, bidi controls.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _case_id(c: dict[str, Any]) -> str:
    if "file" in c:
        return c["file"]
    if "generate" in c:
        return f"generated-{c['generate']}"
    return "set-" + re.sub(r"[^A-Za-z0-9.=_-]", "?", " ".join(c["set"]))[:40]


def _scenario_arg(case: dict[str, Any], tmp_path: Path) -> str:
    if "file" in case:
        return str(HERE / case["file"])
    kind = case["generate"]
    p = tmp_path / f"{kind}.yaml"
    if kind == "3mb":
        good = (HERE / "base60-seed.yaml").read_text().replace("seed: 1:30\n", "")
        p.write_text(good + "description: >\n" + ("  " + "x" * 98 + "\n") * 30_000, encoding="utf-8")
        assert p.stat().st_size > 3_000_000
    elif kind == "directory":
        p.mkdir()
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(p)
    elif kind != "missing":
        raise AssertionError(kind)
    return str(p)


def assert_one_clean_line(res: Any, expect: list[str]) -> str:
    """Exit 2, exactly one line on stderr holding every expected phrase, no traceback, no raw control character.

    A long run may print progress lines (``name: 49% (…)``, every few seconds) before it fails: they
    are progress, not part of the error, and are left out of the count."""
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    err = res.stderr
    lines = error_lines(err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in res.output and "Traceback" not in err
    assert not RAW_CONTROL.search(res.stdout + err), repr(err)
    for needle in expect:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=pytest.mark.slow) if c.get("slow") else c for c in CASES],
    ids=[_case_id(c) for c in CASES],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_hostile_input_is_refused_in_one_clean_line(case, command, tmp_path, monkeypatch):
    if command not in case.get("commands", ["validate", "run"]):
        pytest.skip(f"a {'/'.join(case['commands'])}-time case")
    monkeypatch.chdir(tmp_path)
    if "set" in case:
        args = [command, "bipolar", *(a for s in case["set"] for a in ("--set", s))]
    else:
        args = [command, _scenario_arg(case, tmp_path)]
    if command == "run":
        args += ["--out", str(tmp_path / "out")]
    res = CliRunner().invoke(app, args)
    assert_one_clean_line(res, case["expect"])
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_the_corpus_covers_the_issue():
    ids = {_case_id(c) for c in CASES}
    for needed in ("escape-name.yaml", "huge-capability.yaml", "base60-seed.yaml", "hex-value.yaml",
                   "huge-integer.yaml", "deep-nesting.yaml", "duplicate-key.yaml", "tag-python.yaml",
                   "alias.yaml", "tabs.yaml", "non-utf8.yaml", "empty.yaml", "generated-directory",
                   "generated-3mb"):
        assert needed in ids, needed
    assert any("set" in c and any("0x" in s for s in c["set"]) for c in CASES)
    for c in CASES:
        assert c["expect"], c
        if "file" in c:
            assert (HERE / c["file"]).is_file(), c["file"]


# --------------------------------------------------------------------------- text from files is escaped


ESCAPED_DESCRIPTION = """\
name: fine
description: "clears the screen \\e[2J and sets the title \\e]0;pwned\\a"
source: "\\e[31mred"
states:
  - {name: A, military: 10, economy: 20, population: 5, resources: 3, technology: 1, position: [0, 0]}
  - {name: B, military: 5, economy: 10, population: 5, resources: 3, technology: 1, position: [1, 0]}
"""


def test_a_description_may_hold_escape_codes_but_they_never_print_raw(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "d.yaml"
    f.write_text(ESCAPED_DESCRIPTION, encoding="utf-8")
    sc = api.load(str(f))
    assert "\x1b[2J" in sc.description  # kept as written (escaped on output, not refused)
    for args in (["validate", str(f)], ["run", str(f), "--worlds", "1", "--years", "2", "--out", "o"]):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        assert not RAW_CONTROL.search(res.stdout + res.stderr), repr(res.output)


def test_safe_text_escapes_every_control_character():
    from neorealism.formatting import safe_text

    assert safe_text("\x1b]0;pwned\x07\x1b[2J") == "\\x1b]0;pwned\\x07\\x1b[2J"
    assert safe_text("a\nb\tc\r") == "a\\nb\\tc\\r"
    assert safe_text("a\nb", lines=True) == "a\nb"
    assert safe_text("\x9b\x7f\u202e\u2028") == "\\x9b\\x7f\\u202e\\u2028"
    assert safe_text("Côte d’Ivoire, 中国, ü") == "Côte d’Ivoire, 中国, ü"  # printable text is untouched
    for c in [*map(chr, range(0x3000)), *map(chr, range(0x2066, 0x206A))]:
        assert not RAW_CONTROL.search(safe_text(c)), repr(c)


def test_the_run_summary_escapes_names(tmp_path):
    from neorealism.cli import _print_summary

    s = {"name": "x\x1b[2J", "n_worlds": 1, "n_years": 1, "n_states": 2, "seed": 0, "years": None,
         "overrides": {"war.cost": "\x1b]0;t\x07"}}
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        _print_summary(s, tmp_path / "o\x1b[1m")
    out = buf.getvalue()
    assert not RAW_CONTROL.search(out.replace("\n", "")), repr(out)
    assert "x\\x1b[2J" in out and "\\x1b]0;t\\x07" in out


# --------------------------------------------------------------------------- OS errors and memory


def _invoke_raising(monkeypatch, exc: BaseException, args: list[str] | None = None) -> Any:
    def boom(*a: Any, **k: Any) -> Any:
        raise exc

    monkeypatch.setattr(api, "run_to_dir", boom)
    return CliRunner().invoke(app, args or ["run", "bipolar", "--worlds", "1", "--years", "2"])


def test_an_os_error_is_one_line_naming_the_path_and_exits_2(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    res = _invoke_raising(monkeypatch, PermissionError(13, "Permission denied", "results/my-run"))
    line = assert_one_clean_line(res, ["Permission denied", "results/my-run"])
    assert line == "error: Permission denied: results/my-run"
    res = _invoke_raising(monkeypatch, OSError(28, "No space left on device"))
    assert_one_clean_line(res, ["No space left on device"])
    res = _invoke_raising(monkeypatch, FileExistsError(17, "File exists", "a\x1b[2J", None, "b"))
    assert_one_clean_line(res, ["File exists: a\\x1b[2J -> b"])


def test_a_memory_error_is_one_line_naming_what_to_lower(monkeypatch, tmp_path):
    import numpy as np

    monkeypatch.chdir(tmp_path)
    try:
        np.empty(10**15)
    except MemoryError as exc:  # numpy's own (with the size asked for)
        numpy_error = exc
    else:  # pragma: no cover - a machine with 8 PB
        pytest.skip("the allocation succeeded")
    res = _invoke_raising(monkeypatch, numpy_error)
    line = assert_one_clean_line(res, ["not enough memory for this `run` command", "--chunk-size", "--worlds",
                                       "--states ends", "PiB could not be allocated"])
    assert "Unable" not in line
    res = _invoke_raising(monkeypatch, MemoryError())
    assert_one_clean_line(res, ["not enough memory", "--chunk-size"])


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS as on Linux")
def test_a_run_beyond_an_address_space_limit_ends_in_one_line(tmp_path):
    """Issue #14: a 400-state run under a 1.2 GB memory cap ended in a MemoryError traceback."""
    import resource

    from neorealism.synthetic import synthetic_scenario

    f = tmp_path / "big.yaml"
    f.write_text(synthetic_scenario(400, seed=1, name="big400").to_yaml(), encoding="utf-8")
    limit = 1200 * 2**20

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    p = subprocess.run(
        [sys.executable, "-m", "neorealism", "run", str(f), "--worlds", "200", "--years", "100", "--out",
         str(tmp_path / "out")],
        preexec_fn=cap, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert "Traceback" not in p.stderr, p.stderr[-3000:]
    assert p.returncode == 2, (p.returncode, p.stderr[-3000:])
    last = p.stderr.rstrip("\n").split("\n")[-1]
    assert last.startswith("error: not enough memory for this `run` command") and "--chunk-size" in last, p.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize(
    "args, expect",
    [
        (["run", "bipolar", "--worlds", "\x1b[2J"], ["--worlds", "valid integer"]),
        (["run", "\x1b]0;pwned\x07"], ["\\x1b]0;pwned\\x07", "neither a built-in scenario"]),
        (["validate", "no-such-\x1b[2J.yaml"], ["no-such-\\x1b[2J.yaml", "file not found"]),
        (["run", "bipolar", "--states", "\u202eall"], ["--states", "\\u202eall"]),
    ],
)
def test_options_and_arguments_are_echoed_escaped(args, expect, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_one_clean_line(CliRunner().invoke(app, args), expect)
