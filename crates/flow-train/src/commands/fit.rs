//! `flow-train fit`: variational inference from flags (or a resumed run) to an artifact
//! directory.

use crate::cli::FitArgs;
use crate::commands::train::{plan, run};
use crate::error::FlowError;

/// `flow-train fit`.
pub fn fit(args: &FitArgs) -> Result<(), FlowError> {
    let (config, dir, start) = plan(
        &args.run,
        || args.config(),
        |recorded| args.resumed_config(recorded),
    )?;
    let summary = run(&config, &dir, &args.run.placement()?, start)?;
    if let (Some(kl), Some(stderr), Some(log_z), Some(ess)) =
        (summary.kl, summary.kl_stderr, summary.log_z, summary.ess)
    {
        println!(
            "KL(q‖p) {kl:.4} ± {stderr:.4} nats on {} samples (log Z {log_z:.5}); ESS {:.1}%",
            summary.n_test,
            100.0 * ess
        );
    }
    summary.outcome(&dir)
}
