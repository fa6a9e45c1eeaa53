"""Save / load / predict round trips: every layer, every file format, random
architectures drawn by hypothesis, and optimizer state that lets training resume."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras import layers

# name -> (layer factory, input shape(s) without the batch axis, input dtype)
LAYER_CASES = {
    "Dense": (
        lambda: layers.Dense(
            3, activation="relu", kernel_regularizer="l2", bias_constraint="non_neg"
        ),
        (4,),
    ),
    "Activation": (lambda: layers.Activation("tanh"), (4,)),
    "Embedding": (lambda: layers.Embedding(10, 3), (5,), "int32"),
    "Dropout": (lambda: layers.Dropout(0.5), (4,)),
    "Flatten": (lambda: layers.Flatten(), (3, 2)),
    "Reshape": (lambda: layers.Reshape((2, 3)), (6,)),
    "Permute": (lambda: layers.Permute((2, 1)), (3, 2)),
    "RepeatVector": (lambda: layers.RepeatVector(3), (4,)),
    "UpSampling2D": (lambda: layers.UpSampling2D(2), (3, 3, 2)),
    "ZeroPadding2D": (lambda: layers.ZeroPadding2D(((1, 0), (2, 1))), (3, 3, 2)),
    "Conv1D": (lambda: layers.Conv1D(2, 3, padding="same", activation="elu"), (6, 3)),
    "Conv2D": (lambda: layers.Conv2D(2, 3, strides=2, use_bias=False), (6, 6, 3)),
    "MaxPooling1D": (lambda: layers.MaxPooling1D(2), (6, 3)),
    "AveragePooling1D": (lambda: layers.AveragePooling1D(3, strides=1), (6, 3)),
    "MaxPooling2D": (lambda: layers.MaxPooling2D(2), (4, 4, 2)),
    "AveragePooling2D": (lambda: layers.AveragePooling2D(2, padding="same"), (5, 5, 2)),
    "GlobalAveragePooling1D": (lambda: layers.GlobalAveragePooling1D(), (5, 3)),
    "GlobalMaxPooling1D": (lambda: layers.GlobalMaxPooling1D(), (5, 3)),
    "GlobalAveragePooling2D": (lambda: layers.GlobalAveragePooling2D(), (4, 4, 2)),
    "GlobalMaxPooling2D": (lambda: layers.GlobalMaxPooling2D(keepdims=True), (4, 4, 2)),
    "BatchNormalization": (lambda: layers.BatchNormalization(momentum=0.9), (4,)),
    "LayerNormalization": (lambda: layers.LayerNormalization(epsilon=1e-4), (4,)),
    "ReLU": (lambda: layers.ReLU(max_value=0.5), (4,)),
    "LeakyReLU": (lambda: layers.LeakyReLU(negative_slope=0.2), (4,)),
    "ELU": (lambda: layers.ELU(alpha=0.5), (4,)),
    "Softmax": (lambda: layers.Softmax(), (4,)),
    "Add": (lambda: layers.Add(), [(4,), (4,)]),
    "Subtract": (lambda: layers.Subtract(), [(4,), (4,)]),
    "Multiply": (lambda: layers.Multiply(), [(4,), (4,)]),
    "Average": (lambda: layers.Average(), [(4,), (4,)]),
    "Maximum": (lambda: layers.Maximum(), [(4,), (4,)]),
    "Minimum": (lambda: layers.Minimum(), [(4,), (4,)]),
    "Concatenate": (lambda: layers.Concatenate(axis=-1), [(4,), (2,)]),
    "Dot": (lambda: layers.Dot(axes=1, normalize=True), [(4,), (4,)]),
}


def layer_model(name):
    """A Functional model around one layer of kind `name`, with random weights, and its inputs."""
    factory, shapes, *dtype = LAYER_CASES[name]
    dtype = dtype[0] if dtype else "float32"
    multi = isinstance(shapes, list)
    inputs = [keras.Input(s, dtype=dtype) for s in (shapes if multi else [shapes])]
    outputs = factory()(inputs if multi else inputs[0])
    model = keras.Model(inputs if multi else inputs[0], outputs)
    rng = np.random.default_rng(0)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in model.weights])
    data = [
        rng.integers(0, 10, (3, *s)) if dtype == "int32" else rng.normal(size=(3, *s))
        for s in (shapes if multi else [shapes])
    ]
    return model, (data if multi else data[0])


def assert_same_predictions(a, b, x):
    ya, yb = a.predict(x, verbose=0), b.predict(x, verbose=0)
    for u, v in zip(ya if isinstance(ya, list) else [ya], yb if isinstance(yb, list) else [yb]):
        np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_every_layer_round_trips_through_files(name, ext, tmp_path):
    model, x = layer_model(name)
    path = tmp_path / f"model{ext}"
    model.save(path)
    restored = keras.models.load_model(path)
    assert type(restored.layers[-1]).__name__ == type(model.layers[-1]).__name__
    assert restored.layers[-1].get_config() == model.layers[-1].get_config()
    assert_same_predictions(model, restored, x)


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_every_layer_round_trips_through_json_and_weights(name, tmp_path):
    model, x = layer_model(name)
    model.save_weights(tmp_path / "w.weights.h5")
    restored = keras.models.model_from_json(model.to_json())
    restored.load_weights(tmp_path / "w.weights.h5")
    assert_same_predictions(model, restored, x)


def test_sequential_with_keras2_input_shape_round_trips(tmp_path):
    model = keras.Sequential(
        [layers.Dense(4, input_shape=(3,), activation="relu"), layers.Dense(2)], name="seq"
    )
    x = np.random.default_rng(1).normal(size=(5, 3))
    for ext in (".keras", ".h5"):
        model.save(tmp_path / f"m{ext}")
        restored = keras.models.load_model(tmp_path / f"m{ext}")
        assert isinstance(restored, keras.Sequential)
        assert restored.name == "seq"
        assert restored.input_shape == (None, 3)
        assert_same_predictions(model, restored, x)
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert "batch_input_shape" not in config["layers"][1]["config"]


def test_unbuilt_sequential_config_round_trips():
    model = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    restored = keras.Model.from_config(model.get_config())
    assert isinstance(restored, keras.Sequential)
    assert [type(layer) for layer in restored.layers] == [layers.Dense, layers.Dense]
    assert not restored.built


def test_nested_shared_and_multi_io_models_round_trip(tmp_path):
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, layers.Dense(3)(inner_in), name="inner")
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    shared = layers.Dense(4, name="shared")
    x = layers.Concatenate()([inner(shared(a)), inner(shared(b))])
    model = keras.Model({"a": a, "b": b}, [layers.Dense(1, name="o1")(x), x], name="multi")
    data = {"a": np.ones((2, 4)), "b": np.arange(8.0).reshape(2, 4)}
    for ext in (".keras", ".h5"):
        model.save(tmp_path / f"m{ext}")
        restored = keras.models.load_model(tmp_path / f"m{ext}")
        assert restored.get_layer("shared")._inbound_nodes.__len__() == 2
        assert_same_predictions(model, restored, data)


def test_ops_on_symbolic_tensors_round_trip(tmp_path):
    """Ops Keras also has are written as Keras 3 ops; the rest as pykeras op layers."""
    inputs = keras.Input((3,), name="x")
    hidden = layers.Dense(3, name="d")(inputs)
    y = keras.ops.relu(inputs * 2.0 + hidden) - np.array([0.5, 1.0, 1.5], "float32")
    z = keras.ops.pad(keras.ops.softmax(y, axis=-1), [[0, 0], [1, 2]])
    model = keras.Model(inputs, [1.0 - keras.ops.mean(y, axis=1), z])
    modules = {entry["module"] for entry in model.get_config()["layers"]}
    assert modules == {"keras.layers", "keras.src.ops.numpy", "keras.src.ops.nn", "pykeras.layers"}
    x = np.random.default_rng(0).normal(size=(4, 3))
    for ext in (".keras", ".h5"):
        model.save(tmp_path / f"m{ext}")
        assert_same_predictions(model, keras.models.load_model(tmp_path / f"m{ext}"), x)
    clone = keras.models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    assert_same_predictions(model, clone, x)


def compiled_model(optimizer):
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    hidden = layers.BatchNormalization()(hidden)
    model = keras.Model(inputs, layers.Dense(1)(hidden))
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model


@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: keras.optimizers.Adam(0.01),
        lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        lambda: keras.optimizers.RMSprop(0.01, centered=True),
    ],
    ids=["adam", "sgd", "rmsprop"],
)
@pytest.mark.parametrize("ext", [".keras", ".h5", ".weights.h5"])
def test_training_resumes_where_it_stopped(optimizer, ext, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = compiled_model(optimizer())
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    path = tmp_path / f"model{ext}"
    if ext == ".weights.h5":
        model.save_weights(path)
        restored = compiled_model(optimizer())
        restored.load_weights(path)
    else:
        model.save(path)
        restored = keras.models.load_model(path)
    assert int(restored.optimizer.iterations) == int(model.optimizer.iterations) == 8
    for a, b in zip(model.optimizer.get_weights(), restored.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    restored.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_compile_false_and_compiled_settings(tmp_path):
    model = compiled_model("adam")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.003),
        loss=keras.losses.Huber(delta=0.5),
        metrics=[keras.metrics.MeanAbsoluteError(), "mse"],
    )
    model.save(tmp_path / "m.keras")
    uncompiled = keras.models.load_model(tmp_path / "m.keras", compile=False)
    assert not uncompiled.compiled
    restored = keras.models.load_model(tmp_path / "m.keras")
    assert restored.compiled
    assert restored.optimizer.get_config() == model.optimizer.get_config()
    assert isinstance(restored.loss, keras.losses.Huber)
    assert restored.loss.get_config() == model.loss.get_config()
    assert restored.get_compile_config() == model.get_compile_config()


@keras.saving.register_keras_serializable(package="tests")
class Scale(layers.Layer):
    """A registered custom layer with a weight and a constructor argument."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Unregistered(Scale):
    pass


