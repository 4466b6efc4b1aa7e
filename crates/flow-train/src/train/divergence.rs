//! When a run has diverged. The rule is a pure function of the per-epoch history (the train
//! and validation values of `metrics.csv`) and of the validation value of the untrained model,
//! so that it can be tested on its own and replayed over the metrics of finished runs.
//!
//! A run has diverged at epoch `t` when
//!
//! 1. **non-finite**: the train or the validation value of `t` is NaN or infinite; or
//! 2. **exploded**: the validation value `v_t` exceeds the reference `r_t` (the lowest of the
//!    untrained model's value `s` and the validation values before `t`) by more than
//!    [`EXPLOSION_FACTOR`] times the larger of the progress made, `s − r_t`, and one nat per
//!    dimension: `v_t − r_t > 100 · max(s − r_t, D)`; this is checked after every epoch and
//!    stops the run at once; or
//! 3. **no progress**: the run ended (its epochs ran out, or its patience) and no epoch's
//!    validation value was below `s`: the model it saved is worse than the one it started from.
//!    For variational inference this is judged only once the annealing is over (the
//!    unannealed validation loss rises while the energy's weight is still small).
//!
//! The rule compares differences of values, never values with zero: the NLL of data in their
//! own units, or the loss `E_q[log q + U] = KL − log Z` of variational inference, can have
//! either sign, but a difference of NLLs does not depend on the data's units, and one of the
//! losses is a difference of KLs. A normal run moves by a few nats per dimension at most
//! between epochs (the variational losses rise by a few nats while annealing); an exploding
//! one moves by thousands to billions.

use burn::data::dataloader::DataLoader;
use burn::train::InferenceStep;
use serde::{Deserialize, Serialize};

use crate::error::FlowError;
use crate::train::config::TrainingConfig;
use crate::train::data::DataSource;
use crate::train::epoch::EpochRecord;
use crate::train::model::NllOutput;

/// How far above its reference a validation value may rise, in units of the larger of the
/// progress made and one nat per dimension, before the run counts as exploded.
pub const EXPLOSION_FACTOR: f64 = 100.0;

/// Which part of the rule a diverged run broke.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// A train or validation value became NaN or infinite.
    #[default]
    NonFinite,
    /// The validation value rose far above the best one before it (or the untrained model's).
    Exploded,
    /// The run ended without an epoch better than the untrained model.
    NoProgress,
}

/// What a run's history is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    /// The validation value of the untrained model, when known and finite.
    pub start: Option<f64>,
    /// The data dimension: one nat per dimension is the smallest scale of a change that counts.
    pub dim: usize,
    /// The first epoch whose validation value measures the final objective: 1, or for
    /// variational inference the first epoch after the annealing.
    pub settled_from: usize,
}

/// The epoch at which, and the reason why, a run diverged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// The epoch.
    pub epoch: usize,
    /// The part of the rule it broke.
    pub cause: Cause,
    /// The value that broke it: the exploded validation value, or the best one of a run
    /// without progress (none for a non-finite value).
    pub value: Option<f64>,
}

impl Baseline {
    /// The baseline of a run of `config` whose untrained model scored `start` on the
    /// validation split (a non-finite `start` counts as unknown).
    pub fn new(config: &TrainingConfig, start: Option<f64>) -> Self {
        Self {
            start: start.filter(|s| s.is_finite()),
            dim: config.dim.max(1),
            settled_from: settled_from(config),
        }
    }

    /// The threshold of an explosion above the reference `reference`.
    fn explosion_margin(&self, reference: f64) -> f64 {
        let progress = self.start.map_or(0.0, |s| (s - reference).max(0.0));
        EXPLOSION_FACTOR * progress.max(self.dim as f64)
    }
}

/// The first epoch whose validation follows the end of the annealing of a variational
/// inference run of `config` (1 for every other run): the energy's weight reaches 1 after
/// `steps · (1 − start)` optimizer steps.
pub fn settled_from(config: &TrainingConfig) -> usize {
    match config.data {
        DataSource::Energy {
            annealing: Some(annealing),
            ..
        } => {
            let steps_per_epoch = config.n_train.div_ceil(config.batch_size.max(1)).max(1);
            let annealed = (annealing.steps as f64 * (1.0 - annealing.start).max(0.0)).ceil();
            (annealed as usize).div_ceil(steps_per_epoch) + 1
        }
        _ => 1,
    }
}

