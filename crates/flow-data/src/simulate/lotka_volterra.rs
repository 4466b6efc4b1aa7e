//! sbibm's `lotka_volterra`: predators and prey, observed with log-normal noise.
//!
//! `θ = (α, β, γ, δ)`, log-normal: `ln α, ln γ ~ N(−0.125, 0.5²)`, `ln β, ln δ ~ N(−3, 0.5²)`.
//! From `(x, y) = (30, 1)` the system `x' = αx − βxy`, `y' = −γy + δxy` is solved over 20
//! time units ([`ode::solve`]); `x` is the prey at times 0, 2.1, …, 18.9
//! (every 21st of sbibm's save points, 0.1 apart), then the predators at the same times, each
//! seen through `LogNormal(ln u, 0.1²)` (`u` clamped to `[10⁻¹⁰, 10⁴]`). Draws per
//! simulation, in order: four standard normals for `θ`, then twenty for the noise. A solve
//! that fails gives NaN values, as sbibm's does.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use super::ode::{self, Tolerances};

/// The width of `θ`.
pub const THETA_DIM: usize = 4;
/// The observed times per species.
pub const TIMES: usize = 10;
/// The width of `x`: the prey's values, then the predators'.
pub const X_DIM: usize = 2 * TIMES;
/// The time between observations (21 of sbibm's save points, 0.1 apart).
pub const TIME_BETWEEN: f64 = 2.1;
/// The scale of the log-normal observation noise.
pub const NOISE: f64 = 0.1;
/// The prior's log-normal locations and scale, `(ln α, ln β, ln γ, ln δ)`.
const PRIOR: ([f64; 4], f64) = ([-0.125, -3.0, -0.125, -3.0], 0.5);
/// The solver's tolerances, in animals.
const TOLERANCES: Tolerances = Tolerances {
    rtol: 1e-8,
    atol: 1e-10,
};

/// One `θ` from the prior.
pub fn prior(rng: &mut impl Rng) -> Vec<f64> {
    let (locations, scale) = PRIOR;
    locations
        .iter()
        .map(|m| (m + scale * rng.sample::<f64, _>(StandardNormal)).exp())
        .collect()
}

/// `(prey, predators)` at times 0, 2.1, …, 18.9 for `θ`; `None` if the solve fails.
pub fn trajectory(theta: &[f64]) -> Option<Vec<[f64; 2]>> {
    let (alpha, beta, gamma, delta) = (theta[0], theta[1], theta[2], theta[3]);
    let rates = |_: f64, u: &[f64; 2]| {
        [
            alpha * u[0] - beta * u[0] * u[1],
            -gamma * u[1] + delta * u[0] * u[1],
        ]
    };
    let times: Vec<f64> = (0..TIMES).map(|k| k as f64 * TIME_BETWEEN).collect();
    ode::solve(rates, [30.0, 1.0], &times, TOLERANCES)
}

/// The quantity `δx − γ ln x + βy − α ln y`, constant along every solution.
pub fn invariant(theta: &[f64], u: [f64; 2]) -> f64 {
    let (alpha, beta, gamma, delta) = (theta[0], theta[1], theta[2], theta[3]);
    delta * u[0] - gamma * u[0].ln() + beta * u[1] - alpha * u[1].ln()
}

/// One `x` at `θ`.
pub fn simulator(theta: &[f64], rng: &mut impl Rng) -> Vec<f64> {
    let Some(states) = trajectory(theta) else {
        return vec![f64::NAN; X_DIM];
    };
    (0..2)
        .flat_map(|species| states.iter().map(move |u| u[species]))
        .map(|u| (u.clamp(1e-10, 1e4).ln() + NOISE * rng.sample::<f64, _>(StandardNormal)).exp())
        .collect()
}
