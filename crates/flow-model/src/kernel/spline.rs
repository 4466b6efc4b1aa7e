//! The rational-quadratic splines of [`crate::spline`] computed on the host, elementwise, for
//! the CPU backends: the mapped values and log-derivatives ([`rational_quadratic`]) and their
//! gradient ([`rational_quadratic_grads`]), in either direction.
//!
//! The tensor-op spline spends its time dispatching about a hundred small operations each
//! way; here the elements go through in chunks of [`LANES`], stored parameter by parameter
//! so that every loop runs across the lanes of a chunk and vectorises: the parameters become
//! knots, each element's bin is found by counting the knots below it and its knots are picked
//! by selects (no gather), and the rational-quadratic is evaluated on that bin. Every element
//! has its own spline, so nothing is summed across elements.

mod knots;
mod math;
mod segment;

use multiversion::multiversion;

use self::knots::{Knots, lane};
use self::segment::{Segment, SegmentGrads};
use super::{run_parts, split_points};
use crate::spline::{SplineDirection, SplineShape};

/// Elements per chunk: a chunk's knots (`3 (K + 1)` rows of lanes) stay in the L1 cache for
/// `K` up to 16 or so.
pub const LANES: usize = 64;

/// Splines of one shape, applied in one direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spline {
    /// The bins and the tail bound.
    pub shape: SplineShape,
    /// `g` or `g⁻¹`.
    pub direction: SplineDirection,
}

impl Spline {
    /// Checks the shapes of `input` (`[E]`) and `params` (`[E, 3K − 1]`) and returns `E`.
    fn check(&self, input: &[f32], params: &[f32]) -> usize {
        assert!(self.shape.bins >= 2, "a spline needs at least 2 bins");
        assert!(
            self.shape.tail_bound > 0.0,
            "the tail bound must be positive"
        );
        assert_eq!(
            params.len(),
            input.len() * self.shape.params_per_element(),
            "params must be [E, 3K − 1] for an input of E elements"
        );
        input.len()
    }

    fn bound(&self) -> f32 {
        self.shape.tail_bound as f32
    }
}

/// The gradient with respect to each input of [`rational_quadratic`].
#[derive(Debug, Clone, PartialEq)]
pub struct SplineGrads {
    /// With respect to the input, `[E]`.
    pub input: Vec<f32>,
    /// With respect to the parameters, `[E, 3K − 1]`.
    pub params: Vec<f32>,
}

/// Applies each element's spline to it: `input` is `[E]`, `params` `[E, 3K − 1]` (widths,
/// heights, derivatives). Returns `[2, E]`: the outputs, then `ln|∂output/∂input|`. Outside
/// `[−B, B]` the map is the identity.
pub fn rational_quadratic(spline: &Spline, input: &[f32], params: &[f32]) -> Vec<f32> {
    let e = spline.check(input, params);
    let per = spline.shape.params_per_element();
    let mut out = vec![0.0; 2 * e];
    let (values, log_derivatives) = out.split_at_mut(e);
    // `split_points` depends on `e` alone: both planes split alike.
    let jobs: Vec<_> = split_points(e, values, 1)
        .into_iter()
        .zip(split_points(e, log_derivatives, 1))
        .map(|((range, values), (_, logs))| (range, values, logs))
        .collect();
    run_parts(jobs, |(range, values, logs)| {
        let mut chunk = Chunk::new(spline);
        for start in range.clone().step_by(LANES) {
            let end = (start + LANES).min(range.end);
            let local = start - range.start..end - range.start;
            forward_chunk(
                &mut chunk,
                &input[start..end],
                &params[start * per..end * per],
                &mut values[local.clone()],
                &mut logs[local],
            );
        }
    });
    out
}

/// The gradient of `Σ_e g_e · out_e + Σ_e g_{E+e} · ln|∂out_e/∂in_e|`, with `grad` (`[2, E]`)
/// the gradient flowing into the result of [`rational_quadratic`].
pub fn rational_quadratic_grads(
    spline: &Spline,
    input: &[f32],
    params: &[f32],
    grad: &[f32],
) -> SplineGrads {
    let e = spline.check(input, params);
    assert_eq!(grad.len(), 2 * e, "grad must be [2, E]");
    let per = spline.shape.params_per_element();
    let mut grads = SplineGrads {
        input: vec![0.0; e],
        params: vec![0.0; e * per],
    };
    let jobs: Vec<_> = split_points(e, &mut grads.input, 1)
        .into_iter()
        .zip(split_points(e, &mut grads.params, per))
        .map(|((range, input), (_, params))| (range, input, params))
        .collect();
    run_parts(jobs, |(range, grad_input, grad_params)| {
        let mut chunk = Chunk::new(spline);
        let mut back = Backward::new(spline.shape.bins);
        for start in range.clone().step_by(LANES) {
            let end = (start + LANES).min(range.end);
            let local = start - range.start..end - range.start;
            backward_chunk(
                &mut chunk,
                &mut back,
                &input[start..end],
                &params[start * per..end * per],
                [&grad[start..end], &grad[e + start..e + end]],
                &mut grad_input[local.clone()],
                &mut grad_params[local.start * per..local.end * per],
            );
        }
    });
    grads
}

