"""Growth without artefacts (issue 15, item 2): measured from runs, not from the formulas.

- With war off the distribution of power does not drift by construction:
  HHI moves both ways across worlds and its median change is small.
- Guns cost butter by the calibrated amount: across worlds whose burdens
  differ, growth falls by ``guns_butter`` per unit of burden.
- Convergence (on by default): technology laggards grow faster and close
  part of their gap to the frontier; switched off, nobody catches up.
- Population, technology and resources grow at per-state trends with a
  small per-world spread; economies do not shrink by construction.
"""

from __future__ import annotations

import numpy as np
import pytest

from neorealism import api, engine
from neorealism.mechanisms.growth import GrowthParams
from neorealism.scenario import validate_scenario

OFF = {"growth.convergence": 0.0, "growth.diffusion": 0.0}


def run(name="multipolar", worlds=300, years=200, seed=0, per_world=None, **over):
    sc = api.with_overrides(name, {"war.opportunity": 0.0, **over})
    return engine.simulate(sc, worlds=worlds, years=years, seed=seed, per_world=per_world)


def wide(res, col):
    return res.states.pivot_table(index=["world", "state"], columns="year", values=col)


# --------------------------------------------------------------------------- no drift by construction


@pytest.mark.parametrize("scenario, band", [("multipolar", 0.005), ("bipolar", 0.01)])
def test_with_war_off_hhi_does_not_drift(scenario, band):
    """300 worlds × 200 years, seed 0, war off.  Before issue #15: HHI rose in all 300 worlds (.104 → .177).

    Band: |median ΔHHI| ≤ 0.005 (multipolar, ~5% of its .104) / 0.01 (bipolar, ~5% of .188); both signs
    occur, each in at least a fifth of the worlds.
    """
    res = run(scenario)
    h = res.system.pivot(index="world", columns="year", values="hhi")
    d = h[200] - h[0]
    assert abs(d.median()) <= band, d.describe()
    assert 0.2 <= (d < 0).mean() <= 0.8, (d < 0).mean()


def test_economies_do_not_shrink_by_construction():
    """Surviving minor states (power share < 10% at the start) grow, war off and on (was −3.3 to −3.5%/yr)."""
    for sc in (api.with_overrides("multipolar", {"war.opportunity": 0.0}), api.load("multipolar")):
        st = engine.simulate(sc, worlds=100, years=200, seed=3).states
        s0 = st[st.year == 0].set_index(["world", "state"])
        sT = st[st.year == 200].set_index(["world", "state"])
        minor = (s0.power < 0.10) & sT.alive
        g = (sT.economy[minor] / s0.economy[minor]) ** (1 / 200) - 1
        assert g.median() > 0.01, (sc.params.war.opportunity, g.median())


# --------------------------------------------------------------------------- guns and butter


def growth_at_burden(b, years=10, **over):
    """Mean yearly log growth of every state (world, state) with every burden fixed at ``b`` (multipolar, war off)."""
    res = run(worlds=60, years=years, seed=4, **{"armament.base_burden": b, "armament.max_burden": b}, **over)
    E = wide(res, "economy").to_numpy()
    return np.log(E[:, 1:] / E[:, :-1]).mean(axis=1)


@pytest.mark.parametrize("over, lo, hi", [(OFF, 0.95, 1.02), ({}, 0.80, 1.0)])
def test_a_higher_burden_lowers_growth_by_the_calibrated_amount(over, lo, hi):
    """Burdens fixed at 2, 5 and 8% in the same 60 worlds (same shocks), multipolar, war off, 10 years:
    the slope of measured growth on the burden is −c.

    Convergence off: within −5%/+2% of c (the log of the growth factor bends it by ~2%).  On: the gap the
    burden opens is partly closed again within the decade, so the slope lies between 0.8 c and c.
    """
    bs = np.array([0.02, 0.05, 0.08])
    g = np.array([growth_at_burden(b, **over).mean() for b in bs])
    slope = np.polyfit(bs, g, 1)[0]
    c = GrowthParams().guns_butter
    assert lo * c <= -slope <= hi * c, (slope, c)


def test_guns_butter_is_in_the_range_of_the_defence_growth_literature():
    """Deger & Sen 1995; Dunne, Smith & Willenbockel 2005: about 0.1–0.33 points of growth per point of burden."""
    assert 0.1 <= GrowthParams().guns_butter <= 0.33


