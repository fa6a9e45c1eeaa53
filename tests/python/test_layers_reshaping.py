"""Reshaping layers against numpy: Flatten, Reshape, Permute, RepeatVector,
ZeroPadding2D, UpSampling2D."""

import numpy as np
import pytest
from layer_test import run_layer_test

import pykeras as keras
from pykeras import layers

# ------------------------------------------------------------------ Flatten


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_flatten(shape):
    run_layer_test(
        layers.Flatten,
        {},
        shape,
        reference=lambda x, w: np.reshape(x, (x.shape[0], -1)),
        expected_output_shape=(shape[0], int(np.prod(shape[1:]))),
    )


def test_flatten_keeps_row_major_order():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(layers.Flatten()(x), x.reshape(2, 12))


def test_flatten_of_a_rank1_batch_adds_a_feature_axis():
    out = layers.Flatten()(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(out, [[1.0], [2.0], [3.0]])


def test_flatten_with_unknown_sizes_is_resolved_from_the_data():
    inputs = keras.Input(shape=(None, 3))
    out = layers.Flatten()(inputs)
    assert out.shape == (None, None)
    model = keras.Model(inputs, out)
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x.reshape(2, 12))


def test_flatten_only_channels_last():
    with pytest.raises(ValueError, match="'flat'.*channels_last"):
        layers.Flatten(data_format="channels_first", name="flat")


# ------------------------------------------------------------------ Reshape


@pytest.mark.parametrize(
    "target, in_shape, out_shape",
    [
        ((3, 4), (2, 12), (2, 3, 4)),
        ((12,), (2, 3, 4), (2, 12)),
        ((-1,), (2, 3, 4), (2, 12)),
        ((2, -1), (2, 3, 4), (2, 2, 6)),
        ((-1, 3), (2, 3, 4), (2, 4, 3)),
        ((2, 3, 2), (2, 12), (2, 2, 3, 2)),
    ],
)
def test_reshape(target, in_shape, out_shape):
    layer = run_layer_test(
        layers.Reshape,
        {"target_shape": target},
        in_shape,
        reference=lambda x, w: np.reshape(x, out_shape),
        expected_output_shape=out_shape,
    )
    assert layer.get_config()["target_shape"] == list(target)


def test_reshape_minus_one_with_an_unknown_input_size():
    layer = layers.Reshape((-1, 2))
    assert layer.compute_output_shape((None, None, 4)) == (None, None, 2)
    inputs = keras.Input(shape=(None, 4))
    model = keras.Model(inputs, layer(inputs))
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x.reshape(2, 6, 2))


def test_reshape_size_mismatch_names_the_layer():
    with pytest.raises(ValueError, match=r"'rs'.*\(6,\).*\(5,\)"):
        layers.Reshape((5,), name="rs")(keras.Input((6,)))
    with pytest.raises(ValueError, match="'rs2'"):
        layers.Reshape((4, -1), name="rs2")(np.ones((2, 6), np.float32))


@pytest.mark.parametrize("target", [(-1, -1), (0, 3), (-2, 3)])
def test_reshape_invalid_target(target):
    with pytest.raises(ValueError, match="'rs3'.*target_shape"):
        layers.Reshape(target, name="rs3")


# ------------------------------------------------------------------ Permute


@pytest.mark.parametrize(
    "dims, shape",
    [
        ((2, 1), (2, 3, 4)),
        ((1, 2), (2, 3, 4)),
        ((3, 1, 2), (2, 3, 4, 5)),
        ((2, 3, 1), (2, 3, 4, 5)),
    ],
)
def test_permute(dims, shape):
    layer = run_layer_test(
        layers.Permute,
        {"dims": dims},
        shape,
        reference=lambda x, w: np.transpose(x, (0,) + dims),
        expected_output_shape=(shape[0],) + tuple(shape[d] for d in dims),
    )
    assert layer.get_config()["dims"] == list(dims)


def test_permute_dims_must_be_a_permutation_of_the_sample_axes():
    with pytest.raises(ValueError, match="'perm'.*permutation"):
        layers.Permute((1, 3), name="perm")
    with pytest.raises(ValueError, match="permutation"):
        layers.Permute((0, 1))


