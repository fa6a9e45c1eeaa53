"""add, sub, mul, div, maximum, minimum: numpy broadcasting, forward and grads."""

import numpy as np
import pytest
from hypothesis import given
from op_check import (
    SETTINGS,
    C,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
    broadcast_pairs,
    check_forward,
    check_gradient,
    rng_for,
    seeds,
    uniform,
)

OPS = {"add", "sub", "mul", "div", "maximum", "minimum"}

REFERENCE = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "maximum": np.maximum,
    "minimum": np.minimum,
}


def _operands(name, shapes, seed):
    rng = rng_for(seed)
    sa, sb = shapes
    if name in ("maximum", "minimum"):
        # a on half-integers, b on integers (plus small noise): never within 0.3,
        # so neither ties nor finite-difference steps cross the kink.
        a = rng.integers(-3, 3, size=sa) + 0.5 + rng.uniform(-0.2, 0.2, size=sa)
        b = rng.integers(-3, 4, size=sb) + rng.uniform(-0.2, 0.2, size=sb)
        return a.astype(np.float32), b.astype(np.float32)
    a = uniform(rng, sa)
    b = uniform(rng, sb)
    if name == "div":
        # keep the divisor away from zero
        b = (np.sign(b) + (b == 0)) * (0.5 + np.abs(b) / 2)
        b = b.astype(np.float32)
    return a, b


@pytest.mark.parametrize("name", sorted(OPS))
@SETTINGS
@given(shapes=broadcast_pairs(), seed=seeds)
def test_forward_matches_numpy(name, shapes, seed):
    a, b = _operands(name, shapes, seed)
    check_forward(name, [a, b], reference=REFERENCE[name], rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", sorted(OPS))
@SETTINGS
@given(shapes=broadcast_pairs(max_side=3), seed=seeds)
def test_gradient_matches_finite_differences(name, shapes, seed):
    a, b = _operands(name, shapes, seed)
    check_gradient(name, [a, b], rng=rng_for(seed + 1))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_ties_split_the_gradient(name):
    a = np.array([1.0, 2.0, 3.0], np.float32)
    b = np.array([1.0, 0.0, 5.0], np.float32)
    g = np.array([2.0, 4.0, 8.0], np.float32)
    ga, gb = C.op_grad(name, [a, b], g)
    if name == "maximum":
        np.testing.assert_array_equal(ga, [1.0, 4.0, 0.0])
        np.testing.assert_array_equal(gb, [1.0, 0.0, 8.0])
    else:
        np.testing.assert_array_equal(ga, [1.0, 0.0, 8.0])
        np.testing.assert_array_equal(gb, [1.0, 4.0, 0.0])


def test_broadcast_gradient_sums_over_broadcast_axes():
    a = np.ones((2, 3, 4), np.float32)
    b = np.ones((3, 1), np.float32)
    ga, gb = C.op_grad("add", [a, b], np.ones((2, 3, 4), np.float32))
    assert ga.shape == (2, 3, 4) and gb.shape == (3, 1)
    np.testing.assert_array_equal(gb, np.full((3, 1), 8.0))


def test_scalar_operands():
    a = np.array(3.0, np.float32)
    b = np.array([1.0, 2.0], np.float32)
    np.testing.assert_array_equal(C.op("sub", [a, b]), [2.0, 1.0])
    ga, gb = C.op_grad("mul", [a, b], np.ones(2, np.float32))
    assert ga.shape == () and float(ga) == 3.0
    np.testing.assert_array_equal(gb, [3.0, 3.0])


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 2)), ((4,), (5,)), ((0,), (2,))])
def test_incompatible_shapes_raise_shape_error(name, sa, sb):
    with pytest.raises(ShapeError):
        C.op(name, [np.ones(sa, np.float32), np.ones(sb, np.float32)])
    assert issubclass(ShapeError, ValueError)


@pytest.mark.parametrize("name", sorted(OPS))
def test_wrong_dtype_raises_type_error(name):
    a = np.ones(3, np.float32)
    # float64 is a core type (computed in float64); float16 is not.
    with pytest.raises(TypeError):
        C.op(name, [a, np.ones(3, np.float16)])
    with pytest.raises(DTypeError):
        C.op(name, [a, np.ones(3, np.int32)])
    with pytest.raises(DTypeError):
        C.op(name, [np.ones(3, np.int64), a])


@pytest.mark.parametrize("name", sorted(OPS))
def test_unknown_attribute_raises(name):
    a = np.ones(3, np.float32)
    with pytest.raises(InvalidArgumentError, match="axis"):
        C.op(name, [a, a], {"axis": 0})


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("n", [1, 3])
def test_wrong_arity_raises(name, n):
    a = np.ones(3, np.float32)
    with pytest.raises(InvalidArgumentError):
        C.op(name, [a] * n)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_non_finite_values_follow_ieee(name, value):
    a = np.array([value, 1.0, -2.0], np.float32)
    b = np.array([2.0, value, 0.5], np.float32)
    with np.errstate(all="ignore"):
        want = REFERENCE[name](a, b)
    got = C.op(name, [a, b])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", sorted(OPS))
def test_nan_propagates_like_numpy(name):
    """A NaN operand gives NaN, as numpy, TensorFlow and JAX do, and as this
    project's own `max` reduction does (a NaN must not vanish in a loss)."""
    a = np.array([np.nan, 1.0, np.nan, -3.0], np.float32)
    b = np.array([2.0, np.nan, np.nan, -np.inf], np.float32)
    with np.errstate(all="ignore"):
        want = REFERENCE[name](a, b)
    np.testing.assert_array_equal(C.op(name, [a, b]), want)
    np.testing.assert_array_equal(C.op(name, [b, a]), REFERENCE[name](b, a))
