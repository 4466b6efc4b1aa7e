//! Two concentric circles.

use std::f64::consts::PI;

use super::{component, generate, normal, uniform};
use crate::points::Points;

/// Draws `n` points on two concentric circles (`n × 2`), reproducibly from `seed`.
///
/// Definition: the radius `r` is 1 or 0.5 with probability ½ each, the angle `θ = 2πU`, and
/// the point is `3·(r cos θ + 0.08 ε1, r sin θ + 0.08 ε2)`: circles of radius 3 and 1.5
/// blurred by `N(0, 0.24²)` per coordinate. Draws per point, in order: the circle
/// (`random_range(0..2)`: 0 the outer, 1 the inner), `U`, `ε1`, `ε2`.
pub fn circles(n: usize, seed: u64) -> Points {
    generate(n, seed, |rng| {
        let r = [1.0, 0.5][component(rng, 2)];
        let theta = 2.0 * PI * uniform(rng);
        let e1 = normal(rng);
        let e2 = normal(rng);
        [
            3.0 * (r * theta.cos() + 0.08 * e1),
            3.0 * (r * theta.sin() + 0.08 * e2),
        ]
    })
}
