//! Training a flow with Burn's Learner, from a [`TrainingConfig`] to an artifact directory:
//! density estimation on data, or variational inference on an energy.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use burn::data::dataloader::DataLoader;
use burn::tensor::{Device, Tensor, TensorData};
use burn::train::Interrupter;
use flow_data::{
    Part, PassOrder, PointBatch, Points, ResumedLoader, RowIndices, Splits, Standardizer,
    dataloader,
};
use flow_model::{Flow, grid_log_partition};

use crate::artifacts::ArtifactPaths;
use crate::backend::Placement;
use crate::error::FlowError;
use crate::fsutil::{write_atomically, write_json_atomically};
use crate::infer::inference::{TrainedFlow, load_flow};
use crate::lock::DirLock;
use crate::plot::{self, Grid2d, Panel};
use crate::train::checkpoint::{SnapshotHook, complete_epochs, prune_checkpoints};
use crate::train::config::TrainingConfig;
use crate::train::data::{DataSource, plot_ranges, raw_splits};
use crate::train::data_parallel::DataParallel;
use crate::train::divergence::{Baseline, mean_valid_loss};
use crate::train::fit::{FitBatcher, FitModel, SharedEnergy, fit_statistics, mix};
use crate::train::launch::{Ended, Launch, launch};
use crate::train::model::{DensityModel, split_context};
use crate::train::monitor::{MonitorSettings, RunMonitor};
use crate::train::progress::ProgressTo;
use crate::train::run_dir::{Start, prepare, restore_best_model};
use crate::train::streamed::StreamedData;
use crate::train::summary::RunSummary;

/// Grid cells per side of the final density picture.
const DENSITY_GRID: usize = 400;
/// Grid cells per side of the snapshots taken during training.
const SNAPSHOT_GRID: usize = 160;
/// At most this many data points (or samples) are drawn beside a density.
const MAX_PLOTTED_POINTS: usize = 20_000;
/// Largest validation batch (the loss metric is weighted by batch size, so any size is exact).
const MAX_VALID_BATCH: usize = 8192;
/// `log Z` of an energy: the midpoint rule on this many cells per side of
/// `[−LOG_Z_HALF_WIDTH, LOG_Z_HALF_WIDTH]²`.
pub const LOG_Z_CELLS: usize = 2000;
/// Half the side of the square on which `log Z` is computed: the confined energies keep
/// mass out to `|z1| ≈ 15`.
pub const LOG_Z_HALF_WIDTH: f64 = 25.0;

/// What the final evaluation found.
#[derive(Debug, Clone, Default)]
struct Evaluation {
    test_nll: Option<f64>,
    seconds: f64,
    log_z: Option<f64>,
    kl: Option<(f64, f64)>,
    ess: Option<f64>,
}

/// The inputs of a run: the data's splits in memory (in the data's units), a streamed
/// file's, or the energy.
enum Inputs {
    Data(Splits),
    Streamed(StreamedData),
    Energy(SharedEnergy),
}

impl Inputs {
    fn load(config: &TrainingConfig) -> Result<Self, FlowError> {
        Ok(match &config.data {
            DataSource::Energy { target, .. } => Self::Energy(SharedEnergy(Arc::new(*target))),
            DataSource::File { streamed: true, .. } => Self::Streamed(StreamedData::open(
                config,
                config.batch_size.max(MAX_PLOTTED_POINTS),
            )?),
            _ => Self::Data(rebuild_splits(config)?),
        })
    }

    /// The training points (data units, model order) whose prefixes start training, are
    /// drawn beside densities and in corner plots: all of them, or a streamed file's first.
    fn train_head(&self) -> Option<&Points> {
        match self {
            Self::Data(raw) => Some(&raw.train),
            Self::Streamed(streamed) => Some(streamed.head()),
            Self::Energy(_) => None,
        }
    }

    /// The training points drawn beside densities, if there are data.
    fn plotted(&self) -> Option<Vec<[f32; 2]>> {
        self.train_head().map(plotted_points)
    }

