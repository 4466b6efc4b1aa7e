//! Watches the validation NLL after every epoch: picks the checkpoints to keep, decides when
//! to stop (patience, divergence), records the per-epoch metrics and reports progress.

use std::collections::{BTreeSet, HashSet};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use burn::train::EarlyStoppingStrategy;
use burn::train::checkpoint::{CheckpointingAction, CheckpointingStrategy};
use burn::train::metric::store::{Aggregate, EventStoreClient, Split};
use serde::{Deserialize, Serialize};

use crate::error::FlowError;
use crate::fsutil::write_atomically;
use crate::train::checkpoint::{EpochVerdicts, complete_epochs};
use crate::train::divergence::{self, Baseline, Cause};
use crate::train::epoch::{EpochRecord, read_metrics};
use crate::train::progress::{Progress, ProgressTo};

/// The Learner's name of the loss metric.
const LOSS: &str = "Loss";
/// An epoch is checkpointed (for `--resume`) when this much time has passed since the last
/// checkpoint, even if it is not the best.
const RESUME_POINT_EVERY: Duration = Duration::from_secs(10);
/// The header of `metrics.csv` for a metric called `metric` (`nll` or `loss`).
fn metrics_header(metric: &str) -> [String; 4] {
    [
        "epoch".into(),
        format!("train_{metric}"),
        format!("valid_{metric}"),
        "seconds".into(),
    ]
}

/// Why a training run ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StopReason {
    /// All `max_epochs` epochs ran.
    MaxEpochs,
    /// `patience` epochs passed without a better validation NLL.
    EarlyStopped,
    /// The run diverged (see [`crate::train::divergence`] for the rule).
    Diverged {
        /// The epoch at which it did: the first with a non-finite or exploded value, or the
        /// first of a run that never did better than its untrained model.
        epoch: usize,
        /// Which part of the rule it broke (runs recorded before there was more than one
        /// part diverged by non-finite values).
        #[serde(default)]
        cause: Cause,
        /// The exploded validation value, or the best one of a run without progress.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<f64>,
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
            Self::Diverged { epoch, cause, .. } => match cause {
                Cause::NonFinite => format!("diverged at epoch {epoch}: NaN or infinite loss"),
                Cause::Exploded => format!("diverged at epoch {epoch}: the loss exploded"),
                Cause::NoProgress => "diverged: no epoch better than the untrained model".into(),
            },
            Self::Interrupted => "interrupted".into(),
        }
    }
}

#[derive(Debug)]
struct State {
    best: Option<EpochRecord>,
    /// Epochs that were the best when they were checkpointed.
    best_epochs: BTreeSet<usize>,
    snapshot_epochs: HashSet<usize>,
    /// Epochs whose records were saved and not deleted yet.
    saved: BTreeSet<usize>,
    last_save: Instant,
    history: Vec<EpochRecord>,
    stop: Option<StopReason>,
}

/// Settings of a [`RunMonitor`].
#[derive(Debug, Clone)]
pub struct MonitorSettings {
    /// Where the checkpointers write their epoch records.
    pub checkpoint_dir: PathBuf,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Save a snapshot every this many epochs (0: never).
    pub snapshot_every: usize,
    /// The epoch budget (for the progress display).
    pub max_epochs: usize,
    /// What the metric is called in `metrics.csv` and on the terminal: `nll` or `loss`.
    pub metric: &'static str,
    /// What the divergence rule compares the history with.
    pub baseline: Baseline,
    /// Where the progress of the epochs goes (nowhere for timed runs).
    pub progress: ProgressTo,
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
    /// A monitor for a fresh run, which writes `metrics_csv` anew and appends one row per
    /// epoch (flushed every epoch, so a killed run leaves a readable file).
    pub fn new(settings: MonitorSettings, metrics_csv: &Path) -> Result<Self, FlowError> {
        let file = File::create(metrics_csv).map_err(|e| FlowError::io(metrics_csv, e))?;
        let mut writer = csv::Writer::from_writer(file);
        writer
            .write_record(metrics_header(settings.metric))
            .and_then(|()| writer.flush().map_err(Into::into))
            .map_err(|e| FlowError::bad_file(metrics_csv, e.to_string()))?;
        Ok(Self::with_history(settings, writer, Vec::new()))
    }

