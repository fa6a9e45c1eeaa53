"""Normalization layers against numpy: BatchNormalization, LayerNormalization."""

import numpy as np
import pytest
from layer_test import run_layer_test

import pykeras as keras
from pykeras import initializers, layers


def np_batch_norm_inference(x, weights, axis=-1, epsilon=1e-3):
    gamma, beta, mean, var = weights
    x = np.asarray(x, np.float64)
    shape = [1] * x.ndim
    shape[axis] = -1
    mean, var, gamma, beta = (np.reshape(a, shape) for a in (mean, var, gamma, beta))
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta


def np_batch_norm_training(x, gamma, beta, axis=-1, epsilon=1e-3):
    x = np.asarray(x, np.float64)
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - mean) / np.sqrt(var + epsilon) * np.reshape(gamma, shape) + np.reshape(beta, shape)


NONTRIVIAL_STATS = {
    "gamma_initializer": initializers.RandomUniform(0.5, 1.5, seed=1),
    "beta_initializer": initializers.RandomNormal(stddev=0.5, seed=2),
    "moving_mean_initializer": initializers.RandomNormal(stddev=0.5, seed=3),
    "moving_variance_initializer": initializers.RandomUniform(0.5, 2.0, seed=4),
}


# ------------------------------------------------------------ BatchNormalization


def test_batch_norm_inference_uses_the_moving_statistics():
    layer = run_layer_test(
        layers.BatchNormalization,
        dict(NONTRIVIAL_STATS),
        (4, 5),
        reference=lambda x, w: np_batch_norm_inference(x, w),
    )
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]


@pytest.mark.parametrize("axis, shape", [(1, (2, 3, 4, 5)), (-1, (2, 3, 4, 5)), (2, (2, 3, 4))])
def test_batch_norm_inference_on_other_axes(axis, shape):
    layer = run_layer_test(
        layers.BatchNormalization,
        dict(NONTRIVIAL_STATS, axis=axis, epsilon=1e-2),
        shape,
        reference=lambda x, w: np_batch_norm_inference(x, w, axis=axis, epsilon=1e-2),
    )
    assert layer.gamma.shape == (shape[axis],)
    assert layer.get_config()["axis"] == axis


def test_batch_norm_with_set_moving_statistics():
    layer = layers.BatchNormalization(epsilon=1e-3)
    layer.build((None, 3))
    gamma = np.array([1.0, 2.0, 0.5], np.float32)
    beta = np.array([0.0, -1.0, 1.0], np.float32)
    mean = np.array([0.5, -0.5, 2.0], np.float32)
    var = np.array([1.0, 4.0, 0.25], np.float32)
    layer.set_weights([gamma, beta, mean, var])
    x = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    expected = np_batch_norm_inference(x, [gamma, beta, mean, var])
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer(x, training=False), expected, rtol=1e-5, atol=1e-6)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_batch_norm_training_uses_batch_statistics_and_updates_moving_ones():
    momentum = 0.9
    layer = layers.BatchNormalization(momentum=momentum, **NONTRIVIAL_STATS)
    x = np.random.default_rng(0).normal(3.0, 2.0, (16, 4)).astype(np.float32)
    layer.build((None, 4))
    gamma, beta, mean0, var0 = layer.get_weights()
    out = layer(x, training=True)
    np.testing.assert_allclose(out, np_batch_norm_training(x, gamma, beta), rtol=1e-4, atol=1e-5)
    # moving = moving * momentum + batch * (1 - momentum), with the biased variance.
    _, _, mean1, var1 = layer.get_weights()
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean1, mean0 * momentum + x64.mean(0) * (1 - momentum), rtol=1e-5)
    np.testing.assert_allclose(var1, var0 * momentum + x64.var(0) * (1 - momentum), rtol=1e-5)
    # Gamma and beta are not touched by the forward pass.
    np.testing.assert_array_equal(layer.gamma.numpy(), gamma)


def test_batch_norm_training_output_is_normalised_per_channel():
    layer = layers.BatchNormalization(axis=1)
    x = np.random.default_rng(1).normal(5.0, 3.0, (8, 3, 4, 4)).astype(np.float32)
    out = np.asarray(layer(x, training=True), np.float64)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), np.zeros(3), atol=1e-5)
    # The variance is var / (var + epsilon), just under 1.
    var = x.astype(np.float64).var(axis=(0, 2, 3))
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), var / (var + 1e-3), rtol=1e-4)


def test_batch_norm_in_a_graph_called_with_training_true_uses_batch_statistics():
    layer = layers.BatchNormalization(**NONTRIVIAL_STATS)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layer(inputs))
    x = np.random.default_rng(2).normal(1.0, 2.0, (10, 3)).astype(np.float32)
    gamma, beta = layer.gamma.numpy(), layer.beta.numpy()
    np.testing.assert_allclose(
        model(x, training=True), np_batch_norm_training(x, gamma, beta), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(
        model(x, training=False), np_batch_norm_inference(x, layer.get_weights()), rtol=1e-5
    )


def test_frozen_batch_norm_runs_in_inference_mode_even_when_training():
    layer = layers.BatchNormalization(**NONTRIVIAL_STATS)
    x = np.random.default_rng(3).standard_normal((8, 2)).astype(np.float32)
    layer.build((None, 2))
    layer.trainable = False
    before = layer.get_weights()
    out = layer(x, training=True)
    np.testing.assert_allclose(out, np_batch_norm_inference(x, before), rtol=1e-5, atol=1e-6)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_weights_trainability():
    layer = layers.BatchNormalization()
    layer.build((None, 7))
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]
    assert layer.count_params() == 28
    np.testing.assert_array_equal(layer.gamma.numpy(), np.ones(7))
    np.testing.assert_array_equal(layer.beta.numpy(), np.zeros(7))
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(7))
    np.testing.assert_array_equal(layer.moving_variance.numpy(), np.ones(7))


