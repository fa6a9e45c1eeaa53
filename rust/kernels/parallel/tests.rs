use super::bound::in_pool_call;
use super::*;
use crate::graph::store;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// POLLERS and ACTIVE are process-wide: these tests take turns.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

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
    let _turn = serial();
    let pool = build(3).unwrap();
    let before = POLLS_STARTED.load(Ordering::SeqCst);
    let (sum, saw_pollers) = pool.install(|| {
        keep_warm(|| {
            // Both other threads start polling (a busy machine may start
            // one after the other has already given up for lack of work).
            let start = Instant::now();
            while POLLS_STARTED.load(Ordering::SeqCst) - before < 2
                && start.elapsed() < Duration::from_secs(5)
            {
                std::hint::spin_loop();
            }
            let saw = POLLS_STARTED.load(Ordering::SeqCst) - before;
            let (a, b) = rayon::join(
                || (0..1000u64).sum::<u64>(),
                || (1000..2000u64).sum::<u64>(),
            );
            (a + b, saw)
        })
    });
    assert_eq!(sum, (0..2000u64).sum::<u64>());
    // At least the two other threads (a stale poller of an earlier call
    // may start late and stop at once).
    assert!(saw_pollers >= 2, "{saw_pollers}");
    assert!(pollers_stop_within(Duration::from_secs(5)));

    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.install(|| keep_warm(|| -> u8 { panic!("boom") }))
    }));
    assert!(unwound.is_err());
    assert!(pollers_stop_within(Duration::from_secs(5)));
    // The pool still works after a call that unwound.
    assert_eq!(pool.install(|| rayon::join(|| 1, || 2)), (1, 2));
}

/// A poller with nothing to do goes back to sleep on its own while the call
/// is still running, so no poller can wait on a call indefinitely.
#[test]
fn pollers_give_up_when_idle() {
    let _turn = serial();
    let pool = build(2).unwrap();
    let before = POLLS_STARTED.load(Ordering::SeqCst);
    let stopped_early = pool.install(|| {
        keep_warm(|| {
            let start = Instant::now();
            while POLLS_STARTED.load(Ordering::SeqCst) == before
                && start.elapsed() < Duration::from_secs(5)
            {
                std::hint::spin_loop();
            }
            // No parallel work for far longer than the idle limit.
            pollers_stop_within(POLL_IDLE_LIMIT * 40)
        })
    });
    assert!(stopped_early);
}

/// One thread has no one to keep warm; outside a pool nothing is spawned.
#[test]
fn keep_warm_is_a_plain_call_without_other_threads() {
    assert_eq!(keep_warm(|| 7), 7);
    assert_eq!(build(1).unwrap().install(|| keep_warm(|| 8)), 8);
}

/// Outside a leased pool kernels do not split (rayon's global pool is
/// shared with every other caller); inside one they may.
#[test]
fn kernels_split_only_inside_a_pool() {
    assert_eq!(threads_here(), 1);
    assert!(!worth_splitting(usize::MAX));
    let pool = build(2).unwrap();
    assert!(pool.install(|| worth_splitting(PARALLEL_THRESHOLD)));
}

/// Work that joins and takes the variable store's lock, as a training step
/// does (forward under the read lock, update under the write lock).
fn step_like(var: store::VarId, rounds: usize) -> f32 {
    let mut total = 0.0;
    for _ in 0..rounds {
        let read = store::read().unwrap();
        let w = read.get(var).unwrap();
        let halves = rayon::join(
            || w.iter().take(2048).sum::<f32>(),
            || w.iter().skip(2048).sum::<f32>(),
        );
        total += halves.0 + halves.1;
        drop(read);
        let mut write = store::write().unwrap();
        let w = write.get_mut(var).unwrap();
        w.mapv_inplace(|v| v * 0.5 + 1.0);
    }
    total
}

/// Eight threads call at once, each through a pool of its own, with the
/// store's lock taken inside the pools: every call finishes (a watchdog
/// fails the test instead of hanging it).
#[test]
fn concurrent_calls_holding_the_store_lock_all_finish() {
    let _turn = serial();
    set_num_threads(2).unwrap();
    let var = store::write()
        .unwrap()
        .insert(ndarray::ArrayD::ones(vec![4096]));
    let (sender, results) = mpsc::channel();
    for t in 0..8 {
        let sender = sender.clone();
        std::thread::spawn(move || {
            for i in 0..50 {
                let work = if (t + i) % 3 == 0 { 1 } else { usize::MAX };
                let out = run_sized(work, || step_like(var, 3));
                sender.send(out.is_ok()).unwrap();
            }
        });
    }
    drop(sender);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut finished = 0;
    while finished < 8 * 50 {
        let left = deadline.saturating_duration_since(Instant::now());
        let ok = results
            .recv_timeout(left)
            .expect("a concurrent call did not finish within 120 s");
        assert!(ok);
        finished += 1;
    }
    store::write().unwrap().remove(var);
    assert!(pollers_stop_within(Duration::from_secs(5)));
}

