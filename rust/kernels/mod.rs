//! Numeric kernels: plain functions over arrays, with rayon inside above a
//! work threshold. Ops (in `crate::ops`) check shapes and call these.

pub mod batch_norm;
pub mod buffer;
pub mod cancel;
pub mod elementwise;
pub mod fastmath;
pub mod im2col;
pub mod isa;
pub mod matmul;
pub mod parallel;
pub mod pool;
pub mod random;
pub mod window;
