//! The simulation tasks of the sbibm benchmark (Lueckmann et al. 2021), by name.

use std::fmt;
use std::str::FromStr;

use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::{
    PriorBox, Simulations, bernoulli_glm, gaussian_linear, gaussian_linear_uniform,
    gaussian_mixture, lotka_volterra, simulate, sir, slcp, slcp_distractors, two_moons,
};
use crate::error::DataError;

/// A benchmark task: a prior and a simulator as sbibm defines them. Serialized under its
/// [`name`](Task::name) (`"gaussian-linear"`, `"two-moons"`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Task {
    /// See [`gaussian_linear`]: `θ, x ∈ R¹⁰`, a Gaussian posterior known in closed form.
    #[serde(rename = "gaussian-linear")]
    GaussianLinear,
    /// See [`gaussian_linear_uniform`]: `θ, x ∈ R¹⁰`, a Gaussian posterior truncated to the
    /// prior's box.
    #[serde(rename = "gaussian-linear-uniform")]
    GaussianLinearUniform,
    /// See [`two_moons`]: `θ, x ∈ R²`, a crescent-shaped bimodal posterior.
    #[serde(rename = "two-moons")]
    TwoMoons,
    /// See [`gaussian_mixture`]: `θ, x ∈ R²`, a posterior of two scales.
    #[serde(rename = "gaussian-mixture")]
    GaussianMixture,
    /// See [`slcp_distractors`]: slcp's `θ ∈ R⁵` and posterior, its `x` hidden among 92
    /// distractors, `x ∈ R¹⁰⁰`.
    #[serde(rename = "slcp-distractors")]
    SlcpDistractors,
    /// See [`sir`]: `θ ∈ R²` (contact and recovery rates), `x ∈ R¹⁰` (noisy counts of the
    /// infected).
    #[serde(rename = "sir")]
    Sir,
    /// See [`lotka_volterra`]: `θ ∈ R⁴` (four rates), `x ∈ R²⁰` (noisy prey and predators).
    #[serde(rename = "lotka-volterra")]
    LotkaVolterra,
    /// See [`bernoulli_glm`]: `θ ∈ R¹⁰`, `x ∈ R¹⁰` (the number of spikes and the
    /// spike-triggered average), a posterior close to Gaussian.
    #[serde(rename = "bernoulli-glm")]
    BernoulliGlm,
    /// See [`bernoulli_glm`]: `θ ∈ R¹⁰`, `x ∈ {0, 1}¹⁰⁰` (the spikes themselves).
    #[serde(rename = "bernoulli-glm-raw")]
    BernoulliGlmRaw,
    /// See [`slcp`]: `θ ∈ R⁵`, `x ∈ R⁸`, a posterior of four modes.
    #[serde(rename = "slcp")]
    Slcp,
}

impl Task {
    /// Every task.
    pub const ALL: [Task; 10] = [
        Task::GaussianLinear,
        Task::GaussianLinearUniform,
        Task::TwoMoons,
        Task::GaussianMixture,
        Task::Slcp,
        Task::SlcpDistractors,
        Task::BernoulliGlm,
        Task::BernoulliGlmRaw,
        Task::Sir,
        Task::LotkaVolterra,
    ];

