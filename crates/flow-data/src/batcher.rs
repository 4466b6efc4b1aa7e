//! Turning point items into tensors.

use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::{Device, Tensor, TensorData};

use crate::points::Points;

/// A batch of points.
#[derive(Debug, Clone)]
pub struct PointBatch {
    /// The points, shape `[B, D]` (float).
    pub points: Tensor<2>,
}

/// Stacks `B` points of dimension `dim` (each a `Vec<f32>`) into a [`PointBatch`] of shape `[B, dim]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointBatcher {
    dim: usize,
}

impl PointBatcher {
    /// A batcher for points of dimension `dim`.
    pub fn new(dim: usize) -> Self {
        Self { dim }
    }

    /// Dimension of the points this batcher expects.
    pub fn dim(&self) -> usize {
        self.dim
    }
}

impl Batcher<Vec<f32>, PointBatch> for PointBatcher {
    /// # Panics
    /// If an item's length differs from the batcher's `dim` (the trait cannot return an error).
    fn batch(&self, items: Vec<Vec<f32>>, device: &Device) -> PointBatch {
        let b = items.len();
        let mut flat = Vec::with_capacity(b * self.dim);
        for (i, item) in items.iter().enumerate() {
            assert_eq!(
                item.len(),
                self.dim,
                "point {i} of the batch has {} values, but the batcher expects dimension {}",
                item.len(),
                self.dim
            );
            flat.extend_from_slice(item);
        }
        let points = Tensor::from_data(TensorData::new(flat, [b, self.dim]), device);
        PointBatch { points }
    }
}

/// Gathers the rows of a batch, given by their indices, from a shared point set into one
/// buffer and makes a [`PointBatch`] of shape `[B, dim]`; the batcher of [`dataloader()`](crate::dataloader()).
#[derive(Debug, Clone)]
pub struct RowBatcher {
    points: Arc<Points>,
}

impl RowBatcher {
    /// A batcher over the rows of `points`.
    pub fn new(points: Arc<Points>) -> Self {
        Self { points }
    }

    /// The shared point set.
    pub fn points(&self) -> &Arc<Points> {
        &self.points
    }
}

impl Batcher<usize, PointBatch> for RowBatcher {
    /// # Panics
    /// If an index is out of range.
    fn batch(&self, items: Vec<usize>, device: &Device) -> PointBatch {
        let flat = self.points.gather(&items);
        let points = Tensor::from_data(
            TensorData::new(flat, [items.len(), self.points.dim()]),
            device,
        );
        PointBatch { points }
    }
}
