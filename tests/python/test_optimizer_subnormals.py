"""Optimizer slots never hold subnormal floats.

A slot that decays geometrically (Adam's momentum for a weight whose gradient
has gone to zero, as a dead ReLU unit's does) passes through the subnormal
range, where each arithmetic instruction costs a microcode assist of ~100
cycles: an MLP trained with Adam ran at 40% speed from its second epoch on.
Keras on JAX never holds such values (XLA flushes them to zero); neither does
pykeras. The weights are those of IEEE arithmetic: the flushed values
contribute less than any float32 weight's rounding.
"""

import numpy as np
import pytest

import pykeras as keras
from pykeras.backend import Variable

TINY = np.finfo(np.float32).tiny
STEPS = 1200  # 0.9 ** 1200 takes a momentum of 1 far below 1e-38


def _subnormals(a):
    a = np.asarray(a, dtype=np.float32)
    return int(np.sum((a != 0) & (np.abs(a) < TINY)))


def _first_gradient():
    rng = np.random.default_rng(0)
    magnitudes = 10.0 ** rng.uniform(-6, 0, size=64)
    return (magnitudes * rng.choice([-1.0, 1.0], size=64)).astype(np.float32)


def _decay(optimizer):
    """One real gradient, then `STEPS` zero gradients; each step's slots are
    checked for subnormals. Returns the variable's values after each step."""
    variable = Variable(np.linspace(-1, 1, 64, dtype=np.float32), name="w")
    zero = np.zeros(64, np.float32)
    values = []
    for step in range(STEPS):
        grad = _first_gradient() if step == 0 else zero
        optimizer.apply_gradients([(grad, variable)])
        slots = [v for v in optimizer.variables if v.shape == (64,)]
        assert slots, "no slot of the variable's shape"
        counts = [_subnormals(s.numpy()) for s in slots]
        assert counts == [0] * len(slots), (type(optimizer).__name__, step, counts)
        values.append(np.asarray(variable.numpy()).copy())
    return values


@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: keras.optimizers.Adam(learning_rate=1e-3),
        lambda: keras.optimizers.Adam(learning_rate=1e-3, amsgrad=True),
        lambda: keras.optimizers.Adamax(learning_rate=1e-3),
        lambda: keras.optimizers.Nadam(learning_rate=1e-3),
        lambda: keras.optimizers.RMSprop(learning_rate=1e-3, momentum=0.9, centered=True),
        lambda: keras.optimizers.SGD(learning_rate=1e-2, momentum=0.9),
        lambda: keras.optimizers.SGD(learning_rate=1e-2, momentum=0.9, nesterov=True),
        lambda: keras.optimizers.Lion(learning_rate=1e-4),
        lambda: keras.optimizers.Lamb(learning_rate=1e-3),
        lambda: keras.optimizers.Adadelta(learning_rate=1.0),
    ],
    ids=[
        "adam",
        "amsgrad",
        "adamax",
        "nadam",
        "rmsprop",
        "sgd",
        "nesterov",
        "lion",
        "lamb",
        "adadelta",
    ],
)
def test_decaying_slots_are_flushed_not_subnormal(optimizer):
    _decay(optimizer())


def test_adam_weights_are_those_of_ieee_arithmetic():
    """NumPy's IEEE float32 Adam (Keras's formula, subnormals kept) gives the
    same weights at every step."""
    values = _decay(keras.optimizers.Adam(learning_rate=1e-3))
    w = np.linspace(-1, 1, 64, dtype=np.float32)
    m = np.zeros(64, np.float32)
    v = np.zeros(64, np.float32)
    f32 = np.float32
    numpy_went_subnormal = False
    for step in range(STEPS):
        g = _first_gradient() if step == 0 else np.zeros(64, np.float32)
        t = f32(step + 1)
        alpha = f32(1e-3) * np.sqrt(f32(1) - f32(0.999) ** t) / (f32(1) - f32(0.9) ** t)
        m = m + (g - m) * f32(0.1)
        v = v + (g * g - v) * f32(1 - 0.999)
        w = w - (m * alpha) / (np.sqrt(v) + f32(1e-7))
        np.testing.assert_allclose(values[step], w, rtol=2e-6, atol=0, err_msg=f"step {step}")
        numpy_went_subnormal |= _subnormals(m) > 0
    assert numpy_went_subnormal  # the steps did cover the range pykeras flushes


def test_mlp_with_dead_units_keeps_no_subnormal_slots():
    """The MLP 784-32-10 of the benchmarks on random labels: ReLU units die in
    the first epoch and their kernel's momentum decays over the next ones."""
    rng = np.random.default_rng(0)
    x = rng.random((4096, 784), dtype=np.float32)
    y = rng.integers(0, 10, 4096)
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=6, verbose=0)
    slots = {s.name: np.asarray(s.numpy()) for s in model.optimizer.variables if s.ndim}
    assert any(np.any(a == 0) for a in slots.values())  # some momentum did decay away
    for name, a in slots.items():
        assert _subnormals(a) == 0, name
