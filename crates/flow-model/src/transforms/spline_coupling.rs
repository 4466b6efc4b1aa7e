//! The rational-quadratic neural spline coupling transform (Durkan et al. 2019).

use burn::module::Module;
use burn::tensor::Tensor;

use crate::bijection::Bijection;
use crate::conditioners::mlp::Mlp;
use crate::spline::{SplineDirection, SplineShape, rational_quadratic};
use crate::transforms::coupling::{CouplingSplit, with_context};

/// `y_kept = x_kept`; each changed coordinate goes through its own monotone
/// rational-quadratic spline whose `3K − 1` parameters come from `MLP(x_kept)`.
#[derive(Module, Debug)]
pub struct SplineCoupling {
    /// The conditioner: `[N, kept] → [N, changed · (3K − 1)]`.
    pub conditioner: Mlp,
    /// Which coordinates are kept and which are changed.
    #[module(skip)]
    pub split: CouplingSplit,
    /// The number of bins `K`.
    pub bins: usize,
    /// The half-width `B` of the spline's interval.
    pub tail_bound: f64,
}

impl SplineCoupling {
    /// A coupling over `split` with splines of `shape`, conditioned by `conditioner`, whose
    /// output width must be `changed · (3K − 1)`.
    pub fn new(conditioner: Mlp, split: CouplingSplit, shape: SplineShape) -> Self {
        Self {
            conditioner,
            split,
            bins: shape.bins,
            tail_bound: shape.tail_bound,
        }
    }

    /// The shape of the splines.
    pub fn shape(&self) -> SplineShape {
        SplineShape {
            bins: self.bins,
            tail_bound: self.tail_bound,
        }
    }

    fn apply(
        &self,
        x: Tensor<2>,
        context: Option<&Tensor<2>>,
        direction: SplineDirection,
    ) -> (Tensor<2>, Tensor<1>) {
        let (kept, changed) = self.split.split(x);
        let [n, m] = changed.dims();
        let shape = self.shape();
        let params = self
            .conditioner
            .forward(with_context(kept.clone(), context))
            .reshape([n, m, shape.params_per_element()]);
        let (out, log_det) = rational_quadratic(changed, params, shape, direction);
        (
            self.split.merge(kept, out),
            log_det.sum_dim(1).squeeze_dim(1),
        )
    }
}

impl Bijection for SplineCoupling {
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.apply(x, None, SplineDirection::Forward)
    }

    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.apply(y, None, SplineDirection::Inverse)
    }

    fn forward_given(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        self.apply(x, context, SplineDirection::Forward)
    }

    fn inverse_given(&self, y: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        self.apply(y, context, SplineDirection::Inverse)
    }
}
