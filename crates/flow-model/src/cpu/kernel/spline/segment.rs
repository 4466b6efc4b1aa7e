//! The rational-quadratic map on one bin, its inverse, its log-derivative, and the gradients
//! of both with respect to the input and to the bin's two knots.
//!
//! With `s = h / w`, `ξ = (x − x₀) / w` and `A = ξ(1 − ξ)`:
//!
//! ```text
//! g(x)     = y₀ + h R,   R = N / D,   N = s ξ² + d₀ A,   D = s + (d₀ + d₁ − 2s) A
//! ln g'(x) = ln(s² P) − ln(D²),       P = d₁ ξ² + 2 s A + d₀ (1 − ξ)²
//! ```
//!
//! The gradients go through the partial derivatives of `R` and `ln g'` in `(ξ, s, d₀, d₁)`
//! ([`Partials`]); the inverse's come from the implicit function `g(x(y)) = y`.

/// One bin of a spline: its left knot `(x₀, y₀)`, width `w`, height `h`, and the derivatives
/// `d₀`, `d₁` at its ends.
#[derive(Debug, Clone, Copy)]
pub(super) struct Segment {
    pub x0: f32,
    pub width: f32,
    pub y0: f32,
    pub height: f32,
    pub d0: f32,
    pub d1: f32,
}

/// The gradient of a weighted sum of a bin's outputs with respect to its input and knots.
pub(super) struct SegmentGrads {
    pub input: f32,
    pub x0: f32,
    pub x1: f32,
    pub y0: f32,
    pub y1: f32,
    pub d0: f32,
    pub d1: f32,
}

/// `R` and the partial derivatives of `R` and `ln g'` at `ξ`, in `(ξ, s, d₀, d₁)`.
struct Partials {
    r: f32,
    r_xi: f32,
    r_s: f32,
    r_d0: f32,
    r_d1: f32,
    l_xi: f32,
    l_s: f32,
    l_d0: f32,
    l_d1: f32,
}

/// Gradients with respect to the local variables `(x₀, w, y₀, h, s, d₀, d₁)`, before `s = h / w`
/// and the knots `x₁ = x₀ + w`, `y₁ = y₀ + h` are accounted for.
struct Local {
    x0: f32,
    width: f32,
    y0: f32,
    height: f32,
    slope: f32,
    d0: f32,
    d1: f32,
}

impl Segment {
    #[inline(always)]
    fn slope(&self) -> f32 {
        self.height / self.width
    }

    /// `d₀ + d₁ − 2s`, the curvature term of the denominator.
    #[inline(always)]
    fn curvature(&self, s: f32) -> f32 {
        self.d1 + self.d0 - s * 2.0
    }

    /// `g(x)` and `ln g'(x)` for `x` in the bin.
    #[inline(always)]
    pub fn forward(&self, x: f32) -> (f32, f32) {
        let s = self.slope();
        let xi = (x - self.x0) / self.width;
        let xi_1mxi = xi * (1.0 - xi);
        let numerator = self.height * (s * (xi * xi) + self.d0 * xi_1mxi);
        let denominator = s + self.curvature(s) * xi_1mxi;
        (self.y0 + numerator / denominator, self.log_derivative(xi))
    }

    /// `g⁻¹(y)` and `ln (g⁻¹)'(y) = −ln g'(g⁻¹(y))` for `y` in the bin.
    #[inline(always)]
    pub fn inverse(&self, y: f32) -> (f32, f32) {
        let xi = self.inverse_xi(y);
        (self.x0 + xi * self.width, -self.log_derivative(xi))
    }

    /// The `ξ` of `g⁻¹(y)`: the root of `a ξ² + b ξ + c = 0` in `[0, 1]`, in the stable form
    /// `2c / (−b − √(b² − 4ac))`. In `f64`: `b² − 4ac` cancels where the bin is steep, and
    /// in `f32` would lose most of the root's digits there.
    #[inline(always)]
    fn inverse_xi(&self, y: f32) -> f32 {
        let [height, d0, d1] = [self.height, self.d0, self.d1].map(f64::from);
        let s = height / f64::from(self.width);
        let curvature = d1 + d0 - s * 2.0;
        let offset = f64::from(y) - f64::from(self.y0);
        let a = height * (s - d0) + offset * curvature;
        let b = height * d0 - offset * curvature;
        let c = -offset * s;
        let discriminant = b * b - a * c * 4.0;
        let discriminant = if discriminant > 0.0 {
            discriminant
        } else {
            0.0
        };
        ((c * 2.0) / (-b - discriminant.sqrt())) as f32
    }

