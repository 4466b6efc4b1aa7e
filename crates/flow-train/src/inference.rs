//! Using a trained flow: load it from an artifact directory and evaluate it.

use std::path::Path;

use burn::config::Config;
use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Device, Tensor, TensorData};
use flow_model::Flow;

use crate::artifacts::ArtifactPaths;
use crate::config::TrainingConfig;
use crate::error::FlowError;
use crate::model::DensityModel;
use crate::plot::Grid2d;

/// Points per forward pass when scoring many points.
pub const SCORE_CHUNK: usize = 65_536;

/// A trained flow with the configuration it was trained with.
#[derive(Debug, Clone)]
pub struct TrainedFlow {
    /// The recorded training configuration.
    pub config: TrainingConfig,
    /// The best model of the run, on the device it was loaded to.
    pub flow: Flow,
}

impl TrainedFlow {
    /// Loads `config.json` and the best model record of the artifact directory `dir`.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, FlowError> {
        let paths = ArtifactPaths::new(dir);
        if !dir.is_dir() {
            return Err(FlowError::bad_file(
                dir,
                "no such artifact directory (train a model first with `flow-train train`)",
            ));
        }
        let config = load_config(&paths.config())?;
        let flow = load_flow(&config, &paths.model(), device)?;
        Ok(Self { config, flow })
    }
}

/// Reads and checks a `config.json`.
pub fn load_config(path: &Path) -> Result<TrainingConfig, FlowError> {
    if !path.is_file() {
        return Err(FlowError::bad_file(
            path,
            "missing (not a training artifact directory?)",
        ));
    }
    let config = TrainingConfig::load(path)
        .map_err(|e| FlowError::bad_file(path, format!("not a valid training config: {e}")))?;
    config
        .validate()
        .map_err(|e| FlowError::bad_file(path, format!("invalid training config: {e}")))?;
    Ok(config)
}

/// Rebuilds the flow described by `config` and fills it with the record at `path`.
pub fn load_flow(config: &TrainingConfig, path: &Path, device: &Device) -> Result<Flow, FlowError> {
    if !path.is_file() {
        return Err(FlowError::bad_file(path, "missing model record"));
    }
    let record = ModuleRecord::load(path)
        .map_err(|e| FlowError::bad_file(path, format!("not a readable model record: {e}")))?;
    let template = DensityModel {
        flow: config.flow_config().init(device)?,
    };
    let model = template.try_load_record(record).map_err(|e| {
        FlowError::bad_file(
            path,
            format!(
                "does not match config.json ({}, dimension {}): {}",
                config.describe_model(),
                config.dim,
                abbreviate(&e.to_string(), 160)
            ),
        )
    })?;
    Ok(model.flow)
}

/// The first line of `text`, cut to at most `max` characters (Burn lists every mismatched
/// tensor, which for a record of another layer count is a screenful).
fn abbreviate(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// `log p(x)` for row-major points of dimension `flow.dim()`, computed in chunks.
pub fn log_prob_points(flow: &Flow, values: &[f32], device: &Device) -> Vec<f32> {
    let dim = flow.dim();
    let mut out = Vec::with_capacity(values.len() / dim.max(1));
    for chunk in values.chunks(SCORE_CHUNK * dim) {
        let n = chunk.len() / dim;
        let x = Tensor::<2>::from_data(TensorData::new(chunk.to_vec(), [n, dim]), device);
        let log_p = flow.log_prob(x).into_data();
        out.extend(log_p.iter::<f32>());
    }
    out
}

/// The mean negative log-likelihood (nats) of row-major points, accumulated in f64.
pub fn mean_nll(flow: &Flow, values: &[f32], device: &Device) -> f64 {
    let log_p = log_prob_points(flow, values, device);
    -log_p.iter().map(|&v| f64::from(v)).sum::<f64>() / log_p.len().max(1) as f64
}

/// The cell centres of `grid` as row-major f32 points (`[nx·ny, 2]` flattened).
pub fn grid_points(grid: &Grid2d) -> Vec<f32> {
    grid.centres()
        .into_iter()
        .flat_map(|[x, y]| [x as f32, y as f32])
        .collect()
}

/// Evaluates `log p` (or `p` when `log` is false) on the cell centres of `grid`.
pub fn fill_density(flow: &Flow, mut grid: Grid2d, log: bool, device: &Device) -> Grid2d {
    let points = grid_points(&grid);
    grid.values = log_prob_points(flow, &points, device)
        .into_iter()
        .map(|v| {
            if log {
                f64::from(v)
            } else {
                f64::from(v).exp()
            }
        })
        .collect();
    grid
}
