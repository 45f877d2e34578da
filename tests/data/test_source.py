"""One data-source object (issue 13, item 8): DataSource names the files; errors name the data, the CLI the option."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from neorealism.data import loaders as L
from neorealism.data.source import FILES, DataFileError, DataSource, file_label, shipped_path
from neorealism.errors import DataError, ParameterError

NMC = L.COW_DIR / "NMC-60-abridged.csv"
MAJORS_HEADER = "stateabb,ccode,styear,stmonth,stday,endyear,endmonth,endday,version\n"


# --------------------------------------------------------------------------- the object


def test_default_is_every_shipped_file():
    d = DataSource.default()
    assert d == DataSource() and d.overrides() == {}
    assert d.path("nmc") == NMC and d.path("nmc", "7.0") == L.COW_DIR / "NMC-70-abridged.csv"
    assert d.path("majors") == L.COW_DIR / "majors2016.csv"
    assert d.path("democracy") == L.DEMOCRACY_DIR / "ccode_democracy.csv"
    # every kind a source names is a shipped file that exists
    assert DataSource.kinds() == tuple(FILES)
    for kind in DataSource.kinds():
        assert d.is_shipped(kind) and d.path(kind).is_file(), kind
        assert shipped_path(kind) == d.path(kind)


def test_override_replace_and_labels(tmp_path):
    p = tmp_path / "nmc.csv"
    s = DataSource(nmc=str(p))
    assert s.nmc == p and isinstance(s.nmc, Path)  # str becomes Path
    assert s.path("nmc") == p and s.path("nmc", "7.0") == p  # a given file wins over the version
    assert not s.is_shipped("nmc") and s.is_shipped("majors")
    m = tmp_path / "majors.csv"
    t = s.replace(majors=m)
    assert t.overrides() == {"nmc": p, "majors": m} and s.overrides() == {"nmc": p}  # frozen: s unchanged
    assert t.replace(nmc=None).overrides() == {"majors": m}
    assert hash(t) == hash(DataSource(nmc=p, majors=m)) and t == DataSource(nmc=p, majors=m)
    assert "nmc=" in repr(t) and "majors=" in repr(t) and "capitals" not in repr(t)
    assert file_label("nmc") == DataSource.label("nmc") == "COW NMC file"
    assert file_label("majors") == "COW major-power list"
    with pytest.raises(ParameterError, match="unknown data file.*'nmc_path'"):
        s.replace(nmc_path=p)
    with pytest.raises(ParameterError, match=r"DataSource.majors \(COW major-power list\) must be a file path"):
        DataSource(majors=3)
    with pytest.raises(TypeError):
        DataSource(p)  # keyword-only: which file is it?
    with pytest.raises(AttributeError):
        s.nmc = None  # type: ignore[misc]


def test_a_path_where_a_source_is_expected_is_a_clear_error(tmp_path):
    with pytest.raises(ParameterError, match="source must be a neorealism.data.DataSource"):
        L.load_nmc("6.0", str(NMC))  # the old positional path


# --------------------------------------------------------------------------- what the functions read


def _nmc_with_usa_milex(dst: Path, year: str, factor: float) -> Path:
    lines = NMC.read_bytes().decode().split("\r\n")
    header = lines[0].split(",")
    ci, yi, mi = header.index("ccode"), header.index("year"), header.index("milex")
    for k, ln in enumerate(lines[1:], start=1):
        f = ln.split(",")
        if len(f) == len(header) and f[ci] == "2" and f[yi] == year:
            f[mi] = str(int(float(f[mi]) * factor))
            lines[k] = ",".join(f)
    dst.write_bytes("\r\n".join(lines).encode())
    return dst


def test_the_functions_read_the_users_copy(tmp_path):
    from neorealism.data.cinc import cinc_table
    from neorealism.data.history import polarity_history

    p = _nmc_with_usa_milex(tmp_path / "my-nmc.csv", "1950", 100.0)
    src = DataSource(nmc=p)
    shipped = L.load_nmc()
    mine = L.load_nmc(source=src)
    sel = (mine["ccode"] == 2) & (mine["year"] == 1950)
    assert float(mine.loc[sel, "milex"].iloc[0]) == pytest.approx(100 * float(shipped.loc[sel, "milex"].iloc[0]), rel=1e-6)
    # the recomputed CINC and the polarity history follow the file
    t0, t1 = cinc_table(1950), cinc_table(1950, source=src)
    usa0 = t0.loc[t0["stateabb"] == "USA", "cinc_recomputed"].iloc[0]
    usa1 = t1.loc[t1["stateabb"] == "USA", "cinc_recomputed"].iloc[0]
    assert usa1 > usa0 + 0.05
    h0 = polarity_history(start=1950, end=1950).iloc[0]
    h1 = polarity_history(start=1950, end=1950, source=src).iloc[0]
    assert h1["leader"] == "USA" and h1["leader_share"] > h0["leader_share"] + 0.05
    # the other files of that source are still the shipped ones: COW's count of major powers is unchanged
    assert h1["cow_n_majors"] == h0["cow_n_majors"] == 5
    m = tmp_path / "majors.csv"
    m.write_text(MAJORS_HEADER + "USA,2,1816,1,1,2016,12,31,2016\n")
    h2 = polarity_history(start=1950, end=1950, source=src.replace(majors=m)).iloc[0]
    assert h2["cow_n_majors"] == 1 and h2["leader_share"] == pytest.approx(h1["leader_share"])


def test_loaded_tables_are_cached_per_file_and_an_edited_file_is_read_again(tmp_path):
    p = tmp_path / "majors.csv"
    p.write_text(MAJORS_HEADER + "USA,2,1816,1,1,2016,12,31,2016\n")
    src = DataSource(majors=p)
    assert len(L.load_majors(src)) == 1
    hits = L._cached.cache_info().hits
    assert len(L.load_majors(DataSource(majors=p))) == 1  # an equal source: the cached table
    assert L._cached.cache_info().hits == hits + 1
    p.write_text(MAJORS_HEADER + "USA,2,1816,1,1,2016,12,31,2016\nUKG,200,1816,1,1,2016,12,31,2016\n")
    assert len(L.load_majors(src)) == 2  # size and mtime are part of the key


# --------------------------------------------------------------------------- errors name the data


@pytest.mark.parametrize(
    ("kind", "load"),
    [
        ("nmc", lambda s: L.load_nmc(source=s)),
        ("majors", lambda s: L.load_majors(s)),
        ("wars", lambda s: L.load_wars(s)),
        ("capitals", lambda s: L.load_capitals(s)),
        ("alliances", lambda s: L.load_alliances(s)),
        ("democracy", lambda s: L.load_democracy(s)),
        ("states", lambda s: L.load_states(s)),
        ("midb", lambda s: L.load_mids("B", s)),
    ],
)
def test_an_error_in_a_users_file_names_the_data_and_the_file_not_an_option(tmp_path, kind, load):
    bad = tmp_path / f"bad-{kind}.csv"
    bad.write_text("ccode,nothing\n2,x\n")
    with pytest.raises(DataFileError) as ei:
        load(DataSource(**{kind: bad}))
    exc = ei.value
    assert isinstance(exc, DataError) and exc.kind == kind and exc.path == bad
    msg = str(exc)
    assert msg.startswith(f"{file_label(kind)} {bad}: missing required column(s) "), msg
    assert "--" not in msg and "path" not in msg.replace(str(bad), "")
    assert len(msg.splitlines()) == 1


def test_a_bad_cell_names_line_and_column_after_the_data(tmp_path):
    lines = NMC.read_bytes().decode().split("\r\n")
    f = lines[3].split(",")
    f[3] = "-5"  # milex, column 4, line 4
    lines[3] = ",".join(f)
    p = tmp_path / "x.csv"
    p.write_bytes("\r\n".join(lines).encode())
    with pytest.raises(DataFileError) as ei:
        L.load_nmc(source=DataSource(nmc=p))
    assert str(ei.value).startswith(f"COW NMC file {p}, line 4, column 4 (milex): '-5' is negative")
    assert ei.value.where == ", line 4, column 4 (milex)"
    assert ei.value.naming("--nmc-path").startswith(f"--nmc-path {p} (COW NMC file), line 4, column 4 (milex): '-5'")
    missing = tmp_path / "none.csv"
    with pytest.raises(DataFileError, match=rf"^COW major-power list {missing}: file not found$"):
        L.load_majors(DataSource(majors=missing))


def test_a_war_without_a_start_year_names_the_war_file(csv_copy):
    from neorealism.data.wars import war_onsets

    p = csv_copy(L.COW_DIR / "Inter-StateWarData_v4.0.csv", "w.csv", lambda r: {**r, "StartYear1": "-9"} if r["WarNum"] == "1" else r)
    with pytest.raises(DataFileError) as ei:
        war_onsets(DataSource(wars=p))
    assert ei.value.kind == "wars"
    assert str(ei.value).startswith(f"COW inter-state war participant file {p}: war 1 has a participant with no StartYear1")


def test_data_options_names_only_files_the_user_gave(tmp_path):
    from neorealism.data.cli_scenarios import DATA_OPTIONS, data_options

    p = tmp_path / "n.csv"
    err = DataFileError("nmc", p, "broken", ", line 2")
    with pytest.raises(DataError) as ei, data_options(DataSource(nmc=p)):
        raise err
    assert str(ei.value) == f"--nmc-path {p} (COW NMC file), line 2: broken"
    # a shipped file that is broken was given by no option: the message is left as it is
    with pytest.raises(DataFileError) as ei, data_options(DataSource(majors=p)):
        raise err
    assert ei.value is err
    assert set(DATA_OPTIONS) <= set(DataSource.kinds())


# --------------------------------------------------------------------------- the CLI names the option


def _cli():
    from typer.testing import CliRunner

    from neorealism.cli import app

    return CliRunner(), app


def _one_line_error(r, *needles: str) -> str:
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def test_cli_names_the_option_that_gave_a_bad_file(tmp_path):
    runner, app = _cli()
    bad = tmp_path / "bad.csv"
    bad.write_text("ccode,year\n2,1950\n")
    cases = [
        (["data", "cinc", "--year", "1950", "--nmc-path", str(bad)], "--nmc-path", "COW NMC file"),
        (["data", "cinc", "--year", "1950", "--path", str(bad)], "--nmc-path", "COW NMC file"),
        (["data", "polarity", "--majors-path", str(bad)], "--majors-path", "COW major-power list"),
        (["data", "majors", "--compare", "--majors-path", str(bad)], "--majors-path", "COW major-power list"),
        (["data", "wars", "--wars-path", str(bad)], "--wars-path", "COW inter-state war participant file"),
        (["scenario", "from-data", "1950", "--out", str(tmp_path / "s.yaml"), "--capitals-path", str(bad)],
         "--capitals-path", "capitals file"),
        (["scenario", "from-data", "1950", "--out", str(tmp_path / "s.yaml"), "--democracy-path", str(bad)],
         "--democracy-path", "democracy"),
    ]
    for args, option, label in cases:
        line = _one_line_error(runner.invoke(app, [*args, "--format", "csv"]), option, label, str(bad), "missing required column")
        assert line.startswith(f"error: {option} {bad} ({label}"), line
    assert not (tmp_path / "s.yaml").exists()


def test_cli_names_the_option_for_a_domain_error_about_the_file(csv_copy):
    runner, app = _cli()
    p = csv_copy(L.COW_DIR / "Inter-StateWarData_v4.0.csv", "w.csv", lambda r: {**r, "StartYear1": "-9"} if r["WarNum"] == "1" else r)
    line = _one_line_error(runner.invoke(app, ["data", "wars", "--wars-path", str(p), "--format", "csv"]), "StartYear1")
    assert line.startswith(f"error: --wars-path {p} (COW inter-state war participant file): war 1 ")


# --------------------------------------------------------------------------- import-light CLI modules


def test_cli_modules_do_not_import_the_heavy_libraries():
    code = (
        "import sys, neorealism.data, neorealism.data.cli, neorealism.data.cli_scenarios, neorealism.data.source; "
        "print(','.join(m for m in ('pandas', 'numpy', 'matplotlib', 'scipy', 'pyarrow', 'duckdb', "
        "'neorealism.data.loaders', 'neorealism.data.scenarios_from_data') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", out.stdout
