"""Recurrent layers against Keras 3: every case recorded by
tests/reference/make_rnn_reference.py (LSTM, GRU both ways, SimpleRNN, RNN
over cells, StackedRNNCells, Bidirectional in every merge mode,
TimeDistributed; masked and unmasked, both directions, initial states) is
rebuilt from Keras's serialized config alone, given Keras's weights, and
must give Keras's outputs and gradients (input and every weight)."""

import json
import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras import ops
from pykeras.saving.serialization_lib import deserialize_keras_object

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
META = json.loads((DATA / "rnn.json").read_text())["cases"]
ARRAYS = np.load(DATA / "rnn.npz")
TOL = 2e-5


def _case(name):
    meta = META[name]
    a = {k.split("/", 1)[1]: ARRAYS[k] for k in ARRAYS.files if k.startswith(name + "/")}
    kwargs = {}
    if meta["mask"]:
        kwargs["mask"] = a["mask"]
    if meta["n_states"]:
        kwargs["initial_state"] = [a[f"state{i}"] for i in range(meta["n_states"])]
    weights = [a[f"weight{i}"] for i in range(meta["n_weights"])]
    outputs = [a[f"output{i}"] for i in range(meta["n_outputs"])]
    probes = [a[f"probe{i}"] for i in range(meta["n_outputs"])]
    grads = [a[f"grad_weight{i}"] for i in range(meta["n_weights"])]
    return meta, a["x"], kwargs, weights, outputs, probes, a["grad_x"], grads


def _build(meta, x, kwargs, weights):
    layer = deserialize_keras_object(meta["config"])
    layer(x, **kwargs)
    assert [tuple(w.shape) for w in layer.trainable_weights] == [w.shape for w in weights]
    layer.set_weights(weights)
    return layer


def _flat(out):
    """The outputs as the generator stored them: a nested list of states
    (a stacked cell's LSTM states) as one stacked array."""
    items = out if isinstance(out, (list, tuple)) else [out]
    return [ops.stack(list(o)) if isinstance(o, (list, tuple)) else o for o in items]


@pytest.mark.parametrize("name", sorted(META))
def test_outputs_match_keras(name):
    meta, x, kwargs, weights, outputs, _, _, _ = _case(name)
    layer = _build(meta, x, kwargs, weights)
    got = _flat(layer(x, **kwargs))
    assert len(got) == len(outputs)
    for g, want in zip(got, outputs):
        np.testing.assert_allclose(np.asarray(g), want, atol=TOL, rtol=0)


@pytest.mark.parametrize("name", sorted(META))
def test_gradients_match_keras(name):
    meta, x, kwargs, weights, _, probes, grad_x, grads = _case(name)
    layer = _build(meta, x, kwargs, weights)
    with keras.GradientTape() as tape:
        tape.watch(x)
        out = _flat(layer(x, **kwargs))
        loss = None
        for o, p in zip(out, probes):
            term = ops.sum(ops.multiply(o, p))
            loss = term if loss is None else ops.add(loss, term)
    got = tape.gradient(loss, [x] + list(layer.trainable_weights))
    np.testing.assert_allclose(np.asarray(got[0]), grad_x, atol=TOL, rtol=0)
    for g, want, path in zip(got[1:], grads, meta["weight_paths"]):
        np.testing.assert_allclose(np.asarray(g), want, atol=TOL, rtol=0, err_msg=path)
