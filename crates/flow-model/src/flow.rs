//! A stack of planar layers over a standard normal base distribution.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::base::{standard_normal_log_prob, standard_normal_sample};
use crate::error::ModelError;
use crate::fused;
use crate::inverse::InverseSolver;
use crate::planar::{
    PlanarLayer, Reparametrised, StepParams, invert_step, planar_step, reparametrise,
};

/// Configuration of a [`PlanarFlow`].
#[derive(Config, Debug, PartialEq)]
pub struct PlanarFlowConfig {
    /// The data dimension `D`.
    pub dim: usize,
    /// The number of planar layers `K`.
    pub layers: usize,
    /// Initial `u`, `w`, `b` are drawn from `U(−bound, bound)`; `None` means `1/√D`.
    #[config(default = "None")]
    pub init_bound: Option<f64>,
    /// Seed of the initial parameters (drawn on the host, so equal on every backend).
    #[config(default = 0)]
    pub seed: u64,
}

impl PlanarFlowConfig {
    /// Checks every field; [`PlanarFlowConfig::init`] calls it.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.dim == 0 {
            return Err(ModelError::config("dim", "must be at least 1"));
        }
        if self.layers == 0 {
            return Err(ModelError::config("layers", "must be at least 1"));
        }
        if let Some(bound) = self.init_bound
            && !(bound.is_finite() && bound > 0.0)
        {
            return Err(ModelError::config(
                "init_bound",
                format!("must be finite and positive, got {bound}"),
            ));
        }
        Ok(())
    }

    /// The bound of the uniform initialisation actually used.
    pub fn effective_init_bound(&self) -> f64 {
        self.init_bound
            .unwrap_or(1.0 / (self.dim.max(1) as f64).sqrt())
    }

    /// Builds the flow on `device` (use `device.autodiff()` to train it).
    pub fn init(&self, device: &Device) -> Result<PlanarFlow, ModelError> {
        self.validate()?;
        let bound = self.effective_init_bound() as f32;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut draw =
            |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-bound..bound)).collect() };
        let layers = (0..self.layers)
            .map(|_| {
                let u = draw(self.dim);
                let w = draw(self.dim);
                let b = draw(1)[0];
                PlanarLayer::from_values(&u, &w, b, device)
            })
            .collect();
        Ok(PlanarFlow { layers })
    }
}

/// All layers' parameters as tensors, reparametrised.
struct StackedParams {
    /// `[K, D]`.
    w: Tensor<2>,
    /// `[K, D]`.
    u_hat: Tensor<2>,
    /// `[K]`.
    b: Tensor<1>,
    /// `wᵀû` per layer, `[K]`.
    c: Tensor<1>,
}

/// The result of mapping data to the latent space.
#[derive(Debug, Clone)]
pub struct FlowOutput {
    /// The latent points `z`: `[N, D]`.
    pub z: Tensor<2>,
    /// `Σ_k log|det J_k|` per point: `[N]`.
    pub sum_log_det: Tensor<1>,
}

/// A planar flow: `K` planar layers applied data → latent, layer 0 first, over `N(0, I)`.
#[derive(Module, Debug)]
pub struct PlanarFlow {
    /// The layers in application order (data → latent).
    pub layers: Vec<PlanarLayer>,
}

impl PlanarFlow {
    /// The data dimension `D`.
    pub fn dim(&self) -> usize {
        self.layers.first().map_or(0, PlanarLayer::dim)
    }

    /// The number of layers `K`.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// Every layer's parameters stacked and reparametrised in one batch of tensor operations
    /// for all `K` layers (rather than `K` times the same dozen small operations); `None`
    /// without layers.
    fn stacked_params(&self) -> Option<StackedParams> {
        let k = self.layers.len();
        if k == 0 {
            return None;
        }
        let stack = |param: fn(&PlanarLayer) -> Tensor<1>| -> Tensor<2> {
            Tensor::stack(self.layers.iter().map(param).collect(), 0)
        };
        let u = stack(|l| l.u.val());
        let w = stack(|l| l.w.val());
        let b = Tensor::cat(self.layers.iter().map(|l| l.b.val()).collect(), 0);
        let Reparametrised { u_hat, w_dot_u_hat } = reparametrise(u, w.clone());
        Some(StackedParams {
            w,
            u_hat,
            b,
            c: w_dot_u_hat.reshape([k]),
        })
    }

    /// [`PlanarFlow::stacked_params`] when tensors on `device` take the fused path; `None`
    /// otherwise, before any work (the tensor-op path stacks the parameters itself).
    fn fused_params(&self, device: &Device) -> Option<StackedParams> {
        fused::supports(device)
            .then(|| self.stacked_params())
            .flatten()
    }

