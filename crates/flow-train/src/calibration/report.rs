//! The calibration report, as `sbc.json` holds it, and its verdict.

use serde::{Deserialize, Serialize};

use crate::calibration::ks_uniform;

/// The p-value below which a test rejects calibration (Bonferroni-corrected over the
/// parameters for the rank tests).
pub const SIGNIFICANCE: f64 = 0.01;
/// The z-value of the pointwise 99 % binomial band of an empirical coverage.
const BAND_Z: f64 = 2.576;

/// What the diagnostics say of the posterior.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// No test rejects calibration.
    Calibrated,
    /// The truth falls outside the credible regions more often than their level says: the
    /// posterior is too narrow (or off-centre).
    OverConfident,
    /// The truth falls inside the credible regions more often than their level says: the
    /// posterior is too wide.
    UnderConfident,
}

impl Verdict {
    /// The name written in `sbc.json`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Calibrated => "calibrated",
            Self::OverConfident => "over-confident",
            Self::UnderConfident => "under-confident",
        }
    }
}

/// An empirical coverage curve at nominal levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The credibility levels.
    pub nominal: Vec<f64>,
    /// The share of pairs whose true parameter lies in the region of each level.
    pub empirical: Vec<f64>,
}

impl Curve {
    /// The curve of `values` (one per pair, in [0, 1]; the truth lies in the `α` region when
    /// its value is below `α`) at the levels 0.01, 0.02, …, 0.99.
    pub fn of(values: &[f64]) -> Self {
        let nominal: Vec<f64> = (1..=99).map(|i| f64::from(i) / 100.0).collect();
        let empirical = nominal
            .iter()
            .map(|&a| values.iter().filter(|&&v| v < a).count() as f64 / values.len() as f64)
            .collect();
        Self { nominal, empirical }
    }

    /// The largest `|empirical − nominal|`.
    pub fn max_deviation(&self) -> f64 {
        self.deviations().map(f64::abs).fold(0.0, f64::max)
    }

    /// The mean of `empirical − nominal`: negative when the regions cover too little.
    pub fn mean_deviation(&self) -> f64 {
        self.deviations().sum::<f64>() / self.nominal.len().max(1) as f64
    }

    fn deviations(&self) -> impl Iterator<Item = f64> + '_ {
        self.empirical.iter().zip(&self.nominal).map(|(e, a)| e - a)
    }

    /// The area between the curve and the diagonal over levels above one half, as TARP
    /// reports it (negative: over-confident).
    pub fn upper_area(&self) -> f64 {
        let step = self.nominal.get(1).map_or(0.01, |b| b - self.nominal[0]);
        self.empirical
            .iter()
            .zip(&self.nominal)
            .filter(|(_, a)| **a >= 0.5)
            .map(|(e, a)| (e - a) * step)
            .sum()
    }
}

/// Everything `flow-train sbc` measured, as `sbc.json` holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// What the diagnostics say.
    pub verdict: Verdict,
    /// The p-value of the Kolmogorov–Smirnov test of each parameter's SBC ranks against
    /// uniformity.
    pub rank_p_values: Vec<f64>,
    /// Each parameter's rank histogram (`bins` counts).
    pub rank_histograms: Vec<Vec<usize>>,
    /// The expected coverage of the highest-density regions.
    pub coverage: Curve,
    /// The largest distance of the coverage curve from the diagonal.
    pub max_coverage_deviation: f64,
    /// The p-value of the coverage ranks' Kolmogorov–Smirnov test against uniformity.
    pub coverage_p_value: f64,
    /// TARP's expected coverage curve.
    pub tarp: Curve,
    /// TARP's area statistic: the area between its curve and the diagonal above level 0.5.
    pub tarp_area: f64,
    /// The pairs checked.
    pub pairs: usize,
    /// The posterior draws per pair.
    pub samples: usize,
    /// The share of the draws inside the prior's box (1 without a box).
    pub acceptance: f64,
    /// What the verdict rests on, in one line.
    pub evidence: String,
}

/// The inputs of a report: per parameter the SBC ranks (`[K][N]`), per pair the density
/// ranks and TARP's coverage values.
pub struct Measurements<'a> {
    /// SBC ranks, `[K][N]`, each in `0..=samples`.
    pub ranks: &'a [Vec<usize>],
    /// Per pair, the share of draws denser than the truth.
    pub density_ranks: &'a [f64],
    /// Per pair, TARP's coverage value.
    pub tarp: &'a [f64],
    /// The draws per pair.
    pub samples: usize,
    /// The share of draws inside the prior's box.
    pub acceptance: f64,
}

impl Calibration {
    /// The report of `measured`, with its verdict: calibrated unless the coverage ranks or
    /// some parameter's SBC ranks (Bonferroni over the parameters) reject uniformity at
    /// 1% (`SIGNIFICANCE`); then over-confident when the coverage curve lies below the diagonal
    /// on average, else under-confident.
    pub fn assess(measured: &Measurements<'_>) -> Self {
        let samples = measured.samples;
        let pairs = measured.density_ranks.len();
        let rank_p_values: Vec<f64> = measured
            .ranks
            .iter()
            .map(|ranks| {
                let spread: Vec<f64> = ranks
                    .iter()
                    .map(|&r| (r as f64 + 0.5) / (samples + 1) as f64)
                    .collect();
                ks_uniform(&spread).1
            })
            .collect();
        let bins = histogram_bins(pairs, samples);
        let rank_histograms = measured
            .ranks
            .iter()
            .map(|ranks| histogram(ranks, samples, bins))
            .collect();
        let coverage = Curve::of(measured.density_ranks);
        let coverage_p_value = ks_uniform(measured.density_ranks).1;
        let tarp = Curve::of(measured.tarp);
        let per_parameter = SIGNIFICANCE / rank_p_values.len().max(1) as f64;
        let failing: Vec<usize> = (0..rank_p_values.len())
            .filter(|&k| rank_p_values[k] < per_parameter)
            .collect();
        let verdict = if coverage_p_value >= SIGNIFICANCE && failing.is_empty() {
            Verdict::Calibrated
        } else if coverage.mean_deviation() < 0.0 {
            Verdict::OverConfident
        } else {
            Verdict::UnderConfident
        };
        let evidence = evidence(&coverage, coverage_p_value, &rank_p_values, &failing, pairs);
        Self {
            verdict,
            max_coverage_deviation: coverage.max_deviation(),
            rank_p_values,
            rank_histograms,
            coverage,
            coverage_p_value,
            tarp_area: tarp.upper_area(),
            tarp,
            pairs,
            samples,
            acceptance: measured.acceptance,
            evidence,
        }
    }

