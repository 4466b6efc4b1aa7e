//! `flow-train fit`: variational inference from flags (or a resumed run) to an artifact
//! directory.

use crate::artifacts::ArtifactPaths;
use crate::cli::FitArgs;
use crate::commands::train::{report_end, run};
use crate::error::FlowError;
use crate::infer::inference::load_config;
use crate::train::training::Start;

/// `flow-train fit`.
pub fn fit(args: &FitArgs) -> Result<(), FlowError> {
    let (config, dir, start) = match &args.run.artifact_dir {
        Some(dir) if args.run.resume => {
            let recorded = load_config(&ArtifactPaths::new(dir).config())?;
            (args.resumed_config(recorded)?, dir.clone(), Start::Resume)
        }
        _ => {
            let config = args.config()?;
            let dir = args.run.artifact_dir(&config);
            (config, dir, Start::Fresh)
        }
    };
    let summary = run(&config, &dir, &args.run.device, start)?;
    if let (Some(kl), Some(stderr), Some(log_z), Some(ess)) =
        (summary.kl, summary.kl_stderr, summary.log_z, summary.ess)
    {
        println!(
            "KL(q‖p) {kl:.4} ± {stderr:.4} nats on {} samples (log Z {log_z:.5}); ESS {:.1}%",
            summary.n_test,
            100.0 * ess
        );
    }
    report_end(&summary, &dir)
}
