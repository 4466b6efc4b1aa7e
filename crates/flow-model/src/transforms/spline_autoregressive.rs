//! Autoregressive neural spline flows (Durkan et al. 2019): each coordinate goes through a
//! rational-quadratic spline whose parameters come from a [`Made`] of the coordinates before
//! it.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use rand::rngs::StdRng;

use crate::bijection::Bijection;
use crate::conditioners::made::Made;
use crate::error::ModelError;
use crate::spline::{SplineDirection, SplineShape, rational_quadratic};
use crate::transforms::autoregressive::AutoregressiveConfig;

/// Configuration of an autoregressive neural spline flow.
#[derive(Config, Debug, PartialEq)]
pub struct NsfArConfig {
    /// The autoregressive structure.
    pub autoregressive: AutoregressiveConfig,
    /// The number of bins `K` of each spline.
    #[config(default = 8)]
    pub bins: usize,
    /// The splines cover `[−B, B]`; outside, each transform is the identity.
    #[config(default = 5.0)]
    pub tail_bound: f64,
}

impl NsfArConfig {
    /// Checks every field for data of dimension `dim` with a context of width `context`.
    pub fn validate(&self, dim: usize, context: usize) -> Result<(), ModelError> {
        self.autoregressive.validate(dim, context, "nsf-ar")?;
        self.shape().validate()
    }

    /// The shape of the splines.
    pub fn shape(&self) -> SplineShape {
        SplineShape {
            bins: self.bins,
            tail_bound: self.tail_bound,
        }
    }

    /// The transforms, in application order (data → latent for density estimation).
    pub(crate) fn transforms(
        &self,
        dim: usize,
        context: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Result<Vec<SplineAutoregressive>, ModelError> {
        let shape = self.shape();
        let mades =
            self.autoregressive
                .mades(dim, context, shape.params_per_element(), rng, device)?;
        Ok(mades
            .into_iter()
            .map(|made| SplineAutoregressive {
                made,
                bins: shape.bins,
                tail_bound: shape.tail_bound,
            })
            .collect())
    }
}

/// `y_i = g_i(x_i)`, a monotone rational-quadratic spline whose `3K − 1` parameters come from
/// a [`Made`] of the coordinates before `i` (and the context); identity outside `[−B, B]`.
/// Forward is one MADE pass, the inverse `D` steps ([`Made::invert`]).
#[derive(Module, Debug)]
pub struct SplineAutoregressive {
    /// The conditioner: `[N, D + C] → [N, D, 3K − 1]`.
    pub made: Made,
    /// The number of bins `K`.
    pub bins: usize,
    /// The half-width `B` of the spline's interval.
    pub tail_bound: f64,
}

impl SplineAutoregressive {
    /// The shape of the splines.
    pub fn shape(&self) -> SplineShape {
        SplineShape {
            bins: self.bins,
            tail_bound: self.tail_bound,
        }
    }
}

impl Bijection for SplineAutoregressive {
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.forward_given(x, None)
    }

    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.inverse_given(y, None)
    }

    fn forward_given(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let params = self.made.forward(x.clone(), context);
        let (y, log_det) = rational_quadratic(x, params, self.shape(), SplineDirection::Forward);
        (y, log_det.sum_dim(1).squeeze_dim(1))
    }

    fn inverse_given(&self, y: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let shape = self.shape();
        self.made.invert(&y, context, |y, params| {
            let n = y.dims()[0];
            let (x, log_det) = rational_quadratic(y, params, shape, SplineDirection::Inverse);
            (x, log_det.reshape([n]))
        })
    }
}
