"""Known directions of the theory that the core must reproduce (seeded, stated tolerance).

Each check runs many worlds and compares per-world means with a Welch
z statistic; the claim holds when z exceeds 3 in the predicted direction
(a one-sided test at about the 0.1% level), so a failure means the
mechanism, not chance.
"""

import numpy as np
import pytest

from neorealism import engine
from neorealism.scenario import load_scenario, validate_scenario

WORLDS, YEARS, SEED = 400, 100, 2026


def run(name="multipolar", **over):
    d = load_scenario(name).model_dump()
    for k, v in over.items():
        group, field = k.split("__")
        d["params"][group][field] = v
    res = engine.simulate(validate_scenario(d), worlds=WORLDS, years=YEARS, seed=SEED)
    wars = res.system.groupby("world").wars_started.sum().to_numpy()
    alive = res.states[res.states.alive]
    burden = alive.groupby("world").burden.mean().to_numpy()
    return wars, burden


def z(a, b):
    """Welch z of mean(a) − mean(b)."""
    return (a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))


@pytest.mark.slow
def test_offense_dominance_raises_war_frequency():
    # Jervis (1978), Van Evera (1999): when offense has the advantage, war is more likely
    wars_def, _ = run(war__offense_defense=0.8)
    wars_off, _ = run(war__offense_defense=1.6)
    assert z(wars_off, wars_def) > 3, (wars_off.mean(), wars_def.mean())
    assert wars_off.mean() > 1.2 * wars_def.mean()


@pytest.mark.slow
def test_hierarchy_cuts_wars_and_military_burden():
    # Waltz (1979): anarchy forces self-help; a world authority (ρ = 0.9) relieves it
    wars_an, burden_an = run(authority__enforcement=0.0)
    wars_hi, burden_hi = run(authority__enforcement=0.9)
    assert z(wars_an, wars_hi) > 3, (wars_an.mean(), wars_hi.mean())
    assert z(burden_an, burden_hi) > 3, (burden_an.mean(), burden_hi.mean())
    assert wars_hi.mean() < 0.5 * wars_an.mean()
    assert burden_hi.mean() < 0.8 * burden_an.mean()
