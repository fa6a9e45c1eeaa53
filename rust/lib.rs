//! pykeras's compute core: tensors, kernels, the closed set of primitive ops
//! with their backward rules, and the graph executor. Python bindings live in
//! `python/` behind the `python` feature, so `cargo test` needs no Python.

pub mod error;
pub mod graph;
pub mod kernels;
pub mod ops;
pub mod optim;
pub mod tensor;
pub mod train;

pub use error::{Error, Result};
pub use tensor::{Value, ValueView};

#[cfg(feature = "python")]
mod python;
