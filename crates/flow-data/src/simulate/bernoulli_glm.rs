//! sbibm's `bernoulli_glm` and `bernoulli_glm_raw`: a generalised linear model of a neuron
//! that spikes (1) or not (0) in each of 100 time steps, driven by a fixed white-noise
//! stimulus through a filter of nine taps and an offset.
//!
//! `θ = (β0, f1…f9) ~ N(0, P⁻¹)`, with the precision `P` block-diagonal: `P00 = 0.5` for the
//! offset, `FᵀF` for the filter, `F = D² + diag(√(i/9))` (`i = 0…8`, `D` the first-difference
//! matrix), which favours smooth filters. Spike `t` is Bernoulli with probability
//! `σ(Vθ)_t`, `V` sbibm's fixed 100 × 10 design matrix (a column of ones, then the stimulus
//! delayed by 0…8 steps). `bernoulli-glm` observes ten summaries: the number of spikes and the
//! spike-triggered average (sbibm's `conv1d` of the spikes with the stimulus, padding 8, its
//! last nine values); `bernoulli-glm-raw` observes the 100 spikes themselves. Draws per
//! simulation, in order: ten standard normals for `θ`, 100 uniforms for the spikes.
//!
//! The design matrix and the stimulus are sbibm's numbers (`fixed/`, see its `SOURCE.md`).

use std::sync::OnceLock;

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// The width of `θ`.
pub const THETA_DIM: usize = 10;
/// The width of `x` of `bernoulli-glm` (the summaries).
pub const X_DIM: usize = 10;
/// The width of `x` of `bernoulli-glm-raw`: one value per time step.
pub const RAW_X_DIM: usize = STEPS;
/// The number of time steps.
const STEPS: usize = 100;
/// The zeros sbibm pads the spikes with on each side before correlating them with the
/// stimulus.
const PADDING: usize = 8;

/// sbibm's design matrix `V`, `100 × 10`.
pub fn design_matrix() -> &'static [[f64; THETA_DIM]] {
    static MATRIX: OnceLock<Vec<[f64; THETA_DIM]>> = OnceLock::new();
    MATRIX.get_or_init(|| {
        rows(include_str!("fixed/bernoulli-glm-design-matrix.csv"))
            .map(|row| row.try_into().expect("the design matrix has ten columns"))
            .collect()
    })
}

/// sbibm's stimulus, 100 values.
pub fn stimulus() -> &'static [f64] {
    static STIMULUS: OnceLock<Vec<f64>> = OnceLock::new();
    STIMULUS.get_or_init(|| {
        rows(include_str!("fixed/bernoulli-glm-stimulus.csv"))
            .flatten()
            .collect()
    })
}

/// The rows of numbers of a shipped CSV file, after its header.
fn rows(text: &'static str) -> impl Iterator<Item = Vec<f64>> {
    text.lines().skip(1).map(|line| {
        line.split(',')
            .map(|v| v.parse().expect("the shipped files hold numbers"))
            .collect()
    })
}

/// The prior's precision matrix `P`.
pub fn prior_precision() -> [[f64; THETA_DIM]; THETA_DIM] {
    const M: usize = THETA_DIM - 1;
    // F = D·D + diag(√(i/M)), D = I − (ones below the diagonal).
    let d = |i: usize, j: usize| match () {
        _ if i == j => 1.0,
        _ if i == j + 1 => -1.0,
        _ => 0.0,
    };
    let mut f = [[0.0; M]; M];
    for (i, row) in f.iter_mut().enumerate() {
        for (j, value) in row.iter_mut().enumerate() {
            *value = (0..M).map(|k| d(i, k) * d(k, j)).sum::<f64>();
        }
        row[i] += (i as f64 / M as f64).sqrt();
    }
    let mut p = [[0.0; THETA_DIM]; THETA_DIM];
    p[0][0] = 0.5;
    for i in 0..M {
        for j in 0..M {
            p[i + 1][j + 1] = (0..M).map(|k| f[k][i] * f[k][j]).sum();
        }
    }
    p
}

/// The lower Cholesky factor `L` of the prior's precision, `P = L·Lᵀ`.
fn precision_factor() -> &'static [[f64; THETA_DIM]; THETA_DIM] {
    static FACTOR: OnceLock<[[f64; THETA_DIM]; THETA_DIM]> = OnceLock::new();
    FACTOR.get_or_init(|| {
        let p = prior_precision();
        let mut l = [[0.0; THETA_DIM]; THETA_DIM];
        for i in 0..THETA_DIM {
            for j in 0..=i {
                let dot: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
                l[i][j] = match i == j {
                    true => (p[i][i] - dot).sqrt(),
                    false => (p[i][j] - dot) / l[j][j],
                };
            }
        }
        l
    })
}

/// One `θ` from the prior: `θ = L⁻ᵀz`, `z` ten standard normals, whose covariance is
/// `(L·Lᵀ)⁻¹ = P⁻¹`.
pub fn prior(rng: &mut impl Rng) -> Vec<f64> {
    let z: Vec<f64> = (0..THETA_DIM)
        .map(|_| rng.sample::<f64, _>(StandardNormal))
        .collect();
    let l = precision_factor();
    // Back substitution in Lᵀθ = z, last coordinate first.
    let mut theta = vec![0.0; THETA_DIM];
    for i in (0..THETA_DIM).rev() {
        let known: f64 = (i + 1..THETA_DIM).map(|k| l[k][i] * theta[k]).sum();
        theta[i] = (z[i] - known) / l[i][i];
    }
    theta
}

/// The 100 spikes (0 or 1) at `θ`.
pub fn spikes(theta: &[f64], rng: &mut impl Rng) -> Vec<f64> {
    design_matrix()
        .iter()
        .map(|row| {
            let psi: f64 = row.iter().zip(theta).map(|(v, t)| v * t).sum();
            let rate = 1.0 / (1.0 + (-psi).exp());
            f64::from(u8::from(rng.random::<f64>() < rate))
        })
        .collect()
}

/// The ten summaries of 100 spikes `y`: their number, then the last nine values of the
/// cross-correlation of `y` (padded with eight zeros each side) with the stimulus.
pub fn summary(y: &[f64]) -> Vec<f64> {
    let stimulus = stimulus();
    let padded = |t: usize| match t.checked_sub(PADDING) {
        Some(i) if i < y.len() => y[i],
        _ => 0.0,
    };
    let outputs = y.len() + 2 * PADDING - stimulus.len() + 1;
    let correlation = (outputs - (X_DIM - 1)..outputs).map(|j| {
        stimulus
            .iter()
            .enumerate()
            .map(|(k, s)| padded(j + k) * s)
            .sum::<f64>()
    });
    std::iter::once(y.iter().sum()).chain(correlation).collect()
}

/// One `x` of `bernoulli-glm` at `θ`: the summaries of its spikes.
pub fn simulator(theta: &[f64], rng: &mut impl Rng) -> Vec<f64> {
    summary(&spikes(theta, rng))
}
