"""Fixtures for the real-data tests: edited copies of the shipped files, written in tmp_path.

Also marks the long tests of this folder ``slow`` (see :data:`SLOW`), so that
``python -m pytest -q -m "not slow"`` (the fast subset) leaves them out.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from neorealism.data.loaders import COW_DIR

NMC = COW_DIR / "NMC-60-abridged.csv"

#: Tests of this folder that take more than about 1 s on their own, by file and function
#: (every parametrisation), with the time each took alone on the idle 2-core machine.  They
#: are marked ``slow`` here rather than in their files; a test can also carry
#: ``@pytest.mark.slow`` itself (test_majors.py's split validation and documented figures).
SLOW = {
    ("test_cli_data.py", "test_every_command_in_every_format"): "5.0 s: 27 CLI calls over the whole data",
    ("test_cli_data.py", "test_bad_files_give_one_line_and_exit_2"): "2.9 s: every bad file through four commands",
    ("test_cli_data.py", "test_out_convention_is_the_same_for_polarity_wars_and_backtest"): "0.9-1.8 s each: four runs per command",
    ("test_cli_data.py", "test_readme_tour_data_lines_run"): "1.3 s: every data line of the README",
    ("test_cli_data.py", "test_measured_polarity_tables_carry_a_note_on_stderr"): "1.2 s: polarity and wars over all years",
    ("test_loaders.py", "test_negative_capability_is_an_error_but_minus_nine_is_missing"): "1.4 s: three edited NMC files parsed",
    ("test_backtest.py", "test_cli_backtest"): "1.0 s: three backtests through the CLI",
    ("test_backtest.py", "test_documented_results_are_what_the_backtest_computes"): "1.0 s: three 200-world backtests",
    ("test_scenarios_from_data.py", "test_cli_from_data_reads_files_by_path"): "1.0 s: four from-data runs on an edited NMC",
}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    modules = {}
    for item in items:
        if item.path.parent != here:
            continue
        modules[item.path.name] = getattr(item, "module", None)
        if (item.path.name, getattr(item, "originalname", item.name)) in SLOW:
            item.add_marker(pytest.mark.slow)
    for file, name in SLOW:  # a renamed test would silently join the fast subset
        if file in modules and modules[file] is not None and not hasattr(modules[file], name):
            warnings.warn(pytest.PytestWarning(f"tests/data/conftest.py: SLOW names {file}::{name}, which does not exist"), stacklevel=1)


@pytest.fixture(scope="session")
def split_validation():
    """``majors.split_validation()`` computed once (about 7 s) for every test that reads it."""
    from neorealism.data import majors

    return majors.split_validation()


def edited_copy(
    src: Path, dst: Path, edit: Callable[[dict[str, str]], dict[str, str] | None] | None = None,
    extra: Callable[[list[dict[str, str]]], list[dict[str, str]]] | None = None,
) -> Path:
    """Copy a shipped CSV, keeping its header and line ends; ``edit`` changes (or, returning None, drops) a row.

    ``extra`` gets the edited rows and returns rows to append.
    """
    raw = src.read_bytes().decode("utf-8")
    eol = "\r\n" if "\r\n" in raw else "\n"
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    header = list(rows[0])
    out = []
    for r in rows:
        e = edit(dict(r)) if edit is not None else r
        if e is not None:
            out.append(e)
    if extra is not None:
        out += extra(out)
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=header, lineterminator=eol)
    w.writeheader()
    w.writerows(out)
    dst.write_bytes(buf.getvalue().encode("utf-8"))
    return dst


@pytest.fixture(scope="session")
def nmc_2017(tmp_path_factory) -> Path:
    """A "newer NMC release": the shipped v6.0 (1816–2016) plus a year 2017 equal to 2016, same columns."""

    def year_2017(rows):
        return [{**r, "year": "2017"} for r in rows if r["year"] == "2016"]

    return edited_copy(NMC, tmp_path_factory.mktemp("nmc") / "NMC-newer.csv", extra=year_2017)


@pytest.fixture
def csv_copy(tmp_path) -> Callable[..., Path]:
    """``csv_copy(shipped_path, name, edit=None, extra=None)``: an edited copy in tmp_path (see :func:`edited_copy`)."""

    def make(src: Path, name: str, edit=None, extra=None) -> Path:
        return edited_copy(src, tmp_path / name, edit, extra)

    return make
