//! Truncated sequential neural posterior estimation (TSNPE; Deistler, Goncalves and Macke
//! 2022, "Truncated proposals for scalable and hassle-free simulation-based inference") for
//! one observation `x_o`.
//!
//! Round 1 is ordinary NPE on a share of the budget drawn from the prior. Every later round
//! draws its parameters from the prior truncated to the current posterior's highest-density
//! region of mass `1 − ε` (`log q(θ | x_o)` above its `ε`-quantile under `q`), simulates them,
//! and retrains on all pairs with the ordinary NPE loss: the truncated prior is the prior
//! restricted to a region that holds the posterior, so no correction of the loss is needed.

use std::path::Path;

use burn::tensor::Device;
use flow_data::Points;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

use super::source::SimulationSource;
use crate::artifacts::ArtifactPaths;
use crate::backend::Placement;
use crate::commands::train::run;
use crate::error::FlowError;
use crate::fsutil::write_atomically;
use crate::infer::inference::{TrainedFlow, chunk_seed};
use crate::train::config::TrainingConfig;
use crate::train::run_dir::Start;
use crate::train::summary::RunSummary;

/// The posterior mass left outside the truncation: Deistler et al.'s `ε`.
pub const EPSILON: f64 = 1e-4;
/// Posterior draws that estimate the truncation's threshold, the `ε`-quantile of their
/// `log q(θ | x_o)`.
const THRESHOLD_DRAWS: usize = 50_000;
/// Prior draws screened per pass.
const SCREEN_CHUNK: usize = 20_000;
/// The truncation gives up once it has screened this many prior draws with an acceptance
/// below [`MIN_ACCEPTANCE`].
const DRAWS_BEFORE_VERDICT: usize = 2_000_000;
/// The least acceptance of prior draws into the truncation.
const MIN_ACCEPTANCE: f64 = 1e-4;

/// A sequential run after its first round: what the later rounds need.
pub struct Sequential<'a> {
    /// The simulator and its prior.
    pub source: &'a SimulationSource,
    /// The observation `x_o`.
    pub x_o: &'a [f32],
    /// The simulations of each round, the first's included.
    pub budgets: &'a [usize],
    /// The run's seed.
    pub seed: u64,
    /// The artifact directory.
    pub dir: &'a Path,
    /// The devices of training.
    pub placement: &'a Placement,
}

impl Sequential<'_> {
    /// Rounds 2… after the first (which ended in `first`): each truncates the prior with the
    /// model trained so far, simulates, and trains anew on all pairs (`configure` gives the
    /// run's configuration on the simulations as they stand); `rounds.json` is written after
    /// every round. The last round's summary.
    pub fn run(
        &self,
        first: RunSummary,
        configure: impl Fn() -> Result<TrainingConfig, FlowError>,
    ) -> Result<RunSummary, FlowError> {
        let mut rounds = vec![Round {
            round: 1,
            simulations: self.budgets[0],
            acceptance: 1.0,
            threshold: None,
            valid_nll: first.best_valid_nll,
        }];
        self.record(&rounds)?;
        let mut summary = first;
        for (r, &n) in self.budgets.iter().enumerate().skip(1) {
            // A round that saved no model, or diverged, ends the run.
            summary.outcome(self.dir)?;
            let device = self.placement.main();
            let trained = TrainedFlow::load(self.dir, device)?;
            let seed = chunk_seed(self.seed, r);
            let (theta, acceptance, threshold) =
                truncated_prior(&trained, self.x_o, self.source, n, seed, device)?;
            self.source.simulate_at(&theta, seed, self.dir)?;
            println!(
                "round {}/{}: simulated {n} pairs from the prior truncated to the posterior's \
                 highest-density region (log q ≥ {threshold:.3}; acceptance {acceptance:.4})",
                r + 1,
                self.budgets.len()
            );
            summary = run(&configure()?, self.dir, self.placement, Start::Fresh)?;
            rounds.push(Round {
                round: r + 1,
                simulations: n,
                acceptance,
                threshold: Some(threshold),
                valid_nll: summary.best_valid_nll,
            });
            self.record(&rounds)?;
        }
        Ok(summary)
    }

    /// Writes `rounds.json`: the observation, `ε` and the rounds so far.
    fn record(&self, rounds: &[Round]) -> Result<(), FlowError> {
        let path = ArtifactPaths::new(self.dir).rounds();
        let record = serde_json::json!({
            "method": "tsnpe",
            "epsilon": EPSILON,
            "observation": self.x_o,
            "rounds": rounds,
        });
        let text = serde_json::to_string_pretty(&record).expect("the rounds serialize");
        write_atomically(&path, |temporary| {
            std::fs::write(temporary, text).map_err(|e| FlowError::io(temporary, e))
        })
    }
}

