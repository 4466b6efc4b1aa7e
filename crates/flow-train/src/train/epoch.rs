//! The record of one epoch: a row of `metrics.csv`, what the monitor, the divergence rule
//! and the progress display read.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::FlowError;

/// The metrics of one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training NLL over the epoch (nats), or the loss of variational inference.
    #[serde(alias = "train_loss")]
    pub train_nll: f64,
    /// Validation NLL at the end of the epoch (nats), or the loss of variational inference.
    #[serde(alias = "valid_loss")]
    pub valid_nll: f64,
    /// Seconds since training started.
    pub seconds: f64,
}

/// The rows of a `metrics.csv`, in the order written.
pub fn read_metrics(path: &Path) -> Result<Vec<EpochRecord>, FlowError> {
    let bad = |reason: String| FlowError::bad_file(path, reason);
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    reader
        .deserialize::<EpochRecord>()
        .map(|row| row.map_err(|e| bad(e.to_string())))
        .collect()
}
