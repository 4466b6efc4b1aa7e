//! What each subcommand of `flow-train` does.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use burn::train::Interrupter;
use serde::Serialize;

use crate::artifacts::ArtifactPaths;
use crate::backend;
use crate::bench::{self, BenchPlan};
use crate::cli::{
    BenchArgs, DensityArgs, EvalArgs, ExportArgs, ModelArgs, SampleArgs, ScoreArgs, TrainArgs,
};
use crate::error::FlowError;
use crate::export::export;
use crate::fsutil::{write_atomically, write_json_atomically};
use crate::inference::{SCORE_CHUNK, TrainedFlow, fill_density, load_config, mean_nll};
use crate::monitor::StopReason;
use crate::plot::{self, Grid2d};
use crate::training::{self, PLOT_RANGE, Start, plotted_points, rebuild_splits};

/// Largest `--grid` accepted by `density`.
const MAX_GRID: usize = 5000;

/// `flow-train train`.
pub fn train(args: &TrainArgs) -> Result<(), FlowError> {
    let (config, dir, start) = match &args.artifact_dir {
        Some(dir) if args.resume => {
            let recorded = load_config(&ArtifactPaths::new(dir).config())?;
            (args.resumed_config(recorded)?, dir.clone(), Start::Resume)
        }
        _ => {
            let config = args.config()?;
            let dir = args.artifact_dir(&config);
            (config, dir, Start::Fresh)
        }
    };
    let backend = args.device.backend();
    let device = backend::device(&backend)?;
    println!(
        "{} {} on {} ({} train / {} valid / {} test points) with {backend}; artifacts in {}",
        match start {
            Start::Fresh => "training",
            Start::Resume => "resuming the training of",
        },
        config.describe_model(),
        config.dataset,
        config.n_train,
        config.n_valid,
        config.n_test,
        dir.display()
    );
    let interrupter = Interrupter::new();
    stop_on_signals(&interrupter);
    let summary = training::train(&config, &dir, &device, &backend, &interrupter, start)?;
    match (summary.test_nll, summary.best_epoch) {
        (Some(test_nll), Some(best_epoch)) => println!(
            "stopped ({}) after {} epochs in {:.1} s; best epoch {best_epoch} (valid NLL {:.4}); test NLL {test_nll:.4} nats ({:.4} bits/dim) in {:.2} s",
            summary.stopped.describe(),
            summary.epochs,
            summary.train_seconds,
            summary.best_valid_nll.unwrap_or(f64::NAN),
            bits_per_dim(test_nll, summary.dim),
            summary.test_seconds
        ),
        _ => println!(
            "stopped ({}) after {} epochs; no model was good enough to save",
            summary.stopped.describe(),
            summary.epochs
        ),
    }
    let kept = match summary.best_epoch {
        Some(best) => format!(
            "the best model (epoch {best}) is intact in {}",
            dir.join("model.bpk").display()
        ),
        None => "no model was saved".to_string(),
    };
    match summary.stopped {
        StopReason::Diverged { epoch } => Err(FlowError::Training(format!(
            "the loss became NaN or infinite at epoch {epoch} (try a lower --lr); {kept}"
        ))),
        StopReason::Interrupted => Err(FlowError::Interrupted(format!(
            "after {} epochs; {kept}",
            summary.epochs
        ))),
        StopReason::MaxEpochs | StopReason::EarlyStopped => Ok(()),
    }
}

/// Turns the first SIGINT/SIGTERM into a clean stop (the best model is kept, tested and
/// summarised); a second one ends the process at once.
fn stop_on_signals(interrupter: &Interrupter) {
    let interrupter = interrupter.clone();
    let handler = ctrlc::set_handler(move || {
        if interrupter.should_stop() {
            eprintln!("stopped again: exiting now; the best model saved so far is intact");
            std::process::exit(130);
        }
        eprintln!("stopping: finishing the current step, then testing the best model so far");
        interrupter.stop(Some("interrupted by a signal"));
    });
    if let Err(e) = handler {
        eprintln!("warning: cannot catch interruptions ({e}); Ctrl-C will end training abruptly");
    }
}

/// `nats / (D ln 2)`.
fn bits_per_dim(nats: f64, dim: usize) -> f64 {
    nats / std::f64::consts::LN_2 / dim as f64
}

