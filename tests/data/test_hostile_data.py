"""Hostile data files through the CLI: every one is one line on stderr and exit code 2, never a traceback.

The small files are in ``tests/data/hostile/`` (``<kind>-<case>.csv``; the
kind says which option takes it, see :data:`OPTION`); cases that depend on
the machine (a folder, a FIFO, a device, a broken symlink, a file over the
size limit, a refused open, too little memory) are made here in ``tmp_path``.
Each runs in-process through typer's CliRunner on ``neorealism.cli.app``,
through every command that reads that file (:data:`COMMANDS`).

Degenerate files that are *valid* (a major-power list outside the NMC
years, an NMC file whose every value is −9) give a correctly labelled
result instead; they are tested here too.
"""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from neorealism.cli import app
from neorealism.data import loaders
from neorealism.data.loaders import NMC_COMPONENTS
from neorealism.data.source import COW_DIR

HOSTILE = Path(__file__).parent / "hostile"
NMC = COW_DIR / "NMC-60-abridged.csv"

#: The option that takes each kind of file.
OPTION = {"nmc": "--nmc-path", "majors": "--majors-path", "wars": "--wars-path"}


def commands(kind: str, p: Path, tmp: Path) -> list[list[str]]:
    """Every command that reads a file of ``kind``, given ``p`` by its option."""
    o, f = OPTION[kind], str(p)
    if kind == "nmc":
        return [
            ["data", "cinc", "--year", "1816", o, f],
            ["data", "polarity", o, f, "--format", "csv"],
            ["data", "majors", "--compare", o, f, "--format", "json"],
            ["data", "wars", o, f, "--format", "csv"],
            ["scenario", "from-data", "1816", o, f, "--out", str(tmp / "s.yaml")],
            ["backtest", "--from", "1816", "--to", "1820", "--worlds", "2", o, f, "--format", "csv"],
        ]
    if kind == "majors":
        return [
            ["data", "polarity", o, f, "--format", "csv"],
            ["data", "majors", "--compare", o, f, "--format", "json"],
            ["data", "wars", o, f, "--format", "csv"],
        ]
    return [["data", "wars", o, f, "--format", "csv"]]


COMMANDS = commands


def invoke(args: list[str]):
    return CliRunner().invoke(app, args)


def assert_one_line_exit_2(r, args: list[str], option: str, path: str, words: str | None = None) -> str:
    """Exit 2; stderr one line ``error: <option> <path> …``; no traceback, no raw control character."""
    assert r.exit_code == 2, (args, r.exit_code, r.output, r.exception)
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit), r.exception
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1, (args, err)
    assert err.startswith(f"error: {option} "), (args, err)
    assert path in err, (args, err)
    assert "Traceback" not in r.output
    assert "\x1b" not in r.output and "\x00" not in r.output, (args, err)
    if words is not None:
        assert words in err, (args, err)
    return err


#: Each file of the corpus that must be refused, with words its error must contain.
REFUSED = {
    "nmc-empty.csv": "empty file",
    "nmc-blank-lines-only.csv": "empty file",
    "nmc-header-only.csv": "no data rows",
    "nmc-truncated.csv": "file truncated?",
    "nmc-too-many-fields.csv": "too many fields",
    "nmc-not-utf8.csv": "is not UTF-8 text",
    "nmc-binary.csv": "is not UTF-8 text",
    "nmc-nul-bytes.csv": "line 3",
    "nmc-huge-integer.csv": "is out of range",
    "nmc-overflow-float.csv": "is not a finite number",
    "nmc-nan-text.csv": "'nan' is not a number",
    "nmc-inf-text.csv": "'inf' is not a number",
    "nmc-negative.csv": "is negative",
    "nmc-duplicate-state-year.csv": "duplicate row for ccode=2, year=1816",
    "nmc-missing-column.csv": "missing required column(s) milex",
    "nmc-duplicate-column.csv": "duplicate column(s) milex",
    "nmc-quoted-line-break.csv": "is not an integer",
    "nmc-unclosed-quote.csv": "too few fields",
    "nmc-escape-in-value.csv": "\\x1b[2J",
    "nmc-unicode-digits.csv": "is not an integer",
    "nmc-empty-cell.csv": "is empty",
    "nmc-html-page.csv": "missing required column(s)",
    "majors-ends-before-start.csv": "the period ends before it starts (endyear 1816 < styear 1898)",
    "majors-header-only.csv": "no data rows",
    "wars-truncated.csv": "too few fields (2, the header has 6) (file truncated?)",
}