/// A loop that checks between units of work stops once its watch says so,
/// whether it runs on the calling thread or in a pool.
#[test]
fn a_watched_call_stops_at_its_next_check() {
    let _turn = serial();
    set_num_threads(2).unwrap();
    for work in [1, usize::MAX] {
        let asked = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&asked);
        let watch: Watch = Arc::new(move || counter.fetch_add(1, Ordering::SeqCst) >= 1);
        let started = Instant::now();
        let out = run_watched(
            work,
            || -> Result<usize> {
                let mut steps = 0;
                loop {
                    cancel::check()?;
                    std::thread::sleep(Duration::from_millis(5));
                    steps += 1;
                    if steps > 2000 {
                        return Ok(steps);
                    }
                }
            },
            Some(watch),
        )
        .unwrap();
        assert_eq!(out, Err(Error::Interrupted), "work {work}");
        assert!(started.elapsed() < Duration::from_secs(2), "work {work}");
        assert!(asked.load(Ordering::SeqCst) >= 2);
    }
    // Outside a call, checks always pass.
    assert!(cancel::check().is_ok());
}

/// A call that panics in its pool ends (the panic reaches the caller) and
/// leaves no poller or lease behind.
#[test]
fn a_panicking_call_does_not_hang_its_caller() {
    let _turn = serial();
    set_num_threads(2).unwrap();
    let unwound = std::panic::catch_unwind(|| run_sized(usize::MAX, || -> u8 { panic!("boom") }));
    assert!(unwound.is_err());
    assert!(pollers_stop_within(Duration::from_secs(5)));
    assert_eq!(ACTIVE.load(Ordering::SeqCst), 0);
    assert_eq!(
        run_sized(usize::MAX, || rayon::join(|| 1, || 2)).unwrap(),
        (1, 2)
    );
}

/// The bound caller runs its calls on its own thread, splitting over its
/// pool; between calls, and after one that unwound, it is an ordinary
/// thread again; nested calls stay put; a call of another size, or another
/// thread once one is bound, leases instead; its watch still stops a call.
#[test]
fn the_bound_caller_computes_its_share_on_its_own_thread() {
    let _turn = serial();
    std::thread::spawn(|| {
        // One thread per process is bound; let this fresh one be it.
        bound::CLAIMED.store(false, Ordering::SeqCst);
        assert!(bound(3));
        assert_eq!(threads_here(), 1);
        assert!(!in_pool_call());
        let me = std::thread::current().id();
        let (here, threads, nested_here, helpers) = run_bound(
            || {
                let nested = run_sized(usize::MAX, || std::thread::current().id()).unwrap();
                // Work split by a join reaches the other threads.
                let seen = Mutex::new(std::collections::BTreeSet::new());
                let start = Instant::now();
                while seen.lock().unwrap().len() < 2 && start.elapsed() < Duration::from_secs(5) {
                    rayon::join(
                        || std::thread::sleep(Duration::from_millis(2)),
                        || seen.lock().unwrap().insert(rayon::current_thread_index()),
                    );
                }
                let helpers = seen.lock().unwrap().len();
                assert!(bound::BOUND_RUNNING.load(Ordering::SeqCst));
                (std::thread::current().id(), threads_here(), nested, helpers)
            },
            &Token::new(),
            None,
        );
        assert_eq!(here, me);
        assert_eq!(threads, 3);
        assert_eq!(nested_here, me);
        assert!(helpers >= 2, "{helpers}");
        assert_eq!(threads_here(), 1);
        assert!(!bound::BOUND_RUNNING.load(Ordering::SeqCst));
        assert!(!bound(2), "a pool of another size is leased");

        let unwound = std::panic::catch_unwind(|| {
            run_bound(|| -> u8 { panic!("boom") }, &Token::new(), None)
        });
        assert!(unwound.is_err());
        assert_eq!(threads_here(), 1);
        assert!(!bound::BOUND_RUNNING.load(Ordering::SeqCst));
        assert!(pollers_stop_within(Duration::from_secs(5)));

        let watch: Watch = Arc::new(|| true);
        let stopped = run_bound(
            || {
                std::thread::sleep(WATCH_INTERVAL);
                cancel::check()
            },
            &Token::new(),
            Some(watch),
        );
        assert!(matches!(stopped, Err(Error::Interrupted)));
    })
    .join()
    .unwrap();
    std::thread::spawn(|| assert!(!bound(3), "only one thread is bound"))
        .join()
        .unwrap();
}
