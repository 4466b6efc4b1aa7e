//! sbibm's ten observations of each task, shipped with the tasks (the observations are
//! sbibm's data, not re-simulated: see `observations/SOURCE.md`), so that a posterior is
//! sampled at observation `K` by number.

use super::task::Task;
use crate::error::DataError;

/// How many observations sbibm gives each task.
pub const OBSERVATIONS: usize = 10;

impl Task {
    /// sbibm's observation `k` (1 to [`OBSERVATIONS`]) of this task: `x_o`, of width
    /// [`Task::x_dim`].
    pub fn observation(self, k: usize) -> Result<Vec<f64>, DataError> {
        if !(1..=OBSERVATIONS).contains(&k) {
            return Err(DataError::NoObservation {
                task: self.name(),
                count: OBSERVATIONS,
                k,
            });
        }
        let table = self.observations();
        let row = table
            .lines()
            .nth(k)
            .expect("each file holds a header and ten observations");
        Ok(row
            .split(',')
            .map(|v| v.parse().expect("the shipped observations are numbers"))
            .collect())
    }

    /// The file of this task's observations: a header, then one observation per row.
    fn observations(self) -> &'static str {
        match self {
            Task::GaussianLinear => include_str!("observations/gaussian-linear.csv"),
            Task::GaussianLinearUniform => {
                include_str!("observations/gaussian-linear-uniform.csv")
            }
            Task::TwoMoons => include_str!("observations/two-moons.csv"),
            Task::GaussianMixture => include_str!("observations/gaussian-mixture.csv"),
            Task::Slcp => include_str!("observations/slcp.csv"),
            Task::SlcpDistractors => include_str!("observations/slcp-distractors.csv"),
            Task::BernoulliGlm => include_str!("observations/bernoulli-glm.csv"),
            Task::BernoulliGlmRaw => include_str!("observations/bernoulli-glm-raw.csv"),
            Task::Sir => include_str!("observations/sir.csv"),
            Task::LotkaVolterra => include_str!("observations/lotka-volterra.csv"),
        }
    }
}
