//! Learning-rate schedules.

use burn::lr_scheduler::{LrScheduler, LrSchedulerRecord};
use burn::optim::LearningRate;
use serde::{Deserialize, Serialize};

/// How the learning rate evolves over optimizer steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LrSchedule {
    /// The same rate at every step.
    Constant {
        /// The learning rate.
        lr: f64,
    },
    /// `lr(s) = (initial − final) · (1 − min(s, steps)/steps)^power + final`, the polynomial
    /// decay of TensorFlow; `power = 0.5` is the square-root decay of the reference experiment.
    Polynomial {
        /// The rate at step 0.
        initial: f64,
        /// The rate from `steps` on.
        final_lr: f64,
        /// The number of steps the decay lasts; `None`: the whole run (`max_epochs` epochs).
        steps: Option<usize>,
        /// The exponent of the decay.
        power: f64,
    },
    /// `lr(s) = final + (initial − final) · ½(1 + cos(π · min(s, steps)/steps))`.
    Cosine {
        /// The rate at step 0.
        initial: f64,
        /// The rate from `steps` on.
        final_lr: f64,
        /// The number of steps the decay lasts; `None`: the whole run (`max_epochs` epochs).
        steps: Option<usize>,
    },
}

impl LrSchedule {
    /// The initial learning rate.
    pub fn initial(&self) -> f64 {
        match *self {
            Self::Constant { lr } => lr,
            Self::Polynomial { initial, .. } | Self::Cosine { initial, .. } => initial,
        }
    }

    /// The final learning rate of a decay (a tenth of the rate when constant).
    pub fn final_rate(&self) -> f64 {
        match *self {
            Self::Constant { lr } => lr / 10.0,
            Self::Polynomial { final_lr, .. } | Self::Cosine { final_lr, .. } => final_lr,
        }
    }

    /// The same schedule starting at another initial rate; a decay keeps its ratio.
    pub fn with_initial(self, lr: f64) -> Self {
        match self {
            Self::Constant { .. } => Self::Constant { lr },
            Self::Polynomial {
                initial,
                final_lr,
                steps,
                power,
            } => Self::Polynomial {
                initial: lr,
                final_lr: final_lr * lr / initial,
                steps,
                power,
            },
            Self::Cosine {
                initial,
                final_lr,
                steps,
            } => Self::Cosine {
                initial: lr,
                final_lr: final_lr * lr / initial,
                steps,
            },
        }
    }

    /// This schedule with a decay of unspecified length fixed to `total_steps`.
    pub fn resolved(self, total_steps: usize) -> Self {
        match self {
            Self::Polynomial {
                initial,
                final_lr,
                steps: None,
                power,
            } => Self::Polynomial {
                initial,
                final_lr,
                steps: Some(total_steps.max(1)),
                power,
            },
            Self::Cosine {
                initial,
                final_lr,
                steps: None,
            } => Self::Cosine {
                initial,
                final_lr,
                steps: Some(total_steps.max(1)),
            },
            other => other,
        }
    }

    /// The rate at optimizer step `step` (0-based); a decay of unspecified length is taken
    /// as already over.
    pub fn rate_at(&self, step: usize) -> f64 {
        match *self {
            Self::Constant { lr } => lr,
            Self::Polynomial {
                initial,
                final_lr,
                steps,
                power,
            } => {
                let steps = steps.unwrap_or(0).max(1);
                let progress = step.min(steps) as f64 / steps as f64;
                (initial - final_lr) * (1.0 - progress).powf(power) + final_lr
            }
            Self::Cosine {
                initial,
                final_lr,
                steps,
            } => {
                let steps = steps.unwrap_or(0).max(1);
                let progress = step.min(steps) as f64 / steps as f64;
                final_lr
                    + (initial - final_lr) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        }
    }

    /// A description of what is wrong, if anything.
    pub fn check(&self) -> Result<(), String> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be finite and > 0, got {v}"))
            }
        };
        match *self {
            Self::Constant { lr } => positive("learning rate", lr),
            Self::Polynomial {
                initial,
                final_lr,
                steps,
                power,
            } => {
                positive("learning rate", initial)?;
                positive("final learning rate", final_lr)?;
                positive("decay power", power)?;
                if steps == Some(0) {
                    return Err("decay steps must be at least 1".into());
                }
                Ok(())
            }
            Self::Cosine {
                initial,
                final_lr,
                steps,
            } => {
                positive("learning rate", initial)?;
                positive("final learning rate", final_lr)?;
                if steps == Some(0) {
                    return Err("decay steps must be at least 1".into());
                }
                Ok(())
            }
        }
    }
}