# --------------------------------------------------------------------------- convergence


def catch_up(**over):
    """Technology leaders (top third at the start) and laggards (bottom third), multipolar, war off, 60 years,
    every burden fixed at 3% (other things equal: the laggards do not arm differently)."""
    sc = api.with_overrides("multipolar", {"war.opportunity": 0.0, "armament.base_burden": 0.03,
                                           "armament.max_burden": 0.03, **over})
    res = engine.simulate(sc, worlds=200, years=60, seed=5)
    T0 = {s.name: s.technology for s in sc.states}
    order = sorted(T0, key=T0.get)
    k = len(order) // 3
    laggards, leaders = order[:k], order[-k:]
    st = res.states.set_index(["world", "state", "year"])
    y = (st.economy / st.population).unstack()
    T = st.technology.unstack()
    gy = np.log(y[60] / y[0]) / 60  # yearly growth of output per head
    pick = lambda s, names: s[s.index.get_level_values("state").isin(names)]  # noqa: E731
    lag_T = np.log(pick(T, laggards)).groupby(level="world").mean()
    lead_T = np.log(pick(T, leaders)).groupby(level="world").mean()
    closed = ((lag_T[60] - lead_T[60]) - (lag_T[0] - lead_T[0])).mean()  # log technology gap closed
    return pick(gy, laggards).mean() - pick(gy, leaders).mean(), closed


def test_convergence_on_laggards_grow_faster_and_technology_diffuses():
    """200 worlds × 60 years: laggards' output per head grows ≥ 0.03 point a year faster than the leaders' (measured: 0.07),
    and they close ≥ 0.03 of the log technology gap (of ~0.36; catch_up = 0.25 lets them close a quarter)."""
    dgy, closed = catch_up()
    dgy_off, _ = catch_up(**OFF)  # the same worlds (same draws) with convergence off
    assert dgy > 0.0003 and dgy - dgy_off > 0.0003, (dgy, dgy_off)
    assert closed > 0.03, closed


def test_convergence_off_no_catch_up():
    dgy, closed = catch_up(**OFF)
    assert abs(dgy) < 0.0007, dgy  # 3 standard errors of the base-rate spread over 5 × 200 states
    assert abs(closed) < 0.005, closed  # only the per-world trend spread moves it


def test_conditional_convergence_pulls_a_state_back_to_its_path():
    """A state that loses half its economy (at year 0 of its path) recovers with convergence on, not off.

    The growth step alone, 100 years, no shocks, burden fixed: on, most of the loss is made good
    (β = 0.02: about e^−2 of the log gap is left); off, the state stays at half its path.
    """
    from neorealism import rng
    from neorealism.mechanisms import growth
    from neorealism.state import EngineParams, init_state

    def ratio(**over):
        sc = api.with_overrides("multipolar", {"growth.sd": 0.0, "growth.spread": 0.0, "growth.trend_spread": 0.0,
                                               **over})
        p = EngineParams.from_scenario(sc, 2)
        keys = rng.world_keys(0, np.arange(2))
        ref = init_state(sc, p, keys)
        econ = np.array(ref.economy, copy=True)
        econ[:, 5] /= 2.0  # Italica
        hit = ref.replace(economy=econ)
        for _ in range(100):
            ref = growth.grow(keys, ref, p)[0].replace(t=ref.t + 1)
            hit = growth.grow(keys, hit, p)[0].replace(t=hit.t + 1)
        return hit.economy[:, 5] / ref.economy[:, 5]

    on, off = ratio(), ratio(**OFF)
    assert (on > 0.85).all(), on
    np.testing.assert_allclose(off, 0.5, rtol=1e-9)


# --------------------------------------------------------------------------- per-state trends


