"""mixed_bfloat16 convolutions and training: bf16 products, float32 accuracy.

Convolutions under the policy are im2col + the bf16 GEMM: checked against the
float32 convolution of bf16-rounded inputs (the same exact products, summed in
another order). Accuracy: the seeds' MLP (784-512-10) and CNN
(Conv32-Pool-Conv64-Pool-Dense100-10) trained a few epochs under
"mixed_bfloat16" land within 0.5 points of float32 on held-out data. MNIST is
not cached offline here, so the data are synthetic MNIST-shaped images: ten
smooth class patterns (7x7 blocks upsampled to 28x28) under unit Gaussian
noise, hard enough that neither precision reaches 100%.
"""

import numpy as np
import pytest
from test_mixed_bfloat16 import round_bf16

import pykeras as keras
from pykeras import _core
from pykeras.ops._dispatch import run

PATHS = keras.config.cpu_info()["available_isas"]


@pytest.fixture(autouse=True)
def _restore():
    isa = keras.config.get_isa()
    yield
    keras.config.set_dtype_policy("float32")
    keras.config.set_isa(isa)


@pytest.mark.parametrize(
    "x_shape, k_shape, attrs",
    [
        ((2, 9, 8, 3), (3, 3, 3, 5), {"padding": "same"}),
        ((3, 12, 11, 16), (3, 2, 16, 40), {"strides": [2, 1]}),
        ((2, 6, 6, 7), (1, 1, 7, 9), {}),
        ((4, 30, 6), (5, 6, 3), {"padding": "same"}),
    ],
)
def test_convolutions_compute_bf16_products_forward_and_backward(x_shape, k_shape, attrs):
    op = "conv1d" if len(x_shape) == 3 else "conv2d"
    rng = np.random.default_rng(len(x_shape) + x_shape[-1])
    x = rng.normal(size=x_shape).astype(np.float32)
    k = rng.normal(size=k_shape).astype(np.float32)
    f32 = np.asarray(run(op, [round_bf16(x), round_bf16(k)], **attrs))
    g = rng.normal(size=f32.shape).astype(np.float32)
    ref_dx, ref_dk = _core.op_grad(op, [round_bf16(x), round_bf16(k)], round_bf16(g), attrs)
    exact_dx, exact_dk = _core.op_grad(op, [x, k], g, attrs)
    for path in PATHS:
        keras.config.set_isa(path)
        y = np.asarray(run(op, [x, k], precision="bfloat16", **attrs))
        np.testing.assert_allclose(y, f32, rtol=1e-5, atol=1e-4, err_msg=path)
        dx, dk = _core.op_grad(op, [x, k], g, {**attrs, "precision": "bfloat16"})
        np.testing.assert_allclose(dx, ref_dx, rtol=1e-5, atol=1e-4, err_msg=path)
        np.testing.assert_allclose(dk, ref_dk, rtol=1e-5, atol=1e-3, err_msg=path)
    # The rounding is visible against float32 products.
    assert np.abs(dk - exact_dk).max() > 1e-3 and np.abs(dx - exact_dx).max() > 1e-4


def test_conv_layers_under_the_policy_record_bf16_products():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    layer = keras.layers.Conv2D(4, 3, use_bias=False)
    x = np.random.default_rng(7).normal(size=(2, 7, 7, 3)).astype(np.float32)
    y = np.asarray(layer(x))
    kernel = np.asarray(layer.kernel)
    assert layer.compute_dtype == "bfloat16" and kernel.dtype == np.float32
    np.testing.assert_allclose(
        y, run("conv2d", [round_bf16(x), round_bf16(kernel)]), rtol=1e-5, atol=1e-5
    )


def synthetic_images(n, seed, signal):
    """MNIST-shaped (n, 28, 28) float32 images of 10 noisy smooth patterns, labels."""
    patterns = np.random.default_rng(99).normal(size=(10, 7, 7))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = signal * np.kron(patterns[y], np.ones((4, 4))) + rng.normal(size=(n, 28, 28))
    return x.astype(np.float32), y


def seed_model(kind):
    layers = keras.layers
    if kind == "mlp":
        stack = [
            keras.Input((784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    else:
        stack = [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(100, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    return keras.Sequential(stack)


@pytest.mark.parametrize(
    "kind, signal, samples, epochs", [("mlp", 0.12, 6000, 3), ("cnn", 0.15, 4000, 4)]
)
def test_seed_models_train_to_float32_accuracy_in_mixed_bfloat16(kind, signal, samples, epochs):
    x, y = synthetic_images(samples, 0, signal)
    x_test, y_test = synthetic_images(4000, 1, signal)
    shape = (-1, 784) if kind == "mlp" else (-1, 28, 28, 1)
    accuracy = {}
    for policy in ["float32", "mixed_bfloat16"]:
        keras.mixed_precision.set_global_policy(policy)
        keras.utils.set_random_seed(0)
        model = seed_model(kind)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x.reshape(shape), y, batch_size=128, epochs=epochs, verbose=0)
        assert all(w.dtype == "float32" for w in model.weights)
        accuracy[policy] = model.evaluate(x_test.reshape(shape), y_test, verbose=0)[1]
    assert accuracy["float32"] > 0.8, accuracy  # the task is learned at all
    assert abs(accuracy["mixed_bfloat16"] - accuracy["float32"]) <= 0.005, accuracy
