//! Masked autoregressive flows (MAF, Papamakarios et al. 2017): affine transforms whose scale
//! and shift for each coordinate come from a [`Made`] of the coordinates before it.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use rand::rngs::StdRng;

use crate::bijection::Bijection;
use crate::conditioners::made::Made;
use crate::cpu::fused::on_host;
use crate::cpu::fused_affine;
use crate::cpu::kernel::affine::Affine;
pub use crate::cpu::kernel::affine::AffineDirection;
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
}

/// Applies each element's affine map: `input` is `[N, M]`, `params` `[N, M, 2]` (the raw
/// log-scale `ŝ`, soft-clipped to `s = L·tanh(ŝ/L)`, and the shift `t`). Forward
/// `y = x·eˢ + t`, inverse `y = (x − t)·e⁻ˢ`. Returns the output `[N, M]` and
/// `log|∂output/∂input|` (`s`, or `−s`) `[N, M]`.
///
/// On the CPU backends one fused operation with a hand-derived gradient
/// ([`crate::cpu::fused_affine`]), elsewhere [`masked_affine_tensor_ops`].
pub fn masked_affine(
    input: Tensor<2>,
    params: Tensor<3>,
    direction: AffineDirection,
) -> (Tensor<2>, Tensor<2>) {
    if on_host(&input.device()) {
        let bound = MaskedAffine::LOG_SCALE_BOUND as f32;
        fused_affine::masked_affine(input, params, Affine { bound, direction })
    } else {
        masked_affine_tensor_ops(input, params, direction)
    }
}

/// [`masked_affine`] through tensor operations, on every backend: the reference for the
/// fused operation.
pub fn masked_affine_tensor_ops(
    input: Tensor<2>,
    params: Tensor<3>,
    direction: AffineDirection,
) -> (Tensor<2>, Tensor<2>) {
    let [n, m] = input.dims();
    let bound = MaskedAffine::LOG_SCALE_BOUND;
    let s = params.clone().narrow(2, 0, 1).reshape([n, m]);
    let s = s.div_scalar(bound).tanh() * bound;
    let t = params.narrow(2, 1, 1).reshape([n, m]);
    match direction {
        AffineDirection::Forward => (input * s.clone().exp() + t, s),
        AffineDirection::Inverse => ((input - t) * s.clone().neg().exp(), s.neg()),
    }
}

/// The sum of the log-derivatives `[N, M]` over each row: `[N]`.
fn row_sums(log_derivatives: Tensor<2>) -> Tensor<1> {
    log_derivatives.sum_dim(1).squeeze_dim(1)
}

impl Bijection for MaskedAffine {
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.forward_given(x, None)
    }

    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.inverse_given(y, None)
    }

    fn forward_given(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let params = self.made.forward(x.clone(), context);
        let (y, log_derivatives) = masked_affine(x, params, AffineDirection::Forward);
        (y, row_sums(log_derivatives))
    }

    fn inverse_given(&self, y: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        self.made.invert(&y, context, |y, params| {
            let (x, log_derivatives) = masked_affine(y, params, AffineDirection::Inverse);
            (x, row_sums(log_derivatives))
        })
    }
}
