//! Normalizing flows as Burn modules.
//!
//! A [`Flow`] is a base distribution and a sequence of invertible [`Transform`]s, each
//! with its log-determinant in both directions ([`Bijection`]). Families: planar and radial
//! layers (Rezende & Mohamed 2015), affine couplings (RealNVP), rational-quadratic neural
//! spline couplings, masked autoregressive flows (MAF) and autoregressive splines
//! ([`FlowFamily`]). Every flow gives the exact log-density, exact samples, and samples with
//! their log-density in one pass (for variational inference). The couplings and the
//! autoregressive families also make conditional flows `p(x | c)` ([`Flow::given`]).
//!
//! The guide to the whole toolkit is the mdBook in the repository's `docs/` (`mdbook build
//! docs`); its chapters "Flow families and conditional flows" and "Architecture"
//! give the mathematics and how a family is added.
//!
//! ```
//! use burn::tensor::{Device, Tensor};
//! use flow_model::{CouplingConfig, FlowConfig, NsfConfig};
//!
//! let device = Device::flex();
//! let family = NsfConfig::new(CouplingConfig::new(4));
//! let flow = FlowConfig::new(2, family).init(&device).unwrap();
//! let x = Tensor::<2>::from_floats([[0.5, -1.0], [2.0, 3.0]], &device);
//! let log_p = flow.log_prob(x); // [2]
//! let samples = flow.sample(1000, 7, &device); // [1000, 2]
//! assert_eq!(log_p.dims(), [2]);
//! assert_eq!(samples.dims(), [1000, 2]);
//! ```

mod base;
mod bijection;
mod conditioners;
pub mod cpu;
mod energy;
mod error;
mod family;
mod flow;
#[cfg(feature = "wgpu")]
mod gpu;
mod init;
mod numerics;
pub mod spline;
mod transforms;

pub use base::{Base, BaseKind, standard_normal_log_prob, standard_normal_sample};
pub use bijection::Bijection;
pub use conditioners::blocks::{Block, MAX_BLOCKS, MIN_BLOCK_WIDTH, layer_blocks};
pub use conditioners::made::{AutoregressiveOrder, DirectConnections, Made, MadeShape};
pub use conditioners::mlp::Mlp;
pub use energy::{Energy, EnergyFn, PaperEnergy, grid_log_partition};
pub use error::ModelError;
pub use family::{CouplingConfig, FlowFamily, NsfConfig, RealNvpConfig};
pub use flow::{Direction, Flow, FlowConfig, Given, repeat_rows};
pub use numerics::stable_softplus;
pub use transforms::Transform;
pub use transforms::actnorm::ActNorm;
pub use transforms::affine_coupling::AffineCoupling;
pub use transforms::autoregressive::AutoregressiveConfig;
pub use transforms::coupling::CouplingSplit;
pub use transforms::inverse::InverseSolver;
pub use transforms::maf::{
    AffineDirection, MafConfig, MaskedAffine, masked_affine, masked_affine_tensor_ops,
};
pub use transforms::planar::{Planar, PlanarConfig};
pub use transforms::radial::{Radial, RadialConfig};
pub use transforms::spline_autoregressive::{NsfArConfig, SplineAutoregressive};
pub use transforms::spline_coupling::SplineCoupling;
