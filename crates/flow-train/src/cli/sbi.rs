//! `flow-train simulate`, `npe` and `sbc`: the flags of simulation-based inference.

use std::path::PathBuf;

use clap::Args;
use flow_data::{DiagonalGaussian, Prior, PriorBox, Task};

use crate::cli::{ModelArgs, ModelFlags, RunFlags};
use crate::error::FlowError;

/// Options of `flow-train simulate`.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// The benchmark task (sbibm's definitions): gaussian-linear,
    /// gaussian-linear-uniform, two-moons, gaussian-mixture, slcp, slcp-distractors,
    /// bernoulli-glm, bernoulli-glm-raw, sir, lotka-volterra.
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
    /// The benchmark task to simulate (sbibm's definitions): gaussian-linear,
    /// gaussian-linear-uniform, two-moons, gaussian-mixture, slcp, slcp-distractors,
    /// bernoulli-glm, bernoulli-glm-raw, sir, lotka-volterra.
    #[arg(
        long,
        required_unless_present = "simulator",
        conflicts_with = "simulator"
    )]
    pub task: Option<Task>,
    /// Or your own simulator: a shell command line that reads a batch of θ as CSV on its
    /// standard input (a header theta1,…, then one row per θ) and writes one CSV row of x per
    /// θ, in order, to its standard output (a header line first is allowed). Rows with a NaN
    /// or an infinity are dropped and counted. Needs --prior-box or --prior-gaussian.
    #[arg(long, value_name = "COMMAND")]
    pub simulator: Option<String>,
    /// The θ per call of --simulator [default: 1000].
    #[arg(long)]
    pub simulator_batch: Option<usize>,
    /// The calls of --simulator run at once [default: 1].
    #[arg(long)]
    pub simulator_jobs: Option<usize>,
    /// The prior of --simulator, uniform on a box: LO,HI for each coordinate of θ, e.g.
    /// `-1,1,0,5`.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        value_name = "LO,HI,...",
        conflicts_with = "prior_gaussian"
    )]
    pub prior_box: Option<Vec<f64>>,
    /// Or a Gaussian prior with independent coordinates: the means, a colon, the standard
    /// deviations, e.g. `0,0:1,0.5`.
    #[arg(long, allow_hyphen_values = true, value_name = "MEAN,...:STD,...")]
    pub prior_gaussian: Option<String>,
    /// Number of simulations, drawn from the seed: 85% train, 10% validate (early
    /// stopping) and 5% test, as `train --preset npe` splits a file.
    #[arg(long)]
    pub simulations: usize,
    /// Sequential inference for one observation: truncated sequential NPE in R rounds, the
    /// simulations split evenly among them; rounds after the first draw θ from the prior
    /// truncated to the posterior's highest-density region at the observation (--observation
    /// or --context), and each retrains on all pairs.
    #[arg(long, default_value_t = 1)]
    pub rounds: usize,
    /// The observation of --rounds: sbibm's observation K (1–10) of --task.
    #[arg(long, value_name = "K", conflicts_with = "context", requires = "task")]
    pub observation: Option<usize>,
    /// Or the observation's values x_o, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        value_name = "X1,..."
    )]
    pub context: Option<Vec<f64>>,
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

impl NpeArgs {
    /// The prior of `--simulator` the flags give, if any.
    pub fn prior(&self) -> Result<Option<Prior>, FlowError> {
        if let Some(values) = &self.prior_box {
            if values.len() % 2 != 0 {
                return Err(FlowError::invalid(
                    "--prior-box",
                    format!(
                        "it has {} values; give LO,HI for each coordinate of θ",
                        values.len()
                    ),
                ));
            }
            let support = PriorBox::from_flat(values, values.len() / 2)
                .and_then(Prior::uniform)
                .map_err(|e| FlowError::invalid("--prior-box", e.to_string()))?;
            return Ok(Some(support));
        }
        let Some(text) = &self.prior_gaussian else {
            return Ok(None);
        };
        let invalid = |reason: String| FlowError::invalid("--prior-gaussian", reason);
        let (mean, std) = text.split_once(':').ok_or_else(|| {
            invalid(format!(
                "`{text}` has no colon; give the means, a colon, then the standard deviations \
                 (MEAN,…:STD,…)"
            ))
        })?;
        let numbers = |list: &str| -> Result<Vec<f64>, FlowError> {
            list.split(',')
                .map(|v| {
                    v.trim()
                        .parse::<f64>()
                        .map_err(|_| invalid(format!("`{}` is not a number", v.trim())))
                })
                .collect()
        };
        let gaussian = DiagonalGaussian::new(numbers(mean)?, numbers(std)?)
            .map_err(|e| invalid(e.to_string()))?;
        Ok(Some(Prior::Gaussian(gaussian)))
    }
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
