"""Richardson's (1960) arms race: armament.mode = "richardson" (issue 15, item 3).

dx/dt = k·y − a·x + g, dy/dt = l·x − b·y + h converges to
x* = (b·g + k·h)/(a·b − k·l), y* = (a·h + l·g)/(a·b − k·l) when a·b > k·l and
diverges when a·b < k·l.  Checked on the pure step with per-state
coefficients (symmetric and asymmetric), and through the engine on a
two-state scenario with no wars and no growth shocks.  The default mode
(internal balancing) is unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from contract import VIOLENT, MechanismContract, _scenario, assert_finite_run, extremes

from neorealism import engine, rng
from neorealism.mechanisms import armament
from neorealism.mechanisms.registry import current
from neorealism.scenario import validate_scenario
from neorealism.state import EngineParams, init_state
from neorealism.synthetic import synthetic_scenario


def equilibrium(k, l_, a, b, g, h):
    d = a * b - k * l_
    return (b * g + k * h) / d, (a * h + l_ * g) / d


def iterate(x0, k, a, g, dt=1.0, steps=500):
    """Iterate the two-state step: each state's rival military is the other's stock."""
    x = np.asarray(x0, dtype=float)
    path = [x]
    for _ in range(steps):
        x = armament.richardson_step(x, x[::-1], np.asarray(k), np.asarray(a), np.asarray(g), dt)
        path.append(x)
    return np.array(path)


# --------------------------------------------------------------------------- the pure step


def test_step_is_the_euler_step_floored_at_zero():
    x = np.array([1.0, 2.0, 0.5])
    y = np.array([3.0, 0.0, 0.0])
    out = armament.richardson_step(x, y, 0.2, np.array([0.5, 0.1, 1.0]), np.array([0.1, 0.0, -5.0]), 0.5)
    np.testing.assert_allclose(out, [1.0 + 0.5 * (0.6 - 0.5 + 0.1), 2.0 + 0.5 * (-0.2), 0.0])


@pytest.mark.parametrize("dt", [1.0, 0.25])
def test_symmetric_race_converges_to_the_equilibrium(dt):
    k, a, g = 0.3, 0.5, 0.1
    xs, ys = equilibrium(k, k, a, a, g, g)
    assert xs == pytest.approx(g / (a - k))
    path = iterate([0.0, 3.0], [k, k], [a, a], [g, g], dt=dt, steps=int(400 / dt))
    np.testing.assert_allclose(path[-1], [xs, ys], rtol=0.01)


@pytest.mark.parametrize(
    "k, l_, a, b, g, h",
    [
        (0.3, 0.5, 0.6, 0.4, 1.0, 2.0),   # a·b = 0.24 > k·l = 0.15
        (0.9, 0.1, 0.2, 0.8, 0.5, 0.0),   # a·b = 0.16 > k·l = 0.09: one side reacts much more
        (0.2, 0.3, 0.5, 0.5, -0.1, 1.0),  # a grievance and a goodwill that still leaves x* > 0
    ],
)
def test_asymmetric_race_converges_to_the_equilibrium(k, l_, a, b, g, h):
    xs, ys = equilibrium(k, l_, a, b, g, h)
    assert xs > 0 and ys > 0
    path = iterate([5.0, 0.1], [k, l_], [a, b], [g, h], steps=1000)
    np.testing.assert_allclose(path[-1], [xs, ys], rtol=0.01)
    np.testing.assert_allclose(iterate([0.0, 0.0], [k, l_], [a, b], [g, h], steps=1000)[-1], [xs, ys], rtol=0.01)


@pytest.mark.parametrize(
    "k, l_, a, b, g, h, dt",
    [
        (0.6, 0.7, 0.3, 0.4, 0.1, 0.1, 1.0),  # a·b = 0.12 < k·l = 0.42
        (0.5, 0.5, 0.4, 0.4, 0.1, 0.1, 1.0),  # symmetric, k > a
        (0.3, 0.5, 0.4, 0.3, 1.0, 0.0, 0.1),  # a·b = 0.12 < k·l = 0.15, small time step
    ],
)
def test_race_diverges_when_reaction_beats_fatigue(k, l_, a, b, g, h, dt):
    assert a * b < k * l_
    path = iterate([1.0, 1.0], [k, l_], [a, b], [g, h], dt=dt, steps=int(300 / dt))
    assert (np.diff(path[-100:], axis=0) > 0).all(), "both stocks keep growing"
    assert (path[-1] > 1e3 * path[0]).all() and np.isfinite(path[-1]).all()
    # and faster and faster: no finite equilibrium bounds them
    assert (path[-1] - path[-2] > path[-51] - path[-52]).all()


def test_a_negative_drive_with_stable_coefficients_disarms_to_zero():
    path = iterate([4.0, 2.0], [0.1, 0.1], [0.5, 0.5], [-1.0, -1.0], steps=100)
    assert (path[-1] == 0).all() and (path >= 0).all()


# --------------------------------------------------------------------------- through the engine


def duel(*, mode="richardson", k=0.3, a=0.5, g=0.1, decay=0.0, allied=False, military=(0.2, 1.5), **extra):
    """Two states, no wars, no growth shocks, exact perception, fixed alliances, Richardson's coefficients."""
    params = {
        "armament": {"mode": mode, "reaction": k, "fatigue": a, "grievance": g, **extra},
        "war": {"opportunity": 0.0},
        "perception": {"capability_noise": 0.0},
        "alliances": {"formation": 0.0, "dissolution": 0.0},
        "growth": {"sd": 0.0, "spread": 0.0},
        "geography": {"decay": decay},
    }
    states = [
        {"name": name, "military": m, "economy": 10.0, "population": 10.0, "resources": 5.0, "technology": 1.0,
         "position": pos}
        for name, m, pos in (("East", military[0], [0.0, 0.0]), ("West", military[1], [3.0, 4.0]))
    ]
    return validate_scenario({"name": "duel", "states": states, "params": params,
                              "alliances": [["East", "West"]] if allied else []})


