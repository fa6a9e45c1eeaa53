"""`keras.ops.custom_gradient` (issue 14): the user's `grad_fn` replaces the
rules of the function's ops, under a `GradientTape` and in compiled training
steps, with closures over intermediate results and weights."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import pykeras as keras
from pykeras import ops
from pykeras.errors import ShapeError


def log1pexp_keras_form(x):
    # Keras's backend-agnostic example.
    e = ops.exp(x)

    def grad(*args, upstream=None):
        if upstream is None:
            (upstream,) = args
        return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

    return ops.log(1 + e), grad


def log1pexp_jax_form(x):
    e = ops.exp(x)

    def grad(upstream):
        return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

    return ops.log(1 + e), grad


def log1pexp_torch_form(x):
    e = ops.exp(x)

    def grad(*args, upstream):
        return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

    return ops.log(1 + e), grad


FORMS = [log1pexp_keras_form, log1pexp_jax_form, log1pexp_torch_form]


def tape_gradient(fn, x, weight=None):
    v = keras.Variable(x)
    with keras.GradientTape() as tape:
        y = fn(v)
        y = ops.sum(y if weight is None else y * weight)
    return np.asarray(tape.gradient(y, v))


@settings(max_examples=25, deadline=None)
@given(
    x=arrays(np.float32, st.integers(1, 6), elements=st.floats(-20, 20, width=32)),
    form=st.sampled_from(FORMS),
)
def test_tape_uses_grad_fn_in_every_calling_form(x, form):
    got = tape_gradient(ops.custom_gradient(form), x, weight=np.float32(2.0))
    want = 2.0 * (1.0 - 1.0 / (1.0 + np.exp(x.astype(np.float64))))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@ops.custom_gradient
def clip_gradient(x):
    def grad(upstream):
        return ops.clip(upstream, -0.1, 0.1)

    return x * 1.0, grad


def test_grad_fn_replaces_the_rules_of_the_functions_ops():
    # The function is the identity; its gradient is the clipped upstream.
    x = np.array([1.0, -2.0, 3.0], np.float32)
    np.testing.assert_allclose(tape_gradient(clip_gradient, x, np.float32(5.0)), [0.1] * 3)
    np.testing.assert_allclose(tape_gradient(lambda v: v * 1.0, x, np.float32(5.0)), [5.0] * 3)


def test_without_a_tape_the_value_is_returned():
    x = np.array([0.0, 1.0], np.float32)
    y = ops.custom_gradient(log1pexp_jax_form)(x)
    np.testing.assert_allclose(y, np.log1p(np.exp(x)), rtol=1e-6)


@ops.custom_gradient
def scaled_product(a, b):
    # d/da = upstream * b * 10 (not b), and no gradient for b.
    def grad(upstream):
        return upstream * b * 10.0, None

    return a * b, grad


def test_several_arguments_and_a_missing_gradient():
    a = keras.Variable(np.array([1.0, 2.0], np.float32))
    b = keras.Variable(np.array([3.0, 4.0], np.float32))
    with keras.GradientTape() as tape:
        y = ops.sum(scaled_product(a, b))
    ga, gb = tape.gradient(y, [a, b])
    np.testing.assert_allclose(ga, [30.0, 40.0])
    # None from grad_fn is a zero gradient, as on Keras's JAX backend.
    np.testing.assert_array_equal(gb, [0.0, 0.0])


@ops.custom_gradient
def reverse_gradient(x):
    def grad(upstream):
        return -upstream

    return x * 1.0, grad


@keras.saving.register_keras_serializable(package="test_custom_gradient")
class GradientReversal(keras.layers.Layer):
    def call(self, x):
        return reverse_gradient(x)


def two_dense(middle=None):
    keras.utils.set_random_seed(0)
    layers = [keras.Input((3,)), keras.layers.Dense(4, name="first")]
    layers += [middle] if middle is not None else []
    layers += [keras.layers.Dense(1, name="last")]
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def test_fit_runs_grad_fn_in_the_compiled_step(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    reversed_model = two_dense(GradientReversal())
    plain = two_dense()
    plain.set_weights(reversed_model.get_weights())
    start = [w.copy() for w in reversed_model.get_weights()]
    reversed_model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    plain.fit(x, y, batch_size=16, epochs=1, verbose=0)
    got, want = reversed_model.get_weights(), plain.get_weights()
    # Below the reversal every update is negated; above it, unchanged.
    for i in (0, 1):
        np.testing.assert_allclose(got[i] - start[i], -(want[i] - start[i]), atol=1e-6)
    for i in (2, 3):
        np.testing.assert_allclose(got[i], want[i], atol=1e-6)
    path = tmp_path / "reversal.keras"
    reversed_model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), reversed_model.predict(x, verbose=0))


class ScaledByKernel(keras.layers.Layer):
    """Identity forward; the gradient is scaled by a weight grad_fn closes over."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(), initializer="ones", trainable=False)

    def call(self, x):
        scale = self.scale

        @ops.custom_gradient
        def scaled(v):
            def grad(upstream):
                return upstream * scale

            return v * 1.0, grad

        return scaled(x)


def test_grad_fn_reads_weights_of_the_current_step():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    layer = ScaledByKernel()
    model = two_dense(layer)
    reference = two_dense()
    reference.set_weights([w for w in model.get_weights() if w.shape != ()])
    layer.scale.assign(3.0)
    start = model.get_weights()[0].copy()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    reference.fit(x, y, batch_size=8, epochs=1, verbose=0)
    np.testing.assert_allclose(
        model.get_weights()[0] - start,
        3.0 * (reference.get_weights()[0] - start),
        rtol=1e-5,
        atol=1e-6,
    )


def test_symbolic_calls_give_shapes_and_summary_works():
    model = two_dense(GradientReversal())
    assert model.output_shape == (None, 1)
    model.summary()


def test_bad_uses_raise_clear_errors():
    x = keras.Variable(np.ones(3, np.float32))

    @ops.custom_gradient
    def no_grad_fn(v):
        return v * 2.0

    @ops.custom_gradient
    def wrong_count(v):
        return v * 2.0, lambda upstream: (upstream, upstream)

    @ops.custom_gradient
    def wrong_shape(v):
        return v * 2.0, lambda upstream: ops.sum(upstream, keepdims=True)

    @ops.custom_gradient
    def two_results(v):
        return (v, v), lambda upstream: upstream

    for fn, error, match in [
        (no_grad_fn, ValueError, r"return `\(result, grad_fn\)`"),
        (wrong_count, ValueError, "one gradient per argument"),
        (wrong_shape, ShapeError, r"gradient of shape \(3,\)"),
        (two_results, ValueError, "one tensor result"),
    ]:
        with keras.GradientTape() as tape, pytest.raises(error, match=match):
            tape.watch(x)
            fn(x)
    with pytest.raises(TypeError, match="outside a layer"):
        reverse_gradient(keras.Input((3,)))
    with pytest.raises(TypeError, match="expected a function"):
        ops.custom_gradient(3)


def test_onnx_export_runs_the_forward_value(tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    model = two_dense(GradientReversal())
    path = str(tmp_path / "reversal.onnx")
    model.export(path, format="onnx", verbose=False)
    session = onnxruntime.InferenceSession(path)
    x = np.random.default_rng(2).normal(size=(4, 3)).astype("float32")
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
