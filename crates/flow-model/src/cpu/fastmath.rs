//! `tanh` and `ln` for `f32` without branches or library calls, so that loops over points
//! vectorise; both are within a few units in the last place of the exact values.
//!
//! NaN in gives NaN out, so that a diverging model still shows as diverged.

/// `tanh(x)`, relative error below 2.5e-7.
///
/// Near zero an odd Taylor polynomial (8 terms, exact to 3e-8 for `|x| < 0.55`); further out
/// `1 − 2 / (e^{2|x|} + 1)`, which cannot cancel there. Beyond 9.5, `tanh` rounds to ±1 in `f32`.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let a = if a > 9.5 { 9.5 } else { a };
    let s = a * a;
    // Taylor coefficients of tanh: 1, −1/3, 2/15, −17/315, 62/2835, −1382/155925,
    // 21844/6081075, −929569/638512875.
    let series = a
        * (1.0
            + s * (-1.0 / 3.0
                + s * (2.0 / 15.0
                    + s * (-17.0 / 315.0
                        + s * (62.0 / 2835.0
                            + s * (-1382.0 / 155_925.0
                                + s * (21_844.0 / 6_081_075.0
                                    + s * (-929_569.0 / 638_512_875.0))))))));
    let far = 1.0 - 2.0 / (exp_reduced(2.0 * a) + 1.0);
    // A NaN fails `a >= 0.55` and takes the polynomial, which keeps it NaN.
    let t = if a >= 0.55 { far } else { series };
    t.copysign(x)
}

/// `e^y` for `−87 ≤ y ≤ 88` (relative error below 2e-7), without a check of the range or of
/// NaN: `y = n ln 2 + r`, `|r| ≤ ln 2 / 2`, `e^r` by its Taylor polynomial of degree 7, and
/// `2^n` put into the exponent bits.
#[inline(always)]
pub(crate) fn exp_reduced(y: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split so that `n · LN2_HI` is exact for `|n| ≤ 127`.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // Adding 1.5 · 2^23 rounds to an integer held in the low mantissa bits.
    const ROUNDER: f32 = 12_582_912.0;
    let shifted = y * LOG2_E + ROUNDER;
    let n = shifted - ROUNDER;
    let r = (y - n * LN2_HI) - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    let n_bits = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    f32::from_bits(p.to_bits().wrapping_add(n_bits << 23))
}

/// `ln(x)`, with an error below `1e-7 · max(1, |ln x|)` (about one unit in the last place);
/// `ln 0 = −∞`, `ln ∞ = ∞`, NaN for negative or NaN `x`.
///
/// `x = m · 2^e` with `m` in `[√½, √2)`, and `ln m = 2 atanh(s)`, `s = (m − 1)/(m + 1)`,
/// `|s| ≤ 0.172`, by its series to `s^9`.
#[inline(always)]
pub fn ln(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    const TWO_POW_23: f32 = 8_388_608.0;
    // Subnormals are scaled into the normal range first.
    let subnormal = x < f32::MIN_POSITIVE;
    let scaled = if subnormal { x * TWO_POW_23 } else { x };
    let bits = scaled.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127 - if subnormal { 23 } else { 0 };
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let high = m > std::f32::consts::SQRT_2;
    let m = if high { 0.5 * m } else { m };
    let e = (exponent + i32::from(high)) as f32;
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let ln_m =
        2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0)))));
    let result = e * LN2_HI + (ln_m + e * LN2_LO);
    if x > 0.0 && x < f32::INFINITY {
        result
    } else if x == 0.0 {
        f32::NEG_INFINITY
    } else if x == f32::INFINITY {
        f32::INFINITY
    } else {
        f32::NAN
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Evenly spread test points over `[lo, hi]`, both ends included.
    pub(crate) fn spread(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f32> {
        (0..=n).map(move |i| (lo + (hi - lo) * i as f64 / n as f64) as f32)
    }

    #[test]
    fn tanh_matches_f64() {
        let mut worst = 0.0f64;
        for x in spread(-12.0, 12.0, 200_001).chain(spread(-1e-3, 1e-3, 2001)) {
            let exact = f64::from(x).tanh();
            let got = f64::from(tanh(x));
            let error = (got - exact).abs() / exact.abs().max(1e-30);
            worst = worst.max(if exact == 0.0 { got.abs() } else { error });
        }
        assert!(worst < 2.5e-7, "worst relative error {worst}");
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh(1e30), 1.0);
        assert!(tanh(f32::NAN).is_nan());
    }

    #[test]
    fn ln_matches_f64() {
        let check = |x: f32, worst: &mut f64| {
            let exact = f64::from(x).ln();
            let error = (f64::from(ln(x)) - exact).abs() / exact.abs().max(1.0);
            *worst = worst.max(error);
        };
        let mut worst = 0.0f64;
        for x in spread(1e-3, 1e3, 400_001).chain(spread(0.999, 1.001, 20_001)) {
            check(x, &mut worst);
        }
        for e in -149..128 {
            for m in spread(1.0, 2.0, 101) {
                let x = (f64::from(m) * 2f64.powi(e)) as f32;
                if x > 0.0 && x.is_finite() {
                    check(x, &mut worst);
                }
            }
        }
        assert!(worst < 1e-7, "worst error {worst}");
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f32::NEG_INFINITY);
        assert_eq!(ln(f32::INFINITY), f32::INFINITY);
        assert!(ln(-1.0).is_nan());
        assert!(ln(f32::NAN).is_nan());
    }
}
