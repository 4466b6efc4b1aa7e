//! Train / validation / test membership of a file's rows, decided row by row.

use crate::error::DataError;
use crate::permutation::Permutation;
use crate::split::check_sizes;

/// One of the three splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The training split.
    Train,
    /// The validation split.
    Valid,
    /// The test split.
    Test,
}

impl Part {
    /// The three parts, in the order of a `[train, valid, test]` array.
    pub const ALL: [Part; 3] = [Part::Train, Part::Valid, Part::Test];

    /// The part's index in a `[train, valid, test]` array.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The splits of `N` rows as a seeded permutation: row `r` goes to the part in which its
/// image `π(r)` falls, the first `n_train` images training, the next `n_valid` validating,
/// the last `n_test` testing. The parts are uniformly random subsets of the exact sizes, and
/// a row's part is computed on its own in O(1) memory (see [`Permutation`]), so no index list
/// of a file's rows is ever held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPartition {
    permutation: Permutation,
    sizes: [usize; 3],
}

impl RowPartition {
    /// The partition of `rows` rows into parts of `sizes` (`[train, valid, test]`), drawn by
    /// `seed`. Fails if a size is zero or the sizes do not add up to `rows`.
    pub fn new(rows: usize, sizes: [usize; 3], seed: u64) -> Result<Self, DataError> {
        let [n_train, n_valid, n_test] = sizes;
        let total = check_sizes(n_train, n_valid, n_test, rows)?;
        if total != rows {
            return Err(DataError::SplitTooLarge {
                n_train,
                n_valid,
                n_test,
                requested: total,
                available: rows,
            });
        }
        Ok(Self {
            permutation: Permutation::new(rows as u64, seed),
            sizes,
        })
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.permutation.len() as usize
    }

    /// The rows of each part, `[train, valid, test]`.
    pub fn sizes(&self) -> [usize; 3] {
        self.sizes
    }

    /// The part of row `row`.
    ///
    /// # Panics
    /// If `row` is out of range.
    pub fn part(&self, row: usize) -> Part {
        let image = self.permutation.apply(row as u64) as usize;
        if image < self.sizes[0] {
            Part::Train
        } else if image < self.sizes[0] + self.sizes[1] {
            Part::Valid
        } else {
            Part::Test
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_lands_in_one_part_of_the_asked_size() {
        let partition = RowPartition::new(1003, [800, 100, 103], 5).unwrap();
        let mut counts = [0usize; 3];
        for row in 0..1003 {
            counts[partition.part(row).index()] += 1;
        }
        assert_eq!(counts, [800, 100, 103]);
    }

    #[test]
    fn parts_are_spread_over_the_file() {
        // Each tenth of the file holds about a tenth of the validation rows.
        let partition = RowPartition::new(100_000, [80_000, 10_000, 10_000], 9).unwrap();
        for tenth in 0..10 {
            let valid = (tenth * 10_000..(tenth + 1) * 10_000)
                .filter(|&r| partition.part(r) == Part::Valid)
                .count();
            assert!((850..=1150).contains(&valid), "tenth {tenth}: {valid}");
        }
    }

    #[test]
    fn sizes_must_cover_the_rows_exactly() {
        assert!(RowPartition::new(10, [5, 2, 2], 0).is_err());
        assert!(RowPartition::new(10, [5, 3, 3], 0).is_err());
        assert!(RowPartition::new(10, [10, 0, 0], 0).is_err());
    }
}
