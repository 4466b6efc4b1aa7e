//! Names of the available data sets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::checkerboard::{CHECKERBOARD_DIM, checkerboard};
use crate::error::DataError;
use crate::points::Points;

/// A toy data set this crate can generate. Serialized in lowercase (`"checkerboard"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    /// The 2-D checkerboard; see [`checkerboard`](crate::checkerboard()).
    Checkerboard,
}

impl DatasetKind {
    /// Every data set kind.
    pub const ALL: [DatasetKind; 1] = [DatasetKind::Checkerboard];

    /// The canonical lowercase name, as accepted by [`FromStr`] and written by [`Display`](fmt::Display).
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Checkerboard => "checkerboard",
        }
    }

    /// Dimension of the points of this data set.
    pub fn dim(self) -> usize {
        match self {
            DatasetKind::Checkerboard => CHECKERBOARD_DIM,
        }
    }

    /// Draws `n` points (`n × dim`) reproducibly from `seed`.
    pub fn generate(self, n: usize, seed: u64) -> Points {
        match self {
            DatasetKind::Checkerboard => checkerboard(n, seed),
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
