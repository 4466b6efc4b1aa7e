//! The backward kernels of the log-density (the maths of [`crate::kernel::log_prob_grads`]):
//! one unit per point recomputes the forward pass and walks the layers back, and the
//! parameter gradients are summed over points in two passes, without atomics (WGSL has no
//! portable float atomic add) and without a per-point `[N, K, D]` buffer:
//!
//! 1. [`log_prob_grads_kernel`]: each unit adds its points' terms into its own column of
//!    shared memory, then the cube sums the columns into its row of `partial`
//!    (`[G, K·(2D + 2)]`, `G` cubes);
//! 2. [`sum_partials_kernel`]: one unit per parameter sums its column of `partial`.
//!
//! The first pass synchronises its cube only around that final sum: barriers are cheap on
//! GPUs but cost a context switch per group of lanes on CPU drivers such as lavapipe.

use burn::backend::TensorMetadata;
use burn::backend::cubecl::dtype_to_storage_type;
use burn::tensor::Shape;
use burn_cubecl::ops::numeric::{empty_device_dtype, zeros_client};
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;

use super::{Inputs, elementwise_launch};

/// Most units per cube of the first pass.
const MAX_UNITS: usize = 64;
/// Fewest units per cube worth keeping every layer's sums in shared memory at once (a
/// quarter of a warp; below this the layers are split into passes instead).
const MIN_RESIDENT_UNITS: usize = 8;
/// Most cubes of the first pass: past this, cubes loop over several blocks of points.
const MAX_PARTIAL_ROWS: usize = 256;
/// Most shared memory the first pass uses, in bytes (less where the device has less).
const MAX_SHARED_BYTES: usize = 32 * 1024;
/// Most layer bodies (`K` per pass) written out in full: unrolled, a point's per-layer values
/// stay in registers, but the kernel's code grows with `K`.
const MAX_UNROLLED_LAYERS: usize = 64;

/// The gradients of `Σ_n g_n log p(x_n)`: `(∂x [N, D], ∂w [K, D], ∂û [K, D], ∂b [K], ∂c [K])`.
pub(super) type Grads = (CubeTensor, CubeTensor, CubeTensor, CubeTensor, CubeTensor);

