//! Figures of several panels in a grid: densities, targets and samples side by side.

use std::path::Path;

use super::{
    COLORBAR_WIDTH, DATA_COLOR, Grid2d, HEIGHT, PANEL_WIDTH, PlotError, PlotRanges, SAMPLE_COLOR,
    check_range, draw_heatmap, draw_scatter, render,
};

/// One panel of a figure.
#[derive(Debug, Clone)]
pub enum Panel<'a> {
    /// A heatmap of a grid's values, with its colour bar.
    Heatmap {
        /// The values.
        grid: &'a Grid2d,
        /// The panel's caption.
        title: String,
    },
    /// Points over a rectangle: data (blue) or samples (red).
    Scatter {
        /// The points.
        points: &'a [[f32; 2]],
        /// The rectangle.
        ranges: PlotRanges,
        /// The panel's caption.
        title: String,
        /// Samples of a model rather than data.
        samples: bool,
    },
}

impl Panel<'_> {
    fn check(&self) -> Result<(), PlotError> {
        match self {
            Panel::Heatmap { grid, .. } => grid.validate(),
            Panel::Scatter { ranges, .. } => {
                check_range("x", ranges.0)?;
                check_range("y", ranges.1)
            }
        }
    }
}

/// Writes a figure of `rows` of panels (every row as long as the first) to `path`.
pub fn panels_png(path: &Path, rows: &[Vec<Panel<'_>>], title: &str) -> Result<(), PlotError> {
    let columns = rows.first().map_or(0, Vec::len);
    if columns == 0 || rows.iter().any(|row| row.len() != columns) {
        return Err(PlotError::InvalidInput(
            "a figure needs rows of panels of equal length".into(),
        ));
    }
    for panel in rows.iter().flatten() {
        panel.check()?;
    }
    let cell = (PANEL_WIDTH + COLORBAR_WIDTH, HEIGHT);
    let size = (cell.0 * columns as u32, cell.1 * rows.len() as u32);
    render(path, size, title, |root| {
        let areas = root.split_evenly((rows.len(), columns));
        for (area, panel) in areas.iter().zip(rows.iter().flatten()) {
            match panel {
                Panel::Heatmap { grid, title } => draw_heatmap(area, grid, title)?,
                Panel::Scatter {
                    points,
                    ranges,
                    title,
                    samples,
                } => {
                    let color = if *samples { SAMPLE_COLOR } else { DATA_COLOR };
                    // Leave the colour bar's width empty so that the axes line up.
                    let (left, _) = area.split_horizontally(PANEL_WIDTH);
                    draw_scatter(&left, points, *ranges, title, color)?;
                }
            }
        }
        Ok(())
    })
}
