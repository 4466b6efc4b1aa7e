//! `flow-train figure`: the densities of several trained 2-D models side by side, each row
//! led by the data (or the target energy) they were fitted to, for comparing families,
//! sizes or data sets in one picture.

use std::path::PathBuf;

use burn::tensor::Device;

use crate::artifacts::ArtifactPaths;
use crate::backend;
use crate::cli::FigureArgs;
use crate::commands::require_2d;
use crate::error::FlowError;
use crate::fsutil::write_atomically;
use crate::infer::inference::TrainedFlow;
use crate::output::{Format, Output};
use crate::plot::{self, Grid2d, Panel, PlotRanges};
use crate::train::fit::SharedEnergy;
use crate::train::summary::RunSummary;
use crate::train::training::{default_ranges, energy_grid, plotted_points, training_points};

/// Grid cells per side of each density.
const GRID: usize = 240;

/// One model of the figure, with what leads its row.
struct Model {
    trained: TrainedFlow,
    caption: String,
    ranges: PlotRanges,
}

/// `flow-train figure`.
pub fn figure(args: &FigureArgs) -> Result<(), FlowError> {
    if args.columns == 0 {
        return Err(FlowError::invalid("--columns", "must be at least 1"));
    }
    if !args.artifact_dir.len().is_multiple_of(args.columns) {
        return Err(FlowError::invalid(
            "--columns",
            format!(
                "{} models do not fill rows of {}",
                args.artifact_dir.len(),
                args.columns
            ),
        ));
    }
    Output::new("--out", &args.out, Format::Png).check(&[])?;
    let backend = args.device.backend();
    let device = backend::device(&backend)?;
    let models = args
        .artifact_dir
        .iter()
        .map(|dir| load_model(dir, &device))
        .collect::<Result<Vec<_>, _>>()?;
    // The data (or the target) of each row, then the densities of its models.
    let mut leads = Vec::new();
    let mut densities = Vec::new();
    for row in models.chunks(args.columns) {
        leads.push(lead(&row[0], &device)?);
        for model in row {
            let grid = Grid2d::new(model.ranges.0, model.ranges.1, GRID, GRID);
            densities.push(model.trained.fill_density(grid, false, None, &device));
        }
    }
    let rows: Vec<Vec<Panel<'_>>> = models
        .chunks(args.columns)
        .zip(densities.chunks(args.columns))
        .zip(&leads)
        .map(|((row, grids), lead)| {
            let mut panels = vec![lead.panel(row[0].ranges)];
            panels.extend(row.iter().zip(grids).map(|(model, grid)| Panel::Heatmap {
                grid,
                title: model.caption.clone(),
            }));
            panels
        })
        .collect();
    write_atomically(&args.out, |tmp| plot::panels_png(tmp, &rows, &args.title))?;
    println!("wrote {}", args.out.display());
    Ok(())
}

/// A 2-D model with its caption (family, size, and its test NLL or KL when recorded) and
/// the rectangle in which to draw it.
fn load_model(dir: &PathBuf, device: &Device) -> Result<Model, FlowError> {
    let trained = TrainedFlow::load(dir, device)?;
    require_2d(&trained, "figure")?;
    if trained.context_dim() > 0 {
        return Err(FlowError::invalid(
            "--artifact-dir",
            format!(
                "{} holds a conditional flow p(x | c); figure draws unconditional ones (draw \
                 it at a context with `flow-train density --context`)",
                dir.display()
            ),
        ));
    }
    let summary: Option<RunSummary> = std::fs::read(ArtifactPaths::new(dir).summary())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let score = summary.and_then(|s| match (s.test_nll, s.kl) {
        (Some(nll), _) => Some(format!("NLL {nll:.3}")),
        (None, Some(kl)) => Some(format!("KL {kl:.3}")),
        _ => None,
    });
    let mut caption = format!(
        "{}: {}",
        trained.config.flow_name(),
        trained.config.describe_model()
    );
    if let Some(score) = score {
        caption = format!("{caption}, {score}");
    }
    let ranges = default_ranges(&trained.config)?;
    Ok(Model {
        trained,
        caption,
        ranges,
    })
}

/// What leads a row: the training data of a density model, or the target of a fitted one.
enum Lead {
    Data(Vec<[f32; 2]>, String),
    Target(Grid2d, String),
}

impl Lead {
    fn panel(&self, ranges: PlotRanges) -> Panel<'_> {
        match self {
            Lead::Data(points, title) => Panel::Scatter {
                points,
                ranges,
                title: title.clone(),
                samples: false,
            },
            Lead::Target(grid, title) => Panel::Heatmap {
                grid,
                title: title.clone(),
            },
        }
    }
}

fn lead(model: &Model, device: &Device) -> Result<Lead, FlowError> {
    let config = &model.trained.config;
    Ok(match config.data.energy() {
        Some(target) => {
            let grid = Grid2d::new(model.ranges.0, model.ranges.1, GRID, GRID);
            let energy = SharedEnergy(std::sync::Arc::new(target));
            let title = if target.is_confined() {
                format!("target exp(−{target}), confined")
            } else {
                format!("target exp(−{target})")
            };
            Lead::Target(energy_grid(&energy, grid, device), title)
        }
        None => {
            let points = plotted_points(&training_points(config)?);
            Lead::Data(points, format!("data: {}", config.data.describe()))
        }
    })
}
