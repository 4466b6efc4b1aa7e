//! Quick start: train a planar flow on the checkerboard through the library and Burn's
//! Learner, print its test NLL, and save the weights.
//!
//! Run: `cargo run --release --example quick_start` (a few seconds on two cores, once built).

use std::path::Path;

use anyhow::Result;
use burn::module::Module;
use burn::optim::AdamConfig;
use burn::tensor::{Device, Tensor, TensorData};
use burn::train::Learner;
use flows::data::{DatasetKind, dataloader, make_splits};
use flows::model::{FlowConfig, PlanarConfig};
use flows::train::train::learner::quiet_training;
use flows::train::train::model::DensityModel;

fn main() -> Result<()> {
    let device = Device::flex();
    // Training needs the autodiff form of the device (Burn's gradients).
    let training_device = device.clone().autodiff();

    // The data: checkerboard points split into train, valid and test, from seed 0.
    let splits = make_splits(DatasetKind::Checkerboard, 65_536, 4_096, 8_192, 0)?;

    // The model: 32 planar layers over a standard normal, built on the training device.
    let flow = FlowConfig::new(2, PlanarConfig::new(32)).init(&training_device)?;

    // Training: the mean negative log-likelihood, Adam at 1e-2, 40 epochs of 128 batches.
    let train = dataloader(splits.train, 512, Some(0), &training_device);
    let valid = dataloader(splits.valid, 4096, None, &training_device);
    let learner = Learner::new(DensityModel::new(flow, 0.0), AdamConfig::new().init(), 1e-2);
    let dir = Path::new("artifacts/quick-start");
    let trained = quiet_training(dir, train, valid)
        .num_epochs(40)
        .launch(learner)
        .model;

    // The test NLL of the last epoch's model; the optimum is ln 32 = 3.466 nats.
    let test = Tensor::<2>::from_data(
        TensorData::new(splits.test.values().to_vec(), [splits.test.len(), 2]),
        &device,
    );
    let flow = trained.flow;
    let nll = -flow.log_prob(test).mean().into_scalar::<f32>();
    println!("test NLL {nll:.4} nats (the optimum is 3.4657)");

    // The weights, in Burn's burnpack format: `FlowConfig::init(..)?.load_file(..)` reads
    // them back.
    let path = dir.join("planar.bpk");
    flow.save_file(&path)?;
    println!("saved {}", path.display());
    Ok(())
}
