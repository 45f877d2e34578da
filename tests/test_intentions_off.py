"""Off means off: with every mechanism of the intentions layer switched off — beliefs (types and
beliefs), policy (reassure / deter), doctrine (its arming, gains and restraint) and nuclear
deterrence — a run is the run of the model without them (the previous issue's model), for the
same seed: the same states, events and system tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neorealism import api, engine
from neorealism.mechanisms.registry import default_mechanisms, using

LAYER = ("beliefs", "policy", "doctrine", "nuclear")


def _tables(sc, worlds=60, years=60, seed=9):
    return engine.to_tables(engine.run_batch(sc, np.arange(worlds), years, seed=seed), sc)


@pytest.mark.parametrize("name", ["multipolar", "bipolar", "cold-war-1950"])
def test_every_intention_mechanism_off_is_the_model_without_them(name):
    names = {m.name for m in default_mechanisms()}
    layer = [m for m in LAYER if m in names]
    assert set(layer) == set(LAYER), f"not registered: {set(LAYER) - set(layer)}"
    off = _tables(api.with_overrides(name, {f"{m}.enabled": False for m in layer}))
    with using([m for m in default_mechanisms() if m.name not in LAYER]):
        without = _tables(api.load(name))
    assert without.events["event"].eq("war_start").sum() > 0  # the runs have wars to get wrong
    common = [c for c in without.states.columns if c in off.states.columns]
    pd.testing.assert_frame_equal(off.states[common], without.states[common])
    pd.testing.assert_frame_equal(off.events[without.events.columns], without.events)
    common = [c for c in without.system.columns if c in off.system.columns]
    pd.testing.assert_frame_equal(off.system[common], without.system[common])


def test_the_layer_changes_the_model_when_on():
    """The converse: the same runs with the layer on differ (else the test above proves nothing)."""
    on = _tables(api.load("multipolar"))
    off = _tables(api.with_overrides("multipolar", {f"{m}.enabled": False for m in LAYER}))
    assert not on.events.equals(off.events)
