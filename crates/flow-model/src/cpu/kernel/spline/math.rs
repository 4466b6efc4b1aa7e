//! `e^y` for `y ≤ 0` (in `f32` and `f64`), `ln(1 + t)` and the softplus with its slope,
//! without branches or library calls, so that loops over lanes vectorise. NaN in gives NaN
//! out.

use crate::cpu::fastmath::{exp_reduced, ln};

/// `e^y` for `y ≤ 0` (relative error below 2e-7); `0` below `−87`, where `e^y` is near the
/// smallest normal `f32`.
///
/// [`exp_reduced`] on `y` clamped to `−87` (`n ≥ −126`, so the result stays normal).
#[inline(always)]
pub(super) fn exp_nonpositive(y: f32) -> f32 {
    const FLOOR: f32 = -87.0;
    let value = exp_reduced(if y < FLOOR { FLOOR } else { y });
    let value = if y < FLOOR { 0.0 } else { value };
    // The exponent arithmetic would turn a NaN into a number.
    if y.is_nan() { y } else { value }
}

/// `e^y` for `y ≤ 0` in `f64`, with a relative error below 1e-8 (a tenth of an `f32` ulp:
/// enough for values that end up in `f32`); `0` below `−708`, where `e^y` is near the
/// smallest normal `f64`. The same reduction as [`exp_nonpositive`] (`n ≥ −1022`), then the
/// Taylor polynomial of degree 7.
#[inline(always)]
pub(super) fn exp_nonpositive_f64(y: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split so that `n · LN2_HI` is exact for `|n| ≤ 1022`.
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    // Adding 1.5 · 2^52 rounds to an integer held in the low mantissa bits.
    const ROUNDER: f64 = 6_755_399_441_055_744.0;
    const FLOOR: f64 = -708.0;
    let clamped = if y < FLOOR { FLOOR } else { y };
    let shifted = clamped * LOG2_E + ROUNDER;
    let n = shifted - ROUNDER;
    let r = (clamped - n * LN2_HI) - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    let n_bits = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    let value = f64::from_bits(p.to_bits().wrapping_add(n_bits << 52));
    let value = if y < FLOOR { 0.0 } else { value };
    // The exponent arithmetic would turn a NaN into a number.
    if y.is_nan() { y } else { value }
}

/// `ln(1 + t)` for `t ≥ 0`, accurate also where `1 + t` rounds: `ln(u) · t / (u − 1)` with
/// `u = 1 + t` corrects the rounding of `u`.
#[inline(always)]
pub(super) fn ln_1p(t: f32) -> f32 {
    let u = 1.0 + t;
    let corrected = ln(u) * (t / (u - 1.0));
    if u == 1.0 { t } else { corrected }
}

/// `softplus(a) = max(a, 0) + ln(1 + e^{−|a|})` and its derivative `σ(a) = 1 / (1 + e^{−a})`.
#[inline(always)]
pub(super) fn softplus_and_slope(a: f32) -> (f32, f32) {
    let t = exp_nonpositive(-a.abs());
    let positive = if a > 0.0 { a } else { 0.0 };
    let slope = if a >= 0.0 {
        1.0 / (1.0 + t)
    } else {
        t / (1.0 + t)
    };
    // `positive` drops a NaN; the NaN of `t` carries it.
    (positive + ln_1p(t), slope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::fastmath::tests::spread;

    #[test]
    fn exp_matches_f64() {
        let mut worst = 0.0f64;
        for y in spread(-87.0, 0.0, 400_001).chain(spread(-1e-3, 0.0, 1001)) {
            let exact = f64::from(y).exp();
            let error = (f64::from(exp_nonpositive(y)) - exact).abs() / exact;
            worst = worst.max(error);
        }
        assert!(worst < 2e-7, "worst relative error {worst}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-100.0), 0.0);
        assert_eq!(exp_nonpositive(f32::NEG_INFINITY), 0.0);
        assert!(exp_nonpositive(f32::NAN).is_nan());
    }

    #[test]
    fn exp_f64_matches_the_library() {
        let mut worst = 0.0f64;
        for i in 0..=400_000 {
            let y = -708.0 * f64::from(i) / 400_000.0;
            let exact = y.exp();
            worst = worst.max((exp_nonpositive_f64(y) - exact).abs() / exact);
        }
        assert!(worst < 1e-8, "worst relative error {worst}");
        assert_eq!(exp_nonpositive_f64(0.0), 1.0);
        assert_eq!(exp_nonpositive_f64(-800.0), 0.0);
        assert!(exp_nonpositive_f64(f64::NAN).is_nan());
    }

    #[test]
    fn softplus_matches_f64() {
        let mut worst = [0.0f64; 2];
        for a in spread(-87.0, 90.0, 200_001).chain(spread(-1e-3, 1e-3, 1001)) {
            let a64 = f64::from(a);
            let exact = a64.max(0.0) + (-a64.abs()).exp().ln_1p();
            let slope = 1.0 / (1.0 + (-a64).exp());
            let (value, got_slope) = softplus_and_slope(a);
            worst[0] = worst[0].max((f64::from(value) - exact).abs() / exact);
            worst[1] = worst[1].max((f64::from(got_slope) - slope).abs() / slope.max(1e-30));
        }
        assert!(
            worst[0] < 5e-7,
            "softplus: worst relative error {}",
            worst[0]
        );
        assert!(worst[1] < 5e-7, "slope: worst relative error {}", worst[1]);
        let (value, slope) = softplus_and_slope(f32::NAN);
        assert!(value.is_nan() && slope.is_nan());
        assert_eq!(ln_1p(0.0), 0.0);
        assert_eq!(ln_1p(1e-10), 1e-10);
    }
}
