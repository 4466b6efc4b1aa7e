//! Masked autoregressive flows (MAF, Papamakarios et al. 2017): affine transforms whose scale
//! and shift for each coordinate come from a [`Made`] of the coordinates before it.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use rand::rngs::StdRng;

use crate::bijection::Bijection;
use crate::conditioners::made::Made;
use crate::error::ModelError;
use crate::transforms::autoregressive::AutoregressiveConfig;

/// Configuration of a masked autoregressive flow.
#[derive(Config, Debug, PartialEq)]
pub struct MafConfig {
    /// The autoregressive structure.
    pub autoregressive: AutoregressiveConfig,
}

impl MafConfig {
    /// Checks every field for data of dimension `dim` with a context of width `context`.
    pub fn validate(&self, dim: usize, context: usize) -> Result<(), ModelError> {
        self.autoregressive.validate(dim, context, "maf")
    }

    /// The transforms, in application order (data → latent for density estimation).
    pub(crate) fn transforms(
        &self,
        dim: usize,
        context: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Result<Vec<MaskedAffine>, ModelError> {
        let mades = self.autoregressive.mades(dim, context, 2, rng, device)?;
        Ok(mades
            .into_iter()
            .map(|made| MaskedAffine { made })
            .collect())
    }
}

/// `y_i = x_i · exp(s_i) + t_i` with `(ŝ_i, t_i)` from a [`Made`] of the coordinates before
/// `i` (and the context), the log-scale soft-clipped to `s = L·tanh(ŝ/L)` (`L` =
/// [`MaskedAffine::LOG_SCALE_BOUND`]); `log|det J| = Σ s`. Forward is one MADE pass; the
/// inverse takes `D` steps ([`Made::invert`]: a density flow samples in `D` steps, an IAF,
/// the generative orientation, in one pass).
#[derive(Module, Debug)]
pub struct MaskedAffine {
    /// The conditioner: `[N, D + C] → [N, D, 2]` (log-scale, shift).
    pub made: Made,
}

impl MaskedAffine {
    /// The bound `L` of the log-scale.
    pub const LOG_SCALE_BOUND: f64 = 3.0;

    /// The bounded log-scale `s` and the shift `t` at `x`: `[N, D]` each.
    fn scale_shift(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<2>) {
        let [n, dim] = x.dims();
        let out = self.made.forward(x, context);
        let bound = Self::LOG_SCALE_BOUND;
        let s = out.clone().narrow(2, 0, 1).reshape([n, dim]);
        let s = s.div_scalar(bound).tanh() * bound;
        (s, out.narrow(2, 1, 1).reshape([n, dim]))
    }
}

impl Bijection for MaskedAffine {
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.forward_given(x, None)
    }

    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.inverse_given(y, None)
    }

    fn forward_given(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let (s, t) = self.scale_shift(x.clone(), context);
        (x * s.clone().exp() + t, s.sum_dim(1).squeeze_dim(1))
    }

    fn inverse_given(&self, y: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let bound = Self::LOG_SCALE_BOUND;
        self.made.invert(&y, context, |y, params| {
            let n = y.dims()[0];
            let s = params.clone().narrow(2, 0, 1).reshape([n, 1]);
            let s = s.div_scalar(bound).tanh() * bound;
            let t = params.narrow(2, 1, 1).reshape([n, 1]);
            ((y - t) * s.clone().neg().exp(), s.reshape([n]).neg())
        })
    }
}
