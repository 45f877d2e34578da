"""The alliance kernels (mechanisms/alliances_kernels.py) against the NumPy reference of mechanisms/alliances.py.

Unit tests run each kernel and its NumPy form on the same random inputs
(seeded; the states come from warm-up years of random scenarios with
alliance parameters turned up so that alliances form, dissolve and are
called upon); whole runs compare the tables of ``engine.run_batch`` with
the kernels on and under :func:`neorealism.kernels.reference`.  Choices,
draws, integers and events must be identical; floats summed in another
order (``expected_support``'s einsum) within 1e-12 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neorealism import engine, rng
from neorealism.api import load
from neorealism.kernels import compiled, reference
from neorealism.mechanisms import alliances as al
from neorealism.mechanisms import alliances_kernels as kern
from neorealism.mechanisms.registry import current
from neorealism.state import EngineParams, init_state
from neorealism.synthetic import synthetic_scenario

BUSY = {"alliances": {"formation": 0.6, "dissolution": 0.5, "bandwagon": 0.5, "overwhelming": 2.0, "chain_gang": 0.5},
        "war": {"opportunity": 0.5}}


# --------------------------------------------------------------------------- building blocks


def test_np_sum_adds_like_numpy():
    """The kernels' sum reproduces NumPy's pairwise sum bit for bit (rows of 0 to 300 values, any magnitudes)."""
    g = np.random.default_rng(0)
    for n in [*range(0, 140), 150, 255, 256, 300]:
        a = g.normal(size=(3, n)) * 10.0 ** g.uniform(-8, 8, size=(3, n))
        want = a.sum(axis=1)
        for q in range(3):
            assert kern.np_sum(a[q].copy(), n) == want[q], n


def test_kernel_draws_are_the_engine_draws():
    """The counter-based draws of the honour kernel are :func:`neorealism.rng.uniform`'s numbers."""
    keys = rng.world_keys(11, np.arange(40))
    for year, stream, shape in [(1, al.HONOUR.id, (20, 20)), (250, 33, (9,)), (0, 1, (4, 6))]:
        want = rng.uniform(keys, year, stream, shape).reshape(40, -1)
        r = np.repeat(np.arange(40), want.shape[1])
        n = np.tile(np.arange(want.shape[1]), 40)
        assert np.array_equal(kern.uniform_at(keys, year, stream, want.shape[1], r, n), want.ravel())


@pytest.mark.parametrize("seed", range(6))
def test_bloc_labels_kernel_equals_scipy_components(seed):
    """Bloc labels from the kernel's search and from scipy's connected components agree (sparse to dense graphs)."""
    g = np.random.default_rng(seed)
    R, N = 60, int(g.integers(1, 40))
    density = g.uniform(0.0, 0.3, size=(R, 1, 1))
    up = np.triu(g.uniform(size=(R, N, N)) < density, 1)
    allied = up | up.transpose(0, 2, 1)
    with reference():
        want = al.bloc_labels(allied)
    with compiled():
        got = al.bloc_labels(allied)
    assert np.array_equal(got, want)
    assert (want >= 0).any() or N < 2 or density.max() < 0.05


# --------------------------------------------------------------------------- the steps on warmed-up states


def _inputs(sc, R, years, seed=0):
    """The input states of each alliance step (and each expected_support call) over ``years`` years."""
    p = EngineParams.from_scenario(sc, R)
    keys = rng.world_keys(seed, np.arange(R))
    s = init_state(sc, p, keys)
    got = {"ally": [], "honour": [], "measure": [], "support": []}
    orig = al.expected_support

    def record(state, params, r, i, **kw):
        got["support"].append((state, np.array(r), np.array(i)))
        return orig(state, params, r, i, **kw)

    al.expected_support = record
    try:
        with reference():
            for _ in range(years):
                for m, st in current().steps():
                    if m.name == "alliances":
                        got[st.name].append(s)
                    s, _ = st.fn(keys, s, p)
                s = s.replace(t=s.t + 1)
    finally:
        al.expected_support = orig
    return keys, p, got


def _same_events(e1, e2):
    assert [e.kind for e in e1] == [e.kind for e in e2]
    for x, y in zip(e1, e2, strict=True):
        assert np.array_equal(x.r, y.r)
        assert list(x.values) == list(y.values)
        for k in x.values:
            a, b = np.asarray(x.values[k]), np.asarray(y.values[k])
            assert a.dtype == b.dtype and np.array_equal(a, b), (x.kind, k)


