"""Records Keras 3's float64 results with JAX's x64 on: dtypes and values.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    /work/keras-env/bin/python tests/reference/make_float64_reference.py

With `jax_enable_x64`, Keras computes float64 in float64; this records, for
a list of ops on fixed float64 inputs, the result's dtype and values (and,
for the differentiable ones, the gradient of `sum(op(x))` with respect to
each input, by `jax.grad`). The inputs are drawn here from a seeded NumPy
generator and stored with the results, so the test feeds pykeras the very
same float64 values.

Output: tests/reference/data/float64.json, read by
tests/python/test_float64_reference.py.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "float64.json"

rng = np.random.default_rng(64)
# Values whose float32 rounding is visible: the test's tolerance (1e-12)
# fails for float32 arithmetic.
A = rng.uniform(-2.0, 2.0, (3, 4)) + 1e-9
B = rng.uniform(-2.0, 2.0, (3, 4)) - 1e-9
ROW = rng.uniform(-2.0, 2.0, (4,))
POS = rng.uniform(0.5, 3.0, (3, 4))
M = rng.uniform(-1.0, 1.0, (4, 5))
INPUTS = {"a": A, "b": B, "row": ROW, "pos": POS, "m": M}

IDS = np.array([2, 0, 3, 3, 1])
ALONG = np.array([[1, 0], [3, 3], [2, 1]])
SEGS = np.array([1, 0, 1])

NEW_CASES = {
    "softmax": (lambda a, b: ops.multiply(ops.softmax(a), b), ["a", "b"], True),
    "log_softmax_axis0": (
        lambda a, b: ops.multiply(ops.log_softmax(a, axis=0), b),
        ["a", "b"],
        True,
    ),
    "logsumexp_axis": (lambda a: ops.logsumexp(a, axis=1), ["a"], True),
    "elu": (lambda a: ops.elu(a, alpha=0.7), ["a"], True),
    "selu": (lambda a: ops.selu(a), ["a"], True),
    "gelu": (lambda a: ops.gelu(a, approximate=False), ["a"], True),
    "gelu_tanh": (lambda a: ops.gelu(a, approximate=True), ["a"], True),
    "leaky_relu": (lambda a: ops.leaky_relu(a, negative_slope=0.1), ["a"], True),
    "relu6": (lambda a: ops.relu6(ops.multiply(a, 4.0)), ["a"], True),
    "hard_silu": (lambda a: ops.hard_silu(a), ["a"], True),
    "log_sigmoid": (lambda a: ops.log_sigmoid(a), ["a"], True),
    "celu": (lambda a: ops.celu(a, alpha=1.5), ["a"], True),
    "squareplus": (lambda a: ops.squareplus(a), ["a"], True),
    "var_axis": (lambda a: ops.var(a, axis=0), ["a"], True),
    "std_axis": (lambda a: ops.std(a, axis=1), ["a"], True),
    "prod_axis": (lambda pos: ops.prod(pos, axis=1), ["pos"], True),
    "cumsum_axis": (lambda a: ops.cumsum(a, axis=1), ["a"], True),
    "cumprod_axis": (lambda pos: ops.cumprod(pos, axis=0), ["pos"], True),
    "norm_3": (lambda a: ops.norm(a, ord=3, axis=1), ["a"], True),
    "argmax_axis": (lambda a: ops.argmax(a, axis=1), ["a"], False),
    "argmin_axis": (lambda a: ops.argmin(a, axis=0), ["a"], False),
    "argsort_axis": (lambda a: ops.argsort(a, axis=1), ["a"], False),
    "sort_axis": (lambda a, b: ops.multiply(ops.sort(a, axis=0), b), ["a", "b"], True),
    "top_k_values": (lambda a: ops.top_k(a, 2)[0], ["a"], True),
    "take": (lambda a: ops.take(a, IDS, axis=1), ["a"], True),
    "take_along_axis": (lambda a: ops.take_along_axis(a, ALONG, axis=1), ["a"], True),
    "einsum": (lambda a, m: ops.einsum("ij,jk->ik", a, m), ["a", "m"], True),
    "tensordot": (lambda a, b: ops.tensordot(a, b, axes=[[0], [0]]), ["a", "b"], True),
    "dot": (lambda row, m: ops.dot(row, m), ["row", "m"], True),
    "erf": (lambda a: ops.erf(a), ["a"], True),
    "erfinv": (lambda a: ops.erfinv(ops.multiply(a, 0.4)), ["a"], True),
    # Session 14: segment reductions and composites that keep float64.
    "segment_sum": (lambda a: ops.segment_sum(a, SEGS, num_segments=3), ["a"], True),
    "segment_max": (lambda a: ops.segment_max(a, SEGS, num_segments=2), ["a"], True),
    "cbrt": (lambda a: ops.cbrt(a), ["a"], True),
    "hypot": (lambda a, b: ops.hypot(a, b), ["a", "b"], True),
    "deg2rad": (lambda a: ops.deg2rad(a), ["a"], True),
    "divide_no_nan": (lambda a, pos: ops.divide_no_nan(a, pos), ["a", "pos"], True),
    "fmod": (lambda a, pos: ops.fmod(a, pos), ["a", "pos"], False),
    "median_axis": (lambda a: ops.median(a, axis=1), ["a"], True),
    "quantile": (lambda a: ops.quantile(a, 0.3, axis=0), ["a"], True),
    "nanmean_axis": (lambda a: ops.nanmean(a, axis=0), ["a"], True),
    "cdist": (lambda a, m: ops.cdist(a, ops.transpose(m)), ["a", "m"], True),
}

# name -> (the call, the names of its float64 inputs, differentiable)
CASES = {
    "add": (lambda a, b: ops.add(a, b), ["a", "b"], True),
    "subtract_broadcast": (lambda a, row: ops.subtract(a, row), ["a", "row"], True),
    "multiply": (lambda a, b: ops.multiply(a, b), ["a", "b"], True),
    "divide": (lambda a, pos: ops.divide(a, pos), ["a", "pos"], True),
    "maximum": (lambda a, b: ops.maximum(a, b), ["a", "b"], True),
    "minimum": (lambda a, b: ops.minimum(a, b), ["a", "b"], True),
    "power": (lambda pos, a: ops.power(pos, a), ["pos", "a"], True),
    "exp": (lambda a: ops.exp(a), ["a"], True),
    "log": (lambda pos: ops.log(pos), ["pos"], True),
    "sqrt": (lambda pos: ops.sqrt(pos), ["pos"], True),
    "tanh_math": (lambda a: ops.sinh(a), ["a"], True),
    "sin": (lambda a: ops.sin(a), ["a"], True),
    "square": (lambda a: ops.square(a), ["a"], True),
    "negative": (lambda a: ops.negative(a), ["a"], True),
    "abs": (lambda a: ops.abs(a), ["a"], True),
    "reciprocal": (lambda pos: ops.reciprocal(pos), ["pos"], True),
    "clip": (lambda a: ops.clip(a, -0.5, 0.5), ["a"], True),
    "sum": (lambda a: ops.sum(a), ["a"], True),
    "sum_axis": (lambda a: ops.sum(a, axis=0), ["a"], True),
    "mean_axis": (lambda a: ops.mean(a, axis=1, keepdims=True), ["a"], True),
    "max_axis": (lambda a: ops.max(a, axis=-1), ["a"], True),
    "matmul": (lambda a, m: ops.matmul(a, m), ["a", "m"], True),
    "reshape": (lambda a: ops.reshape(a, (2, 6)), ["a"], True),
    "transpose": (lambda a: ops.transpose(a), ["a"], True),
    "concatenate": (lambda a, b: ops.concatenate([a, b], axis=1), ["a", "b"], True),
    "slice": (lambda a: ops.slice(a, (1, 1), (2, 2)), ["a"], True),
    "pad": (lambda a: ops.pad(a, ((1, 0), (0, 2))), ["a"], True),
    "cast_float32": (lambda a: ops.cast(a, "float32"), ["a"], False),
    "greater": (lambda a, b: ops.greater(a, b), ["a", "b"], False),
    "equal_self": (lambda a: ops.equal(a, a), ["a"], False),
    # Session 13: activations, softmax, reductions, orderings, gathers and
    # contractions (weighted by `b` where sum(op(x)) would have no gradient).
    **{name: (fn, names, diff) for name, (fn, names, diff) in NEW_CASES.items()},
}


def grads(fn, names):
    """The gradient of sum(fn(...)) for each float64 input."""
    args = [jax.numpy.asarray(INPUTS[n]) for n in names]
    total = lambda *xs: jax.numpy.sum(fn(*xs))  # noqa: E731
    return [np.asarray(g).tolist() for g in jax.grad(total, argnums=range(len(names)))(*args)]


def main() -> None:
    cases = {}
    for name, (fn, names, differentiable) in CASES.items():
        out = fn(*[INPUTS[n] for n in names])
        value = np.asarray(out)
        case = {
            "inputs": names,
            "dtype": keras.backend.standardize_dtype(out.dtype),
            "shape": list(value.shape),
            "value": value.astype(np.float64).tolist(),
        }
        if differentiable:
            case["grads"] = grads(fn, names)
        cases[name] = case
    data = {
        "keras_version": keras.__version__,
        "jax_version": jax.__version__,
        "x64": True,
        "inputs": {k: v.tolist() for k, v in INPUTS.items()},
        "cases": cases,
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
