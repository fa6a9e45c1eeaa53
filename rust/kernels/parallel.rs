//! The thread pool every kernel runs in, and the work threshold below which a
//! kernel stays on one thread (spawning costs more than it buys on small work).
//!
//! The pool is sized by `PYKERAS_NUM_THREADS` (default: all cores) and can be
//! replaced at run time by `set_num_threads`. Kernels split work only over
//! independent output elements, never over a reduction, so results are
//! bit-identical whatever the thread count.

use crate::error::{Error, Result};
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, OnceLock, RwLock};

/// Elements of work below which a kernel runs sequentially.
pub const PARALLEL_THRESHOLD: usize = 1 << 15;

fn slot() -> &'static RwLock<Option<Arc<ThreadPool>>> {
    static POOL: OnceLock<RwLock<Option<Arc<ThreadPool>>>> = OnceLock::new();
    POOL.get_or_init(|| RwLock::new(None))
}

fn default_threads() -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    match std::env::var("PYKERAS_NUM_THREADS") {
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or(cores),
        Err(_) => cores,
    }
}

fn build(n: usize) -> Result<Arc<ThreadPool>> {
    ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("pykeras-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| {
            Error::argument(
                "set_num_threads",
                format!("could not start {n} threads: {e}"),
            )
        })
}

/// The current pool, created on first use.
pub fn pool() -> Result<Arc<ThreadPool>> {
    if let Ok(guard) = slot().read() {
        if let Some(p) = guard.as_ref() {
            return Ok(p.clone());
        }
    }
    let mut guard = slot()
        .write()
        .map_err(|_| Error::graph("thread pool lock poisoned"))?;
    if guard.is_none() {
        *guard = Some(build(default_threads())?);
    }
    guard
        .clone()
        .ok_or_else(|| Error::graph("thread pool missing after creation"))
}

/// Replaces the pool with one of `n` threads. Work already running keeps its pool.
pub fn set_num_threads(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::argument(
            "set_num_threads",
            "the number of threads must be at least 1. Received: 0",
        ));
    }
    let new = build(n)?;
    let mut guard = slot()
        .write()
        .map_err(|_| Error::graph("thread pool lock poisoned"))?;
    *guard = Some(new);
    Ok(())
}

/// Number of threads of the current pool.
pub fn num_threads() -> Result<usize> {
    Ok(pool()?.current_num_threads())
}

/// Runs `f` inside the pool, so every rayon call in it uses pykeras's threads.
pub fn run<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R> {
    Ok(pool()?.install(f))
}

/// Whether work of `elements` should be split across threads.
pub fn worth_splitting(elements: usize) -> bool {
    elements >= PARALLEL_THRESHOLD && rayon::current_num_threads() > 1
}
