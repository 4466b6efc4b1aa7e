//! The divergence rule replayed over the metrics of a finished run, to see how close it came.

use std::path::Path;

use crate::artifacts::ArtifactPaths;
use crate::error::FlowError;
use crate::infer::inference::load_config;
use crate::train::divergence::{Baseline, Closeness, Verdict, assess, closeness};
use crate::train::epoch::EpochRecord;
use crate::train::training::untrained_valid;

/// The outcome of [`replay`] on one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// The epochs read.
    pub epochs: usize,
    /// The baseline used.
    pub baseline: Baseline,
    /// Whether the start value was recorded by the run (else it was computed here).
    pub start_recorded: bool,
    /// The rule's verdict over the whole history.
    pub verdict: Option<Verdict>,
    /// How close the history came to the rule.
    pub closeness: Closeness,
}

/// Replays the rule over the `metrics.csv` of the artifact directory `dir`, with the
/// untrained model's validation value from its `summary.json` (`initial_valid`) or, for runs
/// that did not record it, computed again from its `config.json` on `device`.
pub fn replay(dir: &Path, device: &burn::tensor::Device) -> Result<Replay, FlowError> {
    let paths = ArtifactPaths::new(dir);
    let config = load_config(&paths.config())?;
    let metrics = paths.metrics();
    let bad = |reason: String| FlowError::bad_file(&metrics, reason);
    let mut reader = csv::Reader::from_path(&metrics).map_err(|e| bad(e.to_string()))?;
    let history = reader
        .deserialize::<EpochRecord>()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    let recorded = std::fs::read(paths.summary())
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|summary| summary["initial_valid"].as_f64());
    let start = match recorded {
        Some(start) => start,
        None => untrained_valid(&config, device)?,
    };
    let baseline = Baseline::new(&config, Some(start));
    Ok(Replay {
        epochs: history.len(),
        baseline,
        start_recorded: recorded.is_some(),
        verdict: assess(&history, &baseline),
        closeness: closeness(&history, &baseline),
    })
}