def test_permute_rank_mismatch_names_the_layer():
    with pytest.raises(ValueError, match=r"'perm2'.*ndim=3.*ndim=4.*\(None, 3, 4, 5\)"):
        layers.Permute((2, 1), name="perm2")(keras.Input((3, 4, 5)))


# ------------------------------------------------------------------ RepeatVector


def test_repeat_vector():
    layer = run_layer_test(
        layers.RepeatVector,
        {"n": 3},
        (2, 4),
        reference=lambda x, w: np.repeat(x[:, None, :], 3, axis=1),
        expected_output_shape=(2, 3, 4),
    )
    assert layer.get_config()["n"] == 3


def test_repeat_vector_needs_rank2_input():
    with pytest.raises(ValueError, match=r"'rep'.*ndim=2.*ndim=3"):
        layers.RepeatVector(2, name="rep")(keras.Input((3, 4)))


@pytest.mark.parametrize("n", [0, -1])
def test_repeat_vector_n_must_be_positive(n):
    with pytest.raises(ValueError, match="'rep2'.*positive"):
        layers.RepeatVector(n, name="rep2")


# ------------------------------------------------------------------ ZeroPadding2D


@pytest.mark.parametrize(
    "padding, pads",
    [
        (1, ((1, 1), (1, 1))),
        ((2, 1), ((2, 2), (1, 1))),
        (((1, 2), (0, 3)), ((1, 2), (0, 3))),
        (0, ((0, 0), (0, 0))),
    ],
)
def test_zero_padding2d(padding, pads):
    layer = run_layer_test(
        layers.ZeroPadding2D,
        {"padding": padding},
        (2, 3, 4, 2),
        reference=lambda x, w: np.pad(x, ((0, 0),) + pads + ((0, 0),)),
    )
    assert layer.get_config()["padding"] == [list(p) for p in pads]


def test_zero_padding2d_default_pads_one_and_unknown_sizes_stay_unknown():
    layer = layers.ZeroPadding2D()
    assert layer.compute_output_shape((None, None, 5, 3)) == (None, None, 7, 3)


def test_zero_padding2d_errors():
    with pytest.raises(ValueError, match="'zp'.*non-negative"):
        layers.ZeroPadding2D(-1, name="zp")
    with pytest.raises(ValueError, match="'zp2'.*padding"):
        layers.ZeroPadding2D((1, 2, 3), name="zp2")
    with pytest.raises(ValueError, match=r"'zp3'.*ndim=4.*ndim=3"):
        layers.ZeroPadding2D(1, name="zp3")(keras.Input((3, 4)))


# ------------------------------------------------------------------ UpSampling2D


@pytest.mark.parametrize("size", [2, (2, 3), (1, 2)])
def test_up_sampling2d_nearest(size):
    sh, sw = (size, size) if isinstance(size, int) else size
    layer = run_layer_test(
        layers.UpSampling2D,
        {"size": size},
        (2, 3, 4, 2),
        reference=lambda x, w: np.repeat(np.repeat(x, sh, axis=1), sw, axis=2),
        expected_output_shape=(2, 3 * sh, 4 * sw, 2),
    )
    assert layer.get_config()["size"] == [sh, sw]
    assert layer.get_config()["interpolation"] == "nearest"


def test_up_sampling2d_known_values():
    x = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32).reshape(1, 2, 2, 1)
    out = np.asarray(layers.UpSampling2D(2)(x))[0, :, :, 0]
    np.testing.assert_array_equal(out, [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])


def test_up_sampling2d_errors():
    with pytest.raises(ValueError, match="'up'.*interpolation"):
        layers.UpSampling2D(interpolation="cubic", name="up")
    with pytest.raises(ValueError, match="'up2'.*size"):
        layers.UpSampling2D(0, name="up2")
    with pytest.raises(ValueError, match=r"'up3'.*ndim=4"):
        layers.UpSampling2D(name="up3")(keras.Input((3, 4)))


@pytest.mark.parametrize(
    "layer",
    [layers.Flatten(), layers.ZeroPadding2D(), layers.UpSampling2D()],
    ids=lambda layer: type(layer).__name__,
)
def test_data_format_in_the_config_is_channels_last_as_keras_stores_it(layer):
    config = layer.get_config()
    assert config["data_format"] == "channels_last"
    assert type(layer).from_config(config).get_config()["data_format"] == "channels_last"