def test_every_corpus_file_is_listed():
    on_disk = {p.name for p in HOSTILE.glob("*.csv")}
    assert on_disk == set(REFUSED) | {"majors-years-out-of-range.csv"}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_corpus_file_is_one_line_and_exit_2(name, tmp_path):
    p = HOSTILE / name
    kind = name.split("-", 1)[0]
    for args in commands(kind, p, tmp_path):
        r = invoke(args)
        assert_one_line_exit_2(r, args, OPTION[kind], str(p), REFUSED[name])
        assert not (tmp_path / "s.yaml").exists()


# --------------------------------------------------------------------------- paths that are no file


def _fifo(tmp: Path) -> Path:
    p = tmp / "fifo.csv"
    os.mkfifo(p)
    return p


def _broken_link(tmp: Path) -> Path:
    p = tmp / "link.csv"
    p.symlink_to(tmp / "nowhere.csv")
    return p


def _loop_link(tmp: Path) -> Path:
    a, b = tmp / "a.csv", tmp / "b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def _folder(tmp: Path) -> Path:
    p = tmp / "folder.csv"
    p.mkdir()
    return p


def _over_limit(tmp: Path) -> Path:
    p = tmp / "huge.csv"
    with open(p, "wb") as fh:  # sparse: no disk space used
        fh.truncate(loaders.MAX_DATA_BYTES + 1)
    return p


PATHS = {
    "folder": (_folder, "is a folder"),
    "fifo": (_fifo, "not a regular file"),
    "device": (lambda tmp: Path("/dev/zero"), "not a regular file"),
    "broken symlink": (_broken_link, "file not found"),
    "symlink loop": (_loop_link, "cannot read file"),
    "over the size limit": (_over_limit, "-byte limit for one data file"),
}


@pytest.mark.parametrize("case", sorted(PATHS))
def test_paths_that_are_no_csv_file(case, tmp_path):
    make, words = PATHS[case]
    p = make(tmp_path)
    for kind in ("nmc", "majors"):
        for args in commands(kind, p, tmp_path)[:2]:
            r = invoke(args)
            shown = str(p).replace("\x00", "\\x00")
            assert_one_line_exit_2(r, args, OPTION[kind], shown, words)


def test_a_nul_character_in_a_path(tmp_path):
    """Refused by the option parser already (or by the loader, in Python): one line, exit 2."""
    p = str(tmp_path / "a\x00b.csv")
    for kind in ("nmc", "majors"):
        for args in commands(kind, Path("X"), tmp_path)[:2]:
            args = [p if a == "X" else a for a in args]
            r = invoke(args)
            assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1, r.output
            assert OPTION[kind] in r.stderr and "null byte" in r.stderr and "\x00" not in r.output
    from neorealism.data import DataSource, load_nmc
    from neorealism.data.source import DataFileError

    with pytest.raises(DataFileError, match="NUL character"):
        load_nmc(source=DataSource(nmc=p))


def test_permission_denied_names_the_option_and_the_file(tmp_path, monkeypatch):
    """As root, chmod 000 does not stop reading: the loader's open is made to refuse instead."""
    p = tmp_path / "nmc.csv"
    p.write_bytes(NMC.read_bytes())
    real_open = builtins.open

    def refusing_open(file, *a, **k):
        if Path(file) == p:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(loaders, "open", refusing_open, raising=False)
    loaders.clear_cache()
    for args in commands("nmc", p, tmp_path):
        r = invoke(args)
        assert_one_line_exit_2(r, args, "--nmc-path", str(p), "cannot read file (permission denied)")


def test_control_characters_in_a_path_are_escaped(tmp_path):
    p = tmp_path / "evil\x1b]0;owned\x07.csv"
    for args in commands("nmc", p, tmp_path)[:2]:
        r = invoke(args)
        err = assert_one_line_exit_2(r, args, "--nmc-path", "evil\\x1b]0;owned\\x07.csv", "file not found")
        assert "\x07" not in err


# --------------------------------------------------------------------------- memory


def _big_nmc(path: Path, copies: int) -> Path:
    """The shipped NMC rows ``copies`` times, each copy with its own ccodes and years (a valid file)."""
    nmc = pd.read_csv(NMC)
    parts = [nmc.assign(ccode=nmc["ccode"] + 1000 * k, year=nmc["year"] + 300 * k) for k in range(copies)]
    pd.concat(parts).to_csv(path, index=False, lineterminator="\r\n")
    return path


