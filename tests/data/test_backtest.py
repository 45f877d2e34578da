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


def test_real_path_equals_recomputed_measures(small):
    """The real path over the same states, recomputed independently from the raw NMC rows."""
    fd = small.built
    nmc = load_nmc()
    comps = ["milex", "milper", "irst", "pec", "tpop", "upop"]
    tracked = [g.ccodes[0] for g in fd.groups if g.kind == "state"]
    mp = fd.scenario.params.measures
    for year in (1950, 1958, 1970):
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
        s = composite_index(np.array(rows).T)
        # the aggregated rest (last group) is no unitary actor: never a great power, not in CON
        actors = np.array([True] * len(tracked) + [False])
        m = system_measures(s, rule=mp.gp_rule, threshold=mp.gp_threshold, relative=mp.gp_relative, actors=actors)
        row = small.real[small.real["year"] == year].iloc[0]
        assert row["con"] == pytest.approx(float(m["con"]), abs=1e-9)
        assert row["n_great_powers"] == int(m["n_great_powers"])
        assert row["polarity"] == POLARITY_LABELS[int(m["polarity"])]
        tab = small.table[small.table["year"] == year].iloc[0]
        assert tab["real_con"] == pytest.approx(float(m["con"]), abs=1e-9)


def test_whole_system_reference_is_the_history(small):
    h = polarity_history(start=1950, end=1970).set_index("year")
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
    assert all((out / f).is_file() for f in BACKTEST_FILES)
    # a second, different run into the same folder replaces the backtest files (the data commands' convention)
    r = CliRunner().invoke(_app(), ["backtest", "--from", "1960", "--to", "1963", "--worlds", "8", "--out", str(out), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["to"] == 1963
    assert "replacing the earlier" in r.stderr
    r = CliRunner().invoke(_app(), ["backtest", "--from", "1960", "--to", "1962", "--worlds", "4", "--format", "csv"])
    assert r.exit_code == 0 and r.stdout.startswith("year,")
    r = CliRunner().invoke(_app(), ["backtest", "--from", "1960", "--to", "1962", "--worlds", "4", "--format", "table"])
    assert r.exit_code == 0 and "coverage" in r.stdout
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
    h = polarity_history(start=2012, end=2017, source=DataSource(nmc=nmc_2017))
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


def test_documented_results_are_what_the_backtest_computes():
    """The table of results in docs/from-data.md is the code's output, not a stale copy."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "from-data.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d{4})→(\d{4}) \| ([^|]+)\| ([^|]+)\| ([^|]+)\| ([\d.]+) vs ([\d.]+) \| ([\d.]+) / ([\d.]+) \|$", doc, re.M)
    assert len(rows) == 3
    for start, end, cov, mae, agree, real_gp, sim_gp, sys_cov, sys_mae in rows:
        s = backtest(int(start), int(end), top=10, worlds=200, seed=0).summary
        assert float(cov) == pytest.approx(s["coverage"], abs=0.005)
        assert float(mae) == pytest.approx(s["mae_median_con"], abs=0.0005)
        assert float(agree) == pytest.approx(s["polarity_agreement"], abs=0.005)
        assert float(real_gp) == pytest.approx(s["real_mean_n_great_powers"], abs=0.005)
        assert float(sim_gp) == pytest.approx(s["sim_mean_n_great_powers"], abs=0.005)
        assert float(sys_cov) == pytest.approx(s["system_coverage"], abs=0.005)
        assert float(sys_mae) == pytest.approx(s["system_mae_median_con"], abs=0.0005)
