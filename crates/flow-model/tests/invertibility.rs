//! `wᵀû ≥ −1` for every parameter value, and exact inversion of the flow.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{InverseSolver, PlanarFlow, PlanarFlowConfig, PlanarLayer};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn scalar(t: Tensor<1>) -> f64 {
    f64::from(t.into_data().iter::<f32>().next().unwrap())
}

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
                let layer = PlanarLayer::from_values(&u, &w, 0.3, &device);
                let c = scalar(layer.w_dot_u_hat());
                assert!(c >= -1.0, "wᵀû = {c} < −1 for u = {u:?}, w = {w:?}");
                // Where the arithmetic is well conditioned, the bound is the true wᵀû
                // (f32 cancellation in û grows with |wᵀu|).
                if (1e-3..=1e3).contains(&wm) && um <= 1e3 {
                    let w_dot_u =
                        f64::from(w[0]) * f64::from(u[0]) + f64::from(w[1]) * f64::from(u[1]);
                    let u_hat: Vec<f64> = layer
                        .u_hat()
                        .into_data()
                        .iter::<f32>()
                        .map(f64::from)
                        .collect();
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
    let layer = PlanarLayer::from_values(&[-1e6, 1e6], &[1e-6, -1e-6], 0.0, &device);
    let flow = PlanarFlow {
        layers: vec![layer],
    };
    let x = Tensor::<2>::from_data(
        TensorData::new(vec![0.0f32, 0.0, 3.0, -2.0], [2, 2]),
        &device,
    );
    for v in flow.log_prob(x).into_data().iter::<f32>() {
        assert!(v.is_finite(), "log p = {v}");
    }
}

fn random_points(n: usize, dim: usize, bound: f32, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n * dim)
        .map(|_| rng.random_range(-bound..bound))
        .collect()
}

/// Checks `|a − b| ≤ 1e-4 · κ` per point, where `κ = max(1, exp(−Σ log|det J| / D))` is the
/// f32 error amplification of inverting a flow that contracts volume at that point.
fn assert_round_trip(what: &str, a: Tensor<2>, b: Tensor<2>, log_det: Tensor<1>) {
    let [n, dim] = b.dims();
    let error: Vec<f32> = (a - b).abs().max_dim(1).into_data().iter::<f32>().collect();
    let log_det: Vec<f32> = log_det.into_data().iter::<f32>().collect();
    assert_eq!(error.len(), n);
    for (i, (&e, &ld)) in error.iter().zip(&log_det).enumerate() {
        let kappa = (-f64::from(ld) / dim as f64).exp().max(1.0);
        assert!(
            f64::from(e) <= 1e-4 * kappa,
            "{what}: point {i} off by {e} (allowed {})",
            1e-4 * kappa
        );
    }
}

#[test]
fn inverse_undoes_forward_and_forward_undoes_inverse() {
    let device = Device::flex();
    // The presets' layer counts and initialisations, and a deeper flow.
    for (layers, bound) in [(8, Some(1.0)), (32, None), (32, Some(1.0)), (64, None)] {
        let flow = PlanarFlowConfig::new(2, layers)
            .with_init_bound(bound)
            .with_seed(layers as u64)
            .init(&device)
            .unwrap();
        let mut values = random_points(2000, 2, 10.0, 3);
        // The corners and axes of the box, and the origin.
        values.extend([
            10.0, 10.0, -10.0, -10.0, 10.0, -10.0, 0.0, 0.0, 0.0, 10.0, -10.0, 0.0,
        ]);
        let n = values.len() / 2;
        let x = Tensor::<2>::from_data(TensorData::new(values, [n, 2]), &device);

        // On the CPU backends `inverse` runs on the host; the tensor operations are the other
        // implementation, and both must invert.
        let solver = InverseSolver::default();
        let inverses: [(&str, &dyn Fn(Tensor<2>) -> Tensor<2>); 2] = [
            ("inverse", &|z| flow.inverse(z)),
            ("inverse_tensor_ops", &|z| {
                flow.inverse_tensor_ops(z, &solver)
            }),
        ];
        for (name, inverse) in inverses {
            let forward = flow.forward(x.clone());
            let back = inverse(forward.z);
            assert_round_trip(
                &format!("K = {layers}, {name}(forward(x))"),
                back,
                x.clone(),
                forward.sum_log_det,
            );

            let inverted = inverse(x.clone());
            let log_det = flow.forward(inverted.clone()).sum_log_det;
            let again = flow.forward(inverted).z;
            assert_round_trip(
                &format!("K = {layers}, forward({name}(z))"),
                again,
                x.clone(),
                log_det,
            );
        }
    }
}

#[test]
fn sampling_is_seeded_and_finite() {
    let device = Device::flex();
    let flow = PlanarFlowConfig::new(3, 6)
        .with_seed(5)
        .init(&device)
        .unwrap();
    let a = flow.sample(500, 11, &device);
    let b = flow.sample(500, 11, &device);
    let c = flow.sample(500, 12, &device);
    assert_eq!(a.dims(), [500, 3]);
    let diff = |p: Tensor<2>, q: Tensor<2>| (p - q).abs().max().into_scalar::<f32>();
    assert_eq!(diff(a.clone(), b), 0.0);
    assert!(diff(a.clone(), c) > 0.0);
    assert!(a.is_finite().all().into_scalar::<bool>());
}

#[test]
fn config_rejects_zero_sizes_and_bad_bounds() {
    let device = Device::flex();
    assert!(PlanarFlowConfig::new(0, 4).init(&device).is_err());
    assert!(PlanarFlowConfig::new(2, 0).init(&device).is_err());
    let error = PlanarFlowConfig::new(2, 4)
        .with_init_bound(Some(f64::NAN))
        .init(&device)
        .unwrap_err();
    assert!(error.to_string().contains("init_bound"), "{error}");
}
