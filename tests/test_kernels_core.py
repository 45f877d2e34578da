"""The compiled kernels of perception, threat and armament give the NumPy reference's numbers.

Draws: bit for bit (the counter hash and the inverse-CDF normal reimplemented
in Numba).  Element-wise results and row sums: bit for bit (the kernels sum in
einsum's order).  Whole runs: engine.run_batch tables equal with kernels on and
under ``reference()``, exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from neorealism import engine, rng, rng_kernels
from neorealism.kernels import compiled, reference
from neorealism.mechanisms import armament, perception, threat
from neorealism.scenario import load_scenario
from neorealism.state import EngineParams
from neorealism.synthetic import synthetic_scenario

# --- the generator -------------------------------------------------------------

@pytest.mark.parametrize("seed,year,stream,n", [(0, 0, 1, 1), (3, 7, 8, 400), (2**40 + 5, 199, 27, 33), (11, 2**20, 3, 9)])
def test_kernel_draws_are_the_numpy_draws_bit_for_bit(seed, year, stream, n):
    keys = rng.world_keys(seed, np.arange(500) * 7919)
    with reference():
        normal, uniform = rng.normal(keys, year, stream, (n,)), rng.uniform(keys, year, stream, (n,))
        shaped = rng.uniform(keys[:7], year, stream, (3, n)), rng.normal(keys[:7], year, stream, ())
    np.testing.assert_array_equal(rng_kernels.normal(keys, year, stream, n), normal)
    np.testing.assert_array_equal(rng_kernels.uniform(keys, year, stream, n), uniform)
    with compiled():  # rng's own functions dispatch to the kernels, for any shape
        np.testing.assert_array_equal(rng.normal(keys, year, stream, (n,)), normal)
        np.testing.assert_array_equal(rng.uniform(keys, year, stream, (n,)), uniform)
        np.testing.assert_array_equal(rng.uniform(keys[:7], year, stream, (3, n)), shaped[0])
        np.testing.assert_array_equal(rng.normal(keys[:7], year, stream, ()), shaped[1])


@pytest.mark.parametrize("scale", ["unit", "low tail", "high tail", "deep tail"])
def test_kernel_inverse_normal_is_scipys_bit_for_bit(scale):
    import numba

    @numba.njit
    def many(u):
        out = np.empty_like(u)
        for i in range(u.size):
            out[i] = rng_kernels.ndtri(u[i])
        return out

    g = np.random.default_rng(5)
    u = {"unit": g.random(400_000),
         "low tail": 10 ** g.uniform(-16, -0.9, 200_000),
         "high tail": 1 - 10 ** g.uniform(-16, -0.9, 200_000),
         "deep tail": 10 ** g.uniform(-300, -14, 100_000)}[scale]
    u = np.concatenate([u, [2.0**-54, 1 - 2.0**-54, 0.5, 0.13533528323661269189, 1 - 0.13533528323661269189]])
    np.testing.assert_array_equal(many(u), ndtri(u))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 16, 17, 20, 41])
def test_kernel_sums_follow_einsums_order_bit_for_bit(n):
    import numba

    from neorealism.mechanisms.perception_kernels import dot_sum, plain_sum

    @numba.njit
    def rows(a, b):
        out = np.empty((a.shape[0], 2))
        p = np.empty(a.shape[1])
        for r in range(a.shape[0]):
            for j in range(a.shape[1]):
                p[j] = a[r, j] * b[r, j]
            out[r, 0] = dot_sum(p, a.shape[1])
            out[r, 1] = plain_sum(a[r], a.shape[1])
        return out

    g = np.random.default_rng(n)
    a = g.standard_normal((3000, n)) * 10 ** g.uniform(-4, 4, (3000, n))
    b = g.random((3000, n))
    got = rows(a, b)
    np.testing.assert_array_equal(got[:, 0], np.einsum("rj,rj->r", a, b))
    np.testing.assert_array_equal(got[:, 1], np.einsum("rj->r", a))


def test_batched_tails_are_scipys_bit_for_bit():
    g = np.random.default_rng(9)
    u = np.concatenate([10 ** g.uniform(-300, -0.87, 50_000), 1 - 10 ** g.uniform(-16, -0.87, 50_000),
                        [0.0, 1.0, 2.0**-54, 1 - 2.0**-53]])
    z = np.empty(u.size)
    rng_kernels.normal_tails(u, np.arange(u.size), u.size, z, np.empty(3 * u.size))
    np.testing.assert_array_equal(z, ndtri(u))


def test_batched_tails_pass_what_they_do_not_transform_to_ndtri():
    """Values off the tails' fast loops (central values, the far branch x ≥ 8, 0 and 1), alone and among
    tail values, come out as scipy's ndtri gives them."""
    g = np.random.default_rng(4)
    odd = np.array([0.5, 0.3, 0.13533528323661269189 + 1e-12, 1 - 0.13533528323661269189, 1e-300, 1 - 2.0**-53,
                    0.0, 1.0, 2.0**-1074])
    for u in (odd, np.concatenate([10 ** g.uniform(-10, -0.9, 300), odd, 1 - 10 ** g.uniform(-10, -0.9, 300)])):
        z = np.empty(u.size)
        rng_kernels.normal_tails(u, np.arange(u.size), u.size, z, np.empty(3 * u.size))
        np.testing.assert_array_equal(z, ndtri(u))


