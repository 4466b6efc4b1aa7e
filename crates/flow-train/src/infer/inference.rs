//! Using a trained flow: load it from an artifact directory and evaluate it, in the data's
//! own units (the standardisation a run recorded is applied and undone here).

use std::path::Path;

use burn::config::Config;
use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Device, Tensor, TensorData};
use flow_data::simulate::BoxDraws;
use flow_data::{Points, PriorBox, Standardizer};
use flow_model::{Flow, Given, repeat_rows};

use crate::artifacts::ArtifactPaths;
use crate::error::FlowError;
use crate::plot::Grid2d;
use crate::train::config::TrainingConfig;
use crate::train::model::{DensityModel, split_context};

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

    /// The data dimension `D` (of `x`).
    pub fn dim(&self) -> usize {
        self.config.dim
    }

    /// The width `C` of the context of a conditional flow (0: none).
    pub fn context_dim(&self) -> usize {
        self.config.context_dim
    }

    /// The width of the rows the model reads: `x`'s `D` values, then the context's `C`.
    pub fn width(&self) -> usize {
        self.config.width()
    }

    /// The standardisation of the `count` columns from `first` on, if the run has one.
    fn standardizer(&self, first: usize, count: usize) -> Option<Standardizer> {
        self.config
            .standardizer
            .as_ref()
            .map(|s| s.columns(first, count))
    }

    /// Row-major values of `count` columns from `first` on, in the data's units, as a tensor
    /// of the model's units: `[N, count]`.
    fn to_model_units(
        &self,
        values: &[f32],
        first: usize,
        count: usize,
        device: &Device,
    ) -> Tensor<2> {
        let points = Points::new(count, values.to_vec()).expect("rows of finite values");
        let points = match self.standardizer(first, count) {
            Some(s) => s.apply(&points),
            None => points,
        };
        let n = points.len();
        Tensor::from_data(TensorData::new(points.into_parts().1, [n, count]), device)
    }

    /// Points of `x` of the model's units as row-major values of the data's units.
    fn to_data_units(&self, t: Tensor<2>) -> Vec<f32> {
        let values: Vec<f32> = t.into_data().iter::<f32>().collect();
        match self.standardizer(0, self.dim()) {
            Some(s) => {
                let points = Points::new(self.dim(), values).expect("rows of D values");
                s.undo(&points).into_parts().1
            }
            None => values,
        }
    }

    /// The flow at the contexts of `rows` (`[N, D + C]` of the model's units, or `[N, D]`
    /// for an unconditional flow), with the `x` part of the rows.
    fn given(&self, rows: Tensor<2>) -> (Given<'_>, Tensor<2>) {
        match split_context(rows, self.dim()) {
            (x, Some(context)) => (self.flow.given(context), x),
            (x, None) => (self.flow.unconditional(), x),
        }
    }

    /// `log p(x)` (or `log p(x | c)`) in the data's units for row-major rows of the model's
    /// layout (`x`, then the context; computed in chunks): the model's log-density of the
    /// standardised points plus the standardisation's log-Jacobian.
    pub fn log_prob(&self, values: &[f32], device: &Device) -> Vec<f32> {
        let width = self.width().max(1);
        let offset = self.config.log_det_offset();
        let mut out = Vec::with_capacity(values.len() / width);
        for chunk in values.chunks(SCORE_CHUNK * width) {
            let (given, x) = self.given(self.to_model_units(chunk, 0, width, device));
            out.extend(
                given
                    .log_prob(x)
                    .into_data()
                    .iter::<f32>()
                    .map(|v| (f64::from(v) + offset) as f32),
            );
        }
        out
    }

    /// The mean negative log-likelihood (nats) of row-major rows, accumulated in f64.
    pub fn mean_nll(&self, values: &[f32], device: &Device) -> f64 {
        let log_p = self.log_prob(values, device);
        -log_p.iter().map(|&v| f64::from(v)).sum::<f64>() / log_p.len().max(1) as f64
    }

    /// `n` exact samples in the data's units, row-major, from the base draws of `seed`
    /// (an unconditional flow).
    pub fn sample(&self, n: usize, seed: u64, device: &Device) -> Vec<f32> {
        self.to_data_units(self.flow.sample(n, seed, device))
    }

    /// `n` exact samples of `x` at each of the contexts `contexts` (row-major rows of `C`
    /// values in the data's units), context by context: `[M·n, D]` row-major.
    pub fn sample_at(&self, contexts: &[f32], n: usize, seed: u64, device: &Device) -> Vec<f32> {
        self.sample_at_with_log_prob(contexts, n, seed, device).0
    }

    /// [`TrainedFlow::sample_at`] with the `log p(x | c)` of each sample in the data's units,
    /// from the same pass: `([M·n, D], [M·n])` row-major.
    pub fn sample_at_with_log_prob(
        &self,
        contexts: &[f32],
        n: usize,
        seed: u64,
        device: &Device,
    ) -> (Vec<f32>, Vec<f32>) {
        let (dim, width) = (self.dim(), self.context_dim());
        let context = self.to_model_units(contexts, dim, width, device);
        let given = self.flow.given(repeat_rows(context, n));
        let (x, log_q) = given.sample_with_log_prob(seed);
        let offset = self.config.log_det_offset();
        let log_q = log_q
            .into_data()
            .iter::<f32>()
            .map(|v| (f64::from(v) + offset) as f32)
            .collect();
        (self.to_data_units(x), log_q)
    }

    /// One exact sample of `x` at the context of each row of `rows` (row-major, the model's
    /// layout, the data's units).
    pub fn sample_at_rows(&self, rows: &[f32], seed: u64, device: &Device) -> Vec<f32> {
        let (dim, width) = (self.dim(), self.width());
        let contexts: Vec<f32> = rows
            .chunks(width)
            .flat_map(|row| row[dim..].iter().copied())
            .collect();
        self.sample_at(&contexts, 1, seed, device)
    }

    /// `n` exact samples (in the data's units, row-major) at `context` (`C` values in the
    /// data's units; `None` for an unconditional flow) restricted to `prior_box` by rejection:
    /// draws outside it are redrawn, in rounds seeded by [`chunk_seed`]`(seed, round)`. Fails
    /// when almost no draw falls inside (see [`PriorBox::sample`]).
    pub fn sample_in_box(
        &self,
        context: Option<&[f32]>,
        n: usize,
        seed: u64,
        prior_box: &PriorBox,
        device: &Device,
    ) -> Result<BoxDraws, FlowError> {
        if prior_box.dim() != self.dim() {
            return Err(FlowError::invalid(
                "--prior-box",
                format!(
                    "the box has {} coordinates, but the model's x has {}",
                    prior_box.dim(),
                    self.dim()
                ),
            ));
        }
        let draws = prior_box.sample(n, |count, round| {
            let seed = chunk_seed(seed, round);
            match context {
                Some(c) => self.sample_at(c, count, seed, device),
                None => self.sample(count, seed, device),
            }
        })?;
        Ok(draws)
    }

    /// The latent codes `z` (row-major) of row-major rows of the model's layout in the
    /// data's units.
    pub fn encode(&self, values: &[f32], device: &Device) -> Vec<f32> {
        let (given, x) = self.given(self.to_model_units(values, 0, self.width(), device));
        given.to_latent(x).0.into_data().iter::<f32>().collect()
    }

    /// The points of the data's units (row-major) of row-major rows of latent codes (each
    /// followed by its context in the data's units, for a conditional flow).
    pub fn decode(&self, values: &[f32], device: &Device) -> Vec<f32> {
        let (dim, width) = (self.dim(), self.width());
        let n = values.len() / width.max(1);
        let z: Vec<f32> = values
            .chunks(width)
            .flat_map(|r| r[..dim].to_vec())
            .collect();
        let z = Tensor::<2>::from_data(TensorData::new(z, [n, dim]), device);
        let given = match self.context_dim() {
            0 => self.flow.unconditional(),
            c => {
                let context: Vec<f32> = values
                    .chunks(width)
                    .flat_map(|r| r[dim..].to_vec())
                    .collect();
                self.flow
                    .given(self.to_model_units(&context, dim, c, device))
            }
        };
        self.to_data_units(given.to_data(z).0)
    }

    /// Evaluates `log p` (or `p` when `log` is false) on the cell centres of `grid` (2-D),
    /// at `context` (`C` values in the data's units) for a conditional model.
    pub fn fill_density(
        &self,
        mut grid: Grid2d,
        log: bool,
        context: Option<&[f32]>,
        device: &Device,
    ) -> Grid2d {
        let points = grid_points(&grid);
        let rows: Vec<f32> = match context {
            Some(c) => points
                .chunks(2)
                .flat_map(|p| p.iter().chain(c).copied())
                .collect(),
            None => points,
        };
        grid.values = self
            .log_prob(&rows, device)
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

/// The seed of the base draws of sampling chunk `index`: `seed` itself for the first chunk
/// (so a draw of up to one chunk is exactly `Flow::sample(n, seed)`), then distinct mixes.
pub fn chunk_seed(seed: u64, index: usize) -> u64 {
    seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Reads and checks a `config.json`.
pub fn load_config(path: &Path) -> Result<TrainingConfig, FlowError> {
    if !path.is_file() {
        return Err(FlowError::bad_file(
            path,
            "missing (not a training artifact directory?)",
        ));
    }
    let mut config = TrainingConfig::load(path)
        .map_err(|e| FlowError::bad_file(path, format!("not a valid training config: {e}")))?;
    crate::format::check(config.format_version, path)?;
    // An older layout is read as the current one, which keeps it.
    config.format_version = crate::format::FORMAT_VERSION;
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
