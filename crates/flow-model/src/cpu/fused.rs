//! The planar flow's log-density as one fused Burn operation, with its hand-derived backward
//! pass registered in Burn's autodiff graph, and the inverse of the flow as another.
//!
//! Three backend extensions carry them: [`PlanarLogProbOps`] (the log-density),
//! [`PlanarLogProbGradOps`] (its backward pass, called only from the autodiff node) and
//! [`PlanarInverseOps`] (the inverse, never differentiated). Their default bodies run
//! [`crate::cpu::kernel`] on the host, for the CPU backends (Flex, NdArray); with the `wgpu`
//! feature, Burn's CubeCL backend runs them as GPU kernels (the `gpu` module). Other
//! backends use the tensor-operation flow instead: see [`supports`].
//!
//! Burn 0.22.1 APIs this relies on (they move between releases):
//! - `#[backend_extension]` (Burn's `extension` feature) writes the `Dispatch` routing of each
//!   trait to the backend behind a tensor's device. `Cube` selects the CubeCL backends (a
//!   selector of its own: there is no `Wgpu` one). With Burn's `fusion` feature, which wgpu
//!   runs with here, a Cube device's tensors belong to `Fusion<CubeBackend>`: the `Fusion`
//!   selector generates that implementation, which records the operation in the fusion
//!   stream as an opaque custom operation (pending fused work on its inputs runs first) and
//!   calls the `CubeBackend` implementation when the stream executes. It needs the output
//!   shapes up front, from the inputs' shapes alone: the `#[fusion(...)]` attributes.
//! - Autodiff: `Autodiff` routes autodiff tensors to the `Autodiff<B, C>` implementations
//!   written here. The log-density records one graph node through
//!   `Backward::prepare(..).compute_bound().stateful()` (`OpsKind::Tracked` keeps the four
//!   inputs as its state), and its `Backward::backward` reads the incoming gradient with
//!   `Gradients::consume` and registers each input's gradient with `Gradients::register`.
//!   The inverse unwraps and rewraps its tensors with `AutodiffBackend::inner` and
//!   `from_inner`, outside the graph.

// Burn 0.22 marks NdArray deprecated; it stays supported here as long as Burn ships it.
#![allow(deprecated)]

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    Autodiff, AutodiffBackend, Backend, Dispatch, TensorMetadata, backend_extension,
};
use burn::tensor::{Device, Tensor, TensorData, read_sync};

use crate::InverseSolver;
use crate::cpu::kernel::{self, LogProbGrads, PlanarParams};

/// The fused log-density of a planar flow as a backend operation.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Cube: cfg(feature = "wgpu"),
    Fusion: cfg(feature = "wgpu"),
    Autodiff
)]
pub trait PlanarLogProbOps: Backend {
    /// `log p(x)` of the planar flow with the raw parameters `w` `[K, D]`, `u` `[K, D]` and
    /// `b` `[K]` (the operation reparametrises `u` into `û` itself, see
    /// [`kernel::reparametrise`]), at the points `x` `[N, D]`: `[N]`. The default runs
    /// [`kernel::log_prob`] on the host, for the CPU backends.
    #[fusion(dtype = x, shape = { let points = x[0]; burn::tensor::Shape::new([points]) })]
    fn planar_log_prob(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u: FloatTensor<Self>,
        b: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        forward::<Self>([x, w, u, b])
    }
}

/// The backward pass of [`PlanarLogProbOps::planar_log_prob`], run by its autodiff node on
/// the inner backend (so no `Autodiff` routing).
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Cube: cfg(feature = "wgpu"),
    Fusion: cfg(feature = "wgpu")
)]
pub trait PlanarLogProbGradOps: Backend {
    /// The gradient of `Σ_n g_n log p(x_n)` with respect to `(x, w, u, b)`, shaped like
    /// them, with `g` `[N]` the gradient flowing into the log-densities. The default runs
    /// [`kernel::log_prob_grads`] and [`kernel::reparametrise_grads`] on the host, for the
    /// CPU backends.
    #[fusion(meta = |x, w, u, b, _g| (x.clone(), w.clone(), u.clone(), b.clone()))]
    #[allow(clippy::type_complexity)]
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
        grads::<Self>([x, w, u, b], g)
    }
}

