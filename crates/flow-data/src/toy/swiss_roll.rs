//! The swiss roll.

use std::f64::consts::PI;

use super::{generate, normal, uniform};
use crate::points::Points;

/// Draws `n` swiss-roll points (`n × 2`), reproducibly from `seed`.
///
/// Definition: `t = 1.5π(1 + 2U)` and `x = (t cos t + ε1, t sin t + ε2) / 5`: a spiral whose
/// radius `t/5` grows from `0.3π` to `0.9π` over one and a half turns, blurred by `N(0, 0.2²)`
/// per coordinate. Draws per point, in order: `U`, `ε1`, `ε2`.
pub fn swiss_roll(n: usize, seed: u64) -> Points {
    generate(n, seed, |rng| {
        let t = 1.5 * PI * (1.0 + 2.0 * uniform(rng));
        let e1 = normal(rng);
        let e2 = normal(rng);
        [(t * t.cos() + e1) / 5.0, (t * t.sin() + e2) / 5.0]
    })
}
