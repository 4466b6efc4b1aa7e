"""Neural posterior estimation on a simulator written in NumPy, and the built-in tasks."""

import numpy as np
import pytest

import flows


def simulator(theta, rng):
    """x = θ + noise of scale 0.1: the posterior at x_o is near x_o."""
    return theta + 0.1 * rng.normal(size=theta.shape)


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    theta = rng.uniform(-2, 2, size=(4000, 2))
    posterior = flows.NPE(prior_box=[(-2, 2), (-2, 2)], transforms=2, hidden=32)
    history = posterior.fit(theta, simulator(theta, rng), max_epochs=30, progress=False)
    return posterior, history


def test_the_posterior_concentrates_near_the_observation_inside_the_box(trained):
    posterior, history = trained
    assert history["best_epoch"] is not None
    x_o = np.array([0.5, -1.0])
    draws = posterior.sample(2000, x_o, seed=1)
    assert draws.shape == (2000, 2)
    assert np.all(np.abs(draws) <= 2)
    np.testing.assert_allclose(draws.mean(axis=0), x_o, atol=0.1)
    assert 0.2 < draws.std(axis=0).mean() * 10 < 3
    assert 0 < posterior.last_acceptance <= 1


def test_log_prob_takes_one_observation_or_one_per_row(trained):
    posterior, _ = trained
    theta = np.array([[0.5, -1.0], [1.5, 1.5]])
    at_one = posterior.log_prob(theta, np.array([0.5, -1.0]))
    per_row = posterior.log_prob(theta, np.array([[0.5, -1.0], [0.5, -1.0]]))
    np.testing.assert_allclose(at_one, per_row)
    assert at_one[0] > at_one[1] + 10


def test_a_saved_posterior_loads_as_npe_and_samples_with_flow_train(trained, tmp_path, cli):
    posterior, _ = trained
    posterior.save(tmp_path / "posterior")
    loaded = flows.load(tmp_path / "posterior")
    assert isinstance(loaded, flows.NPE)
    assert loaded.prior_box == [(-2.0, 2.0), (-2.0, 2.0)]
    np.testing.assert_array_equal(loaded.sample(100, [0.5, -1.0], seed=4), posterior.sample(100, [0.5, -1.0], seed=4))
    cli("sample", "--artifact-dir", tmp_path / "posterior", "--context", "0.5,-1.0", "-n", 100,
        "--out", tmp_path / "draws.csv")
    assert np.loadtxt(tmp_path / "draws.csv", delimiter=",", skiprows=1).shape == (100, 2)


def test_an_observation_of_the_wrong_width_is_a_value_error(trained):
    posterior, _ = trained
    with pytest.raises(ValueError, match="one observation of 2 values"):
        posterior.sample(10, [0.5, 1.0, 2.0])
    with pytest.raises(flows.FlowError, match="fit"):
        flows.NPE().sample(10, [0.0])


@pytest.mark.parametrize("task, widths", [("two-moons", (2, 2)), ("gaussian-linear", (10, 10)),
                                          ("gaussian-mixture", (2, 2)), ("slcp", (5, 8)),
                                          ("gaussian-linear-uniform", (10, 10)),
                                          ("bernoulli-glm", (10, 10)),
                                          ("bernoulli-glm-raw", (10, 100)),
                                          ("slcp-distractors", (5, 100)), ("sir", (2, 10)),
                                          ("lotka-volterra", (4, 20))])
def test_simulate_gives_every_task_s_shapes_reproducibly(task, widths):
    theta, x = flows.simulate(task, 50, seed=3)
    assert (theta.shape, x.shape) == ((50, widths[0]), (50, widths[1]))
    again, _ = flows.simulate(task, 50, seed=3)
    np.testing.assert_array_equal(theta, again)
