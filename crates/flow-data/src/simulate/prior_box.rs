//! The support of a box prior, and sampling a distribution restricted to it by rejection:
//! posterior samples of neural posterior estimation that leak out of a bounded prior's
//! support are rejected and redrawn.

use serde::{Deserialize, Serialize};

use crate::error::DataError;

/// Below this share of draws inside the box, rejection gives up: the distribution's mass lies
/// almost all outside the prior's support.
pub const MIN_ACCEPTANCE: f64 = 1e-3;
/// Draws made before the acceptance is judged against [`MIN_ACCEPTANCE`] (at the minimum,
/// about 20 of them fall inside).
pub const DRAWS_BEFORE_VERDICT: usize = 20_000;
/// The fewest and the most points drawn per round.
const ROUND_SIZES: (usize, usize) = (1024, 65_536);

/// An axis-aligned box `[lo_1, hi_1] × … × [lo_K, hi_K]`, `lo_i < hi_i`: the support of a
/// uniform prior. Serialized as its list of `[lo, hi]` pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<[f64; 2]>", into = "Vec<[f64; 2]>")]
pub struct PriorBox {
    bounds: Vec<[f64; 2]>,
}

impl PriorBox {
    /// The box of `bounds`, one `[lo, hi]` pair per coordinate; each must have `lo < hi`
    /// (infinite bounds allowed, NaN not).
    pub fn new(bounds: Vec<[f64; 2]>) -> Result<Self, DataError> {
        if bounds.is_empty() {
            return Err(DataError::PriorBox {
                reason: "it has no coordinates".into(),
            });
        }
        if let Some((i, [lo, hi])) = bounds
            .iter()
            .enumerate()
            .find(|(_, [lo, hi])| lo.partial_cmp(hi) != Some(std::cmp::Ordering::Less))
        {
            return Err(DataError::PriorBox {
                reason: format!(
                    "coordinate {} has LO = {lo} and HI = {hi}; each needs LO < HI",
                    i + 1
                ),
            });
        }
        Ok(Self { bounds })
    }

    /// The box of `dim` coordinates from the flat list `lo_1, hi_1, lo_2, hi_2, …` (the form
    /// of `--prior-box`).
    pub fn from_flat(values: &[f64], dim: usize) -> Result<Self, DataError> {
        if values.len() != 2 * dim {
            return Err(DataError::PriorBox {
                reason: format!(
                    "it has {} values, but a box over {dim} coordinates takes {} (LO,HI for each)",
                    values.len(),
                    2 * dim
                ),
            });
        }
        Self::new(values.chunks(2).map(|p| [p[0], p[1]]).collect())
    }

    /// The number of coordinates `K`.
    pub fn dim(&self) -> usize {
        self.bounds.len()
    }

    /// The `[lo, hi]` pair of each coordinate.
    pub fn bounds(&self) -> &[[f64; 2]] {
        &self.bounds
    }

    /// Whether the point `row` (`K` values) lies in the box, bounds included.
    pub fn contains(&self, row: &[f32]) -> bool {
        row.iter()
            .zip(&self.bounds)
            .all(|(&v, [lo, hi])| (*lo..=*hi).contains(&f64::from(v)))
    }

    /// `n` points of a distribution restricted to the box, by rejection: `draw(count, round)`
    /// makes `count` independent draws (row-major, `K` values each) in round `round = 0, 1,
    /// …`, which should seed each round differently. Fails once at least 20 000 draws have
    /// been made if fewer than [`MIN_ACCEPTANCE`] of them fell inside.
    pub fn sample(
        &self,
        n: usize,
        mut draw: impl FnMut(usize, usize) -> Vec<f32>,
    ) -> Result<BoxDraws, LowAcceptance> {
        let dim = self.dim();
        let mut values = Vec::with_capacity(n * dim);
        let (mut drawn, mut inside) = (0usize, 0usize);
        let mut round = 0;
        while values.len() < n * dim {
            let needed = n - values.len() / dim;
            // The acceptance so far, kept away from 0 and 1 (Laplace's rule), sizes the round.
            let rate = (inside as f64 + 1.0) / (drawn as f64 + 2.0);
            let count =
                ((1.1 * needed as f64 / rate).ceil() as usize).clamp(ROUND_SIZES.0, ROUND_SIZES.1);
            let rows = draw(count, round);
            drawn += count;
            for row in rows.chunks_exact(dim).filter(|row| self.contains(row)) {
                inside += 1;
                if values.len() < n * dim {
                    values.extend_from_slice(row);
                }
            }
            if drawn >= DRAWS_BEFORE_VERDICT && (inside as f64) < MIN_ACCEPTANCE * drawn as f64 {
                return Err(LowAcceptance { inside, drawn });
            }
            round += 1;
        }
        Ok(BoxDraws {
            values,
            drawn,
            inside,
        })
    }
}

impl TryFrom<Vec<[f64; 2]>> for PriorBox {
    type Error = DataError;

    fn try_from(bounds: Vec<[f64; 2]>) -> Result<Self, Self::Error> {
        Self::new(bounds)
    }
}

impl From<PriorBox> for Vec<[f64; 2]> {
    fn from(prior: PriorBox) -> Self {
        prior.bounds
    }
}

/// What [`PriorBox::sample`] drew.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxDraws {
    /// The `n` points inside the box, row-major.
    pub values: Vec<f32>,
    /// Every draw made.
    pub drawn: usize,
    /// The draws that fell inside the box (at least `n`).
    pub inside: usize,
}

impl BoxDraws {
    /// The share of draws that fell inside the box.
    pub fn acceptance(&self) -> f64 {
        self.inside as f64 / self.drawn.max(1) as f64
    }
}

/// Rejection to a prior box gave up: almost no draw fell inside.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "only {inside} of {drawn} draws ({:.1e}) fell inside the prior box, below the minimum \
     acceptance {MIN_ACCEPTANCE:.0e}: the posterior's mass lies outside the prior's support \
     (train on more simulations, or check the observation and the box)",
    *inside as f64 / *drawn as f64
)]
pub struct LowAcceptance {
    /// The draws that fell inside.
    pub inside: usize,
    /// Every draw made.
    pub drawn: usize,
}
