//! Where `npe`'s simulations come from: a benchmark task, or the user's simulator program fed
//! from a prior, simulated into the artifact directory's `simulations.csv`.

use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

use flow_data::{Points, Prior, PriorBox, Program, Simulations, Task, simulate};
use rand::rngs::StdRng;

use crate::artifacts::ArtifactPaths;
use crate::cli::NpeArgs;
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

    /// One `θ` from the prior.
    pub fn draw_prior(&self, rng: &mut StdRng) -> Vec<f64> {
        match self {
            Self::Task(task) => task.prior(rng),
            Self::Program { prior, .. } => prior.draw(rng),
        }
    }

    /// Simulates `n` pairs from the prior and `seed` into a new `simulations.csv` in `dir`
    /// (under the directory's lock); the width `M` of `x`. A program's batches are written as
    /// they arrive, so that a program failing midway leaves the pairs simulated before it on
    /// disk.
    pub fn simulate_into(&self, n: usize, seed: u64, dir: &Path) -> Result<usize, FlowError> {
        let started = Instant::now();
        let _lock = DirLock::acquire(dir)?;
        let mut file = SimulationsFile::new(dir, true);
        let (x_dim, what) = match self {
            Self::Task(task) => {
                let simulations = task.simulate(n, seed)?;
                file.write(&simulations)?;
                (simulations.x_dim(), format!("{task}"))
            }
            Self::Program { prior, .. } => self.run_program(&prior.sample(n, seed)?, &mut file)?,
        };
        println!(
            "simulated {n} pairs (θ, x) of {what} (seed {seed}) in {:.2} s into {}",
            started.elapsed().as_secs_f64(),
            file.path.display()
        );
        Ok(x_dim)
    }

    /// Simulates one `x` at each row of `theta` (`N × K`) from `seed`, appended to `dir`'s
    /// `simulations.csv`.
    pub fn simulate_at(&self, theta: &Points, seed: u64, dir: &Path) -> Result<(), FlowError> {
        let _lock = DirLock::acquire(dir)?;
        let mut file = SimulationsFile::new(dir, false);
        match self {
            Self::Task(task) => {
                // The generator feeds the simulator alone: the θ are given.
                let mut rows = theta.iter_rows();
                let given = |_: &mut StdRng| -> Vec<f64> {
                    let row = rows.next().expect("one θ per simulation");
                    row.iter().map(|&t| f64::from(t)).collect()
                };
                let simulations = simulate(theta.len(), seed, given, |theta, rng| {
                    task.simulator(theta, rng)
                })?;
                file.write(&simulations)
            }
            Self::Program { .. } => self.run_program(theta, &mut file).map(|_| ()),
        }
    }

    /// Runs the program at `theta`, writing each batch to `file` as it arrives: the width
    /// of `x` and a description of the run.
    fn run_program(
        &self,
        theta: &Points,
        file: &mut SimulationsFile,
    ) -> Result<(usize, String), FlowError> {
        let Self::Program { program, .. } = self else {
            unreachable!("only a program's source runs a program")
        };
        let run = program.run(theta, |batch| file.write(batch))?;
        if run.dropped > 0 {
            println!(
                "dropped {} of {} simulations that gave a NaN or an infinite value",
                run.dropped,
                theta.len()
            );
        }
        let what = format!("`{}` ({} calls)", program.command(), run.batches);
        Ok((run.simulations.x_dim(), what))
    }
}

/// `simulations.csv` being written: created (with its header) or appended to, flushed after
/// every write so that it always ends at a whole batch.
struct SimulationsFile {
    path: PathBuf,
    create: bool,
    writer: Option<csv::Writer<BufWriter<File>>>,
}

impl SimulationsFile {
    /// The file of `dir`, to be created anew (`create`) or appended to.
    fn new(dir: &Path, create: bool) -> Self {
        Self {
            path: ArtifactPaths::new(dir).simulations(),
            create,
            writer: None,
        }
    }

    /// Writes the rows of `batch` (the header first, into a new file).
    fn write(&mut self, batch: &Simulations) -> Result<(), FlowError> {
        let path = &self.path;
        let bad = |e: csv::Error| FlowError::bad_file(path, e.to_string());
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => {
                let file = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(self.create)
                    .append(!self.create)
                    .open(path)
                    .map_err(|e| FlowError::io(path, e))?;
                let mut writer = csv::Writer::from_writer(BufWriter::new(file));
                if self.create {
                    writer.write_record(batch.column_names()).map_err(bad)?;
                }
                self.writer.insert(writer)
            }
        };
        for row in batch.points().iter_rows() {
            writer.serialize(row).map_err(bad)?;
        }
        writer.flush().map_err(|e| FlowError::io(path, e))
    }
}
