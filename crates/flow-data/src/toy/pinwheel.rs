//! A pinwheel of five curved arms.

use std::f64::consts::PI;

use super::{component, generate, normal};
use crate::points::Points;

/// Number of arms of the pinwheel.
pub const PINWHEEL_ARMS: usize = 5;

/// Draws `n` pinwheel points (`n × 2`), reproducibly from `seed`.
///
/// Definition: arm `k` (one of 5, probability ⅕ each); `f = (1 + 0.3 ε0, 0.1 ε1)`;
/// `a = 2πk/5 + 0.25·exp(f0)`; the point is
/// `2·(f0 cos a + f1 sin a, −f0 sin a + f1 cos a)`, i.e. `2f` rotated clockwise by `a`. Its
/// radius is `2‖f‖ ≈ 2 f0`, and arms bend further the farther out they reach. Draws per point,
/// in order: the arm (`random_range(0..5)`), `ε0`, `ε1`.
pub fn pinwheel(n: usize, seed: u64) -> Points {
    generate(n, seed, |rng| {
        let k = component(rng, PINWHEEL_ARMS);
        let f0 = 1.0 + 0.3 * normal(rng);
        let f1 = 0.1 * normal(rng);
        let a = 2.0 * PI * k as f64 / PINWHEEL_ARMS as f64 + 0.25 * f0.exp();
        let (s, c) = a.sin_cos();
        [2.0 * (f0 * c + f1 * s), 2.0 * (-f0 * s + f1 * c)]
    })
}
