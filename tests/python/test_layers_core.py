"""Core layers against numpy: InputLayer, Dense, Activation, Dropout, Embedding, Lambda.

Also the initializer defaults, seeded initializers, and the argument errors
every layer shares (non-positive sizes, wrong input rank, unknown kwargs).
"""

import math

import numpy as np
import pytest
from layer_test import run_layer_test

import pykeras as keras
from pykeras import layers


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_dense(x, weights, activation=lambda y: y):
    kernel = weights[0]
    y = np.asarray(x, np.float64) @ kernel
    if len(weights) > 1:
        y = y + weights[1]
    return activation(y)


# ------------------------------------------------------------------ InputLayer


def test_input_shapes_dtype_and_name():
    x = keras.Input(shape=(3,), name="features")
    assert x.shape == (None, 3)
    assert x.dtype == "float32"
    assert x.name == "features"
    assert keras.Input(shape=3).shape == (None, 3)
    assert keras.Input(shape=(3,), batch_size=4).shape == (4, 3)
    assert keras.Input(batch_shape=(None, 2, 5)).shape == (None, 2, 5)
    assert keras.Input(shape=(None, 3)).shape == (None, None, 3)
    assert keras.Input(shape=(7,), dtype="int32").dtype == "int32"


def test_input_layer_is_built_has_no_weights_and_owns_its_tensor():
    layer = layers.InputLayer(shape=(2, 3), name="image")
    assert layer.built
    assert layer.weights == []
    assert layer.count_params() == 0
    assert layer.batch_shape == (None, 2, 3)
    assert layer.output_tensor.shape == (None, 2, 3)
    assert layer.output_tensor._keras_history[0] is layer
    assert layer.compute_output_shape((None, 2, 3)) == (None, 2, 3)


def test_input_layer_config_round_trip():
    layer = layers.InputLayer(shape=(4,), batch_size=8, dtype="int64", name="ids")
    config = layer.get_config()
    assert config == {"batch_shape": [8, 4], "dtype": "int64", "name": "ids"}
    clone = layers.InputLayer.from_config(config)
    assert clone.batch_shape == (8, 4)
    assert clone.input_dtype == "int64"
    assert clone.output_tensor.dtype == "int64"


def test_input_layer_from_keras2_config():
    config = {"batch_input_shape": [None, 5], "dtype": "float32", "name": "old", "sparse": False}
    layer = layers.InputLayer.from_config(config)
    assert layer.batch_shape == (None, 5)
    assert layer.name == "old"


def test_identity_model_on_an_input_passes_data_through():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, inputs)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert isinstance(model.layers[0], layers.InputLayer)


def test_input_without_shape_is_a_value_error():
    with pytest.raises(ValueError, match="shape"):
        keras.Input()
    with pytest.raises(ValueError, match="shape"):
        layers.InputLayer()


def test_input_with_negative_size_is_a_value_error():
    with pytest.raises(ValueError, match=r"Received: shape=\(-3,\)"):
        keras.Input(shape=(-3,))


# ------------------------------------------------------------------ Dense


def test_dense_matches_numpy():
    run_layer_test(
        layers.Dense,
        {"units": 4},
        (3, 5),
        reference=lambda x, w: np_dense(x, w),
        expected_output_shape=(3, 4),
    )


def test_dense_on_rank3_input_contracts_the_last_axis():
    layer = run_layer_test(
        layers.Dense,
        {"units": 3, "activation": "relu"},
        (2, 4, 5),
        reference=lambda x, w: np.maximum(np_dense(x, w), 0),
        expected_output_shape=(2, 4, 3),
    )
    assert layer.kernel.shape == (5, 3)


def test_dense_on_rank4_input():
    run_layer_test(
        layers.Dense,
        {"units": 2},
        (2, 3, 4, 5),
        reference=lambda x, w: np_dense(x, w),
        expected_output_shape=(2, 3, 4, 2),
    )


def test_dense_without_bias_has_only_a_kernel():
    layer = run_layer_test(
        layers.Dense,
        {"units": 3, "use_bias": False},
        (4, 5),
        reference=lambda x, w: np.asarray(x, np.float64) @ w[0],
    )
    assert [w.name for w in layer.weights] == ["kernel"]
    assert layer.bias is None
    assert layer.count_params() == 15
    assert layer.get_config()["use_bias"] is False