    /// The rectangle in which to draw densities (a pass over a streamed file).
    fn ranges(&self, config: &TrainingConfig) -> Result<plot::PlotRanges, FlowError> {
        match self {
            Self::Data(raw) => Ok(plot_ranges(&config.data, &raw.train)),
            Self::Streamed(streamed) => streamed.ranges(),
            Self::Energy(_) => {
                let empty = Points::new(config.dim, Vec::new())?;
                Ok(plot_ranges(&config.data, &empty))
            }
        }
    }

    /// The standardised first batch of training points, to which ActNorm is fitted as
    /// training starts (the shuffled loader's first batch is not known here, so the first
    /// `batch_size` training points stand in for it).
    fn first_batch(&self, config: &TrainingConfig) -> Result<Points, FlowError> {
        let head = self.train_head().expect("a density run has data");
        let rows = config.batch_size.min(head.len());
        let first = Points::new(
            config.width(),
            head.values()[..rows * config.width()].to_vec(),
        )?;
        Ok(match &config.standardizer {
            Some(standardizer) => standardizer.try_apply(&first)?,
            None => first,
        })
    }

    /// The validation points in the model's units, in batches of `batch` on `device`.
    fn valid_loader(
        &self,
        config: &TrainingConfig,
        batch: usize,
        device: &Device,
    ) -> Arc<dyn DataLoader<PointBatch>> {
        let standardizer = config.standardizer.as_ref();
        match self {
            Self::Data(raw) => {
                let valid = match standardizer {
                    Some(s) => s.apply(&raw.valid),
                    None => raw.valid.clone(),
                };
                dataloader(valid, batch, None, device)
            }
            Self::Streamed(streamed) => streamed.loader(
                Part::Valid,
                standardizer,
                batch,
                PassOrder::InOrder,
                0,
                device,
            ),
            Self::Energy(_) => unreachable!("an energy has no validation points"),
        }
    }
}

/// Trains the flow described by `config` on the devices of `placement` (plain devices:
/// training runs on their autodiff form; several share every batch) and fills the artifact
/// directory `dir`.
///
/// Returns the summary also when training diverged or `interrupter` stopped it (then
/// `stopped` says so, and the best model saved before is the one evaluated).
///
/// A resumed run continues exactly where its checkpoint left off: the weights, Adam's
/// moments, the learning-rate step, the epoch count, the shuffling of the data (or the
/// sequence of base draws) and the early-stopping state are restored, so it ends as the
/// uninterrupted run would have.
pub fn train(
    config: &TrainingConfig,
    dir: &Path,
    placement: &Placement,
    interrupter: &Interrupter,
    start: Start,
    progress: ProgressTo,
) -> Result<RunSummary, FlowError> {
    config.validate()?;
    let device = placement.main();
    let inputs = Inputs::load(config)?;
    let config = &with_standardizer(config.clone(), &inputs)?;
    let initial_valid = untrained_value(config, &inputs, device)?;
    if !initial_valid.is_finite() {
        return Err(untrainable(config, initial_valid));
    }
    let baseline = Baseline::new(config, Some(initial_valid));
    let paths = ArtifactPaths::new(dir);
    // Held until this function returns (the operating system releases it if the process
    // ends first): no other run writes the directory meanwhile.
    let _lock = DirLock::acquire(dir)?;
    let resume_epoch = prepare(config, &paths, device, start)?;
    let monitor = open_monitor(config, &paths, resume_epoch, baseline, progress)?;
    let run = Launch {
        config,
        paths: &paths,
        monitor: &monitor,
        resume_epoch,
        interrupter,
        snapshot: Some(snapshot_hook(config, &paths, device, &inputs)?),
        placement,
    };
    let ended = match &inputs {
        Inputs::Energy(energy) => launch_fit(config, energy, run)?,
        _ => launch_density(config, &inputs, run)?,
    };
    let best = monitor.best();
    keep_best_and_newest_checkpoints(&paths, best.map(|b| b.epoch));
    draw_loss_curves(config, &paths, &monitor)?;
    let evaluation = match best {
        Some(best) => evaluate(config, &inputs, &paths, device, best.epoch)?,
        None => Evaluation::default(),
    };
    let summary = summarise(
        config,
        placement,
        &monitor,
        ended,
        evaluation,
        initial_valid,
    );
    write_json_atomically(&paths.summary(), &summary)?;
    Ok(summary)
}

