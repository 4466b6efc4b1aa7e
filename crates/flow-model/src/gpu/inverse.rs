//! The inverse kernel: one unit per point runs the layers backwards, last layer first, in
//! one launch (the maths of [`crate::cpu::kernel::inverse`]). For a layer's output `y`,
//! `α = wᵀx + b` solves `α + c·tanh(α) = wᵀy + b` by safeguarded Newton iteration in the
//! bracket `[t − |c|, t + |c|]`, then `x = y − û tanh(α)`.

use burn::backend::TensorMetadata;
use burn::backend::cubecl::dtype_to_storage_type;
use burn_cubecl::ops::numeric::empty_device_dtype;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;

use super::{Inputs, elementwise_launch};
use crate::InverseSolver;

/// `out[n]` is the point whose image under the flow is `z[n]`, followed by the forward map's
/// `Σ log|det J|` there: `z` `[N, D]`, `out` `[N, D + 1]`, `w` and `u_hat` `[K, D]`, `b` and
/// `c` `[K]`. Each point iterates until its own residual
/// `|α + c·tanh(α) − t|` is at most `tolerance · (1 + |t|)` (tested every `check_every`
/// iterations, at most `max_iterations`), then `polish` more iterations.
#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
fn inverse_kernel<F: Float>(
    z: &Tensor<F>,
    w: &Tensor<F>,
    u_hat: &Tensor<F>,
    b: &Tensor<F>,
    c: &Tensor<F>,
    out: &mut Tensor<F>,
    tolerance: f32,
    max_iterations: u32,
    check_every: u32,
    polish: u32,
    #[comptime] dim: usize,
    #[define(F)] _dtype: ElemType,
) {
    let n = out.shape(0);
    let layers = b.shape(0);
    let width = dim + 1;
    let stride = CUBE_COUNT * CUBE_DIM as usize;
    let one = F::new(1.0_f32);
    let half = F::new(0.5_f32);
    let tolerance = F::cast_from(tolerance);
    let mut y = Array::<F>::new(dim);
    let mut row = ABSOLUTE_POS;
    while row < n {
        #[unroll]
        for j in 0..dim {
            y[j] = z[row * dim + j];
        }
        let mut log_det = F::new(0.0_f32);
        for step in 0..layers {
            let k = layers - 1 - step;
            let c_k = c[k];
            let mut target = b[k];
            #[unroll]
            for j in 0..dim {
                target += w[k * dim + j] * y[j];
            }
            // The left side is non-decreasing (c ≥ −1), so the root lies in [t − |c|, t + |c|].
            let mut alpha = target;
            let mut lo = target - F::abs(c_k);
            let mut hi = target + F::abs(c_k);
            let mut iteration = 0u32;
            // Iterations left before the next convergence test.
            let mut until_check = 0u32;
            let mut polishing = false;
            let mut polish_left = polish;
            loop {
                if !polishing {
                    if iteration == max_iterations {
                        polishing = true;
                    } else if until_check == 0 {
                        until_check = check_every - 1;
                        let residual = alpha + c_k * alpha.tanh() - target;
                        polishing = F::abs(residual) <= tolerance * (one + F::abs(target));
                    } else {
                        until_check -= 1;
                    }
                }
                if polishing {
                    if polish_left == 0 {
                        break;
                    }
                    polish_left -= 1;
                }
                // One Newton step, replaced by bisection when it leaves the bracket (NaN and
                // ±inf fail the test too); the bracket shrinks around the root.
                let th = alpha.tanh();
                let residual = alpha + c_k * th - target;
                if residual > F::new(0.0_f32) {
                    hi = alpha;
                } else {
                    lo = alpha;
                }
                let newton = alpha - residual / (one + c_k * (one - th * th));
                alpha = select(newton >= lo && newton <= hi, newton, half * (lo + hi));
                iteration += 1;
            }
            let th = alpha.tanh();
            #[unroll]
            for j in 0..dim {
                y[j] -= u_hat[k * dim + j] * th;
            }
            log_det += F::abs(one + (one - th * th) * c_k).ln();
        }
        #[unroll]
        for j in 0..dim {
            out[row * width + j] = y[j];
        }
        out[row * width + dim] = log_det;
        row += stride;
    }
}

/// Launches [`inverse_kernel`]; the result is `[N, D + 1]`.
pub(super) fn inverse(inputs: Inputs, solver: &InverseSolver) -> CubeTensor {
    let Inputs {
        x: z,
        w,
        u_hat,
        b,
        c,
    } = inputs;
    let [n, dim] = z.shape().dims::<2>();
    let (client, dtype) = (z.client.clone(), z.dtype);
    let shape = burn::tensor::Shape::new([n, dim + 1]);
    let out = empty_device_dtype(client.clone(), z.device.clone(), shape, dtype);
    if n == 0 {
        return out;
    }
    let count = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    let (cube_count, cube_dim) = elementwise_launch(n);
    // SAFETY: each unit reads and writes only the rows of its points (< N) and the
    // parameters' `K` rows.
    unsafe {
        inverse_kernel::launch_unchecked(
            &client,
            cube_count,
            cube_dim,
            z.into_tensor_arg(),
            w.into_tensor_arg(),
            u_hat.into_tensor_arg(),
            b.into_tensor_arg(),
            c.into_tensor_arg(),
            out.clone().into_tensor_arg(),
            solver.tolerance as f32,
            count(solver.max_iterations),
            count(solver.check_every.max(1)),
            count(solver.polish),
            dim,
            dtype_to_storage_type(dtype),
        );
    }
    out
}
