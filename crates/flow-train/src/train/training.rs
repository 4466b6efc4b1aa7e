//! Training a flow with Burn's Learner, from a [`TrainingConfig`] to an artifact directory.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use burn::config::Config;
use burn::lr_scheduler::LrSchedulerRecord;
use burn::optim::AdamConfig;
use burn::optim::OptimizerRecord;
use burn::tensor::{Device, Tensor, TensorData};
use burn::train::checkpoint::Checkpointer;

use burn::train::{Interrupter, Learner};
use flow_data::{Points, ResumedLoader, Splits, Standardizer, dataloader};
use flow_model::Flow;
use serde::{Deserialize, Serialize};

use crate::artifacts::ArtifactPaths;
use crate::error::FlowError;
use crate::fsutil::{create_dir, write_atomically, write_json_atomically};
use crate::infer::inference::{TrainedFlow, load_flow};
use crate::plot::{self, Grid2d};
use crate::train::checkpoint::{
    AtomicFileCheckpointer, ModelCheckpointer, RECORD_NAMES, SnapshotHook, complete_epochs,
    copy_atomically, prune_checkpoints,
};
use crate::train::config::TrainingConfig;
use crate::train::data::{plot_ranges, raw_splits, standardized};
use crate::train::learner::quiet_training;
use crate::train::logger::ResumableMetricLogger;
use crate::train::model::DensityModel;
use crate::train::monitor::{MonitorSettings, RunMonitor, StopReason};
use crate::train::schedule::ScheduledLr;

/// Grid cells per side of the final density picture.
const DENSITY_GRID: usize = 400;
/// Grid cells per side of the snapshots taken during training.
const SNAPSHOT_GRID: usize = 160;
/// At most this many data points are drawn beside a density.
const MAX_PLOTTED_POINTS: usize = 20_000;
/// Largest validation batch (the NLL metric is weighted by batch size, so any size is exact).
const MAX_VALID_BATCH: usize = 8192;

/// How a run begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// From freshly initialised weights, replacing whatever the directory held.
    Fresh,
    /// From the newest complete checkpoint of an interrupted run in the directory, whose
    /// `config.json` the given configuration must equal.
    Resume,
}

/// The outcome of a run, saved as `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Mean NLL of the best model on the test split (nats); `None` if no epoch finished.
    pub test_nll: Option<f64>,
    /// The best validation NLL (nats).
    pub best_valid_nll: Option<f64>,
    /// The epoch of the best validation NLL (the model saved in `model.bpk`).
    pub best_epoch: Option<usize>,
    /// Epochs run.
    pub epochs: usize,
    /// Wall time of training (seconds).
    pub train_seconds: f64,
    /// Wall time of the test evaluation (seconds).
    pub test_seconds: f64,
    /// The backend used.
    pub backend: String,
    /// The flow family (`planar`, `radial`, `realnvp`, `nsf`).
    pub flow: String,
    /// The model's size in a few words (`32 planar layers`).
    pub model: String,
    /// The number of layers of a planar or radial flow.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layers: Option<usize>,
    /// The number of coupling transforms of a realnvp or nsf flow.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transforms: Option<usize>,
    /// The data dimension.
    pub dim: usize,
    /// The data set.
    pub dataset: String,
    /// Training points.
    pub n_train: usize,
    /// Validation points.
    pub n_valid: usize,
    /// Test points.
    pub n_test: usize,
    /// The seed of the run.
    pub seed: u64,
    /// Why training ended.
    pub stopped: StopReason,
}

