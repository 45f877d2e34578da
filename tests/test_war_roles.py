"""The war decision's hooks for the critiques: roles ``confidence`` and ``crusade`` (docs/architecture.md#roles).

A toy mechanism plays both roles (the cognition mechanism plays them in the model; here the hooks
are tested on their own): ``confidence`` multiplies a challenger's own side's strength in its
estimate of winning (overconfidence: Blainey 1973; Johnson 2004), ``crusade`` makes a state start a
war this year whatever its expected utility (an ideologically motivated war).  Checked: the
compiled decision is its NumPy reference bit for bit with both roles present; the effects are
emergent (more wars and more lost wars under overconfidence; wars the calculus would not have
chosen, with the cause ``ideology`` and a negative expected utility for most, under crusades); the
slot fields ``war_eu`` / ``war_foe`` / ``war_outcome`` agree with the events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import Field

from neorealism import rng
from neorealism.engine import run_batch, to_tables
from neorealism.kernels import compiled, reference
from neorealism.mechanisms.base import Mechanism, StateField, Step, Stream
from neorealism.mechanisms.registry import default_mechanisms, using
from neorealism.schema import StrictModel
from neorealism.synthetic import synthetic_scenario

ZEAL = Stream("zealot", "draw")


class ZealotParams(StrictModel):
    """A toy critique: overconfidence and crusades (for the tests of the war's role hooks)."""

    confidence: float = Field(default=1.0, ge=0.1, le=10.0, description="factor on one's own side's strength when weighing a war")
    crusade: float = Field(default=0.0, ge=0.0, le=1.0, description="yearly chance a state starts a war whatever it pays")


def _zeal(keys, state, params):
    u = rng.uniform(keys, state.t + 1, ZEAL.id, (state.shape[1],))
    return state.replace(toy_crusade=np.where(state.alive & (u < params.zealot.crusade), 1.0, 0.0)), ()


ZEALOT = Mechanism(
    name="zealot", params=ZealotParams, doc=ZealotParams.__doc__, sources=("Johnson 2004",),
    fields=(StateField("toy_confidence", np.float64, "state", lambda c: c.params.zealot.confidence, "own-strength factor",
                       role="confidence"),
            StateField("toy_crusade", np.float64, "state", lambda c: 0.0, "crusades this year", role="crusade")),
    streams=(ZEAL,),
    steps=(Step("assess", _zeal),),
)


def _tables(params, worlds=200, years=80, seed=5, n=12):
    with using((*default_mechanisms(), ZEALOT)):
        sc = synthetic_scenario(n, seed=2, params=params)
        return to_tables(run_batch(sc, np.arange(worlds), years, seed=seed), sc)


def _wars(tables):
    ev = tables.events
    return ev[ev["event"].astype(str) == "war_start"], ev[ev["event"].astype(str) == "war_end"]


def test_kernels_are_the_reference_with_both_roles():
    with using((*default_mechanisms(), ZEALOT)):
        sc = synthetic_scenario(12, seed=2, params={"zealot": {"confidence": 1.6, "crusade": 0.02}})
        with compiled():
            fast = to_tables(run_batch(sc, np.arange(40), 50, seed=3), sc)
        with reference():
            ref = to_tables(run_batch(sc, np.arange(40), 50, seed=3), sc)
    starts, _ = _wars(ref)
    assert len(starts) > 20 and (starts["cause"].astype(str) == "ideology").any()
    for table in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(ref, table), check_exact=True)


def test_neutral_roles_change_nothing():
    """A confidence of 1 and no crusades: the same run as the default model's, bit for bit."""
    sc = synthetic_scenario(12, seed=2)
    base = to_tables(run_batch(sc, np.arange(30), 60, seed=4), sc)
    with using((*default_mechanisms(), ZEALOT)):
        sc = synthetic_scenario(12, seed=2)
        toy = to_tables(run_batch(sc, np.arange(30), 60, seed=4), sc)
    pd.testing.assert_frame_equal(base.events, toy.events, check_exact=True)
    pd.testing.assert_frame_equal(base.system, toy.system, check_exact=True)


def _initiator_lost_share(starts, ends):
    decided = ends[ends["winner"].astype(str) != ""]
    return float((decided["loser"].astype(str) == decided["attacker"].astype(str)).mean()), len(decided)


def test_overconfidence_starts_more_wars_and_loses_more_of_them():
    base_s, base_e = _wars(_tables({}))
    over_s, over_e = _wars(_tables({"zealot": {"confidence": 2.0}}))
    # tolerance: a doubled own strength in the estimate must at least add a fifth more wars
    assert len(over_s) > 1.2 * len(base_s), (len(base_s), len(over_s))
    lost0, n0 = _initiator_lost_share(base_s, base_e)
    lost1, n1 = _initiator_lost_share(over_s, over_e)
    se = np.sqrt(lost0 * (1 - lost0) / n0 + lost1 * (1 - lost1) / n1)
    assert lost1 > lost0 + 2 * se, (lost0, n0, lost1, n1)  # two standard errors


def test_crusades_are_wars_the_calculus_would_not_choose():
    starts, _ = _wars(_tables({"zealot": {"crusade": 0.01}}))
    ideo = starts[starts["cause"].astype(str) == "ideology"]
    # 200 worlds × 80 years × ~12 states × 1% ≈ 1,900 crusade draws; most find a target
    assert len(ideo) > 300, len(ideo)
    share_neg = float((ideo["expected_utility"] < 0).mean())
    assert share_neg > 0.5, share_neg  # most are wars the crusader expected to lose by


@pytest.mark.parametrize("seed", [1, 2])
def test_slot_fields_follow_the_wars(seed):
    """war_eu / war_foe are set when a war begins and war_outcome the year it ends (checked against
    the events, year by year, by driving the engine)."""
    from neorealism import engine
    from neorealism.mechanisms import conflict
    from neorealism.state import EngineParams, init_state

    sc = synthetic_scenario(10, seed=seed, params={"war": {"opportunity": 0.8, "offense_defense": 2.0}})
    p = EngineParams.from_scenario(sc, 20)
    keys = rng.world_keys(seed, np.arange(20))
    s = init_state(sc, p, keys)
    checked = 0
    for _ in range(40):
        s, events = engine.step(keys, s, p)
        for e in events:
            if e.kind == "war_start":
                assert np.array_equal(s.war_foe[e.r, e.values["attacker"]], e.values["defender"])
                np.testing.assert_array_equal(s.war_eu[e.r, e.values["attacker"]], e.values["expected_utility"])
            if e.kind == "war_end":
                a, win = e.values["attacker"], e.values["winner"]
                want = np.where(win < 0, conflict.UNDECIDED, np.where(win == a, conflict.WON, conflict.LOST))
                np.testing.assert_array_equal(s.war_outcome[e.r, a], want)
                checked += len(e.r)
        ended = sum(len(e.r) for e in events if e.kind == "war_end")
        assert (s.war_outcome > 0).sum() == ended  # set only in the year of the end
    assert checked > 10
