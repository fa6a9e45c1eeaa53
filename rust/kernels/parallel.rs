//! The thread pool every kernel runs in, and the work threshold below which a
//! kernel stays on one thread (spawning costs more than it buys on small work).
//!
//! The pool is sized by `PYKERAS_NUM_THREADS` (default: all cores) and can be
//! replaced at run time by `set_num_threads`. Kernels split work only over
//! independent output elements, never over a reduction, so results are
//! bit-identical whatever the thread count.
//!
//! The first pool is installed as rayon's global pool when that is still
//! free: work then starts on the calling thread and only the kernels that
//! split hand work to the pool. Moving every call onto a pool thread cost
//! about 20 µs of wake-up per call, most of a one-sample `model(x)`.

use crate::error::{Error, Result};
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

/// Elements of work below which a kernel runs sequentially.
pub const PARALLEL_THRESHOLD: usize = 1 << 15;

/// Where kernels run: rayon's global pool (entered from the calling thread),
/// or a pool of pykeras's own (entered with `install`).
#[derive(Clone)]
pub enum Pool {
    Global(usize),
    Own(Arc<ThreadPool>),
}

impl Pool {
    pub fn current_num_threads(&self) -> usize {
        match self {
            Pool::Global(n) => *n,
            Pool::Own(p) => p.current_num_threads(),
        }
    }
}

fn slot() -> &'static RwLock<Option<Pool>> {
    static POOL: OnceLock<RwLock<Option<Pool>>> = OnceLock::new();
    POOL.get_or_init(|| RwLock::new(None))
}

/// The size of rayon's global pool if pykeras built it, else None.
fn global_threads() -> &'static OnceLock<Option<usize>> {
    static GLOBAL: OnceLock<Option<usize>> = OnceLock::new();
    &GLOBAL
}

fn first_pool(n: usize) -> Result<Pool> {
    let global = global_threads().get_or_init(|| {
        ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("pykeras-{i}"))
            .build_global()
            .ok()
            .map(|_| n)
    });
    match global {
        Some(size) if *size == n => Ok(Pool::Global(n)),
        _ => build(n).map(Pool::Own),
    }
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
pub fn pool() -> Result<Pool> {
    if let Ok(guard) = slot().read() {
        if let Some(p) = guard.as_ref() {
            return Ok(p.clone());
        }
    }
    let mut guard = slot()
        .write()
        .map_err(|_| Error::graph("thread pool lock poisoned"))?;
    if guard.is_none() {
        *guard = Some(first_pool(default_threads())?);
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
    let new = match global_threads().get() {
        Some(Some(size)) if *size == n => Pool::Global(n),
        Some(_) => Pool::Own(build(n)?),
        // Set before any work: this size becomes the global pool's.
        None => first_pool(n)?,
    };
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

/// Feed sizes (elements) below which a call stays on the calling thread.
pub const INLINE_WORK: usize = 1 << 16;

/// Runs `f` inside the pool, so every rayon call in it uses pykeras's threads.
pub fn run<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R> {
    run_sized(usize::MAX, f)
}

/// Like [`run`], for a call whose inputs hold `work` elements: small calls
/// in the global pool run on the calling thread (no hand-off to wake a pool
/// thread), large ones move onto a pool thread, where the kernels' splits
/// are cheap.
pub fn run_sized<R: Send>(work: usize, f: impl FnOnce() -> R + Send) -> Result<R> {
    Ok(match pool()? {
        Pool::Global(_) if work < INLINE_WORK => f(),
        // `join` from outside the pool runs its closures on a pool thread.
        Pool::Global(_) => rayon::join(|| keep_warm(f), || ()).0,
        Pool::Own(p) => p.install(|| keep_warm(f)),
    })
}

/// Runs `f` on the current pool thread while the pool's other threads poll
/// for work instead of sleeping.
///
/// A rayon thread that finds no work soon sleeps, and on a virtual machine
/// waking it takes 100-200 µs (measured here: the stolen half of a `join`
/// started that late after 50 µs of serial work). A training step runs a
/// dozen parallel regions of 0.1-1 ms separated by serial work, so sleeping
/// threads cost a large share of the second thread's gain. OpenMP runtimes
/// and OpenBLAS spin-wait for the same reason. The pollers stop when `f`
/// returns (or unwinds), so no thread spins outside a call into the core.
fn keep_warm<R>(f: impl FnOnce() -> R) -> R {
    let Some(caller) = rayon::current_thread_index() else {
        return f();
    };
    if rayon::current_num_threads() < 2 {
        return f();
    }
    let stop = StopOnDrop(Arc::new(AtomicBool::new(false)));
    let flag = Arc::clone(&stop.0);
    rayon::spawn_broadcast(move |ctx| {
        // The caller's own copy returns at once: polling there would block
        // the thread that has to set `stop`.
        if ctx.index() == caller {
            return;
        }
        POLLERS.fetch_add(1, Ordering::SeqCst);
        while !flag.load(Ordering::Relaxed) {
            if let Some(rayon::Yield::Idle) | None = rayon::yield_now() {
                std::hint::spin_loop();
            }
        }
        POLLERS.fetch_sub(1, Ordering::SeqCst);
    });
    f()
}

/// Pool threads polling for work right now (all pools).
static POLLERS: AtomicUsize = AtomicUsize::new(0);

/// Sets the pollers' stop flag when the call ends, even by unwinding.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Whether work of `elements` should be split across threads.
pub fn worth_splitting(elements: usize) -> bool {
    elements >= PARALLEL_THRESHOLD && rayon::current_num_threads() > 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn pollers_stop_within(limit: Duration) -> bool {
        let start = Instant::now();
        while POLLERS.load(Ordering::SeqCst) > 0 {
            if start.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }

    /// The other threads poll while the call runs (a stolen half of a join
    /// runs on them), and stop when it returns or unwinds.
    #[test]
    fn keep_warm_polls_only_during_the_call() {
        let pool = build(3).unwrap();
        let (sum, saw_pollers) = pool.install(|| {
            keep_warm(|| {
                let start = Instant::now();
                while POLLERS.load(Ordering::SeqCst) < 2 && start.elapsed() < Duration::from_secs(5)
                {
                    std::hint::spin_loop();
                }
                let saw = POLLERS.load(Ordering::SeqCst);
                let (a, b) = rayon::join(
                    || (0..1000u64).sum::<u64>(),
                    || (1000..2000u64).sum::<u64>(),
                );
                (a + b, saw)
            })
        });
        assert_eq!(sum, (0..2000u64).sum::<u64>());
        assert_eq!(saw_pollers, 2);
        assert!(pollers_stop_within(Duration::from_secs(5)));

        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.install(|| keep_warm(|| -> u8 { panic!("boom") }))
        }));
        assert!(unwound.is_err());
        assert!(pollers_stop_within(Duration::from_secs(5)));
        // The pool still works after a call that unwound.
        assert_eq!(pool.install(|| rayon::join(|| 1, || 2)), (1, 2));
    }

    /// One thread has no one to keep warm; outside a pool nothing is spawned.
    #[test]
    fn keep_warm_is_a_plain_call_without_other_threads() {
        assert_eq!(keep_warm(|| 7), 7);
        assert_eq!(build(1).unwrap().install(|| keep_warm(|| 8)), 8);
    }
}
