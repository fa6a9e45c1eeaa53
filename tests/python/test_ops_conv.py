"""conv1d and conv2d (channels-last, TF "same"/"valid" padding, strides,
dilation): forward vs a direct numpy convolution, gradients vs finite
differences."""

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
    sides,
    uniform,
    window_geometry,
)

OPS = {"conv1d", "conv2d"}


def conv_reference(x, kernel, strides, padding, dilation):
    """Direct convolution (cross-correlation, as Keras) in float64."""
    rank = x.ndim - 2
    x = x.astype(np.float64)
    kernel = kernel.astype(np.float64)
    outs, pads = [], []
    for d in range(rank):
        window = (kernel.shape[d] - 1) * dilation[d] + 1
        out, before, after = window_geometry(x.shape[1 + d], window, strides[d], padding)
        outs.append(out)
        pads.append((before, after))
    cout = kernel.shape[-1]
    y = np.zeros((x.shape[0], *outs, cout))
    if min(outs, default=1) == 0 or y.size == 0:
        return y
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    for offset in np.ndindex(*kernel.shape[:rank]):
        index = tuple(
            slice(i * dilation[d], i * dilation[d] + (outs[d] - 1) * strides[d] + 1, strides[d])
            for d, i in enumerate(offset)
        )
        patch = xp[(slice(None), *index, slice(None))]
        y += patch @ kernel[offset]
    return y


@st.composite
def conv_case(draw, rank, max_len=7, max_channels=3):
    batch = draw(sides(2))
    cin = draw(sides(max_channels))
    cout = draw(sides(max_channels))
    ksize = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    padding = draw(st.sampled_from(["valid", "same"]))
    spatial = []
    for d in range(rank):
        window = (ksize[d] - 1) * dilation[d] + 1
        if padding == "valid":
            spatial.append(draw(st.integers(window, max(window, max_len))))
        else:
            spatial.append(draw(sides(max_len)))
    x_shape = (batch, *spatial, cin)
    k_shape = (*ksize, cin, cout)
    # attributes as Keras passes them, sometimes as one int for every axis
    attrs = {"padding": padding}
    for key, value in (("strides", strides), ("dilation_rate", dilation)):
        form = draw(st.sampled_from(["list", "int", "omit"]))
        if form == "omit" and set(value) == {1}:
            continue
        if form == "int" and len(set(value)) == 1:
            attrs[key] = value[0]
        else:
            attrs[key] = list(value)
    return x_shape, k_shape, strides, dilation, padding, attrs


