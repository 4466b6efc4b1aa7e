//! The fused log-density of the CPU backends against the plain tensor operations: same
//! values and same gradients, for the parameters and for the points.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::cpu::fused;
use flow_model::{Flow, FlowConfig, PlanarConfig};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::common::{
    assert_all_close, assert_same, floats, planar_of, reparametrisation_branches, uniform,
    values_and_gradients,
};

/// A flow with parameters drawn from U(−1.5, 1.5), and a source of values in `(−b, b)`,
/// both from `seed`.
fn random_flow(
    dim: usize,
    layers: usize,
    seed: u64,
    device: &Device,
) -> (Flow, impl FnMut(usize, f32) -> Vec<f32>) {
    let flow = FlowConfig::new(dim, PlanarConfig::new(layers).with_init_bound(Some(1.5)))
        .with_seed(seed)
        .init(device)
        .unwrap();
    let mut rng = StdRng::seed_from_u64(seed);
    let draw = move |count: usize, bound: f32| -> Vec<f32> {
        (0..count)
            .map(|_| rng.random_range(-bound..bound))
            .collect()
    };
    (flow, draw)
}

#[test]
fn fused_log_prob_matches_the_tensor_operations() {
    let device = Device::flex().autodiff();
    assert!(fused::supports(&device));
    // The sizes cross the kernel's chunk (256 points) and thread (16 384 points) boundaries.
    for (dim, layers, n, seed) in [
        (2, 8, 300, 1),
        (2, 32, 1024, 2),
        (3, 5, 257, 3),
        (1, 4, 40, 4),
        (2, 16, 40_000, 5),
    ] {
        let (flow, mut draw) = random_flow(dim, layers, seed, &device);
        let points = draw(n * dim, 5.0);
        let weights = draw(n, 1.0);
        let x = || Tensor::<2>::from_data(TensorData::new(points.clone(), [n, dim]), &device);
        let g = || Tensor::<1>::from_data(TensorData::new(weights.clone(), [n]), &device);

        let fast = values_and_gradients(&flow, x(), g(), true);
        let reference = values_and_gradients(&flow, x(), g(), false);
        assert_same(
            &format!("D={dim} K={layers} N={n}"),
            &fast,
            &reference,
            true,
        );
    }
}

#[test]
fn fused_log_prob_takes_every_branch_of_the_reparametrisation_like_the_tensor_operations() {
    // The fused operation reparametrises u itself (on the host here): its values and its
    // gradients for u and w must follow each branch of the tensor operations' û and c.
    let device = Device::flex().autodiff();
    let flow = reparametrisation_branches(&device);
    let n = 200;
    let x = || Tensor::<2>::from_data(TensorData::new(uniform(2 * n, 3.0, 21), [n, 2]), &device);
    let g = || Tensor::<1>::from_data(TensorData::new(uniform(n, 1.0, 22), [n]), &device);
    let fast = values_and_gradients(&flow, x(), g(), true);
    let reference = values_and_gradients(&flow, x(), g(), false);
    assert_all_close("log p", &fast.log_p, &reference.log_p, 1e-5, false);
    assert_all_close("∂/∂(u, w, b)", &fast.params, &reference.params, 1e-5, true);
}

#[test]
fn fused_log_prob_runs_without_autodiff_and_keeps_nan() {
    let device = Device::flex();
    let flow = FlowConfig::new(2, PlanarConfig::new(4))
        .init(&device)
        .unwrap();
    let x = Tensor::<2>::from_floats([[0.5, -1.0], [f32::NAN, 0.0], [1e6, 1e6]], &device);
    let fast = floats(flow.log_prob(x.clone()));
    let reference = floats(flow.log_prob_tensor_ops(x));
    assert!(fast[1].is_nan() && reference[1].is_nan());
    assert_all_close(
        "log p",
        &[fast[0], fast[2]],
        &[reference[0], reference[2]],
        1e-5,
        false,
    );
}

#[test]
fn fused_log_prob_of_every_small_dimension_matches_f64() {
    // For D ≤ 4 the kernel runs blocks of points through all layers in registers (keeping the
    // activations with autodiff, keeping none without); D = 5 and 7 take the loop over the
    // chunk. The sizes cross the block (64 points), chunk (256) and thread (16 384) boundaries,
    // and K is not always a multiple of the 4 layers per logarithm.
    for device in [Device::flex(), Device::flex().autodiff()] {
        for (dim, layers, n, seed) in [
            (1, 7, 1, 11),
            (2, 32, 65, 12),
            (2, 9, 40_000, 13),
            (3, 5, 300, 14),
            (4, 6, 257, 15),
            (5, 4, 33, 16),
            (7, 3, 300, 17),
        ] {
            let (flow, mut draw) = random_flow(dim, layers, seed, &device);
            let points = draw(n * dim, 5.0);
            let x = Tensor::<2>::from_data(TensorData::new(points.clone(), [n, dim]), &device);
            let fast = floats(flow.log_prob(x));
            let truth: Vec<f64> = points
                .chunks(dim)
                .map(|p| log_prob_f64(&flow, &p.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()))
                .collect();
            for (i, (fast, truth)) in fast.iter().zip(&truth).enumerate() {
                assert!(
                    (fast - truth).abs() <= 5e-6 * truth.abs().max(1.0),
                    "log p, D={dim} K={layers} N={n}, autodiff {}, point {i}: {fast} vs {truth}",
                    device.is_autodiff()
                );
            }
        }
    }
}

