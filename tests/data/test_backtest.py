"""Backtest (issue #6, part 7): the model started from a real year against the real path."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from neorealism.data.backtest import BACKTEST_FILES, backtest, real_same_states, write_backtest
from neorealism.data.history import polarity_history
from neorealism.data.loaders import load_nmc
from neorealism.data.scenarios_from_data import build_from_data
from neorealism.data.source import DataSource
from neorealism.errors import ParameterError
from neorealism.measures import POLARITY_LABELS, composite_index, system_measures


@pytest.fixture(scope="module")
def small():
    return backtest(1950, 1970, top=6, worlds=16, seed=3)


def test_summary_fields_in_range(small):
    s = small.summary
    for k in ("coverage", "polarity_agreement", "mae_median_con", "system_coverage"):
        assert 0.0 <= s[k] <= 1.0, k
    assert s["years_compared"] == 20 and s["worlds"] == 16
    assert s["real_mean_n_great_powers"] >= 0 and s["sim_mean_n_great_powers"] >= 0
    # coverage and agreement are what the table says
    t = small.table[small.table["year"] > 1950]
    assert s["coverage"] == pytest.approx(t["in_band"].mean())
    assert s["mae_median_con"] == pytest.approx((t["sim_con_median"] - t["real_con"]).abs().mean())
    assert s["polarity_agreement"] == pytest.approx(t["sim_share_real_label"].mean())


def test_table_is_consistent(small):
    t = small.table
    assert t["year"].tolist() == list(range(1950, 1971))
    assert (t["sim_con_p05"] <= t["sim_con_median"] + 1e-12).all()
    assert (t["sim_con_median"] <= t["sim_con_p95"] + 1e-12).all()
    shares = t[[f"sim_share_{lab}" for lab in POLARITY_LABELS]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    assert set(t["real_polarity"]) <= set(POLARITY_LABELS)


def test_start_year_agrees_by_construction(small):
    t0 = small.table.iloc[0]
    # every world starts from the scenario, measured like the real start year
    assert t0["sim_con_p05"] == pytest.approx(t0["sim_con_p95"])
    assert t0["real_con"] == pytest.approx(t0["sim_con_median"], abs=1e-4)
    assert t0["sim_share_real_label"] == 1.0


def _share_with_nearest(nmc: pd.DataFrame, ccode: int, year: int, comp: str) -> float:
    """A state's share of a component in a year, or in its nearest reported year (earlier on a tie)."""
    mine = nmc[(nmc["ccode"] == ccode) & nmc[comp].notna()]
    if mine.empty:
        return float("nan")
    d = (mine["year"] - year).abs()
    best = mine[d == d.min()]["year"].min()
    yr = nmc[nmc["year"] == best]
    return float(mine.loc[mine["year"] == best, comp].iloc[0] / yr[comp].sum())


def _independent_gp(rows_by_year, actors, mp):
    """The engine's 'cow' rule written out plainly: score = (2·military + resources shares) / 3 over
    the unitary actors' components, raw = score ≥ bar × Σs²/Σs, then enter after k_enter years
    above, leave after k_exit below, first year = raw reading (loops, no shared code)."""
    status, up, down, out = None, None, None, []
    for rows in rows_by_year:
        mil = np.array([r[0] for r in rows])
        res = np.array([r[3] for r in rows])
        mil, res = mil / mil.sum(), res / res.sum()
        score = np.where(actors, (2 * mil + res) / 3, 0.0)
        ref = (score ** 2).sum() / score.sum()
        raw = [bool(x >= mp.gp_concentration * ref and x > 0) for x in score]
        if status is None:
            status, up, down = list(raw), [int(x) for x in raw], [int(not x) for x in raw]
        else:
            for k, above in enumerate(raw):
                up[k] = up[k] + 1 if above else 0
                down[k] = 0 if above else down[k] + 1
                if up[k] >= mp.gp_enter:
                    status[k] = True
                if down[k] >= mp.gp_exit:
                    status[k] = False
        out.append(np.array(status))
    return out


