"""matmul (batched, broadcast batch axes) and bias_add."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
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
    shapes,
    uniform,
)

OPS = {"matmul", "bias_add"}

MATMUL = "(m,k),(k,n)->(m,n)"


def _sum_to(g, shape):
    """Sums a gradient of a broadcast result down to an operand's shape."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True)


def _matmul_ref(a, b):
    return np.matmul(a.astype(np.float64), b.astype(np.float64))


@SETTINGS
@given(shapes=broadcast_pairs(max_dims=2, max_side=5, signature=MATMUL), seed=seeds)
def test_matmul_forward(shapes, seed):
    rng = rng_for(seed)
    a, b = uniform(rng, shapes[0]), uniform(rng, shapes[1])
    check_forward("matmul", [a, b], reference=_matmul_ref, rtol=1e-5, atol=1e-5)


@SETTINGS
@given(shapes=broadcast_pairs(max_dims=2, max_side=3, signature=MATMUL), seed=seeds)
def test_matmul_gradient(shapes, seed):
    rng = rng_for(seed)
    a, b = uniform(rng, shapes[0]), uniform(rng, shapes[1])
    check_gradient("matmul", [a, b], rng=rng_for(seed + 1), max_checked=30)


@SETTINGS
@given(
    m=st.integers(0, 70),
    k=st.integers(0, 70),
    n=st.integers(0, 70),
    batch=st.sampled_from([(), (1,), (3,), (2, 1)]),
    layout=st.sampled_from(["c", "a_t", "b_t", "both_t"]),
    seed=seeds,
)
def test_matmul_sizes_and_strided_operands(m, k, n, batch, layout, seed):
    """Sizes around kernel block edges, and transposed (non-contiguous) operands."""
    rng = rng_for(seed)
    if layout in ("a_t", "both_t"):
        a = np.swapaxes(uniform(rng, batch + (k, m)), -1, -2)
    else:
        a = uniform(rng, batch + (m, k))
    if layout in ("b_t", "both_t"):
        b = np.swapaxes(uniform(rng, batch[-1:] + (n, k)), -1, -2)
    else:
        b = uniform(rng, (k, n))
    out = check_forward("matmul", [a, b], reference=_matmul_ref, rtol=1e-5, atol=1e-4)
    g = uniform(rng, out.shape)
    ga, gb = C.op_grad("matmul", [a, b], g)
    g64, a64, b64 = (t.astype(np.float64) for t in (g, a, b))
    want_a = np.matmul(g64, np.swapaxes(b64, -1, -2))
    want_b = np.matmul(np.swapaxes(a64, -1, -2), g64)
    want_a, want_b = _sum_to(want_a, a.shape), _sum_to(want_b, b.shape)
    np.testing.assert_allclose(ga, want_a, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(gb, want_b, rtol=1e-5, atol=1e-4)


def test_matmul_empty_inner_dimension_gives_zeros():
    a = np.ones((3, 0), np.float32)
    b = np.ones((0, 4), np.float32)
    np.testing.assert_array_equal(C.op("matmul", [a, b]), np.zeros((3, 4)))
    ga, gb = C.op_grad("matmul", [a, b], np.ones((3, 4), np.float32))
    assert ga.shape == (3, 0) and gb.shape == (0, 4)


@pytest.mark.parametrize(
    "sa,sb",
    [((2, 3), (4, 5)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 2, 3), (3, 3, 4)), ((), (1, 1))],
)
def test_matmul_shape_errors(sa, sb):
    with pytest.raises(ShapeError):
        C.op("matmul", [np.ones(sa, np.float32), np.ones(sb, np.float32)])


def test_matmul_other_errors():
    a = np.ones((2, 2), np.float32)
    with pytest.raises(InvalidArgumentError, match="transpose_a"):
        C.op("matmul", [a, a], {"transpose_a": True})
    with pytest.raises(DTypeError):
        C.op("matmul", [a, np.ones((2, 2), np.int64)])
    with pytest.raises(TypeError):
        C.op("matmul", [a, np.ones((2, 2), np.float16)])
    with pytest.raises(InvalidArgumentError):
        C.op("matmul", [a])


# ---------------------------------------------------------------- bias_add


@SETTINGS
@given(shape=shapes(min_dims=1), seed=seeds)
def test_bias_add(shape, seed):
    rng = rng_for(seed)
    x = uniform(rng, shape)
    b = uniform(rng, shape[-1:])
    check_forward("bias_add", [x, b], reference=lambda x, b: x + b, rtol=0, atol=0)
    if x.size <= 64:
        check_gradient("bias_add", [x, b], rng=rng_for(seed + 1))


def test_bias_add_gradient_sums_rows():
    x = np.zeros((2, 3, 4), np.float32)
    b = np.zeros(4, np.float32)
    g = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    gx, gb = C.op_grad("bias_add", [x, b], g)
    np.testing.assert_array_equal(gx, g)
    np.testing.assert_array_equal(gb, g.sum(axis=(0, 1)))


@pytest.mark.parametrize(
    "sx,sb", [((2, 3), (2,)), ((2, 3), (1, 3)), ((), (1,)), ((2, 3), ()), ((3,), (3, 1))]
)
def test_bias_add_shape_errors(sx, sb):
    with pytest.raises(ShapeError):
        C.op("bias_add", [np.ones(sx, np.float32), np.ones(sb, np.float32)])


def test_bias_add_other_errors():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(InvalidArgumentError, match="data_format"):
        C.op("bias_add", [x, np.ones(3, np.float32)], {"data_format": "channels_last"})
    with pytest.raises(DTypeError):
        C.op("bias_add", [x, np.ones(3, np.int64)])
