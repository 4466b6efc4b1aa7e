//! `K` planar layers (Rezende & Mohamed 2015), `f(x) = x + û · tanh(wᵀx + b)` each, with the
//! parameters of all layers stacked in `[K, D]` tensors (one optimizer update per tensor,
//! not per layer).

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};
use rand::rngs::StdRng;

use crate::bijection::Bijection;
use crate::cpu::{fused, fused_forward};
use crate::error::ModelError;
use crate::init::{param, uniform};
use crate::numerics::stable_softplus;
use crate::transforms::inverse::InverseSolver;

/// Configuration of a [`Planar`] transform.
#[derive(Config, Debug, PartialEq)]
pub struct PlanarConfig {
    /// The number of planar layers `K`.
    pub layers: usize,
    /// Initial `u`, `w`, `b` are drawn from `U(−bound, bound)`; `None` means `1/√D`.
    #[config(default = "None")]
    pub init_bound: Option<f64>,
}

impl PlanarConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.layers == 0 {
            return Err(ModelError::config("layers", "must be at least 1"));
        }
        if let Some(bound) = self.init_bound
            && !(bound.is_finite() && bound > 0.0)
        {
            return Err(ModelError::config(
                "init_bound",
                format!("must be finite and positive, got {bound}"),
            ));
        }
        Ok(())
    }

    /// The bound of the uniform initialisation used in `dim` dimensions.
    pub fn effective_init_bound(&self, dim: usize) -> f64 {
        self.init_bound.unwrap_or(1.0 / (dim.max(1) as f64).sqrt())
    }

    /// The layers in `dim` dimensions, drawn from `rng` on the host (so equal on every
    /// backend): per layer, `u` (`D` values), then `w` (`D`), then `b`.
    pub fn init(&self, dim: usize, rng: &mut StdRng, device: &Device) -> Planar {
        let bound = self.effective_init_bound(dim) as f32;
        let (mut u, mut w, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..self.layers {
            u.extend(uniform(rng, dim, bound));
            w.extend(uniform(rng, dim, bound));
            b.extend(uniform(rng, 1, bound));
        }
        Planar::from_values(dim, &u, &w, &b, device)
    }
}

/// `K` planar layers applied in order, layer 0 first.
///
/// The map uses the reparametrised `û` instead of `u`, recomputed in every pass, so that
/// `wᵀû ≥ −1` holds for all parameter values and every layer stays invertible:
/// `û = u + (m(wᵀu) − wᵀu) · w / ‖w‖²`, `m(a) = −1 + softplus(a)`.
#[derive(Module, Debug)]
pub struct Planar {
    /// `u` of every layer, one row per layer: `[K, D]`.
    pub u: Param<Tensor<2>>,
    /// `w`: `[K, D]`.
    pub w: Param<Tensor<2>>,
    /// `b`: `[K]`.
    pub b: Param<Tensor<1>>,
}

/// The parameters of all layers as the maps use them.
pub(crate) struct Stacked {
    /// `w`: `[K, D]`.
    pub w: Tensor<2>,
    /// `û`: `[K, D]`.
    pub u_hat: Tensor<2>,
    /// `b`: `[K]`.
    pub b: Tensor<1>,
    /// `c = wᵀû`: `[K]`.
    pub c: Tensor<1>,
}

/// Computes `û` (`[K, D]`) and `wᵀû` (`[K]`) for the rows of `u` and `w` (`[K, D]` each).
///
/// `wᵀû` is taken as `m(wᵀu)`, its exact value, rather than as the dot product of the
/// rounded `û`, which loses the bound to cancellation when `u` is huge. When `‖w‖²` is
/// zero in floating point the correction term is dropped (`û = u`) and `wᵀû` is the plain
/// `wᵀu`, floored at −1, instead of a division by zero.
fn reparametrise(u: Tensor<2>, w: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
    let [k, _] = u.dims();
    let w_dot_u = (w.clone() * u.clone()).sum_dim(1);
    let w_sq_norm = w.clone().square().sum_dim(1);
    let m = stable_softplus(w_dot_u.clone()).sub_scalar(1.0);

    let degenerate = w_sq_norm.clone().greater_elem(0.0).bool_not();
    let denominator = w_sq_norm.mask_fill(degenerate.clone(), 1.0);
    let coefficient = (m.clone() - w_dot_u.clone()) / denominator;
    let u_hat = u + w * coefficient;
    let c = m.mask_where(degenerate, w_dot_u.clamp_min(-1.0));
    (u_hat, c.reshape([k]))
}

/// `log|det J|` of one layer from `h = tanh(wᵀx + b)` (`[N, 1]`) and `c = wᵀû` (`[1, 1]`):
/// `det J = 1 + (1 − h²) c`, never negative as `c ≥ −1` (the absolute value only guards
/// against rounding); in this form a saturated tanh gives exactly 1 for any `c`.
fn layer_log_det(h: Tensor<2>, c: Tensor<2>) -> Tensor<2> {
    (h.square().neg().add_scalar(1.0) * c + 1.0).abs().log()
}

impl Planar {
    /// Layers with the given values: `u` and `w` are `[K, D]` row-major, `b` is `[K]`.
    ///
    /// # Panics
    /// If `dim` is zero or the lengths do not fit `[K, D]` and `[K]` with `K ≥ 1`.
    pub fn from_values(dim: usize, u: &[f32], w: &[f32], b: &[f32], device: &Device) -> Self {
        let k = b.len();
        assert!(
            dim > 0 && k > 0 && u.len() == k * dim && w.len() == k * dim,
            "u and w must be [K, D] and b [K], with K, D ≥ 1"
        );
        Self {
            u: param(u, [k, dim], device),
            w: param(w, [k, dim], device),
            b: param(b, [k], device),
        }
    }

