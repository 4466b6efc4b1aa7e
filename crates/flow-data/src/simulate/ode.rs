//! An adaptive Dormand–Prince 5(4) solver for the small ODE systems of the SIR and
//! Lotka–Volterra tasks: the explicit Runge–Kutta pair behind MATLAB's `ode45` and close kin
//! of Julia's `Tsit5`, which sbibm's solver uses, run here at tighter tolerances.
//!
//! The step is accepted when the embedded error estimate, scaled per coordinate by
//! `atol + rtol·|y|`, has a root-mean-square of at most 1, and resized by the usual
//! `0.9·err^(−1/5)` rule (between 0.2 and 5 times). Steps end exactly at each requested time.

/// The nodes `c` of the Dormand–Prince tableau.
const C: [f64; 7] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
/// The coefficients `a` of the tableau, row `i` for stage `i`.
const A: [[f64; 6]; 7] = [
    [0.0; 6],
    [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
        0.0,
        0.0,
    ],
    [
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
        0.0,
    ],
    [
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
/// The fifth-order solution minus the embedded fourth-order one, per stage.
const E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];
/// The most steps one solve may take.
const MAX_STEPS: usize = 1_000_000;

/// The error tolerances of a solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance, in the units of the state.
    pub atol: f64,
}

/// The solution of `y' = f(t, y)`, `y(times[0]) = y0`, at each of the increasing `times`
/// (the first entry is `y0`); `None` if the solution stops being finite or needs more than a
/// million steps.
pub fn solve<const N: usize>(
    f: impl Fn(f64, &[f64; N]) -> [f64; N],
    y0: [f64; N],
    times: &[f64],
    tolerances: Tolerances,
) -> Option<Vec<[f64; N]>> {
    let mut states = Vec::with_capacity(times.len());
    let Some(&t0) = times.first() else {
        return Some(states);
    };
    states.push(y0);
    let (mut t, mut y) = (t0, y0);
    let span = times.last().map_or(0.0, |&end| end - t0);
    let mut h = (span / 100.0).max(1e-6);
    let mut steps = 0;
    for &target in &times[1..] {
        while t < target {
            steps += 1;
            if steps > MAX_STEPS {
                return None;
            }
            let last = t + h >= target;
            let step = if last { target - t } else { h };
            let (next, error) = stage(&f, t, &y, step, tolerances);
            if !error.is_finite() || next.iter().any(|v| !v.is_finite()) {
                if step < 1e-12 * span.max(1.0) {
                    return None;
                }
                h = step / 4.0;
                continue;
            }
            if error <= 1.0 {
                (t, y) = (if last { target } else { t + step }, next);
            }
            h = step * (0.9 * error.powf(-0.2)).clamp(0.2, 5.0);
        }
        states.push(y);
    }
    Some(states)
}

/// One Dormand–Prince step of size `h` from `(t, y)`: the fifth-order solution and the scaled
/// root-mean-square of the error estimate.
fn stage<const N: usize>(
    f: &impl Fn(f64, &[f64; N]) -> [f64; N],
    t: f64,
    y: &[f64; N],
    h: f64,
    tolerances: Tolerances,
) -> ([f64; N], f64) {
    let mut k = [[0.0; N]; 7];
    for s in 0..7 {
        let mut point = *y;
        for (i, value) in point.iter_mut().enumerate() {
            *value += h * (0..s).map(|j| A[s][j] * k[j][i]).sum::<f64>();
        }
        k[s] = f(t + C[s] * h, &point);
    }
    // The fifth-order solution is the last stage's point (the tableau is FSAL).
    let mut next = *y;
    for (i, value) in next.iter_mut().enumerate() {
        *value += h * (0..6).map(|j| A[6][j] * k[j][i]).sum::<f64>();
    }
    let error = (0..N)
        .map(|i| {
            let estimate = h * (0..7).map(|s| E[s] * k[s][i]).sum::<f64>();
            let scale = tolerances.atol + tolerances.rtol * y[i].abs().max(next[i].abs());
            (estimate / scale).powi(2)
        })
        .sum::<f64>()
        / N as f64;
    (next, error.sqrt())
}
