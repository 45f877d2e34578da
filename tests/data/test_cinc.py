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
    assert C.CINC_TOLERANCE == 1e-6
    assert a["diff"].abs().max() <= C.CINC_TOLERANCE
    assert a["cinc_recomputed"].notna().all()


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
