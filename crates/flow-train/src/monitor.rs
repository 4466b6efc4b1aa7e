//! Watches the validation NLL after every epoch: picks the checkpoints to keep, decides when
//! to stop (patience, divergence), records the per-epoch metrics and reports progress.

use std::collections::HashSet;
use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use burn::train::EarlyStoppingStrategy;
use burn::train::checkpoint::{CheckpointingAction, CheckpointingStrategy};
use burn::train::metric::store::{Aggregate, EventStoreClient, Split};
use serde::{Deserialize, Serialize};

use crate::error::FlowError;
use crate::progress::Progress;

/// The Learner's name of the loss metric.
const LOSS: &str = "Loss";

/// Why a training run ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StopReason {
    /// All `max_epochs` epochs ran.
    MaxEpochs,
    /// `patience` epochs passed without a better validation NLL.
    EarlyStopped,
    /// The loss became NaN or infinite in this epoch.
    Diverged {
        /// The first epoch with a non-finite NLL.
        epoch: usize,
    },
    /// The run was interrupted (signal or error) before it finished.
    Interrupted,
}

impl StopReason {
    /// A few words for the terminal.
    pub fn describe(&self) -> String {
        match self {
            Self::MaxEpochs => "maximum number of epochs reached".into(),
            Self::EarlyStopped => "no better validation NLL within the patience".into(),
            Self::Diverged { epoch } => format!("diverged at epoch {epoch}"),
            Self::Interrupted => "interrupted".into(),
        }
    }
}

/// The metrics of one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training NLL over the epoch (nats).
    pub train_nll: f64,
    /// Validation NLL at the end of the epoch (nats).
    pub valid_nll: f64,
    /// Seconds since training started.
    pub seconds: f64,
}

#[derive(Debug, Default)]
struct State {
    best: Option<EpochRecord>,
    best_epochs: HashSet<usize>,
    snapshot_epochs: HashSet<usize>,
    /// Epochs saved only for a snapshot, to delete at the next checkpoint.
    to_delete: Vec<usize>,
    history: Vec<EpochRecord>,
    stop: Option<StopReason>,
}

/// Settings of a [`RunMonitor`].
#[derive(Debug, Clone, Copy)]
pub struct MonitorSettings {
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Save a snapshot every this many epochs (0: never).
    pub snapshot_every: usize,
    /// The epoch budget (for the progress display).
    pub max_epochs: usize,
}

/// Shared by the checkpointing and early-stopping hooks of the Learner (it is both).
#[derive(Clone)]
pub struct RunMonitor {
    settings: MonitorSettings,
    state: Arc<Mutex<State>>,
    csv: Arc<Mutex<csv::Writer<File>>>,
    progress: Arc<Mutex<Progress>>,
    started: Instant,
}

impl RunMonitor {
    /// A monitor that appends one row per epoch to `metrics_csv` (flushed every epoch, so a
    /// killed run leaves a readable file).
    pub fn new(settings: MonitorSettings, metrics_csv: &Path) -> Result<Self, FlowError> {
        let file = File::create(metrics_csv).map_err(|e| FlowError::io(metrics_csv, e))?;
        let mut writer = csv::Writer::from_writer(file);
        writer
            .write_record(["epoch", "train_nll", "valid_nll", "seconds"])
            .and_then(|()| writer.flush().map_err(Into::into))
            .map_err(|e| FlowError::bad_file(metrics_csv, e.to_string()))?;
        Ok(Self {
            settings,
            state: Arc::default(),
            csv: Arc::new(Mutex::new(writer)),
            progress: Arc::new(Mutex::new(Progress::new(settings.max_epochs))),
            started: Instant::now(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `epoch` was the best so far when it was checkpointed.
    pub fn is_best_epoch(&self, epoch: usize) -> bool {
        self.state().best_epochs.contains(&epoch)
    }

    /// Whether a density snapshot is due at `epoch`.
    pub fn is_snapshot_epoch(&self, epoch: usize) -> bool {
        self.state().snapshot_epochs.contains(&epoch)
    }

    /// The best epoch so far.
    pub fn best(&self) -> Option<EpochRecord> {
        self.state().best
    }

    /// Every epoch recorded so far.
    pub fn history(&self) -> Vec<EpochRecord> {
        self.state().history.clone()
    }

    /// Why the run stopped, if the monitor stopped it.
    pub fn stop_reason(&self) -> Option<StopReason> {
        self.state().stop
    }

    /// Closes the progress display.
    pub fn finish(&self) {
        self.progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .finish();
    }

    fn record(&self, row: &EpochRecord) {
        let mut csv = self
            .csv
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let written = csv
            .serialize((row.epoch, row.train_nll, row.valid_nll, row.seconds))
            .and_then(|()| csv.flush().map_err(Into::into));
        if let Err(e) = written {
            eprintln!("warning: cannot append to metrics.csv: {e}");
        }
    }
}

impl CheckpointingStrategy for RunMonitor {
    fn checkpointing(
        &mut self,
        epoch: usize,
        store: &EventStoreClient,
    ) -> Vec<CheckpointingAction> {
        let read = |split: Split| store.find_metric(LOSS, epoch, Aggregate::Mean, &split);
        let row = EpochRecord {
            epoch,
            train_nll: read(Split::Train).unwrap_or(f64::NAN),
            valid_nll: read(Split::Valid).unwrap_or(f64::NAN),
            seconds: self.started.elapsed().as_secs_f64(),
        };
        self.record(&row);

        let mut actions = Vec::new();
        let mut state = self.state();
        state.history.push(row);
        // Saves come first: the record of a previous best is deleted only once the new one
        // is on disk.
        let deletions: Vec<usize> = state.to_delete.drain(..).collect();
        if !(row.train_nll.is_finite() && row.valid_nll.is_finite()) {
            state.stop = Some(StopReason::Diverged { epoch });
        } else {
            let improved = state.best.is_none_or(|best| row.valid_nll < best.valid_nll);
            let snapshot = self.settings.snapshot_every > 0
                && epoch.is_multiple_of(self.settings.snapshot_every);
            if improved {
                state.best_epochs.insert(epoch);
                if let Some(previous) = state.best.replace(row) {
                    state.to_delete.push(previous.epoch);
                }
            } else if snapshot {
                state.to_delete.push(epoch);
            }
            if snapshot {
                state.snapshot_epochs.insert(epoch);
            }
            if improved || snapshot {
                actions.push(CheckpointingAction::Save);
            }
            if !improved
                && let Some(best) = state.best
                && epoch - best.epoch >= self.settings.patience
            {
                state.stop = Some(StopReason::EarlyStopped);
            }
        }
        actions.extend(deletions.into_iter().map(CheckpointingAction::Delete));
        let best = state.best;
        drop(state);
        self.progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .epoch(&row, best.as_ref());
        actions
    }
}

impl EarlyStoppingStrategy for RunMonitor {
    fn should_stop(&mut self, _epoch: usize, _store: &EventStoreClient) -> bool {
        self.state().stop.is_some()
    }
}