    /// The dimension `D`.
    pub fn dim(&self) -> usize {
        self.u.dims()[1]
    }

    /// The number of layers `K`.
    pub fn layers(&self) -> usize {
        self.b.dims()[0]
    }

    /// The reparametrised `û` of every layer: `[K, D]`.
    pub fn u_hat(&self) -> Tensor<2> {
        reparametrise(self.u.val(), self.w.val()).0
    }

    /// `wᵀû` of every layer, which is `m(wᵀu) ≥ −1` by construction: `[K]`.
    pub fn w_dot_u_hat(&self) -> Tensor<1> {
        reparametrise(self.u.val(), self.w.val()).1
    }

    /// All layers' parameters as the maps use them, reparametrised in one batch of tensor
    /// operations.
    pub(crate) fn stacked(&self) -> Stacked {
        let (u_hat, c) = reparametrise(self.u.val(), self.w.val());
        Stacked {
            w: self.w.val(),
            u_hat,
            b: self.b.val(),
            c,
        }
    }

    /// The parameters of layer `k` as `(w [D, 1], b [1, 1], û [1, D], c [1, 1])`.
    fn layer(stacked: &Stacked, k: usize) -> (Tensor<2>, Tensor<2>, Tensor<2>, Tensor<2>) {
        let dim = stacked.w.dims()[1];
        let row = |t: &Tensor<2>| t.clone().narrow(0, k, 1);
        let scalar = |t: &Tensor<1>| t.clone().narrow(0, k, 1).reshape([1, 1]);
        (
            row(&stacked.w).reshape([dim, 1]),
            scalar(&stacked.b),
            row(&stacked.u_hat),
            scalar(&stacked.c),
        )
    }

    /// `log N(f(x); 0, I) + log|det J_f(x)|`, the log-density of a flow made of these layers
    /// over a standard normal, as one fused operation with a hand-derived gradient
    /// ([`crate::cpu::fused`]); `None` on backends without it. `x`: `[N, D]`, the result `[N]`.
    pub fn fused_log_prob(&self, x: Tensor<2>) -> Option<Tensor<1>> {
        if !fused::supports(&x.device()) {
            return None;
        }
        Some(fused::log_prob(x, self.w.val(), self.u.val(), self.b.val()))
    }

    /// [`Bijection::inverse`] with a chosen root finder: on the CPU backends without
    /// autodiff in one pass on the host ([`crate::cpu::kernel::inverse`], not differentiable),
    /// elsewhere through (differentiable) tensor operations.
    pub fn inverse_with(&self, y: Tensor<2>, solver: &InverseSolver) -> (Tensor<2>, Tensor<1>) {
        let device = y.device();
        if device.is_autodiff() || !fused::supports(&device) {
            return self.inverse_tensor_ops(y, solver);
        }
        let Stacked { w, u_hat, b, c } = self.stacked();
        let (x, log_det) = fused::inverse(y, w, u_hat, b, c, solver);
        (x, log_det.neg())
    }

    /// The inverse through tensor operations, last layer first, on every backend.
    ///
    /// With `c = wᵀû` and `t = wᵀy`, the scalar `α = wᵀx` solves `α + c·tanh(α + b) = t`,
    /// whose left side is non-decreasing in `α` because `c ≥ −1`; then `x = y − û·tanh(α + b)`.
    pub fn inverse_tensor_ops(
        &self,
        y: Tensor<2>,
        solver: &InverseSolver,
    ) -> (Tensor<2>, Tensor<1>) {
        let stacked = self.stacked();
        let [n, _] = y.dims();
        let mut x = y;
        let mut log_det = Tensor::<2>::zeros([n, 1], &x.device());
        for k in (0..self.layers()).rev() {
            let (w, b, u_hat, c) = Self::layer(&stacked, k);
            let t = x.clone().matmul(w);
            let alpha = solver.solve(t, c.clone(), b.clone());
            let h = (alpha + b).tanh();
            x = x - h.clone() * u_hat;
            log_det = log_det - layer_log_det(h, c);
        }
        (x, log_det.squeeze_dim(1))
    }
}

impl Planar {
    /// [`Bijection::forward`] through tensor operations, on every backend: the reference the
    /// fused map of the CPU backends ([`crate::cpu::fused_forward`]) is tested against.
    pub fn forward_tensor_ops(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let stacked = self.stacked();
        let [n, _] = x.dims();
        let mut y = x;
        let mut log_det = Tensor::<2>::zeros([n, 1], &y.device());
        for k in 0..self.layers() {
            let (w, b, u_hat, c) = Self::layer(&stacked, k);
            let h = (y.clone().matmul(w) + b).tanh(); // [N, 1]
            y = y + h.clone() * u_hat;
            log_det = log_det + layer_log_det(h, c);
        }
        (y, log_det.squeeze_dim(1))
    }
}

impl Bijection for Planar {
    /// One fused operation with a hand-derived gradient ([`crate::cpu::fused_forward`]) where
    /// [`fused::supports`] the device; elsewhere [`Planar::forward_tensor_ops`].
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        if !fused::supports(&x.device()) {
            return self.forward_tensor_ops(x);
        }
        fused_forward::forward(x, self.w.val(), self.u.val(), self.b.val())
    }

    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.inverse_with(y, &InverseSolver::default())
    }
}
