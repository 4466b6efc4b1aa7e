//! The compute backends compiled into this build, and their devices.

use burn::tensor::Device;

use crate::error::FlowError;
use crate::remote;

/// The names of the backends compiled in, the default first.
pub fn available() -> Vec<&'static str> {
    let compiled = [
        ("wgpu", cfg!(feature = "wgpu")),
        ("flex", cfg!(feature = "flex")),
        ("ndarray", cfg!(feature = "ndarray")),
    ];
    let names: Vec<&'static str> = compiled
        .iter()
        .filter(|(_, on)| *on)
        .map(|(name, _)| *name)
        .collect();
    let first = default_among(&names);
    first
        .into_iter()
        .chain(names.iter().copied().filter(|n| Some(*n) != first))
        .collect()
}

/// The backend used when none is asked for (`--device`, `FLOW_TRAIN_DEVICE`).
pub fn default_name() -> &'static str {
    default_among(&available()).unwrap_or("none")
}

/// The rule for the default backend among the `compiled` ones: the one a user named with
/// `--features` wins over `flex`, which every build has by default. So `--features wgpu`
/// runs on wgpu, `--features ndarray` on ndarray, a plain build on flex; with both named
/// (`--all-features`) wgpu, the GPU, comes first.
pub fn default_among(compiled: &[&'static str]) -> Option<&'static str> {
    ["wgpu", "ndarray", "flex"]
        .into_iter()
        .find(|name| compiled.contains(name))
}

/// The plain (non-autodiff) device called `name`: a backend (`flex`, `ndarray`, `wgpu`), one
/// wgpu adapter (`wgpu:N`, the N-th discrete GPU; `wgpu:cpu`, the CPU adapter), or the device
/// of a `flow-train serve` at `ws://HOST:PORT` (with the `remote` feature).
pub fn device(name: &str) -> Result<Device, FlowError> {
    let unknown = || {
        FlowError::invalid(
            "--device",
            format!(
                "`{name}` is not compiled into this build (available: {}; wgpu:N and \
                 wgpu:cpu name one wgpu adapter, ws://HOST:PORT a remote server)",
                available().join(", ")
            ),
        )
    };
    match name {
        #[cfg(feature = "flex")]
        "flex" => Ok(Device::flex()),
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        // asked for by name: Burn 0.22 keeps it but marks it deprecated
        "ndarray" => Ok(Device::ndarray()),
        #[cfg(feature = "wgpu")]
        "wgpu" => open_wgpu(burn::tensor::DeviceKind::DefaultDevice, name),
        #[cfg(feature = "wgpu")]
        "wgpu:cpu" => open_wgpu(burn::tensor::DeviceKind::Cpu, name),
        #[cfg(feature = "wgpu")]
        _ if name.starts_with("wgpu:") => match name["wgpu:".len()..].parse::<usize>() {
            Ok(index) => open_wgpu(burn::tensor::DeviceKind::DiscreteGpu(index), name),
            Err(_) => Err(unknown()),
        },
        _ if remote::is_remote(name) => remote::connect(name),
        _ => Err(unknown()),
    }
}

/// The backend of the device called `name` (`wgpu` for `wgpu:1`, `remote` for
/// `ws://HOST:PORT`).
pub fn backend_of(name: &str) -> &str {
    if remote::is_remote(name) {
        return "remote";
    }
    name.split(':').next().unwrap_or(name)
}

/// The wgpu device of `kind` (called `name`), checked to work: wgpu panics deep inside when
/// the machine has no such adapter (no Vulkan, Metal or DX12 at all, or not the one asked
/// for), so a first tiny operation runs under `catch_unwind` with the panic report silenced,
/// and a failure becomes one clear error.
#[cfg(feature = "wgpu")]
fn open_wgpu(kind: burn::tensor::DeviceKind, name: &str) -> Result<Device, FlowError> {
    use burn::tensor::Tensor;

    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let probe = std::panic::catch_unwind(|| {
        let device = Device::wgpu(kind);
        let sum = Tensor::<1>::ones([4], &device).sum().into_scalar::<f32>();
        (device, sum)
    });
    std::panic::set_hook(previous_hook);
    match probe {
        Ok((device, 4.0)) => Ok(device),
        Ok((_, sum)) => Err(FlowError::BackendUnavailable(format!(
            "the {name} device computed 1+1+1+1 = {sum}; use a CPU backend (--device flex)"
        ))),
        Err(_) if name != "wgpu" => Err(FlowError::BackendUnavailable(format!(
            "wgpu has no adapter {name} on this machine; `wgpu` picks the default one"
        ))),
        Err(_) => Err(FlowError::BackendUnavailable(
            "wgpu found no usable GPU adapter (Vulkan, Metal or DX12); install a driver \
             (on Debian: apt-get install mesa-vulkan-drivers) or use the CPU build: \
             cargo run --release -p flow-train"
                .into(),
        )),
    }
}

/// The devices a run trains on: one, or several sharing every batch (Burn's multi-device
/// strategy; the first is the main device, which validates and takes the optimizer step).
#[derive(Debug, Clone)]
pub struct Placement {
    names: Vec<String>,
    devices: Vec<Device>,
}

impl Placement {
    /// Opens the devices called `names` (as [`device`] takes them), of one backend. A name
    /// may repeat: on one device, each repeat is one more worker thread.
    /// Errors name `flag`, the option that listed them.
    pub fn open(names: &[String], flag: &'static str) -> Result<Self, FlowError> {
        let Some(first) = names.first().filter(|n| !n.is_empty()) else {
            return Err(FlowError::invalid(flag, "lists no device"));
        };
        if let Some(position) = names.iter().position(|n| n.trim().is_empty()) {
            return Err(FlowError::invalid(
                flag,
                format!(
                    "item {} of `{}` is empty: name a device between every two commas",
                    position + 1,
                    names.join(",")
                ),
            ));
        }
        let devices = names
            .iter()
            .map(|name| device(name).map_err(|e| e.for_flag(flag)))
            .collect::<Result<_, _>>()?;
        if let Some(other) = names.iter().find(|n| backend_of(n) != backend_of(first)) {
            return Err(FlowError::invalid(
                flag,
                format!(
                    "mixes backends ({first} and {other}): the devices of one run share one \
                     backend"
                ),
            ));
        }
        Ok(Self {
            names: names.to_vec(),
            devices,
        })
    }

    /// The main device: where the model lives, validation runs and the optimizer steps.
    pub fn main(&self) -> &Device {
        &self.devices[0]
    }

    /// Every device, the main one first.
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    /// The devices' names, as given.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The backend of the devices.
    pub fn backend(&self) -> &str {
        backend_of(&self.names[0])
    }

    /// The number of devices (workers) that share each batch.
    pub fn len(&self) -> usize {
        self.devices.len()
    }

    /// Always false: a placement has at least one device.
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    /// Burn's execution strategy: `single-device` or `multi-device`.
    pub fn strategy(&self) -> &'static str {
        match self.len() {
            1 => "single-device",
            _ => "multi-device",
        }
    }

    /// The devices in a few words: `flex`, or `flex, flex (multi-device)`.
    pub fn describe(&self) -> String {
        match self.len() {
            1 => self.names[0].clone(),
            _ => format!("{} ({})", self.names.join(", "), self.strategy()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::default_among;

    #[test]
    fn a_backend_named_with_features_is_the_default() {
        let cases: [(&[&'static str], Option<&str>); 8] = [
            (&[], None),
            (&["flex"], Some("flex")),
            (&["ndarray"], Some("ndarray")),
            (&["wgpu"], Some("wgpu")),
            (&["flex", "ndarray"], Some("ndarray")),
            (&["wgpu", "flex"], Some("wgpu")),
            (&["wgpu", "ndarray"], Some("wgpu")),
            (&["wgpu", "flex", "ndarray"], Some("wgpu")),
        ];
        for (compiled, expected) in cases {
            assert_eq!(default_among(compiled), expected, "compiled: {compiled:?}");
        }
    }
}
