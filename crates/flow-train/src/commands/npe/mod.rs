//! `flow-train npe`: neural posterior estimation in one command. It simulates a benchmark
//! task, or runs the user's simulator program on draws from a prior, into the artifact
//! directory, then trains `q(θ | x)` on the simulations with `x` as
//! the context, exactly as `train --preset npe --data simulations.csv --context-columns …`
//! does on the same file; [`crate::api::fit_posterior`] does the same from a program for a
//! user's own simulations.

mod rounds;
mod source;

use std::path::{Path, PathBuf};

use flow_data::simulate::gaussian_linear;
use flow_data::{DataError, PriorBox, Task, fraction_sizes};

use crate::artifacts::ArtifactPaths;
use crate::cli::{ModelFlags, NpeArgs, PresetArg, PriorBoxArg, RunFlags, TrainArgs};
use crate::commands::context::{finite_f32, task_observation};
use crate::commands::simulate::check_count;
use crate::commands::train::{plan, run};
use crate::error::FlowError;
use crate::train::config::{Preset, TrainingConfig};
use crate::train::summary::RunSummary;

use rounds::Sequential;
use source::SimulationSource;

/// `flow-train npe`.
pub fn npe(args: &NpeArgs) -> Result<(), FlowError> {
    check_count("--simulations", args.simulations)?;
    let source = SimulationSource::from_args(args)?;
    let x_o = observation(args, &source)?;
    let budgets = rounds::budgets(args.simulations, args.rounds);
    check_budget(budgets[0], args.rounds)?;
    // Opened first: a device that does not open leaves nothing behind.
    let placement = args.run.placement()?;
    let dir = args.run.artifact_dir.clone().unwrap_or_else(|| {
        PathBuf::from("artifacts").join(source.default_dir_name(args.simulations))
    });
    let prior_box = source.prior_box();
    let train_args = |x_dim: usize| TrainArgs {
        batch_size: args.batch_size,
        ..posterior_args(
            (source.theta_dim(), x_dim),
            prior_box.as_ref(),
            &dir,
            &args.model,
            &args.run,
        )
    };
    // The configuration of a run on the simulations in the directory now.
    let configure = |x_dim: usize| {
        let config = train_args(x_dim).config()?;
        // Recorded, so that `sample --observation K` finds the task's observations.
        Ok::<_, FlowError>(TrainingConfig {
            task: source.task(),
            ..config
        })
    };
    let seed = args.run.seed.unwrap_or(0);
    let (config, dir, start) = plan(
        &args.run,
        || {
            // The configuration needs the file; a flag it refuses leaves nothing behind.
            let created = !dir.exists();
            let x_dim = source.simulate_into(budgets[0], seed, &dir)?;
            check_observation(x_o.as_deref(), x_dim)?;
            configure(x_dim).inspect_err(|_| {
                let _ = match created {
                    true => std::fs::remove_dir_all(&dir),
                    false => std::fs::remove_file(ArtifactPaths::new(&dir).simulations()),
                };
            })
        },
        |recorded| {
            let x_dim = source.x_dim().unwrap_or(recorded.context_dim);
            train_args(x_dim).resumed_config(recorded)
        },
    )?;
    let mut summary = run(&config, &dir, &placement, start)?;
    if let Some(x_o) = &x_o {
        let later = Sequential {
            source: &source,
            x_o,
            budgets: &budgets,
            seed,
            dir: &dir,
            placement: &placement,
        };
        summary = later.run(summary, || configure(config.context_dim))?;
    }
    report_posterior(&summary, source.task());
    summary.outcome(&dir)
}

/// Fails, before anything is simulated, unless the first round's `simulations` give each
/// split of the npe preset (train, validation, test) at least one pair.
fn check_budget(simulations: usize, rounds: usize) -> Result<(), FlowError> {
    let (valid, test) = Preset::Npe.hold_out();
    match fraction_sizes(simulations, valid, test) {
        Ok(_) => Ok(()),
        Err(DataError::TooFewRows { needed, .. }) => Err(FlowError::invalid(
            "--simulations",
            format!(
                "{simulations} are too few to split into training, validation ({}%) and test \
                 ({}%) pairs: give at least {}",
                valid * 100.0,
                test * 100.0,
                match rounds {
                    1 => needed.to_string(),
                    _ => format!("{needed} in the first of the {rounds} rounds"),
                }
            ),
        )),
        Err(other) => Err(other.into()),
    }
}

/// The observation `x_o` of a sequential run (`--rounds R > 1`), from `--observation K` or
/// `--context`; `None` for one round, where neither applies.
fn observation(args: &NpeArgs, source: &SimulationSource) -> Result<Option<Vec<f32>>, FlowError> {
    if args.rounds == 0 {
        return Err(FlowError::invalid("--rounds", "must be at least 1"));
    }
    let given = args.observation.is_some() || args.context.is_some();
    match (args.rounds, given) {
        (1, false) => return Ok(None),
        (1, true) => {
            return Err(FlowError::invalid(
                match args.observation {
                    Some(_) => "--observation",
                    None => "--context",
                },
                "it is the observation of sequential inference: give --rounds R > 1 with it \
                 (one round is amortised: sample at any observation afterwards)",
            ));
        }
        (_, false) => {
            return Err(FlowError::invalid(
                "--rounds",
                "sequential inference targets one observation: give --observation K or \
                 --context x_o",
            ));
        }
        _ if args.run.resume => {
            return Err(FlowError::invalid(
                "--resume",
                "a sequential run (--rounds) cannot be resumed; start it again",
            ));
        }
        _ => {}
    }
    let x_o = match (args.observation, &args.context, source.task()) {
        (Some(k), _, Some(task)) => task_observation(task, k)?,
        (_, Some(values), _) => finite_f32("--context", values)?,
        _ => unreachable!("clap requires --task with --observation"),
    };
    if let Some(x_dim) = source.x_dim() {
        check_observation(Some(&x_o), x_dim)?;
    }
    Ok(Some(x_o))
}

/// Fails unless the observation (if any) has the width `x_dim` of the simulator's `x`.
fn check_observation(x_o: Option<&[f32]>, x_dim: usize) -> Result<(), FlowError> {
    match x_o {
        Some(x_o) if x_o.len() != x_dim => Err(FlowError::invalid(
            "--context",
            format!(
                "has {} values, but the simulator's x has {x_dim}",
                x_o.len()
            ),
        )),
        _ => Ok(()),
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

/// The test NLL of `θ | x`, beside the exact posterior's entropy where it is known.
fn report_posterior(summary: &RunSummary, task: Option<Task>) {
    let Some(test_nll) = summary.test_nll else {
        return;
    };
    match task {
        Some(Task::GaussianLinear) => {
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
