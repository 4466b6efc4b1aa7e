//! Simulation-based inference with a simulator written in Rust: draw θ = (μ, σ) from a box
//! prior, simulate the mean and standard deviation of 10 noisy measurements N(μ, σ²), train
//! the posterior q(θ | x) on 5 000 simulations (neural posterior estimation, x as the
//! context), then draw posterior samples at one observation, inside the prior's box.
//!
//! Run: `cargo run --release --example sbi` (under a minute on two cores, once built).

use anyhow::Result;
use burn::train::Interrupter;
use flows::data::{PriorBox, simulate};
use flows::train::api::{Run, Settings, fit_posterior};
use flows::train::train::progress::ProgressTo;
use rand::RngExt;
use rand_distr::StandardNormal;

fn main() -> Result<()> {
    let prior_box = PriorBox::new(vec![[-2.0, 2.0], [0.5, 2.0]])?;
    let prior = |rng: &mut rand::rngs::StdRng| {
        prior_box
            .bounds()
            .iter()
            .map(|[lo, hi]| rng.random_range(*lo..*hi))
            .collect()
    };
    let simulator = |theta: &[f64], rng: &mut rand::rngs::StdRng| {
        let draws: Vec<f64> = (0..10)
            .map(|_| theta[0] + theta[1] * rng.sample::<f64, _>(StandardNormal))
            .collect();
        let mean = draws.iter().sum::<f64>() / 10.0;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / 9.0;
        vec![mean, var.sqrt()]
    };
    let simulations = simulate(5_000, 0, prior, simulator)?;

    // The npe preset; any flag of `flow-train train` by name ("wgpu" for a GPU).
    let settings = Settings::new().with("device", "flex");
    let run = Run {
        dir: "artifacts/sbi".as_ref(),
        progress: ProgressTo::Stdout,
        interrupter: &Interrupter::new(),
    };
    let (posterior, device) =
        fit_posterior(&simulations, Some(&prior_box), &settings, run)?.into_best(run.dir)?;

    // Ten measurements had mean 0.7 and standard deviation 1.2.
    let observed = [0.7f32, 1.2];
    let draws = posterior.sample_in_box(Some(&observed), 10_000, 1, &prior_box, &device)?;
    for (i, name) in ["mu", "sigma"].iter().enumerate() {
        let values: Vec<f32> = draws.values.iter().skip(i).step_by(2).copied().collect();
        let mean = values.iter().sum::<f32>() / values.len() as f32;
        let std =
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / values.len() as f32).sqrt();
        println!("posterior of {name}: mean {mean:.3}, std {std:.3}");
    }
    println!(
        "inside the prior box, of the posterior's draws: {:.1} %",
        100.0 * draws.acceptance()
    );
    Ok(())
}