/// The bins of a chunk's elements, one field per lane row.
struct Segments {
    x0: [f32; LANES],
    width: [f32; LANES],
    y0: [f32; LANES],
    height: [f32; LANES],
    d0: [f32; LANES],
    d1: [f32; LANES],
}

impl Segments {
    #[inline(always)]
    fn get(&self, l: usize) -> Segment {
        Segment {
            x0: self.x0[l],
            width: self.width[l],
            y0: self.y0[l],
            height: self.height[l],
            d0: self.d0[l],
            d1: self.d1[l],
        }
    }
}

/// Working memory for one chunk of at most [`LANES`] elements.
struct Chunk {
    spline: Spline,
    knots: Knots,
    /// The inputs; zero past the chunk's elements.
    input: [f32; LANES],
    /// The inputs clamped to `[−B, B]`.
    clamped: [f32; LANES],
    /// Each element's bin, `0..K`.
    bin: [u32; LANES],
    segments: Segments,
}

impl Chunk {
    fn new(spline: &Spline) -> Self {
        let lanes = [0.0; LANES];
        Self {
            spline: *spline,
            knots: Knots::new(spline.shape.bins, spline.bound()),
            input: lanes,
            clamped: lanes,
            bin: [0; LANES],
            segments: Segments {
                x0: lanes,
                width: lanes,
                y0: lanes,
                height: lanes,
                d0: lanes,
                d1: lanes,
            },
        }
    }

    /// Loads `input` (`[len]`) and `params` (`[len, 3K − 1]`), computes the knots and finds
    /// each element's bin.
    #[inline(always)]
    fn prepare(&mut self, input: &[f32], params: &[f32]) {
        self.knots.load(params);
        self.knots.compute();
        self.input[..input.len()].copy_from_slice(input);
        self.input[input.len()..].fill(0.0);
        let bound = self.spline.bound();
        for (c, &v) in self.clamped.iter_mut().zip(&self.input) {
            // NaN stays NaN (and finds bin 0).
            *c = if v < -bound {
                -bound
            } else if v > bound {
                bound
            } else {
                v
            };
        }
        let knots = &self.knots;
        let by = match self.spline.direction {
            SplineDirection::Forward => &knots.x,
            SplineDirection::Inverse => &knots.y,
        };
        // The bin is the number of interior knots at or below the value.
        self.bin.fill(0);
        for j in 1..self.spline.shape.bins {
            for ((b, &v), &knot) in self.bin.iter_mut().zip(&self.clamped).zip(lane(by, j)) {
                *b += u32::from(v >= knot);
            }
        }
        // Indexed loads: a select per bin, once vectorised, compiles to masked stores, which
        // are slow.
        let s = &mut self.segments;
        for (l, &b) in self.bin.iter().enumerate() {
            let at = |t: &[f32]| (t[b as usize * LANES + l], t[(b as usize + 1) * LANES + l]);
            let ((x0, x1), (y0, y1)) = (at(&knots.x), at(&knots.y));
            (s.d0[l], s.d1[l]) = at(&knots.derivative);
            (s.x0[l], s.width[l]) = (x0, x1 - x0);
            (s.y0[l], s.height[l]) = (y0, y1 - y0);
        }
    }

    /// Whether lane `l` lies in `[−B, B]`, where the spline applies (false for NaN).
    #[inline(always)]
    fn inside(&self, l: usize) -> bool {
        let bound = self.spline.bound();
        self.input[l] >= -bound && self.input[l] <= bound
    }
}

/// Writes the outputs and log-derivatives of the elements `input` (`[len]`, parameters
/// `params` `[len, 3K − 1]`) into `values` and `logs` (`[len]` each).
#[multiversion(targets("x86_64+avx+avx2+fma", "aarch64+neon"))]
fn forward_chunk(
    chunk: &mut Chunk,
    input: &[f32],
    params: &[f32],
    values: &mut [f32],
    logs: &mut [f32],
) {
    chunk.prepare(input, params);
    let (out, log) = match chunk.spline.direction {
        SplineDirection::Forward => map_lanes(chunk, |s, x| s.forward(x)),
        SplineDirection::Inverse => map_lanes(chunk, |s, y| s.inverse(y)),
    };
    values.copy_from_slice(&out[..values.len()]);
    logs.copy_from_slice(&log[..logs.len()]);
}

/// The outputs and log-derivatives of a prepared chunk, with `map` the map on a bin.
#[inline(always)]
fn map_lanes(
    chunk: &Chunk,
    map: impl Fn(&Segment, f32) -> (f32, f32),
) -> ([f32; LANES], [f32; LANES]) {
    let mut out = [0.0f32; LANES];
    let mut log = [0.0f32; LANES];
    for (l, (o, ld)) in out.iter_mut().zip(log.iter_mut()).enumerate() {
        let (value, log_derivative) = map(&chunk.segments.get(l), chunk.clamped[l]);
        let inside = chunk.inside(l);
        *o = if inside { value } else { chunk.input[l] };
        *ld = if inside { log_derivative } else { 0.0 };
    }
    (out, log)
}

