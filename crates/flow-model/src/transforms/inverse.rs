//! The batched scalar root finder behind the inverse of a planar layer.

use burn::tensor::Tensor;

/// Solves `α + c·tanh(α + b) = t` for every row of `t`, with `c ≥ −1`.
///
/// The left side is non-decreasing in `α`, so the root is unique and lies in
/// `[t − |c|, t + |c|]`. Each iteration takes a Newton step and falls back to bisection
/// whenever the step leaves the current bracket (or is not finite), so it converges
/// for every input, quadratically near the root. Everything stays on the device; the
/// convergence test reads one scalar back every [`InverseSolver::check_every`] iterations,
/// and once it passes, [`InverseSolver::polish`] more iterations bring `α` to full precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InverseSolver {
    /// Converged when `|α + c·tanh(α + b) − t| ≤ tolerance · (1 + |t|)` for every row.
    pub tolerance: f64,
    /// Upper bound on the number of iterations before polishing.
    pub max_iterations: usize,
    /// How many iterations run between two convergence tests.
    pub check_every: usize,
    /// Iterations run after convergence (Newton's quadratic steps down to rounding).
    pub polish: usize,
}

impl Default for InverseSolver {
    fn default() -> Self {
        Self {
            tolerance: 1e-6,
            max_iterations: 64,
            check_every: 4,
            polish: 2,
        }
    }
}

/// The state of the iteration: the estimate and the bracket around the root, `[N, 1]` each.
struct Bracketed {
    alpha: Tensor<2>,
    lo: Tensor<2>,
    hi: Tensor<2>,
}

impl InverseSolver {
    /// The root `α`: `t` is `[N, 1]`, `c` and `b` are `[1, 1]`; returns `[N, 1]`.
    pub fn solve(&self, t: Tensor<2>, c: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
        let half_width = c.clone().abs();
        let mut state = Bracketed {
            lo: t.clone() - half_width.clone(),
            hi: t.clone() + half_width,
            alpha: t.clone(),
        };
        let scale = t.clone().abs().add_scalar(1.0).mul_scalar(self.tolerance);
        for iteration in 0..self.max_iterations {
            if iteration % self.check_every.max(1) == 0 {
                let residual = residual(&state.alpha, &t, &c, &b);
                let worst = (residual.abs() - scale.clone()).max().into_scalar::<f32>();
                if worst <= 0.0 {
                    break;
                }
            }
            state = step(state, &t, &c, &b);
        }
        for _ in 0..self.polish {
            state = step(state, &t, &c, &b);
        }
        state.alpha
    }
}

/// `g(α) = α + c·tanh(α + b) − t`.
fn residual(alpha: &Tensor<2>, t: &Tensor<2>, c: &Tensor<2>, b: &Tensor<2>) -> Tensor<2> {
    alpha.clone() + (alpha.clone() + b.clone()).tanh() * c.clone() - t.clone()
}

/// One safeguarded Newton iteration.
fn step(state: Bracketed, t: &Tensor<2>, c: &Tensor<2>, b: &Tensor<2>) -> Bracketed {
    let Bracketed { alpha, lo, hi } = state;
    let h = (alpha.clone() + b.clone()).tanh();
    let g = alpha.clone() + h.clone() * c.clone() - t.clone();

    // Shrink the bracket around the root: g(α) > 0 means α lies above it.
    let above = g.clone().greater_elem(0.0);
    let hi = hi.mask_where(above.clone(), alpha.clone());
    let lo = lo.mask_where(above.bool_not(), alpha.clone());

    let slope = h.square().neg().add_scalar(1.0) * c.clone() + 1.0;
    let newton = alpha - g / slope;
    // NaN and ±inf fail both comparisons, so they fall back to bisection too; the bracket
    // ends are allowed, as Newton lands exactly on them once converged.
    let inside = newton
        .clone()
        .greater_equal(lo.clone())
        .bool_and(newton.clone().lower_equal(hi.clone()));
    let midpoint = (lo.clone() + hi.clone()).mul_scalar(0.5);
    Bracketed {
        alpha: midpoint.mask_where(inside, newton),
        lo,
        hi,
    }
}
