//! `K` radial layers (Rezende & Mohamed 2015), `f(z) = z + β h(α, r) (z − z0)` each, with
//! `h = 1/(α + r)` and `r = ‖z − z0‖`, parameters stacked over the layers.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

use crate::bijection::Bijection;
use crate::error::ModelError;
use crate::init::{param, uniform};
use crate::numerics::stable_softplus;

/// Configuration of a [`Radial`] transform.
#[derive(Config, Debug, PartialEq)]
pub struct RadialConfig {
    /// The number of radial layers `K`.
    pub layers: usize,
    /// The standard deviation of the initial centres `z0 ~ N(0, σ²I)`.
    #[config(default = 1.0)]
    pub center_scale: f64,
}

impl RadialConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.layers == 0 {
            return Err(ModelError::config("layers", "must be at least 1"));
        }
        if !(self.center_scale.is_finite() && self.center_scale >= 0.0) {
            return Err(ModelError::config(
                "center_scale",
                format!("must be finite and ≥ 0, got {}", self.center_scale),
            ));
        }
        Ok(())
    }

    /// The layers in `dim` dimensions, drawn from `rng` on the host: per layer, `z0`
    /// (`D` normal values times `center_scale`), then `α̂ ~ U(−0.1, 0.1)` and
    /// `β̂ ~ U(−0.1, 0.1)`, so that each layer starts close to the identity
    /// (`β ≈ −α + ln 2 ≈ 0`).
    pub fn init(&self, dim: usize, rng: &mut StdRng, device: &Device) -> Radial {
        let (mut z0, mut alpha_hat, mut beta_hat) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..self.layers {
            for _ in 0..dim {
                let v: f64 = StandardNormal.sample(rng);
                z0.push((v * self.center_scale) as f32);
            }
            alpha_hat.extend(uniform(rng, 1, 0.1));
            beta_hat.extend(uniform(rng, 1, 0.1));
        }
        Radial::from_values(dim, &z0, &alpha_hat, &beta_hat, device)
    }
}

/// `K` radial layers applied in order, layer 0 first.
///
/// `α = softplus(α̂) > 0` and `β = −α + softplus(β̂) > −α`, which keeps every layer
/// invertible; `log|det J| = (D − 1) log(1 + βh) + log(1 + βh − βr h²)`, where the last
/// factor equals `1 + αβh²`.
#[derive(Module, Debug)]
pub struct Radial {
    /// The centres `z0`, one row per layer: `[K, D]`.
    pub z0: Param<Tensor<2>>,
    /// `α̂`, `[K]`.
    pub alpha_hat: Param<Tensor<1>>,
    /// `β̂`, `[K]`.
    pub beta_hat: Param<Tensor<1>>,
}

impl Radial {
    /// Layers with the given values: `z0` is `[K, D]` row-major, `alpha_hat` and `beta_hat`
    /// are `[K]`.
    ///
    /// # Panics
    /// If `dim` is zero or the lengths do not fit.
    pub fn from_values(
        dim: usize,
        z0: &[f32],
        alpha_hat: &[f32],
        beta_hat: &[f32],
        device: &Device,
    ) -> Self {
        let k = alpha_hat.len();
        assert!(
            dim > 0 && k > 0 && z0.len() == k * dim && beta_hat.len() == k,
            "z0 must be [K, D], alpha_hat and beta_hat [K], with K, D ≥ 1"
        );
        Self {
            z0: param(z0, [k, dim], device),
            alpha_hat: param(alpha_hat, [k], device),
            beta_hat: param(beta_hat, [k], device),
        }
    }

    /// The dimension `D`.
    pub fn dim(&self) -> usize {
        self.z0.dims()[1]
    }

    /// The number of layers `K`.
    pub fn layers(&self) -> usize {
        self.alpha_hat.dims()[0]
    }

    /// `(α, β)` of every layer, `[K]` each.
    pub fn alpha_beta(&self) -> (Tensor<1>, Tensor<1>) {
        let alpha = stable_softplus(self.alpha_hat.val());
        let beta = stable_softplus(self.beta_hat.val()) - alpha.clone();
        (alpha, beta)
    }

    /// The parameters of layer `k`: `z0` `[1, D]`, `α` and `β` `[1, 1]`.
    fn layer(&self, alpha: &Tensor<1>, beta: &Tensor<1>, k: usize) -> [Tensor<2>; 3] {
        let scalar = |t: &Tensor<1>| t.clone().narrow(0, k, 1).reshape([1, 1]);
        [self.z0.val().narrow(0, k, 1), scalar(alpha), scalar(beta)]
    }

    /// `log|det J|` of one layer at distance `r` (`[N, 1]`) from its centre.
    fn layer_log_det(&self, r: Tensor<2>, alpha: Tensor<2>, beta: Tensor<2>) -> Tensor<2> {
        let h = (r + alpha.clone()).recip();
        let beta_h = beta.clone() * h.clone();
        let radial = (alpha * beta * h.square()).add_scalar(1.0).log();
        beta_h.add_scalar(1.0).log() * (self.dim() as f64 - 1.0) + radial
    }
}

/// `‖v‖` per row of `v` (`[N, D]`): `[N, 1]`.
fn row_norm(v: Tensor<2>) -> Tensor<2> {
    v.square().sum_dim(1).sqrt()
}

impl Bijection for Radial {
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let (alpha, beta) = self.alpha_beta();
        let [n, _] = x.dims();
        let mut y = x;
        let mut log_det = Tensor::<2>::zeros([n, 1], &y.device());
        for k in 0..self.layers() {
            let [z0, a, b] = self.layer(&alpha, &beta, k);
            let diff = y.clone() - z0;
            let r = row_norm(diff.clone());
            let scale = b.clone() / (r.clone() + a.clone()); // βh, [N, 1]
            y = y + diff * scale;
            log_det = log_det + self.layer_log_det(r, a, b);
        }
        (y, log_det.squeeze_dim(1))
    }

    /// The closed-form inverse, last layer first: with `r_y = ‖y − z0‖` and
    /// `q = r_y − α − β`, the preimage's radius is the positive root
    /// `r = ½(q + √(q² + 4α r_y))` (taken as `2α r_y / (√(q² + 4α r_y) − q)` when `q < 0`,
    /// which avoids the cancellation), and `z = z0 + (y − z0) / (1 + β/(α + r))`.
    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let (alpha, beta) = self.alpha_beta();
        let [n, _] = y.dims();
        let mut x = y;
        let mut log_det = Tensor::<2>::zeros([n, 1], &x.device());
        for k in (0..self.layers()).rev() {
            let [z0, a, b] = self.layer(&alpha, &beta, k);
            let diff = x.clone() - z0.clone();
            let r_y = row_norm(diff.clone());
            let q = r_y.clone() - a.clone() - b.clone();
            let root = (q.clone().square() + r_y.clone() * a.clone() * 4.0).sqrt();
            let direct = (q.clone() + root.clone()) * 0.5;
            let stable = (r_y * a.clone() * 2.0) / (root - q.clone());
            let r = direct.mask_where(q.lower_elem(0.0), stable);
            let scale = (b.clone() / (r.clone() + a.clone())).add_scalar(1.0);
            x = z0 + diff / scale;
            log_det = log_det - self.layer_log_det(r, a, b);
        }
        (x, log_det.squeeze_dim(1))
    }
}
