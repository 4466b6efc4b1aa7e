"""Arrays in and out: dtypes, orders, views and lists in; float64 arrays of the documented shapes out."""

import numpy as np
import pytest

import flows


@pytest.fixture(scope="module")
def flow():
    rng = np.random.default_rng(9)
    # Two clusters: not Gaussian, so that training improves on the untrained flow.
    x = rng.normal(size=(2000, 3)) * 0.4 + np.where(rng.random((2000, 1)) < 0.5, -1.5, 1.5)
    flow = flows.Flow("realnvp", features=3, seed=1, transforms=2, hidden=8)
    flow.fit(x, max_epochs=2, progress=False)
    return flow


def test_every_float_layout_gives_the_same_log_density(flow):
    x = np.random.default_rng(0).normal(size=(50, 3))
    reference = flow.log_prob(x)
    assert reference.dtype == np.float64 and reference.shape == (50,)
    assert np.all(np.isfinite(reference))
    wide = np.zeros((50, 6))
    wide[:, ::2] = x
    for same in (x.astype(np.float32), np.asfortranarray(x), wide[:, ::2], x.tolist()):
        np.testing.assert_allclose(flow.log_prob(same), reference, rtol=1e-6, atol=1e-6)


def test_the_latent_codes_decode_to_the_points(flow):
    x = np.random.default_rng(1).normal(size=(40, 3))
    z = flow.encode(x)
    assert z.shape == (40, 3) and z.dtype == np.float64
    assert not np.allclose(z, x)
    np.testing.assert_allclose(flow.decode(z), x, atol=1e-4)


def test_samples_are_reproducible_from_a_seed_and_fresh_without_one(flow):
    a = flow.sample(100, seed=3)
    assert a.shape == (100, 3) and a.dtype == np.float64
    np.testing.assert_array_equal(a, flow.sample(100, seed=3))
    assert not np.array_equal(flow.sample(100), flow.sample(100))


def test_a_one_feature_flow_takes_a_vector_as_one_column():
    flow = flows.Flow("planar", features=1, seed=0)
    x = np.linspace(-1, 1, 7)
    np.testing.assert_allclose(flow.log_prob(x), flow.log_prob(x[:, None]))
    assert flow.sample(5).shape == (5, 1)


def test_a_conditional_flow_samples_a_block_per_context_row():
    flow = flows.Flow("maf", features=2, context=3, seed=0)
    contexts = np.random.default_rng(2).normal(size=(4, 3))
    samples = flow.sample(25, context=contexts, seed=1)
    assert samples.shape == (4, 25, 2)
    x = samples[1]
    np.testing.assert_allclose(
        flow.log_prob(x, context=np.repeat(contexts[1:2], 25, axis=0)),
        flow.log_prob(x, context=np.tile(contexts[1], (25, 1))),
    )
    assert flow.encode(x, np.repeat(contexts[:1], 25, axis=0)).shape == (25, 2)


def test_the_flow_says_what_it_is(flow):
    assert (flow.family, flow.features, flow.context) == ("realnvp", 3, 0)
    assert "realnvp" in repr(flow)
    assert flow.artifact_dir is not None
    assert flows.Flow("nsf", features=2).artifact_dir is None


def test_a_conditional_flow_learns_x_given_its_context():
    rng = np.random.default_rng(4)
    c = rng.uniform(-2, 2, size=(4000, 1))
    x = np.hstack([c + 0.1 * rng.normal(size=(4000, 1)), -c + 0.1 * rng.normal(size=(4000, 1))])
    flow = flows.Flow("maf", features=2, context=1, seed=0, hidden=32)
    history = flow.fit(x, context=c, max_epochs=15, progress=False)
    assert history["best_epoch"] is not None
    samples = flow.sample(2000, context=[[-1.0], [1.5]], seed=2)
    assert samples.shape == (2, 2000, 2)
    np.testing.assert_allclose(samples[0].mean(axis=0), [-1.0, 1.0], atol=0.15)
    np.testing.assert_allclose(samples[1].mean(axis=0), [1.5, -1.5], atol=0.15)
    near = flow.log_prob([[1.5, -1.5]], context=[[1.5]])
    far = flow.log_prob([[1.5, -1.5]], context=[[-1.0]])
    assert near[0] > far[0] + 10