@pytest.mark.parametrize("center, scale", [(False, True), (True, False), (False, False)])
def test_batch_norm_without_center_or_scale(center, scale):
    def reference(x, w):
        w = list(w)
        gamma = w.pop(0) if scale else np.ones(3)
        beta = w.pop(0) if center else np.zeros(3)
        return np_batch_norm_inference(x, [gamma, beta] + w)

    kwargs = dict(NONTRIVIAL_STATS, center=center, scale=scale)
    layer = run_layer_test(layers.BatchNormalization, kwargs, (4, 3), reference=reference)
    names = [w.name for w in layer.weights]
    assert ("gamma" in names) == scale
    assert ("beta" in names) == center


def test_batch_norm_config_defaults_match_keras():
    config = layers.BatchNormalization().get_config()
    assert config["axis"] == -1
    assert config["momentum"] == 0.99
    assert config["epsilon"] == 1e-3
    assert config["center"] is True and config["scale"] is True
    assert config["gamma_initializer"]["class_name"] == "Ones"
    assert config["moving_variance_initializer"]["class_name"] == "Ones"


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="'bn'.*axis=3"):
        layers.BatchNormalization(axis=3, name="bn")(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="'bn2'.*known size"):
        layers.BatchNormalization(name="bn2")(keras.Input((None,)))
    with pytest.raises(TypeError, match=r"'momentun'.*Did you mean 'momentum'\?"):
        layers.BatchNormalization(momentun=0.9)


# ------------------------------------------------------------ LayerNormalization


def np_layer_norm(x, weights, axes=(-1,), epsilon=1e-3, center=True, scale=True):
    x = np.asarray(x, np.float64)
    axes = tuple(sorted(a % x.ndim for a in axes))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    out = (x - mean) / np.sqrt(var + epsilon)
    shape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    w = list(weights)
    if scale:
        out = out * np.reshape(w.pop(0), shape)
    if center:
        out = out + np.reshape(w.pop(0), shape)
    return out


LN_PARAMS = {
    "gamma_initializer": initializers.RandomUniform(0.5, 1.5, seed=5),
    "beta_initializer": initializers.RandomNormal(stddev=0.5, seed=6),
}


@pytest.mark.parametrize(
    "axis, shape",
    [(-1, (4, 6)), (-1, (2, 3, 6)), (1, (2, 3, 6)), ([1, 2], (2, 3, 6)), ([-2, -1], (2, 3, 4, 5))],
)
def test_layer_norm(axis, shape):
    axes = axis if isinstance(axis, list) else [axis]
    layer = run_layer_test(
        layers.LayerNormalization,
        dict(LN_PARAMS, axis=axis),
        shape,
        reference=lambda x, w: np_layer_norm(x, w, axes=axes),
        value_range=(-3.0, 3.0),
    )
    assert layer.gamma.shape == tuple(shape[a] for a in sorted(a % len(shape) for a in axes))
    assert layer.get_config()["axis"] == axis


def test_layer_norm_known_values():
    out = layers.LayerNormalization(epsilon=0.0)(np.array([[1.0, 3.0], [2.0, 2.0 + 1e-3]]))
    np.testing.assert_allclose(out[0], [-1.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(out[1], [-1.0, 1.0], rtol=1e-2)


@pytest.mark.parametrize("center, scale", [(False, True), (True, False), (False, False)])
def test_layer_norm_without_center_or_scale(center, scale):
    layer = run_layer_test(
        layers.LayerNormalization,
        dict(LN_PARAMS, center=center, scale=scale, epsilon=1e-5),
        (3, 5),
        reference=lambda x, w: np_layer_norm(x, w, epsilon=1e-5, center=center, scale=scale),
    )
    assert len(layer.weights) == int(center) + int(scale)


def test_layer_norm_is_per_sample_so_training_does_not_matter():
    layer = layers.LayerNormalization()
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_array_equal(layer(x, training=True), layer(x, training=False))
    np.testing.assert_allclose(layer(x[:1]), np.asarray(layer(x))[:1], rtol=1e-6)


def test_layer_norm_config_defaults_match_keras():
    config = layers.LayerNormalization().get_config()
    assert config["axis"] == -1
    assert config["epsilon"] == 1e-3
    assert config["center"] is True and config["scale"] is True


def test_layer_norm_rms_scaling_divides_by_the_standard_deviation_as_keras():
    # Keras's deprecated rms_scaling: x / sqrt(var + eps) * gamma, no beta (its
    # Keras 3 outputs are in test_layers_normalization_more.py).
    assert layers.LayerNormalization(rms_scaling=False).get_config()["rms_scaling"] is False
    with pytest.warns(UserWarning, match="deprecated"):
        layer = layers.LayerNormalization(rms_scaling=True, name="ln_rms")
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    expected = x / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.weights] == ["gamma"]


def test_layer_norm_errors():
    with pytest.raises(ValueError, match="'ln'.*axis=3"):
        layers.LayerNormalization(axis=3, name="ln")(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="'ln2'.*known sizes"):
        layers.LayerNormalization(name="ln2")(keras.Input((None,)))
    with pytest.raises(TypeError, match=r"'epsilonn'.*Did you mean 'epsilon'\?"):
        layers.LayerNormalization(epsilonn=1e-5)
