//! Base distributions: the standard normal, or a diagonal Gaussian with a learned mean and
//! scale (as Rezende & Mohamed learn for variational inference).

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// `ln(2π)`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Which base distribution a flow has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseKind {
    /// `N(0, I)`, without parameters.
    #[default]
    StandardNormal,
    /// `N(μ, diag(σ²))` with a learned `μ` and `log σ`, starting at `N(0, I)`.
    DiagonalGaussian,
}

/// The base distribution of a flow, in the latent space.
#[derive(Module, Debug)]
pub struct Base {
    /// The mean `μ`, `[D]` (a learned diagonal Gaussian only).
    pub loc: Option<Param<Tensor<1>>>,
    /// `log σ`, `[D]` (a learned diagonal Gaussian only).
    pub log_scale: Option<Param<Tensor<1>>>,
    /// The dimension `D`.
    dim: usize,
}

impl Base {
    /// A base of `kind` in `dim` dimensions; a learned Gaussian starts as `N(0, I)`.
    pub fn new(kind: BaseKind, dim: usize, device: &Device) -> Self {
        let zeros = || Some(Param::from_tensor(Tensor::zeros([dim], device)));
        match kind {
            BaseKind::StandardNormal => Self {
                loc: None,
                log_scale: None,
                dim,
            },
            BaseKind::DiagonalGaussian => Self {
                loc: zeros(),
                log_scale: zeros(),
                dim,
            },
        }
    }

    /// The dimension `D`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Which distribution this is.
    pub fn kind(&self) -> BaseKind {
        if self.loc.is_some() {
            BaseKind::DiagonalGaussian
        } else {
            BaseKind::StandardNormal
        }
    }

    /// `(μ, log σ)` as `[1, D]` rows, for a learned Gaussian.
    fn affine(&self) -> Option<(Tensor<2>, Tensor<2>)> {
        let (loc, log_scale) = (self.loc.as_ref()?, self.log_scale.as_ref()?);
        Some((
            loc.val().reshape([1, self.dim]),
            log_scale.val().reshape([1, self.dim]),
        ))
    }

    /// `log q0(z)` per row: `z` is `[N, D]`, the result `[N]`.
    pub fn log_prob(&self, z: Tensor<2>) -> Tensor<1> {
        match self.affine() {
            None => standard_normal_log_prob(z),
            Some((loc, log_scale)) => {
                let eps = (z - loc) * log_scale.clone().neg().exp();
                standard_normal_log_prob(eps) - log_scale.sum()
            }
        }
    }

    /// `n` draws and their `log q0`, from base noise drawn on the host from `seed` (so every
    /// backend gets the same numbers); differentiable in `μ` and `log σ`:
    /// `([n, D], [n])`.
    pub fn sample_with_log_prob(
        &self,
        n: usize,
        seed: u64,
        device: &Device,
    ) -> (Tensor<2>, Tensor<1>) {
        let eps = standard_normal_sample(n, self.dim, seed, device);
        let log_prob = standard_normal_log_prob(eps.clone());
        match self.affine() {
            None => (eps, log_prob),
            Some((loc, log_scale)) => {
                let z = eps * log_scale.clone().exp() + loc;
                (z, log_prob - log_scale.sum())
            }
        }
    }
}

/// `log N(z; 0, I)` per row: `z` is `[N, D]`, the result `[N]`.
pub fn standard_normal_log_prob(z: Tensor<2>) -> Tensor<1> {
    let [_, dim] = z.dims();
    let half_sq_norm: Tensor<1> = z.square().sum_dim(1).squeeze_dim(1).mul_scalar(0.5);
    half_sq_norm.neg().sub_scalar(0.5 * dim as f64 * LN_2PI)
}

/// `n` draws of `N(0, I_dim)`, made on the host from `seed` so that every backend gets the
/// same numbers: `[n, dim]`.
pub fn standard_normal_sample(n: usize, dim: usize, seed: u64, device: &Device) -> Tensor<2> {
    let mut rng = StdRng::seed_from_u64(seed);
    let values: Vec<f32> = (0..n * dim)
        .map(|_| {
            let v: f64 = StandardNormal.sample(&mut rng);
            v as f32
        })
        .collect();
    Tensor::from_data(TensorData::new(values, [n, dim]), device)
}