def military_paths(sc, years=200, worlds=2):
    res = engine.simulate(sc, worlds=worlds, years=years, seed=5)
    st = res.states.sort_values(["world", "year", "state"])
    m = st["military"].to_numpy().reshape(worlds, years + 1, 2)
    b = st["burden"].to_numpy().reshape(worlds, years + 1, 2)
    return res, m, b


def test_engine_converges_to_the_symmetric_equilibrium():
    k, a, g = 0.3, 0.5, 0.1
    _, m, b = military_paths(duel(k=k, a=a, g=g))
    np.testing.assert_allclose(m[:, -1, :], g / (a - k), rtol=0.01)
    assert (b >= 0).all() and (b <= 0.2 + 1e-12).all()


def test_engine_equilibrium_uses_the_loss_of_strength_gradient():
    k, a, g, lam = 0.4, 0.5, 0.2, 0.1
    sc = duel(k=k, a=a, g=g, decay=lam)
    r = float(EngineParams.from_scenario(sc, 1).reach[0, 0, 1])
    assert r == pytest.approx(np.exp(-lam * 5.0))
    _, m, _ = military_paths(sc)
    np.testing.assert_allclose(m[:, -1, :], g / (a - k * r), rtol=0.01)


def test_engine_diverges_when_reaction_exceeds_fatigue():
    k, a, g = 0.6, 0.5, 0.1
    _, m, _ = military_paths(duel(k=k, a=a, g=g), years=150)
    assert (np.diff(m[:, -50:, :], axis=1) > 0).all()
    assert (m[:, -1, :] > 1e4 * m[:, 0, :]).all() and np.isfinite(m).all()


def test_engine_year_is_one_euler_step_and_the_stock_is_not_rebuilt_in_growth():
    k, a, g = 0.3, 0.5, 0.1
    sc = duel(k=k, a=a, g=g, decay=0.1)
    r = float(EngineParams.from_scenario(sc, 1).reach[0, 0, 1])
    _, m, b = military_paths(sc, years=30)
    expected = np.maximum(m[:, :-1, :] + (k * r * m[:, :-1, ::-1] - a * m[:, :-1, :] + g), 0.0)
    np.testing.assert_allclose(m[:, 1:, :], expected, rtol=1e-12)
    # the burden is the spending implied under the build rule, (M' − (1 − δ)M) / (E·tech·conversion), clipped
    assert (b[:, 1:, :] >= 0).all() and (b[:, 1:, :] <= 0.2 + 1e-12).all()


