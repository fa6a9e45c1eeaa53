"""Many Python threads calling into the core at once: every call finishes,
with the results it gives alone.

Threads mix `fit` (on models of their own and on one shared model),
`evaluate`, `predict`, `model(x)` and eager ops. A watchdog fails the test,
with every thread's stack, instead of letting a deadlock hang the run."""

import faulthandler
import sys
import threading

import numpy as np
import pytest

import pykeras as keras
from pykeras import _core as C
from pykeras import ops

THREADS = 8
ITERATIONS = 200
WATCHDOG_SECONDS = 240

layers = keras.layers


@pytest.fixture
def two_threads():
    before = C.get_num_threads()
    C.set_num_threads(2)
    yield
    C.set_num_threads(before)


def _cnn(seed):
    init = keras.initializers.GlorotUniform
    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Conv2D(4, 3, padding="same", activation="relu", kernel_initializer=init(seed)),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(3, activation="softmax", kernel_initializer=init(seed + 1)),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _mlp(seed, width=64):
    init = keras.initializers.GlorotUniform
    model = keras.Sequential(
        [
            keras.Input(shape=(32,)),
            layers.Dense(width, activation="relu", kernel_initializer=init(seed)),
            layers.Dropout(0.25, seed=seed),
            layers.Dense(3, activation="softmax", kernel_initializer=init(seed + 1)),
        ]
    )
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return model


def _data(seed, n, shape):
    rng = np.random.default_rng(seed)
    return rng.random((n, *shape), dtype=np.float32), rng.integers(0, 3, size=n)


def _train(seed):
    """A CNN trained a few steps from a fixed start; returns its weights."""
    keras.utils.set_random_seed(seed)
    model = _cnn(seed)
    # Over INLINE_WORK elements, so the call runs in a pool of its own.
    x, y = _data(seed, 1200, (8, 8, 1))
    model.fit(x, y, batch_size=200, epochs=1, shuffle=False, verbose=0)
    return [w.copy() for w in model.get_weights()]


def _run_threads(tasks):
    """Runs each task in its own thread under a watchdog; returns errors."""
    errors = []
    start_together = threading.Barrier(len(tasks))

    def guarded(task):
        try:
            start_together.wait(timeout=WATCHDOG_SECONDS)
            task()
        except BaseException as e:  # reported by the test, with the task
            errors.append((task.__name__, repr(e)))

    threads = [threading.Thread(target=guarded, args=(t,), daemon=True) for t in tasks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=WATCHDOG_SECONDS)
    stuck = [t for t in threads if t.is_alive()]
    if stuck:
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        pytest.fail(f"{len(stuck)} of {len(threads)} threads did not finish (deadlock?)")
    return errors


def test_mixed_calls_from_eight_threads_finish_with_their_solo_results(two_threads):
    shared = _mlp(100)
    # Large calls run in pools, small ones on the calling thread: both kinds.
    xs, ys = _data(7, 2500, (32,))
    one = xs[:1]
    expected_predict = shared.predict(xs, batch_size=2500, verbose=0)
    expected_call = np.asarray(shared(one))
    expected_eval = shared.evaluate(xs, ys, batch_size=500, verbose=0)
    a = np.random.default_rng(3).random((320, 320), dtype=np.float32)
    expected_ops = np.asarray(ops.relu(ops.matmul(a, a)))
    trained_alone = {seed: _train(seed) for seed in range(2)}
    trained = {}

    def predicting():
        for _ in range(ITERATIONS):
            got = shared.predict(xs, batch_size=2500, verbose=0)
            assert got.tobytes() == expected_predict.tobytes()

    def calling():
        for _ in range(ITERATIONS):
            got = np.asarray(shared(one))
            assert got.tobytes() == expected_call.tobytes()

    def evaluating():
        for _ in range(ITERATIONS // 4):
            assert shared.evaluate(xs, ys, batch_size=500, verbose=0) == expected_eval

    def eager_ops():
        for _ in range(ITERATIONS):
            got = np.asarray(ops.relu(ops.matmul(a, a)))
            assert got.tobytes() == expected_ops.tobytes()

    def training(seed):
        def train_own_model():
            for _ in range(ITERATIONS // 20):
                trained[seed] = _train(seed)

        return train_own_model

    def training_a_model_of_its_own_mlp():
        model = _mlp(5, width=256)
        x, y = _data(11, 4096, (32,))
        for _ in range(ITERATIONS // 20):
            model.fit(x, y, batch_size=64, epochs=1, verbose=0)

    tasks = [
        predicting,
        calling,
        evaluating,
        eager_ops,
        training(0),
        training(1),
        training_a_model_of_its_own_mlp,
        predicting,
    ]
    assert len(tasks) == THREADS
    errors = _run_threads(tasks)
    assert not errors, errors
    for seed, weights in trained_alone.items():
        for w_alone, w_now in zip(weights, trained[seed]):
            assert w_alone.tobytes() == w_now.tobytes()


def test_fits_of_one_model_from_two_threads_take_turns(two_threads):
    """Two threads training the same model: calls are serialized per model,
    so both finish and the optimizer counts every step once."""
    model = _mlp(9)
    x, y = _data(4, 256, (32,))
    model.fit(x[:32], y[:32], batch_size=32, epochs=1, verbose=0)
    start = int(model.optimizer.iterations)

    def fitting():
        for _ in range(10):
            model.fit(x, y, batch_size=32, epochs=1, verbose=0)

    errors = _run_threads([fitting, fitting])
    assert not errors, errors
    assert int(model.optimizer.iterations) - start == 2 * 10 * 8
    assert np.all(np.isfinite(model.predict(x, verbose=0)))
