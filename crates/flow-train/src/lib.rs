//! Training and inference for planar flows on Burn: the Learner wiring, the artifact
//! directory, plots, and the `flow-train` command line.

pub mod artifacts;
pub mod backend;
pub mod bench;
pub mod checkpoint;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod export;
pub mod fsutil;
pub mod inference;
pub mod logger;
pub mod model;
pub mod monitor;
pub mod plot;
pub mod progress;
pub mod renderer;
pub mod schedule;
pub mod score;
pub mod training;

pub use error::FlowError;
