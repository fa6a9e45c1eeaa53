"""Pooling layers against numpy: Max/AveragePooling1D/2D and the global poolings."""

import numpy as np
import pytest
from layer_test import run_layer_test

import pykeras as keras
from pykeras import layers


def same_pads(length, window, stride):
    out = -(-length // stride)
    total = max((out - 1) * stride + window - length, 0)
    return total // 2, total - total // 2


def np_pool2d(x, pool, strides, padding, mode):
    """Channels-last 2-D pooling as Keras computes it: "same" padding is never
    a candidate for max and never counted in an average."""
    x = np.asarray(x, np.float64)
    (ph, pw), (sh, sw) = pool, strides
    valid = np.ones(x.shape[1:3])
    if padding == "same":
        pads = (same_pads(x.shape[1], ph, sh), same_pads(x.shape[2], pw, sw))
        x = np.pad(x, ((0, 0),) + pads + ((0, 0),), constant_values=np.nan)
        valid = np.pad(valid, pads)
    oh = (x.shape[1] - ph) // sh + 1
    ow = (x.shape[2] - pw) // sw + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            window = x[:, i * sh : i * sh + ph, j * sw : j * sw + pw, :]
            if mode == "max":
                out[:, i, j] = np.nanmax(window, axis=(1, 2))
            else:
                count = valid[i * sh : i * sh + ph, j * sw : j * sw + pw].sum()
                out[:, i, j] = np.nansum(window, axis=(1, 2)) / count
    return out


def np_pool1d(x, pool, strides, padding, mode):
    return np_pool2d(np.asarray(x)[:, None], (1,) + pool, (1,) + strides, padding, mode)[:, 0]


def as_tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


POOL2D = [
    ({}, (2, 6, 8, 3), (2, 3, 4, 3)),
    ({"pool_size": 3}, (2, 7, 8, 2), (2, 2, 2, 2)),
    ({"pool_size": (2, 3)}, (2, 6, 9, 2), (2, 3, 3, 2)),
    ({"pool_size": 3, "strides": 1}, (2, 5, 6, 2), (2, 3, 4, 2)),
    ({"pool_size": 3, "strides": 2}, (2, 7, 8, 2), (2, 3, 3, 2)),
    ({"pool_size": 2, "padding": "same"}, (2, 5, 7, 2), (2, 3, 4, 2)),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (2, 6, 7, 2), (2, 3, 4, 2)),
    ({"pool_size": 3, "strides": 1, "padding": "same"}, (1, 4, 5, 3), (1, 4, 5, 3)),
    ({"pool_size": (1, 2), "strides": (1, 2)}, (2, 3, 4, 2), (2, 3, 2, 2)),
]


@pytest.mark.parametrize("cls, mode", [(layers.MaxPooling2D, "max"),
                                       (layers.AveragePooling2D, "avg")])  # fmt: skip
@pytest.mark.parametrize("kwargs, in_shape, out_shape", POOL2D)
def test_pooling2d(cls, mode, kwargs, in_shape, out_shape):
    pool = as_tuple(kwargs.get("pool_size", 2), 2)
    strides = as_tuple(kwargs.get("strides", pool), 2)
    padding = kwargs.get("padding", "valid")
    layer = run_layer_test(
        cls,
        kwargs,
        in_shape,
        reference=lambda x, w: np_pool2d(x, pool, strides, padding, mode),
        expected_output_shape=out_shape,
    )
    assert layer.weights == []
    config = layer.get_config()
    assert config["pool_size"] == list(pool)
    # Keras: strides default to the pool size.
    assert config["strides"] == list(strides)
    assert config["padding"] == padding


POOL1D = [
    ({}, (2, 10, 3), (2, 5, 3)),
    ({"pool_size": 3}, (2, 10, 3), (2, 3, 3)),
    ({"pool_size": 3, "strides": 1}, (2, 6, 2), (2, 4, 2)),
    ({"pool_size": 2, "padding": "same"}, (2, 7, 2), (2, 4, 2)),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (2, 8, 2), (2, 4, 2)),
    ({"pool_size": (4,), "strides": (2,)}, (2, 9, 2), (2, 3, 2)),
]


@pytest.mark.parametrize("cls, mode", [(layers.MaxPooling1D, "max"),
                                       (layers.AveragePooling1D, "avg")])  # fmt: skip
@pytest.mark.parametrize("kwargs, in_shape, out_shape", POOL1D)
def test_pooling1d(cls, mode, kwargs, in_shape, out_shape):
    pool = as_tuple(kwargs.get("pool_size", 2), 1)
    strides = as_tuple(kwargs.get("strides", pool), 1)
    padding = kwargs.get("padding", "valid")
    run_layer_test(
        cls,
        kwargs,
        in_shape,
        reference=lambda x, w: np_pool1d(x, pool, strides, padding, mode),
        expected_output_shape=out_shape,
    )


