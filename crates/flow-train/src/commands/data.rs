//! `flow-train data`: points of a toy set, written as CSV.

use crate::cli::DataArgs;
use crate::error::FlowError;
use crate::infer::stream::write_rows;
use crate::output::{Format, Output};
use crate::train::config::MAX_POINTS;

/// `flow-train data`.
pub fn data(args: &DataArgs) -> Result<(), FlowError> {
    if args.n == 0 {
        return Err(FlowError::invalid("-n", "must be at least 1"));
    }
    if args.n > MAX_POINTS {
        return Err(FlowError::invalid(
            "-n",
            format!("must be at most {MAX_POINTS}, got {}", args.n),
        ));
    }
    Output::new("--out", &args.out, Format::Rows).check(&[])?;
    let points = args.dataset.generate(args.n, args.seed);
    let columns = ["x", "y"].map(String::from);
    write_rows(&args.out, &columns, |writer| writer.rows(points.values()))?;
    println!(
        "wrote {} points of {} (seed {}) to {}",
        args.n,
        args.dataset,
        args.seed,
        args.out.display()
    );
    Ok(())
}