@pytest.mark.parametrize(
    "name, fn",
    [
        ("linear", lambda y: y),
        ("relu", lambda y: np.maximum(y, 0)),
        ("sigmoid", np_sigmoid),
        ("tanh", np.tanh),
        ("softmax", np_softmax),
        ("softplus", lambda y: np.log1p(np.exp(y))),
        ("elu", lambda y: np.where(y > 0, y, np.expm1(y))),
    ],
)
def test_dense_activation_by_name(name, fn):
    layer = run_layer_test(
        layers.Dense,
        {"units": 4, "activation": name},
        (3, 6),
        reference=lambda x, w: np_dense(x, w, fn),
        value_range=(-2.0, 2.0),
    )
    assert layer.get_config()["activation"] == name


def test_dense_activation_as_a_keras_function_serializes_by_name():
    layer = run_layer_test(
        layers.Dense,
        {"units": 4, "activation": keras.activations.tanh},
        (3, 6),
        reference=lambda x, w: np_dense(x, w, np.tanh),
    )
    assert layer.get_config()["activation"] == "tanh"
    assert layers.Dense.from_config(layer.get_config()).activation is keras.activations.tanh


def test_dense_activation_as_a_custom_callable_runs_eagerly_and_in_the_graph():
    def shifted_relu(x):
        return keras.ops.relu(keras.ops.subtract(x, 0.25))

    layer = layers.Dense(4, activation=shifted_relu)
    x = np.random.default_rng(1).uniform(-1, 1, (3, 6)).astype(np.float32)
    eager = layer(x)
    expected = np.maximum(np_dense(x, layer.get_weights()) - 0.25, 0)
    np.testing.assert_allclose(eager, expected, rtol=1e-5, atol=1e-6)
    inputs = keras.Input(shape=(6,))
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert layer.get_config()["activation"] == "shifted_relu"


def test_dense_unknown_activation_name_suggests_the_close_one():
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        layers.Dense(3, activation="rellu")


def test_dense_initializers_regularizers_constraints_by_name():
    layer = layers.Dense(
        3,
        kernel_initializer="he_normal",
        bias_initializer="ones",
        kernel_regularizer="l2",
        bias_regularizer="l1",
        kernel_constraint="non_neg",
        bias_constraint="max_norm",
    )
    layer.build((None, 4))
    assert isinstance(layer.kernel_initializer, keras.initializers.HeNormal)
    assert isinstance(layer.kernel_regularizer, keras.regularizers.L2)
    assert isinstance(layer.bias_regularizer, keras.regularizers.L1)
    assert isinstance(layer.kernel_constraint, keras.constraints.NonNeg)
    assert isinstance(layer.bias_constraint, keras.constraints.MaxNorm)
    # The weights carry their regularizers and constraints for training.
    assert layer.kernel.regularizer is layer.kernel_regularizer
    assert layer.bias.constraint is layer.bias_constraint
    np.testing.assert_array_equal(layer.bias.numpy(), np.ones(3, np.float32))
    config = layer.get_config()
    assert config["kernel_initializer"] == {
        "module": "keras.initializers",
        "class_name": "HeNormal",
        "config": {"seed": None, "input_axes": None, "output_axes": None},
        "registered_name": None,
    }
    assert config["kernel_regularizer"] == {
        "module": "keras.regularizers",
        "class_name": "L2",
        "config": {"l2": 0.01},
        "registered_name": None,
    }
    assert config["kernel_constraint"]["class_name"] == "NonNeg"


def test_dense_initializers_regularizers_constraints_as_objects_round_trip():
    kwargs = {
        "units": 3,
        "kernel_initializer": keras.initializers.RandomNormal(mean=0.5, stddev=0.1, seed=3),
        "bias_initializer": keras.initializers.Constant(0.25),
        "kernel_regularizer": keras.regularizers.L1L2(l1=0.1, l2=0.2),
        "bias_regularizer": keras.regularizers.L2(0.3),
        "kernel_constraint": keras.constraints.MaxNorm(max_value=3.0, axis=0),
        "bias_constraint": keras.constraints.UnitNorm(axis=0),
    }
    layer = run_layer_test(layers.Dense, kwargs, (4, 5), reference=lambda x, w: np_dense(x, w))
    np.testing.assert_array_equal(layer.bias.numpy(), np.full(3, 0.25, np.float32))
    config = layer.get_config()
    assert config["kernel_initializer"]["config"] == {"mean": 0.5, "stddev": 0.1, "seed": 3}
    assert config["bias_initializer"]["config"] == {"value": 0.25}
    assert config["kernel_regularizer"]["config"] == {"l1": 0.1, "l2": 0.2}
    assert config["kernel_constraint"]["config"] == {"max_value": 3.0, "axis": 0}
    clone = layers.Dense.from_config(config)
    assert isinstance(clone.kernel_regularizer, keras.regularizers.L1L2)
    assert clone.kernel_regularizer.l2 == 0.2
    assert isinstance(clone.bias_constraint, keras.constraints.UnitNorm)
    assert clone.kernel_initializer.seed == 3
    # A seeded initializer rebuilt from the config draws the same kernel.
    clone.build((None, 5))
    np.testing.assert_array_equal(clone.kernel.numpy(), layer.kernel.numpy())


