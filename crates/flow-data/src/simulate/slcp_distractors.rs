//! sbibm's `slcp_distractors`: [`slcp`]'s eight values hidden among 92
//! distractors, a fixed mixture of Student-t noise that does not depend on `θ`; the posterior
//! is slcp's.
//!
//! `x` is `(slcp's x, noise)` permuted by sbibm's fixed permutation (`x_i = (slcp's x,
//! noise)[π_i]`). The noise is sbibm's fixed mixture of 20 equally weighted multivariate
//! Student-t distributions in `R⁹²` (each a location, a lower-triangular scale and `ν = 2`
//! degrees of freedom). Draws per simulation, in order: slcp's (five uniforms for `θ`, eight
//! standard normals), then one uniform for the component, 92 standard normals `z`, and a
//! chi-squared `w` of `ν` degrees of freedom (`rand_distr`'s): the noise is `loc + L·z·√(ν/w)`.
//!
//! The mixture and the permutation are sbibm's numbers (`fixed/`, see its `SOURCE.md`).

use std::sync::OnceLock;

use rand::{Rng, RngExt};
use rand_distr::{ChiSquared, Distribution, StandardNormal};

use super::slcp;

/// The width of `θ`.
pub const THETA_DIM: usize = slcp::THETA_DIM;
/// The width of `x`: slcp's eight values and the distractors.
pub const X_DIM: usize = 100;
/// The number of distractors.
pub const NOISE_DIM: usize = X_DIM - slcp::X_DIM;

/// One Student-t component of the distractors' mixture.
#[derive(Debug, Clone)]
pub struct Component {
    /// Its weight in the mixture.
    pub weight: f64,
    /// Its degrees of freedom `ν`.
    pub df: f64,
    /// Its location, 92 values.
    pub loc: Vec<f64>,
    /// Its lower-triangular scale `L`, row by row (row `i` holds `i + 1` values).
    pub scale_tril: Vec<Vec<f64>>,
}

/// sbibm's mixture of the distractors, 20 components.
pub fn mixture() -> &'static [Component] {
    static MIXTURE: OnceLock<Vec<Component>> = OnceLock::new();
    MIXTURE.get_or_init(|| {
        let text = include_str!("fixed/slcp-distractors-mixture.csv");
        text.lines()
            .skip(1)
            .map(|line| {
                let values: Vec<f64> = line
                    .split(',')
                    .map(|v| v.parse().expect("the shipped mixture holds numbers"))
                    .collect();
                let (head, tril) = values.split_at(2 + NOISE_DIM);
                let mut rows = Vec::with_capacity(NOISE_DIM);
                let mut rest = tril;
                for i in 0..NOISE_DIM {
                    let (row, tail) = rest.split_at(i + 1);
                    rows.push(row.to_vec());
                    rest = tail;
                }
                Component {
                    weight: head[0],
                    df: head[1],
                    loc: head[2..].to_vec(),
                    scale_tril: rows,
                }
            })
            .collect()
    })
}

/// sbibm's permutation: `x_i` is value `π_i` of `(slcp's x, noise)`.
pub fn permutation() -> &'static [usize] {
    static PERMUTATION: OnceLock<Vec<usize>> = OnceLock::new();
    PERMUTATION.get_or_init(|| {
        include_str!("fixed/slcp-distractors-permutation.csv")
            .lines()
            .skip(1)
            .map(|v| v.parse().expect("the shipped permutation holds indices"))
            .collect()
    })
}

/// One `θ` from the prior (slcp's).
pub fn prior(rng: &mut impl Rng) -> Vec<f64> {
    slcp::prior(rng)
}

/// One draw of the 92 distractors.
pub fn noise(rng: &mut impl Rng) -> Vec<f64> {
    let components = mixture();
    let mut pick = rng.random::<f64>();
    let component = components
        .iter()
        .find(|c| {
            pick -= c.weight;
            pick < 0.0
        })
        .unwrap_or(&components[components.len() - 1]);
    let z: Vec<f64> = (0..NOISE_DIM)
        .map(|_| rng.sample::<f64, _>(StandardNormal))
        .collect();
    let chi_squared = ChiSquared::new(component.df)
        .expect("the shipped degrees of freedom are positive")
        .sample(rng);
    let factor = (component.df / chi_squared).sqrt();
    component
        .scale_tril
        .iter()
        .zip(&component.loc)
        .map(|(row, loc)| loc + factor * row.iter().zip(&z).map(|(l, z)| l * z).sum::<f64>())
        .collect()
}

/// One `x` at `θ`.
pub fn simulator(theta: &[f64], rng: &mut impl Rng) -> Vec<f64> {
    let data = slcp::simulator(theta, rng);
    let all: Vec<f64> = data.into_iter().chain(noise(rng)).collect();
    permutation().iter().map(|&source| all[source]).collect()
}
