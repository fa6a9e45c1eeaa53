"""Shared helpers for the composite-op tests (`test_composite_*.py`): ops
written in Python from primitives, so they claim no primitive in
`test_ops_coverage.py`.

- `keras_params` / `our_params`: signatures, to compare with Keras 3's
  (tests/reference/keras_namespace.json).
- `reference_cases`: the calls recorded from Keras 3 by
  tests/reference/make_composite_reference.py, with their arguments decoded.
- `assert_same`: a result equal to the expected one, dtype included.
- `WeightedOp`: a subclassed model whose call applies an op to `x * w`, to
  check values and gradients through a traced graph.
"""

import inspect
import json
import pathlib

import numpy as np
from keras_namespace import keras_names

import pykeras as keras

REFERENCE = (
    pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "composite_ops.json"
)


def keras_params(name):
    """[(name, default repr or None)] of `keras.ops.<name>`."""
    entry = keras_names("keras.ops")[name]
    return [(p["name"], p["default"]) for p in entry["params"]]


def our_params(func):
    params = inspect.signature(func).parameters.values()
    return [
        (p.name, None if p.default is inspect.Parameter.empty else repr(p.default)) for p in params
    ]


def decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], value["dtype"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def reference_cases(family):
    """[(case id, op name, args, kwargs, result or None, error or None)]."""
    data = json.loads(REFERENCE.read_text())
    cases = []
    for i, case in enumerate(data[family]):
        cases.append(
            (
                f"{case['op']}-{i}",
                case["op"],
                decode(case["args"]),
                case["kwargs"],
                case.get("result"),
                case.get("error"),
            )
        )
    return cases


def assert_matches_record(got, record, rtol=0.0):
    """`got` has the recorded shape, dtype and values (nested for lists)."""
    if "items" in record:
        assert isinstance(got, (list, tuple)) and len(got) == len(record["items"])
        for g, r in zip(got, record["items"]):
            assert_matches_record(g, r, rtol)
        return
    got = np.asarray(got)
    want = np.asarray(record["values"], record["dtype"]).reshape(record["shape"])
    assert_same(got, want, rtol)


def assert_same(got, want, rtol=0.0):
    """Same type (a NumPy array), shape, dtype and values (NaN matching NaN)."""
    assert isinstance(got, np.ndarray), type(got)
    assert got.shape == want.shape, f"shape {got.shape}, expected {want.shape}"
    assert got.dtype == want.dtype, f"dtype {got.dtype}, expected {want.dtype}"
    if rtol:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


class WeightedOp(keras.Model):
    """`fn(x * w)` with a weight `w` of one sample's shape.

    The weight is made in `__init__`: pykeras's trainer fails on a model that
    made its weights in its own `build()` and was called before `fit`.
    """

    def __init__(self, fn, sample_shape, seed=0):
        super().__init__()
        self.fn = fn
        self.w = self.add_weight(shape=sample_shape, initializer="zeros")
        rng = np.random.default_rng(seed)
        self.w.assign(rng.uniform(-1.0, 1.0, sample_shape).astype(np.float32))

    def call(self, x):
        return self.fn(x * self.w)


def adjoint(reference, shape, upstream):
    """The gradient of `sum(reference(v) * upstream)` with respect to `v`
    (of `shape`), for a `reference` that only moves, copies or zeroes
    elements: numbering the elements shows where each output came from."""
    size = int(np.prod(shape))
    positions = reference(np.arange(1, size + 1).reshape(shape))
    positions = np.asarray(positions).ravel()
    grad = np.bincount(
        positions, weights=np.asarray(upstream, np.float64).ravel(), minlength=size + 1
    )
    return grad[1:].reshape(shape)
