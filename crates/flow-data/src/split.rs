//! Train / validation / test splits.

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use crate::error::DataError;
use crate::kind::DatasetKind;
use crate::points::Points;

/// Constant XOR-ed into the generation seed to get the shuffle seed in [`make_splits`].
pub const SPLIT_SEED_MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// Three disjoint subsets of one point set.
#[derive(Debug, Clone, PartialEq)]
pub struct Splits {
    /// Training points.
    pub train: Points,
    /// Validation points.
    pub valid: Points,
    /// Test points.
    pub test: Points,
}

/// Checks that each size is positive and that their sum is at most `available`.
fn check_sizes(
    n_train: usize,
    n_valid: usize,
    n_test: usize,
    available: usize,
) -> Result<usize, DataError> {
    for (part, n) in [("train", n_train), ("valid", n_valid), ("test", n_test)] {
        if n == 0 {
            return Err(DataError::EmptySplit { part });
        }
    }
    let total = n_train
        .checked_add(n_valid)
        .and_then(|s| s.checked_add(n_test));
    match total {
        Some(t) if t <= available => Ok(t),
        _ => Err(DataError::SplitTooLarge {
            n_train,
            n_valid,
            n_test,
            requested: n_train.saturating_add(n_valid).saturating_add(n_test),
            available,
        }),
    }
}

/// Shuffles the points with `StdRng::seed_from_u64(seed)` and takes the first `n_train`,
/// the next `n_valid` and the next `n_test` of them; any remaining points are dropped.
///
/// Fails if any size is zero or if the sizes add up to more than `points.len()`.
pub fn split(
    points: Points,
    n_train: usize,
    n_valid: usize,
    n_test: usize,
    seed: u64,
) -> Result<Splits, DataError> {
    check_sizes(n_train, n_valid, n_test, points.len())?;
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let (train, rest) = order.split_at(n_train);
    let (valid, rest) = rest.split_at(n_valid);
    let test = &rest[..n_test];
    Ok(Splits {
        train: points.select(train),
        valid: points.select(valid),
        test: points.select(test),
    })
}

/// Generates `n_train + n_valid + n_test` points of `kind` with `seed`, then [`split`]s them
/// with the shuffle seed `seed ^ SPLIT_SEED_MIX`, so the same arguments always give the same
/// splits.
///
/// Fails (before generating anything) if any size is zero or their sum overflows `usize`.
pub fn make_splits(
    kind: DatasetKind,
    n_train: usize,
    n_valid: usize,
    n_test: usize,
    seed: u64,
) -> Result<Splits, DataError> {
    let total = check_sizes(n_train, n_valid, n_test, usize::MAX)?;
    split(
        kind.generate(total, seed),
        n_train,
        n_valid,
        n_test,
        seed ^ SPLIT_SEED_MIX,
    )
}
