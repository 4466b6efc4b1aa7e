//! Normalizing flows as Burn modules.
//!
//! A flow maps data `x` to a latent `z` through invertible layers and scores
//! `log p(x) = log N(z; 0, I) + Σ_k log|det J_k(x)|`. The layers are made of plain
//! tensor operations, so Burn's autodiff gives the gradient of the exact log-density.
//!
//! ```no_run
//! use burn::tensor::{Device, Tensor};
//! use flow_model::PlanarFlowConfig;
//!
//! # fn run(device: Device) -> Result<(), flow_model::ModelError> {
//! let flow = PlanarFlowConfig::new(2, 8).init(&device)?;
//! let x = Tensor::<2>::from_floats([[0.5, -1.0], [2.0, 3.0]], &device);
//! let log_p = flow.log_prob(x); // [2]
//! let samples = flow.sample(1000, 7, &device); // [1000, 2]
//! # let _ = (log_p, samples);
//! # Ok(())
//! # }
//! ```

mod base;
mod error;
mod fastmath;
mod flow;
pub mod fused;
#[cfg(feature = "wgpu")]
mod gpu;
mod inverse;
pub mod kernel;
mod numerics;
mod planar;

pub use base::{standard_normal_log_prob, standard_normal_sample};
pub use error::ModelError;
pub use flow::{FlowOutput, PlanarFlow, PlanarFlowConfig};
pub use inverse::InverseSolver;
pub use numerics::stable_softplus;
pub use planar::PlanarLayer;
