"""sum, mean, max over axes (with keepdims): forward vs numpy, gradients."""

import warnings

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
    check_forward,
    check_gradient,
    distinct_values,
    rng_for,
    seeds,
    shapes,
    uniform,
)

OPS = {"sum", "mean", "max"}

REFERENCE = {"sum": np.sum, "mean": np.mean, "max": np.max}


@st.composite
def _reduction(draw, max_side=4, nonempty_axes=False):
    """(shape, axis attr, keepdims attr): axis None, an int, or a list of
    distinct axes, possibly negative."""
    shape = draw(shapes(max_side=max_side))
    rank = len(shape)
    kind = draw(st.sampled_from(["none", "int", "list"] if rank else ["none", "list"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-rank, rank - 1))
    else:
        chosen = (
            draw(st.lists(st.integers(0, rank - 1), unique=True, max_size=rank)) if rank else []
        )
        axis = [a - rank if draw(st.booleans()) else a for a in chosen]
    keepdims = draw(st.sampled_from([None, False, True]))
    if nonempty_axes:
        reduced = range(rank) if axis is None else ([axis] if isinstance(axis, int) else axis)
        if any(shape[a] == 0 for a in reduced):
            shape = tuple(max(d, 1) for d in shape)
    return shape, axis, keepdims


def _attrs(axis, keepdims):
    attrs = {}
    if axis is not None:
        attrs["axis"] = axis
    if keepdims is not None:
        attrs["keepdims"] = keepdims
    return attrs or None


def _reference(name, axis, keepdims):
    np_axis = tuple(axis) if isinstance(axis, list) else axis

    def ref(x):
        # the mean of nothing is NaN, as numpy says (with a warning)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return REFERENCE[name](x.astype(np.float64), axis=np_axis, keepdims=bool(keepdims))

    return ref


@pytest.mark.parametrize("name", ["sum", "mean"])
@SETTINGS
@given(case=_reduction(), seed=seeds)
def test_sum_mean_forward(name, case, seed):
    shape, axis, keepdims = case
    x = uniform(rng_for(seed), shape)
    check_forward(name, [x], _attrs(axis, keepdims), _reference(name, axis, keepdims), 1e-5, 1e-5)


@SETTINGS
@given(case=_reduction(nonempty_axes=True), seed=seeds)
def test_max_forward(case, seed):
    shape, axis, keepdims = case
    x = uniform(rng_for(seed), shape)
    check_forward("max", [x], _attrs(axis, keepdims), _reference("max", axis, keepdims), 0, 0)


@pytest.mark.parametrize("name", ["sum", "mean"])
@SETTINGS
@given(case=_reduction(max_side=3), seed=seeds)
def test_sum_mean_gradient(name, case, seed):
    shape, axis, keepdims = case
    x = uniform(rng_for(seed), shape)
    check_gradient(name, [x], _attrs(axis, keepdims), rng=rng_for(seed + 1))


@SETTINGS
@given(case=_reduction(max_side=3, nonempty_axes=True), seed=seeds)
def test_max_gradient(case, seed):
    shape, axis, keepdims = case
    # distinct values 0.05 apart: a unique maximum that a 1e-2 step cannot change
    x = distinct_values(rng_for(seed), shape)
    check_gradient("max", [x], _attrs(axis, keepdims), rng=rng_for(seed + 1))


def test_max_gradient_splits_ties_evenly():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], np.float32)
    (g,) = C.op_grad("max", [x], np.array([6.0, 6.0], np.float32), {"axis": 1})
    np.testing.assert_allclose(g, [[0.0, 3.0, 3.0], [2.0, 2.0, 2.0]])


def test_mean_over_empty_axis_is_nan_and_sum_is_zero():
    x = np.ones((0, 3), np.float32)
    np.testing.assert_array_equal(C.op("sum", [x], {"axis": 0}), np.zeros(3))
    assert np.all(np.isnan(C.op("mean", [x], {"axis": 0})))
    (g,) = C.op_grad("mean", [x], np.ones(3, np.float32), {"axis": 0})
    assert g.shape == (0, 3)


def test_big_sum_is_accurate_enough():
    # Sums accumulate sequentially in float32 (for thread-count independence);
    # a million equal terms lose about 1e-3 relative, numpy's pairwise sum
    # about 1e-7. This bounds the loss at 2e-3.
    x = np.full(1_000_003, 0.1, np.float32)
    want = 1_000_003 * np.float64(np.float32(0.1))
    np.testing.assert_allclose(C.op("sum", [x]), want, rtol=2e-3)
    np.testing.assert_allclose(C.op("mean", [x]), np.float32(0.1), rtol=2e-3)
    rng = np.random.default_rng(0)
    y = rng.standard_normal((1000, 1000)).astype(np.float32)
    want = y.astype(np.float64).sum(axis=0)
    np.testing.assert_allclose(C.op("sum", [y], {"axis": 0}), want, rtol=1e-4, atol=1e-3)


def test_max_over_empty_axis_raises_shape_error():
    with pytest.raises(ShapeError):
        C.op("max", [np.ones((2, 0), np.float32)], {"axis": 1})
    with pytest.raises(ShapeError):
        C.op("max", [np.ones((0,), np.float32)])


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("axis", [2, -3, [0, 0], [1, -1]])
def test_bad_axis_raises(name, axis):
    with pytest.raises(InvalidArgumentError):
        C.op(name, [np.ones((2, 3), np.float32)], {"axis": axis})


@pytest.mark.parametrize("name", sorted(OPS))
def test_errors(name):
    with pytest.raises(InvalidArgumentError, match="keep_dims"):
        C.op(name, [np.ones(3, np.float32)], {"keep_dims": True})
    with pytest.raises(InvalidArgumentError):
        C.op(name, [np.ones(3, np.float32)], {"axis": "0"})
    with pytest.raises(DTypeError):
        C.op(name, [np.ones(3, np.int64)])
    with pytest.raises(TypeError):
        C.op(name, [np.ones(3, np.float16)])
