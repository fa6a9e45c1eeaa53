"""Shared helpers for test_composite_products.py, test_composite_windows.py
and test_composite_layout.py.

- `cases(family)`: the calls recorded from Keras 3 by
  tests/reference/make_products_reference.py (tests/reference/data/products.json).
- `replay(case, rtol)`: runs one recorded call on pykeras.ops and compares.
- `check_trains(fn, reference, shape)`: values and one SGD step through a
  traced subclassed model (`WeightedOp`), the step checked against central
  differences of the NumPy reference in float64, then a few epochs of fit.
"""

import json
import pathlib

import numpy as np
import pytest
from composite_check import WeightedOp, assert_same

import pykeras as keras
from pykeras import ops

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "products.json"


def _decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], value["dtype"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def cases(family):
    """pytest params, one per recorded case of `family`."""
    data = json.loads(DATA.read_text())
    return [pytest.param(c, id=f"{c['op']}-{i}") for i, c in enumerate(data[family])]


def _matches(got, record, rtol):
    if "items" in record:
        assert isinstance(got, (list, tuple)) and len(got) == len(record["items"])
        for g, r in zip(got, record["items"]):
            _matches(g, r, rtol)
        return
    want = np.asarray(record["values"], record["dtype"]).reshape(record["shape"])
    assert isinstance(got, np.ndarray), type(got)
    assert got.shape == want.shape, f"shape {got.shape}, expected {want.shape}"
    assert got.dtype == want.dtype, f"dtype {got.dtype}, expected {want.dtype}"
    np.testing.assert_allclose(
        got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=rtol, equal_nan=True
    )


def replay(case, rtol=1e-5):
    """Keras's recorded result (or error) for one case, from pykeras.ops."""
    fn = getattr(ops, case["op"])
    args = _decode(case["args"])
    if "error" in case:
        # Keras validates some arguments late (a TypeError from JAX);
        # pykeras raises its ValueError subclasses up front.
        with pytest.raises((ValueError, TypeError)):
            fn(*args, **case["kwargs"])
        return
    _matches(fn(*args, **case["kwargs"]), case["result"], rtol)


def numeric_grad(loss, w, eps=1e-6):
    """Central differences of `loss` at `w` (float64)."""
    w = np.asarray(w, np.float64)
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        up, down = w.copy(), w.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (loss(up) - loss(down)) / (2 * eps)
    return grad


def check_trains(fn, reference, shape, rtol=2e-4):
    """`fn(x * w)` in a traced model: values equal `reference`, one SGD
    step on mse against zeros equals the float64 finite-difference step,
    and a few epochs lower the loss."""
    model = WeightedOp(fn, shape)
    w0 = model.w.numpy().astype(np.float64)
    x = np.ones((1, *shape), np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_allclose(y, reference(w0[None]), rtol=rtol, atol=rtol)
    assert_same(np.asarray(y), np.asarray(fn(w0[None].astype(np.float32)), np.float32), rtol)
    lr = 0.02
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = numeric_grad(lambda w: np.mean(np.square(reference(w[None]))), w0)
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=rtol, atol=rtol)
    history = model.fit(x, np.zeros_like(y), batch_size=1, epochs=3, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
