"""depthwise_conv1d/2d and conv1d/2d_transpose (channels-last primitives):
forward against NumPy (a per-channel direct convolution; scattering each
input element's contribution), gradients against central differences,
the output rule with unknown sizes, and bad input naming the op."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_check import (
    SETTINGS,
    C,
    InvalidArgumentError,
    ShapeError,
    check_forward,
    check_gradient,
    rng_for,
    seeds,
    sides,
    uniform,
)
from test_composite_nn_extras import np_conv_transpose, transpose_pads
from test_ops_conv import conv_reference

import pykeras as keras

OPS = {"depthwise_conv1d", "depthwise_conv2d", "conv1d_transpose", "conv2d_transpose"}


def depthwise_reference(x, kernel, strides, padding, dilation):
    """Each channel convolved with its own (k..., 1, M) kernel, outputs
    ordered channel-major (c * M + m), as Keras."""
    parts = [
        conv_reference(x[..., c : c + 1], kernel[..., c : c + 1, :], strides, padding, dilation)
        for c in range(x.shape[-1])
    ]
    return np.concatenate(parts, axis=-1)


@st.composite
def depthwise_case(draw, rank, max_len=7):
    batch = draw(sides(2, low=1))
    channels = draw(st.integers(1, 5))
    multiplier = draw(st.integers(1, 3))
    ksize = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    padding = draw(st.sampled_from(["valid", "same"]))
    spatial = []
    for d in range(rank):
        window = (ksize[d] - 1) * dilation[d] + 1
        low = window if padding == "valid" else 1
        spatial.append(draw(st.integers(low, max(low, max_len))))
    attrs = {"padding": padding, "strides": list(strides), "dilation_rate": list(dilation)}
    x_shape = (batch, *spatial, channels)
    return x_shape, (*ksize, channels, multiplier), strides, dilation, padding, attrs


@pytest.mark.parametrize("rank", [1, 2])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_depthwise_forward(rank, data, seed):
    x_shape, k_shape, strides, dilation, padding, attrs = data.draw(depthwise_case(rank))
    rng = rng_for(seed)
    x, k = uniform(rng, x_shape), uniform(rng, k_shape)
    want = depthwise_reference(x, k, strides, padding, dilation)
    check_forward(f"depthwise_conv{rank}d", [x, k], attrs, lambda *_: want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rank", [1, 2])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_depthwise_gradient(rank, data, seed):
    case = depthwise_case(rank, max_len=5 if rank == 2 else 7)
    x_shape, k_shape, _, _, _, attrs = data.draw(case)
    rng = rng_for(seed)
    x, k = uniform(rng, x_shape), uniform(rng, k_shape)
    check_gradient(f"depthwise_conv{rank}d", [x, k], attrs, rng=rng_for(seed + 1), max_checked=25)


def test_depthwise_large_matches_reference_and_kernel_gradient():
    """Big enough to split over threads: values and dK against NumPy."""
    rng = rng_for(3)
    x, k = uniform(rng, (4, 24, 24, 32)), uniform(rng, (3, 3, 32, 1))
    attrs = {"padding": "same", "strides": 2}
    want = depthwise_reference(x, k, (2, 2), "same", (1, 1))
    np.testing.assert_allclose(C.op("depthwise_conv2d", [x, k], attrs), want, rtol=1e-4, atol=1e-4)
    g = uniform(rng, want.shape)
    dx, dk = C.op_grad("depthwise_conv2d", [x, k], g, attrs)
    xp = np.pad(x.astype(np.float64), [(0, 0), (0, 1), (0, 1), (0, 0)])
    want_dk = np.zeros(k.shape)
    for i, j in np.ndindex(3, 3):
        patch = xp[:, i : i + 23 : 2, j : j + 23 : 2, :]
        want_dk[i, j, :, 0] = np.einsum("nhwc,nhwc->c", patch, g.astype(np.float64))
    np.testing.assert_allclose(dk, want_dk, rtol=1e-4, atol=1e-3)
    assert dx.shape == x.shape


@st.composite
def transpose_case(draw, rank):
    batch = draw(sides(2, low=1))
    cin, cout = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ksize = [draw(st.integers(1, 4)) for _ in range(rank)]
    strides = [draw(st.integers(1, 3)) for _ in range(rank)]
    dilation = [draw(st.integers(1, 2)) for _ in range(rank)]
    padding = draw(st.sampled_from(["valid", "same"]))
    extras = [None] * rank
    if draw(st.booleans()):
        extras = [draw(st.integers(0, s - 1)) for s in strides]
    spatial = [draw(st.integers(1, 5)) for _ in range(rank)]
    attrs = {"padding": padding, "strides": strides, "dilation_rate": dilation}
    if extras[0] is not None:
        attrs["output_padding"] = extras
    case = ((batch, *spatial, cin), (*ksize, cout, cin), strides, dilation, padding, extras)
    return (*case, attrs)


def _has_output(x_shape, k_shape, strides, dilation, padding, extras):
    n = len(strides)
    for i in range(n):
        left, right = transpose_pads(k_shape[i], strides[i], dilation[i], padding, extras[i])
        window = (k_shape[i] - 1) * dilation[i] + 1
        if (x_shape[1 + i] - 1) * strides[i] + 1 + left + right < window:
            return False
    return True


@pytest.mark.parametrize("rank", [1, 2])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_conv_transpose_forward(rank, data, seed):
    x_shape, k_shape, strides, dilation, padding, extras, attrs = data.draw(transpose_case(rank))
    rng = rng_for(seed)
    x, k = uniform(rng, x_shape), uniform(rng, k_shape)
    name = f"conv{rank}d_transpose"
    if not _has_output(x_shape, k_shape, strides, dilation, padding, extras):
        with pytest.raises(ShapeError, match=name):
            C.op(name, [x, k], attrs)
        return
    want = np_conv_transpose(x, k, strides, padding, extras, dilation)
    check_forward(name, [x, k], attrs, lambda *_: want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rank", [1, 2])
@SETTINGS
@given(data=st.data(), seed=seeds)
def test_conv_transpose_gradient(rank, data, seed):
    x_shape, k_shape, strides, dilation, padding, extras, attrs = data.draw(transpose_case(rank))
    if not _has_output(x_shape, k_shape, strides, dilation, padding, extras):
        return
    rng = rng_for(seed)
    x, k = uniform(rng, x_shape), uniform(rng, k_shape)
    check_gradient(f"conv{rank}d_transpose", [x, k], attrs, rng=rng_for(seed + 1), max_checked=25)


def test_conv_transpose_large_matches_reference():
    """An autoencoder's upsampling layer (7x7 -> 14x14, 32 channels)."""
    rng = rng_for(4)
    x, k = uniform(rng, (8, 7, 7, 32)), uniform(rng, (3, 3, 16, 32))
    attrs = {"padding": "same", "strides": 2}
    want = np_conv_transpose(x, k, [2, 2], "same", [None, None], [1, 1])
    got = C.op("conv2d_transpose", [x, k], attrs)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_output_rule_keeps_unknown_sizes():
    depthwise = keras.ops.depthwise_conv(keras.Input((None, 8, 3)), np.ones((3, 3, 3, 2)))
    assert tuple(depthwise.shape) == (None, None, 6, 6)
    up = keras.ops.conv_transpose(
        keras.Input((None, 5, 3)), np.ones((3, 3, 4, 3)), strides=2, padding="same"
    )
    assert tuple(up.shape) == (None, None, 10, 4)
    first = keras.ops.conv_transpose(
        keras.Input((3, None)), np.ones((3, 4, 3)), strides=2, data_format="channels_first"
    )
    assert tuple(first.shape) == (None, 4, None)


