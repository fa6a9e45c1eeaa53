"""`keras.ops`'s ctc_loss and ctc_decode (`pykeras/ops/ctc.py`, beam search
in `pykeras/ops/_ctc_beam.py`).

Checked against what Keras 3 returned, losses with their gradients and
decoded paths with their scores (tests/reference/data/spectral.json, from
tests/reference/make_spectral_reference.py), against a brute-force sum over
every alignment and a NumPy greedy decoder over hypothesis-drawn inputs,
through traced models (the gradient `fit` applies), in Functional models
with an unknown batch, and on bad input.
"""

import itertools
import json
import pathlib

import numpy as np
import pytest
from composite_check import assert_matches_record, decode, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from op_check import FEW, rng_for, seeds

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import nn

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "spectral.json"


def _cases():
    cases = []
    for i, case in enumerate(json.loads(REFERENCE.read_text())["cases"]):
        if case["family"] == "ctc":
            kwargs = {k: decode(v) for k, v in case["kwargs"].items()}
            label = f"{case['op']}-{case['kwargs'].get('strategy', 'greedy')}-{i}"
            cases.append((label, case["op"], decode(case["args"]), kwargs, case))
    return cases


CASES = _cases()


def test_signatures_match_keras():
    for name in ("ctc_loss", "ctc_decode"):
        assert our_params(getattr(ops, name)) == keras_params(name), name
        assert name in nn.__all__ and getattr(nn, name) is getattr(ops, name)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    _, name, args, kwargs, raw = case
    assert_matches_record(getattr(ops, name)(*args, **kwargs), raw["result"], rtol=1e-5)


GRAD_CASES = [c for c in CASES if "grad" in c[4]]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_loss_gradient_matches_keras(case):
    """One SGD step on the summed loss of `w * logits` (a traced model)
    moves `w` by JAX's gradient times the logits."""
    _, _, args, kwargs, raw = case
    logits = args[1].astype(np.float32)
    want = np.asarray(raw["grad_result"]["values"], np.float64).reshape(logits.shape)

    class Scaled(keras.Model):
        def __init__(self):
            super().__init__()
            self.w = self.add_weight(shape=logits.shape, initializer="ones")

        def call(self, x):
            scaled = ops.reshape(x, (1, 1, 1)) * self.w * logits
            loss = ops.ctc_loss(args[0], scaled, args[2], args[3], **kwargs)
            return ops.reshape(ops.sum(loss), (1, 1))

    model = Scaled()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mae")
    # mae against -1e4 keeps the prediction on one side: its gradient is +1.
    x = np.ones((1, 1), np.float32)
    model.fit(x, np.full((1, 1), -1e4, np.float32), batch_size=1, epochs=1, verbose=0)
    np.testing.assert_allclose(model.w.numpy(), 1.0 - 0.5 * want * logits, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- NumPy references


def collapse(path, blank):
    out = [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]]
    return [p for p in out if p != blank]


def brute_ctc(logits, label, steps, blank):
    """-log of the summed probability of every alignment of `label`."""
    x = logits[:steps].astype(np.float64)
    top = x.max(-1, keepdims=True)
    logp = x - top - np.log(np.exp(x - top).sum(-1, keepdims=True))
    total = 0.0
    for path in itertools.product(range(x.shape[1]), repeat=steps):
        if collapse(list(path), blank) == list(label):
            total += np.exp(sum(logp[t, c] for t, c in enumerate(path)))
    return -np.log(total) if total > 0 else None


@FEW
@given(seeds, st.integers(1, 4), st.integers(2, 3), st.integers(1, 3), st.data())
def test_ctc_loss_against_brute_force(seed, steps, classes, width, data):
    rng = rng_for(seed)
    blank = data.draw(st.integers(0, classes - 1))
    logits = rng.uniform(-2, 2, (2, steps, classes)).astype(np.float32)
    others = [c for c in range(classes) if c != blank]
    labels = np.array(
        [[data.draw(st.sampled_from(others)) for _ in range(width)] for _ in range(2)], np.int32
    )
    label_len = np.array([data.draw(st.integers(1, width)) for _ in range(2)], np.int32)
    out_len = np.array([data.draw(st.integers(1, steps)) for _ in range(2)], np.int32)
    got = ops.ctc_loss(labels, logits, label_len, out_len, mask_index=blank)
    assert got.shape == (2,) and got.dtype == np.float32
    for b in range(2):
        want = brute_ctc(logits[b], labels[b, : label_len[b]], out_len[b], blank)
        if want is None:
            assert got[b] > 1e4  # impossible alignments cost about -log_epsilon
        else:
            np.testing.assert_allclose(got[b], want, rtol=1e-4, atol=1e-5)


def np_greedy(logits, lengths, merge, blank):
    steps = logits.shape[1]
    paths = np.full((1, len(logits), steps), -1, np.int32)
    scores = np.zeros((len(logits), 1), np.float32)
    for b, x in enumerate(logits):
        best = list(x[: lengths[b]].argmax(-1))
        scores[b, 0] = -x[: lengths[b]].max(-1).sum()
        if merge:
            best = [c for i, c in enumerate(best) if i == 0 or c != best[i - 1]]
        best = [c for c in best if c != blank]
        paths[0, b, : len(best)] = best
    return paths, scores


