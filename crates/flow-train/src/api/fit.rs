//! Training on rows held in memory. The rows are written into the artifact directory
//! (`data.npy`, or `simulations.csv` for a posterior) and trained on exactly as
//! `flow-train train --data` trains on a file, so the directory is an ordinary one: every
//! command reads it and `train --resume` continues it.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use burn::train::Interrupter;
use flow_data::{Points, PriorBox, Simulations};

use crate::api::Settings;
use crate::artifacts::ArtifactPaths;
use crate::error::FlowError;
use crate::fsutil::write_json_atomically;
use crate::infer::inference::{TrainedFlow, load_config};
use crate::infer::stream::write_rows;
use crate::lock::DirLock;
use crate::train::data::DataSource;
use crate::train::progress::ProgressTo;
use crate::train::run_dir::Start;
use crate::train::summary::RunSummary;
use crate::train::training;

/// The settings that [`fit_rows`] and [`fit_posterior`] set themselves.
const RESERVED: [&str; 9] = [
    "data",
    "context_columns",
    "artifact_dir",
    "resume",
    "dataset",
    "train_size",
    "valid_size",
    "test_size",
    "prior_box",
];

/// Where a run writes, where its progress goes, and what stops it early.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// The artifact directory, created if missing; a run already there is replaced, as
    /// `flow-train train` replaces it.
    pub dir: &'a Path,
    /// Where the progress of the epochs goes.
    pub progress: ProgressTo,
    /// Stops training after the current step when triggered (the best model is kept).
    pub interrupter: &'a Interrupter,
}

/// A finished run: its summary and, unless no epoch was good enough to save, its best model
/// on the device it trained on.
pub struct Fitted {
    /// What `summary.json` holds.
    pub summary: RunSummary,
    /// The best model, as `model.bpk` holds it.
    pub model: Option<TrainedFlow>,
    /// The device the model is on.
    pub device: Device,
}

impl Fitted {
    /// The best model and its device; the error of [`RunSummary::outcome`] for a run that
    /// diverged or was interrupted, or one that saved no model.
    pub fn into_best(self, dir: &Path) -> Result<(TrainedFlow, Device), FlowError> {
        self.summary.outcome(dir)?;
        let model = self.model.ok_or_else(|| {
            FlowError::Training("no epoch was good enough to save a model".to_string())
        })?;
        Ok((model, self.device))
    }
}

/// Trains a flow on the rows of `x` (`[N, D]`) and, for a conditional flow `p(x | c)`, their
/// contexts (`[N, C]`) with `settings` (the default preset of their `flow`), into `run.dir`:
/// the rows become its `data.npy` (x's columns, then the context's).
pub fn fit_rows(
    x: &Points,
    context: Option<&Points>,
    settings: &Settings,
    run: Run<'_>,
) -> Result<Fitted, FlowError> {
    refuse_reserved(settings)?;
    let context_dim = context.map_or(0, Points::dim);
    if let Some(context) = context
        && context.len() != x.len()
    {
        return Err(FlowError::invalid(
            "context",
            format!(
                "has {} rows but x has {}: give one context row per row of x",
                context.len(),
                x.len()
            ),
        ));
    }
    let path = absolute(run.dir)?.join("data.npy");
    let mut fixed = Settings::new().with("data", path.display());
    if context_dim > 0 {
        fixed.set("context_columns", column_range(x.dim(), context_dim));
    }
    let names: Vec<String> = (1..=x.dim())
        .map(|i| format!("x{i}"))
        .chain((1..=context_dim).map(|i| format!("c{i}")))
        .collect();
    let rows = x.beside_if_any(context);
    train_on_file(&settings.merged(&fixed), &path, run, |path| {
        write_rows(path, &names, |writer| writer.rows(rows.values()))
    })
}

