//! The ranks of the true parameters among the posterior's draws.

/// The SBC rank of each parameter of each pair: how many of its `samples` draws lie below
/// the true value. `truth` is `[N, K]` and `draws` `[N · samples, K]` (pair by pair), both
/// row-major; returns `[K][N]` ranks in `0..=samples`.
pub fn sbc_ranks(truth: &[f32], draws: &[f32], dim: usize, samples: usize) -> Vec<Vec<usize>> {
    let pairs = truth.len() / dim;
    (0..dim)
        .map(|k| {
            (0..pairs)
                .map(|i| {
                    let value = truth[i * dim + k];
                    draws[i * samples * dim..(i + 1) * samples * dim]
                        .chunks_exact(dim)
                        .filter(|draw| draw[k] < value)
                        .count()
                })
                .collect()
        })
        .collect()
}

/// For each pair, the share of its `samples` draws whose log-density exceeds the true
/// parameter's: the smallest highest-density region holding the truth has this mass, so the
/// truth lies in the `α` region exactly when the share is below `α`. `truth_log_q` is `[N]`
/// and `draws_log_q` `[N · samples]`, pair by pair.
pub fn density_ranks(truth_log_q: &[f32], draws_log_q: &[f32], samples: usize) -> Vec<f64> {
    truth_log_q
        .iter()
        .zip(draws_log_q.chunks_exact(samples))
        .map(|(&truth, draws)| draws.iter().filter(|&&d| d > truth).count() as f64 / samples as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_count_the_draws_below_the_truth_parameter_by_parameter() {
        // Two pairs of a 2-D θ, three draws each.
        let truth = [0.5, 10.0, -1.0, 0.0];
        let draws = [
            0.1, 11.0, 0.7, 9.0, 0.4, 12.0, // pair 0
            -2.0, 1.0, -0.5, -1.0, 3.0, 2.0, // pair 1
        ];
        let ranks = sbc_ranks(&truth, &draws, 2, 3);
        // θ₁ of pair 0: 0.1 and 0.4 lie below 0.5; of pair 1: only −2.0 below −1.0.
        assert_eq!(ranks[0], vec![2, 1]);
        // θ₂ of pair 0: 9.0 below 10.0; of pair 1: −1.0 below 0.0.
        assert_eq!(ranks[1], vec![1, 1]);
    }

    #[test]
    fn density_ranks_are_the_share_of_draws_more_probable_than_the_truth() {
        let truth = [-1.0, -5.0];
        let draws = [-0.5, -2.0, -3.0, -0.1, -4.0, -6.0, -7.0, -8.0];
        assert_eq!(density_ranks(&truth, &draws, 4), vec![0.5, 0.25]);
    }
}
