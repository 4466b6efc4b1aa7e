//! A flow before training: the preset of its family with the model's settings applied,
//! initialised from its seed, for data of a given width.

use burn::tensor::Device;

use crate::api::Settings;
use crate::backend;
use crate::cli::DeviceArg;
use crate::error::FlowError;
use crate::infer::inference::TrainedFlow;
use crate::train::config::Preset;

/// The untrained flow that `settings` describe (`flow`, `seed` and the model's flags:
/// `layers`, `transforms`, `hidden`, `depth`, `bins`, `tail_bound`, `order`, `direct`,
/// `actnorm`, `context_embedding`, `base`) over `dim` values, conditional on `context_dim`
/// (0: none), on the device `device` names (as `--device`; else `FLOW_TRAIN_DEVICE`, else
/// the build's default). Its weights are those a fresh `flow-train train` run of the same
/// seed starts from, before any data-dependent initialisation.
pub fn untrained(
    dim: usize,
    context_dim: usize,
    settings: &Settings,
) -> Result<(TrainedFlow, Device), FlowError> {
    let args = settings.train_args()?;
    let mut config = Preset::Default.config(args.model.kind())?;
    config.model = args.model.applied_to(config.model)?;
    config.dim = dim;
    config.context_dim = context_dim;
    config.standardize = false;
    config.context_embedding = args.context_embedding.clone().unwrap_or_default();
    if let Some(base) = args.base {
        config.base = base.into();
    }
    args.run.apply(&mut config)?;
    let device = backend::device(&args.run.device.backend())?;
    let flow = config.flow_config().init(&device)?;
    Ok((TrainedFlow { config, flow }, device))
}

/// The device called `name` (as `--device` takes it); without one, the device that
/// `FLOW_TRAIN_DEVICE` names, else the build's default.
pub fn open_device(name: Option<&str>) -> Result<Device, FlowError> {
    let arg = DeviceArg {
        name: name.map(str::to_string),
    };
    backend::device(&arg.backend())
}