def _same_state(s1, s2):
    assert s1.t == s2.t and list(s1.fields) == list(s2.fields)
    for k in s1.fields:
        a, b = s1.fields[k], s2.fields[k]
        assert np.asarray(a).dtype == np.asarray(b).dtype and np.array_equal(a, b, equal_nan=True), k


CASES = [
    ("synthetic 12, busy", lambda: synthetic_scenario(12, seed=4, params=BUSY)),
    ("synthetic 9, busy, exact perception", lambda: synthetic_scenario(
        9, seed=5, params=BUSY | {"perception": {"capability_noise": 0.0}})),
    ("synthetic 20, default", lambda: synthetic_scenario(20, seed=1)),
]


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
def warmed(request):
    return _inputs(request.param[1](), R=40, years=30)


@pytest.mark.parametrize("step", ["ally", "honour", "measure"])
def test_steps_with_kernels_equal_the_reference(warmed, step):
    """Every alliance step gives the same state and the same events with and without its kernel, year by year."""
    keys, p, got = warmed
    fn = getattr(al, step)
    acted = 0
    for s in got[step]:
        with reference():
            s1, e1 = fn(keys, s, p)
        with compiled():
            s2, e2 = fn(keys, s, p)
        _same_state(s1, s2)
        _same_events(e1, e2)
        acted += sum(len(e.r) for e in e1)
    if step != "measure":
        assert acted > 0, "the inputs must make the step act"


def test_measure_relabels_every_world_alike(warmed):
    """With every world's blocs searched again (as in the first year), the kernel's labels are the reference's."""
    keys, p, got = warmed
    for s in got["measure"]:
        s = s.replace(allied_before=~s.allied)
        with reference():
            s1, _ = al.measure(keys, s, p)
        with compiled():
            s2, _ = al.measure(keys, s, p)
        _same_state(s1, s2)


def test_expected_support_kernel_equals_the_reference(warmed):
    """The kernel's expected support equals the NumPy form's (within 1e-12 relative: einsum sums in its own order)."""
    keys, p, got = warmed
    assert got["support"]
    for s, r, i in got["support"]:
        with reference():
            t1, f1 = al.expected_support(s, p, r, i)
        with compiled():
            t2, f2 = al.expected_support(s, p, r, i)
        np.testing.assert_allclose(t2, t1, rtol=1e-12, atol=0)
        np.testing.assert_array_equal(f2, f1)  # the chain-ganging sum is in the same order
    assert (t1 > 0).any()


def test_rivals_only_support_is_the_reference_wherever_the_crisis_looks(warmed):
    """``rivals_only`` (what :func:`.conflict.decide` asks of the kernel) gives the reference's numbers at every
    target the crisis decision weighs — a living actor j ≠ i that is not i's ally, and j = 0, which the
    challenger's argmax keeps — and 0 elsewhere."""
    keys, p, got = warmed
    weighed_any = skipped = 0
    for s, r, i in got["support"]:
        with reference():
            t1, f1 = al.expected_support(s, p, r, i)
        with compiled():
            t2, f2 = al.expected_support(s, p, r, i, rivals_only=True)
        N = s.shape[1]
        live = (s.alive & p.actor[None, :])[r]
        weighed = live & ~s.allied[r, i, :] & (np.arange(N)[None, :] != i[:, None])
        weighed[:, 0] = np.arange(N)[0] != i
        np.testing.assert_allclose(t2[weighed], t1[weighed], rtol=1e-12, atol=0)
        np.testing.assert_array_equal(f2[weighed], f1[weighed])
        assert not t2[~weighed].any() and not f2[~weighed].any()
        weighed_any += int((t1[weighed] > 0).sum())
        skipped += int((t1[~weighed] > 0).sum())  # support the reference computes that the crisis never reads
    assert weighed_any > 0 and skipped > 0