/// The validation value of the untrained model of `config` (freshly initialised from its
/// seed, ActNorm fitted as training fits it), computed as the Learner validates: the
/// reference of the divergence rule. `config` must hold its standardisation, if any.
pub fn untrained_valid(config: &TrainingConfig, device: &Device) -> Result<f64, FlowError> {
    untrained_value(config, &Inputs::load(config)?, device)
}

fn untrained_value(
    config: &TrainingConfig,
    inputs: &Inputs,
    device: &Device,
) -> Result<f64, FlowError> {
    let batch = config.n_valid.min(MAX_VALID_BATCH);
    match inputs {
        Inputs::Data(_) | Inputs::Streamed(_) => {
            let model = DensityModel::new(
                initial_flow(config, &inputs.first_batch(config)?, device)?,
                config.log_det_offset(),
            );
            let valid = inputs.valid_loader(config, batch, device);
            mean_valid_loss(&model, valid.as_ref())
        }
        Inputs::Energy(energy) => {
            let model = FitModel::new(config.flow_config().init(device)?, energy.clone());
            let valid = burn::data::dataloader::DataLoaderBuilder::new(FitBatcher::Fixed {
                seed: config.seed,
            })
            .batch_size(batch)
            .set_device(device.clone())
            .build(RowIndices::new(config.n_valid));
            mean_valid_loss(&model, valid.as_ref())
        }
    }
}

/// The error of a run whose untrained model already scores `value` (not finite): no step
/// can follow a gradient from there.
fn untrainable(config: &TrainingConfig, value: f64) -> FlowError {
    let metric = if config.is_fit() { "loss" } else { "NLL" };
    let message = format!(
        "the untrained model's validation {metric} is already {value}, before any training \
         step: the values overflow f32 arithmetic"
    );
    match &config.data {
        DataSource::File { .. } if !config.standardize => FlowError::invalid(
            "--standardize",
            format!("{message}; standardise the data (--standardize true) or rescale them"),
        ),
        DataSource::File { .. } => {
            FlowError::invalid("--data", format!("{message}; rescale the data"))
        }
        _ => FlowError::Training(message),
    }
}

/// The monitor of a fresh run, or of a resumed one (then `model.bpk` is restored from the
/// best record, in case a crash came between saving that record and copying it).
fn open_monitor(
    config: &TrainingConfig,
    paths: &ArtifactPaths,
    resume_epoch: Option<usize>,
    baseline: Baseline,
    progress: ProgressTo,
) -> Result<RunMonitor, FlowError> {
    let settings = MonitorSettings {
        checkpoint_dir: paths.checkpoints(),
        patience: config.patience,
        snapshot_every: config.plot_every,
        max_epochs: config.max_epochs,
        metric: if config.is_fit() { "loss" } else { "nll" },
        baseline,
        progress,
    };
    match resume_epoch {
        None => RunMonitor::new(settings, &paths.metrics()),
        Some(epoch) => {
            let monitor = RunMonitor::resumed(settings, &paths.metrics(), epoch)?;
            restore_best_model(paths, monitor.best().map(|b| b.epoch))?;
            Ok(monitor)
        }
    }
}