/// The inverse of a planar flow as a backend operation (not differentiable).
#[backend_extension(
    Flex: cfg(feature = "flex"),
    NdArray: cfg(feature = "ndarray"),
    Cube: cfg(feature = "wgpu"),
    Fusion: cfg(feature = "wgpu"),
    Autodiff
)]
pub trait PlanarInverseOps: Backend {
    /// The points `x` that the flow (parameters as in
    /// [`PlanarLogProbOps::planar_log_prob`]) maps to `z` `[N, D]`, each layer inverted by
    /// `solver`'s root finder, joined with the forward map's `Σ log|det J|` at them:
    /// `[N, D + 1]` (an operation has one output). The default runs [`kernel::inverse`] on
    /// the host, for the CPU backends.
    #[fusion(dtype = z, shape = { let s = z; burn::tensor::Shape::new([s[0], s[1] + 1]) })]
    fn planar_inverse(
        z: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u_hat: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        solver: InverseSolver,
    ) -> FloatTensor<Self> {
        inverse_host::<Self>([z, w, u_hat, b, c], &solver)
    }
}

/// Whether tensors on `device` can use the fused log-density and inverse: the CPU backends,
/// and wgpu with the `wgpu` feature.
pub fn supports(device: &Device) -> bool {
    match device.clone().inner().as_dispatch() {
        #[cfg(feature = "wgpu")]
        burn::backend::DispatchDevice::Cube(_) => true,
        _ => on_host(device),
    }
}

/// Whether tensors on `device` live on the host (the CPU backends, Flex and NdArray), where
/// every fused operation of this crate runs, the planar map of [`crate::cpu::fused_forward`]
/// included.
pub fn on_host(device: &Device) -> bool {
    match device.clone().inner().as_dispatch() {
        #[cfg(feature = "flex")]
        burn::backend::DispatchDevice::Flex(_) => true,
        #[cfg(feature = "ndarray")]
        burn::backend::DispatchDevice::NdArray(_) => true,
        _ => false,
    }
}

/// `log p(x)` through the fused operation: `x` `[N, D]`, the raw parameters `w` and `u`
/// `[K, D]` and `b` `[K]`; the result is `[N]`. Only for devices where [`supports`] holds.
pub fn log_prob(x: Tensor<2>, w: Tensor<2>, u: Tensor<2>, b: Tensor<1>) -> Tensor<1> {
    Tensor::from_dispatch(<Dispatch as PlanarLogProbOps>::planar_log_prob(
        x.into_dispatch(),
        w.into_dispatch(),
        u.into_dispatch(),
        b.into_dispatch(),
    ))
}

