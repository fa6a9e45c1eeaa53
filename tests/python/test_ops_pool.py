"""max/avg pooling (1D, 2D) and global pooling: forward vs numpy,
gradients vs a numpy reference (max: to the first argmax of each window) and
finite differences."""

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
    sides,
    uniform,
    window_geometry,
)

OPS = {
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "global_avg_pool1d",
    "global_avg_pool2d",
    "global_max_pool1d",
    "global_max_pool2d",
}


def _windows(x, pool, strides, padding, fill):
    """Every window of `x` (channels-last) padded with `fill`, stacked on a
    new last axis in row-major window order: (N, out..., C, window cells),
    plus the padded shape, the pads and the output sizes."""
    rank = x.ndim - 2
    outs, pads = [], []
    for d in range(rank):
        out, before, after = window_geometry(x.shape[1 + d], pool[d], strides[d], padding)
        outs.append(out)
        pads.append((before, after))
    xp = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill)
    cells = []
    slices = []
    for offset in np.ndindex(*pool):
        index = tuple(
            slice(i, i + (outs[d] - 1) * strides[d] + 1, strides[d]) for d, i in enumerate(offset)
        )
        full = (slice(None), *index, slice(None))
        slices.append(full)
        cells.append(xp[full])
    return np.stack(cells, axis=-1), xp.shape, pads, outs, slices


def _empty_output(x, outs):
    return np.zeros((x.shape[0], *outs, x.shape[-1]))


def max_pool_reference(x, pool, strides, padding):
    x = x.astype(np.float64)
    stacked, _, _, outs, _ = _windows(x, pool, strides, padding, -np.inf)
    if min(outs) == 0 or x.size == 0:
        return _empty_output(x, outs)
    return stacked.max(axis=-1)


def avg_pool_reference(x, pool, strides, padding):
    """The mean over each window's cells inside the input ("same" padding
    cells are not counted)."""
    x = x.astype(np.float64)
    total, _, _, outs, _ = _windows(x, pool, strides, padding, 0.0)
    if min(outs) == 0 or x.size == 0:
        return _empty_output(x, outs)
    count, _, _, _, _ = _windows(np.ones_like(x), pool, strides, padding, 0.0)
    return total.sum(axis=-1) / count.sum(axis=-1)


def max_pool_grad_reference(x, g, pool, strides, padding):
    """Each window's gradient goes to its first maximal cell."""
    x = x.astype(np.float64)
    stacked, padded_shape, pads, outs, slices = _windows(x, pool, strides, padding, -np.inf)
    dx = np.zeros(padded_shape)
    if min(outs) == 0 or x.size == 0:
        return np.zeros(x.shape)
    first = np.argmax(stacked, axis=-1)
    for cell, full in enumerate(slices):
        dx[full] += np.where(first == cell, g, 0.0)
    crop = tuple(slice(b, b + n) for (b, _), n in zip(pads, x.shape[1:-1]))
    return dx[(slice(None), *crop, slice(None))]


@st.composite
def pool_case(draw, rank, max_len=7):
    pool = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    padding = draw(st.sampled_from(["valid", "same"]))
    spatial = []
    for d in range(rank):
        if padding == "valid":
            spatial.append(draw(st.integers(pool[d], max(pool[d], max_len))))
        else:
            spatial.append(draw(sides(max_len)))
    shape = (draw(sides(2)), *spatial, draw(sides(3)))
    attrs = {"padding": padding}
    for key, value in (("pool_size", pool), ("strides", strides)):
        if draw(st.booleans()) and len(set(value)) == 1:
            attrs[key] = value[0]
        else:
            attrs[key] = list(value)
    return shape, pool, strides, padding, attrs


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("mode", ["max", "avg"])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_pool_forward(mode, rank, data, seed):
    shape, pool, strides, padding, attrs = data.draw(pool_case(rank))
    x = uniform(rng_for(seed), shape)
    ref = max_pool_reference if mode == "max" else avg_pool_reference
    check_forward(
        f"{mode}_pool{rank}d",
        [x],
        attrs,
        lambda x: ref(x, pool, strides, padding),
        rtol=1e-6,
        atol=1e-6,
    )


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("mode", ["max", "avg"])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_pool_gradient(mode, rank, data, seed):
    shape, pool, strides, padding, attrs = data.draw(pool_case(rank, max_len=5))
    rng = rng_for(seed)
    # distinct values: a unique maximum per window that a finite-difference
    # step cannot change
    x = distinct_values(rng, shape) if mode == "max" else uniform(rng, shape)
    name = f"{mode}_pool{rank}d"
    grads = check_gradient(name, [x], attrs, rng=rng_for(seed + 1), max_checked=30)
    if mode == "max":
        out = C.op(name, [x], attrs)
        g = uniform(rng, out.shape)
        (dx,) = C.op_grad(name, [x], g, attrs)
        want = max_pool_grad_reference(x, g, pool, strides, padding)
        np.testing.assert_allclose(dx, want, rtol=1e-6, atol=1e-6)
    assert grads[0].shape == x.shape


