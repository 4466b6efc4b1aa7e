//! The flow wrapped for Burn's Learner: one train step and one validation step.

use burn::module::Module;
use burn::tensor::Tensor;
use burn::train::metric::{Adaptor, ItemLazy, LossInput};
use burn::train::{InferenceStep, TrainOutput, TrainStep};
use burn_std::ExecutionError;
use flow_data::PointBatch;
use flow_model::Flow;

/// The trained module: a flow whose loss is the mean negative log-likelihood.
#[derive(Module, Debug)]
pub struct DensityModel {
    /// The flow being fitted.
    pub flow: Flow,
    /// Added to every log-density (the standardisation's log-Jacobian), so that the reported
    /// NLL is in the data's own units; it does not change the gradient.
    log_det_offset: f64,
    /// The factor of the mean NLL in a train step (`1/n` on each of `n` devices, whose
    /// gradients Burn adds).
    loss_scale: f64,
}

/// What one step hands to the metrics: the per-point NLL, `[B]`.
pub struct NllOutput {
    /// `−log p(x)` for each point of the batch: `[B]`.
    pub nll: Tensor<1>,
}

impl DensityModel {
    /// `flow`, whose log-densities are shifted by `log_det_offset` when reported.
    pub fn new(flow: Flow, log_det_offset: f64) -> Self {
        Self {
            flow,
            log_det_offset,
            loss_scale: 1.0,
        }
    }

    /// This model with its train-step loss scaled by `scale` (the reported NLL is not).
    pub fn with_loss_scale(self, scale: f64) -> Self {
        Self {
            loss_scale: scale,
            ..self
        }
    }

    /// Per-point negative log-likelihood of a batch (rows of `x`, then the context of a
    /// conditional flow): `[B]`.
    pub fn nll(&self, batch: PointBatch) -> Tensor<1> {
        let log_p = match split_context(batch.points, self.flow.dim()) {
            (x, None) => self.flow.log_prob(x),
            (x, Some(context)) => self.flow.log_prob_with_context(x, context),
        };
        log_p.add_scalar(self.log_det_offset).neg()
    }
}

/// Rows of `x`'s `dim` values followed by a context (`[N, dim + C]`) as `(x [N, dim], the
/// context [N, C])`; rows of `dim` values have no context.
pub fn split_context(rows: Tensor<2>, dim: usize) -> (Tensor<2>, Option<Tensor<2>>) {
    let width = rows.dims()[1];
    if width == dim {
        return (rows, None);
    }
    (
        rows.clone().narrow(1, 0, dim),
        Some(rows.narrow(1, dim, width - dim)),
    )
}

impl TrainStep for DensityModel {
    type Input = PointBatch;
    type Output = NllOutput;

    fn step(&self, batch: PointBatch) -> TrainOutput<NllOutput> {
        let nll = self.nll(batch);
        let grads = nll.clone().mean().mul_scalar(self.loss_scale).backward();
        TrainOutput::new(self, grads, NllOutput { nll })
    }
}

impl InferenceStep for DensityModel {
    type Input = PointBatch;
    type Output = NllOutput;

    fn step(&self, batch: PointBatch) -> NllOutput {
        NllOutput {
            nll: self.nll(batch),
        }
    }
}

impl Adaptor<LossInput> for NllOutput {
    fn adapt(&self) -> LossInput {
        // The per-point values, so that the metric weights each batch by its size.
        LossInput::new(self.nll.clone())
    }
}

impl ItemLazy for NllOutput {
    fn sync(self) -> Result<Self, ExecutionError> {
        self.nll.device().flush()?;
        Ok(Self {
            nll: self.nll.without_autodiff(),
        })
    }
}
