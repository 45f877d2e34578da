"""Real-data marks of issue #16: nuclear forces (first tests) and landmasses in scenarios built from data."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from neorealism import engine
from neorealism.data.scenarios_from_data import (
    ISLANDS,
    NUCLEAR_FILE,
    build_from_data,
    landmass,
    nuclear_first_tests,
)
from neorealism.errors import ParameterError
from neorealism.mechanisms import nuclear
from neorealism.mechanisms.registry import default_mechanisms, using
from neorealism.scenario import load_builtin

#: The public record (SIPRI Yearbook; Norris & Kristensen 2010): the year of each first test.
FIRST_TESTS = {2: 1945, 365: 1949, 200: 1952, 220: 1960, 710: 1964, 750: 1974, 770: 1998, 731: 2006}


def test_the_shipped_table_holds_the_first_tests_and_leaves_israel_out():
    assert nuclear_first_tests() == FIRST_TESTS
    df = pd.read_csv(NUCLEAR_FILE)
    israel = df[df["ccode"] == 666]
    assert len(israel) == 1 and israel["status"].iloc[0] == "undeclared" and israel["first_test"].isna().all()
    assert 666 not in nuclear_first_tests()


def test_the_table_and_its_provenance_ship_in_the_package():
    folder = resources.files("neorealism") / "data" / "files" / "nuclear"
    assert (folder / "first_tests.csv").is_file() and (folder / "PROVENANCE.md").is_file()
    text = (folder / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "first test" in text and "second-strike" in text and "SIPRI" in text and "Kristensen" in text


def _by_ccode(sc):
    return {s.ccode: s for s in sc.states if s.ccode is not None}


def test_the_cold_war_marks_the_united_states_from_1945_and_the_soviet_union_from_1949():
    sc = load_builtin("cold-war-1950")
    st = _by_ccode(sc)
    assert st[2].nuclear_since == 1945 and st[365].nuclear_since == 1949
    assert st[2].name == "United States of America" and st[365].name == "Soviet Union"
    # later tests are not scheduled into the run (no fact after the start year enters): the UK tested in 1952
    assert st[200].nuclear_since is None
    assert {c for c, s in st.items() if s.nuclear_since is not None} == {2, 365}
    assert all(s.nuclear_since is None for s in sc.states if s.aggregate)


@pytest.mark.parametrize("name", ["unipolar-1992", "us-china-2016"])
def test_later_builtins_mark_every_listed_state_tested_by_the_start(name):
    sc = load_builtin(name)
    for c, s in _by_ccode(sc).items():
        want = FIRST_TESTS.get(c)
        assert s.nuclear_since == (want if want is not None and want <= sc.start_year else None), s.name
    assert any(s.nuclear_since for s in sc.states)


def test_europe_1913_has_no_nuclear_state():
    assert all(s.nuclear_since is None for s in load_builtin("europe-1913").states)


def test_scheduled_and_none_modes():
    fd = build_from_data(1950, top=10, nuclear="scheduled", trend_window=0)
    st = _by_ccode(fd.scenario)
    assert st[2].nuclear_since == 1945 and st[365].nuclear_since == 1949
    assert st[200].nuclear_since == 1952 and st[710].nuclear_since == 1964
    assert "later tests scheduled" in fd.scenario.description
    fd = build_from_data(1950, top=10, nuclear="none", trend_window=0)
    assert all(s.nuclear_since is None for s in fd.scenario.states)
    with pytest.raises(ParameterError) as e:
        build_from_data(1950, top=10, nuclear="maybe")
    assert "nuclear" in str(e.value) and "start" in str(e.value)


def test_landmasses_follow_the_cow_regions_with_islands_apart():
    assert landmass(2) == landmass(140) == landmass(160) == "Americas"  # USA, Brazil, Argentina
    assert landmass(365) == landmass(710) == landmass(255) == landmass(651) == landmass(475) == "Afro-Eurasia"
    assert landmass(200) == "Great Britain" and landmass(740) == "Japan" and landmass(713) == "Taiwan"
    assert landmass(900) == "Australia" and landmass(920) == "New Zealand" and landmass(910) == "Oceania"
    assert landmass(40) == "Cuba" and landmass(41) == landmass(42) == "Hispaniola"
    assert all(landmass(c) == v for c, v in ISLANDS.items())
    sc = load_builtin("cold-war-1950")
    for s in sc.states:
        if s.aggregate:
            assert s.landmass is None
        else:
            assert s.landmass == landmass(s.ccode), s.name
    st = _by_ccode(sc)
    assert st[2].landmass == "Americas" and st[365].landmass == "Afro-Eurasia" and st[200].landmass == "Great Britain"


def test_the_marks_reach_the_model():
    """With the nuclear mechanism registered, the Cold War starts with exactly the two superpowers nuclear."""
    ms = default_mechanisms()
    if not any(m.name == "nuclear" for m in ms):
        ms = (*ms, nuclear.MECHANISM)
    with using(ms):
        sc = load_builtin("cold-war-1950")
        res = engine.to_tables(engine.run_batch(sc, np.arange(2), 3, seed=1), sc)
    first = res.states[res.states.year == 1950]
    held = set(first[first.nuclear].state)
    assert held == {"United States of America", "Soviet Union"}
    assert (res.system[res.system.year == 1950]["nuclear_states"] == 2).all()