/// The inverse of the flow ([`PlanarInverseOps::planar_inverse`]): `z` `[N, D]`, `w` and
/// `u_hat` `[K, D]`, `b` and `c` `[K]`. Returns the preimage `x` (`[N, D]`) and the forward
/// map's `Σ log|det J|` at `x` (`[N]`), on `z`'s device. Not differentiable; only for devices
/// where [`supports`] holds.
pub fn inverse(
    z: Tensor<2>,
    w: Tensor<2>,
    u_hat: Tensor<2>,
    b: Tensor<1>,
    c: Tensor<1>,
    solver: &InverseSolver,
) -> (Tensor<2>, Tensor<1>) {
    let [n, dim] = z.dims();
    let joined: Tensor<2> = Tensor::from_dispatch(<Dispatch as PlanarInverseOps>::planar_inverse(
        z.into_dispatch(),
        w.into_dispatch(),
        u_hat.into_dispatch(),
        b.into_dispatch(),
        c.into_dispatch(),
        *solver,
    ));
    let log_det = joined.clone().narrow(1, dim, 1).reshape([n]);
    (joined.narrow(1, 0, dim), log_det)
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

/// The inputs of the inverse, `[z, w, û, b, c]`.
pub(crate) type Inputs<B> = [FloatTensor<B>; 5];

/// The inputs of the log-density, with the raw parameters: `[x, w, u, b]`.
pub(crate) type RawInputs<B> = [FloatTensor<B>; 4];

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

    /// Host copies of the raw inputs `[x, w, u, b]`, reparametrised, and `u` itself.
    pub(crate) fn read_raw<B: Backend>(inputs: RawInputs<B>) -> (Self, Vec<f32>) {
        let [(x, x_shape), (w, w_shape), (u, _), (b, _)] = inputs.map(host::<B>);
        assert_eq!(
            x_shape[1], w_shape[1],
            "x and w must have the same dimension D"
        );
        let dim = w_shape[1];
        let (u_hat, c) = kernel::reparametrise(dim, &u, &w);
        let values = [x, w, u_hat, b, c];
        (
            Self {
                dim,
                x_shape,
                values,
            },
            u,
        )
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
fn forward<B: Backend>(inputs: RawInputs<B>) -> FloatTensor<B> {
    let device = inputs[0].device();
    let (host, _) = HostInputs::read_raw::<B>(inputs);
    let out = kernel::log_prob(&host.params(), host.x());
    tensor::<B>(out, vec![host.x_shape[0]], &device)
}

/// The backward pass on a CPU backend: the gradients of `Σ g log p` with respect to the
/// inputs, in their order.
#[allow(clippy::type_complexity)]
fn grads<B: Backend>(
    inputs: RawInputs<B>,
    g: FloatTensor<B>,
) -> (
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
) {
    let (g, _) = host::<B>(g);
    host_raw_grads::<B>(inputs, |params, x| kernel::log_prob_grads(params, x, &g))
}

/// The gradients with respect to the raw inputs `(x, w, u, b)` on a CPU backend, from those
/// with respect to `(x, w, û, b, c)` that `kernel_grads` computes at the reparametrised
/// parameters and the points.
#[allow(clippy::type_complexity)]
pub(crate) fn host_raw_grads<B: Backend>(
    inputs: RawInputs<B>,
    kernel_grads: impl FnOnce(&PlanarParams, &[f32]) -> LogProbGrads,
) -> (
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
) {
    let device = inputs[0].device();
    let (host, u) = HostInputs::read_raw::<B>(inputs);
    let params = host.params();
    let LogProbGrads {
        x,
        mut w,
        u_hat,
        b,
        c,
    } = kernel_grads(&params, host.x());
    let (k, d) = (params.layers(), host.dim);
    let u = kernel::reparametrise_grads(d, &u, params.w, &u_hat, &c, &mut w);
    let on_device = |values, shape| tensor::<B>(values, shape, &device);
    (
        on_device(x, host.x_shape.clone()),
        on_device(w, vec![k, d]),
        on_device(u, vec![k, d]),
        on_device(b, vec![k]),
    )
}

/// The inverse on a CPU backend, `[N, D + 1]`; the first input holds the latent points.
fn inverse_host<B: Backend>(inputs: Inputs<B>, solver: &InverseSolver) -> FloatTensor<B> {
    let device = inputs[0].device();
    let host = HostInputs::read::<B>(inputs);
    let kernel::Inverted { x, log_det } = kernel::inverse(&host.params(), host.x(), solver);
    let (n, dim) = (host.x_shape[0], host.dim);
    tensor::<B>(join_columns(&x, &log_det, dim), vec![n, dim + 1], &device)
}

/// Rows of `dim` values of `rows` (`[N, D]`), each followed by its value of `last` (`[N]`):
/// `[N, D + 1]`.
pub(crate) fn join_columns(rows: &[f32], last: &[f32], dim: usize) -> Vec<f32> {
    let mut joined = Vec::with_capacity(rows.len() + last.len());
    for (row, &value) in rows.chunks(dim).zip(last) {
        joined.extend_from_slice(row);
        joined.push(value);
    }
    joined
}

#[cfg(feature = "flex")]
impl PlanarLogProbOps for burn::backend::Flex {}
#[cfg(feature = "flex")]
impl PlanarLogProbGradOps for burn::backend::Flex {}
#[cfg(feature = "flex")]
impl PlanarInverseOps for burn::backend::Flex {}

#[cfg(feature = "ndarray")]
impl PlanarLogProbOps for burn::backend::NdArray {}
#[cfg(feature = "ndarray")]
impl PlanarLogProbGradOps for burn::backend::NdArray {}
#[cfg(feature = "ndarray")]
impl PlanarInverseOps for burn::backend::NdArray {}

/// The autodiff node of the fused log-density; its state holds the four inputs.
#[derive(Debug)]
struct PlanarLogProbBackward;

impl<B: PlanarLogProbGradOps> Backward<B, 4> for PlanarLogProbBackward {
    type State = RawInputs<B>;

    fn backward(
        self,
        ops: Ops<Self::State, 4>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        register_grads::<B, 4>(ops, grads, |[x, w, u, b], g| {
            let (x, w, u, b) = B::planar_log_prob_grads(x, w, u, b, g);
            [x, w, u, b]
        });
    }
}

impl<B: PlanarLogProbOps + PlanarLogProbGradOps, C: CheckpointStrategy> PlanarLogProbOps
    for Autodiff<B, C>
{
    fn planar_log_prob(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u: FloatTensor<Self>,
        b: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        record::<B, C, _, 4>(PlanarLogProbBackward, [x, w, u, b], |[x, w, u, b]| {
            B::planar_log_prob(x, w, u, b)
        })
    }
}

/// The body of the backward pass of an operation recorded by [`record`]: takes the gradient
/// flowing into its output, has `input_grads` turn it and the saved inputs into the inputs'
/// gradients, and registers those of the tracked inputs.
pub(crate) fn register_grads<B: Backend, const N: usize>(
    ops: Ops<[FloatTensor<B>; N], N>,
    grads: &mut Gradients,
    input_grads: impl FnOnce([FloatTensor<B>; N], FloatTensor<B>) -> [FloatTensor<B>; N],
) {
    let g = grads.consume::<B>(&ops.node);
    for (parent, grad) in ops.parents.into_iter().zip(input_grads(ops.state, g)) {
        if let Some(node) = parent {
            grads.register::<B>(node.id, grad);
        }
    }
}

/// Runs `run` on the inner tensors of the `N` `inputs` and records `backward` as the
/// autodiff node of its output (when any input is tracked), keeping the inputs as its state:
/// the `Autodiff` side of a fused operation with a hand-derived backward.
pub(crate) fn record<B, C, O, const N: usize>(
    backward: O,
    inputs: [FloatTensor<Autodiff<B, C>>; N],
    run: impl FnOnce([FloatTensor<B>; N]) -> FloatTensor<B>,
) -> FloatTensor<Autodiff<B, C>>
where
    B: Backend,
    C: CheckpointStrategy,
    O: Backward<B, N, State = [FloatTensor<B>; N]>,
{
    let primitives = inputs.each_ref().map(|t| t.primitive().clone());
    let prepared = backward
        .prepare::<C>(inputs.map(|t| t.node()))
        .compute_bound()
        .stateful();
    match prepared {
        OpsKind::Tracked(prep) => {
            let out = run(primitives.clone());
            prep.finish(primitives, out)
        }
        OpsKind::UnTracked(prep) => prep.finish(run(primitives)),
    }
}

impl<B: PlanarInverseOps, C: CheckpointStrategy> PlanarInverseOps for Autodiff<B, C> {
    fn planar_inverse(
        z: FloatTensor<Self>,
        w: FloatTensor<Self>,
        u_hat: FloatTensor<Self>,
        b: FloatTensor<Self>,
        c: FloatTensor<Self>,
        solver: InverseSolver,
    ) -> FloatTensor<Self> {
        let [z, w, u_hat, b, c] = [z, w, u_hat, b, c].map(Self::inner);
        Self::from_inner(B::planar_inverse(z, w, u_hat, b, c, solver))
    }
}
