//! `flow-train fit`: the flags of variational inference on one of the paper's energies.

use clap::{Args, ValueEnum};
use flow_model::{BaseKind, PaperEnergy};

use crate::cli::{ModelFlags, RunFlags};
use crate::error::FlowError;
use crate::train::config::{MAX_POINTS, TrainingConfig, fit_preset};
use crate::train::data::DataSource;
use crate::train::fit::Annealing;

/// `--base` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaseArg {
    /// N(0, I).
    StandardNormal,
    /// A diagonal Gaussian with a learned mean and scale (as the paper does).
    DiagonalGaussian,
    /// A diagonal Gaussian whose mean and log-scale are an MLP of the context (conditional
    /// flows only).
    ConditionalGaussian,
}

impl From<BaseArg> for BaseKind {
    fn from(value: BaseArg) -> Self {
        match value {
            BaseArg::StandardNormal => BaseKind::StandardNormal,
            BaseArg::DiagonalGaussian => BaseKind::DiagonalGaussian,
            BaseArg::ConditionalGaussian => BaseKind::ConditionalGaussian,
        }
    }
}

/// Options of `flow-train fit`; each given flag overrides the preset.
#[derive(Debug, Clone, Args)]
// `-5` is a bad value for its flag, not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct FitArgs {
    /// The target exp(−U): one of the four energies of Rezende & Mohamed (2015), u2–u4 in
    /// the confined form (with (z1⁴ + z2⁴)/8192 added).
    #[arg(long)]
    pub target: PaperEnergy,
    /// The flow (a generator: its transforms map base draws to samples).
    #[command(flatten)]
    pub model: ModelFlags,
    /// The base distribution [default: diagonal-gaussian].
    #[arg(long, value_enum)]
    pub base: Option<BaseArg>,
    /// Base draws per optimizer step [default: 1024].
    #[arg(long)]
    pub samples_per_step: Option<usize>,
    /// Optimizer steps in all [default: 120 000]; sets --max-epochs.
    #[arg(long, conflicts_with = "max_epochs")]
    pub steps: Option<usize>,
    /// Optimizer steps per epoch (one validation and checkpoint decision each) [default: 500].
    #[arg(long)]
    pub steps_per_epoch: Option<usize>,
    /// The energy's weight rises as min(1, 0.01 + t/N) over the first N steps; 0 switches the
    /// annealing off [default: 10 000].
    #[arg(long)]
    pub anneal_steps: Option<usize>,
    /// Fixed base draws on which every epoch is validated (the unannealed loss) [default: 8192].
    #[arg(long)]
    pub valid_samples: Option<usize>,
    /// Fresh samples of the best model on which the final KL is estimated [default: 100 000].
    #[arg(long)]
    pub eval_samples: Option<usize>,
    /// Optimisation, length, seed, directory, backend.
    #[command(flatten)]
    pub run: RunFlags,
}

impl FitArgs {
    /// The preset for `--target` and `--flow` with every given flag applied.
    pub fn config(&self) -> Result<TrainingConfig, FlowError> {
        self.applied_to(fit_preset(self.target, self.model.kind())?)
    }

    /// The configuration of a resumed run, whose `config.json` held `recorded`: the given
    /// flags applied to it must leave it unchanged.
    pub fn resumed_config(&self, recorded: TrainingConfig) -> Result<TrainingConfig, FlowError> {
        if !recorded.is_fit() {
            return Err(FlowError::invalid(
                "--resume",
                "the run in --artifact-dir trained on data, not on an energy; resume it with \
                 `flow-train train --resume`",
            ));
        }
        let given = self.applied_to(recorded.clone())?;
        crate::cli::run_flags::resumed(recorded, &given)
    }

    /// `base` with every given flag applied, validated.
    fn applied_to(&self, base: TrainingConfig) -> Result<TrainingConfig, FlowError> {
        for (flag, given) in [
            ("--samples-per-step", self.samples_per_step),
            ("--steps", self.steps),
            ("--steps-per-epoch", self.steps_per_epoch),
            ("--valid-samples", self.valid_samples),
            ("--eval-samples", self.eval_samples),
        ] {
            if given == Some(0) {
                return Err(FlowError::invalid(flag, "must be at least 1"));
            }
            if let Some(value) = given.filter(|&v| v > MAX_POINTS) {
                return Err(FlowError::invalid(
                    flag,
                    format!("must be at most {MAX_POINTS}, got {value}"),
                ));
            }
        }
        let mut config = base;
        config.model = self.model.applied_to(config.model)?;
        if let Some(base) = self.base {
            config.base = base.into();
        }
        let steps_per_epoch = self
            .steps_per_epoch
            .unwrap_or(config.n_train / config.batch_size.max(1));
        config.batch_size = self.samples_per_step.unwrap_or(config.batch_size);
        config.n_train = steps_per_epoch * config.batch_size;
        if let Some(steps) = self.steps {
            config.max_epochs = steps.div_ceil(steps_per_epoch);
        }
        if let DataSource::Energy { target, annealing } = &mut config.data {
            *target = self.target;
            if let Some(steps) = self.anneal_steps {
                *annealing = (steps > 0).then_some(Annealing { start: 0.01, steps });
            }
        }
        if let Some(n) = self.valid_samples {
            config.n_valid = n;
        }
        if let Some(n) = self.eval_samples {
            config.n_test = n;
        }
        self.run.apply(&mut config)?;
        config.validate()?;
        Ok(config)
    }
}
