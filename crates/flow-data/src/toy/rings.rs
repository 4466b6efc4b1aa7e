//! Four concentric rings.

use std::f64::consts::PI;

use super::{component, generate, normal, uniform};
use crate::points::Points;

/// Draws `n` points on four concentric rings (`n × 2`), reproducibly from `seed`.
///
/// Definition: the radius `r` is one of 1, 0.75, 0.5, 0.25 with probability ¼ each, the angle
/// `θ = 2πU`, and the point is `3r·(cos θ, sin θ) + 0.08·(ε1, ε2)`: rings of radius 3, 2.25,
/// 1.5 and 0.75 blurred by `N(0, 0.08²)` per coordinate. Draws per point, in order: the ring
/// (`random_range(0..4)`, 0 the outermost), `U`, `ε1`, `ε2`.
pub fn rings(n: usize, seed: u64) -> Points {
    generate(n, seed, |rng| {
        let r = [1.0, 0.75, 0.5, 0.25][component(rng, 4)];
        let theta = 2.0 * PI * uniform(rng);
        let e1 = normal(rng);
        let e2 = normal(rng);
        [
            3.0 * r * theta.cos() + 0.08 * e1,
            3.0 * r * theta.sin() + 0.08 * e2,
        ]
    })
}
