//! One run of Burn's Learner with this project's monitor and checkpointers, for any model
//! (density estimation or variational inference).

use std::sync::Arc;
use std::time::Instant;

use burn::data::dataloader::DataLoader;
use burn::optim::AdamConfig;
use burn::train::metric::{Adaptor, LossInput};
use burn::train::{
    ExecutionStrategy, InferenceStep, Interrupter, Learner, LearnerModel, MultiDeviceOptim,
    TrainStep,
};

use crate::artifacts::ArtifactPaths;
use crate::backend::Placement;
use crate::error::{FlowError, one_line};
use crate::train::checkpoint::{ModelCheckpointer, RECORD_NAMES, SnapshotHook};
use crate::train::config::TrainingConfig;
use crate::train::data_parallel::DataParallel;
use crate::train::learner::quiet_training;
use crate::train::logger::ResumableMetricLogger;
use crate::train::monitor::{RunMonitor, StopReason};
use crate::train::run_dir::record_files;
use crate::train::schedule::ScheduledLr;

/// What a launch needs besides the model and its data.
pub struct Launch<'a> {
    /// The run's configuration (optimizer, schedule, epochs).
    pub config: &'a TrainingConfig,
    /// The artifact directory.
    pub paths: &'a ArtifactPaths,
    /// The monitor: checkpointing and early-stopping strategy, metrics, progress.
    pub monitor: &'a RunMonitor,
    /// The epoch of the checkpoint a resumed run continues after.
    pub resume_epoch: Option<usize>,
    /// Stops the run cleanly (signals).
    pub interrupter: &'a Interrupter,
    /// Called with each snapshot epoch's model record.
    pub snapshot: Option<SnapshotHook>,
    /// The devices: the model is on the main one's autodiff form; several share each batch.
    pub placement: &'a Placement,
}

/// How the Learner's run ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ended {
    /// Why.
    pub stopped: StopReason,
    /// Wall time of training, including the part before a resume (seconds).
    pub train_seconds: f64,
}

/// The one-line error of a Learner run that failed with `report`: its first line and its
/// root cause, and the question to ask when the devices are remote (a server gone mid-run).
fn launch_failure(report: &str, placement: &Placement) -> FlowError {
    let mut message = one_line(report);
    if placement.backend() == "remote" {
        message.push_str(&format!(
            " (did the server at {} stop? the best model saved so far is intact; continue \
             with --resume)",
            placement.names().join(", ")
        ));
    }
    FlowError::Training(message)
}

/// Trains `model` (built on the autodiff device) on the batches of `train`, validating on
/// `valid` after every epoch, with Adam and the configured learning-rate schedule.
pub fn launch<M>(
    model: M,
    train: Arc<dyn DataLoader<<M as TrainStep>::Input>>,
    valid: Arc<dyn DataLoader<<M as InferenceStep>::Input>>,
    run: Launch<'_>,
) -> Result<Ended, FlowError>
where
    M: LearnerModel,
    <M as TrainStep>::Output: Adaptor<LossInput>,
    <M as InferenceStep>::Output: Adaptor<LossInput>,
{
    let Launch {
        config,
        paths,
        monitor,
        resume_epoch,
        interrupter,
        snapshot,
        placement,
    } = run;
    // A run that had finished or met its stopping rule before it was cut short (before
    // writing its summary) runs no more epochs, only the final evaluation.
    let last_epoch = match resume_epoch {
        Some(epoch) if monitor.stop_reason().is_some() => epoch,
        _ => config.max_epochs,
    };
    let seconds_before = monitor.history().last().map_or(0.0, |row| row.seconds);
    let checkpoints = paths.checkpoints();
    let [model_name, optim_name, scheduler_name] = RECORD_NAMES;
    let files = |name: &str| record_files(&checkpoints, name);
    let model_checkpointer =
        ModelCheckpointer::new(files(model_name)?, paths.model(), monitor.clone(), snapshot);
    let optimizer = AdamConfig::new()
        .with_epsilon(config.adam_epsilon as f32)
        .init();
    let steps_per_epoch =
        DataParallel::new(placement.len()).steps(config.n_train, config.batch_size);
    let schedule = config
        .schedule
        .resolved(config.max_epochs * steps_per_epoch);
    let learner = Learner::new(model, optimizer, ScheduledLr::new(schedule));

    let mut training = quiet_training(&paths.dir, train, valid)
        .with_metric_logger(ResumableMetricLogger::new(
            resume_epoch.map_or(1, |e| e + 1),
        ))
        .with_custom_checkpointers(
            model_checkpointer,
            files(optim_name)?,
            files(scheduler_name)?,
        )
        .with_checkpointing_strategy(monitor.clone())
        .early_stopping(monitor.clone())
        .with_interrupter(interrupter.clone())
        .num_epochs(last_epoch);
    if let Some(epoch) = resume_epoch {
        training = training.checkpoint(epoch);
    }
    if placement.len() > 1 {
        let devices = placement.devices().to_vec();
        training = training.with_training_strategy(
            ExecutionStrategy::multi(devices, MultiDeviceOptim::OptimMainDevice).into(),
        );
    }

    let started = Instant::now();
    let result = training.launch(learner);
    let train_seconds = seconds_before + started.elapsed().as_secs_f64();
    monitor.finish();
    if let Some(error) = result.error {
        return Err(launch_failure(&error.to_string(), placement));
    }
    let mut stopped = monitor
        .stop_reason()
        .unwrap_or(if result.interrupted.is_some() {
            StopReason::Interrupted
        } else {
            StopReason::MaxEpochs
        });
    // A run that ended by its own rules, never better than its untrained model, diverged.
    if matches!(stopped, StopReason::MaxEpochs | StopReason::EarlyStopped)
        && let Some(diverged) = monitor.end_verdict()
    {
        stopped = diverged;
    }
    Ok(Ended {
        stopped,
        train_seconds,
    })
}
