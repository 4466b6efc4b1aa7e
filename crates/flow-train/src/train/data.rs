//! What a run fits: a toy set or a user's data file, CSV or `.npy` (density estimation, with
//! splits and a standardisation), or an energy (variational inference); all recorded in
//! `config.json` so that every later command rebuilds exactly the same points.

use std::path::{Path, PathBuf};

use flow_data::{
    ContextColumns, DatasetKind, NpyArray, Points, SPLIT_SEED_MIX, Splits, dequantize,
    fraction_sizes, is_npy, make_splits, read_table, split_fractions,
};
use flow_model::PaperEnergy;
use serde::{Deserialize, Serialize};

use crate::error::FlowError;
use crate::plot::PlotRanges;
use crate::train::fit::Annealing;

/// What a run fits: the data of density estimation, or the energy of variational inference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum DataSource {
    /// A toy set generated from the run's seed.
    Toy {
        /// The set.
        dataset: DatasetKind,
    },
    /// A data file, CSV (one column per dimension, header optional) or NumPy's `.npy` (an
    /// `N × D` array), split by fractions of its rows with the run's seed.
    File {
        /// The file, as given.
        path: PathBuf,
        /// Its number of data rows when training started (checked whenever the splits are
        /// rebuilt, so an edited file is noticed).
        rows: usize,
        /// The share of the rows that validates.
        valid_fraction: f64,
        /// The share of the rows that tests.
        test_fraction: f64,
        /// Whether `U[0, 1)` noise, drawn from the seed, was added to every value (for
        /// integer-valued data such as pixel intensities).
        dequantize: bool,
        /// Whether the file (`.npy`) is read as it is needed instead of held in memory: its
        /// splits are then decided row by row ([`flow_data::RowPartition`]) and its batches
        /// shuffled a pool of blocks at a time ([`flow_data::PartLoader`]).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        streamed: bool,
    },
    /// An unnormalised density `exp(−U)`, fitted by the reverse KL divergence with fresh
    /// samples every step (`n_train` per epoch, `n_valid` fixed ones to validate, `n_test`
    /// to estimate the KL at the end).
    Energy {
        /// One of the paper's four energies.
        target: PaperEnergy,
        /// The annealing of the energy's weight, if any.
        annealing: Option<Annealing>,
    },
}

impl DataSource {
    /// A short name: the toy set's, the file's stem, or the target's.
    pub fn name(&self) -> String {
        match self {
            Self::Toy { dataset } => dataset.to_string(),
            Self::File { path, .. } => path
                .file_stem()
                .map_or_else(|| "data".into(), |s| s.to_string_lossy().into_owned()),
            Self::Energy { target, .. } => target.to_string(),
        }
    }

    /// What to call the data in messages and summaries: the toy set's name, the file's path
    /// (and whether it is streamed), or the target energy.
    pub fn describe(&self) -> String {
        match self {
            Self::Toy { dataset } => dataset.to_string(),
            Self::File {
                path,
                streamed: true,
                ..
            } => format!("{} (streamed)", path.display()),
            Self::File { path, .. } => path.display().to_string(),
            Self::Energy { target, .. } => format!("the energy {target}"),
        }
    }

    /// The target energy, if the run fits one.
    pub fn energy(&self) -> Option<PaperEnergy> {
        match self {
            Self::Energy { target, .. } => Some(*target),
            _ => None,
        }
    }

    /// The toy set, if the data is one.
    pub fn toy(&self) -> Option<DatasetKind> {
        match self {
            Self::Toy { dataset } => Some(*dataset),
            _ => None,
        }
    }
}

/// A file's rows as given on the command line, before any configuration exists.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRequest {
    /// The data file, CSV or `.npy`.
    pub path: PathBuf,
    /// The share of the rows that validates.
    pub valid_fraction: f64,
    /// The share of the rows that tests.
    pub test_fraction: f64,
    /// Add `U[0, 1)` noise to every value.
    pub dequantize: bool,
    /// Read the file as it is needed (`.npy` only); `None`: when it holds more than
    /// [`STREAM_VALUES`] values.
    pub stream: Option<bool>,
}

