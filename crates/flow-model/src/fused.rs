//! The planar flow's log-density as one fused Burn operation on the CPU backends, with its
//! hand-derived backward pass registered in Burn's autodiff graph.
//!
//! A backend extension ([`PlanarLogProbOps`]) runs [`crate::kernel`] on Flex and NdArray
//! tensors; its `Autodiff` implementation records one graph node whose backward pass is
//! [`kernel::log_prob_grads`]. The inverse, which is never differentiated, runs on the host
//! directly ([`inverse`]). Other backends (wgpu) use the tensor-operation flow instead: see
//! [`supports`].

// Burn 0.22 marks NdArray deprecated; it stays supported here as long as Burn ships it.
#![allow(deprecated)]

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, TensorMetadata, backend_extension};
use burn::tensor::{Device, Tensor, TensorData, read_sync};

use crate::InverseSolver;
use crate::kernel::{self, LogProbGrads, PlanarParams};

/// The fused log-density of a planar flow as a backend operation.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Autodiff
)]
pub trait PlanarLogProbOps: Backend {
    /// `log p(x)` of the planar flow with parameters `w` `[K, D]`, `û` `[K, D]`, `b` `[K]`
    /// and `c = wᵀû` `[K]`, at the points `x` `[N, D]`: `[N]`. The default runs
    /// [`kernel::log_prob`] on the host, for the CPU backends.
    fn planar_log_prob(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u_hat: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        forward::<Self>([x, w, u_hat, b, c])
    }
}

/// Whether tensors on `device` can use the fused operation (the CPU backends).
pub fn supports(device: &Device) -> bool {
    match device.clone().inner().as_dispatch() {
        #[cfg(feature = "flex")]
        burn::backend::DispatchDevice::Flex(_) => true,
        #[cfg(feature = "ndarray")]
        burn::backend::DispatchDevice::NdArray(_) => true,
        _ => false,
    }
}

/// `log p(x)` through the fused operation: `x` `[N, D]`, `w` and `u_hat` `[K, D]`, `b` and
/// `c` `[K]`; the result is `[N]`. Only for devices where [`supports`] holds.
pub fn log_prob(
    x: Tensor<2>,
    w: Tensor<2>,
    u_hat: Tensor<2>,
    b: Tensor<1>,
    c: Tensor<1>,
) -> Tensor<1> {
    Tensor::from_dispatch(<Dispatch as PlanarLogProbOps>::planar_log_prob(
        x.into_dispatch(),
        w.into_dispatch(),
        u_hat.into_dispatch(),
        b.into_dispatch(),
        c.into_dispatch(),
    ))
}

/// The inverse of the flow on the host ([`kernel::inverse`]): `z` `[N, D]`, `w` and `u_hat`
/// `[K, D]`, `b` and `c` `[K]`. Returns the preimage `x` (`[N, D]`) and the forward map's
/// `Σ log|det J|` at `x` (`[N]`), on `z`'s device. Not differentiable; only for devices where
/// [`supports`] holds.
pub fn inverse(
    z: Tensor<2>,
    w: Tensor<2>,
    u_hat: Tensor<2>,
    b: Tensor<1>,
    c: Tensor<1>,
    solver: &InverseSolver,
) -> (Tensor<2>, Tensor<1>) {
    let device = z.device();
    let shape = z.dims();
    let [z, w, u_hat] = [z, w, u_hat].map(|t| f32_values(t.into_data()));
    let [b, c] = [b, c].map(|t| f32_values(t.into_data()));
    let params = PlanarParams {
        dim: shape[1],
        w: &w,
        u_hat: &u_hat,
        b: &b,
        c: &c,
    };
    let kernel::Inverted { x, log_det } = kernel::inverse(&params, &z, solver);
    (
        Tensor::from_data(TensorData::new(x, shape), &device),
        Tensor::from_data(TensorData::new(log_det, [shape[0]]), &device),
    )
}

