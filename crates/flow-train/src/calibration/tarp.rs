//! TARP (Lemos et al. 2023): coverage tested with random reference points, which needs no
//! density.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// For each pair, the share of its `samples` draws closer to a reference point than the true
/// parameter is. Parameters are rescaled to [0, 1] by the range of the true values, and each
/// pair's reference point is drawn uniformly in that box from `seed`. `truth` is `[N, K]`,
/// `draws` `[N · samples, K]`, pair by pair.
pub fn tarp_coverage(
    truth: &[f32],
    draws: &[f32],
    dim: usize,
    samples: usize,
    seed: u64,
) -> Vec<f64> {
    let (lo, hi) = ranges(truth, dim);
    let scale = |k: usize, v: f32| (f64::from(v) - lo[k]) / (hi[k] - lo[k]).max(1e-12);
    let distance = |a: &[f32], reference: &[f64]| -> f64 {
        (0..dim)
            .map(|k| (scale(k, a[k]) - reference[k]).powi(2))
            .sum::<f64>()
    };
    let mut rng = StdRng::seed_from_u64(seed);
    truth
        .chunks_exact(dim)
        .zip(draws.chunks_exact(samples * dim))
        .map(|(theta, draws)| {
            let reference: Vec<f64> = (0..dim).map(|_| rng.random::<f64>()).collect();
            let radius = distance(theta, &reference);
            let inside = draws
                .chunks_exact(dim)
                .filter(|draw| distance(draw, &reference) < radius)
                .count();
            inside as f64 / samples as f64
        })
        .collect()
}

/// The smallest and largest value of each of the `dim` columns of `rows`.
fn ranges(rows: &[f32], dim: usize) -> (Vec<f64>, Vec<f64>) {
    let mut lo = vec![f64::INFINITY; dim];
    let mut hi = vec![f64::NEG_INFINITY; dim];
    for row in rows.chunks_exact(dim) {
        for (k, &v) in row.iter().enumerate() {
            lo[k] = lo[k].min(f64::from(v));
            hi[k] = hi[k].max(f64::from(v));
        }
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_of_the_truth_s_own_distribution_cover_it_uniformly() {
        // θ and its draws from the same distribution: the coverage values are uniform.
        let mut rng = StdRng::seed_from_u64(3);
        let (pairs, samples) = (400, 200);
        let truth: Vec<f32> = (0..pairs * 2).map(|_| rng.random::<f32>()).collect();
        let draws: Vec<f32> = (0..pairs * samples * 2)
            .map(|_| rng.random::<f32>())
            .collect();
        let coverage = tarp_coverage(&truth, &draws, 2, samples, 1);
        let (_, p) = crate::calibration::ks_uniform(&coverage);
        assert!(p > 0.01, "{p}");
        // Draws bunched at the centre cover the truth badly: the values pile up at the ends.
        let narrow: Vec<f32> = draws.iter().map(|v| 0.5 + 0.1 * (v - 0.5)).collect();
        let (_, p) = crate::calibration::ks_uniform(&tarp_coverage(&truth, &narrow, 2, samples, 1));
        assert!(p < 1e-6, "{p}");
    }
}
