"""Replays the Keras 3 cases of tests/reference/data/attention.json
(tests/reference/make_attention_reference.py) on pykeras: same weights, then
outputs, scores and gradients (to weights and float inputs) compared, eagerly
and through a Functional model."""

import json
import pathlib
import warnings

import numpy as np

import pykeras as keras
from pykeras import ops
from pykeras.engine.keras_tensor import KerasTensor

DATA = json.loads(
    (pathlib.Path(__file__).resolve().parents[1] / "reference/data/attention.json").read_text()
)
CASES = {c["name"]: c for c in DATA["cases"]}
TOL = 2e-5


def decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], value["dtype"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def make_layer(case):
    with warnings.catch_warnings():
        # LayerNormalization(rms_scaling=True) warns that Keras deprecated it.
        warnings.simplefilter("ignore", UserWarning)
        return getattr(keras.layers, case["layer"])(**case["config"])


def call_args(case):
    args = [decode(a) for a in case["args"]]
    kwargs = {k: decode(v) for k, v in case["kwargs"].items()}
    return args, kwargs


def flat_inputs(case, args):
    return list(args[0]) if case["call_style"] == "list" else list(args)


def rebuild_args(case, inputs):
    return [list(inputs)] if case["call_style"] == "list" else list(inputs)


def built_layer(case):
    """The layer built on the case's inputs, with Keras's weights."""
    layer = make_layer(case)
    args, kwargs = call_args(case)
    layer(*args, **kwargs)
    layer.set_weights(decode(case["weights"]))
    return layer


def check_case(case):
    """Outputs, scores and gradients equal Keras's within TOL."""
    layer = built_layer(case)
    args, kwargs = call_args(case)
    assert [w.shape for w in layer.weights] == [tuple(np.shape(w)) for w in decode(case["weights"])]
    # Keras's paths are "<layer>/<sublayer>/<weight>"; the short names agree.
    ours = ["/".join(w.path.split("/")[-2:]) for w in layer.weights]
    theirs = ["/".join(p.split("/")[-2:]) if p.count("/") > 1 else p for p in case["weight_paths"]]
    assert [o.split("/")[-1] for o in ours] == [t.split("/")[-1] for t in theirs]
    outputs = layer(*args, **kwargs)
    outputs = list(outputs) if isinstance(outputs, tuple) else [outputs]
    expected = decode(case["outputs"])
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(np.asarray(got), want, atol=TOL, rtol=0)
    check_gradients(case, layer, args, kwargs)
    return layer


def check_gradients(case, layer, args, kwargs):
    cots = decode(case["cotangents"])
    inputs = [np.asarray(a, np.float32) for a in flat_inputs(case, args)]
    with keras.GradientTape(persistent=True) as tape:
        for x in inputs:
            tape.watch(x)
        outputs = layer(*rebuild_args(case, inputs), **kwargs)
        outputs = list(outputs) if isinstance(outputs, tuple) else [outputs]
        loss = None
        for out, cot in zip(outputs, cots):
            term = ops.sum(ops.multiply(out, cot))
            loss = term if loss is None else ops.add(loss, term)
    grads = tape.gradient(loss, list(layer.trainable_weights))
    for got, want in zip(grads, decode(case["grad_weights"])):
        np.testing.assert_allclose(np.asarray(got), want, atol=TOL, rtol=0)
    grads = tape.gradient(loss, inputs, unconnected_gradients="zero")
    for got, want in zip(grads, decode(case["grad_inputs"])):
        np.testing.assert_allclose(np.asarray(got), want, atol=TOL, rtol=0)


def check_functional(case):
    """A Functional model of the layer (batch unknown) computes Keras's outputs."""
    layer = built_layer(case)
    args, kwargs = call_args(case)
    inputs = flat_inputs(case, args)
    symbolic = [keras.Input(shape=np.shape(x)[1:]) for x in inputs]
    tensor_kwargs = {}
    feed = list(inputs)
    for name, value in kwargs.items():
        if isinstance(value, np.ndarray) and name != "mask":
            tensor_kwargs[name] = keras.Input(shape=value.shape[1:])
            feed.append(value.astype(np.float32))
        else:
            tensor_kwargs[name] = value
    outputs = layer(*rebuild_args(case, symbolic), **tensor_kwargs)
    all_inputs = symbolic + [t for t in tensor_kwargs.values() if isinstance(t, KerasTensor)]
    model = keras.Model(all_inputs, list(outputs) if isinstance(outputs, tuple) else outputs)
    got = model.predict(feed, verbose=0)
    got = list(got) if isinstance(got, (list, tuple)) else [got]
    for g, want, sym in zip(got, decode(case["outputs"]), flatten(outputs)):
        np.testing.assert_allclose(g, want, atol=TOL, rtol=0)
        assert tuple(sym.shape[1:]) == want.shape[1:], (sym.shape, want.shape)


def flatten(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]
