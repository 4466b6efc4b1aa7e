//! The fused masked affine map of the CPU backends against the tensor operations and against
//! an f64 evaluation of its formula: same outputs and log-derivatives, same gradients for the
//! inputs and the parameters, in both directions.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{AffineDirection, MaskedAffine, masked_affine, masked_affine_tensor_ops};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::common::floats;

const DIRECTIONS: [AffineDirection; 2] = [AffineDirection::Forward, AffineDirection::Inverse];

/// `|a − b| ≤ 1e-5 · max(1, |b|)` for every pair.
fn assert_close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-5 * y.abs().max(1.0),
            "{what}[{i}]: {x} against {y}"
        );
    }
}

/// `[n, m]` inputs in `±3` and `[n, m, 2]` parameters: raw log-scales in `±12` (past the soft
/// clip's bend at `L = 3`), shifts in `±2`.
fn inputs(n: usize, m: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = (0..n * m).map(|_| rng.random_range(-3.0..3.0)).collect();
    let params = (0..n * m)
        .flat_map(|_| [rng.random_range(-12.0..12.0), rng.random_range(-2.0..2.0)])
        .collect();
    (x, params)
}

/// The map in f64: the output and the log-derivative of one element.
fn exact(x: f64, raw: f64, shift: f64, direction: AffineDirection) -> (f64, f64) {
    let bound = MaskedAffine::LOG_SCALE_BOUND;
    let s = bound * (raw / bound).tanh();
    match direction {
        AffineDirection::Forward => (x * s.exp() + shift, s),
        AffineDirection::Inverse => ((x - shift) * (-s).exp(), -s),
    }
}

#[test]
fn the_fused_map_gives_the_exact_values() {
    let device = Device::flex();
    for direction in DIRECTIONS {
        let (n, m) = (300, 3);
        let (x, params) = inputs(n, m, 1);
        let (y, ld) = masked_affine(
            Tensor::from_data(TensorData::new(x.clone(), [n, m]), &device),
            Tensor::from_data(TensorData::new(params.clone(), [n, m, 2]), &device),
            direction,
        );
        let expected: Vec<(f64, f64)> = (0..n * m)
            .map(|e| {
                let p = |k: usize| f64::from(params[2 * e + k]);
                exact(f64::from(x[e]), p(0), p(1), direction)
            })
            .collect();
        let what = format!("{direction:?}");
        let values: Vec<f64> = expected.iter().map(|e| e.0).collect();
        let logs: Vec<f64> = expected.iter().map(|e| e.1).collect();
        assert_close(&floats(y), &values, &format!("{what} outputs"));
        assert_close(&floats(ld), &logs, &format!("{what} log-derivatives"));
    }
}

#[test]
fn the_fused_map_has_the_gradients_of_the_tensor_operations() {
    let device = Device::flex().autodiff();
    for direction in DIRECTIONS {
        for (n, m) in [(1, 1), (64, 5), (1000, 2)] {
            let (x, params) = inputs(n, m, 2 + n as u64);
            // A loss weighting every output and log-derivative differently.
            let (_, b) = inputs(n, m, 7);
            let weights = Tensor::<1>::from_data(TensorData::new(b, [2 * n * m]), &device);
            let (wy, wl) = (
                weights.clone().narrow(0, 0, n * m).reshape([n, m]),
                weights.narrow(0, n * m, n * m).reshape([n, m]),
            );
            let run = |fused: bool| {
                let x =
                    Tensor::from_data(TensorData::new(x.clone(), [n, m]), &device).require_grad();
                let p = Tensor::from_data(TensorData::new(params.clone(), [n, m, 2]), &device)
                    .require_grad();
                let (y, ld) = if fused {
                    masked_affine(x.clone(), p.clone(), direction)
                } else {
                    masked_affine_tensor_ops(x.clone(), p.clone(), direction)
                };
                let loss = (y.clone() * wy.clone() + ld.clone() * wl.clone()).sum();
                let grads = loss.backward();
                let gx = floats(x.grad(&grads).expect("x has a gradient"));
                let gp = floats(p.grad(&grads).expect("the params have a gradient"));
                (floats(y), floats(ld), gx, gp)
            };
            let (fused, reference) = (run(true), run(false));
            let what = format!("{direction:?}, [{n}, {m}]");
            assert_close(&fused.0, &reference.0, &format!("{what} outputs"));
            assert_close(&fused.1, &reference.1, &format!("{what} log-derivatives"));
            assert_close(&fused.2, &reference.2, &format!("{what} ∂/∂x"));
            assert_close(&fused.3, &reference.3, &format!("{what} ∂/∂params"));
        }
    }
}
