//! The transforms a flow is made of: each an invertible map with the log-determinant of its
//! Jacobian, in both directions.

use burn::module::Module;
use burn::tensor::Tensor;

use crate::transforms::actnorm::ActNorm;
use crate::transforms::affine_coupling::AffineCoupling;
use crate::transforms::maf::MaskedAffine;
use crate::transforms::planar::Planar;
use crate::transforms::radial::Radial;
use crate::transforms::spline_autoregressive::SplineAutoregressive;
use crate::transforms::spline_coupling::SplineCoupling;

/// An invertible map of `R^D` with a tractable Jacobian determinant.
pub trait Bijection {
    /// Applies the map to `x` (`[N, D]`): the image `[N, D]` and `log|det ∂y/∂x|` `[N]`.
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>);

    /// Applies the inverse map to `y` (`[N, D]`): the preimage `[N, D]` and
    /// `log|det ∂x/∂y|` `[N]` (minus the forward log-determinant at the preimage).
    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>);

    /// [`Bijection::forward`] at a context `[N, C]` (one row per point), for a transform
    /// whose parameters depend on one; the others ignore it.
    fn forward_given(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let _ = context;
        self.forward(x)
    }

    /// [`Bijection::inverse`] at a context `[N, C]`; transforms without one ignore it.
    fn inverse_given(&self, y: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        let _ = context;
        self.inverse(y)
    }
}

/// One transform of a flow. A new kind of transform is one file implementing [`Bijection`]
/// plus one arm here.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Transform {
    /// `K` planar layers ([`Planar`]).
    Planar(Planar),
    /// `K` radial layers ([`Radial`]).
    Radial(Radial),
    /// A RealNVP affine coupling ([`AffineCoupling`]).
    AffineCoupling(AffineCoupling),
    /// A rational-quadratic spline coupling ([`SplineCoupling`]).
    SplineCoupling(SplineCoupling),
    /// An activation normalisation ([`ActNorm`]).
    ActNorm(ActNorm),
    /// A masked affine autoregressive transform ([`MaskedAffine`], MAF and IAF).
    MaskedAffine(MaskedAffine),
    /// An autoregressive rational-quadratic spline ([`SplineAutoregressive`]).
    SplineAutoregressive(SplineAutoregressive),
}

impl Transform {
    /// The transform as a [`Bijection`].
    pub fn as_bijection(&self) -> &dyn Bijection {
        match self {
            Self::Planar(t) => t,
            Self::Radial(t) => t,
            Self::AffineCoupling(t) => t,
            Self::SplineCoupling(t) => t,
            Self::ActNorm(t) => t,
            Self::MaskedAffine(t) => t,
            Self::SplineAutoregressive(t) => t,
        }
    }
}

impl Bijection for Transform {
    fn forward(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.as_bijection().forward(x)
    }

    fn inverse(&self, y: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        self.as_bijection().inverse(y)
    }

    fn forward_given(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        self.as_bijection().forward_given(x, context)
    }

    fn inverse_given(&self, y: Tensor<2>, context: Option<&Tensor<2>>) -> (Tensor<2>, Tensor<1>) {
        self.as_bijection().inverse_given(y, context)
    }
}
