"""exp, logarithms, trigonometric and hyperbolic functions, reciprocals,
rounding and pow: forward vs numpy, gradient vs finite differences."""

import numpy as np
import pytest
from hypothesis import given
from op_check import (
    SETTINGS,
    C,
    ShapeError,
    avoid,
    broadcast_pairs,
    check_forward,
    check_gradient,
    rng_for,
    seeds,
    shapes,
    uniform,
)

import pykeras as keras
from pykeras import ops

# name -> (numpy reference, input range)
SMOOTH = {
    "exp": (np.exp, (-3.0, 3.0)),
    "expm1": (np.expm1, (-3.0, 3.0)),
    "log1p": (np.log1p, (-0.5, 4.0)),
    "log2": (np.log2, (0.3, 4.0)),
    "log10": (np.log10, (0.3, 4.0)),
    "sin": (np.sin, (-3.0, 3.0)),
    "cos": (np.cos, (-3.0, 3.0)),
    "tan": (np.tan, (-1.2, 1.2)),
    "sinh": (np.sinh, (-3.0, 3.0)),
    "cosh": (np.cosh, (-3.0, 3.0)),
    "arcsin": (np.arcsin, (-0.9, 0.9)),
    "arccos": (np.arccos, (-0.9, 0.9)),
    "arctan": (np.arctan, (-3.0, 3.0)),
    "arcsinh": (np.arcsinh, (-3.0, 3.0)),
    "reciprocal": (np.reciprocal, (0.3, 4.0)),
    "rsqrt": (lambda x: 1.0 / np.sqrt(x), (0.3, 4.0)),
}
# name -> (numpy reference, the values where it jumps)
STEPS = {
    "floor": (np.floor, [-2.0, -1.0, 0.0, 1.0, 2.0]),
    "ceil": (np.ceil, [-2.0, -1.0, 0.0, 1.0, 2.0]),
    "round": (np.round, [-1.5, -0.5, 0.5, 1.5]),
    "sign": (np.sign, [0.0]),
}
OPS = set(SMOOTH) | set(STEPS) | {"pow"}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@SETTINGS
@given(shape=shapes(), seed=seeds)
def test_smooth_forward(name, shape, seed):
    ref, (lo, hi) = SMOOTH[name]
    x = uniform(rng_for(seed), shape, lo, hi)
    check_forward(name, [x], reference=lambda x: ref(x.astype(np.float64)), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(SMOOTH))
@SETTINGS
@given(shape=shapes(max_side=3), seed=seeds)
def test_smooth_gradient(name, shape, seed):
    _, (lo, hi) = SMOOTH[name]
    check_gradient(name, [uniform(rng_for(seed), shape, lo, hi)], rng=rng_for(seed + 1))


@pytest.mark.parametrize("name", sorted(STEPS))
@SETTINGS
@given(shape=shapes(), seed=seeds)
def test_steps_forward_and_zero_gradient(name, shape, seed):
    ref, jumps = STEPS[name]
    x = avoid(uniform(rng_for(seed), shape, -2.5, 2.5), jumps)
    check_forward(name, [x], reference=ref, rtol=0, atol=0)
    (g,) = C.op_grad(name, [x], np.ones_like(x))
    assert not np.any(g)


def test_round_takes_ties_to_even_as_numpy():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], np.float32)
    np.testing.assert_array_equal(C.op("round", [x]), np.round(x))


@SETTINGS
@given(pair=broadcast_pairs(), seed=seeds)
def test_pow_forward_and_gradient(pair, seed):
    rng = rng_for(seed)
    base = uniform(rng, pair[0], 0.3, 3.0)
    exponent = uniform(rng, pair[1], -2.0, 2.0)
    check_forward(
        "pow", [base, exponent], reference=lambda a, b: np.power(a, b), rtol=2e-6, atol=1e-6
    )
    if base.size <= 27 and exponent.size <= 27:
        check_gradient("pow", [base, exponent], rng=rng_for(seed + 1))


def test_pow_refuses_shapes_that_do_not_broadcast():
    with pytest.raises(ShapeError, match="'pow'"):
        C.op("pow", [np.ones((2, 3), np.float32), np.ones((4,), np.float32)])


def test_keras_names_reach_the_primitives():
    x = np.array([0.5, 1.5, 2.0], np.float32)
    np.testing.assert_allclose(ops.exp(x), np.exp(x), rtol=1e-6)
    np.testing.assert_allclose(ops.power(x, 3), x**3, rtol=1e-6)
    np.testing.assert_allclose(ops.power(x, 2), x**2, rtol=1e-6)
    np.testing.assert_allclose(ops.floor_divide(x, 0.7), np.floor_divide(x, 0.7), rtol=1e-6)
    np.testing.assert_allclose(ops.mod(x, 0.7), np.mod(x, np.float32(0.7)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.round(x * 10.0, 1), np.round(x * 10.0, 1), rtol=1e-6)
    np.testing.assert_allclose(ops.log1p(x), np.log1p(x), rtol=1e-6)


def test_operators_on_symbolic_tensors_build_layers_that_train():
    inputs = keras.Input(shape=(3,))
    x = keras.layers.Dense(4)(inputs)
    y = (x**2 + abs(x) - x // 2.0 + x % 1.5) / 2.0
    outputs = keras.layers.Dense(1)(-y)
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 1)
    data = np.random.default_rng(0).random((32, 3), dtype=np.float32)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(data, data[:, :1], epochs=1, verbose=0)
    eager = model.predict(data, verbose=0)
    assert np.all(np.isfinite(eager))