def test_dense_accepts_initializer_config_dicts():
    layer = layers.Dense(
        2,
        kernel_initializer={"class_name": "Constant", "config": {"value": 2.0}},
        kernel_regularizer={"class_name": "L1", "config": {"l1": 0.5}},
    )
    layer.build((None, 3))
    np.testing.assert_array_equal(layer.kernel.numpy(), np.full((3, 2), 2.0, np.float32))
    assert layer.kernel_regularizer.l1 == 0.5


def test_dense_set_weights_then_numpy():
    layer = layers.Dense(2)
    layer.build((None, 3))
    kernel = np.arange(6, dtype=np.float32).reshape(3, 2)
    bias = np.array([1.0, -1.0], np.float32)
    layer.set_weights([kernel, bias])
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    np.testing.assert_allclose(layer(x), x @ kernel + bias)


def test_dense_set_weights_with_wrong_shape_names_the_layer():
    layer = layers.Dense(2, name="head")
    layer.build((None, 3))
    with pytest.raises(ValueError, match="head"):
        layer.set_weights([np.zeros((4, 2)), np.zeros(2)])
    with pytest.raises(ValueError, match="expected 2 weights"):
        layer.set_weights([np.zeros((3, 2))])


# ------------------------------------------------------------------ initializers


def test_dense_default_kernel_is_glorot_uniform_and_bias_zeros():
    fan_in, fan_out = 300, 200
    layer = layers.Dense(fan_out)
    layer.build((None, fan_in))
    kernel = layer.kernel.numpy()
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    assert kernel.shape == (fan_in, fan_out)
    assert np.abs(kernel).max() <= limit
    # 60k uniform draws fill the range: the extremes come close to the limit.
    assert np.abs(kernel).max() > 0.99 * limit
    assert abs(kernel.mean()) < 0.02 * limit
    # The variance of U(-l, l) is l^2 / 3 = 2 / (fan_in + fan_out).
    np.testing.assert_allclose(kernel.var(), 2.0 / (fan_in + fan_out), rtol=0.05)
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(fan_out, np.float32))
    config = layer.get_config()
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["bias_initializer"]["class_name"] == "Zeros"


def test_glorot_uniform_limit_uses_receptive_field_for_conv_kernels():
    init = keras.initializers.GlorotUniform(seed=0)
    values = init((3, 3, 16, 32))
    fan_in, fan_out = 3 * 3 * 16, 3 * 3 * 32
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(values).max() <= limit
    assert np.abs(values).max() > 0.99 * limit


def test_seeded_initializers_are_reproducible():
    for cls in (
        keras.initializers.GlorotUniform,
        keras.initializers.GlorotNormal,
        keras.initializers.HeNormal,
        keras.initializers.RandomUniform,
        keras.initializers.RandomNormal,
        keras.initializers.TruncatedNormal,
        keras.initializers.Orthogonal,
    ):
        a = cls(seed=42)((6, 5))
        b = cls(seed=42)((6, 5))
        c = cls(seed=43)((6, 5))
        np.testing.assert_array_equal(a, b, err_msg=cls.__name__)
        assert not np.array_equal(a, c), cls.__name__
        assert a.dtype == np.float32


def test_two_dense_layers_with_the_same_seeded_initializer_match():
    first = layers.Dense(4, kernel_initializer=keras.initializers.GlorotUniform(seed=7))
    second = layers.Dense(4, kernel_initializer=keras.initializers.GlorotUniform(seed=7))
    first.build((None, 3))
    second.build((None, 3))
    np.testing.assert_array_equal(first.kernel.numpy(), second.kernel.numpy())
    unseeded = [layers.Dense(4) for _ in range(2)]
    for layer in unseeded:
        layer.build((None, 3))
    assert not np.array_equal(unseeded[0].kernel.numpy(), unseeded[1].kernel.numpy())


