//! Your own points: a `Vec<[f32; 2]>` made here (a noisy ring with a bright arc) goes through
//! the data crate into a neural spline flow, trained with Burn's Learner.
//!
//! Run: `cargo run --release --example custom_data` (a few seconds on two cores, once built).

use std::path::Path;

use anyhow::Result;
use burn::optim::AdamConfig;
use burn::tensor::{Device, Tensor, TensorData};
use burn::train::Learner;
use flows::data::{Points, dataloader, split};
use flows::model::{CouplingConfig, FlowConfig, NsfConfig};
use flows::train::train::learner::quiet_training;
use flows::train::train::model::DensityModel;

/// `n` points on a ring of radius 2 (a quarter of them crowded on one arc), with noise.
fn ring(n: usize) -> Vec<[f32; 2]> {
    // A small deterministic generator keeps the example free of extra dependencies.
    let mut state = 1u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    (0..n)
        .map(|i| {
            let angle = if i % 4 == 0 {
                uniform() * 0.8
            } else {
                uniform() * std::f32::consts::TAU
            };
            let radius = 2.0 + 0.15 * (uniform() + uniform() + uniform() - 1.5);
            [radius * angle.cos(), radius * angle.sin()]
        })
        .collect()
}

fn main() -> Result<()> {
    let device = Device::flex();
    let training_device = device.clone().autodiff();

    // Any rows of equal length become a point set; `split` shuffles it into three parts.
    let points = Points::from_rows(2, ring(12_000))?;
    let splits = split(points, 9_000, 1_000, 2_000, 1)?;

    // A neural spline flow: 4 couplings with 8-bin splines on [−3, 3].
    let family = NsfConfig::new(CouplingConfig::new(4).with_hidden(32))
        .with_bins(8)
        .with_tail_bound(3.0);
    let flow = FlowConfig::new(2, family).init(&training_device)?;

    let train = dataloader(splits.train, 256, Some(0), &training_device);
    let valid = dataloader(splits.valid, 1_000, None, &training_device);
    let learner = Learner::new(DensityModel::new(flow, 0.0), AdamConfig::new().init(), 3e-3);
    let trained = quiet_training(Path::new("artifacts/custom-data"), train, valid)
        .num_epochs(15)
        .launch(learner)
        .model;

    let test = Tensor::<2>::from_data(
        TensorData::new(splits.test.values().to_vec(), [splits.test.len(), 2]),
        &device,
    );
    let nll = -trained.flow.log_prob(test).mean().into_scalar::<f32>();
    println!(
        "test NLL {nll:.4} nats on {} held-out points",
        splits.test.len()
    );
    Ok(())
}