def test_real_path_equals_recomputed_measures(small):
    """The real path over the same states, recomputed independently from the raw NMC rows."""
    fd = small.built
    nmc = load_nmc()
    comps = ["milex", "milper", "irst", "pec", "tpop", "upop"]
    tracked = [g.ccodes[0] for g in fd.groups if g.kind == "state"]
    mp = fd.scenario.params.measures
    # the aggregated rest (last group) is no unitary actor: never a great power, not in CON
    actors = np.array([True] * len(tracked) + [False])
    years = list(range(1950, 1971))
    all_rows, shares = [], []
    for year in years:
        y = nmc[nmc["year"] == year]
        tot = y[comps].sum()
        share = {}
        for r in y.itertuples():
            share[r.ccode] = {
                c: (getattr(r, c) / tot[c]) if not np.isnan(getattr(r, c)) else _share_with_nearest(nmc, r.ccode, year, c)
                for c in comps
            }
        groups = [[c] for c in tracked] + [[c for c in y["ccode"] if c not in tracked]]
        rows = []
        for g in groups:
            sh = {c: np.nansum([share[k][c] for k in g]) for c in comps}
            rows.append([
                (sh["milex"] + sh["milper"]) / 2,
                (sh["irst"] + sh["upop"]) / 2,
                sh["tpop"],
                sh["pec"],
                sh["upop"] * tot["upop"] / (sh["tpop"] * tot["tpop"]),
            ])
        all_rows.append(rows)
        shares.append(composite_index(np.array(rows).T))
    gps = _independent_gp(all_rows, actors, mp)
    for year in (1950, 1958, 1970):
        k = years.index(year)
        m = system_measures(shares[k], actors=actors, gp=gps[k])
        row = small.real[small.real["year"] == year].iloc[0]
        assert row["con"] == pytest.approx(float(m["con"]), abs=1e-9)
        assert row["hhi"] == pytest.approx(float(m["hhi"]), abs=1e-9)
        assert row["n_great_powers"] == int(gps[k].sum())
        assert row["polarity"] == POLARITY_LABELS[int(m["polarity"])]
        tab = small.table[small.table["year"] == year].iloc[0]
        assert tab["real_con"] == pytest.approx(float(m["con"]), abs=1e-9)


def test_whole_system_reference_is_the_history(small):
    h = polarity_history(rule=small.built.scenario.params.measures.gp_rule, start=1950, end=1970).set_index("year")
    t = small.table.set_index("year")
    assert np.allclose(t["system_con"], h["con"])
    assert (t["system_polarity"] == h["polarity_label"]).all()


def test_state_leaving_the_system_counts_as_dead():
    # South Vietnam (817) leaves the COW system in 1975; list every other state of 1970 as a minor
    n_states = int((load_nmc()["year"] == 1970).sum())
    fd = build_from_data(1970, top=2, rest="minor", minors=n_states - 2)
    assert 817 in [g.ccodes[0] for g in fd.groups]
    real = real_same_states(fd, 1980)
    col = "share:" + next(g.name for g in fd.groups if g.ccodes[0] == 817)
    assert (real.loc[real["year"] <= 1974, col] > 0).all()
    assert (real.loc[real["year"] >= 1976, col] == 0).all()
    assert (real["n_alive"].diff().fillna(0) <= 0).all()


