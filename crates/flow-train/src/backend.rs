//! The compute backends compiled into this build, and their devices.

use burn::tensor::Device;

use crate::error::FlowError;

/// The names of the backends compiled in, the default first.
pub fn available() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "wgpu") {
        names.push("wgpu");
    }
    if cfg!(feature = "flex") {
        names.push("flex");
    }
    if cfg!(feature = "ndarray") {
        names.push("ndarray");
    }
    names
}

/// The backend used when none is asked for: wgpu when compiled in, else the fastest CPU one.
pub fn default_name() -> &'static str {
    available().first().copied().unwrap_or("none")
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
        "wgpu" => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
        _ => Err(unknown()),
    }
}
