//! A seeded permutation of `0..n` computed index by index in constant memory.

/// Rounds of the Feistel network (four make a strong pseudo-random permutation of the
/// round functions).
const ROUNDS: usize = 4;

/// A pseudo-random bijection of `0..n` onto itself, drawn by a seed, whose value at any index
/// is computed on its own in O(1) memory: a Feistel network on the smallest domain `0..2^k`
/// that holds `0..n` (halves of `⌈k/2⌉` and `⌊k/2⌋` bits, which trade places every round),
/// restricted to `0..n` by cycle walking (an index mapped past `n − 1` is mapped again until
/// it lands inside, which keeps the map a bijection; fewer than two passes on average).
///
/// Meant for orders over data too large to hold a shuffled index list: the `i`-th row of a
/// shuffled file is `apply(i)`'s row, and the shuffle of a billion rows costs a few bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permutation {
    n: u64,
    /// `k`: the domain is `0..2^k`.
    bits: u32,
    keys: [u64; ROUNDS],
}

impl Permutation {
    /// The permutation of `0..n` drawn by `seed`.
    pub fn new(n: u64, seed: u64) -> Self {
        let bits = (u64::BITS - n.saturating_sub(1).leading_zeros()).max(1);
        let mut state = seed;
        let keys = std::array::from_fn(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            mix(state)
        });
        Self { n, bits, keys }
    }

    /// The number of indices `n`.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether `n == 0`.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The image of `index`.
    ///
    /// # Panics
    /// If `index >= n`.
    pub fn apply(&self, index: u64) -> u64 {
        assert!(
            index < self.n,
            "index {index} out of range for {} indices",
            self.n
        );
        let mut x = self.feistel(index);
        while x >= self.n {
            x = self.feistel(x);
        }
        x
    }

    /// One pass of the Feistel network on `0..2^k`: each round maps `(L, R)` to
    /// `(R, L ⊕ F(R))`, a bijection whatever the halves' widths, which then trade places.
    fn feistel(&self, x: u64) -> u64 {
        let mask = |bits: u32| (1u64 << bits) - 1;
        let (mut left_bits, mut right_bits) = (self.bits.div_ceil(2), self.bits / 2);
        let (mut left, mut right) = (x >> right_bits, x & mask(right_bits));
        for key in self.keys {
            let next = left ^ (mix(right ^ key) & mask(left_bits));
            left = right;
            right = next;
            std::mem::swap(&mut left_bits, &mut right_bits);
        }
        (left << right_bits) | right
    }
}

/// SplitMix64's finaliser: a bijective mix of 64 bits in which every input bit flips about
/// half of the output bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(n: u64, seed: u64) -> Vec<u64> {
        let permutation = Permutation::new(n, seed);
        (0..n).map(|i| permutation.apply(i)).collect()
    }

    #[test]
    fn is_a_bijection_of_every_small_and_awkward_size() {
        for n in [1, 2, 3, 4, 5, 17, 64, 65, 1000, 4097] {
            let mut seen = images(n, 7);
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn the_seed_decides_the_order_and_the_same_seed_repeats_it() {
        assert_eq!(images(1000, 3), images(1000, 3));
        assert_ne!(images(1000, 3), images(1000, 4));
        let moved = images(1000, 3)
            .iter()
            .enumerate()
            .filter(|&(i, &j)| i as u64 != j)
            .count();
        assert!(moved > 950, "only {moved} of 1000 indices moved");
    }

    #[test]
    fn a_prefix_lands_uniformly() {
        // Where the first tenth of 10 000 indices lands, over ten bins of the image: each bin
        // holds about 100 of them (binomial sd ≈ 9.5); a biased map piles them up.
        let permutation = Permutation::new(10_000, 11);
        let mut bins = [0usize; 10];
        for i in 0..1000 {
            bins[(permutation.apply(i) / 1000) as usize] += 1;
        }
        for (bin, &count) in bins.iter().enumerate() {
            assert!((60..=140).contains(&count), "bin {bin} holds {count}");
        }
    }

    #[test]
    fn neighbours_are_not_mapped_together() {
        // Consecutive indices (rows stored side by side) are scattered: the correlation of
        // index and image over a large domain is near zero.
        let n = 100_000u64;
        let permutation = Permutation::new(n, 1);
        let mean = (n - 1) as f64 / 2.0;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for i in 0..n {
            let (x, y) = (i as f64 - mean, permutation.apply(i) as f64 - mean);
            sxy += x * y;
            sxx += x * x;
        }
        let correlation = sxy / sxx;
        assert!(correlation.abs() < 0.02, "correlation {correlation}");
    }
}
