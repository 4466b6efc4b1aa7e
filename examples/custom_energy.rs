//! Variational inference on your own energy: a flow fitted to `p(x) ∝ exp(−U(x))` for a
//! banana-shaped `U` written here as a closure over Burn tensors, by the reverse KL through
//! Burn's Learner; then its KL divergence, with `log Z` from a grid.
//!
//! Run: `cargo run --release --example custom_energy` (a few seconds on two cores, once built).

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use burn::data::dataloader::DataLoaderBuilder;
use burn::optim::AdamConfig;
use burn::tensor::{Device, Tensor};
use burn::train::Learner;
use flows::data::RowIndices;
use flows::model::{Direction, EnergyFn, FlowConfig, PlanarConfig, grid_log_partition};
use flows::train::train::fit::{Annealing, FitBatcher, FitModel, SharedEnergy, fit_statistics};
use flows::train::train::learner::quiet_training;

fn main() -> Result<()> {
    let device = Device::flex();
    let training_device = device.clone().autodiff();

    // U(x) = x1²/8 + 2 (x2 − x1²/4)²: a curved ridge. Any function of points [N, 2] to
    // energies [N] made of tensor operations works (autodiff differentiates it).
    let banana = EnergyFn::new(2, |x: Tensor<2>| {
        let n = x.dims()[0];
        let x1: Tensor<1> = x.clone().narrow(1, 0, 1).reshape([n]);
        let x2: Tensor<1> = x.narrow(1, 1, 1).reshape([n]);
        let bend = x2 - x1.clone().square().div_scalar(4.0);
        x1.square().div_scalar(8.0) + bend.square().mul_scalar(2.0)
    });
    let energy = SharedEnergy(Arc::new(banana));

    // A generator: 16 planar layers map base draws to samples.
    let flow = FlowConfig::new(2, PlanarConfig::new(16))
        .with_direction(Direction::Generative)
        .init(&training_device)?;

    // Every step draws 512 fresh base points; the energy's weight is annealed over 1000
    // steps; each epoch is 250 steps and is validated on 4096 fixed draws.
    let (samples, steps_per_epoch) = (512, 250);
    let annealing = Annealing {
        start: 0.01,
        steps: 1000,
    };
    let train = DataLoaderBuilder::new(FitBatcher::steps(0, 0, 1, Some(annealing)))
        .batch_size(samples)
        .set_device(training_device.clone())
        .build(RowIndices::new(samples * steps_per_epoch));
    let valid = DataLoaderBuilder::new(FitBatcher::Fixed { seed: 0 })
        .batch_size(4096)
        .set_device(training_device)
        .build(RowIndices::new(4096));
    let learner = Learner::new(
        FitModel::new(flow, energy.clone()),
        AdamConfig::new().init(),
        3e-3,
    );
    let fitted = quiet_training(Path::new("artifacts/custom-energy"), train, valid)
        .num_epochs(12)
        .launch(learner)
        .model
        .flow;

    // KL(q‖p) = E_q[log q + U] + log Z, with log Z by the midpoint rule on a grid wide
    // enough for the ridge (here Z is known: 2π).
    let log_z = grid_log_partition(energy.0.as_ref(), 20.0, 2000, &device);
    let statistics = fit_statistics(&fitted, energy.0.as_ref(), 50_000, 1, &device);
    println!(
        "KL {:.4} ± {:.4} nats (log Z {log_z:.4}, exactly ln 2π = 1.8379), effective sample size {:.1}%",
        statistics.loss + log_z,
        statistics.loss_stderr,
        100.0 * statistics.ess
    );
    Ok(())
}