def test_writes_the_three_files(small, tmp_path):
    paths = write_backtest(small, tmp_path / "bt")
    assert sorted(p.name for p in paths) == sorted(BACKTEST_FILES)
    png = (tmp_path / "bt" / "backtest.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    csv = pd.read_csv(tmp_path / "bt" / "backtest.csv")
    assert len(csv) == 21 and {"real_con", "sim_con_median", "sim_con_p05", "sim_con_p95"} <= set(csv.columns)
    summ = json.loads((tmp_path / "bt" / "summary.json").read_text(encoding="utf-8"))
    assert summ["coverage"] == pytest.approx(small.summary["coverage"])
    # the --out convention: the three files are replaced (as a set); overwrite=False refuses instead
    (tmp_path / "bt" / "summary.json").write_text("stale", encoding="utf-8")
    write_backtest(small, tmp_path / "bt")
    assert json.loads((tmp_path / "bt" / "summary.json").read_text(encoding="utf-8")) == summ
    with pytest.raises(ParameterError, match="--overwrite"):
        write_backtest(small, tmp_path / "bt", overwrite=False)
    assert sorted(p.name for p in (tmp_path / "bt").iterdir()) == sorted(BACKTEST_FILES)  # no temporary files


def test_reproducible(small):
    again = backtest(1950, 1970, top=6, worlds=16, seed=3)
    pd.testing.assert_frame_equal(again.table, small.table)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(start=1700, end=1750), "^start = 1700: allowed 1816–2016"),
        (dict(start=1950, end=2050), "^end = 2050: allowed 1816–2016"),
        (dict(start=1950, end=1950), "^end = 1950 must be after start = 1950"),
        (dict(start=1950, end=1960, worlds=0), r"^worlds must be in \[1, 100000\], got 0"),
        (dict(start=1950, end=1960, seed=-1), r"^seed must be in \[0, 2\^63\), got -1"),
        (dict(start=1950, end=1960, top=1), "^top = 1: allowed 2–"),
    ],
)
def test_bad_options(kwargs, words):
    """The Python API names its own arguments (``start``, not the CLI's ``--from``)."""
    with pytest.raises(ParameterError, match=words) as exc:
        backtest(**kwargs)
    assert "--" not in str(exc.value)
    assert exc.value.field == str(exc.value).split(" ", 1)[0]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--from", "1700", "--to", "1710"], "error: --from 1700: allowed 1816–2016 (the NMC file's years)"),
        (["--from", "1950", "--to", "2050"], "error: --to 2050: allowed 1816–2016 (the NMC file's years)"),
        (["--from", "1950", "--to", "1950"], "error: --to 1950 must be after --from 1950"),
        (["--worlds", "0"], "error: --worlds must be in [1, 100000], got 0"),
        (["--seed", "-1"], "error: --seed must be in [0, 2^63), got -1"),
        (["--top", "1"], "error: --top 1: allowed 2–"),
        (["--rest", "all"], "error: --rest must be one of aggregate, minor, drop, got 'all'"),
        (["--nmc", "5"], "error: --nmc must be one of 6.0, 7.0, got '5'"),
    ],
)
def test_cli_bad_options_name_the_options(args, line):
    """The CLI renders the data layer's argument names as its options: one line on stderr, exit 2."""
    r = CliRunner().invoke(_app(), ["backtest", *args])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(line) and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stdout == "" and "Traceback" not in r.output


def _app():
    from neorealism.cli import app

    names = {c.name for c in app.registered_commands}
    if "backtest" not in names:  # until the hook in data/cli.py lands
        from neorealism.data.cli_scenarios import add_backtest

        add_backtest(app)
    return app


