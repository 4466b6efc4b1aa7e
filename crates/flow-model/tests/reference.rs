//! The flow against float64 reference values computed by an independent implementation.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{Bijection, Flow, Planar, standard_normal_log_prob};
use serde::Deserialize;

use crate::common::{assert_close, planar_flow, planar_of};

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

fn flow_of(case: &Case, device: &Device) -> Flow {
    let stack = |field: fn(&Layer) -> &[f64]| -> Vec<f32> {
        case.layers.iter().flat_map(|l| f32s(field(l))).collect()
    };
    let b: Vec<f32> = case.layers.iter().map(|l| l.b as f32).collect();
    planar_flow(Planar::from_values(
        case.dim,
        &stack(|l| &l.u),
        &stack(|l| &l.w),
        &b,
        device,
    ))
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

#[test]
fn reparametrised_u_matches_reference() {
    let device = Device::flex();
    for case in cases() {
        let flow = flow_of(&case, &device);
        let u_hat = rows(planar_of(&flow).u_hat());
        for (k, (got, reference)) in u_hat.iter().zip(&case.layers).enumerate() {
            for (d, (&got, &want)) in got.iter().zip(&reference.u_hat).enumerate() {
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
        let (z, sum_log_det) = flow.to_latent(matrix(&case.x, &device));
        let log_prob = values(flow.log_prob(matrix(&case.x, &device)));
        let base = values(standard_normal_log_prob(z.clone()));
        let sum_log_det = values(sum_log_det);
        let z = rows(z);
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
        let (x, log_det) = planar_of(&flow).inverse(matrix(&case.z, &device));
        for (i, (&got, &want)) in values(log_det).iter().zip(&case.sum_log_det).enumerate() {
            assert_close(
                &format!("{} point {i} log det", case.name),
                -got,
                want,
                1e-3,
                1.0,
            );
        }
        let x = rows(x);
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