def test_too_little_memory_is_refused_before_reading(tmp_path, monkeypatch):
    p = _big_nmc(tmp_path / "big.csv", 4)
    need = loaders.MEMORY_BASE // 4 + loaders.MEMORY_PER_BYTE * p.stat().st_size
    monkeypatch.setattr(loaders, "available_memory", lambda: need - 1)
    loaders.clear_cache()
    for args in commands("nmc", p, tmp_path)[:2] + commands("nmc", p, tmp_path)[4:5]:
        r = invoke(args)
        assert_one_line_exit_2(r, args, "--nmc-path", str(p), "MiB of memory")


def test_out_of_memory_while_reading_or_measuring_is_one_line(tmp_path, monkeypatch):
    p = tmp_path / "nmc.csv"
    p.write_bytes(NMC.read_bytes())

    def no_memory(*a, **k):
        raise MemoryError

    loaders.clear_cache()
    with monkeypatch.context() as m:
        m.setattr(loaders, "_parse", no_memory)
        for args in commands("nmc", p, tmp_path)[:2]:
            assert_one_line_exit_2(invoke(args), args, "--nmc-path", str(p), "out of memory reading")
    loaders.clear_cache()
    from neorealism.data import history

    monkeypatch.setattr(history, "composite_index", no_memory)
    args = ["data", "polarity", "--nmc-path", str(p), "--format", "csv"]
    r = invoke(args)
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1, r.output
    assert r.stderr.startswith("error: out of memory") and str(p) in r.stderr


@pytest.mark.slow
def test_a_big_file_under_a_memory_cap_is_one_line_exit_2(tmp_path):
    """A real process capped with RLIMIT_AS: refused up front (one line, exit 2), no MemoryError traceback."""
    p = _big_nmc(tmp_path / "big.csv", 60)  # about 55 MB: reading it needs about 760 MB
    cap = 800 * 2**20  # Python, NumPy and pandas take about 400 MB of address space of it
    code = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
        from neorealism.cli import app
        sys.argv = ["neorealism", "data", "polarity", "--nmc-path", {str(p)!r}, "--format", "csv"]
        app()
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: --nmc-path "), err
    assert "Traceback" not in r.stderr and "MemoryError" not in r.stderr and r.stdout == ""


# --------------------------------------------------------------------------- valid but degenerate


def test_major_power_list_outside_the_nmc_years(tmp_path):
    p = HOSTILE / "majors-years-out-of-range.csv"
    r = invoke(["data", "polarity", "--majors-path", str(p), "--format", "csv"])
    assert r.exit_code == 0, r.output
    import io

    d = pd.read_csv(io.StringIO(r.stdout))
    assert d["cow_n_majors"].isna().all() and len(d) == 201  # COW's count: missing, not 0
    args = ["data", "majors", "--compare", "--majors-path", str(p), "--format", "json"]
    assert_one_line_exit_2(invoke(args), args, "--majors-path", str(p), "no major-power state-year falls in")


