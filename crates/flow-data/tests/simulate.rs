//! The simulators of simulation-based inference against their definitions (sbibm's), the
//! closure API's checks, and rejection to a prior box at a known acceptance rate.

use flow_data::simulate::{
    DRAWS_BEFORE_VERDICT, MIN_ACCEPTANCE, OBSERVATIONS, bernoulli_glm, gaussian_linear,
    gaussian_linear_uniform, gaussian_mixture, slcp, slcp_distractors, two_moons,
};
use flow_data::{DataError, PriorBox, Task, simulate};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

/// `n` pairs `(θ, x)` of a simulator, in f64, from one generator.
fn pairs(
    n: usize,
    prior: fn(&mut StdRng) -> Vec<f64>,
    simulator: fn(&[f64], &mut StdRng) -> Vec<f64>,
) -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut rng = StdRng::seed_from_u64(11);
    (0..n)
        .map(|_| {
            let theta = prior(&mut rng);
            let x = simulator(&theta, &mut rng);
            (theta, x)
        })
        .collect()
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    sum / count as f64
}

#[test]
fn gaussian_linear_has_the_prior_and_noise_variances_and_its_entropy() {
    let sims = pairs(40_000, gaussian_linear::prior, gaussian_linear::simulator);
    for i in 0..10 {
        let theta_var = mean(sims.iter().map(|(t, _)| t[i] * t[i]));
        let noise_var = mean(sims.iter().map(|(t, x)| (x[i] - t[i]).powi(2)));
        // Standard error of a variance estimate: 0.1·√(2/40 000) ≈ 0.0007.
        assert!((theta_var - 0.1).abs() < 0.004, "θ{i} variance {theta_var}");
        assert!(
            (noise_var - 0.1).abs() < 0.004,
            "noise {i} variance {noise_var}"
        );
        let theta_mean = mean(sims.iter().map(|(t, _)| t[i]));
        assert!(theta_mean.abs() < 0.01, "θ{i} mean {theta_mean}");
    }
    // 5·ln(2πe·0.05), by hand.
    assert!((gaussian_linear::posterior_entropy() - (-0.789_276_035_7)).abs() < 1e-9);
    // The posterior N(x/2, 0.05 I): at θ = x/2 its log-density is −5·ln(2π·0.05).
    let x = [0.4; 10];
    let at_mode = gaussian_linear::posterior_log_prob(&[0.2; 10], &x);
    assert!((at_mode + 5.0 * (std::f64::consts::TAU * 0.05).ln()).abs() < 1e-12);
}

#[test]
fn gaussian_linear_uniform_has_a_uniform_prior_and_the_noise_variance() {
    let sims = pairs(
        40_000,
        gaussian_linear_uniform::prior,
        gaussian_linear_uniform::simulator,
    );
    for i in 0..10 {
        assert!(sims.iter().all(|(t, _)| t[i].abs() <= 1.0));
        // U[−1, 1] has variance 1/3 (standard error ≈ 0.0015 here).
        let theta_var = mean(sims.iter().map(|(t, _)| t[i] * t[i]));
        assert!(
            (theta_var - 1.0 / 3.0).abs() < 0.008,
            "θ{i} variance {theta_var}"
        );
        let noise_var = mean(sims.iter().map(|(t, x)| (x[i] - t[i]).powi(2)));
        assert!(
            (noise_var - 0.1).abs() < 0.004,
            "noise {i} variance {noise_var}"
        );
        let noise_mean = mean(sims.iter().map(|(t, x)| x[i] - t[i]));
        assert!(noise_mean.abs() < 0.01, "noise {i} mean {noise_mean}");
    }
}

