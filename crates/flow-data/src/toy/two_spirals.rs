//! Two interleaved spirals.

use std::f64::consts::PI;

use super::{component, generate, normal, uniform};
use crate::points::Points;

/// Draws `n` points on two interleaved spirals (`n × 2`), reproducibly from `seed`.
///
/// Definition: `m = 3π√U`; `d = (−m cos m + 0.5 U', m sin m + 0.5 U'')`; with probability ½
/// the point is `d`, else `−d`; divide by 3; add `0.1·(ε1, ε2)`. The spirals reach radius
/// about `π` (`3π/3`) after one and a half turns. Draws per point, in order: the spiral
/// (`random_range(0..2)`: 0 for `d`, 1 for `−d`), `U`, `U'`, `U''`, `ε1`, `ε2`.
pub fn two_spirals(n: usize, seed: u64) -> Points {
    generate(n, seed, |rng| {
        let sign = [1.0, -1.0][component(rng, 2)];
        let m = 3.0 * PI * uniform(rng).sqrt();
        let dx = -m * m.cos() + 0.5 * uniform(rng);
        let dy = m * m.sin() + 0.5 * uniform(rng);
        let e1 = normal(rng);
        let e2 = normal(rng);
        [sign * dx / 3.0 + 0.1 * e1, sign * dy / 3.0 + 0.1 * e2]
    })
}