    #[inline(always)]
    fn log_derivative(&self, xi: f32) -> f32 {
        let s = self.slope();
        let one_minus = 1.0 - xi;
        let xi_1mxi = xi * one_minus;
        let numerator =
            (s * s) * (self.d1 * (xi * xi) + s * xi_1mxi * 2.0 + self.d0 * (one_minus * one_minus));
        let denominator = s + self.curvature(s) * xi_1mxi;
        crate::cpu::fastmath::ln(numerator) - crate::cpu::fastmath::ln(denominator * denominator)
    }

    #[inline(always)]
    fn partials(&self, xi: f32) -> Partials {
        let s = self.slope();
        let c = self.curvature(s);
        let one_minus = 1.0 - xi;
        let a = xi * one_minus;
        let (d0, d1) = (self.d0, self.d1);
        let numerator = s * (xi * xi) + d0 * a;
        let inv_denominator = 1.0 / (s + c * a);
        let r = numerator * inv_denominator;
        let p = d1 * (xi * xi) + 2.0 * s * a + d0 * (one_minus * one_minus);
        let inv_p = 1.0 / p;
        // ∂A/∂ξ = 1 − 2ξ; ∂D/∂ξ = c (1 − 2ξ), ∂D/∂s = 1 − 2A, ∂D/∂d₀ = ∂D/∂d₁ = A.
        let a_xi = 1.0 - 2.0 * xi;
        let d_xi = c * a_xi;
        let d_s = 1.0 - 2.0 * a;
        let n_xi = 2.0 * s * xi + d0 * a_xi;
        let p_xi = 2.0 * (d1 * xi + s * a_xi - d0 * one_minus);
        Partials {
            r,
            r_xi: (n_xi - r * d_xi) * inv_denominator,
            r_s: (xi * xi - r * d_s) * inv_denominator,
            r_d0: a * (1.0 - r) * inv_denominator,
            r_d1: -r * a * inv_denominator,
            l_xi: p_xi * inv_p - 2.0 * d_xi * inv_denominator,
            l_s: 2.0 / s + 2.0 * a * inv_p - 2.0 * d_s * inv_denominator,
            l_d0: (one_minus * one_minus) * inv_p - 2.0 * a * inv_denominator,
            l_d1: (xi * xi) * inv_p - 2.0 * a * inv_denominator,
        }
    }

    /// The gradient of `g_out · g(x) + g_log · ln g'(x)`.
    #[inline(always)]
    pub fn forward_grads(&self, x: f32, g_out: f32, g_log: f32) -> SegmentGrads {
        let xi = (x - self.x0) / self.width;
        let q = self.partials(xi);
        let g_r = g_out * self.height;
        let g_xi = g_r * q.r_xi + g_log * q.l_xi;
        // ξ = (x − x₀) / w.
        let g_input = g_xi / self.width;
        let local = Local {
            x0: -g_input,
            width: -g_input * xi,
            y0: g_out,
            height: g_out * q.r,
            slope: g_r * q.r_s + g_log * q.l_s,
            d0: g_r * q.r_d0 + g_log * q.l_d0,
            d1: g_r * q.r_d1 + g_log * q.l_d1,
        };
        self.knot_grads(g_input, local)
    }

    /// The gradient of `g_out · g⁻¹(y) + g_log · ln (g⁻¹)'(y)`.
    ///
    /// With `x = x₀ + ξ w` and `ξ` fixed by `y₀ + h R(ξ, θ) = y`: `∂ξ/∂y = 1 / (h R_ξ)` and
    /// `∂ξ/∂θ = −∂(h R)/∂θ / (h R_ξ)` for every other variable `θ`.
    #[inline(always)]
    pub fn inverse_grads(&self, y: f32, g_out: f32, g_log: f32) -> SegmentGrads {
        let xi = self.inverse_xi(y);
        let q = self.partials(xi);
        // The output's log-derivative is −ln g'.
        let g_xi = g_out * self.width - g_log * q.l_xi;
        let g_y = g_xi / (self.height * q.r_xi);
        let g_r = -g_y * self.height;
        let local = Local {
            x0: g_out,
            width: g_out * xi,
            y0: -g_y,
            height: -g_y * q.r,
            slope: g_r * q.r_s - g_log * q.l_s,
            d0: g_r * q.r_d0 - g_log * q.l_d0,
            d1: g_r * q.r_d1 - g_log * q.l_d1,
        };
        self.knot_grads(g_y, local)
    }

    /// Adds the paths through `s = h / w`, `x₁ = x₀ + w` and `y₁ = y₀ + h`.
    #[inline(always)]
    fn knot_grads(&self, input: f32, local: Local) -> SegmentGrads {
        let inv_width = 1.0 / self.width;
        let height = local.height + local.slope * inv_width;
        let width = local.width - local.slope * self.slope() * inv_width;
        SegmentGrads {
            input,
            x0: local.x0 - width,
            x1: width,
            y0: local.y0 - height,
            y1: height,
            d0: local.d0,
            d1: local.d1,
        }
    }
}