def test_major_power_list_of_one_row(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("stateabb,ccode,styear,stmonth,stday,endyear,endmonth,endday,version\nUKG,200,1816,1,1,1816,12,31,2016\n")
    r = invoke(["data", "majors", "--compare", "--majors-path", str(p), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["end"] == 1816


def _all_missing_nmc(path: Path, year: int | None = None) -> Path:
    nmc = pd.read_csv(NMC)
    sel = nmc.index if year is None else nmc.index[nmc["year"] == year]
    nmc.loc[sel, list(NMC_COMPONENTS) + ["cinc"]] = -9
    nmc.to_csv(path, index=False)
    return path


def test_all_minus_nine_is_missing_not_nonpolar_python(tmp_path):
    from neorealism.data import DataSource, cinc_table, polarity_history

    p = _all_missing_nmc(tmp_path / "nmc.csv")
    h = polarity_history(source=DataSource(nmc=p))
    assert len(h) == 201 and h.attrs["missing_years"] == list(range(1816, 2017))
    assert h["polarity"].isna().all() and h["n_great_powers"].isna().all()
    assert h["polarity_label"].isna().all() and h["leader"].isna().all()
    assert h[["con", "hhi", "leader_share"]].isna().all().all()
    assert (h["great_powers"] == "").all()
    t = cinc_table(1913, source=DataSource(nmc=p))
    assert t["cinc_recomputed"].isna().all() and t["cinc"].isna().all()
    # one year missing: that year only
    q = _all_missing_nmc(tmp_path / "nmc1913.csv", 1913)
    h1 = polarity_history(source=DataSource(nmc=q))
    assert h1.attrs["missing_years"] == [1913]
    row = h1.set_index("year").loc[1913]
    assert pd.isna(row["polarity"]) and pd.isna(row["polarity_label"]) and pd.isna(row["hhi"])
    assert h1.set_index("year").loc[1912, "polarity_label"] == "multipolar"
    assert str(h1["polarity"].dtype) == "Int64"


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_all_minus_nine_is_missing_not_nonpolar_cli(fmt, tmp_path):
    p = _all_missing_nmc(tmp_path / "nmc.csv", 1913)
    r = invoke(["data", "polarity", "--nmc-path", str(p), "--from", "1912", "--to", "1914", "--format", fmt])
    assert r.exit_code == 0, r.output
    assert "1 year(s) have no capability data" in r.stderr and "1913" in r.stderr
    if fmt == "json":
        rec = {x["year"]: x for x in json.loads(r.stdout)}
        assert rec[1913]["polarity_label"] is None and rec[1913]["hhi"] is None and rec[1913]["leader"] is None
        assert rec[1912]["polarity_label"] == "multipolar"
    elif fmt == "csv":
        import io

        d = pd.read_csv(io.StringIO(r.stdout)).set_index("year")
        assert d.loc[1913, ["polarity", "polarity_label", "con", "hhi", "leader", "leader_share"]].isna().all()
    else:
        line = next(ln for ln in r.stdout.splitlines() if "1913" in ln)
        assert "nonpolar" not in line and "USA" not in line and "0.0000" not in line
    r = invoke(["data", "cinc", "--year", "1913", "--nmc-path", str(p), "--format", fmt])
    assert r.exit_code == 0 and "CINC is missing" in r.stderr, r.output


def test_state_names_with_control_characters_are_escaped_in_tables(tmp_path):
    nmc = pd.read_csv(NMC)
    nmc.loc[nmc["stateabb"] == "UKG", "stateabb"] = "UK\x1b[31mG\x9b"
    p = tmp_path / "nmc.csv"
    nmc.to_csv(p, index=False)
    r = invoke(["data", "cinc", "--year", "1850", "--nmc-path", str(p), "--format", "table"])
    assert r.exit_code == 0, r.output
    assert "\x1b" not in r.stdout and "\x9b" not in r.stdout and "UK\\x1b[31mG\\x9b" in r.stdout
    r = invoke(["data", "polarity", "--nmc-path", str(p), "--to", "1850", "--format", "table"])
    assert r.exit_code == 0 and "\x1b" not in r.stdout and "UK\\x1b[31mG" in r.stdout
    r = invoke(["data", "cinc", "--year", "1850", "--nmc-path", str(p), "--format", "json"])
    assert "\x1b" not in r.stdout  # JSON escapes it itself


def test_degenerate_nmc_files_through_every_command(tmp_path):
    """All −9, or a single row: a labelled result (exit 0) or one line and exit 2 — never a traceback."""
    one = tmp_path / "one.csv"
    pd.read_csv(NMC).head(1).to_csv(one, index=False)
    allm = _all_missing_nmc(tmp_path / "allm.csv")
    for p in (one, allm):
        for args in commands("nmc", p, tmp_path) + [
            ["data", "wars", "--nmc-path", str(p), "--by", "con", "--format", "csv"],
            ["data", "wars", "--nmc-path", str(p), "--out", str(tmp_path / "w"), "--format", "csv"],
            ["data", "polarity", "--nmc-path", str(p), "--out", str(tmp_path / "pol"), "--format", "json"],
            ["data", "majors", "--nmc-path", str(p), "--format", "table"],
        ]:
            r = invoke(args)
            assert r.exit_code in (0, 2), (args, r.output, r.exception)
            assert "Traceback" not in r.output
            if r.exit_code == 2:
                err = r.stderr.strip()
                assert len(err.splitlines()) == 1 and err.startswith("error: --"), (args, err)
    # the scenario and the backtest have nothing to start from: one line naming the file
    for args in commands("nmc", allm, tmp_path)[4:]:
        args = [{"1816": "1913", "1820": "1920"}.get(a, a) for a in args]
        assert_one_line_exit_2(invoke(args), args, "--nmc-path", str(allm), "no capability data for")
