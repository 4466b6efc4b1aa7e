//! `flow-train simulate`: simulations `(θ, x)` of a benchmark task, written as CSV.

use std::path::Path;

use flow_data::Simulations;

use crate::cli::SimulateArgs;
use crate::error::FlowError;
use crate::infer::stream::write_rows;
use crate::output::{Format, Output};
use crate::train::config::MAX_POINTS;

/// `flow-train simulate`.
pub fn simulate(args: &SimulateArgs) -> Result<(), FlowError> {
    check_count("-n", args.n)?;
    Output::new("--out", &args.out, Format::Rows).check(&[])?;
    let simulations = args.task.simulate(args.n, args.seed)?;
    write_simulations(&simulations, &args.out)?;
    println!(
        "wrote {} simulations of {} (seed {}; θ in {} columns, x in {}) to {}",
        args.n,
        args.task,
        args.seed,
        simulations.theta_dim(),
        simulations.x_dim(),
        args.out.display()
    );
    Ok(())
}

/// Fails unless `1 ≤ n ≤ MAX_POINTS`.
pub(super) fn check_count(flag: &'static str, n: usize) -> Result<(), FlowError> {
    if n == 0 || n > MAX_POINTS {
        return Err(FlowError::invalid(
            flag,
            format!("must lie in 1..={MAX_POINTS}, got {n}"),
        ));
    }
    Ok(())
}

/// Writes `simulations` to `path` under the header `theta1…thetaK,x1…xM`, atomically.
pub fn write_simulations(simulations: &Simulations, path: &Path) -> Result<(), FlowError> {
    write_rows(path, &simulations.column_names(), |writer| {
        writer.rows(simulations.points().values())
    })
}
