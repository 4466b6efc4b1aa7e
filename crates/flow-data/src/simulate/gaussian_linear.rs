//! sbibm's `gaussian_linear`: a Gaussian prior and a Gaussian likelihood in ten dimensions,
//! whose posterior is known in closed form.
//!
//! `θ ∈ R¹⁰ ~ N(0, 0.1·I)` and `x | θ ~ N(θ, 0.1·I)` (0.1 is the variance, as sbibm's code
//! uses it). The posterior is `N(x/2, 0.05·I)`. Draws per simulation, in order: ten standard
//! normals for `θ`, ten for the noise of `x`.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// The width of `θ`.
pub const THETA_DIM: usize = 10;
/// The width of `x`.
pub const X_DIM: usize = 10;
/// The prior's variance per coordinate (and the likelihood's).
pub const VARIANCE: f64 = 0.1;
/// The posterior's variance per coordinate: `1 / (1/0.1 + 1/0.1)`.
pub const POSTERIOR_VARIANCE: f64 = 0.05;

/// One `θ` from the prior.
pub fn prior(rng: &mut impl Rng) -> Vec<f64> {
    (0..THETA_DIM)
        .map(|_| VARIANCE.sqrt() * rng.sample::<f64, _>(StandardNormal))
        .collect()
}

/// One `x` at `θ`.
pub fn simulator(theta: &[f64], rng: &mut impl Rng) -> Vec<f64> {
    theta
        .iter()
        .map(|&t| t + VARIANCE.sqrt() * rng.sample::<f64, _>(StandardNormal))
        .collect()
}

/// The exact posterior's log-density `log p(θ | x)`, with `p(θ | x) = N(θ; x/2, 0.05·I)`.
pub fn posterior_log_prob(theta: &[f64], x: &[f64]) -> f64 {
    let v = POSTERIOR_VARIANCE;
    theta
        .iter()
        .zip(x)
        .map(|(&t, &x)| -0.5 * ((t - x / 2.0).powi(2) / v + (std::f64::consts::TAU * v).ln()))
        .sum()
}

/// The exact posterior's entropy in nats, the same at every `x`: `5·ln(2πe·0.05)`, about
/// −0.7893. A perfect `q(θ | x)` has this expected negative log-likelihood.
pub fn posterior_entropy() -> f64 {
    0.5 * THETA_DIM as f64 * (std::f64::consts::TAU * std::f64::consts::E * POSTERIOR_VARIANCE).ln()
}
