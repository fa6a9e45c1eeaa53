//! Pools across `fork()`: a child process holds only the thread that forked,
//! so every pool thread the parent had is gone in it. A call handed to an
//! idle pool of the parent's would wait forever for threads that do not
//! exist (a `multiprocessing` worker forked after training hung on its first
//! large call), and the counters of calls and pollers may count threads
//! that were mid-call at the fork.
//!
//! Python runs these hooks around `os.fork` (`os.register_at_fork`, set up
//! when `_core` is imported): [`before_fork`] takes the pool list's lock so
//! no other thread holds it at the fork, [`after_fork_in_parent`] releases
//! it, and [`after_fork_in_child`] forgets the parent's pools and counters,
//! so the child makes pools of its own on its first large call.

use super::bound;
use super::{pools, Pools, ACTIVE, POLLERS};
use std::cell::RefCell;
use std::sync::atomic::Ordering;
use std::sync::MutexGuard;

thread_local! {
    /// The pool list's lock, held by the forking thread across the fork.
    static HELD: RefCell<Option<MutexGuard<'static, Pools>>> = const { RefCell::new(None) };
}

/// Takes the pool list's lock on the forking thread (a poisoned lock is
/// left alone: every later use of it fails with a clear error anyway).
pub fn before_fork() {
    if let Ok(guard) = pools() {
        HELD.with(|held| *held.borrow_mut() = Some(guard));
    }
}

/// Releases the lock [`before_fork`] took.
pub fn after_fork_in_parent() {
    HELD.with(|held| held.borrow_mut().take());
}

/// Forgets the parent's pools and counts in a forked child.
pub fn after_fork_in_child() {
    let held = HELD.with(|held| held.borrow_mut().take());
    let guard = match held {
        Some(guard) => Some(guard),
        None => pools().ok(),
    };
    if let Some(mut guard) = guard {
        // Leaked, not dropped: a pool's drop signals its threads, and here
        // they do not exist. At most `MAX_IDLE_POOLS` small pools per fork.
        for pool in guard.idle.drain(..) {
            std::mem::forget(pool);
        }
    }
    ACTIVE.store(0, Ordering::SeqCst);
    POLLERS.store(0, Ordering::SeqCst);
    bound::after_fork_in_child();
}
