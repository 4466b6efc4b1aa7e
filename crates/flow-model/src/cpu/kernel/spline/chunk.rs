//! One chunk of at most [`LANES`] elements: its knots, each element's bin, the forward pass,
//! and what the backward pass keeps of it.

use multiversion::multiversion;

use super::knots::{Knots, LANES, lane, lane_mut};
use super::segment::Segment;
use crate::spline::shape::{SplineDirection, SplineShape};

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
    pub(super) fn check(&self, input: &[f32], params: &[f32]) -> usize {
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

    pub(super) fn bound(&self) -> f32 {
        self.shape.tail_bound as f32
    }

    /// Floats that [`Saved`] keeps per chunk.
    pub(super) fn saved_block(&self) -> usize {
        Chunk::saved_rows(self.shape.bins) * LANES
    }
}

/// The bins of a chunk's elements, one field per lane row.
pub(super) struct Segments {
    x0: [f32; LANES],
    width: [f32; LANES],
    y0: [f32; LANES],
    height: [f32; LANES],
    d0: [f32; LANES],
    d1: [f32; LANES],
}

impl Segments {
    #[inline(always)]
    pub fn get(&self, l: usize) -> Segment {
        Segment {
            x0: self.x0[l],
            width: self.width[l],
            y0: self.y0[l],
            height: self.height[l],
            d0: self.d0[l],
            d1: self.d1[l],
        }
    }

    fn rows_mut(&mut self) -> [&mut [f32; LANES]; 6] {
        [
            &mut self.x0,
            &mut self.width,
            &mut self.y0,
            &mut self.height,
            &mut self.d0,
            &mut self.d1,
        ]
    }
}

/// Working memory for one chunk of at most [`LANES`] elements.
pub(super) struct Chunk {
    pub spline: Spline,
    pub knots: Knots,
    /// The inputs; zero past the chunk's elements.
    pub input: [f32; LANES],
    /// The inputs clamped to `[−B, B]`.
    pub clamped: [f32; LANES],
    /// Each element's bin, `0..K`.
    pub bin: [u32; LANES],
    pub segments: Segments,
}

impl Chunk {
    pub fn new(spline: &Spline) -> Self {
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

    /// Floats per element that [`Chunk::save`] keeps: the knots' `3K − 1` rows, the bin's
    /// six, the input and the bin.
    pub fn saved_rows(bins: usize) -> usize {
        3 * bins + 7
    }

    /// Loads `input` (`[len]`) and `params` (`[len, 3K − 1]`), computes the knots and finds
    /// each element's bin.
    #[inline(always)]
    fn prepare(&mut self, input: &[f32], params: &[f32]) {
        self.knots.load(params);
        self.knots.compute();
        self.input[..input.len()].copy_from_slice(input);
        self.input[input.len()..].fill(0.0);
        self.clamp();
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

    /// The inputs clamped to `[−B, B]`; NaN stays NaN (and finds bin 0).
    #[inline(always)]
    fn clamp(&mut self) {
        let bound = self.spline.bound();
        for (c, &v) in self.clamped.iter_mut().zip(&self.input) {
            *c = if v < -bound {
                -bound
            } else if v > bound {
                bound
            } else {
                v
            };
        }
    }

    /// Whether lane `l` lies in `[−B, B]`, where the spline applies (false for NaN).
    #[inline(always)]
    pub fn inside(&self, l: usize) -> bool {
        let bound = self.spline.bound();
        self.input[l] >= -bound && self.input[l] <= bound
    }

    /// Writes what the backward pass needs into `out` (`[saved_rows][LANES]`).
    #[inline(always)]
    fn save(&self, out: &mut [f32]) {
        let (knots, rest) = out.split_at_mut(self.knots.saved_rows() * LANES);
        self.knots.save(knots);
        let s = &self.segments;
        let rows = [&s.x0, &s.width, &s.y0, &s.height, &s.d0, &s.d1, &self.input];
        for (j, row) in rows.into_iter().enumerate() {
            lane_mut(rest, j).copy_from_slice(row);
        }
        for (o, &b) in lane_mut(rest, 7).iter_mut().zip(&self.bin) {
            *o = b as f32;
        }
    }

    /// Restores what [`Chunk::save`] wrote into `saved`.
    #[inline(always)]
    pub fn restore(&mut self, saved: &[f32]) {
        let (knots, rest) = saved.split_at(self.knots.saved_rows() * LANES);
        self.knots.restore(knots);
        for (j, row) in self.segments.rows_mut().into_iter().enumerate() {
            row.copy_from_slice(lane(rest, j));
        }
        self.input.copy_from_slice(lane(rest, 6));
        for (b, &v) in self.bin.iter_mut().zip(lane(rest, 7)) {
            *b = v as u32;
        }
        self.clamp();
    }
}

/// Writes the outputs and log-derivatives of the elements `input` (`[len]`, parameters
/// `params` `[len, 3K − 1]`) into `values` and `logs` (`[len]` each), and what the backward
/// pass needs into `saved` (`[saved_rows][LANES]`) if given.
#[multiversion(targets = "simd")]
pub(super) fn forward_chunk(
    chunk: &mut Chunk,
    input: &[f32],
    params: &[f32],
    [values, logs]: [&mut [f32]; 2],
    saved: Option<&mut [f32]>,
) {
    chunk.prepare(input, params);
    let (out, log) = match chunk.spline.direction {
        SplineDirection::Forward => map_lanes(chunk, |s, x| s.forward(x)),
        SplineDirection::Inverse => map_lanes(chunk, |s, y| s.inverse(y)),
    };
    values.copy_from_slice(&out[..values.len()]);
    logs.copy_from_slice(&log[..logs.len()]);
    if let Some(saved) = saved {
        chunk.save(saved);
    }
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
