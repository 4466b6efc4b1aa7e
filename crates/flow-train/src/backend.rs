//! The compute backends compiled into this build, and their devices.

use burn::tensor::Device;

use crate::error::FlowError;

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

/// The plain (non-autodiff) device of the backend `name`.
pub fn device(name: &str) -> Result<Device, FlowError> {
    let unknown = || {
        FlowError::invalid(
            "--device",
            format!(
                "`{name}` is not compiled into this build (available: {})",
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
        "wgpu" => open_wgpu(),
        _ => Err(unknown()),
    }
}

/// The default wgpu device, checked to work: wgpu panics deep inside when the machine has
/// no Vulkan, Metal or DX12 adapter, so a first tiny operation runs under `catch_unwind`
/// with the panic report silenced, and a failure becomes one clear error.
#[cfg(feature = "wgpu")]
fn open_wgpu() -> Result<Device, FlowError> {
    use burn::tensor::{DeviceKind, Tensor};

    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let probe = std::panic::catch_unwind(|| {
        let device = Device::wgpu(DeviceKind::DefaultDevice);
        let sum = Tensor::<1>::ones([4], &device).sum().into_scalar::<f32>();
        (device, sum)
    });
    std::panic::set_hook(previous_hook);
    match probe {
        Ok((device, 4.0)) => Ok(device),
        Ok((_, sum)) => Err(FlowError::BackendUnavailable(format!(
            "the wgpu device computed 1+1+1+1 = {sum}; use a CPU backend (--device flex)"
        ))),
        Err(_) => Err(FlowError::BackendUnavailable(
            "wgpu found no usable GPU adapter (Vulkan, Metal or DX12); install a driver \
             (on Debian: apt-get install mesa-vulkan-drivers) or use the CPU build: \
             cargo run --release -p flow-train"
                .into(),
        )),
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
