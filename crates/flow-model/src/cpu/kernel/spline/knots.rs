//! A chunk's knots from its parameters ([`Knots::compute`]), and the gradient with respect to
//! the knots carried back to the parameters ([`Knots::backward`]).
//!
//! As in [`crate::spline`]: bin shares `m + (1 − K m) softmax(θ)` with `m` the minimum bin
//! size; knots at `−B` plus the cumulative shares of `2B`, the last one `B` exactly; interior
//! derivatives `MIN_DERIVATIVE + softplus(θ + shift)`, the outer ones 1.

use super::math::{exp_nonpositive_f64, softplus_and_slope};
use crate::spline::shape::{MIN_BIN_SIZE, MIN_DERIVATIVE};

/// Elements per chunk: a chunk's knots (`3 (K + 1)` rows of lanes) stay in the L1 cache for
/// `K` up to 16 or so.
pub const LANES: usize = 64;

/// Lane row `j` of a parameter-major buffer (`[rows][LANES]`).
#[inline(always)]
pub(super) fn lane(values: &[f32], j: usize) -> &[f32; LANES] {
    values[j * LANES..(j + 1) * LANES]
        .try_into()
        .expect("a whole row of lanes")
}

/// Lane row `j` of a parameter-major buffer, writable.
#[inline(always)]
pub(super) fn lane_mut(values: &mut [f32], j: usize) -> &mut [f32; LANES] {
    (&mut values[j * LANES..(j + 1) * LANES])
        .try_into()
        .expect("a whole row of lanes")
}

/// The knots of a chunk of [`LANES`] splines with `K` bins on `[−B, B]`, parameter-major.
pub(super) struct Knots {
    bins: usize,
    bound: f32,
    /// The parameters: `K` widths, `K` heights, `K − 1` derivatives, `[3K − 1][LANES]`.
    pub params: Vec<f32>,
    /// Knot positions along x, `[K + 1][LANES]`.
    pub x: Vec<f32>,
    /// Knot positions along y, `[K + 1][LANES]`.
    pub y: Vec<f32>,
    /// Derivatives at the knots, `[K + 1][LANES]`.
    pub derivative: Vec<f32>,
    /// The softmax of the width parameters, `[K][LANES]`, kept for the backward pass.
    width_softmax: Vec<f32>,
    /// The softmax of the height parameters, `[K][LANES]`.
    height_softmax: Vec<f32>,
    /// `∂ derivative / ∂θ` at the interior knots (a sigmoid), `[K − 1][LANES]`.
    slope: Vec<f32>,
    /// Scratch for the exponentials of a softmax, `[K][LANES]`.
    exps: Vec<f64>,
}

impl Knots {
    /// Working memory for splines of `bins` bins on `[−bound, bound]`.
    pub fn new(bins: usize, bound: f32) -> Self {
        let rows = |count: usize| vec![0.0; count * LANES];
        Self {
            bins,
            bound,
            params: rows(3 * bins - 1),
            x: rows(bins + 1),
            y: rows(bins + 1),
            derivative: rows(bins + 1),
            width_softmax: rows(bins),
            height_softmax: rows(bins),
            slope: rows(bins - 1),
            exps: vec![0.0; bins * LANES],
        }
    }

    /// The number of parameters per spline, `3K − 1`.
    pub fn per_element(&self) -> usize {
        3 * self.bins - 1
    }

    /// Loads the parameters of `len ≤ LANES` splines (`rows`, `[len, 3K − 1]`); the lanes
    /// past `len` get zeros, which make valid splines whose results are not used.
    #[inline(always)]
    pub fn load(&mut self, rows: &[f32]) {
        let per = self.per_element();
        let len = rows.len() / per;
        for (j, column) in self.params.chunks_exact_mut(LANES).enumerate() {
            for (value, row) in column.iter_mut().zip(rows.chunks_exact(per)) {
                *value = row[j];
            }
            column[len..].fill(0.0);
        }
    }

