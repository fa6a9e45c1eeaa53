"""Shared helpers for test_composite_indexing.py, test_composite_tensors.py
and test_composite_patches.py.

- `reference_cases(family)`: the calls recorded from Keras 3 by
  tests/reference/make_indexing_reference.py (tests/reference/data/indexing.json).
- `check_record`: a result equal to the recorded one: arrays by shape, dtype
  and values (NaN matching NaN), tuples item by item, Python scalars and
  strings by type and value.
- `sgd_step_matches`: one SGD step of a traced `WeightedOp` model equals the
  step computed from a NumPy reference by central differences.
"""

import json
import pathlib

import numpy as np
from composite_check import WeightedOp, assert_same, decode

import pykeras as keras

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "indexing.json"


def reference_cases(family):
    """[(case id, op name, args, kwargs, result or None, error or None)]."""
    data = json.loads(REFERENCE.read_text())
    return [
        (
            f"{case['op']}-{i}",
            case["op"],
            decode(case["args"]),
            case["kwargs"],
            case.get("result"),
            case.get("error"),
        )
        for i, case in enumerate(data[family])
    ]


def check_record(got, record, rtol=0.0):
    if "items" in record:
        assert isinstance(got, (list, tuple)) and len(got) == len(record["items"])
        for g, r in zip(got, record["items"]):
            check_record(g, r, rtol)
        return
    if "python" in record:
        assert type(got).__name__ == record["type"], (type(got), record)
        assert got == record["python"]
        return
    values = [float(v) if isinstance(v, str) else v for v in record["values"]]
    want = np.asarray(values, record["dtype"]).reshape(record["shape"])
    assert_same(np.asarray(got) if np.isscalar(got) else got, want, rtol)


def numeric_grad(reference, w, eps=1e-3):
    """d mean(reference(w)**2) / dw by central differences, in float64."""
    w = np.asarray(w, np.float64)
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        hi, lo = w.copy(), w.copy()
        hi[i] += eps
        lo[i] -= eps
        grad[i] = (np.mean(reference(hi) ** 2) - np.mean(reference(lo) ** 2)) / (2 * eps)
    return grad


def sgd_step_matches(ours, reference, shape, seed=0, rtol=1e-4, atol=1e-5):
    """`ours` inside a traced model (applied to the weight, batch axis
    first) gives `reference`'s values and one SGD step on mse against zeros
    moves the weight by the numerical gradient of `reference`."""
    model = WeightedOp(ours, shape, seed=seed)
    w0 = model.w.numpy().copy()
    x = np.ones((1, *shape), np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_allclose(y, reference(w0[None].astype(np.float64)), rtol=1e-6, atol=1e-6)
    lr = 0.5
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = numeric_grad(lambda v: reference(v[None]), w0)
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=rtol, atol=atol)
