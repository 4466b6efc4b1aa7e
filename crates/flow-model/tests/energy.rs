//! The four energies of Rezende & Mohamed (2015) against float64 values from an independent
//! implementation (`scripts/reference_energies.py`), and their log-normalisers.

use std::collections::BTreeMap;

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{Energy, EnergyFn, PaperEnergy, grid_log_partition};
use serde::Deserialize;

use crate::common::{assert_close, floats};

#[derive(Deserialize)]
struct Reference {
    points: Vec<[f64; 2]>,
    u1: Vec<f64>,
    u2: Vec<f64>,
    u3: Vec<f64>,
    u4: Vec<f64>,
    log_z: BTreeMap<String, f64>,
}

fn reference() -> Reference {
    serde_json::from_str(include_str!("data/energy_vectors.json")).unwrap()
}

#[test]
fn energies_match_float64_reference_and_stay_finite_far_away() {
    let device = Device::flex();
    let reference = reference();
    let values: Vec<f32> = reference
        .points
        .iter()
        .flatten()
        .map(|&v| v as f32)
        .collect();
    let n = reference.points.len();
    let x = Tensor::<2>::from_data(TensorData::new(values, [n, 2]), &device);
    for (energy, expected) in PaperEnergy::ALL.into_iter().zip([
        &reference.u1,
        &reference.u2,
        &reference.u3,
        &reference.u4,
    ]) {
        let got = floats(energy.energy(x.clone()));
        for (i, (&g, &e)) in got.iter().zip(expected).enumerate() {
            assert!(g.is_finite(), "{energy} at {:?}: {g}", reference.points[i]);
            assert_close(
                &format!("{energy} at {:?}", reference.points[i]),
                g,
                e,
                2e-5,
                1.0,
            );
        }
    }
}

#[test]
fn log_partitions_match_quadrature() {
    let device = Device::flex();
    let reference = reference();
    for energy in PaperEnergy::ALL {
        let log_z = grid_log_partition(&energy, 24.0, 1200, &device);
        let expected = reference.log_z[energy.name()];
        assert!(
            (log_z - expected).abs() < 2e-4,
            "{energy}: log Z {log_z} vs {expected}"
        );
    }
    // The value the paper's U1 is known by.
    let u1 = grid_log_partition(&PaperEnergy::U1, 24.0, 1200, &device);
    assert!((u1 - 1.87750).abs() < 1e-4, "log Z of U1: {u1}");
}

#[test]
fn a_user_energy_is_a_closure() {
    let device = Device::flex();
    // A standard normal: log Z = ln 2π.
    let gaussian = EnergyFn::new(2, |x: Tensor<2>| {
        x.square().sum_dim(1).squeeze_dim(1).mul_scalar(0.5)
    });
    assert_eq!(gaussian.dim(), 2);
    let log_z = grid_log_partition(&gaussian, 10.0, 400, &device);
    assert!(
        (log_z - (2.0 * std::f64::consts::PI).ln()).abs() < 1e-6,
        "{log_z}"
    );
}
