"""The stopping power of water (Mearsheimer 2001, ch. 4): power projected across water fades faster.

``geography.water`` multiplies the loss-of-strength rate λ for pairs of states on different
landmasses (``states[k].landmass``; states that name none share one landmass).  The expected
matrices are written out here from the positions, not taken from the module.
"""

import numpy as np
import pytest

from neorealism import engine
from neorealism.errors import ScenarioError
from neorealism.mechanisms.geography import across_water
from neorealism.scenario import builtin_names, load_scenario, validate_scenario
from neorealism.state import EngineParams
from neorealism.synthetic import synthetic_scenario


def _plane(sc) -> np.ndarray:
    pos = np.array([s.position for s in sc.states])
    return np.hypot(pos[:, None, 0] - pos[None, :, 0], pos[:, None, 1] - pos[None, :, 1])


def _with(sc, landmass=None, **geo):
    d = sc.model_dump()
    if landmass is not None:
        for s, lm in zip(d["states"], landmass, strict=True):
            s["landmass"] = lm
    d["params"]["geography"].update(geo)
    return validate_scenario(d)


def _split(sc):
    """West / East by the map's x coordinate (the synthetic map is 10 × 10 thousand km)."""
    return ["West" if s.position[0] < 5 else "East" for s in sc.states]


def _no_landmass(sc):
    d = sc.model_dump()
    for s in d["states"]:
        s["landmass"] = None
    return validate_scenario(d)


@pytest.mark.parametrize("name", builtin_names())
def test_no_landmass_keeps_the_gradient_exactly(name):
    # with no landmass set the matrix is exp(−λ·d) to the bit, whatever water is
    sc = _no_landmass(load_scenario(name))
    base = EngineParams.from_scenario(sc, 3).decay
    assert base.strides[0] == 0, "one map for all worlds stays a broadcast view"
    for water in (1.0, 3.0, 20.0):
        p = EngineParams.from_scenario(_with(sc, water=water), 3)
        np.testing.assert_array_equal(p.decay, base)
    if sc.params.geography.metric == "plane":
        np.testing.assert_allclose(base[0], np.exp(-sc.params.geography.decay * _plane(sc)), rtol=1e-14)


@pytest.mark.parametrize("name", builtin_names())
def test_built_in_landmasses_steepen_only_the_pairs_across_water(name):
    sc = load_scenario(name)
    lm = [s.landmass for s in sc.states]
    flat = EngineParams.from_scenario(_no_landmass(sc), 1).decay[0]
    got = EngineParams.from_scenario(sc, 1).decay[0]
    cross = np.array([[a != b for b in lm] for a in lm])
    np.testing.assert_array_equal(got[~cross], flat[~cross])
    w = sc.params.geography.water
    np.testing.assert_allclose(got[cross], flat[cross] ** w, rtol=1e-10)


def test_across_water_the_rate_is_multiplied():
    sc = synthetic_scenario(8, seed=3)
    lm = _split(sc)
    lam, water = 0.2, 4.0
    p = EngineParams.from_scenario(_with(sc, lm, decay=lam, water=water), 2)
    d = _plane(sc)
    cross = np.array([[a != b for b in lm] for a in lm])
    assert cross.any() and (~cross & ~np.eye(8, dtype=bool)).any()
    want = np.where(cross, np.exp(-water * lam * d), np.exp(-lam * d))
    np.testing.assert_allclose(p.decay[0], want, rtol=1e-13)
    np.testing.assert_array_equal(p.decay[0], p.decay[1])
    assert (np.diag(p.decay[0]) == 1).all()
    assert (p.decay[0][cross] < np.exp(-lam * d)[cross]).all()  # water stops power
    # water 1: no obstacle, the same matrix as with no landmass at all
    p1 = EngineParams.from_scenario(_with(sc, lm, decay=lam, water=1.0), 1)
    np.testing.assert_array_equal(p1.decay[0], EngineParams.from_scenario(_with(sc, decay=lam), 1).decay[0])


def test_unset_landmass_is_one_landmass_of_its_own():
    assert not across_water([None, None, None]).any()
    got = across_water(["Britain", None, None, "Britain", "Japan"])
    want = np.array([[x != y for y in "ABBAC"] for x in "ABBAC"])
    np.testing.assert_array_equal(got, want)
    # a landmass named like the unset one is still a landmass of its own
    assert across_water(["None", None])[0, 1]


def test_sphere_metric_with_landmasses():
    sc = _no_landmass(load_scenario("us-china-2016"))
    lm = ["Americas" if s.position[1] < -30 else "Eurasia" for s in sc.states]  # [lat, lon]: the west
    assert lm.count("Americas") == 2
    p0 = EngineParams.from_scenario(sc, 1).decay[0]
    p = EngineParams.from_scenario(_with(sc, lm, water=3.0), 1).decay[0]
    cross = np.array([[a != b for b in lm] for a in lm])
    # exp(−3λd) = exp(−λd)³ on the pairs across the ocean, the same elsewhere
    np.testing.assert_allclose(p[cross], p0[cross] ** 3, rtol=1e-12)
    np.testing.assert_array_equal(p[~cross], p0[~cross])


def test_water_may_vary_across_worlds():
    sc = _with(synthetic_scenario(6, seed=1), None)
    sc = _with(sc, _split(sc))
    waters = [1.0, 2.5, 7.0]
    pw = EngineParams.from_scenario(sc, 3, per_world={"geography.water": waters}).decay
    assert pw.shape == (3, 6, 6)
    for k, w in enumerate(waters):
        np.testing.assert_array_equal(pw[k], EngineParams.from_scenario(_with(sc, water=w), 1).decay[0])


def test_bad_water_and_landmass_are_one_clear_line():
    sc = synthetic_scenario(4, seed=0)
    with pytest.raises(ScenarioError) as e:
        _with(sc, water=0.5)
    assert "geography.water" in str(e.value) and "0.5" in str(e.value)
    d = sc.model_dump()
    d["states"][1]["landmass"] = ""
    with pytest.raises(ScenarioError) as e:
        validate_scenario(d)
    assert "states[1]" in str(e.value) and "landmass" in str(e.value)


@pytest.mark.slow  # ~3 s: 2 × 200 worlds × 60 years
def test_water_stops_wars_across_it():
    # Mearsheimer (2001, ch. 4): armies do not cross oceans in force, so with a strong stopping power
    # of water far fewer of the wars that start are fought from one landmass against another.  Same
    # seed, same map, 200 worlds × 60 years each; the share of wars across the water falls with a
    # difference of proportions whose z exceeds 3.
    sc = synthetic_scenario(12, seed=5, params={"war": {"opportunity": 0.8}})
    lm = _split(sc)
    side = dict(zip([s.name for s in sc.states], lm, strict=True))
    shares, counts = [], []
    for water in (1.0, 6.0):
        res = engine.simulate(_with(sc, lm, water=water), worlds=200, years=60, seed=11, states="none")
        ws = res.events[res.events.event == "war_start"]
        cross = (ws.attacker.map(side) != ws.defender.map(side)).to_numpy()
        counts.append(len(cross))
        shares.append(cross.mean())
    n1, n2 = counts
    assert min(counts) > 100, counts
    pooled = (shares[0] * n1 + shares[1] * n2) / (n1 + n2)
    z = (shares[0] - shares[1]) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    assert z > 3, (shares, counts, z)
