//! The pictures of `flow-train sbc`: the rank histograms of the parameters, and the
//! expected-coverage curves against the diagonal.

use std::path::Path;

use plotters::prelude::*;

use super::{
    FONT, HEIGHT, LABEL_SIZE, MARGIN, PANEL_TITLE_SIZE, PlotError, SINGLE_WIDTH, TRAIN_COLOR,
    VALID_COLOR, X_LABEL_AREA, Y_LABEL_AREA, render,
};
use crate::calibration::{Calibration, band};

/// The grey of the bands of what calibration allows.
const BAND_COLOR: RGBColor = RGBColor(200, 200, 200);
/// Panels per row of the rank histograms.
const PER_ROW: usize = 5;
/// The z-value of the 99 % band of a bin count.
const BIN_Z: f64 = 2.576;

/// Writes the SBC rank histogram of each parameter, with the band of counts that uniform
/// ranks fall in with 99 % probability (binomial, per bin), to `path`.
pub fn ranks_png(path: &Path, calibration: &Calibration) -> Result<(), PlotError> {
    let histograms = &calibration.rank_histograms;
    if histograms.is_empty() || histograms.iter().any(Vec::is_empty) {
        return Err(PlotError::InvalidInput("no ranks to draw".into()));
    }
    let columns = histograms.len().min(PER_ROW);
    let rows = histograms.len().div_ceil(PER_ROW);
    let pairs = calibration.pairs as f64;
    let size = (
        (SINGLE_WIDTH / 2) * columns as u32,
        (HEIGHT / 2 + 40) * rows as u32,
    );
    let title = format!(
        "SBC ranks of {} pairs × {} draws ({})",
        calibration.pairs,
        calibration.samples,
        calibration.verdict.name()
    );
    render(path, size, &title, |root| {
        let areas = root.split_evenly((rows, columns));
        for (k, (area, counts)) in areas.iter().zip(histograms).enumerate() {
            let bins = counts.len();
            let share = 1.0 / bins as f64;
            let mean = pairs * share;
            let spread = BIN_Z * (pairs * share * (1.0 - share)).sqrt();
            let top = counts
                .iter()
                .map(|&c| c as f64)
                .fold(mean + spread, f64::max)
                * 1.1;
            let caption = format!("θ{} (p {:.3})", k + 1, calibration.rank_p_values[k]);
            let mut chart = ChartBuilder::on(area)
                .caption(caption, (FONT, PANEL_TITLE_SIZE - 3))
                .margin(MARGIN / 2)
                .x_label_area_size(X_LABEL_AREA - 8)
                .y_label_area_size(Y_LABEL_AREA - 8)
                .build_cartesian_2d(0.0..bins as f64, 0.0..top)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(3)
                .y_labels(4)
                .label_style((FONT, LABEL_SIZE - 3))
                .draw()?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (0.0, (mean - spread).max(0.0)),
                    (bins as f64, mean + spread),
                ],
                BAND_COLOR.mix(0.6).filled(),
            )))?;
            chart.draw_series(counts.iter().enumerate().map(|(b, &c)| {
                Rectangle::new(
                    [(b as f64 + 0.1, 0.0), (b as f64 + 0.9, c as f64)],
                    TRAIN_COLOR.mix(0.8).filled(),
                )
            }))?;
            for edge in [(mean - spread).max(0.0), mean + spread] {
                chart.draw_series(LineSeries::new(
                    [(0.0, edge), (bins as f64, edge)],
                    BLACK.mix(0.45).stroke_width(1),
                ))?;
            }
        }
        Ok(())
    })
}

/// Writes the expected coverage of the highest-density regions and TARP's, against the
/// diagonal with the pointwise 99 % binomial band of the pairs checked, to `path`.
pub fn coverage_png(path: &Path, calibration: &Calibration) -> Result<(), PlotError> {
    let coverage = &calibration.coverage;
    let title = format!(
        "Expected coverage: {} (max deviation {:.3})",
        calibration.verdict.name(),
        calibration.max_coverage_deviation
    );
    render(path, (SINGLE_WIDTH, HEIGHT + 40), &title, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(MARGIN + 8)
            .x_label_area_size(X_LABEL_AREA + 18)
            .y_label_area_size(Y_LABEL_AREA + 12)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        chart
            .configure_mesh()
            .max_light_lines(4)
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(215, 215, 215))
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, LABEL_SIZE + 2))
            .x_desc("credibility level")
            .y_desc("empirical coverage")
            .draw()?;
        let upper = coverage
            .nominal
            .iter()
            .map(|&a| (a, (a + band(a, calibration.pairs)).min(1.0)));
        let lower = coverage
            .nominal
            .iter()
            .rev()
            .map(|&a| (a, (a - band(a, calibration.pairs)).max(0.0)));
        let outline: Vec<(f64, f64)> = std::iter::once((0.0, 0.0))
            .chain(upper)
            .chain(std::iter::once((1.0, 1.0)))
            .chain(lower)
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(
                outline,
                BAND_COLOR.mix(0.6).filled(),
            )))?
            .label("99% band")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], BAND_COLOR.filled()));
        chart.draw_series(LineSeries::new(
            [(0.0, 0.0), (1.0, 1.0)],
            BLACK.mix(0.5).stroke_width(1),
        ))?;
        for (curve, name, color) in [
            (coverage, "highest-density regions", TRAIN_COLOR),
            (&calibration.tarp, "TARP", VALID_COLOR),
        ] {
            let points = curve
                .nominal
                .iter()
                .copied()
                .zip(curve.empirical.iter().copied());
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, LABEL_SIZE + 1))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()?;
        Ok(())
    })
}
