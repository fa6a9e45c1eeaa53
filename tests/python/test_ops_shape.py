"""reshape, transpose, concat, slice, pad: forward vs numpy, gradients."""

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
    rng_for,
    seeds,
    shapes,
    uniform,
)

OPS = {"reshape", "transpose", "concat", "slice", "pad"}


# ---------------------------------------------------------------- reshape


@st.composite
def _reshape_case(draw, max_side=4):
    shape = draw(shapes(max_side=max_side))
    dims = list(shape)
    # regroup: shuffle the sides, merge some neighbours, split none
    dims = draw(st.permutations(dims)) if dims else []
    target = []
    for d in dims:
        if target and draw(st.booleans()):
            target[-1] *= d
        else:
            target.append(d)
    # a few extra 1s anywhere
    for _ in range(draw(st.integers(0, 2))):
        target.insert(draw(st.integers(0, len(target))), 1)
    if target and draw(st.booleans()):
        i = draw(st.integers(0, len(target) - 1))
        rest = int(np.prod([t for j, t in enumerate(target) if j != i]))
        if rest > 0:
            target[i] = -1
    return shape, target


@SETTINGS
@given(case=_reshape_case(), seed=seeds)
def test_reshape(case, seed):
    shape, target = case
    x = uniform(rng_for(seed), shape)
    out = check_forward("reshape", [x], {"shape": target}, lambda x: x.reshape(target), 0, 0)
    if x.size <= 64:
        check_gradient("reshape", [x], {"shape": target}, rng=rng_for(seed + 1))
    (g,) = C.op_grad("reshape", [x], np.ones(out.shape, np.float32), {"shape": target})
    assert g.shape == x.shape


@pytest.mark.parametrize(
    "shape,target",
    [((2, 3), [4, 2]), ((2, 3), [-1, 4]), ((0, 3), [-1, 0]), ((6,), [-1, -1])],
)
def test_reshape_bad_target_raises(shape, target):
    with pytest.raises(ValueError):
        C.op("reshape", [np.ones(shape, np.float32)], {"shape": target})


def test_reshape_errors_have_specific_classes():
    with pytest.raises(ShapeError):
        C.op("reshape", [np.ones((2, 3), np.float32)], {"shape": [4, 2]})
    with pytest.raises(InvalidArgumentError):
        C.op("reshape", [np.ones((2, 3), np.float32)], {"shape": [-1, -1]})
    with pytest.raises(InvalidArgumentError):
        C.op("reshape", [np.ones((2, 3), np.float32)])  # shape is required
    with pytest.raises(InvalidArgumentError, match="newshape"):
        C.op("reshape", [np.ones((2, 3), np.float32)], {"shape": [6], "newshape": [6]})


# ---------------------------------------------------------------- transpose


@st.composite
def _transpose_case(draw):
    shape = draw(shapes())
    if draw(st.booleans()):
        return shape, None
    perm = draw(st.permutations(list(range(len(shape)))))
    perm = [p - len(shape) if draw(st.booleans()) else p for p in perm]
    return shape, perm


@SETTINGS
@given(case=_transpose_case(), seed=seeds)
def test_transpose(case, seed):
    shape, axes = case
    x = uniform(rng_for(seed), shape)
    attrs = None if axes is None else {"axes": axes}
    check_forward("transpose", [x], attrs, lambda x: np.transpose(x, axes), 0, 0)
    if x.size <= 64:
        check_gradient("transpose", [x], attrs, rng=rng_for(seed + 1))


@pytest.mark.parametrize("axes", [[0, 0, 1], [0, 1], [0, 1, 3], [2, 1, -3, 0]])
def test_transpose_bad_axes_raise(axes):
    with pytest.raises(InvalidArgumentError):
        C.op("transpose", [np.ones((2, 3, 4), np.float32)], {"axes": axes})


# ---------------------------------------------------------------- concat


@st.composite
def _concat_case(draw, max_side=4):
    base = draw(shapes(min_dims=1, max_side=max_side))
    rank = len(base)
    axis = draw(st.integers(-rank, rank - 1))
    n = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(0, max_side), min_size=n, max_size=n))
    result = []
    for s in sizes:
        shape = list(base)
        shape[axis] = s
        result.append(tuple(shape))
    return result, axis


@SETTINGS
@given(case=_concat_case(), seed=seeds, explicit_axis=st.booleans())
def test_concat(case, seed, explicit_axis):
    in_shapes, axis = case
    rng = rng_for(seed)
    xs = [uniform(rng, s) for s in in_shapes]
    attrs = {"axis": axis} if explicit_axis or axis != 0 else None
    check_forward("concat", xs, attrs, lambda *xs: np.concatenate(xs, axis=axis), 0, 0)
    if sum(x.size for x in xs) <= 64:
        check_gradient("concat", xs, attrs, rng=rng_for(seed + 1))


def test_concat_gradient_slices_in_order():
    a = np.zeros((2, 1), np.float32)
    b = np.zeros((2, 2), np.float32)
    g = np.arange(6, dtype=np.float32).reshape(2, 3)
    ga, gb = C.op_grad("concat", [a, b], g, {"axis": 1})
    np.testing.assert_array_equal(ga, [[0], [3]])
    np.testing.assert_array_equal(gb, [[1, 2], [4, 5]])


