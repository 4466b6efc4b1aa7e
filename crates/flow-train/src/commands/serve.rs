//! `flow-train serve`: hosts one of this machine's devices for remote runs.

use crate::backend;
use crate::cli::ServeArgs;
use crate::error::FlowError;
use crate::remote;

/// Serves the device asked for on `--listen` until the process is stopped.
pub fn serve(args: &ServeArgs) -> Result<(), FlowError> {
    let name = args.device.backend();
    if remote::is_remote(&name) {
        return Err(FlowError::invalid(
            "--device",
            format!("`serve` hosts a device of this machine, not the remote `{name}`"),
        ));
    }
    remote::serve(&args.listen, &name, || backend::device(&name))
}
