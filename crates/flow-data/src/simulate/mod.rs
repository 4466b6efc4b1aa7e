//! Seeded simulators for simulation-based inference: a prior over parameters `θ` and a
//! simulator `θ → x`, as closures of a user's ([`simulate`]), as a user's program fed from a
//! [`Prior`] ([`Program`]), or as the tasks of the sbibm benchmark ([`Task`]), defined
//! exactly as sbibm defines them.
//!
//! A simulation is a row `(θ1…θK, x1…xM)`. [`simulate`] draws its `n` rows from one
//! `StdRng::seed_from_u64(seed)`, row after row (the prior's draws, then the simulator's), so
//! the first `m` rows of a draw of `n > m` rows are the draw of `m`.

use rand::{SeedableRng, rngs::StdRng};

use crate::error::DataError;
use crate::points::Points;

pub mod bernoulli_glm;
pub mod gaussian_linear;
pub mod gaussian_linear_uniform;
pub mod gaussian_mixture;
pub mod lotka_volterra;
pub mod observation;
pub mod ode;
pub mod prior;
pub mod prior_box;
pub mod program;
pub mod sir;
pub mod slcp;
pub mod slcp_distractors;
pub mod task;
pub mod two_moons;

pub use observation::OBSERVATIONS;
pub use prior::{DiagonalGaussian, Prior};
pub use prior_box::{BoxDraws, DRAWS_BEFORE_VERDICT, LowAcceptance, MIN_ACCEPTANCE, PriorBox};
pub use program::{Program, ProgramRun};
pub use task::Task;

/// Simulated pairs `(θ, x)`: rows of `θ`'s `K` values followed by `x`'s `M`.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulations {
    /// The width `K` of `θ`.
    theta_dim: usize,
    /// The rows, `N × (K + M)`.
    points: Points,
}

impl Simulations {
    /// Rows of `θ`'s `theta_dim` values followed by `x`'s; `x` must have at least one column.
    pub fn new(theta_dim: usize, points: Points) -> Result<Self, DataError> {
        if theta_dim == 0 || theta_dim >= points.dim() {
            return Err(DataError::Simulator {
                reason: format!(
                    "rows of {} values cannot hold θ of width {theta_dim} and an x of width ≥ 1",
                    points.dim()
                ),
            });
        }
        Ok(Self { theta_dim, points })
    }

    /// The width `K` of `θ`.
    pub fn theta_dim(&self) -> usize {
        self.theta_dim
    }

    /// The width `M` of `x`.
    pub fn x_dim(&self) -> usize {
        self.points.dim() - self.theta_dim
    }

    /// The number of simulations.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether there are no simulations.
    pub fn is_empty(&self) -> bool {
        self.points.len() == 0
    }

    /// The rows `(θ, x)`.
    pub fn points(&self) -> &Points {
        &self.points
    }

    /// The column names: `theta1…thetaK`, then `x1…xM`.
    pub fn column_names(&self) -> Vec<String> {
        (1..=self.theta_dim)
            .map(|i| format!("theta{i}"))
            .chain((1..=self.x_dim()).map(|i| format!("x{i}")))
            .collect()
    }
}

/// `n` simulations from `prior` (one `θ` from the generator) and `simulator` (one `x` at `θ`
/// from the generator), reproducibly from `seed`. The widths of `θ` and `x` are those of the
/// first row; every later row must keep them, and every value must be finite (an error names
/// the row and column otherwise).
pub fn simulate(
    n: usize,
    seed: u64,
    mut prior: impl FnMut(&mut StdRng) -> Vec<f64>,
    mut simulator: impl FnMut(&[f64], &mut StdRng) -> Vec<f64>,
) -> Result<Simulations, DataError> {
    if n == 0 {
        return Err(DataError::Simulator {
            reason: "the number of simulations must be at least 1".into(),
        });
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut widths = None;
    let mut values = Vec::new();
    for row in 0..n {
        let theta = prior(&mut rng);
        let x = simulator(&theta, &mut rng);
        let (k, m) = *widths.get_or_insert((theta.len(), x.len()));
        if (theta.len(), x.len()) != (k, m) || k == 0 || m == 0 {
            return Err(DataError::Simulator {
                reason: format!(
                    "simulation {} has θ of width {} and x of width {}, the first had {k} and \
                     {m} (both must be at least 1)",
                    row + 1,
                    theta.len(),
                    x.len()
                ),
            });
        }
        if values.is_empty() {
            values.reserve(n * (k + m));
        }
        values.extend(theta.iter().chain(&x).map(|&v| v as f32));
    }
    let (k, m) = widths.expect("n ≥ 1 rows were drawn");
    let points = Points::new(k + m, values).map_err(|e| match e {
        DataError::NonFinite { row, col, value } => DataError::Simulator {
            reason: format!(
                "simulation {} gave the non-finite value {value} as {}",
                row + 1,
                match col < k {
                    true => format!("theta{}", col + 1),
                    false => format!("x{}", col - k + 1),
                }
            ),
        },
        other => other,
    })?;
    Simulations::new(k, points)
}
