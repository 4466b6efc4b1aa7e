//! A flow: a base distribution and a sequence of invertible transforms.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::base::{Base, BaseKind};
use crate::error::ModelError;
use crate::family::FlowFamily;
use crate::transform::{Bijection, Transform};

/// Which way a flow's transforms point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The transforms map data to the latent space (density estimation: `log p` is one
    /// forward pass, sampling inverts every transform).
    #[default]
    Density,
    /// The transforms map latent points to data (the generator of variational inference:
    /// sampling with `log q` is one forward pass, `log q` of given points inverts every
    /// transform).
    Generative,
}

/// Configuration of a [`Flow`]: `{"dim": 2, "flow": "nsf", <the family's fields>, "base":
/// "standard_normal", "direction": "density", "seed": 0}` as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowConfig {
    /// The data dimension `D`.
    pub dim: usize,
    /// The family and its hyper-parameters.
    #[serde(flatten)]
    pub family: FlowFamily,
    /// The base distribution.
    #[serde(default)]
    pub base: BaseKind,
    /// Which way the transforms point.
    #[serde(default)]
    pub direction: Direction,
    /// Seed of the initial parameters (drawn on the host, so equal on every backend).
    #[serde(default)]
    pub seed: u64,
}

impl Config for FlowConfig {}

impl FlowConfig {
    /// A density-estimation flow of `family` in `dim` dimensions over `N(0, I)`, seed 0.
    pub fn new(dim: usize, family: impl Into<FlowFamily>) -> Self {
        Self {
            dim,
            family: family.into(),
            base: BaseKind::default(),
            direction: Direction::default(),
            seed: 0,
        }
    }

    /// This configuration with another base distribution.
    pub fn with_base(mut self, base: BaseKind) -> Self {
        self.base = base;
        self
    }

    /// This configuration with the transforms pointing the other way.
    pub fn with_direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// This configuration with another seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every field; [`FlowConfig::init`] calls it.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.dim == 0 {
            return Err(ModelError::config("dim", "must be at least 1"));
        }
        self.family.validate(self.dim)
    }

    /// Builds the flow on `device` (use `device.autodiff()` to train it).
    pub fn init(&self, device: &Device) -> Result<Flow, ModelError> {
        self.validate()?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        Ok(Flow {
            base: Base::new(self.base, self.dim, device),
            transforms: self.family.transforms(self.dim, &mut rng, device),
            direction: self.direction,
        })
    }
}

/// A normalizing flow: a base distribution and invertible transforms.
///
/// With [`Direction::Density`], `z = T_n ∘ … ∘ T_1(x)` and
/// `log p(x) = log q0(z) + Σ_k log|det J_{T_k}|`; with [`Direction::Generative`],
/// `x = T_n ∘ … ∘ T_1(z)` for `z ~ q0` and `log q(x) = log q0(z) − Σ_k log|det J_{T_k}|`.
#[derive(Module, Debug)]
pub struct Flow {
    /// The base distribution of the latent space.
    pub base: Base,
    /// The transforms in application order.
    pub transforms: Vec<Transform>,
    /// Which way the transforms point.
    #[module(skip)]
    pub direction: Direction,
}

/// Applies `transforms` forward in order, summing the log-determinants: `([N, D], [N])`.
fn forward_all<'a>(
    transforms: impl Iterator<Item = &'a Transform>,
    x: Tensor<2>,
) -> (Tensor<2>, Tensor<1>) {
    chain(transforms, x, |t, x| t.forward(x))
}

/// Applies the inverses of `transforms` in reverse order, summing the log-determinants.
fn inverse_all<'a>(
    transforms: impl DoubleEndedIterator<Item = &'a Transform>,
    y: Tensor<2>,
) -> (Tensor<2>, Tensor<1>) {
    chain(transforms.rev(), y, |t, y| t.inverse(y))
}

fn chain<'a>(
    transforms: impl Iterator<Item = &'a Transform>,
    input: Tensor<2>,
    step: impl Fn(&Transform, Tensor<2>) -> (Tensor<2>, Tensor<1>),
) -> (Tensor<2>, Tensor<1>) {
    let mut value = input;
    let mut log_det: Option<Tensor<1>> = None;
    for transform in transforms {
        let (next, ld) = step(transform, value);
        value = next;
        log_det = Some(match log_det {
            Some(sum) => sum + ld,
            None => ld,
        });
    }
    let n = value.dims()[0];
    let log_det = log_det.unwrap_or_else(|| Tensor::zeros([n], &value.device()));
    (value, log_det)
}

