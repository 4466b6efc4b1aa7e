//! The planar map itself (not only the log-density) as one fused Burn operation on the CPU
//! backends, with a hand-derived backward: what the generator direction of variational
//! inference differentiates, `x = f_K ∘ … ∘ f_1(z)` with `Σ log|det J|`.
//!
//! A Burn backend operation has one output, so this one returns `[N, D + 1]`: the image in
//! the first `D` columns and `Σ log|det J|` in the last; its backward splits the incoming
//! gradient the same way ([`kernel::forward_grads`]). Like [`crate::fused`], it relies on
//! Burn 0.22's `backend_extension` macro and `Autodiff` `Backward` API.

// Burn 0.22 marks NdArray deprecated; it stays supported here as long as Burn ships it.
#![allow(deprecated)]

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, TensorMetadata, backend_extension};
use burn::tensor::Tensor;

use crate::fused::{HostInputs, Inputs, host, join_columns, record, tensor};
use crate::kernel::{self, LogProbGrads};

/// The planar map with its log-determinant as a backend operation.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Autodiff
)]
pub trait PlanarForwardOps: Backend {
    /// The layers `w` `[K, D]`, `û` `[K, D]`, `b` `[K]`, `c = wᵀû` `[K]` applied to `x`
    /// `[N, D]`: `[N, D + 1]`, the image and then `Σ log|det J|`. The default runs
    /// [`kernel::forward`] on the host, for the CPU backends.
    fn planar_forward(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u_hat: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        host_forward::<Self>([x, w, u_hat, b, c])
    }
}

/// The map and `Σ log|det J|` through the fused operation: `x` `[N, D]`, `w` and `u_hat`
/// `[K, D]`, `b` and `c` `[K]`; returns `([N, D], [N])`. Only for devices where
/// [`crate::fused::on_host`] holds.
pub fn forward(
    x: Tensor<2>,
    w: Tensor<2>,
    u_hat: Tensor<2>,
    b: Tensor<1>,
    c: Tensor<1>,
) -> (Tensor<2>, Tensor<1>) {
    let [n, dim] = x.dims();
    let joined: Tensor<2> = Tensor::from_dispatch(<Dispatch as PlanarForwardOps>::planar_forward(
        x.into_dispatch(),
        w.into_dispatch(),
        u_hat.into_dispatch(),
        b.into_dispatch(),
        c.into_dispatch(),
    ));
    let log_det = joined.clone().narrow(1, dim, 1).reshape([n]);
    (joined.narrow(1, 0, dim), log_det)
}

/// The forward pass on a CPU backend: `[N, D + 1]`.
fn host_forward<B: Backend>(inputs: Inputs<B>) -> FloatTensor<B> {
    let device = inputs[0].device();
    let host = HostInputs::read::<B>(inputs);
    let (z, log_det) = kernel::forward(&host.params(), host.x());
    let (n, dim) = (host.x_shape[0], host.dim);
    tensor::<B>(join_columns(&z, &log_det, dim), vec![n, dim + 1], &device)
}

#[cfg(feature = "flex")]
impl PlanarForwardOps for burn::backend::Flex {}

#[cfg(feature = "ndarray")]
impl PlanarForwardOps for burn::backend::NdArray {}

/// The autodiff node of the fused map; its state holds the five inputs.
#[derive(Debug)]
struct PlanarForwardBackward;

impl<B: Backend> Backward<B, 5> for PlanarForwardBackward {
    type State = Inputs<B>;

    fn backward(
        self,
        ops: Ops<Self::State, 5>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let device = ops.state[0].device();
        let (g, _) = host::<B>(grads.consume::<B>(&ops.node));
        let host = HostInputs::read::<B>(ops.state);
        let dim = host.dim;
        let (mut g_z, mut g_ld) = (Vec::with_capacity(g.len()), Vec::new());
        for row in g.chunks(dim + 1) {
            g_z.extend_from_slice(&row[..dim]);
            g_ld.push(row[dim]);
        }
        let LogProbGrads { x, w, u_hat, b, c } =
            kernel::forward_grads(&host.params(), host.x(), &g_z, &g_ld);
        let k = host.params().layers();
        let results = [
            (x, host.x_shape.clone()),
            (w, vec![k, dim]),
            (u_hat, vec![k, dim]),
            (b, vec![k]),
            (c, vec![k]),
        ];
        for (parent, (values, shape)) in ops.parents.into_iter().zip(results) {
            if let Some(node) = parent {
                grads.register::<B>(node.id, tensor::<B>(values, shape, &device));
            }
        }
    }
}

impl<B: PlanarForwardOps, C: CheckpointStrategy> PlanarForwardOps for Autodiff<B, C> {
    fn planar_forward(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u_hat: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        record::<B, C, _, 5>(
            PlanarForwardBackward,
            [x, w, u_hat, b, c],
            |[x, w, u_hat, b, c]| B::planar_forward(x, w, u_hat, b, c),
        )
    }
}
