//! Uniform dequantisation of integer-valued data.

use rand::{RngExt, SeedableRng, rngs::StdRng};

use crate::points::Points;

/// Adds independent `U[0, 1)` noise to every value, reproducibly from `seed` (one draw from
/// `StdRng::seed_from_u64(seed)` per value, in row-major order).
///
/// Meant for integer-valued data (pixel intensities, counts): an integer point `k` becomes a
/// point of the unit cell `k + [0, 1)^D`, so a continuous density `p` fitted to the
/// dequantised data defines a discrete model `P(k) = ∫_{[0,1)^D} p(k + u) du`, and by Jensen's
/// inequality `ln P(k) ≥ E_u[ln p(k + u)]`: the average log-density on dequantised data is a
/// lower bound on that discrete model's log-likelihood (in nats per point).
///
/// Results are computed in `f64` and stored as `f32`; a sum that `f32` rounding would push onto
/// `k + 1` is stored as the largest `f32` below it, so each value stays in its cell (exactly for
/// integers of magnitude below 2²⁴, where `f32` still resolves the cells).
pub fn dequantize(points: &Points, seed: u64) -> Points {
    let mut rng = StdRng::seed_from_u64(seed);
    let values = points
        .values()
        .iter()
        .map(|&v| {
            let u: f64 = rng.random();
            let upper = f64::from(v) + 1.0;
            let r = (f64::from(v) + u) as f32;
            if f64::from(r) >= upper {
                (upper as f32).next_down()
            } else {
                r
            }
        })
        .collect();
    Points::new(points.dim(), values).expect("finite values plus [0, 1) noise stay finite")
}
