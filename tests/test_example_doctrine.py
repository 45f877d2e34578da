"""The shipped user-doctrine example (neorealism.examples.custom_doctrine) runs and does what its docs say."""

import numpy as np
import pytest

from neorealism.examples import custom_doctrine
from neorealism.mechanisms.doctrines import get, registered


def test_the_example_registers_its_doctrine_without_touching_the_engine():
    assert "jackal" in registered() and get("jackal") is custom_doctrine.Jackal
    sc = custom_doctrine.mixed()
    kinds = [s.doctrine for s in sc.states]
    assert kinds.count("jackal") == len(kinds[1::3]) and set(kinds) == {"defensive", "jackal"}


def _per_world_rate(res, sc, doctrine, years):
    """Wars started per state and century in each world by the states of ``doctrine``, (worlds,)."""
    mine = [s.name for s in sc.states if s.doctrine == doctrine]
    ws = res.events[(res.events.event == "war_start") & res.events.attacker.isin(mine)]
    worlds = res.system.world.nunique()
    counts = np.bincount(ws.world.to_numpy(), minlength=worlds)
    return counts / len(mine) / (years / 100)


@pytest.mark.slow  # ~6 s: 2 × 200 worlds × 100 years
def test_custom_doctrine_example(monkeypatch):
    runs = {}
    real = custom_doctrine.simulate

    def recording(scenario, **kwargs):
        res = real(scenario, **kwargs)
        runs[scenario.name] = (scenario, kwargs, res)
        return res

    monkeypatch.setattr(custom_doctrine, "simulate", recording)
    table = custom_doctrine.main(worlds=200, years=100, seed=0)
    assert list(table.index) == [("with jackal", "defensive"), ("with jackal", "jackal"),
                                 ("with offensive", "defensive"), ("with offensive", "offensive")]
    assert list(table.columns) == ["states", "crises_per_state_century", "wars_started_per_state_century",
                                   "alive_at_end"]
    v = table.to_numpy()
    assert np.isfinite(v).all() and (v >= 0).all() and (table.alive_at_end <= 1).all()
    assert sorted(runs) == ["multipolar-jackal", "multipolar-offensive"]
    for sc, kwargs, res in runs.values():  # the table is made of these runs
        assert (kwargs["worlds"], kwargs["years"], kwargs["seed"]) == (200, 100, 0)
        name = sc.name.split("-")[1]
        assert _per_world_rate(res, sc, name, 100).mean() == pytest.approx(
            table.loc[(f"with {name}", name), "wars_started_per_state_century"])
    # Schweller (1994): the jackal preys at every opportunity, so its states start more wars than the
    # security seekers beside them in the same worlds: per world, the jackals' rate minus the defensive
    # states' rate, mean over 200 worlds, z above 3.
    sc, _, res = runs["multipolar-jackal"]
    d = _per_world_rate(res, sc, "jackal", 100) - _per_world_rate(res, sc, "defensive", 100)
    z = d.mean() / (d.std(ddof=1) / np.sqrt(len(d)))
    assert z > 3, (d.mean(), z)
    # a limited-aims revisionist is less aggressive than a power maximiser in the same seats (Welch z > 3)
    so, _, ro = runs["multipolar-offensive"]
    a, b = _per_world_rate(ro, so, "offensive", 100), _per_world_rate(res, sc, "jackal", 100)
    z2 = (a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert z2 > 3, (a.mean(), b.mean(), z2)
