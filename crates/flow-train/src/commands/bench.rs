//! `flow-train bench`: timings of the hot paths, as a table or JSON lines.

use crate::backend::{self, Placement};
use crate::bench::devices::{self, ThroughputPlan};
use crate::bench::{self, BenchPlan};
use crate::cli::BenchArgs;
use crate::commands::print_json_line;
use crate::error::FlowError;

/// `flow-train bench`.
pub fn bench(args: &BenchArgs) -> Result<(), FlowError> {
    if let Some(names) = &args.devices {
        return bench_devices(args, names);
    }
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
    // On a GPU the large sizes are the point: they are always timed there.
    if args.large || backend == "wgpu" {
        plan = plan.large();
    }
    if args.dim == 0 {
        return Err(FlowError::invalid("--dim", "must be at least 1"));
    }
    plan.dim = args.dim;
    if args.dim != 2 {
        // Fit steps time the paper's 2-D energies.
        plan.models.iter_mut().for_each(|m| m.fit_batches.clear());
    }
    if let Some(samples) = args.samples {
        if samples == 0 {
            return Err(FlowError::invalid("--samples", "must be at least 1"));
        }
        plan.samples = samples;
    }
    if let Some(repeats) = repeats(args)? {
        plan.repeats = repeats;
    }
    if !args.json {
        println!(
            "{:<14} {:<8} {:>4} {:>6} {:>7} {:>11} {:>21} {:>14}",
            "what", "flow", "dim", "layers", "batch", "median ms", "p10-p90 ms", "points/s"
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
                "{:<14} {:<8} {:>4} {:>6} {:>7} {:>11.3} {:>10.3} - {:>8.3} {:>14}",
                result.what,
                result.flow,
                result.dim,
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

/// `flow-train bench --devices D1,D2,…`: training throughput on the first device alone, then
/// on all of them.
fn bench_devices(args: &BenchArgs, names: &[String]) -> Result<(), FlowError> {
    let mut placements = vec![Placement::open(&names[..1], "--devices")?];
    if names.len() > 1 {
        placements.push(Placement::open(names, "--devices")?);
    }
    let mut plan = if args.quick {
        ThroughputPlan::quick()
    } else {
        ThroughputPlan::full()
    };
    if let Some(repeats) = repeats(args)? {
        plan.steps_per_epoch = repeats;
    }
    if !args.json {
        println!(
            "{:<40} {:>7} {:>6} {:>9} {:>9}",
            "devices", "batch", "steps", "seconds", "steps/s"
        );
    }
    for result in devices::run(&plan, &placements)? {
        if args.json {
            print_json_line(&result);
        } else {
            println!(
                "{:<40} {:>7} {:>6} {:>9.2} {:>9.1}",
                result.devices.join(","),
                result.batch,
                result.steps,
                result.seconds,
                result.steps_per_s
            );
        }
    }
    Ok(())
}

/// `--repeats`, checked to be at least 1.
fn repeats(args: &BenchArgs) -> Result<Option<usize>, FlowError> {
    match args.repeats {
        Some(0) => Err(FlowError::invalid("--repeats", "must be at least 1")),
        given => Ok(given),
    }
}
