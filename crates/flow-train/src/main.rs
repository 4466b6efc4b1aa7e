//! `flow-train`: train planar flows and use the trained models.

use std::process::ExitCode;

use clap::Parser;
use flow_train::FlowError;
use flow_train::cli::{Cli, Command, TrainArgs};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => {
            // --help and --version
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{}", one_line(&error.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        None => train(&TrainArgs::default()),
        Some(Command::Train(args)) => train(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(if error.is_usage() { 2 } else { 1 })
        }
    }
}

/// Clap's multi-line usage error as one line (its hint about `--help` dropped).
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn train(args: &TrainArgs) -> Result<(), FlowError> {
    let config = args.config()?;
    let backend = args.backend();
    let device = flow_train::backend::device(&backend)?;
    let dir = args.artifact_dir(&config);
    println!(
        "training {} planar layers on {} ({} train / {} valid / {} test points) with {backend}; artifacts in {}",
        config.model.layers,
        config.dataset,
        config.n_train,
        config.n_valid,
        config.n_test,
        dir.display()
    );
    let summary = flow_train::training::train(&config, &dir, &device, &backend)?;
    match (summary.test_nll, summary.best_epoch) {
        (Some(test_nll), Some(best_epoch)) => println!(
            "stopped: {:?} after {} epochs in {:.1} s; best epoch {best_epoch} (valid NLL {:.4}); test NLL {test_nll:.4} nats ({:.4} bits/dim) in {:.2} s",
            summary.stopped,
            summary.epochs,
            summary.train_seconds,
            summary.best_valid_nll.unwrap_or(f64::NAN),
            test_nll / std::f64::consts::LN_2 / summary.dim as f64,
            summary.test_seconds
        ),
        _ => println!(
            "stopped: {:?} after {} epochs; no model was good enough to save",
            summary.stopped, summary.epochs
        ),
    }
    if let flow_train::monitor::StopReason::Diverged { epoch } = summary.stopped {
        return Err(FlowError::Training(format!(
            "the loss became NaN or infinite at epoch {epoch} (try a lower --lr); the best model before it is in {}",
            dir.join("model.bpk").display()
        )));
    }
    Ok(())
}
