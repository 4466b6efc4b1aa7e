//! Burn data loaders over one part of a [`StreamedFile`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::data::dataloader::{DataLoader, DataLoaderIterator, Progress};
use burn::data::dataset::DatasetError;
use burn::tensor::{Device, Tensor, TensorData};
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use crate::batcher::PointBatch;
use crate::error::DataError;
use crate::permutation::mix;
use crate::points::Points;
use crate::stream::file::{BLOCK_ROWS, StreamedFile};
use crate::stream::partition::Part;
use crate::stream::transform::RowTransform;

/// Bytes of rows a shuffling loader holds at once (its pool), unless told otherwise.
pub const POOL_BYTES: usize = 64 << 20;

/// The order of a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassOrder {
    /// File order, the same every pass (validation and test).
    InOrder,
    /// A new order every pass, drawn from the seed and the pass's number: the blocks of
    /// the file in a random order, taken a pool of blocks at a time (as many as
    /// [`POOL_BYTES`] of rows hold), the rows of each pool in a random order. A part that fits in one pool
    /// is shuffled uniformly.
    Shuffled {
        /// The seed of every pass's order.
        seed: u64,
    },
}

/// A Burn [`DataLoader`] over one part of a [`StreamedFile`]: batches of shape
/// `[B, D]` (the model's columns and units, through a [`RowTransform`]) read from the
/// file as they are needed, so that memory holds one pool of rows, not the file.
///
/// Its items are the positions of a pass over the part's rows; a slice (one device's share
/// of the multi-device strategy) reads only the pools that hold its positions. Every
/// [`iter`](DataLoader::iter) starts the next pass; a loader built with `passes_done = k`
/// starts at pass `k`, as an uninterrupted run would (resume).
pub struct PartLoader {
    file: Arc<StreamedFile>,
    part: Part,
    transform: Arc<RowTransform>,
    batch_size: usize,
    order: PassOrder,
    /// The positions of a pass this loader yields.
    start: usize,
    end: usize,
    /// The next pass.
    pass: AtomicUsize,
    device: Device,
    pool_bytes: usize,
}

impl PartLoader {
    /// A loader of batches of `batch_size` rows of `part`, the whole pass, starting at pass
    /// `passes_done`.
    ///
    /// # Panics
    /// If `batch_size == 0`.
    pub fn new(
        file: Arc<StreamedFile>,
        part: Part,
        transform: RowTransform,
        batch_size: usize,
        order: PassOrder,
        passes_done: usize,
        device: &Device,
    ) -> Self {
        assert!(batch_size > 0, "batch_size must be at least 1");
        let end = file.part_len(part);
        Self {
            file,
            part,
            transform: Arc::new(transform),
            batch_size,
            order,
            start: 0,
            end,
            pass: AtomicUsize::new(passes_done),
            device: device.clone(),
            pool_bytes: POOL_BYTES,
        }
    }

    /// This loader with pools of at most `bytes` of rows (at least one block) instead of
    /// [`POOL_BYTES`]: less memory, coarser shuffles.
    pub fn with_pool_bytes(mut self, bytes: usize) -> Self {
        self.pool_bytes = bytes;
        self
    }

    /// This loader over positions `start..end` of a pass (absolute), on `device`.
    fn with(&self, start: usize, end: usize, device: &Device) -> Self {
        Self {
            file: self.file.clone(),
            part: self.part,
            transform: self.transform.clone(),
            batch_size: self.batch_size,
            order: self.order,
            start,
            end,
            pass: AtomicUsize::new(self.pass.load(Ordering::SeqCst)),
            device: device.clone(),
            pool_bytes: self.pool_bytes,
        }
    }

    /// Blocks per pool.
    fn pool_blocks(&self) -> usize {
        match self.order {
            PassOrder::InOrder => 1,
            PassOrder::Shuffled { .. } => {
                let block_bytes = BLOCK_ROWS * self.file.dim() * size_of::<f32>();
                (self.pool_bytes / block_bytes).max(1)
            }
        }
    }
}