/// Density estimation: the negative log-likelihood of shuffled batches of the (standardised)
/// training points.
fn launch_density(
    config: &TrainingConfig,
    inputs: &Inputs,
    run: Launch<'_>,
) -> Result<Ended, FlowError> {
    let training_device = run.placement.main().clone().autodiff();
    let parallel = DataParallel::new(run.placement.len());
    let model = DensityModel::new(
        initial_flow(config, &inputs.first_batch(config)?, &training_device)?,
        config.log_det_offset(),
    )
    .with_loss_scale(parallel.loss_scale());
    let batch = parallel.device_batch(config.batch_size);
    // The loaders reshuffle at each pass: a resumed run skips the passes already made.
    let passes_done = run.resume_epoch.unwrap_or(0);
    let train: Arc<dyn DataLoader<PointBatch>> = match inputs {
        Inputs::Data(raw) => {
            let train = match &config.standardizer {
                Some(s) => s.apply(&raw.train),
                None => raw.train.clone(),
            };
            let train = dataloader(train, batch, Some(config.seed), &training_device);
            Arc::new(ResumedLoader::new(train, passes_done))
        }
        Inputs::Streamed(streamed) => streamed.loader(
            Part::Train,
            config.standardizer.as_ref(),
            batch,
            PassOrder::Shuffled { seed: config.seed },
            passes_done,
            &training_device,
        ),
        Inputs::Energy(_) => unreachable!("launch_density runs on data only"),
    };
    let valid = inputs.valid_loader(
        config,
        config.n_valid.min(MAX_VALID_BATCH),
        &training_device,
    );
    launch(model, train, valid, run)
}

/// Variational inference: the annealed reverse KL on fresh base draws every step, validated
/// unannealed on fixed draws.
fn launch_fit(
    config: &TrainingConfig,
    energy: &SharedEnergy,
    run: Launch<'_>,
) -> Result<Ended, FlowError> {
    let training_device = run.placement.main().clone().autodiff();
    let parallel = DataParallel::new(run.placement.len());
    let model = FitModel::new(config.flow_config().init(&training_device)?, energy.clone())
        .with_loss_scale(parallel.loss_scale());
    let DataSource::Energy { annealing, .. } = config.data else {
        unreachable!("launch_fit runs on energies only");
    };
    let batches_per_epoch = parallel.batches(config.n_train, config.batch_size);
    let first_batch = (run.resume_epoch.unwrap_or(0) * batches_per_epoch) as u64;
    let train = burn::data::dataloader::DataLoaderBuilder::new(FitBatcher::steps(
        config.seed,
        first_batch,
        parallel.devices() as u64,
        annealing,
    ))
    .batch_size(parallel.device_batch(config.batch_size))
    .set_device(training_device.clone())
    .build(RowIndices::new(config.n_train));
    let valid =
        burn::data::dataloader::DataLoaderBuilder::new(FitBatcher::Fixed { seed: config.seed })
            .batch_size(config.n_valid.min(MAX_VALID_BATCH))
            .set_device(training_device)
            .build(RowIndices::new(config.n_valid));
    launch(model, train, valid, run)
}

/// Keeps the best epoch's records and the newest complete checkpoint (for a later
/// `--resume`); removes the rest.
fn keep_best_and_newest_checkpoints(paths: &ArtifactPaths, best: Option<usize>) {
    let newest = complete_epochs(&paths.checkpoints()).last().copied();
    prune_checkpoints(
        &paths.checkpoints(),
        &best.into_iter().chain(newest).collect(),
    );
}

/// `loss.png`: the train and valid values per epoch.
fn draw_loss_curves(
    config: &TrainingConfig,
    paths: &ArtifactPaths,
    monitor: &RunMonitor,
) -> Result<(), FlowError> {
    let history = monitor.history();
    let train: Vec<(usize, f64)> = history.iter().map(|r| (r.epoch, r.train_nll)).collect();
    let valid: Vec<(usize, f64)> = history.iter().map(|r| (r.epoch, r.valid_nll)).collect();
    let title = if config.is_fit() {
        "Loss E[log q + U] per epoch (KL − log Z)"
    } else {
        "Negative log-likelihood per epoch"
    };
    write_atomically(&paths.loss_plot(), |tmp| {
        plot::loss_png(tmp, &train, &valid, title)
    })
}

