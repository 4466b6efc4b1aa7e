//! sbibm's `two_moons`: a crescent-shaped, bimodal posterior in two dimensions.
//!
//! `θ ~ U[−1, 1]²`; `a ~ U(−π/2, π/2)`, `r ~ N(0.1, 0.01²)`, `p = (r cos a + 0.25, r sin a)`;
//! `x = p + (−|θ1 + θ2|/√2, (θ2 − θ1)/√2)`. Draws per simulation, in order: two uniforms for
//! `θ`, one for `a`, one standard normal for `r`.

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use rand::{Rng, RngExt};

use super::prior::uniform_in;
use rand_distr::StandardNormal;

/// The width of `θ`.
pub const THETA_DIM: usize = 2;
/// The width of `x`.
pub const X_DIM: usize = 2;
/// The prior's support, per coordinate.
pub const PRIOR_BOUNDS: [f64; 2] = [-1.0, 1.0];
/// The mean radius of the arc `p`.
pub const RADIUS_MEAN: f64 = 0.1;
/// The standard deviation of the arc's radius.
pub const RADIUS_STD: f64 = 0.01;
/// The centre of the arc `p`: `x` minus the shift of `θ` lies around it at distance `r`.
pub const ARC_CENTRE: [f64; 2] = [0.25, 0.0];

/// One `θ` from the prior.
pub fn prior(rng: &mut impl Rng) -> Vec<f64> {
    uniform_in(rng, [PRIOR_BOUNDS; THETA_DIM])
}

/// One `x` at `θ`.
pub fn simulator(theta: &[f64], rng: &mut impl Rng) -> Vec<f64> {
    let a = PI * (rng.random::<f64>() - 0.5);
    let r = RADIUS_MEAN + RADIUS_STD * rng.sample::<f64, _>(StandardNormal);
    let p = [r * a.cos() + ARC_CENTRE[0], r * a.sin() + ARC_CENTRE[1]];
    let shift = shift(theta);
    vec![p[0] + shift[0], p[1] + shift[1]]
}

/// The part of `x` that `θ` sets: `(−|θ1 + θ2|/√2, (θ2 − θ1)/√2)`.
pub fn shift(theta: &[f64]) -> [f64; 2] {
    [
        -(theta[0] + theta[1]).abs() * FRAC_1_SQRT_2,
        (theta[1] - theta[0]) * FRAC_1_SQRT_2,
    ]
}
