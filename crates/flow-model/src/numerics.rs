//! Numerically stable scalar functions built from tensor operations.

use burn::tensor::Tensor;

/// `softplus(a) = ln(1 + e^a)` in the form `max(a, 0) + ln(1 + e^{-|a|})`.
///
/// The naive form overflows in f32 for `a > 88`; this one is exact to rounding for every
/// finite `a`, and its gradient (`sigmoid(a)`) stays finite too.
pub fn stable_softplus<const D: usize>(a: Tensor<D>) -> Tensor<D> {
    let positive = a.clone().clamp_min(0.0);
    positive + a.abs().neg().exp().log1p()
}
