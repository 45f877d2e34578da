"""Great powers from capabilities vs COW's major-power list."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from neorealism.data import majors as M
from neorealism.data.source import DataSource
from neorealism.errors import ParameterError


def test_baseline_f1_about_079():
    a = M.compare_with_cow(M.BASELINE)
    assert a.f1 == pytest.approx(0.79, abs=0.02)
    assert a.tp + a.fn == 1195  # every COW major-power state-year is scored


def test_default_rule_reaches_090():
    a = M.compare_with_cow(M.DEFAULT_RULE)
    print(f"default rule F1 {a.f1:.4f} precision {a.precision:.4f} recall {a.recall:.4f}")
    assert a.f1 >= 0.90
    assert a.f1 > M.compare_with_cow(M.BASELINE).f1 + 0.05
    # not worse in sample than the previous (leader-relative) default, which stays available by name
    assert a.f1 >= M.compare_with_cow(M.LEADER_RULE).f1
    assert M.RULES["leader"] is M.LEADER_RULE and M.LEADER_RULE.kind == "relative"
    assert M.DEFAULT_RULE.kind == "concentration" and M.DEFAULT_RULE.k_exit > M.DEFAULT_RULE.k_enter


def test_concentration_bar():
    s = np.array([[0.5, 0.3, 0.1, 0.06, 0.04, 0.0]])
    ref = (s**2).sum() / s.sum()  # 0.3552
    assert M.concentration_bar(s, 0.2).tolist() == [[True, True, True, False, False, False]]
    assert (M.concentration_bar(s, 1.0) == (s >= ref)).all()
    # scale-free, and never a state with nothing; an empty year has none
    assert (M.concentration_bar(7 * s, 0.2) == M.concentration_bar(s, 0.2)).all()
    assert not M.concentration_bar(np.zeros((1, 3)), 0.01).any()
    # one state holding everything is the only great power
    assert M.concentration_bar(np.array([[1.0, 1e-9, 1e-9]]), 0.2).tolist() == [[True, False, False]]


def test_grid_counts_match_identify():
    """The batched search scores each rule exactly as identify/compare_with_cow do."""
    panel = M.CapabilityPanel.from_nmc()
    truth = panel.truth()
    grid = {"weights": [(2, 0, 0, 1, 0, 0), (1,) * 6], "concentration": [0.2], "relative": [0.1],
            "share": [0.03], "k_pairs": [(5, 8), (1, 1)], "k": [8]}
    rules, c = M._grid_counts(panel, truth, grid)
    assert len(rules) == len(list(M.candidate_rules(grid))) == 2 * 3 * 3
    for r, cr in zip(rules, c, strict=True):
        pred = M.identify(r, panel)
        assert cr[0].sum() == (pred & truth).sum() and cr[1].sum() == (pred & ~truth).sum(), r.describe()
        assert cr[2].sum() == (~pred & truth).sum()
    assert M.DEFAULT_RULE in rules and M.LEADER_RULE in rules


def test_f1_is_consistent_with_counts_and_differences():
    a = M.compare_with_cow()
    assert a.f1 == pytest.approx(2 * a.tp / (2 * a.tp + a.fp + a.fn))
    assert a.precision == pytest.approx(a.tp / (a.tp + a.fp))
    assert a.recall == pytest.approx(a.tp / (a.tp + a.fn))
    assert len(a.differences) == a.fp + a.fn
    assert (a.differences["kind"] == "false_positive").sum() == a.fp
    assert a.per_year["false_positives"].sum() == a.fp
    assert len(a.per_year) == 201


def test_rule_does_not_read_the_list(tmp_path):
    """Changing the COW list changes the score but not the rule's great powers."""
    gp1 = M.great_power_years(M.DEFAULT_RULE)
    p = tmp_path / "majors.csv"
    p.write_text("stateabb,ccode,styear,stmonth,stday,endyear,endmonth,endday,version\nUSA,2,1816,1,1,2016,12,31,2016\n")
    src = DataSource(majors=p)
    a = M.compare_with_cow(M.DEFAULT_RULE, source=src)
    assert a.tp + a.fn == 201
    gp2 = M.great_power_years(M.DEFAULT_RULE, source=src)  # the same source, list and all
    assert gp1.equals(gp2)


def test_rule_never_reads_the_major_power_list(monkeypatch):
    """Any read of the COW major-power file (shipped or not) raises; the rules still run unchanged."""
    from neorealism.data import loaders as L

    before = {nm: M.great_power_years(r) for nm, r in M.RULES.items()}
    real_load = L._load

    def guarded(source, kind, spec, *args):
        if spec is L.MAJORS_SPEC or kind == "majors":
            raise AssertionError("the great-power rule read the COW major-power list")
        return real_load(source, kind, spec, *args)

    monkeypatch.setattr(L, "_load", guarded)
    # the guard works: scoring against the list does read it
    with pytest.raises(AssertionError, match="read the COW major-power list"):
        M.compare_with_cow(M.DEFAULT_RULE)
    for nm, r in M.RULES.items():
        after = M.great_power_years(r)
        assert after.equals(before[nm]), nm
        assert len(after) > 0
    panel = M.CapabilityPanel.from_nmc()
    assert M.identify(M.DEFAULT_RULE, panel).any()


