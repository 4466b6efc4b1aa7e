//! Training and inference for normalizing flows on Burn: the Learner wiring, the artifact
//! directory, plots, and the `flow-train` command line.

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
