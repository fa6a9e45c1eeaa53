"""Convolution layers against a direct numpy convolution: Conv1D, Conv2D."""

import math

import numpy as np
import pytest
from layer_test import run_layer_test

import pykeras as keras
from pykeras import layers


def same_pads(length, window, stride):
    """TF/Keras "same" padding: (before, after), the extra one after."""
    out = -(-length // stride)
    total = max((out - 1) * stride + window - length, 0)
    return total // 2, total - total // 2


def np_conv2d(x, kernel, bias=None, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """Channels-last 2-D cross-correlation, as Keras computes it, in float64."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    kh, kw, _, filters = kernel.shape
    (sh, sw), (dh, dw) = strides, dilation
    wh, ww = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if padding == "same":
        ph, pw = same_pads(x.shape[1], wh, sh), same_pads(x.shape[2], ww, sw)
        x = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    oh = (x.shape[1] - wh) // sh + 1
    ow = (x.shape[2] - ww) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, filters))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * sh : i * sh + wh : dh, j * sw : j * sw + ww : dw, :]
            out[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    if bias is not None:
        out = out + bias
    return out


def np_conv1d(x, kernel, bias=None, strides=(1,), padding="valid", dilation=(1,)):
    out = np_conv2d(
        np.asarray(x)[:, None], np.asarray(kernel)[None], bias, (1,) + tuple(strides), padding,
        (1,) + tuple(dilation),
    )  # fmt: skip
    return out[:, 0]


def as_tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def conv2d_reference(kwargs, activation=lambda y: y):
    def reference(x, weights):
        bias = weights[1] if len(weights) > 1 else None
        return activation(
            np_conv2d(
                x, weights[0], bias, as_tuple(kwargs.get("strides", 1), 2),
                kwargs.get("padding", "valid"), as_tuple(kwargs.get("dilation_rate", 1), 2),
            )
        )  # fmt: skip

    return reference


def conv1d_reference(kwargs):
    def reference(x, weights):
        bias = weights[1] if len(weights) > 1 else None
        return np_conv1d(
            x, weights[0], bias, as_tuple(kwargs.get("strides", 1), 1),
            kwargs.get("padding", "valid"), as_tuple(kwargs.get("dilation_rate", 1), 1),
        )  # fmt: skip

    return reference


# Bias initialised away from zero so the reference checks that it is added.
BIAS = {"bias_initializer": keras.initializers.RandomNormal(stddev=0.5, seed=1)}


# ------------------------------------------------------------------ Conv2D


@pytest.mark.parametrize(
    "kwargs, in_shape, out_shape",
    [
        ({"filters": 4, "kernel_size": 3}, (2, 7, 6, 3), (2, 5, 4, 4)),
        ({"filters": 4, "kernel_size": (3, 2)}, (2, 7, 6, 3), (2, 5, 5, 4)),
        ({"filters": 2, "kernel_size": 3, "padding": "same"}, (2, 7, 6, 3), (2, 7, 6, 2)),
        ({"filters": 2, "kernel_size": (2, 3), "padding": "same"}, (1, 5, 6, 2), (1, 5, 6, 2)),
        ({"filters": 3, "kernel_size": 3, "strides": 2}, (2, 7, 8, 2), (2, 3, 3, 3)),
        ({"filters": 3, "kernel_size": 3, "strides": (2, 1)}, (2, 7, 8, 2), (2, 3, 6, 3)),
        ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 7, 8, 2),
         (2, 4, 4, 3)),
        ({"filters": 3, "kernel_size": 4, "strides": 3, "padding": "same"}, (1, 10, 9, 2),
         (1, 4, 3, 3)),
        ({"filters": 2, "kernel_size": 3, "dilation_rate": 2}, (2, 9, 8, 2), (2, 5, 4, 2)),
        ({"filters": 2, "kernel_size": 3, "dilation_rate": (2, 1), "padding": "same"},
         (2, 9, 8, 2), (2, 9, 8, 2)),
        ({"filters": 5, "kernel_size": 1}, (2, 4, 4, 3), (2, 4, 4, 5)),
        ({"filters": 2, "kernel_size": (4, 5)}, (1, 4, 5, 1), (1, 1, 1, 2)),
    ],
)  # fmt: skip
def test_conv2d(kwargs, in_shape, out_shape):
    kwargs = dict(BIAS, **kwargs)
    layer = run_layer_test(
        layers.Conv2D,
        kwargs,
        in_shape,
        reference=conv2d_reference(kwargs),
        expected_output_shape=out_shape,
        rtol=1e-4,
        atol=1e-5,
    )
    kernel_size = as_tuple(kwargs["kernel_size"], 2)
    assert layer.kernel.shape == kernel_size + (in_shape[-1], kwargs["filters"])
    assert layer.bias.shape == (kwargs["filters"],)
    config = layer.get_config()
    assert config["kernel_size"] == list(kernel_size)
    assert config["strides"] == list(as_tuple(kwargs.get("strides", 1), 2))
    assert config["padding"] == kwargs.get("padding", "valid")
    assert config["dilation_rate"] == list(as_tuple(kwargs.get("dilation_rate", 1), 2))


def test_conv2d_without_bias():
    kwargs = {"filters": 3, "kernel_size": 2, "use_bias": False}
    layer = run_layer_test(
        layers.Conv2D, kwargs, (2, 5, 5, 2), reference=conv2d_reference(kwargs), rtol=1e-4
    )
    assert [w.name for w in layer.weights] == ["kernel"]
    assert layer.count_params() == 2 * 2 * 2 * 3


def test_conv2d_with_activation():
    kwargs = dict(BIAS, filters=3, kernel_size=3, padding="same", activation="relu")
    layer = run_layer_test(
        layers.Conv2D,
        kwargs,
        (2, 5, 5, 2),
        reference=conv2d_reference(kwargs, lambda y: np.maximum(y, 0)),
        rtol=1e-4,
    )
    assert layer.get_config()["activation"] == "relu"


def test_conv2d_known_values():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    layer = layers.Conv2D(1, 2, use_bias=False, kernel_initializer="ones")
    out = np.asarray(layer(x))[0, :, :, 0]
    # Each output sums a 2x2 window.
    expected = [[10, 14, 18], [26, 30, 34], [42, 46, 50]]
    np.testing.assert_array_equal(out, expected)
    same = np.asarray(layers.Conv2D(1, 2, padding="same", use_bias=False,
                                    kernel_initializer="ones")(x))[0, :, :, 0]  # fmt: skip
    # "same" pads the extra row and column after: the last ones see zeros.
    np.testing.assert_array_equal(same[:3, :3], expected)
    np.testing.assert_array_equal(same[3], [12 + 13, 13 + 14, 14 + 15, 15])
    np.testing.assert_array_equal(same[:, 3], [3 + 7, 7 + 11, 11 + 15, 15])


def test_conv2d_count_params_and_default_initializers():
    layer = layers.Conv2D(32, 3)
    layer.build((None, 28, 28, 1))
    assert layer.count_params() == 3 * 3 * 1 * 32 + 32
    fan_in, fan_out = 3 * 3 * 1, 3 * 3 * 32
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(layer.kernel.numpy()).max() <= limit
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(32))


def test_conv2d_unknown_spatial_sizes_in_a_model():
    layer = layers.Conv2D(2, 3, padding="same")
    inputs = keras.Input(shape=(None, None, 3))
    out = layer(inputs)
    assert out.shape == (None, None, None, 2)
    model = keras.Model(inputs, out)
    x = np.random.default_rng(0).standard_normal((2, 6, 5, 3)).astype(np.float32)
    expected = np_conv2d(x, *layer.get_weights(), padding="same")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_small_convnet_matches_numpy():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(4, 3, activation="relu", name="c1"),
            layers.Conv2D(2, 3, strides=2, padding="same", name="c2"),
            layers.Flatten(),
            layers.Dense(3, name="fc"),
        ]
    )
    x = np.random.default_rng(0).standard_normal((3, 8, 8, 1)).astype(np.float32)
    c1 = model.get_layer("c1").get_weights()
    c2 = model.get_layer("c2").get_weights()
    fc = model.get_layer("fc").get_weights()
    h = np.maximum(np_conv2d(x, *c1), 0)
    h = np_conv2d(h, *c2, strides=(2, 2), padding="same")
    expected = h.reshape(3, -1) @ fc[0] + fc[1]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-4)
    assert model.output_shape == (None, 3)


# ------------------------------------------------------------------ Conv1D


@pytest.mark.parametrize(
    "kwargs, in_shape, out_shape",
    [
        ({"filters": 4, "kernel_size": 3}, (2, 10, 3), (2, 8, 4)),
        ({"filters": 4, "kernel_size": (3,)}, (2, 10, 3), (2, 8, 4)),
        ({"filters": 2, "kernel_size": 3, "padding": "same"}, (2, 10, 3), (2, 10, 2)),
        ({"filters": 2, "kernel_size": 4, "padding": "same"}, (2, 9, 3), (2, 9, 2)),
        ({"filters": 3, "kernel_size": 3, "strides": 2}, (2, 10, 2), (2, 4, 3)),
        ({"filters": 3, "kernel_size": 3, "strides": 3, "padding": "same"}, (2, 10, 2),
         (2, 4, 3)),
        ({"filters": 2, "kernel_size": 3, "dilation_rate": 3}, (2, 12, 2), (2, 6, 2)),
        ({"filters": 2, "kernel_size": 2, "dilation_rate": 2, "padding": "same"}, (2, 7, 2),
         (2, 7, 2)),
    ],
)  # fmt: skip
def test_conv1d(kwargs, in_shape, out_shape):
    kwargs = dict(BIAS, **kwargs)
    layer = run_layer_test(
        layers.Conv1D,
        kwargs,
        in_shape,
        reference=conv1d_reference(kwargs),
        expected_output_shape=out_shape,
        rtol=1e-4,
        atol=1e-5,
    )
    assert layer.kernel.shape == (as_tuple(kwargs["kernel_size"], 1)[0], in_shape[-1],
                                  kwargs["filters"])  # fmt: skip


def test_conv1d_without_bias_and_with_activation():
    kwargs = {"filters": 2, "kernel_size": 3, "use_bias": False, "activation": "tanh"}

    def reference(x, w):
        return np.tanh(np_conv1d(x, w[0]))

    layer = run_layer_test(layers.Conv1D, kwargs, (2, 6, 3), reference=reference, rtol=1e-4)
    assert len(layer.weights) == 1


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("cls", [layers.Conv1D, layers.Conv2D])
@pytest.mark.parametrize("filters", [0, -4, None])
def test_filters_must_be_positive(cls, filters):
    with pytest.raises(ValueError, match=r"'conv_bad'.*`filters`.*positive"):
        cls(filters, 3, name="conv_bad")


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"kernel_size": 0}, "kernel_size"),
        ({"kernel_size": (3, 3, 3)}, "kernel_size"),
        ({"kernel_size": 3, "strides": 0}, "strides"),
        ({"kernel_size": 3, "dilation_rate": (1, 0)}, "dilation_rate"),
        ({"kernel_size": 3, "padding": "full"}, "padding"),
        ({"kernel_size": 3, "data_format": "channels_middle"}, "data_format"),
        ({"kernel_size": 3, "strides": 2, "dilation_rate": 2}, "dilation_rate"),
    ],
)
def test_conv2d_invalid_arguments_name_the_layer(kwargs, arg):
    with pytest.raises(ValueError, match=f"'conv_args'.*{arg}"):
        layers.Conv2D(2, name="conv_args", **kwargs)


def test_conv2d_wrong_rank_names_layer_expected_and_received():
    with pytest.raises(ValueError) as info:
        layers.Conv2D(2, 3, name="conv_rank")(keras.Input((28, 28)))
    message = str(info.value)
    assert "'conv_rank'" in message
    assert "ndim=4" in message
    assert "ndim=3" in message
    assert "(None, 28, 28)" in message


def test_conv1d_wrong_rank_eager():
    with pytest.raises(ValueError, match=r"'conv1_rank'.*ndim=3.*ndim=2.*\(4, 10\)"):
        layers.Conv1D(2, 3, name="conv1_rank")(np.ones((4, 10), np.float32))


def test_conv2d_channel_change_after_build_is_refused():
    layer = layers.Conv2D(2, 3, name="conv_ch")
    layer(np.ones((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match=r"'conv_ch'.*axis -1.*value 3"):
        layer(np.ones((1, 5, 5, 4), np.float32))


def test_conv2d_unknown_kwarg_suggests_the_right_one():
    with pytest.raises(TypeError, match=r"Conv2D.*'dilation'.*Did you mean 'dilation_rate'\?"):
        layers.Conv2D(2, 3, dilation=2)
    with pytest.raises(TypeError, match=r"'activate'.*Did you mean 'activation'\?"):
        layers.Conv2D(2, 3, activate="relu")
