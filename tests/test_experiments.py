"""The experiment layer: specs, the runner (batched, common random numbers), verdicts from intervals, outputs, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from neorealism import api
from neorealism.cli import app
from neorealism.errors import SpecError
from neorealism.experiments import analysis, builtin_names, load_spec, parse_spec, run_experiment
from neorealism.experiments.spec import condition_scenario

HELD, NOT_HELD, INCONCLUSIVE = analysis.VERDICTS

#: A small spec whose effect is known by construction: with war's opportunity at 0 no crisis ever
#: begins, so the war-off condition has no wars at all.
WAR_OFF = """\
name: war-off
title: war on against war off
hypothesis: {statement: switching war off removes wars, source: construction}
scenario: bipolar
conditions:
  - {name: war-on}
  - {name: war-off, set: {war.opportunity: 0.0}}
outcomes:
  - {name: wars, predict: lower, sesoi: 1.0}
worlds: 24
years: 30
seed: 3
"""


def small(spec, worlds: int = 6, years: int = 20):
    """A built-in shrunk for a machinery test (the sensitivity sample too)."""
    upd = {}
    if spec.sensitivity is not None:
        upd["sensitivity"] = spec.sensitivity.model_copy(update={"samples": 4, "worlds_per_point": 1, "years": 10})
    return spec.model_copy(update=upd), worlds, years


# --------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize(
    "effect, lo, hi, predict, sesoi, expected",
    [
        (1.0, 0.5, 1.5, "higher", 0.8, HELD),          # beyond 0 and at least the sesoi
        (0.6, 0.2, 1.0, "higher", 0.8, INCONCLUSIVE),  # beyond 0 but smaller than the sesoi, could be larger
        (1.0, -0.1, 2.1, "higher", 0.8, INCONCLUSIVE),  # interval crosses 0
        (0.1, -0.2, 0.4, "higher", 0.8, NOT_HELD),     # rules out an effect as large as the sesoi
        (-1.0, -1.5, -0.5, "higher", 0.8, NOT_HELD),   # reversed
        (-1.0, -1.5, -0.5, "lower", 0.8, HELD),
        (1.0, 0.5, 1.5, "lower", 0.8, NOT_HELD),
        (0.1, -0.3, 0.3, "none", 0.5, HELD),            # inside (−δ, δ): equivalence
        (0.1, -0.3, 0.6, "none", 0.5, INCONCLUSIVE),
        (1.0, 0.6, 1.4, "none", 0.5, NOT_HELD),         # excludes 0 and |e| ≥ δ
        (0.2, 0.1, 0.3, "none", 0.5, HELD),
        (math.nan, math.nan, math.nan, "higher", 0.5, INCONCLUSIVE),
    ],
)
def test_verdict_table(effect, lo, hi, predict, sesoi, expected):
    assert analysis.verdict(effect, lo, hi, predict, sesoi) == expected


finite = st.floats(-100, 100, allow_nan=False)


@given(finite, finite, finite, st.floats(0.01, 10))
def test_a_reversed_effect_flips_a_held_verdict(a, b, c, d):
    lo, e, hi = sorted((a, b, c))
    v = analysis.verdict(e, lo, hi, "higher", d)
    flipped = analysis.verdict(-e, -hi, -lo, "higher", d)
    # the mirror image under the mirrored prediction is the same verdict
    assert analysis.verdict(-e, -hi, -lo, "lower", d) == v
    if v == HELD:
        assert flipped == NOT_HELD  # the same evidence reversed can only fail the prediction
    assert v in analysis.VERDICTS


def test_effect_interval_paired_bootstrap_covers_a_known_difference():
    """200 simulated experiments with a true paired effect of +2: the 95% interval covers it 90–99% of the time,
    and pairing makes it far narrower than the worlds' own spread."""
    rng = np.random.default_rng(0)
    R, hits, widths = 200, 0, []
    den = np.ones(R)
    idx = analysis.indices(R, np.random.default_rng(1), reps=1000)
    for _ in range(200):
        base = rng.poisson(3.0, R).astype(float)
        cond = base + 2.0 + rng.normal(0, 0.5, R)
        e, lo, hi = analysis.effect_interval((base, den), (cond, den), 1.0, idx)
        hits += lo < 2.0 < hi
        widths.append(hi - lo)
    assert 0.90 <= hits / 200 <= 0.99
    assert np.median(widths) < 0.25  # unpaired, the spread of Poisson(3) worlds would give about 0.5


