//! A `.npy` file's splits, read block by block without holding the file.

use std::path::Path;

use crate::error::DataError;
use crate::npy::NpyArray;
use crate::points::Points;
use crate::stream::partition::{Part, RowPartition};

/// Rows per block: the unit in which a streamed file is read.
pub const BLOCK_ROWS: usize = 4096;

/// A `.npy` array cut into train / validation / test parts by a
/// [`RowPartition`], read in blocks of [`BLOCK_ROWS`] consecutive rows, so that a file of
/// any size is used in bounded memory: the parts of
/// its rows, two bits a row (`N / 4` bytes, a sixty-fourth of a file of four `float32`
/// columns), and what the reader holds.
#[derive(Debug)]
pub struct StreamedFile {
    array: NpyArray,
    sizes: [usize; 3],
    /// Each row's part (its [`Part::index`]), two bits a row, four rows a byte.
    parts: Vec<u8>,
    /// The rows of each part (`[train, valid, test]`) in each block.
    counts: Vec<[u32; 3]>,
}

impl StreamedFile {
    /// Maps `path` (see [`NpyArray::open`]), cuts its rows into parts of `sizes`
    /// (`[train, valid, test]`) drawn by `seed`, and reads every value once to check it, so
    /// that a bad value is found, by row and column, before anything uses the file.
    pub fn open(
        path: impl AsRef<Path>,
        dim: Option<usize>,
        sizes: [usize; 3],
        seed: u64,
    ) -> Result<Self, DataError> {
        let array = NpyArray::open(path, dim)?;
        let partition = RowPartition::new(array.len(), sizes, seed)?;
        let blocks = array.len().div_ceil(BLOCK_ROWS);
        let mut counts = Vec::with_capacity(blocks);
        let mut parts = vec![0u8; array.len().div_ceil(4)];
        let mut scratch = Vec::new();
        for block in 0..blocks {
            let (start, count) = block_rows(block, array.len());
            scratch.clear();
            array.rows_where(start, count, |_| true, &mut scratch)?;
            let mut block_counts = [0u32; 3];
            for row in start..start + count {
                let part = partition.part(row).index();
                block_counts[part] += 1;
                parts[row / 4] |= (part as u8) << (2 * (row % 4));
            }
            counts.push(block_counts);
        }
        Ok(Self {
            array,
            sizes: partition.sizes(),
            parts,
            counts,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        self.array.path()
    }

    /// The number of columns.
    pub fn dim(&self) -> usize {
        self.array.dim()
    }

    /// The number of rows of `part`.
    pub fn part_len(&self, part: Part) -> usize {
        self.sizes[part.index()]
    }

    /// The number of blocks.
    pub fn blocks(&self) -> usize {
        self.counts.len()
    }

    /// The number of rows of `part` in `block`.
    pub fn block_len(&self, block: usize, part: Part) -> usize {
        self.counts[block][part.index()] as usize
    }

    /// Appends the rows of `part` in `block`, in file order, to `out` (row-major).
    ///
    /// # Panics
    /// If `block` is out of range.
    pub fn read_block(
        &self,
        block: usize,
        part: Part,
        out: &mut Vec<f32>,
    ) -> Result<(), DataError> {
        let (start, count) = block_rows(block, self.array.len());
        self.array.rows_where(
            start,
            count,
            |row| self.part_index(row) == part.index(),
            out,
        )
    }

    /// The [`Part::index`] of row `row`.
    fn part_index(&self, row: usize) -> usize {
        usize::from((self.parts[row / 4] >> (2 * (row % 4))) & 3)
    }

    /// The rows of `part` in file order, in chunks of at most `rows` rows (every chunk but
    /// the last holds exactly `rows`).
    ///
    /// # Panics
    /// If `rows == 0`.
    pub fn chunks(&self, part: Part, rows: usize) -> PartChunks<'_> {
        assert!(rows > 0, "chunks must hold at least one row");
        PartChunks {
            file: self,
            part,
            rows,
            next_block: 0,
            pending: Vec::new(),
        }
    }
}

/// The first row and the number of rows of `block` in an array of `len` rows.
fn block_rows(block: usize, len: usize) -> (usize, usize) {
    let start = block * BLOCK_ROWS;
    (start, BLOCK_ROWS.min(len - start))
}

/// The rows of one part of a [`StreamedFile`] in file order, in chunks; see
/// [`StreamedFile::chunks`].
pub struct PartChunks<'a> {
    file: &'a StreamedFile,
    part: Part,
    rows: usize,
    next_block: usize,
    /// Rows read and not yet handed out, row-major.
    pending: Vec<f32>,
}

impl Iterator for PartChunks<'_> {
    type Item = Result<Points, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        let dim = self.file.dim();
        while self.pending.len() < self.rows * dim && self.next_block < self.file.blocks() {
            let read = self
                .file
                .read_block(self.next_block, self.part, &mut self.pending);
            self.next_block += 1;
            if let Err(e) = read {
                self.next_block = self.file.blocks();
                self.pending.clear();
                return Some(Err(e));
            }
        }
        if self.pending.is_empty() {
            return None;
        }
        let split = self.pending.len().min(self.rows * dim);
        let rest = self.pending.split_off(split);
        let chunk = std::mem::replace(&mut self.pending, rest);
        Some(Points::new(dim, chunk))
    }
}
