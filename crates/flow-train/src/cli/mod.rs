//! The command line of `flow-train`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use flow_data::DatasetKind;
use flow_model::FlowFamily;

use crate::backend;
use crate::error::FlowError;
use crate::train::config::{FlowKind, Preset, TrainingConfig, flow_name};
use crate::train::data::{DataSource, FileRequest, inspect_file};
use crate::train::schedule::LrSchedule;

/// Normalizing flows (planar, radial, RealNVP, neural splines): train, evaluate, sample,
/// score, export.
#[derive(Debug, Parser)]
#[command(name = "flow-train", version, about)]
pub struct Cli {
    /// What to do; without a subcommand, `train` runs with the default preset.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
// Parsed once per process: the size of the training flags does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Train a flow with Burn's Learner and write an artifact directory.
    Train(TrainArgs),
    /// Score the recorded test split with the best model.
    Eval(EvalArgs),
    /// Draw the learned density (2-D models) as a heatmap, optionally as CSV too.
    Density(DensityArgs),
    /// Draw exact samples from the model.
    Sample(SampleArgs),
    /// Compute log p(x) for every row of a CSV file.
    Score(MapArgs),
    /// Map every row of a CSV file to its latent code z.
    Encode(MapArgs),
    /// Map every row of a CSV file of latent codes back to a point.
    Decode(MapArgs),
    /// Write points of a toy data set as CSV.
    Data(DataArgs),
    /// Write the model's parameters as JSON for other tools.
    Export(ExportArgs),
    /// Time train steps, log-density and sampling on the backend compiled in.
    Bench(BenchArgs),
}

/// Options of `flow-train bench`.
#[derive(Debug, Clone, Args)]
// `-5` is a bad value for its flag, not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct BenchArgs {
    /// Print one JSON object per configuration instead of a table.
    #[arg(long)]
    pub json: bool,
    /// A few calls of a small configuration only (checks that everything runs).
    #[arg(long)]
    pub quick: bool,
    /// Also time train steps with batches of 16 384 and 65 536 points.
    #[arg(long)]
    pub large: bool,
    /// Timed calls per configuration.
    #[arg(long)]
    pub repeats: Option<usize>,
    /// Only this flow family's rows.
    #[arg(long, value_enum)]
    pub flow: Option<FlowKind>,
    /// The compute backend.
    #[command(flatten)]
    pub device: DeviceArg,
}

/// The artifact directory and backend shared by the inference commands.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// The directory `flow-train train` wrote.
    #[arg(long)]
    pub artifact_dir: PathBuf,
    /// The compute backend.
    #[command(flatten)]
    pub device: DeviceArg,
}

/// Options of `flow-train eval`.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// The model to load.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Options of `flow-train density`.
#[derive(Debug, Clone, Args)]
// `-5` is a bad value for its flag, not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct DensityArgs {
    /// The model to load.
    #[command(flatten)]
    pub model: ModelArgs,
    /// The PNG to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Grid cells per side.
    #[arg(long, default_value_t = 500)]
    pub grid: usize,
    /// The plotted region.
    #[arg(long, num_args = 4, value_names = ["XMIN", "XMAX", "YMIN", "YMAX"])]
    pub range: Option<Vec<f64>>,
    /// Also write `x,y,log_prob` rows to this CSV file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Plot log p(x) instead of p(x).
    #[arg(long)]
    pub log: bool,
}

/// Options of `flow-train sample`.
#[derive(Debug, Clone, Args)]
// `-5` is a bad value for its flag, not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct SampleArgs {
    /// The model to load.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Number of samples.
    #[arg(short = 'n', long = "num-samples")]
    pub n: usize,
    /// The CSV to write (one column per dimension).
    #[arg(long)]
    pub out: PathBuf,
    /// Also draw the samples beside the training data (2-D models).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Seed of the base draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Options of `flow-train score`, `encode` and `decode`.