def test_concat_errors():
    a = np.ones((2, 3), np.float32)
    with pytest.raises(ShapeError):
        C.op("concat", [a, np.ones((3, 3), np.float32)], {"axis": 1})
    with pytest.raises(ShapeError):
        C.op("concat", [a, np.ones((2, 3, 1), np.float32)], {"axis": 0})
    with pytest.raises(InvalidArgumentError):
        C.op("concat", [], {"axis": 0})
    with pytest.raises(InvalidArgumentError):
        C.op("concat", [a, a], {"axis": 2})
    with pytest.raises(DTypeError):
        C.op("concat", [a, np.ones((2, 3), np.int64)])


# ---------------------------------------------------------------- slice


@st.composite
def _slice_case(draw, max_side=5):
    shape = draw(shapes(max_side=max_side))
    starts, sizes = [], []
    for d in shape:
        s = draw(st.integers(0, d))
        n = draw(st.integers(0, d - s))
        if draw(st.integers(0, 3)) == 0:
            n = -1
        starts.append(s)
        sizes.append(n)
    return shape, starts, sizes


def _np_slice(x, starts, sizes):
    index = tuple(slice(s, None if n == -1 else s + n) for s, n in zip(starts, sizes))
    return x[index]


@SETTINGS
@given(case=_slice_case(), seed=seeds)
def test_slice(case, seed):
    shape, starts, sizes = case
    x = uniform(rng_for(seed), shape)
    attrs = {"start_indices": starts, "shape": sizes}
    check_forward("slice", [x], attrs, lambda x: _np_slice(x, starts, sizes), 0, 0)
    if x.size <= 81:
        check_gradient("slice", [x], attrs, rng=rng_for(seed + 1))
    g = np.ones(_np_slice(x, starts, sizes).shape, np.float32)
    (gx,) = C.op_grad("slice", [x], g, attrs)
    want = np.zeros(shape, np.float32)
    index = tuple(slice(s, None if n == -1 else s + n) for s, n in zip(starts, sizes))
    want[index] = 1.0
    np.testing.assert_array_equal(gx, want)


@pytest.mark.parametrize(
    "starts,sizes",
    [([0, 0], [3, 1]), ([1, 2], [1, 2]), ([-1, 0], [1, 1]), ([0], [1]), ([0, 0], [1, -2])],
)
def test_slice_outside_the_input_raises(starts, sizes):
    with pytest.raises(ValueError):
        C.op("slice", [np.ones((2, 3), np.float32)], {"start_indices": starts, "shape": sizes})


def test_slice_attribute_errors():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(InvalidArgumentError):
        C.op("slice", [x], {"start_indices": [0, 0]})
    with pytest.raises(InvalidArgumentError):
        C.op("slice", [x], {"start_indices": [0, 0], "shape": [1]})
    with pytest.raises(ShapeError):
        C.op("slice", [x], {"start_indices": [0], "shape": [1]})


# ---------------------------------------------------------------- pad


@st.composite
def _pad_case(draw):
    shape = draw(shapes(max_side=3))
    widths = [[draw(st.integers(0, 2)), draw(st.integers(0, 2))] for _ in shape]
    value = draw(st.sampled_from([None, 0.0, -1.5, 3]))
    return shape, widths, value


def _np_pad(x, widths, fill):
    if x.ndim == 0:
        return x.copy()  # numpy cannot pad a scalar; there is nothing to pad
    return np.pad(x, [tuple(w) for w in widths], constant_values=fill)


@SETTINGS
@given(case=_pad_case(), seed=seeds)
def test_pad(case, seed):
    shape, widths, value = case
    x = uniform(rng_for(seed), shape)
    attrs = {"pad_width": widths}
    if value is not None:
        attrs["constant_values"] = value
    fill = 0.0 if value is None else value
    check_forward(
        "pad",
        [x],
        attrs,
        lambda x: _np_pad(x, widths, fill),
        0,
        0,
    )
    if x.size <= 64:
        check_gradient("pad", [x], attrs, rng=rng_for(seed + 1))


def test_pad_errors():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ShapeError):
        C.op("pad", [x], {"pad_width": [[1, 1]]})
    with pytest.raises(InvalidArgumentError):
        C.op("pad", [x], {"pad_width": [[1, -1], [0, 0]]})
    with pytest.raises(InvalidArgumentError):
        C.op("pad", [x], {"pad_width": [[1, 1, 1], [0, 0]]})
    with pytest.raises(InvalidArgumentError):
        C.op("pad", [x])
    with pytest.raises(InvalidArgumentError, match="mode"):
        C.op("pad", [x], {"pad_width": [[1, 1], [0, 0]], "mode": "reflect"})


@pytest.mark.parametrize(
    "name,attrs",
    [
        ("reshape", {"shape": [-1]}),
        ("transpose", None),
        ("concat", None),
        ("slice", {"start_indices": [0], "shape": [1]}),
        ("pad", {"pad_width": [[1, 1]]}),
    ],
)
def test_integer_input_raises_type_error(name, attrs):
    with pytest.raises(DTypeError):
        C.op(name, [np.arange(3, dtype=np.int64)], attrs)
    # float64 is a core type (moved in float64); float16 is not.
    with pytest.raises(TypeError):
        C.op(name, [np.arange(3, dtype=np.float16)], attrs)
