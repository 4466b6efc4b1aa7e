//! Activation normalisation (Kingma & Dhariwal 2018): a per-coordinate affine map whose
//! initial values normalise a batch of data.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use crate::bijection::Bijection;

/// `y = (x − μ) · exp(−log σ)` per coordinate; `log|det J| = −Σ log σ`.
///
/// It starts as the identity; [`ActNorm::fitted_to`] sets `μ` and `σ` to the mean and
/// standard deviation of a batch, so that the batch leaves it with zero mean and unit
/// variance (a flow does this with its first training batch: see
/// [`crate::Flow::initialized_from`]).
#[derive(Module, Debug)]
pub struct ActNorm {
    /// `μ`, `[D]`.
    pub loc: Param<Tensor<1>>,
    /// `log σ`, `[D]`.
    pub log_scale: Param<Tensor<1>>,
}

impl ActNorm {
    /// The identity in `dim` dimensions.
    pub fn new(dim: usize, device: &Device) -> Self {
        Self {
            loc: Param::from_tensor(Tensor::zeros([dim], device)),
            log_scale: Param::from_tensor(Tensor::zeros([dim], device)),
        }
    }

    /// This transform with `μ` and `σ` set from the batch `x` (`[N, D]`); a coordinate with
    /// (almost) no spread keeps `σ` at 1.
    pub fn fitted_to(self, x: Tensor<2>) -> Self {
        let x = x.detach();
        let [n, dim] = x.dims();
        let mean = x.clone().mean_dim(0); // [1, D]
        let variance = (x - mean.clone())
            .square()
            .sum_dim(0)
            .div_scalar(n.max(1) as f64);
        let spread = variance.clone().greater_elem(1e-12);
        let log_scale = variance
            .mask_fill(spread.bool_not(), 1.0)
            .log()
            .mul_scalar(0.5);
        // The new values are leaves, trained like the ones they replace.
        let replace = |old: Tensor<1>, new: Tensor<2>| {
            let tracked = old.is_require_grad();
            new.reshape([dim]).set_require_grad(tracked)
        };
        Self {
            loc: self.loc.map(|old| replace(old, mean)),
            log_scale: self.log_scale.map(|old| replace(old, log_scale)),
        }
    }

    /// `(μ, log σ)` as `[1, D]` rows.
    fn rows(&self) -> (Tensor<2>, Tensor<2>) {
        let dim = self.loc.dims()[0];
        (
            self.loc.val().reshape([1, dim]),
            self.log_scale.val().reshape([1, dim]),
        )
    }

    /// `−Σ log σ` for each of `n` points: `[n]`.
    fn log_det(&self, n: usize) -> Tensor<1> {
        self.log_scale.val().sum().neg().expand([n])
    }
}

impl Bijection for ActNorm {
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let n = x.dims()[0];
        let (loc, log_scale) = self.rows();
        ((x - loc) * log_scale.neg().exp(), self.log_det(n))
    }

    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let n = y.dims()[0];
        let (loc, log_scale) = self.rows();
        (y * log_scale.exp() + loc, self.log_det(n).neg())
    }
}
