//! PNG plots: density heatmaps, sample scatters and loss curves.
//!
//! Everything is drawn with `plotters`' bitmap backend and an embedded font
//! (Ubuntu Light from `epaint_default_fonts`), so no system fonts are needed.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::sync::Once;

mod calibration;
mod corner;
mod images;
mod panels;

pub use calibration::{coverage_png, ranks_png};
pub use corner::corner_png;
pub use images::images_png;
pub use panels::{Panel, panels_png};

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Errors produced while drawing a plot.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Drawing or encoding the image failed.
    #[error("cannot draw {}: {reason}", path.display())]
    Draw {
        /// Output path of the plot.
        path: PathBuf,
        /// Message of the underlying drawing error.
        reason: String,
    },
    /// The input cannot be plotted (empty grid, mismatched lengths, bad range).
    #[error("invalid plot input: {0}")]
    InvalidInput(String),
}

/// The `(x, y)` extents `(min, max)` of a picture.
pub type PlotRanges = ((f64, f64), (f64, f64));

/// A regular 2-D grid of values over a rectangle.
///
/// `values` is row-major: index `j * nx + i`, where row `j` is the y index
/// (`j = 0` is the bottom row at `y_range.0`) and column `i` the x index.
/// Cell `(i, j)` is centred at `(x0 + (i + 0.5) * dx, y0 + (j + 0.5) * dy)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid2d {
    /// `(min, max)` of the x axis.
    pub x_range: (f64, f64),
    /// `(min, max)` of the y axis.
    pub y_range: (f64, f64),
    /// Number of cells along x.
    pub nx: usize,
    /// Number of cells along y.
    pub ny: usize,
    /// Row-major cell values, `nx * ny` of them.
    pub values: Vec<f64>,
}

impl Grid2d {
    /// A grid with all `nx * ny` values set to zero.
    pub fn new(x_range: (f64, f64), y_range: (f64, f64), nx: usize, ny: usize) -> Self {
        Self {
            x_range,
            y_range,
            nx,
            ny,
            values: vec![0.0; nx.saturating_mul(ny)],
        }
    }

    /// Replaces the values, checking that there are exactly `nx * ny` of them.
    pub fn with_values(mut self, values: Vec<f64>) -> Result<Self, PlotError> {
        self.values = values;
        self.validate()?;
        Ok(self)
    }

    /// Cell width along x.
    pub fn dx(&self) -> f64 {
        (self.x_range.1 - self.x_range.0) / self.nx as f64
    }

    /// Cell height along y.
    pub fn dy(&self) -> f64 {
        (self.y_range.1 - self.y_range.0) / self.ny as f64
    }

    /// Cell centres `[x, y]` in the same row-major order as `values`.
    pub fn centres(&self) -> Vec<[f64; 2]> {
        let (dx, dy) = (self.dx(), self.dy());
        let mut out = Vec::with_capacity(self.nx * self.ny);
        for j in 0..self.ny {
            let y = self.y_range.0 + (j as f64 + 0.5) * dy;
            for i in 0..self.nx {
                out.push([self.x_range.0 + (i as f64 + 0.5) * dx, y]);
            }
        }
        out
    }

    /// Checks that the grid is non-empty, its ranges are finite and
    /// increasing, and `values` has `nx * ny` entries.
    pub fn validate(&self) -> Result<(), PlotError> {
        if self.nx == 0 || self.ny == 0 {
            return Err(PlotError::InvalidInput(format!(
                "empty grid ({} x {})",
                self.nx, self.ny
            )));
        }
        check_range("x", self.x_range)?;
        check_range("y", self.y_range)?;
        let expected = self.nx.checked_mul(self.ny).ok_or_else(|| {
            PlotError::InvalidInput(format!("grid too large ({} x {})", self.nx, self.ny))
        })?;
        if self.values.len() != expected {
            return Err(PlotError::InvalidInput(format!(
                "grid has {} values, expected nx * ny = {} * {} = {}",
                self.values.len(),
                self.nx,
                self.ny,
                expected
            )));
        }
        Ok(())
    }
}

