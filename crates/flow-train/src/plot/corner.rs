//! Corner plots for data of more than two dimensions: the pairwise marginals of samples
//! against data, and each coordinate's histogram on the diagonal.

use std::path::Path;

use plotters::prelude::*;

use super::{DATA_COLOR, FONT, LABEL_SIZE, PlotError, SAMPLE_COLOR, finite_min_max, render};

/// Pixels per cell of the grid.
const CELL: u32 = 180;
/// Bins of the diagonal histograms.
const BINS: usize = 30;

/// Writes the corner plot of the coordinates `dims` (0-based) of `samples` (red) and `data`
/// (blue), both row-major with `dim` values per row, to `path`.
pub fn corner_png(
    path: &Path,
    samples: &[f32],
    data: &[f32],
    dim: usize,
    dims: &[usize],
    title: &str,
) -> Result<(), PlotError> {
    if dims.is_empty() || dims.iter().any(|&d| d >= dim) {
        return Err(PlotError::InvalidInput(format!(
            "corner plot dimensions {dims:?} must be among 0..{dim}"
        )));
    }
    let column = |values: &[f32], d: usize| -> Vec<f64> {
        values.chunks(dim).map(|row| f64::from(row[d])).collect()
    };
    // Each coordinate's range is the data's, with a margin.
    let ranges: Vec<(f64, f64)> = dims
        .iter()
        .map(|&d| {
            let (lo, hi) = finite_min_max(column(data, d).into_iter().chain(column(samples, d)))
                .unwrap_or((-1.0, 1.0));
            let pad = ((hi - lo) * 0.05).max(1e-3);
            (lo - pad, hi + pad)
        })
        .collect();
    let k = dims.len() as u32;
    render(path, (CELL * k + 40, CELL * k + 40), title, |root| {
        let cells = root
            .margin(10, 10, 10, 10)
            .split_evenly((dims.len(), dims.len()));
        for (index, area) in cells.iter().enumerate() {
            let (row, col) = (index / dims.len(), index % dims.len());
            let (x_range, y_range) = (ranges[col], ranges[row]);
            if row == col {
                let series = [
                    (column(data, dims[col]), DATA_COLOR),
                    (column(samples, dims[col]), SAMPLE_COLOR),
                ];
                let histograms: Vec<(Vec<f64>, RGBColor)> = series
                    .iter()
                    .map(|(values, color)| (histogram(values, x_range), *color))
                    .collect();
                let top = histograms
                    .iter()
                    .flat_map(|(h, _)| h.iter().copied())
                    .fold(1e-9, f64::max);
                let mut chart = ChartBuilder::on(area)
                    .margin(4)
                    .caption(format!("x{}", dims[col] + 1), (FONT, LABEL_SIZE))
                    .build_cartesian_2d(x_range.0..x_range.1, 0.0..top * 1.1)?;
                chart
                    .configure_mesh()
                    .disable_mesh()
                    .disable_axes()
                    .draw()?;
                let width = (x_range.1 - x_range.0) / BINS as f64;
                for (heights, color) in &histograms {
                    chart.draw_series(heights.iter().enumerate().map(|(i, &h)| {
                        let left = x_range.0 + i as f64 * width;
                        Rectangle::new([(left, 0.0), (left + width, h)], color.mix(0.35).filled())
                    }))?;
                }
            } else if row > col {
                let mut chart = ChartBuilder::on(area)
                    .margin(4)
                    .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
                chart
                    .configure_mesh()
                    .disable_mesh()
                    .disable_axes()
                    .draw()?;
                let pairs = |values: &[f32], color: RGBColor| {
                    let style = color.mix(0.3).filled();
                    values
                        .chunks(dim)
                        .map(move |r| {
                            Circle::new(
                                (f64::from(r[dims[col]]), f64::from(r[dims[row]])),
                                1,
                                style,
                            )
                        })
                        .collect::<Vec<_>>()
                };
                chart.draw_series(pairs(data, DATA_COLOR))?;
                chart.draw_series(pairs(samples, SAMPLE_COLOR))?;
            }
        }
        Ok(())
    })
}

/// The normalised histogram of `values` over `range` in [`BINS`] bins.
fn histogram(values: &[f64], range: (f64, f64)) -> Vec<f64> {
    let mut counts = vec![0.0; BINS];
    let width = (range.1 - range.0) / BINS as f64;
    for &v in values {
        if v.is_finite() && v >= range.0 && v < range.1 {
            counts[((v - range.0) / width) as usize] += 1.0;
        }
    }
    let total = values.len().max(1) as f64;
    counts.iter().map(|c| c / total).collect()
}
