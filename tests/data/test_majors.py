"""Great powers from capabilities vs COW's major-power list."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from neorealism.data import majors as M
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
    a = M.compare_with_cow(M.DEFAULT_RULE, majors_path=p)
    assert a.tp + a.fn == 201
    gp2 = M.great_power_years(M.DEFAULT_RULE)
    assert gp1.equals(gp2)


def test_rule_never_reads_the_major_power_list(monkeypatch):
    """Any read of the COW major-power file (shipped or not) raises; the rules still run unchanged."""
    from neorealism.data import loaders as L

    before = {nm: M.great_power_years(r) for nm, r in M.RULES.items()}
    real_load = L._load

    def guarded(default, path, spec):
        if spec is L.MAJORS_SPEC:
            raise AssertionError("the great-power rule read the COW major-power list")
        return real_load(default, path, spec)

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


def test_rule_option_errors_name_the_cli_option():
    with pytest.raises(ParameterError, match=r"^--k-enter must be an integer ≥ 1, got 0"):
        M.rule_from_options("default", k_enter=0)
    with pytest.raises(ParameterError, match=r"^--threshold must be in \(0, 1\], got 3"):
        M.rule_from_options("baseline", threshold=3.0)
    with pytest.raises(ParameterError, match=r"^--to 2017 is outside the data range 1816–2016"):
        M.compare_with_cow(end=2017)
    with pytest.raises(ParameterError, match=r"^--from 2000 is after --to 1990"):
        M.compare_with_cow(start=2000, end=1990)


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
    with pytest.raises(ParameterError):
        M.rule_from_options("nope")
    r = M.rule_from_options("baseline", k_enter=3)
    assert r.k_enter == 3 and r.weights == M.BASELINE.weights


@pytest.mark.slow
def test_split_validation_reports_out_of_sample():
    v = M.split_validation()
    print(v.to_string())
    assert list(v["chosen_on"]) == ["1816–1915", "1916–2016", "all years"]
    assert v["f1_out_of_sample"].iloc[:2].between(0, 1).all()
    # choosing on all years reproduces the documented default's F1
    assert v["f1_all_years"].iloc[2] == pytest.approx(M.compare_with_cow(M.DEFAULT_RULE).f1)