/// The verdict on the epoch `row`, given the lowest finite validation value of the epochs
/// before it (`None` for the first): rules 1 and 2.
pub fn epoch_verdict(
    row: &EpochRecord,
    best_before: Option<f64>,
    baseline: &Baseline,
) -> Option<Verdict> {
    if !(row.train_nll.is_finite() && row.valid_nll.is_finite()) {
        return Some(Verdict {
            epoch: row.epoch,
            cause: Cause::NonFinite,
            value: None,
        });
    }
    let reference = match (baseline.start, best_before) {
        (Some(start), Some(best)) => start.min(best),
        (Some(start), None) => start,
        (None, Some(best)) => best,
        (None, None) => return None,
    };
    (row.valid_nll - reference > baseline.explosion_margin(reference)).then_some(Verdict {
        epoch: row.epoch,
        cause: Cause::Exploded,
        value: Some(row.valid_nll),
    })
}

/// The verdict on a run that ended after `history` without breaking rules 1 and 2: rule 3.
/// Its epoch is the run's first, from which on no epoch did better than the untrained model.
pub fn end_verdict(history: &[EpochRecord], baseline: &Baseline) -> Option<Verdict> {
    let start = baseline.start?;
    let (first, last) = (history.first()?, history.last()?);
    if last.epoch < baseline.settled_from {
        return None;
    }
    let best = history
        .iter()
        .map(|row| row.valid_nll)
        .fold(f64::INFINITY, f64::min);
    (best > start).then_some(Verdict {
        epoch: first.epoch,
        cause: Cause::NoProgress,
        value: Some(best),
    })
}

/// The whole rule over the history of a finished run: the first epoch that breaks rule 1 or
/// 2, else rule 3.
pub fn assess(history: &[EpochRecord], baseline: &Baseline) -> Option<Verdict> {
    let mut best: Option<f64> = None;
    for row in history {
        if let Some(verdict) = epoch_verdict(row, best, baseline) {
            return Some(verdict);
        }
        best = Some(best.map_or(row.valid_nll, |b| b.min(row.valid_nll)));
    }
    end_verdict(history, baseline)
}

/// How close a history came to each rule: the largest ratio of a validation value's rise over
/// its reference to the explosion margin (rule 2 fires above 1), and how far the best value
/// stayed below the untrained model's (rule 3 fires below 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Closeness {
    /// `max_t (v_t − r_t) / margin_t` over the epochs after the first reference.
    pub explosion_ratio: f64,
    /// The epoch of that largest ratio.
    pub explosion_epoch: usize,
    /// `s − min_t v_t`, when `s` is known.
    pub progress: Option<f64>,
}

/// [`Closeness`] of a history to the rule.
pub fn closeness(history: &[EpochRecord], baseline: &Baseline) -> Closeness {
    let mut best: Option<f64> = None;
    let mut out = Closeness {
        explosion_ratio: f64::NEG_INFINITY,
        explosion_epoch: 0,
        progress: None,
    };
    for row in history {
        let reference = match (baseline.start, best) {
            (Some(s), Some(b)) => Some(s.min(b)),
            (s, b) => s.or(b),
        };
        if let Some(reference) = reference {
            let ratio = (row.valid_nll - reference) / baseline.explosion_margin(reference);
            if ratio > out.explosion_ratio {
                (out.explosion_ratio, out.explosion_epoch) = (ratio, row.epoch);
            }
        }
        best = Some(best.map_or(row.valid_nll, |b| b.min(row.valid_nll)));
    }
    out.progress = baseline.start.zip(best).map(|(s, b)| s - b);
    out
}

