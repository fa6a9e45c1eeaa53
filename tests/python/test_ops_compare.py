"""Comparisons (0/1 float masks), where, argmax, one_hot, in_top_k."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_check import (
    SETTINGS,
    C,
    DTypeError,
    InvalidArgumentError,
    OutOfRangeError,
    ShapeError,
    broadcast_pairs,
    check_forward,
    check_gradient,
    rng_for,
    seeds,
    shapes,
    sides,
    uniform,
)

COMPARISONS = {
    "equal": np.equal,
    "not_equal": np.not_equal,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "less": np.less,
    "less_equal": np.less_equal,
}

OPS = set(COMPARISONS) | {"where", "argmax", "one_hot", "in_top_k"}


def _small_values(rng, shape, dtype):
    # few distinct values, so equalities happen
    v = rng.integers(-2, 3, size=shape)
    return np.asarray(v / 2 if dtype == "float32" else v, dtype=dtype)


@pytest.mark.parametrize("name", sorted(COMPARISONS))
@SETTINGS
@given(
    pair=broadcast_pairs(),
    dtypes=st.sampled_from([("f", "f"), ("f", "i"), ("i", "f"), ("i", "i")]),
    seed=seeds,
)
def test_comparison(name, pair, dtypes, seed):
    rng = rng_for(seed)
    kinds = {"f": "float32", "i": "int64"}
    a = _small_values(rng, pair[0], kinds[dtypes[0]])
    b = _small_values(rng, pair[1], kinds[dtypes[1]])
    out = check_forward(
        name,
        [a, b],
        reference=lambda a, b: COMPARISONS[name](a, b).astype(np.float32),
        rtol=0,
        atol=0,
    )
    grads = C.op_grad(name, [a, b], np.ones(out.shape, np.float32))
    assert grads == [None, None]


def test_comparison_of_large_int64_labels_is_exact():
    a = np.array([2**40, 2**40 + 1], np.int64)
    b = np.array([2**40, 2**40], np.int64)
    np.testing.assert_array_equal(C.op("equal", [a, b]), [1.0, 0.0])
    np.testing.assert_array_equal(C.op("greater", [a, b]), [0.0, 1.0])


def test_comparison_with_nan():
    a = np.array([np.nan, 1.0, np.nan], np.float32)
    b = np.array([1.0, np.nan, np.nan], np.float32)
    for name, f in COMPARISONS.items():
        np.testing.assert_array_equal(C.op(name, [a, b]), f(a, b).astype(np.float32), name)


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparison_errors(name):
    with pytest.raises(ShapeError):
        C.op(name, [np.ones((2, 3), np.float32), np.ones(4, np.float32)])
    with pytest.raises(InvalidArgumentError, match="axis"):
        C.op(name, [np.ones(3, np.float32), np.ones(3, np.float32)], {"axis": 0})
    with pytest.raises(TypeError):
        C.op(name, [np.ones(3, np.float32), np.ones(3, np.bool_)])
    with pytest.raises(InvalidArgumentError):
        C.op(name, [np.ones(3, np.float32)])


# ---------------------------------------------------------------- where


@st.composite
def _three_shapes(draw):
    from hypothesis.extra import numpy as hnp

    result = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=3))
    return result.input_shapes


@SETTINGS
@given(in_shapes=_three_shapes(), seed=seeds, cond_dtype=st.sampled_from(["float32", "int64"]))
def test_where(in_shapes, seed, cond_dtype):
    rng = rng_for(seed)
    cond = rng.integers(0, 2, size=in_shapes[0]) * rng.integers(1, 4, size=in_shapes[0])
    cond = cond.astype(cond_dtype)
    x = uniform(rng, in_shapes[1])
    y = uniform(rng, in_shapes[2])
    check_forward(
        "where", [cond, x, y], reference=lambda c, x, y: np.where(c != 0, x, y), rtol=0, atol=0
    )
    grads = check_gradient("where", [cond, x, y], wrt=[1, 2], rng=rng_for(seed + 1))
    assert grads[0] is None


def test_where_gradient_goes_to_the_picked_operand():
    cond = np.array([1.0, 0.0, -2.0], np.float32)
    x = np.zeros(3, np.float32)
    y = np.zeros((2, 1), np.float32)
    g = np.arange(6, dtype=np.float32).reshape(2, 3)
    gc, gx, gy = C.op_grad("where", [cond, x, y], g)
    assert gc is None
    np.testing.assert_array_equal(gx, [3.0, 0.0, 7.0])
    np.testing.assert_array_equal(gy, [[1.0], [4.0]])


def test_where_errors():
    c = np.ones(3, np.float32)
    with pytest.raises(ShapeError):
        C.op("where", [c, np.ones(3, np.float32), np.ones(2, np.float32)])
    with pytest.raises(ShapeError):
        C.op("where", [np.ones(4, np.float32), c, c])
    with pytest.raises(DTypeError):
        C.op("where", [c, np.ones(3, np.int64), c])
    with pytest.raises(InvalidArgumentError):
        C.op("where", [c, c])
    with pytest.raises(InvalidArgumentError, match="axis"):
        C.op("where", [c, c, c], {"axis": 0})


# ---------------------------------------------------------------- argmax


@st.composite
def _argmax_case(draw):
    shape = draw(shapes(min_dims=1, min_side=0))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    if shape[axis] == 0:
        shape = shape[:axis] + (1,) + shape[axis + 1 :] if axis != -1 else shape[:-1] + (1,)
    return shape, axis


@SETTINGS
@given(case=_argmax_case(), seed=seeds, explicit=st.booleans())
def test_argmax(case, seed, explicit):
    shape, axis = case
    x = np.asarray(rng_for(seed).integers(-2, 3, size=shape) / 2, np.float32)  # ties: first wins
    attrs = {"axis": axis} if explicit or axis != -1 else None
    out = check_forward(
        "argmax",
        [x],
        attrs,
        lambda x: np.argmax(x, axis=axis).astype(np.float32),
        rtol=0,
        atol=0,
    )
    assert C.op_grad("argmax", [x], np.ones(out.shape, np.float32), attrs) == [None]


def test_argmax_nan_wins_like_numpy():
    x = np.array([[1.0, np.nan, 5.0, np.nan], [3.0, 2.0, 3.0, 1.0]], np.float32)
    np.testing.assert_array_equal(C.op("argmax", [x]), np.argmax(x, axis=-1))


def test_argmax_errors():
    with pytest.raises(ShapeError):
        C.op("argmax", [np.ones((2, 0), np.float32)])
    with pytest.raises(InvalidArgumentError):
        C.op("argmax", [np.ones((2, 3), np.float32)], {"axis": 2})
    with pytest.raises(InvalidArgumentError, match="keepdims"):
        C.op("argmax", [np.ones((2, 3), np.float32)], {"keepdims": True})
    with pytest.raises(DTypeError):
        C.op("argmax", [np.ones((2, 3), np.int64)])


# ---------------------------------------------------------------- one_hot


@SETTINGS
@given(shape=shapes(max_dims=3), classes=sides(5, low=1), seed=seeds, as_float=st.booleans())
def test_one_hot(shape, classes, seed, as_float):
    ids = rng_for(seed).integers(0, classes, size=shape).astype(np.int64)
    id_input = ids.astype(np.float32) if as_float else ids
    out = check_forward(
        "one_hot",
        [id_input],
        {"num_classes": classes},
        lambda i: np.eye(classes, dtype=np.float32)[ids],
        rtol=0,
        atol=0,
    )
    assert C.op_grad(
        "one_hot", [id_input], np.ones(out.shape, np.float32), {"num_classes": classes}
    ) == [None]


@pytest.mark.parametrize("bad", [3, -1])
def test_one_hot_out_of_range(bad):
    with pytest.raises(OutOfRangeError):
        C.op("one_hot", [np.array([0, bad], np.int64)], {"num_classes": 3})


def test_one_hot_errors():
    ids = np.array([0, 1], np.int64)
    with pytest.raises(InvalidArgumentError):
        C.op("one_hot", [ids])  # num_classes is required
    with pytest.raises(InvalidArgumentError):
        C.op("one_hot", [ids], {"num_classes": 0})
    with pytest.raises(InvalidArgumentError, match="axis"):
        C.op("one_hot", [ids], {"num_classes": 3, "axis": -1})
    with pytest.raises(DTypeError):
        C.op("one_hot", [np.array([0.5], np.float32)], {"num_classes": 3})


# ---------------------------------------------------------------- in_top_k


def _in_top_k_reference(targets, preds, k):
    at = np.take_along_axis(preds, targets[:, None].astype(np.int64), axis=1)
    larger = np.sum(preds > at, axis=1)
    return ((larger < k) & ~np.isnan(at[:, 0])).astype(np.float32)


@SETTINGS
@given(batch=sides(5), classes=sides(6, low=1), k=st.integers(1, 7), seed=seeds, ties=st.booleans())
def test_in_top_k(batch, classes, k, seed, ties):
    rng = rng_for(seed)
    preds = (
        (rng.integers(0, 3, size=(batch, classes)) / 2).astype(np.float32)
        if ties
        else uniform(rng, (batch, classes))
    )
    targets = rng.integers(0, classes, size=batch).astype(np.int64)
    out = check_forward(
        "in_top_k",
        [targets, preds],
        {"k": k},
        lambda t, p: _in_top_k_reference(t, p, k),
        rtol=0,
        atol=0,
    )
    assert C.op_grad("in_top_k", [targets, preds], np.ones(out.shape, np.float32), {"k": k}) == [
        None,
        None,
    ]


def test_in_top_k_ties_favour_the_target_and_nan_never_counts():
    preds = np.array([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7], [np.nan, 1.0, 0.0]], np.float32)
    targets = np.array([1, 0, 0], np.int64)
    np.testing.assert_array_equal(C.op("in_top_k", [targets, preds], {"k": 1}), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(C.op("in_top_k", [targets, preds], {"k": 3}), [1.0, 1.0, 0.0])


def test_in_top_k_errors():
    preds = np.ones((2, 3), np.float32)
    with pytest.raises(ShapeError):
        C.op("in_top_k", [np.array([0, 1, 2], np.int64), preds])
    with pytest.raises(ShapeError):
        C.op("in_top_k", [np.array([0, 1], np.int64), np.ones((2, 3, 1), np.float32)])
    with pytest.raises(OutOfRangeError):
        C.op("in_top_k", [np.array([0, 3], np.int64), preds])
    with pytest.raises(InvalidArgumentError):
        C.op("in_top_k", [np.array([0, 1], np.int64), preds], {"k": 0})
    with pytest.raises(DTypeError):
        C.op("in_top_k", [np.array([0, 1], np.int64), preds.astype(np.int64)])
