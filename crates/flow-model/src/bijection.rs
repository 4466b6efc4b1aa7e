//! The interface every transform of a flow implements: an invertible map with the
//! log-determinant of its Jacobian, in both directions, optionally at a context.

use burn::tensor::Tensor;

/// An invertible map of `R^D` with a tractable Jacobian determinant.
pub trait Bijection {
    /// Applies the map to `x` (`[N, D]`): the image `[N, D]` and `log|det ∂y/∂x|` `[N]`.
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>);

    /// Applies the inverse map to `y` (`[N, D]`): the preimage `[N, D]` and
    /// `log|det ∂x/∂y|` `[N]` (minus the forward log-determinant at the preimage).
    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>);

    /// [`Bijection::forward`] at a context `[N, C]` (one row per point), for a transform
    /// whose parameters depend on one; the others ignore it.
    fn forward_given(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let _ = context;
        self.forward(x)
    }

    /// [`Bijection::inverse`] at a context `[N, C]`; transforms without one ignore it.
    fn inverse_given(&self, y: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let _ = context;
        self.inverse(y)
    }
}
