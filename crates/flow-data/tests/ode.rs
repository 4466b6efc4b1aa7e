//! The ODE solver against closed-form solutions, and the two ODE tasks (SIR,
//! Lotka–Volterra) against their conserved quantities, their closed forms where a rate is
//! zero, and sbibm's own observations at its true parameters.

use flow_data::Task;
use flow_data::simulate::ode::{Tolerances, solve};
use flow_data::simulate::{lotka_volterra, sir};

const TIGHT: Tolerances = Tolerances {
    rtol: 1e-10,
    atol: 1e-12,
};

#[test]
fn the_solver_meets_closed_form_solutions() {
    let times: Vec<f64> = (0..=20).map(|k| k as f64 * 0.5).collect();
    // Growth: y' = 0.7y.
    let growth = solve(|_, y: &[f64; 1]| [0.7 * y[0]], [1.0], &times, TIGHT).unwrap();
    for (t, y) in times.iter().zip(&growth) {
        let exact = (0.7 * t).exp();
        assert!(
            (y[0] - exact).abs() < 1e-8 * exact,
            "t = {t}: {} vs {exact}",
            y[0]
        );
    }
    // The harmonic oscillator: (y, v)' = (v, −y) from (1, 0) is (cos t, −sin t).
    let oscillator = solve(|_, u: &[f64; 2]| [u[1], -u[0]], [1.0, 0.0], &times, TIGHT).unwrap();
    for (t, u) in times.iter().zip(&oscillator) {
        assert!(
            (u[0] - t.cos()).abs() < 1e-8 && (u[1] + t.sin()).abs() < 1e-8,
            "t = {t}"
        );
    }
    // The logistic equation, with an explicit time dependence: y' = (1 + cos t)·y(1 − y) has
    // y = 1 / (1 + 9·e^−(t + sin t)) from y(0) = 0.1.
    let logistic = solve(
        |t, y: &[f64; 1]| [(1.0 + t.cos()) * y[0] * (1.0 - y[0])],
        [0.1],
        &times,
        TIGHT,
    )
    .unwrap();
    for (t, y) in times.iter().zip(&logistic) {
        let exact = 1.0 / (1.0 + 9.0 * (-(t + t.sin())).exp());
        assert!((y[0] - exact).abs() < 1e-9, "t = {t}: {} vs {exact}", y[0]);
    }
    // A solution that blows up in finite time (y' = y², y(0) = 1: y = 1/(1 − t)) fails.
    assert!(solve(|_, y: &[f64; 1]| [y[0] * y[0]], [1.0], &[0.0, 2.0], TIGHT).is_none());
}

#[test]
fn sir_keeps_its_population_and_decays_without_contacts() {
    for theta in [
        [0.4, 0.125],
        [1.5, 0.1],
        [0.05, 0.3],
        [0.61479264, 0.19172086],
    ] {
        let states = sir::trajectory(&theta).unwrap();
        assert_eq!(states.len(), 10);
        assert_eq!(states[0], [sir::POPULATION - 1.0, 1.0, 0.0]);
        for u in &states {
            let total: f64 = u.iter().sum();
            assert!((total - sir::POPULATION).abs() < 1e-6, "{theta:?}: {u:?}");
            assert!(u.iter().all(|&v| v >= -1e-6), "{theta:?}: {u:?}");
        }
    }
    // With β = 0 nobody is infected again: I = e^(−γt) (to 10⁻⁵ people: the tolerance is
    // relative to the whole state, S ≈ 10⁶ included).
    let states = sir::trajectory(&[0.0, 0.2]).unwrap();
    for (k, u) in states.iter().enumerate() {
        let t = (k * sir::DAYS_BETWEEN) as f64;
        assert!((u[1] - (-0.2 * t).exp()).abs() < 1e-5, "day {t}: {}", u[1]);
    }
}