    /// The knots and derivatives from the loaded parameters.
    #[inline(always)]
    pub fn compute(&mut self) {
        let (k, bound) = (self.bins, self.bound);
        let (widths, rest) = self.params.split_at(k * LANES);
        let (heights, derivatives) = rest.split_at(k * LANES);
        let exps = &mut self.exps;
        positions(widths, exps, &mut self.width_softmax, &mut self.x, bound);
        positions(heights, exps, &mut self.height_softmax, &mut self.y, bound);
        // softplus(shift) = 1 − MIN_DERIVATIVE: zero parameters give derivative 1.
        let shift = (1.0 - MIN_DERIVATIVE).exp_m1().ln() as f32;
        let min = MIN_DERIVATIVE as f32;
        lane_mut(&mut self.derivative, 0).fill(1.0);
        lane_mut(&mut self.derivative, k).fill(1.0);
        for j in 0..k - 1 {
            let (theta, slope) = (lane(derivatives, j), lane_mut(&mut self.slope, j));
            for ((d, s), &t) in lane_mut(&mut self.derivative, j + 1)
                .iter_mut()
                .zip(slope.iter_mut())
                .zip(theta)
            {
                let (softplus, sigmoid) = softplus_and_slope(t + shift);
                *d = softplus + min;
                *s = sigmoid;
            }
        }
    }

    /// Rows of lanes that [`Knots::save`] writes: what [`Knots::backward`] needs.
    pub fn saved_rows(&self) -> usize {
        3 * self.bins - 1
    }

    /// Writes the softmaxes and slopes of [`Knots::compute`] into `out`
    /// (`[saved_rows][LANES]`).
    #[inline(always)]
    pub fn save(&self, out: &mut [f32]) {
        let (widths, rest) = out.split_at_mut(self.width_softmax.len());
        let (heights, slopes) = rest.split_at_mut(self.height_softmax.len());
        widths.copy_from_slice(&self.width_softmax);
        heights.copy_from_slice(&self.height_softmax);
        slopes.copy_from_slice(&self.slope);
    }

    /// Restores what [`Knots::save`] wrote into `saved`.
    #[inline(always)]
    pub fn restore(&mut self, saved: &[f32]) {
        let (widths, rest) = saved.split_at(self.width_softmax.len());
        let (heights, slopes) = rest.split_at(self.height_softmax.len());
        self.width_softmax.copy_from_slice(widths);
        self.height_softmax.copy_from_slice(heights);
        self.slope.copy_from_slice(slopes);
    }

    /// Writes into `grads` (`[3K − 1][LANES]`) the gradient with respect to the parameters,
    /// given the gradients `g_x`, `g_y`, `g_derivative` (`[K + 1][LANES]` each) with respect
    /// to the knots of [`Knots::compute`] (or of the state [`Knots::restore`] brought back).
    #[inline(always)]
    pub fn backward(&self, g_x: &[f32], g_y: &[f32], g_derivative: &[f32], grads: &mut [f32]) {
        let (k, bound) = (self.bins, self.bound);
        let (widths, rest) = grads.split_at_mut(k * LANES);
        let (heights, derivatives) = rest.split_at_mut(k * LANES);
        share_grads(g_x, &self.width_softmax, widths, k, bound);
        share_grads(g_y, &self.height_softmax, heights, k, bound);
        for j in 0..k - 1 {
            for ((g, &s), &g_d) in lane_mut(derivatives, j)
                .iter_mut()
                .zip(lane(&self.slope, j))
                .zip(lane(g_derivative, j + 1))
            {
                *g = g_d * s;
            }
        }
    }
}

/// The factor of a softmax share in a bin size, `1 − K m`.
#[inline(always)]
fn share_scale(bins: usize) -> f32 {
    (1.0 - MIN_BIN_SIZE * bins as f64) as f32
}

