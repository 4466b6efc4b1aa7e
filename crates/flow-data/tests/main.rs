//! The integration tests of flow-data, one module per concern, linked into one test binary
//! (one link of Burn instead of one per file: less build time and disk).

mod csv;
mod data;
mod npy;
mod ode;
mod preprocess;
mod program;
mod simulate;
mod stream;
mod tensors;
mod toy;
