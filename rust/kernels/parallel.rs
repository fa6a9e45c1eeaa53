//! The thread pools every kernel runs in, and the work threshold below which a
//! kernel stays on one thread (spawning costs more than it buys on small work).
//!
//! Pools hold `PYKERAS_NUM_THREADS` threads (default: all cores), changeable
//! at run time by `set_num_threads`. Kernels split work over independent
//! output elements, or over reduction blocks fixed by the shapes and added in
//! order, so results are bit-identical whatever the thread count.
//!
//! # Liveness
//!
//! Any number of Python threads may call into the core at once, so the
//! scheme is built to be free of deadlock by construction:
//!
//! - **One call, one pool.** A call that splits work leases a pool for its
//!   whole duration ([`Lease`]); a second call at the same time leases another
//!   (made on demand, kept for reuse). Rayon lets a thread that waits inside
//!   a `join` run any queued job on top of its stack; with a shared pool that
//!   job could belong to another call and block (on the variable store's
//!   lock, or spinning for its own call), and the waiting call could never
//!   resume. A leased pool only ever holds jobs of its own call.
//! - **The first caller computes its share.** One calling thread (the first
//!   to make a call worth splitting, usually Python's main thread) is made
//!   thread 0 of a pool of its own ([`bound`]), so its calls run on it with
//!   no hand-off: a leased pool's caller sleeps while a pool thread works and
//!   is woken when it ends, two wake-ups of tens of µs on a VM per call. That
//!   pool only ever holds that thread's calls, as a lease holds one call's,
//!   and between calls the thread is a pool thread in name only (it runs no
//!   jobs and [`threads_here`] says 1). Other threads, and calls made while
//!   the thread count differs from the bound pool's, lease as before.
//! - **No pool outside a call.** Small calls run on the calling thread, and
//!   outside a call in a pool [`worth_splitting`] and [`threads_here`] say
//!   no, so no kernel reaches rayon's global pool, which is shared.
//! - **Pollers end on their own.** While a call runs alone, its pool's other
//!   threads poll for work instead of sleeping ([`keep_warm`]); each poller
//!   stops when its call ends, as soon as another call is running, or after
//!   [`POLL_IDLE_LIMIT`] without work, so no poller waits on anything that
//!   could wait on it.
//! - Locks (the variable store, the pool list) are plain mutexes taken by a
//!   call's own threads: their holders never wait on another call's work.
//! - **A forked child starts afresh** ([`fork`]): it forgets the parent's
//!   pools, whose threads it does not have, and makes its own.

use super::cancel::{self, Token, Watch};
use crate::error::{Error, Result};
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Elements of work below which a kernel runs sequentially.
pub const PARALLEL_THRESHOLD: usize = 1 << 15;

/// Feed sizes (elements) below which a call stays on the calling thread.
pub const INLINE_WORK: usize = 1 << 16;

/// A poller with no work for this long goes back to sleep: longer than the
/// serial gaps of a training step (tens to hundreds of µs), short enough that
/// a poller never holds up anything for long.
const POLL_IDLE_LIMIT: Duration = Duration::from_millis(5);

/// Idle pools kept for reuse; more concurrent calls than this make pools
/// that are dropped when their call ends.
const MAX_IDLE_POOLS: usize = 16;

/// How often a watched call's caller looks for an interrupt.
const WATCH_INTERVAL: Duration = Duration::from_millis(100);

struct Pools {
    threads: usize,
    idle: Vec<Arc<ThreadPool>>,
}

fn pools() -> Result<MutexGuard<'static, Pools>> {
    static POOLS: OnceLock<Mutex<Pools>> = OnceLock::new();
    POOLS
        .get_or_init(|| {
            Mutex::new(Pools {
                threads: default_threads(),
                idle: Vec::new(),
            })
        })
        .lock()
        .map_err(|_| Error::graph("thread pool list lock poisoned"))
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

/// Sets the number of threads of every pool leased from now on. Calls
/// already running keep their pool.
pub fn set_num_threads(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::argument(
            "set_num_threads",
            "the number of threads must be at least 1. Received: 0",
        ));
    }
    let mut pools = pools()?;
    if pools.threads != n {
        pools.threads = n;
        pools.idle.clear();
    }
    Ok(())
}

/// Number of threads a call uses.
pub fn num_threads() -> Result<usize> {
    Ok(pools()?.threads)
}

/// Leased calls running right now (the bound thread's call, if any, is
/// [`bound::BOUND_RUNNING`]).
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// A pool used by one call only, returned to the idle list when dropped.
pub struct Lease {
    pool: Arc<ThreadPool>,
    threads: usize,
}

impl Lease {
    /// An idle pool of the current size, or a new one.
    pub fn take() -> Result<Self> {
        let (idle, threads) = {
            let mut pools = pools()?;
            (pools.idle.pop(), pools.threads)
        };
        // A new pool's threads start outside the lock.
        let pool = match idle {
            Some(p) => p,
            None => build(threads)?,
        };
        ACTIVE.fetch_add(1, Ordering::SeqCst);
        Ok(Self { pool, threads })
    }

    fn pool(&self) -> &ThreadPool {
        &self.pool
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
        if let Ok(mut pools) = pools() {
            if pools.threads == self.threads && pools.idle.len() < MAX_IDLE_POOLS {
                pools.idle.push(Arc::clone(&self.pool));
            }
        }
    }
}

/// Runs `f` with the current number of threads: on the calling thread when
/// it is small or there is one thread, else in a leased pool.
pub fn run<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R> {
    run_sized(usize::MAX, f)
}

