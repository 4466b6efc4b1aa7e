//! The planar layers' reparametrisation `u ↦ û` on the host, and its chain rule, so that the
//! fused log-density can take the raw parameters `(w, u, b)` and keep the whole layer maths
//! (and its gradient) in one operation. The maths is that of [`crate::Planar`]:
//!
//! `s = wᵀu`, `q = ‖w‖²`, `m = softplus(s) − 1`, `û = u + w (m − s) / q`, `c = wᵀû = m`;
//! where `q` is zero in floating point, `û = u + w (m − s)` (that is, `u`) and
//! `c = max(s, −1)`, as the tensor operations compute it.
//!
//! Computed in `f64` from the `f32` inputs, then rounded: `K·D` values, negligible beside
//! the points.

/// One layer's scalars of the reparametrisation.
struct Layer {
    /// `m(s) − s` over `‖w‖²` (over 1 where `‖w‖²` is zero): `û = u + coef · w`.
    coef: f64,
    /// `c = wᵀû`.
    c: f64,
    /// `∂c/∂s`: `sigmoid(s)`, or `[s ≥ −1]` where `‖w‖²` is zero.
    dc_ds: f64,
    /// `∂coef/∂s`.
    dcoef_ds: f64,
    /// `∂coef/∂‖w‖²` (zero where `‖w‖²` is zero: the tensor operations mask it).
    dcoef_dq: f64,
}

impl Layer {
    fn new(u: &[f32], w: &[f32]) -> Self {
        let s: f64 = u
            .iter()
            .zip(w)
            .map(|(&u, &w)| f64::from(u) * f64::from(w))
            .sum();
        // ‖w‖² in f32, as the tensor operations test it for zero.
        let q32: f32 = w.iter().map(|&w| w * w).sum();
        let q: f64 = w.iter().map(|&w| f64::from(w) * f64::from(w)).sum();
        let e = (-s.abs()).exp();
        let m = s.max(0.0) + e.ln_1p() - 1.0;
        let sigmoid = if s >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        };
        if q32 > 0.0 {
            Self {
                coef: (m - s) / q,
                c: m,
                dc_ds: sigmoid,
                dcoef_ds: (sigmoid - 1.0) / q,
                dcoef_dq: -(m - s) / (q * q),
            }
        } else {
            Self {
                coef: m - s,
                c: s.max(-1.0),
                dc_ds: if s >= -1.0 { 1.0 } else { 0.0 },
                dcoef_ds: sigmoid - 1.0,
                dcoef_dq: 0.0,
            }
        }
    }
}

/// `û` (`[K, D]`) and `c = wᵀû` (`[K]`) of the layers with `u` and `w` (`[K, D]` each).
pub fn reparametrise(dim: usize, u: &[f32], w: &[f32]) -> (Vec<f32>, Vec<f32>) {
    assert_eq!(u.len(), w.len(), "u and w must both be [K, D]");
    let mut u_hat = Vec::with_capacity(u.len());
    let mut c = Vec::with_capacity(u.len() / dim);
    for (u, w) in u.chunks_exact(dim).zip(w.chunks_exact(dim)) {
        let layer = Layer::new(u, w);
        u_hat.extend(
            u.iter()
                .zip(w)
                .map(|(&u, &w)| (f64::from(u) + layer.coef * f64::from(w)) as f32),
        );
        c.push(layer.c as f32);
    }
    (u_hat, c)
}

/// The gradients with respect to `u` and `w` (`[K, D]` each) of a loss whose gradients with
/// respect to `û`, `c` and `w` taken as independent are `grad_u_hat`, `grad_c` and
/// `grad_w` (the last is updated in place to the total): returns `∂/∂u`.
pub fn reparametrise_grads(
    dim: usize,
    u: &[f32],
    w: &[f32],
    grad_u_hat: &[f32],
    grad_c: &[f32],
    grad_w: &mut [f32],
) -> Vec<f32> {
    let mut grad_u = Vec::with_capacity(u.len());
    let rows = u
        .chunks_exact(dim)
        .zip(w.chunks_exact(dim))
        .zip(grad_u_hat.chunks_exact(dim))
        .zip(grad_c)
        .zip(grad_w.chunks_exact_mut(dim));
    for ((((u, w), g_u_hat), &g_c), g_w) in rows {
        let layer = Layer::new(u, w);
        // û_j = u_j + coef(s, q) w_j and c(s): the loss reaches s and q through coef and c.
        let g_coef: f64 = g_u_hat
            .iter()
            .zip(w)
            .map(|(&g, &w)| f64::from(g) * f64::from(w))
            .sum();
        let g_s = g_coef * layer.dcoef_ds + f64::from(g_c) * layer.dc_ds;
        let g_q = g_coef * layer.dcoef_dq;
        for j in 0..dim {
            let (u_j, w_j, g_j) = (f64::from(u[j]), f64::from(w[j]), f64::from(g_u_hat[j]));
            grad_u.push((g_j + g_s * w_j) as f32);
            let total = f64::from(g_w[j]) + g_j * layer.coef + g_s * u_j + 2.0 * g_q * w_j;
            g_w[j] = total as f32;
        }
    }
    grad_u
}