@FEW
@given(seeds, st.integers(1, 6), st.integers(2, 4), st.booleans(), st.data())
def test_greedy_decode_against_numpy(seed, steps, classes, merge, data):
    rng = rng_for(seed)
    logits = rng.integers(-4, 4, (3, steps, classes)) + rng.uniform(0, 0.01, (3, steps, classes))
    logits = logits.astype(np.float32)
    lengths = np.array([data.draw(st.integers(0, steps)) for _ in range(3)], np.int32)
    blank = data.draw(st.integers(0, classes - 1))
    paths, scores = ops.ctc_decode(logits, lengths, merge_repeated=merge, mask_index=blank)
    want_paths, want_scores = np_greedy(logits, lengths, merge, blank)
    assert paths.dtype == np.int32 and scores.dtype == np.float32
    np.testing.assert_array_equal(paths, want_paths)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-6, atol=1e-6)


def test_beam_search_finds_the_most_probable_labelling():
    """With one dominant alignment per step, the best beam is the greedy one
    and its score the log-probability of all alignments of that labelling."""
    logits = np.log(
        np.array([[[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.7, 0.1, 0.2], [0.1, 0.1, 0.8]]])
    ).astype(np.float32)
    paths, scores = ops.ctc_decode(logits, np.array([4]), "beam_search", 5, 2)
    assert paths.shape == (2, 1, 4) and scores.shape == (1, 2)
    np.testing.assert_array_equal(paths[0, 0], [1, 2, -1, -1])
    np.testing.assert_allclose(-scores[0, 0], brute_ctc(logits[0], [1, 2], 4, 0), rtol=1e-5)
    assert scores[0, 0] >= scores[0, 1]


# ---------------------------------------------------------------- models


def test_ctc_in_a_functional_model_with_unknown_batch():
    logits_in = keras.Input((5, 4))
    labels_in = keras.Input((2,), dtype="int32")
    label_len = keras.Input((), dtype="int32")
    out_len = keras.Input((), dtype="int32")
    loss = ops.ctc_loss(labels_in, logits_in, label_len, out_len)
    paths, scores = ops.ctc_decode(logits_in, out_len)
    assert tuple(loss.shape) == (None,)
    assert tuple(paths.shape) == (1, None, 5) and tuple(scores.shape) == (None, 1)
    model = keras.Model([logits_in, labels_in, label_len, out_len], [loss, scores])
    rng = rng_for(9)
    x = rng.uniform(-1, 1, (3, 5, 4)).astype(np.float32)
    labels = np.array([[1, 2], [3, 3], [2, 0]], np.int32)
    lens, outs = np.array([2, 2, 1], np.int32), np.array([5, 4, 3], np.int32)
    got_loss, got_scores = model.predict([x, labels, lens, outs], batch_size=2, verbose=0)
    np.testing.assert_allclose(got_loss, ops.ctc_loss(labels, x, lens, outs), rtol=1e-5)
    np.testing.assert_allclose(got_scores, ops.ctc_decode(x, outs)[1], rtol=1e-6)


def test_a_ctc_model_learns_its_labels():
    """Logits from a Dense layer over time, trained with ctc_loss as the
    model's output (its mean minimized), come to decode the labels."""
    labels = np.array([[1, 2, 0], [2, 2, 1], [3, 1, 0]], np.int32)
    lens = np.array([2, 3, 2], np.int32)
    steps = 7

    class Tagger(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(4)

        def call(self, x):
            logits = self.dense(x)
            return ops.reshape(ops.ctc_loss(labels, logits, lens, np.full(3, steps)), (-1, 1))

    x = np.eye(steps * 3, dtype=np.float32).reshape(3, steps, steps * 3)
    model = Tagger()
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mae")
    target = np.full((3, 1), -1e4, np.float32)
    first = float(np.mean(model.predict(x, verbose=0)))
    # Unshuffled: the labels are constants of the model, row by row.
    model.fit(x, target, batch_size=3, epochs=60, shuffle=False, verbose=0)
    assert float(np.mean(model.predict(x, verbose=0))) < 0.1 * first
    paths, _ = ops.ctc_decode(model.dense(x), np.full(3, steps))
    for b in range(3):
        np.testing.assert_array_equal(paths[0, b, : lens[b]], labels[b, : lens[b]])


# ---------------------------------------------------------------- bad input

L = np.zeros((2, 4, 3), np.float32)
T = np.ones((2, 2), np.int32)
N = np.array([2, 2], np.int32)
BAD = [
    ("ctc_loss", lambda: ops.ctc_loss(T, L[0], N, N), ShapeError),
    ("ctc_loss", lambda: ops.ctc_loss(T[:1], L, N, N), ShapeError),
    ("ctc_loss", lambda: ops.ctc_loss(T, L, N[:1], N), ShapeError),
    ("ctc_loss", lambda: ops.ctc_loss(T, L, N, N, mask_index=3), InvalidArgumentError),
    ("ctc_loss", lambda: ops.ctc_loss(T, keras.Input((None, 3)), N, N), ShapeError),
    ("ctc_decode", lambda: ops.ctc_decode(L[0], N), ShapeError),
    ("ctc_decode", lambda: ops.ctc_decode(L, N, strategy="best"), InvalidArgumentError),
    ("ctc_decode", lambda: ops.ctc_decode(L, N, mask_index=5), InvalidArgumentError),
    ("ctc_decode", lambda: ops.ctc_decode(L, N, "beam_search", beam_width=0), InvalidArgumentError),
    (
        "ctc_decode",
        lambda: ops.ctc_decode(keras.Input((4, 3)), keras.Input(()), "beam_search"),
        InvalidArgumentError,
    ),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
    assert issubclass(error, ValueError)
