"""``neorealism data …`` through typer's CliRunner."""

from __future__ import annotations

import io
import json

import pandas as pd
from typer.testing import CliRunner

from neorealism.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["data", *args])


def test_cinc_csv():
    r = run("cinc", "--year", "1950", "--format", "csv")
    assert r.exit_code == 0, r.output
    d = pd.read_csv(io.StringIO(r.stdout))
    assert {"ccode", "stateabb", "cinc", "cinc_recomputed", "diff"} <= set(d.columns)
    assert list(d["stateabb"].iloc[:2]) == ["USA", "RUS"]
    assert d["diff"].abs().max() <= 1e-6


def test_default_format_is_csv_when_not_a_terminal():
    r = run("cinc", "--year", "1900")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0].startswith("ccode,stateabb,cinc")


def test_cinc_year_out_of_range():
    r = run("cinc", "--year", "1700", "--format", "csv")
    assert r.exit_code == 2
    assert "--year" in r.stderr and "1816–2016" in r.stderr
    assert "Traceback" not in r.output
    r7 = run("cinc", "--year", "2020", "--nmc", "7.0")
    assert r7.exit_code == 0


def test_bad_format_and_nmc():
    assert run("cinc", "--year", "1950", "--format", "xml").exit_code == 2
    r = run("cinc", "--year", "1950", "--nmc", "9.0")
    assert r.exit_code == 2 and "--nmc" in r.stderr


def test_polarity_writes_files(tmp_path):
    r = run("polarity", "--from", "1816", "--to", "2016", "--out", str(tmp_path), "--format", "csv")
    assert r.exit_code == 0, r.output
    d = pd.read_csv(io.StringIO(r.stdout))
    assert len(d) == 201
    f = pd.read_csv(tmp_path / "polarity.csv")
    assert len(f) == 201 and f["year"].iloc[0] == 1816
    assert (tmp_path / "polarity.png").read_bytes()[:4] == b"\x89PNG"


def test_polarity_quiet_json_and_range(tmp_path):
    r = run("polarity", "--from", "1900", "--to", "1910", "--quiet", "--out", str(tmp_path / "o"))
    assert r.exit_code == 0 and r.stdout == ""
    r = run("polarity", "--from", "1990", "--to", "1999", "--format", "json")
    assert r.exit_code == 0
    assert len(json.loads(r.stdout)) == 10
    r = run("polarity", "--from", "1800", "--to", "2016")
    assert r.exit_code == 2 and "--from" in r.stderr
    r = run("polarity", "--to", "2022")
    assert r.exit_code == 2 and "--to" in r.stderr


def test_majors_compare_json():
    r = run("majors", "--compare", "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert 0 <= d["agreement"] <= 1
    assert 0 <= d["precision"] <= 1 and 0 <= d["recall"] <= 1
    assert len(d["per_year"]) == 201
    assert {"year", "stateabb", "kind"} <= set(d["differences"][0])
    b = json.loads(run("majors", "--compare", "--rule", "baseline", "--format", "json").stdout)
    assert abs(b["agreement"] - 0.79) <= 0.02
    assert d["agreement"] > b["agreement"]


def test_majors_compare_csv_and_options():
    r = run("majors", "--compare", "--format", "csv", "--k-enter", "1", "--k-exit", "1")
    assert r.exit_code == 0
    d = pd.read_csv(io.StringIO(r.stdout))
    assert d["year"].iloc[0] == "all" and len(d) == 202
    r = run("majors", "--compare", "--weights", "1,2")
    assert r.exit_code == 2 and "--weights" in r.stderr
    r = run("majors", "--rule", "nope")
    assert r.exit_code == 2


def test_majors_list():
    r = run("majors", "--format", "csv", "--from", "1950", "--to", "1950")
    assert r.exit_code == 0
    d = pd.read_csv(io.StringIO(r.stdout))
    assert len(d) == 1 and "USA" in d["great_powers"].iloc[0]


def test_wars(tmp_path):
    r = run("wars", "--by", "con", "--format", "csv", "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    d = pd.read_csv(io.StringIO(r.stdout))
    assert list(d["era"]) == ["low", "middle", "high"] and d["wars"].sum() == 95
    assert (tmp_path / "wars.png").exists() and (tmp_path / "wars_by_con.csv").exists()
    r = run("wars", "--by", "decade")
    assert r.exit_code == 2 and "--by" in r.stderr
    r = run("wars", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["era"]


def test_cite_and_files():
    for args in (["--cite"], ["cite"]):
        r = run(*args)
        assert r.exit_code == 0
        assert "Singer" in r.stdout and "Sarkees" in r.stdout and "Gibler" in r.stdout
    r = run("files", "--format", "json")
    assert r.exit_code == 0
    files = {f["file"]: f for f in json.loads(r.stdout)}
    assert files["cow/NMC-60-abridged.csv"]["rows"] == 15951
    assert files["cow/NMC-60-abridged.csv"]["sha256"] == "cd8465ea476da51d"  # PROVENANCE
    assert files["cow/majors2016.csv"]["sha256"] == "5ac2f4d11e2105e1"


def test_bad_file_by_path_is_one_line_error(tmp_path):
    p = tmp_path / "nmc.csv"
    p.write_text("stateabb,ccode,year\nUSA,2,1816\n")
    r = run("cinc", "--year", "1816", "--path", str(p))
    assert r.exit_code == 2
    assert "nmc.csv" in r.stderr and "missing required column" in r.stderr
    assert "Traceback" not in r.output


def test_cite_takes_every_format_and_covers_every_shipped_file():
    res = run("cite", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    keys = {r["key"] for r in rows}
    # what COW asks for: NMC (Singer, Bremer & Stuckey 1972; Singer 1987), wars, MIDs, contiguity, alliances
    assert {"SingerBremerStuckey1972", "Singer1987", "SarkeesWayman2010", "Palmer2022", "Stinnett2002", "Gibler2009"} <= keys
    assert all(r["citation"] and r["data"] for r in rows)
    by_key = {r["key"]: r for r in rows}
    assert by_key["Pemstein2010"]["data"].startswith("the Unified Democracy Scores")
    assert by_key["Polity"]["data"] == "polity2."
    files = json.loads(run("files", "--format", "json").stdout)
    named = {k.strip() for f in files for k in str(f["citation"]).split(";") if k.strip()}
    assert named and named <= keys, named - keys
    csv = pd.read_csv(io.StringIO(run("cite", "--format", "csv").stdout))
    assert list(csv.columns) == ["key", "citation", "data"] and len(csv) == len(rows)
    bad = run("cite", "--format", "xml")
    assert bad.exit_code == 2
