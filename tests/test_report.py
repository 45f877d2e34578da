"""Run reports and comparisons: self-contained HTML, --states ends/none, per-world outcomes, intervals, CLI errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from neorealism import api, report
from neorealism.cli import app
from neorealism.errors import ParameterError
from neorealism.results import ResultError, ResultSet

WORLDS, YEARS = 6, 20
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small results: one of each --states mode, and a war-off pair large enough to see a difference in wars."""
    root = tmp_path_factory.mktemp("runs")
    out = {}
    for name, kw in {
        "all": {}, "ends": {"states": "ends"}, "none": {"states": "none"},
    }.items():
        out[name] = api.run_to_dir("bipolar", root / name, worlds=WORLDS, years=YEARS, seed=1, **kw).path
    out["war"] = api.run_to_dir("bipolar", root / "war", worlds=16, years=40, seed=2).path
    out["nowar"] = api.run_to_dir("bipolar", root / "nowar", worlds=16, years=40, seed=2,
                                  overrides={"war.opportunity": 0}).path
    return out


def copy_result(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("report", "report.html", ".lock"))
    return dst


def external_refs(html: str) -> list[str]:
    """Every src/href (or CSS url()) pointing outside the page."""
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html, flags=re.I)
    refs += re.findall(r"url\(\s*['\"]?([^)'\"]+)", html, flags=re.I)
    return [r for r in refs if not r.startswith(("data:", "#"))]


# --------------------------------------------------------------------------- the report


def test_report_is_self_contained_with_pngs(runs, tmp_path):
    d = copy_result(runs["all"], tmp_path / "r")
    files = report.write_report(d)
    assert files.html == d / "report.html" and files.html.is_file()
    html = files.html.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    assert external_refs(html) == []
    assert "data:image/png;base64," in html
    assert "<script" not in html.lower()
    # every figure is embedded and also kept as a file
    names = sorted(p.name for p in (d / "report").iterdir())
    assert names == sorted(p.name for p in files.pngs)
    assert {"power_shares.png", "polarity.png", "concentration.png", "timeline.png", "survival.png"} <= set(names)
    for p in files.pngs:
        assert p.read_bytes().startswith(PNG_MAGIC)
    assert html.count("data:image/png;base64,") == len(files.pngs)
    assert files.notes == []
    # the header says what was run
    assert "bipolar" in html and f"{WORLDS:,} worlds" in html and "seed: 1" in html
    # the result itself still loads (the report does not disturb the result directory)
    with ResultSet.load(d) as rs:
        assert rs.rows["system"] == WORLDS * (YEARS + 1)


def test_report_shows_overrides(runs):
    html = report.write_report(runs["nowar"]).html.read_text(encoding="utf-8")
    assert "war.opportunity=0" in html


def test_report_escapes_names(tmp_path):
    sc = api.load("bipolar")
    sc = sc.model_validate({**sc.model_dump(mode="json"), "name": "x<script>alert(1)</script>"})
    out = api.run_to_dir(sc, tmp_path / "esc", worlds=2, years=3, seed=0).path
    html = report.write_report(out).html.read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("mode", ["ends", "none"])
def test_report_with_fewer_state_rows(runs, tmp_path, mode):
    d = copy_result(runs[mode], tmp_path / mode)
    files = report.write_report(d)
    html = files.html.read_text(encoding="utf-8")
    names = {p.name for p in files.pngs}
    assert "power_shares.png" not in names and "survival.png" not in names  # nothing over time to draw
    assert {"polarity.png", "concentration.png", "timeline.png"} <= names  # system and events are complete
    assert files.notes and all(f"--states {mode}" in n for n in files.notes)
    assert f"--states {mode}" in html
    assert "data:image/png;base64," in html


def test_report_out_elsewhere(runs, tmp_path):
    out = tmp_path / "pages" / "mine.html"
    files = report.write_report(runs["all"], out=out)
    assert files.html == out and out.is_file()
    assert files.png_dir == tmp_path / "pages" / "mine" and (files.png_dir / "timeline.png").is_file()


def test_report_refuses_bad_input(runs, tmp_path):
    with pytest.raises(ResultError):
        report.write_report(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultError):
        report.write_report(tmp_path / "empty")
    d = copy_result(runs["all"], tmp_path / "blocked")
    (d / "report").write_text("not a folder")
    with pytest.raises(Exception, match="is a file"):
        report.write_report(d)
    assert not (d / "report.html").exists()  # refused before anything was written


# --------------------------------------------------------------------------- per-world outcomes