/// A float tensor's values on the host, as `f32`.
pub(crate) fn host<B: Backend>(tensor: FloatTensor<B>) -> (Vec<f32>, Vec<usize>) {
    let data = read_sync(B::float_into_data(tensor)).expect("CPU tensors are always readable");
    let shape = data.shape().to_vec();
    (f32_values(data), shape)
}

/// The values of `data` as `f32`.
fn f32_values(data: TensorData) -> Vec<f32> {
    data.convert::<f32>()
        .try_into_vec::<f32>()
        .expect("converted to f32")
}

/// Host values as a float tensor of `B` on `device`.
pub(crate) fn tensor<B: Backend>(
    values: Vec<f32>,
    shape: Vec<usize>,
    device: &B::Device,
) -> FloatTensor<B> {
    B::float_from_data(TensorData::new(values, shape), device)
}

/// The inputs of the operation, `[x, w, û, b, c]`.
pub(crate) type Inputs<B> = [FloatTensor<B>; 5];

/// Host copies of the inputs of the operation.
pub(crate) struct HostInputs {
    pub(crate) dim: usize,
    pub(crate) x_shape: Vec<usize>,
    /// `[x, w, û, b, c]`.
    values: [Vec<f32>; 5],
}

impl HostInputs {
    pub(crate) fn read<B: Backend>(inputs: Inputs<B>) -> Self {
        let [(x, x_shape), (w, w_shape), u_hat, b, c] = inputs.map(host::<B>);
        assert_eq!(
            x_shape[1], w_shape[1],
            "x and w must have the same dimension D"
        );
        Self {
            dim: w_shape[1],
            x_shape,
            values: [x, w, u_hat.0, b.0, c.0],
        }
    }

    pub(crate) fn params(&self) -> PlanarParams<'_> {
        let [_, w, u_hat, b, c] = &self.values;
        PlanarParams {
            dim: self.dim,
            w,
            u_hat,
            b,
            c,
        }
    }

    pub(crate) fn x(&self) -> &[f32] {
        &self.values[0]
    }
}

/// The forward pass on a CPU backend.
fn forward<B: Backend>(inputs: Inputs<B>) -> FloatTensor<B> {
    let device = inputs[0].device();
    let host = HostInputs::read::<B>(inputs);
    let out = kernel::log_prob(&host.params(), host.x());
    tensor::<B>(out, vec![host.x_shape[0]], &device)
}

#[cfg(feature = "flex")]
impl PlanarLogProbOps for burn::backend::Flex {}

#[cfg(feature = "ndarray")]
impl PlanarLogProbOps for burn::backend::NdArray {}

/// The autodiff node of the fused log-density; its state holds the five inputs.
#[derive(Debug)]
struct PlanarLogProbBackward;

impl<B: Backend> Backward<B, 5> for PlanarLogProbBackward {
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
        let LogProbGrads { x, w, u_hat, b, c } =
            kernel::log_prob_grads(&host.params(), host.x(), &g);
        let (k, d) = (host.params().layers(), host.dim);
        let results = [
            (x, host.x_shape.clone()),
            (w, vec![k, d]),
            (u_hat, vec![k, d]),
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

impl<B: PlanarLogProbOps, C: CheckpointStrategy> PlanarLogProbOps for Autodiff<B, C> {
    fn planar_log_prob(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u_hat: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let inputs = [&x, &w, &u_hat, &b, &c].map(|t| t.primitive().clone());
        let prepared = PlanarLogProbBackward
            .prepare::<C>([x.node(), w.node(), u_hat.node(), b.node(), c.node()])
            .compute_bound()
            .stateful();
        let run = |[x, w, u_hat, b, c]: Inputs<B>| B::planar_log_prob(x, w, u_hat, b, c);
        match prepared {
            OpsKind::Tracked(prep) => {
                let out = run(inputs.clone());
                prep.finish(inputs, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(run(inputs)),
        }
    }
}