/// First pass. Cube `i` takes the blocks of `units` points `i, i + G, i + 2G, …`, one unit
/// per point: the forward pass keeping each layer's input and `h = tanh(wᵀz + b)`, then the
/// layers in reverse, updating `∂x` and adding the point's `2D + 2` parameter terms of each
/// layer (`∂w`, `∂û`, `∂b`, `∂c`) into the unit's column of shared memory. When the layers'
/// columns do not all fit (`batch < K`), the cube makes one pass over its points per
/// `batch` layers, recomputing the points' passes. The loops over layers are unrolled when
/// `unroll`.
#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
fn log_prob_grads_kernel<F: Float>(
    x: &Tensor<F>,
    w: &Tensor<F>,
    u_hat: &Tensor<F>,
    b: &Tensor<F>,
    c: &Tensor<F>,
    g: &Tensor<F>,
    grad_x: &mut Tensor<F>,
    partial: &mut Tensor<F>,
    #[comptime] dim: usize,
    #[comptime] layers: usize,
    #[comptime] units: usize,
    #[comptime] batch: usize,
    #[comptime] unroll: bool,
    #[define(F)] _dtype: ElemType,
) {
    let n = g.shape(0);
    let unit = UNIT_POS as usize;
    let per_layer = comptime!(2 * dim + 2);
    // One row per parameter term and one column per unit, padded against bank conflicts.
    let pitch = comptime!(units + 1);
    let mut terms = Shared::<[F]>::new_slice(comptime!(batch * (2 * dim + 2) * (units + 1)));
    let row_start = CUBE_POS * comptime!(layers * (2 * dim + 2));
    let one = F::new(1.0_f32);
    let zero = F::new(0.0_f32);
    let mut z = Array::<F>::new(dim);
    let mut delta = Array::<F>::new(dim);
    let mut inputs = Array::<F>::new(comptime!(layers * dim));
    let mut hs = Array::<F>::new(layers);
    #[unroll]
    for pass in 0..comptime!(layers.div_ceil(batch)) {
        // This pass sums the layers of the backward steps `first ..= last`.
        let first = comptime!(pass * batch);
        let last = comptime!((pass * batch + batch).min(layers) - 1);
        for r in 0..comptime!(batch * (2 * dim + 2)) {
            terms[r * pitch + unit] = zero;
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
                weight = g[point];
                #[unroll]
                for j in 0..dim {
                    z[j] = x[point * dim + j];
                }
            }
            #[unroll(unroll)]
            for k in 0..layers {
                let mut a = b[k];
                #[unroll]
                for j in 0..dim {
                    inputs[k * dim + j] = z[j];
                    a += w[k * dim + j] * z[j];
                }
                let h = a.tanh();
                hs[k] = h;
                #[unroll]
                for j in 0..dim {
                    z[j] += u_hat[k * dim + j] * h;
                }
            }
            // ∂/∂z of g · log N(z) is −g z.
            #[unroll]
            for j in 0..dim {
                delta[j] = z[j] * -weight;
            }
            #[unroll(unroll)]
            for step in 0..comptime!(last + 1) {
                let k = layers - 1 - step;
                let h = hs[k];
                let c_k = c[k];
                let s = one - h * h;
                let inv_det = one / (one + s * c_k);
                // ∂L/∂h = Σ_d û_d ∂L/∂z_d + g ∂log|det|/∂h, with det = 1 + (1 − h²) c.
                let mut grad_a = F::new(-2.0_f32) * h * c_k * inv_det * weight;
                #[unroll]
                for j in 0..dim {
                    grad_a += u_hat[k * dim + j] * delta[j];
                }
                grad_a *= s;
                if step >= first {
                    let at = (step - first) * per_layer;
                    #[unroll]
                    for j in 0..dim {
                        terms[(at + j) * pitch + unit] += grad_a * inputs[k * dim + j];
                        terms[(at + dim + j) * pitch + unit] += delta[j] * h;
                    }
                    terms[(at + 2 * dim) * pitch + unit] += grad_a;
                    terms[(at + 2 * dim + 1) * pitch + unit] += weight * s * inv_det;
                }
                // ∂L/∂x_d = ∂L/∂z_d + w_d ∂L/∂a.
                #[unroll]
                for j in 0..dim {
                    delta[j] += w[k * dim + j] * grad_a;
                }
            }
            if comptime!(last == layers - 1) && active {
                #[unroll]
                for j in 0..dim {
                    grad_x[point * dim + j] = delta[j];
                }
            }
            block += CUBE_COUNT;
        }
        sync_cube();
        // Row `e` holds term `e mod (2D + 2)` of backward step `first + e / (2D + 2)`.
        let mut e = unit;
        while e < comptime!((last + 1 - first) * (2 * dim + 2)) {
            let mut sum = zero;
            for t in 0..units {
                sum += terms[e * pitch + t];
            }
            let layer = comptime!(layers - 1 - first) - e / per_layer;
            partial[row_start + layer * per_layer + e % per_layer] = sum;
            e += units;
        }
        sync_cube();
    }
}

/// Second pass: `partial` `[G, K·(2D + 2)]` summed over its rows, each layer's `2D + 2`
/// sums split into `grad_w` and `grad_u` (`[K, D]`), `grad_b` and `grad_c` (`[K]`).
#[cube(launch)]
fn sum_partials_kernel<F: Float>(
    partial: &Tensor<F>,
    grad_w: &mut Tensor<F>,
    grad_u: &mut Tensor<F>,
    grad_b: &mut Tensor<F>,
    grad_c: &mut Tensor<F>,
    #[comptime] dim: usize,
    #[define(F)] _dtype: ElemType,
) {
    let rows = partial.shape(0);
    let columns = partial.shape(1);
    let per_layer = comptime!(2 * dim + 2);
    let mut e = ABSOLUTE_POS;
    while e < columns {
        let mut sum = F::new(0.0_f32);
        for r in 0..rows {
            sum += partial[r * columns + e];
        }
        let k = e / per_layer;
        let j = e % per_layer;
        if j < dim {
            grad_w[k * dim + j] = sum;
        } else if j < 2 * dim {
            grad_u[k * dim + j - dim] = sum;
        } else if j == 2 * dim {
            grad_b[k] = sum;
        } else {
            grad_c[k] = sum;
        }
        e += CUBE_COUNT * CUBE_DIM as usize;
    }
}

