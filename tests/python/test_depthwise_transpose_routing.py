"""The depthwise and transposed convolutions as the layers and `keras.ops`
reach them: `ops.depthwise_conv`/`separable_conv`/`conv_transpose` in both
data formats against NumPy, the 3-D transposed convolution (composed from
conv2d_transpose) against NumPy with its gradient, and the layers' graphs
holding the direct primitives rather than block-diagonal or zero-inserted
convolutions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_check import FEW, rng_for, seeds
from test_composite_nn_extras import np_conv_transpose
from test_composite_reductions import numeric_gradient
from test_ops_depthwise import depthwise_reference

import pykeras as keras
from pykeras import layers, ops
from pykeras.layers.convolutional import _conv_nd
from pykeras.ops._dispatch import run


def _first(x, n):
    return np.transpose(x, [0, n + 1, *range(1, n + 1)])


def _last(x, n):
    return np.transpose(x, [0, *range(2, n + 2), 1])


@FEW
@given(seeds, st.sampled_from([1, 2]), st.integers(1, 4), st.integers(1, 3), st.data())
def test_depthwise_and_separable_ops_both_formats(seed, n, channels, multiplier, data):
    rng = rng_for(seed)
    spatial = [data.draw(st.integers(3, 7)) for _ in range(n)]
    strides = [data.draw(st.integers(1, 2)) for _ in range(n)]
    dilation = [1] * n if max(strides) > 1 else [data.draw(st.integers(1, 2)) for _ in range(n)]
    padding = data.draw(st.sampled_from(["valid", "same"]))
    x = rng.uniform(-1, 1, (2, *spatial, channels)).astype(np.float32)
    dw = rng.uniform(-1, 1, (*[2] * n, channels, multiplier)).astype(np.float32)
    pw = rng.uniform(-1, 1, (*[1] * n, channels * multiplier, 3)).astype(np.float32)
    want = depthwise_reference(x, dw, strides, padding, dilation)
    want_sep = want @ pw.reshape(channels * multiplier, 3).astype(np.float64)
    args = dict(strides=strides, padding=padding, dilation_rate=dilation)
    np.testing.assert_allclose(ops.depthwise_conv(x, dw, **args), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        ops.separable_conv(x, dw, pw, **args), want_sep, rtol=1e-5, atol=1e-5
    )
    fmt = dict(args, data_format="channels_first")
    got = _last(ops.depthwise_conv(_first(x, n), dw, **fmt), n)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    got = _last(ops.separable_conv(_first(x, n), dw, pw, **fmt), n)
    np.testing.assert_allclose(got, want_sep, rtol=1e-5, atol=1e-5)


@st.composite
def transpose3d_case(draw):
    kernel = [draw(st.integers(1, 3)) for _ in range(3)]
    strides = [draw(st.integers(1, 3)) for _ in range(3)]
    dilation = [draw(st.integers(1, 2)) for _ in range(3)]
    padding = draw(st.sampled_from(["valid", "same"]))
    extras = [None] * 3
    if draw(st.booleans()):
        extras = [draw(st.integers(0, s - 1)) for s in strides]
    spatial = [draw(st.integers(1, 3)) for _ in range(3)]
    return kernel, strides, dilation, padding, extras, spatial


@FEW
@given(transpose3d_case(), seeds)
def test_conv3d_transpose_against_numpy(case, seed):
    kernel, strides, dilation, padding, extras, spatial = case
    rng = rng_for(seed)
    x = rng.uniform(-1, 1, (2, *spatial, 2)).astype(np.float32)
    w = rng.uniform(-1, 1, (*kernel, 3, 2)).astype(np.float32)
    want = np_conv_transpose(x, w, strides, padding, extras, dilation)
    if want.size == 0:
        return
    extra = None if extras[0] is None else extras
    got = _conv_nd.conv_transpose(x, w, strides, padding, extra, dilation)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_conv3d_transpose_gradient_matches_numeric():
    """One SGD step on mean(y ** 2) moves the kernel by the numeric gradient."""
    rng = rng_for(5)
    x = rng.uniform(-1, 1, (1, 2, 3, 2, 2)).astype(np.float32)
    w = rng.uniform(-1, 1, (3, 2, 2, 2, 2)).astype(np.float32)

    def reference(k):
        return np_conv_transpose(x, k, [2, 1, 2], "same", [None] * 3, [1, 1, 1])

    layer = layers.Conv3DTranspose(2, (3, 2, 2), strides=(2, 1, 2), padding="same", use_bias=False)
    model = keras.Sequential([keras.Input(x.shape[1:]), layer])
    layer.kernel.assign(w)
    lr = 0.1
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    y = model.predict(x, verbose=0)
    np.testing.assert_allclose(y, reference(w), rtol=1e-5, atol=1e-5)
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = numeric_gradient(reference, w.astype(np.float64))
    np.testing.assert_allclose(layer.kernel.numpy(), w - lr * grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "layer,primitive",
    [
        (layers.DepthwiseConv2D(3, padding="same"), "depthwise_conv2d"),
        (layers.DepthwiseConv1D(3, strides=2), "depthwise_conv1d"),
        (layers.SeparableConv2D(4, 3), "depthwise_conv2d"),
        (layers.Conv2DTranspose(4, 3, strides=2, padding="same"), "conv2d_transpose"),
        (layers.Conv1DTranspose(4, 3, strides=2), "conv1d_transpose"),
        (layers.Conv3DTranspose(4, 2, strides=2), "conv2d_transpose"),
    ],
)
def test_layers_run_the_direct_primitives(layer, primitive, monkeypatch):
    rank = 3 if isinstance(layer, layers.Conv3DTranspose) else layer.rank
    x = np.random.default_rng(0).uniform(size=(2, *[8] * rank, 3)).astype(np.float32)
    names = []

    def recording(name, *args, **kwargs):
        names.append(name)
        return run(name, *args, **kwargs)

    monkeypatch.setattr(_conv_nd, "run", recording)
    layer(x)
    assert primitive in names, names
    # No block-diagonal kernel (mul), no zero insertion (pad) nor flip (matmul).
    assert not {"mul", "matmul"} & set(names), names
    if rank < 3:
        assert "pad" not in names, names