def test_registered_custom_layer_round_trips(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, Scale(3.0)(inputs))
    model.layers[1].set_weights([np.array([1.0, 2.0, 3.0])])
    entry = model.get_config()["layers"][1]
    assert entry["registered_name"] == "tests>Scale"
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(restored.layers[1], Scale) and restored.layers[1].factor == 3.0
    assert_same_predictions(model, restored, np.ones((2, 3)))


def test_unregistered_custom_layer_needs_custom_objects(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, Unregistered(3.0)(inputs))
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="Unregistered.*custom_objects"):
        keras.models.load_model(tmp_path / "m.keras")
    restored = keras.models.load_model(
        tmp_path / "m.keras", custom_objects={"Unregistered": Unregistered}
    )
    assert_same_predictions(model, restored, np.ones((2, 3)))
    with keras.saving.CustomObjectScope({"Unregistered": Unregistered}):
        keras.models.load_model(tmp_path / "m.keras")


def cube(x):
    return x * x * x


def test_custom_activation_function_round_trips(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(2, activation=cube)(inputs))
    entry = model.get_config()["layers"][1]["config"]["activation"]
    assert entry == {
        "module": "builtins",
        "class_name": "function",
        "config": "cube",
        "registered_name": "function",
    }
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="'cube'.*custom_objects"):
        keras.models.load_model(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras", custom_objects={"cube": cube})
    assert restored.layers[1].activation is cube
    assert_same_predictions(model, restored, np.ones((2, 3)))


@keras.saving.register_keras_serializable(package="tests")
class TwoTower(keras.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.left = layers.Dense(units)
        self.right = layers.Dense(units)
        self.head = layers.Dense(1)

    def call(self, x):
        return self.head(self.right(self.left(x)))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_subclassed_model_round_trips(tmp_path):
    model = TwoTower(units=4, name="towers")
    x = np.random.default_rng(0).normal(size=(3, 5))
    model.predict(x, verbose=0)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.ones((3, 1)), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(restored, TwoTower) and restored.units == 4
    assert int(restored.optimizer.iterations) == 1
    assert_same_predictions(model, restored, x)
    with pytest.raises(ValueError, match="subclassed.*keras"):
        model.save(tmp_path / "m.h5")


def test_model_from_config_dispatches():
    inputs = keras.Input((2,))
    functional = keras.Model(inputs, layers.Dense(1)(inputs))
    sequential = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    assert isinstance(keras.Model.from_config(functional.get_config()), keras.Model)
    assert type(keras.Model.from_config(functional.get_config())).__name__ == "Functional"
    assert isinstance(keras.Model.from_config(sequential.get_config()), keras.Sequential)

    class NoArgs(keras.Model):
        def __init__(self):
            super().__init__()

    with pytest.raises(TypeError, match="Unable to revive model 'NoArgs'"):
        NoArgs.from_config({"name": "x", "trainable": True})


# --------------------------------------------------------------- hypothesis

_UNITS = st.integers(min_value=1, max_value=5)


@st.composite
def architectures(draw):
    """A small random model: a Sequential stack or a Functional graph with a merge."""
    kinds = st.sampled_from(["dense", "bn", "ln", "act", "drop", "relu"])
    stack = draw(st.lists(st.tuples(kinds, _UNITS), min_size=1, max_size=4))
    functional = draw(st.booleans())
    merge = draw(st.sampled_from(["add", "concat", "multiply", "maximum"]))
    return stack, functional, merge, draw(_UNITS)


def _make_layer(kind, units):
    return {
        "dense": lambda: layers.Dense(units, activation="tanh"),
        "bn": lambda: layers.BatchNormalization(),
        "ln": lambda: layers.LayerNormalization(),
        "act": lambda: layers.Activation("sigmoid"),
        "drop": lambda: layers.Dropout(0.3),
        "relu": lambda: layers.LeakyReLU(),
    }[kind]()


def _build(stack, functional, merge, width):
    if not functional:
        model = keras.Sequential([keras.Input((width,))] + [_make_layer(*s) for s in stack])
    else:
        inputs = keras.Input((width,))
        x = inputs
        for spec in stack:
            x = _make_layer(*spec)(x)
        y = layers.Dense(x.shape[-1])(inputs)
        merged = {
            "add": layers.Add,
            "concat": layers.Concatenate,
            "multiply": layers.Multiply,
            "maximum": layers.Maximum,
        }[merge]()([x, y])
        model = keras.Model(inputs, [layers.Dense(2)(merged), y])
    rng = np.random.default_rng(len(stack))
    model.set_weights([rng.uniform(0.2, 1.0, w.shape) for w in model.weights])
    return model


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(arch=architectures(), ext=st.sampled_from([".keras", ".h5", "json"]))
def test_random_architectures_round_trip(arch, ext, tmp_path):
    model = _build(*arch)
    x = np.random.default_rng(0).normal(size=(4, arch[3]))
    if ext == "json":
        restored = keras.models.model_from_json(model.to_json())
        restored.set_weights(model.get_weights())
    else:
        model.save(tmp_path / f"random{ext}", overwrite=True)
        restored = keras.models.load_model(tmp_path / f"random{ext}")
    assert [type(layer) for layer in restored.layers] == [type(layer) for layer in model.layers]
    assert_same_predictions(model, restored, x)
