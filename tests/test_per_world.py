"""Parameters that vary across worlds: one parameter point per world in one batch.

Each world's results must be identical to a run of its point alone (with
the same world id and seed), so a sweep over many points can run as one batch.
"""

import numpy as np
import pandas as pd
import pytest

from neorealism import engine
from neorealism.errors import ParameterError
from neorealism.scenario import apply_overrides, load_scenario

POINTS = {
    "war.cost": [0.05, 0.15, 0.3, 0.15, 0.6, 0.1],
    "war.offense_defense": [0.5, 1.0, 2.0, 3.0, 1.0, 1.5],
    "war.decisiveness": [2.0, 1.0, 3.5, 2.0, 0.7, 2.0],
    "armament.sensitivity": [0.08, 0.5, 0.0, 2.0, 0.08, 0.3],
    "growth.guns_butter": [0.5, 0.0, 1.0, 2.0, 0.5, 0.25],
    "geography.decay": [0.15, 0.0, 0.5, 0.15, 1.0, 0.3],
    "authority.enforcement": [0.0, 0.5, 0.0, 0.9, 0.2, 0.0],
    "perception.capability_noise": [0.0, 0.3, 0.0, 1.0, 0.0, 0.5],
    "measures.gp_rule": ["share", "relative", "share", "relative", "share", "share"],
    "measures.gp_threshold": [0.1, 0.1, 0.2, 0.05, 0.1, 0.15],
}


@pytest.mark.parametrize("name", ["multipolar", "bipolar"])
def test_each_world_equals_its_point_run_alone(name):
    sc = load_scenario(name)
    R = len(next(iter(POINTS.values())))
    batch = engine.simulate(sc, worlds=R, years=80, seed=4, per_world=POINTS, chunk_size=4)
    assert batch.events.event.eq("war_start").sum() > 0
    for w in range(R):
        point = apply_overrides(sc, [f"{k}={v[w]}" for k, v in POINTS.items()])
        alone = engine.to_tables(engine.run_batch(point, [w], 80, 4), point)
        for table in ("states", "system", "events"):
            a = getattr(alone, table)
            b = getattr(batch, table)
            b = b[b.world == w].reset_index(drop=True)
            pd.testing.assert_frame_equal(a, b, check_categorical=False, obj=f"{table} of world {w}")


def test_points_really_differ():
    # guard: the per-world values reach the worlds (a sweep whose points were ignored would pass the test above)
    sc = load_scenario("multipolar")
    pw = {"war.opportunity": np.array([0.0, 0.0, 1.0, 1.0])}
    res = engine.simulate(sc, worlds=4, years=100, seed=1, per_world=pw)
    wars = res.system.groupby("world").wars_started.sum()
    assert wars[0] == 0 and wars[1] == 0 and wars[2] > 0 and wars[3] > 0


def test_bad_per_world_values_name_the_parameter_and_range():
    sc = load_scenario("bipolar")
    with pytest.raises(ParameterError, match=r"war\.cost.*less than or equal to 1"):
        engine.simulate(sc, worlds=3, years=2, per_world={"war.cost": [0.1, 2.0, 0.1]})
    with pytest.raises(ParameterError, match="expected 3 values"):
        engine.simulate(sc, worlds=3, years=2, per_world={"war.cost": [0.1, 0.2]})
    with pytest.raises(ParameterError, match="not a parameter"):
        engine.simulate(sc, worlds=2, years=2, per_world={"war.costs": [0.1, 0.2]})
    # a cross-field rule holds per point too
    with pytest.raises(ParameterError, match="max_burden"):
        engine.simulate(sc, worlds=2, years=2, per_world={"armament.max_burden": [0.2, 0.01]})