@pytest.mark.parametrize("sd", [0.4, 2.5])
def test_noise_exponent_uses_rng_normals_bit_for_bit(sd):
    from neorealism.mechanisms.perception_kernels import noise_exponent

    N = 20
    keys = rng.world_keys(17, np.arange(300))
    got = noise_exponent(keys, 42, 8, np.full(300, sd), N)
    with reference():
        z = rng.normal(keys, 42, 8, (N, N))
    want = np.where(np.eye(N, dtype=bool), 0.0, sd * z - 0.5 * sd * sd)
    np.testing.assert_array_equal(got, want)


# --- the steps on random inputs ------------------------------------------------------

class _State:
    """A stand-in for the engine state with only the fields the three steps read."""

    def __init__(self, **f):
        self.__dict__.update(f)
        self.fields = f
        self.shape = f["alive"].shape

    def replace(self, **f):
        return _State(**{**self.fields, **f})


class _Group:
    def __init__(self, **f):
        self.__dict__.update(f)


def _inputs(seed, R=64, N=9, per_world=False):
    g = np.random.default_rng(seed)
    alive = g.random((R, N)) > 0.15
    actor = np.ones(N, dtype=bool)
    actor[-1] = False
    allied = g.random((R, N, N)) > 0.7
    allied = (allied | allied.transpose(0, 2, 1)) & ~np.eye(N, dtype=bool)
    power = np.where(alive, g.random((R, N)) * 10 ** g.uniform(-3, 0, (R, N)), 0.0)
    power[0, 0] = 0.0  # a living state with no power
    military = np.where(alive, g.exponential(size=(R, N)), 0.0)
    reach = np.exp(-g.uniform(0, 3, (R, N, N))) * (1 - np.eye(N))

    def world(lo, hi):
        return g.uniform(lo, hi, (R, 1)) if per_world else float(g.uniform(lo, hi))

    params = _Group(
        actor=actor, reach=reach, n_states=N,
        perception=_Group(capability_noise=world(0.0, 1.5)),
        authority=_Group(enforcement=world(0.0, 0.5)),
        war=_Group(offense_defense=world(0.5, 2.0)),
        threat=_Group(offense_weight=world(0.0, 2.0), power_weight=1.0),
        armament=_Group(others_weight=world(0.0, 1.0), ally_weight=world(0.0, 1.0), sensitivity=world(0.5, 2.0),
                        conversion=1.0, depreciation=0.08),
    )
    if per_world:
        params.perception.capability_noise[:3] = 0.0  # some worlds see exactly
    state = _State(alive=alive, allied=allied, power=power, military=military, t=int(g.integers(0, 300)),
                   economy=np.where(alive, g.random((R, N)) + 0.1, 0.0), technology=np.ones((R, N)))
    keys = rng.world_keys(seed, np.arange(R))
    return keys, state, params


def _both(fn):
    with compiled():
        k = fn()
    with reference():
        r = fn()
    return k, r


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("per_world", [False, True])
def test_perception_kernel_is_the_reference_bit_for_bit(seed, per_world):
    keys, state, params = _inputs(seed, per_world=per_world)
    (km, kp), (rm, rp) = _both(lambda: perception.observed(state, params, keys))
    np.testing.assert_array_equal(km, rm)
    np.testing.assert_array_equal(kp, rp)
    assert not np.array_equal(rm[:, 0, 1:], np.broadcast_to(state.military[:, 1:], rm[:, 0, 1:].shape))  # noise was drawn