/// Loads the model named by `args` on its backend.
fn load(args: &ModelArgs) -> Result<(TrainedFlow, burn::tensor::Device, String), FlowError> {
    let backend = args.device.backend();
    let device = backend::device(&backend)?;
    let trained = TrainedFlow::load(&args.artifact_dir, &device)?;
    Ok((trained, device, backend))
}

/// The result of `flow-train eval`.
#[derive(Debug, Serialize)]
struct EvalReport {
    test_nll: f64,
    bits_per_dim: f64,
    n_test: usize,
    seconds: f64,
    backend: String,
}

/// Prints `value` as one line of JSON (for `--json`).
fn print_json_line<T: Serialize>(value: &T) {
    let line = serde_json::to_string(value).expect("plain structs of numbers and strings encode");
    println!("{line}");
}

/// `flow-train eval`.
pub fn eval(args: &EvalArgs) -> Result<(), FlowError> {
    let (trained, device, backend) = load(&args.model)?;
    let splits = rebuild_splits(&trained.config)?;
    let started = Instant::now();
    let test_nll = mean_nll(&trained.flow, splits.test.values(), &device);
    let report = EvalReport {
        test_nll,
        bits_per_dim: bits_per_dim(test_nll, trained.config.dim),
        n_test: splits.test.len(),
        seconds: started.elapsed().as_secs_f64(),
        backend,
    };
    if args.json {
        print_json_line(&report);
    } else {
        println!(
            "test NLL {:.6} nats ({:.6} bits/dim) on {} points in {:.3} s ({})",
            report.test_nll, report.bits_per_dim, report.n_test, report.seconds, report.backend
        );
    }
    Ok(())
}

/// Fails unless the model is two-dimensional.
fn require_2d(trained: &TrainedFlow, what: &str) -> Result<(), FlowError> {
    let dim = trained.config.dim;
    if dim == 2 {
        Ok(())
    } else {
        Err(FlowError::invalid(
            "--artifact-dir",
            format!("{what} needs a 2-D model; this one has {dim} dimensions"),
        ))
    }
}

/// `flow-train density`.
pub fn density(args: &DensityArgs) -> Result<(), FlowError> {
    if !(2..=MAX_GRID).contains(&args.grid) {
        return Err(FlowError::invalid(
            "--grid",
            format!("must be between 2 and {MAX_GRID}, got {}", args.grid),
        ));
    }
    let (x_range, y_range) = match args.range.as_deref() {
        None => (PLOT_RANGE, PLOT_RANGE),
        Some(&[x0, x1, y0, y1]) => {
            for (axis, lo, hi) in [("x", x0, x1), ("y", y0, y1)] {
                if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                    return Err(FlowError::invalid(
                        "--range",
                        format!("{axis} range [{lo}, {hi}] must be finite with min < max"),
                    ));
                }
            }
            ((x0, x1), (y0, y1))
        }
        Some(_) => return Err(FlowError::invalid("--range", "takes XMIN XMAX YMIN YMAX")),
    };
    let (trained, device, _) = load(&args.model)?;
    require_2d(&trained, "density")?;
    let log_grid = fill_density(
        &trained.flow,
        Grid2d::new(x_range, y_range, args.grid, args.grid),
        true,
        &device,
    );
    if let Some(csv_path) = &args.csv {
        write_atomically(csv_path, |tmp| {
            let file = File::create(tmp).map_err(|e| FlowError::io(tmp, e))?;
            let mut out = BufWriter::new(file);
            let io = |e| FlowError::io(csv_path, e);
            writeln!(out, "x,y,log_prob").map_err(io)?;
            for ([x, y], value) in log_grid.centres().into_iter().zip(&log_grid.values) {
                writeln!(out, "{x},{y},{value}").map_err(io)?;
            }
            out.flush().map_err(io)
        })?;
    }
    let (grid, title) = if args.log {
        (log_grid, "log p(x)")
    } else {
        let mut grid = log_grid;
        grid.values.iter_mut().for_each(|v| *v = v.exp());
        (grid, "p(x)")
    };
    write_atomically(&args.out, |tmp| plot::density_png(tmp, &grid, None, title))?;
    println!("wrote {}", args.out.display());
    Ok(())
}