def test_one_registry_of_outcomes(runs):
    from neorealism import outcomes

    assert report.OUTCOMES is outcomes.OUTCOMES and report.Outcome is outcomes.Outcome
    assert set(report.COMPARE_OUTCOMES) <= set(outcomes.OUTCOMES)
    with ResultSet.load(runs["all"]) as rs:
        for name, o in report.OUTCOMES.items():
            assert o.name == name and o.label and o.unit and o.needs in ("none", "ends", "all")
            v = report.per_world(rs, name)
            assert isinstance(v, np.ndarray) and v.shape == (WORLDS,) and v.dtype == np.float64
    with pytest.raises(ParameterError, match="unknown"):
        report.per_world(None, "no_such_outcome")
    with pytest.raises(ParameterError, match="unknown"):
        report.compare(runs["all"], runs["all"], outcomes=["deaths"])


def _recomputed(rs: ResultSet) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per world (numerator, denominator) of some outcomes, recomputed from the pandas tables by their definitions."""
    ev, st, sysdf = rs.events, rs.states, rs.system
    worlds = np.sort(sysdf["world"].unique())
    years = float(rs.manifest["years"])
    first, last = sysdf["year"].min(), sysdf["year"].max()
    R = len(worlds)

    def count(kind: str, extra=None) -> np.ndarray:
        e = ev[ev["event"].astype(str) == kind]
        if extra is not None:
            e = e[extra(e)]
        return np.array([(e["world"] == w).sum() for w in worlds], dtype=float)

    out = {
        "wars": (count("war_start"), np.full(R, years)),
        "state_deaths": (count("death"), np.full(R, years)),
        "alliances_formed": (count("alliance_formed"), np.full(R, years)),
        "spirals": (count("arms_race", lambda e: e["spiral"].astype(str) == "yes"), np.full(R, years)),
    }
    fin = sysdf[sysdf["year"] == last].set_index("world")
    out["final_con"] = (fin["con"].reindex(worlds).to_numpy(float), np.ones(R))
    out["final_hhi"] = (fin["hhi"].reindex(worlds).to_numpy(float), np.ones(R))
    if len(st):
        for name, great in (("gp_survival", True), ("minor_survival", False)):
            k, n = [], []
            for w in worlds:
                s = st[st["world"] == w]
                s0 = s[(s["year"] == first) & s["alive"]]
                initial = set(s0[s0["great_power"] == great]["state"].astype(str))
                alive = set(s[(s["year"] == last) & s["alive"]]["state"].astype(str))
                k.append(len(initial & alive))
                n.append(len(initial))
            out[name] = (np.array(k, float), np.array(n, float))
    if len(st) and st["year"].nunique() > 2:
        live = st[st["alive"] & (st["year"] > first)]
        out["arms_burden"] = (np.array([live[live["world"] == w]["burden"].sum() for w in worlds]),
                              np.array([(live["world"] == w).sum() for w in worlds], float))
        gp = {(w, y + 1, str(s)) for w, y, s in st[st["great_power"]][["world", "year", "state"]].itertuples(index=False)}
        wars = ev[ev["event"].astype(str) == "war_start"]
        both = [w for w, y, a, d in wars[["world", "year", "attacker", "defender"]].itertuples(index=False)
                if (w, y, str(a)) in gp and (w, y, str(d)) in gp]
        out["gp_wars"] = (np.array([both.count(w) for w in worlds], float), np.full(R, years))
    return out


def _per_world(num: np.ndarray, den: np.ndarray, scale: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan) * scale


def test_outcomes_match_the_tables(runs):
    """Each world's figure, recomputed independently from the pandas tables."""
    with ResultSet.load(runs["war"]) as rs:
        expect = _recomputed(rs)
        assert {"gp_wars", "arms_burden", "gp_survival", "spirals"} <= set(expect)
        for name, (num, den) in expect.items():
            got = report.per_world(rs, name)
            assert np.allclose(got, _per_world(num, den, report.OUTCOMES[name].scale), equal_nan=True), name
        assert expect["wars"][0].sum() > 0 and expect["state_deaths"][0].sum() > 0  # the test sees something
        assert (report.per_world(rs, "gp_wars") <= report.per_world(rs, "wars") + 1e-12).all()


def test_survival_from_the_first_and_last_years_only(runs):
    """--states ends keeps what survival needs: the same figures as the identical run that kept every row."""
    with ResultSet.load(runs["ends"]) as ends, ResultSet.load(runs["all"]) as full:
        assert sorted(ends.states["year"].unique()) == [0, YEARS]
        expect = _recomputed(ends)
        for name in ("gp_survival", "minor_survival"):
            got = report.per_world(ends, name)
            assert np.isfinite(got).any()
            assert np.allclose(got, _per_world(*expect[name], 1.0), equal_nan=True), name
            assert np.allclose(got, report.per_world(full, name), equal_nan=True), name


