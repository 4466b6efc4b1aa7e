//! The rational-quadratic spline as one fused Burn operation on the CPU backends, with its
//! hand-derived backward pass registered in Burn's autodiff graph.
//!
//! The operation starts at the raw parameters: softmax, cumulative sums and softplus (the
//! knots), the bin search and the rational-quadratic all run in [`crate::cpu::kernel::spline`], where the
//! tensor-op path ([`crate::spline::rational_quadratic_tensor_ops`]) dispatches about a
//! hundred small operations each way. A backend extension ([`RationalQuadraticOps`]) runs the
//! kernel on Flex and NdArray tensors. Its `Autodiff` implementation, where the result is
//! tracked, runs [`kernel::rational_quadratic_saving`] itself and keeps what the backward
//! pass needs on the host; its one graph node's backward pass is
//! [`kernel::rational_quadratic_grads`], in both directions.

// Burn 0.22 marks NdArray deprecated; it stays supported here as long as Burn ships it.
#![allow(deprecated)]

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, TensorMetadata, backend_extension};
use burn::tensor::Tensor;

use crate::cpu::fused::{host, tensor};
use crate::cpu::kernel::spline::{self as kernel, Saved, Spline, SplineGrads};
use crate::spline::shape::{SplineDirection, SplineShape};

/// The elementwise rational-quadratic spline as a backend operation.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Autodiff
)]
pub trait RationalQuadraticOps: Backend {
    /// Applies `spline` to `input` `[N, M]` with the parameters `params` `[N, M, 3K − 1]`;
    /// returns `[2, N, M]`: the outputs, then the log-derivatives. The default runs
    /// [`kernel::rational_quadratic`] on the host, for the CPU backends.
    fn rational_quadratic(
        input: FloatTensor<Self>,
        params: FloatTensor<Self>,
        spline: Spline,
    ) -> FloatTensor<Self> {
        let run = |input: &[f32], params: &[f32]| {
            (kernel::rational_quadratic(&spline, input, params), ())
        };
        on_host::<Self, _>([input, params], &spline, run).0
    }
}

/// [`crate::spline::rational_quadratic`] through the fused operation: `input` `[N, M]`,
/// `params` `[N, M, 3K − 1]`; returns the outputs and the log-derivatives, `[N, M]` each.
/// Only for devices where [`crate::cpu::fused::on_host`] holds.
pub fn rational_quadratic(
    input: Tensor<2>,
    params: Tensor<3>,
    shape: SplineShape,
    direction: SplineDirection,
) -> (Tensor<2>, Tensor<2>) {
    let [n, m] = input.dims();
    let both: Tensor<3> =
        Tensor::from_dispatch(<Dispatch as RationalQuadraticOps>::rational_quadratic(
            input.into_dispatch(),
            params.into_dispatch(),
            Spline { shape, direction },
        ));
    let part = |i: usize| both.clone().narrow(0, i, 1).reshape([n, m]);
    (part(0), part(1))
}

/// The inputs of the operation, `[input, params]`.
type Inputs<B> = [FloatTensor<B>; 2];

/// Host copies of the inputs, after checking that they are `[N, M]` and `[N, M, 3K − 1]`;
/// returns the input's values and shape, then the parameters' values.
fn read<B: Backend>(inputs: Inputs<B>, spline: &Spline) -> (Vec<f32>, Vec<usize>, Vec<f32>) {
    let [(input, shape), (params, params_shape)] = inputs.map(host::<B>);
    let per = spline.shape.params_per_element();
    assert!(
        shape.len() == 2 && params_shape == [shape[0], shape[1], per],
        "the spline needs input [N, M] and params [N, M, 3K − 1 = {per}]; got {shape:?} and {params_shape:?}"
    );
    (input, shape, params)
}

/// Runs `kernel` on host copies of `[input, params]`; returns the outputs and
/// log-derivatives it computes as a `[2, N, M]` tensor of `B`, and whatever else it returns.
fn on_host<B: Backend, T>(
    inputs: Inputs<B>,
    spline: &Spline,
    kernel: impl FnOnce(&[f32], &[f32]) -> (Vec<f32>, T),
) -> (FloatTensor<B>, T) {
    let device = inputs[0].device();
    let (input, mut shape, params) = read::<B>(inputs, spline);
    let (out, rest) = kernel(&input, &params);
    shape.insert(0, 2);
    (tensor::<B>(out, shape, &device), rest)
}

#[cfg(feature = "flex")]
impl RationalQuadraticOps for burn::backend::Flex {}

#[cfg(feature = "ndarray")]
impl RationalQuadraticOps for burn::backend::NdArray {}

/// The autodiff node of the fused spline; its state holds what the forward pass kept (shared,
/// so that the state clones cheaply) and the shapes of the input `[N, M]` and the parameters
/// `[N, M, 3K − 1]`.
#[derive(Debug)]
struct RationalQuadraticBackward;

impl<B: Backend> Backward<B, 2> for RationalQuadraticBackward {
    type State = (Arc<Saved>, [Vec<usize>; 2]);

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let (saved, shapes) = ops.state;
        let grad = grads.consume::<B>(&ops.node);
        let device = grad.device();
        let SplineGrads { input, params } =
            kernel::rational_quadratic_grads(&saved, &host::<B>(grad).0);
        for (parent, (values, shape)) in ops
            .parents
            .into_iter()
            .zip([input, params].into_iter().zip(shapes))
        {
            if let Some(node) = parent {
                grads.register::<B>(node.id, tensor::<B>(values, shape, &device));
            }
        }
    }
}

impl<B: RationalQuadraticOps, C: CheckpointStrategy> RationalQuadraticOps for Autodiff<B, C> {
    fn rational_quadratic(
        input: FloatTensor<Self>,
        params: FloatTensor<Self>,
        spline: Spline,
    ) -> FloatTensor<Self> {
        let inputs = [&input, &params].map(|t| t.primitive().clone());
        let prepared = RationalQuadraticBackward
            .prepare::<C>([input.node(), params.node()])
            .compute_bound()
            .stateful();
        match prepared {
            OpsKind::Tracked(prep) => {
                let shapes = inputs.each_ref().map(|t| t.shape().to_vec());
                let run = |input: &[f32], params: &[f32]| {
                    kernel::rational_quadratic_saving(&spline, input, params)
                };
                let (out, saved) = on_host::<B, _>(inputs, &spline, run);
                prep.finish((Arc::new(saved), shapes), out)
            }
            OpsKind::UnTracked(prep) => {
                let [input, params] = inputs;
                prep.finish(B::rational_quadratic(input, params, spline))
            }
        }
    }
}