/// Knots `[K + 1][LANES]` from the unnormalised sizes `theta` `[K][LANES]`, keeping their
/// softmax in `softmax` `[K][LANES]`; `exps` is scratch of the same size.
///
/// In `f64`, rounded once at the end: a knot is a sum of up to `K` shares, and the bin
/// search and `x − x₀` magnify its rounding errors where bins are narrow, so the knots are
/// kept as exact as `f32` allows.
#[inline(always)]
fn positions(theta: &[f32], exps: &mut [f64], softmax: &mut [f32], knots: &mut [f32], bound: f32) {
    let bins = softmax.len() / LANES;
    let mut max = [f32::NEG_INFINITY; LANES];
    for k in 0..bins {
        for (m, &t) in max.iter_mut().zip(lane(theta, k)) {
            // `max` skips a NaN, as the tensor path's softmax does; the NaN then reaches the
            // exponentials.
            *m = m.max(t);
        }
    }
    let mut sum = [0.0f64; LANES];
    for (k, row) in exps.chunks_exact_mut(LANES).enumerate() {
        for ((e, s), (&t, &m)) in row
            .iter_mut()
            .zip(sum.iter_mut())
            .zip(lane(theta, k).iter().zip(&max))
        {
            *e = exp_nonpositive_f64(f64::from(t) - f64::from(m));
            *s += *e;
        }
    }
    let inverse = sum.map(|s| 1.0 / s);
    let scale = 1.0 - MIN_BIN_SIZE * bins as f64;
    let (bound, two_bound) = (f64::from(bound), 2.0 * f64::from(bound));
    let mut cumulative = [0.0f64; LANES];
    for (k, row) in exps.chunks_exact(LANES).enumerate() {
        for (((p, c), &e), &i) in lane_mut(softmax, k)
            .iter_mut()
            .zip(cumulative.iter_mut())
            .zip(row)
            .zip(&inverse)
        {
            let share = e * i;
            *p = share as f32;
            *c += share * scale + MIN_BIN_SIZE;
        }
        if k + 1 < bins {
            for (knot, &c) in lane_mut(knots, k + 1).iter_mut().zip(&cumulative) {
                *knot = (c * two_bound - bound) as f32;
            }
        }
    }
    lane_mut(knots, 0).fill(-bound as f32);
    lane_mut(knots, bins).fill(bound as f32);
}

/// The gradient with respect to the unnormalised sizes (`out`, `[K][LANES]`) from that with
/// respect to the knots (`g_knots`, `[K + 1][LANES]`), through [`positions`].
#[inline(always)]
fn share_grads(g_knots: &[f32], softmax: &[f32], out: &mut [f32], bins: usize, bound: f32) {
    // Knot j of 1..K − 1 is −B + 2B Σ_{i<j} share_i; the outer knots are fixed. So
    // ∂/∂share_i = 2B Σ_{i<j<K} g_j, and the last share moves no knot.
    let factor = 2.0 * bound * share_scale(bins);
    let mut suffix = [0.0f32; LANES];
    lane_mut(out, bins - 1).fill(0.0);
    for i in (0..bins - 1).rev() {
        for (s, &g) in suffix.iter_mut().zip(lane(g_knots, i + 1)) {
            *s += g;
        }
        for (o, &s) in lane_mut(out, i).iter_mut().zip(&suffix) {
            *o = s * factor;
        }
    }
    // Through the softmax p: ∂/∂θ_i = p_i (∂/∂p_i − Σ_j p_j ∂/∂p_j).
    let mut dot = [0.0f32; LANES];
    for i in 0..bins {
        for ((d, &g), &p) in dot.iter_mut().zip(lane(out, i)).zip(lane(softmax, i)) {
            *d += p * g;
        }
    }
    for i in 0..bins {
        for ((g, &p), &d) in lane_mut(out, i).iter_mut().zip(lane(softmax, i)).zip(&dot) {
            *g = p * (*g - d);
        }
    }
}
