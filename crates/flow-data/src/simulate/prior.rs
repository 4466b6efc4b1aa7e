//! The prior of a user's simulator: uniform on a box, or Gaussian with independent
//! coordinates. The benchmark tasks define their own priors ([`super::Task::prior`]).

use rand::{Rng, RngExt, SeedableRng, rngs::StdRng};
use rand_distr::StandardNormal;

use super::PriorBox;
use crate::error::DataError;
use crate::points::Points;

/// A prior over `θ ∈ R^K` from which a user's simulator is fed.
#[derive(Debug, Clone, PartialEq)]
pub enum Prior {
    /// Uniform on a box of finite bounds.
    Uniform(PriorBox),
    /// `N(mean, diag(std²))`.
    Gaussian(DiagonalGaussian),
}

impl Prior {
    /// The uniform prior on `support`; its bounds must be finite.
    pub fn uniform(support: PriorBox) -> Result<Self, DataError> {
        if let Some((i, [lo, hi])) = support
            .bounds()
            .iter()
            .enumerate()
            .find(|(_, [lo, hi])| !(lo.is_finite() && hi.is_finite()))
        {
            return Err(DataError::PriorBox {
                reason: format!(
                    "coordinate {} has LO = {lo} and HI = {hi}; a uniform prior needs finite bounds",
                    i + 1
                ),
            });
        }
        Ok(Self::Uniform(support))
    }

    /// The width `K` of `θ`.
    pub fn dim(&self) -> usize {
        match self {
            Prior::Uniform(support) => support.dim(),
            Prior::Gaussian(gaussian) => gaussian.mean.len(),
        }
    }

    /// The box outside which the prior has no mass (posterior draws are restricted to it);
    /// `None` for a Gaussian prior.
    pub fn support(&self) -> Option<&PriorBox> {
        match self {
            Prior::Uniform(support) => Some(support),
            Prior::Gaussian(_) => None,
        }
    }

    /// One `θ`: `K` uniforms, or `K` standard normals scaled and shifted, in coordinate order.
    pub fn draw(&self, rng: &mut impl Rng) -> Vec<f64> {
        match self {
            Prior::Uniform(support) => uniform_in(rng, support.bounds().iter().copied()),
            Prior::Gaussian(g) => g
                .mean
                .iter()
                .zip(&g.std)
                .map(|(m, s)| m + s * rng.sample::<f64, _>(StandardNormal))
                .collect(),
        }
    }

    /// `n` draws (`n × K`, as `f32`), row after row from `StdRng::seed_from_u64(seed)`;
    /// fails if a draw is too large for an `f32`.
    pub fn sample(&self, n: usize, seed: u64) -> Result<Points, DataError> {
        let mut rng = StdRng::seed_from_u64(seed);
        let values = (0..n)
            .flat_map(|_| self.draw(&mut rng))
            .map(|v| v as f32)
            .collect();
        Points::new(self.dim(), values).map_err(|e| match e {
            DataError::NonFinite { row, col, .. } => DataError::Prior {
                reason: format!(
                    "draw {} has a theta{} too large for a 32-bit float",
                    row + 1,
                    col + 1
                ),
            },
            other => other,
        })
    }
}

/// One point uniform on the box of `bounds` (`[lo, hi]` per coordinate): one uniform per
/// coordinate, in order.
pub fn uniform_in(rng: &mut impl Rng, bounds: impl IntoIterator<Item = [f64; 2]>) -> Vec<f64> {
    bounds
        .into_iter()
        .map(|[lo, hi]| lo + (hi - lo) * rng.random::<f64>())
        .collect()
}

/// A Gaussian with independent coordinates: `N(mean, diag(std²))`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagonalGaussian {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl DiagonalGaussian {
    /// The Gaussian of `mean` and standard deviations `std`: as many of each (at least one),
    /// finite means, finite and positive deviations.
    pub fn new(mean: Vec<f64>, std: Vec<f64>) -> Result<Self, DataError> {
        let reason = if mean.is_empty() || mean.len() != std.len() {
            Some(format!(
                "it has {} means and {} standard deviations; give one of each per coordinate",
                mean.len(),
                std.len()
            ))
        } else if let Some((i, m)) = mean.iter().enumerate().find(|(_, m)| !m.is_finite()) {
            Some(format!("mean {} is {m}; each must be finite", i + 1))
        } else if let Some((i, s)) = std
            .iter()
            .enumerate()
            .find(|(_, s)| !(s.is_finite() && **s > 0.0))
        {
            Some(format!(
                "standard deviation {} is {s}; each must be finite and positive",
                i + 1
            ))
        } else {
            None
        };
        match reason {
            Some(reason) => Err(DataError::Prior { reason }),
            None => Ok(Self { mean, std }),
        }
    }

    /// The means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The standard deviations.
    pub fn std(&self) -> &[f64] {
        &self.std
    }
}