/// Maps `t` in `[0, 1]` to a viridis-like colour (clamped; NaN gives the lowest colour).
fn colormap(t: f64) -> RGBColor {
    // Viridis sampled at 9 evenly spaced points.
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (STOPS.len() - 1) as f64;
    let k = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - k as f64;
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    let lerp = |u: u8, v: u8| (f64::from(u) + (f64::from(v) - f64::from(u)) * f).round() as u8;
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

const FONT: &str = "sans-serif";
const TITLE_SIZE: u32 = 24;
const PANEL_TITLE_SIZE: u32 = 19;
const LABEL_SIZE: u32 = 15;
const MARGIN: u32 = 12;
const X_LABEL_AREA: u32 = 32;
const Y_LABEL_AREA: u32 = 48;
const HEIGHT: u32 = 560;
const PANEL_WIDTH: u32 = 600;
const SINGLE_WIDTH: u32 = 640;
const COLORBAR_WIDTH: u32 = 72;
/// Dot colour for training data.
const DATA_COLOR: RGBColor = RGBColor(31, 119, 180);
/// Dot colour for model samples.
const SAMPLE_COLOR: RGBColor = RGBColor(214, 39, 40);
const TRAIN_COLOR: RGBColor = RGBColor(31, 119, 180);
const VALID_COLOR: RGBColor = RGBColor(255, 127, 14);

type DrawResult = Result<(), Box<dyn StdError>>;
type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Registers the embedded font under "sans-serif" (once per process).
fn ensure_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Failure only means text is not drawn; the error surfaces when drawing.
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
    });
}

fn check_range(name: &str, r: (f64, f64)) -> Result<(), PlotError> {
    if !(r.0.is_finite() && r.1.is_finite() && r.0 < r.1) {
        return Err(PlotError::InvalidInput(format!(
            "{name} range ({}, {}) must be finite and increasing",
            r.0, r.1
        )));
    }
    Ok(())
}

