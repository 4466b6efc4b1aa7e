//! The reparametrisation `u ↦ û`, `c = wᵀû` on the device (the maths of
//! [`crate::kernel::reparametrise`], in `f32`): one unit per layer, one launch, so that the
//! log-density takes the raw parameters instead of a dozen small tensor operations (and
//! twice as many in the backward pass) before it.

use burn::backend::TensorMetadata;
use burn::backend::cubecl::dtype_to_storage_type;
use burn::tensor::Shape;
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;

use super::elementwise_launch;

/// One layer's scalars: `(coef, c, ∂c/∂s, ∂coef/∂s, ∂coef/∂‖w‖²)` for `s = wᵀu` and
/// `q = ‖w‖²`, with `û = u + coef · w` (see [`crate::kernel::reparametrise`]).
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

/// `û` `[K, D]` and `c` `[K]` from `u` and `w` `[K, D]`, one unit per layer.
#[cube(launch_unchecked)]
fn reparametrise_kernel<F: Float>(
    u: &Tensor<F>,
    w: &Tensor<F>,
    u_hat: &mut Tensor<F>,
    c: &mut Tensor<F>,
    #[comptime] dim: usize,
    #[define(F)] _dtype: ElemType,
) {
    let layers = c.shape(0);
    let mut k = ABSOLUTE_POS;
    while k < layers {
        let (s, q) = dots::<F>(u, w, k, dim);
        let (coef, c_k, _, _, _) = layer_scalars::<F>(s, q);
        #[unroll]
        for j in 0..dim {
            u_hat[k * dim + j] = u[k * dim + j] + coef * w[k * dim + j];
        }
        c[k] = c_k;
        k += CUBE_COUNT * CUBE_DIM as usize;
    }
}

/// Launches [`reparametrise_kernel`] on contiguous `u` and `w` `[K, D]`: returns `(û, c)`.
pub(super) fn reparametrise(u: &CubeTensor, w: &CubeTensor) -> (CubeTensor, CubeTensor) {
    let [layers, dim] = u.shape().dims::<2>();
    let (client, device, dtype) = (u.client.clone(), u.device.clone(), u.dtype);
    let u_hat = empty_device_dtype(client.clone(), device.clone(), u.shape(), dtype);
    let c = empty_device_dtype(client.clone(), device, Shape::new([layers]), dtype);
    if layers == 0 {
        return (u_hat, c);
    }
    let (cube_count, cube_dim) = elementwise_launch(layers);
    // SAFETY: unit `k` reads and writes row `k` (< K) of `[K, D]` tensors and entry `k` of c.
    unsafe {
        reparametrise_kernel::launch_unchecked(
            &client,
            cube_count,
            cube_dim,
            u.clone().into_tensor_arg(),
            w.clone().into_tensor_arg(),
            u_hat.clone().into_tensor_arg(),
            c.clone().into_tensor_arg(),
            dim,
            dtype_to_storage_type(dtype),
        );
    }
    (u_hat, c)
}
