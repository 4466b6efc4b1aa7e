//! `flow-train export`: the model's parameters as JSON for other programs.

use crate::cli::ExportArgs;
use crate::commands::load;
use crate::error::FlowError;
use crate::fsutil::write_json_atomically;
use crate::infer::export::export;
use crate::output::{Format, Output};

/// `flow-train export`.
pub fn export_params(args: &ExportArgs) -> Result<(), FlowError> {
    Output::new("--out", &args.out, Format::Json).check(&[])?;
    let (trained, _, _) = load(&args.model)?;
    let exported = export(
        &trained.flow,
        trained.config.flow_name(),
        trained.config.standardizer.as_ref(),
    );
    write_json_atomically(&args.out, &exported)?;
    println!("wrote {}", args.out.display());
    Ok(())
}
