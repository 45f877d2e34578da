"""The data layer names its own arguments; the CLIs rename them (issue 13, item 8)."""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest

import neorealism.data
from neorealism.data import history as H
from neorealism.data.cli_scenarios import data_options
from neorealism.errors import NeorealismError, ParameterError, rename_fields

DATA_DIR = Path(neorealism.data.__file__).resolve().parent
#: The data layer: every module of neorealism.data except its command-line front ends (cli*.py).
DATA_LAYER = sorted(p for p in DATA_DIR.glob("*.py") if not p.name.startswith("cli"))

#: " --x" (or "--x" at the start) in a message: an option name.
_OPTION_IN_TEXT = re.compile(r"(?:^|[^\w-])--[A-Za-z]")
#: A string that is an option name and nothing else ("--from", as in a table of names used to build messages).
_OPTION_NAME = re.compile(r"--[A-Za-z][\w-]*")


def _options_named(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string in a raised error (or an ``…Error(…)`` call) that names an option.

    Also every string that is just an option name (``"--from"``), outside
    ``add_argument`` calls (a module's own ``python -m`` command line).
    """
    tree = ast.parse(source)
    argparse = {id(n) for c in ast.walk(tree) if isinstance(c, ast.Call) and getattr(c.func, "attr", None) == "add_argument" for n in ast.walk(c)}
    found = set()
    for node in ast.walk(tree):
        func = getattr(node, "func", None)
        name = getattr(func, "id", None) or getattr(func, "attr", None) or ""
        if isinstance(node, ast.Raise) or (isinstance(node, ast.Call) and name.endswith("Error")):
            for s in ast.walk(node):
                if isinstance(s, ast.Constant) and isinstance(s.value, str) and _OPTION_IN_TEXT.search(s.value):
                    found.add((s.lineno, s.value))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _OPTION_NAME.fullmatch(node.value):
            if id(node) not in argparse:
                found.add((node.lineno, node.value))
    return sorted(found)


def test_the_scan_finds_option_names_in_raised_messages():
    old = '''
def check(start, end):
    for opt, v in (("--from", start), ("--to", end)):
        pass
    if start > end:
        raise ParameterError(f"--from {start} is after --to {end}")
    raise ValueError(f"bad value; see `neorealism data wars --by era`")
'''
    texts = [t for _, t in _options_named(old)]
    assert "--from" in texts and "--to" in texts and "--from " in texts and " is after --to " in texts
    assert any("--by era" in t for t in texts)
    ok = '''
def check(start):
    ax.plot([], ls="--")
    ap.add_argument("--check", action="store_true")
    raise ParameterError(f"start = {start}: allowed 1816–2016", field="start")
'''
    assert _options_named(ok) == []


@pytest.mark.parametrize("path", DATA_LAYER, ids=lambda p: p.name)
def test_the_data_layer_names_no_cli_option_in_its_errors(path):
    """Options are the CLI's (data/cli*.py): the data layer's errors name its arguments instead."""
    assert DATA_LAYER and {"history.py", "backtest.py", "scenarios_from_data.py"} <= {p.name for p in DATA_LAYER}
    assert _options_named(path.read_text(encoding="utf-8")) == [], f"{path.name} names a CLI option in an error"


# --------------------------------------------------------------------------- the helper


def test_parameter_error_fields_and_naming():
    e = ParameterError("start = 1700: allowed 1816–2016 (the data's years)", field="start")
    assert isinstance(e, NeorealismError) and isinstance(e, ValueError)
    assert e.field == "start" and e.fields == ("start",)
    assert str(e) == "start = 1700: allowed 1816–2016 (the data's years)"  # the domain's message is unchanged
    assert e.naming({"start": "--from"}) == "--from 1700: allowed 1816–2016 (the data's years)"
    assert rename_fields(e, {"start": "--from"}) == e.naming({"start": "--from"})
    assert e.naming({}) == str(e) and e.naming({"end": "--to"}) == str(e)
    # a new name that is not an option keeps " = "
    assert e.naming({"start": "first"}) == "first = 1700: allowed 1816–2016 (the data's years)"
    # every name in fields, and only whole names
    two = ParameterError("start = 1900 is after end = 1850", field="start", also=("end",))
    assert two.fields == ("start", "end")
    assert two.naming({"start": "--from", "end": "--to"}) == "--from 1900 is after --to 1850"
    word = ParameterError("rule must be one of default, leader, got 'rule' (rules: k_rule, --rule)", field="rule")
    assert word.naming({"rule": "--rule"}) == "--rule must be one of default, leader, got 'rule' (rules: k_rule, --rule)"
    k = ParameterError("k_enter must be an integer ≥ 1, got 0", field="k_enter")
    assert k.naming({"k_enter": "--k-enter", "k": "--k"}) == "--k-enter must be an integer ≥ 1, got 0"
    # names not declared as fields are never touched
    prose = ParameterError("minors = 99: allowed 0–5 (the states after the top 5)", field="minors")
    assert prose.naming({"minors": "--minors", "top": "--top"}) == "--minors 99: allowed 0–5 (the states after the top 5)"


def test_rename_fields_leaves_other_errors_alone():
    assert rename_fields(ValueError("start = 1"), {"start": "--from"}) == "start = 1"
    plain = ParameterError("start = 1: no field given")
    assert plain.field is None and plain.fields == ()
    assert rename_fields(plain, {"start": "--from"}) == "start = 1: no field given"


def test_parameter_error_pickles_with_its_fields():
    e = pickle.loads(pickle.dumps(ParameterError("end = 3 is after start = 1", field="end", also=("start",))))
    assert e.fields == ("end", "start") and e.naming({"end": "--to", "start": "--from"}) == "--to 3 is after --from 1"


def test_the_domain_message_has_no_option_and_the_cli_translation_has():
    """One error, two readers: the Python API sees ``start``, the CLI's handler ``--from``."""
    with pytest.raises(ParameterError) as exc:
        H.polarity_history(start=1700)
    assert str(exc.value).startswith("start = 1700: allowed 1816–") and "--" not in str(exc.value)
    with pytest.raises(ParameterError) as cli:
        with data_options(None, {"start": "--from", "end": "--to"}):
            H.polarity_history(start=1700)
    assert str(cli.value).startswith("--from 1700: allowed 1816–") and "\n" not in str(cli.value)


def test_data_options_passes_unnamed_errors_unchanged():
    err = ParameterError("top = 1: allowed 2–75", field="top")
    with pytest.raises(ParameterError) as exc:
        with data_options(None, {"start": "--from"}):
            raise err
    assert exc.value is err  # not re-raised: its fields stay for a handler further out
