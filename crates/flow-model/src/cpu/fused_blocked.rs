//! A MADE layer `act(h · W + b)` as one fused Burn operation on the CPU backends, computed
//! block by block ([`crate::cpu::kernel::blocked`]), with its hand-derived backward pass
//! registered in Burn's autodiff graph.
//!
//! A backend extension ([`BlockedLinearOps`]) runs the kernel on Flex and NdArray tensors.
//! Flex's contiguous tensors are read in place (a copy of each layer's input, as other fused
//! operations make, would cost what the blocks save); others are copied to the host. The
//! `Autodiff` implementation keeps the input, the weight and the output (shared, not copied)
//! for the one graph node's backward pass, [`kernel::backward`].

// Burn 0.22 marks NdArray deprecated; it stays supported here as long as Burn ships it.
#![allow(deprecated)]

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, TensorMetadata, backend_extension};
use burn::tensor::Tensor;

use crate::cpu::fused::{host, tensor};
use crate::cpu::kernel::blocked::{self as kernel, BlockedGrads, BlockedLayer, Sizes};

/// A MADE layer computed block by block, as a backend operation.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Autodiff
)]
pub trait BlockedLinearOps: Backend {
    /// `act(h · W + b)` for `h` `[N, I]`, `weight` `[I, O]` (zero outside the layer's blocks)
    /// and `bias` `[O]`; returns `[N, O]`. The default runs [`kernel::forward`] on the host,
    /// for the CPU backends.
    fn blocked_linear(
        h: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        layer: BlockedLayer,
    ) -> FloatTensor<Self> {
        forward::<Self>(&h, &weight, &bias, &layer)
    }
}

/// `act(h · W + b)` through the fused operation: `h` `[N, I]`, `weight` `[I, O]` (zero
/// outside `layer`'s blocks), `bias` `[O]`; returns `[N, O]`. Only for devices where
/// [`crate::cpu::fused::on_host`] holds.
pub fn blocked_linear(
    h: Tensor<2>,
    weight: Tensor<2>,
    bias: Tensor<1>,
    layer: BlockedLayer,
) -> Tensor<2> {
    Tensor::from_dispatch(<Dispatch as BlockedLinearOps>::blocked_linear(
        h.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        layer,
    ))
}

/// Runs `read` on the values of `t`, in place for a contiguous Flex tensor of `f32`, else on
/// a host copy.
fn with_values<B: Backend, R>(t: &FloatTensor<B>, read: impl FnOnce(&[f32]) -> R) -> R {
    #[cfg(feature = "flex")]
    if let Some(values) = (t as &dyn std::any::Any)
        .downcast_ref::<burn_flex::FlexTensor>()
        .and_then(|flex| flex.as_slice::<f32>())
    {
        return read(values);
    }
    read(&host::<B>(t.clone()).0)
}

/// The sizes `N`, `I`, `O` of a layer, after checking that `h`, `weight` and `bias` are
/// `[N, I]`, `[I, O]` and `[O]`.
fn sizes<B: Backend>(h: &FloatTensor<B>, weight: &FloatTensor<B>, bias: &FloatTensor<B>) -> Sizes {
    let (h, w, b) = (h.shape(), weight.shape(), bias.shape());
    assert!(
        h.len() == 2 && w.len() == 2 && h[1] == w[0] && b.len() == 1 && b[0] == w[1],
        "a blocked layer needs h [N, I], W [I, O] and b [O]; got {h:?}, {w:?} and {b:?}"
    );
    Sizes {
        rows: h[0],
        inputs: w[0],
        outputs: w[1],
    }
}

/// The layer's output `[N, O]` as a tensor of `B`.
fn forward<B: Backend>(
    h: &FloatTensor<B>,
    weight: &FloatTensor<B>,
    bias: &FloatTensor<B>,
    layer: &BlockedLayer,
) -> FloatTensor<B> {
    let sizes = sizes::<B>(h, weight, bias);
    let out = with_values::<B, _>(h, |h| {
        with_values::<B, _>(weight, |w| {
            with_values::<B, _>(bias, |b| kernel::forward(layer, sizes, h, w, b))
        })
    });
    tensor::<B>(out, vec![sizes.rows, sizes.outputs], &h.device())
}

#[cfg(feature = "flex")]
impl BlockedLinearOps for burn::backend::Flex {}

#[cfg(feature = "ndarray")]
impl BlockedLinearOps for burn::backend::NdArray {}

/// What the backward pass of a blocked layer needs: the layer, its input, weight and output.
#[derive(Debug, Clone)]
struct Saved<B: Backend> {
    layer: BlockedLayer,
    h: FloatTensor<B>,
    weight: FloatTensor<B>,
    out: FloatTensor<B>,
    sizes: Sizes,
}

/// The autodiff node of a blocked layer.
#[derive(Debug)]
struct BlockedLinearBackward;

impl<B: Backend> Backward<B, 3> for BlockedLinearBackward {
    type State = Saved<B>;

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let saved = ops.state;
        let grad = grads.consume::<B>(&ops.node);
        let device = grad.device();
        let BlockedGrads {
            input,
            weight,
            bias,
        } = with_values::<B, _>(&saved.h, |h| {
            with_values::<B, _>(&saved.weight, |w| {
                with_values::<B, _>(&saved.out, |out| {
                    with_values::<B, _>(&grad, |g| {
                        kernel::backward(&saved.layer, saved.sizes, h, w, out, g)
                    })
                })
            })
        });
        let Sizes {
            rows,
            inputs,
            outputs,
        } = saved.sizes;
        let parts = [
            (input, vec![rows, inputs]),
            (weight, vec![inputs, outputs]),
            (bias, vec![outputs]),
        ];
        for (parent, (values, shape)) in ops.parents.into_iter().zip(parts) {
            if let Some(node) = parent {
                grads.register::<B>(node.id, tensor::<B>(values, shape, &device));
            }
        }
    }
}

impl<B: BlockedLinearOps, C: CheckpointStrategy> BlockedLinearOps for Autodiff<B, C> {
    fn blocked_linear(
        h: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        layer: BlockedLayer,
    ) -> FloatTensor<Self> {
        let [h_inner, w_inner, b_inner] = [&h, &weight, &bias].map(|t| t.primitive().clone());
        let prepared = BlockedLinearBackward
            .prepare::<C>([h.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful();
        match prepared {
            OpsKind::Tracked(prep) => {
                let sizes = sizes::<B>(&h_inner, &w_inner, &b_inner);
                let out = forward::<B>(&h_inner, &w_inner, &b_inner, &layer);
                let saved = Saved {
                    layer,
                    h: h_inner,
                    weight: w_inner,
                    out: out.clone(),
                    sizes,
                };
                prep.finish(saved, out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::blocked_linear(h_inner, w_inner, b_inner, layer))
            }
        }
    }
}
