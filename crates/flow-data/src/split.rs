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
pub(crate) fn check_sizes(
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

/// The split sizes `(n_train, n_valid, n_test)` that [`split_fractions`] uses for `rows` rows:
/// `n_valid = round(valid · rows)`, `n_test = round(test · rows)` (to nearest, halves up) and
/// `n_train` the rest.
///
/// Fails with [`DataError::BadFractions`] unless both fractions lie in `(0, 1)` and add up to
/// less than 1, and with [`DataError::TooFewRows`] (which gives the fewest rows that would do)
/// if any split would be empty.
pub fn fraction_sizes(
    rows: usize,
    valid: f64,
    test: f64,
) -> Result<(usize, usize, usize), DataError> {
    let in_unit = |f: f64| f > 0.0 && f < 1.0;
    if !(in_unit(valid) && in_unit(test) && valid + test < 1.0) {
        return Err(DataError::BadFractions { valid, test });
    }
    sizes_if_nonempty(rows, valid, test).ok_or_else(|| DataError::TooFewRows {
        rows,
        valid,
        test,
        needed: fewest_rows(valid, test),
    })
}

/// The sizes for `rows` rows, if every split gets at least one row.
fn sizes_if_nonempty(rows: usize, valid: f64, test: f64) -> Option<(usize, usize, usize)> {
    let share = |f: f64| (f * rows as f64).round() as usize;
    let (n_valid, n_test) = (share(valid), share(test));
    let n_train = rows.checked_sub(n_valid)?.checked_sub(n_test)?;
    (n_train > 0 && n_valid > 0 && n_test > 0).then_some((n_train, n_valid, n_test))
}

/// The fewest rows for which every split is non-empty (valid fractions assumed).
///
/// A split of fraction `f` is non-empty from about `0.5/f` rows on; the training split, of
/// fraction `t = 1 − valid − test`, surely from `2/t` rows on (the two roundings take at most
/// one row more than the exact shares). The search from the first bound is cut short for
/// absurdly small training fractions, whose sure bound is then returned.
fn fewest_rows(valid: f64, test: f64) -> usize {
    let bound = |x: f64| x.ceil().min(usize::MAX as f64) as usize;
    let start = 3
        .max(bound(0.5 / valid))
        .max(bound(0.5 / test))
        .saturating_sub(1);
    let surely = bound(2.0 / (1.0 - valid - test)).max(start);
    (start..=usize::MAX)
        .take(10_000_000)
        .find(|&n| sizes_if_nonempty(n, valid, test).is_some())
        .unwrap_or(surely)
}

/// Shuffles the rows with `StdRng::seed_from_u64(seed)` (as [`split`] does) and cuts a
/// validation and a test split of the given fractions of all rows; the training split is the
/// rest. Sizes as in [`fraction_sizes`], whose errors this returns; no row is dropped.
pub fn split_fractions(
    points: Points,
    valid: f64,
    test: f64,
    seed: u64,
) -> Result<Splits, DataError> {
    let (n_train, n_valid, n_test) = fraction_sizes(points.len(), valid, test)?;
    split(points, n_train, n_valid, n_test, seed)
}
