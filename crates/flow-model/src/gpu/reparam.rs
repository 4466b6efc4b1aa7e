//! The reparametrisation `u ↦ û`, `c = wᵀû` inside the kernels (the maths of
//! [`crate::cpu::kernel::reparametrise`], in `f32`), so that the log-density and the map take the
//! raw parameters: no dozen small tensor operations before them (and twice as many in the
//! backward pass), and no launch of its own. Each cube first computes every layer's two
//! scalars `coef` (with `û = u + coef · w`) and `c` into shared memory, one unit per layer,
//! and synchronises once; its units then read `û` as `u + coef · w` at each layer.

use cubecl::prelude::*;

/// One layer's scalars: `(coef, c, ∂c/∂s, ∂coef/∂s, ∂coef/∂‖w‖²)` for `s = wᵀu` and
/// `q = ‖w‖²`, with `û = u + coef · w` (see [`crate::cpu::kernel::reparametrise`]).
#[cube]
pub(super) fn layer_scalars<F: Float>(s: F, q: F) -> (F, F, F, F, F) {
    let one = F::new(1.0_f32);
    let zero = F::new(0.0_f32);
    let e = F::exp(-F::abs(s));
    let m = F::max(s, zero) + F::log1p(e) - one;
    let mut sigmoid = e / (one + e);
    if s >= zero {
        sigmoid = one / (one + e);
    }
    let mut coef = m - s;
    let mut c = F::max(s, -one);
    let mut dc_ds = zero;
    if s >= -one {
        dc_ds = one;
    }
    let mut dcoef_ds = sigmoid - one;
    let mut dcoef_dq = zero;
    if q > zero {
        coef = (m - s) / q;
        c = m;
        dc_ds = sigmoid;
        dcoef_ds = (sigmoid - one) / q;
        dcoef_dq = -(m - s) / (q * q);
    }
    (coef, c, dc_ds, dcoef_ds, dcoef_dq)
}

/// `s = wᵀu` and `q = ‖w‖²` of layer `k`.
#[cube]
pub(super) fn dots<F: Float>(
    u: &Tensor<F>,
    w: &Tensor<F>,
    k: usize,
    #[comptime] dim: usize,
) -> (F, F) {
    let mut s = F::new(0.0_f32);
    let mut q = F::new(0.0_f32);
    #[unroll]
    for j in 0..dim {
        let w_j = w[k * dim + j];
        s += w_j * u[k * dim + j];
        q += w_j * w_j;
    }
    (s, q)
}

/// Every layer's `(coef, c)` in shared memory, `[K][2]`, computed by the cube's units one
/// layer each; returns after the cube has synchronised. Every unit of the cube must call it.
#[cube]
pub(super) fn cube_layer_scalars<F: Float>(
    u: &Tensor<F>,
    w: &Tensor<F>,
    #[comptime] dim: usize,
    #[comptime] layers: usize,
) -> Shared<[F]> {
    let mut scalars = Shared::<[F]>::new_slice(comptime!(2 * layers));
    let mut k = UNIT_POS as usize;
    while k < layers {
        let (s, q) = dots::<F>(u, w, k, dim);
        let (coef, c, _, _, _) = layer_scalars::<F>(s, q);
        scalars[2 * k] = coef;
        scalars[2 * k + 1] = c;
        k += CUBE_DIM as usize;
    }
    sync_cube();
    scalars
}
