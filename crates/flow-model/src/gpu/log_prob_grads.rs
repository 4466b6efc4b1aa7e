//! The backward kernels of the log-density (the maths of [`crate::cpu::kernel::log_prob_grads`])
//! and of the planar map (that of [`crate::cpu::kernel::forward_grads`]):
//! each unit takes its points one at a time, recomputes the forward pass and walks the
//! layers back, and the parameter gradients are summed over points in two passes, without
//! atomics (WGSL has no portable float atomic add) and without a per-point `[N, K, D]`
//! buffer:
//!
//! 1. [`log_prob_grads_kernel`]: each unit adds its points' terms into its own accumulators,
//!    then the cube sums its units' accumulators through shared memory into its row of
//!    `partial` (`[G, K·(2D + 2)]`, `G` cubes);
//! 2. [`sum_partials_kernel`]: one unit per layer sums its columns of `partial` and takes
//!    the gradients with respect to `û` and `c` back to the raw `u` and `w` (the chain rule
//!    of [`crate::cpu::kernel::reparametrise_grads`]).
//!
//! The first pass synchronises its cube only for that final sum: barriers are cheap on GPUs
//! but cost a context switch per group of lanes on CPU drivers such as lavapipe. Each unit
//! reads the layers' parameters once, into its own registers, before its points: such
//! drivers turn every read from a buffer inside the loops into a per-lane gather (lavapipe,
//! K = 32, forward and backward of 1024 points 1.6 → 0.9 ms, of 16 384 points 8 → 4.5 ms).

use burn::backend::TensorMetadata;
use burn::backend::cubecl::dtype_to_storage_type;
use burn::tensor::Shape;
use burn_cubecl::ops::numeric::{empty_device_dtype, zeros_client};
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;

use super::reparam::{cube_layer_scalars, dots, layer_scalars};
use super::{RawInputs, elementwise_launch};

/// Units per cube of the first pass.
const UNITS: usize = 64;
/// Points each unit of the first pass takes before the cube's closing sum, until
/// [`MAX_PARTIAL_ROWS`] cubes: that sum of `K·(2D + 2)` accumulators over the cube's units
/// costs about as much as the units' points on CPU drivers (lavapipe: a 1024-point step's
/// backward 1.8 → 0.8 ms against one point per unit), and a few microseconds more of
/// per-unit work do not matter on a GPU at these sizes.
const POINTS_PER_UNIT: usize = 16;
/// Most cubes of the first pass: past this, cubes loop over several blocks of points.
const MAX_PARTIAL_ROWS: usize = 256;
/// Most shared memory the first pass uses, in bytes (less where the device has less).
const MAX_SHARED_BYTES: usize = 32 * 1024;
/// Largest `K·D` whose loops over layers are written out in full: unrolled, a unit's
/// per-layer values, parameters and accumulators have constant indices and can stay in
/// registers, but the kernel's code grows with `K·D`, and so does the driver's compile time
/// (lavapipe, K = 32: D = 8 unrolled compiles in 3 s and runs a 1024-point forward and
/// backward in 2.1 ms, against 0.6 s and 3.0 ms in loops; D = 43 unrolled takes 92 s to
/// compile, in loops 9 s).
const MAX_UNROLLED_WEIGHTS: usize = 256;

/// The gradients of `Σ_n g_n log p(x_n)`: `(∂x [N, D], ∂w [K, D], ∂u [K, D], ∂b [K])`.
pub(super) type Grads = (CubeTensor, CubeTensor, CubeTensor, CubeTensor);

