//! What every family promises: configurations that round-trip through JSON and refuse bad
//! values, coupling transforms that start as the identity, a generator whose `log q` is the
//! density's `log p`, and densities that integrate to one.

use burn::tensor::Device;
use flow_model::{
    AutoregressiveConfig, BaseKind, Bijection, CouplingConfig, Direction, FlowConfig, FlowFamily,
    MafConfig, NsfConfig, PlanarConfig, RadialConfig, RealNvpConfig,
};

use crate::common::{assert_all_close, floats, matrix, random_flow, small_families, uniform};

#[test]
fn configurations_round_trip_through_json_with_the_family_name() {
    for (name, family) in small_families(3) {
        let config = FlowConfig::new(3, family)
            .with_base(BaseKind::DiagonalGaussian)
            .with_direction(Direction::Generative)
            .with_seed(9);
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["flow"], name, "{json}");
        assert_eq!(json["base"], "diagonal_gaussian", "{json}");
        let back: FlowConfig = serde_json::from_value(json).unwrap();
        assert_eq!(back, config);
    }
    let nsf: FlowConfig = serde_json::from_str(
        r#"{"dim": 2, "flow": "nsf", "coupling": {"transforms": 3, "hidden": 8, "depth": 1},
            "bins": 12, "tail_bound": 2.5}"#,
    )
    .unwrap();
    let coupling = CouplingConfig::new(3).with_hidden(8).with_depth(1);
    assert_eq!(
        nsf,
        FlowConfig::new(
            2,
            NsfConfig::new(coupling).with_bins(12).with_tail_bound(2.5)
        )
    );
    assert!(serde_json::from_str::<FlowConfig>(r#"{"dim": 2, "flow": "glow"}"#).is_err());
}

/// A MAF's direct connections are written only when asked for, and a file written before
/// they existed reads as a flow without them.
#[test]
fn direct_connections_are_optional_in_json() {
    let made = AutoregressiveConfig::new(2).with_hidden(8);
    let without = FlowConfig::new(3, MafConfig::new(made.clone()));
    let json = serde_json::to_value(&without).unwrap();
    assert!(json["autoregressive"].get("direct").is_none(), "{json}");
    let older: FlowConfig = serde_json::from_str(
        r#"{"dim": 3, "flow": "maf", "autoregressive": {"transforms": 2, "hidden": 8,
            "depth": 2, "order": "alternate"}}"#,
    )
    .unwrap();
    assert_eq!(older, without);
    let with = FlowConfig::new(3, MafConfig::new(made.with_direct(true)));
    let json = serde_json::to_value(&with).unwrap();
    assert_eq!(json["autoregressive"]["direct"], true, "{json}");
    assert_eq!(serde_json::from_value::<FlowConfig>(json).unwrap(), with);
}

