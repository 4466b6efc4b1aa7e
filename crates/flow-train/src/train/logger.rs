//! The Learner's metric logger, usable for runs that resume after epoch 1.

use burn::train::logger::{InMemoryMetricLogger, MetricLogger};
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{MetricDefinition, NumericEntry};

/// Burn's in-memory metric logger, with epochs counted from `first_epoch`.
///
/// The in-memory logger stores epochs in the order they are logged and reads epoch `e` at
/// position `e − 1`, which only holds for runs that start at epoch 1. A resumed run starts
/// later, so reads are shifted by the number of epochs that ran before.
pub struct ResumableMetricLogger {
    inner: InMemoryMetricLogger,
    epochs_before: usize,
}

impl ResumableMetricLogger {
    /// A logger for a run whose first epoch is `first_epoch` (1 for a fresh run).
    pub fn new(first_epoch: usize) -> Self {
        Self {
            inner: InMemoryMetricLogger::new(),
            epochs_before: first_epoch.saturating_sub(1),
        }
    }
}

impl MetricLogger for ResumableMetricLogger {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        self.inner.log(update, epoch, split);
    }

    fn read_numeric(
        &mut self,
        name: &str,
        epoch: usize,
        split: &Split,
    ) -> Result<Vec<NumericEntry>, String> {
        match epoch.checked_sub(self.epochs_before) {
            Some(position) if position > 0 => self.inner.read_numeric(name, position, split),
            _ => Ok(Vec::new()),
        }
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        self.inner.log_metric_definition(definition);
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        self.inner.log_epoch_summary(summary);
    }
}
