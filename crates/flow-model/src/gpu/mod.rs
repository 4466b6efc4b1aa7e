//! The fused planar operations of [`crate::cpu::fused`] and [`crate::cpu::fused_forward`] as CubeCL
//! kernels, for Burn's CubeCL backend (wgpu here): `log p` and the planar map each in one
//! launch over all `K` layers, their backward passes in two (see [`log_prob_grads`]), the
//! inverse in one. The first two take the raw parameters: each cube reparametrises `u` into
//! shared memory before its points (see [`reparam`]).
//!
//! Burn 0.22.1 / CubeCL 0.11.3 APIs these rely on (they move between releases):
//! - `burn_cubecl::CubeBackend`, a concrete type since Burn 0.22 (no runtime parameter), whose
//!   float primitive `CubeTensor` carries its `client`, `device` and `dtype`;
//!   `burn_cubecl::kernel::into_contiguous`, since the kernels index rows directly and fusion
//!   may hand over strided layouts; `burn_cubecl::ops::numeric::{empty_device_dtype,
//!   zeros_client}` for outputs; `burn::backend::cubecl::dtype_to_storage_type` for the
//!   kernels' `#[define(F)]` element type.
//! - CubeCL's `#[cube(launch_unchecked)]` kernels (no bounds checks: every index is in range
//!   by construction, and wgpu's robust buffer access keeps even a bug memory-safe) with
//!   `#[comptime]` sizes (each `D` and each `K` compiles its own kernel),
//!   `#[unroll]` so that a point's per-dimension (and per-layer) values stay in registers,
//!   `Shared::new_slice` and `sync_cube` for the per-cube reparametrisation scalars and
//!   sums, a `#[cube]` function returning a `Shared` slice, and the
//!   `ABSOLUTE_POS`/`CUBE_POS`/`CUBE_COUNT` builtins.
//! - WGSL has no `f64` and no portable float atomic add: sums are per-cube partial sums in
//!   shared memory followed by a second pass.

mod inverse;
mod log_prob;
mod log_prob_grads;
mod reparam;

use burn::backend::TensorMetadata;
use burn::backend::tensor::FloatTensor;
use burn_cubecl::CubeBackend;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::{CubeCount, CubeDim};

use crate::InverseSolver;
use crate::cpu::fused::{PlanarInverseOps, PlanarLogProbGradOps, PlanarLogProbOps};
use crate::cpu::fused_forward::{PlanarForwardGradOps, PlanarForwardOps};

/// Units per cube of the kernels launched with [`elementwise_launch`].
const UNITS_PER_CUBE: u32 = 64;
/// Most cubes of a one-dimensional launch; the kernels loop over larger inputs.
const MAX_CUBES: usize = 65_535;

/// The inputs of the inverse, contiguous: the points `z` `[N, D]`, `w` and `u_hat` `[K, D]`,
/// `b` and `c` `[K]`.
struct Inputs {
    x: CubeTensor,
    w: CubeTensor,
    u_hat: CubeTensor,
    b: CubeTensor,
    c: CubeTensor,
}

impl Inputs {
    /// # Panics
    /// If the shapes do not agree (the kernels index the tensors by these sizes).
    fn new(x: CubeTensor, w: CubeTensor, u_hat: CubeTensor, b: CubeTensor, c: CubeTensor) -> Self {
        let [_, dim] = x.shape().dims::<2>();
        let [layers, w_dim] = w.shape().dims::<2>();
        assert_eq!(dim, w_dim, "x and w must have the same dimension D");
        assert_eq!(u_hat.shape(), w.shape(), "û must be [K, D] like w");
        assert_eq!(b.shape().dims::<1>(), [layers], "b must be [K]");
        assert_eq!(c.shape().dims::<1>(), [layers], "c must be [K]");
        let [x, w, u_hat, b, c] = [x, w, u_hat, b, c].map(into_contiguous);
        Self { x, w, u_hat, b, c }
    }
}

/// The inputs of the log-density and of the planar map, contiguous: the points `x` `[N, D]`
/// and the raw parameters `w`, `u` `[K, D]` and `b` `[K]` (the kernels reparametrise `u`).
struct RawInputs {
    x: CubeTensor,
    w: CubeTensor,
    u: CubeTensor,
    b: CubeTensor,
}

impl RawInputs {
    /// # Panics
    /// If the shapes do not agree (the kernels index the tensors by these sizes).
    fn new(x: CubeTensor, w: CubeTensor, u: CubeTensor, b: CubeTensor) -> Self {
        let [_, dim] = x.shape().dims::<2>();
        let [layers, w_dim] = w.shape().dims::<2>();
        assert_eq!(dim, w_dim, "x and w must have the same dimension D");
        assert_eq!(u.shape(), w.shape(), "u must be [K, D] like w");
        assert_eq!(b.shape().dims::<1>(), [layers], "b must be [K]");
        let [x, w, u, b] = [x, w, u, b].map(into_contiguous);
        Self { x, w, u, b }
    }
}

/// The launch of a one-unit-per-item kernel over `items` items (grid-stride beyond
/// [`MAX_CUBES`] cubes).
fn elementwise_launch(items: usize) -> (CubeCount, CubeDim) {
    let cubes = items.div_ceil(UNITS_PER_CUBE as usize).clamp(1, MAX_CUBES);
    (
        CubeCount::new_1d(cubes as u32),
        CubeDim::new_1d(UNITS_PER_CUBE),
    )
}

impl PlanarLogProbOps for CubeBackend {
    fn planar_log_prob(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u: FloatTensor<Self>,
        b: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        log_prob::log_prob(RawInputs::new(x, w, u, b), false)
    }
}

impl PlanarLogProbGradOps for CubeBackend {
    fn planar_log_prob_grads(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u: FloatTensor<Self>,
        b: FloatTensor<Self>,
        g: FloatTensor<Self>,
    ) -> (
        FloatTensor<Self>,
        FloatTensor<Self>,
        FloatTensor<Self>,
        FloatTensor<Self>,
    ) {
        log_prob_grads::log_prob_grads(RawInputs::new(x, w, u, b), into_contiguous(g), false)
    }
}

impl PlanarForwardOps for CubeBackend {
    fn planar_forward(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u: FloatTensor<Self>,
        b: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        log_prob::log_prob(RawInputs::new(x, w, u, b), true)
    }
}

impl PlanarForwardGradOps for CubeBackend {
    fn planar_forward_grads(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u: FloatTensor<Self>,
        b: FloatTensor<Self>,
        g: FloatTensor<Self>,
    ) -> (
        FloatTensor<Self>,
        FloatTensor<Self>,
        FloatTensor<Self>,
        FloatTensor<Self>,
    ) {
        log_prob_grads::log_prob_grads(RawInputs::new(x, w, u, b), into_contiguous(g), true)
    }
}

impl PlanarInverseOps for CubeBackend {
    fn planar_inverse(
        z: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u_hat: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        solver: InverseSolver,
    ) -> FloatTensor<Self> {
        inverse::inverse(Inputs::new(z, w, u_hat, b, c), &solver)
    }
}
