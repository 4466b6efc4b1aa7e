//! sbibm's `gaussian_mixture`: a mixture of two Gaussians with a shared mean and different
//! scales, in two dimensions.
//!
//! `θ ~ U[−10, 10]²`; `x ~ ½·N(θ, I) + ½·N(θ, 0.01·I)`. Draws per simulation, in order: two
//! uniforms for `θ`, one uniform for the component, two standard normals.

use rand::{Rng, RngExt};

use super::prior::uniform_in;
use rand_distr::StandardNormal;

/// The width of `θ`.
pub const THETA_DIM: usize = 2;
/// The width of `x`.
pub const X_DIM: usize = 2;
/// The prior's support, per coordinate.
pub const PRIOR_BOUNDS: [f64; 2] = [-10.0, 10.0];
/// The standard deviations of the two components.
pub const COMPONENT_STDS: [f64; 2] = [1.0, 0.1];

/// One `θ` from the prior.
pub fn prior(rng: &mut impl Rng) -> Vec<f64> {
    uniform_in(rng, [PRIOR_BOUNDS; THETA_DIM])
}

/// One `x` at `θ`.
pub fn simulator(theta: &[f64], rng: &mut impl Rng) -> Vec<f64> {
    let std = COMPONENT_STDS[usize::from(rng.random::<f64>() >= 0.5)];
    theta
        .iter()
        .map(|&t| t + std * rng.sample::<f64, _>(StandardNormal))
        .collect()
}
