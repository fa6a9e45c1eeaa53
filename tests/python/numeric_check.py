"""Shared helpers for test_composite_{numeric,predicates,bitwise,statistics}.py.

- `reference_cases(family)`: the calls recorded from Keras 3 by
  tests/reference/make_numeric_reference.py, decoded, and `replay` to run
  one against `pykeras.ops` (values, shape and dtype; errors by class).
- `check_traced`: values and the SGD step of a traced subclassed model
  (`composite_check.WeightedOp`) against NumPy and central differences.
- `check_functional`: a Functional model with an unknown batch gives the
  eager values.
"""

import json
import pathlib

import numpy as np
import pytest
from composite_check import WeightedOp, assert_matches_record, decode
from op_check import rng_for

import pykeras as keras
from pykeras import ops

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "numeric_ops.json"

# Keras's exception class names, and the builtin each of ours must subclass.
_ERRORS = {"TypeError": TypeError, "ValueError": ValueError}


def reference_cases(family):
    """[(case id, op name, args, kwargs, result or None, error or None)]."""
    cases = []
    for i, case in enumerate(json.loads(REFERENCE.read_text())[family]):
        kwargs = {k: decode(v) for k, v in case["kwargs"].items()}
        if isinstance(kwargs.get("axis"), list):
            kwargs["axis"] = tuple(kwargs["axis"])
        cases.append(
            (
                f"{case['op']}-{i}",
                case["op"],
                decode(case["args"]),
                kwargs,
                case.get("result"),
                case.get("error"),
            )
        )
    return cases


def replay(case, rtol=2e-6):
    _, name, args, kwargs, result, error = case
    if error is not None:
        with pytest.raises(_ERRORS[error], match=f"'{name}'"):
            getattr(ops, name)(*args, **kwargs)
        return
    assert_matches_record(getattr(ops, name)(*args, **kwargs), result, rtol=rtol)


def numeric_gradient(reference, w):
    """d mean(reference(w)**2) / dw by central differences, in float64."""
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        up, down = w.copy(), w.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        grad[i] = (np.mean(reference(up) ** 2) - np.mean(reference(down) ** 2)) / 2e-6
    return grad


def check_traced(ours, reference, sample_shape, seed=3, scale=1.0, rtol=1e-4):
    """`ours(x * w)` in a traced model: its prediction and one SGD step on
    mse against 0 agree with `reference` in float64 (w drawn in
    [-scale, scale])."""
    model = WeightedOp(ours, sample_shape, seed=seed)
    model.w.assign(model.w.numpy() * np.float32(scale))
    w0 = model.w.numpy().astype(np.float64)
    x = np.ones((1, *sample_shape), np.float32)
    y = model.predict(x, verbose=0)
    want = reference(w0[None])
    np.testing.assert_allclose(y.reshape(want.shape), want, rtol=1e-5, atol=1e-5)
    lr = 0.1
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = numeric_gradient(reference, w0[None])[0]
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=rtol, atol=1e-5)


def check_functional(ours, sample_shape, low=-2.0, high=2.0):
    """A Functional model of `ours` keeps the batch unknown and predicts
    what the eager call gives (float32, as the core computes)."""
    inputs = keras.Input(sample_shape)
    outputs = ours(inputs)
    x = rng_for(1).uniform(low, high, (5, *sample_shape)).astype(np.float32)
    want = np.asarray(ours(x)).astype(np.float32)
    assert tuple(outputs.shape) == (None, *want.shape[1:])
    got = keras.Model(inputs, outputs).predict(x, batch_size=2, verbose=0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def run_examples(module):
    """Runs the `Example:` blocks of `module.__all__`'s docstrings; returns
    the number that failed (output compared with whitespace normalized)."""
    import doctest

    failures = 0
    finder = doctest.DocTestFinder()
    for name in module.__all__:
        for test in finder.find(getattr(module, name), name, globs={"keras": keras, "np": np}):
            runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
            runner.run(test)
            failures += runner.failures
    return failures
