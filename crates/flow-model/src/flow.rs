//! A flow: a base distribution and a sequence of invertible transforms.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::base::{Base, BaseKind};
use crate::bijection::Bijection;
use crate::conditioners::mlp::Mlp;
use crate::error::ModelError;
use crate::family::FlowFamily;
use crate::transforms::Transform;

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
/// "standard_normal", "direction": "density", "seed": 0, "context_dim": 0,
/// "context_embedding": []}` as JSON.
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
    /// The width `C` of the context of a conditional flow `p(x | c)`; 0 for none.
    #[serde(default)]
    pub context_dim: usize,
    /// The widths of the layers of an MLP that embeds the context before every conditioner
    /// and the base see it (ReLU between layers; the last width is the embedding's); empty
    /// for none. Trained with the flow.
    #[serde(default)]
    pub context_embedding: Vec<usize>,
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
            context_dim: 0,
            context_embedding: Vec::new(),
        }
    }

    /// This configuration conditioned on a context of width `context_dim` (0: none).
    pub fn with_context(mut self, context_dim: usize) -> Self {
        self.context_dim = context_dim;
        self
    }

    /// This configuration with the context embedded by an MLP through `widths` first.
    pub fn with_context_embedding(mut self, widths: Vec<usize>) -> Self {
        self.context_embedding = widths;
        self
    }

    /// The width of the context the conditioners see: the embedding's, else the context's.
    pub fn embedded_context_dim(&self) -> usize {
        self.context_embedding
            .last()
            .copied()
            .unwrap_or(self.context_dim)
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
        if self.context_dim == 0 && !self.context_embedding.is_empty() {
            return Err(ModelError::config(
                "context_embedding",
                "is given, but the flow has no context",
            ));
        }
        if self.context_embedding.contains(&0) {
            return Err(ModelError::config(
                "context_embedding",
                "has a layer of width 0; every width must be at least 1",
            ));
        }
        if self.base == BaseKind::ConditionalGaussian && self.context_dim == 0 {
            return Err(ModelError::config(
                "base",
                "is conditional-gaussian, which needs a context; the flow has none",
            ));
        }
        if self.base == BaseKind::ConditionalGaussian && self.direction == Direction::Generative {
            return Err(ModelError::config(
                "base",
                "is conditional-gaussian, which only density-estimation flows take",
            ));
        }
        self.family.validate(self.dim, self.embedded_context_dim())
    }

    /// Builds the flow on `device` (use `device.autodiff()` to train it).
    pub fn init(&self, device: &Device) -> Result<Flow, ModelError> {
        self.validate()?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let context = self.embedded_context_dim();
        let embedding = (!self.context_embedding.is_empty()).then(|| {
            let mut widths = vec![self.context_dim];
            widths.extend(&self.context_embedding);
            Mlp::with_widths(&widths, false, &mut rng, device)
        });
        let transforms = self
            .family
            .transforms(self.dim, context, &mut rng, device)?;
        Ok(Flow {
            base: Base::new(self.base, self.dim, context, &mut rng, device),
            transforms,
            embedding,
            direction: self.direction,
            context_dim: self.context_dim,
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
    /// The MLP that embeds the context, `[N, C] → [N, E]`, if any.
    pub embedding: Option<Mlp>,
    /// Which way the transforms point.
    #[module(skip)]
    pub direction: Direction,
    /// The width `C` of the context (0 for an unconditional flow).
    #[module(skip)]
    pub context_dim: usize,
}

/// Applies `transforms` forward in order at `context`, summing the log-determinants:
/// `([N, D], [N])`.
fn forward_all<'a>(
    transforms: impl Iterator<Item = &'a Transform>,
    x: Tensor<2>,
    context: Option<&Tensor<2>>,
) -> (Tensor<2>, Tensor<1>) {
    chain(transforms, x, |t, x| t.forward_given(x, context))
}

/// Applies the inverses of `transforms` in reverse order at `context`, summing the
/// log-determinants.
fn inverse_all<'a>(
    transforms: impl DoubleEndedIterator<Item = &'a Transform>,
    y: Tensor<2>,
    context: Option<&Tensor<2>>,
) -> (Tensor<2>, Tensor<1>) {
    chain(transforms.rev(), y, |t, y| t.inverse_given(y, context))
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
        let mut no_draws = StdRng::seed_from_u64(0);
        Self {
            base: Base::new(BaseKind::StandardNormal, dim, 0, &mut no_draws, device),
            transforms,
            embedding: None,
            direction: Direction::Density,
            context_dim: 0,
        }
    }

    /// The flow at `context` (`[N, C]`, one row per point): the distribution `p(x | c)`,
    /// with the context embedded once for all the calls on it.
    ///
    /// # Panics
    /// If the flow takes no context, or the context's width is not `C`.
    pub fn given(&self, context: Tensor<2>) -> Given<'_> {
        let width = context.dims()[1];
        assert!(
            self.context_dim > 0 && width == self.context_dim,
            "the flow takes a context of width {}, but was given one of width {width}",
            self.context_dim
        );
        let context = match &self.embedding {
            Some(embedding) => embedding.forward(context),
            None => context,
        };
        Given {
            flow: self,
            context: Some(context),
        }
    }

    /// An unconditional flow as a [`Given`], for the methods both share.
    ///
    /// # Panics
    /// If the flow takes a context: use [`Flow::given`].
    pub fn unconditional(&self) -> Given<'_> {
        assert!(
            self.context_dim == 0,
            "the flow takes a context of width {}: call it through Flow::given",
            self.context_dim
        );
        Given {
            flow: self,
            context: None,
        }
    }

    /// `log p(x | c)` per point: `x` `[N, D]`, `context` `[N, C]`, the result `[N]`.
    pub fn log_prob_with_context(&self, x: Tensor<2>, context: Tensor<2>) -> Tensor<1> {
        self.given(context).log_prob(x)
    }

    /// The width `C` of the context (0 for an unconditional flow).
    pub fn context_dim(&self) -> usize {
        self.context_dim
    }

    /// The data dimension `D`.
    pub fn dim(&self) -> usize {
        self.base.dim()
    }

    /// Maps data to the latent space: `x` `[N, D]` → `(z [N, D], log|det ∂z/∂x| [N])`.
    pub fn to_latent(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.unconditional().to_latent(x)
    }

    /// Maps latent points to data: `z` `[N, D]` → `(x [N, D], log|det ∂x/∂z| [N])`.
    pub fn to_data(&self, z: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.unconditional().to_data(z)
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
        self.unconditional().log_prob(x)
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
        self.unconditional().draw(n, seed, device)
    }

    /// This flow with every [`crate::ActNorm`] fitted to the batch `x` (`[N, D]`, at
    /// `context` `[N, C]` for a conditional flow) as it reaches it, in the data → latent
    /// direction: the data-dependent initialisation of ActNorm. A flow without ActNorm is
    /// returned unchanged.
    pub fn initialized_from(mut self, x: Tensor<2>, context: Option<Tensor<2>>) -> Self {
        if self.direction == Direction::Generative
            || !self
                .transforms
                .iter()
                .any(|t| matches!(t, Transform::ActNorm(_)))
        {
            return self;
        }
        let context = match context {
            Some(context) => self.given(context.detach()).context,
            None => self.unconditional().context,
        }
        .map(|c| c.detach());
        let mut x = x.detach();
        let transforms = std::mem::take(&mut self.transforms)
            .into_iter()
            .map(|transform| {
                let transform = match transform {
                    Transform::ActNorm(norm) => Transform::ActNorm(norm.fitted_to(x.clone())),
                    other => other,
                };
                x = transform
                    .forward_given(x.clone(), context.as_ref())
                    .0
                    .detach();
                transform
            })
            .collect();
        self.transforms = transforms;
        self
    }
}

