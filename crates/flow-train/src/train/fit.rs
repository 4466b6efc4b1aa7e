//! Variational inference: a flow fitted to an unnormalised density `p(x) ∝ exp(−U(x))` by
//! minimising the reverse KL divergence `KL(q‖p) = E_q[log q(x) + U(x)] + log Z`, through
//! Burn's Learner like density estimation. There is no data set: every step draws fresh base
//! samples, and the flow is the generator `x = T(z)`, `z ~ q0`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use burn::data::dataloader::batcher::Batcher;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use burn::train::{InferenceStep, TrainOutput, TrainStep};
use flow_model::{Energy, Flow};
use serde::{Deserialize, Serialize};

use crate::train::model::NllOutput;

/// The energy a flow is fitted to, shared by the steps of a run.
#[derive(Clone)]
pub struct SharedEnergy(pub Arc<dyn Energy + Send + Sync>);

impl fmt::Debug for SharedEnergy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Energy(dim {})", self.0.dim())
    }
}

/// How the energy's weight grows over the first steps: `β_t = min(1, start + t/steps)`
/// (Rezende & Mohamed's annealing, which keeps the early flow from collapsing onto one mode).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Annealing {
    /// `β_0`.
    pub start: f64,
    /// The number of steps over which `β` rises by 1.
    pub steps: usize,
}

impl Annealing {
    /// `β` at optimizer step `step` (0-based).
    pub fn beta(&self, step: u64) -> f64 {
        (self.start + step as f64 / self.steps.max(1) as f64).min(1.0)
    }
}

/// The work of one step: `samples` base draws from `seed`, the energy weighted by `beta`.
#[derive(Debug, Clone)]
pub struct FitBatch {
    /// Seed of the base draws.
    pub seed: u64,
    /// The weight of the energy (1: the plain reverse KL).
    pub beta: f64,
    /// The number of samples.
    pub samples: usize,
    /// Where to draw them.
    pub device: Device,
}

/// A well-mixed 64-bit value from `seed` and `index` (SplitMix64's finaliser).
pub fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Makes the [`FitBatch`] of each step. Items are sample indices; a batch of `B` of them is
/// `B` base draws.
#[derive(Debug, Clone)]
pub enum FitBatcher {
    /// Training: fresh draws for every batch, from a batch counter shared by every copy of
    /// the batcher (so a resumed run continues the sequence, and the devices of a
    /// multi-device run draw apart), with the annealed weight of the optimizer step.
    Steps {
        /// The run's seed.
        seed: u64,
        /// The next batch.
        batch: Arc<AtomicU64>,
        /// Batches per optimizer step: the number of devices.
        per_step: u64,
        /// The annealing, if any.
        annealing: Option<Annealing>,
    },
    /// Validation: the same draws every epoch (their seed from the run's seed and the batch's
    /// first index), unannealed.
    Fixed {
        /// The run's seed.
        seed: u64,
    },
}

impl FitBatcher {
    /// The training batcher of a run whose first batch is `first_batch`, with `per_step`
    /// batches (one per device) to an optimizer step.
    pub fn steps(seed: u64, first_batch: u64, per_step: u64, annealing: Option<Annealing>) -> Self {
        Self::Steps {
            seed,
            batch: Arc::new(AtomicU64::new(first_batch)),
            per_step: per_step.max(1),
            annealing,
        }
    }
}

/// Keeps the validation draws apart from the training draws of the same seed.
const VALIDATION_STREAM: u64 = 0x5EED_0FFA_11DA_7A00;

impl Batcher<usize, FitBatch> for FitBatcher {
    fn batch(&self, items: Vec<usize>, device: &Device) -> FitBatch {
        let samples = items.len();
        let (seed, beta) = match self {
            Self::Steps {
                seed,
                batch,
                per_step,
                annealing,
            } => {
                let batch = batch.fetch_add(1, Ordering::Relaxed);
                let step = batch / per_step;
                (mix(*seed, batch), annealing.map_or(1.0, |a| a.beta(step)))
            }
            Self::Fixed { seed } => {
                let first = items.first().copied().unwrap_or(0) as u64;
                (mix(seed ^ VALIDATION_STREAM, first), 1.0)
            }
        };
        FitBatch {
            seed,
            beta,
            samples,
            device: device.clone(),
        }
    }
}

