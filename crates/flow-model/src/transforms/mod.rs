//! The transforms a flow is made of, one file each, and what families of them share: the
//! split of a coupling, the structure and inversion of an autoregressive flow, the solver of
//! the planar inverse.

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
