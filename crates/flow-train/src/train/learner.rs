//! Burn's supervised training, set up the way this project trains.

use std::path::Path;
use std::sync::Arc;

use burn::data::dataloader::DataLoader;
use burn::train::metric::{Adaptor, LossInput, LossMetric};
use burn::train::{InferenceStep, LearnerModel, SupervisedTraining, TrainStep};

use crate::train::renderer::SilentRenderer;

/// A [`SupervisedTraining`] over the `train` and `valid` loaders whose train and valid metric
/// is the per-sample loss (the model's outputs give it per sample, so epoch means are
/// weighted correctly), with nothing printed per batch (a silent renderer, no application
/// log). Burn writes its own metric logs under `dir`.
pub fn quiet_training<M>(
    dir: &Path,
    train: Arc<dyn DataLoader<<M as TrainStep>::Input>>,
    valid: Arc<dyn DataLoader<<M as InferenceStep>::Input>>,
) -> SupervisedTraining<M>
where
    M: LearnerModel,
    <M as TrainStep>::Output: Adaptor<LossInput>,
    <M as InferenceStep>::Output: Adaptor<LossInput>,
{
    SupervisedTraining::new(dir, train, valid)
        .metric_train_numeric(LossMetric::new())
        .metric_valid_numeric(LossMetric::new())
        .with_application_logger(None)
        .renderer(Box::new(SilentRenderer))
}
