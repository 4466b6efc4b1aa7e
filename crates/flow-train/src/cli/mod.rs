//! The command line of `flow-train`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use flow_data::{DatasetKind, PriorBox, Task};

use crate::backend;
use crate::error::FlowError;
use crate::train::config::FlowKind;

mod fit;
mod model_flags;
mod run_flags;
mod sbi;
mod train;

pub use fit::{BaseArg, FitArgs};
pub use model_flags::ModelFlags;
pub use run_flags::{PresetArg, RunFlags, ScheduleArg};
pub use sbi::{NpeArgs, SbcArgs, SimulateArgs};
pub use train::TrainArgs;

/// Normalizing flows (planar, radial, RealNVP, neural splines, MAF, autoregressive splines),
/// conditional or not: train, evaluate, sample, score, export; simulation-based inference.
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
    /// Train a flow on data with Burn's Learner and write an artifact directory.
    Train(TrainArgs),
    /// Fit a flow to an unnormalised density (variational inference, reverse KL).
    Fit(FitArgs),
    /// Score the recorded test split with the best model.
    Eval(EvalArgs),
    /// Draw the learned density (2-D models) as a heatmap, optionally as CSV too.
    Density(DensityArgs),
    /// Draw exact samples from the model.
    Sample(SampleArgs),
    /// Compute log p(x) for every row of a data file (CSV or .npy).
    Score(MapArgs),
    /// Map every row of a data file (CSV or .npy) to its latent code z.
    Encode(MapArgs),
    /// Map every row of a data file (CSV or .npy) of latent codes back to a point.
    Decode(MapArgs),
    /// Write points of a toy data set as CSV (or .npy).
    Data(DataArgs),
    /// Draw the densities of several trained 2-D models side by side, led by their data.
    Figure(FigureArgs),
    /// Write the model's parameters as JSON for other tools.
    Export(ExportArgs),
    /// Time train steps, log-density and sampling on the backend compiled in.
    Bench(BenchArgs),
    /// Write simulations (θ, x) of a benchmark task as CSV: columns theta1…thetaK, x1…xM
    /// (or as a .npy array in that order).
    Simulate(SimulateArgs),
    /// Neural posterior estimation: simulate a task, then train q(θ | x) on the simulations
    /// (x the context); `sample --context x_o` then draws from the posterior.
    Npe(NpeArgs),
    /// Check a conditional model's calibration on held-out pairs (θ, x): simulation-based
    /// calibration ranks, expected coverage of its highest-density regions, and TARP.
    Sbc(SbcArgs),
    /// Host this machine's device for runs on other machines (`--device ws://HOST:PORT`)
    /// through Burn's remote backend, until stopped (Ctrl-C); builds with `--features remote`.
    Serve(ServeArgs),
}

/// Options of `flow-train serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Where to listen: `ADDR:PORT`, or a bare `PORT` on loopback (127.0.0.1, the default
    /// address); `0.0.0.0:PORT` opens it to every network the machine is on (the protocol
    /// has no encryption: trusted networks only). Port 0 lets the system choose; the address
    /// is printed as `serving DEVICE at ws://ADDR:PORT`.
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub listen: String,
    /// The device served (not a remote one).
    #[command(flatten)]
    pub device: DeviceArg,
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
    /// Also time the planar flow's train step at batches of 16 384 and 65 536 points and its
    /// log-density on 10⁶ points (always on wgpu).
    #[arg(long)]
    pub large: bool,
    /// Timed calls per configuration (with `--devices`: optimizer steps per epoch).
    #[arg(long)]
    pub repeats: Option<usize>,
    /// Only this flow family's rows.
    #[arg(long, value_enum)]
    pub flow: Option<FlowKind>,
    /// The data dimension: 2 (the checkerboard and a grid over it) or more (standard normal
    /// points); the fit steps are timed in 2-D only.
    #[arg(long, default_value_t = 2)]
    pub dim: usize,
    /// Points drawn per sampling call [default: 100 000].
    #[arg(long)]
    pub samples: Option<usize>,
    /// The compute backend.
    #[command(flatten)]
    pub device: DeviceArg,
    /// Time whole training runs instead (Burn's Learner, the default planar flow, two
    /// epochs): optimizer steps per second on the first of these devices alone and on all of
    /// them (the multi-device strategy), at batches of 1024 and 65 536; e.g. `flex,flex`, or
    /// `ws://127.0.0.1:3000` for a `flow-train serve` on loopback. Instead of `--device`.
    #[arg(long, value_delimiter = ',', conflicts_with = "name")]
    pub devices: Option<Vec<String>>,
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
    /// The context of a conditional model at which to draw p(x | c).
    #[command(flatten)]
    pub context: ContextArg,
}

