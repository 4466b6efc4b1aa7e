//! `flow-train train`: density estimation from flags (or a resumed run) to an artifact
//! directory; and what every training run shares (start, signals, the closing lines).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use burn::train::Interrupter;

use crate::artifacts::ArtifactPaths;
use crate::backend::Placement;
use crate::cli::{RunFlags, TrainArgs};
use crate::commands::bits_per_dim;
use crate::error::FlowError;
use crate::infer::inference::load_config;
use crate::train::config::TrainingConfig;
use crate::train::progress::ProgressTo;
use crate::train::run_dir::Start;
use crate::train::summary::RunSummary;
use crate::train::training;

/// `flow-train train`.
pub fn train(args: &TrainArgs) -> Result<(), FlowError> {
    let (config, dir, start) = plan(
        &args.run,
        || args.config(),
        |recorded| args.resumed_config(recorded),
    )?;
    let summary = run(&config, &dir, &args.run.placement()?, start)?;
    if let Some(test_nll) = summary.test_nll {
        println!(
            "test NLL {test_nll:.4} nats ({:.4} bits/dim) in {:.2} s",
            bits_per_dim(test_nll, summary.dim),
            summary.test_seconds
        );
    }
    summary.outcome(&dir)
}

/// The configuration, artifact directory and start of a run: with `--resume`, the recorded
/// configuration checked against the flags by `resumed`; otherwise the one `fresh` makes from
/// the flags.
pub(super) fn plan(
    run: &RunFlags,
    fresh: impl FnOnce() -> Result<TrainingConfig, FlowError>,
    resumed: impl FnOnce(TrainingConfig) -> Result<TrainingConfig, FlowError>,
) -> Result<(TrainingConfig, PathBuf, Start), FlowError> {
    Ok(match &run.artifact_dir {
        Some(dir) if run.resume => {
            let recorded = load_config(&ArtifactPaths::new(dir).config())?;
            (resumed(recorded)?, dir.clone(), Start::Resume)
        }
        _ => {
            let config = fresh()?;
            let dir = run.artifact_dir(&config);
            (config, dir, Start::Fresh)
        }
    })
}

/// Announces the run, trains on `placement` with Ctrl-C handled, and prints how training
/// ended.
pub(super) fn run(
    config: &TrainingConfig,
    dir: &Path,
    placement: &Placement,
    start: Start,
) -> Result<RunSummary, FlowError> {
    println!(
        "{} {} on {} ({} train / {} valid / {} test points) with {}; artifacts in {}",
        match start {
            Start::Fresh => "training",
            Start::Resume => "resuming the training of",
        },
        config.describe_model(),
        config.data.describe(),
        config.n_train,
        config.n_valid,
        config.n_test,
        placement.describe(),
        dir.display()
    );
    let interrupter = Interrupter::new();
    stop_on_signals(&interrupter);
    let summary = training::train(
        config,
        dir,
        placement,
        &interrupter,
        start,
        ProgressTo::Stdout,
    )?;
    match summary.best_epoch {
        Some(best_epoch) => {
            let metric = if config.is_fit() { "loss" } else { "NLL" };
            let best = summary.best_valid_nll.or(summary.loss).unwrap_or(f64::NAN);
            println!(
                "stopped ({}) after {} epochs in {:.1} s; best epoch {best_epoch} (valid {metric} {best:.4})",
                summary.stopped.describe(),
                summary.epochs,
                summary.train_seconds,
            );
        }
        None => println!(
            "stopped ({}) after {} epochs; no model was good enough to save",
            summary.stopped.describe(),
            summary.epochs
        ),
    }
    Ok(summary)
}

/// The interrupter of the training run in progress, which a signal stops (a sequential `npe`
/// trains several runs in turn, under one handler).
static CURRENT_RUN: Mutex<Option<Interrupter>> = Mutex::new(None);
/// The process's signal handler, installed once: whether it could be.
static SIGNAL_HANDLER: OnceLock<Result<(), String>> = OnceLock::new();

/// Turns the first SIGINT/SIGTERM during the run of `interrupter` into a clean stop (the best
/// model is kept, tested and summarised); a second one ends the process at once.
fn stop_on_signals(interrupter: &Interrupter) {
    *CURRENT_RUN.lock().unwrap_or_else(PoisonError::into_inner) = Some(interrupter.clone());
    let handler = SIGNAL_HANDLER.get_or_init(|| {
        ctrlc::set_handler(|| {
            let current = CURRENT_RUN
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let Some(interrupter) = current else { return };
            if interrupter.should_stop() {
                eprintln!("stopped again: exiting now; the best model saved so far is intact");
                std::process::exit(130);
            }
            eprintln!("stopping: finishing the current step, then testing the best model so far");
            interrupter.stop(Some("interrupted by a signal"));
        })
        .map_err(|e| e.to_string())
    });
    if let Err(e) = handler {
        eprintln!("warning: cannot catch interruptions ({e}); Ctrl-C will end training abruptly");
    }
}
