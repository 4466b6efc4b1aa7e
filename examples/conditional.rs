//! A conditional flow `p(x | c)`: rows `(x1, x2, c)` made here, where `x` circles the point
//! `(c, −c)` on a ring whose radius grows with `c`, train a conditional MAF (the context is
//! just another input of every MADE); then samples at two contexts.
//!
//! Run: `cargo run --release --example conditional` (a few seconds on two cores, once built).

use std::path::Path;

use anyhow::Result;
use burn::optim::AdamConfig;
use burn::tensor::{Device, Tensor, TensorData};
use burn::train::Learner;
use flows::data::{Points, dataloader, split};
use flows::model::{AutoregressiveConfig, FlowConfig, MafConfig, repeat_rows};
use flows::train::train::learner::quiet_training;
use flows::train::train::model::DensityModel;

/// `n` rows `(x1, x2, c)`: `c ~ U(−1, 1)`, `x` on a ring of radius `0.5 + 0.5 (c + 1)` around
/// `(c, −c)`, with noise.
fn rows(n: usize) -> Vec<[f32; 3]> {
    let mut state = 3u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    (0..n)
        .map(|_| {
            let c = 2.0 * uniform() - 1.0;
            let angle = uniform() * std::f32::consts::TAU;
            let radius = 0.5 + 0.5 * (c + 1.0) + 0.3 * (uniform() - 0.5);
            [c + radius * angle.cos(), -c + radius * angle.sin(), c]
        })
        .collect()
}

fn main() -> Result<()> {
    let device = Device::flex();
    let training_device = device.clone().autodiff();

    // Rows are x, then the context: the model reads the first 2 columns as x.
    let splits = split(Points::from_rows(3, rows(12_000))?, 10_000, 1_000, 1_000, 1)?;
    let family = MafConfig::new(AutoregressiveConfig::new(5).with_hidden(64));
    let flow = FlowConfig::new(2, family)
        .with_context(1)
        .init(&training_device)?;

    let train = dataloader(splits.train, 256, Some(0), &training_device);
    let valid = dataloader(splits.valid, 1_000, None, &training_device);
    let learner = Learner::new(DensityModel::new(flow, 0.0), AdamConfig::new().init(), 3e-3);
    let flow = quiet_training(Path::new("artifacts/conditional"), train, valid)
        .num_epochs(20)
        .launch(learner)
        .model
        .flow;

    let test = &splits.test;
    let all = Tensor::<2>::from_data(
        TensorData::new(test.values().to_vec(), [test.len(), 3]),
        &device,
    );
    let (x, c) = (all.clone().narrow(1, 0, 2), all.narrow(1, 2, 1));
    let nll = -flow.log_prob_with_context(x, c).mean().into_scalar::<f32>();
    println!("test NLL {nll:.4} nats on {} held-out rows", test.len());

    for context in [-0.8f32, 0.8] {
        // 2000 samples at one context: one context row per sample.
        let c = repeat_rows(Tensor::<2>::from_floats([[context]], &device), 2000);
        let samples: Vec<f32> = flow.given(c).sample(7).into_data().iter::<f32>().collect();
        let mean = |k: usize| samples.iter().skip(k).step_by(2).sum::<f32>() / 2000.0;
        let radius = samples
            .chunks(2)
            .map(|p| ((p[0] - context).powi(2) + (p[1] + context).powi(2)).sqrt())
            .sum::<f32>()
            / 2000.0;
        println!(
            "c = {context:+.1}: sample mean ({:+.3}, {:+.3}), mean distance from (c, -c) {radius:.3} \
             (true: ({context:+.1}, {:+.1}), {:.3}); first samples {:?}",
            mean(0),
            mean(1),
            -context,
            0.5 + 0.5 * (context + 1.0),
            &samples[..4]
        );
    }
    Ok(())
}
