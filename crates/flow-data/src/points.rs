//! A validated, row-major set of points.

use burn::data::dataset::{Dataset, DatasetError};

use crate::error::DataError;

/// `N` points of dimension `dim`, stored row-major as an `N × dim` buffer of finite `f32`.
///
/// As a Burn [`Dataset`], item `i` is row `i` as a `Vec<f32>` of length `dim`.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    dim: usize,
    values: Vec<f32>,
}

impl Points {
    /// Wraps a row-major buffer of `N × dim` values.
    ///
    /// Fails if `dim == 0`, if `values.len()` is not a multiple of `dim`, or if any value is
    /// not finite. An empty buffer (`N = 0`) is allowed.
    pub fn new(dim: usize, values: Vec<f32>) -> Result<Self, DataError> {
        if dim == 0 {
            return Err(DataError::ZeroDim);
        }
        if !values.len().is_multiple_of(dim) {
            return Err(DataError::LengthNotMultiple {
                len: values.len(),
                dim,
            });
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(DataError::NonFinite {
                row: i / dim,
                col: i % dim,
                value: values[i],
            });
        }
        Ok(Self { dim, values })
    }

    /// Builds a point set from rows that must all have length `dim` (same checks as [`Points::new`]).
    pub fn from_rows<R: AsRef<[f32]>>(
        dim: usize,
        rows: impl IntoIterator<Item = R>,
    ) -> Result<Self, DataError> {
        if dim == 0 {
            return Err(DataError::ZeroDim);
        }
        let mut values = Vec::new();
        for (row, r) in rows.into_iter().enumerate() {
            let r = r.as_ref();
            if r.len() != dim {
                return Err(DataError::DimensionMismatch {
                    expected: dim,
                    found: r.len(),
                    row,
                });
            }
            values.extend_from_slice(r);
        }
        Self::new(dim, values)
    }

    /// Number of points `N`.
    pub fn len(&self) -> usize {
        self.values.len() / self.dim
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Dimension of each point.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The rows `indices`, one after the other: `[indices.len(), dim]` row-major (the values
    /// of [`Points::select`]).
    ///
    /// # Panics
    /// If an index is out of range.
    pub fn gather(&self, indices: &[usize]) -> Vec<f32> {
        let mut out = vec![0.0; indices.len() * self.dim];
        // A row of a known small width is a few moves; a slice copy of a run-time width
        // calls memcpy, which costs more than the copy itself for a 2-D point.
        match self.dim {
            1 => self.gather_fixed::<1>(indices, &mut out),
            2 => self.gather_fixed::<2>(indices, &mut out),
            3 => self.gather_fixed::<3>(indices, &mut out),
            4 => self.gather_fixed::<4>(indices, &mut out),
            dim => {
                for (row, &i) in out.chunks_exact_mut(dim).zip(indices) {
                    row.copy_from_slice(self.row(i));
                }
            }
        }
        out
    }

    /// [`Points::gather`] for `dim == D`.
    fn gather_fixed<const D: usize>(&self, indices: &[usize], out: &mut [f32]) {
        for (row, &i) in out.chunks_exact_mut(D).zip(indices) {
            let source: &[f32; D] = self.row(i).try_into().expect("rows have D values");
            row.copy_from_slice(source);
        }
    }

    /// Point `i` as a slice of length `dim`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn row(&self, i: usize) -> &[f32] {
        assert!(
            i < self.len(),
            "point index {i} out of range for {} points",
            self.len()
        );
        &self.values[i * self.dim..(i + 1) * self.dim]
    }

    /// The `count` columns from `first` on of every row, as a point set of dimension `count`.
    ///
    /// # Panics
    /// If the columns run past the dimension, or `count` is 0.
    pub fn columns(&self, first: usize, count: usize) -> Self {
        assert!(
            count > 0 && first + count <= self.dim,
            "columns out of range"
        );
        let values = self
            .iter_rows()
            .flat_map(|row| row[first..first + count].iter().copied())
            .collect();
        Self { dim: count, values }
    }

    /// Each row followed by the same row of `right`: `[N, dim + right.dim]`.
    ///
    /// # Panics
    /// If the two sets have different numbers of rows.
    pub fn beside(&self, right: &Points) -> Self {
        assert_eq!(self.len(), right.len(), "rows side by side must be as many");
        let values = self
            .iter_rows()
            .zip(right.iter_rows())
            .flat_map(|(left, right)| left.iter().chain(right).copied())
            .collect();
        Self {
            dim: self.dim + right.dim,
            values,
        }
    }

    /// These rows, each followed by the same row of `right` when there is one (see
    /// [`Points::beside`]).
    pub fn beside_if_any(&self, right: Option<&Points>) -> Self {
        match right {
            Some(right) => self.beside(right),
            None => self.clone(),
        }
    }

    /// The whole row-major `N × dim` buffer.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Consumes the set and returns `(dim, values)`.
    pub fn into_parts(self) -> (usize, Vec<f32>) {
        (self.dim, self.values)
    }

    /// Iterator over the points, each a slice of length `dim`.
    pub fn iter_rows(&self) -> std::slice::ChunksExact<'_, f32> {
        self.values.chunks_exact(self.dim)
    }

    /// The points at `indices`, in that order (indices may repeat).
    ///
    /// # Panics
    /// If any index is `>= self.len()`.
    pub fn select(&self, indices: &[usize]) -> Points {
        Points {
            dim: self.dim,
            values: self.gather(indices),
        }
    }
}

impl Dataset<Vec<f32>> for Points {
    /// Point `index` as a `Vec<f32>` of length `dim`; panics if out of range, as the trait requires.
    fn get(&self, index: usize) -> Result<Vec<f32>, DatasetError> {
        Ok(self.row(index).to_vec())
    }

    fn len(&self) -> usize {
        Points::len(self)
    }
}
