//! The rational-quadratic spline against float64 values from an independent implementation
//! (`scripts/reference_spline_radial.py`): forward, log-derivative and inverse.

use std::collections::BTreeMap;

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::spline::{
    MIN_BIN_SIZE, MIN_DERIVATIVE, SplineDirection, SplineShape, rational_quadratic,
};
use serde::Deserialize;

use crate::common::{assert_close, floats};

#[derive(Deserialize)]
struct Reference {
    min_bin_width: f64,
    min_bin_height: f64,
    min_derivative: f64,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    bins: usize,
    tail_bound: f64,
    theta_w: Vec<f64>,
    theta_h: Vec<f64>,
    theta_d: Vec<f64>,
    x: f64,
    y: f64,
    logdet: f64,
}

/// The cases grouped by spline shape: `(bins, tail bound × 1000)` → cases.
fn grouped() -> BTreeMap<(usize, u64), Vec<Case>> {
    let reference: Reference =
        serde_json::from_str(include_str!("data/spline_vectors.json")).unwrap();
    assert_eq!(reference.min_bin_width, MIN_BIN_SIZE);
    assert_eq!(reference.min_bin_height, MIN_BIN_SIZE);
    assert_eq!(reference.min_derivative, MIN_DERIVATIVE);
    let mut groups: BTreeMap<(usize, u64), Vec<Case>> = BTreeMap::new();
    for case in reference.cases {
        let key = (case.bins, (case.tail_bound * 1000.0).round() as u64);
        groups.entry(key).or_default().push(case);
    }
    groups
}

/// Every case's parameters as `[N, 1, 3K − 1]`.
fn params(cases: &[Case], bins: usize, device: &Device) -> Tensor<3> {
    let values: Vec<f32> = cases
        .iter()
        .flat_map(|c| c.theta_w.iter().chain(&c.theta_h).chain(&c.theta_d))
        .map(|&v| v as f32)
        .collect();
    Tensor::from_data(
        TensorData::new(values, [cases.len(), 1, 3 * bins - 1]),
        device,
    )
}

fn column(values: impl Iterator<Item = f64>, device: &Device) -> Tensor<2> {
    let values: Vec<f32> = values.map(|v| v as f32).collect();
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n, 1]), device)
}

#[test]
fn spline_matches_float64_reference_in_both_directions() {
    let device = Device::flex();
    let groups = grouped();
    assert!(groups.len() >= 4, "{} spline shapes", groups.len());
    for ((bins, _), cases) in groups {
        let shape = SplineShape {
            bins,
            tail_bound: cases[0].tail_bound,
        };
        let params = params(&cases, bins, &device);
        let x = column(cases.iter().map(|c| c.x), &device);
        let (y, log_derivative) =
            rational_quadratic(x, params.clone(), shape, SplineDirection::Forward);
        let y_back = column(cases.iter().map(|c| c.y), &device);
        let (x_back, inverse_log_derivative) =
            rational_quadratic(y_back, params, shape, SplineDirection::Inverse);
        let results = [y, log_derivative, x_back, inverse_log_derivative].map(floats);
        for (i, case) in cases.iter().enumerate() {
            let what = format!("K = {bins}, B = {}, x = {}", case.tail_bound, case.x);
            // Rounding the input to f32 moves the output by about the slope times as much:
            // g' for the forward map, 1/g' for the inverse.
            let (forward, inverse) = (case.logdet.exp().max(1.0), (-case.logdet).exp().max(1.0));
            assert_close(
                &format!("{what}: g(x)"),
                results[0][i],
                case.y,
                1e-5 * forward,
                1.0,
            );
            // The reference has bins as narrow as 0.0175 with slopes near 300: there an f32
            // input is off by 1e-5 of a bin, which moves ln g' by a few 1e-4.
            assert_close(
                &format!("{what}: ln g'(x)"),
                results[1][i],
                case.logdet,
                5e-4,
                1.0,
            );
            assert_close(
                &format!("{what}: g⁻¹(y)"),
                results[2][i],
                case.x,
                1e-5 * inverse,
                1.0,
            );
            // Where g is nearly flat the inverse lands up to 1/g' roundings away, where the
            // log-derivative differs accordingly.
            assert_close(
                &format!("{what}: ln (g⁻¹)'(y)"),
                results[3][i],
                -case.logdet,
                5e-4 * inverse,
                1.0,
            );
        }
    }
}
