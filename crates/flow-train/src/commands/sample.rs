//! `flow-train sample`: exact samples in the data's units, written in chunks.

use std::time::Instant;

use crate::cli::SampleArgs;
use crate::commands::{load, require_2d};
use crate::error::FlowError;
use crate::fsutil::write_atomically;
use crate::infer::inference::SCORE_CHUNK;
use crate::infer::stream::{numbered, write_rows};
use crate::output::{Format, Output, check_outputs};
use crate::plot;
use crate::train::training::{default_ranges, plotted_points, rebuild_splits};

/// `flow-train sample`.
pub fn sample(args: &SampleArgs) -> Result<(), FlowError> {
    if args.n == 0 {
        return Err(FlowError::invalid("--num-samples", "must be at least 1"));
    }
    let mut outputs = vec![Output::new("--out", &args.out, Format::Csv)];
    if let Some(plot) = &args.plot {
        outputs.push(Output::new("--plot", plot, Format::Png));
    }
    check_outputs(&outputs, &[])?;
    let (trained, device, _) = load(&args.model)?;
    if args.plot.is_some() {
        require_2d(&trained, "--plot")?;
    }
    let dim = trained.dim();
    let started = Instant::now();
    // Drawn and written chunk by chunk, so any -n fits in bounded memory; the plot keeps the
    // first chunk only.
    let mut plotted: Vec<f32> = Vec::new();
    write_rows(&args.out, &numbered("x", dim), |writer| {
        for (index, start) in (0..args.n).step_by(SCORE_CHUNK).enumerate() {
            let count = SCORE_CHUNK.min(args.n - start);
            let samples = trained.sample(count, chunk_seed(args.seed, index), &device);
            writer.rows(&samples)?;
            if index == 0 {
                plotted = samples;
            }
        }
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(plot_path) = &args.plot {
        let points: Vec<[f32; 2]> = plotted.chunks(2).map(|p| [p[0], p[1]]).collect();
        let data = match trained.config.is_fit() {
            true => None,
            false => Some(plotted_points(&rebuild_splits(&trained.config)?.train)),
        };
        let ranges = default_ranges(&trained.config)?;
        let title = format!("{} exact samples", points.len());
        write_atomically(plot_path, |tmp| {
            plot::samples_png(tmp, &points, data.as_deref(), ranges, &title)
        })?;
    }
    println!(
        "wrote {} samples to {} in {seconds:.3} s",
        args.n,
        args.out.display()
    );
    Ok(())
}

/// The seed of the base draws of sampling chunk `index`: the user's seed for the first chunk
/// (so `-n` up to one chunk is exactly `Flow::sample(n, seed)`), then distinct mixes.
fn chunk_seed(seed: u64, index: usize) -> u64 {
    seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}
