//! What a Python model object holds: the flow, its device, the artifact directory its best
//! weights live in, and the seeds of its next draws.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use burn::tensor::Device;
use flow_train::api::copy_artifacts;
use flow_train::infer::inference::{TrainedFlow, chunk_seed};
use pyo3::prelude::*;

use crate::errors::{FlowError, guarded};

/// A flow with its device and home.
pub struct Held {
    /// The model and its recorded configuration.
    pub trained: TrainedFlow,
    /// The device it is on.
    pub device: Device,
    /// The artifact directory of its weights (none before training).
    pub home: Option<Home>,
    /// Draws made without a seed so far.
    draws: u64,
}

impl Held {
    /// A model held without a directory (untrained) or in `home`.
    pub fn new(trained: TrainedFlow, device: Device, home: Option<Home>) -> Self {
        Self {
            trained,
            device,
            home,
            draws: 0,
        }
    }

    /// `seed`, or the next of a sequence of seeds that the model's own seed starts.
    pub fn seed(&mut self, seed: Option<u64>) -> u64 {
        seed.unwrap_or_else(|| {
            self.draws += 1;
            chunk_seed(self.trained.config.seed, self.draws as usize)
        })
    }

    /// The artifact directory, if the model has one.
    pub fn dir(&self) -> Option<&Path> {
        self.home.as_ref().map(Home::path)
    }

    /// Copies the model's artifact directory to `dir` (see [`copy_artifacts`]).
    pub fn save(&self, dir: &Path) -> PyResult<()> {
        let from = self.dir().ok_or_else(|| {
            FlowError::new_err("this flow has not been trained: fit it before saving it")
        })?;
        guarded(|| copy_artifacts(from, dir))
    }
}

/// Where a model's artifact directory lives.
pub enum Home {
    /// A directory the user named, kept.
    Kept(PathBuf),
    /// A scratch directory, removed with the model.
    Scratch(ScratchDir),
}

impl Home {
    /// The directory.
    pub fn path(&self) -> &Path {
        match self {
            Home::Kept(path) => path,
            Home::Scratch(scratch) => &scratch.path,
        }
    }
}

/// A fresh directory under the system's temporary directory, removed when dropped.
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// A name not used by this process before (the directory itself is made by training).
    pub fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("flows-{}-{n}-{nanos}", std::process::id());
        Self {
            path: std::env::temp_dir().join(name),
        }
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
