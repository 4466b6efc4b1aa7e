//! One planar layer, `f(x) = x + û · tanh(wᵀx + b)` (Rezende & Mohamed 2015).

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};

use crate::inverse::InverseSolver;
use crate::numerics::stable_softplus;

/// A planar layer with parameters `u, w ∈ R^D` and `b ∈ R`.
///
/// The map uses the reparametrised `û` instead of `u`, recomputed in every pass, so that
/// `wᵀû ≥ −1` holds for all parameter values and the layer stays invertible:
///
/// `û = u + (m(wᵀu) − wᵀu) · w / ‖w‖²`, `m(a) = −1 + softplus(a)`.
#[derive(Module, Debug)]
pub struct PlanarLayer {
    /// `u`: `[D]`.
    pub u: Param<Tensor<1>>,
    /// `w`: `[D]`.
    pub w: Param<Tensor<1>>,
    /// `b`: `[1]`.
    pub b: Param<Tensor<1>>,
}

/// `û` (`[D]`) and `c = wᵀû` (`[1]`) of one layer.
pub(crate) struct Reparametrised {
    pub u_hat: Tensor<1>,
    pub w_dot_u_hat: Tensor<1>,
}

impl PlanarLayer {
    /// A layer with the given parameter values (`u` and `w` of equal length `D`).
    ///
    /// # Panics
    /// If `u` and `w` differ in length or are empty.
    pub fn from_values(u: &[f32], w: &[f32], b: f32, device: &Device) -> Self {
        assert!(
            !u.is_empty() && u.len() == w.len(),
            "u and w must have the same, non-zero length"
        );
        let vector = |v: &[f32]| {
            Param::from_tensor(Tensor::from_data(
                TensorData::new(v.to_vec(), [v.len()]),
                device,
            ))
        };
        Self {
            u: vector(u),
            w: vector(w),
            b: vector(&[b]),
        }
    }

    /// The data dimension `D`.
    pub fn dim(&self) -> usize {
        self.u.dims()[0]
    }

    /// The reparametrised `û`: `[D]`.
    pub fn u_hat(&self) -> Tensor<1> {
        self.reparametrise().u_hat
    }

    /// `wᵀû`, which is `m(wᵀu) ≥ −1` by construction: `[1]`.
    pub fn w_dot_u_hat(&self) -> Tensor<1> {
        self.reparametrise().w_dot_u_hat
    }

    /// Computes `û` and `wᵀû`.
    ///
    /// `wᵀû` is taken as `m(wᵀu)`, its exact value, rather than as the dot product of the
    /// rounded `û`, which loses the bound to cancellation when `u` is huge. When `‖w‖²` is
    /// zero in floating point the correction term is dropped (`û = u`) and `wᵀû` is the plain
    /// `wᵀu`, floored at −1, instead of a division by zero.
    pub(crate) fn reparametrise(&self) -> Reparametrised {
        let u = self.u.val();
        let w = self.w.val();
        let w_dot_u = (w.clone() * u.clone()).sum();
        let w_sq_norm = w.clone().square().sum();
        let m = stable_softplus(w_dot_u.clone()).sub_scalar(1.0);

        let degenerate = w_sq_norm.clone().greater_elem(0.0).bool_not();
        let denominator = w_sq_norm.mask_fill(degenerate.clone(), 1.0);
        let coefficient = (m.clone() - w_dot_u.clone()) / denominator;
        let u_hat = u + w * coefficient;
        let w_dot_u_hat = m.mask_where(degenerate, w_dot_u.clamp_min(-1.0));
        Reparametrised { u_hat, w_dot_u_hat }
    }

    /// Applies the layer in the data → latent direction.
    ///
    /// `x`: `[N, D]`. Returns `(f(x), log|det J_f(x)|)` of shapes `[N, D]` and `[N]`.
    pub fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let dim = self.dim();
        let Reparametrised { u_hat, w_dot_u_hat } = self.reparametrise();
        let w = self.w.val().reshape([dim, 1]);
        let b = self.b.val().reshape([1, 1]);

        let h = (x.clone().matmul(w) + b).tanh(); // [N, 1]
        let y = x + h.clone() * u_hat.reshape([1, dim]);
        // 1 − tanh² is the derivative of tanh; det J = 1 + tanh'(wᵀx + b) · wᵀû.
        let derivative = h.square().neg().add_scalar(1.0);
        let det = derivative * w_dot_u_hat.reshape([1, 1]) + 1.0;
        let log_det = det.abs().log().squeeze_dim(1);
        (y, log_det)
    }

    /// Inverts the layer: the `x` with `f(x) = y`, for `y`: `[N, D]`.
    ///
    /// With `c = wᵀû` and `t = wᵀy`, the scalar `α = wᵀx` solves `α + c·tanh(α + b) = t`,
    /// whose left side is non-decreasing in `α` because `c ≥ −1`; then `x = y − û·tanh(α + b)`.
    pub fn inverse(&self, y: Tensor<2>, solver: &InverseSolver) -> Tensor<2> {
        let dim = self.dim();
        let Reparametrised { u_hat, w_dot_u_hat } = self.reparametrise();
        let w = self.w.val().reshape([dim, 1]);
        let b = self.b.val().reshape([1, 1]);

        let t = y.clone().matmul(w); // [N, 1]
        let alpha = solver.solve(t, w_dot_u_hat.reshape([1, 1]), b.clone());
        y - (alpha + b).tanh() * u_hat.reshape([1, dim])
    }
}