def test_implied_burden_is_charged_to_growth():
    sc = duel(k=0.3, a=0.0, g=0.5, depreciation=0.0)  # one unit of spending buys one unit of stock
    p = EngineParams.from_scenario(sc, 1)
    keys = rng.world_keys(1, np.arange(1))
    s = init_state(sc, p, keys)
    for _, st in current().steps():
        if st.stage in ("perceive", "assess"):
            s, _ = st.fn(keys, s, p)
    out, _ = armament.allocate(keys, s, p)
    spend = out.military - s.military
    np.testing.assert_allclose(out.burden, np.clip(spend / (s.economy * s.technology), 0, 0.2))


def test_allies_do_not_race():
    k, a, g = 0.6, 0.5, 0.1  # would diverge as rivals
    _, m, _ = military_paths(duel(k=k, a=a, g=g, allied=True), years=150)
    np.testing.assert_allclose(m[:, -1, :], g / a, rtol=0.01)


# --------------------------------------------------------------------------- the default is unchanged


def tables(res):
    return [getattr(res, t).reset_index(drop=True) for t in ("states", "system", "events")]


def test_default_mode_is_balancing_and_unchanged():
    assert armament.ArmamentParams().mode == "balancing"
    params = {"war": {"opportunity": 0.6}, "perception": {"capability_noise": 0.2}}
    base = synthetic_scenario(8, seed=2, params=params)
    explicit = synthetic_scenario(8, seed=2, params={**params, "armament": {"mode": "balancing", "reaction": 1.0}})
    for x, y in zip(tables(engine.simulate(base, worlds=4, years=40, seed=9)),
                    tables(engine.simulate(explicit, worlds=4, years=40, seed=9)), strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_mode_varies_across_worlds():
    sc = synthetic_scenario(6, seed=3, params={"war": {"opportunity": 0.5}})
    modes = ["balancing", "richardson", "richardson", "balancing"]
    mixed = engine.simulate(sc, worlds=4, years=30, seed=2, per_world={"armament.mode": modes})
    for mode in ("balancing", "richardson"):
        alone = engine.simulate(sc, worlds=4, years=30, seed=2, per_world={"armament.mode": [mode] * 4})
        rows = [w for w, x in enumerate(modes) if x == mode]
        for x, y in zip(tables(mixed), tables(alone), strict=True):
            pd.testing.assert_frame_equal(x[x["world"].isin(rows)].reset_index(drop=True),
                                          y[y["world"].isin(rows)].reset_index(drop=True))


# --------------------------------------------------------------------------- the contract, in richardson mode

RICH = {"armament": {"mode": "richardson"}}


class TestRichardsonContract(MechanismContract):
    """The mechanism contract with the Richardson mode switched on (the default mode's is in test_contract)."""

    mechanism = armament.MECHANISM
    overrides = RICH

    def test_outputs_stay_finite_at_the_extremes_of_every_parameter(self):
        cfg = {k: dict(v) for k, v in VIOLENT.items()} | {"armament": {"mode": "richardson"}}
        base = _scenario(cfg).model_dump()
        fastest = {"reaction": 1.0, "fatigue": 0.0, "dt": 1.0, "grievance": 1000.0}  # and no loss of strength
        for name, value in [*extremes(armament.ArmamentParams), ("fastest race", fastest)]:
            d = {**base, "params": {g: dict(v) for g, v in base["params"].items()}}
            if isinstance(value, dict):
                d["params"]["armament"].update(value)
                d["params"]["geography"] = {"decay": 0.0}
            else:
                d["params"]["armament"][name] = value
            try:
                sc = validate_scenario(d)
            except Exception:  # max_burden < base_burden: refused, not run
                continue
            assert_finite_run(sc, f"armament.{name} = {value}")
