//! Seeded two-dimensional toy data sets, one file per generator.
//!
//! Every generator has the signature `fn(n: usize, seed: u64) -> Points` and draws its `n`
//! points from one `StdRng::seed_from_u64(seed)`, point after point, each point's draws in
//! the order its documentation gives; so the first `m` points of a draw of `n > m` points are
//! the draw of `m` points. The maths is done in `f64` and the coordinates are stored as `f32`.
//!
//! Mixtures ("half the points", "equal shares") pick the component of each point at random,
//! with equal probabilities, by one `random_range(0..k)` draw made first for that point; the
//! points are therefore independent draws from the mixture, and the share of each component is
//! `1/k` up to binomial noise.
//!
//! `U` is uniform on `[0, 1)` (`rng.random::<f64>()`) and `ε` standard normal
//! ([`StandardNormal`]).

use rand::{RngExt, SeedableRng, rngs::StdRng};
use rand_distr::StandardNormal;

use crate::points::Points;

pub mod checkerboard;
pub mod circles;
pub mod eight_gaussians;
pub mod moons;
pub mod pinwheel;
pub mod rings;
pub mod swiss_roll;
pub mod two_spirals;

pub use checkerboard::{CHECKERBOARD_DIM, checkerboard};
pub use circles::circles;
pub use eight_gaussians::eight_gaussians;
pub use moons::moons;
pub use pinwheel::pinwheel;
pub use rings::rings;
pub use swiss_roll::swiss_roll;
pub use two_spirals::two_spirals;

/// Dimension of every toy data set's points.
pub const TOY_DIM: usize = 2;

/// Draws `n` points with `point`, which makes one point's draws from the shared generator.
fn generate(n: usize, seed: u64, mut point: impl FnMut(&mut StdRng) -> [f64; 2]) -> Points {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut values = Vec::with_capacity(n * TOY_DIM);
    for _ in 0..n {
        let [x, y] = point(&mut rng);
        values.push(x as f32);
        values.push(y as f32);
    }
    Points::new(TOY_DIM, values).expect("toy data values are finite")
}

/// One `U[0, 1)` draw.
fn uniform(rng: &mut StdRng) -> f64 {
    rng.random()
}

/// One standard normal draw.
fn normal(rng: &mut StdRng) -> f64 {
    rng.sample(StandardNormal)
}

/// One component index in `0..k`, each with probability `1/k`.
fn component(rng: &mut StdRng, k: usize) -> usize {
    rng.random_range(0..k)
}
