//! Timings of the hot paths on the backend compiled in: train steps, log-density, sampling.

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use flow_data::DatasetKind;
use flow_model::PlanarFlowConfig;
use serde::Serialize;

use crate::error::FlowError;
use crate::inference::grid_points;
use crate::model::DensityModel;
use crate::plot::Grid2d;
use crate::training::PLOT_RANGE;

/// One timed configuration.
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    /// `train_step`, `log_prob_grid` or `sample`.
    pub what: &'static str,
    /// Planar layers.
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

/// What to time and how often.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    /// Layer counts of the train-step timings.
    pub layers: Vec<usize>,
    /// Batch sizes of the train-step timings.
    pub batches: Vec<usize>,
    /// Layers of the log-density and sampling timings.
    pub inference_layers: usize,
    /// Cells per side of the log-density grid.
    pub grid: usize,
    /// Points drawn per sampling call.
    pub samples: usize,
    /// Untimed warm-up calls before each timing.
    pub warmup: usize,
    /// Timed calls per configuration.
    pub repeats: usize,
}

impl BenchPlan {
    /// The full plan: K ∈ {8, 32}, batch ∈ {256, 1024, 4096}, a 200×200 grid, 100k samples.
    pub fn full() -> Self {
        Self {
            layers: vec![8, 32],
            batches: vec![256, 1024, 4096],
            inference_layers: 32,
            grid: 200,
            samples: 100_000,
            warmup: 10,
            repeats: 50,
        }
    }

    /// A few calls of each, to check that everything runs.
    pub fn quick() -> Self {
        Self {
            layers: vec![8],
            batches: vec![256],
            inference_layers: 8,
            grid: 20,
            samples: 1000,
            warmup: 1,
            repeats: 3,
        }
    }

    /// This plan with more batch sizes (for GPUs, where large batches are the point).
    pub fn with_batches(mut self, extra: &[usize]) -> Self {
        self.batches.extend_from_slice(extra);
        self
    }
}

/// Times `call` after `warmup` untimed calls; each call must finish its device work.
fn time(warmup: usize, repeats: usize, mut call: impl FnMut()) -> (f64, f64, f64) {
    for _ in 0..warmup {
        call();
    }
    let mut ms: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let started = Instant::now();
            call();
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.1), at(0.9))
}

/// Runs `plan` on `device` (a plain device; train steps use its autodiff form).
pub fn run(
    plan: &BenchPlan,
    device: &Device,
    backend: &str,
) -> Result<Vec<BenchResult>, FlowError> {
    let dataset = DatasetKind::Checkerboard;
    let mut results = Vec::new();
    let mut push =
        |what, layers, batch, (median_ms, p10_ms, p90_ms): (f64, f64, f64), points: bool| {
            results.push(BenchResult {
                what,
                layers,
                batch,
                median_ms,
                p10_ms,
                p90_ms,
                points_per_s: points.then(|| batch as f64 / (median_ms / 1e3)),
                repeats: plan.repeats,
                backend: backend.to_string(),
            });
        };

    let autodiff = device.clone().autodiff();
    for &layers in &plan.layers {
        for &batch in &plan.batches {
            let points = dataset.generate(batch, 1);
            let x = Tensor::<2>::from_data(
                TensorData::new(points.values().to_vec(), [batch, 2]),
                &autodiff,
            );
            let mut model = Some(DensityModel {
                flow: PlanarFlowConfig::new(2, layers).init(&autodiff)?,
            });
            let mut optimizer = AdamConfig::new().with_epsilon(1e-7).init();
            let timing = time(plan.warmup, plan.repeats, || {
                let current = model.take().expect("the model is put back after each step");
                let loss = current.flow.log_prob(x.clone()).neg().mean();
                let grads = GradientsParams::from_grads(loss.backward(), &current);
                model = Some(optimizer.step(1e-3, current, grads));
                autodiff.sync().expect("the device finishes the step");
            });
            push("train_step", layers, batch, timing, false);
        }
    }

    let flow = PlanarFlowConfig::new(2, plan.inference_layers).init(device)?;
    let centres = grid_points(&Grid2d::new(PLOT_RANGE, PLOT_RANGE, plan.grid, plan.grid));
    let n = plan.grid * plan.grid;
    let grid = Tensor::<2>::from_data(TensorData::new(centres, [n, 2]), device);
    let timing = time(plan.warmup, plan.repeats, || {
        let _ = flow.log_prob(grid.clone()).into_data();
    });
    push("log_prob_grid", plan.inference_layers, n, timing, true);

    let sample_repeats = (plan.repeats / 5).max(3);
    let mut seed = 0;
    let timing = time(plan.warmup.min(2), sample_repeats, || {
        seed += 1;
        let _ = flow.sample(plan.samples, seed, device).into_data();
    });
    push("sample", plan.inference_layers, plan.samples, timing, true);
    if let Some(last) = results.last_mut() {
        last.repeats = sample_repeats;
    }
    Ok(results)
}
