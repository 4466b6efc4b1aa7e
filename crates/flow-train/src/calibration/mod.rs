//! Calibration of a conditional model `q(θ | x)` on held-out pairs `(θ, x)`, for simulators
//! without a reference posterior: simulation-based calibration ranks (Talts et al. 2018),
//! the expected coverage of the highest-density regions (the ranks of the true `θ`'s
//! log-density among the draws'), and TARP (Lemos et al. 2023).

mod draws;
mod ranks;
mod report;
mod tarp;
mod uniformity;

pub use draws::{PairDraws, draws_per_pair};
pub use ranks::{density_ranks, sbc_ranks};
pub use report::{Calibration, Curve, Measurements, Verdict, band};
pub use tarp::tarp_coverage;
pub use uniformity::ks_uniform;