/// A `.npy` file of more values than this (1 GiB as `f32`) is streamed unless told otherwise:
/// held in memory, its splits and their standardised copies would take several times that.
pub const STREAM_VALUES: usize = 1 << 28;

/// Reads a data file's points (CSV or `.npy`), with a one-line error naming the line (row)
/// and column of any bad value.
fn read_points(path: &Path, dim: Option<usize>) -> Result<Points, FlowError> {
    Ok(read_table(path, dim)?.points)
}

/// What [`inspect_file`] finds in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileShape {
    /// The number of columns.
    pub width: usize,
    /// The column names, if the file has a header.
    pub header: Option<Vec<String>>,
    /// The number of data rows.
    pub rows: usize,
    /// The sizes of the train, valid and test splits.
    pub sizes: [usize; 3],
    /// Whether the run streams the file.
    pub streamed: bool,
}

/// The file's points as the run uses them: dequantised with the seed if asked.
fn file_points(points: Points, dequantized: bool, seed: u64) -> Points {
    if dequantized {
        dequantize(&points, seed ^ SPLIT_SEED_MIX.rotate_left(17))
    } else {
        points
    }
}

/// The width, header, split sizes and reading of a file, found once before training: a
/// CSV file is read whole, a `.npy` file only by its header.
pub fn inspect_file(request: &FileRequest) -> Result<FileShape, FlowError> {
    let (width, header, rows) = if is_npy(&request.path) {
        let array = NpyArray::open(&request.path, None)?;
        (array.dim(), None, array.len())
    } else {
        let table = read_table(&request.path, None)?;
        (table.points.dim(), table.header, table.points.len())
    };
    let (train, valid, test) = fraction_sizes(rows, request.valid_fraction, request.test_fraction)?;
    let streamed = streams(request, rows, width)?;
    Ok(FileShape {
        width,
        header,
        rows,
        sizes: [train, valid, test],
        streamed,
    })
}

/// Whether the file of `request`, of `rows × width` values, is streamed: as asked, else when
/// it is a `.npy` file of more than [`STREAM_VALUES`] values and `--dequantize` is not asked
/// for. `--stream true` is refused on a CSV file and with `--dequantize`.
fn streams(request: &FileRequest, rows: usize, width: usize) -> Result<bool, FlowError> {
    let streamed = match request.stream {
        Some(true) if !is_npy(&request.path) => {
            return Err(FlowError::invalid(
                "--stream",
                "streams .npy files only; save the data with np.save (or drop --stream)",
            ));
        }
        Some(stream) => stream,
        None => {
            !request.dequantize
                && is_npy(&request.path)
                && rows.saturating_mul(width) > STREAM_VALUES
        }
    };
    if streamed && request.dequantize {
        return Err(FlowError::invalid(
            "--dequantize",
            "does not apply to a streamed file; add the noise before saving it, or --stream false",
        ));
    }
    Ok(streamed)
}

/// The splits of a run in the data's own units (before standardisation), rebuilt exactly
/// from the recorded source, sizes and seed: rows of `dim` values, a file's columns put in
/// the model's order by `context` (`x`'s, then the context's) when it has a context.
pub fn raw_splits(
    source: &DataSource,
    dim: usize,
    context: Option<&ContextColumns>,
    sizes: [usize; 3],
    seed: u64,
) -> Result<Splits, FlowError> {
    let [n_train, n_valid, n_test] = sizes;
    match source {
        DataSource::Toy { dataset } => Ok(make_splits(*dataset, n_train, n_valid, n_test, seed)?),
        DataSource::File {
            path,
            rows,
            valid_fraction,
            test_fraction,
            dequantize,
            ..
        } => {
            let points = read_points(path, Some(dim))?;
            if points.len() != *rows {
                return Err(FlowError::bad_file(
                    path,
                    format!(
                        "has {} data rows, but the model was trained on {rows}: the file changed \
                         since training, so its splits cannot be rebuilt",
                        points.len()
                    ),
                ));
            }
            let points = file_points(points, *dequantize, seed);
            let points = match context {
                Some(context) => context.to_model_order(&points),
                None => points,
            };
            Ok(split_fractions(
                points,
                *valid_fraction,
                *test_fraction,
                seed ^ SPLIT_SEED_MIX,
            )?)
        }
        DataSource::Energy { target, .. } => Err(FlowError::invalid(
            "--artifact-dir",
            format!("this model was fitted to the energy {target}; it has no data set"),
        )),
    }
}

