"""Counter-based random streams: right distributions, one stream per world."""

import numpy as np
import pytest

from neorealism import rng


def test_uniform_moments():
    keys = rng.world_keys(1, np.arange(1000))
    u = rng.uniform(keys, 3, rng.Stream.GROWTH_SHOCK, (1000,))
    assert u.shape == (1000, 1000)
    assert u.min() >= 0.0 and u.max() < 1.0
    n = u.size
    # mean 1/2 (sd 1/sqrt(12 n)), variance 1/12: within 5 standard errors
    assert abs(u.mean() - 0.5) < 5 / np.sqrt(12 * n)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / n)


def test_normal_moments_and_tails():
    keys = rng.world_keys(2, np.arange(500))
    z = rng.normal(keys, 1, rng.Stream.PERCEPTION, (2000,)).ravel()
    assert abs(z.mean()) < 5 / np.sqrt(z.size)
    assert abs(z.var() - 1.0) < 5 * np.sqrt(2 / z.size)
    assert abs((np.abs(z) > 1.96).mean() - 0.05) < 0.002
    assert np.isfinite(z).all()


def test_streams_and_years_are_uncorrelated():
    keys = rng.world_keys(3, np.arange(200))
    a = rng.uniform(keys, 5, rng.Stream.WAR_DECISION, (500,)).ravel()
    b = rng.uniform(keys, 5, rng.Stream.WAR_OUTCOME, (500,)).ravel()
    c = rng.uniform(keys, 6, rng.Stream.WAR_DECISION, (500,)).ravel()
    for x in (b, c):
        assert abs(np.corrcoef(a, x)[0, 1]) < 5 / np.sqrt(a.size)


def test_world_stream_does_not_depend_on_batch():
    ids = np.arange(50)
    batch = rng.uniform(rng.world_keys(9, ids), 7, rng.Stream.GROWTH_SHOCK, (13,))
    for w in (0, 17, 49):
        alone = rng.uniform(rng.world_keys(9, [w]), 7, rng.Stream.GROWTH_SHOCK, (13,))
        np.testing.assert_array_equal(alone[0], batch[w])


@pytest.mark.parametrize("other_seed", [1, 2, 12345])
def test_seeds_give_different_streams(other_seed):
    a = rng.uniform(rng.world_keys(0, [0]), 1, 1, (100,))
    b = rng.uniform(rng.world_keys(other_seed, [0]), 1, 1, (100,))
    assert not np.array_equal(a, b)
    keys = rng.world_keys(0, np.arange(10000))
    assert len(np.unique(keys)) == 10000
