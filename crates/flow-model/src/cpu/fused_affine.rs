//! The masked affine map of [`crate::MaskedAffine`] as one fused Burn operation on the CPU
//! backends, with its hand-derived backward pass registered in Burn's autodiff graph.
//!
//! The operation starts at the MADE's raw outputs: the soft clipping of the log-scale, the
//! exponential and the affine map all run in [`crate::cpu::kernel::affine`], where the
//! tensor-op map dispatches a dozen operations each way. A backend extension
//! ([`MaskedAffineOps`]) runs the kernel on Flex and NdArray tensors; its `Autodiff`
//! implementation keeps host copies of the inputs for the one graph node's backward pass,
//! [`kernel::affine_grads`].

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
use crate::cpu::kernel::affine::{self as kernel, Affine, AffineGrads};

/// The elementwise masked affine map as a backend operation.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Autodiff
)]
pub trait MaskedAffineOps: Backend {
    /// Applies `map` to `input` `[N, M]` with the parameters `params` `[N, M, 2]` (raw
    /// log-scale, shift); returns `[2, N, M]`: the outputs, then the log-derivatives. The
    /// default runs [`kernel::affine`] on the host, for the CPU backends.
    fn masked_affine(
        input: FloatTensor<Self>,
        params: FloatTensor<Self>,
        map: Affine,
    ) -> FloatTensor<Self> {
        on_host::<Self>(&read::<Self>([input, params]), &map)
    }
}

/// The masked affine map through the fused operation: `input` `[N, M]`, `params` `[N, M, 2]`;
/// returns the outputs and the log-derivatives, `[N, M]` each. Only for devices where
/// [`crate::cpu::fused::on_host`] holds.
pub fn masked_affine(input: Tensor<2>, params: Tensor<3>, map: Affine) -> (Tensor<2>, Tensor<2>) {
    let [n, m] = input.dims();
    let both: Tensor<3> = Tensor::from_dispatch(<Dispatch as MaskedAffineOps>::masked_affine(
        input.into_dispatch(),
        params.into_dispatch(),
        map,
    ));
    let part = |i: usize| both.clone().narrow(0, i, 1).reshape([n, m]);
    (part(0), part(1))
}

/// Host copies of the operation's inputs and where they live.
#[derive(Debug)]
struct HostInputs<D> {
    /// The input's values, `[N, M]` row-major.
    input: Vec<f32>,
    /// The input's shape `[N, M]`.
    shape: Vec<usize>,
    /// The parameters' values, `[N, M, 2]` row-major.
    params: Vec<f32>,
    /// The device of the inputs, where the results go.
    device: D,
}

/// Host copies of `[input, params]`, after checking that they are `[N, M]` and `[N, M, 2]`.
fn read<B: Backend>(inputs: [FloatTensor<B>; 2]) -> HostInputs<B::Device> {
    let device = inputs[0].device();
    let [(input, shape), (params, params_shape)] = inputs.map(host::<B>);
    assert!(
        shape.len() == 2 && params_shape == [shape[0], shape[1], 2],
        "the masked affine map needs input [N, M] and params [N, M, 2]; got {shape:?} and {params_shape:?}"
    );
    HostInputs {
        input,
        shape,
        params,
        device,
    }
}

/// Runs [`kernel::affine`] on `inputs`; returns its `[2, N, M]` result as a tensor of `B`.
fn on_host<B: Backend>(inputs: &HostInputs<B::Device>, map: &Affine) -> FloatTensor<B> {
    let out = kernel::affine(map, &inputs.input, &inputs.params);
    let shape = [&[2], &inputs.shape[..]].concat();
    tensor::<B>(out, shape, &inputs.device)
}

#[cfg(feature = "flex")]
impl MaskedAffineOps for burn::backend::Flex {}

#[cfg(feature = "ndarray")]
impl MaskedAffineOps for burn::backend::NdArray {}

/// The autodiff node of the fused masked affine map; its state holds the map and the host
/// copies of its inputs (shared, so that the state clones cheaply).
#[derive(Debug)]
struct MaskedAffineBackward;

impl<B: Backend> Backward<B, 2> for MaskedAffineBackward {
    type State = (Affine, Arc<HostInputs<B::Device>>);

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let (map, inputs) = ops.state;
        let grad = host::<B>(grads.consume::<B>(&ops.node)).0;
        let AffineGrads { input, params } =
            kernel::affine_grads(&map, &inputs.input, &inputs.params, &grad);
        let params_shape = [&inputs.shape[..], &[2]].concat();
        let parts = [(input, inputs.shape.clone()), (params, params_shape)];
        for (parent, (values, shape)) in ops.parents.into_iter().zip(parts) {
            if let Some(node) = parent {
                grads.register::<B>(node.id, tensor::<B>(values, shape, &inputs.device));
            }
        }
    }
}

impl<B: MaskedAffineOps, C: CheckpointStrategy> MaskedAffineOps for Autodiff<B, C> {
    fn masked_affine(
        input: FloatTensor<Self>,
        params: FloatTensor<Self>,
        map: Affine,
    ) -> FloatTensor<Self> {
        let primitives = [&input, &params].map(|t| t.primitive().clone());
        let prepared = MaskedAffineBackward
            .prepare::<C>([input.node(), params.node()])
            .compute_bound()
            .stateful();
        match prepared {
            OpsKind::Tracked(prep) => {
                let inputs = read::<B>(primitives);
                let out = on_host::<B>(&inputs, &map);
                prep.finish((map, Arc::new(inputs)), out)
            }
            OpsKind::UnTracked(prep) => {
                let [input, params] = primitives;
                prep.finish(B::masked_affine(input, params, map))
            }
        }
    }
}
