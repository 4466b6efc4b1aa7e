//! The planar map itself (not only the log-density) as one fused Burn operation, with a
//! hand-derived backward: what the generator direction of variational inference
//! differentiates, `x = f_K ∘ … ∘ f_1(z)` with `Σ log|det J|`.
//!
//! A Burn backend operation has one output, so this one returns `[N, D + 1]`: the image in
//! the first `D` columns and `Σ log|det J|` in the last; its backward splits the incoming
//! gradient the same way ([`kernel::forward_grads`]). Like the log-density of
//! [`crate::cpu::fused`], it takes the raw parameters `(w, u, b)` and reparametrises `u` itself,
//! runs on the host for the CPU backends and as CubeCL kernels on wgpu, and relies on the same
//! Burn 0.22 APIs (`backend_extension`, `Autodiff`'s `Backward`).

// Burn 0.22 marks NdArray deprecated; it stays supported here as long as Burn ships it.
#![allow(deprecated)]

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, TensorMetadata, backend_extension};
use burn::tensor::Tensor;

use crate::cpu::fused::{
    HostInputs, RawInputs, host, host_raw_grads, join_columns, record, register_grads, tensor,
};
use crate::cpu::kernel;

/// The planar map with its log-determinant as a backend operation.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Cube: cfg(feature = "wgpu"),
    Fusion: cfg(feature = "wgpu"),
    Autodiff
)]
pub trait PlanarForwardOps: Backend {
    /// The layers with the raw parameters `w` `[K, D]`, `u` `[K, D]` and `b` `[K]` applied
    /// to `x` `[N, D]`: `[N, D + 1]`, the image and then `Σ log|det J|`. The default runs
    /// [`kernel::forward`] on the host, for the CPU backends.
    #[fusion(dtype = x, shape = { let s = x; burn::tensor::Shape::new([s[0], s[1] + 1]) })]
    fn planar_forward(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u: FloatTensor<Self>,
        b: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        host_forward::<Self>([x, w, u, b])
    }
}

/// The backward pass of [`PlanarForwardOps::planar_forward`], run by its autodiff node on the
/// inner backend.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Cube: cfg(feature = "wgpu"),
    Fusion: cfg(feature = "wgpu")
)]
pub trait PlanarForwardGradOps: Backend {
    /// The gradient with respect to `(x, w, u, b)` of `Σ_n g_n · out_n`, where `out` is the
    /// operation's `[N, D + 1]` output and `g` `[N, D + 1]` the gradient flowing into it. The
    /// default runs [`kernel::forward_grads`] and [`kernel::reparametrise_grads`] on the host.
    #[fusion(meta = |x, w, u, b, _g| (x.clone(), w.clone(), u.clone(), b.clone()))]
    #[allow(clippy::type_complexity)]
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
        host_grads::<Self>([x, w, u, b], g)
    }
}

/// The map and `Σ log|det J|` through the fused operation: `x` `[N, D]`, the raw parameters
/// `w` and `u` `[K, D]` and `b` `[K]`; returns `([N, D], [N])`. Only for devices where
/// [`crate::cpu::fused::supports`] holds.
pub fn forward(x: Tensor<2>, w: Tensor<2>, u: Tensor<2>, b: Tensor<1>) -> (Tensor<2>, Tensor<1>) {
    let [n, dim] = x.dims();
    let joined: Tensor<2> = Tensor::from_dispatch(<Dispatch as PlanarForwardOps>::planar_forward(
        x.into_dispatch(),
        w.into_dispatch(),
        u.into_dispatch(),
        b.into_dispatch(),
    ));
    let log_det = joined.clone().narrow(1, dim, 1).reshape([n]);
    (joined.narrow(1, 0, dim), log_det)
}

/// The forward pass on a CPU backend: `[N, D + 1]`.
fn host_forward<B: Backend>(inputs: RawInputs<B>) -> FloatTensor<B> {
    let device = inputs[0].device();
    let (host, _) = HostInputs::read_raw::<B>(inputs);
    let (z, log_det) = kernel::forward(&host.params(), host.x());
    let (n, dim) = (host.x_shape[0], host.dim);
    tensor::<B>(join_columns(&z, &log_det, dim), vec![n, dim + 1], &device)
}

/// The backward pass on a CPU backend: the gradients with respect to `(x, w, u, b)`.
#[allow(clippy::type_complexity)]
fn host_grads<B: Backend>(
    inputs: RawInputs<B>,
    g: FloatTensor<B>,
) -> (
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
) {
    let (g, shape) = host::<B>(g);
    let dim = shape[1] - 1;
    let (mut g_z, mut g_ld) = (Vec::with_capacity(g.len()), Vec::new());
    for row in g.chunks(dim + 1) {
        g_z.extend_from_slice(&row[..dim]);
        g_ld.push(row[dim]);
    }
    host_raw_grads::<B>(inputs, |params, x| {
        kernel::forward_grads(params, x, &g_z, &g_ld)
    })
}

#[cfg(feature = "flex")]
impl PlanarForwardOps for burn::backend::Flex {}
#[cfg(feature = "flex")]
impl PlanarForwardGradOps for burn::backend::Flex {}

#[cfg(feature = "ndarray")]
impl PlanarForwardOps for burn::backend::NdArray {}
#[cfg(feature = "ndarray")]
impl PlanarForwardGradOps for burn::backend::NdArray {}

/// The autodiff node of the fused map; its state holds the four inputs.
#[derive(Debug)]
struct PlanarForwardBackward;

impl<B: PlanarForwardGradOps> Backward<B, 4> for PlanarForwardBackward {
    type State = RawInputs<B>;

    fn backward(
        self,
        ops: Ops<Self::State, 4>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        register_grads::<B, 4>(ops, grads, |[x, w, u, b], g| {
            let (x, w, u, b) = B::planar_forward_grads(x, w, u, b, g);
            [x, w, u, b]
        });
    }
}

impl<B: PlanarForwardOps + PlanarForwardGradOps, C: CheckpointStrategy> PlanarForwardOps
    for Autodiff<B, C>
{
    fn planar_forward(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u: FloatTensor<Self>,
        b: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        record::<B, C, _, 4>(PlanarForwardBackward, [x, w, u, b], |[x, w, u, b]| {
            B::planar_forward(x, w, u, b)
        })
    }
}
