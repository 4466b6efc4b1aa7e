//! Inference without the command line: load an artifact directory that `flow-train train`
//! wrote, score a few points and draw exact samples.
//!
//! Run: `cargo run --release --example inference -- artifacts/checkerboard` (after
//! `cargo run --release -p flow-train`, which writes that directory).

use std::path::PathBuf;

use anyhow::Result;
use burn::tensor::Device;
use flows::train::infer::inference::TrainedFlow;

fn main() -> Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("artifacts/checkerboard"), PathBuf::from);
    let device = Device::flex();

    // config.json and model.bpk: the configuration and the best model of the run.
    let trained = TrainedFlow::load(&dir, &device)?;
    println!(
        "{} ({}) on {}",
        trained.config.describe_model(),
        trained.config.flow_name(),
        trained.config.data.describe()
    );

    // log p(x) of points given row-major, in the data's own units.
    let dim = trained.dim();
    let points: Vec<f32> = [[1.0, 1.0], [1.0, -1.0], [-1.0, 2.5]]
        .iter()
        .flat_map(|p| p.iter().copied().cycle().take(dim))
        .collect();
    for (point, log_p) in points.chunks(dim).zip(trained.log_prob(&points, &device)) {
        println!("log p({point:?}) = {log_p:.4}");
    }

    // Exact samples (the flow inverted at base draws from seed 7).
    let samples = trained.sample(5, 7, &device);
    for sample in samples.chunks(dim) {
        println!("sample {sample:?}");
    }
    Ok(())
}