@pytest.mark.parametrize("rank", [1, 2])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_max_pool_gradient_goes_to_first_argmax_on_ties(rank, data, seed):
    shape, pool, strides, padding, attrs = data.draw(pool_case(rank))
    rng = rng_for(seed)
    # few distinct values: windows with tied maxima
    x = rng.integers(-1, 2, size=shape).astype(np.float32)
    name = f"max_pool{rank}d"
    out = check_forward(
        name, [x], attrs, lambda x: max_pool_reference(x, pool, strides, padding), 0, 0
    )
    g = uniform(rng, out.shape, 0.5, 1.5)
    (dx,) = C.op_grad(name, [x], g, attrs)
    want = max_pool_grad_reference(x, g, pool, strides, padding)
    np.testing.assert_allclose(dx, want, rtol=1e-6, atol=1e-6)


def test_max_pool_all_equal_window_credits_its_first_cell():
    x = np.ones((1, 4, 4, 1), np.float32)
    g = np.ones((1, 2, 2, 1), np.float32)
    (dx,) = C.op_grad("max_pool2d", [x], g, {"pool_size": 2, "strides": 2})
    want = np.zeros((4, 4))
    want[::2, ::2] = 1.0
    np.testing.assert_array_equal(dx[0, :, :, 0], want)


def test_avg_pool_same_counts_only_cells_inside():
    x = np.arange(1, 6, dtype=np.float32).reshape(1, 5, 1)
    # length 5, window 2, stride 2, "same": 3 outputs, 1 pad cell after
    y = C.op("avg_pool1d", [x], {"pool_size": 2, "strides": 2, "padding": "same"})
    np.testing.assert_allclose(y.reshape(-1), [1.5, 3.5, 5.0])
    (dx,) = C.op_grad(
        "avg_pool1d", [x], np.ones((1, 3, 1), np.float32), {"pool_size": 2, "padding": "same"}
    )
    np.testing.assert_allclose(dx.reshape(-1), [0.5, 0.5, 0.5, 0.5, 1.0])


def test_max_pool_same_ignores_padding():
    x = np.full((1, 3, 3, 1), -5.0, np.float32)
    y = C.op("max_pool2d", [x], {"pool_size": 2, "strides": 2, "padding": "same"})
    np.testing.assert_array_equal(y, np.full((1, 2, 2, 1), -5.0))


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_strides_default_to_pool_size(mode, rank):
    x = uniform(rng_for(0), (2,) + (7,) * rank + (3,))
    name = f"{mode}_pool{rank}d"
    a = C.op(name, [x], {"pool_size": 3})
    b = C.op(name, [x], {"pool_size": 3, "strides": 3})
    np.testing.assert_array_equal(a, b)
    assert a.shape == (2,) + (2,) * rank + (3,)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_errors(mode, rank):
    name = f"{mode}_pool{rank}d"
    x = np.ones((1,) + (3,) * rank + (2,), np.float32)
    with pytest.raises(ShapeError):  # window larger than the input with "valid"
        C.op(name, [x], {"pool_size": 4})
    with pytest.raises(ShapeError):  # wrong rank
        C.op(name, [x[0]], {"pool_size": 2})
    with pytest.raises(ShapeError):  # gradient of the wrong shape
        C.op_grad(name, [x], np.ones((1,) + (3,) * rank + (2,), np.float32), {"pool_size": 2})
    for attrs in (
        {"pool_size": 0},
        {"pool_size": [2, 2, 2]},
        {"pool_size": 2, "strides": 0},
        {"pool_size": 2, "padding": "causal"},
        {"pool_size": 2, "dilation_rate": 1},
    ):
        with pytest.raises(InvalidArgumentError):
            C.op(name, [x], attrs)
    with pytest.raises(DTypeError):
        C.op(name, [x.astype(np.int64)], {"pool_size": 2})
    with pytest.raises(TypeError):
        C.op(name, [x.astype(np.float16)], {"pool_size": 2})


