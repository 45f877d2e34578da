"""``neorealism data …`` through typer's CliRunner."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
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


# --------------------------------------------------------------------------- review: formats, tables, bad input


def _strict_json(text: str):
    def no_constant(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=no_constant)


def test_every_command_in_every_format(tmp_path):
    """JSON parses (strictly: no NaN), CSV has the documented columns, tables print."""
    cases = {
        ("cinc", "--year", "1913"): ["ccode", "stateabb", "cinc", "cinc_recomputed", "diff"],
        ("polarity", "--from", "1900", "--to", "1910", "--out", "{out}"): ["year", "n_states", "n_great_powers", "great_powers", "polarity", "polarity_label", "con", "hhi", "leader", "leader_share", "cow_n_majors"],
        ("majors", "--from", "1900", "--to", "1910"): ["year", "n", "great_powers"],
        ("majors", "--compare"): ["year", "n_rule", "n_cow", "true_positives", "false_positives", "false_negatives", "f1", "precision", "recall"],
        ("wars", "--by", "con", "--out", "{out}"): ["era", "years", "con_min", "con_max", "wars", "gp_wars_cow", "gp_wars_capability", "wars_per_decade", "gp_wars_cow_per_decade", "gp_wars_capability_per_decade"],
        ("wars", "--by", "era", "--out", "{out}"): ["era", "years", "con_min", "con_max", "wars", "gp_wars_cow", "gp_wars_capability", "wars_per_decade", "gp_wars_cow_per_decade", "gp_wars_capability_per_decade"],
        ("wars", "--decades"): ["decade", "years", "wars", "gp_wars_cow", "gp_wars_capability", "mean_con", "polarity"],
        ("files",): ["file", "rows", "sha256", "loader", "citation"],
        ("cite",): ["key", "citation", "data"],
    }
    for k, (args, columns) in enumerate(cases.items()):
        args = [a.replace("{out}", str(tmp_path / f"o{k}")) for a in args]
        c = run(*args, "--format", "csv")
        assert c.exit_code == 0, (args, c.output)
        d = pd.read_csv(io.StringIO(c.stdout))
        assert list(d.columns) == columns, args
        assert len(d) > 0
        j = run(*args, "--format", "json")
        assert j.exit_code == 0, (args, j.output)
        _strict_json(j.stdout)
        t = run(*args, "--format", "table")
        assert t.exit_code == 0 and "┃" in t.stdout, args
    a = _strict_json(run("majors", "--compare", "--format", "json").stdout)
    assert 0.0 <= a["agreement"] <= 1.0 and a["agreement"] == a["f1"]


def test_tables_show_markup_text_and_whole_cells():
    r = run("majors", "--from", "1900", "--to", "1901", "--format", "table")
    assert r.exit_code == 0
    assert "[milex×2, pec×1]" in r.stdout  # rich markup would have swallowed the brackets
    f = run("files", "--format", "table")
    assert "cow/interstate_war_v4.0_dyad_year.csv" in f.stdout and "load_nmc(version='6.0')" in f.stdout
    assert "…" not in f.stdout  # nothing truncated
    # text columns are left-aligned, numbers right-aligned
    row = next(ln for ln in f.stdout.splitlines() if "cow/capitals.csv" in ln)
    cells = row.split("│")[1:-1]
    assert cells[0].startswith(" cow/capitals.csv") and cells[1].rstrip().endswith(cells[1].strip())
    assert cells[1].startswith("  ")


def test_majors_compare_table_scores_every_year_and_lists_differences():
    r = run("majors", "--compare", "--format", "table")
    assert r.exit_code == 0
    assert "Agreement per year" in r.stdout and "Where the rule and COW differ" in r.stdout
    first = [ln.split("│")[1].strip() for ln in r.stdout.splitlines() if ln.startswith("│")]
    years = [c for c in first if c.isdigit()]
    assert years[0] == "1816" and years[-1] == "2016" and len(years) == 201
    quiet = run("majors", "--compare", "--from", "1910", "--to", "1913", "--format", "table")
    assert quiet.exit_code == 0 and "agree on every state-year of 1910–1913" in quiet.stdout


def _bad_files(tmp_path):
    from neorealism.data.loaders import COW_DIR

    nmc = (COW_DIR / "NMC-60-abridged.csv").read_bytes()
    lines = nmc.split(b"\r\n")
    files = {
        "missing": (tmp_path / "nope.csv", "not found"),
        "folder": (tmp_path, "is a folder"),
        "empty": (tmp_path / "empty.csv", "empty file"),
        # bytes 0x00-0x7f are valid UTF-8; 0x80 comes after a LF and a CR, 114 characters and one comma
        "binary": (tmp_path / "binary.csv", "line 3, column 2 (character 115): byte 0x80"),
        "truncated": (tmp_path / "trunc.csv", "truncated"),
        "non-numeric": (tmp_path / "nonnum.csv", "line 3, column 4 (milex): 'n/a' is not a number"),
        "wrong columns": (tmp_path / "cols.csv", "missing required column(s) milex"),
        "non-UTF-8": (tmp_path / "latin1.csv", "line 5, column 1"),
        "negative": (tmp_path / "neg.csv", "line 3, column 5 (milper): '-3' is negative"),
    }
    files["empty"][0].write_bytes(b"")
    files["binary"][0].write_bytes(bytes(range(256)) * 8)
    files["truncated"][0].write_bytes(nmc[: nmc.rfind(b",", 0, len(nmc) - 30)])
    g = lines[2].split(b",")
    g[3] = b"n/a"
    files["non-numeric"][0].write_bytes(b"\r\n".join([lines[0], lines[1], b",".join(g)] + lines[3:]))
    files["wrong columns"][0].write_bytes(b"\r\n".join([lines[0].replace(b"milex", b"mil_ex")] + lines[1:]))
    files["non-UTF-8"][0].write_bytes(b"\r\n".join(lines[:4] + [b"\xc9" + lines[4]] + lines[5:]))
    f = lines[2].split(b",")
    f[4] = b"-3"
    files["negative"][0].write_bytes(b"\r\n".join([lines[0], lines[1], b",".join(f)] + lines[3:]))
    return files


def test_bad_files_give_one_line_and_exit_2(tmp_path):
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    for what, (p, words) in _bad_files(bad_dir).items():
        for args in (
            ["cinc", "--year", "1816", "--path", str(p)],
            ["polarity", "--path", str(p), "--out", str(tmp_path / "out-pol"), "--format", "csv"],
            ["wars", "--nmc-path", str(p), "--out", str(tmp_path / "out-wars"), "--format", "csv"],
            ["majors", "--compare", "--path", str(p), "--format", "json"],
        ):
            r = run(*args)
            assert r.exit_code == 2, (what, args, r.output)
            err = r.stderr.strip()
            assert len(err.splitlines()) == 1 and err.startswith("error: "), (what, err)
            assert words in err, (what, err)
            assert "Traceback" not in r.output and r.stdout == ""
            # nothing written, not even an empty --out folder
            assert not (tmp_path / "out-pol").exists() and not (tmp_path / "out-wars").exists()


def test_out_that_is_a_file(tmp_path):
    f = tmp_path / "afile"
    f.write_text("keep")
    for cmd in (["polarity"], ["wars"]):
        r = run(*cmd, "--out", str(f), "--format", "csv")
        assert r.exit_code == 2 and "--out" in r.stderr and "not a folder" in r.stderr
        assert r.stdout == "" and f.read_text() == "keep"
    r = run("polarity", "--out", str(f / "sub"), "--format", "csv")
    assert r.exit_code == 2 and "is a file, not a folder" in r.stderr


def test_wars_takes_every_file_by_path(tmp_path):
    p = tmp_path / "majors.csv"
    p.write_text("stateabb,ccode,styear,stmonth,stday,endyear,endmonth,endday,version\nUSA,2,1816,1,1,2016,12,31,2016\n")
    r = run("wars", "--majors-path", str(p), "--format", "csv")
    assert r.exit_code == 0, r.output
    d = pd.read_csv(io.StringIO(r.stdout))
    assert d["gp_wars_cow"].sum() == 0 and d["wars"].sum() == 95


# --------------------------------------------------------------------------- one --out convention


OUT_COMMANDS = {
    # command line, the command's own files, the function that writes the last of them
    "polarity": (
        ["data", "polarity", "--from", "1900", "--to", "1910", "--format", "csv"],
        ["polarity.csv", "polarity.png"],
        ("neorealism.data.history", "plot_history"),
    ),
    "wars": (
        ["data", "wars", "--by", "con", "--format", "csv"],
        ["wars_by_con.csv", "wars_by_decade.csv", "wars.png"],
        ("neorealism.data.wars", "plot_wars"),
    ),
    "backtest": (
        ["backtest", "--from", "1960", "--to", "1962", "--top", "4", "--worlds", "4", "--format", "csv"],
        ["backtest.png", "backtest.csv", "summary.json"],
        ("neorealism.data.backtest", "summary_json"),
    ),
}


def _contents(d):
    return {p.name: p.read_bytes() for p in d.iterdir()}


@pytest.mark.parametrize("cmd", list(OUT_COMMANDS))
def test_out_convention_is_the_same_for_polarity_wars_and_backtest(tmp_path, monkeypatch, cmd):
    """Own files replaced as a set, foreign files kept, a failure leaves the earlier set, --out a file refused."""
    args, files, (module, func) = OUT_COMMANDS[cmd]
    out = tmp_path / "a" / "b"
    r = runner.invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(_contents(out)) == sorted(files)
    assert r.stderr.startswith("wrote ") and "replacing" not in r.stderr
    first = _contents(out)
    # again, with a foreign file in the folder and a damaged own file: own files replaced, the foreign one kept
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / files[0]).write_bytes(b"old")
    r = runner.invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "replacing the earlier" in r.stderr
    now = _contents(out)
    assert now.pop("notes.txt") == b"mine"
    assert now[files[0]] != b"old" and sorted(now) == sorted(files)
    if cmd != "backtest":  # the plot embeds nothing variable; the data files are byte-identical
        assert {k: v for k, v in now.items() if not k.endswith(".png")} == {k: v for k, v in first.items() if not k.endswith(".png")}
    # a failure while writing the last file leaves the earlier set exactly as it was, and no temporary file
    (out / files[0]).write_bytes(b"old")
    before = _contents(out)

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(f"{module}.{func}", broken)
    r = runner.invoke(app, [*args, "--out", str(out)])
    assert r.exit_code != 0
    assert _contents(out) == before
    monkeypatch.undo()
    # --out that is a file (or under a file) is refused before any work, and the file is kept
    f = tmp_path / "afile"
    f.write_text("keep", encoding="utf-8")
    for bad in (f, f / "sub"):
        r = runner.invoke(app, [*args, "--out", str(bad)])
        assert r.exit_code == 2 and "--out" in r.stderr and "is a file, not a folder" in r.stderr, r.output
        assert r.stdout == "" and f.read_text(encoding="utf-8") == "keep"


def test_majors_years_are_checked_against_the_data_not_the_rules_great_powers(nmc_2017):
    # a bar no state ever reaches: the rule finds no great power in any year, yet every data year is valid
    r = run("majors", "--kind", "share", "--threshold", "0.9", "--from", "1900", "--to", "1902", "--format", "csv")
    assert r.exit_code == 0, r.output
    d = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False)
    assert d["year"].tolist() == [1900, 1901, 1902] and d["n"].tolist() == [0, 0, 0]
    r = run("majors", "--kind", "share", "--threshold", "0.9", "--from", "1700")
    assert r.exit_code == 2 and "--from 1700: allowed 1816–2016" in r.stderr
    r = run("majors", "--to", "2017", "--format", "csv")
    assert r.exit_code == 2 and "1816–2016" in r.stderr
    r = run("majors", "--to", "2017", "--from", "2017", "--path", str(nmc_2017), "--format", "csv")
    assert r.exit_code == 0, r.output
    assert pd.read_csv(io.StringIO(r.stdout))["year"].tolist() == [2017]


def test_wars_computes_its_yearly_table_once(monkeypatch):
    from neorealism.data import wars as W

    calls = []
    real = W.yearly_onsets

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(W, "yearly_onsets", counted)
    r = run("wars", "--by", "polarity", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert len(calls) == 1
    monkeypatch.undo()
    expected = W.wars_by_era("polarity")
    pd.testing.assert_frame_equal(pd.read_csv(io.StringIO(r.stdout)), pd.read_csv(io.StringIO(expected.to_csv(index=False))))


def test_majors_concentration_bar_and_named_rules_from_the_cli():
    from neorealism.data.majors import LEADER_RULE, compare_with_cow, rule_from_options

    r = run("majors", "--compare", "--kind", "concentration", "--concentration", "0.3", "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert "0.3 × Σs²/Σs" in d["rule_description"]
    # the option reaches the rule: the figure is the one the Python API computes for that rule
    assert d["f1"] == pytest.approx(compare_with_cow(rule_from_options(concentration=0.3)).f1)
    lead = json.loads(run("majors", "--compare", "--rule", "leader", "--format", "json").stdout)
    assert lead["f1"] == pytest.approx(compare_with_cow(LEADER_RULE).f1)
    assert lead["f1"] != pytest.approx(d["f1"])


@pytest.mark.parametrize(
    ("args", "line"),
    [
        # each raised by the data layer, naming its argument (start, end, k_enter …), and rendered here as the option
        (("polarity", "--from", "1800"), "error: --from 1800: allowed 1816–2016 (the data's years)"),
        (("polarity", "--from", "1900", "--to", "1850"), "error: --from 1900 is after --to 1850"),
        (("majors", "--k-enter", "0"), "error: --k-enter must be an integer ≥ 1, got 0"),
        (("majors", "--compare", "--k-exit", "0"), "error: --k-exit must be an integer ≥ 1, got 0"),
        (("majors", "--rule", "nope"), "error: --rule must be one of default, leader, baseline, got 'nope'"),
        (("majors", "--weights", "0,0,0,0,0,0"), "error: --weights must be 6 non-negative numbers"),
        (("majors", "--threshold", "3"), "error: --threshold must be in (0, 1], got 3.0"),
        (("majors", "--compare", "--to", "2017"), "error: --to 2017: allowed 1816–2016 (the years both the NMC file"),
        (("majors", "--compare", "--from", "2000", "--to", "1990"), "error: --from 2000 is after --to 1990"),
        (("wars", "--to", "2010"), "error: --to 2010: allowed 1816–2007"),
        (("wars", "--from", "1950", "--to", "1940"), "error: --from 1950 is after --to 1940"),
        (("cinc", "--year", "1700"), "error: --year 1700: allowed 1816–2016"),
    ],
)
def test_data_layer_errors_name_the_options(args, line):
    r = run(*args, "--format", "csv")
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(line) and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stdout == "" and "Traceback" not in r.output
    # the option's name only: the data layer's argument name does not leak through
    for arg in ("start", "end", "k_enter", "k_exit"):
        assert f"{arg} " not in r.stderr and f"{arg} =" not in r.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--compare", "--kind", "median"), "--kind must be share, relative or concentration"),
        (("--compare", "--validate", "--format", "csv"), "--format table or --format json"),
        (("--validate", "--format", "json"), "with --compare"),
        (("--compare", "--concentration", "-1"), "--concentration"),
    ],
)
def test_majors_option_errors_are_one_line(args, needle):
    r = run("majors", *args)
    assert r.exit_code == 2, r.output
    assert needle in r.stderr and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- lecturer's walkthrough


def test_every_command_that_reads_nmc_takes_nmc_path(nmc_2017):
    """--nmc-path everywhere NMC is read (--path kept as its alias where it already meant the NMC file)."""
    cases = {
        "cinc": ["cinc", "--year", "2017"],
        "polarity": ["polarity", "--from", "2017", "--to", "2017"],
        "majors": ["majors", "--from", "2017", "--to", "2017"],
    }
    for name, args in cases.items():
        shipped = run(*args, "--format", "csv")
        assert shipped.exit_code == 2 and "2016" in shipped.stderr, (name, shipped.output)  # 2017 is not shipped
        new = run(*args, "--nmc-path", str(nmc_2017), "--format", "csv")
        assert new.exit_code == 0, (name, new.output)
        assert "2017" in new.stdout or name == "cinc", name
        alias = run(*args, "--path", str(nmc_2017), "--format", "csv")
        assert alias.exit_code == 0 and alias.stdout == new.stdout, name
    assert len(pd.read_csv(io.StringIO(run(*cases["cinc"], "--nmc-path", str(nmc_2017), "--format", "csv").stdout))) > 100
    # data wars: --nmc-path reaches the polarity history (a broken NMC file is an error naming it)
    bad = nmc_2017.parent / "bad-nmc.csv"
    bad.write_text("stateabb,ccode,year\nUSA,2,1816\n", encoding="utf-8")
    r = run("wars", "--nmc-path", str(bad), "--format", "csv")
    assert r.exit_code == 2 and "bad-nmc.csv" in r.stderr and "missing required column" in r.stderr


def test_wars_reads_the_war_file_from_wars_path_and_has_no_path(csv_copy):
    from neorealism.data.loaders import COW_DIR

    no_first_war = csv_copy(
        COW_DIR / "Inter-StateWarData_v4.0.csv", "wars.csv", lambda r: None if r["WarNum"] == "1" else r
    )
    r = run("wars", "--by", "era", "--wars-path", str(no_first_war), "--format", "csv")
    assert r.exit_code == 0, r.output
    assert pd.read_csv(io.StringIO(r.stdout))["wars"].sum() == 94
    shipped = pd.read_csv(io.StringIO(run("wars", "--by", "era", "--format", "csv").stdout))
    assert shipped["wars"].sum() == 95
    r = run("wars", "--path", str(no_first_war), "--format", "csv")
    assert r.exit_code == 2 and "--path" in r.stderr and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1


def test_group_cite_honours_format():
    for fmt in ("json", "csv", "table"):
        want = run("cite", "--format", fmt)
        for args in (["--cite", "--format", fmt], ["--format", fmt, "--cite"]):
            r = run(*args)
            assert r.exit_code == 0, (args, r.output)
            assert r.stdout == want.stdout, args
    rows = json.loads(run("--cite", "--format", "json").stdout)
    assert {"SingerBremerStuckey1972", "SarkeesWayman2010", "Gibler2009"} <= {x["key"] for x in rows}
    bad = run("--cite", "--format", "xml")
    assert bad.exit_code == 2 and "--format" in bad.stderr and "table, csv, json" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and bad.stdout == ""


def test_group_format_is_the_commands_default():
    r = run("--format", "json", "cinc", "--year", "1950")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["stateabb"] == "USA"
    own = run("--format", "json", "cinc", "--year", "1950", "--format", "csv")  # the command's own --format wins
    assert own.exit_code == 0 and own.stdout.startswith("ccode,stateabb,cinc")
    r = run("--format", "json")  # no command, no --cite
    assert r.exit_code == 2 and "--cite" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run("--format", "xml", "cinc", "--year", "1950")
    assert r.exit_code == 2 and "--format" in r.stderr


def test_wars_by_conventional_era():
    from neorealism.data.wars import war_onsets

    r = run("wars", "--by", "era", "--format", "csv")
    assert r.exit_code == 0, r.output
    d = pd.read_csv(io.StringIO(r.stdout)).set_index("era")
    # grouped exactly like --by polarity (same columns, same order of labels), by the textbook periods
    assert list(d.index) == ["unipolar", "bipolar", "multipolar"]
    assert d.loc["multipolar", "years"] == 1945 - 1816 + 1
    assert d.loc["bipolar", "years"] == 1991 - 1946 + 1
    assert d.loc["unipolar", "years"] == 2007 - 1992 + 1
    w = war_onsets()
    for era, (lo, hi) in {"multipolar": (1816, 1945), "bipolar": (1946, 1991), "unipolar": (1992, 2007)}.items():
        sel = w["onset"].between(lo, hi)
        assert d.loc[era, "wars"] == sel.sum(), era
        assert d.loc[era, "gp_wars_cow"] == w.loc[sel, "gp_war_cow"].sum(), era
    p = pd.read_csv(io.StringIO(run("wars", "--by", "polarity", "--format", "csv").stdout))
    assert list(p.columns) == list(d.reset_index().columns)
    assert p["wars"].sum() == d["wars"].sum() == 95
    assert not d["years"].equals(p.set_index("era")["years"].reindex(d.index))  # measured ≠ conventional


def test_measured_polarity_tables_carry_a_note_on_stderr(tmp_path):
    note_words = ("note:", "CINC shares", "textbook", "--by era", "docs/data.md")
    r = run("polarity", "--format", "table")
    assert r.exit_code == 0, r.output
    (line,) = r.stderr.strip().splitlines()
    assert all(w in line for w in note_words), line
    assert "differ in 67 of 201 years" in line and "China is above the bar in 1946–1951, 1958–2016" in line
    w = run("wars", "--by", "polarity", "--format", "table")
    assert w.exit_code == 0, w.output
    (line,) = w.stderr.strip().splitlines()
    assert all(x in line for x in note_words) and "of 192 years" in line
    # no note without a measured-polarity table: data formats, --quiet, conventional eras, CON terciles
    for args in (
        ["polarity", "--format", "csv"],
        ["polarity", "--format", "json"],
        ["polarity", "--format", "table", "--quiet", "--out", str(tmp_path / "o")],
        ["wars", "--by", "polarity", "--format", "csv"],
        ["wars", "--by", "era", "--format", "table"],
        ["wars", "--by", "con", "--format", "table"],
    ):
        r = run(*args)
        assert r.exit_code == 0, (args, r.output)
        assert "note:" not in r.stderr, args


def test_majors_compare_table_puts_the_rule_above_a_narrow_table():
    from neorealism.data.majors import DEFAULT_RULE

    r = run("majors", "--compare", "--from", "1900", "--to", "1902", "--format", "table")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    head = lines[: next(i for i, ln in enumerate(lines) if "Agreement with COW" in ln)]
    assert head[0].startswith("rule: ")
    assert " ".join(ln.strip() for ln in head) == f"rule: {DEFAULT_RULE.describe()}"
    assert all(len(ln) <= 100 for ln in head)
    first = lines[len(head): next(i for i, ln in enumerate(lines) if ln.startswith("└"))+1]
    assert max(len(ln) for ln in first) <= 80, first
    assert "rule" not in "".join(ln for ln in first if ln.startswith("┃"))


def test_readme_tour_data_lines_run(tmp_path):
    """Every `neorealism data …` line of the README's tour runs as written (outputs redirected to tmp_path)."""
    import shlex
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    lines = [ln.split("#", 1)[0].strip() for ln in readme.splitlines() if ln.startswith("neorealism data ")]
    assert len(lines) >= 5 and any("--by era" in ln for ln in lines) and any("--cite" in ln for ln in lines)
    for ln in lines:
        args = [a.replace("out/", f"{tmp_path}/out/") for a in shlex.split(ln)[1:]]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, (ln, r.output)
