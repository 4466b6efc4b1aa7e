//! `flow-train simulate`, `npe` and `sbc`: the flags of simulation-based inference.

use std::path::PathBuf;

use clap::Args;
use flow_data::Task;

use crate::cli::{ModelArgs, ModelFlags, RunFlags};

/// Options of `flow-train simulate`.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// The benchmark task (sbibm's definitions): gaussian-linear, two-moons,
    /// gaussian-mixture, slcp.
    #[arg(long)]
    pub task: Task,
    /// Number of simulations.
    #[arg(short = 'n', long = "num-simulations")]
    pub n: usize,
    /// Seed of the prior's and the simulator's draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The CSV file to write: columns theta1…thetaK, then x1…xM (a .npy array in that
    /// order for a name ending in .npy).
    #[arg(long)]
    pub out: PathBuf,
}

/// Options of `flow-train npe`; each given flag overrides the npe preset.
#[derive(Debug, Clone, Args)]
// `-5` is a bad value for its flag, not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct NpeArgs {
    /// The benchmark task to simulate (sbibm's definitions): gaussian-linear, two-moons,
    /// gaussian-mixture, slcp.
    #[arg(long)]
    pub task: Task,
    /// Number of simulations, drawn from the seed: 85% train, 10% validate (early
    /// stopping) and 5% test, as `train --preset npe` splits a file.
    #[arg(long)]
    pub simulations: usize,
    /// The flow of q(θ | x) [default: nsf-ar], sized by the npe preset unless given.
    #[command(flatten)]
    pub model: ModelFlags,
    /// Points per optimizer step [default: 256].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Optimisation, length, seed (of the simulations too), directory [default:
    /// artifacts/npe-TASK-N], backend.
    #[command(flatten)]
    pub run: RunFlags,
}

/// Options of `flow-train sbc`.
#[derive(Debug, Clone, Args)]
// `-5` is a bad value for its flag, not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct SbcArgs {
    /// The conditional model to check (`npe`, or `train --context-columns`), and the backend.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Held-out pairs (θ, x) in the training file's layout (the model's x columns and its
    /// context columns), CSV or .npy.
    #[arg(long, conflicts_with = "task", required_unless_present = "task")]
    pub data: Option<PathBuf>,
    /// Or fresh simulations of a benchmark task (with -n and --seed).
    #[arg(long, requires = "n")]
    pub task: Option<Task>,
    /// Number of pairs simulated with --task.
    #[arg(short = 'n', long = "num-simulations")]
    pub n: Option<usize>,
    /// Posterior draws per pair.
    #[arg(long, default_value_t = 1000)]
    pub samples: usize,
    /// Seed of the simulations (--task), of the posterior draws and of TARP's reference
    /// points.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The folder to write: sbc.json, ranks.png and coverage.png.
    #[arg(long)]
    pub out: PathBuf,
}
