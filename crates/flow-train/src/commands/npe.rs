//! `flow-train npe`: neural posterior estimation in one command. It simulates a benchmark
//! task into the artifact directory, then trains `q(θ | x)` on the simulations with `x` as
//! the context, exactly as `train --preset npe --data simulations.csv --context-columns …`
//! does on the same file; [`crate::api::fit_posterior`] does the same from a program for a
//! user's own simulations.

use std::path::{Path, PathBuf};
use std::time::Instant;

use flow_data::simulate::gaussian_linear;
use flow_data::{DataError, PriorBox, Simulations, Task, fraction_sizes};

use crate::artifacts::ArtifactPaths;
use crate::cli::{ModelFlags, NpeArgs, PresetArg, PriorBoxArg, RunFlags, TrainArgs};
use crate::commands::simulate::{check_count, write_simulations};
use crate::commands::train::{plan, run};
use crate::error::FlowError;
use crate::lock::DirLock;
use crate::train::config::{Preset, TrainingConfig};
use crate::train::summary::RunSummary;

/// `flow-train npe`.
pub fn npe(args: &NpeArgs) -> Result<(), FlowError> {
    check_count("--simulations", args.simulations)?;
    check_budget(args.simulations)?;
    // Opened first: a device that does not open leaves nothing behind.
    let placement = args.run.placement()?;
    let dir = args.run.artifact_dir.clone().unwrap_or_else(|| {
        PathBuf::from("artifacts").join(format!("npe-{}-{}", args.task, args.simulations))
    });
    let task = args.task;
    let prior_box = task.prior_box();
    let dims = (task.theta_dim(), task.x_dim());
    let train_args = TrainArgs {
        batch_size: args.batch_size,
        ..posterior_args(dims, prior_box.as_ref(), &dir, &args.model, &args.run)
    };
    let (config, dir, start) = plan(
        &train_args.run,
        || {
            // The configuration needs the file; a flag it refuses leaves nothing behind.
            let created = !dir.exists();
            simulate_into(
                task,
                args.simulations,
                train_args.run.seed.unwrap_or(0),
                &dir,
            )?;
            let config = train_args.config().inspect_err(|_| {
                let _ = match created {
                    true => std::fs::remove_dir_all(&dir),
                    false => std::fs::remove_file(ArtifactPaths::new(&dir).simulations()),
                };
            })?;
            // Recorded, so that `sample --observation K` finds the task's observations.
            Ok(TrainingConfig {
                task: Some(task),
                ..config
            })
        },
        |recorded| train_args.resumed_config(recorded),
    )?;
    let summary = run(&config, &dir, &placement, start)?;
    report_posterior(&summary, task);
    summary.outcome(&dir)
}

/// Fails, before anything is simulated, unless `simulations` give each split of the npe preset
/// (train, validation, test) at least one pair.
fn check_budget(simulations: usize) -> Result<(), FlowError> {
    let (valid, test) = Preset::Npe.hold_out();
    match fraction_sizes(simulations, valid, test) {
        Ok(_) => Ok(()),
        Err(DataError::TooFewRows { needed, .. }) => Err(FlowError::invalid(
            "--simulations",
            format!(
                "{simulations} are too few to split into training, validation ({}%) and test \
                 ({}%) pairs: give at least {needed}",
                valid * 100.0,
                test * 100.0
            ),
        )),
        Err(other) => Err(other.into()),
    }
}

/// The flags of `train` that train `q(θ | x)` on `simulations.csv` in `dir`, whose rows hold
/// `θ` then `x` of widths `dims`: the npe preset, `x` as the context, the prior box.
fn posterior_args(
    (theta_dim, x_dim): (usize, usize),
    prior_box: Option<&PriorBox>,
    dir: &Path,
    model: &ModelFlags,
    run: &RunFlags,
) -> TrainArgs {
    let context_columns = match x_dim {
        1 => format!("{}", theta_dim + 1),
        _ => format!("{}-{}", theta_dim + 1, theta_dim + x_dim),
    };
    TrainArgs {
        preset: Some(PresetArg::Npe),
        model: model.clone(),
        data: Some(ArtifactPaths::new(dir).simulations()),
        context_columns: Some(context_columns),
        prior_box: PriorBoxArg {
            values: prior_box.map(|b| b.bounds().iter().flatten().copied().collect()),
        },
        run: RunFlags {
            artifact_dir: Some(dir.to_path_buf()),
            ..run.clone()
        },
        ..TrainArgs::default()
    }
}

/// Simulates `n` pairs of `task` from `seed` into `dir`'s `simulations.csv`.
fn simulate_into(task: Task, n: usize, seed: u64, dir: &Path) -> Result<(), FlowError> {
    let started = Instant::now();
    let simulations = task.simulate(n, seed)?;
    write_locked(&simulations, dir)?;
    println!(
        "simulated {n} pairs (θ, x) of {task} (seed {seed}) in {:.2} s into {}",
        started.elapsed().as_secs_f64(),
        ArtifactPaths::new(dir).simulations().display()
    );
    Ok(())
}

/// Writes `simulations` into `dir` while holding its lock (so that no run training there
/// sees its data file replaced).
fn write_locked(simulations: &Simulations, dir: &Path) -> Result<(), FlowError> {
    let _lock = DirLock::acquire(dir)?;
    write_simulations(simulations, &ArtifactPaths::new(dir).simulations())
}

/// The test NLL of `θ | x`, beside the exact posterior's entropy where it is known.
fn report_posterior(summary: &RunSummary, task: Task) {
    let Some(test_nll) = summary.test_nll else {
        return;
    };
    match task {
        Task::GaussianLinear => {
            let exact = gaussian_linear::posterior_entropy();
            println!(
                "test NLL of θ | x {test_nll:.4} nats; the exact posterior's {exact:.4} (the \
                 gap, {:.4}, estimates the expected KL)",
                test_nll - exact
            );
        }
        _ => println!("test NLL of θ | x {test_nll:.4} nats"),
    }
}