    /// Every layer's parameters in the form [`planar_step`] takes.
    fn step_params(&self) -> Vec<StepParams> {
        let Some(StackedParams { w, u_hat, b, c }) = self.stacked_params() else {
            return Vec::new();
        };
        let k = self.layers.len();
        let (b, c) = (b.reshape([1, k]), c.reshape([1, k]));
        let w_columns = w.transpose(); // [D, K]
        (0..k)
            .map(|i| StepParams {
                w: w_columns.clone().narrow(1, i, 1),
                b: b.clone().narrow(1, i, 1),
                u_hat: u_hat.clone().narrow(0, i, 1),
                c: c.clone().narrow(1, i, 1),
            })
            .collect()
    }

    /// Maps data to the latent space: `x` is `[N, D]`.
    pub fn forward(&self, x: Tensor<2>) -> FlowOutput {
        let mut z = x;
        let mut sum_log_det: Option<Tensor<2>> = None;
        for p in &self.step_params() {
            let (next, log_det) = planar_step(z, p);
            z = next;
            sum_log_det = Some(match sum_log_det {
                Some(sum) => sum + log_det,
                None => log_det,
            });
        }
        let [n, _] = z.dims();
        let sum_log_det =
            sum_log_det.map_or_else(|| Tensor::zeros([n], &z.device()), |sum| sum.squeeze_dim(1));
        FlowOutput { z, sum_log_det }
    }

    /// [`PlanarFlow::forward`] computed layer by layer through [`PlanarLayer::forward`]: the
    /// plain reference the batched forward is tested against (same values and gradients).
    pub fn forward_layerwise(&self, x: Tensor<2>) -> FlowOutput {
        let [n, _] = x.dims();
        let device = x.device();
        let mut z = x;
        let mut sum_log_det = Tensor::<1>::zeros([n], &device);
        for layer in &self.layers {
            let (next, log_det) = layer.forward(z);
            z = next;
            sum_log_det = sum_log_det + log_det;
        }
        FlowOutput { z, sum_log_det }
    }

    /// The exact log-density `log p(x)` per point: `x` is `[N, D]`, the result `[N]`.
    ///
    /// On the CPU backends this is one fused operation with a hand-derived gradient
    /// ([`crate::fused`]), several times faster than the tensor operations of
    /// [`PlanarFlow::log_prob_tensor_ops`], which other backends use and which it is tested
    /// against.
    pub fn log_prob(&self, x: Tensor<2>) -> Tensor<1> {
        match self.fused_params(&x.device()) {
            Some(StackedParams { w, u_hat, b, c }) => fused::log_prob(x, w, u_hat, b, c),
            None => self.log_prob_tensor_ops(x),
        }
    }

    /// [`PlanarFlow::log_prob`] from [`PlanarFlow::forward`]'s tensor operations, on every
    /// backend.
    pub fn log_prob_tensor_ops(&self, x: Tensor<2>) -> Tensor<1> {
        let FlowOutput { z, sum_log_det } = self.forward(x);
        standard_normal_log_prob(z) + sum_log_det
    }

    /// Maps latent points back to data, last layer first: `z` is `[N, D]`.
    pub fn inverse(&self, z: Tensor<2>) -> Tensor<2> {
        self.inverse_with(z, &InverseSolver::default())
    }

    /// [`PlanarFlow::inverse`] with a chosen root finder.
    ///
    /// On the CPU backends this runs on the host in one pass over the points
    /// ([`crate::kernel::inverse`]); elsewhere, and in [`PlanarFlow::inverse_tensor_ops`],
    /// through tensor operations.
    pub fn inverse_with(&self, z: Tensor<2>, solver: &InverseSolver) -> Tensor<2> {
        match self.fused_params(&z.device()) {
            Some(StackedParams { w, u_hat, b, c }) => fused::inverse(z, w, u_hat, b, c, solver),
            None => self.inverse_tensor_ops(z, solver),
        }
    }

    /// [`PlanarFlow::inverse_with`] through tensor operations, on every backend.
    pub fn inverse_tensor_ops(&self, z: Tensor<2>, solver: &InverseSolver) -> Tensor<2> {
        self.step_params()
            .iter()
            .rev()
            .fold(z, |y, p| invert_step(y, p, solver))
    }

    /// `n` exact samples of the flow's density: `[n, D]`.
    ///
    /// The base draws come from `seed` on the host, so they do not depend on the backend.
    pub fn sample(&self, n: usize, seed: u64, device: &Device) -> Tensor<2> {
        self.inverse(standard_normal_sample(n, self.dim(), seed, device))
    }
}
