//! The outcome of a run, as `summary.json` holds it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::FlowError;
use crate::train::divergence::Cause;
use crate::train::monitor::StopReason;

/// The outcome of a run, saved as `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The version of this file's layout (see [`crate::format`]).
    #[serde(default = "crate::format::unversioned")]
    pub format_version: u32,
    /// Mean NLL of the best model on the test split (nats), in the data's units; `None` if no
    /// epoch finished or the run fitted an energy.
    pub test_nll: Option<f64>,
    /// The best validation NLL (nats) of density estimation.
    pub best_valid_nll: Option<f64>,
    /// The epoch of the best validation value (the model saved in `model.bpk`).
    pub best_epoch: Option<usize>,
    /// Epochs run.
    pub epochs: usize,
    /// Wall time of training (seconds).
    pub train_seconds: f64,
    /// Wall time of the final evaluation (seconds).
    pub test_seconds: f64,
    /// The backend used.
    pub backend: String,
    /// The devices trained on, as named (`--device` or `--devices`), the main one first.
    #[serde(default)]
    pub devices: Vec<String>,
    /// Burn's execution strategy: `single-device` or `multi-device`.
    #[serde(default)]
    pub strategy: String,
    /// The flow family (`planar`, `radial`, `realnvp`, `nsf`).
    pub flow: String,
    /// The model's size in a few words (`32 planar layers`).
    pub model: String,
    /// The number of layers of a planar or radial flow.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layers: Option<usize>,
    /// The number of coupling transforms of a realnvp or nsf flow.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transforms: Option<usize>,
    /// The data dimension.
    pub dim: usize,
    /// The width of the context of a conditional flow `p(x | c)` (0: none).
    #[serde(default)]
    pub context_dim: usize,
    /// The context columns of the data file, 1-based, in the order the model sees them.
    #[serde(default)]
    pub context_columns: Vec<usize>,
    /// The data set, the data file, or the energy.
    pub dataset: String,
    /// Training points (per epoch, for an energy).
    pub n_train: usize,
    /// Validation points.
    pub n_valid: usize,
    /// Test points (the samples of the final KL estimate, for an energy).
    pub n_test: usize,
    /// The seed of the run.
    pub seed: u64,
    /// Why training ended.
    pub stopped: StopReason,
    /// The validation value (NLL, or the loss of variational inference) of the untrained
    /// model: the reference of the divergence rule.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub initial_valid: Option<f64>,
    /// The energy fitted by variational inference (`u1` … `u4`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub target: Option<String>,
    /// The best model's unannealed loss `E_q[log q + U]` on the fixed validation samples.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub loss: Option<f64>,
    /// `log Z` of the target, by the midpoint rule on a 2000 × 2000 grid over `[−25, 25]²`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub log_z: Option<f64>,
    /// `KL(q‖p) = E_q[log q + U] + log Z`, on `n_test` fresh samples of the best model.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kl: Option<f64>,
    /// The Monte-Carlo standard error of `kl`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kl_stderr: Option<f64>,
    /// The effective sample size fraction of the importance weights `p/q` on those samples.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ess: Option<f64>,
}

impl RunSummary {
    /// How the run that wrote `dir` ended, as a result: an error (saying what was kept) when
    /// it diverged or was interrupted.
    pub fn outcome(&self, dir: &Path) -> Result<(), FlowError> {
        let best_value = self.best_valid_nll.or(self.loss);
        let worse_than_untrained = matches!(
            (best_value, self.initial_valid),
            (Some(best), Some(start)) if best > start
        );
        let kept = match self.best_epoch {
            Some(best) if worse_than_untrained => format!(
                "the best model (epoch {best}) is in {} but is worse than the untrained one",
                dir.join("model.bpk").display()
            ),
            Some(best) => format!(
                "the best model (epoch {best}) is intact in {}",
                dir.join("model.bpk").display()
            ),
            None => "no model was saved".to_string(),
        };
        let metric = if self.target.is_some() { "loss" } else { "NLL" };
        let start = self.initial_valid.map_or_else(|| "?".to_string(), number);
        match self.stopped {
            StopReason::Diverged {
                epoch,
                cause,
                value,
            } => {
                let what = match cause {
                    Cause::NonFinite => format!("the loss became NaN or infinite at epoch {epoch}"),
                    Cause::Exploded => format!(
                        "the validation {metric} exploded at epoch {epoch}, to {} (the untrained model \
                     scored {start})",
                        value.map_or_else(|| "?".to_string(), number)
                    ),
                    Cause::NoProgress => format!(
                        "the run diverged: from epoch {epoch} to {} no validation {metric} was better \
                     than the untrained model's {start} (the best was {})",
                        self.epochs,
                        value.map_or_else(|| "?".to_string(), number)
                    ),
                };
                Err(FlowError::Training(format!(
                    "{what} (try a lower --lr); {kept}"
                )))
            }
            StopReason::Interrupted => Err(FlowError::Interrupted(format!(
                "after {} epochs; {kept}",
                self.epochs
            ))),
            StopReason::MaxEpochs | StopReason::EarlyStopped => Ok(()),
        }
    }
}

/// `value` in a few digits: fixed point when moderate, else in scientific notation.
fn number(value: f64) -> String {
    if value.abs() < 1e6 {
        format!("{value:.4}")
    } else {
        format!("{value:.4e}")
    }
}