/// sbibm's summaries are its own observations' spikes summarised: each of its ten
/// `bernoulli-glm` observations is the summary of the `bernoulli-glm-raw` observation of the
/// same number (computed by sbibm in float32 with torch's `conv1d`).
#[test]
fn bernoulli_glm_summarises_sbibm_s_raw_observations_into_its_summaries() {
    for k in 1..=OBSERVATIONS {
        let raw = Task::BernoulliGlmRaw.observation(k).unwrap();
        assert!(raw.iter().all(|&y| y == 0.0 || y == 1.0));
        let expected = Task::BernoulliGlm.observation(k).unwrap();
        let summary = bernoulli_glm::summary(&raw);
        for (got, want) in summary.iter().zip(&expected) {
            assert!(
                (got - want).abs() < 1e-4 * (1.0 + want.abs()),
                "{k}: {summary:?} vs {expected:?}"
            );
        }
    }
    // The design matrix: a column of ones, then the stimulus delayed by 0…8 steps.
    let (design, stimulus) = (bernoulli_glm::design_matrix(), bernoulli_glm::stimulus());
    assert_eq!((design.len(), stimulus.len()), (100, 100));
    for (t, row) in design.iter().enumerate() {
        assert_eq!(row[0], 1.0);
        for lag in 0..9 {
            let delayed = t.checked_sub(lag).map_or(0.0, |i| stimulus[i]);
            assert_eq!(row[lag + 1], delayed, "row {t}, lag {lag}");
        }
    }
}

/// The prior is `N(0, P⁻¹)`: `θᵀPθ` is chi-squared with ten degrees of freedom (mean 10,
/// standard error 0.022 over 40 000 draws), the offset's variance is 1/0.5; the spikes are
/// binary, at the rate `σ(Vθ)`.
#[test]
fn bernoulli_glm_draws_its_prior_s_precision_and_spikes_at_the_model_s_rate() {
    let p = bernoulli_glm::prior_precision();
    let sims = pairs(40_000, bernoulli_glm::prior, bernoulli_glm::simulator);
    let quadratic = mean(sims.iter().map(|(t, _)| {
        (0..10)
            .flat_map(|i| (0..10).map(move |j| (i, j)))
            .map(|(i, j)| t[i] * p[i][j] * t[j])
            .sum::<f64>()
    }));
    assert!((quadratic - 10.0).abs() < 0.12, "E[θᵀPθ] = {quadratic}");
    let offset_var = mean(sims.iter().map(|(t, _)| t[0] * t[0]));
    assert!((offset_var - 2.0).abs() < 0.06, "{offset_var}");
    // The precision is symmetric, with sbibm's corner values: F = D² + diag(√(i/9)) has
    // F[0][0] = 1, F[1][0] = −2, F[2][0] = 1, so (FᵀF)[0][0] = 6.
    assert_eq!(p[0][0], 0.5);
    assert!((p[1][1] - 6.0).abs() < 1e-12, "{}", p[1][1]);
    assert!((0..10).all(|i| (0..10).all(|j| p[i][j] == p[j][i])));
    // At θ = (offset 0, no filter) every step spikes with probability ½.
    let mut rng = StdRng::seed_from_u64(3);
    let mut theta = vec![0.0; 10];
    let half = mean((0..400).flat_map(|_| bernoulli_glm::spikes(&theta, &mut rng)));
    assert!((half - 0.5).abs() < 0.01, "{half}");
    // A large offset makes almost every step spike.
    theta[0] = 6.0;
    let spikes = bernoulli_glm::spikes(&theta, &mut rng);
    assert!(spikes.iter().all(|&y| y == 0.0 || y == 1.0));
    assert!(spikes.iter().sum::<f64>() >= 95.0);
}

/// slcp's values sit where sbibm's permutation puts them: in sbibm's own observations (each
/// slcp-distractors observation holds the slcp observation of the same number) and in
/// simulations (from the same draws as slcp's simulator); the distractors have the
/// mixture's mean.
#[test]
fn slcp_distractors_hides_slcp_s_values_where_sbibm_does() {
    let permutation = slcp_distractors::permutation();
    let mut sorted = permutation.to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    for k in 1..=OBSERVATIONS {
        let hidden = Task::SlcpDistractors.observation(k).unwrap();
        let plain = Task::Slcp.observation(k).unwrap();
        for (i, &source) in permutation.iter().enumerate() {
            if source < 8 {
                assert!((hidden[i] - plain[source]).abs() < 1e-5, "{k}, x{}", i + 1);
            }
        }
    }
    let theta = [0.7, -1.1, 2.0, -0.4, 0.3];
    let mut noise_sum = vec![0.0; slcp_distractors::NOISE_DIM];
    let n = 40_000;
    for seed in 0..n {
        let x = slcp_distractors::simulator(&theta, &mut StdRng::seed_from_u64(seed));
        let plain = slcp::simulator(&theta, &mut StdRng::seed_from_u64(seed));
        for (i, &source) in permutation.iter().enumerate() {
            match source.checked_sub(8) {
                None => assert_eq!(x[i], plain[source]),
                Some(j) => noise_sum[j] += x[i] / n as f64,
            }
        }
    }
    // The mixture's mean: the weighted locations (Student-t with 2 degrees of freedom has a
    // mean but no variance, so the tolerance is loose; the locations span tens).
    let mixture = slcp_distractors::mixture();
    assert_eq!(mixture.len(), 20);
    assert!((mixture.iter().map(|c| c.weight).sum::<f64>() - 1.0).abs() < 1e-6);
    for (j, mean) in noise_sum.iter().enumerate() {
        let expected: f64 = mixture.iter().map(|c| c.weight * c.loc[j]).sum();
        assert!(
            (mean - expected).abs() < 1.5,
            "distractor {j}: {mean} vs {expected}"
        );
    }
}

