//! Timings of the hot paths on the backend compiled in: train steps, log-density, sampling,
//! for every flow family; and (`devices`) the throughput of whole training runs on one device
//! and on several.

pub mod devices;

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use flow_data::DatasetKind;
use std::sync::Arc;

use flow_model::{
    Direction, Energy, FlowConfig, FlowFamily, PaperEnergy, PlanarConfig, standard_normal_sample,
};
use serde::Serialize;

use crate::error::FlowError;
use crate::infer::inference::grid_points;
use crate::plot::Grid2d;
use crate::train::config::{FlowKind, Preset};
use crate::train::fit::{FitModel, SharedEnergy};
use crate::train::model::DensityModel;

/// One timed configuration.
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    /// `train_step` (density estimation), `fit_step` (variational inference on U1: sampling
    /// with log q, the energy, backward, Adam), `log_prob_grid` or `sample`.
    pub what: &'static str,
    /// The flow family.
    pub flow: &'static str,
    /// The data dimension `D`.
    pub dim: usize,
    /// Layers (planar, radial), or coupling or autoregressive transforms.
    pub layers: usize,
    /// Points per call.
    pub batch: usize,
    /// Median wall time of one call (ms).
    pub median_ms: f64,
    /// 10th percentile (ms).
    pub p10_ms: f64,
    /// 90th percentile (ms).
    pub p90_ms: f64,
    /// Points per second at the median, where it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_per_s: Option<f64>,
    /// Timed calls.
    pub repeats: usize,
    /// The backend.
    pub backend: String,
}

/// A model to time: its family and size.
#[derive(Debug, Clone)]
pub struct BenchModel {
    /// The 2-D flow's family and hyper-parameters.
    pub family: FlowFamily,
    /// Batch sizes of the train-step timings.
    pub batches: Vec<usize>,
    /// Cells per side of the log-density grids (200: 40 000 points; 1000: 10⁶ points);
    /// sampling is timed too where there is a grid.
    pub grids: Vec<usize>,
    /// Batch sizes of the variational-inference step timings (the generator direction).
    pub fit_batches: Vec<usize>,
}

impl BenchModel {
    /// The number reported as `layers`: layers, or coupling transforms.
    fn size(&self) -> usize {
        match &self.family {
            FlowFamily::Planar(c) => c.layers,
            FlowFamily::Radial(c) => c.layers,
            FlowFamily::RealNvp(c) => c.coupling.transforms,
            FlowFamily::Nsf(c) => c.coupling.transforms,
            FlowFamily::Maf(c) => c.autoregressive.transforms,
            FlowFamily::NsfAr(c) => c.autoregressive.transforms,
        }
    }
}

/// What to time and how often.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    /// The models.
    pub models: Vec<BenchModel>,
    /// The data dimension: 2 times the checkerboard and its grid; more times standard
    /// normal points of that dimension (as many as the grid's cells).
    pub dim: usize,
    /// Points drawn per sampling call.
    pub samples: usize,
    /// Untimed warm-up calls before each timing.
    pub warmup: usize,
    /// Timed calls per configuration.
    pub repeats: usize,
}

/// A planar model; `grids` as in [`BenchModel::grids`].
fn planar(layers: usize, batches: &[usize], grids: &[usize]) -> BenchModel {
    BenchModel {
        family: PlanarConfig::new(layers).into(),
        batches: batches.to_vec(),
        grids: grids.to_vec(),
        fit_batches: vec![1024],
    }
}

/// Every family's default preset model, timed at `batches`; `grids` as in
/// [`BenchModel::grids`].
fn preset(flow: FlowKind, batches: &[usize], grids: &[usize]) -> BenchModel {
    BenchModel {
        family: Preset::Default
            .config(flow)
            .expect("every family has a default preset")
            .model,
        batches: batches.to_vec(),
        grids: grids.to_vec(),
        fit_batches: Vec::new(),
    }
}

