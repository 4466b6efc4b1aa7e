//! The fused operations of the CPU backends (flex, ndarray) with their hand-derived backward
//! passes, and the host kernels they run.

pub(crate) mod fastmath;
pub mod fused;
pub mod fused_affine;
pub mod fused_blocked;
pub mod fused_forward;
pub mod fused_spline;
pub mod kernel;
