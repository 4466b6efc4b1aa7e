//! Every transform's log-determinant, in both directions, against the log-determinant of
//! the Jacobian that autodiff computes.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{BaseKind, Bijection, Direction, Transform};

use crate::common::{floats, log_abs_det, random_flow, small_families, uniform};

/// `log|det ∂map/∂x|` per point from autodiff, for `points` (`[n, dim]` row-major).
pub fn autodiff_log_dets(
    map: impl Fn(Tensor<2>) -> (Tensor<2>, Tensor<1>),
    points: &[f32],
    dim: usize,
    device: &Device,
) -> (Vec<f64>, Vec<f64>) {
    let n = points.len() / dim;
    // Row i of every point's Jacobian is the gradient of Σ_points y_i (points are independent).
    let mut jacobians = vec![0.0f64; n * dim * dim];
    let mut reported = Vec::new();
    for i in 0..dim {
        let x = Tensor::<2>::from_data(TensorData::new(points.to_vec(), [n, dim]), device)
            .require_grad();
        let (y, log_det) = map(x.clone());
        if i == 0 {
            reported = floats(log_det);
        }
        let grads = y.narrow(1, i, 1).sum().backward();
        let row = floats(x.grad(&grads).unwrap());
        for p in 0..n {
            for j in 0..dim {
                jacobians[p * dim * dim + i * dim + j] = row[p * dim + j];
            }
        }
    }
    let numeric = (0..n)
        .map(|p| log_abs_det(jacobians[p * dim * dim..(p + 1) * dim * dim].to_vec(), dim))
        .collect();
    (numeric, reported)
}

fn check(what: &str, transform: &Transform, dim: usize, device: &Device) {
    let points = uniform(24 * dim, 4.0, 17);
    for (direction, numeric_and_reported) in [
        (
            "forward",
            autodiff_log_dets(|x| transform.forward(x), &points, dim, device),
        ),
        (
            "inverse",
            autodiff_log_dets(|x| transform.inverse(x), &points, dim, device),
        ),
    ] {
        let (numeric, reported) = numeric_and_reported;
        for (p, (a, b)) in numeric.iter().zip(&reported).enumerate() {
            assert!(
                (a - b).abs() <= 1e-3 * a.abs().max(1.0),
                "{what} {direction}, point {p}: autodiff log|det J| {a}, reported {b}"
            );
        }
    }
}

#[test]
fn log_dets_match_autodiff_jacobians() {
    let device = Device::flex().autodiff();
    for dim in [1, 2, 5] {
        for (name, family) in small_families(dim) {
            let flow = random_flow(
                dim,
                family,
                Direction::Density,
                BaseKind::StandardNormal,
                2,
                &device,
            );
            for (k, transform) in flow.transforms.iter().enumerate() {
                check(
                    &format!("{name} D = {dim} transform {k}"),
                    transform,
                    dim,
                    &device,
                );
            }
        }
    }
}
