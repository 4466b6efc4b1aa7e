//! `flow-train sbc`: is this posterior calibrated? Simulation-based calibration ranks,
//! expected coverage and TARP of a conditional model on held-out pairs `(θ, x)`, as
//! `sbc.json`, two pictures and a one-line verdict.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use flow_data::{Points, read_table};

use crate::calibration::{
    Calibration, Measurements, density_ranks, draws_per_pair, sbc_ranks, tarp_coverage,
};
use crate::cli::SbcArgs;
use crate::commands::load;
use crate::error::FlowError;
use crate::fsutil::{create_dir, write_atomically, write_json_atomically};
use crate::infer::inference::TrainedFlow;
use crate::plot;
use crate::train::config::MAX_POINTS;

/// `flow-train sbc`.
pub fn sbc(args: &SbcArgs) -> Result<(), FlowError> {
    check_request(args)?;
    let (trained, device, _) = load(&args.model)?;
    require_context(&trained)?;
    let pairs = read_pairs(args, &trained)?;
    let started = Instant::now();
    let calibration = calibrate(&trained, &pairs, args.samples, args.seed, &device)?;
    let seconds = started.elapsed().as_secs_f64();
    write_report(&calibration, &args.out)?;
    println!(
        "checked {} pairs × {} draws in {seconds:.2} s; wrote {}",
        calibration.pairs,
        calibration.samples,
        args.out.join("sbc.json").display()
    );
    println!("{}", calibration.describe());
    Ok(())
}

/// Refuses what can be refused before loading anything.
fn check_request(args: &SbcArgs) -> Result<(), FlowError> {
    if args.samples == 0 || args.samples > MAX_POINTS {
        return Err(FlowError::invalid(
            "--samples",
            format!("must lie in 1..={MAX_POINTS}, got {}", args.samples),
        ));
    }
    if args.task.is_some() && !matches!(args.n, Some(n) if (1..=MAX_POINTS).contains(&n)) {
        return Err(FlowError::invalid(
            "--num-simulations",
            format!("must lie in 1..={MAX_POINTS}"),
        ));
    }
    if args.out.is_file() {
        return Err(FlowError::invalid(
            "--out",
            format!("{} is a file; give a folder", args.out.display()),
        ));
    }
    Ok(())
}

/// Fails unless the model is conditional.
fn require_context(trained: &TrainedFlow) -> Result<(), FlowError> {
    match trained.context_dim() {
        0 => Err(FlowError::invalid(
            "--artifact-dir",
            "the model has no context: calibration checks a posterior q(θ | x) (a model of \
             `flow-train npe`, or of `train --context-columns`)",
        )),
        _ => Ok(()),
    }
}

/// The pairs, `[N, K + M]` in the model's order (`θ`, then `x`): from `--data` (the
/// training file's layout) or simulated from `--task`.
fn read_pairs(args: &SbcArgs, trained: &TrainedFlow) -> Result<Points, FlowError> {
    let width = trained.width();
    match (&args.data, args.task) {
        (Some(path), _) => {
            let table = read_table(path, Some(width))?;
            Ok(match trained.config.context_layout()? {
                Some(layout) => layout.to_model_order(&table.points),
                None => table.points,
            })
        }
        (None, Some(task)) => {
            if (task.theta_dim(), task.x_dim()) != (trained.dim(), trained.context_dim()) {
                return Err(FlowError::invalid(
                    "--task",
                    format!(
                        "{task} has θ of {} and x of {} values, but the model is q(θ | x) of \
                         {} given {}",
                        task.theta_dim(),
                        task.x_dim(),
                        trained.dim(),
                        trained.context_dim()
                    ),
                ));
            }
            let n = args.n.expect("checked with the request");
            Ok(task.simulate(n, args.seed)?.points().clone())
        }
        (None, None) => Err(FlowError::invalid("--data", "give --data or --task")),
    }
}

/// The diagnostics of `trained` on `pairs`, with `samples` draws per pair (drawn for all
/// pairs in batches, inside the recorded prior box).
fn calibrate(
    trained: &TrainedFlow,
    pairs: &Points,
    samples: usize,
    seed: u64,
    device: &Device,
) -> Result<Calibration, FlowError> {
    let (dim, width) = (trained.dim(), trained.width());
    let truth = pairs.columns(0, dim);
    let contexts = pairs.columns(dim, width - dim);
    let prior_box = trained.config.prior_box.as_ref();
    let draws = draws_per_pair(trained, contexts.values(), samples, seed, prior_box, device)?;
    let truth_log_q = trained.log_prob(pairs.values(), device);
    let ranks = sbc_ranks(truth.values(), &draws.values, dim, samples);
    let density = density_ranks(&truth_log_q, &draws.log_q, samples);
    let tarp = tarp_coverage(truth.values(), &draws.values, dim, samples, seed);
    Ok(Calibration::assess(&Measurements {
        ranks: &ranks,
        density_ranks: &density,
        tarp: &tarp,
        samples,
        acceptance: draws.acceptance,
    }))
}

/// Writes `sbc.json`, `ranks.png` and `coverage.png` into `out` (created if missing).
fn write_report(calibration: &Calibration, out: &Path) -> Result<(), FlowError> {
    create_dir(out)?;
    write_atomically(&out.join("ranks.png"), |tmp| {
        plot::ranks_png(tmp, calibration)
    })?;
    write_atomically(&out.join("coverage.png"), |tmp| {
        plot::coverage_png(tmp, calibration)
    })?;
    write_json_atomically(&out.join("sbc.json"), calibration)
}
