//! `flow-train train`: a run from flags (or a resumed one) to an artifact directory.

use burn::train::Interrupter;

use crate::artifacts::ArtifactPaths;
use crate::backend;
use crate::cli::TrainArgs;
use crate::commands::bits_per_dim;
use crate::error::FlowError;
use crate::infer::inference::load_config;
use crate::train::monitor::StopReason;
use crate::train::training::{self, Start};

/// `flow-train train`.
pub fn train(args: &TrainArgs) -> Result<(), FlowError> {
    let (config, dir, start) = match &args.artifact_dir {
        Some(dir) if args.resume => {
            let recorded = load_config(&ArtifactPaths::new(dir).config())?;
            (args.resumed_config(recorded)?, dir.clone(), Start::Resume)
        }
        _ => {
            let config = args.config()?;
            let dir = args.artifact_dir(&config);
            (config, dir, Start::Fresh)
        }
    };
    let backend = args.device.backend();
    let device = backend::device(&backend)?;
    println!(
        "{} {} on {} ({} train / {} valid / {} test points) with {backend}; artifacts in {}",
        match start {
            Start::Fresh => "training",
            Start::Resume => "resuming the training of",
        },
        config.describe_model(),
        config.data.describe(),
        config.n_train,
        config.n_valid,
        config.n_test,
        dir.display()
    );
    let interrupter = Interrupter::new();
    stop_on_signals(&interrupter);
    let summary = training::train(&config, &dir, &device, &backend, &interrupter, start)?;
    match (summary.test_nll, summary.best_epoch) {
        (Some(test_nll), Some(best_epoch)) => println!(
            "stopped ({}) after {} epochs in {:.1} s; best epoch {best_epoch} (valid NLL {:.4}); test NLL {test_nll:.4} nats ({:.4} bits/dim) in {:.2} s",
            summary.stopped.describe(),
            summary.epochs,
            summary.train_seconds,
            summary.best_valid_nll.unwrap_or(f64::NAN),
            bits_per_dim(test_nll, summary.dim),
            summary.test_seconds
        ),
        _ => println!(
            "stopped ({}) after {} epochs; no model was good enough to save",
            summary.stopped.describe(),
            summary.epochs
        ),
    }
    let kept = match summary.best_epoch {
        Some(best) => format!(
            "the best model (epoch {best}) is intact in {}",
            dir.join("model.bpk").display()
        ),
        None => "no model was saved".to_string(),
    };
    match summary.stopped {
        StopReason::Diverged { epoch } => Err(FlowError::Training(format!(
            "the loss became NaN or infinite at epoch {epoch} (try a lower --lr); {kept}"
        ))),
        StopReason::Interrupted => Err(FlowError::Interrupted(format!(
            "after {} epochs; {kept}",
            summary.epochs
        ))),
        StopReason::MaxEpochs | StopReason::EarlyStopped => Ok(()),
    }
}

/// Turns the first SIGINT/SIGTERM into a clean stop (the best model is kept, tested and
/// summarised); a second one ends the process at once.
fn stop_on_signals(interrupter: &Interrupter) {
    let interrupter = interrupter.clone();
    let handler = ctrlc::set_handler(move || {
        if interrupter.should_stop() {
            eprintln!("stopped again: exiting now; the best model saved so far is intact");
            std::process::exit(130);
        }
        eprintln!("stopping: finishing the current step, then testing the best model so far");
        interrupter.stop(Some("interrupted by a signal"));
    });
    if let Err(e) = handler {
        eprintln!("warning: cannot catch interruptions ({e}); Ctrl-C will end training abruptly");
    }
}