def test_trend_effect_on_known_shapes():
    R = 300
    rng = np.random.default_rng(2)
    xs = [0.0, 0.25, 0.5, 0.75, 1.0]
    idx = analysis.indices(R, np.random.default_rng(3))
    hump = [(10 - 16 * (x - 0.5) ** 2 + rng.normal(0, 1, R), np.ones(R)) for x in xs]  # middle 4 above ends
    e, lo, hi = analysis.trend_effect(xs, hump, 1.0, "inverted_u", idx)
    assert e == pytest.approx(4.0, abs=0.3) and lo > 3.0
    line = [(5 + 3 * x + rng.normal(0, 1, R), np.ones(R)) for x in xs]
    e, lo, hi = analysis.trend_effect(xs, line, 1.0, "inverted_u", idx)
    assert lo < 0 < hi  # a straight line has no hump
    e, lo, hi = analysis.trend_effect(xs, line, 1.0, "increasing", idx)
    assert e == pytest.approx(3.0, abs=0.3)


# --------------------------------------------------------------------------- runs


def test_a_condition_reversed_by_construction_flips_the_verdict():
    spec = parse_spec(WAR_OFF)
    res = run_experiment(spec)
    row = res.summary.iloc[0]
    assert row["verdict"] == HELD and row["effect"] < 0 and row["ci_high"] < 0
    assert res.condition("war-off").values["wars"][0].sum() == 0  # by construction
    # the same two conditions, the war-off one now the baseline: the effect is reversed, the verdict flips
    flipped = spec.model_copy(update={"baseline": "war-off"})
    row2 = run_experiment(flipped).summary.iloc[0]
    assert row2["condition"] == "war-on"
    assert row2["effect"] == pytest.approx(-row["effect"])
    assert row2["verdict"] == NOT_HELD


def test_same_seed_same_summary_whatever_the_chunking():
    spec = load_spec("anarchy-hierarchy")
    a = run_experiment(spec, worlds=9, years=15)
    b = run_experiment(spec, worlds=9, years=15, chunk_size=2)
    c = run_experiment(spec, worlds=9, years=15, chunk_size=1)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.summary, c.summary)
    pd.testing.assert_frame_equal(a.levels, c.levels)
    d = run_experiment(spec, worlds=9, years=15, seed=1)
    assert not a.levels["value"].equals(d.levels["value"])  # the seed matters


def test_a_batched_condition_is_the_run_of_its_scenario_alone():
    """Common random numbers: world i of a condition is world i of a plain run of the condition's scenario."""
    spec = load_spec("anarchy-hierarchy")
    res = run_experiment(spec, worlds=8, years=25)
    for cond in spec.conditions:
        sc = condition_scenario(spec, cond, "test")
        alone = api.run(sc, worlds=8, years=25, seed=spec.seed)
        wars = alone.events[alone.events["event"].astype(str) == "war_start"].groupby("world").size()
        expected = wars.reindex(range(8), fill_value=0).to_numpy(float)
        np.testing.assert_array_equal(res.condition(cond.name).values["wars"][0], expected)
        hhi = alone.system.set_index(["world", "year"])["hhi"]
        got = res.condition(cond.name).system.set_index(["world", "year"])["hhi"]
        np.testing.assert_array_equal(got.to_numpy(), hhi.reindex(got.index).to_numpy())


@pytest.mark.slow
@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_runs_small_and_writes_its_folder(name, tmp_path):
    spec, R, T = small(load_spec(name))
    res = run_experiment(spec, worlds=R, years=T)
    s = res.summary
    assert list(s.columns[:3]) == ["experiment", "outcome", "condition"]
    assert {"effect", "ci_low", "ci_high", "verdict"} <= set(s.columns)
    assert len(s) > 0 and set(s["verdict"]) <= set(analysis.VERDICTS)
    for r in s.itertuples():  # the verdict is the one the interval gives
        assert r.verdict == analysis.verdict(r.effect, r.ci_low, r.ci_high, r.prediction, r.sesoi)
    out = res.write(tmp_path / name)
    for f in ("summary.csv", "conditions.csv", "worlds.parquet", "report.html", "experiment.json", "spec.yaml"):
        assert (out / f).is_file(), f
    assert list(out.glob("*.png"))
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert "http://" not in html and "https://" not in html and "<script" not in html
    back = pd.read_csv(out / "summary.csv")
    assert back["verdict"].tolist() == s["verdict"].tolist()
    assert parse_spec((out / "spec.yaml").read_text(encoding="utf-8")) == spec


