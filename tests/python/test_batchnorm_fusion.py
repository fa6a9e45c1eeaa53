"""BatchNormalization at inference fused with the convolution or Dense layer
before it and the activation after it (the planner's rewrite of predict
graphs): Keras 3's outputs (fixtures from
tests/reference/make_bnfuse_reference.py), the unfused eager outputs and a
NumPy batch norm agree, in both data formats and with a shared reader; a
training step still uses batch statistics and matches Keras's."""

import math
import pathlib
import sys

import numpy as np
import pytest

import pykeras as keras

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference"
sys.path.insert(0, str(REFERENCE))
import bnfuse_models  # noqa: E402

DATA = np.load(REFERENCE / "data" / "bnfuse.npz")
TOL = {"rtol": 1e-5, "atol": 1e-5}


def _model(name):
    model = bnfuse_models.build(keras, name)
    count = len(model.weights)
    model.set_weights([DATA[f"{name}/w{i}"] for i in range(count)])
    return model, DATA[f"{name}/x"]


def _activation(name, v):
    if name == "relu":
        return np.maximum(v, 0.0)
    if name == "relu6":
        return np.clip(v, 0.0, 6.0)
    if name == "swish":
        return v / (1.0 + np.exp(-v))
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-v))
    if name == "gelu":
        erf = np.vectorize(math.erf)
        return 0.5 * v * (1.0 + erf(v / np.sqrt(2.0)))
    assert name is None
    return v


@pytest.mark.parametrize("name", list(bnfuse_models.CASES))
def test_inference_matches_keras_and_the_unfused_ops(name):
    model, x = _model(name)
    fused = model.predict(x, batch_size=len(x), verbose=0)
    np.testing.assert_allclose(fused, DATA[f"{name}/predict"], **TOL)
    # Called eagerly, each layer runs its own ops: the unfused values.
    eager = np.asarray(model(x, training=False))
    np.testing.assert_allclose(fused, eager, **TOL)


@pytest.mark.parametrize("name", ["conv_relu_bias", "conv_first_swish", "conv_relu6_axis3"])
def test_inference_matches_a_numpy_batch_norm(name):
    data_format, _, _, axis, activation, _ = bnfuse_models.CASES[name]
    model, x = _model(name)
    linear = model.layers[1]
    bn = model.layers[2]
    h = np.asarray(linear(x)).astype(np.float64)
    gamma, beta, mean, var = (np.asarray(w.numpy(), np.float64) for w in bn.weights)
    shape = [1] * h.ndim
    shape[axis] = -1
    scale = gamma / np.sqrt(var + bn.epsilon)
    expected = (h - mean.reshape(shape)) * scale.reshape(shape) + beta.reshape(shape)
    expected = _activation(activation, expected)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, **TOL)


@pytest.mark.parametrize("name", ["conv_relu_bias", "conv_first_relu", "conv_shared_reader"])
def test_a_training_step_uses_batch_statistics_as_keras_does(name):
    model, x = _model(name)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.train_on_batch(x, DATA[f"{name}/target"])
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, DATA[f"{name}/trained{i}"], **TOL)
    # Inference after the step reads the updated moving statistics.
    bn = model.layers[2]
    assert not np.allclose(bn.moving_mean.numpy(), DATA[f"{name}/w{len(model.weights) - 2}"])
    eager = np.asarray(model(x, training=False))
    np.testing.assert_allclose(model.predict(x, verbose=0), eager, **TOL)


def test_predict_in_training_mode_batches_is_not_the_inference_result():
    # A frozen-statistics fusion must not leak into training=True calls.
    model, x = _model("conv_relu_bias")
    training = np.asarray(model(x, training=True))
    inference = model.predict(x, verbose=0)
    assert not np.allclose(training, inference, atol=1e-3)
    h = np.asarray(model.layers[1](x)).astype(np.float64)
    m, v = h.mean(axis=(0, 1, 2)), h.var(axis=(0, 1, 2))
    bn = model.layers[2]
    gamma, beta = bn.gamma.numpy(), bn.beta.numpy()
    expected = np.maximum((h - m) / np.sqrt(v + bn.epsilon) * gamma + beta, 0.0)
    np.testing.assert_allclose(training, expected, **TOL)
