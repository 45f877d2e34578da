"""Wars by polarity era and CON tercile."""

from __future__ import annotations

import pytest

from neorealism.data import wars as W
from neorealism.data.loaders import load_wars
from neorealism.data.source import DataSource
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
    for by in ("polarity", "era", "con"):
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


# --------------------------------------------------------------------------- review: files by path


def _nmc_one_superpower(tmp_path):
    """An NMC file in which the USA's spending and energy dwarf everyone's: the capability rule
    then finds one great power only, so no war can have great powers on both sides."""
    import pandas as pd

    from neorealism.data.loaders import COW_DIR

    d = pd.read_csv(COW_DIR / "NMC-60-abridged.csv")
    usa = d["ccode"] == 2
    for c in ("milex", "pec"):
        d.loc[usa & (d[c] >= 0), c] = d.loc[usa & (d[c] >= 0), c] * 1e6
    p = tmp_path / "nmc-one-superpower.csv"
    d.to_csv(p, index=False)
    return p


def test_nmc_path_reaches_the_capability_rule(tmp_path):
    assert W.war_onsets()["gp_war_capability"].sum() > 0
    p = _nmc_one_superpower(tmp_path)
    w = W.war_onsets(DataSource(nmc=p))
    assert w["gp_war_capability"].sum() == 0
    assert w["gp_war_cow"].equals(W.war_onsets()["gp_war_cow"])  # the COW list is not touched
    t = W.wars_by_era("polarity", source=DataSource(nmc=p))
    assert t["gp_wars_capability"].sum() == 0 and t["wars"].sum() == 95


def test_majors_path_reaches_the_cow_count(tmp_path):
    p = tmp_path / "majors.csv"
    p.write_text("stateabb,ccode,styear,stmonth,stday,endyear,endmonth,endday,version\nUSA,2,1816,1,1,2016,12,31,2016\n")
    y = W.yearly_onsets(source=DataSource(majors=p))
    assert y["gp_wars_cow"].sum() == 0
    assert y["gp_wars_capability"].sum() == W.yearly_onsets()["gp_wars_capability"].sum()


def _capture_figures(monkeypatch, module):
    figs = []

    def fake_save(fig, path, dpi=120):
        figs.append(fig)
        return path

    monkeypatch.setattr(module, "save_figure", fake_save)
    return figs


def test_plot_is_labelled(tmp_path, monkeypatch):
    """Both panels have axis labels and a title; the polarity background is in a legend."""
    figs = _capture_figures(monkeypatch, W)
    for by in ("polarity", "con"):
        y = W.yearly_onsets()
        W.plot_wars(y, W.wars_by_era(by), tmp_path / "w.png")
    for fig in figs:
        ax, ax2 = fig.axes
        for a in (ax, ax2):
            assert a.get_xlabel() and a.get_ylabel() and a.get_title()
            assert a.get_legend() is not None
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        present = set(W.yearly_onsets()["polarity_label"])
        for lab in present:
            assert any(lab in t for t in texts), (lab, texts)
        assert "NMC v6.0" in ax.get_title()
    assert "CON tercile" in figs[1].axes[1].get_xlabel()


def test_by_era_is_the_conventional_periodisation():
    y = W.yearly_onsets()
    assert y.set_index("year").loc[[1816, 1945, 1946, 1991, 1992, 2007], "conventional_era"].tolist() == [
        "multipolar", "multipolar", "bipolar", "bipolar", "unipolar", "unipolar"
    ]
    t = W.wars_by_era("era").set_index("era")
    assert t["years"].to_dict() == {"unipolar": 16, "bipolar": 46, "multipolar": 130}
    # CON stays the measured one: its range per era is that of the measured history's years
    bip = y[y["year"].between(1946, 1991)]
    assert t.loc["bipolar", "con_min"] == pytest.approx(bip["con"].min())
    assert t.loc["bipolar", "con_max"] == pytest.approx(bip["con"].max())
    with pytest.raises(ParameterError, match="polarity, era, con"):
        W.era_table(y, "decade")


def test_plot_by_era_shows_the_conventional_eras(tmp_path, monkeypatch):
    figs = _capture_figures(monkeypatch, W)
    y = W.yearly_onsets()
    W.plot_wars(y, W.era_table(y, "era"), tmp_path / "w.png")
    W.plot_wars(y, W.era_table(y, "polarity"), tmp_path / "w.png")
    era, pol = figs
    assert "conventional eras" in era.axes[0].get_title() and "Waltz 1979" in era.axes[0].get_title()
    assert era.axes[1].get_xlabel().startswith("conventional era")
    assert "measured polarity" in pol.axes[0].get_title() and "measured polarity" in pol.axes[1].get_xlabel()
    # the background bands: three conventional eras (one band each) against the measured runs
    n_bands = [sum(1 for p in f.axes[0].patches if p.get_width() > 5) for f in figs]
    assert n_bands[0] == 3 and n_bands[1] > 3
    texts = [t.get_text() for t in era.axes[0].get_legend().get_texts()]
    assert {"multipolar years", "bipolar years", "unipolar years"} <= set(texts)