def test_polarity_war_axis_is_the_initial_concentration():
    spec = load_spec("polarity-war")
    for cond in spec.conditions:
        con = api.initial_structure(condition_scenario(spec, cond, "test"))["con"]
        assert cond.x == pytest.approx(con, abs=5e-4), cond.name


def test_waltz_conditions_differ_only_in_polarity():
    spec = load_spec("waltz-stability")
    scs = [condition_scenario(spec, c, "test") for c in spec.conditions]
    polarity = [api.initial_structure(sc)["polarity"] for sc in scs]
    assert polarity == ["multipolar", "bipolar", "multipolar"]
    assert [api.initial_structure(sc)["n_great_powers"] for sc in scs] == [4, 2, 3]
    for sc in scs[1:]:
        assert sc.n_states == scs[0].n_states
        assert [s.position for s in sc.states] == [s.position for s in scs[0].states]
        assert sc.params == scs[0].params


def test_war_sizes_cow_exponent_agrees_with_clauset():
    """Our fit of COW's inter-state wars against the published figure (Clauset 2018: α ≈ 1.53 ± 0.07)."""
    spec, R, T = small(load_spec("war-sizes"), worlds=4, years=20)
    res = run_experiment(spec, worlds=R, years=T)
    cow = res.tail.set_index("sample").loc["COW inter-state wars"]
    assert 1.35 <= cow["alpha"] <= 1.75
    assert cow["ci_low"] < 1.53 < cow["ci_high"]


def test_sobol_gives_no_weight_to_a_parameter_that_cannot_matter():
    """With cooperation off, the deals' surplus cannot change a war: its total index is 0 (common random numbers)."""
    text = """\
name: sobol-check
title: sensitivity check
hypothesis: {statement: theta matters and the surplus does not, source: construction}
scenario: {generator: polar, n_states: 6, poles: 2}
sensitivity:
  parameters: {war.offense_defense: [0.5, 3.0], cooperation.surplus: [0.0, 0.5]}
  samples: 16
  worlds_per_point: 2
  years: 30
  outcomes: [{name: wars, predict: {war.offense_defense: higher, cooperation.surplus: none}, sesoi: 0.1}]
"""
    res = run_experiment(parse_spec(text))
    st_ = res.sobol[res.sobol["index"] == "ST"].set_index("parameter")["value"]
    assert st_["cooperation.surplus"] == pytest.approx(0.0, abs=1e-12)
    assert st_["war.offense_defense"] > 0.3
    verdicts = res.summary.set_index("condition")["verdict"]
    assert verdicts["ST war.offense_defense"] == HELD


def test_outcomes_agree_with_a_recount_from_the_tables():
    """Spirals, doctrine survival and the offensive power gain, recounted with pandas from a plain run."""
    from neorealism.outcomes import measure
    from neorealism.synthetic import polar_scenario

    sc = polar_scenario(10, 2, seed=4, offensive_share=0.5)
    res = api.run(sc, worlds=12, years=60, seed=2)
    got = measure(res, ["arms_races", "spirals", "offensive_survival", "defensive_survival", "offensive_power_gain"],
                  12, 60)
    ev = res.events[res.events["event"].astype(str) == "arms_race"]
    assert got["arms_races"][0].sum() == len(ev)
    assert got["spirals"][0].sum() == (ev["spiral"].astype(str) == "yes").sum() < len(ev) + 1
    off = {s.name for s in sc.states if s.doctrine == "offensive"}
    assert 0 < len(off) < len(sc.states)
    st = res.states.astype({"state": str})
    first, last = st[st["year"] == 0], st[st["year"] == 60]
    for doctrine, names in (("offensive", off), ("defensive", {s.name for s in sc.states} - off)):
        n0 = first[first["state"].isin(names) & first["alive"]]
        alive = last[last["state"].isin(names) & last["alive"]]
        num, den = got[f"{doctrine}_survival"]
        assert den.sum() == len(n0) and num.sum() == len(alive)
    gain = (last[last["state"].isin(off) & last["alive"]].groupby("world")["power"].sum()
            .reindex(range(12), fill_value=0.0)
            - first[first["state"].isin(off)].groupby("world")["power"].sum().reindex(range(12), fill_value=0.0))
    np.testing.assert_allclose(got["offensive_power_gain"][0], gain.to_numpy(), atol=1e-12)


