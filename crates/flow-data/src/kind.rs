//! Names of the available data sets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::points::Points;
use crate::toy::{
    CHECKERBOARD_DIM, TOY_DIM, checkerboard, circles, eight_gaussians, moons, pinwheel, rings,
    swiss_roll, two_spirals,
};

/// A toy data set this crate can generate. Serialized under its [`name`](DatasetKind::name)
/// (`"checkerboard"`, `"8gaussians"`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DatasetKind {
    /// The 2-D checkerboard; see [`checkerboard`](crate::checkerboard()).
    #[serde(rename = "checkerboard")]
    Checkerboard,
    /// Eight Gaussians on a circle; see [`eight_gaussians`](crate::eight_gaussians()).
    #[serde(rename = "8gaussians")]
    EightGaussians,
    /// Two concentric circles; see [`circles`](crate::circles()).
    #[serde(rename = "circles")]
    Circles,
    /// Four concentric rings; see [`rings`](crate::rings()).
    #[serde(rename = "rings")]
    Rings,
    /// Two interleaving half circles; see [`moons`](crate::moons()).
    #[serde(rename = "moons")]
    Moons,
    /// The swiss roll; see [`swiss_roll`](crate::swiss_roll()).
    #[serde(rename = "swissroll")]
    SwissRoll,
    /// Two interleaved spirals; see [`two_spirals`](crate::two_spirals()).
    #[serde(rename = "2spirals")]
    TwoSpirals,
    /// A pinwheel of five arms; see [`pinwheel`](crate::pinwheel()).
    #[serde(rename = "pinwheel")]
    Pinwheel,
}

impl DatasetKind {
    /// Every data set kind.
    pub const ALL: [DatasetKind; 8] = [
        DatasetKind::Checkerboard,
        DatasetKind::EightGaussians,
        DatasetKind::Circles,
        DatasetKind::Rings,
        DatasetKind::Moons,
        DatasetKind::SwissRoll,
        DatasetKind::TwoSpirals,
        DatasetKind::Pinwheel,
    ];

    /// The canonical lowercase name, as accepted by [`FromStr`] and written by [`Display`](fmt::Display).
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Checkerboard => "checkerboard",
            DatasetKind::EightGaussians => "8gaussians",
            DatasetKind::Circles => "circles",
            DatasetKind::Rings => "rings",
            DatasetKind::Moons => "moons",
            DatasetKind::SwissRoll => "swissroll",
            DatasetKind::TwoSpirals => "2spirals",
            DatasetKind::Pinwheel => "pinwheel",
        }
    }

    /// Dimension of the points of this data set.
    pub fn dim(self) -> usize {
        match self {
            DatasetKind::Checkerboard => CHECKERBOARD_DIM,
            _ => TOY_DIM,
        }
    }

    /// Draws `n` points (`n × dim`) reproducibly from `seed`.
    pub fn generate(self, n: usize, seed: u64) -> Points {
        let generator: fn(usize, u64) -> Points = match self {
            DatasetKind::Checkerboard => checkerboard,
            DatasetKind::EightGaussians => eight_gaussians,
            DatasetKind::Circles => circles,
            DatasetKind::Rings => rings,
            DatasetKind::Moons => moons,
            DatasetKind::SwissRoll => swiss_roll,
            DatasetKind::TwoSpirals => two_spirals,
            DatasetKind::Pinwheel => pinwheel,
        };
        generator(n, seed)
    }

    /// The entropy of the data's distribution in nats: the best expected negative
    /// log-likelihood any model can reach on its points (the test NLL of the true density).
    ///
    /// The checkerboard's is exact (`ln 32`: density 1/32 on an area of 32); the others come
    /// from the exact density of each definition integrated numerically in float64
    /// (`scripts/ideal_nll.py`, whose output `tests/data/ideal_nll.json` the tests compare
    /// with), and agree with a Monte-Carlo estimate on fresh samples within about 0.002.
    pub fn ideal_nll(self) -> f64 {
        match self {
            DatasetKind::Checkerboard => 32f64.ln(),
            DatasetKind::EightGaussians => 2.83188,
            DatasetKind::Circles => 3.26814,
            DatasetKind::Rings => 2.62318,
            DatasetKind::Moons => 2.39388,
            DatasetKind::SwissRoll => 2.66965,
            DatasetKind::TwoSpirals => 2.64545,
            DatasetKind::Pinwheel => 2.31779,
        }
    }

    /// A square `[lo, hi]²` (the same interval on both axes) that holds essentially all of the
    /// data's mass, for pictures of densities and samples.
    ///
    /// Chosen from the definitions: the support's extent plus at least four noise standard
    /// deviations (checkerboard: exactly its support `[−4, 4)²`).
    pub fn plot_range(self) -> (f64, f64) {
        match self {
            // Centres at 2.83, σ 0.354: 2.83 + 4.7σ.
            DatasetKind::EightGaussians => (-4.5, 4.5),
            // Radius 3, σ 0.24 per coordinate: 3 + 6σ.
            DatasetKind::Circles => (-4.5, 4.5),
            // Radius 3, σ 0.08.
            DatasetKind::Rings => (-4.5, 4.5),
            // Pinwheel radius 2‖f‖ with f0 = 1 + 0.3ε: 4.5 is 2·f0 at ε ≈ 4.2.
            DatasetKind::Pinwheel => (-4.5, 4.5),
            // Checkerboard support [−4, 4)²; moons x ∈ [−3, 3], y ∈ [−1.2, 1.8] plus σ 0.2;
            // swissroll radius ≤ 0.9π ≈ 2.83 plus σ 0.2; 2spirals radius ≤ (3π + 0.5)/3 ≈ 3.3
            // plus σ 0.1.
            DatasetKind::Checkerboard
            | DatasetKind::Moons
            | DatasetKind::SwissRoll
            | DatasetKind::TwoSpirals => (-4.0, 4.0),
        }
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DatasetKind {
    type Err = DataError;

    /// Parses a data set name (ASCII case-insensitive, surrounding whitespace ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        DatasetKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| DataError::UnknownDataset {
                name: s.to_owned(),
                allowed: DatasetKind::ALL.map(DatasetKind::name).join(", "),
            })
    }
}
