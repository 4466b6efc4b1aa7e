//! The Kolmogorov–Smirnov test of values against the uniform distribution on [0, 1].

/// The statistic `D = sup |F_n(u) − u|` of `values` (each in [0, 1]) and its asymptotic
/// p-value under uniformity (Stephens' correction for small `n`).
pub fn ks_uniform(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (0.0, 1.0);
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let statistic = sorted
        .iter()
        .enumerate()
        .map(|(i, &u)| {
            let below = u - i as f64 / n as f64;
            let above = (i + 1) as f64 / n as f64 - u;
            below.max(above)
        })
        .fold(0.0, f64::max);
    let root = (n as f64).sqrt();
    (
        statistic,
        kolmogorov_tail((root + 0.12 + 0.11 / root) * statistic),
    )
}

/// `P(K > λ)` of the Kolmogorov distribution: `2 Σ_{k≥1} (−1)^{k−1} exp(−2k²λ²)`.
fn kolmogorov_tail(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = f64::from(k);
        let term = (-2.0 * k * k * lambda * lambda).exp();
        sum += if k as u32 % 2 == 1 { term } else { -term };
        if term < 1e-12 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_matches_tabulated_kolmogorov_quantiles() {
        // Critical values of the Kolmogorov distribution: P(K > 1.3581) = 0.05,
        // P(K > 1.6276) = 0.01, P(K > 1.2238) = 0.10.
        for (lambda, p) in [(1.3581, 0.05), (1.6276, 0.01), (1.2238, 0.10)] {
            assert!((kolmogorov_tail(lambda) - p).abs() < 2e-4, "{lambda}: {p}");
        }
    }

    #[test]
    fn evenly_spread_values_pass_and_bunched_values_fail() {
        let even: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
        let (d, p) = ks_uniform(&even);
        assert!(d <= 0.0005 + 1e-12 && p > 0.99, "{d} {p}");
        let bunched: Vec<f64> = (0..1000).map(|i| 0.5 * (i as f64 + 0.5) / 1000.0).collect();
        let (d, p) = ks_uniform(&bunched);
        assert!((d - 0.5).abs() < 1e-3 && p < 1e-10, "{d} {p}");
    }
}