@pytest.mark.parametrize("rivals_only", [False, True])
def test_support_kernel_writes_every_entry(warmed, rivals_only):
    """The kernel fills its (K, N) outputs whole (the caller hands it uninitialised arrays): prefilled
    with NaN, they come back exactly as prefilled with zeros — worlds without alliances included."""
    keys, p, got = warmed
    a = p.alliances
    for s, r, i in got["support"][:10]:
        R = s.shape[0]
        vec = [np.broadcast_to(np.asarray(x, dtype=np.float64).reshape(-1), (R,))[r].copy()
               for x in (a.reliability, a.buck_passing, a.chain_gang)]
        outs = []
        for fill in (0.0, np.nan):
            ft, fs = np.full((len(r), s.shape[1]), fill), np.full((len(r), s.shape[1]), fill)
            kern.expected_support(r, i, s.allied, s.alive & p.actor[None, :], s.seen_military, p.decay,
                                  s.military, *vec, bool(np.any(np.asarray(a.chain_gang) > 0)), ft, fs, rivals_only)
            outs.append((ft, fs))
        np.testing.assert_array_equal(outs[1][0], outs[0][0])
        np.testing.assert_array_equal(outs[1][1], outs[0][1])
    lone = got["support"][0][0].replace(allied=np.zeros_like(got["support"][0][0].allied))
    s, r, i = lone, got["support"][0][1], got["support"][0][2]
    t, f = al.expected_support(s, p, r, i, rivals_only=rivals_only)
    assert not t.any() and not f.any() and np.isfinite(t).all()


def test_expected_support_kernel_with_per_world_parameters_and_unsorted_deciders():
    """Per-world reliability / buck-passing / chain-ganging, and deciders not grouped by world, are read right."""
    sc = synthetic_scenario(10, seed=2, params=BUSY)
    R = 8
    pw = {"alliances.reliability": np.linspace(0.1, 1.0, R), "alliances.buck_passing": np.linspace(1.0, 0.0, R),
          "alliances.chain_gang": np.linspace(0.0, 0.9, R)}
    _, _, got = _inputs(sc, R, 20)
    s = got["ally"][-1]
    p = EngineParams.from_scenario(sc, R, per_world=pw)
    assert isinstance(p.alliances.reliability, np.ndarray)
    g = np.random.default_rng(3)
    r = g.integers(0, R, size=300)
    i = g.integers(0, 10, size=300)
    with reference():
        t1, f1 = al.expected_support(s, p, r, i)
    with compiled():
        t2, f2 = al.expected_support(s, p, r, i)
    np.testing.assert_allclose(t2, t1, rtol=1e-12, atol=0)
    np.testing.assert_allclose(f2, f1, rtol=1e-12, atol=0)
    assert (t1 > 0).any() and (f1 > 0).any()


# --------------------------------------------------------------------------- whole runs


def _tables(sc, worlds=50, years=60):
    res = engine.to_tables(engine.run_batch(sc, np.arange(worlds), years, seed=0), sc)
    return res.states, res.system, res.events


SCENARIOS = {
    "bipolar": lambda: load("bipolar"),
    "multipolar": lambda: load("multipolar"),
    "unipolar": lambda: load("unipolar"),
    "synthetic 20": lambda: synthetic_scenario(20, seed=1),
}


def _compare(a, b):
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=False, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_whole_runs_equal_with_the_alliance_kernels_on_and_off(name, monkeypatch):
    """Runs of 50 worlds × 60 years give the same tables with the alliance kernels and with their NumPy forms
    (every other mechanism as the switch has it): the kernels change nothing but the time."""
    sc = SCENARIOS[name]()
    with compiled():
        fast = _tables(sc)
        monkeypatch.setattr(al, "use_kernels", lambda: False)
        slow = _tables(sc)
    _compare(fast, slow)
    ev = fast[2]["event"].astype(str)
    assert ev.str.startswith("alliance_").any(), "the run must form or leave alliances"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_whole_runs_equal_with_all_kernels_and_under_reference(name):
    """The same with every kernel of the engine on against :func:`neorealism.kernels.reference`."""
    sc = SCENARIOS[name]()
    with compiled():
        fast = _tables(sc)
    with reference():
        slow = _tables(sc)
    _compare(fast, slow)


@pytest.mark.parametrize("N", [1, 2, 63, 64, 65, 80])
def test_bloc_labels_bit_masks_and_wide_search_equal_scipy(N):
    """The bit-mask search (N ≤ 64) and the stack search (wider) give scipy's components, also for links
    recorded one way only and for self-links."""
    g = np.random.default_rng(N)
    R = 25
    density = g.uniform(0.0, 4.0 / max(N, 1), size=(R, 1, 1))
    allied = g.uniform(size=(R, N, N)) < density  # not symmetric: a link counts in either direction
    allied[0] = False
    with reference():
        want = al.bloc_labels(allied)
    with compiled():
        got = al.bloc_labels(allied)
    assert np.array_equal(got, want)