def test_pooling_known_values():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(
        np.asarray(layers.MaxPooling2D()(x))[0, :, :, 0], [[5, 7], [13, 15]]
    )
    np.testing.assert_array_equal(
        np.asarray(layers.AveragePooling2D()(x))[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]]
    )


def test_average_pooling_same_excludes_the_padding_from_the_mean():
    x = np.full((1, 3, 3, 1), 4.0, np.float32)
    out = np.asarray(layers.AveragePooling2D(2, padding="same")(x))
    # Windows that hang over the edge average only the real values.
    np.testing.assert_array_equal(out, np.full((1, 2, 2, 1), 4.0))


def test_max_pooling_same_never_picks_the_padding():
    x = np.full((1, 3, 1), -5.0, np.float32)
    out = np.asarray(layers.MaxPooling1D(2, padding="same")(x))
    np.testing.assert_array_equal(out, np.full((1, 2, 1), -5.0))


def test_aliases():
    assert layers.MaxPool2D is layers.MaxPooling2D
    assert layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D


# ------------------------------------------------------------------ global pooling


GLOBAL = [
    (layers.GlobalAveragePooling1D, (2, 7, 3), (1,), np.mean),
    (layers.GlobalMaxPooling1D, (2, 7, 3), (1,), np.max),
    (layers.GlobalAveragePooling2D, (2, 5, 6, 3), (1, 2), np.mean),
    (layers.GlobalMaxPooling2D, (2, 5, 6, 3), (1, 2), np.max),
]


@pytest.mark.parametrize("cls, shape, axes, fn", GLOBAL, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(cls, shape, axes, fn, keepdims):
    expected_shape = (
        (shape[0],) + (1,) * len(axes) + (shape[-1],) if keepdims else (shape[0], shape[-1])
    )
    layer = run_layer_test(
        cls,
        {"keepdims": keepdims},
        shape,
        reference=lambda x, w: fn(np.asarray(x, np.float64), axis=axes, keepdims=keepdims),
        expected_output_shape=expected_shape,
    )
    assert layer.get_config()["keepdims"] is keepdims


def test_global_pooling_with_unknown_spatial_sizes():
    inputs = keras.Input((None, None, 4))
    out = layers.GlobalAveragePooling2D()(inputs)
    assert out.shape == (None, 4)
    model = keras.Model(inputs, out)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), x.mean(axis=(1, 2)), rtol=1e-5)


def test_global_max_pooling_of_negative_values():
    x = -np.arange(1, 13, dtype=np.float32).reshape(1, 4, 3)
    np.testing.assert_array_equal(layers.GlobalMaxPooling1D()(x), [[-1, -2, -3]])


def test_conv_pool_classifier_matches_numpy():
    model = keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            layers.MaxPooling2D(name="mp"),
            layers.AveragePooling2D(pool_size=3, strides=1, padding="same", name="ap"),
            layers.GlobalMaxPooling2D(name="gmp"),
        ]
    )
    x = np.random.default_rng(1).standard_normal((3, 6, 6, 2)).astype(np.float32)
    h = np_pool2d(x, (2, 2), (2, 2), "valid", "max")
    h = np_pool2d(h, (3, 3), (1, 1), "same", "avg")
    np.testing.assert_allclose(model.predict(x, verbose=0), h.max(axis=(1, 2)), rtol=1e-5)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "cls, expected, shape",
    [
        (layers.MaxPooling2D, 4, (None, 5, 5)),
        (layers.AveragePooling1D, 3, (None, 5, 5, 2)),
        (layers.GlobalMaxPooling1D, 3, (None, 5, 5, 3)),
        (layers.GlobalAveragePooling2D, 4, (None, 5)),
    ],
)
def test_wrong_rank_names_layer_expected_and_received(cls, expected, shape):
    with pytest.raises(ValueError) as info:
        cls(name="pool_rank")(keras.Input(batch_shape=shape))
    message = str(info.value)
    assert "'pool_rank'" in message
    assert f"expected ndim={expected}" in message
    assert f"found ndim={len(shape)}" in message
    assert str(shape) in message


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": (2, 2, 2)}, "pool_size"),
        ({"strides": 0}, "strides"),
        ({"padding": "causal"}, "padding"),
        ({"data_format": "channels_middle"}, "data_format"),
    ],
)
def test_pooling_invalid_arguments(kwargs, arg):
    with pytest.raises(ValueError, match=f"'pool_args'.*{arg}"):
        layers.MaxPooling2D(name="pool_args", **kwargs)


def test_pooling_unknown_kwarg_suggests_the_right_one():
    with pytest.raises(TypeError, match=r"'pool_sizes'.*Did you mean 'pool_size'\?"):
        layers.MaxPooling2D(pool_sizes=2)
    with pytest.raises(TypeError, match=r"'keepdim'.*Did you mean 'keepdims'\?"):
        layers.GlobalAveragePooling1D(keepdim=True)
