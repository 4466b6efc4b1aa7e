//! The training configuration, its presets and its checks.

use burn::config::Config;
use flow_data::DatasetKind;
use flow_model::PlanarFlowConfig;

use crate::error::FlowError;
use crate::schedule::LrSchedule;

/// Everything needed to rebuild the data, the model and the training run; saved as
/// `config.json` in the artifact directory.
#[derive(Config, Debug, PartialEq)]
pub struct TrainingConfig {
    /// The flow's architecture and initialisation.
    pub model: PlanarFlowConfig,
    /// The data set.
    pub dataset: DatasetKind,
    /// Points in the training split.
    pub n_train: usize,
    /// Points in the validation split.
    pub n_valid: usize,
    /// Points in the test split.
    pub n_test: usize,
    /// Seed of the data, the split, the shuffling and the initial weights.
    pub seed: u64,
    /// Points per optimizer step.
    pub batch_size: usize,
    /// Upper bound on the number of epochs.
    pub max_epochs: usize,
    /// Stop after this many epochs without a better validation NLL.
    pub patience: usize,
    /// The learning rate over optimizer steps.
    pub schedule: LrSchedule,
    /// Adam's ε.
    pub adam_epsilon: f64,
    /// Draw a density snapshot every this many epochs (0: only at the end).
    pub plot_every: usize,
}

/// Named starting points for [`TrainingConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// A good test NLL (about 3.58) in under half a minute on a 2-core CPU.
    Default,
    /// The reference blog experiment, with the paper's correct `û`.
    Seed,
}

impl Preset {
    /// The configuration of this preset.
    pub fn config(self) -> TrainingConfig {
        let dataset = DatasetKind::Checkerboard;
        match self {
            Self::Default => TrainingConfig {
                model: PlanarFlowConfig::new(dataset.dim(), 32).with_seed(0),
                dataset,
                n_train: 65_536,
                n_valid: 8_192,
                n_test: 20_000,
                seed: 0,
                batch_size: 1024,
                max_epochs: 170,
                patience: 30,
                schedule: LrSchedule::Polynomial {
                    initial: 3e-2,
                    final_lr: 1.5e-3,
                    steps: None,
                    power: 0.5,
                },
                adam_epsilon: 1e-7,
                plot_every: 50,
            },
            Self::Seed => TrainingConfig {
                model: PlanarFlowConfig::new(dataset.dim(), 8)
                    .with_init_bound(Some(1.0))
                    .with_seed(0),
                dataset,
                n_train: 1600,
                n_valid: 200,
                n_test: 200,
                seed: 0,
                batch_size: 800,
                max_epochs: 100_000,
                patience: 1000,
                schedule: LrSchedule::Polynomial {
                    initial: 1e-3,
                    final_lr: 1e-4,
                    steps: Some(15_000),
                    power: 0.5,
                },
                adam_epsilon: 1e-7,
                plot_every: 1000,
            },
        }
    }
}

impl TrainingConfig {
    /// Sets the seed of everything random (data, split, shuffling, initial weights).
    pub fn seeded(mut self, seed: u64) -> Self {
        self.seed = seed;
        self.model.seed = seed;
        self
    }

    /// Checks every field against its allowed range, naming the flag at fault.
    pub fn validate(&self) -> Result<(), FlowError> {
        let at_least_one = |flag: &'static str, value: usize| {
            if value == 0 {
                Err(FlowError::invalid(flag, "must be at least 1"))
            } else {
                Ok(())
            }
        };
        at_least_one("--layers", self.model.layers)?;
        at_least_one("--train-size", self.n_train)?;
        at_least_one("--valid-size", self.n_valid)?;
        at_least_one("--test-size", self.n_test)?;
        at_least_one("--batch-size", self.batch_size)?;
        at_least_one("--max-epochs", self.max_epochs)?;
        at_least_one("--patience", self.patience)?;
        if self.batch_size > self.n_train {
            return Err(FlowError::invalid(
                "--batch-size",
                format!(
                    "{} is larger than the training split ({} points)",
                    self.batch_size, self.n_train
                ),
            ));
        }
        if self.model.dim != self.dataset.dim() {
            return Err(FlowError::invalid(
                "dim",
                format!(
                    "the model has {} dimensions but {} has {}",
                    self.model.dim,
                    self.dataset,
                    self.dataset.dim()
                ),
            ));
        }
        self.schedule
            .check()
            .map_err(|reason| FlowError::invalid("--lr", reason))?;
        if !(self.adam_epsilon.is_finite() && self.adam_epsilon > 0.0) {
            return Err(FlowError::invalid("adam_epsilon", "must be finite and > 0"));
        }
        self.model.validate()?;
        Ok(())
    }
}

impl TrainingConfig {
    /// The fields in which `other` differs from `self`, as `path: ours → theirs` lines
    /// (for instance `model.layers: 8 → 32`).
    pub fn differences(&self, other: &TrainingConfig) -> Vec<String> {
        let mut found = Vec::new();
        match (serde_json::to_value(self), serde_json::to_value(other)) {
            (Ok(ours), Ok(theirs)) => compare_json("", &ours, &theirs, &mut found),
            _ => found.push("the configurations cannot be compared".into()),
        }
        found
    }
}

/// Appends to `found` the leaves in which `a` and `b` differ, with their dotted paths.
fn compare_json(path: &str, a: &serde_json::Value, b: &serde_json::Value, found: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(a_fields), Value::Object(b_fields)) => {
            let keys: std::collections::BTreeSet<&String> =
                a_fields.keys().chain(b_fields.keys()).collect();
            for key in keys {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let missing = Value::Null;
                compare_json(
                    &child,
                    a_fields.get(key).unwrap_or(&missing),
                    b_fields.get(key).unwrap_or(&missing),
                    found,
                );
            }
        }
        _ if a != b => found.push(format!("{path}: {a} → {b}")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_round_trip_through_json() {
        for preset in [Preset::Default, Preset::Seed] {
            let config = preset.config();
            config.validate().unwrap();
            let json = serde_json::to_string(&config).unwrap();
            let back: TrainingConfig = serde_json::from_str(&json).unwrap();
            assert_eq!(back, config);
        }
    }

    #[test]
    fn validation_names_the_flag() {
        let mut config = Preset::Seed.config();
        config.batch_size = config.n_train + 1;
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("--batch-size"), "{message}");

        let mut config = Preset::Seed.config();
        config.schedule = LrSchedule::Constant { lr: f64::NAN };
        assert!(config.validate().unwrap_err().to_string().contains("--lr"));
    }

    #[test]
    fn differences_name_each_changed_field() {
        let recorded = Preset::Seed.config();
        assert!(recorded.differences(&recorded.clone()).is_empty());
        let mut given = recorded.clone();
        given.model.layers = 32;
        given.batch_size = 400;
        let found = recorded.differences(&given);
        assert_eq!(found, ["batch_size: 800 → 400", "model.layers: 8 → 32"]);
    }
}
