//! The inverse of the flow, last layer first, over each chunk of points: for a layer's
//! output `y`, `α = wᵀx + b` solves `α + c·tanh(α) = wᵀy + b` (one scalar equation per
//! point, by [`InverseSolver`]'s safeguarded Newton iteration), then `x = y − û tanh(α)`,
//! and the layer's `log|det J| = log|1 + (1 − tanh²(α)) c|` at `x` is added up on the way.

use multiversion::multiversion;

use super::{CHUNK, PlanarParams, load_columns, run_parts, split_points, store_rows};
use crate::InverseSolver;
use crate::cpu::fastmath::{ln, tanh};

/// The result of [`inverse`].
#[derive(Debug, Clone, PartialEq)]
pub struct Inverted {
    /// The points `x` whose image under the flow is the input, `[N, D]` row-major.
    pub x: Vec<f32>,
    /// `Σ_k log|det J_k|` of the flow's forward map at `x`, `[N]`.
    pub log_det: Vec<f32>,
}

/// Inverts the flow at `z` (`[N, D]` row-major), last layer first.
pub fn inverse(params: &PlanarParams, z: &[f32], solver: &InverseSolver) -> Inverted {
    let n = params.check(z);
    let d = params.dim;
    let mut x = vec![0.0; n * d];
    let mut log_det = vec![0.0; n];
    // Both splits cut the same ranges of points.
    let jobs = split_points(n, &mut x, d)
        .into_iter()
        .zip(split_points(n, &mut log_det, 1));
    run_parts(jobs.collect(), |((range, rows), (_, sums))| {
        let mut scratch = Scratch::new(d);
        for start in range.clone().step_by(CHUNK) {
            let end = (start + CHUNK).min(range.end);
            load_columns(&mut scratch.y, &z[start * d..end * d], d);
            invert_chunk(&mut scratch, params, solver, end - start);
            let local = start - range.start..end - range.start;
            store_rows(&mut rows[local.start * d..local.end * d], &scratch.y, d);
            sums[local].copy_from_slice(&scratch.log_det[..end - start]);
        }
    });
    Inverted { x, log_det }
}

/// Working memory for one chunk: the points, dimension-major, and the solver's state.
struct Scratch {
    /// `[D][CHUNK]`.
    y: Vec<f32>,
    /// `Σ log|det J|` of the layers inverted so far: `[CHUNK]`.
    log_det: Vec<f32>,
    /// The target `wᵀy + b`, the estimate `α` and its bracket `[lo, hi]`: `[CHUNK]` each.
    target: Vec<f32>,
    alpha: Vec<f32>,
    lo: Vec<f32>,
    hi: Vec<f32>,
}

impl Scratch {
    fn new(dim: usize) -> Self {
        Self {
            y: vec![0.0; dim * CHUNK],
            log_det: vec![0.0; CHUNK],
            target: vec![0.0; CHUNK],
            alpha: vec![0.0; CHUNK],
            lo: vec![0.0; CHUNK],
            hi: vec![0.0; CHUNK],
        }
    }
}

/// Inverts every layer for the first `m` points of `scratch.y`, in place.
#[multiversion(targets = "simd")]
fn invert_chunk(scratch: &mut Scratch, params: &PlanarParams, solver: &InverseSolver, m: usize) {
    let dim = params.dim;
    let tolerance = solver.tolerance as f32;
    let Scratch {
        y,
        log_det,
        target,
        alpha,
        lo,
        hi,
    } = scratch;
    let log_det = &mut log_det[..m];
    log_det.fill(0.0);
    let (target, alpha, lo, hi) = (
        &mut target[..m],
        &mut alpha[..m],
        &mut lo[..m],
        &mut hi[..m],
    );
    for layer in (0..params.layers()).rev() {
        let w = &params.w[layer * dim..(layer + 1) * dim];
        let u = &params.u_hat[layer * dim..(layer + 1) * dim];
        let (b, c) = (params.b[layer], params.c[layer]);
        target.fill(b);
        for (d, &w_d) in w.iter().enumerate() {
            for (t, &y) in target.iter_mut().zip(&y[d * CHUNK..d * CHUNK + m]) {
                *t += w_d * y;
            }
        }
        // The left side is non-decreasing (c ≥ −1), so the root lies in [t − |c|, t + |c|].
        for (((a, l), h), &t) in alpha.iter_mut().zip(&mut *lo).zip(&mut *hi).zip(&*target) {
            *a = t;
            *l = t - c.abs();
            *h = t + c.abs();
        }
        for iteration in 0..solver.max_iterations {
            if iteration % solver.check_every.max(1) == 0 && converged(alpha, target, c, tolerance)
            {
                break;
            }
            newton_step(alpha, lo, hi, target, c);
        }
        for _ in 0..solver.polish {
            newton_step(alpha, lo, hi, target, c);
        }
        for (d, &u_d) in u.iter().enumerate() {
            for (y, &a) in y[d * CHUNK..d * CHUNK + m].iter_mut().zip(&*alpha) {
                *y -= u_d * tanh(a);
            }
        }
        for (sum, &a) in log_det.iter_mut().zip(&*alpha) {
            let th = tanh(a);
            *sum += ln((1.0 + (1.0 - th * th) * c).abs());
        }
    }
}

/// Whether `|α + c·tanh(α) − t| ≤ tolerance · (1 + |t|)` at every point.
#[inline(always)]
fn converged(alpha: &[f32], target: &[f32], c: f32, tolerance: f32) -> bool {
    alpha.iter().zip(target).all(|(&a, &t)| {
        let residual = a + c * tanh(a) - t;
        residual.abs() <= tolerance * (1.0 + t.abs())
    })
}

/// One Newton step per point, replaced by bisection when it leaves the bracket (or is not
/// finite); the bracket shrinks around the root as it goes.
#[inline(always)]
fn newton_step(alpha: &mut [f32], lo: &mut [f32], hi: &mut [f32], target: &[f32], c: f32) {
    for (((a, l), h), &t) in alpha.iter_mut().zip(lo).zip(hi).zip(target) {
        let th = tanh(*a);
        let g = *a + c * th - t;
        // g > 0: α lies above the root.
        if g > 0.0 {
            *h = *a;
        } else {
            *l = *a;
        }
        let newton = *a - g / (1.0 + c * (1.0 - th * th));
        // NaN and ±inf fail the test and fall back to bisection too.
        *a = if newton >= *l && newton <= *h {
            newton
        } else {
            0.5 * (*l + *h)
        };
    }
}