/// What one round did, as `rounds.json` records it.
#[derive(Debug, Clone, Serialize)]
pub struct Round {
    /// The round, from 1.
    pub round: usize,
    /// The simulations made in this round.
    pub simulations: usize,
    /// The share of prior draws that fell in the truncation (1 in round 1).
    pub acceptance: f64,
    /// The truncation's threshold on `log q(θ | x_o)` (none in round 1).
    pub threshold: Option<f64>,
    /// The best validation NLL of the model trained after this round's simulations.
    pub valid_nll: Option<f64>,
}

/// The share of `total` simulations of each of `rounds` rounds: equal, the remainder to the
/// first.
pub fn budgets(total: usize, rounds: usize) -> Vec<usize> {
    let share = total / rounds;
    (0..rounds)
        .map(|r| match r {
            0 => total - share * (rounds - 1),
            _ => share,
        })
        .collect()
}

/// `n` parameters from the prior of `source` truncated to the highest-density region of
/// `trained`'s posterior at `x_o` (seeded by `seed`), with the acceptance of prior draws and
/// the threshold on `log q`.
pub fn truncated_prior(
    trained: &TrainedFlow,
    x_o: &[f32],
    source: &SimulationSource,
    n: usize,
    seed: u64,
    device: &Device,
) -> Result<(Points, f64, f64), FlowError> {
    let threshold = threshold(trained, x_o, seed, device);
    let dim = source.theta_dim();
    let mut rng = StdRng::seed_from_u64(chunk_seed(seed, 1));
    let (mut accepted, mut drawn, mut inside) = (Vec::with_capacity(n * dim), 0usize, 0usize);
    while accepted.len() < n * dim {
        let theta: Vec<f32> = (0..SCREEN_CHUNK)
            .flat_map(|_| source.draw_prior(&mut rng))
            .map(|t| t as f32)
            .collect();
        let rows: Vec<f32> = theta
            .chunks(dim)
            .flat_map(|t| t.iter().chain(x_o).copied())
            .collect();
        let log_q = trained.log_prob(&rows, device);
        drawn += SCREEN_CHUNK;
        for (t, lq) in theta.chunks(dim).zip(log_q) {
            if f64::from(lq) >= threshold {
                inside += 1;
                if accepted.len() < n * dim {
                    accepted.extend_from_slice(t);
                }
            }
        }
        if drawn >= DRAWS_BEFORE_VERDICT && (inside as f64) < MIN_ACCEPTANCE * drawn as f64 {
            return Err(FlowError::Training(format!(
                "the truncated prior accepted {inside} of {drawn} prior draws, below \
                 {MIN_ACCEPTANCE}: the posterior at x_o is far narrower than the prior (use \
                 fewer rounds, or more simulations in the first)"
            )));
        }
    }
    let acceptance = inside as f64 / drawn as f64;
    let theta = Points::new(dim, accepted)
        .map_err(|e| FlowError::Training(format!("the truncated prior's draws: {e}")))?;
    Ok((theta, acceptance, threshold))
}

/// The `ε`-quantile of `log q(θ | x_o)` over draws of `q(θ | x_o)`.
fn threshold(trained: &TrainedFlow, x_o: &[f32], seed: u64, device: &Device) -> f64 {
    let (_, mut log_q) = trained.sample_at_with_log_prob(x_o, THRESHOLD_DRAWS, seed, device);
    log_q.retain(|v| v.is_finite());
    log_q.sort_by(f32::total_cmp);
    let index = ((EPSILON * log_q.len() as f64) as usize).min(log_q.len().saturating_sub(1));
    log_q
        .get(index)
        .map_or(f64::NEG_INFINITY, |&v| f64::from(v))
}
