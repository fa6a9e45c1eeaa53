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

#[cfg(feature = "python")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read once at its start. Freed pages stay with the
/// process instead of decaying back to the kernel, so the same activation
/// buffers are reused step after step (training allocates the same sizes
/// every step). `thp:always` also makes jemalloc zero recycled memory with
/// memset rather than by handing pages back to the kernel: the latter cost
/// 370k page faults in 10 CNN steps. One arena for all threads: with an
/// arena per thread, a call's buffers landed in whichever arena its pool
/// thread used, each arena kept its own never-returned peak, and a CNN's
/// resident memory grew 24% between epochs 5 and 50 (benches/memory.py);
/// with one, the peak is held, not grown (+1.5%), at the same speed.
#[cfg(feature = "python")]
#[export_name = "_rjem_malloc_conf"]
pub static JEMALLOC_CONF: Option<&'static u8> =
    Some(&b"narenas:1,dirty_decay_ms:-1,muzzy_decay_ms:-1,thp:always\0"[0]);