def test_global_seed_makes_unseeded_initializers_repeat():
    keras.utils.set_random_seed(123)
    a = layers.Dense(4)
    a.build((None, 3))
    keras.utils.set_random_seed(123)
    b = layers.Dense(4)
    b.build((None, 3))
    np.testing.assert_array_equal(a.kernel.numpy(), b.kernel.numpy())


# ------------------------------------------------------------------ Activation


@pytest.mark.parametrize(
    "name, fn",
    [
        ("relu", lambda x: np.maximum(x, 0)),
        ("sigmoid", np_sigmoid),
        ("tanh", np.tanh),
        ("softmax", np_softmax),
        ("softsign", lambda x: x / (1 + np.abs(x))),
        (
            "selu",
            lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
        ),
        ("silu", lambda x: x * np_sigmoid(x)),
        ("exponential", np.exp),
        ("linear", lambda x: x),
    ],
)
def test_activation_layer_matches_numpy(name, fn):
    layer = run_layer_test(
        layers.Activation,
        {"activation": name},
        (3, 4, 5),
        reference=lambda x, w: fn(np.asarray(x, np.float64)),
        value_range=(-3.0, 3.0),
    )
    assert layer.get_config()["activation"] == name
    assert layer.weights == []


def test_activation_layer_with_a_callable():
    layer = layers.Activation(keras.activations.relu)
    np.testing.assert_array_equal(layer(np.array([[-1.0, 2.0]])), [[0.0, 2.0]])
    assert layer.get_config()["activation"] == "relu"


# ------------------------------------------------------------------ Dropout


def test_dropout_inference_is_the_identity():
    run_layer_test(
        layers.Dropout,
        {"rate": 0.5, "seed": 1},
        (4, 6),
        reference=lambda x, w: x,
    )
    layer = layers.Dropout(0.9)
    x = np.random.default_rng(0).standard_normal((3, 7)).astype(np.float32)
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer(x, training=False), x)


def test_dropout_training_zeroes_and_scales():
    rate = 0.25
    layer = layers.Dropout(rate, seed=3)
    x = np.random.default_rng(0).uniform(1, 2, (50, 200)).astype(np.float32)
    out = np.asarray(layer(x, training=True))
    dropped = out == 0
    kept = ~dropped
    # Survivors are scaled by 1 / (1 - rate); the rest are exactly zero.
    np.testing.assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-6)
    # 10k draws: the dropped fraction is within a few standard deviations of rate.
    assert abs(dropped.mean() - rate) < 0.02
    # The mean is preserved in expectation.
    assert abs(out.mean() / x.mean() - 1) < 0.03


def test_dropout_training_draws_a_new_mask_each_call():
    layer = layers.Dropout(0.5, seed=3)
    x = np.ones((10, 100), np.float32)
    first = np.asarray(layer(x, training=True))
    second = np.asarray(layer(x, training=True))
    assert set(np.unique(first)) == {0.0, 2.0}
    assert not np.array_equal(first, second)


def test_dropout_rate_zero_is_the_identity_even_while_training():
    layer = run_layer_test(layers.Dropout, {"rate": 0.0}, (4, 5), reference=lambda x, w: x)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_array_equal(layer(x, training=True), x)


def test_dropout_called_with_training_true_acts_the_same_in_graph_and_eager_runs():
    inputs = keras.Input((200,))
    model = keras.Model(inputs, layers.Dropout(0.5, seed=1)(inputs, training=True))
    x = np.ones((4, 200), np.float32)
    graph = set(np.unique(model.predict(x, verbose=0)))
    model.run_eagerly = True
    eager = set(np.unique(model.predict(x, verbose=0)))
    assert graph == eager


def test_dropout_config():
    config = layers.Dropout(0.3, seed=5, name="drop").get_config()
    assert config["rate"] == 0.3
    assert config["seed"] == 5
    assert config["noise_shape"] is None
    assert config["name"] == "drop"


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "half"])
def test_dropout_invalid_rate(rate):
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(rate, name="bad_drop")


# ------------------------------------------------------------------ Embedding


def np_embedding(ids, weights):
    return weights[0][np.asarray(ids, np.int64)]


def test_embedding_int_ids():
    layer = run_layer_test(
        layers.Embedding,
        {"input_dim": 10, "output_dim": 3},
        (4, 5),
        input_dtype="int64",
        value_range=(0, 10),
        reference=np_embedding,
        expected_output_shape=(4, 5, 3),
    )
    assert layer.embeddings.shape == (10, 3)
    assert layer.count_params() == 30