#[test]
fn two_moons_lies_on_an_arc_of_radius_a_tenth_around_its_centre() {
    let sims = pairs(20_000, two_moons::prior, two_moons::simulator);
    let offsets: Vec<[f64; 2]> = sims
        .iter()
        .map(|(t, x)| {
            let shift = two_moons::shift(t);
            [
                x[0] - shift[0] - two_moons::ARC_CENTRE[0],
                x[1] - shift[1] - two_moons::ARC_CENTRE[1],
            ]
        })
        .collect();
    let radii: Vec<f64> = offsets.iter().map(|o| o[0].hypot(o[1])).collect();
    let radius = mean(radii.iter().copied());
    let spread = mean(radii.iter().map(|r| (r - radius).powi(2))).sqrt();
    assert!((radius - 0.1).abs() < 5e-4, "mean radius {radius}");
    assert!((spread - 0.01).abs() < 5e-4, "radius spread {spread}");
    // The angle is uniform on (−π/2, π/2): the arc is the right half circle, mean cos a = 2/π.
    assert!(offsets.iter().all(|o| o[0] >= 0.0));
    let cos = mean(offsets.iter().map(|o| o[0] / o[0].hypot(o[1])));
    assert!(
        (cos - 2.0 / std::f64::consts::PI).abs() < 0.01,
        "mean cos a {cos}"
    );
    for i in 0..2 {
        assert!(sims.iter().all(|(t, _)| t[i].abs() <= 1.0));
        let var = mean(sims.iter().map(|(t, _)| t[i] * t[i]));
        assert!((var - 1.0 / 3.0).abs() < 0.01, "θ{i} variance {var}");
    }
    // The shift: x depends on |θ1 + θ2| and θ2 − θ1.
    let s = two_moons::shift(&[0.3, -0.7]);
    assert!((s[0] + 0.4 / 2f64.sqrt()).abs() < 1e-12 && (s[1] + 1.0 / 2f64.sqrt()).abs() < 1e-12);
}

#[test]
fn gaussian_mixture_mixes_two_scales_evenly() {
    let sims = pairs(40_000, gaussian_mixture::prior, gaussian_mixture::simulator);
    let noise: Vec<f64> = sims
        .iter()
        .flat_map(|(t, x)| [x[0] - t[0], x[1] - t[1]])
        .collect();
    // Second moment ½·1 + ½·0.01; fourth ½·3 + ½·3·10⁻⁴ (a single Gaussian of the same
    // variance would have 3·0.505² ≈ 0.77).
    let second = mean(noise.iter().map(|e| e * e));
    let fourth = mean(noise.iter().map(|e| e.powi(4)));
    assert!((second - 0.505).abs() < 0.015, "second moment {second}");
    assert!((fourth - 1.500_15).abs() < 0.1, "fourth moment {fourth}");
    // Both coordinates come from the same component: their squares are correlated.
    let narrow = sims
        .iter()
        .filter(|(t, x)| (x[0] - t[0]).abs() < 0.3 && (x[1] - t[1]).abs() < 0.3)
        .count() as f64
        / sims.len() as f64;
    // P(both inside ±0.3) = ½·(1 − 2.7e-3)² + ½·0.2358² ≈ 0.5251.
    assert!((narrow - 0.5251).abs() < 0.01, "narrow share {narrow}");
    let spread = mean(sims.iter().map(|(t, _)| t[0] * t[0]));
    assert!((spread - 100.0 / 3.0).abs() < 1.0, "θ1 variance {spread}");
}