@pytest.mark.parametrize("name", ["depthwise_conv2d", "conv2d_transpose"])
def test_bad_input_names_the_op(name):
    x = np.ones((1, 5, 5, 3), np.float32)
    wrong_channels = np.ones((3, 3, 4, 4), np.float32)
    with pytest.raises(ShapeError, match=name):
        C.op(name, [x, wrong_channels])
    with pytest.raises(ShapeError, match=name):
        C.op(name, [x, np.ones((3, 3, 3), np.float32)])
    with pytest.raises(ShapeError, match=name):
        C.op(name, [x[0], np.ones((3, 3, 3, 3), np.float32)])
    for attrs in ({"padding": "causal"}, {"strides": 0}, {"dilation_rate": [1, 1, 1]}):
        with pytest.raises(InvalidArgumentError, match=name):
            C.op(name, [x, np.ones((3, 3, 3, 3), np.float32)], attrs)
    with pytest.raises(ShapeError, match=name):
        C.op_grad(name, [x, np.ones((3, 3, 3, 3), np.float32)], np.ones((1, 2, 2, 9), np.float32))


def test_depthwise_valid_window_larger_than_input():
    with pytest.raises(ShapeError, match="depthwise_conv2d"):
        C.op(
            "depthwise_conv2d",
            [np.ones((1, 2, 5, 3), np.float32), np.ones((3, 3, 3, 1), np.float32)],
        )
