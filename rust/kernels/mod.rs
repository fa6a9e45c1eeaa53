//! Numeric kernels: plain functions over arrays, with rayon inside above a
//! work threshold. Ops (in `crate::ops`) check shapes and call these.

pub mod batch_norm;
pub mod bf16;
pub mod bf16_amx;
pub mod bf16_amx_pack;
pub mod bf16_kernel;
pub mod bf16_pack;
pub mod bf16_rows;
mod bf16_shared;
pub mod buffer;
pub mod cancel;
mod col2im;
pub mod conv_f64;
pub mod depthwise;
pub mod elementwise;
pub mod fastmath;
pub mod im2col;
mod im2col_bf16;
pub mod isa;
pub mod matmul;
pub mod matmul_f64;
pub mod parallel;
pub mod pool;
pub mod pool_f64;
pub mod random;
pub mod real;
pub mod window;
