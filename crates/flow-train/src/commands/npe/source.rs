//! Where `npe`'s simulations come from: a benchmark task, or the user's simulator program fed
//! from a prior, simulated into the artifact directory's `simulations.csv`.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use flow_data::{Prior, PriorBox, Program, Simulations, Task};

use crate::artifacts::ArtifactPaths;
use crate::cli::NpeArgs;
use crate::commands::simulate::write_simulations;
use crate::error::FlowError;
use crate::lock::DirLock;

/// The parameter vectors per call of a `--simulator` unless `--simulator-batch` is given.
pub const DEFAULT_BATCH: usize = 1000;

/// The simulator of an `npe` run.
#[derive(Debug, Clone)]
pub enum SimulationSource {
    /// A benchmark task, with its own prior.
    Task(Task),
    /// A user's program (`--simulator`) fed from a prior (`--prior-box`, `--prior-gaussian`).
    Program {
        /// The program, with its batch size and jobs.
        program: Program,
        /// The prior of θ.
        prior: Prior,
    },
}

impl SimulationSource {
    /// The source the flags name, checked.
    pub fn from_args(args: &NpeArgs) -> Result<Self, FlowError> {
        if let Some(task) = args.task {
            let given = [
                ("--prior-box", args.prior_box.is_some()),
                ("--prior-gaussian", args.prior_gaussian.is_some()),
                ("--simulator-batch", args.simulator_batch.is_some()),
                ("--simulator-jobs", args.simulator_jobs.is_some()),
            ];
            if let Some((flag, _)) = given.into_iter().find(|(_, given)| *given) {
                return Err(FlowError::invalid(
                    flag,
                    format!("it applies to a --simulator; {task} has its own prior and simulator"),
                ));
            }
            return Ok(Self::Task(task));
        }
        let command = args.simulator.as_deref().unwrap_or_default();
        let (batch, jobs) = (
            args.simulator_batch.unwrap_or(DEFAULT_BATCH),
            args.simulator_jobs.unwrap_or(1),
        );
        let program = Program::new(command, batch, jobs).map_err(|e| {
            let flag = match (batch, jobs) {
                (0, _) => "--simulator-batch",
                (_, 0) => "--simulator-jobs",
                _ => "--simulator",
            };
            FlowError::invalid(flag, e.to_string())
        })?;
        let prior = args.prior()?.ok_or_else(|| {
            FlowError::invalid(
                "--simulator",
                "it needs the prior of θ: give --prior-box LO,HI,… or --prior-gaussian \
                 MEAN,…:STD,…",
            )
        })?;
        Ok(Self::Program { program, prior })
    }

    /// The width `K` of `θ`.
    pub fn theta_dim(&self) -> usize {
        match self {
            Self::Task(task) => task.theta_dim(),
            Self::Program { prior, .. } => prior.dim(),
        }
    }

    /// The width `M` of `x` where known before simulating (a task's).
    pub fn x_dim(&self) -> Option<usize> {
        match self {
            Self::Task(task) => Some(task.x_dim()),
            Self::Program { .. } => None,
        }
    }

    /// The support of the prior, where it is a box.
    pub fn prior_box(&self) -> Option<PriorBox> {
        match self {
            Self::Task(task) => task.prior_box(),
            Self::Program { prior, .. } => prior.support().cloned(),
        }
    }

    /// The task, if the source is one.
    pub fn task(&self) -> Option<Task> {
        match self {
            Self::Task(task) => Some(*task),
            Self::Program { .. } => None,
        }
    }

    /// The folder name `npe` writes into without `--artifact-dir`: `npe-TASK-N`, or
    /// `npe-simulator-N`.
    pub fn default_dir_name(&self, simulations: usize) -> String {
        match self {
            Self::Task(task) => format!("npe-{task}-{simulations}"),
            Self::Program { .. } => format!("npe-simulator-{simulations}"),
        }
    }

    /// Simulates `n` pairs from `seed` into `dir`'s `simulations.csv` (under the directory's
    /// lock); the width `M` of `x`. A program's batches are written as they arrive, so that
    /// a program failing midway leaves the pairs simulated before it on disk.
    pub fn simulate_into(&self, n: usize, seed: u64, dir: &Path) -> Result<usize, FlowError> {
        let started = Instant::now();
        let path = ArtifactPaths::new(dir).simulations();
        let _lock = DirLock::acquire(dir)?;
        let (x_dim, what) = match self {
            Self::Task(task) => {
                let simulations = task.simulate(n, seed)?;
                write_simulations(&simulations, &path)?;
                (simulations.x_dim(), format!("{task}"))
            }
            Self::Program { program, prior } => {
                let theta = prior.sample(n, seed)?;
                let mut file = None;
                let run = program.run(&theta, |batch| append(&mut file, batch, &path))?;
                if run.dropped > 0 {
                    println!(
                        "dropped {} of {n} simulations that gave a NaN or an infinite value",
                        run.dropped
                    );
                }
                let what = format!("`{}` ({} calls)", program.command(), run.batches);
                (run.simulations.x_dim(), what)
            }
        };
        println!(
            "simulated {n} pairs (θ, x) of {what} (seed {seed}) in {:.2} s into {}",
            started.elapsed().as_secs_f64(),
            path.display()
        );
        Ok(x_dim)
    }
}

/// Appends `batch` to the CSV file at `path`, creating it with its header at the first batch,
/// and flushes it, so that the file always ends at a whole batch.
fn append(
    file: &mut Option<csv::Writer<BufWriter<File>>>,
    batch: &Simulations,
    path: &Path,
) -> Result<(), FlowError> {
    let bad = |e: csv::Error| FlowError::bad_file(path, e.to_string());
    let writer = match file {
        Some(writer) => writer,
        None => {
            let created = File::create(path).map_err(|e| FlowError::io(path, e))?;
            let mut writer = csv::Writer::from_writer(BufWriter::new(created));
            writer.write_record(batch.column_names()).map_err(bad)?;
            file.insert(writer)
        }
    };
    for row in batch.points().iter_rows() {
        writer.serialize(row).map_err(bad)?;
    }
    writer.flush().map_err(|e| FlowError::io(path, e))
}
