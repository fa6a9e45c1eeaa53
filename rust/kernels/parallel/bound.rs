//! The bound caller: one calling thread that is thread 0 of a pool of its
//! own, so its calls run on it with no hand-off (see the liveness notes of
//! the parent module).
//!
//! A leased pool's caller sleeps while a pool thread runs the call, and is
//! woken when it ends: two wake-ups of tens to hundreds of µs on a virtual
//! machine, on every call. The bound thread computes its share itself, and
//! its pool's other threads keep polling for [`super::POLL_IDLE_LIMIT`] after a call
//! ends, so the next call (a training step's next op, a benchmark's next
//! product) finds them awake.

use super::cancel::{self, Token, Watch};
use super::{poll, ACTIVE, WATCH_INTERVAL};
use rayon::ThreadPoolBuilder;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// [`BOUND_SIZE`] of the bound thread in a forked child: its pool's other
/// threads are gone, so it leases like any other thread (no pool has this
/// size) and, between calls, is no pool thread (see [`in_pool_call`]).
const ORPHANED: usize = usize::MAX;

thread_local! {
    /// The size of the pool this thread is thread 0 of (0: not bound).
    static BOUND_SIZE: Cell<usize> = const { Cell::new(0) };
    /// The bound thread is running a call in its pool right now.
    static SPLITTING: Cell<bool> = const { Cell::new(false) };
    /// This pool thread is polling already (a poller that runs a second
    /// broadcast poller would nest one loop in another).
    static POLLING_HERE: Cell<bool> = const { Cell::new(false) };
}

/// Set once some thread has been bound (or tried to be).
pub(super) static CLAIMED: AtomicBool = AtomicBool::new(false);

/// The bound thread is in a call right now. Bound calls are not counted in
/// `ACTIVE` (leased calls only), so the bound pool's pollers read one atomic
/// to know whether anyone else is computing.
pub(super) static BOUND_RUNNING: AtomicBool = AtomicBool::new(false);

/// The bound pool's threads polling right now.
static BOUND_POLLERS: AtomicUsize = AtomicUsize::new(0);

/// Whether this thread is running a call in a pool: a pool thread (pools'
/// threads only ever run calls), or the bound caller during one of its calls.
pub(super) fn in_pool_call() -> bool {
    let idle_bound_thread = BOUND_SIZE.get() > 0 && !SPLITTING.get();
    rayon::current_thread_index().is_some() && !idle_bound_thread
}

/// Whether this thread may run a call of `threads` threads in its own pool:
/// it is the bound thread and the pool has that size, or no thread is bound
/// yet and this one becomes it. Only one thread is ever bound: rayon cannot
/// release a thread from a pool it joined, so a bound pool lives as long as
/// the process.
pub(super) fn bound(threads: usize) -> bool {
    let size = BOUND_SIZE.get();
    if size > 0 {
        return size == threads;
    }
    // A thread of a leased pool (a nested call reaching here) or of some
    // other rayon pool cannot join a second pool.
    if rayon::current_thread_index().is_some() || CLAIMED.swap(true, Ordering::SeqCst) {
        return false;
    }
    let made = ThreadPoolBuilder::new()
        .num_threads(threads)
        .use_current_thread()
        .thread_name(|i| format!("pykeras-bound-{i}"))
        .build();
    match made {
        Ok(pool) => {
            // Never dropped: ending the registry this thread belongs to
            // would leave it a worker of a pool with no threads.
            std::mem::forget(pool);
            BOUND_SIZE.set(threads);
            true
        }
        Err(_) => false,
    }
}

/// Runs a call on the bound thread, splitting over its pool.
pub(super) fn run_bound<R>(f: impl FnOnce() -> R, token: &Token, interrupted: Option<Watch>) -> R {
    /// Undoes the call's marks even when `f` unwinds.
    struct Running;
    impl Drop for Running {
        fn drop(&mut self) {
            SPLITTING.set(false);
            BOUND_RUNNING.store(false, Ordering::SeqCst);
        }
    }
    BOUND_RUNNING.store(true, Ordering::SeqCst);
    SPLITTING.set(true);
    let _running = Running;
    // The watch is asked on this thread by `cancel::check`, as for a call
    // that runs inline.
    let _scope = cancel::enter(token, interrupted, WATCH_INTERVAL);
    keep_bound_warm();
    f()
}

/// Starts pollers on the bound pool's other threads unless they are still
/// polling since the last call. A poller stops once no job has come for
/// [`super::POLL_IDLE_LIMIT`] (calls included: it outlives its call by that much)
/// or as soon as any other call runs, whose cores it would take; it only
/// ever runs this pool's jobs, which belong to the bound thread's calls, so
/// nothing waits on it.
fn keep_bound_warm() {
    let others = rayon::current_num_threads().saturating_sub(1);
    if others == 0
        || ACTIVE.load(Ordering::SeqCst) > 0
        || BOUND_POLLERS.load(Ordering::SeqCst) >= others
    {
        return;
    }
    rayon::spawn_broadcast(|ctx| {
        // The caller's own copy returns at once (it runs when the caller
        // next waits in a join); so does a second copy on a thread polling.
        if ctx.index() == 0 || POLLING_HERE.get() {
            return;
        }
        POLLING_HERE.set(true);
        BOUND_POLLERS.fetch_add(1, Ordering::SeqCst);
        poll(|| ACTIVE.load(Ordering::Relaxed) > 0);
        BOUND_POLLERS.fetch_sub(1, Ordering::SeqCst);
        POLLING_HERE.set(false);
    });
}

/// After a fork, in the child: the bound pool's other threads are gone, and
/// the forking thread is the only thread. If it was the bound thread it
/// becomes [`ORPHANED`] (it cannot leave the pool it joined); otherwise the
/// bound thread does not exist here and this thread may bind a new pool.
pub(super) fn after_fork_in_child() {
    BOUND_RUNNING.store(false, Ordering::SeqCst);
    BOUND_POLLERS.store(0, Ordering::SeqCst);
    POLLING_HERE.set(false);
    SPLITTING.set(false);
    if BOUND_SIZE.get() > 0 {
        BOUND_SIZE.set(ORPHANED);
    } else {
        CLAIMED.store(false, Ordering::SeqCst);
    }
}