    /// The verdict and its evidence in one line.
    pub fn describe(&self) -> String {
        format!("{}: {}", self.verdict.name(), self.evidence)
    }
}

/// The reasons of a verdict: the coverage test, the levels outside the 99 % band, the
/// parameters whose ranks are not uniform.
fn evidence(
    coverage: &Curve,
    coverage_p: f64,
    rank_p: &[f64],
    failing: &[usize],
    pairs: usize,
) -> String {
    let outside: Vec<String> = coverage
        .nominal
        .iter()
        .zip(&coverage.empirical)
        .filter(|(a, e)| (**e - **a).abs() > band(**a, pairs))
        .map(|(a, e)| format!("{a:.2}→{e:.3}"))
        .collect();
    let levels = match outside.len() {
        0 => "every level within the 99% band".to_string(),
        n if n > 6 => format!(
            "{n} levels outside the 99% band ({} …)",
            outside[..6].join(", ")
        ),
        _ => format!("levels outside the 99% band: {}", outside.join(", ")),
    };
    let parameters = match failing {
        [] => format!(
            "every parameter's ranks uniform (smallest p {:.3})",
            rank_p.iter().copied().fold(1.0, f64::min)
        ),
        _ => format!(
            "ranks not uniform for {}",
            failing
                .iter()
                .map(|&k| format!("theta{} (p {:.1e})", k + 1, rank_p[k]))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "expected coverage max deviation {:.3} (KS p {coverage_p:.3}), {levels}; {parameters}",
        coverage.max_deviation()
    )
}

/// Half the width of the pointwise 99 % binomial band of a coverage at level `a` over
/// `pairs` pairs.
pub fn band(a: f64, pairs: usize) -> f64 {
    BAND_Z * (a * (1.0 - a) / pairs.max(1) as f64).sqrt()
}

/// The number of bins of the rank histograms: about 20 pairs a bin, between 4 and 50, and no
/// more than the ranks' `samples + 1` values.
pub fn histogram_bins(pairs: usize, samples: usize) -> usize {
    (pairs / 20).clamp(4, 50).min(samples + 1)
}

/// Counts of `ranks` (each in `0..=samples`) in `bins` equal bins.
fn histogram(ranks: &[usize], samples: usize, bins: usize) -> Vec<usize> {
    let mut counts = vec![0; bins];
    for &r in ranks {
        counts[(r * bins / (samples + 1)).min(bins - 1)] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(n: usize, f: impl Fn(f64) -> f64) -> Vec<f64> {
        (0..n).map(|i| f((i as f64 + 0.5) / n as f64)).collect()
    }

    fn assess(density_ranks: &[f64]) -> Calibration {
        let ranks: Vec<usize> = (0..density_ranks.len()).map(|i| i % 101).collect();
        Calibration::assess(&Measurements {
            ranks: &[ranks],
            density_ranks,
            tarp: density_ranks,
            samples: 100,
            acceptance: 1.0,
        })
    }

    #[test]
    fn uniform_ranks_are_calibrated_and_bunched_ones_name_the_direction() {
        let calibrated = assess(&spread(500, |u| u));
        assert_eq!(
            calibrated.verdict,
            Verdict::Calibrated,
            "{}",
            calibrated.evidence
        );
        assert!(calibrated.max_coverage_deviation < 0.01);
        // The truth among the least probable draws: regions too small.
        let narrow = assess(&spread(500, |u| u.sqrt()));
        assert_eq!(
            narrow.verdict,
            Verdict::OverConfident,
            "{}",
            narrow.evidence
        );
        assert!(narrow.tarp_area < 0.0);
        // The truth among the most probable draws: regions too large.
        let wide = assess(&spread(500, |u| u * u));
        assert_eq!(wide.verdict, Verdict::UnderConfident, "{}", wide.evidence);
        assert!(wide.describe().starts_with("under-confident: "));
    }

    #[test]
    fn the_coverage_curve_counts_the_pairs_below_each_level() {
        let curve = Curve::of(&[0.005, 0.5, 0.95, 0.2]);
        assert_eq!(curve.nominal.len(), 99);
        assert_eq!(curve.empirical[0], 0.25); // level 0.01: only 0.005
        assert_eq!(curve.empirical[49], 0.5); // level 0.50: 0.005, 0.2
        assert_eq!(curve.empirical[98], 1.0); // level 0.99: all
    }

    #[test]
    fn histograms_put_every_rank_in_a_bin() {
        assert_eq!(histogram(&[0, 1, 2, 3, 4, 5], 5, 3), vec![2, 2, 2]);
        assert_eq!(histogram_bins(1000, 1000), 50);
        assert_eq!(histogram_bins(1000, 9), 10);
    }
}
