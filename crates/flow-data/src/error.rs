//! The crate's single error type.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Everything that can go wrong while building, reading, validating or splitting a data set.
///
/// Every message is one line.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DataError {
    /// A point set was given a dimension of zero.
    #[error("point dimension must be at least 1, got 0")]
    ZeroDim,

    /// The flat value buffer cannot be cut into rows of `dim` values.
    #[error(
        "got {len} values, which is not a multiple of the point dimension {dim}; \
         the buffer must hold N rows of exactly {dim} values each (row-major)"
    )]
    LengthNotMultiple {
        /// Number of values supplied.
        len: usize,
        /// Requested point dimension.
        dim: usize,
    },

    /// A row (or tensor) has a different dimension than the one expected.
    #[error("dimension mismatch: expected {expected} values per point, got {found} (row {row})")]
    DimensionMismatch {
        /// Expected dimension.
        expected: usize,
        /// Dimension actually found.
        found: usize,
        /// Index of the offending row.
        row: usize,
    },

    /// A value is NaN or infinite.
    #[error(
        "non-finite value {value} at row {row}, column {col}; \
         all coordinates must be finite (no NaN or infinity)"
    )]
    NonFinite {
        /// Row of the offending value.
        row: usize,
        /// Column of the offending value.
        col: usize,
        /// The offending value.
        value: f32,
    },

    /// One of the requested split sizes is zero.
    #[error(
        "the {part} split is empty (n_{part} = 0); every split (train, valid, test) needs at least one point"
    )]
    EmptySplit {
        /// Which split is empty: "train", "valid" or "test".
        part: &'static str,
    },

    /// The requested split sizes add up to more points than are available.
    #[error(
        "splits need n_train + n_valid + n_test = {n_train} + {n_valid} + {n_test} = {requested} points, \
         but only {available} are available; lower the split sizes or generate more points"
    )]
    SplitTooLarge {
        /// Requested training points.
        n_train: usize,
        /// Requested validation points.
        n_valid: usize,
        /// Requested test points.
        n_test: usize,
        /// Their sum (saturated at `usize::MAX` on overflow).
        requested: usize,
        /// Points available.
        available: usize,
    },

    /// A data set name that is not known to this crate.
    #[error("unknown data set {name:?}; allowed values: {allowed}")]
    UnknownDataset {
        /// The name that was given.
        name: String,
        /// Comma-separated list of accepted names.
        allowed: String,
    },

    /// Split fractions outside `(0, 1)`, or adding up to 1 or more.
    #[error(
        "split fractions must each lie in (0, 1) and add up to less than 1 (the rest is the \
         training split); got valid {valid} and test {test}"
    )]
    BadFractions {
        /// Requested validation fraction.
        valid: f64,
        /// Requested test fraction.
        test: f64,
    },

    /// Too few rows for every split to get at least one row at the requested fractions.
    #[error(
        "{rows} rows are too few for train/valid/test splits with valid fraction {valid} and \
         test fraction {test}; at least {needed} rows are needed (each split needs a row)"
    )]
    TooFewRows {
        /// Rows available.
        rows: usize,
        /// Requested validation fraction.
        valid: f64,
        /// Requested test fraction.
        test: f64,
        /// The fewest rows for which every split gets at least one row.
        needed: usize,
    },

    /// A line of a CSV file that cannot be read as a point: `<path>: line L[, column C]: reason`.
    #[error("{}", csv_line_message(.path, .line, .column, .reason))]
    CsvLine {
        /// The file.
        path: PathBuf,
        /// The 1-based line, as an editor shows it (blank lines counted).
        line: usize,
        /// The 1-based column (field), when the problem is one field.
        column: Option<usize>,
        /// What is wrong, e.g. "`abc` is not a number".
        reason: String,
    },

    /// A `--context-columns` specification that does not fit the table: `context columns
    /// `SPEC`: reason`.
    #[error("context columns `{spec}`: {reason}")]
    ContextColumns {
        /// The specification as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A simulator or a prior that gave unusable draws: `simulation: reason`.
    #[error("simulation: {reason}")]
    Simulator {
        /// What is wrong, naming the simulation and the column.
        reason: String,
    },

    /// An unknown simulation task: `unknown task "name"; allowed values: …`.
    #[error("unknown task {name:?}; allowed values: {allowed}")]
    UnknownTask {
        /// The name given.
        name: String,
        /// The task names, comma-separated.
        allowed: String,
    },

    /// An observation number sbibm does not have: `sbibm has observations 1 to 10 of task, not k`.
    #[error("sbibm has observations 1 to {count} of {task}, not {k}")]
    NoObservation {
        /// The task's name.
        task: &'static str,
        /// How many observations it has.
        count: usize,
        /// The number asked for.
        k: usize,
    },

    /// A prior that cannot be drawn from: `prior: reason`.
    #[error("prior: {reason}")]
    Prior {
        /// What is wrong: a mean or a standard deviation, or their numbers.
        reason: String,
    },

    /// A simulator program that failed: `simulator program: reason`.
    #[error("simulator program: {reason}")]
    Program {
        /// What went wrong, naming the batch and, where there is one, the row.
        reason: String,
    },

    /// A prior box that is not a box: `prior box: reason`.
    #[error("prior box: {reason}")]
    PriorBox {
        /// What is wrong: a bound pair out of order, the wrong number of bounds.
        reason: String,
    },

    /// A CSV file that cannot be read at all, or has no data rows: `<path>: reason`.
    #[error("{}: {reason}", .path.display())]
    CsvFile {
        /// The file.
        path: PathBuf,
        /// What is wrong: "no data rows", "is a directory, not a CSV file", or the text of
        /// the I/O error.
        reason: String,
    },

    /// A `.npy` file that cannot be read, or a value in it that is not a finite `f32`:
    /// `<path>: reason`.
    #[error("{}: {reason}", .path.display())]
    Npy {
        /// The file.
        path: PathBuf,
        /// What is wrong: its shape, dtype, order, size, or a value named by row and column.
        reason: String,
    },
}

/// The message of a [`DataError::CsvLine`].
fn csv_line_message(path: &Path, line: &usize, column: &Option<usize>, reason: &str) -> String {
    match column {
        Some(c) => format!("{}: line {line}, column {c}: {reason}", path.display()),
        None => format!("{}: line {line}: {reason}", path.display()),
    }
}
