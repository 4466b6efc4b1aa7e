//! Rows of data that are small grey-scale images (such as 8×8 digits), drawn as grids of
//! pictures: samples beside real ones.

use std::path::Path;

use plotters::prelude::*;

use super::{FONT, PANEL_TITLE_SIZE, PlotError, render};

/// Pixels per image pixel.
const SCALE: u32 = 6;
/// Pixels between images.
const GAP: u32 = 4;

/// Writes `samples` and `data` (row-major, `height × width` values per row, each row an
/// image) as two grids of `columns` images per row, side by side, to `path`. Grey levels
/// span `[lo, hi]` (darker is larger).
pub fn images_png(
    path: &Path,
    samples: &[f32],
    data: &[f32],
    (height, width): (usize, usize),
    columns: usize,
    (lo, hi): (f64, f64),
    title: &str,
) -> Result<(), PlotError> {
    let pixels = height * width;
    if pixels == 0 || columns == 0 || lo.is_nan() || hi.is_nan() || hi <= lo {
        return Err(PlotError::InvalidInput(format!(
            "cannot draw {height}×{width} images in {columns} columns over [{lo}, {hi}]"
        )));
    }
    let count = (samples.len() / pixels).max(data.len() / pixels);
    let rows = count.div_ceil(columns).max(1);
    let cell = |n: usize| (n as u32) * SCALE + GAP;
    let panel = (
        cell(width) * columns as u32 + GAP,
        cell(height) * rows as u32 + GAP + 30,
    );
    render(path, (2 * panel.0 + 20, panel.1), title, |root| {
        let (left, right) = root.split_horizontally(panel.0 + 20);
        for (area, values, name) in [(left, samples, "samples"), (right, data, "data")] {
            let area = area.titled(name, (FONT, PANEL_TITLE_SIZE))?;
            for (index, image) in values.chunks_exact(pixels).enumerate() {
                let (gx, gy) = ((index % columns) as u32, (index / columns) as u32);
                let (x0, y0) = (GAP + gx * cell(width), GAP + gy * cell(height));
                for (p, &v) in image.iter().enumerate() {
                    let t = ((f64::from(v) - lo) / (hi - lo)).clamp(0.0, 1.0);
                    let grey = (255.0 * (1.0 - t)).round() as u8;
                    let (px, py) = ((p % width) as u32, (p / width) as u32);
                    let top_left = ((x0 + px * SCALE) as i32, (y0 + py * SCALE) as i32);
                    let bottom_right = (top_left.0 + SCALE as i32, top_left.1 + SCALE as i32);
                    area.draw(&Rectangle::new(
                        [top_left, bottom_right],
                        RGBColor(grey, grey, grey).filled(),
                    ))?;
                }
            }
        }
        Ok(())
    })
}