/// The module trained by variational inference: a generator flow and the energy it fits.
#[derive(Module, Debug)]
pub struct FitModel {
    /// The flow (its transforms map latent points to data).
    pub flow: Flow,
    #[module(skip)]
    energy: SharedEnergy,
    /// The factor of the mean loss in a train step (`1/n` on each of `n` devices).
    loss_scale: f64,
}

impl FitModel {
    /// `flow` fitted to `energy`.
    pub fn new(flow: Flow, energy: SharedEnergy) -> Self {
        Self {
            flow,
            energy,
            loss_scale: 1.0,
        }
    }

    /// This model with its train-step loss scaled by `scale` (the reported loss is not).
    pub fn with_loss_scale(self, scale: f64) -> Self {
        Self {
            loss_scale: scale,
            ..self
        }
    }

    /// Per sample, `log q(x) + β U(x)` and `log q(x) + U(x)` (whose mean is `KL − log Z`),
    /// both `[B]`.
    fn losses(&self, batch: &FitBatch) -> (Tensor<1>, Tensor<1>) {
        let (x, log_q) = self
            .flow
            .sample_with_log_prob(batch.samples, batch.seed, &batch.device);
        let energy = self.energy.0.energy(x);
        let annealed = log_q.clone() + energy.clone().mul_scalar(batch.beta);
        (annealed, log_q + energy)
    }
}

impl TrainStep for FitModel {
    type Input = FitBatch;
    type Output = NllOutput;

    fn step(&self, batch: FitBatch) -> TrainOutput<NllOutput> {
        let (annealed, plain) = self.losses(&batch);
        let grads = annealed.mean().mul_scalar(self.loss_scale).backward();
        TrainOutput::new(self, grads, NllOutput { nll: plain })
    }
}

impl InferenceStep for FitModel {
    type Input = FitBatch;
    type Output = NllOutput;

    fn step(&self, batch: FitBatch) -> NllOutput {
        NllOutput {
            nll: self.losses(&batch).1,
        }
    }
}

/// How well a fitted flow matches its target, from fresh samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitStatistics {
    /// The mean of `log q(x) + U(x)`, i.e. `KL(q‖p) − log Z`.
    pub loss: f64,
    /// Its Monte-Carlo standard error.
    pub loss_stderr: f64,
    /// The effective sample size of the importance weights `p̃/q`, as a fraction of the
    /// samples: `(Σw)² / (N Σw²)`.
    pub ess: f64,
}

/// [`FitStatistics`] of `flow` for `energy` on `n` fresh samples from `seed`, drawn in chunks.
pub fn fit_statistics(
    flow: &Flow,
    energy: &dyn Energy,
    n: usize,
    seed: u64,
    device: &Device,
) -> FitStatistics {
    const CHUNK: usize = 65_536;
    let mut values: Vec<f64> = Vec::with_capacity(n);
    for (index, start) in (0..n).step_by(CHUNK).enumerate() {
        let count = CHUNK.min(n - start);
        let (x, log_q) = flow.sample_with_log_prob(count, mix(seed, index as u64), device);
        let a = log_q + energy.energy(x);
        values.extend(a.into_data().iter::<f32>().map(f64::from));
    }
    let count = values.len().max(1) as f64;
    let loss = values.iter().sum::<f64>() / count;
    let variance = values.iter().map(|v| (v - loss).powi(2)).sum::<f64>() / (count - 1.0).max(1.0);
    // log w = −(log q + U); normalised by its largest value before exponentiating.
    let largest = values.iter().map(|v| -v).fold(f64::NEG_INFINITY, f64::max);
    let (sum, sum_sq) = values.iter().fold((0.0, 0.0), |(s, s2), v| {
        let w = (-v - largest).exp();
        (s + w, s2 + w * w)
    });
    FitStatistics {
        loss,
        loss_stderr: (variance / count).sqrt(),
        ess: sum * sum / (count * sum_sq),
    }
}