/// An [`LrScheduler`] that follows an [`LrSchedule`], counting its own steps.
#[derive(Debug, Clone)]
pub struct ScheduledLr {
    schedule: LrSchedule,
    step: usize,
}

impl ScheduledLr {
    /// A scheduler at step 0.
    pub fn new(schedule: LrSchedule) -> Self {
        Self { schedule, step: 0 }
    }
}

const STEP_KEY: &str = "step";

impl LrScheduler for ScheduledLr {
    fn step(&mut self) -> LearningRate {
        let lr = self.schedule.rate_at(self.step);
        self.step += 1;
        lr
    }

    fn to_record(&self) -> LrSchedulerRecord {
        LrSchedulerRecord::new().with_scalar(STEP_KEY, self.step as u64)
    }

    fn load_record(&mut self, record: LrSchedulerRecord) {
        if let Some(step) = record.scalar::<u64>(STEP_KEY) {
            self.step = step as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomial_decay_matches_its_formula() {
        let schedule = LrSchedule::Polynomial {
            initial: 1e-3,
            final_lr: 1e-4,
            steps: Some(100),
            power: 0.5,
        };
        assert_eq!(schedule.rate_at(0), 1e-3);
        let quarter = (1e-3 - 1e-4) * 0.75f64.sqrt() + 1e-4;
        assert!((schedule.rate_at(25) - quarter).abs() < 1e-15);
        assert!((schedule.rate_at(100) - 1e-4).abs() < 1e-18);
        assert!((schedule.rate_at(10_000) - 1e-4).abs() < 1e-18);
    }

    #[test]
    fn cosine_decay_matches_its_formula() {
        let schedule = LrSchedule::Cosine {
            initial: 1e-3,
            final_lr: 1e-4,
            steps: Some(100),
        };
        assert_eq!(schedule.rate_at(0), 1e-3);
        assert!((schedule.rate_at(50) - 5.5e-4).abs() < 1e-15);
        let quarter = 1e-4 + 9e-4 * 0.5 * (1.0 + (std::f64::consts::PI / 4.0).cos());
        assert!((schedule.rate_at(25) - quarter).abs() < 1e-15);
        assert!((schedule.rate_at(100) - 1e-4).abs() < 1e-18);
        assert!((schedule.rate_at(1000) - 1e-4).abs() < 1e-18);
    }

    #[test]
    fn scheduler_counts_steps_and_restores_them() {
        let schedule = LrSchedule::Polynomial {
            initial: 1.0,
            final_lr: 0.5,
            steps: None,
            power: 1.0,
        }
        .resolved(4);
        assert_eq!(
            schedule,
            LrSchedule::Polynomial {
                initial: 1.0,
                final_lr: 0.5,
                steps: Some(4),
                power: 1.0
            }
        );
        let mut scheduler = ScheduledLr::new(schedule);
        let rates: Vec<f64> = (0..5).map(|_| scheduler.step()).collect();
        assert_eq!(rates, vec![1.0, 0.875, 0.75, 0.625, 0.5]);

        let mut restored = ScheduledLr::new(schedule);
        restored.load_record(scheduler.to_record());
        assert_eq!(restored.step(), 0.5);
    }
}