/// `--context`: where to evaluate a conditional flow `p(x | c)`.
#[derive(Debug, Clone, Default, Args)]
pub struct ContextArg {
    /// The context c of a conditional model: its values, comma-separated, in the order of
    /// the training run's --context-columns.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub context: Option<Vec<f64>>,
    /// sbibm's observation K (1–10) of the model's task as the context: for a posterior
    /// trained by `npe`, or by `train` on a task's simulations with --task.
    #[arg(long, conflicts_with = "context", value_name = "K")]
    pub observation: Option<usize>,
    /// The task whose observation --observation names, for a model that records none (one
    /// trained by `train` on `simulate`'s output).
    #[arg(long = "task", requires = "observation")]
    pub observation_task: Option<Task>,
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
    /// The file to write, one column per dimension: CSV, or NumPy's .npy (float32) for a
    /// name ending in .npy.
    #[arg(long)]
    pub out: PathBuf,
    /// Also draw the samples beside the training data: a scatter plot for 2-D models, a
    /// corner plot (pairwise marginals, samples against data) in more dimensions.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// The coordinates (1-based, comma-separated, at most 8) of the corner plot [default: the
    /// first six].
    #[arg(long, value_delimiter = ',', requires = "plot")]
    pub plot_dims: Option<Vec<usize>>,
    /// Also draw samples and training rows as small grey-scale images (32 of each), for data
    /// whose rows are pictures; needs --image-shape.
    #[arg(long, requires = "image_shape")]
    pub images: Option<PathBuf>,
    /// The height and width of those images, as HxW (8x8 for the digits).
    #[arg(long, requires = "images")]
    pub image_shape: Option<String>,
    /// Seed of the base draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The context of a conditional model at which to draw the samples.
    #[command(flatten)]
    pub context: ContextArg,
    /// Draw -n samples at each row of this file of contexts (CSV of C columns, a header
    /// allowed, or a .npy array); the output gains a column `context_row`, the 1-based data row of the file.
    #[arg(long, conflicts_with_all = ["context", "observation"])]
    pub context_file: Option<PathBuf>,
    /// Keep only samples inside this box, redrawing the others, and report the acceptance
    /// rate [default: the box prior recorded by `npe` or `train --prior-box`, if any].
    #[command(flatten)]
    pub prior_box: PriorBoxArg,
}

/// `--prior-box`: the support of a box prior.
#[derive(Debug, Clone, Default, Args)]
pub struct PriorBoxArg {
    /// The support of a box prior over x (θ in neural posterior estimation): LO,HI for each
    /// coordinate, e.g. `-1,1,-1,1`.
    #[arg(
        long = "prior-box",
        value_delimiter = ',',
        allow_hyphen_values = true,
        value_name = "LO,HI,..."
    )]
    pub values: Option<Vec<f64>>,
}

impl PriorBoxArg {
    /// The box given, over `dim` coordinates, if any.
    pub fn parse(&self, dim: usize) -> Result<Option<PriorBox>, FlowError> {
        self.values
            .as_deref()
            .map(|values| PriorBox::from_flat(values, dim))
            .transpose()
            .map_err(|e| FlowError::invalid("--prior-box", e.to_string()))
    }
}

/// Options of `flow-train score`, `encode` and `decode`.
#[derive(Debug, Clone, Args)]
pub struct MapArgs {
    /// The model to load.
    #[command(flatten)]
    pub model: ModelArgs,
    /// A CSV file with one numeric column per dimension (a header row is allowed), or a
    /// .npy array (float32 or float64, N × D, C order): for a
    /// conditional model, `score` and `encode` read rows laid out like the training file (x
    /// and the context columns where they were), `decode` reads z's columns followed by the
    /// context's.
    #[arg(long)]
    pub input: PathBuf,
    /// The file to write, one row per input row: CSV, or NumPy's .npy (float32) for a name
    /// ending in .npy.
    #[arg(long)]
    pub out: PathBuf,
}

/// Options of `flow-train figure`.
#[derive(Debug, Clone, Args)]
pub struct FigureArgs {
    /// A directory that `flow-train train` or `fit` wrote; give several, in order.
    #[arg(long, required = true)]
    pub artifact_dir: Vec<PathBuf>,
    /// Models per row; each row begins with the data (or target) of its first model.
    #[arg(long, default_value_t = 1)]
    pub columns: usize,
    /// The PNG to write.
    #[arg(long)]
    pub out: PathBuf,
    /// The figure's title.
    #[arg(long, default_value = "")]
    pub title: String,
    /// The compute backend.
    #[command(flatten)]
    pub device: DeviceArg,
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
    /// The file to write: CSV (header `x,y`), or .npy for a name ending in .npy.
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
    /// Compute backend, among those compiled in [default: FLOW_TRAIN_DEVICE if set, else the
    /// one named with `--features` at build time (wgpu, else ndarray), else flex].
    #[arg(long = "device")]
    pub name: Option<String>,
}

impl DeviceArg {
    /// The backend called `name` (as `--device` takes it).
    pub fn named(name: &str) -> Self {
        Self {
            name: Some(name.to_string()),
        }
    }

    /// The backend name: the flag, else `FLOW_TRAIN_DEVICE`, else the build's default.
    pub fn backend(&self) -> String {
        self.name
            .clone()
            .or_else(|| std::env::var("FLOW_TRAIN_DEVICE").ok())
            .unwrap_or_else(|| backend::default_name().to_string())
    }
}