/// Renders a figure of `size` into `path` as PNG.
///
/// The bitmap encoder picks the format from the file extension, so a path that
/// does not end in `.png` (e.g. `plot.png.tmp`) is rendered to a sibling
/// `<name>.png` first and renamed onto `path`.
fn render(
    path: &Path,
    size: (u32, u32),
    title: &str,
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<(), PlotError> {
    ensure_font();
    let err = |reason: String| PlotError::Draw {
        path: path.to_path_buf(),
        reason,
    };
    let is_png = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let target = if is_png {
        path.to_path_buf()
    } else {
        let mut name = path
            .file_name()
            .ok_or_else(|| err("path has no file name".into()))?
            .to_os_string();
        name.push(".png");
        path.with_file_name(name)
    };
    let result = (|| -> DrawResult {
        let root = BitMapBackend::new(&target, size).into_drawing_area();
        root.fill(&WHITE)?;
        let body = if title.is_empty() {
            root.clone()
        } else {
            root.titled(title, (FONT, TITLE_SIZE))?
        };
        draw(&body)?;
        root.present()?;
        Ok(())
    })();
    if let Err(e) = result {
        if !is_png {
            let _ = std::fs::remove_file(&target);
        }
        return Err(err(e.to_string()));
    }
    if !is_png {
        std::fs::rename(&target, path).map_err(|e| {
            let _ = std::fs::remove_file(&target);
            err(e.to_string())
        })?;
    }
    Ok(())
}

/// Builds a titled x/y chart on `area` over the given ranges and draws its axes.
fn axes_chart<'a, 'b>(
    area: &'a Area<'b>,
    panel_title: &str,
    x: (f64, f64),
    y: (f64, f64),
) -> Result<
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    Box<dyn StdError>,
> {
    let mut chart = ChartBuilder::on(area)
        .caption(panel_title, (FONT, PANEL_TITLE_SIZE))
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .label_style((FONT, LABEL_SIZE))
        .draw()?;
    Ok(chart)
}

/// Draws points as small translucent dots; non-finite or out-of-range points are skipped.
fn draw_dots(
    chart: &ChartContext<'_, BitMapBackend<'_>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    points: &[[f32; 2]],
    color: RGBColor,
) -> DrawResult {
    let area = chart.plotting_area();
    let (px, py) = area.get_pixel_range();
    let screen = area.use_screen_coord();
    // Opaque dots for small sets, translucent for large ones.
    let alpha = (3000.0 / points.len().max(1) as f64).clamp(0.25, 0.85);
    let style = color.mix(alpha);
    for p in points {
        let (x, y) = (f64::from(p[0]), f64::from(p[1]));
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        let (cx, cy) = chart.backend_coord(&(x, y));
        for (ox, oy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (qx, qy) = (cx + ox, cy + oy);
            if px.contains(&qx) && py.contains(&qy) {
                screen.draw_pixel((qx, qy), &style)?;
            }
        }
    }
    Ok(())
}

/// Finite min/max of `values`, or `None` when none is finite.
fn finite_min_max(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Draws the heatmap of `grid` (plus a colour bar) into `area`.
fn draw_heatmap(area: &Area<'_>, grid: &Grid2d, panel_title: &str) -> DrawResult {
    let (main, bar) = area.split_horizontally(area.dim_in_pixel().0 - COLORBAR_WIDTH);
    let chart = axes_chart(&main, panel_title, grid.x_range, grid.y_range)?;

    let (vmin, vmax) = finite_min_max(grid.values.iter().copied()).unwrap_or((0.0, 1.0));
    let t_of = |v: f64| -> f64 {
        if !v.is_finite() {
            0.0
        } else if vmax > vmin {
            (v - vmin) / (vmax - vmin)
        } else {
            0.5
        }
    };
    let colors: Vec<RGBColor> = grid.values.iter().map(|&v| colormap(t_of(v))).collect();

    // Fill every pixel of the plotting area with the colour of the cell under it.
    let plot = chart.plotting_area();
    let (px, py) = plot.get_pixel_range();
    let screen = plot.use_screen_coord();
    let (x0, x1) = grid.x_range;
    let (y0, y1) = grid.y_range;
    let (w, h) = (f64::from(px.end - px.start), f64::from(py.end - py.start));
    let cols: Vec<usize> = px
        .clone()
        .map(|p| {
            let x = x0 + (f64::from(p - px.start) + 0.5) / w * (x1 - x0);
            (((x - x0) / grid.dx()).floor().max(0.0) as usize).min(grid.nx - 1)
        })
        .collect();
    for q in py.clone() {
        let y = y1 - (f64::from(q - py.start) + 0.5) / h * (y1 - y0);
        let j = (((y - y0) / grid.dy()).floor().max(0.0) as usize).min(grid.ny - 1);
        let row = &colors[j * grid.nx..(j + 1) * grid.nx];
        for (p, &i) in px.clone().zip(&cols) {
            screen.draw_pixel((p, q), &row[i])?;
        }
    }

    // Colour bar, aligned vertically with the heatmap.
    let (bmin, bmax) = if vmax > vmin {
        (vmin, vmax)
    } else {
        (vmin - 0.5, vmin + 0.5)
    };
    let mut cb = ChartBuilder::on(&bar)
        .caption(" ", (FONT, PANEL_TITLE_SIZE))
        .margin(MARGIN)
        .margin_left(0)
        .margin_right(4)
        .x_label_area_size(X_LABEL_AREA)
        .right_y_label_area_size(COLORBAR_WIDTH - 18 - 4)
        .build_cartesian_2d(0.0..1.0, bmin..bmax)?;
    cb.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .set_tick_mark_size(LabelAreaPosition::Right, 5)
        .y_labels(6)
        .label_style((FONT, LABEL_SIZE))
        .draw()?;
    const STEPS: usize = 128;
    cb.draw_series((0..STEPS).map(|k| {
        let a = bmin + (bmax - bmin) * k as f64 / STEPS as f64;
        let b = bmin + (bmax - bmin) * (k + 1) as f64 / STEPS as f64;
        let c = colormap((k as f64 + 0.5) / STEPS as f64);
        Rectangle::new([(0.0, a), (1.0, b)], c.filled())
    }))?;
    Ok(())
}

/// Draws a scatter panel of `points` over `range` into `area`.
fn draw_scatter(
    area: &Area<'_>,
    points: &[[f32; 2]],
    range: ((f64, f64), (f64, f64)),
    panel_title: &str,
    color: RGBColor,
) -> DrawResult {
    let chart = axes_chart(area, panel_title, range.0, range.1)?;
    draw_dots(&chart, points, color)
}

/// Writes a heatmap of `grid.values` (normalised over their finite min..max,
/// viridis colours, non-finite cells drawn in the lowest colour) to `path`.
///
/// When `data` is given, a second panel with the data points over the same
/// axes is drawn beside it ("learned density | data").
pub fn density_png(
    path: &Path,
    grid: &Grid2d,
    data: Option<&[[f32; 2]]>,
    title: &str,
) -> Result<(), PlotError> {
    grid.validate()?;
    let range = (grid.x_range, grid.y_range);
    match data {
        None => render(
            path,
            (SINGLE_WIDTH + COLORBAR_WIDTH, HEIGHT),
            title,
            |root| draw_heatmap(root, grid, "learned density"),
        ),
        Some(data) => render(
            path,
            (2 * PANEL_WIDTH + COLORBAR_WIDTH, HEIGHT),
            title,
            |root| {
                let (left, right) = root.split_horizontally(PANEL_WIDTH + COLORBAR_WIDTH);
                draw_heatmap(&left, grid, "learned density")?;
                draw_scatter(
                    &right,
                    data,
                    range,
                    &format!("data (n = {})", data.len()),
                    DATA_COLOR,
                )
            },
        ),
    }
}

/// Writes a scatter plot of `samples` over `range` (`((x0, x1), (y0, y1))`) to
/// `path`; when `data` is given it is drawn in a second panel beside it.
pub fn samples_png(
    path: &Path,
    samples: &[[f32; 2]],
    data: Option<&[[f32; 2]]>,
    range: ((f64, f64), (f64, f64)),
    title: &str,
) -> Result<(), PlotError> {
    check_range("x", range.0)?;
    check_range("y", range.1)?;
    let sample_title = format!("samples (n = {})", samples.len());
    match data {
        None => render(path, (SINGLE_WIDTH, HEIGHT), title, |root| {
            draw_scatter(root, samples, range, &sample_title, SAMPLE_COLOR)
        }),
        Some(data) => render(path, (2 * PANEL_WIDTH, HEIGHT), title, |root| {
            let (left, right) = root.split_horizontally(PANEL_WIDTH);
            draw_scatter(&left, samples, range, &sample_title, SAMPLE_COLOR)?;
            draw_scatter(
                &right,
                data,
                range,
                &format!("data (n = {})", data.len()),
                DATA_COLOR,
            )
        }),
    }
}

/// Writes NLL (nats) against epoch for the training and validation series to
/// `path`, with a legend. Non-finite values are skipped; either series may be
/// empty or hold a single point.
pub fn loss_png(
    path: &Path,
    train: &[(usize, f64)],
    valid: &[(usize, f64)],
    title: &str,
) -> Result<(), PlotError> {
    let finite = |s: &[(usize, f64)]| -> Vec<(i64, f64)> {
        s.iter()
            .filter(|(_, v)| v.is_finite())
            .map(|&(e, v)| (i64::try_from(e).unwrap_or(i64::MAX), v))
            .collect()
    };
    let (train, valid) = (finite(train), finite(valid));
    let all = || train.iter().chain(valid.iter());
    let (e_lo, e_hi) = match (all().map(|p| p.0).min(), all().map(|p| p.0).max()) {
        (Some(lo), Some(hi)) if hi > lo => (lo, hi),
        (Some(lo), _) => (lo.saturating_sub(1), lo.saturating_add(1)),
        _ => (0, 1),
    };
    let (v_lo, v_hi) = match finite_min_max(all().map(|p| p.1)) {
        Some((lo, hi)) if hi > lo => {
            let pad = 0.05 * (hi - lo);
            (lo - pad, hi + pad)
        }
        Some((v, _)) => {
            let pad = (0.05 * v.abs()).max(0.5);
            (v - pad, v + pad)
        }
        None => (0.0, 1.0),
    };
    render(path, (SINGLE_WIDTH + 160, HEIGHT), title, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(MARGIN + 8)
            .x_label_area_size(X_LABEL_AREA + 18)
            .y_label_area_size(Y_LABEL_AREA + 24)
            .build_cartesian_2d(e_lo..e_hi, v_lo..v_hi)?;
        chart
            .configure_mesh()
            .max_light_lines(4)
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(210, 210, 210))
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, LABEL_SIZE + 2))
            .x_desc("epoch")
            .y_desc("NLL (nats)")
            .draw()?;
        for (series, name, color) in [
            (&train, "train NLL", TRAIN_COLOR),
            (&valid, "valid NLL", VALID_COLOR),
        ] {
            if series.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(
                    series.iter().copied(),
                    color.stroke_width(2),
                ))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart.draw_series(series.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
        if !(train.is_empty() && valid.is_empty()) {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font((FONT, LABEL_SIZE + 1))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(160, 160, 160))
                .draw()?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("flow-train-plot-{}-{}", std::process::id(), name));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn assert_png(path: &Path) {
        let bytes = std::fs::read(path).unwrap();
        assert!(bytes.len() > 2000, "{} too small", path.display());
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    }

    /// Deterministic noisy ring of radius 2 (no RNG dependency).
    fn ring(n: usize) -> Vec<[f32; 2]> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f32 / (1u64 << 53) as f32
        };
        (0..n)
            .map(|_| {
                let a = uniform() * std::f32::consts::TAU;
                let r = 2.0 + 0.25 * (uniform() + uniform() + uniform() - 1.5);
                [r * a.cos(), r * a.sin()]
            })
            .collect()
    }

    #[test]
    fn colormap_endpoints_and_clamp() {
        assert_ne!(colormap(0.0), colormap(1.0));
        assert_eq!(colormap(-3.0), colormap(0.0));
        assert_eq!(colormap(7.0), colormap(1.0));
        assert_eq!(colormap(f64::NAN), colormap(0.0));
        assert_eq!(colormap(0.0), RGBColor(68, 1, 84));
        assert_eq!(colormap(1.0), RGBColor(253, 231, 37));
    }

    #[test]
    fn grid_centres_order() {
        let g = Grid2d::new((-1.0, 1.0), (0.0, 4.0), 4, 2);
        let c = g.centres();
        assert_eq!(c.len(), 8);
        assert_eq!(c[0], [-0.75, 1.0]);
        assert_eq!(c[1], [-0.25, 1.0]);
        assert_eq!(c[4], [-0.75, 3.0]);
        assert_eq!(c[7], [0.75, 3.0]);
    }

    #[test]
    fn invalid_inputs() {
        let g = Grid2d::new((-1.0, 1.0), (-1.0, 1.0), 3, 3);
        assert!(matches!(
            g.clone().with_values(vec![0.0; 8]),
            Err(PlotError::InvalidInput(_))
        ));
        let mut bad = g.clone();
        bad.values.pop();
        let out = temp_dir("invalid").join("bad.png");
        assert!(matches!(
            density_png(&out, &bad, None, "bad"),
            Err(PlotError::InvalidInput(_))
        ));
        let empty = Grid2d::new((-1.0, 1.0), (-1.0, 1.0), 0, 3);
        assert!(matches!(empty.validate(), Err(PlotError::InvalidInput(_))));
        assert!(matches!(
            samples_png(&out, &[], None, ((1.0, 1.0), (0.0, 1.0)), "x"),
            Err(PlotError::InvalidInput(_))
        ));
        assert!(!out.exists());
    }

    #[test]
    fn draws_all_plots() {
        let dir = temp_dir("draw");
        let data = ring(20_000);
        let n = 200;
        let g = Grid2d::new((-3.0, 3.0), (-3.0, 3.0), n, n);
        // Density concentrated near the ring, with a NaN and an inf cell and a
        // bump in the upper-right quadrant to check orientation.
        let mut values: Vec<f64> = g
            .centres()
            .iter()
            .map(|&[x, y]| {
                let r = (x * x + y * y).sqrt();
                (-(r - 2.0).powi(2) / 0.05).exp()
                    + 0.8 * (-((x - 1.5).powi(2) + (y - 1.5).powi(2)) / 0.1).exp()
            })
            .collect();
        values[0] = f64::NAN;
        values[1] = f64::INFINITY;
        let g = g.with_values(values).unwrap();

        let p = dir.join("density.png");
        density_png(&p, &g, Some(&data), "planar flow, K = 8").unwrap();
        assert_png(&p);
        let p = dir.join("density_single.png");
        density_png(&p, &g, None, "density").unwrap();
        assert_png(&p);
        // Non-.png extension goes through a sibling file and a rename.
        let p = dir.join("density.png.tmp");
        density_png(&p, &g, None, "density").unwrap();
        assert_png(&p);
        assert!(!dir.join("density.png.tmp.png").exists());

        let mut samples = ring(5000);
        samples.push([f32::NAN, 0.0]);
        samples.push([100.0, 100.0]);
        let range = ((-3.0, 3.0), (-3.0, 3.0));
        let p = dir.join("samples.png");
        samples_png(&p, &samples, Some(&data), range, "samples vs data").unwrap();
        assert_png(&p);
        let p = dir.join("samples_single.png");
        samples_png(&p, &samples, None, range, "").unwrap();
        assert_png(&p);

        let train: Vec<(usize, f64)> = (1..=30)
            .map(|e| (e, 3.0 / (e as f64).sqrt() + 1.0))
            .chain([(31, f64::NAN)])
            .collect();
        let valid: Vec<(usize, f64)> = (1..=30)
            .step_by(5)
            .map(|e| (e, 3.2 / (e as f64).sqrt() + 1.05))
            .collect();
        let p = dir.join("loss.png");
        loss_png(&p, &train, &valid, "training loss").unwrap();
        assert_png(&p);
        let p = dir.join("loss_one.png");
        loss_png(&p, &[(1, 2.5)], &[], "one point").unwrap();
        assert_png(&p);
        let p = dir.join("loss_empty.png");
        loss_png(&p, &[], &[(3, f64::NAN)], "empty").unwrap();
        assert_png(&p);
    }
}