/// Scores the best model (`best_epoch`) and draws its density.
fn evaluate(
    config: &TrainingConfig,
    inputs: &Inputs,
    paths: &ArtifactPaths,
    device: &Device,
    best_epoch: usize,
) -> Result<Evaluation, FlowError> {
    let trained = TrainedFlow {
        config: config.clone(),
        flow: load_flow(config, &paths.model(), device)?,
    };
    let started = Instant::now();
    let mut evaluation = match inputs {
        Inputs::Data(raw) => Evaluation {
            test_nll: Some(trained.mean_nll(raw.test.values(), device)),
            ..Evaluation::default()
        },
        Inputs::Streamed(streamed) => Evaluation {
            test_nll: Some(streamed.mean_nll(Part::Test, &trained, device)?.0),
            ..Evaluation::default()
        },
        Inputs::Energy(energy) => {
            let statistics = fit_statistics(
                &trained.flow,
                energy.0.as_ref(),
                config.n_test,
                mix(config.seed, u64::MAX),
                device,
            );
            let log_z =
                grid_log_partition(energy.0.as_ref(), LOG_Z_HALF_WIDTH, LOG_Z_CELLS, device);
            Evaluation {
                log_z: Some(log_z),
                kl: Some((statistics.loss + log_z, statistics.loss_stderr)),
                ess: Some(statistics.ess),
                ..Evaluation::default()
            }
        }
    };
    evaluation.seconds = started.elapsed().as_secs_f64();
    if config.dim == 2 && config.context_dim == 0 {
        let title = format!("{} (best epoch {best_epoch})", config.describe_model());
        draw_final_density(&trained, inputs, paths, device, &title)?;
    } else if let Some(head) = inputs.train_head() {
        // A conditional flow samples at the contexts of the training rows it is drawn with.
        let rows = CORNER_POINTS.min(head.len());
        let samples = match config.context_dim {
            0 => trained.sample(CORNER_POINTS, 1, device),
            _ => trained.sample_at_rows(&head.values()[..rows * config.width()], 1, device),
        };
        let dims: Vec<usize> = (0..config.dim.min(6)).collect();
        let train = head.columns(0, config.dim);
        draw_corner(&paths.corner_plot(), &samples, &train, &dims)?;
    }
    Ok(evaluation)
}

/// `density.png`: the learned density beside the training data, or, for an energy, the
/// target `exp(−U)` beside the fitted density and its samples (the paper's Figure 3).
fn draw_final_density(
    trained: &TrainedFlow,
    inputs: &Inputs,
    paths: &ArtifactPaths,
    device: &Device,
    title: &str,
) -> Result<(), FlowError> {
    let (x_range, y_range) = inputs.ranges(&trained.config)?;
    let grid = Grid2d::new(x_range, y_range, DENSITY_GRID, DENSITY_GRID);
    let density = trained.fill_density(grid.clone(), false, None, device);
    match inputs {
        Inputs::Data(_) | Inputs::Streamed(_) => {
            let data = inputs.plotted().unwrap_or_default();
            write_atomically(&paths.density_plot(), |tmp| {
                plot::density_png(tmp, &density, Some(&data), title)
            })
        }
        Inputs::Energy(energy) => {
            let target = energy_grid(energy, grid, device);
            let samples: Vec<[f32; 2]> = trained
                .sample(MAX_PLOTTED_POINTS, 1, device)
                .chunks(2)
                .map(|p| [p[0], p[1]])
                .collect();
            let panels = vec![vec![
                Panel::Heatmap {
                    grid: &target,
                    title: "target exp(−U)".into(),
                },
                Panel::Heatmap {
                    grid: &density,
                    title: "fitted q".into(),
                },
                Panel::Scatter {
                    points: &samples,
                    ranges: (x_range, y_range),
                    title: format!("samples of q (n = {})", samples.len()),
                    samples: true,
                },
            ]];
            write_atomically(&paths.density_plot(), |tmp| {
                plot::panels_png(tmp, &panels, title)
            })
        }
    }
}