impl BenchPlan {
    /// The full plan: planar K ∈ {8, 32} at batches 256, 1024, 4096 (log-density and
    /// sampling at K = 32), and every other family's preset at batches 512 and 1024; a
    /// 200×200 grid, 100k samples.
    pub fn full() -> Self {
        Self {
            models: vec![
                planar(8, &[256, 1024, 4096], &[]),
                planar(32, &[256, 1024, 4096], &[200]),
                preset(FlowKind::Radial, &[1024], &[200]),
                preset(FlowKind::Realnvp, &[512, 1024], &[200]),
                preset(FlowKind::Nsf, &[512, 1024], &[200]),
                preset(FlowKind::Maf, &[512, 1024], &[200]),
                preset(FlowKind::NsfAr, &[512, 1024], &[200]),
            ],
            dim: 2,
            samples: 100_000,
            warmup: 10,
            repeats: 50,
        }
    }

    /// A few calls of small models, to check that everything runs.
    pub fn quick() -> Self {
        let mut plan = Self::full();
        plan.models = vec![
            planar(8, &[256], &[20]),
            preset(FlowKind::Nsf, &[256], &[20]),
        ];
        plan.samples = 1000;
        plan.warmup = 1;
        plan.repeats = 3;
        plan
    }

    /// This plan restricted to one family.
    pub fn only(mut self, flow: FlowKind) -> Self {
        let name = crate::train::config::flow_name(flow);
        self.models.retain(|m| m.family.name() == name);
        self
    }

    /// This plan with the planar flow's train steps also at batches of 16 384 and 65 536
    /// points and its log-density also on a 1000 × 1000 grid (10⁶ points): the sizes where a
    /// GPU pays.
    pub fn large(mut self) -> Self {
        for model in &mut self.models {
            if let FlowFamily::Planar(config) = &model.family
                && config.layers == 32
            {
                model.batches.extend_from_slice(&[16_384, 65_536]);
                model.grids.push(1000);
            }
        }
        self
    }
}

