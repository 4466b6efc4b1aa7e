//! Per-column standardisation, an affine map with a known log-Jacobian.

use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::points::Points;

/// The diagonal affine map `x ↦ (x − mean) / scale`, column by column.
///
/// A density model fitted to standardised data `z = apply(x)` gives a density of the original
/// data by the change of variables
/// `log p_x(x) = log p_z(apply(x)) + log_abs_det()`, where [`log_abs_det`](Self::log_abs_det)
/// `= −Σ ln scale` is the log-Jacobian of [`apply`](Self::apply).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Per-column mean subtracted by [`apply`](Self::apply).
    pub mean: Vec<f64>,
    /// Per-column divisor of [`apply`](Self::apply), positive.
    pub scale: Vec<f64>,
}

impl Standardizer {
    /// The identity map on `dim` columns (mean 0, scale 1).
    pub fn identity(dim: usize) -> Self {
        Self {
            mean: vec![0.0; dim],
            scale: vec![1.0; dim],
        }
    }

    /// Fits the map to `points`: per column, `mean` is the mean and `scale` the population
    /// standard deviation (divisor `N`), both computed in `f64`. A constant column gets scale 1,
    /// so it is only shifted. An empty point set gives the identity.
    pub fn fit(points: &Points) -> Self {
        let dim = points.dim();
        if points.is_empty() {
            return Self::identity(dim);
        }
        let n = points.len() as f64;
        let mut mean = vec![0.0f64; dim];
        for row in points.iter_rows() {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += f64::from(v);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0f64; dim];
        for row in points.iter_rows() {
            for ((s, &v), m) in var.iter_mut().zip(row).zip(&mean) {
                let d = f64::from(v) - m;
                *s += d * d;
            }
        }
        let scale = var
            .into_iter()
            .map(|s| {
                let sd = (s / n).sqrt();
                if sd > 0.0 { sd } else { 1.0 }
            })
            .collect();
        Self { mean, scale }
    }

    /// Number of columns the map works on.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// `(x − mean) / scale` per column, computed in `f64` and stored as `f32`.
    ///
    /// # Panics
    /// If `points` has another dimension, or a result does not fit in an `f32` (only possible
    /// for points far outside the data the map was fitted to); [`try_apply`](Self::try_apply)
    /// returns those as errors.
    pub fn apply(&self, points: &Points) -> Points {
        self.try_apply(points).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `mean + scale · z` per column, the inverse of [`apply`](Self::apply).
    ///
    /// # Panics
    /// As [`apply`](Self::apply); [`try_undo`](Self::try_undo) returns errors instead.
    pub fn undo(&self, points: &Points) -> Points {
        self.try_undo(points).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`apply`](Self::apply), failing with [`DataError::DimensionMismatch`] or
    /// [`DataError::NonFinite`] instead of panicking.
    pub fn try_apply(&self, points: &Points) -> Result<Points, DataError> {
        self.map(points, |x, m, s| (x - m) / s)
    }

    /// [`undo`](Self::undo), failing with [`DataError::DimensionMismatch`] or
    /// [`DataError::NonFinite`] instead of panicking.
    pub fn try_undo(&self, points: &Points) -> Result<Points, DataError> {
        self.map(points, |z, m, s| m + s * z)
    }

    /// The map on `count` columns from `first` on: for the data columns, or the context
    /// columns, of rows that hold both.
    ///
    /// # Panics
    /// If the columns run past [`Standardizer::dim`].
    pub fn columns(&self, first: usize, count: usize) -> Self {
        Self {
            mean: self.mean[first..first + count].to_vec(),
            scale: self.scale[first..first + count].to_vec(),
        }
    }

    /// The log-Jacobian `ln |det ∂apply(x)/∂x| = −Σ ln scale` (the same for every `x`).
    pub fn log_abs_det(&self) -> f64 {
        -self.scale.iter().map(|s| s.ln()).sum::<f64>()
    }

    fn map(&self, points: &Points, f: impl Fn(f64, f64, f64) -> f64) -> Result<Points, DataError> {
        if points.dim() != self.dim() {
            return Err(DataError::DimensionMismatch {
                expected: self.dim(),
                found: points.dim(),
                row: 0,
            });
        }
        let values = points
            .iter_rows()
            .flat_map(|row| {
                row.iter()
                    .zip(self.mean.iter().zip(&self.scale))
                    .map(|(&x, (&m, &s))| f(f64::from(x), m, s) as f32)
            })
            .collect();
        Points::new(self.dim(), values)
    }
}