/// First pass. Cube `i` takes the blocks of `units` points `i, i + G, i + 2G, …`, one unit
/// per point: the forward pass keeping each layer's input and `h = tanh(wᵀz + b)`, then the
/// layers in reverse, writing `∂x` and adding the point's `2D + 2` parameter terms of each
/// layer (`∂w`, `∂û`, `∂b`, `∂c`) to the unit's accumulators, laid out as a row of
/// `partial`. At the end the cube sums its units' accumulators, `rows` of them at a time
/// through shared memory. The loops over layers are unrolled when `unroll`.
#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
fn log_prob_grads_kernel<F: Float>(
    x: &Tensor<F>,
    w: &Tensor<F>,
    u: &Tensor<F>,
    b: &Tensor<F>,
    g: &Tensor<F>,
    grad_x: &mut Tensor<F>,
    partial: &mut Tensor<F>,
    #[comptime] dim: usize,
    #[comptime] map: bool,
    #[comptime] layers: usize,
    #[comptime] units: usize,
    #[comptime] rows: usize,
    #[comptime] unroll: bool,
    #[define(F)] _dtype: ElemType,
) {
    let n = g.shape(0);
    let scalars = cube_layer_scalars::<F>(u, w, dim, layers);
    let unit = UNIT_POS as usize;
    let per_layer = comptime!(2 * dim + 2);
    let terms = comptime!(layers * (2 * dim + 2));
    let one = F::new(1.0_f32);
    let zero = F::new(0.0_f32);
    let mut z = Array::<F>::new(dim);
    let mut delta = Array::<F>::new(dim);
    let mut inputs = Array::<F>::new(comptime!(layers * dim));
    let mut hs = Array::<F>::new(layers);
    let mut sums = Array::<F>::new(terms);
    #[unroll(unroll)]
    for r in 0..terms {
        sums[r] = zero;
    }
    // Every layer's parameters, read once per unit rather than twice per point: `w` and
    // `û = u + coef·w` (`[K·D]`), `b` and `c` (`[K]`).
    let mut w_r = Array::<F>::new(comptime!(layers * dim));
    let mut u_r = Array::<F>::new(comptime!(layers * dim));
    let mut b_r = Array::<F>::new(layers);
    let mut c_r = Array::<F>::new(layers);
    #[unroll(unroll)]
    for k in 0..layers {
        let coef = scalars[2 * k];
        b_r[k] = b[k];
        c_r[k] = scalars[2 * k + 1];
        #[unroll]
        for j in 0..dim {
            let w_j = w[k * dim + j];
            w_r[k * dim + j] = w_j;
            u_r[k * dim + j] = u[k * dim + j] + coef * w_j;
        }
    }
    let mut block = CUBE_POS;
    while block * units < n {
        let point = block * units + unit;
        let active = point < n;
        // Units past the last point run with g = 0: their terms are all zero.
        let mut weight = zero;
        #[unroll]
        for j in 0..dim {
            z[j] = zero;
        }
        if active {
            if map {
                weight = g[point * comptime!(dim + 1) + dim];
            } else {
                weight = g[point];
            }
            #[unroll]
            for j in 0..dim {
                z[j] = x[point * dim + j];
            }
        }
        #[unroll(unroll)]
        for k in 0..layers {
            let mut a = b_r[k];
            #[unroll]
            for j in 0..dim {
                inputs[k * dim + j] = z[j];
                a += w_r[k * dim + j] * z[j];
            }
            let h = a.tanh();
            hs[k] = h;
            #[unroll]
            for j in 0..dim {
                z[j] += u_r[k * dim + j] * h;
            }
        }
        // Into the image: its own gradient for the map; for log p, ∂/∂z of g · log N(z) = −g z.
        #[unroll]
        for j in 0..dim {
            if map {
                delta[j] = zero;
                if active {
                    delta[j] = g[point * comptime!(dim + 1) + j];
                }
            } else {
                delta[j] = z[j] * -weight;
            }
        }
        #[unroll(unroll)]
        for step in 0..layers {
            let k = layers - 1 - step;
            let at = k * per_layer;
            let h = hs[k];
            let c_k = c_r[k];
            let s = one - h * h;
            let inv_det = one / (one + s * c_k);
            // ∂L/∂h = Σ_d û_d ∂L/∂z_d + g ∂log|det|/∂h, with det = 1 + (1 − h²) c.
            let mut grad_a = F::new(-2.0_f32) * h * c_k * inv_det * weight;
            #[unroll]
            for j in 0..dim {
                grad_a += u_r[k * dim + j] * delta[j];
                sums[at + dim + j] += delta[j] * h;
            }
            grad_a *= s;
            sums[at + 2 * dim] += grad_a;
            sums[at + 2 * dim + 1] += weight * s * inv_det;
            // ∂L/∂w_d = ∂L/∂a x_d and ∂L/∂x_d = ∂L/∂z_d + w_d ∂L/∂a.
            #[unroll]
            for j in 0..dim {
                sums[at + j] += grad_a * inputs[k * dim + j];
                delta[j] += w_r[k * dim + j] * grad_a;
            }
        }
        if active {
            #[unroll]
            for j in 0..dim {
                grad_x[point * dim + j] = delta[j];
            }
        }
        block += CUBE_COUNT;
    }
    // One row of shared memory per accumulator and one column per unit, padded against
    // bank conflicts.
    let pitch = comptime!(units + 1);
    let mut shared = Shared::<[F]>::new_slice(comptime!(rows * (units + 1)));
    let row_start = CUBE_POS * terms;
    #[unroll]
    for chunk in 0..comptime!(terms.div_ceil(rows)) {
        let first = comptime!(chunk * rows);
        let count = comptime!(rows.min(terms - chunk * rows));
        #[unroll(unroll)]
        for r in 0..count {
            shared[r * pitch + unit] = sums[first + r];
        }
        sync_cube();
        let mut e = unit;
        while e < count {
            let mut sum = zero;
            for t in 0..units {
                sum += shared[e * pitch + t];
            }
            partial[row_start + first + e] = sum;
            e += units;
        }
        sync_cube();
    }
}