/// The square in which the paper draws its four energies.
pub const ENERGY_RANGE: (f64, f64) = (-4.0, 4.0);

/// The square or rectangle in which to draw a 2-D run's density: the toy set's own range,
/// the paper's square for an energy, or the training points' extent with a margin of a tenth
/// of it on every side.
pub fn plot_ranges(source: &DataSource, train: &Points) -> PlotRanges {
    if let Some(dataset) = source.toy() {
        let range = dataset.plot_range();
        return (range, range);
    }
    if source.energy().is_some() {
        return (ENERGY_RANGE, ENERGY_RANGE);
    }
    let mut extent = NO_EXTENT;
    widen_extent(&mut extent, train);
    extent_ranges(extent)
}

/// The extent of no points, which any point widens.
pub const NO_EXTENT: [(f64, f64); 2] = [(f64::MAX, f64::MIN); 2];

/// Widens the per-coordinate extents `[(lo, hi); 2]` to hold the first two coordinates of
/// `points`.
pub fn widen_extent(extent: &mut [(f64, f64); 2], points: &Points) {
    for row in points.iter_rows() {
        for (d, (lo, hi)) in extent.iter_mut().enumerate() {
            *lo = lo.min(f64::from(row[d]));
            *hi = hi.max(f64::from(row[d]));
        }
    }
}

/// The rectangle of the per-coordinate extents `[(lo, hi); 2]` of data, with a margin of a
/// tenth of each side (at least 10⁻³) all around.
pub fn extent_ranges(extent: [(f64, f64); 2]) -> PlotRanges {
    let [x, y] = extent.map(|(lo, hi)| {
        let margin = ((hi - lo) * 0.1).max(1e-3);
        (lo - margin, hi + margin)
    });
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, stream: Option<bool>, dequantize: bool) -> FileRequest {
        FileRequest {
            path: PathBuf::from(path),
            valid_fraction: 0.1,
            test_fraction: 0.1,
            dequantize,
            stream,
        }
    }

    #[test]
    fn large_npy_files_stream_unless_told_otherwise() {
        let rows = STREAM_VALUES / 4;
        let auto = request("big.npy", None, false);
        assert!(!streams(&auto, rows, 4).unwrap());
        assert!(streams(&auto, rows + 1, 4).unwrap());
        assert!(!streams(&request("big.csv", None, false), rows + 1, 4).unwrap());
        assert!(!streams(&request("big.npy", Some(false), false), rows + 1, 4).unwrap());
        assert!(streams(&request("small.NPY", Some(true), false), 10, 2).unwrap());
    }

    #[test]
    fn what_cannot_stream_is_refused_by_its_flag() {
        let csv = streams(&request("data.csv", Some(true), false), 10, 2).unwrap_err();
        assert!(csv.to_string().contains("--stream"), "{csv}");
        let noisy = streams(&request("big.npy", Some(true), true), 10, 2).unwrap_err();
        assert!(noisy.to_string().contains("--dequantize"), "{noisy}");
        // Asked for noise and not for streaming, a large file is held in memory.
        assert!(!streams(&request("big.npy", None, true), STREAM_VALUES, 2).unwrap());
    }
}