def test_rule_option_errors_name_the_argument():
    """The Python API names its own arguments; the CLI renames them (tests/data/test_cli_data.py)."""
    with pytest.raises(ParameterError, match=r"^k_enter must be an integer ≥ 1, got 0") as exc:
        M.rule_from_options("default", k_enter=0)
    assert exc.value.field == "k_enter" and exc.value.naming({"k_enter": "--k-enter"}).startswith("--k-enter must be")
    with pytest.raises(ParameterError, match=r"^threshold must be in \(0, 1\], got 3"):
        M.rule_from_options("baseline", threshold=3.0)
    with pytest.raises(ParameterError, match=r"^rule must be one of default, leader, baseline, got 'nope'"):
        M.rule_from_options("nope")
    with pytest.raises(ParameterError, match=r"^end = 2017: allowed 1816–2016 \(the years both the NMC file and COW's major-power list cover\)"):
        M.compare_with_cow(end=2017)
    with pytest.raises(ParameterError, match=r"^start = 2000 is after end = 1990") as exc:
        M.compare_with_cow(start=2000, end=1990)
    assert "--" not in str(exc.value)


def test_hysteresis_semantics():
    raw = np.array([[0], [1], [1], [0], [1], [1], [1], [0], [0], [0]], dtype=bool)
    present = np.ones_like(raw)
    out = M.hysteresis(raw, present, k_enter=3, k_exit=2)
    # first year takes the raw reading (0); enters at the 3rd consecutive year above (t=6);
    # leaves after 2 consecutive years below (t=8)
    assert out[:, 0].astype(int).tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 0, 0]
    assert (M.hysteresis(raw, present, 1, 1) == raw).all()


def test_persistence_changes_the_result():
    no_persist = dataclasses.replace(M.DEFAULT_RULE, k_enter=1, k_exit=1)
    assert M.compare_with_cow(no_persist).f1 != M.compare_with_cow(M.DEFAULT_RULE).f1


def test_rule_validation():
    with pytest.raises(ParameterError):
        M.GreatPowerRule(weights=(1, 1))
    with pytest.raises(ParameterError):
        M.GreatPowerRule(threshold=0)
    with pytest.raises(ParameterError):
        M.GreatPowerRule(k_enter=0)
    with pytest.raises(ParameterError, match="concentration must be in"):
        M.GreatPowerRule(concentration=0)
    with pytest.raises(ParameterError, match="kind must be one of share, relative, concentration"):
        M.GreatPowerRule(kind="nope")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"^concentration must be in"):
        M.rule_from_options("default", concentration=2.0)
    assert M.rule_from_options("leader") == M.LEADER_RULE
    with pytest.raises(ParameterError):
        M.rule_from_options("nope")
    r = M.rule_from_options("baseline", k_enter=3)
    assert r.k_enter == 3 and r.weights == M.BASELINE.weights


@pytest.mark.slow
def test_split_validation_reports_out_of_sample(split_validation):
    v = split_validation
    print(v.drop(columns="rule").to_string())
    grids = list(M.GRIDS)
    assert list(v["grid"].unique()) == grids
    chosen = ["1816–1915", "1916–2016", "4 of 5 eras", "all years"]
    assert list(v["chosen_on"]) == chosen * len(grids)
    assert v["f1_out_of_sample"].iloc[:3].between(0, 1).all()
    new = v[v["grid"] == grids[0]].set_index("chosen_on")
    old = v[v["grid"] == grids[1]].set_index("chosen_on")
    # choosing on all years reproduces each documented rule's F1: the default from its grid,
    # the previous default from the previous grid
    assert new.loc["all years", "f1_in_sample"] == pytest.approx(M.compare_with_cow(M.DEFAULT_RULE).f1)
    assert old.loc["all years", "f1_in_sample"] == pytest.approx(M.compare_with_cow(M.LEADER_RULE).f1)
    assert new.loc["all years", "f1_in_sample"] >= 0.90
    # the default's grid generalises better than the previous one in both directions and by eras
    for c in chosen[:3]:
        assert new.loc[c, "f1_out_of_sample"] > old.loc[c, "f1_out_of_sample"], c
    # the out-of-sample figures are lower than the in-sample one: 0.915 is not what to expect on new years
    assert (new["f1_out_of_sample"].iloc[:3] < new.loc["all years", "f1_in_sample"]).all()


