"""Replays tests/reference/data/vision_layers.json (Keras 3 on JAX): a
layer built from the recorded arguments and weights must give Keras's
output and gradients, eagerly and inside a compiled model."""

import functools
import json
import pathlib

import numpy as np

import pykeras as keras
from pykeras import layers, ops

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "vision_layers.json"
ATOL = 2e-5


@functools.lru_cache(maxsize=1)
def cases():
    return json.loads(DATA.read_text())["cases"]


def case_ids(names):
    return [(i, f"{c['layer']}-{i}") for i, c in enumerate(cases()) if c["layer"] in names]


def _close(actual, expected, what, scale=1.0):
    expected = np.asarray(expected, np.float32)
    actual = np.asarray(actual, np.float32)
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=ATOL * scale, err_msg=what)


def replay(index):
    """Checks one recorded case; returns the built pykeras layer."""
    case = cases()[index]
    layer = getattr(layers, case["layer"])(**case["kwargs"])
    x = np.asarray(case["input"], np.float32)
    layer.build(x.shape)
    if case["weights"]:
        assert [tuple(w.shape) for w in layer.weights] == [np.shape(w) for w in case["weights"]], (
            "weight shapes differ from Keras's"
        )
        layer.set_weights([np.asarray(w, np.float32) for w in case["weights"]])
    # Output scale: values up to 255 (preprocessing) get a relative tolerance.
    scale = max(1.0, float(np.max(np.abs(case["output"]))) / 10)
    _close(layer(x), case["output"], f"{case['layer']} output", scale)
    assert tuple(layer.compute_output_shape((None,) + x.shape[1:]))[1:] == tuple(
        case["output_shape"][1:]
    )

    # Inside a model: the traced Rust graph computes the same output.
    inp = keras.Input(batch_shape=(None,) + x.shape[1:])
    model = keras.Model(inp, layer(inp))
    _close(model.predict(x, verbose=0), case["output"], f"{case['layer']} in a model", scale)

    if "probe" in case:
        probe = np.asarray(case["probe"], np.float32)
        xv = keras.Variable(x)
        weights = list(layer.trainable_weights)
        with keras.GradientTape() as tape:
            loss = ops.sum(ops.multiply(layer(xv), probe))
        grads = tape.gradient(loss, [xv, *weights])
        _close(grads[0], case["grad_input"], f"{case['layer']} input gradient", scale)
        for g, expected in zip(grads[1:], case["grad_weights"]):
            _close(g, expected, f"{case['layer']} weight gradient", scale)

    # Config round trip.
    clone = type(layer).from_config(layer.get_config())
    clone.build(x.shape)
    clone.set_weights(layer.get_weights())
    _close(clone(x), case["output"], f"{case['layer']} from_config", scale)
    return layer