/// Trains the flow described by `config` on `device` (a plain device: training runs on its
/// autodiff form) and fills the artifact directory `dir`.
///
/// Returns the summary also when training diverged or `interrupter` stopped it (then
/// `stopped` says so, and the best model saved before is the one scored).
///
/// A resumed run continues exactly where its checkpoint left off: the weights, Adam's
/// moments, the learning-rate step, the epoch count, the shuffling of the data and the
/// early-stopping state are restored, so it ends as the uninterrupted run would have.
pub fn train(
    config: &TrainingConfig,
    dir: &Path,
    device: &Device,
    backend: &str,
    interrupter: &Interrupter,
    start: Start,
) -> Result<RunSummary, FlowError> {
    config.validate()?;
    let raw = raw_splits(&config.data, config.dim, config.sizes(), config.seed)?;
    let config = &with_standardizer(config.clone(), &raw.train);
    let paths = ArtifactPaths::new(dir);
    let resume_epoch = match start {
        Start::Fresh => {
            create_dir(dir)?;
            remove_previous_run(&paths)?;
            write_atomically(&paths.config(), |tmp| {
                config.save(tmp).map_err(|e| FlowError::io(tmp, e))
            })?;
            None
        }
        Start::Resume => Some(resume_point(config, &paths, device)?),
    };
    create_dir(&paths.snapshots())?;

    let splits = standardized(raw.clone(), config.standardizer.as_ref());
    let training_device = device.clone().autodiff();
    let model = DensityModel::new(
        initial_flow(config, &splits.train, &training_device)?,
        config.log_det_offset(),
    );
    let train_loader = dataloader(
        splits.train.clone(),
        config.batch_size,
        Some(config.seed),
        &training_device,
    );
    // The loader reshuffles at each pass: a resumed run skips the passes already made.
    let train_loader = Arc::new(ResumedLoader::new(train_loader, resume_epoch.unwrap_or(0)));
    let valid_loader = dataloader(
        splits.valid.clone(),
        config.n_valid.min(MAX_VALID_BATCH),
        None,
        &training_device,
    );

    let settings = MonitorSettings {
        checkpoint_dir: paths.checkpoints(),
        patience: config.patience,
        snapshot_every: config.plot_every,
        max_epochs: config.max_epochs,
    };
    let monitor = match resume_epoch {
        None => RunMonitor::new(settings, &paths.metrics())?,
        Some(epoch) => {
            let monitor = RunMonitor::resumed(settings, &paths.metrics(), epoch)?;
            restore_best_model(&paths, monitor.best().map(|b| b.epoch))?;
            monitor
        }
    };
    // A run that had finished or met its stopping rule before it was cut short (before
    // writing its summary) runs no more epochs, only the final evaluation.
    let last_epoch = match resume_epoch {
        Some(epoch) if monitor.stop_reason().is_some() => epoch,
        _ => config.max_epochs,
    };
    let seconds_before = monitor.history().last().map_or(0.0, |row| row.seconds);
    let checkpoint_dir = paths.checkpoints();
    let [model_name, optim_name, scheduler_name] = RECORD_NAMES;
    let files = |name: &str| record_files(&checkpoint_dir, name);
    let model_checkpointer = ModelCheckpointer::new(
        files(model_name)?,
        paths.model(),
        monitor.clone(),
        Some(snapshot_hook(config, &paths, device, &raw.train)),
    );
    let optimizer = AdamConfig::new()
        .with_epsilon(config.adam_epsilon as f32)
        .init();
    let steps_per_epoch = config.n_train.div_ceil(config.batch_size);
    let schedule = config
        .schedule
        .resolved(config.max_epochs * steps_per_epoch);
    let learner = Learner::new(model, optimizer, ScheduledLr::new(schedule));

    let mut training = quiet_training(dir, train_loader, valid_loader)
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

    let started = Instant::now();
    let result = training.launch(learner);
    let train_seconds = seconds_before + started.elapsed().as_secs_f64();
    monitor.finish();
    if let Some(error) = result.error {
        return Err(FlowError::Training(error.to_string()));
    }

    let history = monitor.history();
    let stopped = monitor
        .stop_reason()
        .unwrap_or(if result.interrupted.is_some() {
            StopReason::Interrupted
        } else {
            StopReason::MaxEpochs
        });
    let best = monitor.best();
    // The best epoch's records, and the newest complete checkpoint for a later --resume.
    let newest = complete_epochs(&paths.checkpoints()).last().copied();
    prune_checkpoints(
        &paths.checkpoints(),
        &best.map(|b| b.epoch).into_iter().chain(newest).collect(),
    );

    let train_curve: Vec<(usize, f64)> = history.iter().map(|r| (r.epoch, r.train_nll)).collect();
    let valid_curve: Vec<(usize, f64)> = history.iter().map(|r| (r.epoch, r.valid_nll)).collect();
    write_atomically(&paths.loss_plot(), |tmp| {
        plot::loss_png(
            tmp,
            &train_curve,
            &valid_curve,
            "Negative log-likelihood per epoch",
        )
    })?;

    let (test_nll, test_seconds) = match best {
        Some(best) => {
            let trained = TrainedFlow {
                config: config.clone(),
                flow: load_flow(config, &paths.model(), device)?,
            };
            let started = Instant::now();
            let nll = trained.mean_nll(raw.test.values(), device);
            let seconds = started.elapsed().as_secs_f64();
            if config.dim == 2 {
                let (x_range, y_range) = plot_ranges(&config.data, &raw.train);
                let grid = Grid2d::new(x_range, y_range, DENSITY_GRID, DENSITY_GRID);
                let grid = trained.fill_density(grid, false, device);
                let title = format!("Learned density (best epoch {})", best.epoch);
                write_atomically(&paths.density_plot(), |tmp| {
                    plot::density_png(tmp, &grid, Some(&plotted_points(&raw.train)), &title)
                })?;
            }
            (Some(nll), seconds)
        }
        None => (None, 0.0),
    };

    let summary = RunSummary {
        test_nll,
        best_valid_nll: best.map(|b| b.valid_nll),
        best_epoch: best.map(|b| b.epoch),
        epochs: history.len(),
        train_seconds,
        test_seconds,
        backend: backend.to_string(),
        flow: config.flow_name().to_string(),
        model: config.describe_model(),
        layers: config.layers(),
        transforms: config.transforms(),
        dim: config.dim,
        dataset: config.data.describe(),
        n_train: config.n_train,
        n_valid: config.n_valid,
        n_test: config.n_test,
        seed: config.seed,
        stopped,
    };
    write_json_atomically(&paths.summary(), &summary)?;
    Ok(summary)
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
fn record_files(directory: &Path, name: &str) -> Result<AtomicFileCheckpointer, FlowError> {
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
        let refusal = match summary.stopped {
            StopReason::Interrupted => None,
            StopReason::Diverged { epoch } => Some(format!(
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
fn restore_best_model(paths: &ArtifactPaths, best_epoch: Option<usize>) -> Result<(), FlowError> {
    let Some(epoch) = best_epoch else {
        return Ok(());
    };
    let record = record_files(&paths.checkpoints(), RECORD_NAMES[0])?.path(epoch);
    if !record.is_file() {
        return Ok(());
    }
    copy_atomically(&record, &paths.model()).map_err(|e| FlowError::io(paths.model(), e))
}

/// The training points drawn beside densities (a prefix, at most 20 000).
pub fn plotted_points(points: &Points) -> Vec<[f32; 2]> {
    points
        .iter_rows()
        .take(MAX_PLOTTED_POINTS)
        .map(|row| [row[0], row[1]])
        .collect()
}

/// Draws the density of a saved model record into the snapshot folder.
fn snapshot_hook(
    config: &TrainingConfig,
    paths: &ArtifactPaths,
    device: &Device,
    train: &Points,
) -> SnapshotHook {
    let config = config.clone();
    let paths = paths.clone();
    let device = device.clone();
    let data = plotted_points(train);
    let (x_range, y_range) = plot_ranges(&config.data, train);
    Arc::new(move |epoch, record: &Path| {
        if config.dim != 2 {
            return;
        }
        let drawn = load_flow(&config, record, &device).and_then(|flow| {
            let trained = TrainedFlow {
                config: config.clone(),
                flow,
            };
            let grid = Grid2d::new(x_range, y_range, SNAPSHOT_GRID, SNAPSHOT_GRID);
            let grid = trained.fill_density(grid, false, &device);
            let target = paths.snapshot(epoch);
            write_atomically(&target, |tmp| {
                plot::density_png(
                    tmp,
                    &grid,
                    Some(&data),
                    &format!("Density at epoch {epoch}"),
                )
            })
        });
        if let Err(e) = drawn {
            eprintln!("warning: no density snapshot for epoch {epoch}: {e}");
        }
    })
}

/// The flow of `config` as training starts: freshly initialised, with any ActNorm fitted to
/// the first training batch (the shuffled loader's first batch of the first epoch is not known
/// here, so the first `batch_size` training points stand in for it).
fn initial_flow(
    config: &TrainingConfig,
    train: &Points,
    device: &Device,
) -> Result<Flow, FlowError> {
    let flow = config.flow_config().init(device)?;
    let rows = config.batch_size.min(train.len());
    let first = Tensor::<2>::from_data(
        TensorData::new(
            train.values()[..rows * config.dim].to_vec(),
            [rows, config.dim],
        ),
        device,
    );
    Ok(flow.initialized_from(first))
}

/// `config` with its standardisation fitted on the training points `train` (of the data's
/// units) if it asks for one and has none yet.
fn with_standardizer(mut config: TrainingConfig, train: &Points) -> TrainingConfig {
    if config.standardize && config.standardizer.is_none() {
        config.standardizer = Some(Standardizer::fit(train));
    }
    config
}

/// The splits of a recorded configuration, rebuilt exactly, in the data's own units.
pub fn rebuild_splits(config: &TrainingConfig) -> Result<Splits, FlowError> {
    raw_splits(&config.data, config.dim, config.sizes(), config.seed)
}
