//! Toy two-dimensional data sets (checkerboard) for normalizing flows, served through Burn's
//! data API.
//!
//! - [`checkerboard()`] / [`DatasetKind::generate`]: seeded, reproducible point sets ([`Points`]).
//! - [`split()`] / [`make_splits`]: disjoint train / valid / test [`Splits`].
//! - [`PointBatcher`] and [`dataloader()`]: batches of shape `[B, D]` as Burn tensors.

pub mod batcher;
pub mod checkerboard;
pub mod error;
pub mod kind;
pub mod loader;
pub mod points;
pub mod split;

pub use batcher::{PointBatch, PointBatcher};
pub use checkerboard::{CHECKERBOARD_DIM, checkerboard};
pub use error::DataError;
pub use kind::DatasetKind;
pub use loader::{ResumedLoader, dataloader};
pub use points::Points;
pub use split::{SPLIT_SEED_MIX, Splits, make_splits, split};