def _perceived(seed, per_world):
    keys, state, params = _inputs(seed, per_world=per_world)
    with reference():
        m, p = perception.observed(state, params, keys)
    return keys, state.replace(seen_military=np.ascontiguousarray(m), seen_power=np.ascontiguousarray(p)), params


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("per_world", [False, True])
def test_threat_kernel_matches_the_reference(seed, per_world):
    keys, state, params = _perceived(seed, per_world)
    k, r = _both(lambda: threat.assess(keys, state, params)[0])
    np.testing.assert_array_equal(k.threat_from, r.threat_from)  # element-wise: the same operations
    np.testing.assert_array_equal(k.threat, r.threat)
    assert (r.threat > 0).any() and (r.threat_from > 0).any()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("per_world", [False, True])
@pytest.mark.parametrize("allies", [True, False])
def test_armament_kernel_matches_the_reference(seed, per_world, allies):
    keys, state, params = _perceived(seed, per_world)
    if not allies:
        state = state.replace(allied=np.zeros_like(state.allied))
    with reference():
        state = threat.assess(keys, state, params)[0]
    k, r = _both(lambda: armament.required_burden(state, params))
    np.testing.assert_array_equal(k, r)
    kh, rh = _both(lambda: perception.perceived_sum(params.reach, state.seen_military, state.alive))
    np.testing.assert_array_equal(kh, rh)
    assert (r > 0).any()


# --- whole runs ---------------------------------------------------------------

def _tables(sc, kernels: bool, per_world=None):
    ctx = compiled() if kernels else reference()
    with ctx:
        traj = engine.run_batch(sc, np.arange(50), 60, seed=4, per_world=per_world)
    return engine.to_tables(traj, sc)


@pytest.mark.parametrize("name", ["bipolar", "multipolar", "synthetic"])
def test_whole_runs_are_the_same_with_kernels_and_reference(name):
    sc = synthetic_scenario(20, seed=1) if name == "synthetic" else load_scenario(name)
    k, r = _tables(sc, True), _tables(sc, False)
    for table in ("states", "system", "events"):
        a, b = getattr(k, table), getattr(r, table)
        assert len(a) == len(b) and len(a) > 0
        pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("N", [2, 5, 9, 20, 30])
def test_measure_kernel_is_the_reference_bit_for_bit(seed, N):
    from neorealism.mechanisms import polarity
    from neorealism.state import COMPONENTS

    g = np.random.default_rng(seed)
    R = 80
    alive = g.random((R, N)) > 0.2
    comps = {c: g.random((R, N)) * 10 ** g.uniform(-3, 3, (R, N)) for c in COMPONENTS}
    comps["resources"][g.random((R, N)) < 0.1] = np.nan  # missing values are skipped
    comps["military"][:5] = 0.0  # a component with a zero total carries no information
    actor = np.ones(N, dtype=bool)
    actor[0] = False
    state = _State(alive=alive, gp_seen=g.random((R, N)) > 0.1, gp_status=g.random((R, N)) > 0.7,
                   gp_up=g.integers(0, 4, (R, N)), gp_down=g.integers(0, 4, (R, N)), **comps)
    state.components = lambda: np.stack([comps[c] for c in COMPONENTS], axis=1)
    state.replace = lambda **f: f
    params = _Group(actor=actor, measures=_Group(gp_rule="cow", gp_threshold=0.1, gp_relative=0.25,
                                                 gp_concentration=g.uniform(0.05, 0.5, (R, 1)),
                                                 gp_enter=g.integers(1, 4, (R, 1)), gp_exit=3))
    k, r = _both(lambda: polarity.measure(None, state, params)[0])
    assert k.keys() == r.keys()
    for name in r:
        assert np.asarray(k[name]).dtype == np.asarray(r[name]).dtype, name
        np.testing.assert_array_equal(k[name], r[name], err_msg=name)
    assert r["n_great_powers"].any() and np.isfinite(r["con"]).any()


