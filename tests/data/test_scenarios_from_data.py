"""Scenarios built from a real year (issue #6, part 6): mapping, fidelity, positions, alliances, errors."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from neorealism.data.loaders import (
    load_alliances,
    load_capitals,
    load_democracy,
    load_nmc,
    nmc_path,
)
from neorealism.data.scenarios_from_data import (
    BUILTINS,
    FIDELITY_MAX_MAD,
    FIDELITY_MIN_CORR,
    build_from_data,
    builtin_text,
    builtins_dir,
    capital_position,
    imputed_shares,
    scenario_from_data,
    spherical_centroid,
)
from neorealism.data.source import DataSource
from neorealism.errors import NeorealismError, ParameterError
from neorealism.measures import composite_index
from neorealism.scenario import COMPONENTS, load_scenario, parse_scenario_text


def shares_of(sc) -> np.ndarray:
    comp = np.array([[getattr(s, c) for s in sc.states] for c in COMPONENTS], dtype=float)
    return composite_index(comp)


@pytest.fixture(scope="module")
def fd1950():
    return build_from_data(1950, top=10)


# --------------------------------------------------------------------------- known facts


def test_1950_top_two_are_usa_and_ussr(fd1950):
    cc = [s.ccode for s in fd1950.scenario.states[:2]]
    assert cc == [2, 365]
    sh = shares_of(fd1950.scenario)[:-1]  # the individual states (the last is the rest of the world)
    order = np.argsort(-sh)
    assert {fd1950.scenario.states[i].ccode for i in order[:2]} == {2, 365}


def test_top_k_are_the_k_largest_cinc(fd1950):
    nmc = load_nmc()
    y = nmc[nmc["year"] == 1950].sort_values("cinc", ascending=False)
    assert [s.ccode for s in fd1950.scenario.states[:10]] == y["ccode"].iloc[:10].tolist()


def test_shares_sum_to_one_and_rest_holds_the_others(fd1950):
    sc = fd1950.scenario
    assert shares_of(sc).sum() == pytest.approx(1.0, abs=1e-12)
    rest = sc.states[-1]
    assert rest.name == "Rest of world" and rest.ccode is None
    nmc = load_nmc()
    y = nmc[nmc["year"] == 1950]
    others = y[~y["ccode"].isin([s.ccode for s in sc.states[:10]])]
    assert rest.population == pytest.approx(others["tpop"].sum() / 1000, rel=1e-5)
    assert rest.resources == pytest.approx(others["pec"].sum() / 1000, rel=1e-5)
    assert fd1950.table["n_members"].iloc[-1] == len(others)


def test_components_follow_the_documented_mapping(fd1950):
    sc = fd1950.scenario
    nmc = load_nmc()
    y = nmc[nmc["year"] == 1950].set_index("ccode")
    usa = sc.states[0]
    assert usa.population == pytest.approx(y.loc[2, "tpop"] / 1000, rel=1e-5)
    assert usa.resources == pytest.approx(y.loc[2, "pec"] / 1000, rel=1e-5)
    econ = 1000 * (y.loc[2, "irst"] / y["irst"].sum() + y.loc[2, "upop"] / y["upop"].sum()) / 2
    assert usa.economy == pytest.approx(econ, rel=1e-5)
    # military proportional to the mean of milex and milper shares (one scale for all states)
    ms = {c: (y.loc[c, "milex"] / y["milex"].sum() + y.loc[c, "milper"] / y["milper"].sum()) / 2 for c in (2, 365, 200)}
    mil = {s.ccode: s.military for s in sc.states if s.ccode in ms}
    assert mil[365] / mil[2] == pytest.approx(ms[365] / ms[2], rel=1e-4)
    assert mil[200] / mil[2] == pytest.approx(ms[200] / ms[2], rel=1e-4)


def test_technology_median_of_top_k_is_one(fd1950):
    tech = [s.technology for s in fd1950.scenario.states[:10]]
    assert np.median(tech) == pytest.approx(1.0, abs=1e-5)


def test_burden_is_the_military_steady_state(fd1950):
    sc = fd1950.scenario
    a = sc.params.armament
    cap = a.max_burden
    for s in sc.states:
        steady = a.depreciation * s.military / (s.economy * s.technology * a.conversion)
        assert 0 <= s.burden <= cap
        if steady <= cap:
            assert s.burden == pytest.approx(steady, rel=2e-3)
        else:
            assert s.burden == cap and s.name in sc.description


def test_positions_are_the_capitals_in_force():
    sc = scenario_from_data(1950, top=10, rest="drop")
    caps = load_capitals()
    jan1 = np.datetime64("1950-01-01")
    assert sc.params.geography.metric == "sphere"
    for s in sc.states:
        r = caps[(caps["ccode"] == s.ccode) & (caps["stdate"] <= jan1) & (caps["enddate"] >= jan1)]
        assert len(r) == 1
        assert s.position[0] == pytest.approx(r["lat"].iloc[0], abs=1e-4)
        assert s.position[1] == pytest.approx(r["lng"].iloc[0], abs=1e-4)


def test_capital_changes_are_followed():
    # Russia's capital moved from Saint Petersburg to Moscow in March 1918
    assert capital_position(365, 1913)[2] == "Saint Petersburg"
    assert capital_position(365, 1919)[2] == "Moscow"
    # a year before any record: nearest record, said so
    caps = load_capitals()
    only = caps[caps["ccode"] == 2].assign(stdate=np.datetime64("1900-01-01"))
    lat, lon, name, how = capital_position(2, 1850, only)
    assert name == "Washington D.C." and how.startswith("nearest")
    assert capital_position(2, 1950, caps[caps["ccode"] != 2]) is None


def test_spherical_centroid():
    lat, lon = spherical_centroid([10, 10], [170, -170], [1, 1])
    assert lat == pytest.approx(10.0, abs=0.2) and abs(lon) == pytest.approx(180.0, abs=1e-6)
    assert spherical_centroid([0, 0], [0, 180], [1, 1]) is None  # antipodes: degenerate


def test_alliances_exist_in_the_data_and_are_symmetric():
    for year, types in ((1950, ("defense",)), (1913, ("defense", "entente"))):
        fd = build_from_data(year, top=8, alliance_types=types)
        cc = {s.name: s.ccode for s in fd.scenario.states}
        a = load_alliances()
        a = a[a["year"] == year]
        flag = a[[f"cow_{t}" for t in types]].eq(1).any(axis=1)
        a = a[flag]
        dyads = set(zip(a["ccode1"], a["ccode2"], strict=True))
        assert fd.scenario.alliances, year
        for x, y in fd.scenario.alliances:
            assert (cc[x], cc[y]) in dyads and (cc[y], cc[x]) in dyads
        # and every such pact among the listed states is set
        listed = {c for c in cc.values() if c is not None}
        expected = {frozenset(d) for d in dyads if d[0] in listed and d[1] in listed}
        assert {frozenset((cc[x], cc[y])) for x, y in fd.scenario.alliances} == expected


def test_nato_and_soviet_treaties_in_1950():
    sc = load_scenario("cold-war-1950")
    pairs = {frozenset(p) for p in sc.alliances}
    assert frozenset(("United States of America", "United Kingdom")) in pairs
    assert frozenset(("Soviet Union", "China")) in pairs
    assert frozenset(("United States of America", "Soviet Union")) not in pairs


def test_regimes_are_polity2_of_that_year(fd1950):
    dem = load_democracy()
    d = dem[dem["year"] == 1950].set_index("ccode")["polity2"]
    for s in fd1950.scenario.states:
        if s.ccode is None:
            assert s.regime is None
            continue
        v = d.get(s.ccode, np.nan)
        if np.isnan(v):
            assert s.regime is None
        else:
            assert -10 <= s.regime <= 10 and s.regime == v


def test_missing_values_imputed_from_the_nearest_year():
    sh = imputed_shares()
    ch = sh[sh["ccode"] == 710].set_index("year")
    # China's milex is missing in 1910: the 1911 share is used (1909 is missing too)
    assert np.isnan(ch.loc[1910, "milex"])
    assert ch.loc[1910, "from_milex"] == 1911
    assert ch.loc[1910, "s_milex"] == ch.loc[1911, "s_milex"]
    assert np.isnan(ch.loc[1911, "from_milex"])
    fd = build_from_data(1910, top=10)
    assert "China: missing milex from 1911" in fd.scenario.description


# --------------------------------------------------------------------------- fidelity to CINC


@pytest.mark.parametrize("year", [1816, 1850, 1880, 1913, 1938, 1950, 1970, 1992, 2016])
def test_composite_tracks_cinc(year):
    fd = build_from_data(year, top=10)
    sh = shares_of(fd.scenario)
    ref = fd.table["cinc"].to_numpy()
    ref = ref / ref.sum()
    assert np.corrcoef(sh, ref)[0, 1] >= FIDELITY_MIN_CORR
    assert np.abs(sh - ref).mean() <= FIDELITY_MAX_MAD
    # the table's shares are the scenario's (up to the YAML's 6 significant digits)
    assert np.abs(sh - fd.table["share"].to_numpy()).max() < 1e-5


def test_builtins_meet_the_fidelity_bar():
    for n in BUILTINS:
        opts = dict(BUILTINS[n])
        fd = build_from_data(opts.pop("year"), **opts)
        assert fd.fidelity["corr"] >= FIDELITY_MIN_CORR, n
        assert fd.fidelity["mean_abs_diff"] <= FIDELITY_MAX_MAD, n


# --------------------------------------------------------------------------- rest modes, regions


def test_rest_modes():
    agg = scenario_from_data(1992, top=5)
    minor = scenario_from_data(1992, top=5, rest="minor", minors=4)
    drop = scenario_from_data(1992, top=5, rest="drop")
    assert agg.n_states == 6 and agg.states[-1].name == "Rest of world"
    assert minor.n_states == 9 and all(s.ccode is not None for s in minor.states)
    assert drop.n_states == 5
    assert [s.ccode for s in minor.states[:5]] == [s.ccode for s in drop.states]
    assert scenario_from_data(1992, top=2, rest="drop").n_states == 2


def test_europe_1913_is_european_plus_ottoman():
    sc = load_scenario("europe-1913")
    cc = [s.ccode for s in sc.states]
    assert all(200 <= c <= 399 or c == 640 for c in cc)
    assert set(cc[:7]) == {255, 365, 200, 220, 300, 325, 640}
    assert "Ottoman Empire" in [s.name for s in sc.states]
    assert sc.start_year == 1913


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(year=1700, top=5), ["year = 1700: allowed 1816–2016"]),
        (dict(year=1950, top=1), ["top = 1: allowed 2–75"]),
        (dict(year=1950, top=10000), ["top = 10000: allowed 2–75"]),
        (dict(year=1950, top=5, rest="everything"), ["rest must be one of", "aggregate, minor, drop"]),
        (dict(year=1950, top=5, nmc="5.0"), ["nmc must be one of", "6.0, 7.0"]),
        (dict(year=1950, top=5, alliance_types=("military",)), ["alliance_types: unknown", "defense"]),
        (dict(year=1950, top=5, region="atlantis"), ["region must be one of", "europe"]),
        (dict(year=1950, top=5, rest="minor", minors=-1), ["minors must be an integer ≥ 0, got -1"]),
        (dict(year=2020, top=5), ["year = 2020: allowed 1816–2016"]),
    ],
)
def test_bad_options_are_clear_errors(kwargs, words):
    """The Python API names its own arguments (``top``, ``alliance_types``), never a CLI option."""
    with pytest.raises(ParameterError) as exc:
        scenario_from_data(**kwargs)
    assert isinstance(exc.value, NeorealismError)
    msg = str(exc.value)
    assert msg.startswith(words[0]) and exc.value.field == msg.split(" ", 1)[0].rstrip(":")
    for w in words:
        assert w in msg
    assert "--" not in msg


def test_nmc7_reaches_2022():
    sc = scenario_from_data(2022, top=5, nmc="7.0")
    assert sc.start_year == 2022 and sc.n_states == 6
    assert "v7.0" in sc.source


# --------------------------------------------------------------------------- built-ins


@pytest.mark.parametrize("name", list(BUILTINS))
def test_shipped_builtin_equals_generator(name):
    shipped = (builtins_dir() / f"{name}.yaml").read_text(encoding="utf-8")
    assert shipped == builtin_text(name), f"{name}.yaml is stale: run python -m neorealism.data.scenarios_from_data --write-builtins"
    sc = load_scenario(name)
    assert sc.name == name and sc.n_states >= 2 and sc.source
    assert parse_scenario_text(sc.to_yaml()) == sc


def test_builtin_facts():
    s50 = load_scenario("cold-war-1950")
    sh = np.where([s.ccode is not None for s in s50.states], shares_of(s50), -1.0)
    top2 = {s50.states[i].name for i in np.argsort(-sh)[:2]}
    assert top2 == {"United States of America", "Soviet Union"}
    assert "Warsaw Pact" in s50.description and "second strike" in s50.description
    s92 = load_scenario("unipolar-1992")
    sh = shares_of(s92)
    individual = [i for i, s in enumerate(s92.states) if s.ccode is not None]
    assert s92.states[max(individual, key=lambda i: sh[i])].ccode == 2
    s16 = load_scenario("us-china-2016")
    sh = shares_of(s16)
    individual = [i for i, s in enumerate(s16.states) if s.ccode is not None]
    assert s16.states[max(individual, key=lambda i: sh[i])].ccode == 710
    assert "2012" in s16.description  # alliance data end in 2012: said so


# --------------------------------------------------------------------------- CLI


def _app():
    from neorealism.cli import app
    from neorealism.data.cli import scenario_app

    names = {c.name for c in scenario_app.registered_commands}
    if "from-data" not in names:  # until the hook in data/cli.py lands
        from neorealism.data.cli_scenarios import add_scenario_commands

        add_scenario_commands(scenario_app)
    return app


def test_cli_from_data_writes_yaml(tmp_path):
    out = tmp_path / "s.yaml"
    r = CliRunner().invoke(_app(), ["scenario", "from-data", "1950", "--top", "4", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "United States of America" in r.output and "Rest of world" in r.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["start_year"] == 1950 and len(data["states"]) == 5
    assert load_scenario(str(out)).states[1].ccode == 365
    # refuses to overwrite, then overwrites with --overwrite
    before = out.read_text(encoding="utf-8")
    r = CliRunner().invoke(_app(), ["scenario", "from-data", "1992", "--top", "3", "--out", str(out)])
    assert r.exit_code == 2 and "--overwrite" in r.output
    assert out.read_text(encoding="utf-8") == before
    r = CliRunner().invoke(_app(), ["scenario", "from-data", "1992", "--top", "3", "--out", str(out), "--overwrite", "--rest", "drop"])
    assert r.exit_code == 0, r.output
    assert load_scenario(str(out)).n_states == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["1700", "--top", "5"], "error: year = 1700: allowed 1816–2016"),
        (["1950", "--top", "1"], "error: --top 1: allowed 2–75"),
        (["1950", "--top", "10000"], "error: --top 10000: allowed 2–75"),
        (["1950", "--rest", "nope"], "error: --rest must be one of aggregate, minor, drop, got 'nope'"),
        (["1950", "--nmc", "5"], "error: --nmc must be one of 6.0, 7.0, got '5'"),
        (["1950", "--region", "atlantis"], "error: --region must be one of americas, europe"),
        (["1950", "--alliance-types", "defense,military"], "error: --alliance-types: unknown type(s) 'military'; allowed: defense"),
        (["1950", "--rest", "minor", "--minors", "-1"], "error: --minors must be an integer ≥ 0, got -1"),
    ],
)
def test_cli_bad_options(tmp_path, args, words):
    """The CLI renders the data layer's argument names as its options: one line on stderr, exit 2."""
    out = tmp_path / "s.yaml"
    r = CliRunner().invoke(_app(), ["scenario", "from-data", *args, "--out", str(out)])
    assert r.exit_code == 2
    assert r.stderr.startswith(words) and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.output
    assert not out.exists()