#[test]
fn slcp_draws_four_points_of_the_correlated_gaussian() {
    let sims = pairs(20_000, slcp::prior, slcp::simulator);
    let (mut z1, mut z2, mut cross) = (Vec::new(), Vec::new(), Vec::new());
    for (theta, x) in &sims {
        assert_eq!((theta.len(), x.len()), (5, 8));
        let (m, s, rho) = slcp::moments(theta);
        if s[0] < 0.05 || s[1] < 0.05 {
            continue;
        }
        for draw in x.chunks(2) {
            let (a, b) = ((draw[0] - m[0]) / s[0], (draw[1] - m[1]) / s[1]);
            z1.push(a * a);
            z2.push(b * b);
            cross.push(a * b - rho);
        }
    }
    let (v1, v2, c) = (
        mean(z1.into_iter()),
        mean(z2.into_iter()),
        mean(cross.into_iter()),
    );
    assert!((v1 - 1.0).abs() < 0.02, "standardised variance {v1}");
    assert!((v2 - 1.0).abs() < 0.02, "standardised variance {v2}");
    assert!(c.abs() < 0.02, "correlation off by {c}");
    assert_eq!(
        slcp::moments(&[1.0, 2.0, -1.5, 0.5, 0.0]),
        ([1.0, 2.0], [2.25, 0.25], 0.0)
    );
}

#[test]
fn tasks_simulate_reproducibly_in_sbibm_s_shapes() {
    for task in Task::ALL {
        let sims = task.simulate(50, 3).unwrap();
        assert_eq!(sims.theta_dim(), task.theta_dim());
        assert_eq!(sims.x_dim(), task.x_dim());
        assert_eq!(sims.len(), 50);
        let names = sims.column_names();
        assert_eq!(names[0], "theta1");
        assert_eq!(names[task.theta_dim()], "x1");
        assert_eq!(names.last().unwrap(), &format!("x{}", task.x_dim()));
        // The first rows of a longer draw are the shorter draw.
        let longer = task.simulate(80, 3).unwrap();
        let width = sims.points().dim();
        assert_eq!(
            sims.points().values(),
            &longer.points().values()[..50 * width]
        );
        assert_ne!(task.simulate(50, 4).unwrap(), sims);
        assert_eq!(task.name().parse::<Task>().unwrap(), task);
        if let Some(prior_box) = task.prior_box() {
            assert!(
                sims.points()
                    .values()
                    .chunks(width)
                    .all(|row| prior_box.contains(&row[..task.theta_dim()]))
            );
        }
    }
    let error = "moons".parse::<Task>().unwrap_err().to_string();
    assert!(
        error.contains(
            "gaussian-linear, gaussian-linear-uniform, two-moons, gaussian-mixture, slcp"
        ),
        "{error}"
    );
}

#[test]
fn user_simulators_are_checked() {
    let prior = |rng: &mut StdRng| vec![rng.random::<f64>()];
    let sims = simulate(10, 0, prior, |t, _| vec![2.0 * t[0], 1.0]).unwrap();
    assert_eq!((sims.theta_dim(), sims.x_dim(), sims.len()), (1, 2, 10));
    let row = &sims.points().values()[..3];
    assert_eq!(row[1], 2.0 * row[0]);

    let message = |e: DataError| e.to_string();
    let zero = simulate(0, 0, prior, |t, _| t.to_vec()).unwrap_err();
    assert!(message(zero).contains("at least 1"));
    let mut calls = 0;
    let ragged = simulate(5, 0, prior, |t, _| {
        calls += 1;
        vec![t[0]; if calls == 3 { 2 } else { 1 }]
    })
    .unwrap_err();
    assert!(message(ragged).contains("simulation 3 has θ of width 1 and x of width 2"));
    let mut calls = 0;
    let nan = simulate(5, 0, prior, |_, _| {
        calls += 1;
        vec![1.0, if calls == 4 { f64::NAN } else { 0.0 }]
    })
    .unwrap_err();
    let nan = message(nan);
    assert!(nan.contains("simulation 4") && nan.contains("x2"), "{nan}");
}

