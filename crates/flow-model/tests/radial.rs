//! Radial layers against float64 values from an independent implementation
//! (`scripts/reference_spline_radial.py`): the map, its log-determinant and its closed-form
//! inverse.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{Bijection, Radial};
use serde::Deserialize;

use crate::common::{assert_close, floats};

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    dim: usize,
    z0: Vec<f64>,
    alpha_hat: f64,
    beta_hat: f64,
    alpha: f64,
    beta: f64,
    points: Vec<Vec<f64>>,
    outputs: Vec<Vec<f64>>,
    logdet: Vec<f64>,
}

fn matrix(rows: &[Vec<f64>], device: &Device) -> Tensor<2> {
    let dim = rows[0].len();
    let values: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(values, [rows.len(), dim]), device)
}

#[test]
fn radial_layer_matches_float64_reference() {
    let device = Device::flex();
    let reference: Reference =
        serde_json::from_str(include_str!("data/radial_vectors.json")).unwrap();
    let dims: std::collections::BTreeSet<usize> = reference.cases.iter().map(|c| c.dim).collect();
    assert!(dims.len() >= 4, "dimensions {dims:?}");
    for case in &reference.cases {
        let f32s = |v: &[f64]| -> Vec<f32> { v.iter().map(|&x| x as f32).collect() };
        let layer = Radial::from_values(
            case.dim,
            &f32s(&case.z0),
            &[case.alpha_hat as f32],
            &[case.beta_hat as f32],
            &device,
        );
        let what = format!("D = {}, α̂ = {}", case.dim, case.alpha_hat);
        let (alpha, beta) = layer.alpha_beta();
        assert_close(
            &format!("{what}: α"),
            floats(alpha)[0],
            case.alpha,
            1e-6,
            1.0,
        );
        assert_close(&format!("{what}: β"), floats(beta)[0], case.beta, 1e-6, 1.0);

        let (y, log_det) = layer.forward(matrix(&case.points, &device));
        let (y, log_det) = (floats(y), floats(log_det));
        let (x, inverse_log_det) = layer.inverse(matrix(&case.outputs, &device));
        let (x, inverse_log_det) = (floats(x), floats(inverse_log_det));
        for (i, (point, output)) in case.points.iter().zip(&case.outputs).enumerate() {
            let scale = output
                .iter()
                .chain(point)
                .fold(1.0f64, |m, v| m.max(v.abs()));
            for d in 0..case.dim {
                let at = i * case.dim + d;
                assert_close(
                    &format!("{what}: f(z)[{i}][{d}]"),
                    y[at],
                    output[d],
                    1e-5,
                    scale,
                );
                assert_close(
                    &format!("{what}: f⁻¹(y)[{i}][{d}]"),
                    x[at],
                    point[d],
                    1e-4,
                    scale,
                );
            }
            assert_close(
                &format!("{what}: log det [{i}]"),
                log_det[i],
                case.logdet[i],
                1e-4,
                1.0,
            );
            assert_close(
                &format!("{what}: inverse log det [{i}]"),
                inverse_log_det[i],
                -case.logdet[i],
                1e-4,
                1.0,
            );
        }
    }
}
