//! Stopping a running call from outside: Ctrl-C during `fit`, `evaluate` or
//! `predict`.
//!
//! A call carries a [`Token`]. Long loops (steps of a training run, nodes of
//! a graph) call [`check`] between units of work; once the token is
//! cancelled, `check` fails with [`Error::Interrupted`] and the loop returns
//! at that boundary, never in the middle of an optimizer update, so the
//! weights are those of the last finished step.
//!
//! Who cancels: when a call runs in a pool, its caller waits and asks a
//! [`Watch`] (for Python: "did a signal arrive?") at intervals. When the call
//! runs on the calling thread itself, nobody else is free to ask, so `check`
//! asks the watch, at most once per interval.

use crate::error::{Error, Result};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Asked whether the call should stop; true stops it.
pub type Watch = Arc<dyn Fn() -> bool + Send + Sync>;

/// Shared between a call and whoever may stop it.
#[derive(Clone, Default)]
pub struct Token(Arc<AtomicBool>);

impl Token {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The token of the call running on this thread, and the watch to ask when
/// the call runs on its caller's thread.
struct Current {
    token: Token,
    watch: Option<Watch>,
    interval: Duration,
    last_asked: Instant,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

/// Restores the thread's previous call (none, or an outer one) when dropped.
pub struct Entered {
    previous: Option<Current>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Makes `token` the current call's on this thread until the guard drops;
/// with a `watch`, [`check`] asks it every `interval`.
pub fn enter(token: &Token, watch: Option<Watch>, interval: Duration) -> Entered {
    let current = Current {
        token: token.clone(),
        watch,
        interval,
        last_asked: Instant::now(),
    };
    let previous = CURRENT.with(|c| c.borrow_mut().replace(current));
    Entered { previous }
}

/// Stops [`check`] from failing on this thread until the guard drops: for
/// work that must finish once begun (the later updates of a training step
/// whose first update was applied). A request to stop made meanwhile is
/// seen by the first check after the guard drops.
pub fn shield() -> Entered {
    let previous = CURRENT.with(|c| c.borrow_mut().take());
    Entered { previous }
}

/// Fails with [`Error::Interrupted`] once the current call was asked to
/// stop; outside a call it always succeeds.
pub fn check() -> Result<()> {
    let due = CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        let cur = c.as_mut()?;
        if cur.token.is_cancelled() {
            return Some((cur.token.clone(), None));
        }
        match &cur.watch {
            Some(w) if cur.last_asked.elapsed() >= cur.interval => {
                cur.last_asked = Instant::now();
                Some((cur.token.clone(), Some(Arc::clone(w))))
            }
            _ => None,
        }
    });
    let Some((token, watch)) = due else {
        return Ok(());
    };
    // The watch runs outside the borrow: it may call back into the core.
    if let Some(w) = watch {
        if w() {
            token.cancel();
        }
    }
    if token.is_cancelled() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shield_defers_a_stop_until_it_drops() {
        let token = Token::new();
        let _call = enter(&token, None, Duration::from_millis(1));
        token.cancel();
        {
            let _shield = shield();
            assert!(check().is_ok());
        }
        assert!(matches!(check(), Err(Error::Interrupted)));
    }
}