def test_embedding_default_initializer_is_uniform_0_05():
    layer = layers.Embedding(1000, 20)
    layer.build((None, 3))
    table = layer.embeddings.numpy()
    assert np.abs(table).max() <= 0.05
    assert np.abs(table).max() > 0.049
    assert layer.get_config()["embeddings_initializer"]["class_name"] == "RandomUniform"


def test_embedding_float_whole_valued_ids():
    layer = layers.Embedding(6, 2)
    ids = np.array([[0.0, 5.0, 2.0]])
    out = layer(ids)
    np.testing.assert_array_equal(out, layer.embeddings.numpy()[[0, 5, 2]][None])
    # In a model with the default float32 Input, as in many Keras examples.
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_array_equal(model.predict(ids, verbose=0), out)


def test_embedding_int32_input_in_a_model():
    layer = layers.Embedding(6, 2)
    inputs = keras.Input(shape=(None,), dtype="int32")
    model = keras.Model(inputs, layer(inputs))
    ids = np.array([[1, 2, 3, 4], [5, 0, 0, 1]], np.int32)
    np.testing.assert_array_equal(
        model.predict(ids, verbose=0), layer.embeddings.numpy()[ids.astype(np.int64)]
    )


def test_embedding_fractional_ids_are_refused():
    with pytest.raises(ValueError, match="whole numbers"):
        layers.Embedding(6, 2)(np.array([[1.5, 2.0]]))


def test_embedding_out_of_range_ids_name_the_range():
    with pytest.raises(ValueError, match=r"\[0, 6\)"):
        layers.Embedding(6, 2)(np.array([[1, 6]]))
    with pytest.raises(ValueError, match=r"\[0, 6\)"):
        layers.Embedding(6, 2)(np.array([[-1, 0]]))


@pytest.mark.parametrize(
    "kwargs", [{"input_dim": 0, "output_dim": 2}, {"input_dim": 5, "output_dim": -1}]
)
def test_embedding_sizes_must_be_positive(kwargs):
    with pytest.raises(ValueError, match="'emb'.*positive"):
        layers.Embedding(name="emb", **kwargs)


# ------------------------------------------------------------------ Lambda


def run_lambda_contract(layer, x, expected):
    """Lambda's version of the shared contract: eager, symbolic, graph, numpy.

    (A lambda's code is not part of its config, as in Keras's safe mode, so the
    config round trip is checked separately.)
    """
    eager = np.asarray(layer(x))
    np.testing.assert_allclose(eager, expected, rtol=1e-5, atol=1e-6)
    inputs = keras.Input(shape=x.shape[1:])
    symbolic = layer(inputs)
    assert symbolic.shape == (None,) + eager.shape[1:]
    assert tuple(layer.compute_output_shape((None,) + x.shape[1:])) == symbolic.shape
    model = keras.Model(inputs, symbolic)
    np.testing.assert_allclose(model.predict(x, verbose=0), eager, rtol=1e-5, atol=1e-6)


def test_lambda_elementwise():
    x = np.random.default_rng(0).uniform(-1, 1, (3, 4)).astype(np.float32)
    run_lambda_contract(layers.Lambda(lambda t: t * 2.0 + 1.0), x, x * 2 + 1)


def test_lambda_changing_the_shape():
    x = np.random.default_rng(0).uniform(-1, 1, (3, 4, 5)).astype(np.float32)
    layer = layers.Lambda(lambda t: keras.ops.sum(t, axis=-1))
    run_lambda_contract(layer, x, x.sum(axis=-1))


def test_lambda_with_arguments():
    x = np.ones((2, 3), np.float32)
    layer = layers.Lambda(lambda t, k: t * k, arguments={"k": 3.0})
    run_lambda_contract(layer, x, x * 3)
    assert layer.get_config()["arguments"] == {"k": 3.0}


def test_lambda_with_output_shape_tuple_and_callable():
    layer = layers.Lambda(lambda t: t, output_shape=(4,))
    assert layer.compute_output_shape((None, 4)) == (None, 4)
    layer = layers.Lambda(lambda t: t, output_shape=lambda s: (s[0], s[1] * 2))
    assert layer.compute_output_shape((None, 4)) == (None, 8)


