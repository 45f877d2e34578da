"""CINC recomputed with measures.composite_index agrees with COW's published column."""

from __future__ import annotations

import numpy as np
import pytest

from neorealism.data import cinc as C
from neorealism.data import loaders as L
from neorealism.errors import ParameterError


@pytest.mark.parametrize("version", ["6.0", "7.0"])
def test_recomputed_cinc_within_tolerance_all_years(version):
    a = C.cinc_all(version)
    assert C.CINC_TOLERANCE == 1e-6 and C.CINC_REL_TOLERANCE == 1e-6
    assert a["cinc"].notna().all() and a["cinc_recomputed"].notna().all()
    assert a["diff"].abs().max() <= C.CINC_TOLERANCE
    # relative too: the absolute bar alone says nothing about the smallest states
    ok = C.within_tolerance(a["cinc"], a["cinc_recomputed"])
    assert ok.all(), a[~ok].head()
    chk = C.cinc_check(version)
    assert chk["rows_above_tolerance"] == 0 and chk["max_rel_diff"] <= C.CINC_REL_TOLERANCE


def test_absolute_bar_alone_would_pass_a_wrong_small_state():
    """Doubling a tiny state's population moves its CINC by far more than rounding, but by < 1e-6."""
    nmc = L.load_nmc("6.0")
    i = int(nmc["cinc"].idxmin())
    assert nmc.loc[i, "cinc"] < 1e-6  # the smallest published CINC (2.4e-7)
    bad = nmc.copy()
    bad.loc[i, "tpop"] = bad.loc[i, "tpop"] * 2
    wrong = C.recompute_cinc(bad)
    d = abs(wrong[i] - nmc.loc[i, "cinc"])
    assert d <= C.CINC_TOLERANCE  # the absolute bar alone would not notice
    assert not C.within_tolerance(nmc.loc[[i], "cinc"], wrong[[i]]).any()
    # and the correct recomputation of the same row does meet both bars
    assert C.within_tolerance(nmc.loc[[i], "cinc"], C.recompute_cinc(nmc)[[i]]).all()


def test_missing_as_zero_would_fail():
    """COW skips missing components; counting them as zero shares breaks the agreement."""
    nmc = L.load_nmc("6.0")
    wrong = C.recompute_cinc(nmc, missing_as_zero=True)
    diff = (wrong - nmc["cinc"]).abs()
    assert diff.max() > 100 * C.CINC_TOLERANCE
    assert diff.max() > 0.01  # PROVENANCE: up to 0.058 (China 1860)


def test_cinc_table_1950_top_two():
    t = C.cinc_table(1950)
    assert list(t["stateabb"].iloc[:2]) == ["USA", "RUS"]
    assert list(t.columns) == ["ccode", "stateabb", "cinc", "cinc_recomputed", "diff"]
    assert np.allclose(t["cinc"], t["cinc_recomputed"], atol=C.CINC_TOLERANCE)


def test_cinc_sums_to_one_without_missing():
    a = C.cinc_all("6.0")
    nmc = L.load_nmc("6.0")
    complete = nmc.groupby("year")[list(L.NMC_COMPONENTS)].apply(lambda g: g.notna().all().all())
    years = complete[complete].index
    s = a[a["year"].isin(years)].groupby("year")["cinc_recomputed"].sum()
    assert len(s) > 0
    assert np.allclose(s, 1.0)


def test_cinc_table_year_out_of_range():
    with pytest.raises(ParameterError, match="1816–2016"):
        C.cinc_table(2020, "6.0")
    assert len(C.cinc_table(2020, "7.0")) > 150