impl DataLoader<PointBatch> for PartLoader {
    fn iter<'a>(&'a self) -> Box<dyn DataLoaderIterator<PointBatch> + 'a> {
        let pass = self.pass.fetch_add(1, Ordering::SeqCst) as u64;
        let mut blocks: Vec<usize> = (0..self.file.blocks()).collect();
        let pass_seed = match self.order {
            PassOrder::InOrder => None,
            PassOrder::Shuffled { seed } => {
                let pass_seed = mix(seed ^ mix(pass));
                blocks.shuffle(&mut StdRng::seed_from_u64(pass_seed));
                Some(pass_seed)
            }
        };
        Box::new(Pass {
            loader: self,
            blocks,
            pass_seed,
            next_block: 0,
            pools: 0,
            position: 0,
            pool: Vec::new(),
            order: Vec::new(),
            cursor: 0,
        })
    }

    fn num_items(&self) -> usize {
        self.end - self.start
    }

    fn to_device(&self, device: &Device) -> Arc<dyn DataLoader<PointBatch>> {
        Arc::new(self.with(self.start, self.end, device))
    }

    fn slice(&self, start: usize, end: usize) -> Arc<dyn DataLoader<PointBatch>> {
        let end = (self.start + end).min(self.end);
        Arc::new(self.with((self.start + start).min(end), end, &self.device))
    }
}

/// One pass of a [`PartLoader`].
struct Pass<'a> {
    loader: &'a PartLoader,
    /// The blocks in the pass's order.
    blocks: Vec<usize>,
    /// The seed of the pass's row orders (`None`: file order).
    pass_seed: Option<u64>,
    /// The first block of the next pool.
    next_block: usize,
    /// Pools gone through so far (read or skipped).
    pools: u64,
    /// The position in the pass of the row at `order[cursor]`.
    position: usize,
    /// The pool's rows, row-major, in file order.
    pool: Vec<f32>,
    /// The order in which the pool's rows are handed out.
    order: Vec<u32>,
    cursor: usize,
}

impl Pass<'_> {
    /// Moves to the next pool that holds a position of the loader's range, reading it;
    /// `false` after the last pool.
    fn next_pool(&mut self) -> Result<bool, DataError> {
        let file = &self.loader.file;
        let part = self.loader.part;
        while self.next_block < self.blocks.len() {
            let group_end = (self.next_block + self.loader.pool_blocks()).min(self.blocks.len());
            let group = &self.blocks[self.next_block..group_end];
            self.next_block = group_end;
            let pool_seed = self.pass_seed.map(|seed| mix(seed ^ self.pools));
            self.pools += 1;
            let count: usize = group.iter().map(|&b| file.block_len(b, part)).sum();
            if self.position + count <= self.loader.start {
                self.position += count;
                continue;
            }
            self.pool.clear();
            for &block in group {
                file.read_block(block, part, &mut self.pool)?;
            }
            let count = u32::try_from(count).expect("a pool holds fewer than 2³² rows");
            self.order = (0..count).collect();
            if let Some(seed) = pool_seed {
                self.order.shuffle(&mut StdRng::seed_from_u64(seed));
            }
            self.cursor = 0;
            return Ok(true);
        }
        Ok(false)
    }

    /// The next batch's rows in the file's columns and units.
    fn next_rows(&mut self) -> Result<Vec<f32>, DataError> {
        let (batch, dim) = (self.loader.batch_size, self.loader.file.dim());
        let mut rows = Vec::with_capacity(batch * dim);
        let mut taken = 0;
        while taken < batch && self.position < self.loader.end {
            if self.cursor == self.order.len() {
                if !self.next_pool()? {
                    break;
                }
                continue;
            }
            let left = self.order.len() - self.cursor;
            if self.position < self.loader.start {
                let skip = left.min(self.loader.start - self.position);
                self.cursor += skip;
                self.position += skip;
                continue;
            }
            let take = (batch - taken)
                .min(left)
                .min(self.loader.end - self.position);
            for &row in &self.order[self.cursor..self.cursor + take] {
                let row = row as usize;
                rows.extend_from_slice(&self.pool[row * dim..(row + 1) * dim]);
            }
            self.cursor += take;
            self.position += take;
            taken += take;
        }
        Ok(rows)
    }
}

impl Iterator for Pass<'_> {
    type Item = Result<PointBatch, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        let dim = self.loader.file.dim();
        let batch = self
            .next_rows()
            .and_then(|rows| {
                if rows.is_empty() {
                    return Ok(None);
                }
                let points = self.loader.transform.apply(Points::new(dim, rows)?)?;
                let shape = [points.len(), points.dim()];
                let (_, values) = points.into_parts();
                let tensor = Tensor::from_data(TensorData::new(values, shape), &self.loader.device);
                Ok(Some(PointBatch { points: tensor }))
            })
            .map_err(DatasetError::new);
        batch.transpose()
    }
}

impl DataLoaderIterator<PointBatch> for Pass<'_> {
    fn progress(&self) -> Progress {
        let done = self.position.clamp(self.loader.start, self.loader.end) - self.loader.start;
        Progress::new(done, self.loader.num_items(), Some("items".to_owned()))
    }
}