def test_population_technology_and_resources_grow_per_state():
    d = api.with_overrides("multipolar", {"war.opportunity": 0.0}).model_dump()
    d["states"][0].update(population_growth=0.03, technology_growth=0.03, resources_growth=-0.01)
    sc = validate_scenario(d)
    st = engine.simulate(sc, worlds=200, years=50, seed=6).states.set_index(["world", "state", "year"])
    rate = lambda col, name: (np.log(st[col].unstack()[50] / st[col].unstack()[0]) / 50).xs(name, level="state")  # noqa: E731
    spread = GrowthParams().trend_spread
    pop, res = rate("population", "Albion"), rate("resources", "Albion")
    assert abs(pop.mean() - np.log1p(0.03)) < 3 * spread / np.sqrt(200) + 1e-4
    assert abs(res.mean() - np.log1p(-0.01)) < 3 * spread / np.sqrt(200) + 1e-4
    # the per-world spread: worlds differ in a state's trend, by about trend_spread
    assert 0.7 * spread < pop.std() < 1.3 * spread
    # Albion, the fastest, is the technology frontier: it grows at its own trend (diffusion does not touch it)
    tech = rate("technology", "Albion")
    assert abs(tech.mean() - np.log1p(0.03)) < 3 * spread / np.sqrt(200) + 1e-4
    other = rate("population", "Gallia")
    assert abs(other.mean() - np.log1p(GrowthParams().population)) < 3 * spread / np.sqrt(200) + 1e-4


# --------------------------------------------------------------------------- the kernel against the reference


def _grow_inputs(sc, R, years, seed=0):
    """The growth step's input states over ``years`` years of the full model (reference forms)."""
    from neorealism import rng
    from neorealism.kernels import reference
    from neorealism.mechanisms.registry import current
    from neorealism.state import EngineParams, init_state

    p = EngineParams.from_scenario(sc, R)
    keys = rng.world_keys(seed, np.arange(R))
    s = init_state(sc, p, keys)
    got = []
    with reference():
        for _ in range(years):
            for m, st in current().steps():
                if m.name == "growth":
                    got.append(s)
                s, _ = st.fn(keys, s, p)
            s = s.replace(t=s.t + 1)
    return keys, p, got


@pytest.mark.parametrize("over", [{}, OFF, {"growth.convergence": 0.0}, {"growth.diffusion": 0.0},
                                  {"war.opportunity": 0.3}, {"armament.mode": "richardson"}])
def test_grow_kernel_is_the_reference_bit_for_bit(over):
    """The growth step with its kernel gives every field of the reference, to the bit, year by year
    (with and without convergence and diffusion; with wars, so that states die and economies shrink;
    in richardson mode, where the military is not built)."""
    from neorealism.kernels import compiled, reference
    from neorealism.mechanisms import growth
    from neorealism.synthetic import synthetic_scenario

    sc = api.with_overrides(synthetic_scenario(12, seed=3), over)
    keys, p, got = _grow_inputs(sc, R=30, years=25)
    for s in got:
        with reference():
            s1, _ = growth.grow(keys, s, p)
        with compiled():
            s2, _ = growth.grow(keys, s, p)
        for k in s1.fields:
            a, b = np.asarray(s1.fields[k]), np.asarray(s2.fields[k])
            assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), k
            assert np.array_equal(np.signbit(a), np.signbit(b)), k


def test_grow_kernel_floors_and_nan_like_numpy():
    """The kernel's maximum is NumPy's: NaN propagates and a tie with the floor gives the floor (+0.0)."""
    from neorealism.mechanisms import growth_kernels as kern

    x = np.array([np.nan, -0.0, 0.0, -1.0, 0.25, 0.5, 2.0])
    for c in (0.0, 0.5):
        want = np.maximum(x, c)
        got = np.array([kern._max(v, c) for v in x])
        assert np.array_equal(want, got, equal_nan=True) and np.array_equal(np.signbit(want), np.signbit(got))


def test_grow_kernel_log_is_fmath_log():
    """The kernel's logarithm is :func:`neorealism.fmath.log` to the bit, its special cases included
    (NaN below 0 and of NaN, −inf at ±0, inf of inf)."""
    from neorealism import fmath
    from neorealism.mechanisms import growth_kernels as kern

    x = np.array([np.nan, -np.inf, -1.0, -0.0, 0.0, 5e-324, 1e-300, 0.5, 1.0, 1.0 + 2**-52, 3.0, 1e300, np.inf])
    x = np.concatenate([x, np.random.default_rng(0).lognormal(0.0, 3.0, 2000)])
    with np.errstate(invalid="ignore", divide="ignore"):
        want = fmath.log(x)
    got = np.array([kern._log(v) for v in x])
    assert np.array_equal(want, got, equal_nan=True) and np.array_equal(np.signbit(want), np.signbit(got))
