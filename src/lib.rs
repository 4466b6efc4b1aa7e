//! Normalizing flows in Rust on Burn, in one dependency: the three crates of the workspace
//! under short names.
//!
//! - [`model`] (`flow-model`): flows as Burn modules — planar, radial, RealNVP, neural
//!   spline, MAF and autoregressive spline families; exact log-density, exact sampling, the
//!   generator direction and energies for variational inference; conditional flows.
//! - [`data`] (`flow-data`): the 2-D toy suite, CSV and `.npy` files of any dimension, splits,
//!   standardisation, Burn data loaders, the simulators of simulation-based inference.
//! - [`train`] (`flow-train`): training with Burn's Learner, artifact directories, inference
//!   from them, plots; [`train::api`] trains from a program; the `flow-train` binary is built
//!   from it.
//!
//! The runnable examples are in `examples/` (`cargo run --release --example quick_start`).
//! The guide to the whole toolkit is the mdBook in the repository's `docs/` (`mdbook build
//! docs`); its chapter "The Rust library" starts from here.

pub use flow_data as data;
pub use flow_model as model;
pub use flow_train as train;

/// The Rust examples of the README and of the guide's chapter on the library, run as doc
/// tests so that they keep compiling and working.
#[cfg(doctest)]
mod documentation {
    #[doc = include_str!("../README.md")]
    struct Readme;

    #[doc = include_str!("../docs/src/library.md")]
    struct LibraryChapter;
}