# --------------------------------------------------------------------------- specs


@pytest.mark.parametrize(
    "change, needles",
    [
        ({"colour": "red"}, ["colour", "unknown field"]),
        ({"outcomes": [{"name": "warz", "predict": "lower", "sesoi": 1}]}, ["outcomes[0].name", "unknown outcome"]),
        ({"outcomes": [{"name": "wars", "predict": "lower", "sesoi": 0}]}, ["outcomes[0].sesoi"]),
        ({"outcomes": [{"name": "wars", "predict": {"nope": "lower"}, "sesoi": 1}]}, ["nope", "not conditions"]),
        ({"worlds": 0}, ["worlds", "greater than or equal to 1"]),
        ({"baseline": "nope"}, ["baseline", "not a condition"]),
    ],
)
def test_bad_specs_name_the_field(change, needles):
    data = yaml.safe_load(WAR_OFF)
    data.update(change)
    with pytest.raises(SpecError) as e:
        parse_spec(yaml.safe_dump(data), source="x.yaml")
    text = str(e.value)
    assert text.startswith("invalid experiment spec x.yaml")
    for n in needles:
        assert n in text


def test_bad_conditions_are_refused_before_anything_runs():
    data = yaml.safe_load(WAR_OFF)
    data["conditions"][1]["set"] = {"war.nope": 1}
    with pytest.raises(SpecError, match=r"conditions \(war-off\)\.set"):
        run_experiment(parse_spec(yaml.safe_dump(data)))
    data = yaml.safe_load(WAR_OFF)
    data["conditions"][1]["states"] = {"Nowhere": {"policy": "deter"}}
    with pytest.raises(SpecError, match="no state 'Nowhere'"):
        run_experiment(parse_spec(yaml.safe_dump(data)))
    data = yaml.safe_load(WAR_OFF)
    data["conditions"][1]["scenario"] = {"generator": "polar", "n_states": 4, "poles": 4}
    with pytest.raises(SpecError, match="poles"):
        run_experiment(parse_spec(yaml.safe_dump(data)))


def test_yaml_tags_and_aliases_are_refused():
    with pytest.raises(SpecError, match="tag|alias|anchor"):
        parse_spec("name: !!python/object:os.system x\n")
    with pytest.raises(SpecError, match="line 2"):
        parse_spec(WAR_OFF.replace("title:", "titel:"))


# --------------------------------------------------------------------------- the command line


def test_cli_list_show_run(tmp_path):
    r = CliRunner()
    out = r.invoke(app, ["experiment", "list"])
    assert out.exit_code == 0
    for n in builtin_names():
        assert n in out.output
    assert len(builtin_names()) == 9
    shown = r.invoke(app, ["experiment", "show", "balancing"])
    assert shown.exit_code == 0 and parse_spec(shown.output) == load_spec("balancing")
    f = tmp_path / "war-off.yaml"
    f.write_text(WAR_OFF, encoding="utf-8")
    res = r.invoke(app, ["experiment", "run", str(f), "--worlds", "6", "--years", "10", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "held" in res.output or "did not hold" in res.output or "inconclusive" in res.output
    summary = pd.read_csv(tmp_path / "o" / "summary.csv")
    assert list(summary.columns[:3]) == ["experiment", "outcome", "condition"]
    assert json.loads((tmp_path / "o" / "experiment.json").read_text())["worlds"] == 6
    again = r.invoke(app, ["experiment", "run", str(f), "--worlds", "6", "--years", "10", "--out", str(tmp_path / "o")])
    assert again.exit_code == 2 and "--overwrite" in again.stderr
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "x.txt").write_text("x")
    bad = r.invoke(app, ["experiment", "run", str(f), "--out", str(tmp_path / "foreign")])
    assert bad.exit_code == 2 and "not empty" in bad.stderr


@pytest.mark.parametrize(
    "args, needle",
    [
        (["experiment", "show", "waltz-stabilty"], "did you mean waltz-stability"),
        (["experiment", "run", "nope.yaml"], "file not found"),
        (["experiment", "run", "balancing", "--worlds", "0", "--out", "{tmp}/x"], "worlds"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(args, needle, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert needle in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_experiments_doc_covers_every_builtin():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "experiments.md").read_text(encoding="utf-8")
    for n in builtin_names():
        assert f"`{n}`" in doc, n
