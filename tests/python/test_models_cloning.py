"""`keras.models.clone_model`: Sequential, Functional and subclassed models, with
`clone_function`, `call_function`, `input_tensors` and `recursive`, as Keras 3."""

import numpy as np
import pytest

import pykeras as keras


def mlp():
    return keras.Sequential(
        [
            keras.layers.Input(shape=(12,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.1, seed=3),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="mlp",
    )


def two_tower():
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    shared = keras.layers.Dense(5, name="shared")
    h = keras.layers.concatenate([shared(a), keras.layers.Dense(5, name="side")(b)])
    out1 = keras.layers.Dense(2, name="o1")(h)
    out2 = keras.layers.Dense(1, name="o2")(shared(a))
    return keras.Model([a, b], {"o1": out1, "o2": out2}, name="towers")


def test_sequential_clone_has_fresh_weights_and_same_outputs_with_copied_weights():
    model = mlp()
    clone = keras.models.clone_model(model)
    assert type(clone) is keras.Sequential and clone.name == "mlp"
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    x = np.random.RandomState(0).rand(5, 12).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_clone_function_as_in_keras_docstring():
    def clone_function(layer):
        config = layer.get_config()
        if "seed" in config:
            config["seed"] = 1337
        return layer.__class__.from_config(config)

    clone = keras.models.clone_model(mlp(), clone_function=clone_function)
    assert clone.layers[1].get_config()["seed"] == 1337
    shared = mlp()
    same = keras.models.clone_model(shared, clone_function=lambda layer: layer)
    assert all(a is b for a, b in zip(same.layers, shared.layers))
    with pytest.raises(ValueError, match="must return a layer"):
        keras.models.clone_model(mlp(), clone_function=lambda layer: None)


def test_functional_clone_keeps_structure_sharing_and_compile():
    model = two_tower()
    model.compile("adam", {"o1": "mse", "o2": "mse"}, metrics={"o1": ["mae"]})
    clone = keras.models.clone_model(model)
    assert isinstance(clone, keras.models.Functional) and clone.name == "towers"
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert len(clone.weights) == len(model.weights)  # the shared Dense stays shared
    assert clone.compiled and clone.optimizer is not model.optimizer
    clone.set_weights(model.get_weights())
    xs = [np.ones((2, 4), "float32"), np.full((2, 3), 0.5, "float32")]
    want, got = model.predict(xs, verbose=0), clone.predict(xs, verbose=0)
    for key in ("o1", "o2"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-6)
    clone.fit(xs, {"o1": np.zeros((2, 2)), "o2": np.zeros((2, 1))}, epochs=1, verbose=0)


def test_call_function_inserts_layers():
    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if isinstance(layer, keras.layers.Dense):
            out = keras.layers.Dropout(0.5)(out)
        return out

    model = two_tower()
    clone = keras.models.clone_model(
        model, clone_function=lambda layer: layer, call_function=call_function
    )
    dropouts = [layer for layer in clone.layers if isinstance(layer, keras.layers.Dropout)]
    assert len(dropouts) == 5  # one per Dense call (the shared Dense is called twice)
    with pytest.raises(ValueError, match="not supported with Sequential"):
        keras.models.clone_model(mlp(), call_function=call_function)


def test_input_tensors():
    model = two_tower()
    new_inputs = [keras.Input((4,), name="a2"), keras.Input((3,), name="b2")]
    clone = keras.models.clone_model(model, input_tensors=new_inputs)
    assert clone.inputs == new_inputs
    seq = keras.models.clone_model(mlp(), input_tensors=keras.Input((12,), name="fresh"))
    assert seq.predict(np.ones((2, 12)), verbose=0).shape == (2, 1)
    with pytest.raises(ValueError, match="same structure"):
        keras.models.clone_model(model, input_tensors=[keras.Input((4,))])
    with pytest.raises(ValueError, match="shape"):
        keras.models.clone_model(model, input_tensors=[keras.Input((5,)), keras.Input((3,))])
    with pytest.raises(ValueError, match="KerasTensor"):
        keras.models.clone_model(mlp(), input_tensors=np.ones((1, 12)))


def test_nested_models_recursive_or_not():
    inner = mlp()
    outer = keras.Sequential([keras.Input((12,)), inner, keras.layers.Dense(2)], name="outer")
    plain = keras.models.clone_model(outer)
    deep = keras.models.clone_model(outer, recursive=True)
    for clone in (plain, deep):
        assert type(clone.layers[0]) is keras.Sequential and clone.layers[0] is not inner
        assert len(clone.weights) == len(outer.weights)
    marked = []

    def clone_function(layer):
        marked.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    keras.models.clone_model(outer, clone_function=clone_function, recursive=True)
    assert "mlp" not in marked and len(marked) == 4  # inner layers + the outer Dense


def test_subclassed_model_clones_through_its_config():
    class Sub(keras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = keras.layers.Dense(units)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = Sub(4)
    model(np.ones((1, 2), "float32"))
    clone = keras.models.clone_model(model)
    assert type(clone) is Sub and clone.units == 4 and clone is not model
    with pytest.raises(ValueError, match="only supported for Sequential"):
        keras.models.clone_model(model, clone_function=lambda layer: layer)
    with pytest.raises(ValueError, match="only supported for Functional"):
        keras.models.clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))
    with pytest.raises(ValueError, match="unexpected keyword"):
        keras.models.clone_model(model, deep=True)