@pytest.mark.parametrize("extra", [[], ["--overwrite"]])
def test_cli_out_that_is_a_folder_is_a_clear_error(tmp_path, extra):
    r = CliRunner().invoke(_app(), ["scenario", "from-data", "1950", "--top", "4", "--out", str(tmp_path), *extra])
    assert r.exit_code == 2, r.output
    assert "is a folder" in r.output and "Traceback" not in r.output
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_cli_out_under_a_file_is_a_clear_error(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    r = CliRunner().invoke(_app(), ["scenario", "from-data", "1950", "--top", "4", "--out", str(f / "s.yaml")])
    assert r.exit_code == 2 and "is a file, not a folder" in r.output


# --------------------------------------------------------------------------- other data files by path


def test_a_newer_nmc_release_by_path_allows_its_years(nmc_2017):
    with pytest.raises(ParameterError, match="year = 2017: allowed 1816–2016"):
        build_from_data(2017, top=4)
    fd = build_from_data(2017, top=4, source=DataSource(nmc=nmc_2017))
    assert fd.scenario.start_year == 2017 and fd.paths["nmc"] == nmc_2017
    assert "NMC-newer.csv" in fd.scenario.source and "NMC-newer.csv" in fd.scenario.description
    # 2017 is a copy of 2016 in that file: the same states with the same indicators
    same = build_from_data(2016, top=4, source=DataSource(nmc=nmc_2017))
    cols = ["name", "military", "economy", "population", "resources", "technology", "burden"]
    assert fd.table[cols].equals(same.table[cols])
    assert scenario_from_data(2017, top=4, source=DataSource(nmc=nmc_2017)).start_year == 2017
    with pytest.raises(ParameterError, match="year = 2018: allowed 1816–2017"):
        build_from_data(2018, top=4, source=DataSource(nmc=nmc_2017))


def test_a_changed_nmc_value_shows_up_in_the_scenario(csv_copy):
    def bigger_soviet_population(r):
        if r["ccode"] == "365" and r["year"] == "1950":
            r["tpop"] = str(int(r["tpop"]) * 3)
        return r

    p = csv_copy(nmc_path("6.0"), "nmc.csv", bigger_soviet_population)
    shipped = build_from_data(1950, top=4)
    edited = build_from_data(1950, top=4, source=DataSource(nmc=p))
    s_pop = shipped.table.loc[shipped.table["ccode"] == 365, "population"].iloc[0]
    e_pop = edited.table.loc[edited.table["ccode"] == 365, "population"].iloc[0]
    assert s_pop == pytest.approx(180.075) and e_pop == pytest.approx(3 * 180.075)


def test_capitals_alliances_democracy_and_states_by_path(csv_copy, tmp_path):
    from neorealism.data.loaders import COW_DIR, DEMOCRACY_DIR

    def moved_capital(r):
        if r["ccode"] == "2":
            r["lat"], r["lng"] = "41.8781", "-87.6298"  # Chicago
        return r

    def polity_minus(r):
        if r["ccode"] == "2" and r["year"] == "1950":
            r["polity2"] = "-3.0"
        return r

    def renamed(r):
        if r["ccode"] == "2":
            r["statenme"] = "Union of American States"
        return r

    def only_usa_ussr(r):
        return r if (r["ccode1"], r["ccode2"]) in (("2", "365"), ("365", "2")) else None

    def usa_ussr_pact(rows):
        return [
            {"ccode1": a, "ccode2": b, "year": "1950", "cow_defense": "1", "cow_neutral": "0", "cow_nonagg": "0", "cow_entente": "0"}
            for a, b in (("2", "365"), ("365", "2"))
        ]

    files = dict(
        capitals=csv_copy(COW_DIR / "capitals.csv", "capitals.csv", moved_capital),
        democracy=csv_copy(DEMOCRACY_DIR / "ccode_democracy.csv", "dem.csv", polity_minus),
        states=csv_copy(COW_DIR / "states2016.csv", "states.csv", renamed),
        alliances=csv_copy(COW_DIR / "alliance_v4.1_dyad_year.csv", "ally.csv", only_usa_ussr, usa_ussr_pact),
    )
    shipped = build_from_data(1950, top=4)
    fd = build_from_data(1950, top=4, source=DataSource(**files))
    usa = fd.table[fd.table["ccode"] == 2].iloc[0]
    assert (usa["lat"], usa["lon"]) == pytest.approx((41.8781, -87.6298))
    assert usa["regime"] == -3.0 and usa["name"] == "Union of American States"
    s_usa = shipped.table[shipped.table["ccode"] == 2].iloc[0]
    assert s_usa["regime"] == 10.0 and s_usa["name"] == "United States of America"
    assert [tuple(a) for a in fd.scenario.alliances] == [("Union of American States", "Soviet Union")]
    assert len(shipped.scenario.alliances) > 1
    assert {k: v for k, v in fd.paths.items() if v is not None} == files
    assert fd.source.overrides() == files


def test_minors_beyond_the_states_left_is_an_error_naming_the_range():
    n_1950 = int((load_nmc()["year"] == 1950).sum())
    with pytest.raises(ParameterError, match=rf"^minors = 100000: allowed 0–{n_1950 - 5} "):
        build_from_data(1950, top=5, rest="minor", minors=100000)
    full = build_from_data(1950, top=5, rest="minor", minors=n_1950 - 5)
    assert sum(g.kind == "minor" for g in full.groups) == n_1950 - 5
    # the default is 10, or every state left when fewer remain (1816: 23 states)
    n_1816 = int((load_nmc()["year"] == 1816).sum())
    few = build_from_data(1816, top=n_1816 - 3, rest="minor")
    assert sum(g.kind == "minor" for g in few.groups) == 3
    assert sum(g.kind == "minor" for g in build_from_data(1950, top=5, rest="minor").groups) == 10
    # ignored (not checked) when the rest is not listed
    assert build_from_data(1950, top=5, rest="drop", minors=100000).scenario.n_states == 5


def test_cli_minors_out_of_range(tmp_path):
    out = tmp_path / "s.yaml"
    r = CliRunner().invoke(_app(), ["scenario", "from-data", "1950", "--top", "5", "--rest", "minor", "--minors", "100000", "--out", str(out)])
    assert r.exit_code == 2 and "--minors 100000: allowed 0–" in r.stderr
    assert not out.exists()


def test_cli_from_data_reads_files_by_path(tmp_path, nmc_2017):
    out = tmp_path / "s.yaml"
    r = CliRunner().invoke(_app(), ["scenario", "from-data", "2017", "--top", "4", "--out", str(out)])
    assert r.exit_code == 2 and "2016" in r.stderr and not out.exists()
    for opt in ("--nmc-path", "--path"):
        r = CliRunner().invoke(
            _app(), ["scenario", "from-data", "2017", "--top", "4", "--out", str(out), "--overwrite", opt, str(nmc_2017)]
        )
        assert r.exit_code == 0, r.output
        assert load_scenario(str(out)).start_year == 2017
    dem = tmp_path / "dem.csv"
    dem.write_text("ccode,year,v2x_polyarchy,polity2,xm_qudsest\n2,2017,0.5,-7.0,0.1\n", encoding="utf-8")
    r = CliRunner().invoke(
        _app(), ["scenario", "from-data", "2017", "--top", "4", "--out", str(out), "--overwrite",
                 "--nmc-path", str(nmc_2017), "--democracy-path", str(dem), "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["year"] == 2017 and d["data_files"] == {"nmc": str(nmc_2017), "democracy": str(dem)}
    regimes = {s["ccode"]: s["regime"] for s in d["states"]}
    assert regimes[2] == -7.0 and all(v is None for c, v in regimes.items() if c != 2)
    # a bad file given by path is one line naming it, and nothing is written
    bad = tmp_path / "bad.csv"
    bad.write_text("ccode,year\n2,2017\n", encoding="utf-8")
    r = CliRunner().invoke(_app(), ["scenario", "from-data", "1950", "--out", str(tmp_path / "t.yaml"), "--capitals-path", str(bad)])
    assert r.exit_code == 2 and "bad.csv" in r.stderr and "missing required column" in r.stderr
    assert not (tmp_path / "t.yaml").exists()


def test_cli_from_data_formats(tmp_path, monkeypatch):
    out = tmp_path / "s.yaml"
    args = ["scenario", "from-data", "1950", "--top", "4", "--out", str(out), "--overwrite"]
    # piped (CliRunner is no terminal): CSV of the summary table on stdout, the rest on stderr
    r = CliRunner().invoke(_app(), args)
    assert r.exit_code == 0, r.output
    d = pd.read_csv(io.StringIO(r.stdout))
    assert list(d["name"]) == ["United States of America", "Soviet Union", "China", "United Kingdom", "Rest of world"]
    assert {"kind", "ccode", "cinc_share", "share", "burden", "lat", "lon"} <= set(d.columns)
    assert "fidelity to CINC" in r.stderr and f"wrote {out}" in r.stderr
    j = CliRunner().invoke(_app(), [*args, "--format", "json"])
    assert j.exit_code == 0, j.output
    payload = json.loads(j.stdout, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert payload["scenario"] == "cow-1950-top4" and len(payload["states"]) == 5
    assert 0.9 < payload["fidelity"]["corr"] <= 1 and payload["out"] == str(out)
    t = CliRunner().invoke(_app(), [*args, "--format", "table"])
    assert t.exit_code == 0 and "┃" in t.stdout and "fidelity to CINC" in t.stdout
    # the table names its three share columns clearly and explains them (with the CSV/JSON names)
    from neorealism.data.cli_scenarios import FROM_DATA_SHARE_HEADERS

    header = next(ln for ln in t.stdout.splitlines() if ln.startswith("┃"))
    assert all(h in header for h in FROM_DATA_SHARE_HEADERS), header
    flat = " ".join(t.stdout.split())
    for col in ("(cinc)", "(cinc_share)", "(share)"):
        assert col in flat, col
    assert "sum to 1 over these rows" in flat and "whole system" in flat
    # on a terminal the default is the table (the data commands' helper decides)
    import neorealism.data.cli as data_cli

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(data_cli, "sys", type("S", (), {"stdout": Tty()}))
    r = CliRunner().invoke(_app(), args)
    assert r.exit_code == 0 and "┃" in r.stdout
    # a bad format is refused before the file is written
    out.unlink()
    r = CliRunner().invoke(_app(), [*args, "--format", "xml"])
    assert r.exit_code == 2 and "--format" in r.stderr and not out.exists()


# --------------------------------------------------------------------------- era-correct names


def test_era_names_of_ccode_365():
    from neorealism.data.scenarios_from_data import era_name, state_names

    assert [era_name(365, y, "Russia") for y in (1921, 1922, 1950, 1991, 1992, 2016)] == [
        "Russia", "Soviet Union", "Soviet Union", "Soviet Union", "Russia", "Russia"
    ]
    assert era_name(2, 1950, "United States of America") == "United States of America"
    assert state_names(1950)[365] == "Soviet Union" and state_names(1913)[365] == "Russia"
    assert state_names(1950, rename={365: "USSR"})[365] == "USSR"


@pytest.mark.parametrize(("year", "name"), [(1913, "Russia"), (1950, "Soviet Union"), (1991, "Soviet Union"), (1992, "Russia")])
def test_from_data_names_ccode_365_for_its_era(year, name):
    fd = build_from_data(year, top=5)
    names = {g.ccodes[0]: g.name for g in fd.groups if g.kind != "rest"}
    assert names[365] == name
    assert fd.table.loc[fd.table["ccode"] == 365, "name"].tolist() == [name]
    assert fd.scenario.states[[s.ccode for s in fd.scenario.states].index(365)].name == name


def test_rename_wins_over_the_era_name():
    fd = build_from_data(1950, top=4, rename={365: "USSR"})
    assert "USSR" in [g.name for g in fd.groups] and "Soviet Union" not in [g.name for g in fd.groups]
    assert "USSR" in [s.name for s in fd.scenario.states]
    assert ("Soviet Union", "China") not in [tuple(a) for a in fd.scenario.alliances]
    assert any("USSR" in a for a in fd.scenario.alliances)  # the 1950 Sino-Soviet treaty, under the given name
