//! The layout of an artifact directory.

use std::path::PathBuf;

/// The files a training run writes, all under one directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactPaths {
    /// The directory itself.
    pub dir: PathBuf,
}

impl ArtifactPaths {
    /// The layout rooted at `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `simulations.csv`: the simulations `(θ, x)` that `flow-train npe` trained on.
    pub fn simulations(&self) -> PathBuf {
        self.dir.join("simulations.csv")
    }

    /// `rounds.json`: the rounds of a sequential `npe --rounds` run.
    pub fn rounds(&self) -> PathBuf {
        self.dir.join("rounds.json")
    }

    /// `config.json`: everything needed to rebuild the data and the model.
    pub fn config(&self) -> PathBuf {
        self.dir.join("config.json")
    }

    /// `model.bpk`: the best model so far (Burn's burnpack format, full precision).
    pub fn model(&self) -> PathBuf {
        self.dir.join("model.bpk")
    }

    /// `metrics.csv`: train and valid NLL per epoch.
    pub fn metrics(&self) -> PathBuf {
        self.dir.join("metrics.csv")
    }

    /// `summary.json`: the outcome of the run.
    pub fn summary(&self) -> PathBuf {
        self.dir.join("summary.json")
    }

    /// `loss.png`: the NLL curves.
    pub fn loss_plot(&self) -> PathBuf {
        self.dir.join("loss.png")
    }

    /// `density.png`: the learned density beside the data.
    pub fn density_plot(&self) -> PathBuf {
        self.dir.join("density.png")
    }

    /// `corner.png`: samples against data, pairwise (data of more than two dimensions).
    pub fn corner_plot(&self) -> PathBuf {
        self.dir.join("corner.png")
    }

    /// `snapshots/`: density pictures during training.
    pub fn snapshots(&self) -> PathBuf {
        self.dir.join("snapshots")
    }

    /// The snapshot picture of `epoch`.
    pub fn snapshot(&self, epoch: usize) -> PathBuf {
        self.snapshots()
            .join(format!("density-epoch-{epoch:06}.png"))
    }

    /// `checkpoint/`: the Learner's model, optimizer and scheduler records by epoch.
    pub fn checkpoints(&self) -> PathBuf {
        self.dir.join("checkpoint")
    }
}
