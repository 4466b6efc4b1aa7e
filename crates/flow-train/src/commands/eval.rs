//! `flow-train eval`: the recorded test split scored by the best model.

use std::time::Instant;

use serde::Serialize;

use crate::cli::EvalArgs;
use crate::commands::{bits_per_dim, load, print_json_line};
use crate::error::FlowError;
use crate::train::training::rebuild_splits;

/// The result of `flow-train eval`.
#[derive(Debug, Serialize)]
struct EvalReport {
    test_nll: f64,
    bits_per_dim: f64,
    n_test: usize,
    seconds: f64,
    backend: String,
}

/// `flow-train eval`.
pub fn eval(args: &EvalArgs) -> Result<(), FlowError> {
    let (trained, device, backend) = load(&args.model)?;
    let splits = rebuild_splits(&trained.config)?;
    let started = Instant::now();
    let test_nll = trained.mean_nll(splits.test.values(), &device);
    let report = EvalReport {
        test_nll,
        bits_per_dim: bits_per_dim(test_nll, trained.dim()),
        n_test: splits.test.len(),
        seconds: started.elapsed().as_secs_f64(),
        backend,
    };
    if args.json {
        print_json_line(&report);
    } else {
        println!(
            "test NLL {:.6} nats ({:.6} bits/dim) on {} points in {:.3} s ({})",
            report.test_nll, report.bits_per_dim, report.n_test, report.seconds, report.backend
        );
    }
    Ok(())
}
