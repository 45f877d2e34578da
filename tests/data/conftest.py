"""Fixtures for the real-data tests: edited copies of the shipped files, written in tmp_path."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from neorealism.data.loaders import COW_DIR

NMC = COW_DIR / "NMC-60-abridged.csv"


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
