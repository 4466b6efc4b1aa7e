//! sbibm's `sir`: an epidemic of susceptible, infected and recovered people, observed as noisy
//! counts of the infected.
//!
//! `θ = (β, γ)`, the contact rate and the recovery rate (per day), log-normal: `ln β ~
//! N(ln 0.4, 0.5²)`, `ln γ ~ N(ln 0.125, 0.2²)`. From `(S, I, R) = (N − 1, 1, 0)`, `N = 10⁶`,
//! the system `S' = −βSI/N`, `I' = βSI/N − γI`, `R' = γI` is solved over 160 days
//! ([`ode::solve`]); `x` is the infected count on days 0, 17, …, 153 (every
//! 17th of the daily save points), each seen through `Binomial(1000, I/N)` (the share clamped
//! to `[0, 1]`). Draws per simulation, in order: two standard normals for `θ`, then one
//! binomial per observed day. A solve that fails gives NaN values, as sbibm's does.

use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution, StandardNormal};

use super::ode::{self, Tolerances};

/// The width of `θ`.
pub const THETA_DIM: usize = 2;
/// The width of `x`.
pub const X_DIM: usize = 10;
/// The population `N`.
pub const POPULATION: f64 = 1e6;
/// The days between observations (sbibm keeps every 17th daily save point).
pub const DAYS_BETWEEN: usize = 17;
/// The number of people each noisy count is out of.
pub const TOTAL_COUNT: u64 = 1000;
/// The prior's log-normal locations and scales, `(ln β, ln γ)`.
const PRIOR: [(f64, f64); 2] = [(0.4, 0.5), (0.125, 0.2)];
/// The solver's tolerances, in people.
const TOLERANCES: Tolerances = Tolerances {
    rtol: 1e-8,
    atol: 1e-6,
};

/// One `θ` from the prior.
pub fn prior(rng: &mut impl Rng) -> Vec<f64> {
    PRIOR
        .iter()
        .map(|&(median, scale)| (median.ln() + scale * rng.sample::<f64, _>(StandardNormal)).exp())
        .collect()
}

/// `(S, I, R)` at days 0, 17, …, 153 for `θ = (β, γ)`; `None` if the solve fails.
pub fn trajectory(theta: &[f64]) -> Option<Vec<[f64; 3]>> {
    let (beta, gamma) = (theta[0], theta[1]);
    let rates = |_: f64, u: &[f64; 3]| {
        let infections = beta * u[0] * u[1] / POPULATION;
        let recoveries = gamma * u[1];
        [-infections, infections - recoveries, recoveries]
    };
    let days: Vec<f64> = (0..X_DIM).map(|k| (k * DAYS_BETWEEN) as f64).collect();
    ode::solve(rates, [POPULATION - 1.0, 1.0, 0.0], &days, TOLERANCES)
}

/// One `x` at `θ`.
pub fn simulator(theta: &[f64], rng: &mut impl Rng) -> Vec<f64> {
    let Some(states) = trajectory(theta) else {
        return vec![f64::NAN; X_DIM];
    };
    states
        .iter()
        .map(|u| {
            let share = (u[1] / POPULATION).clamp(0.0, 1.0);
            let counts = Binomial::new(TOTAL_COUNT, share).expect("a share in [0, 1]");
            counts.sample(rng) as f64
        })
        .collect()
}