/// The gradients of a chunk's elements with respect to their inputs and bin knots, one
/// field per lane row.
struct LaneGrads {
    input: [f32; LANES],
    x0: [f32; LANES],
    x1: [f32; LANES],
    y0: [f32; LANES],
    y1: [f32; LANES],
    d0: [f32; LANES],
    d1: [f32; LANES],
}

/// Working memory of the backward pass of a chunk.
struct Backward {
    lanes: LaneGrads,
    /// The gradient with respect to the x-knots, y-knots and derivatives, `[K + 1][LANES]`
    /// each.
    knots: [Vec<f32>; 3],
    /// The gradient with respect to the parameters, `[3K − 1][LANES]`.
    params: Vec<f32>,
}

impl Backward {
    fn new(bins: usize) -> Self {
        let lanes = [0.0; LANES];
        Self {
            lanes: LaneGrads {
                input: lanes,
                x0: lanes,
                x1: lanes,
                y0: lanes,
                y1: lanes,
                d0: lanes,
                d1: lanes,
            },
            knots: [(); 3].map(|_| vec![0.0; (bins + 1) * LANES]),
            params: vec![0.0; (3 * bins - 1) * LANES],
        }
    }
}

/// Writes the gradients with respect to the elements `input` (`[len]`) and their parameters
/// (`params`, `[len, 3K − 1]`) into `grad_input` and `grad_params`, given the gradients
/// `[g_out, g_log]` (`[len]` each) flowing into the outputs and log-derivatives.
#[multiversion(targets("x86_64+avx+avx2+fma", "aarch64+neon"))]
fn backward_chunk(
    chunk: &mut Chunk,
    back: &mut Backward,
    input: &[f32],
    params: &[f32],
    [g_out, g_log]: [&[f32]; 2],
    grad_input: &mut [f32],
    grad_params: &mut [f32],
) {
    chunk.prepare(input, params);
    let len = input.len();
    let mut upstream = [[0.0f32; LANES]; 2];
    upstream[0][..len].copy_from_slice(g_out);
    upstream[1][..len].copy_from_slice(g_log);
    match chunk.spline.direction {
        SplineDirection::Forward => grad_lanes(chunk, &upstream, &mut back.lanes, |s, x, g, l| {
            s.forward_grads(x, g, l)
        }),
        SplineDirection::Inverse => grad_lanes(chunk, &upstream, &mut back.lanes, |s, y, g, l| {
            s.inverse_grads(y, g, l)
        }),
    }
    grad_input.copy_from_slice(&back.lanes.input[..len]);
    // Each lane's gradients go to its bin's two knots.
    let g = &back.lanes;
    let [g_x, g_y, g_d] = &mut back.knots;
    for knots in [&mut *g_x, &mut *g_y, &mut *g_d] {
        knots.fill(0.0);
    }
    for (l, &b) in chunk.bin.iter().enumerate() {
        let (left, right) = (b as usize * LANES + l, (b as usize + 1) * LANES + l);
        (g_x[left], g_x[right]) = (g.x0[l], g.x1[l]);
        (g_y[left], g_y[right]) = (g.y0[l], g.y1[l]);
        (g_d[left], g_d[right]) = (g.d0[l], g.d1[l]);
    }
    chunk.knots.backward(g_x, g_y, g_d, &mut back.params);
    let per = chunk.knots.per_element();
    for (l, row) in grad_params.chunks_exact_mut(per).enumerate() {
        for (p, g) in row.iter_mut().enumerate() {
            *g = back.params[p * LANES + l];
        }
    }
}

/// Each lane's gradients of a prepared chunk into `out`, with `grads` those on a bin and
/// `upstream` the gradients `[g_out, g_log]` flowing into the chunk's results.
#[inline(always)]
fn grad_lanes(
    chunk: &Chunk,
    upstream: &[[f32; LANES]; 2],
    out: &mut LaneGrads,
    grads: impl Fn(&Segment, f32, f32, f32) -> SegmentGrads,
) {
    for (l, (&g_out, &g_log)) in upstream[0].iter().zip(&upstream[1]).enumerate() {
        let g = grads(&chunk.segments.get(l), chunk.clamped[l], g_out, g_log);
        // Selects rather than products, so that the NaN of an unused bin stays out.
        let inside = chunk.inside(l);
        let keep = |v: f32| if inside { v } else { 0.0 };
        out.input[l] = if inside { g.input } else { g_out };
        out.x0[l] = keep(g.x0);
        out.x1[l] = keep(g.x1);
        out.y0[l] = keep(g.y0);
        out.y1[l] = keep(g.y1);
        out.d0[l] = keep(g.d0);
        out.d1[l] = keep(g.d1);
    }
}