#[test]
fn prior_boxes_are_checked() {
    let good = PriorBox::from_flat(&[-1.0, 1.0, 0.0, 2.0], 2).unwrap();
    assert_eq!(good.bounds(), &[[-1.0, 1.0], [0.0, 2.0]]);
    assert!(good.contains(&[-1.0, 2.0]) && !good.contains(&[0.0, 2.5]));
    let width = PriorBox::from_flat(&[-1.0, 1.0, 0.0], 2)
        .unwrap_err()
        .to_string();
    assert!(
        width.contains("has 3 values") && width.contains("takes 4"),
        "{width}"
    );
    let order = PriorBox::from_flat(&[-1.0, 1.0, 2.0, 2.0], 2)
        .unwrap_err()
        .to_string();
    assert!(
        order.contains("coordinate 2 has LO = 2 and HI = 2"),
        "{order}"
    );
    let json = serde_json::to_string(&good).unwrap();
    assert_eq!(json, "[[-1.0,1.0],[0.0,2.0]]");
    assert!(serde_json::from_str::<PriorBox>("[[1.0,-1.0]]").is_err());
}

/// `count` standard normal points in `dim` dimensions, seeded by the round.
fn normal_draws(count: usize, round: usize, dim: usize) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(round as u64 + 100);
    (0..count * dim)
        .map(|_| rng.sample::<f64, _>(StandardNormal) as f32)
        .collect()
}

#[test]
fn rejection_keeps_points_inside_at_the_known_acceptance_rate() {
    // N(0, I) in 2-D restricted to [0, ∞) × [−1, 1]: acceptance ½ · 0.682 689 = 0.341 345.
    let prior_box = PriorBox::new(vec![[0.0, f64::INFINITY], [-1.0, 1.0]]).unwrap();
    let draws = prior_box
        .sample(30_000, |count, round| normal_draws(count, round, 2))
        .unwrap();
    assert_eq!(draws.values.len(), 60_000);
    assert!(draws.values.chunks(2).all(|p| prior_box.contains(p)));
    assert!(draws.inside >= 30_000 && draws.drawn > draws.inside);
    // Binomial standard error at ≥ 88 000 draws: 0.0016.
    let rate = draws.acceptance();
    assert!((rate - 0.341_345).abs() < 0.008, "acceptance {rate}");
    // The kept points are the box's share of N(0, I): half of them have x2 of either sign.
    let positive = draws.values.chunks(2).filter(|p| p[1] > 0.0).count() as f64 / 30_000.0;
    assert!((positive - 0.5).abs() < 0.02);
}

#[test]
fn rejection_gives_up_when_almost_nothing_falls_inside() {
    // N(0, 1) has mass 2.9e-7 in [5, 6].
    let prior_box = PriorBox::new(vec![[5.0, 6.0]]).unwrap();
    let error = prior_box
        .sample(10, |count, round| normal_draws(count, round, 1))
        .unwrap_err();
    assert!(error.drawn >= DRAWS_BEFORE_VERDICT && error.drawn < 4 * DRAWS_BEFORE_VERDICT);
    assert!((error.inside as f64) < MIN_ACCEPTANCE * error.drawn as f64);
    assert!(error.to_string().contains("fell inside the prior box"));
}

#[test]
fn every_task_ships_sbibm_s_ten_observations() {
    for task in Task::ALL {
        for k in 1..=OBSERVATIONS {
            let x_o = task.observation(k).unwrap();
            assert_eq!(x_o.len(), task.x_dim(), "{task} {k}");
            assert!(x_o.iter().all(|v| v.is_finite()), "{task} {k}: {x_o:?}");
        }
        assert!(task.observation(0).is_err());
        assert!(task.observation(OBSERVATIONS + 1).is_err());
        // Ten different observations.
        let distinct: std::collections::BTreeSet<String> = (1..=OBSERVATIONS)
            .map(|k| format!("{:?}", task.observation(k).unwrap()))
            .collect();
        assert_eq!(distinct.len(), OBSERVATIONS, "{task}");
    }
    // sbibm's files, as its results repository and papers use them.
    assert_eq!(
        Task::TwoMoons.observation(1).unwrap(),
        [-0.6396706, 0.16234657]
    );
    assert_eq!(
        Task::GaussianLinearUniform.observation(1).unwrap()[..2],
        [-0.53739023, -0.23864163]
    );
    assert_eq!(
        Task::Slcp.observation(1).unwrap()[..2],
        [2.3718784, 0.49947417]
    );
    assert_eq!(
        Task::GaussianMixture.observation(1).unwrap(),
        [-9.472713, -1.4950509]
    );
    assert_eq!(Task::GaussianLinear.observation(1).unwrap()[0], 1.0471346);
}