/// The mean of the per-point (or per-sample) validation values of `model` over the batches
/// of `valid`, weighted by batch size as the Learner's loss metric weighs them.
pub fn mean_valid_loss<M>(
    model: &M,
    valid: &dyn DataLoader<<M as InferenceStep>::Input>,
) -> Result<f64, FlowError>
where
    M: InferenceStep<Output = NllOutput>,
{
    let (mut sum, mut count) = (0.0f64, 0usize);
    for batch in valid.iter() {
        let batch = batch.map_err(|e| FlowError::Training(e.to_string()))?;
        let values = InferenceStep::step(model, batch).nll.into_data();
        for value in values.iter::<f32>() {
            sum += f64::from(value);
            count += 1;
        }
    }
    Ok(sum / count.max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(values: &[(f64, f64)]) -> Vec<EpochRecord> {
        values
            .iter()
            .enumerate()
            .map(|(i, &(train_nll, valid_nll))| EpochRecord {
                epoch: i + 1,
                train_nll,
                valid_nll,
                seconds: i as f64,
            })
            .collect()
    }

    fn valid_only(values: &[f64]) -> Vec<EpochRecord> {
        rows(&values.iter().map(|&v| (v, v)).collect::<Vec<_>>())
    }

    fn baseline(start: f64, dim: usize) -> Baseline {
        Baseline {
            start: Some(start),
            dim,
            settled_from: 1,
        }
    }

    fn cause(history: &[EpochRecord], baseline: &Baseline) -> Option<(usize, Cause)> {
        assess(history, baseline).map(|v| (v.epoch, v.cause))
    }

    #[test]
    fn a_normal_density_run_never_diverges() {
        // The seed preset's shape: 5.9 untrained, 4.9 after the first epoch, noisy descent
        // to 3.8, a validation bump of half a nat.
        let history = valid_only(&[4.9, 4.5, 4.2, 4.4, 4.0, 3.9, 4.4, 3.85, 3.8, 3.82]);
        assert_eq!(assess(&history, &baseline(5.9, 2)), None);
        let near = closeness(&history, &baseline(5.9, 2));
        assert!(near.explosion_ratio < 0.01, "{near:?}");
        assert!((near.progress.unwrap() - 2.1).abs() < 1e-12);
    }

    #[test]
    fn values_of_any_sign_and_units_are_judged_alike() {
        // The same run in other units: every NLL shifted by D·ln(scale), here −60 nats.
        let shifted: Vec<f64> = [4.9, 4.5, 4.2, 4.4, 4.0, 3.9]
            .iter()
            .map(|v| v - 60.0)
            .collect();
        assert_eq!(
            assess(&valid_only(&shifted), &baseline(5.9 - 60.0, 2)),
            None
        );
        // A variational loss below zero that rises by 3 nats while annealing, then settles.
        let fit = valid_only(&[0.8, 0.03, 2.4, 1.7, 0.5, -0.3, -0.9]);
        let annealed = Baseline {
            start: Some(6.0),
            dim: 2,
            settled_from: 5,
        };
        assert_eq!(assess(&fit, &annealed), None);
    }

    #[test]
    fn non_finite_values_diverge_at_their_epoch() {
        let history = rows(&[(5.0, 4.8), (4.7, 4.6), (f64::NAN, 4.5), (4.0, 3.9)]);
        assert_eq!(
            cause(&history, &baseline(6.0, 2)),
            Some((3, Cause::NonFinite))
        );
        let history = rows(&[(5.0, 4.8), (4.7, f64::INFINITY)]);
        assert_eq!(
            cause(&history, &baseline(6.0, 2)),
            Some((2, Cause::NonFinite))
        );
        // Without a known start too.
        let unknown = Baseline {
            start: None,
            dim: 2,
            settled_from: 1,
        };
        assert_eq!(
            cause(&rows(&[(f64::NEG_INFINITY, 1.0)]), &unknown),
            Some((1, Cause::NonFinite))
        );
    }

    #[test]
    fn an_explosion_that_stays_finite_diverges_at_once() {
        // The report of `--lr 1e6`: the first epoch is already at 1e13.
        let history = valid_only(&[1.1e13, 1.3e13, 7.4e8]);
        let verdict = assess(&history, &baseline(5.9, 2)).unwrap();
        assert_eq!((verdict.epoch, verdict.cause), (1, Cause::Exploded));
        assert_eq!(verdict.value, Some(1.1e13));
        // After progress: from 3.8 (2.1 nats below the start) the margin is 100 · 2.1 = 210.
        let history = valid_only(&[4.9, 3.8, 200.0, 213.0]);
        assert_eq!(assess(&history, &baseline(5.9, 2)), None);
        let history = valid_only(&[4.9, 3.8, 200.0, 214.5]);
        assert_eq!(
            cause(&history, &baseline(5.9, 2)),
            Some((4, Cause::Exploded))
        );
        // From 3.0 (2.9 below the start) the margin is 290.
        let history = valid_only(&[4.9, 3.0, 289.0]);
        assert_eq!(assess(&history, &baseline(5.9, 2)), None);
        let history = valid_only(&[4.9, 3.0, 293.5]);
        assert_eq!(
            cause(&history, &baseline(5.9, 2)),
            Some((3, Cause::Exploded))
        );
        // One nat per dimension is the smallest scale: 64 dimensions allow a rise of 6400.
        let history = valid_only(&[-90.0, -95.0, 6000.0]);
        assert_eq!(assess(&history, &baseline(-80.0, 64)), None);
        let history = valid_only(&[-90.0, -95.0, 6400.0]);
        assert_eq!(
            cause(&history, &baseline(-80.0, 64)),
            Some((3, Cause::Exploded))
        );
    }

    #[test]
    fn the_margin_grows_with_the_progress_made() {
        // Unstandardised data far from the origin start at huge NLLs: a rise of a million
        // after a progress of a million nats is not an explosion.
        let history = valid_only(&[5.0e5, 20.0, 10.0, 1.0e6]);
        assert_eq!(assess(&history, &baseline(1.0e6, 2)), None);
        let history = valid_only(&[5.0e5, 20.0, 10.0, 1.0e9]);
        assert_eq!(
            cause(&history, &baseline(1.0e6, 2)),
            Some((4, Cause::Exploded))
        );
    }

    #[test]
    fn a_run_never_better_than_its_start_diverged() {
        // Worse than the untrained model from the first epoch to the last.
        let history = valid_only(&[9.6, 8.0, 7.8, 7.9]);
        let verdict = assess(&history, &baseline(5.9, 2)).unwrap();
        assert_eq!(verdict.cause, Cause::NoProgress);
        assert_eq!(verdict.epoch, 1);
        assert_eq!(verdict.value, Some(7.8));
        // One epoch below the start is enough.
        let history = valid_only(&[9.6, 5.8, 7.8, 7.9]);
        assert_eq!(assess(&history, &baseline(5.9, 2)), None);
        // Equal is not worse (a learning rate too small to change anything).
        assert_eq!(assess(&valid_only(&[5.9]), &baseline(5.9, 2)), None);
        // Unknown start: rule 3 cannot apply.
        let unknown = Baseline {
            start: None,
            dim: 2,
            settled_from: 1,
        };
        assert_eq!(assess(&valid_only(&[9.6, 8.0]), &unknown), None);
    }

    #[test]
    fn a_fit_is_judged_for_progress_only_after_its_annealing() {
        let annealed = Baseline {
            start: Some(2.7),
            dim: 2,
            settled_from: 21,
        };
        // Twenty epochs of annealing above the start: the run is not over yet.
        let history = valid_only(&[6.0; 20]);
        assert_eq!(assess(&history, &annealed), None);
        let mut history = valid_only(&[6.0; 21]);
        assert_eq!(cause(&history, &annealed), Some((1, Cause::NoProgress)));
        history[20].valid_nll = -1.5;
        assert_eq!(assess(&history, &annealed), None);
    }

    #[test]
    fn the_annealing_end_is_found_from_the_config() {
        use crate::cli::FitArgs;
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            fit: FitArgs,
        }
        let config = |args: &[&str]| {
            let mut all = vec!["fit", "--target", "u1"];
            all.extend_from_slice(args);
            Wrapper::parse_from(all).fit.config().unwrap()
        };
        // 10 000 steps of annealing from 0.01 in epochs of 500: β = 1 after step 9900.
        assert_eq!(settled_from(&config(&[])), 21);
        assert_eq!(settled_from(&config(&["--anneal-steps", "0"])), 1);
        assert_eq!(
            settled_from(&config(&[
                "--anneal-steps",
                "100",
                "--steps-per-epoch",
                "10"
            ])),
            11
        );
        let density = crate::train::config::Preset::Seed
            .config(crate::train::config::FlowKind::Planar)
            .unwrap();
        assert_eq!(settled_from(&density), 1);
    }
}
