//! Training: the configuration, its data, the model wrapped for Burn's Learner, the
//! Learner's wiring, and what watches a run (monitor, checkpoints, progress).

pub mod checkpoint;
pub mod config;
pub mod data;
pub mod data_parallel;
pub mod divergence;
pub mod epoch;
pub mod fit;
pub mod launch;
pub mod learner;
pub mod logger;
pub mod model;
pub mod monitor;
pub mod progress;
pub mod renderer;
pub mod replay;
pub mod run_dir;
pub mod schedule;
pub mod streamed;
pub mod summary;
pub mod training;