#[test]
fn bad_hyper_parameters_are_refused_naming_the_field() {
    let device = Device::flex();
    let coupling = CouplingConfig::new(2);
    let nsf = NsfConfig::new(coupling.clone());
    let cases: Vec<(usize, FlowFamily, &str)> = vec![
        (2, PlanarConfig::new(0).into(), "layers"),
        (
            2,
            PlanarConfig::new(2).with_init_bound(Some(-1.0)).into(),
            "init_bound",
        ),
        (2, RadialConfig::new(0).into(), "layers"),
        (2, nsf.clone().with_bins(0).into(), "bins"),
        (2, nsf.clone().with_bins(1).into(), "bins"),
        (2, nsf.clone().with_tail_bound(0.0).into(), "tail_bound"),
        (2, nsf.clone().with_tail_bound(-2.0).into(), "tail_bound"),
        (
            2,
            nsf.clone().with_tail_bound(f64::NAN).into(),
            "tail_bound",
        ),
        (
            2,
            NsfConfig::new(coupling.clone().with_hidden(0)).into(),
            "hidden",
        ),
        (
            2,
            NsfConfig::new(coupling.clone().with_depth(0)).into(),
            "depth",
        ),
        (
            2,
            NsfConfig::new(CouplingConfig::new(0)).into(),
            "transforms",
        ),
        (1, nsf.into(), "at least 2 dimensions"),
        (
            1,
            RealNvpConfig::new(coupling).into(),
            "at least 2 dimensions",
        ),
    ];
    for (dim, family, expected) in cases {
        let error = FlowConfig::new(dim, family.clone())
            .init(&device)
            .expect_err(&format!("{family:?} in {dim} dimensions"))
            .to_string();
        assert!(error.contains(expected), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
    }
    assert!(
        FlowConfig::new(0, PlanarConfig::new(2))
            .init(&device)
            .is_err()
    );
}

#[test]
fn coupling_flows_start_as_the_identity() {
    let device = Device::flex();
    for (name, family) in small_families(4).into_iter().skip(2) {
        let flow = FlowConfig::new(4, family).init(&device).unwrap();
        let x = matrix(&uniform(400, 6.0, 1), 4, &device);
        let (z, log_det) = flow.to_latent(x.clone());
        assert_all_close(name, &floats(z), &floats(x), 1e-6, true);
        assert!(floats(log_det).iter().all(|v| v.abs() < 1e-5), "{name}");
    }
}

#[test]
fn generator_log_q_is_the_density_of_its_samples() {
    let device = Device::flex();
    for dim in [1, 2, 3] {
        for (name, family) in small_families(dim) {
            for direction in [Direction::Density, Direction::Generative] {
                for base in [BaseKind::StandardNormal, BaseKind::DiagonalGaussian] {
                    let flow = random_flow(dim, family.clone(), direction, base, 6, &device);
                    let (x, log_q) = flow.sample_with_log_prob(400, 21, &device);
                    let log_p = flow.log_prob(x);
                    assert_all_close(
                        &format!("{name} D = {dim} {direction:?} {base:?}"),
                        &floats(log_q),
                        &floats(log_p),
                        1e-3,
                        true,
                    );
                }
            }
        }
    }
}

#[test]
fn densities_integrate_to_one() {
    let device = Device::flex();
    let (cells, half_width) = (400usize, 9.0f64);
    let step = 2.0 * half_width / cells as f64;
    let mut grid = Vec::with_capacity(cells * cells * 2);
    for i in 0..cells {
        for j in 0..cells {
            grid.push((-half_width + (i as f64 + 0.5) * step) as f32);
            grid.push((-half_width + (j as f64 + 0.5) * step) as f32);
        }
    }
    for (name, family) in small_families(2) {
        for direction in [Direction::Density, Direction::Generative] {
            let flow = random_flow(
                2,
                family.clone(),
                direction,
                BaseKind::DiagonalGaussian,
                8,
                &device,
            );
            let log_p = floats(flow.log_prob(matrix(&grid, 2, &device)));
            let mass: f64 = log_p.iter().map(|v| v.exp() * step * step).sum();
            assert!(
                (mass - 1.0).abs() < 0.01,
                "{name} {direction:?}: ∫ p = {mass}"
            );
        }
    }
}

#[test]
fn actnorm_is_fitted_to_the_first_batch_and_stays_trainable() {
    let device = Device::flex().autodiff();
    let family = RealNvpConfig::new(CouplingConfig::new(2));
    let flow = FlowConfig::new(2, family).init(&device).unwrap();
    // Data far from N(0, I): mean (5, −3), standard deviations (4, 0.5).
    let raw = uniform(4000, 1.0, 3);
    let data: Vec<f32> = raw
        .chunks(2)
        .flat_map(|p| {
            [
                5.0 + 4.0 * 3f32.sqrt() * p[0],
                -3.0 + 0.5 * 3f32.sqrt() * p[1],
            ]
        })
        .collect();
    let flow = flow.initialized_from(matrix(&data, 2, &device), None);
    let first = flow.transforms[0].forward(matrix(&data, 2, &device)).0;
    let values = floats(first);
    for d in 0..2 {
        let column: Vec<f64> = values.iter().skip(d).step_by(2).copied().collect();
        let mean = column.iter().sum::<f64>() / column.len() as f64;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / column.len() as f64;
        assert!(
            mean.abs() < 1e-4 && (var - 1.0).abs() < 1e-3,
            "column {d}: mean {mean}, var {var}"
        );
    }
    let grads = flow.log_prob(matrix(&data, 2, &device)).mean().backward();
    let flow_model::Transform::ActNorm(norm) = &flow.transforms[0] else {
        panic!("a RealNVP flow starts with an ActNorm");
    };
    assert!(
        norm.loc.val().grad(&grads).is_some(),
        "the fitted μ is trained"
    );
    assert!(
        norm.log_scale.val().grad(&grads).is_some(),
        "the fitted log σ is trained"
    );
}