    /// A monitor that continues a run after its checkpointed `epoch`: it reads the rows of
    /// `metrics_csv` up to `epoch` (dropping those of epochs run after the checkpoint), and
    /// takes the best epoch, the patience count and the clock from them.
    pub fn resumed(
        settings: MonitorSettings,
        metrics_csv: &Path,
        epoch: usize,
    ) -> Result<Self, FlowError> {
        let bad = |reason: String| FlowError::bad_file(metrics_csv, reason);
        let mut history = read_metrics(metrics_csv)?;
        history.retain(|row| row.epoch <= epoch);
        let epochs: Vec<usize> = history.iter().map(|row| row.epoch).collect();
        if epochs != (1..=epoch).collect::<Vec<_>>() {
            return Err(bad(format!(
                "does not hold one row for each of epochs 1 to {epoch}, the checkpoint to resume from"
            )));
        }
        write_atomically(metrics_csv, |tmp| {
            let mut writer = csv::Writer::from_path(tmp).map_err(|e| bad(e.to_string()))?;
            writer
                .write_record(metrics_header(settings.metric))
                .map_err(|e| bad(e.to_string()))?;
            for row in &history {
                writer
                    .serialize(Self::csv_row(row))
                    .map_err(|e| bad(e.to_string()))?;
            }
            writer.flush().map_err(|e| FlowError::io(tmp, e))
        })?;
        let file = OpenOptions::new()
            .append(true)
            .open(metrics_csv)
            .map_err(|e| FlowError::io(metrics_csv, e))?;
        Ok(Self::with_history(
            settings,
            csv::Writer::from_writer(file),
            history,
        ))
    }

    fn with_history(
        settings: MonitorSettings,
        csv: csv::Writer<File>,
        history: Vec<EpochRecord>,
    ) -> Self {
        let mut best: Option<EpochRecord> = None;
        for row in &history {
            if best.is_none_or(|b| row.valid_nll < b.valid_nll) {
                best = Some(*row);
            }
        }
        // A run that had already met its stopping rule stays stopped.
        let stop = match (best, history.last()) {
            (Some(best), Some(last)) if last.epoch - best.epoch >= settings.patience => {
                Some(StopReason::EarlyStopped)
            }
            _ => None,
        };
        let elapsed = history.last().map_or(0.0, |row| row.seconds);
        let started = Instant::now()
            .checked_sub(Duration::try_from_secs_f64(elapsed).unwrap_or_default())
            .unwrap_or_else(Instant::now);
        let state = State {
            best,
            best_epochs: best.iter().map(|b| b.epoch).collect(),
            snapshot_epochs: HashSet::new(),
            saved: complete_epochs(&settings.checkpoint_dir),
            last_save: Instant::now(),
            history,
            stop,
        };
        Self {
            progress: Arc::new(Mutex::new(Progress::new(
                settings.progress,
                settings.max_epochs,
                if settings.metric == "nll" {
                    "NLL"
                } else {
                    settings.metric
                },
            ))),
            settings,
            state: Arc::new(Mutex::new(state)),
            csv: Arc::new(Mutex::new(csv)),
            started,
        }
    }

