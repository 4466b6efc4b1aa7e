//! Data for normalizing flows, served through Burn's data API.
//!
//! - Toy two-dimensional data sets, seeded and reproducible ([`toy`]): [`checkerboard()`],
//!   [`eight_gaussians()`], [`circles()`], [`rings()`], [`moons()`], [`swiss_roll()`],
//!   [`two_spirals()`], [`pinwheel()`]; by name through [`DatasetKind`], with each one's ideal
//!   NLL ([`DatasetKind::ideal_nll`]) and picture range ([`DatasetKind::plot_range`]).
//! - Real data of any dimension from CSV files ([`table`]): [`read_csv`] for a whole file,
//!   [`CsvReader`] for chunks in bounded memory, with one-line errors that name the line and
//!   column; from NumPy's `.npy` files ([`npy`]), read as needed: [`NpyArray`], [`NpyReader`],
//!   and written by [`NpyWriter`]; either format by the file's extension ([`read_table`],
//!   [`RowReader`]).
//! - Preprocessing: [`Standardizer`] (per-column standardisation and its log-Jacobian) and
//!   [`dequantize()`] (uniform noise for integer data).
//! - Splits: [`split()`] / [`make_splits`] by sizes, [`split_fractions`] by fractions of a
//!   file's rows; disjoint train / valid / test [`Splits`].
//! - Files larger than memory ([`stream`]): a `.npy` file's splits decided row by row
//!   ([`RowPartition`], from a [`Permutation`]) and read block by block ([`StreamedFile`]) by
//!   Burn loaders that hold one pool of rows at a time ([`PartLoader`]).
//! - [`dataloader()`]: batches of shape `[B, D]` as Burn tensors, gathered from a shared point
//!   set by row index ([`RowIndices`], [`RowBatcher`]); [`PointBatcher`] batches owned rows.
//!
//! - Simulation-based inference ([`simulate`](mod@simulate)): [`simulate()`] runs a prior and a simulator
//!   given as closures, [`Task`] the tasks of the sbibm benchmark; [`PriorBox`] restricts
//!   samples to a box prior's support by rejection.
//!
//! Every point set is a [`Points`]: `N × D` finite `f32`, row-major.
//!
//! The guide to the whole toolkit is the mdBook in the repository's `docs/` (`mdbook build
//! docs`); its chapter "Data" documents the files and data sets from the command line.

pub mod batcher;
pub mod columns;
pub mod dequantize;
pub mod error;
pub mod kind;
pub mod loader;
pub mod npy;
pub mod permutation;
pub mod points;
pub mod rows;
pub mod simulate;
pub mod split;
pub mod standardize;
pub mod stream;
pub mod table;
pub mod toy;

pub use batcher::{PointBatch, PointBatcher, RowBatcher};
pub use columns::ContextColumns;
pub use dequantize::dequantize;
pub use error::DataError;
pub use kind::DatasetKind;
pub use loader::{ResumedLoader, RowIndices, dataloader};
pub use npy::{NpyArray, NpyReader, NpyWriter, is_npy, read_npy};
pub use permutation::Permutation;
pub use points::Points;
pub use rows::{RowReader, read_table};
pub use simulate::{
    DiagonalGaussian, Prior, PriorBox, Program, ProgramRun, Simulations, Task, simulate,
};
pub use split::{SPLIT_SEED_MIX, Splits, fraction_sizes, make_splits, split, split_fractions};
pub use standardize::Standardizer;
pub use stream::{Part, PartLoader, PassOrder, RowPartition, RowTransform, StreamedFile};
pub use table::{CsvReader, Table, read_csv};
pub use toy::{
    CHECKERBOARD_DIM, TOY_DIM, checkerboard, circles, eight_gaussians, moons, pinwheel, rings,
    swiss_roll, two_spirals,
};
