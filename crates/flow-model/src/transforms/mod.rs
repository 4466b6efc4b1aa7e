//! The transforms a flow is made of, one file each, the [`Transform`] enum that lists them,
//! and what families of them share: the split of a coupling, the structure and inversion of
//! an autoregressive flow, the solver of the planar inverse.

pub mod actnorm;
pub mod affine_coupling;
pub mod autoregressive;
pub mod coupling;
pub mod inverse;
pub mod maf;
pub mod planar;
pub mod radial;
pub mod spline_autoregressive;
pub mod spline_coupling;

use burn::module::Module;
use burn::tensor::Tensor;

use crate::bijection::Bijection;
use actnorm::ActNorm;
use affine_coupling::AffineCoupling;
use maf::MaskedAffine;
use planar::Planar;
use radial::Radial;
use spline_autoregressive::SplineAutoregressive;
use spline_coupling::SplineCoupling;

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
