//! Normalizing flows in Rust on Burn, in one dependency: the three crates of the workspace
//! under short names.
//!
//! - [`model`] (`flow-model`): flows as Burn modules — planar, radial, RealNVP and neural
//!   spline families; exact log-density, exact sampling, the generator direction and
//!   energies for variational inference.
//! - [`data`] (`flow-data`): the 2-D toy suite, CSV files of any dimension, splits,
//!   standardisation, Burn data loaders.
//! - [`train`] (`flow-train`): training with Burn's Learner, artifact directories, inference
//!   from them, plots; the `flow-train` binary is built from it.
//!
//! The runnable examples are in `examples/` (`cargo run --release --example quick_start`).

pub use flow_data as data;
pub use flow_model as model;
pub use flow_train as train;
