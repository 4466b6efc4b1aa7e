//! The artifact directory of a run as it starts: cleared and given its `config.json` for a
//! fresh run, checked and trimmed to its newest complete checkpoint for a resumed one.

use std::path::Path;

use burn::config::Config;
use burn::lr_scheduler::LrSchedulerRecord;
use burn::optim::OptimizerRecord;
use burn::tensor::Device;
use burn::train::checkpoint::Checkpointer;

use crate::artifacts::ArtifactPaths;
use crate::error::FlowError;
use crate::fsutil::{create_dir, write_atomically};
use crate::infer::inference::load_flow;
use crate::train::checkpoint::{
    AtomicFileCheckpointer, RECORD_NAMES, complete_epochs, copy_atomically, prune_checkpoints,
};
use crate::train::config::TrainingConfig;
use crate::train::monitor::StopReason;
use crate::train::summary::RunSummary;

/// How a run begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// From freshly initialised weights, replacing whatever the directory held.
    Fresh,
    /// From the newest complete checkpoint of an interrupted run in the directory, whose
    /// `config.json` the given configuration must equal.
    Resume,
}

/// Makes `paths.dir` ready for a run of `config`: a fresh run clears what an earlier one left
/// and writes `config.json`; a resumed one is checked. Returns the epoch to resume after.
pub fn prepare(
    config: &TrainingConfig,
    paths: &ArtifactPaths,
    device: &Device,
    start: Start,
) -> Result<Option<usize>, FlowError> {
    let resume_epoch = match start {
        Start::Fresh => {
            create_dir(&paths.dir)?;
            remove_previous_run(paths)?;
            write_atomically(&paths.config(), |tmp| {
                config.save(tmp).map_err(|e| FlowError::io(tmp, e))
            })?;
            None
        }
        Start::Resume => Some(resume_point(config, paths, device)?),
    };
    create_dir(&paths.snapshots())?;
    Ok(resume_epoch)
}

/// Removes what an earlier run left in the directory, so that no model, summary or checkpoint
/// of it can be mistaken for this run's (for instance if this one stops before its first
/// best epoch).
fn remove_previous_run(paths: &ArtifactPaths) -> Result<(), FlowError> {
    for file in [
        paths.model(),
        paths.summary(),
        paths.metrics(),
        paths.loss_plot(),
        paths.density_plot(),
        paths.corner_plot(),
    ] {
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(FlowError::io(file, e));
            }
            _ => {}
        }
    }
    for dir in [paths.checkpoints(), paths.snapshots()] {
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(FlowError::io(dir, e));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The checkpointer of the records called `name` in `directory`.
pub fn record_files(directory: &Path, name: &str) -> Result<AtomicFileCheckpointer, FlowError> {
    AtomicFileCheckpointer::new(directory, name).map_err(|e| FlowError::io(directory, e))
}

/// Checks that the run in `paths` can be resumed with `config` and returns the epoch of its
/// newest complete checkpoint, after removing any later, partial records.
fn resume_point(
    config: &TrainingConfig,
    paths: &ArtifactPaths,
    device: &Device,
) -> Result<usize, FlowError> {
    if paths.summary().is_file() {
        let text = std::fs::read_to_string(paths.summary())
            .map_err(|e| FlowError::io(paths.summary(), e))?;
        let summary: RunSummary = serde_json::from_str(&text)
            .map_err(|e| FlowError::bad_file(paths.summary(), format!("not a run summary: {e}")))?;
        crate::format::check(summary.format_version, &paths.summary())?;
        let refusal = match summary.stopped {
            StopReason::Interrupted => None,
            StopReason::Diverged { epoch, .. } => Some(format!(
                "the run diverged at epoch {epoch} and would diverge again; train afresh with a lower --lr"
            )),
            StopReason::MaxEpochs | StopReason::EarlyStopped => Some(format!(
                "the run is finished ({}); train afresh to change it",
                summary.stopped.describe()
            )),
        };
        if let Some(reason) = refusal {
            return Err(FlowError::invalid("--resume", reason));
        }
    }
    let checkpoints = paths.checkpoints();
    let Some(&epoch) = complete_epochs(&checkpoints).last() else {
        return Err(FlowError::bad_file(
            checkpoints,
            "no complete checkpoint (model, optimizer and scheduler records of one epoch) to resume from",
        ));
    };
    let files = |name: &str| record_files(&checkpoints, name);
    let [model_name, optim_name, scheduler_name] = RECORD_NAMES;
    let model = files(model_name)?;
    load_flow(config, &model.path(epoch), device)?;
    let optim = files(optim_name)?;
    Checkpointer::<OptimizerRecord>::restore(&optim, epoch).map_err(|e| {
        FlowError::bad_file(
            optim.path(epoch),
            format!("not a readable optimizer record: {e}"),
        )
    })?;
    let scheduler = files(scheduler_name)?;
    Checkpointer::<LrSchedulerRecord>::restore(&scheduler, epoch).map_err(|e| {
        FlowError::bad_file(
            scheduler.path(epoch),
            format!("not a readable schedule record: {e}"),
        )
    })?;
    prune_checkpoints(&checkpoints, &complete_epochs(&checkpoints));
    Ok(epoch)
}

/// Copies the record of the best epoch of a resumed run to `model.bpk` (a crash may have
/// come between saving that record and copying it).
pub fn restore_best_model(
    paths: &ArtifactPaths,
    best_epoch: Option<usize>,
) -> Result<(), FlowError> {
    let Some(epoch) = best_epoch else {
        return Ok(());
    };
    let record = record_files(&paths.checkpoints(), RECORD_NAMES[0])?.path(epoch);
    if !record.is_file() {
        return Ok(());
    }
    copy_atomically(&record, &paths.model()).map_err(|e| FlowError::io(paths.model(), e))
}
