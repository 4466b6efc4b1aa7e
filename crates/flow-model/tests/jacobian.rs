//! The analytic log-determinant against the Jacobian computed by autodiff.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::PlanarFlowConfig;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// `log|det A|` of a square row-major matrix by Gaussian elimination with partial pivoting.
fn log_abs_det(mut a: Vec<f64>, n: usize) -> f64 {
    let mut log_det = 0.0;
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))
            .unwrap();
        for k in 0..n {
            a.swap(col * n + k, pivot * n + k);
        }
        let p = a[col * n + col];
        log_det += p.abs().ln();
        for row in col + 1..n {
            let factor = a[row * n + col] / p;
            for k in col..n {
                a[row * n + k] -= factor * a[col * n + k];
            }
        }
    }
    log_det
}

fn check_dimension(dim: usize, layers: usize, seed: u64) {
    let device = Device::flex().autodiff();
    let flow = PlanarFlowConfig::new(dim, layers)
        .with_init_bound(Some(1.0))
        .with_seed(seed)
        .init(&device)
        .unwrap();
    let n = 24;
    let mut rng = StdRng::seed_from_u64(seed + 100);
    let points: Vec<f32> = (0..n * dim)
        .map(|_| rng.random_range(-4.0f32..4.0))
        .collect();

    // Row i of every point's Jacobian is the gradient of Σ_points z_i (points are independent).
    let mut jacobians = vec![0.0f64; n * dim * dim];
    let mut analytic = Vec::new();
    for i in 0..dim {
        let x = Tensor::<2>::from_data(TensorData::new(points.clone(), [n, dim]), &device)
            .require_grad();
        let output = flow.forward(x.clone());
        if i == 0 {
            analytic = output
                .sum_log_det
                .clone()
                .into_data()
                .iter::<f32>()
                .map(f64::from)
                .collect();
        }
        let grads = output.z.narrow(1, i, 1).sum().backward();
        let row: Vec<f32> = x.grad(&grads).unwrap().into_data().iter::<f32>().collect();
        for p in 0..n {
            for j in 0..dim {
                jacobians[p * dim * dim + i * dim + j] = f64::from(row[p * dim + j]);
            }
        }
    }
    for p in 0..n {
        let block = jacobians[p * dim * dim..(p + 1) * dim * dim].to_vec();
        let numeric = log_abs_det(block, dim);
        assert!(
            (numeric - analytic[p]).abs() <= 1e-3 * numeric.abs().max(1.0),
            "dim {dim}, point {p}: autodiff log|det J| {numeric}, flow {}",
            analytic[p]
        );
    }
}

#[test]
fn log_det_matches_autodiff_jacobian_in_2d() {
    check_dimension(2, 8, 1);
}

#[test]
fn log_det_matches_autodiff_jacobian_in_5d() {
    check_dimension(5, 6, 2);
}
