"""With every critique off, results are the structural baseline's for the same seed (issue: relative
gains and the critiques).

The structural model is the baseline the critiques are tested against (Waltz 1979: the theory
explains by the system).  The domestic and cognitive critiques and cooperation under relative
gains ship registered but off by default: a run of the default registry must then give exactly the
numbers of a run of the registry without them — every common column of the three tables, bit for
bit, on the built-in scenarios and a synthetic one — and they must cost no events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neorealism.engine import run_batch, to_tables
from neorealism.mechanisms.registry import current, default_mechanisms, using
from neorealism.scenario import load_scenario
from neorealism.synthetic import synthetic_scenario

CRITIQUES = ("cooperation", "cognition", "domestic")

SCENARIOS = {
    "multipolar": lambda: load_scenario("multipolar"),
    "bipolar": lambda: load_scenario("bipolar"),
    "synthetic14": lambda: synthetic_scenario(14, seed=3),
}


def test_the_critiques_are_registered():
    names = [m.name for m in current().mechanisms]
    assert set(CRITIQUES) <= set(names)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_critiques_off_is_the_structural_baseline(name):
    full = to_tables(run_batch(SCENARIOS[name](), np.arange(40), 80, seed=11), SCENARIOS[name]())
    with using(tuple(m for m in default_mechanisms() if m.name not in CRITIQUES)):
        sc = SCENARIOS[name]()
        base = to_tables(run_batch(sc, np.arange(40), 80, seed=11), sc)
    ev = base.events["event"].astype(str)
    assert (ev == "war_start").sum() > 0, "the baseline must have wars for the comparison to mean anything"
    for table in ("states", "system", "events"):
        a, b = getattr(full, table), getattr(base, table)
        common = [c for c in b.columns if c in a.columns]
        assert len(common) == len(b.columns), f"{table}: the baseline's columns are all kept"
        if table == "events":
            assert len(a) == len(b), "the critiques switched off emit no events"
        pd.testing.assert_frame_equal(a[common].reset_index(drop=True), b[common].reset_index(drop=True),
                                      check_exact=True, check_categorical=False)