/// Like [`run`], for a call whose inputs hold `work` elements: small calls
/// run on the calling thread (no hand-off to wake a pool thread, and every
/// kernel serial), large ones in a pool leased for the call.
pub fn run_sized<R: Send>(work: usize, f: impl FnOnce() -> R + Send) -> Result<R> {
    run_watched(work, f, None)
}

/// Like [`run_sized`], and interruptible: while `f` runs in a pool, the
/// calling thread asks `interrupted` every [`WATCH_INTERVAL`] (on the calling
/// thread itself when `f` runs there, from [`cancel::check`]). Once it says
/// yes, [`cancel::check`] fails inside `f` with [`Error::Interrupted`], so
/// loops that call it stop at their next check.
pub fn run_watched<R: Send>(
    work: usize,
    f: impl FnOnce() -> R + Send,
    interrupted: Option<Watch>,
) -> Result<R> {
    // A nested call (from inside a kernel already in a pool) stays put.
    if in_pool_call() {
        return Ok(f());
    }
    let token = Token::new();
    let threads = num_threads()?;
    if work < INLINE_WORK || threads < 2 {
        let _scope = cancel::enter(&token, interrupted, WATCH_INTERVAL);
        return Ok(f());
    }
    if bound(threads) {
        return Ok(run_bound(f, &token, interrupted));
    }
    let lease = Lease::take()?;
    let done = Done::default();
    let mut result = None;
    lease.pool().in_place_scope(|scope| {
        scope.spawn(|_| {
            let _signal = DoneOnDrop(&done);
            let _scope = cancel::enter(&token, None, WATCH_INTERVAL);
            result = Some(keep_warm(f));
        });
        while !done.wait(WATCH_INTERVAL) {
            if !token.is_cancelled() && interrupted.as_ref().is_some_and(|asks| asks()) {
                token.cancel();
            }
        }
    });
    result.ok_or_else(|| Error::graph("a core call ended without a result"))
}

/// Set when a call's job ends, by returning or unwinding.
#[derive(Default)]
struct Done {
    finished: Mutex<bool>,
    signal: Condvar,
}

impl Done {
    /// Waits up to `limit`; true once the job has ended.
    fn wait(&self, limit: Duration) -> bool {
        let Ok(guard) = self.finished.lock() else {
            return true;
        };
        match self.signal.wait_timeout_while(guard, limit, |f| !*f) {
            Ok((finished, _)) => *finished,
            Err(_) => true,
        }
    }
}

struct DoneOnDrop<'a>(&'a Done);

impl Drop for DoneOnDrop<'_> {
    fn drop(&mut self) {
        if let Ok(mut finished) = self.0.finished.lock() {
            *finished = true;
        }
        self.0.signal.notify_all();
    }
}

/// Runs `f` on the current pool thread while the pool's other threads poll
/// for work instead of sleeping.
///
/// A rayon thread that finds no work soon sleeps, and on a virtual machine
/// waking it takes 100-200 µs (measured here: the stolen half of a `join`
/// started that late after 50 µs of serial work). A training step runs a
/// dozen parallel regions of 0.1-1 ms separated by serial work, so sleeping
/// threads cost a large share of the second thread's gain. OpenMP runtimes
/// and OpenBLAS spin-wait for the same reason.
///
/// Only a call running alone is kept warm: with several calls, spinning
/// threads would take cores from the others. Each poller stops when `f`
/// returns (or unwinds), when another call starts, or after
/// [`POLL_IDLE_LIMIT`] without work; none waits on anything indefinitely.
fn keep_warm<R>(f: impl FnOnce() -> R) -> R {
    let Some(caller) = rayon::current_thread_index() else {
        return f();
    };
    if rayon::current_num_threads() < 2 || busy_elsewhere() {
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
        poll(|| flag.load(Ordering::Relaxed) || busy_elsewhere());
    });
    f()
}

/// Whether a call other than a leased call's own runs (read from inside
/// that call): two reads, so a call starting or ending in between may stop
/// a poller early or let it run one read longer, never more.
fn busy_elsewhere() -> bool {
    ACTIVE.load(Ordering::Relaxed) > 1 || bound::BOUND_RUNNING.load(Ordering::Relaxed)
}

/// Runs this pool's jobs as they come until `stop` says so or none has come
/// for [`POLL_IDLE_LIMIT`].
fn poll(stop: impl Fn() -> bool) {
    POLLERS.fetch_add(1, Ordering::SeqCst);
    POLLS_STARTED.fetch_add(1, Ordering::SeqCst);
    let mut last_work = Instant::now();
    while !stop() {
        match rayon::yield_now() {
            Some(rayon::Yield::Executed) => last_work = Instant::now(),
            _ => {
                if last_work.elapsed() > POLL_IDLE_LIMIT {
                    break;
                }
                std::hint::spin_loop();
            }
        }
    }
    POLLERS.fetch_sub(1, Ordering::SeqCst);
}

/// Pool threads polling for work right now (all pools).
static POLLERS: AtomicUsize = AtomicUsize::new(0);

/// Pollers started since the process began (for tests: how many a call had).
static POLLS_STARTED: AtomicUsize = AtomicUsize::new(0);

/// Sets the pollers' stop flag when the call ends, even by unwinding.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Threads a kernel may split over here: those of the pool its call runs
/// in, or 1 outside every call in a pool (so nothing reaches rayon's shared
/// global pool; see the module's liveness notes).
pub fn threads_here() -> usize {
    if in_pool_call() {
        rayon::current_num_threads()
    } else {
        1
    }
}

/// Whether work of `elements` should be split across threads.
pub fn worth_splitting(elements: usize) -> bool {
    elements >= PARALLEL_THRESHOLD && threads_here() > 1
}

mod bound;
pub mod fork;
#[cfg(test)]
mod tests;

use bound::{bound, in_pool_call, run_bound};
