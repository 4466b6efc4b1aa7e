//! A stack of planar layers over a standard normal base distribution.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::base::{standard_normal_log_prob, standard_normal_sample};
use crate::error::ModelError;
use crate::inverse::InverseSolver;
use crate::planar::PlanarLayer;

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

    /// Maps data to the latent space: `x` is `[N, D]`.
    pub fn forward(&self, x: Tensor<2>) -> FlowOutput {
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
    pub fn log_prob(&self, x: Tensor<2>) -> Tensor<1> {
        let FlowOutput { z, sum_log_det } = self.forward(x);
        standard_normal_log_prob(z) + sum_log_det
    }

    /// Maps latent points back to data, last layer first: `z` is `[N, D]`.
    pub fn inverse(&self, z: Tensor<2>) -> Tensor<2> {
        self.inverse_with(z, &InverseSolver::default())
    }

    /// [`PlanarFlow::inverse`] with a chosen root finder.
    pub fn inverse_with(&self, z: Tensor<2>, solver: &InverseSolver) -> Tensor<2> {
        self.layers
            .iter()
            .rev()
            .fold(z, |y, layer| layer.inverse(y, solver))
    }

    /// `n` exact samples of the flow's density: `[n, D]`.
    ///
    /// The base draws come from `seed` on the host, so they do not depend on the backend.
    pub fn sample(&self, n: usize, seed: u64, device: &Device) -> Tensor<2> {
        self.inverse(standard_normal_sample(n, self.dim(), seed, device))
    }
}