    /// The name [`FromStr`] accepts and [`Display`](fmt::Display) writes.
    pub fn name(self) -> &'static str {
        match self {
            Task::GaussianLinear => "gaussian-linear",
            Task::GaussianLinearUniform => "gaussian-linear-uniform",
            Task::TwoMoons => "two-moons",
            Task::GaussianMixture => "gaussian-mixture",
            Task::Slcp => "slcp",
            Task::SlcpDistractors => "slcp-distractors",
            Task::BernoulliGlm => "bernoulli-glm",
            Task::BernoulliGlmRaw => "bernoulli-glm-raw",
            Task::Sir => "sir",
            Task::LotkaVolterra => "lotka-volterra",
        }
    }

    /// The width `K` of `θ`.
    pub fn theta_dim(self) -> usize {
        match self {
            Task::GaussianLinear => gaussian_linear::THETA_DIM,
            Task::GaussianLinearUniform => gaussian_linear_uniform::THETA_DIM,
            Task::TwoMoons => two_moons::THETA_DIM,
            Task::GaussianMixture => gaussian_mixture::THETA_DIM,
            Task::Slcp => slcp::THETA_DIM,
            Task::SlcpDistractors => slcp_distractors::THETA_DIM,
            Task::BernoulliGlm | Task::BernoulliGlmRaw => bernoulli_glm::THETA_DIM,
            Task::Sir => sir::THETA_DIM,
            Task::LotkaVolterra => lotka_volterra::THETA_DIM,
        }
    }

    /// The width `M` of `x`.
    pub fn x_dim(self) -> usize {
        match self {
            Task::GaussianLinear => gaussian_linear::X_DIM,
            Task::GaussianLinearUniform => gaussian_linear_uniform::X_DIM,
            Task::TwoMoons => two_moons::X_DIM,
            Task::GaussianMixture => gaussian_mixture::X_DIM,
            Task::Slcp => slcp::X_DIM,
            Task::SlcpDistractors => slcp_distractors::X_DIM,
            Task::BernoulliGlm => bernoulli_glm::X_DIM,
            Task::BernoulliGlmRaw => bernoulli_glm::RAW_X_DIM,
            Task::Sir => sir::X_DIM,
            Task::LotkaVolterra => lotka_volterra::X_DIM,
        }
    }

    /// The support of the prior when it is a box (uniform priors); `None` for the Gaussian
    /// priors of `gaussian-linear` and the GLMs and the log-normal ones of `sir` and
    /// `lotka-volterra`.
    pub fn prior_box(self) -> Option<PriorBox> {
        let bounds = match self {
            Task::GaussianLinear
            | Task::BernoulliGlm
            | Task::BernoulliGlmRaw
            | Task::Sir
            | Task::LotkaVolterra => return None,
            Task::GaussianLinearUniform => gaussian_linear_uniform::PRIOR_BOUNDS,
            Task::TwoMoons => two_moons::PRIOR_BOUNDS,
            Task::GaussianMixture => gaussian_mixture::PRIOR_BOUNDS,
            Task::Slcp | Task::SlcpDistractors => slcp::PRIOR_BOUNDS,
        };
        let bounds = vec![bounds; self.theta_dim()];
        Some(PriorBox::new(bounds).expect("the tasks' bounds are ordered"))
    }

    /// One `θ` from the prior.
    pub fn prior(self, rng: &mut StdRng) -> Vec<f64> {
        match self {
            Task::GaussianLinear => gaussian_linear::prior(rng),
            Task::GaussianLinearUniform => gaussian_linear_uniform::prior(rng),
            Task::TwoMoons => two_moons::prior(rng),
            Task::GaussianMixture => gaussian_mixture::prior(rng),
            Task::Slcp => slcp::prior(rng),
            Task::SlcpDistractors => slcp_distractors::prior(rng),
            Task::BernoulliGlm | Task::BernoulliGlmRaw => bernoulli_glm::prior(rng),
            Task::Sir => sir::prior(rng),
            Task::LotkaVolterra => lotka_volterra::prior(rng),
        }
    }

    /// One `x` at `θ`.
    pub fn simulator(self, theta: &[f64], rng: &mut StdRng) -> Vec<f64> {
        match self {
            Task::GaussianLinear => gaussian_linear::simulator(theta, rng),
            Task::GaussianLinearUniform => gaussian_linear_uniform::simulator(theta, rng),
            Task::TwoMoons => two_moons::simulator(theta, rng),
            Task::GaussianMixture => gaussian_mixture::simulator(theta, rng),
            Task::Slcp => slcp::simulator(theta, rng),
            Task::SlcpDistractors => slcp_distractors::simulator(theta, rng),
            Task::BernoulliGlm => bernoulli_glm::simulator(theta, rng),
            Task::BernoulliGlmRaw => bernoulli_glm::spikes(theta, rng),
            Task::Sir => sir::simulator(theta, rng),
            Task::LotkaVolterra => lotka_volterra::simulator(theta, rng),
        }
    }

    /// `n` simulations `(θ, x)`, reproducibly from `seed` (see [`simulate`]).
    pub fn simulate(self, n: usize, seed: u64) -> Result<Simulations, DataError> {
        simulate(
            n,
            seed,
            |rng| self.prior(rng),
            |theta, rng| self.simulator(theta, rng),
        )
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Task {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Task::ALL
            .into_iter()
            .find(|task| task.name() == s)
            .ok_or_else(|| DataError::UnknownTask {
                name: s.to_string(),
                allowed: Task::ALL.map(Task::name).join(", "),
            })
    }
}
