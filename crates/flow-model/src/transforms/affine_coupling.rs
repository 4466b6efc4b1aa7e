//! The affine coupling transform of RealNVP (Dinh et al. 2017): the kept coordinates pass
//! through and condition a scale and shift of the others.

use burn::module::Module;
use burn::tensor::Tensor;

use crate::bijection::Bijection;
use crate::conditioners::mlp::Mlp;
use crate::transforms::coupling::{CouplingSplit, with_context};

/// `y_kept = x_kept`, `y_changed = x_changed · exp(s) + t` with `(ŝ, t) = MLP(x_kept)` and the
/// log-scale soft-clipped to `s = L·tanh(ŝ/L)` (`L` = [`AffineCoupling::LOG_SCALE_BOUND`]),
/// so no step can scale by more than `e^L`; `log|det J| = Σ s`.
#[derive(Module, Debug)]
pub struct AffineCoupling {
    /// The conditioner: `[N, kept] → [N, 2·changed]` (log-scales, then shifts).
    pub conditioner: Mlp,
    /// Which coordinates are kept and which are changed.
    #[module(skip)]
    pub split: CouplingSplit,
}

impl AffineCoupling {
    /// The bound `L` of the log-scale.
    pub const LOG_SCALE_BOUND: f64 = 3.0;

    /// A coupling over `split` conditioned by `conditioner`, whose output width must be twice
    /// the number of changed coordinates.
    pub fn new(conditioner: Mlp, split: CouplingSplit) -> Self {
        Self { conditioner, split }
    }

    /// The bounded log-scale `s` and the shift `t` for the kept columns (and the context):
    /// `[N, changed]` each.
    fn scale_shift(&self, kept: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<2>) {
        let m = self.split.changed.len();
        let out = self.conditioner.forward(with_context(kept, context));
        let bound = Self::LOG_SCALE_BOUND;
        let s = out.clone().narrow(1, 0, m).div_scalar(bound).tanh() * bound;
        (s, out.narrow(1, m, m))
    }
}

impl Bijection for AffineCoupling {
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.forward_given(x, None)
    }

    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.inverse_given(y, None)
    }

    fn forward_given(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let (kept, changed) = self.split.split(x);
        let (s, t) = self.scale_shift(kept.clone(), context);
        let y = changed * s.clone().exp() + t;
        (self.split.merge(kept, y), s.sum_dim(1).squeeze_dim(1))
    }

    fn inverse_given(&self, y: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let (kept, changed) = self.split.split(y);
        let (s, t) = self.scale_shift(kept.clone(), context);
        let x = (changed - t) * s.clone().neg().exp();
        (self.split.merge(kept, x), s.sum_dim(1).squeeze_dim(1).neg())
    }
}
