//! Every family inverts exactly, in both directions; `wᵀû ≥ −1` for every planar parameter
//! value; sampling is seeded.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{BaseKind, Bijection, Direction, FlowConfig, InverseSolver, Planar, PlanarConfig};

use crate::common::{floats, matrix, planar_flow, planar_of, random_flow, small_families, uniform};

#[test]
fn w_dot_u_hat_is_at_least_minus_one_for_extreme_parameters() {
    let device = Device::flex();
    let magnitudes = [0.0f32, 1e-30, 1e-20, 1e-7, 1e-3, 1.0, 7.5, 1e3, 1e10, 1e30];
    let mut checked = 0;
    for &wm in &magnitudes {
        for &um in &magnitudes {
            if f64::from(wm) * f64::from(um) > 1e35 {
                continue; // wᵀu itself overflows f32: no float arithmetic can help there.
            }
            for (ws, us) in [(1.0f32, 1.0f32), (1.0, -1.0), (-1.0, 1.0)] {
                let w = [ws * wm, 0.5 * wm];
                let u = [us * um, -0.25 * um];
                let layer = Planar::from_values(2, &u, &w, &[0.3], &device);
                let c = floats(layer.w_dot_u_hat())[0];
                assert!(c >= -1.0, "wᵀû = {c} < −1 for u = {u:?}, w = {w:?}");
                // Where the arithmetic is well conditioned, the bound is the true wᵀû
                // (f32 cancellation in û grows with |wᵀu|).
                if (1e-3..=1e3).contains(&wm) && um <= 1e3 {
                    let w_dot_u =
                        f64::from(w[0]) * f64::from(u[0]) + f64::from(w[1]) * f64::from(u[1]);
                    let u_hat = floats(layer.u_hat());
                    let dot = f64::from(w[0]) * u_hat[0] + f64::from(w[1]) * u_hat[1];
                    assert!(
                        (dot - c).abs() <= 1e-5 * (1.0 + w_dot_u.abs()),
                        "wᵀû computed {dot} vs {c} for u = {u:?}, w = {w:?}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 250, "only {checked} combinations checked");
}

#[test]
fn log_prob_is_finite_for_extreme_but_valid_parameters() {
    let device = Device::flex();
    let flow = planar_flow(Planar::from_values(
        2,
        &[-1e6, 1e6],
        &[1e-6, -1e-6],
        &[0.0],
        &device,
    ));
    let x = Tensor::<2>::from_data(
        TensorData::new(vec![0.0f32, 0.0, 3.0, -2.0], [2, 2]),
        &device,
    );
    for v in floats(flow.log_prob(x.clone()))
        .into_iter()
        .chain(floats(flow.log_prob_tensor_ops(x)))
    {
        assert!(v.is_finite(), "log p = {v}");
    }
}

/// Fails unless `a` and `b` agree within 1e-4 per entry, allowing for the amplification of
/// rounding by the inverse where the map contracts volume (about `exp(−log|det J| / D)`).
fn assert_round_trip(what: &str, a: Tensor<2>, b: Tensor<2>, log_det: Tensor<1>) {
    let dim = a.dims()[1];
    let (a, b, log_det) = (floats(a), floats(b), floats(log_det));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        let kappa = (-log_det[i / dim] / dim as f64).exp().max(1.0);
        assert!(
            (x - y).abs() <= 1e-4 * kappa * y.abs().max(1.0),
            "{what}: entry {i}: {x} vs {y} (κ {kappa:.1})"
        );
    }
}

#[test]
fn every_family_inverts_exactly_in_both_directions() {
    let device = Device::flex();
    for dim in [1, 2, 5] {
        for (name, family) in small_families(dim) {
            for direction in [Direction::Density, Direction::Generative] {
                let flow = random_flow(
                    dim,
                    family.clone(),
                    direction,
                    BaseKind::StandardNormal,
                    3,
                    &device,
                );
                let what = format!("{name}, D = {dim}, {direction:?}");
                // Beyond the splines' tail bound (3) too.
                let x = matrix(&uniform(300 * dim, 4.5, 7), dim, &device);
                let (z, log_det) = flow.to_latent(x.clone());
                let (back, log_det_back) = flow.to_data(z);
                assert_round_trip(
                    &format!("{what}: to_data(to_latent(x))"),
                    back.clone(),
                    x,
                    log_det,
                );
                // The inverse's log-determinant against the forward one at the point the
                // inverse returned: where a spline is nearly flat, that point is off by
                // rounding times 1/g' (up to 1e-3), and the log-determinant at x itself may
                // differ by more than the tolerance.
                let (_, log_det_at_back) = flow.to_latent(back);
                crate::common::assert_all_close(
                    &format!("{what}: log-determinants"),
                    &floats(log_det_back.neg()),
                    &floats(log_det_at_back),
                    1e-4,
                    true,
                );

                let z = matrix(&uniform(300 * dim, 2.5, 8), dim, &device);
                let (x, log_det) = flow.to_data(z.clone());
                let (again, _) = flow.to_latent(x);
                assert_round_trip(
                    &format!("{what}: to_latent(to_data(z))"),
                    again,
                    z,
                    log_det.neg(),
                );
            }
        }
    }
}

#[test]
fn planar_inverse_paths_agree() {
    let device = Device::flex();
    let flow = FlowConfig::new(2, PlanarConfig::new(32))
        .with_seed(4)
        .init(&device)
        .unwrap();
    let planar = planar_of(&flow);
    let z = matrix(&uniform(2000, 3.0, 9), 2, &device);
    let solver = InverseSolver::default();
    let (fast, fast_log_det) = planar.inverse_with(z.clone(), &solver);
    let (reference, reference_log_det) = planar.inverse_tensor_ops(z.clone(), &solver);
    crate::common::assert_all_close("x", &floats(fast.clone()), &floats(reference), 1e-4, true);
    crate::common::assert_all_close(
        "log det",
        &floats(fast_log_det),
        &floats(reference_log_det),
        1e-4,
        true,
    );
    let (forward, _) = planar.forward(fast);
    crate::common::assert_all_close("f(f⁻¹(z))", &floats(forward), &floats(z), 1e-4, true);
}

#[test]
fn sampling_is_seeded_and_finite() {
    let device = Device::flex();
    for (name, family) in small_families(3) {
        let flow = random_flow(
            3,
            family,
            Direction::Density,
            BaseKind::StandardNormal,
            5,
            &device,
        );
        let a = floats(flow.sample(500, 11, &device));
        let b = floats(flow.sample(500, 11, &device));
        let c = floats(flow.sample(500, 12, &device));
        assert_eq!(a, b, "{name}: same seed, same samples");
        assert_ne!(a, c, "{name}: another seed, other samples");
        assert!(a.iter().all(|v| v.is_finite()), "{name}: finite samples");
    }
}