/// `log p(x)` in f64, straight from the definitions, for one point.
fn log_prob_f64(flow: &Flow, x: &[f64]) -> f64 {
    let planar = planar_of(flow);
    let dim = planar.dim();
    let (us, ws, bs) = (
        floats(planar.u.val()),
        floats(planar.w.val()),
        floats(planar.b.val()),
    );
    let mut z = x.to_vec();
    let mut log_det = 0.0;
    for (k, &b) in bs.iter().enumerate() {
        let (u, w) = (&us[k * dim..(k + 1) * dim], &ws[k * dim..(k + 1) * dim]);
        let dot = |p: &[f64], q: &[f64]| p.iter().zip(q).map(|(p, q)| p * q).sum::<f64>();
        let wu = dot(w, u);
        let m = -1.0 + wu.max(0.0) + (-wu.abs()).exp().ln_1p();
        let ww = dot(w, w);
        let u_hat: Vec<f64> = u
            .iter()
            .zip(w)
            .map(|(u, wi)| u + (m - wu) * wi / ww)
            .collect();
        let h = (dot(w, &z) + b).tanh();
        log_det += (1.0 + (1.0 - h * h) * m).abs().ln();
        for (z, u) in z.iter_mut().zip(&u_hat) {
            *z += u * h;
        }
    }
    log_det
        - 0.5 * z.iter().map(|z| z * z).sum::<f64>()
        - 0.5 * z.len() as f64 * (2.0 * std::f64::consts::PI).ln()
}

#[test]
fn fused_and_tensor_ops_are_equally_close_to_f64() {
    let device = Device::flex().autodiff();
    let (dim, layers, n, seed) = (2, 32, 1024, 2);
    let (flow, mut draw) = random_flow(dim, layers, seed, &device);
    let points = draw(n * dim, 5.0);
    let x = || Tensor::<2>::from_data(TensorData::new(points.clone(), [n, dim]), &device);
    let g = || Tensor::<1>::ones([n], &device);
    let paths = [true, false].map(|fused| values_and_gradients(&flow, x(), g(), fused));
    // Errors of [fused, tensor ops]: of log p, relative; of ∂ log p/∂x against central
    // differences of the f64 log-density, relative to max(|∂|, 1e-3). Where the gradient is
    // small it is a difference of larger terms and both paths lose digits, each at its own
    // points (û and c are rounded differently: f64 on the host, f32 in the tensor
    // operations), so the gradients are compared by their median error.
    let mut log_p_error = [0.0f64; 2];
    let mut grad_errors = [Vec::new(), Vec::new()];
    for i in 0..n {
        let p: Vec<f64> = points[i * dim..(i + 1) * dim]
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        let truth = log_prob_f64(&flow, &p);
        for (error, path) in log_p_error.iter_mut().zip(&paths) {
            *error = error.max((path.log_p[i] - truth).abs() / truth.abs().max(1.0));
        }
        for d in 0..dim {
            let step = 1e-6;
            let shifted = |by: f64| {
                let mut q = p.clone();
                q[d] += by;
                log_prob_f64(&flow, &q)
            };
            let truth = (shifted(step) - shifted(-step)) / (2.0 * step);
            for (errors, path) in grad_errors.iter_mut().zip(&paths) {
                errors.push((path.points[i * dim + d] - truth).abs() / truth.abs().max(1e-3));
            }
        }
    }
    let [fused_log_p, ops_log_p] = log_p_error;
    let [fused_grad, ops_grad] = grad_errors.each_ref().map(|e| {
        let mut sorted = e.clone();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    });
    let fused_worst = grad_errors[0].iter().fold(0.0f64, |m, &e| m.max(e));
    assert!(
        fused_log_p < 5e-6 && fused_log_p <= 2.0 * ops_log_p,
        "log p: fused {fused_log_p:e}, tensor ops {ops_log_p:e}"
    );
    assert!(
        fused_worst < 5e-3,
        "∂/∂x: worst fused error {fused_worst:e}"
    );
    assert!(
        fused_grad < 5e-6 && fused_grad <= 2.0 * ops_grad,
        "∂/∂x, median: fused {fused_grad:e}, tensor ops {ops_grad:e}"
    );
}
