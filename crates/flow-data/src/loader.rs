//! Burn data loaders over point sets.

use std::sync::Arc;

use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::tensor::Device;

use crate::batcher::{PointBatch, PointBatcher};
use crate::points::Points;

/// A single-threaded Burn data loader over `points`, yielding [`PointBatch`]es of shape
/// `[batch_size, dim]` on `device` (the last batch may be smaller), i.e. `⌈N / batch_size⌉`
/// batches per pass.
///
/// With `shuffle_seed = Some(s)` the order is reshuffled on every pass by an RNG seeded once
/// with `s` (so the sequence of epochs is reproducible); with `None` the points come in order.
///
/// # Panics
/// If `batch_size == 0`.
pub fn dataloader(
    points: Points,
    batch_size: usize,
    shuffle_seed: Option<u64>,
    device: &Device,
) -> Arc<dyn DataLoader<PointBatch>> {
    assert!(batch_size > 0, "batch_size must be at least 1");
    let mut builder = DataLoaderBuilder::new(PointBatcher::new(points.dim()))
        .batch_size(batch_size)
        .set_device(device.clone());
    if let Some(seed) = shuffle_seed {
        builder = builder.shuffle(seed);
    }
    builder.build(points)
}
