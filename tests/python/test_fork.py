"""A process forked after the core has run (``multiprocessing``'s default
start method on Linux) gets thread pools of its own: its large calls finish,
with the parent's results, whatever pools the parent had made.

Before the fork hooks (`kernels::parallel::fork`), a child forked after a
call from a second thread hung on its first large call: the idle pool it
was handed had no threads in the child."""

import multiprocessing
import os
import sys
import threading
import time

import numpy as np
import pytest

import pykeras as keras
from pykeras import _core as C
from pykeras import ops

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or not hasattr(os, "fork"), reason="fork is Linux's start method"
)

CHILD_SECONDS = 60
A = np.random.default_rng(0).standard_normal((384, 384)).astype(np.float32)


@pytest.fixture(autouse=True)
def two_threads():
    before = C.get_num_threads()
    C.set_num_threads(2)
    yield
    C.set_num_threads(before)


def _on_other_thread(fn):
    out = []
    worker = threading.Thread(target=lambda: out.append(fn()))
    worker.start()
    worker.join()
    return out[0]


def _fork_and_check(child_work) -> None:
    """Runs `child_work` in a forked child; fails if it is wrong (exit 3),
    raises (exit 4) or has not finished in `CHILD_SECONDS` (killed)."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 4
        try:
            code = 0 if child_work() else 3
        finally:
            os._exit(code)
    deadline = time.monotonic() + CHILD_SECONDS
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail(f"the forked child's core call did not finish in {CHILD_SECONDS} s")


def _products_match() -> bool:
    want = A.astype(np.float64) @ A.astype(np.float64)
    on_main = np.asarray(ops.matmul(A, A))
    on_thread = np.asarray(_on_other_thread(lambda: ops.matmul(A, A)))
    return bool(np.allclose(on_main, want, atol=1e-3) and np.allclose(on_thread, want, atol=1e-3))


def test_child_after_a_leased_pool_computes():
    # A call from a second thread leases a pool, which is idle at the fork.
    _on_other_thread(lambda: ops.matmul(A, A))
    _fork_and_check(_products_match)


def test_child_after_the_main_threads_own_pool_computes():
    ops.matmul(A, A)  # the main thread's pool (the bound caller)
    _fork_and_check(_products_match)


def test_child_of_a_child_computes():
    _on_other_thread(lambda: ops.matmul(A, A))
    ops.matmul(A, A)

    def fork_again() -> bool:
        _fork_and_check(_products_match)
        return _products_match()

    _fork_and_check(fork_again)


# What a forked worker inherits (the model is not sent: fork copies it).
_INHERITED: dict = {}


def _predict_sum(_: int = 0) -> float:
    model, x = _INHERITED["model"], _INHERITED["x"]
    return float(np.asarray(model.predict(x, verbose=0)).sum())


def test_multiprocessing_fork_pool_after_fit():
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(256), keras.layers.Dense(4)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(1).standard_normal((512, 64)).astype(np.float32)
    model.fit(x, np.zeros((512, 4), np.float32), epochs=1, batch_size=128, verbose=0)
    _on_other_thread(lambda: model.predict(x, verbose=0))
    _INHERITED.update(model=model, x=x)
    want = _predict_sum()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        got = pool.apply_async(_predict_sum, (0,)).get(timeout=CHILD_SECONDS)
    assert got == pytest.approx(want, rel=1e-5)
