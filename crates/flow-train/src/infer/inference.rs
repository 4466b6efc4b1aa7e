//! Using a trained flow: load it from an artifact directory and evaluate it, in the data's
//! own units (the standardisation a run recorded is applied and undone here).

use std::path::Path;

use burn::config::Config;
use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Device, Tensor, TensorData};
use flow_data::Points;
use flow_model::Flow;

use crate::artifacts::ArtifactPaths;
use crate::error::FlowError;
use crate::plot::Grid2d;
use crate::train::config::TrainingConfig;
use crate::train::model::DensityModel;

/// Points per forward pass when scoring many points.
pub const SCORE_CHUNK: usize = 65_536;

/// A trained flow with the configuration it was trained with.
#[derive(Debug, Clone)]
pub struct TrainedFlow {
    /// The recorded training configuration.
    pub config: TrainingConfig,
    /// The best model of the run, on the device it was loaded to, in the model's
    /// (standardised) units.
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

    /// The data dimension `D`.
    pub fn dim(&self) -> usize {
        self.config.dim
    }

    /// Row-major points of the data's units as a tensor of the model's units: `[N, D]`.
    fn to_model_units(&self, values: &[f32], device: &Device) -> Tensor<2> {
        let dim = self.dim();
        let points = Points::new(dim, values.to_vec()).expect("rows of finite values");
        let points = match &self.config.standardizer {
            Some(s) => s.apply(&points),
            None => points,
        };
        let n = points.len();
        Tensor::from_data(TensorData::new(points.into_parts().1, [n, dim]), device)
    }

    /// A tensor of the model's units as row-major values of the data's units.
    fn to_data_units(&self, t: Tensor<2>) -> Vec<f32> {
        let values: Vec<f32> = t.into_data().iter::<f32>().collect();
        match &self.config.standardizer {
            Some(s) => {
                let points = Points::new(self.dim(), values).expect("rows of D values");
                s.undo(&points).into_parts().1
            }
            None => values,
        }
    }

    /// `log p(x)` in the data's units for row-major points of dimension `D` (computed in
    /// chunks): the model's log-density of the standardised points plus the
    /// standardisation's log-Jacobian.
    pub fn log_prob(&self, values: &[f32], device: &Device) -> Vec<f32> {
        let dim = self.dim().max(1);
        let offset = self.config.log_det_offset();
        let mut out = Vec::with_capacity(values.len() / dim);
        for chunk in values.chunks(SCORE_CHUNK * dim) {
            let log_p = self.flow.log_prob(self.to_model_units(chunk, device));
            out.extend(
                log_p
                    .into_data()
                    .iter::<f32>()
                    .map(|v| (f64::from(v) + offset) as f32),
            );
        }
        out
    }

    /// The mean negative log-likelihood (nats) of row-major points, accumulated in f64.
    pub fn mean_nll(&self, values: &[f32], device: &Device) -> f64 {
        let log_p = self.log_prob(values, device);
        -log_p.iter().map(|&v| f64::from(v)).sum::<f64>() / log_p.len().max(1) as f64
    }

    /// `n` exact samples in the data's units, row-major, from the base draws of `seed`.
    pub fn sample(&self, n: usize, seed: u64, device: &Device) -> Vec<f32> {
        self.to_data_units(self.flow.sample(n, seed, device))
    }

    /// The latent codes `z` (row-major) of row-major points of the data's units.
    pub fn encode(&self, values: &[f32], device: &Device) -> Vec<f32> {
        let (z, _) = self.flow.to_latent(self.to_model_units(values, device));
        z.into_data().iter::<f32>().collect()
    }

    /// The points of the data's units (row-major) of row-major latent codes.
    pub fn decode(&self, values: &[f32], device: &Device) -> Vec<f32> {
        let n = values.len() / self.dim().max(1);
        let z = Tensor::<2>::from_data(TensorData::new(values.to_vec(), [n, self.dim()]), device);
        self.to_data_units(self.flow.to_data(z).0)
    }

    /// Evaluates `log p` (or `p` when `log` is false) on the cell centres of `grid` (2-D).
    pub fn fill_density(&self, mut grid: Grid2d, log: bool, device: &Device) -> Grid2d {
        let points = grid_points(&grid);
        grid.values = self
            .log_prob(&points, device)
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
    if config.standardize && config.standardizer.is_none() {
        return Err(FlowError::bad_file(
            path,
            "asks for standardised data but records no standardisation (was training cut off \
             before it began?)",
        ));
    }
    Ok(config)
}

/// Rebuilds the flow described by `config` and fills it with the record at `path`.
pub fn load_flow(config: &TrainingConfig, path: &Path, device: &Device) -> Result<Flow, FlowError> {
    if !path.is_file() {
        return Err(FlowError::bad_file(path, "missing model record"));
    }
    let record = ModuleRecord::load(path)
        .map_err(|e| FlowError::bad_file(path, format!("not a readable model record: {e}")))?;
    let template = DensityModel::new(config.flow_config().init(device)?, 0.0);
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

/// The cell centres of `grid` as row-major f32 points (`[nx·ny, 2]` flattened).
pub fn grid_points(grid: &Grid2d) -> Vec<f32> {
    grid.centres()
        .into_iter()
        .flat_map(|[x, y]| [x as f32, y as f32])
        .collect()
}