/// Times `call` after `warmup` untimed calls; each call must finish its device work.
/// Returns the median, 10th and 90th percentiles (ms), or the first call's failure.
fn time(
    warmup: usize,
    repeats: usize,
    mut call: impl FnMut() -> Result<(), FlowError>,
) -> Result<(f64, f64, f64), FlowError> {
    for _ in 0..warmup {
        call()?;
    }
    let mut ms = Vec::with_capacity(repeats.max(1));
    for _ in 0..repeats.max(1) {
        let started = Instant::now();
        call()?;
        ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    Ok((at(0.5), at(0.1), at(0.9)))
}

/// Reads `tensor`'s values back to the host and touches them. On wgpu the bytes of a
/// `TensorData` that is dropped unread need not have waited for the device, so timing
/// `into_data` alone can time only the submission.
fn read_back<const D: usize>(tensor: Tensor<D>, what: &str) -> Result<(), FlowError> {
    let data = tensor
        .try_into_data()
        .map_err(|e| FlowError::device(what, &e))?;
    std::hint::black_box(data.as_bytes().last());
    Ok(())
}

/// `n` points to train on: checkerboard points in 2-D, standard normal ones in more
/// dimensions, from `seed`: `[n, dim]`.
fn bench_points(dim: usize, n: usize, seed: u64, device: &Device) -> Tensor<2> {
    match dim {
        2 => {
            let points = DatasetKind::Checkerboard.generate(n, seed);
            Tensor::from_data(TensorData::new(points.values().to_vec(), [n, 2]), device)
        }
        _ => standard_normal_sample(n, dim, seed, device),
    }
}

/// Runs `plan` on `device` (a plain device; train steps use its autodiff form).
pub fn run(
    plan: &BenchPlan,
    device: &Device,
    backend: &str,
) -> Result<Vec<BenchResult>, FlowError> {
    let dataset = DatasetKind::Checkerboard;
    let dim = plan.dim;
    let mut results = Vec::new();
    let autodiff = device.clone().autodiff();
    for model in &plan.models {
        let config = FlowConfig::new(dim, model.family.clone());
        let result =
            |what, batch, (median_ms, p10_ms, p90_ms): (f64, f64, f64), points: bool, repeats| {
                BenchResult {
                    what,
                    flow: model.family.name(),
                    dim,
                    layers: model.size(),
                    batch,
                    median_ms,
                    p10_ms,
                    p90_ms,
                    points_per_s: points.then(|| batch as f64 / (median_ms / 1e3)),
                    repeats,
                    backend: backend.to_string(),
                }
            };
        for &batch in &model.batches {
            let x = bench_points(dim, batch, 1, &autodiff);
            let mut current = Some(DensityModel::new(config.init(&autodiff)?, 0.0));
            let mut optimizer = AdamConfig::new().with_epsilon(1e-7).init();
            let timing = time(plan.warmup, plan.repeats, || {
                let step = current
                    .take()
                    .expect("the model is put back after each step");
                let loss = step.flow.log_prob(x.clone()).neg().mean();
                let grads = GradientsParams::from_grads(loss.backward(), &step);
                current = Some(optimizer.step(1e-3, step, grads));
                autodiff
                    .sync()
                    .map_err(|e| FlowError::device(format!("timing train steps of {batch}"), &e))
            })?;
            results.push(result("train_step", batch, timing, false, plan.repeats));
        }
        let generator = config.clone().with_direction(Direction::Generative);
        for &batch in &model.fit_batches {
            let mut current = Some(FitModel::new(
                generator.init(&autodiff)?,
                SharedEnergy(Arc::new(PaperEnergy::U1)),
            ));
            let mut optimizer = AdamConfig::new().with_epsilon(1e-7).init();
            let mut seed = 0;
            let timing = time(plan.warmup, plan.repeats, || {
                seed += 1;
                let step = current
                    .take()
                    .expect("the model is put back after each step");
                let (x, log_q) = step.flow.sample_with_log_prob(batch, seed, &autodiff);
                let loss = (log_q + PaperEnergy::U1.energy(x)).mean();
                let grads = GradientsParams::from_grads(loss.backward(), &step);
                current = Some(optimizer.step(1e-3, step, grads));
                autodiff
                    .sync()
                    .map_err(|e| FlowError::device(format!("timing fit steps of {batch}"), &e))
            })?;
            results.push(result("fit_step", batch, timing, false, plan.repeats));
        }
        if model.grids.is_empty() {
            continue;
        }
        let flow = config.init(device)?;
        let range = dataset.plot_range();
        for &cells in &model.grids {
            let n = cells * cells;
            let grid = match dim {
                2 => {
                    let centres = grid_points(&Grid2d::new(range, range, cells, cells));
                    Tensor::<2>::from_data(TensorData::new(centres, [n, 2]), device)
                }
                _ => standard_normal_sample(n, dim, 2, device),
            };
            // Fewer calls for the large grid: each is long.
            let repeats = if n > 100_000 {
                (plan.repeats / 5).max(3)
            } else {
                plan.repeats
            };
            let timing = time(plan.warmup.min(repeats), repeats, || {
                read_back(
                    flow.log_prob(grid.clone()),
                    &format!("timing log p of {n} points"),
                )
            })?;
            results.push(result("log_prob_grid", n, timing, true, repeats));
        }

        let sample_repeats = (plan.repeats / 5).max(3);
        let mut seed = 0;
        let timing = time(plan.warmup.min(2), sample_repeats, || {
            seed += 1;
            let what = format!("timing sampling of {} points", plan.samples);
            read_back(flow.sample(plan.samples, seed, device), &what)
        })?;
        results.push(result("sample", plan.samples, timing, true, sample_repeats));
    }
    Ok(results)
}