@pytest.mark.parametrize("case", ["exact perception", "per-world parameters", "richardson"])
def test_whole_runs_are_the_same_with_kernels_and_reference_off_the_default(case):
    from neorealism.scenario import apply_overrides

    sc = load_scenario("multipolar")
    per_world = None
    if case == "exact perception":
        sc = apply_overrides(sc, ["perception.capability_noise=0"])
    elif case == "per-world parameters":  # noise off in some worlds, other bars and weights in others
        g = np.random.default_rng(3)
        per_world = {"perception.capability_noise": np.where(np.arange(50) % 4 == 0, 0.0, g.uniform(0.1, 1.0, 50)),
                     "armament.others_weight": g.uniform(0, 1, 50), "measures.gp_enter": g.integers(1, 4, 50),
                     "threat.offense_weight": g.uniform(0, 2, 50)}
    else:
        sc = apply_overrides(sc, ["armament.mode=richardson"])
    k, r = _tables(sc, True, per_world), _tables(sc, False, per_world)
    for table in ("states", "system", "events"):
        a, b = getattr(k, table), getattr(r, table)
        assert len(a) == len(b) and len(a) > 0
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_belief_kernel_matches_the_reference():
    """Bayes' rule on every pair and the intentions factor: the kernel's numbers are the reference's, on a
    run's state with beliefs at the edges, crises pressed and new alliances (every branch of the evidence)."""
    from neorealism.mechanisms import beliefs

    sc = load_scenario("multipolar")
    traj = engine.run_batch(sc, np.arange(40), 12, seed=2)
    st = traj.final
    R, N = st.shape
    rng_ = np.random.default_rng(5)
    b = rng_.uniform(0.0, 1.0, (R, N, N))
    b[:, 0, 1], b[:, 2, 3] = 1.0, 0.0  # the edges (1 − b = 0; b = 0)
    b[:, np.arange(N), np.arange(N)] = 0.0
    seen = st.allied & (rng_.uniform(size=st.allied.shape) < 0.5)  # half the alliances are new
    st = st.replace(belief=b, allied_seen=seen)
    assert (st.crisis_target >= 0).any() and (st.allied & ~seen).any()
    p = EngineParams.from_scenario(sc, R)
    keys = rng.world_keys(2, np.arange(R))
    with compiled():
        fast, _ = beliefs.update(keys, st, p)
    with reference():
        ref, _ = beliefs.update(keys, st, p)
    for name in ("belief", "intent_factor"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(ref, name), err_msg=name)
    assert not np.allclose(ref.belief, b)  # the evidence moved the beliefs


@pytest.mark.parametrize("case", ["default", "per-world", "futility 1", "futility 0.5", "no allies"])
def test_allocate_kernel_matches_the_reference(case):
    """Internal balancing in one compiled pass (forces, need, burden, target, adjustment): the kernel's
    burdens are the reference's bit for bit, on a run's state (dead states, allies, policies, greedy states)."""
    from neorealism.scenario import apply_overrides

    sc = load_scenario("multipolar")
    if case.startswith("futility"):
        sc = apply_overrides(sc, [f"armament.futility={case.split()[1]}"])
    R = 40
    per_world = None
    if case == "per-world":
        g = np.random.default_rng(8)
        per_world = {"armament.sensitivity": g.uniform(0.5, 2.0, R), "armament.base_burden": g.uniform(0.0, 0.05, R),
                     "armament.adjustment": g.uniform(0.1, 0.9, R), "armament.depreciation": g.uniform(0.02, 0.2, R),
                     "armament.others_weight": g.uniform(0, 1, R)}
    traj = engine.run_batch(sc, np.arange(R), 30, seed=3, per_world=per_world)
    st = traj.final
    if case == "no allies":
        st = st.replace(allied=np.zeros_like(st.allied))
    p = EngineParams.from_scenario(sc, R, per_world=per_world)
    keys = rng.world_keys(3, np.arange(R))
    with reference():
        st = threat.assess(keys, perception.perceive(keys, st, p)[0], p)[0]
        ref, _ = armament.allocate(keys, st, p)
    with compiled():
        fast, _ = armament.allocate(keys, st, p)
    assert (~st.alive).any()
    for name in ("burden", "burden_justified", "burden_target"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(ref, name), err_msg=name)
    assert (ref.burden_target > ref.burden_justified).any() or case != "default"  # a greedy state's premium