#[derive(Debug, Clone, Args)]
pub struct MapArgs {
    /// The model to load.
    #[command(flatten)]
    pub model: ModelArgs,
    /// A CSV file with one numeric column per dimension (a header row is allowed).
    #[arg(long)]
    pub input: PathBuf,
    /// The CSV to write, one row per input row.
    #[arg(long)]
    pub out: PathBuf,
}

/// Options of `flow-train data`.
#[derive(Debug, Clone, Args)]
#[command(allow_negative_numbers = true)]
pub struct DataArgs {
    /// The toy data set.
    #[arg(long)]
    pub dataset: DatasetKind,
    /// Number of points.
    #[arg(short = 'n', long = "num-points")]
    pub n: usize,
    /// Seed of the points.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The CSV file to write (header `x,y`).
    #[arg(long)]
    pub out: PathBuf,
}

/// Options of `flow-train export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The model to load.
    #[command(flatten)]
    pub model: ModelArgs,
    /// The JSON file to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// `--device`, shared by every subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct DeviceArg {
    /// Compute backend, among those compiled in [default: the first of wgpu, flex, ndarray].
    #[arg(long = "device", env = "FLOW_TRAIN_DEVICE")]
    pub name: Option<String>,
}

impl DeviceArg {
    /// The backend name: the flag or the build's default.
    pub fn backend(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| backend::default_name().to_string())
    }
}

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

/// Options of `flow-train train`; each given flag overrides the preset.
#[derive(Debug, Clone, Default, Args)]
// `-5` is a bad value for its flag, not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct TrainArgs {
    /// Starting configuration [default: default].
    #[arg(long, value_enum)]
    pub preset: Option<PresetArg>,
    /// Continue the interrupted run in `--artifact-dir` from its last checkpoint (model,
    /// optimizer, schedule and epoch); other flags, if given, must match its config.json.
    #[arg(long, requires = "artifact_dir")]
    pub resume: bool,
    /// The flow family; without other flags, its tuned preset [default: planar].
    #[arg(long, value_enum)]
    pub flow: Option<FlowKind>,
    /// A toy data set [default: checkerboard].
    #[arg(long, conflicts_with = "data")]
    pub dataset: Option<DatasetKind>,
    /// Train on a CSV file instead: one numeric column per dimension (any number), a header
    /// row optional; split into train/valid/test by the seed.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The share of the file's rows that validates (with --data).
    #[arg(long, requires = "data")]
    pub valid_fraction: Option<f64>,
    /// The share of the file's rows that tests (with --data).
    #[arg(long, requires = "data")]
    pub test_fraction: Option<f64>,
    /// Standardise every column by the training split's mean and standard deviation before
    /// the model sees it (results stay in the data's own units) [default: true with --data,
    /// false for toy sets].
    #[arg(long)]
    pub standardize: Option<bool>,
    /// Add U[0, 1) noise, drawn from the seed, to every value of the file (integer data such
    /// as pixel intensities).
    #[arg(long, requires = "data")]
    pub dequantize: bool,
    /// Number of layers (planar, radial).
    #[arg(long)]
    pub layers: Option<usize>,
    /// Number of coupling transforms (realnvp, nsf).
    #[arg(long)]
    pub transforms: Option<usize>,
    /// Width of the coupling conditioners' hidden layers (realnvp, nsf).
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Number of hidden layers of the coupling conditioners (realnvp, nsf).
    #[arg(long)]
    pub depth: Option<usize>,
    /// Number of spline bins (nsf).
    #[arg(long)]
    pub bins: Option<usize>,
    /// The splines cover [−B, B] and are the identity outside (nsf).
    #[arg(long)]
    pub tail_bound: Option<f64>,
    /// An ActNorm before each coupling, initialised from the first batch (realnvp).
    #[arg(long)]
    pub actnorm: Option<bool>,
    /// Points per optimizer step.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Initial learning rate.
    #[arg(long)]
    pub lr: Option<f64>,
    /// Learning-rate schedule.
    #[arg(long, value_enum)]
    pub schedule: Option<ScheduleArg>,
    /// Upper bound on the number of epochs.
    #[arg(long)]
    pub max_epochs: Option<usize>,
    /// Epochs without a better validation NLL before stopping.
    #[arg(long)]
    pub patience: Option<usize>,
    /// Seed of the data, the split, the shuffling and the initial weights.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Points in the training split.
    #[arg(long)]
    pub train_size: Option<usize>,
    /// Points in the validation split.
    #[arg(long)]
    pub valid_size: Option<usize>,
    /// Points in the test split.
    #[arg(long)]
    pub test_size: Option<usize>,
    /// Where to write the model, metrics and plots [default: artifacts/NAME, NAME the data set or file name].
    #[arg(long)]
    pub artifact_dir: Option<PathBuf>,
    /// Save a density snapshot every this many epochs (0: none).
    #[arg(long)]
    pub plot_every: Option<usize>,
    /// The compute backend.
    #[command(flatten)]
    pub device: DeviceArg,
}