    /// The `metrics.csv` columns of `row`.
    fn csv_row(row: &EpochRecord) -> (usize, f64, f64, f64) {
        (row.epoch, row.train_nll, row.valid_nll, row.seconds)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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

    /// The divergence of a run that ended with this history without breaking the per-epoch
    /// rules: one that never did better than its untrained model.
    pub fn end_verdict(&self) -> Option<StopReason> {
        let verdict = divergence::end_verdict(&self.state().history, &self.settings.baseline)?;
        Some(StopReason::Diverged {
            epoch: verdict.epoch,
            cause: verdict.cause,
            value: verdict.value,
        })
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
            .serialize(Self::csv_row(row))
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
        let best_before = state.best.map(|best| best.valid_nll);
        if let Some(verdict) = divergence::epoch_verdict(&row, best_before, &self.settings.baseline)
        {
            // The diverged epoch is not saved: the best model before it stays in place.
            state.stop = Some(StopReason::Diverged {
                epoch,
                cause: verdict.cause,
                value: verdict.value,
            });
        } else {
            let improved = state.best.is_none_or(|best| row.valid_nll < best.valid_nll);
            let snapshot = self.settings.snapshot_every > 0
                && epoch.is_multiple_of(self.settings.snapshot_every);
            let resume_point = state.last_save.elapsed() >= RESUME_POINT_EVERY;
            if improved {
                state.best_epochs.insert(epoch);
                state.best = Some(row);
            }
            if snapshot {
                state.snapshot_epochs.insert(epoch);
            }
            if improved || snapshot || resume_point {
                actions.push(CheckpointingAction::Save);
                state.saved.insert(epoch);
                state.last_save = Instant::now();
            }
            if !improved
                && let Some(best) = state.best
                && epoch - best.epoch >= self.settings.patience
            {
                state.stop = Some(StopReason::EarlyStopped);
            }
        }
        // Records are deleted only once a newer complete checkpoint is on disk, and the
        // best one is kept: a crash at any moment leaves the best model and a checkpoint
        // to resume from.
        let obsolete = obsolete_epochs(
            &state.saved,
            &complete_epochs(&self.settings.checkpoint_dir),
            &state.best_epochs,
        );
        for epoch in obsolete {
            state.saved.remove(&epoch);
            actions.push(CheckpointingAction::Delete(epoch));
        }
        let best = state.best;
        drop(state);
        self.progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .epoch(&row, best.as_ref());
        actions
    }
}

/// The saved epochs that can go: all but the newest complete checkpoint, the newest
/// complete best one, the current best and anything newer than the newest complete checkpoint
/// (whose records may still be being written). The record of a new best may still be in
/// flight when the previous best would go, so that one stays until the new one is complete.
pub fn obsolete_epochs(
    saved: &BTreeSet<usize>,
    complete: &BTreeSet<usize>,
    best_epochs: &BTreeSet<usize>,
) -> Vec<usize> {
    let Some(&newest_complete) = complete.last() else {
        return Vec::new();
    };
    let newest_complete_best = best_epochs
        .iter()
        .rev()
        .find(|e| complete.contains(e))
        .copied();
    let best = best_epochs.last().copied();
    saved
        .iter()
        .copied()
        .filter(|&epoch| {
            epoch < newest_complete && Some(epoch) != best && Some(epoch) != newest_complete_best
        })
        .collect()
}

impl EarlyStoppingStrategy for RunMonitor {
    fn should_stop(&mut self, _epoch: usize, _store: &EventStoreClient) -> bool {
        self.state().stop.is_some()
    }
}

impl EpochVerdicts for RunMonitor {
    fn is_best_epoch(&self, epoch: usize) -> bool {
        self.state().best_epochs.contains(&epoch)
    }

    fn is_snapshot_epoch(&self, epoch: usize) -> bool {
        self.state().snapshot_epochs.contains(&epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(epochs: &[usize]) -> BTreeSet<usize> {
        epochs.iter().copied().collect()
    }

    #[test]
    fn records_go_only_once_a_newer_checkpoint_is_complete() {
        // Nothing complete yet: nothing may go.
        assert!(obsolete_epochs(&set(&[1, 2]), &set(&[]), &set(&[1, 2])).is_empty());
        // Epoch 3 is being written: 2 (the newest complete) stays, and so does the best.
        assert_eq!(
            obsolete_epochs(&set(&[1, 2, 3]), &set(&[1, 2]), &set(&[1])),
            Vec::<usize>::new()
        );
        assert_eq!(
            obsolete_epochs(&set(&[1, 4, 6, 7, 9]), &set(&[1, 4, 6, 7]), &set(&[1, 4])),
            vec![1, 6]
        );
        // A new best (9) is still being written: the previous best (4) stays until it is done.
        assert_eq!(
            obsolete_epochs(&set(&[4, 6, 7, 9]), &set(&[4, 6, 7]), &set(&[4, 9])),
            vec![6]
        );
        assert_eq!(
            obsolete_epochs(&set(&[4, 7, 9, 10]), &set(&[4, 7, 9, 10]), &set(&[4, 9])),
            vec![4, 7]
        );
    }
}
