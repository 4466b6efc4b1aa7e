//! `flow-train density`: the learned density of a 2-D model as a picture (and a CSV grid).

use crate::cli::DensityArgs;
use crate::commands::context::contexts;
use crate::commands::{load, require_2d};
use crate::error::FlowError;
use crate::fsutil::write_atomically;
use crate::infer::stream::write_rows;
use crate::output::{Format, Output, check_outputs};
use crate::plot::{self, Grid2d, PlotRanges};
use crate::train::training::default_ranges;

/// Largest `--grid` accepted.
const MAX_GRID: usize = 5000;

/// The plotted rectangle given by `--range`, checked.
fn given_range(range: &[f64]) -> Result<PlotRanges, FlowError> {
    let &[x0, x1, y0, y1] = range else {
        return Err(FlowError::invalid("--range", "takes XMIN XMAX YMIN YMAX"));
    };
    for (axis, lo, hi) in [("x", x0, x1), ("y", y0, y1)] {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(FlowError::invalid(
                "--range",
                format!("{axis} range [{lo}, {hi}] must be finite with min < max"),
            ));
        }
    }
    Ok(((x0, x1), (y0, y1)))
}

/// `flow-train density`.
pub fn density(args: &DensityArgs) -> Result<(), FlowError> {
    if !(2..=MAX_GRID).contains(&args.grid) {
        return Err(FlowError::invalid(
            "--grid",
            format!("must be between 2 and {MAX_GRID}, got {}", args.grid),
        ));
    }
    let given = args.range.as_deref().map(given_range).transpose()?;
    let mut outputs = vec![Output::new("--out", &args.out, Format::Png)];
    if let Some(csv) = &args.csv {
        outputs.push(Output::new("--csv", csv, Format::Csv));
    }
    check_outputs(&outputs, &[])?;
    let (trained, device, _) = load(&args.model)?;
    require_2d(&trained, "density")?;
    let context = contexts(&trained, &args.context, None)?;
    let (x_range, y_range) = match given {
        Some(ranges) => ranges,
        None => default_ranges(&trained.config)?,
    };
    let log_grid = trained.fill_density(
        Grid2d::new(x_range, y_range, args.grid, args.grid),
        true,
        context.as_deref(),
        &device,
    );
    if let Some(csv_path) = &args.csv {
        let columns = ["x", "y", "log_prob"].map(String::from);
        write_rows(csv_path, &columns, |writer| {
            let rows: Vec<f32> = log_grid
                .centres()
                .into_iter()
                .zip(&log_grid.values)
                .flat_map(|([x, y], &v)| [x as f32, y as f32, v as f32])
                .collect();
            writer.rows(&rows)
        })?;
    }
    let given = match &context {
        Some(c) => format!(
            " | c = ({})",
            c.iter().map(f32::to_string).collect::<Vec<_>>().join(", ")
        ),
        None => String::new(),
    };
    let (grid, title) = if args.log {
        (log_grid, format!("log p(x{given})"))
    } else {
        let mut grid = log_grid;
        grid.values.iter_mut().for_each(|v| *v = v.exp());
        (grid, format!("p(x{given})"))
    };
    write_atomically(&args.out, |tmp| plot::density_png(tmp, &grid, None, &title))?;
    println!("wrote {}", args.out.display());
    Ok(())
}