def test_cli_backtest(tmp_path):
    out = tmp_path / "bt"
    r = CliRunner().invoke(_app(), ["backtest", "--from", "1960", "--to", "1965", "--top", "5", "--worlds", "8", "--out", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["from"] == 1960 and s["to"] == 1965 and 0 <= s["coverage"] <= 1
    assert {"con", "n_great_powers", "war_onsets", "initiator_success", "state_deaths"} == set(s["scores"])
    assert {"error_model", "error_nochange", "skill", "crps"} <= set(s["scores"]["con"])
    assert all((out / f).is_file() for f in BACKTEST_FILES)
    # a second, different run into the same folder replaces the backtest files (the data commands' convention)
    r = CliRunner().invoke(_app(), ["backtest", "--from", "1960", "--to", "1963", "--worlds", "8", "--out", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["to"] == 1963
    assert "replacing the earlier" in r.stderr
    r = CliRunner().invoke(_app(), ["backtest", "--from", "1960", "--to", "1962", "--worlds", "4", "--format", "csv"])
    assert r.exit_code == 0 and r.stdout.startswith("year,")
    header = r.stdout.splitlines()[0].split(",")
    assert {"real_war_onsets", "sim_war_onsets_mean", "real_state_deaths", "sim_state_deaths_mean"} <= set(header)
    r = CliRunner().invoke(_app(), ["backtest", "--from", "1960", "--to", "1962", "--worlds", "4", "--format", "table"])
    assert r.exit_code == 0 and "coverage" in r.stdout
    assert "no-change" in r.stdout and "CRPS" in r.stdout and "initiator wins" in r.stdout
    r = CliRunner().invoke(_app(), ["backtest", "--from", "1700", "--to", "1710"])
    assert r.exit_code == 2 and "--from 1700: allowed 1816–2016" in r.output


def test_start_year_row_is_in_band(small):
    """The start year's band is one point, which the real value meets up to the scenario's rounding."""
    t0 = small.table.iloc[0]
    assert abs(t0["real_con"] - t0["sim_con_p05"]) < 1e-5
    assert bool(t0["in_band"])


def test_plot_is_labelled_and_legend_hides_no_data(small, tmp_path, monkeypatch):
    from neorealism.data import backtest as B

    figs = []
    monkeypatch.setattr(B, "save_figure", lambda fig, path, dpi=110: figs.append(fig) or path)
    B.plot_backtest(small, tmp_path / "b.png")
    (fig,) = figs
    ax, ax2 = fig.axes
    assert ax.get_title() and ax.get_ylabel() and ax2.get_ylabel() and ax2.get_xlabel() == "year"
    assert ax.get_legend() is not None and ax2.get_legend() is not None
    labels = {t.get_text() for t in ax2.get_legend().get_texts()}
    assert set(POLARITY_LABELS) <= labels
    fig.canvas.draw()
    leg = ax2.get_legend().get_window_extent()
    box = ax2.get_window_extent()
    assert leg.y1 <= box.y0 + 1  # the legend sits below the axes, over no stacked share
    assert max(ax2.get_yticks()) <= 1.0  # shares never read above 1 (the strips are labels)
    # the title says in words what the summary figures are (no bare "coverage")
    title = ax.get_title()
    s = small.summary
    assert "coverage" not in title.lower() and "MAE" not in title
    assert f"inside the simulated 5–95 % band in {s['coverage']:.0%} of the years" in title
    assert f"{s['mae_median_con']:.3f}" in title and f"{s['polarity_agreement']:.0%}" in title
    # the real-label strips (above the shares) have a neutral outline, not a colour of the polarity palette
    from matplotlib.colors import to_rgb

    strips = [p for p in ax2.patches if p.get_y() > 1.0]
    assert len(strips) >= 2 * len(small.table) - 1
    for p in strips:
        r, g, b = to_rgb(p.get_edgecolor())
        assert max(r, g, b) - min(r, g, b) < 0.02, (r, g, b)  # grey


def test_backtest_names_ccode_365_for_its_era():
    cold = backtest(1960, 1962, top=4, worlds=2, seed=0)
    assert "Soviet Union" in cold.summary["states"] and "Russia" not in cold.summary["states"]
    assert "share:Soviet Union" in cold.real.columns
    late = backtest(1995, 1997, top=4, worlds=2, seed=0)
    assert "Russia" in late.summary["states"] and "Soviet Union" not in late.summary["states"]
    assert "share:Russia" in late.real.columns


def test_cli_out_that_is_a_file_is_refused_before_running(tmp_path, monkeypatch):
    from neorealism.data import backtest as B

    f = tmp_path / "afile"
    f.write_text("x")

    def boom(*a, **k):
        raise AssertionError("ran the backtest before checking --out")

    monkeypatch.setattr(B, "backtest", boom)
    r = CliRunner().invoke(_app(), ["backtest", "--from", "1960", "--to", "1962", "--worlds", "2", "--out", str(f)])
    assert r.exit_code == 2 and "is a file, not a folder" in r.output
    assert f.read_text() == "x"


# --------------------------------------------------------------------------- a newer release by path


def test_backtest_reads_a_newer_nmc_release(nmc_2017):
    with pytest.raises(ParameterError, match="^end = 2017: allowed 1816–2016"):
        backtest(2012, 2017, top=4, worlds=4)
    res = backtest(2012, 2017, top=4, worlds=4, seed=1, source=DataSource(nmc=nmc_2017))
    assert res.table["year"].tolist() == list(range(2012, 2018))
    assert res.summary["data_files"] == {"nmc": str(nmc_2017)}
    # 2017 is a copy of 2016 in that file: the real paths (same states and whole system) repeat
    last = res.table.set_index("year")
    assert last.loc[2017, "real_con"] == pytest.approx(last.loc[2016, "real_con"], abs=1e-12)
    assert last.loc[2017, "system_con"] == pytest.approx(last.loc[2016, "system_con"], abs=1e-12)
    h = polarity_history(rule="cow", start=2012, end=2017, source=DataSource(nmc=nmc_2017))
    assert np.allclose(res.table["system_con"], h["con"])
    with pytest.raises(ParameterError, match="^end = 2018: allowed 1816–2017"):
        backtest(2012, 2018, top=4, worlds=4, source=DataSource(nmc=nmc_2017))


def test_backtest_real_path_uses_the_given_file(csv_copy):
    """A value changed in the given NMC file moves the real same-states path (not only the start)."""
    from neorealism.data.loaders import nmc_path

    def bigger_china_1960(r):
        if r["ccode"] == "710" and r["year"] == "1960":
            r["milex"] = str(int(r["milex"]) * 10)
        return r

    p = csv_copy(nmc_path("6.0"), "nmc.csv", bigger_china_1960)
    shipped = backtest(1955, 1962, top=5, worlds=4, seed=0)
    edited = backtest(1955, 1962, top=5, worlds=4, seed=0, source=DataSource(nmc=p))
    a, b = shipped.table.set_index("year"), edited.table.set_index("year")
    # other years move only by ~1e-7: a state's missing value is imputed from its share in the nearest year
    assert np.allclose(a.loc[1955:1959, "real_con"], b.loc[1955:1959, "real_con"], atol=1e-5, rtol=0)
    assert abs(a.loc[1960, "real_con"] - b.loc[1960, "real_con"]) > 1e-3
    assert abs(a.loc[1960, "system_con"] - b.loc[1960, "system_con"]) > 1e-3


def test_cli_backtest_takes_the_data_files_by_path(tmp_path, nmc_2017):
    args = ["backtest", "--from", "2014", "--to", "2017", "--top", "4", "--worlds", "4", "--format", "json"]
    r = CliRunner().invoke(_app(), args)
    assert r.exit_code == 2 and "--to 2017: allowed 1816–2016" in r.stderr
    for opt in ("--nmc-path", "--path"):
        r = CliRunner().invoke(_app(), [*args, opt, str(nmc_2017)])
        assert r.exit_code == 0, r.output
        s = json.loads(r.stdout)
        assert s["to"] == 2017 and s["data_files"] == {"nmc": str(nmc_2017)}
    bad = tmp_path / "cap.csv"
    bad.write_text("ccode\n2\n", encoding="utf-8")
    for opt in ("--capitals-path", "--alliances-path", "--democracy-path", "--states-path"):
        r = CliRunner().invoke(_app(), [*args, "--nmc-path", str(nmc_2017), opt, str(bad)])
        assert r.exit_code == 2 and "cap.csv" in r.stderr and "missing required column" in r.stderr, (opt, r.output)


def test_cli_backtest_format_follows_the_terminal(monkeypatch):
    args = ["backtest", "--from", "1960", "--to", "1962", "--top", "4", "--worlds", "4"]
    r = CliRunner().invoke(_app(), args)  # piped: CSV, as the data commands
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("year,sim_con_median,")
    import io

    import neorealism.data.cli as data_cli

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(data_cli, "sys", type("S", (), {"stdout": Tty()}))
    r = CliRunner().invoke(_app(), args)
    assert r.exit_code == 0 and "coverage" in r.stdout and "┃" in r.stdout
    r = CliRunner().invoke(_app(), [*args, "--format", "xml"])
    assert r.exit_code == 2 and "--format" in r.stderr


def _doc_number(cell: str) -> float:
    """A figure of the docs' tables: "–" is undefined (NaN), "−" a minus sign."""
    cell = cell.strip()
    return float("nan") if cell == "–" else float(cell.replace("−", "-"))


def test_documented_results_are_what_the_backtest_computes():
    """The tables of results in docs/from-data.md are the code's output, not a stale copy."""
    import re
    from pathlib import Path

    from neorealism.data.cli_scenarios import SCORE_NAMES

    doc = (Path(__file__).resolve().parents[2] / "docs" / "from-data.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d{4})→(\d{4}) \| ([^|]+)\| ([^|]+)\| ([^|]+)\| ([\d.]+) vs ([\d.]+) \| ([\d.]+) / ([\d.]+) \|$", doc, re.M)
    assert len(rows) == 3
    names = "|".join(re.escape(n) for n in SCORE_NAMES.values())
    scored = re.findall(rf"^\| (\d{{4}})→(\d{{4}}) \| ({names}) \| (.+) \|$", doc, re.M)
    assert len(scored) == 3 * len(SCORE_NAMES)
    by_name = {v: k for k, v in SCORE_NAMES.items()}
    summaries = {}
    for start, end, *_ in rows:
        summaries[start, end] = backtest(int(start), int(end), top=10, worlds=200, seed=0).summary
    for start, end, name, cells in scored:
        real, sim, nochange, errs, skill, crps, crps_skill = cells.split(" | ")
        err_m, err_n = errs.split(" / ")
        v = summaries[start, end]["scores"][by_name[name]]
        for text, key, tol in (
            (real, "real", 0.0005), (sim, "sim", 0.0005), (nochange, "nochange", 0.0005), (err_m, "error_model", 0.0005),
            (err_n, "error_nochange", 0.0005), (skill, "skill", 0.005 + 1e-9), (crps, "crps", 0.0005),
            (crps_skill, "crps_skill", 0.005 + 1e-9),
        ):
            got, want = _doc_number(text), v[key]
            assert np.isnan(got) == (not np.isfinite(want)), (start, name, key, text, want)
            if np.isfinite(want):
                assert got == pytest.approx(want, abs=tol), (start, name, key)
    for (start, end, cov, mae, agree, real_gp, sim_gp, sys_cov, sys_mae) in rows:
        s = summaries[start, end]
        assert float(cov) == pytest.approx(s["coverage"], abs=0.005)
        assert float(mae) == pytest.approx(s["mae_median_con"], abs=0.0005)
        assert float(agree) == pytest.approx(s["polarity_agreement"], abs=0.005)
        assert float(real_gp) == pytest.approx(s["real_mean_n_great_powers"], abs=0.005)
        assert float(sim_gp) == pytest.approx(s["sim_mean_n_great_powers"], abs=0.005)
        assert float(sys_cov) == pytest.approx(s["system_coverage"], abs=0.005)
        assert float(sys_mae) == pytest.approx(s["system_mae_median_con"], abs=0.0005)


# --------------------------------------------------------------------------- skill and CRPS (issue 15, item 7)


def test_crps_of_a_point_ensemble_is_the_absolute_error():
    from neorealism.data.backtest import crps_ensemble

    x = np.array([0.3, -1.0, 2.5, 7.0])
    y = np.array([0.1, 1.0, 2.5, -3.0])
    assert np.allclose(crps_ensemble(x[:, None], y), np.abs(x - y))
    # m equal members are one point
    assert np.allclose(crps_ensemble(np.repeat(x[:, None], 5, axis=1), y), np.abs(x - y))
    assert float(crps_ensemble([0.4], 0.9)) == pytest.approx(0.5)


@pytest.mark.parametrize("y", [-1.0, 0.0, 0.35, 0.5, 1.3, 4.0])
def test_crps_equals_the_integral_of_the_squared_cdf_difference(y):
    """CRPS = ∫ (F(x) − 1{x ≥ y})² dx, F the ensemble's empirical CDF, by numerical integration."""
    from neorealism.data.backtest import crps_ensemble

    ens = np.array([0.5, -0.2, 1.1, 0.5, 2.0])
    grid = np.linspace(-3.0, 6.0, 900_001)
    F = (ens[None, :] <= grid[:, None]).mean(axis=1)
    integrand = (F - (grid >= y)) ** 2
    want = float(np.sum((integrand[1:] + integrand[:-1]) / 2 * np.diff(grid)))
    got = float(crps_ensemble(ens, y))
    assert got == pytest.approx(want, abs=1e-4)
    # vectorised over rows, and a missing member is left out (not counted as a value)
    rows = np.vstack([ens, ens[::-1], np.append(ens[:4], np.nan)])
    out = crps_ensemble(rows, y)
    assert out[0] == pytest.approx(got) and out[1] == pytest.approx(got)
    assert out[2] == pytest.approx(float(crps_ensemble(ens[:4], y)))
    assert np.isnan(crps_ensemble(np.full((1, 3), np.nan), y)).all()


def test_skill_score_sign():
    from neorealism.data.backtest import mae, score_window, skill_score

    truth = np.array([0.2, 0.25, 0.1, 0.4])
    nochange = np.full(4, truth[0])
    err_n = mae(nochange, truth)
    assert err_n > 0
    assert skill_score(mae(truth, truth), err_n) == 1.0  # a forecast equal to the truth
    assert skill_score(mae(nochange, truth), err_n) == 0.0  # the no-change forecast itself
    assert skill_score(mae(truth + 1.0, truth), err_n) < 0  # worse than no change
    assert np.isnan(skill_score(0.1, 0.0))  # no change is perfect: no room for skill
    # the same through score_window: an ensemble whose every world is the truth
    sw = score_window(np.repeat(truth[:, None], 3, axis=1), truth, float(truth[0]))
    assert sw["skill"] == 1.0 and sw["crps"] == 0.0 and sw["crps_skill"] == 1.0
    sw = score_window(np.full((4, 3), truth[0]), truth, float(truth[0]))
    assert sw["skill"] == 0.0 and sw["crps"] == pytest.approx(err_n)


def test_scores_of_a_small_window(small):
    from neorealism.data.backtest import SCORED

    s = small.summary
    sc = s["scores"]
    assert tuple(sc) == SCORED
    keys = {"real", "sim", "nochange", "error_model", "error_nochange", "skill", "crps", "crps_skill", "years"}
    for q, v in sc.items():
        assert keys <= set(v), q
        for k in keys - {"years"}:
            assert np.isfinite(v[k]), (q, k)  # 1950–1970, top 6: every score is defined
        assert v["crps"] >= 0 and v["error_model"] >= 0 and v["error_nochange"] > 0
        assert v["skill"] == pytest.approx(1 - v["error_model"] / v["error_nochange"])
    # CON: the model's error is the summary's MAE; no change holds the real start year
    t = small.table
    assert sc["con"]["error_model"] == pytest.approx(s["mae_median_con"])
    assert sc["con"]["nochange"] == pytest.approx(t["real_con"].iloc[0])
    assert sc["con"]["error_nochange"] == pytest.approx((t["real_con"].iloc[1:] - t["real_con"].iloc[0]).abs().mean())
    assert sc["n_great_powers"]["nochange"] == t["real_n_gp"].iloc[0]
    assert sc["con"]["years"] == sc["war_onsets"]["years"] == 20 and sc["initiator_success"]["years"] == 1
    # the per-year event columns: COW's Sino-Indian war (1962, China initiated and won) among the top 6 of 1950
    yr = t.set_index("year")
    assert yr.loc[1962, "real_war_onsets"] == 1 and yr.loc[1951:1970, "real_war_onsets"].sum() == 1
    assert sc["initiator_success"]["real"] == 1.0 and sc["initiator_success"]["real_decided_wars"] == 1
    assert sc["war_onsets"]["real_total"] == 1
    assert (t["real_state_deaths"] == 0).all()
    assert sc["war_onsets"]["sim_total_mean"] == pytest.approx(t["sim_war_onsets_mean"].iloc[1:].sum())
    assert 0 <= sc["initiator_success"]["sim"] <= 1
    assert s["score_notes"] and "1931–1950" in s["score_notes"][-1]
    js = json.loads(__import__("neorealism.data.backtest", fromlist=["summary_json"]).summary_json(small))
    assert set(js["scores"]) == set(SCORED)


def test_scores_say_what_is_undefined():
    """War data end in 2007: later years are not scored, and the notes say so."""
    res = backtest(2004, 2012, top=4, worlds=4, seed=0)
    sc, notes = res.summary["scores"], res.summary["score_notes"]
    assert any("end in 2007" in n for n in notes)
    assert sc["war_onsets"]["years"] == 3 and sc["state_deaths"]["years"] == 8
    assert res.table.set_index("year").loc[2008:, "real_war_onsets"].isna().all()
    json.loads(__import__("neorealism.data.backtest", fromlist=["summary_json"]).summary_json(res))  # NaN → null
