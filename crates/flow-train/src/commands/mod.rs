//! What each subcommand of `flow-train` does: one file per command, each a short pipeline of
//! named steps.

mod bench;
mod context;
mod data;
mod density;
mod eval;
mod export;
mod figure;
mod fit;
mod map;
mod npe;
mod sample;
mod sbc;
mod serve;
mod simulate;
mod train;

pub use bench::bench;
pub use data::data;
pub use density::density;
pub use eval::eval;
pub use export::export_params;
pub use figure::figure;
pub use fit::fit;
pub use map::{Mapping, map};
pub use npe::npe;
pub use sample::sample;
pub use sbc::sbc;
pub use serve::serve;
pub use simulate::simulate;
pub use train::train;

use burn::tensor::Device;
use serde::Serialize;

use crate::backend;
use crate::cli::ModelArgs;
use crate::error::FlowError;
use crate::infer::inference::TrainedFlow;

/// `nats / (D ln 2)`.
fn bits_per_dim(nats: f64, dim: usize) -> f64 {
    nats / std::f64::consts::LN_2 / dim as f64
}

/// Loads the model named by `args` on its backend: the model, the device, the backend's name.
fn load(args: &ModelArgs) -> Result<(TrainedFlow, Device, String), FlowError> {
    let backend = args.device.backend();
    let device = backend::device(&backend)?;
    let trained = TrainedFlow::load(&args.artifact_dir, &device)?;
    Ok((trained, device, backend))
}

/// Prints `value` as one line of JSON (for `--json`).
fn print_json_line<T: Serialize>(value: &T) {
    let line = serde_json::to_string(value).expect("plain structs of numbers and strings encode");
    println!("{line}");
}

/// Fails unless the model is two-dimensional.
fn require_2d(trained: &TrainedFlow, what: &str) -> Result<(), FlowError> {
    let dim = trained.dim();
    if dim == 2 {
        Ok(())
    } else {
        Err(FlowError::invalid(
            "--artifact-dir",
            format!("{what} needs a 2-D model; this one has {dim} dimensions"),
        ))
    }
}
