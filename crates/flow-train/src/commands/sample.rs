//! `flow-train sample`: exact samples in the data's units, written in chunks, with optional
//! pictures (a scatter or corner plot, or images).

use std::time::Instant;

use crate::cli::SampleArgs;
use crate::commands::context::contexts;
use crate::commands::load;
use crate::error::FlowError;
use crate::fsutil::write_atomically;
use crate::infer::inference::{SCORE_CHUNK, TrainedFlow, chunk_seed};
use crate::infer::stream::{numbered, write_rows};
use crate::output::{Format, Output, check_outputs};
use crate::plot;
use crate::train::training::{default_ranges, draw_corner, plotted_points, training_points};

/// Images drawn by `--images`, of samples and of data each.
const IMAGES: usize = 32;

/// `flow-train sample`.
pub fn sample(args: &SampleArgs) -> Result<(), FlowError> {
    if args.n == 0 {
        return Err(FlowError::invalid("--num-samples", "must be at least 1"));
    }
    let image_shape = args.image_shape.as_deref().map(parse_shape).transpose()?;
    let mut outputs = vec![Output::new("--out", &args.out, Format::Rows)];
    if let Some(plot) = &args.plot {
        outputs.push(Output::new("--plot", plot, Format::Png));
    }
    if let Some(images) = &args.images {
        outputs.push(Output::new("--images", images, Format::Png));
    }
    check_outputs(&outputs, &[])?;
    let (trained, device, _) = load(&args.model)?;
    let contexts = contexts(&trained, &args.context, args.context_file.as_deref())?;
    let dim = trained.dim();
    let plot_dims = corner_dims(args.plot_dims.as_deref(), dim)?;
    if let Some((height, width)) = image_shape
        && height * width != dim
    {
        return Err(FlowError::invalid(
            "--image-shape",
            format!(
                "{height}x{width} images have {} pixels, but the data has {dim} columns",
                height * width
            ),
        ));
    }
    let prior_box = args
        .prior_box
        .parse(dim)?
        .or_else(|| trained.config.prior_box.clone());
    let started = Instant::now();
    // Drawn and written chunk by chunk, so any -n fits in bounded memory (inside a prior box,
    // one context's samples at a time); the pictures use the first chunk only.
    let mut first: Vec<f32> = Vec::new();
    let mut columns = numbered("x", dim);
    let per_row = trained.context_dim().max(1);
    let rows = contexts.as_ref().map_or(1, |c| c.len() / per_row);
    let numbered_rows = args.context_file.is_some();
    if numbered_rows {
        columns.push("context_row".into());
    }
    let mut acceptance = Acceptance::default();
    write_rows(&args.out, &columns, |writer| {
        let mut write = |samples: Vec<f32>, row: usize| {
            if numbered_rows {
                let numbered: Vec<f32> = samples
                    .chunks(dim)
                    .flat_map(|x| x.iter().copied().chain([(row + 1) as f32]))
                    .collect();
                writer.rows(&numbered)?;
            } else {
                writer.rows(&samples)?;
            }
            if first.is_empty() {
                first = samples;
            }
            Ok::<(), FlowError>(())
        };
        let mut index = 0;
        for row in 0..rows {
            let context = contexts
                .as_ref()
                .map(|c| &c[row * per_row..(row + 1) * per_row]);
            if let Some(prior_box) = &prior_box {
                let seed = chunk_seed(args.seed, row);
                let draws = trained.sample_in_box(context, args.n, seed, prior_box, &device)?;
                acceptance.add(row, draws.inside, draws.drawn);
                write(draws.values, row)?;
                continue;
            }
            for start in (0..args.n).step_by(SCORE_CHUNK) {
                let count = SCORE_CHUNK.min(args.n - start);
                let seed = chunk_seed(args.seed, index);
                let samples = match context {
                    None => trained.sample(count, seed, &device),
                    Some(context) => trained.sample_at(context, count, seed, &device),
                };
                write(samples, row)?;
                index += 1;
            }
        }
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.plot {
        draw_samples(&trained, &first, &plot_dims, path)?;
    }
    if let (Some(path), Some(shape)) = (&args.images, image_shape) {
        let data = training_points(&trained.config)?.columns(0, dim);
        let count = IMAGES.min(first.len() / dim).min(data.len());
        let values = data.values();
        let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| {
            (lo.min(f64::from(v)), hi.max(f64::from(v)))
        });
        write_atomically(path, |tmp| {
            plot::images_png(
                tmp,
                &first[..count * dim],
                &values[..count * dim],
                shape,
                8,
                (lo, hi.max(lo + 1e-6)),
                "Samples beside training rows",
            )
        })?;
    }
    println!(
        "wrote {} samples to {} in {seconds:.3} s",
        args.n * rows,
        args.out.display()
    );
    if prior_box.is_some() {
        println!("{}", acceptance.describe(rows));
    }
    Ok(())
}

/// How many draws fell inside the prior box, over all contexts and at the worst one.
#[derive(Debug, Default)]
struct Acceptance {
    inside: usize,
    drawn: usize,
    /// The lowest rate of one context, and that context's 0-based row.
    lowest: Option<(f64, usize)>,
}

impl Acceptance {
    /// Counts the draws at context row `row`.
    fn add(&mut self, row: usize, inside: usize, drawn: usize) {
        self.inside += inside;
        self.drawn += drawn;
        let rate = inside as f64 / drawn.max(1) as f64;
        if self.lowest.is_none_or(|(lowest, _)| rate < lowest) {
            self.lowest = Some((rate, row));
        }
    }

    /// One line: the acceptance rate (and the lowest one's context row, of several).
    fn describe(&self, rows: usize) -> String {
        let rate = self.inside as f64 / self.drawn.max(1) as f64;
        let mut line = format!(
            "prior box: accepted {} of {} draws ({:.2}%), the others redrawn",
            self.inside,
            self.drawn,
            100.0 * rate
        );
        if let (true, Some((lowest, row))) = (rows > 1, self.lowest) {
            line.push_str(&format!(
                "; lowest {:.2}% at context row {}",
                100.0 * lowest,
                row + 1
            ));
        }
        line
    }
}

/// The picture of `--plot`: the samples beside the training data (2-D), or the corner plot
/// of `dims` (0-based) in more dimensions.
fn draw_samples(
    trained: &TrainedFlow,
    samples: &[f32],
    dims: &[usize],
    path: &std::path::Path,
) -> Result<(), FlowError> {
    let data = match trained.config.is_fit() {
        true => None,
        false => Some(training_points(&trained.config)?.columns(0, trained.dim())),
    };
    if trained.dim() == 2 {
        let points: Vec<[f32; 2]> = samples.chunks(2).map(|p| [p[0], p[1]]).collect();
        let data = data.as_ref().map(plotted_points);
        let ranges = default_ranges(&trained.config)?;
        let title = format!("{} exact samples", points.len());
        return write_atomically(path, |tmp| {
            plot::samples_png(tmp, &points, data.as_deref(), ranges, &title)
        });
    }
    let data = data.ok_or_else(|| FlowError::invalid("--plot", "needs a model of data"))?;
    draw_corner(path, samples, &data, dims)
}

/// The 0-based coordinates of the corner plot: the given 1-based ones, or the first six.
fn corner_dims(given: Option<&[usize]>, dim: usize) -> Result<Vec<usize>, FlowError> {
    let Some(given) = given else {
        return Ok((0..dim.min(6)).collect());
    };
    if given.is_empty() || given.len() > 8 || given.iter().any(|&d| d == 0 || d > dim) {
        return Err(FlowError::invalid(
            "--plot-dims",
            format!("takes 1 to 8 coordinates among 1..={dim}, got {given:?}"),
        ));
    }
    Ok(given.iter().map(|d| d - 1).collect())
}

/// `HxW` as `(H, W)`.
fn parse_shape(text: &str) -> Result<(usize, usize), FlowError> {
    let parsed = text
        .split_once(['x', 'X'])
        .and_then(|(h, w)| Some((h.trim().parse().ok()?, w.trim().parse().ok()?)))
        .filter(|&(h, w): &(usize, usize)| h > 0 && w > 0);
    parsed.ok_or_else(|| {
        FlowError::invalid(
            "--image-shape",
            format!("takes HEIGHTxWIDTH such as 8x8, got `{text}`"),
        )
    })
}