def test_lambda_on_a_list_of_inputs():
    a = keras.Input(shape=(2,))
    b = keras.Input(shape=(2,))
    out = layers.Lambda(lambda xs: xs[0] * xs[1])([a, b])
    model = keras.Model([a, b], out)
    result = model.predict([np.full((2, 2), 2.0), np.full((2, 2), 3.0)], verbose=0)
    np.testing.assert_array_equal(result, np.full((2, 2), 6.0))


def test_lambda_passes_training_to_functions_that_take_it():
    layer = layers.Lambda(lambda t, training=None: t * (2.0 if training else 1.0))
    x = np.ones((1, 2), np.float32)
    np.testing.assert_array_equal(layer(x, training=True), 2 * x)
    np.testing.assert_array_equal(layer(x), x)


def test_lambda_config_names_the_function():
    def double(t):
        return t * 2.0

    config = layers.Lambda(double, name="twice").get_config()
    assert config["function"] == "double"
    assert config["name"] == "twice"


def test_lambda_from_config_needs_the_function_back():
    def double(t):
        return t * 2.0

    config = layers.Lambda(double, arguments={}, name="twice2").get_config()
    with pytest.raises(ValueError, match=r"'twice2'.*stored by name only.*double"):
        layers.Lambda.from_config(config)
    config["function"] = double
    clone = layers.Lambda.from_config(config)
    np.testing.assert_array_equal(clone(np.ones((1, 2))), [[2.0, 2.0]])
    assert clone.get_config() == layers.Lambda(double, name="twice2").get_config()


def test_lambda_needs_a_callable():
    with pytest.raises(TypeError, match="callable"):
        layers.Lambda(3)


# ------------------------------------------------------------------ bad inputs


@pytest.mark.parametrize("units", [0, -3, 2.5, None, "3", True])
def test_dense_units_must_be_a_positive_int(units):
    with pytest.raises(ValueError, match=r"Layer 'fc'.*`units`.*positive integer"):
        layers.Dense(units, name="fc")


def test_dense_units_as_a_whole_float_is_accepted():
    assert layers.Dense(4.0).units == 4


def test_dense_wrong_rank_names_layer_expected_and_received():
    layer = layers.Dense(3, name="fc")
    with pytest.raises(ValueError) as info:
        layer(np.ones((3,), np.float32))
    message = str(info.value)
    assert "'fc'" in message
    assert "min_ndim=2" in message
    assert "ndim=1" in message
    assert "(3,)" in message


def test_dense_wrong_rank_on_a_symbolic_input():
    with pytest.raises(ValueError, match=r"'fc2'.*min_ndim=2.*\(None,\)"):
        layers.Dense(3, name="fc2")(keras.Input(batch_shape=(None,)))


def test_dense_last_axis_change_after_build_is_refused():
    layer = layers.Dense(2, name="fc3")
    layer(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"'fc3'.*axis -1.*value 3.*\(2, 4\)"):
        layer(np.ones((2, 4), np.float32))


def test_dense_unknown_last_axis_is_refused():
    with pytest.raises(ValueError, match="'fc4'.*last input dimension"):
        layers.Dense(2, name="fc4")(keras.Input(shape=(None,)))


@pytest.mark.parametrize(
    "cls, kwargs, good",
    [
        (layers.Dense, {"units": 3}, "activation"),
        (layers.Embedding, {"input_dim": 3, "output_dim": 2}, "input_dim"),
        (layers.Dropout, {"rate": 0.5}, "rate"),
    ],
)
def test_unknown_kwarg_is_a_type_error_with_a_suggestion(cls, kwargs, good):
    typo = {"activation": "activate", "input_dim": "inputdim", "rate": "rates"}[good]
    with pytest.raises(TypeError) as info:
        cls(**kwargs, **{typo: 1})
    message = str(info.value)
    assert f"'{typo}'" in message
    assert f"Did you mean '{good}'?" in message
    assert cls.__name__ in message


def test_activate_kwarg_suggests_activation():
    with pytest.raises(TypeError, match=r"'activate'.*Did you mean 'activation'\?"):
        layers.Dense(3, activate="relu")


def test_unknown_kwarg_without_close_match_has_no_suggestion():
    with pytest.raises(TypeError) as info:
        layers.Dense(3, zzzzzz=1)
    assert "zzzzzz" in str(info.value)
    assert "Did you mean" not in str(info.value)


def test_layer_name_must_be_a_string():
    with pytest.raises(TypeError, match="name"):
        layers.Dense(3, name=5)