/// Second pass, one unit per layer: `partial` `[G, K·(2D + 2)]` summed over its rows into
/// the layer's gradients with respect to `w` (as an independent input), `û`, `b` and `c`,
/// then `û` and `c` taken back to `u` and `w`: writes `grad_w` and `grad_u` (`[K, D]`) and
/// `grad_b` (`[K]`).
#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
fn sum_partials_kernel<F: Float>(
    partial: &Tensor<F>,
    u: &Tensor<F>,
    w: &Tensor<F>,
    grad_w: &mut Tensor<F>,
    grad_u: &mut Tensor<F>,
    grad_b: &mut Tensor<F>,
    #[comptime] dim: usize,
    #[define(F)] _dtype: ElemType,
) {
    let rows = partial.shape(0);
    let columns = partial.shape(1);
    let layers = grad_b.shape(0);
    let per_layer = comptime!(2 * dim + 2);
    let mut sums = Array::<F>::new(per_layer);
    let mut k = ABSOLUTE_POS;
    while k < layers {
        #[unroll]
        for j in 0..per_layer {
            sums[j] = F::new(0.0_f32);
        }
        for r in 0..rows {
            #[unroll]
            for j in 0..per_layer {
                sums[j] += partial[r * columns + k * per_layer + j];
            }
        }
        // sums = [∂w (D) | ∂û (D) | ∂b | ∂c]; û = u + coef(s, q) w and c(s), s = wᵀu, q = ‖w‖².
        let (s, q) = dots::<F>(u, w, k, dim);
        let (coef, _, dc_ds, dcoef_ds, dcoef_dq) = layer_scalars::<F>(s, q);
        let mut g_coef = F::new(0.0_f32);
        #[unroll]
        for j in 0..dim {
            g_coef += sums[dim + j] * w[k * dim + j];
        }
        let g_s = g_coef * dcoef_ds + sums[2 * dim + 1] * dc_ds;
        let g_q = g_coef * dcoef_dq;
        #[unroll]
        for j in 0..dim {
            let (u_j, w_j, g_j) = (u[k * dim + j], w[k * dim + j], sums[dim + j]);
            grad_u[k * dim + j] = g_j + g_s * w_j;
            grad_w[k * dim + j] = sums[j] + g_j * coef + g_s * u_j + F::new(2.0_f32) * g_q * w_j;
        }
        grad_b[k] = sums[2 * dim];
        k += CUBE_COUNT * CUBE_DIM as usize;
    }
}

