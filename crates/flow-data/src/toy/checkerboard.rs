//! The two-dimensional checkerboard data set.

use rand::{RngExt, SeedableRng, rngs::StdRng};

use crate::points::Points;

/// Dimension of checkerboard points.
pub const CHECKERBOARD_DIM: usize = 2;

/// Draws `n` checkerboard points (an `n × 2` [`Points`]), reproducibly from `seed`.
///
/// Definition: `x1 ~ U[−2, 2)`, `x2 = U[0, 1) − 2·B + (⌊x1⌋ mod 2)` with `B ~ Bernoulli(½)`
/// (non-negative remainder), and the point is `(2·x1, 2·x2)`. The support is the 8 cells
/// `[2i, 2i+2) × [2j, 2j+2)` of `[−4, 4)²` with `i + j` even, each of mass 1/8 (density 1/32).
///
/// Per point, the draws from one `StdRng::seed_from_u64(seed)` are, in order: `u1` (for `x1 =
/// 4·u1 − 2`), `u2`, then `B`. Values are computed in `f64` and stored as `f32`; a coordinate
/// that `f32` rounding would push onto the upper edge of its cell is moved to the largest `f32`
/// below that edge, so every stored point stays in the cell of its `f64` value.
pub fn checkerboard(n: usize, seed: u64) -> Points {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut values = Vec::with_capacity(n * CHECKERBOARD_DIM);
    for _ in 0..n {
        let u1: f64 = rng.random();
        let u2: f64 = rng.random();
        let b = f64::from(u8::from(rng.random_bool(0.5)));
        let x1 = 4.0 * u1 - 2.0; // exact in f64, in [−2, 2)
        let x2 = u2 - 2.0 * b + x1.floor().rem_euclid(2.0);
        values.push(to_f32_in_cell(2.0 * x1));
        values.push(to_f32_in_cell(2.0 * x2));
    }
    Points::new(CHECKERBOARD_DIM, values).expect("checkerboard values are finite")
}

/// Rounds `v` to `f32` while keeping it inside its width-2 cell `[2k, 2k+2)`.
fn to_f32_in_cell(v: f64) -> f32 {
    let upper = 2.0 * ((v / 2.0).floor() + 1.0);
    let r = v as f32;
    if f64::from(r) >= upper {
        (upper as f32).next_down()
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::to_f32_in_cell;

    #[test]
    fn f32_rounding_stays_in_cell() {
        // These f64 values round up to a cell edge in f32.
        assert_eq!(1.9999999999_f64 as f32, 2.0);
        assert_eq!(to_f32_in_cell(1.9999999999), 2.0_f32.next_down());
        assert_eq!(to_f32_in_cell(3.9999999999), 4.0_f32.next_down());
        assert_eq!(to_f32_in_cell(-1.9999999999), -2.0); // lower edge is inside the cell
        assert_eq!(to_f32_in_cell(-0.0000000001), -0.0000000001_f32);
        // Ordinary values and lower edges are untouched.
        assert_eq!(to_f32_in_cell(-4.0), -4.0);
        assert_eq!(to_f32_in_cell(2.0), 2.0);
        assert_eq!(to_f32_in_cell(0.5), 0.5);
    }
}
