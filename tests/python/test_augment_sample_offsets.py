"""Issue 21 point 1 without Ray: random augmentation in a compiled training
step draws each sample's numbers from its place in the step's global batch
(`StepRunner.sample_offset`), one offset per step when the last batch puts a
worker's rows elsewhere (the steps of another offset run in a call of their
own, whose results read as one)."""

import numpy as np
import pytest

import pykeras as keras

RNG = np.random.default_rng(4)
# 40 rows at batch 32: a full step and a last one of 8 rows.
X = RNG.uniform(size=(40, 4, 4, 3)).astype("float32")
Y = RNG.normal(size=(40, 2)).astype("float32")


def build():
    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [
            keras.Input((4, 4, 3)),
            keras.layers.RandomFlip(seed=1),
            keras.layers.RandomContrast(0.5, value_range=(-1, 2), seed=2),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def assert_same_weights(a, b):
    for got, want in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_per_step_offsets_run_as_separate_calls_with_joined_logs():
    # Offsets [0, 3]: step 1 at offset 0, the last step at offset 3.
    model = build()
    model._trainer.runner.sample_offset = [0, 3]
    history = model.fit(X, Y, batch_size=32, epochs=1, shuffle=False, verbose=0).history
    # The same steps as two fits, one step each, with those offsets.
    stepwise = build()
    runner = stepwise._trainer.runner
    first = stepwise.fit(X[:32], Y[:32], batch_size=32, shuffle=False, verbose=0).history
    runner.sample_offset = 3
    last = stepwise.fit(X[32:], Y[32:], batch_size=32, shuffle=False, verbose=0).history
    assert_same_weights(model, stepwise)
    # The epoch's loss weighs the two calls' steps by their rows.
    want = (first["loss"][0] * 32 + last["loss"][0] * 8) / 40
    np.testing.assert_allclose(history["loss"][0], want, rtol=1e-6)
    # The offset matters: every step at offset 0 is another run.
    plain = build()
    plain.fit(X, Y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    with pytest.raises(AssertionError):
        assert_same_weights(model, plain)


def test_one_offset_per_step_equals_the_same_int():
    a, b = build(), build()
    a._trainer.runner.sample_offset = [5, 5]
    b._trainer.runner.sample_offset = 5
    for model in (a, b):
        model.fit(X, Y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(a, b)


def test_a_worker_draws_the_augmentation_of_its_global_rows():
    # One SGD step on rows 0..32 equals the mean of the steps of two
    # "workers" on rows 0..16 and 16..32 with their offsets (mse's gradient
    # is the mean over rows, so the full step is the mean of the halves').
    whole = build()
    start = whole.get_weights()
    whole.fit(X[:32], Y[:32], batch_size=32, shuffle=False, verbose=0)
    halves = []
    for rows, offset in ((slice(0, 16), 0), (slice(16, 32), 16)):
        worker = build()
        worker._trainer.runner.sample_offset = offset
        worker.fit(X[rows], Y[rows], batch_size=16, shuffle=False, verbose=0)
        halves.append(worker.get_weights())
    for w0, want, a, b in zip(start, whole.get_weights(), *halves):
        np.testing.assert_allclose(w0 + ((a - w0) + (b - w0)) / 2, want, rtol=1e-5, atol=1e-6)
    # Without the offset the second worker repeats the first one's draws.
    worker = build()
    worker.fit(X[16:32], Y[16:32], batch_size=16, shuffle=False, verbose=0)
    mixed = [
        w0 + ((a - w0) + (b - w0)) / 2 for w0, a, b in zip(start, halves[0], worker.get_weights())
    ]
    assert not all(
        np.allclose(m, w, rtol=1e-5, atol=1e-6) for m, w in zip(mixed, whole.get_weights())
    )