/// Launches both passes; `g` is the gradient flowing into the log-densities (`[N]`) or, with
/// `map`, into the planar map's output (`[N, D + 1]`: the image, then `Σ log|det J|`).
pub(super) fn log_prob_grads(inputs: RawInputs, g: CubeTensor, map: bool) -> Grads {
    let RawInputs { x, w, u, b } = inputs;
    let [n, dim] = x.shape().dims::<2>();
    let layers = b.shape().dims::<1>()[0];
    let (client, device, dtype) = (x.client.clone(), x.device.clone(), x.dtype);
    let empty = |shape: Shape| empty_device_dtype(client.clone(), device.clone(), shape, dtype);
    if n == 0 || layers == 0 {
        let zeros = |shape: Shape| zeros_client(client.clone(), device.clone(), shape, dtype);
        return (
            zeros(Shape::new([n, dim])),
            zeros(Shape::new([layers, dim])),
            zeros(Shape::new([layers, dim])),
            zeros(Shape::new([layers])),
        );
    }
    let shared = client
        .properties()
        .hardware
        .max_shared_memory_size
        .min(MAX_SHARED_BYTES);
    let columns = layers * (2 * dim + 2);
    // Accumulators summed at once: as many rows of `UNITS + 1` floats as fit beside the
    // layers' `2K` reparametrisation scalars.
    let free = shared.saturating_sub(2 * layers * dtype.size());
    let rows = (free / dtype.size() / (UNITS + 1)).clamp(1, columns);
    let cubes = n.div_ceil(UNITS * POINTS_PER_UNIT).min(MAX_PARTIAL_ROWS);
    let grad_x = empty(Shape::new([n, dim]));
    let partial = empty(Shape::new([cubes, columns]));
    // SAFETY: every index stays within its tensor (point < N, an accumulator within the
    // cube's row of `partial`) or its shared slices (`rows` rows of `UNITS + 1`, `2K`
    // scalars).
    unsafe {
        log_prob_grads_kernel::launch_unchecked(
            &client,
            CubeCount::new_1d(cubes as u32),
            CubeDim::new_1d(UNITS as u32),
            x.into_tensor_arg(),
            w.clone().into_tensor_arg(),
            u.clone().into_tensor_arg(),
            b.into_tensor_arg(),
            g.into_tensor_arg(),
            grad_x.clone().into_tensor_arg(),
            partial.clone().into_tensor_arg(),
            dim,
            map,
            layers,
            UNITS,
            rows,
            layers * dim <= MAX_UNROLLED_WEIGHTS,
            dtype_to_storage_type(dtype),
        );
    }
    let (grad_w, grad_u) = (
        empty(Shape::new([layers, dim])),
        empty(Shape::new([layers, dim])),
    );
    let grad_b = empty(Shape::new([layers]));
    let (cube_count, cube_dim) = elementwise_launch(layers);
    // SAFETY: unit `k` reads row `k` (< K) of `u` and `w` and its columns of `partial`
    // (`[G, K·(2D + 2)]`), and writes row `k` of the gradients.
    unsafe {
        sum_partials_kernel::launch_unchecked(
            &client,
            cube_count,
            cube_dim,
            partial.into_tensor_arg(),
            u.into_tensor_arg(),
            w.into_tensor_arg(),
            grad_w.clone().into_tensor_arg(),
            grad_u.clone().into_tensor_arg(),
            grad_b.clone().into_tensor_arg(),
            dim,
            dtype_to_storage_type(dtype),
        );
    }
    (grad_x, grad_w, grad_u, grad_b)
}
