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

/// `û` (`[K, D]`) and `c = wᵀû` (`[K, 1]`) of `K` layers given as rows.
pub(crate) struct Reparametrised {
    pub u_hat: Tensor<2>,
    pub w_dot_u_hat: Tensor<2>,
}

/// Computes `û` and `wᵀû` for the rows of `u` and `w` (`[K, D]` each).
///
/// `wᵀû` is taken as `m(wᵀu)`, its exact value, rather than as the dot product of the
/// rounded `û`, which loses the bound to cancellation when `u` is huge. When `‖w‖²` is
/// zero in floating point the correction term is dropped (`û = u`) and `wᵀû` is the plain
/// `wᵀu`, floored at −1, instead of a division by zero.
pub(crate) fn reparametrise(u: Tensor<2>, w: Tensor<2>) -> Reparametrised {
    let w_dot_u = (w.clone() * u.clone()).sum_dim(1);
    let w_sq_norm = w.clone().square().sum_dim(1);
    let m = stable_softplus(w_dot_u.clone()).sub_scalar(1.0);

    let degenerate = w_sq_norm.clone().greater_elem(0.0).bool_not();
    let denominator = w_sq_norm.mask_fill(degenerate.clone(), 1.0);
    let coefficient = (m.clone() - w_dot_u.clone()) / denominator;
    let u_hat = u + w * coefficient;
    let w_dot_u_hat = m.mask_where(degenerate, w_dot_u.clamp_min(-1.0));
    Reparametrised { u_hat, w_dot_u_hat }
}

/// The parameters of one layer as used by [`planar_step`].
pub(crate) struct StepParams {
    /// `w` as a column: `[D, 1]`.
    pub w: Tensor<2>,
    /// `b`: `[1, 1]`.
    pub b: Tensor<2>,
    /// `û` as a row: `[1, D]`.
    pub u_hat: Tensor<2>,
    /// `wᵀû`: `[1, 1]`.
    pub c: Tensor<2>,
}

/// Applies one layer to `x` (`[N, D]`): returns `f(x)` (`[N, D]`) and `log|det J|` (`[N, 1]`).
pub(crate) fn planar_step(x: Tensor<2>, p: &StepParams) -> (Tensor<2>, Tensor<2>) {
    let h = (x.clone().matmul(p.w.clone()) + p.b.clone()).tanh(); // [N, 1]
    let y = x + h.clone() * p.u_hat.clone();
    // det J = 1 + (1 − tanh²) · wᵀû, never negative as c ≥ −1 (the absolute value only
    // guards against rounding); in this form a saturated tanh gives exactly 1 for any c.
    let det = h.square().neg().add_scalar(1.0) * p.c.clone() + 1.0;
    (y, det.abs().log())
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

    fn reparametrised(&self) -> Reparametrised {
        let dim = self.dim();
        reparametrise(
            self.u.val().reshape([1, dim]),
            self.w.val().reshape([1, dim]),
        )
    }

    /// The reparametrised `û`: `[D]`.
    pub fn u_hat(&self) -> Tensor<1> {
        self.reparametrised().u_hat.reshape([self.dim()])
    }

    /// `wᵀû`, which is `m(wᵀu) ≥ −1` by construction: `[1]`.
    pub fn w_dot_u_hat(&self) -> Tensor<1> {
        self.reparametrised().w_dot_u_hat.reshape([1])
    }

    /// This layer's parameters in the form [`planar_step`] and the inverse use.
    pub(crate) fn step_params(&self) -> StepParams {
        let dim = self.dim();
        let Reparametrised { u_hat, w_dot_u_hat } = self.reparametrised();
        StepParams {
            w: self.w.val().reshape([dim, 1]),
            b: self.b.val().reshape([1, 1]),
            u_hat,
            c: w_dot_u_hat,
        }
    }

    /// Applies the layer in the data → latent direction.
    ///
    /// `x`: `[N, D]`. Returns `(f(x), log|det J_f(x)|)` of shapes `[N, D]` and `[N]`.
    pub fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let (y, log_det) = planar_step(x, &self.step_params());
        (y, log_det.squeeze_dim(1))
    }

    /// Inverts the layer: the `x` with `f(x) = y`, for `y`: `[N, D]`.
    ///
    /// With `c = wᵀû` and `t = wᵀy`, the scalar `α = wᵀx` solves `α + c·tanh(α + b) = t`,
    /// whose left side is non-decreasing in `α` because `c ≥ −1`; then `x = y − û·tanh(α + b)`.
    pub fn inverse(&self, y: Tensor<2>, solver: &InverseSolver) -> Tensor<2> {
        invert_step(y, &self.step_params(), solver)
    }
}

/// The inverse of [`planar_step`] for `y`: `[N, D]`.
pub(crate) fn invert_step(y: Tensor<2>, p: &StepParams, solver: &InverseSolver) -> Tensor<2> {
    let t = y.clone().matmul(p.w.clone()); // [N, 1]
    let alpha = solver.solve(t, p.c.clone(), p.b.clone());
    y - (alpha + p.b.clone()).tanh() * p.u_hat.clone()
}