/// Trains a posterior `q(θ | x)` on `simulations` as `flow-train npe` does (the npe preset,
/// `x` as the context) with `settings` applied, into `run.dir`, whose `simulations.csv` they
/// become; `prior_box` is recorded for sampling.
pub fn fit_posterior(
    simulations: &Simulations,
    prior_box: Option<&PriorBox>,
    settings: &Settings,
    run: Run<'_>,
) -> Result<Fitted, FlowError> {
    refuse_reserved(settings)?;
    let path = absolute(run.dir)?.join("simulations.csv");
    let mut fixed = Settings::new().with("data", path.display()).with(
        "context_columns",
        column_range(simulations.theta_dim(), simulations.x_dim()),
    );
    if let Some(prior_box) = prior_box {
        let flat: Vec<String> = prior_box
            .bounds()
            .iter()
            .flatten()
            .map(f64::to_string)
            .collect();
        fixed.set("prior_box", flat.join(","));
    }
    let settings = Settings::new().with("preset", "npe").merged(settings);
    train_on_file(&settings.merged(&fixed), &path, run, |path| {
        write_rows(path, &simulations.column_names(), |writer| {
            writer.rows(simulations.points().values())
        })
    })
}

/// Copies the model of the artifact directory `from` to `to` (created if missing): its
/// `config.json`, `model.bpk`, `summary.json`, `metrics.csv` and, when it lies in `from`,
/// its data file, which the copied `config.json` then names. Checkpoints are not copied.
pub fn copy_artifacts(from: &Path, to: &Path) -> Result<(), FlowError> {
    let (source, target) = (ArtifactPaths::new(from), ArtifactPaths::new(to));
    let mut config = load_config(&source.config())?;
    if absolute(from)? == absolute(to)? {
        return Ok(());
    }
    crate::fsutil::create_dir(to)?;
    let _lock = DirLock::acquire(to)?;
    let mut files = vec![source.model(), source.summary(), source.metrics()];
    if let DataSource::File { path, .. } = &mut config.data {
        let absolute_path = absolute(path)?;
        if absolute_path.parent() == Some(absolute(from)?.as_path())
            && let Some(name) = absolute_path.file_name()
        {
            files.push(absolute_path.clone());
            *path = absolute(to)?.join(name);
        }
    }
    for file in files.iter().filter(|f| f.is_file()) {
        let name = file
            .file_name()
            .expect("the files of a directory have names");
        crate::train::checkpoint::copy_atomically(file, &to.join(name))
            .map_err(|e| FlowError::io(to.join(name), e))?;
    }
    write_json_atomically(&target.config(), &config)
}

/// Writes the data file at `path` with `write` and trains on it with `settings`. Settings
/// that the command line would refuse leave nothing behind.
fn train_on_file(
    settings: &Settings,
    path: &Path,
    run: Run<'_>,
    write: impl FnOnce(&Path) -> Result<(), FlowError>,
) -> Result<Fitted, FlowError> {
    let args = settings
        .clone()
        .with("artifact_dir", run.dir.display())
        .train_args()?;
    let placement = args.run.placement()?;
    let created = !run.dir.exists();
    crate::fsutil::create_dir(run.dir)?;
    {
        let _lock = DirLock::acquire(run.dir)?;
        write(path)?;
    }
    let config = args.config().inspect_err(|_| {
        let _ = match created {
            true => std::fs::remove_dir_all(run.dir),
            false => std::fs::remove_file(path),
        };
    })?;
    let summary = training::train(
        &config,
        run.dir,
        &placement,
        run.interrupter,
        Start::Fresh,
        run.progress,
    )?;
    let device = placement.main().clone();
    let model = match summary.best_epoch {
        Some(_) => Some(TrainedFlow::load(run.dir, &device)?),
        None => None,
    };
    Ok(Fitted {
        summary,
        model,
        device,
    })
}

/// Fails if `settings` names one that the rows or the directory decide.
fn refuse_reserved(settings: &Settings) -> Result<(), FlowError> {
    match settings.names().find(|name| RESERVED.contains(name)) {
        Some(name) => Err(FlowError::InvalidSetting(format!(
            "the setting {name} is decided by the data and the directory given, not by a \
             keyword"
        ))),
        None => Ok(()),
    }
}

/// The 1-based columns `first + 1 … first + count` as `--context-columns` takes them.
fn column_range(first: usize, count: usize) -> String {
    match count {
        1 => format!("{}", first + 1),
        _ => format!("{}-{}", first + 1, first + count),
    }
}

/// `path` made absolute against the current directory (it need not exist).
fn absolute(path: &Path) -> Result<PathBuf, FlowError> {
    std::path::absolute(path).map_err(|e| FlowError::io(path, e))
}