def test_outcomes_need_state_rows(runs):
    with ResultSet.load(runs["none"]) as rs:
        assert report.unavailable(rs, "wars") is None
        assert "--states" in report.unavailable(rs, "gp_survival")
        assert np.isnan(report.per_world(rs, "arms_burden")).all()
        assert np.isfinite(report.per_world(rs, "final_con")).all()
    with ResultSet.load(runs["ends"]) as rs:
        assert report.unavailable(rs, "gp_survival") is None
        assert report.unavailable(rs, "arms_burden") is not None
        assert report.unavailable(rs, "gp_wars") is not None


# --------------------------------------------------------------------------- comparisons


def test_compare_run_with_itself_is_zero(runs):
    cmp = report.compare(runs["all"], runs["all"])
    assert [r.name for r in cmp.rows] == list(report.COMPARE_OUTCOMES)
    for r in cmp.rows:
        assert r.diff == 0.0
        assert r.a == r.b
        assert r.lo <= 0.0 <= r.hi, r
        assert r.verdict == "–"


def test_compare_pools_each_runs_worlds(runs):
    """Each side is Σ numerator / Σ denominator over its worlds (not a mean of per-world ratios)."""
    names = ["wars", "state_deaths", "gp_survival", "minor_survival", "arms_burden", "gp_wars", "final_con"]
    cmp = report.compare(runs["war"], runs["nowar"], outcomes=names)
    by = {r.name: r for r in cmp.rows}
    for side, d in (("a", runs["war"]), ("b", runs["nowar"])):
        with ResultSet.load(d) as rs:
            expect = _recomputed(rs)
        for n in names:
            num, den = expect[n]
            r = by[n]
            pooled = num.sum() / den.sum() * report.OUTCOMES[n].scale
            assert getattr(r, side) == pytest.approx(pooled), (n, side)
            assert getattr(r, f"n_{side}") == int((den > 0).sum())
            lo, hi = getattr(r, f"{side}_lo"), getattr(r, f"{side}_hi")
            assert lo <= pooled + 1e-12 and pooled <= hi + 1e-12, (n, side, lo, pooled, hi)
    surv = by["gp_survival"]
    with ResultSet.load(runs["war"]) as rs:
        k, n = _recomputed(rs)["gp_survival"]
    assert surv.a == pytest.approx(k.sum() / n.sum())
    for r in cmp.rows:
        assert r.diff == pytest.approx(r.b - r.a)


def test_compare_resamples_the_runs_independently(runs):
    cmp = report.compare(runs["war"], runs["nowar"], seed=5)
    wars = next(r for r in cmp.rows if r.name == "wars")
    # B has no war in any world, so every replicate of B* − A* is −A*: the difference's interval mirrors A's
    assert wars.b == wars.b_lo == wars.b_hi == 0.0
    assert wars.lo == pytest.approx(-wars.a_hi) and wars.hi == pytest.approx(-wars.a_lo)
    # A's replicates do not depend on B (unpaired): the same A against another B gives the same A cells
    other = report.compare(runs["war"], runs["all"], seed=5)
    for r, s in zip(cmp.rows, other.rows, strict=True):
        assert (r.a, r.a_lo, r.a_hi) == (s.a, s.a_lo, s.a_hi)


def test_compare_war_off_has_fewer_wars(runs):
    cmp = report.compare(runs["war"], runs["nowar"])
    wars = next(r for r in cmp.rows if r.name == "wars")
    assert wars.a > 0 and wars.b == 0
    assert wars.diff < 0 and wars.hi < 0  # the interval excludes 0
    assert wars.lo <= wars.diff <= wars.hi
    assert wars.verdict == "B < A"
    deaths = next(r for r in cmp.rows if r.name == "state_deaths")
    assert deaths.b == 0 and deaths.diff <= 0


def test_compare_is_deterministic_and_seeded(runs):
    f1 = report.compare(runs["war"], runs["nowar"], seed=3).frame()
    f2 = report.compare(runs["war"], runs["nowar"], seed=3).frame()
    assert f1.equals(f2)
    f3 = report.compare(runs["war"], runs["nowar"], seed=4).frame()
    assert not f1[["diff_lo", "diff_hi"]].equals(f3[["diff_lo", "diff_hi"]])  # the seed drives the bootstrap
    assert (f1["B_minus_A"] == f3["B_minus_A"]).all()  # ... not the point estimates


def test_compare_marks_missing_state_rows(runs):
    cmp = report.compare(runs["all"], runs["none"])
    by = {r.name: r for r in cmp.rows}
    assert by["gp_survival"].verdict == "n/a" and "B:" in by["gp_survival"].note
    assert np.isnan(by["gp_survival"].b) and by["gp_survival"].n_b == 0
    assert by["wars"].diff == 0.0 and by["wars"].note == ""  # the same seed and run: only the state rows differ
    cmp = report.compare(runs["ends"], runs["all"])
    by = {r.name: r for r in cmp.rows}
    assert by["gp_survival"].note == "" and by["gp_survival"].diff == 0.0  # ends suffices for survival
    assert by["arms_burden"].verdict == "n/a" and by["arms_burden"].note.startswith("A:")