@pytest.mark.parametrize("rank", [1, 2])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_conv_forward(rank, data, seed):
    x_shape, k_shape, strides, dilation, padding, attrs = data.draw(conv_case(rank))
    rng = rng_for(seed)
    x, k = uniform(rng, x_shape), uniform(rng, k_shape)
    check_forward(
        f"conv{rank}d",
        [x, k],
        attrs,
        lambda x, k: conv_reference(x, k, strides, padding, dilation),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize("rank", [1, 2])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_conv_gradient(rank, data, seed):
    case = conv_case(rank, max_len=5 if rank == 2 else 7, max_channels=2)
    x_shape, k_shape, _, _, _, attrs = data.draw(case)
    rng = rng_for(seed)
    x, k = uniform(rng, x_shape), uniform(rng, k_shape)
    check_gradient(f"conv{rank}d", [x, k], attrs, rng=rng_for(seed + 1), max_checked=25)


@pytest.mark.parametrize("rank", [1, 2])
def test_conv_default_attributes_are_valid_stride_one(rank):
    rng = rng_for(0)
    x = uniform(rng, (2,) + (6,) * rank + (3,))
    k = uniform(rng, (3,) * rank + (3, 4))
    want = conv_reference(x, k, (1,) * rank, "valid", (1,) * rank)
    np.testing.assert_allclose(C.op(f"conv{rank}d", [x, k]), want, rtol=1e-5, atol=1e-5)


def test_conv2d_rectangular_everything():
    rng = rng_for(1)
    x = uniform(rng, (2, 9, 7, 3))
    k = uniform(rng, (2, 3, 3, 5))
    for padding in ("valid", "same"):
        attrs = {"strides": [2, 1], "dilation_rate": [1, 2], "padding": padding}
        want = conv_reference(x, k, (2, 1), padding, (1, 2))
        check_forward("conv2d", [x, k], attrs, lambda x, k, w=want: w, rtol=1e-5, atol=1e-5)


def test_conv_same_padding_puts_the_odd_cell_after():
    # a 1-D "same" conv of length 4 with a window of 2 pads 0 before, 1 after
    x = np.arange(1, 5, dtype=np.float32).reshape(1, 4, 1)
    k = np.array([1.0, 10.0], np.float32).reshape(2, 1, 1)
    y = C.op("conv1d", [x, k], {"padding": "same"})
    np.testing.assert_array_equal(y.reshape(-1), [21.0, 32.0, 43.0, 4.0])


def test_conv_accepts_strided_inputs():
    rng = rng_for(2)
    x = np.transpose(uniform(rng, (3, 6, 5, 2)), (0, 2, 1, 3))  # (3, 5, 6, 2), not contiguous
    k = uniform(rng, (2, 2, 2, 3))[::-1]
    want = conv_reference(x, k, (1, 1), "same", (1, 1))
    got = C.op("conv2d", [x, k], {"padding": "same"})
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_conv_large_matches_reference():
    rng = rng_for(3)
    x = uniform(rng, (4, 32, 32, 8))
    k = uniform(rng, (3, 3, 8, 16))
    attrs = {"padding": "same", "strides": 2}
    want = conv_reference(x, k, (2, 2), "same", (1, 1))
    np.testing.assert_allclose(C.op("conv2d", [x, k], attrs), want, rtol=1e-4, atol=1e-4)
    g = uniform(rng, want.shape)
    dx, dk = C.op_grad("conv2d", [x, k], g, attrs)
    # d/dk: correlate the input with the output gradient
    xp = np.pad(x.astype(np.float64), [(0, 0), (0, 1), (0, 1), (0, 0)])
    want_dk = np.zeros(k.shape)
    for i, j in np.ndindex(3, 3):
        patch = xp[:, i : i + 31 : 2, j : j + 31 : 2, :]
        want_dk[i, j] = np.einsum("nhwc,nhwo->co", patch, g.astype(np.float64))
    np.testing.assert_allclose(dk, want_dk, rtol=1e-4, atol=1e-3)
    assert dx.shape == x.shape


@pytest.mark.parametrize("rank", [1, 2])
def test_conv_shape_errors(rank):
    name = f"conv{rank}d"
    x = np.ones((1,) + (5,) * rank + (3,), np.float32)
    k = np.ones((2,) * rank + (3, 4), np.float32)
    with pytest.raises(ShapeError):  # in_channels mismatch
        C.op(name, [x, np.ones((2,) * rank + (2, 4), np.float32)])
    with pytest.raises(ShapeError):  # kernel of the wrong rank
        C.op(name, [x, np.ones((2,) * (rank + 1) + (3, 4), np.float32)])
    with pytest.raises(ShapeError):  # input of the wrong rank
        C.op(name, [x[0], k])
    with pytest.raises(ShapeError):  # input smaller than the window with "valid"
        C.op(name, [x, np.ones((6,) * rank + (3, 4), np.float32)])
    with pytest.raises(ShapeError):  # same, through dilation
        C.op(name, [x, k], {"dilation_rate": 5})
    with pytest.raises(ShapeError):  # a kernel of spatial size 0
        C.op(name, [x, np.ones((0,) * rank + (3, 4), np.float32)])
    with pytest.raises(ShapeError):  # an output gradient of the wrong shape
        C.op_grad(name, [x, k], np.ones((1,) + (5,) * rank + (4,), np.float32))


@pytest.mark.parametrize("rank", [1, 2])
def test_conv_attribute_errors(rank):
    name = f"conv{rank}d"
    x = np.ones((1,) + (5,) * rank + (3,), np.float32)
    k = np.ones((2,) * rank + (3, 4), np.float32)
    for attrs in (
        {"padding": "full"},
        {"strides": 0},
        {"strides": [1, 1, 1]},
        {"dilation_rate": -1},
        {"padding": 1},
        {"groups": 1},
        {"data_format": "channels_last"},
    ):
        with pytest.raises(InvalidArgumentError):
            C.op(name, [x, k], attrs)
    with pytest.raises(InvalidArgumentError):
        C.op(name, [x])


@pytest.mark.parametrize("rank", [1, 2])
def test_conv_dtype_errors(rank):
    name = f"conv{rank}d"
    x = np.ones((1,) + (5,) * rank + (3,), np.float32)
    k = np.ones((2,) * rank + (3, 4), np.float32)
    with pytest.raises(DTypeError):
        C.op(name, [x.astype(np.int64), k])
    with pytest.raises(TypeError):
        C.op(name, [x, k.astype(np.float16)])
