//! The flags of a training run shared by `train` and `fit`: optimisation, length, seed,
//! directory, backend, and resuming.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::backend::Placement;
use crate::cli::DeviceArg;
use crate::error::FlowError;
use crate::train::config::{Preset, TrainingConfig};
use crate::train::schedule::LrSchedule;

/// The learning-rate schedules selectable on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScheduleArg {
    /// A constant learning rate.
    Constant,
    /// Square-root polynomial decay (the blog's schedule): the preset's, or to a tenth of
    /// the rate over the whole run.
    SqrtDecay,
    /// Cosine decay over the whole run, to the preset's final rate (or a tenth of the rate).
    Cosine,
}

/// `--preset` values (clap's mirror of [`Preset`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// The family's tuned preset (planar: test NLL about 3.58 in under half a minute on a
    /// 2-core CPU).
    #[default]
    Default,
    /// The reference blog experiment (2000 points, 8 planar layers), with the correct û.
    Seed,
    /// Neural posterior estimation on simulations (θ, x), x the context (`--data sims.csv
    /// --context-columns x1-xM`): what `flow-train npe` trains [flow: nsf-ar].
    Npe,
}

impl From<PresetArg> for Preset {
    fn from(value: PresetArg) -> Self {
        match value {
            PresetArg::Default => Preset::Default,
            PresetArg::Seed => Preset::Seed,
            PresetArg::Npe => Preset::Npe,
        }
    }
}

/// Flags of every training run; each given flag overrides the preset.
#[derive(Debug, Clone, Default, Args)]
pub struct RunFlags {
    /// Continue the interrupted run in `--artifact-dir` from its last checkpoint (model,
    /// optimizer, schedule and epoch); other flags, if given, must match its config.json.
    #[arg(long, requires = "artifact_dir")]
    pub resume: bool,
    /// Initial learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Learning-rate schedule.
    #[arg(long, value_enum)]
    pub schedule: Option<ScheduleArg>,
    /// Upper bound on the number of epochs.
    #[arg(long)]
    pub max_epochs: Option<usize>,
    /// Epochs without a better validation value before stopping.
    #[arg(long)]
    pub patience: Option<usize>,
    /// Seed of everything random: data, splits, shuffling, base draws, initial weights.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where to write the model, metrics and plots [default: artifacts/NAME, NAME the data set, file or target].
    #[arg(long)]
    pub artifact_dir: Option<PathBuf>,
    /// Save a density snapshot every this many epochs (0: none).
    #[arg(long)]
    pub plot_every: Option<usize>,
    /// The compute backend.
    #[command(flatten)]
    pub device: DeviceArg,
    /// Train on several devices, each taking a share of every batch (Burn's multi-device
    /// strategy: one optimizer step on the first device with the devices' gradients
    /// combined), e.g. `wgpu:0,wgpu:1`; a device may repeat (`flex,flex`: two workers on one
    /// device). Instead of `--device`: the two are refused together.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "D1,D2,...",
        conflicts_with = "name"
    )]
    pub devices: Option<Vec<String>>,
    /// How several devices train: `multi-device` (Burn's `MultiDevice`: any backend), or
    /// `ddp` (Burn's distributed data parallel: needs collectives, which only CUDA builds have).
    #[arg(long, value_enum, default_value_t = StrategyArg::MultiDevice)]
    pub strategy: StrategyArg,
}

/// `--strategy` values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Burn's multi-device strategy.
    #[default]
    MultiDevice,
    /// Burn's distributed data parallel.
    Ddp,
}

impl RunFlags {
    /// Applies the given flags to `config` (not validated).
    pub fn apply(&self, config: &mut TrainingConfig) -> Result<(), FlowError> {
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        if let Some(schedule) = self.schedule {
            config.schedule = match (schedule, config.schedule) {
                (ScheduleArg::Constant, s) => LrSchedule::Constant { lr: s.initial() },
                (ScheduleArg::SqrtDecay, s @ LrSchedule::Polynomial { .. }) => s,
                (ScheduleArg::SqrtDecay, s) => LrSchedule::Polynomial {
                    initial: s.initial(),
                    final_lr: s.final_rate(),
                    steps: None,
                    power: 0.5,
                },
                (ScheduleArg::Cosine, s @ LrSchedule::Cosine { .. }) => s,
                (ScheduleArg::Cosine, s) => LrSchedule::Cosine {
                    initial: s.initial(),
                    final_lr: s.final_rate(),
                    steps: None,
                },
            };
        }
        if let Some(lr) = self.lr {
            if !(lr.is_finite() && lr > 0.0) {
                return Err(FlowError::invalid(
                    "--lr",
                    format!("must be finite and > 0, got {lr}"),
                ));
            }
            config.schedule = config.schedule.with_initial(lr);
        }
        for (given, field) in [
            (self.max_epochs, &mut config.max_epochs),
            (self.patience, &mut config.patience),
            (self.plot_every, &mut config.plot_every),
        ] {
            if let Some(value) = given {
                *field = value;
            }
        }
        Ok(())
    }

    /// The devices to train on: `--devices`, else the one of `--device` (or the default).
    pub fn placement(&self) -> Result<Placement, FlowError> {
        if self.strategy == StrategyArg::Ddp {
            return Err(FlowError::invalid(
                "--strategy",
                "ddp needs a backend with collective operations (Burn implements them for \
                 CUDA only), and this build has none; use --strategy multi-device",
            ));
        }
        match &self.devices {
            Some(names) => Placement::open(names, "--devices"),
            None => Placement::open(&[self.device.backend()], "--device"),
        }
    }

    /// The artifact directory: the flag, or `artifacts/<name of what the run fits>`.
    pub fn artifact_dir(&self, config: &TrainingConfig) -> PathBuf {
        self.artifact_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("artifacts").join(config.data.name()))
    }
}

/// The configuration of a resumed run whose `config.json` held `recorded`, given the
/// configuration the flags describe: they must agree.
pub fn resumed(
    recorded: TrainingConfig,
    given: &TrainingConfig,
) -> Result<TrainingConfig, FlowError> {
    let differences = recorded.differences(given);
    if differences.is_empty() {
        Ok(recorded)
    } else {
        Err(FlowError::invalid(
            "--resume",
            format!(
                "the flags given differ from the recorded config.json (recorded → given: {}); \
                 resume without them, or train afresh in another --artifact-dir",
                differences.join(", ")
            ),
        ))
    }
}
