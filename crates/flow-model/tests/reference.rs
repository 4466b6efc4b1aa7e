//! The flow against float64 reference values computed by an independent implementation.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{PlanarFlow, PlanarLayer, standard_normal_log_prob};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    dim: usize,
    layers: Vec<Layer>,
    x: Vec<Vec<f64>>,
    z: Vec<Vec<f64>>,
    sum_log_det: Vec<f64>,
    log_prob: Vec<f64>,
}

#[derive(Deserialize)]
struct Layer {
    u: Vec<f64>,
    w: Vec<f64>,
    b: f64,
    u_hat: Vec<f64>,
}

fn cases() -> Vec<Case> {
    let text = include_str!("data/planar_vectors.json");
    serde_json::from_str::<Reference>(text).unwrap().cases
}

fn f32s(values: &[f64]) -> Vec<f32> {
    values.iter().map(|&v| v as f32).collect()
}

fn flow_of(case: &Case, device: &Device) -> PlanarFlow {
    let layers = case
        .layers
        .iter()
        .map(|l| PlanarLayer::from_values(&f32s(&l.u), &f32s(&l.w), l.b as f32, device))
        .collect();
    PlanarFlow { layers }
}

fn matrix(rows: &[Vec<f64>], device: &Device) -> Tensor<2> {
    let dim = rows[0].len();
    let flat: Vec<f32> = rows.iter().flat_map(|r| f32s(r)).collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), dim]), device)
}

fn values(t: Tensor<1>) -> Vec<f64> {
    t.into_data().iter::<f32>().map(f64::from).collect()
}

fn rows(t: Tensor<2>) -> Vec<Vec<f64>> {
    let [_, dim] = t.dims();
    let flat: Vec<f64> = t.into_data().iter::<f32>().map(f64::from).collect();
    flat.chunks(dim).map(<[f64]>::to_vec).collect()
}

/// `|a − b| ≤ rel · max(|b|, floor)`: relative, with an absolute floor for values near 0.
fn assert_close(what: &str, actual: f64, expected: f64, rel: f64, floor: f64) {
    let tolerance = rel * expected.abs().max(floor);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: got {actual}, expected {expected} (tolerance {tolerance})"
    );
}

#[test]
fn reparametrised_u_matches_reference() {
    let device = Device::flex();
    for case in cases() {
        let flow = flow_of(&case, &device);
        for (k, (layer, reference)) in flow.layers.iter().zip(&case.layers).enumerate() {
            let u_hat = values(layer.u_hat());
            for (d, (&got, &want)) in u_hat.iter().zip(&reference.u_hat).enumerate() {
                assert_close(
                    &format!("{} layer {k} û[{d}]", case.name),
                    got,
                    want,
                    1e-5,
                    1.0,
                );
            }
        }
    }
}

#[test]
fn log_prob_and_log_det_match_reference() {
    let device = Device::flex();
    for case in cases() {
        assert_eq!(case.x[0].len(), case.dim);
        let flow = flow_of(&case, &device);
        let output = flow.forward(matrix(&case.x, &device));
        let log_prob = values(flow.log_prob(matrix(&case.x, &device)));
        let base = values(standard_normal_log_prob(output.z.clone()));
        let sum_log_det = values(output.sum_log_det);
        let z = rows(output.z);
        for i in 0..case.x.len() {
            let point = format!("{} point {i}", case.name);
            assert_close(
                &format!("{point} log_prob"),
                log_prob[i],
                case.log_prob[i],
                1e-4,
                1.0,
            );
            assert_close(
                &format!("{point} sum_log_det"),
                sum_log_det[i],
                case.sum_log_det[i],
                1e-4,
                1.0,
            );
            assert_close(
                &format!("{point} log N(z)"),
                base[i],
                case.log_prob[i] - case.sum_log_det[i],
                1e-4,
                1.0,
            );
            for (d, (&got, &want)) in z[i].iter().zip(&case.z[i]).enumerate() {
                assert_close(&format!("{point} z[{d}]"), got, want, 1e-4, 1.0);
            }
        }
    }
}

#[test]
fn inverse_maps_reference_latents_back_to_data() {
    let device = Device::flex();
    for case in cases() {
        let flow = flow_of(&case, &device);
        let x = rows(flow.inverse(matrix(&case.z, &device)));
        for (i, (got, want)) in x.iter().zip(&case.x).enumerate() {
            // Rounding z to f32 is amplified by the inverse's Jacobian, about
            // exp(−Σ log|det J| / D) where the flow contracts volume.
            let kappa = (-case.sum_log_det[i] / case.dim as f64).exp().max(1.0);
            for (d, (&got, &want)) in got.iter().zip(want).enumerate() {
                let tolerance = 1e-4 * kappa;
                assert!(
                    (got - want).abs() <= tolerance * want.abs().max(1.0),
                    "{} point {i} x[{d}]: got {got}, expected {want} (tolerance {tolerance})",
                    case.name,
                );
            }
        }
    }
}
