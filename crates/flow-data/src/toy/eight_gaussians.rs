//! Eight Gaussians on a circle.

use std::f64::consts::FRAC_1_SQRT_2;

use super::{component, generate, normal};
use crate::points::Points;

/// The eight unit directions whose multiples by 4 are the (unscaled) centres, in the order of
/// the component index.
pub const EIGHT_GAUSSIANS_DIRECTIONS: [[f64; 2]; 8] = [
    [1.0, 0.0],
    [-1.0, 0.0],
    [0.0, 1.0],
    [0.0, -1.0],
    [FRAC_1_SQRT_2, FRAC_1_SQRT_2],
    [FRAC_1_SQRT_2, -FRAC_1_SQRT_2],
    [-FRAC_1_SQRT_2, FRAC_1_SQRT_2],
    [-FRAC_1_SQRT_2, -FRAC_1_SQRT_2],
];

/// The divisor applied to every point (and centre).
pub const EIGHT_GAUSSIANS_SCALE: f64 = 1.414;

/// Draws `n` points from a mixture of eight Gaussians (`n × 2`), reproducibly from `seed`.
///
/// Definition: the centre `c` is one of `4·d` for the eight directions `d` of
/// [`EIGHT_GAUSSIANS_DIRECTIONS`] (`(±1, 0)`, `(0, ±1)`, `(±1/√2, ±1/√2)`), each with
/// probability ⅛, and the point is `(c + 0.5·(ε1, ε2)) / 1.414`: centres at radius
/// `4/1.414 ≈ 2.83`, standard deviation `0.5/1.414 ≈ 0.354` per coordinate. Draws per point,
/// in order: the centre (`random_range(0..8)`), `ε1`, `ε2`.
pub fn eight_gaussians(n: usize, seed: u64) -> Points {
    generate(n, seed, |rng| {
        let [dx, dy] = EIGHT_GAUSSIANS_DIRECTIONS[component(rng, 8)];
        let e1 = normal(rng);
        let e2 = normal(rng);
        [
            (4.0 * dx + 0.5 * e1) / EIGHT_GAUSSIANS_SCALE,
            (4.0 * dy + 0.5 * e2) / EIGHT_GAUSSIANS_SCALE,
        ]
    })
}