impl Flow {
    /// A density-estimation flow over `N(0, I)` in `dim` dimensions made of `transforms`
    /// (applied data → latent, in order): for composing transforms by hand.
    pub fn from_transforms(dim: usize, transforms: Vec<Transform>, device: &Device) -> Self {
        Self {
            base: Base::new(BaseKind::StandardNormal, dim, device),
            transforms,
            direction: Direction::Density,
        }
    }

    /// The data dimension `D`.
    pub fn dim(&self) -> usize {
        self.base.dim()
    }

    /// Maps data to the latent space: `x` `[N, D]` → `(z [N, D], log|det ∂z/∂x| [N])`.
    pub fn to_latent(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        match self.direction {
            Direction::Density => forward_all(self.transforms.iter(), x),
            Direction::Generative => inverse_all(self.transforms.iter(), x),
        }
    }

    /// Maps latent points to data: `z` `[N, D]` → `(x [N, D], log|det ∂x/∂z| [N])`.
    pub fn to_data(&self, z: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        match self.direction {
            Direction::Density => inverse_all(self.transforms.iter(), z),
            Direction::Generative => forward_all(self.transforms.iter(), z),
        }
    }

    /// The exact log-density `log p(x)` per point: `x` is `[N, D]`, the result `[N]`.
    ///
    /// A density-estimation planar flow over `N(0, I)` runs as one fused operation on the CPU
    /// backends ([`crate::Planar::fused_log_prob`]); everything else, and
    /// [`Flow::log_prob_tensor_ops`], goes transform by transform.
    pub fn log_prob(&self, x: Tensor<2>) -> Tensor<1> {
        if let (Direction::Density, BaseKind::StandardNormal, [Transform::Planar(planar)]) =
            (self.direction, self.base.kind(), self.transforms.as_slice())
            && let Some(log_p) = planar.fused_log_prob(x.clone())
        {
            return log_p;
        }
        self.log_prob_tensor_ops(x)
    }

    /// [`Flow::log_prob`] transform by transform: the base's log-density of the latent point
    /// plus each transform's log-determinant, on every backend. A transform still uses its own
    /// fused host map where it has one (the planar map and the spline on the CPU backends);
    /// [`crate::Planar::forward_tensor_ops`] and
    /// [`crate::spline::rational_quadratic_tensor_ops`] are the pure tensor-op versions.
    pub fn log_prob_tensor_ops(&self, x: Tensor<2>) -> Tensor<1> {
        let (z, log_det) = self.to_latent(x);
        self.base.log_prob(z) + log_det
    }

    /// `n` exact samples: `[n, D]`. The base draws come from `seed` on the host, so they do
    /// not depend on the backend.
    pub fn sample(&self, n: usize, seed: u64, device: &Device) -> Tensor<2> {
        self.sample_with_log_prob(n, seed, device).0
    }

    /// `n` exact samples and their log-density, in one pass from the base: `([n, D], [n])`.
    /// Differentiable in the parameters (the reverse-KL loss of variational inference).
    pub fn sample_with_log_prob(
        &self,
        n: usize,
        seed: u64,
        device: &Device,
    ) -> (Tensor<2>, Tensor<1>) {
        let (z, log_q0) = self.base.sample_with_log_prob(n, seed, device);
        let (x, log_det) = self.to_data(z);
        (x, log_q0 - log_det)
    }

    /// This flow with every [`crate::ActNorm`] fitted to the batch `x` (`[N, D]`) as it
    /// reaches it, in the data → latent direction: the data-dependent initialisation of
    /// ActNorm. A flow without ActNorm is returned unchanged.
    pub fn initialized_from(self, x: Tensor<2>) -> Self {
        let Self {
            base,
            transforms,
            direction,
        } = self;
        if direction == Direction::Generative
            || !transforms
                .iter()
                .any(|t| matches!(t, Transform::ActNorm(_)))
        {
            return Self {
                base,
                transforms,
                direction,
            };
        }
        let mut x = x.detach();
        let transforms = transforms
            .into_iter()
            .map(|transform| {
                let transform = match transform {
                    Transform::ActNorm(norm) => Transform::ActNorm(norm.fitted_to(x.clone())),
                    other => other,
                };
                x = transform.forward(x.clone()).0.detach();
                transform
            })
            .collect();
        Self {
            base,
            transforms,
            direction,
        }
    }
}
