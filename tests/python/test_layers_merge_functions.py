"""The lowercase merge helpers of keras.layers (add, subtract, ..., concatenate, dot):
Keras's signatures, eager results against numpy, Functional models (summary, fit,
.keras round trip), and the same errors as the layer classes."""

import doctest
import inspect

import numpy as np
import pytest
from keras_namespace import keras_names

import pykeras as keras
from pykeras import layers

HELPERS = {
    "add": layers.Add,
    "subtract": layers.Subtract,
    "multiply": layers.Multiply,
    "average": layers.Average,
    "maximum": layers.Maximum,
    "minimum": layers.Minimum,
    "concatenate": layers.Concatenate,
    "dot": layers.Dot,
}

KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional-only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
    inspect.Parameter.VAR_POSITIONAL: "var-positional",
    inspect.Parameter.KEYWORD_ONLY: "keyword",
    inspect.Parameter.VAR_KEYWORD: "var-keyword",
}


def rand(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


@pytest.mark.parametrize("name", sorted(HELPERS))
def test_signature_matches_keras(name):
    func = getattr(layers, name)
    assert name in layers.__all__
    recorded = keras_names("keras.layers")[name]["params"]
    ours = [
        {
            "name": p.name,
            "kind": KINDS[p.kind],
            "default": None if p.default is inspect.Parameter.empty else repr(p.default),
        }
        for p in inspect.signature(func).parameters.values()
    ]
    assert ours == recorded
    assert "Args:" in func.__doc__ and "Returns:" in func.__doc__ and "Example" in func.__doc__


def test_docstring_examples_run():
    from pykeras.layers import merge_functions

    result = doctest.testmod(
        merge_functions, extraglobs={"keras": keras, "np": np}, optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 20 and result.failed == 0


# ------------------------------------------------------------ eager, against numpy

ELEMENTWISE = {
    "add": lambda xs: sum(np.float64(x) for x in xs),
    "multiply": lambda xs: np.prod(np.stack(xs).astype(np.float64), axis=0),
    "average": lambda xs: np.mean(np.stack(xs).astype(np.float64), axis=0),
    "maximum": lambda xs: np.max(np.stack(xs), axis=0),
    "minimum": lambda xs: np.min(np.stack(xs), axis=0),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@pytest.mark.parametrize("count", [2, 3])
def test_elementwise_helpers_eagerly(name, count):
    xs = [rand(2, 3, 4, seed=i) for i in range(count)]
    out = getattr(layers, name)(xs)
    assert isinstance(out, np.ndarray) and out.shape == (2, 3, 4)
    np.testing.assert_allclose(out, ELEMENTWISE[name](xs), rtol=1e-6, atol=1e-6)


def test_subtract_eagerly():
    a, b = rand(4, 5), rand(4, 5, seed=1)
    np.testing.assert_allclose(layers.subtract([a, b]), a - b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("axis", [-1, 1, 2])
def test_concatenate_eagerly(axis):
    a = rand(2, 3, 4)
    b = rand(*[(2, 3, 5), (2, 1, 4), (2, 3, 2)][[-1, 1, 2].index(axis)], seed=1)
    np.testing.assert_allclose(layers.concatenate([a, b], axis=axis), np.concatenate([a, b], axis))
    if axis == -1:
        np.testing.assert_allclose(layers.concatenate([a, b]), np.concatenate([a, b], -1))


def test_dot_eagerly():
    a, b = rand(3, 5), rand(3, 5, seed=1)
    expected = np.sum(np.float64(a) * b, axis=1, keepdims=True)
    np.testing.assert_allclose(layers.dot([a, b], axes=1), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layers.dot([a, b]), expected, rtol=1e-5, atol=1e-6)  # axes=-1
    c, d = rand(3, 4, 5, seed=2), rand(3, 2, 5, seed=3)
    batched = np.einsum("bik,bjk->bij", np.float64(c), d)
    np.testing.assert_allclose(layers.dot([c, d], axes=2), batched, rtol=1e-5, atol=1e-6)
    unit = a / np.linalg.norm(np.float64(a), axis=1, keepdims=True)
    unit_b = b / np.linalg.norm(np.float64(b), axis=1, keepdims=True)
    cosine = np.sum(unit * unit_b, axis=1, keepdims=True)
    np.testing.assert_allclose(
        layers.dot([a, b], axes=1, normalize=True), cosine, rtol=1e-5, atol=1e-6
    )


# ------------------------------------------------------------ Functional models


def call_helper(helper, inputs, **kwargs):
    if helper == "dot":
        kwargs.setdefault("axes", 1)
    return getattr(layers, helper)(inputs, **kwargs)


@pytest.mark.parametrize("name", sorted(HELPERS))
def test_helper_puts_its_layer_in_the_graph(name):
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    out = call_helper(name, [a, b], name=f"my_{name}")
    model = keras.Model([a, b], out)
    layer = model.get_layer(f"my_{name}")
    assert type(layer) is HELPERS[name]
    assert layer.output is out
    expected_shape = {"concatenate": (None, 8), "dot": (None, 1)}.get(name, (None, 4))
    assert out.shape == expected_shape
    xa, xb = rand(5, 4), rand(5, 4, seed=1)
    np.testing.assert_allclose(
        model.predict([xa, xb], verbose=0), layer([xa, xb]), rtol=1e-5, atol=1e-6
    )


def test_helper_layers_are_named_like_the_class():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    names = [
        keras.Model([a, b], call_helper(name, [a, b])).layers[-1].name for name in sorted(HELPERS)
    ]
    for name, layer_name in zip(sorted(HELPERS), names):
        assert layer_name == name or layer_name.startswith(name + "_"), layer_name


def merged_model():
    a = keras.Input(shape=(6,), name="a")
    b = keras.Input(shape=(6,), name="b")
    ha = layers.Dense(8, activation="tanh", name="ha")(a)
    hb = layers.Dense(8, activation="tanh", name="hb")(b)
    merged = [
        layers.add([ha, hb], name="sum"),
        layers.subtract([ha, hb], name="diff"),
        layers.multiply([ha, hb], name="prod"),
        layers.average([ha, hb], name="mean"),
        layers.maximum([ha, hb], name="hi"),
        layers.minimum([ha, hb], name="lo"),
        layers.dot([ha, hb], axes=1, name="inner"),
    ]
    joined = layers.concatenate(merged, name="joined")
    out = layers.Dense(1, name="out")(joined)
    return keras.Model([a, b], out, name="merged")


CLASS_OF_ROW = {
    "sum": "Add",
    "diff": "Subtract",
    "prod": "Multiply",
    "mean": "Average",
    "hi": "Maximum",
    "lo": "Minimum",
    "inner": "Dot",
    "joined": "Concatenate",
}


def test_summary_shows_the_layers(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    lines = []
    merged_model().summary(print_fn=lines.append)
    text = "\n".join(lines)
    for layer_name, class_name in CLASS_OF_ROW.items():
        assert f"{layer_name} ({class_name})" in text
    assert "(None, 49)" in text  # joined: 6 x 8 + 1


def test_fit_and_keras_file_round_trip(tmp_path):
    model = merged_model()
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(64, 6)), rng.normal(size=(64, 6))
    y = (xa[:, :1] * xb[:, 1:2] + xa[:, 2:3]).astype(np.float32)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit([xa, xb], y, epochs=5, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]

    path = tmp_path / "merged.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    for layer_name, class_name in CLASS_OF_ROW.items():
        layer = restored.get_layer(layer_name)
        assert type(layer).__name__ == class_name
        assert layer.get_config() == model.get_layer(layer_name).get_config()
    np.testing.assert_allclose(
        restored.predict([xa, xb], verbose=0),
        model.predict([xa, xb], verbose=0),
        rtol=1e-6,
        atol=1e-6,
    )


# ------------------------------------------------------------ errors: the class's own


def error_of(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


BAD_INPUTS = {
    "single_tensor": lambda: np.ones((2, 3), np.float32),
    "single_symbolic": lambda: keras.Input(shape=(3,)),
    "three_inputs": lambda: [np.ones((2, 3), np.float32)] * 3,
    "one_in_a_list": lambda: [keras.Input(shape=(3,))],
    "mismatched_shapes": lambda: [np.ones((2, 3), np.float32), np.ones((2, 4), np.float32)],
    "mismatched_symbolic": lambda: [keras.Input(shape=(3, 2)), keras.Input(shape=(4, 5))],
}
TWO_ONLY = ("subtract", "dot")
# Which bad inputs each helper refuses: the others take any number of inputs (one too,
# as Keras's do), and concatenate joins (2, 3) and (2, 4) along the last axis.
BAD_CASES = [
    (name, case)
    for name in sorted(HELPERS)
    for case in sorted(BAD_INPUTS)
    if not (case in ("three_inputs", "one_in_a_list") and name not in TWO_ONLY)
    and not (case == "mismatched_shapes" and name == "concatenate")
]


@pytest.mark.parametrize("name, case", BAD_CASES)
def test_bad_inputs_raise_what_the_class_raises(name, case):
    kwargs = {"axes": 1} if name == "dot" else {}
    make = BAD_INPUTS[case]
    from_class = error_of(lambda: HELPERS[name](name="m", **kwargs)(make()))
    from_helper = error_of(lambda: getattr(layers, name)(make(), name="m", **kwargs))
    assert from_helper == from_class
    assert issubclass(from_helper[0], ValueError)


@pytest.mark.parametrize("name", ["add", "concatenate", "multiply"])
def test_single_tensor_asks_for_a_list(name):
    with pytest.raises(ValueError, match="list of inputs"):
        getattr(layers, name)(np.ones((2, 3), np.float32))


@pytest.mark.parametrize("name", sorted(set(HELPERS) - set(TWO_ONLY)))
def test_one_input_in_a_list_is_accepted_as_in_keras(name):
    x = rand(2, 3)
    np.testing.assert_allclose(getattr(layers, name)([x]), x)


def test_subtract_and_dot_need_exactly_two_inputs():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.subtract([x])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.dot([x, x, x], axes=1)


def test_mismatched_shapes_name_both_shapes():
    with pytest.raises(ValueError, match=r"'plus'.*\(None, 3\).*\(None, 4\)"):
        layers.add([keras.Input(shape=(3,)), keras.Input(shape=(4,))], name="plus")


def test_unknown_keyword_is_refused_like_the_class():
    with pytest.raises(TypeError, match=r"'axs'.*Did you mean 'axis'\?"):
        layers.concatenate([np.ones((1, 2))] * 2, axs=0)