/// `flow-train sample`.
pub fn sample(args: &SampleArgs) -> Result<(), FlowError> {
    if args.n == 0 {
        return Err(FlowError::invalid("--num-samples", "must be at least 1"));
    }
    let (trained, device, _) = load(&args.model)?;
    if args.plot.is_some() {
        require_2d(&trained, "--plot")?;
    }
    let dim = trained.flow.dim();
    let started = Instant::now();
    // Drawn and written chunk by chunk, so any -n fits in bounded memory; the plot keeps the
    // first chunk only.
    let mut plotted: Vec<f32> = Vec::new();
    write_atomically(&args.out, |tmp| {
        let file = File::create(tmp).map_err(|e| FlowError::io(tmp, e))?;
        let mut writer = csv::Writer::from_writer(BufWriter::new(file));
        let bad = |e: csv::Error| FlowError::bad_file(&args.out, e.to_string());
        writer
            .write_record((1..=dim).map(|d| format!("x{d}")))
            .map_err(bad)?;
        for (index, start) in (0..args.n).step_by(SCORE_CHUNK).enumerate() {
            let count = SCORE_CHUNK.min(args.n - start);
            let samples: Vec<f32> = trained
                .flow
                .sample(count, chunk_seed(args.seed, index), &device)
                .into_data()
                .iter::<f32>()
                .collect();
            for row in samples.chunks(dim) {
                writer.serialize(row).map_err(bad)?;
            }
            if index == 0 {
                plotted = samples;
            }
        }
        writer.flush().map_err(|e| FlowError::io(&args.out, e))
    })?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(plot_path) = &args.plot {
        let points: Vec<[f32; 2]> = plotted.chunks(2).map(|p| [p[0], p[1]]).collect();
        let data = plotted_points(&rebuild_splits(&trained.config)?.train);
        let title = format!("{} exact samples", points.len());
        write_atomically(plot_path, |tmp| {
            plot::samples_png(tmp, &points, Some(&data), (PLOT_RANGE, PLOT_RANGE), &title)
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

/// `flow-train score`.
pub fn score(args: &ScoreArgs) -> Result<(), FlowError> {
    let (trained, device, _) = load(&args.model)?;
    let report = crate::score::score_csv(&trained.flow, &args.input, &args.out, &device)?;
    println!(
        "scored {} rows{} into {}",
        report.rows,
        if report.header {
            " (after a header)"
        } else {
            ""
        },
        args.out.display()
    );
    Ok(())
}

/// `flow-train export`.
pub fn export_params(args: &ExportArgs) -> Result<(), FlowError> {
    let (trained, _, _) = load(&args.model)?;
    write_json_atomically(
        &args.out,
        &export(&trained.flow, trained.config.flow_name()),
    )?;
    println!("wrote {}", args.out.display());
    Ok(())
}

/// `flow-train bench`.
pub fn bench(args: &BenchArgs) -> Result<(), FlowError> {
    let backend = args.device.backend();
    let device = backend::device(&backend)?;
    let mut plan = if args.quick {
        BenchPlan::quick()
    } else {
        BenchPlan::full()
    };
    if let Some(flow) = args.flow {
        plan = plan.only(flow);
    }
    if args.large {
        plan = plan.with_batches(&[16_384, 65_536]);
    }
    if let Some(repeats) = args.repeats {
        if repeats == 0 {
            return Err(FlowError::invalid("--repeats", "must be at least 1"));
        }
        plan.repeats = repeats;
    }
    if !args.json {
        println!(
            "{:<14} {:<8} {:>6} {:>7} {:>11} {:>21} {:>14}",
            "what", "flow", "layers", "batch", "median ms", "p10-p90 ms", "points/s"
        );
    }
    for result in bench::run(&plan, &device, &backend)? {
        if args.json {
            print_json_line(&result);
        } else {
            let rate = result
                .points_per_s
                .map_or_else(String::new, |r| format!("{r:.3e}"));
            println!(
                "{:<14} {:<8} {:>6} {:>7} {:>11.3} {:>10.3} - {:>8.3} {:>14}",
                result.what,
                result.flow,
                result.layers,
                result.batch,
                result.median_ms,
                result.p10_ms,
                result.p90_ms,
                rate
            );
        }
    }
    Ok(())
}
