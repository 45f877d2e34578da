"""Polarity history uses the same measures as the simulation."""

from __future__ import annotations

import numpy as np
import pytest

from neorealism import measures
from neorealism.data import history as H
from neorealism.data.cinc import cinc_all
from neorealism.errors import ParameterError


def test_history_covers_201_years():
    h = H.polarity_history()
    assert len(h) == 201
    assert h["year"].tolist() == list(range(1816, 2017))
    assert list(h.columns) == list(H.HISTORY_COLUMNS)
    assert len(H.polarity_history("7.0")) == 2022 - 1816 + 1


def test_history_agrees_with_measures_on_a_year():
    h = H.polarity_history(threshold=0.10).set_index("year")
    a = cinc_all("6.0")
    y = a[a["year"] == 1950]
    s = y["cinc_recomputed"].to_numpy()
    m = measures.system_measures(s, rule="share", threshold=0.10)
    row = h.loc[1950]
    assert row["n_great_powers"] == int(m["n_great_powers"])
    assert row["con"] == pytest.approx(float(m["con"]))
    assert row["hhi"] == pytest.approx(float(m["hhi"]))
    assert row["leader"] == "USA"
    assert set(row["great_powers"].split(";")) == set(y["stateabb"][m["gp"]])


def test_rule_parameters_matter():
    lo = H.polarity_history(threshold=0.05)
    hi = H.polarity_history(threshold=0.20)
    assert (lo["n_great_powers"] >= hi["n_great_powers"]).all()
    assert (lo["n_great_powers"] > hi["n_great_powers"]).any()
    rel = H.polarity_history(rule="relative", relative=0.5)
    assert (rel["n_great_powers"] >= 1).all()


def test_cow_majors_count():
    h = H.polarity_history()
    assert h["cow_n_majors"].sum() == 1195
    h7 = H.polarity_history("7.0")
    assert h7.loc[h7["year"] > 2016, "cow_n_majors"].isna().all()


def test_range_checks():
    """The errors name the function's arguments (``start``, ``end``), not the CLI's options."""
    with pytest.raises(ParameterError, match="^start = 1800: allowed 1816–2016") as exc:
        H.polarity_history(start=1800)
    assert exc.value.field == "start" and "--" not in str(exc.value)
    with pytest.raises(ParameterError, match="^start = 1900 is after end = 1850$") as exc:
        H.polarity_history(start=1900, end=1850)
    assert exc.value.fields == ("start", "end")
    with pytest.raises(ParameterError, match="^end = 2020: allowed 1816–2016"):
        H.polarity_history("6.0", end=2020)
    with pytest.raises(ParameterError, match=r"^threshold must be in \(0, 1\], got 2"):
        H.polarity_history(threshold=2)
    with pytest.raises(ParameterError, match="^first = 1800: allowed 1816–2016 "):
        H.check_range(1800, None, 1816, 2016, names=("first", "last"))


def test_runs_partition_years():
    h = H.polarity_history()
    r = H.polarity_runs(h)
    assert r["years"].sum() == len(h)
    assert (r["label"].to_numpy()[1:] != r["label"].to_numpy()[:-1]).all()


def test_plot(tmp_path):
    h = H.polarity_history(start=1900, end=1950)
    p = H.plot_history(h, tmp_path / "x" / "p.png")
    assert p.exists() and p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.isfinite(h["con"]).all()


def test_plot_is_labelled(tmp_path, monkeypatch):
    """Title, axis labels with units, and a legend that names every polarity band shown."""
    figs = []
    monkeypatch.setattr(H, "save_figure", lambda fig, path, dpi=120: figs.append(fig) or path)
    h = H.polarity_history()
    H.plot_history(h, tmp_path / "p.png")
    (fig,) = figs
    ax, ax2 = fig.axes
    assert "NMC v6.0" in ax.get_title() and "share ≥ 0.1" in ax.get_title()
    assert "0–1" in ax.get_ylabel() and "count" in ax2.get_ylabel() and ax2.get_xlabel() == "year"
    # the upper panel shows CON, HHI and the leader's share, and its label says so
    assert all(w in ax.get_ylabel() for w in ("CON", "HHI", "leader's share")), ax.get_ylabel()
    assert "concentration (0–1)" != ax.get_ylabel()
    captions = [t.get_text() for t in fig.texts]
    assert any("jumps" in c and "set of great" in c and "artefact of the measure" in c for c in captions), captions
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(h["polarity_label"]) <= set(texts)
    assert {"COW major powers"} <= {t.get_text() for t in ax2.get_legend().get_texts()}


def test_conventional_eras_and_spans():
    assert H.conventional_era([1816, 1945, 1946, 1991, 1992, 2022]).tolist() == [
        "multipolar", "multipolar", "bipolar", "bipolar", "unipolar", "unipolar"
    ]
    assert H.year_spans([1958, 1946, 1947, 1948, 2016]) == "1946–1948, 1958, 2016"
    assert H.year_spans([]) == ""


def _independent_share_polarity(path):
    """Per year from the raw NMC file (csv module, no neorealism code): the CINC form — each state's mean
    share of the six indicators it reports (−9 missing; an indicator nobody reports that year is skipped) —
    the states with a share ≥ 0.1, and the polarity label of their count."""
    import csv
    from collections import defaultdict

    comps = ("milex", "milper", "irst", "pec", "tpop", "upop")
    rows = defaultdict(dict)
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows[int(r["year"])][r["stateabb"]] = [float(r[c]) for c in comps]
    out = {}
    for y, states in rows.items():
        tot = [sum(v[c] for v in states.values() if v[c] >= 0) for c in range(len(comps))]
        gps = []
        for abb, v in states.items():
            sh = [v[c] / tot[c] for c in range(len(comps)) if v[c] >= 0 and tot[c] > 0]
            if sh and sum(sh) / len(sh) >= 0.1:
                gps.append(abb)
        out[y] = (("nonpolar", "unipolar", "bipolar", "multipolar")[min(len(gps), 3)], set(gps))
    return out


def test_measured_polarity_note_counts_the_years_that_differ_from_the_textbook():
    from pathlib import Path

    import neorealism.data as D

    ind = _independent_share_polarity(Path(D.__file__).parent / "files" / "cow" / "NMC-60-abridged.csv")
    textbook = {y: ("multipolar" if y <= 1945 else "bipolar" if y <= 1991 else "unipolar") for y in ind}
    differ = sum(ind[y][0] != textbook[y] for y in ind)
    china = [y for y in sorted(ind) if y >= 1946 and "CHN" in ind[y][1]]
    h = H.polarity_history()
    note = H.measured_polarity_note(h)
    assert "\n" not in note and note.startswith("note: ")
    assert f"differ in {differ} of {len(ind)} years" in note
    assert 0 < differ < len(ind)
    assert "share ≥ 0.1" in note and f"China is above the bar in {H.year_spans(china)}" in note
    assert H.year_spans([1946, 1947, 1949]) == "1946–1947, 1949"  # the span format itself
    early = H.measured_polarity_note(H.polarity_history(start=1816, end=1900))
    assert "differ in 0 of 85 years" in early and "China" not in early  # China's 19th-century share is no difference
    rel = H.measured_polarity_note(H.polarity_history(rule="relative", relative=0.5, start=1990, end=2000))
    assert "share ≥ 0.5 × leader" in rel
