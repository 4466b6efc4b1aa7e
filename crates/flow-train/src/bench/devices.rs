//! Training throughput through Burn's Learner: optimizer steps per second of real training
//! runs (the default planar flow on the checkerboard, two epochs, validation included) on a
//! list of devices, one placement after the other in one process.

use std::path::PathBuf;

use burn::train::Interrupter;
use flow_data::DatasetKind;
use serde::Serialize;

use crate::backend::Placement;
use crate::error::FlowError;
use crate::train::config::{FlowKind, Preset, TrainingConfig};
use crate::train::data::DataSource;
use crate::train::progress::ProgressTo;
use crate::train::run_dir::Start;
use crate::train::training;

/// The steps/s of one placement at one batch size.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Always `learner_steps`.
    pub what: &'static str,
    /// The devices, as named.
    pub devices: Vec<String>,
    /// Burn's execution strategy: `single-device` or `multi-device`.
    pub strategy: &'static str,
    /// The global batch (shared by the devices).
    pub batch: usize,
    /// Optimizer steps taken.
    pub steps: usize,
    /// Wall time of training, validation included (s).
    pub seconds: f64,
    /// Optimizer steps per second.
    pub steps_per_s: f64,
}

/// What to time: the batch sizes and the optimizer steps of each epoch (two epochs a run).
#[derive(Debug, Clone)]
pub struct ThroughputPlan {
    /// The global batch sizes.
    pub batches: Vec<usize>,
    /// Optimizer steps per epoch.
    pub steps_per_epoch: usize,
}

impl ThroughputPlan {
    /// Batches of 1024 and 65 536 points, 50 steps an epoch.
    pub fn full() -> Self {
        Self {
            batches: vec![1024, 65_536],
            steps_per_epoch: 50,
        }
    }

    /// One small batch, a few steps (checks that everything runs).
    pub fn quick() -> Self {
        Self {
            batches: vec![256],
            steps_per_epoch: 4,
        }
    }
}

/// The configuration of a timed run: the default planar preset on `batch × steps` points
/// of the checkerboard, two epochs, no plots, no early stop.
fn timed_config(batch: usize, steps_per_epoch: usize) -> Result<TrainingConfig, FlowError> {
    Ok(TrainingConfig {
        format_version: crate::format::FORMAT_VERSION,
        data: DataSource::Toy {
            dataset: DatasetKind::Checkerboard,
        },
        n_train: batch * steps_per_epoch,
        n_valid: batch,
        n_test: batch,
        batch_size: batch,
        max_epochs: 2,
        patience: 2,
        plot_every: 0,
        ..Preset::Default.config(FlowKind::Planar)?
    })
}

/// Times a training run of every placement at every batch size of `plan`, in a scratch
/// directory removed afterwards.
pub fn run(plan: &ThroughputPlan, placements: &[Placement]) -> Result<Vec<Throughput>, FlowError> {
    let scratch = scratch_dir();
    let mut results = Vec::new();
    for &batch in &plan.batches {
        let config = timed_config(batch, plan.steps_per_epoch)?;
        for (i, placement) in placements.iter().enumerate() {
            let dir = scratch.join(format!("{batch}-{i}"));
            let interrupter = Interrupter::new();
            let summary = training::train(
                &config,
                &dir,
                placement,
                &interrupter,
                Start::Fresh,
                ProgressTo::Hidden,
            );
            let _ = std::fs::remove_dir_all(&dir);
            let summary = summary?;
            let steps = config.n_train.div_ceil(batch) * summary.epochs;
            results.push(Throughput {
                what: "learner_steps",
                devices: placement.names().to_vec(),
                strategy: placement.strategy(),
                batch,
                steps,
                seconds: summary.train_seconds,
                steps_per_s: steps as f64 / summary.train_seconds,
            });
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(results)
}

/// A directory of this process in the system's temporary one.
fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!("flow-train-bench-{}", std::process::id()))
}
