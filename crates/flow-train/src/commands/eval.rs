//! `flow-train eval`: the best model scored again: the recorded test split's NLL, or, for a
//! fitted energy, the KL divergence on fresh samples.

use std::time::Instant;

use flow_model::grid_log_partition;
use serde::Serialize;

use crate::cli::EvalArgs;
use crate::commands::{bits_per_dim, load, print_json_line};
use crate::error::FlowError;
use crate::train::fit::{fit_statistics, mix};
use crate::train::training::{LOG_Z_CELLS, LOG_Z_HALF_WIDTH, test_nll};

/// The result of `flow-train eval` on a density model.
#[derive(Debug, Serialize)]
struct EvalReport {
    test_nll: f64,
    bits_per_dim: f64,
    n_test: usize,
    seconds: f64,
    backend: String,
}

/// The result of `flow-train eval` on a fitted energy.
#[derive(Debug, Serialize)]
struct FitReport {
    target: String,
    loss: f64,
    log_z: f64,
    kl: f64,
    kl_stderr: f64,
    ess: f64,
    n_samples: usize,
    seconds: f64,
    backend: String,
}

/// `flow-train eval`.
pub fn eval(args: &EvalArgs) -> Result<(), FlowError> {
    let (trained, device, backend) = load(&args.model)?;
    let started = Instant::now();
    if let Some(target) = trained.config.data.energy() {
        let n = trained.config.n_test;
        let statistics = fit_statistics(
            &trained.flow,
            &target,
            n,
            mix(trained.config.seed, u64::MAX),
            &device,
        );
        let log_z = grid_log_partition(&target, LOG_Z_HALF_WIDTH, LOG_Z_CELLS, &device);
        let report = FitReport {
            target: target.to_string(),
            loss: statistics.loss,
            log_z,
            kl: statistics.loss + log_z,
            kl_stderr: statistics.loss_stderr,
            ess: statistics.ess,
            n_samples: n,
            seconds: started.elapsed().as_secs_f64(),
            backend,
        };
        if args.json {
            print_json_line(&report);
        } else {
            println!(
                "KL(q‖p) {:.6} ± {:.6} nats for {} (loss {:.6}, log Z {:.6}); ESS {:.2}% of {} samples in {:.3} s ({})",
                report.kl,
                report.kl_stderr,
                report.target,
                report.loss,
                report.log_z,
                100.0 * report.ess,
                report.n_samples,
                report.seconds,
                report.backend
            );
        }
        return Ok(());
    }
    let (test_nll, n_test) = test_nll(&trained, &device)?;
    let report = EvalReport {
        test_nll,
        bits_per_dim: bits_per_dim(test_nll, trained.dim()),
        n_test,
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