/// Samples (and data rows) drawn in a corner plot.
const CORNER_POINTS: usize = 2000;

/// A corner plot of the coordinates `dims` (0-based) of `samples` (row-major) against the
/// training rows `train` (at most 2000 of each), written atomically to `path`.
pub fn draw_corner(
    path: &Path,
    samples: &[f32],
    train: &Points,
    dims: &[usize],
) -> Result<(), FlowError> {
    let dim = train.dim();
    let rows = CORNER_POINTS.min(train.len());
    let samples = &samples[..samples.len().min(CORNER_POINTS * dim)];
    let title = format!(
        "Samples (red) against data (blue), coordinates {:?}",
        dims.iter().map(|d| d + 1).collect::<Vec<_>>()
    );
    write_atomically(path, |tmp| {
        plot::corner_png(
            tmp,
            samples,
            &train.values()[..rows * dim],
            dim,
            dims,
            &title,
        )
    })
}

/// `exp(−U)` on the cell centres of `grid`.
pub fn energy_grid(energy: &SharedEnergy, mut grid: Grid2d, device: &Device) -> Grid2d {
    let points = crate::infer::inference::grid_points(&grid);
    let n = points.len() / 2;
    let x = Tensor::<2>::from_data(TensorData::new(points, [n, 2]), device);
    grid.values = energy
        .0
        .energy(x)
        .into_data()
        .iter::<f32>()
        .map(|u| (-f64::from(u)).exp())
        .collect();
    grid
}

/// The summary of a run that `ended`, with its evaluation and the validation value of its
/// untrained model.
fn summarise(
    config: &TrainingConfig,
    placement: &Placement,
    monitor: &RunMonitor,
    ended: Ended,
    evaluation: Evaluation,
    initial_valid: f64,
) -> RunSummary {
    let best = monitor.best();
    let fit = config.is_fit();
    RunSummary {
        format_version: crate::format::FORMAT_VERSION,
        test_nll: evaluation.test_nll,
        best_valid_nll: best.filter(|_| !fit).map(|b| b.valid_nll),
        best_epoch: best.map(|b| b.epoch),
        epochs: monitor.history().len(),
        train_seconds: ended.train_seconds,
        test_seconds: evaluation.seconds,
        backend: placement.backend().to_string(),
        devices: placement.names().to_vec(),
        strategy: placement.strategy().to_string(),
        flow: config.flow_name().to_string(),
        model: config.describe_model(),
        layers: config.layers(),
        transforms: config.transforms(),
        dim: config.dim,
        context_dim: config.context_dim,
        context_columns: config.context_columns.clone(),
        dataset: config.data.describe(),
        n_train: config.n_train,
        n_valid: config.n_valid,
        n_test: config.n_test,
        seed: config.seed,
        stopped: ended.stopped,
        initial_valid: Some(initial_valid),
        target: config.data.energy().map(|t| t.to_string()),
        loss: best.filter(|_| fit).map(|b| b.valid_nll),
        log_z: evaluation.log_z,
        kl: evaluation.kl.map(|k| k.0),
        kl_stderr: evaluation.kl.map(|k| k.1),
        ess: evaluation.ess,
    }
}

/// Draws the density of a saved model record into the snapshot folder (2-D runs).
fn snapshot_hook(
    config: &TrainingConfig,
    paths: &ArtifactPaths,
    device: &Device,
    inputs: &Inputs,
) -> Result<SnapshotHook, FlowError> {
    if config.dim != 2 || config.context_dim > 0 {
        return Ok(Arc::new(|_, _: &Path| {}));
    }
    let config = config.clone();
    let paths = paths.clone();
    let device = device.clone();
    let data = inputs.plotted();
    let (x_range, y_range) = inputs.ranges(&config)?;
    Ok(Arc::new(move |epoch, record: &Path| {
        let drawn = load_flow(&config, record, &device).and_then(|flow| {
            let trained = TrainedFlow {
                config: config.clone(),
                flow,
            };
            let grid = Grid2d::new(x_range, y_range, SNAPSHOT_GRID, SNAPSHOT_GRID);
            let grid = trained.fill_density(grid, false, None, &device);
            write_atomically(&paths.snapshot(epoch), |tmp| {
                plot::density_png(
                    tmp,
                    &grid,
                    data.as_deref(),
                    &format!("Density at epoch {epoch}"),
                )
            })
        });
        if let Err(e) = drawn {
            eprintln!("warning: no density snapshot for epoch {epoch}: {e}");
        }
    }))
}

