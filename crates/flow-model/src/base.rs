//! Base distributions: the standard normal, a diagonal Gaussian with a learned mean and
//! scale (as Rezende & Mohamed learn for variational inference), or a diagonal Gaussian whose
//! mean and scale are a network of the context (conditional flows).

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::conditioners::mlp::Mlp;

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
    /// `N(μ(c), diag(σ(c)²))`, `μ` and `log σ` from an MLP of the context `c`, `log σ`
    /// soft-clipped to `±L` ([`Base::CONDITIONAL_LOG_SCALE_BOUND`]); starts at `N(0, I)`.
    ConditionalGaussian,
}

impl BaseKind {
    /// The name in `--base` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::StandardNormal => "standard-normal",
            Self::DiagonalGaussian => "diagonal-gaussian",
            Self::ConditionalGaussian => "conditional-gaussian",
        }
    }
}

/// The base distribution of a flow, in the latent space.
#[derive(Module, Debug)]
pub struct Base {
    /// The mean `μ`, `[D]` (a learned diagonal Gaussian only).
    pub loc: Option<Param<Tensor<1>>>,
    /// `log σ`, `[D]` (a learned diagonal Gaussian only).
    pub log_scale: Option<Param<Tensor<1>>>,
    /// `c → (μ, log σ)`, `[N, C] → [N, 2D]` (a conditional Gaussian only).
    pub net: Option<Mlp>,
    /// The dimension `D`.
    dim: usize,
}

impl Base {
    /// The width of the hidden layers of a conditional Gaussian's network (two of them).
    pub const CONDITIONAL_HIDDEN: usize = 64;
    /// The bound `L` of a conditional Gaussian's `log σ = L·tanh(ô/L)`: a context far from
    /// the training range cannot make the density vanish or overflow.
    pub const CONDITIONAL_LOG_SCALE_BOUND: f64 = 5.0;

    /// A base of `kind` in `dim` dimensions, for a context of width `context` (a conditional
    /// Gaussian's network draws its weights from `rng`); a learned Gaussian starts as
    /// `N(0, I)`.
    pub fn new(
        kind: BaseKind,
        dim: usize,
        context: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Self {
        let zeros = || Some(Param::from_tensor(Tensor::zeros([dim], device)));
        let (loc, log_scale, net) = match kind {
            BaseKind::StandardNormal => (None, None, None),
            BaseKind::DiagonalGaussian => (zeros(), zeros(), None),
            BaseKind::ConditionalGaussian => {
                let hidden = Self::CONDITIONAL_HIDDEN;
                let net = Mlp::new(context, hidden, 2, 2 * dim, rng, device);
                (None, None, Some(net))
            }
        };
        Self {
            loc,
            log_scale,
            net,
            dim,
        }
    }

    /// The dimension `D`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Which distribution this is.
    pub fn kind(&self) -> BaseKind {
        if self.net.is_some() {
            BaseKind::ConditionalGaussian
        } else if self.loc.is_some() {
            BaseKind::DiagonalGaussian
        } else {
            BaseKind::StandardNormal
        }
    }

    /// `(μ, log σ)`, `[1, D]` rows for a learned Gaussian, `[N, D]` for a conditional one at
    /// `context` `[N, C]`.
    ///
    /// # Panics
    /// If a conditional Gaussian is not given a context.
    fn affine(&self, context: Option<&Tensor<2>>) -> Option<(Tensor<2>, Tensor<2>)> {
        if let Some(net) = &self.net {
            let context = context.expect("a conditional Gaussian base needs a context");
            let out = net.forward(context.clone());
            let bound = Self::CONDITIONAL_LOG_SCALE_BOUND;
            let log_scale = out.clone().narrow(1, self.dim, self.dim);
            return Some((
                out.narrow(1, 0, self.dim),
                log_scale.div_scalar(bound).tanh() * bound,
            ));
        }
        let (loc, log_scale) = (self.loc.as_ref()?, self.log_scale.as_ref()?);
        Some((
            loc.val().reshape([1, self.dim]),
            log_scale.val().reshape([1, self.dim]),
        ))
    }

    /// `log q0(z | c)` per row: `z` is `[N, D]`, the context (a conditional Gaussian's)
    /// `[N, C]`, the result `[N]`.
    pub fn log_prob(&self, z: Tensor<2>, context: Option<&Tensor<2>>) -> Tensor<1> {
        match self.affine(context) {
            None => standard_normal_log_prob(z),
            Some((loc, log_scale)) => {
                let eps = (z - loc) * log_scale.clone().neg().exp();
                standard_normal_log_prob(eps) - log_scale.sum_dim(1).squeeze_dim(1)
            }
        }
    }

    /// `n` draws and their `log q0`, from base noise drawn on the host from `seed` (so every
    /// backend gets the same numbers); differentiable in `μ` and `log σ`:
    /// `([n, D], [n])`. A conditional Gaussian draws row `i` at the context's row `i`
    /// (`[n, C]`).
    pub fn sample_with_log_prob(
        &self,
        n: usize,
        seed: u64,
        device: &Device,
        context: Option<&Tensor<2>>,
    ) -> (Tensor<2>, Tensor<1>) {
        let eps = standard_normal_sample(n, self.dim, seed, device);
        let log_prob = standard_normal_log_prob(eps.clone());
        match self.affine(context) {
            None => (eps, log_prob),
            Some((loc, log_scale)) => {
                let z = eps * log_scale.clone().exp() + loc;
                (z, log_prob - log_scale.sum_dim(1).squeeze_dim(1))
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
