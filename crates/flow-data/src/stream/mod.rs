//! Training from a `.npy` file larger than memory: its splits decided row by row by a seeded
//! permutation ([`RowPartition`]), its rows read block by block from the memory map and
//! released once read ([`StreamedFile`]), and batched for Burn's Learner by loaders that
//! hold one pool of rows at a time ([`PartLoader`]).

pub mod file;
pub mod loader;
pub mod partition;
pub mod transform;

pub use file::{BLOCK_ROWS, PartChunks, StreamedFile};
pub use loader::{POOL_BYTES, PartLoader, PassOrder};
pub use partition::{Part, RowPartition};
pub use transform::RowTransform;
