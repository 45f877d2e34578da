"""Wars by polarity era and CON tercile."""

from __future__ import annotations

import pytest

from neorealism.data import wars as W
from neorealism.data.loaders import load_wars
from neorealism.errors import ParameterError


def test_war_onsets_95_wars():
    w = W.war_onsets()
    assert len(w) == 95
    raw = load_wars()
    assert (w.set_index("WarNum")["onset"] == raw.groupby("WarNum")["StartYear1"].min().astype(int)).all()
    names = dict(zip(w["WarName"], w["gp_war_cow"], strict=True))
    assert names["World War I"] and names["World War II"] and names["Franco-Prussian"]
    assert not names["Franco-Spanish War"]


def test_by_era_totals_and_rates():
    for by in ("polarity", "con"):
        t = W.wars_by_era(by)
        assert t["wars"].sum() == 95  # every onset 1823–2003 falls in the 1816–2007 window
        assert t["years"].sum() == 2007 - 1816 + 1
        assert t["wars_per_decade"].to_numpy() == pytest.approx((t["wars"] / t["years"] * 10).to_numpy())
        assert (t["gp_wars_cow"] <= t["wars"]).all()
    c = W.wars_by_era("con")
    assert list(c["era"]) == ["low", "middle", "high"]


def test_decades_sum_and_window():
    y = W.yearly_onsets(start=1900, end=1949)
    d = W.wars_by_decade(y)
    assert d["years"].sum() == 50
    assert d["wars"].sum() == y["wars"].sum()
    with pytest.raises(ParameterError):
        W.yearly_onsets(start=1900, end=2010)
    with pytest.raises(ParameterError):
        W.wars_by_era("decade")


def test_plot(tmp_path):
    y = W.yearly_onsets()
    p = W.plot_wars(y, W.wars_by_era("polarity"), tmp_path / "w.png")
    assert p.exists() and p.stat().st_size > 1000