/// `N` copies of each row of `context` (`[M, C]`), row-major: `[M·N, C]`, for drawing `N`
/// samples at each of `M` contexts.
pub fn repeat_rows(context: Tensor<2>, n: usize) -> Tensor<2> {
    let [m, c] = context.dims();
    context
        .unsqueeze_dim::<3>(1)
        .repeat_dim(1, n)
        .reshape([m * n, c])
}

/// A flow at a context: the distribution `p(x | c)` for a batch of contexts, one per point
/// (from [`Flow::given`]); for an unconditional flow, the flow itself.
#[derive(Debug, Clone)]
pub struct Given<'a> {
    flow: &'a Flow,
    /// The embedded context `[N, E]`, if the flow takes one.
    context: Option<Tensor<2>>,
}

impl Given<'_> {
    /// Maps data to the latent space: `x` `[N, D]` → `(z [N, D], log|det ∂z/∂x| [N])`.
    pub fn to_latent(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let transforms = self.flow.transforms.iter();
        match self.flow.direction {
            Direction::Density => forward_all(transforms, x, self.context.as_ref()),
            Direction::Generative => inverse_all(transforms, x, self.context.as_ref()),
        }
    }

    /// Maps latent points to data: `z` `[N, D]` → `(x [N, D], log|det ∂x/∂z| [N])`.
    pub fn to_data(&self, z: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let transforms = self.flow.transforms.iter();
        match self.flow.direction {
            Direction::Density => inverse_all(transforms, z, self.context.as_ref()),
            Direction::Generative => forward_all(transforms, z, self.context.as_ref()),
        }
    }

    /// The exact `log p(x | c)` per point: `x` is `[N, D]`, the result `[N]`.
    pub fn log_prob(&self, x: Tensor<2>) -> Tensor<1> {
        let (z, log_det) = self.to_latent(x);
        self.flow.base.log_prob(z, self.context.as_ref()) + log_det
    }

    /// One exact sample at each context row: `[N, D]`, from base draws made on the host from
    /// `seed`.
    pub fn sample(&self, seed: u64) -> Tensor<2> {
        self.sample_with_log_prob(seed).0
    }

    /// One exact sample at each context row and its `log p(x | c)`, in one pass from the
    /// base: `([N, D], [N])`; differentiable in the parameters.
    pub fn sample_with_log_prob(&self, seed: u64) -> (Tensor<2>, Tensor<1>) {
        let context = self
            .context
            .as_ref()
            .expect("an unconditional flow samples through Flow::sample_with_log_prob");
        self.draw(context.dims()[0], seed, &context.device())
    }

    /// `n` draws from the base through the flow, with their log-density.
    fn draw(&self, n: usize, seed: u64, device: &Device) -> (Tensor<2>, Tensor<1>) {
        let (z, log_q0) =
            self.flow
                .base
                .sample_with_log_prob(n, seed, device, self.context.as_ref());
        let (x, log_det) = self.to_data(z);
        (x, log_q0 - log_det)
    }
}