def test_compare_page_is_self_contained(runs, tmp_path):
    path = report.compare(runs["war"], runs["nowar"]).write(tmp_path / "c.html")
    html = path.read_text(encoding="utf-8")
    assert external_refs(html) == [] and "data:image/png;base64," in html
    assert "B &lt; A" in html or "B < A" in html


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: object):
    return runner.invoke(app, [str(a) for a in args])


def assert_user_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip().startswith("error:") or "Invalid value" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for n in needles:
        assert n in result.stderr, f"{n!r} not in {result.stderr!r}"


def test_cli_report(runner, runs, tmp_path):
    d = copy_result(runs["all"], tmp_path / "r")
    res = invoke(runner, "report", d)
    assert res.exit_code == 0, res.output
    assert (d / "report.html").is_file() and (d / "report" / "polarity.png").is_file()
    assert "report.html" in res.stdout


def test_cli_report_notes_states_none(runner, runs, tmp_path):
    d = copy_result(runs["none"], tmp_path / "n")
    res = invoke(runner, "report", d)
    assert res.exit_code == 0, res.output
    assert "--states none" in res.stderr


def test_cli_report_bad_dirs(runner, runs, tmp_path):
    assert_user_error(invoke(runner, "report", tmp_path / "missing"), "missing")
    (tmp_path / "empty").mkdir()
    assert_user_error(invoke(runner, "report", tmp_path / "empty"), "manifest.json")
    (tmp_path / "afile").write_text("x")
    assert_user_error(invoke(runner, "report", tmp_path / "afile"), "afile")
    damaged = copy_result(runs["all"], tmp_path / "damaged")
    chunk = next(damaged.glob("data-*/events-*.parquet"))
    chunk.write_bytes(chunk.read_bytes()[:-10])
    assert_user_error(invoke(runner, "report", damaged), "damaged")
    assert_user_error(invoke(runner, "report", runs["all"], "--out", tmp_path / "afile" / "r.html"), "is a file")
    assert_user_error(invoke(runner, "report", runs["all"], "--out", tmp_path), "directory")


def test_cli_compare(runner, runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res1 = invoke(runner, "compare", runs["war"], runs["nowar"])
    assert res1.exit_code == 0, res1.output
    out = tmp_path / "compare-war-vs-nowar.html"
    assert out.is_file()
    assert report.OUTCOMES["wars"].label in res1.stdout and "B < A" in res1.stdout
    res2 = invoke(runner, "compare", runs["war"], runs["nowar"])
    assert res1.stdout == res2.stdout  # deterministic
    res3 = invoke(runner, "compare", runs["war"], runs["nowar"], "--out", tmp_path / "x" / "c.html")
    assert res3.exit_code == 0, res3.output
    assert (tmp_path / "x" / "c.html").is_file()


def test_cli_compare_bad_input(runner, runs, tmp_path):
    assert_user_error(invoke(runner, "compare", runs["all"], tmp_path / "missing"), "missing")
    assert_user_error(invoke(runner, "compare", tmp_path / "missing", runs["all"]), "missing")
    (tmp_path / "f").write_text("x")
    assert_user_error(invoke(runner, "compare", runs["all"], runs["all"], "--out", tmp_path / "f" / "c.html"),
                      "is a file")
    assert_user_error(invoke(runner, "compare", runs["all"], runs["all"], "--seed", "-1"), "--seed")


def test_cli_run_report(runner, tmp_path):
    out = tmp_path / "run"
    res = invoke(runner, "run", "bipolar", "-r", 3, "-t", 5, "-s", 2, "-o", out, "--report")
    assert res.exit_code == 0, res.output
    assert (out / "report.html").is_file() and (out / "report" / "timeline.png").is_file()
    (out / "report.html").unlink()
    again = invoke(runner, "run", "bipolar", "-r", 3, "-t", 5, "-s", 2, "-o", out, "--report")
    assert again.exit_code == 0, again.output
    assert "Re-used" in again.stdout
    assert (out / "report.html").is_file()  # the report is made for a re-used run too


def test_cli_run_report_refused_before_the_run(runner, tmp_path):
    out = tmp_path / "run"
    (out / "report.html").mkdir(parents=True)
    res = invoke(runner, "run", "bipolar", "-r", 2, "-t", 3, "-o", out, "--report")
    assert_user_error(res, "report.html")
    assert not (out / "manifest.json").exists()
