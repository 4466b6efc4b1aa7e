//! The crate's single error type.

use thiserror::Error;

/// Everything that can go wrong while building, validating or splitting a data set.
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
}