@pytest.mark.slow
def test_documented_figures_are_computed(split_validation):
    """docs/data.md's great-power tables show what the code computes (to the digits printed)."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "data.md").read_text(encoding="utf-8")
    sec = doc[doc.index("## Great powers from capabilities vs COW's list") :]
    sec = sec[: sec.index("\n## ", 1)]

    def row(prefix: str) -> list[str]:
        lines = [ln for ln in sec.splitlines() if ln.startswith(prefix)]
        assert len(lines) == 1, prefix
        return [c.strip().strip("*") for c in lines[0].strip("|").split("|")]

    for prefix, rule in (("| baseline", M.BASELINE), ("| previous default", M.LEADER_RULE),
                         ("| **default**", M.DEFAULT_RULE)):
        a = M.compare_with_cow(rule)
        cells = row(prefix)
        assert cells[2] == f"{a.f1:.3f}" and cells[3] == f"{a.precision:.2f}" and cells[4] == f"{a.recall:.2f}", prefix
    v = split_validation
    for g, label in zip(M.GRIDS, ("default", "previous"), strict=True):
        for _, r in v[v["grid"] == g].iterrows():
            cells = row(f"| {label} | {r['chosen_on']} |")
            if r["chosen_on"] == "all years":
                assert cells[3] == f"{r['f1_in_sample']:.3f}"
            else:
                assert cells[4].split(" ")[0].strip("*") == f"{r['f1_out_of_sample']:.3f}", (label, r["chosen_on"])
                if r["chosen_on"] != "4 of 5 eras":
                    assert cells[3] == f"{r['f1_in_sample']:.3f}", (label, r["chosen_on"])


def _independent_default_rule_f1(files) -> tuple[float, int, int, int]:
    """F1 of the documented default rule against COW's list, recomputed from the two raw CSV files.

    Written from the rule's description, with the csv module and dicts (no
    code of ``neorealism``): per year, each state's shares of milex and pec
    among the states reporting them (−9 missing), score = (2·milex share +
    pec share) / (the weights of the shares it has); great power if score > 0
    and ≥ 0.2 × Σscore² / Σscore; enter after 5 consecutive years above,
    leave after 8 below, a state's first year (and first after a gap in the
    file) read raw, a year with no score changing nothing.  Truth: every year
    styear–endyear of a major-power spell.  Scored on the years both files cover.
    """
    import csv
    from collections import defaultdict

    rows = defaultdict(dict)  # year -> ccode -> (milex, pec)
    with open(files / "NMC-60-abridged.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows[int(r["year"])][int(r["ccode"])] = (float(r["milex"]), float(r["pec"]))
    truth = set()
    with open(files / "majors2016.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            for y in range(int(r["styear"]), int(r["endyear"]) + 1):
                truth.add((y, int(r["ccode"])))
    last = max(y for y, _ in truth)
    status, up, down, seen_last = {}, {}, {}, {}
    tp = fp = fn = 0
    for y in sorted(rows):
        states = rows[y]
        tot_m = sum(v[0] for v in states.values() if v[0] >= 0)
        tot_p = sum(v[1] for v in states.values() if v[1] >= 0)
        score = {}
        for c, (mx, pe) in states.items():
            num = den = 0.0
            if mx >= 0 and tot_m > 0:
                num, den = num + 2 * mx / tot_m, den + 2
            if pe >= 0 and tot_p > 0:
                num, den = num + pe / tot_p, den + 1
            score[c] = num / den if den else None
        s1 = sum(v for v in score.values() if v)
        s2 = sum(v * v for v in score.values() if v)
        for c, sc in score.items():
            first = seen_last.get(c) != y - 1
            if first:
                up[c] = down[c] = 0
            if sc is not None:
                above = sc > 0 and s1 > 0 and sc >= 0.2 * s2 / s1
                up[c], down[c] = (up[c] + 1, 0) if above else (0, down[c] + 1)
                if first:
                    status[c] = above
            elif first:
                status[c] = False
            if not status[c] and up[c] >= 5:
                status[c] = True
            if status[c] and down[c] >= 8:
                status[c] = False
            seen_last[c] = y
            if y <= last:
                t = (y, c) in truth
                tp += status[c] and t
                fp += status[c] and not t
                fn += (not status[c]) and t
    return 2 * tp / (2 * tp + fp + fn), tp, fp, fn


def test_default_rule_f1_recomputed_independently_from_the_raw_files():
    """The documented F1 (0.915) is what a from-scratch implementation of the rule gives on the raw files."""
    from pathlib import Path

    import neorealism.data as D

    files = Path(D.__file__).parent / "files" / "cow"
    f1, tp, fp, fn = _independent_default_rule_f1(files)
    a = M.compare_with_cow(M.DEFAULT_RULE)
    assert (tp, fp, fn) == (a.tp, a.fp, a.fn)
    assert f1 == pytest.approx(a.f1, abs=1e-12)
    assert tp + fn == 1195  # every COW major-power state-year (within the NMC file) is scored
    assert f1 >= 0.90  # the documented figure (docs/data.md: 0.915)