# ---------------------------------------------------------------- global pooling


@st.composite
def global_case(draw, rank, max_len=5):
    shape = (draw(sides(2)), *(draw(sides(max_len, low=1)) for _ in range(rank)), draw(sides(3)))
    keepdims = draw(st.sampled_from([None, False, True]))
    return shape, keepdims


def _global_reference(mode, rank, keepdims):
    def ref(x):
        axes = tuple(range(1, rank + 1))
        f = np.max if mode == "max" else np.mean
        if x.size == 0:
            out = np.zeros((x.shape[0], x.shape[-1]))
            return out.reshape((x.shape[0],) + (1,) * rank + (x.shape[-1],)) if keepdims else out
        return f(x.astype(np.float64), axis=axes, keepdims=bool(keepdims))

    return ref


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("mode", ["max", "avg"])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_global_pool(mode, rank, data, seed):
    shape, keepdims = data.draw(global_case(rank))
    rng = rng_for(seed)
    name = f"global_{mode}_pool{rank}d"
    attrs = None if keepdims is None else {"keepdims": keepdims}
    x = uniform(rng, shape)
    check_forward(name, [x], attrs, _global_reference(mode, rank, keepdims), 1e-6, 1e-6)
    x = distinct_values(rng, shape) if mode == "max" else x
    check_gradient(name, [x], attrs, rng=rng_for(seed + 1), max_checked=30)


@pytest.mark.parametrize("rank", [1, 2])
def test_global_max_pool_gradient_on_ties_goes_to_the_first_maximum(rank):
    x = np.zeros((2,) + (3,) * rank + (2,), np.float32)
    x[(0,) + (1,) * rank + (0,)] = 1.0  # one clear maximum in (0, channel 0)
    out_shape = (2, 2)
    g = np.full(out_shape, 2.0, np.float32)
    (dx,) = C.op_grad(f"global_max_pool{rank}d", [x], g)
    want = np.zeros_like(x)
    want[(0,) + (1,) * rank + (0,)] = 2.0
    for n, c in [(0, 1), (1, 0), (1, 1)]:  # all-zero channels: the first cell
        want[(n,) + (0,) * rank + (c,)] = 2.0
    np.testing.assert_array_equal(dx, want)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_global_pool_errors(mode, rank):
    name = f"global_{mode}_pool{rank}d"
    x = np.ones((2,) + (3,) * rank + (4,), np.float32)
    with pytest.raises(ShapeError):
        C.op(name, [x[0]])
    with pytest.raises(ShapeError):  # nothing to pool over
        C.op(name, [np.ones((2,) + (0,) * rank + (4,), np.float32)])
    with pytest.raises(ShapeError):
        C.op_grad(name, [x], np.ones((2, 5), np.float32))
    with pytest.raises(InvalidArgumentError, match="data_format"):
        C.op(name, [x], {"data_format": "channels_last"})
    with pytest.raises(InvalidArgumentError):
        C.op(name, [x], {"keepdims": "yes"})
    with pytest.raises(DTypeError):
        C.op(name, [x.astype(np.int64)])
