//! What defines a spline, shared by the tensor-op path and the fused CPU kernel: its bins
//! and tail bound, the direction it is applied in, and the minimum bin size and knot
//! derivative.

use crate::error::ModelError;

/// The smallest share of `[−B, B]` a bin may have, along either axis.
pub const MIN_BIN_SIZE: f64 = 1e-3;
/// The smallest derivative at an interior knot.
pub const MIN_DERIVATIVE: f64 = 1e-3;

/// The shape of a spline: `bins` bins on `[−tail_bound, tail_bound]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplineShape {
    /// The number of bins `K ≥ 2`.
    pub bins: usize,
    /// `B > 0`.
    pub tail_bound: f64,
}

impl SplineShape {
    /// Parameters per transformed element: `K` widths, `K` heights, `K − 1` derivatives.
    pub fn params_per_element(&self) -> usize {
        3 * self.bins - 1
    }

    /// Checks the number of bins (at least 2) and the tail bound (finite, positive).
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.bins < 2 {
            return Err(ModelError::config(
                "bins",
                format!("must be at least 2, got {}", self.bins),
            ));
        }
        if !(self.tail_bound.is_finite() && self.tail_bound > 0.0) {
            return Err(ModelError::config(
                "tail_bound",
                format!("must be finite and > 0, got {}", self.tail_bound),
            ));
        }
        Ok(())
    }
}

/// Which way to apply a spline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplineDirection {
    /// `y = g(x)`.
    Forward,
    /// `x = g⁻¹(y)`.
    Inverse,
}
