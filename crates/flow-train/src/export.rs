//! The model's parameters as plain JSON, enough for another tool to recompute `log p(x)`.

use flow_model::PlanarFlow;
use serde::{Deserialize, Serialize};

/// The exported flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedFlow {
    /// The data dimension `D`.
    pub dim: usize,
    /// The base distribution: always `"standard_normal"` (`N(0, I_D)`).
    pub base: String,
    /// How to evaluate the density from the fields below.
    pub formula: String,
    /// The layers in application order (data → latent, layer 0 first).
    pub layers: Vec<ExportedLayer>,
}

/// One planar layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedLayer {
    /// The raw parameter `u`.
    pub u: Vec<f32>,
    /// The parameter `w`.
    pub w: Vec<f32>,
    /// The bias `b`.
    pub b: f32,
    /// The reparametrised `û` actually used by the map.
    pub u_hat: Vec<f32>,
    /// `wᵀû` as the model computes it (`m(wᵀu) ≥ −1`); use it in the log-determinant.
    pub w_dot_u_hat: f32,
}

const FORMULA: &str = "z_0 = x; for k in 0..K: a = w_k·z_k + b_k; z_{k+1} = z_k + u_hat_k * tanh(a); \
log|det J_k| = log|1 + (1 - tanh(a)^2) * w_dot_u_hat_k|. \
log p(x) = -0.5 * |z_K|^2 - 0.5 * D * ln(2*pi) + sum_k log|det J_k|";

/// Reads every parameter of `flow` back from its device.
pub fn export(flow: &PlanarFlow) -> ExportedFlow {
    let floats = |t: burn::tensor::Tensor<1>| t.into_data().iter::<f32>().collect::<Vec<_>>();
    let layers = flow
        .layers
        .iter()
        .map(|layer| ExportedLayer {
            u: floats(layer.u.val()),
            w: floats(layer.w.val()),
            b: floats(layer.b.val())[0],
            u_hat: floats(layer.u_hat()),
            w_dot_u_hat: floats(layer.w_dot_u_hat())[0],
        })
        .collect();
    ExportedFlow {
        dim: flow.dim(),
        base: "standard_normal".into(),
        formula: FORMULA.into(),
        layers,
    }
}
