//! Training and inference for normalizing flows on Burn: the Learner wiring, the artifact
//! directory, plots, and the `flow-train` command line.
//!
//! - [`api`]: training from a program as the command line trains ([`api::Settings`]: its flags
//!   by name; [`api::fit_rows`], [`api::fit_posterior`]), which the Python package uses.
//! - [`infer`]: a trained model from its artifact directory
//!   ([`infer::inference::TrainedFlow`]), rows streamed in and out, the export.
//! - [`train`]: the presets, Burn's Learner on one or several devices, checkpoints and resume,
//!   divergence detection, the run directory and its summary.
//! - [`commands`]: one function per subcommand of `flow-train`, on the flags of [`cli`].
//!
//! The guide to the whole toolkit is the mdBook in the repository's `docs/` (`mdbook build
//! docs`); its chapters "The command line", "Training" and "Using a trained model"
//! document what this crate does.

pub mod api;
pub mod artifacts;
pub mod backend;
pub mod bench;
pub mod calibration;
pub mod cli;
pub mod commands;
pub mod error;
pub mod fatal;
pub mod format;
pub mod fsutil;
pub mod infer;
pub mod lock;
pub mod output;
pub mod plot;
pub mod remote;
pub mod train;

pub use error::FlowError;
