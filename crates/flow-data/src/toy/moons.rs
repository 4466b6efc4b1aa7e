//! Two interleaving half circles.

use std::f64::consts::PI;

use super::{component, generate, normal, uniform};
use crate::points::Points;

/// Draws `n` points on two interleaving half circles (`n × 2`), reproducibly from `seed`.
///
/// Definition: `θ = πU`; with probability ½ the outer arc `(cos θ, sin θ)`, else the inner arc
/// `(1 − cos θ, 0.5 − sin θ)`; add `0.1·(ε1, ε2)`; then multiply by 2 and shift by
/// `(−1, −0.2)`. The outer arc is centred on `(−1, −0.2)` with radius 2 (upper half), the
/// inner one on `(1, 0.8)` with radius 2 (lower half); the noise is `N(0, 0.2²)` per
/// coordinate after scaling. Draws per point, in order: the arc (`random_range(0..2)`: 0 the
/// outer, 1 the inner), `U`, `ε1`, `ε2`.
pub fn moons(n: usize, seed: u64) -> Points {
    generate(n, seed, |rng| {
        let inner = component(rng, 2) == 1;
        let theta = PI * uniform(rng);
        let (x, y) = if inner {
            (1.0 - theta.cos(), 0.5 - theta.sin())
        } else {
            (theta.cos(), theta.sin())
        };
        let e1 = normal(rng);
        let e2 = normal(rng);
        [2.0 * (x + 0.1 * e1) - 1.0, 2.0 * (y + 0.1 * e2) - 0.2]
    })
}