/// The share of a file's rows that validates, and the share that tests, unless given.
const DEFAULT_HOLD_OUT: f64 = 0.1;

/// `--preset` values (clap's mirror of [`Preset`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// The family's tuned preset (planar: test NLL about 3.58 in under half a minute on a
    /// 2-core CPU).
    #[default]
    Default,
    /// The reference blog experiment (2000 points, 8 planar layers), with the correct û.
    Seed,
}

impl From<PresetArg> for Preset {
    fn from(value: PresetArg) -> Self {
        match value {
            PresetArg::Default => Preset::Default,
            PresetArg::Seed => Preset::Seed,
        }
    }
}

impl TrainArgs {
    /// The preset (of `--flow`'s family) with every given flag applied.
    pub fn config(&self) -> Result<TrainingConfig, FlowError> {
        let preset = Preset::from(self.preset.unwrap_or_default());
        self.applied_to(preset.config(self.flow.unwrap_or_default())?)
    }

    /// The configuration of a resumed run, whose `config.json` held `recorded`: the given
    /// flags (and preset) applied to it must leave it unchanged.
    pub fn resumed_config(&self, recorded: TrainingConfig) -> Result<TrainingConfig, FlowError> {
        let base = match self.preset {
            Some(preset) => Preset::from(preset).config(self.flow.unwrap_or_default())?,
            None => recorded.clone(),
        };
        let given = self.applied_to(base)?;
        let differences = recorded.differences(&given);
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

    /// `base` with every given flag applied, validated.
    fn applied_to(&self, base: TrainingConfig) -> Result<TrainingConfig, FlowError> {
        let mut config = base;
        if let Some(flow) = self.flow
            && config.flow_name() != flow_name(flow)
        {
            config.model = Preset::Default.config(flow)?.model;
        }
        self.apply_model_flags(&mut config.model)?;
        if let Some(dataset) = self.dataset {
            config.data = DataSource::Toy { dataset };
            config.dim = dataset.dim();
        }
        self.apply_file(&mut config)?;
        if let Some(standardize) = self.standardize {
            config.standardize = standardize;
        }
        if let Some(seed) = self.seed {
            config = config.seeded(seed);
        }
        if let Some(batch_size) = self.batch_size {
            config.batch_size = batch_size;
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
        let sizes = [
            (self.max_epochs, &mut config.max_epochs),
            (self.patience, &mut config.patience),
            (self.train_size, &mut config.n_train),
            (self.valid_size, &mut config.n_valid),
            (self.test_size, &mut config.n_test),
            (self.plot_every, &mut config.plot_every),
        ];
        for (given, field) in sizes {
            if let Some(value) = given {
                *field = value;
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// With `--data`, reads the file's dimension and row count, cuts the splits by the
    /// fractions and scales the preset's batch size and epoch counts to the file's size (each
    /// unless given), so that the run makes the preset's number of optimizer steps.
    fn apply_file(&self, config: &mut TrainingConfig) -> Result<(), FlowError> {
        let Some(path) = &self.data else {
            return Ok(());
        };
        for (flag, given) in [
            ("--train-size", self.train_size),
            ("--valid-size", self.valid_size),
            ("--test-size", self.test_size),
        ] {
            if given.is_some() {
                return Err(FlowError::invalid(
                    flag,
                    "does not apply with --data, whose splits are fractions of its rows                      (--valid-fraction, --test-fraction)",
                ));
            }
        }
        let request = FileRequest {
            path: path.clone(),
            valid_fraction: self.valid_fraction.unwrap_or(DEFAULT_HOLD_OUT),
            test_fraction: self.test_fraction.unwrap_or(DEFAULT_HOLD_OUT),
            dequantize: self.dequantize,
        };
        let (dim, rows, [n_train, n_valid, n_test]) = inspect_file(&request)?;
        let steps = |n: usize, batch: usize| n.div_ceil(batch.max(1)).max(1);
        let before = steps(config.n_train, config.batch_size);
        let batch_size = self.batch_size.unwrap_or(config.batch_size.min(n_train));
        let after = steps(n_train, batch_size);
        let scaled = |epochs: usize, given: Option<usize>| {
            given.unwrap_or_else(|| (epochs * before).div_ceil(after))
        };
        config.max_epochs = scaled(config.max_epochs, self.max_epochs);
        config.patience = scaled(config.patience, self.patience);
        config.plot_every = scaled(config.plot_every, self.plot_every);
        config.batch_size = batch_size;
        let source = DataSource::File {
            path: request.path,
            rows,
            valid_fraction: request.valid_fraction,
            test_fraction: request.test_fraction,
            dequantize: request.dequantize,
        };
        if config.data != source {
            // Fitted again on the new data when training starts.
            config.standardizer = None;
            config.standardize = true;
        }
        config.data = source;
        config.dim = dim;
        (config.n_train, config.n_valid, config.n_test) = (n_train, n_valid, n_test);
        Ok(())
    }

    /// Applies the family's own flags to `model`, refusing those of other families.
    fn apply_model_flags(&self, model: &mut FlowFamily) -> Result<(), FlowError> {
        let name = model.name();
        let wrong = |flag: &'static str, families: &str| {
            FlowError::invalid(
                flag,
                format!("applies to {families} flows, not to this {name} flow (see --flow)"),
            )
        };
        if let Some(layers) = self.layers {
            match model {
                FlowFamily::Planar(c) => c.layers = layers,
                FlowFamily::Radial(c) => c.layers = layers,
                _ => return Err(wrong("--layers", "planar and radial")),
            }
        }
        let coupling = match model {
            FlowFamily::RealNvp(c) => Some(&mut c.coupling),
            FlowFamily::Nsf(c) => Some(&mut c.coupling),
            _ => None,
        };
        for (flag, given) in [
            ("--transforms", self.transforms),
            ("--hidden", self.hidden),
            ("--depth", self.depth),
        ] {
            if given.is_some() && coupling.is_none() {
                return Err(wrong(flag, "coupling (realnvp, nsf)"));
            }
        }
        if let Some(coupling) = coupling {
            let fields = [
                (self.transforms, &mut coupling.transforms),
                (self.hidden, &mut coupling.hidden),
                (self.depth, &mut coupling.depth),
            ];
            for (given, field) in fields {
                if let Some(value) = given {
                    *field = value;
                }
            }
        }
        match model {
            FlowFamily::Nsf(c) => {
                if let Some(bins) = self.bins {
                    c.bins = bins;
                }
                if let Some(bound) = self.tail_bound {
                    c.tail_bound = bound;
                }
            }
            _ if self.bins.is_some() => return Err(wrong("--bins", "nsf")),
            _ if self.tail_bound.is_some() => return Err(wrong("--tail-bound", "nsf")),
            _ => {}
        }
        match model {
            FlowFamily::RealNvp(c) => {
                if let Some(actnorm) = self.actnorm {
                    c.actnorm = actnorm;
                }
            }
            _ if self.actnorm.is_some() => return Err(wrong("--actnorm", "realnvp")),
            _ => {}
        }
        Ok(())
    }

    /// The artifact directory: the flag, or `artifacts/<data set or file name>`.
    pub fn artifact_dir(&self, config: &TrainingConfig) -> PathBuf {
        self.artifact_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("artifacts").join(config.data.name()))
    }
}
