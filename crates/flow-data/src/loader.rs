//! Burn data loaders over point sets.

use std::sync::Arc;

use burn::data::dataloader::{DataLoader, DataLoaderBuilder, DataLoaderIterator};
use burn::data::dataset::{Dataset, DatasetError};
use burn::tensor::Device;

use crate::batcher::{PointBatch, RowBatcher};
use crate::points::Points;

/// The row indices `0..len` as a Burn [`Dataset`]: item `i` is `i`.
///
/// The loader of [`dataloader()`] iterates (and shuffles) these indices, and its
/// [`RowBatcher`] gathers the rows of a batch from the shared point set, so no item owns an
/// allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowIndices {
    len: usize,
}

impl RowIndices {
    /// The indices `0..len`.
    pub fn new(len: usize) -> Self {
        Self { len }
    }
}

impl Dataset<usize> for RowIndices {
    /// Returns `index`; panics if `index >= len`, as the trait requires.
    fn get(&self, index: usize) -> Result<usize, DatasetError> {
        assert!(
            index < self.len,
            "row index {index} out of range for {} rows",
            self.len
        );
        Ok(index)
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// A single-threaded Burn data loader over `points`, yielding [`PointBatch`]es of shape
/// `[batch_size, dim]` on `device` (the last batch may be smaller), i.e. `⌈N / batch_size⌉`
/// batches per pass.
///
/// With `shuffle_seed = Some(s)` the order is reshuffled on every pass by an RNG seeded once
/// with `s` (so the sequence of epochs is reproducible); with `None` the points come in order.
///
/// The loader's items are row indices ([`RowIndices`]); each batch's rows are copied from the
/// shared points straight into one buffer by a [`RowBatcher`]. The batches are the same, in
/// the same order, as those of Burn's loader over the points themselves (items `Vec<f32>`,
/// batched by [`PointBatcher`](crate::PointBatcher)) with the same seed, since both shuffle
/// `0..N` with the same generator.
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
    let rows = RowIndices::new(points.len());
    let mut builder = DataLoaderBuilder::new(RowBatcher::new(Arc::new(points)))
        .batch_size(batch_size)
        .set_device(device.clone());
    if let Some(seed) = shuffle_seed {
        builder = builder.shuffle(seed);
    }
    builder.build(rows)
}

/// A shuffling loader that resumes its sequence of passes after `passes_done` passes.
///
/// Burn's Learner moves the training loader to its device with [`DataLoader::to_device`],
/// which forks the loader's RNG; the fork must then be advanced past the passes that an
/// interrupted run already made, so that a resumed run sees the orders the uninterrupted
/// run would have seen. A loader moved to a device is advanced that way; a slice stays a
/// resumed loader until it is moved; this one itself iterates from where it was built.
pub struct ResumedLoader<O> {
    inner: Arc<dyn DataLoader<O>>,
    passes_done: usize,
}

impl<O> ResumedLoader<O> {
    /// Wraps `inner`, a loader that has not iterated yet.
    pub fn new(inner: Arc<dyn DataLoader<O>>, passes_done: usize) -> Self {
        Self { inner, passes_done }
    }

    fn advanced(&self, loader: Arc<dyn DataLoader<O>>) -> Arc<dyn DataLoader<O>> {
        for _ in 0..self.passes_done {
            drop(loader.iter());
        }
        loader
    }
}

impl<O: 'static> DataLoader<O> for ResumedLoader<O> {
    fn iter<'a>(&'a self) -> Box<dyn DataLoaderIterator<O> + 'a> {
        self.inner.iter()
    }

    fn num_items(&self) -> usize {
        self.inner.num_items()
    }

    fn to_device(&self, device: &Device) -> Arc<dyn DataLoader<O>> {
        self.advanced(self.inner.to_device(device))
    }

    fn slice(&self, start: usize, end: usize) -> Arc<dyn DataLoader<O>> {
        // Burn moves a slice to its device next (`split_dataloader`), which forks the slice's
        // RNG again: that fork is the one to advance.
        Arc::new(Self::new(self.inner.slice(start, end), self.passes_done))
    }
}