/// The training points drawn beside densities (a prefix, at most 20 000).
pub fn plotted_points(points: &Points) -> Vec<[f32; 2]> {
    points
        .iter_rows()
        .take(MAX_PLOTTED_POINTS)
        .map(|row| [row[0], row[1]])
        .collect()
}

/// The flow of `config` as training starts: freshly initialised, with any ActNorm fitted to
/// `first`, the first training batch ([`Inputs::first_batch`]).
fn initial_flow(
    config: &TrainingConfig,
    first: &Points,
    device: &Device,
) -> Result<Flow, FlowError> {
    let flow = config.flow_config().init(device)?;
    let first = Tensor::<2>::from_data(
        TensorData::new(first.values().to_vec(), [first.len(), config.width()]),
        device,
    );
    let (x, context) = split_context(first, config.dim);
    Ok(flow.initialized_from(x, context))
}

/// `config` with its standardisation fitted on the training points (of the data's units) if
/// it asks for one and has none yet.
fn with_standardizer(
    mut config: TrainingConfig,
    inputs: &Inputs,
) -> Result<TrainingConfig, FlowError> {
    if config.standardize && config.standardizer.is_none() {
        config.standardizer = match inputs {
            Inputs::Data(raw) => Some(Standardizer::fit(&raw.train)),
            Inputs::Streamed(streamed) => Some(streamed.fit_standardizer()?),
            Inputs::Energy(_) => None,
        };
    }
    Ok(config)
}

/// The rectangle in which to draw a 2-D run's density and samples when none is given (see
/// [`plot_ranges`]; a file's data are read to find it).
pub fn default_ranges(config: &TrainingConfig) -> Result<plot::PlotRanges, FlowError> {
    Inputs::load(config)?.ranges(config)
}

/// The training points of a recorded model of data (the data's units, the model's column
/// order): all of them, or the first of a streamed file, enough to draw.
pub fn training_points(config: &TrainingConfig) -> Result<Points, FlowError> {
    match Inputs::load(config)? {
        Inputs::Data(raw) => Ok(raw.train),
        Inputs::Streamed(streamed) => Ok(streamed.head().clone()),
        Inputs::Energy(_) => Err(FlowError::invalid(
            "--artifact-dir",
            "this model was fitted to an energy; it has no data set",
        )),
    }
}

/// The mean test NLL of a trained model of data, in the data's units, and the number of
/// test points.
pub fn test_nll(trained: &TrainedFlow, device: &Device) -> Result<(f64, usize), FlowError> {
    match Inputs::load(&trained.config)? {
        Inputs::Data(raw) => Ok((trained.mean_nll(raw.test.values(), device), raw.test.len())),
        Inputs::Streamed(streamed) => streamed.mean_nll(Part::Test, trained, device),
        Inputs::Energy(_) => Err(FlowError::invalid(
            "--artifact-dir",
            "this model was fitted to an energy; it has no test set",
        )),
    }
}

/// The splits of a recorded configuration held in memory, rebuilt exactly, in the data's
/// own units (a streamed file's are read by [`StreamedData`] instead).
pub fn rebuild_splits(config: &TrainingConfig) -> Result<Splits, FlowError> {
    raw_splits(
        &config.data,
        config.width(),
        config.context_layout()?.as_ref(),
        config.sizes(),
        config.seed,
    )
}