/// The cube size and the layers summed at once of the first pass, for `D`, `K` and the
/// floats of shared memory available: its columns (`batch · (2D + 2) · (units + 1)`
/// floats) hold every layer with as many units as fit, down to [`MIN_RESIDENT_UNITS`];
/// past that, as many layers as fit with [`MAX_UNITS`] (at least one layer).
#[derive(Debug, Clone, Copy)]
struct ReductionShape {
    units: usize,
    batch: usize,
}

impl ReductionShape {
    fn new(dim: usize, layers: usize, floats: usize) -> Self {
        let per_layer = 2 * dim + 2;
        let fits = |batch: usize, units: usize| batch * per_layer * (units + 1) <= floats;
        let mut units = MAX_UNITS;
        while units > MIN_RESIDENT_UNITS && !fits(layers, units) {
            units /= 2;
        }
        if !fits(layers, units) {
            units = MAX_UNITS;
            while units > 1 && !fits(1, units) {
                units /= 2;
            }
        }
        assert!(
            fits(1, units),
            "the GPU log-density supports D ≤ {} (got {dim})",
            floats / 4 - 1
        );
        let batch = (floats / (per_layer * (units + 1))).min(layers);
        Self { units, batch }
    }
}

/// Launches both passes; `g` `[N]` is the gradient flowing into the log-densities.
pub(super) fn log_prob_grads(inputs: Inputs, g: CubeTensor) -> Grads {
    let Inputs { x, w, u_hat, b, c } = inputs;
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
            zeros(Shape::new([layers])),
        );
    }
    let shared = client
        .properties()
        .hardware
        .max_shared_memory_size
        .min(MAX_SHARED_BYTES);
    let shape = ReductionShape::new(dim, layers, shared / dtype.size());
    let unroll = layers * layers.div_ceil(shape.batch) <= MAX_UNROLLED_LAYERS;
    let cubes = n.div_ceil(shape.units).min(MAX_PARTIAL_ROWS);
    let columns = layers * (2 * dim + 2);
    let grad_x = empty(Shape::new([n, dim]));
    let partial = empty(Shape::new([cubes, columns]));
    // SAFETY: every index stays within its tensor (point < N, a layer's terms within the
    // cube's row of `partial`) or its shared slice (fewer than `batch` layers' rows per pass).
    unsafe {
        log_prob_grads_kernel::launch_unchecked(
            &client,
            CubeCount::new_1d(cubes as u32),
            CubeDim::new_1d(shape.units as u32),
            x.into_tensor_arg(),
            w.into_tensor_arg(),
            u_hat.into_tensor_arg(),
            b.into_tensor_arg(),
            c.into_tensor_arg(),
            g.into_tensor_arg(),
            grad_x.clone().into_tensor_arg(),
            partial.clone().into_tensor_arg(),
            dim,
            layers,
            shape.units,
            shape.batch,
            unroll,
            dtype_to_storage_type(dtype),
        );
    }
    let grads = (
        empty(Shape::new([layers, dim])),
        empty(Shape::new([layers, dim])),
        empty(Shape::new([layers])),
        empty(Shape::new([layers])),
    );
    let (cube_count, cube_dim) = elementwise_launch(columns);
    sum_partials_kernel::launch(
        &client,
        cube_count,
        cube_dim,
        partial.into_tensor_arg(),
        grads.0.clone().into_tensor_arg(),
        grads.1.clone().into_tensor_arg(),
        grads.2.clone().into_tensor_arg(),
        grads.3.clone().into_tensor_arg(),
        dim,
        dtype_to_storage_type(dtype),
    );
    (grad_x, grads.0, grads.1, grads.2, grads.3)
}
