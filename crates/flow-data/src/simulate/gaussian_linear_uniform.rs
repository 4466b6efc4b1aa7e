//! sbibm's `gaussian_linear_uniform`: [`gaussian_linear`]'s likelihood
//! under a uniform prior, whose posterior is a Gaussian truncated to the prior's box.
//!
//! `θ ~ U[−1, 1]¹⁰` and `x | θ ~ N(θ, 0.1·I)` (0.1 the variance: sbibm's precision matrix is
//! `(0.1·I)⁻¹`). The posterior is `N(x, 0.1·I)` restricted to `[−1, 1]¹⁰`. Draws per simulation,
//! in order: ten uniforms for `θ`, ten standard normals for the noise of `x`.

use rand::Rng;

use super::prior::uniform_in;

use super::gaussian_linear;

/// The width of `θ`.
pub const THETA_DIM: usize = 10;
/// The width of `x`.
pub const X_DIM: usize = 10;
/// The prior's support, per coordinate.
pub const PRIOR_BOUNDS: [f64; 2] = [-1.0, 1.0];

/// One `θ` from the prior.
pub fn prior(rng: &mut impl Rng) -> Vec<f64> {
    uniform_in(rng, [PRIOR_BOUNDS; THETA_DIM])
}

/// One `x` at `θ`: `θ` plus Gaussian noise of variance 0.1 per coordinate.
pub fn simulator(theta: &[f64], rng: &mut impl Rng) -> Vec<f64> {
    gaussian_linear::simulator(theta, rng)
}