#[test]
fn lotka_volterra_keeps_its_invariant_and_meets_its_closed_forms() {
    for theta in [
        [0.6859157, 0.10761319, 0.88789904, 0.116794825],
        [1.5, 0.05, 0.5, 0.02],
        [0.3, 0.2, 2.0, 0.3],
    ] {
        let states = lotka_volterra::trajectory(&theta).unwrap();
        assert_eq!(states.len(), 10);
        let start = lotka_volterra::invariant(&theta, states[0]);
        for u in &states {
            let v = lotka_volterra::invariant(&theta, *u);
            assert!(
                (v - start).abs() < 1e-5 * start.abs(),
                "{theta:?}: {v} vs {start}"
            );
        }
    }
    // Without interaction the species grow and decay on their own: 30·e^(αt), e^(−γt).
    let states = lotka_volterra::trajectory(&[0.3, 0.0, 0.5, 0.0]).unwrap();
    for (k, u) in states.iter().enumerate() {
        let t = k as f64 * lotka_volterra::TIME_BETWEEN;
        assert!(
            (u[0] - 30.0 * (0.3 * t).exp()).abs() < 1e-6 * u[0],
            "t = {t}"
        );
        let decayed = (-0.5 * t).exp();
        assert!(
            (u[1] - decayed).abs() < 1e-6 * decayed,
            "t = {t}: {} vs {decayed}",
            u[1]
        );
    }
}

/// sbibm's true parameters of observations 1–3 (`files/num_observation_K/
/// true_parameters.csv` of sbibm 1.1.0).
const SIR_TRUE: [[f64; 2]; 3] = [
    [0.61479264, 0.19172086],
    [0.6667743, 0.09215801],
    [0.7916269, 0.11864327],
];
const LOTKA_VOLTERRA_TRUE: [[f64; 4]; 3] = [
    [0.6859157, 0.10761319, 0.88789904, 0.116794825],
    [0.52359414, 0.04218707, 1.0599382, 0.11769616],
    [0.43880925, 0.04499132, 1.3667454, 0.09482003],
];

/// sbibm's observations are its simulator's noise around the trajectories at its true
/// parameters: within a few binomial deviations for SIR, at about the log-normal noise's
/// scale for Lotka–Volterra (mean squared log-residual ≈ 0.1² = 0.01). A shifted time grid or
/// a swapped species lands far off.
#[test]
fn sbibm_s_observations_lie_around_the_trajectories_at_its_true_parameters() {
    for (k, theta) in SIR_TRUE.iter().enumerate() {
        let observed = Task::Sir.observation(k + 1).unwrap();
        let states = sir::trajectory(theta).unwrap();
        for (count, u) in observed.iter().zip(&states) {
            let p = u[1] / sir::POPULATION;
            let (mean, sd) = (1000.0 * p, (1000.0 * p * (1.0 - p)).sqrt());
            assert!(
                (count - mean).abs() <= 5.0 * sd + 2.0,
                "{}: {count} vs {mean}",
                k + 1
            );
        }
    }
    for (k, theta) in LOTKA_VOLTERRA_TRUE.iter().enumerate() {
        let observed = Task::LotkaVolterra.observation(k + 1).unwrap();
        let states = lotka_volterra::trajectory(theta).unwrap();
        let expected = (0..2).flat_map(|s| states.iter().map(move |u| u[s]));
        let residual = observed
            .iter()
            .zip(expected)
            .map(|(o, u)| (o.ln() - u.ln()).powi(2))
            .sum::<f64>()
            / 20.0;
        assert!((0.002..0.03).contains(&residual), "{}: {residual}", k + 1);
    }
}

#[test]
fn the_ode_tasks_simulate_sbibm_s_kinds_of_values() {
    let sims = Task::Sir.simulate(300, 1).unwrap();
    assert!(sims.points().iter_rows().all(|r| {
        r[..2].iter().all(|&t| t > 0.0)
            && r[2..]
                .iter()
                .all(|&c| c.fract() == 0.0 && (0.0..=1000.0).contains(&c))
    }));
    let sims = Task::LotkaVolterra.simulate(300, 1).unwrap();
    assert!(
        sims.points()
            .iter_rows()
            .all(|r| r.iter().all(|&v| v > 0.0))
    );
    // The prior's log-rates have sbibm's medians: ln β ≈ ln 0.4 (scale 0.5 over 300 draws).
    let sir = Task::Sir.simulate(2000, 2).unwrap();
    let log_beta: f64 = sir
        .points()
        .iter_rows()
        .map(|r| f64::from(r[0]).ln())
        .sum::<f64>()
        / 2000.0;
    assert!((log_beta - 0.4f64.ln()).abs() < 0.05, "{log_beta}");
}
