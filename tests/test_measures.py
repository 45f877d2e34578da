"""Measures of the distribution of power: CINC form, great powers, polarity, CON, HHI."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neorealism import measures as m


def test_composite_index_is_mean_of_component_shares():
    comps = np.array([[1.0, 3.0], [2.0, 2.0], [0.0, 4.0]])  # 3 components, 2 states
    expected = np.array([(0.25 + 0.5 + 0.0) / 3, (0.75 + 0.5 + 1.0) / 3])
    np.testing.assert_allclose(m.composite_index(comps), expected)


def test_missing_components_are_skipped_like_cow():
    comps = np.array([[1.0, 1.0, 2.0], [np.nan, 1.0, 1.0]])
    idx = m.composite_index(comps)
    # state 0: only component 0 → share 0.25; state 1: (0.25 + 0.5)/2; state 2: (0.5 + 0.5)/2
    np.testing.assert_allclose(idx, [0.25, 0.375, 0.5])
    # treating the NaN as zero would give a different answer (the convention matters)
    zero = m.composite_index(np.nan_to_num(comps))
    assert not np.allclose(zero, idx)


def test_absent_states_get_zero_and_do_not_count():
    comps = np.array([[1.0, 1.0, 2.0], [1.0, 1.0, 2.0]])
    idx = m.composite_index(comps, present=np.array([True, True, False]))
    np.testing.assert_allclose(idx, [0.5, 0.5, 0.0])


@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.just(5), st.integers(2, 12)), elements=st.floats(0.001, 1e6)))
def test_shares_sum_to_one_without_missing(comps):
    idx = m.composite_index(comps)
    np.testing.assert_allclose(idx.sum(axis=-1), 1.0, rtol=1e-9)
    assert (idx >= 0).all()


@pytest.mark.parametrize(
    ("shares", "rule", "n"),
    [
        ([0.5, 0.3, 0.1, 0.1], "share", 4),
        ([0.5, 0.3, 0.09, 0.11], "share", 3),
        ([0.6, 0.2, 0.1, 0.1], "relative", 2),  # 0.25 × 0.6 = 0.15
        ([0.05] * 20, "share", 0),
    ],
)
def test_great_power_rules(shares, rule, n):
    gp = m.great_powers(np.array(shares), rule=rule, threshold=0.10, relative=0.25)
    assert gp.sum() == n


def test_polarity_labels():
    assert list(m.polarity_labels(m.polarity(np.array([0, 1, 2, 3, 7])))) == [
        "nonpolar", "unipolar", "bipolar", "multipolar", "multipolar"
    ]


def test_concentration_known_values():
    # two equal great powers: no concentration
    s = np.array([0.4, 0.4, 0.1, 0.1])
    assert m.concentration(s, s >= 0.3) == pytest.approx(0.0, abs=1e-12)
    # 0.75 / 0.25 of joint capabilities: Σs² = 0.625, CON = sqrt((0.625 − 0.5)/0.5)
    s = np.array([0.6, 0.2, 0.1, 0.1])
    assert m.concentration(s, s >= 0.2) == pytest.approx(np.sqrt(0.25))
    # fewer than two great powers: taken over the top two states
    assert m.concentration(s, s >= 0.5) == pytest.approx(np.sqrt(0.25))


@given(arrays(np.float64, st.integers(2, 15), elements=st.floats(0.0, 1.0)).filter(lambda a: a.sum() > 0))
def test_concentration_and_hhi_in_range(s):
    s = s / s.sum()
    out = m.system_measures(s)
    assert 0.0 <= out["con"] <= 1.0
    assert 1.0 / len(s) - 1e-12 <= out["hhi"] <= 1.0 + 1e-12
    assert out["polarity"] == min(out["n_great_powers"], 3)


def test_batched_measures_match_one_world_at_a_time():
    g = np.random.default_rng(3)
    s = g.dirichlet(np.ones(9), size=(4, 6))
    full = m.system_measures(s)
    for a in range(4):
        for b in range(6):
            one = m.system_measures(s[a, b])
            assert one["con"] == full["con"][a, b]
            assert one["hhi"] == full["hhi"][a, b]
            assert one["n_great_powers"] == full["n_great_powers"][a, b]
