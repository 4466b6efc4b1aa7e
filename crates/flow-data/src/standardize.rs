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
        Moments::of(points).standardizer()
    }

    /// [`fit`](Self::fit) to the points of all `chunks` together, one chunk in memory at a
    /// time (each chunk's moments are exact, and merged exactly); fails on the first chunk
    /// that is an error.
    ///
    /// # Panics
    /// If the chunks are not all of dimension `dim`.
    pub fn fit_chunks<E>(
        dim: usize,
        chunks: impl IntoIterator<Item = Result<Points, E>>,
    ) -> Result<Self, E> {
        let mut moments = Moments::empty(dim);
        for chunk in chunks {
            moments.merge(&Moments::of(&chunk?));
        }
        Ok(moments.standardizer())
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

/// Per-column count, mean and sum of squared deviations of a point set.
struct Moments {
    n: f64,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

impl Moments {
    fn empty(dim: usize) -> Self {
        Self {
            n: 0.0,
            mean: vec![0.0; dim],
            m2: vec![0.0; dim],
        }
    }

    /// The moments of `points`, by two passes in `f64`.
    fn of(points: &Points) -> Self {
        let mut moments = Self::empty(points.dim());
        if points.is_empty() {
            return moments;
        }
        moments.n = points.len() as f64;
        for row in points.iter_rows() {
            for (m, &v) in moments.mean.iter_mut().zip(row) {
                *m += f64::from(v);
            }
        }
        moments.mean.iter_mut().for_each(|m| *m /= moments.n);
        for row in points.iter_rows() {
            for ((s, &v), m) in moments.m2.iter_mut().zip(row).zip(&moments.mean) {
                let d = f64::from(v) - m;
                *s += d * d;
            }
        }
        moments
    }

    /// Adds `other`'s points (Chan, Golub and LeVeque's pairwise update).
    fn merge(&mut self, other: &Self) {
        assert_eq!(self.mean.len(), other.mean.len(), "chunks of another width");
        if other.n == 0.0 {
            return;
        }
        if self.n == 0.0 {
            self.n = other.n;
            self.mean.clone_from(&other.mean);
            self.m2.clone_from(&other.m2);
            return;
        }
        let n = self.n + other.n;
        for ((mean, m2), (&other_mean, &other_m2)) in self
            .mean
            .iter_mut()
            .zip(&mut self.m2)
            .zip(other.mean.iter().zip(&other.m2))
        {
            let delta = other_mean - *mean;
            *mean += delta * other.n / n;
            *m2 += other_m2 + delta * delta * self.n * other.n / n;
        }
        self.n = n;
    }

    /// The standardisation of these moments (the identity for no points).
    fn standardizer(self) -> Standardizer {
        if self.n == 0.0 {
            return Standardizer::identity(self.mean.len());
        }
        let n = self.n;
        let scale = self
            .m2
            .into_iter()
            .map(|s| {
                let sd = (s / n).sqrt();
                if sd > 0.0 { sd } else { 1.0 }
            })
            .collect();
        Standardizer {
            mean: self.mean,
            scale,
        }
    }
}
