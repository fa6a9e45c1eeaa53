"""Records Keras 3's dtype promotion and the dtypes of op results.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_dtypes_reference.py

It records:

- `result_type`: `keras.backend.result_type(a, b)` for every pair of the
  dtypes pykeras carries (bool, int8 to int64, uint8, float16 to float64) and
  the weak Python `int` and `float`;
- `symbolic`: the dtype of `keras.ops.<op>` on `KerasTensor`s of each input
  dtype (what a Functional model reports);
- `eager`: the dtype of the same ops on NumPy arrays (JAX without x64 makes
  64-bit results 32-bit).

Output: tests/reference/data/dtypes.json, read by tests/python/test_dtypes.py.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "dtypes.json"

DTYPES = ["bool", "int8", "int32", "int64", "uint8", "float16", "float32", "float64"]
WEAK = {"int": int, "float": float}

# name -> (call on one tensor x, number of tensor inputs)
UNARY = {
    "add_int": lambda x: ops.add(x, 1),
    "add_float": lambda x: ops.add(x, 1.0),
    "multiply_self": lambda x: ops.multiply(x, x),
    "subtract_self": lambda x: ops.subtract(x, x),
    "divide_int": lambda x: ops.divide(x, 2),
    "true_divide_self": lambda x: ops.true_divide(x, x),
    "maximum_self": lambda x: ops.maximum(x, x),
    "equal_int": lambda x: ops.equal(x, 1),
    "less_self": lambda x: ops.less(x, x),
    "sum": lambda x: ops.sum(x),
    "sum_axis": lambda x: ops.sum(x, axis=-1),
    "mean": lambda x: ops.mean(x),
    "max": lambda x: ops.max(x),
    "argmax": lambda x: ops.argmax(x),
    "exp": lambda x: ops.exp(x),
    "sqrt": lambda x: ops.sqrt(x),
    "abs": lambda x: ops.abs(x),
    "negative": lambda x: ops.negative(x),
    "square": lambda x: ops.square(x),
    "reshape": lambda x: ops.reshape(x, (-1,)),
    "transpose": lambda x: ops.transpose(x),
    "expand_dims": lambda x: ops.expand_dims(x, 0),
    "concatenate_self": lambda x: ops.concatenate([x, x], axis=-1),
    "where_self": lambda x: ops.where(ops.greater(x, 0), x, x),
    "matmul_self": lambda x: ops.matmul(x, ops.transpose(x)),
    "relu": lambda x: ops.relu(x),
    "sigmoid": lambda x: ops.sigmoid(x),
    "softmax": lambda x: ops.softmax(x),
    "cast_float32": lambda x: ops.cast(x, "float32"),
    "cast_int32": lambda x: ops.cast(x, "int32"),
    "cast_bool": lambda x: ops.cast(x, "bool"),
}
# Ops that do not take bool (Keras or JAX refuse them).
NO_BOOL = {"negative", "subtract_self", "sqrt", "relu", "sigmoid", "softmax", "exp", "square"}


def result_type_table():
    names = DTYPES + list(WEAK)
    table = {}
    for a in names:
        for b in names:
            args = [WEAK.get(a, a), WEAK.get(b, b)]
            try:
                table[f"{a},{b}"] = keras.backend.result_type(*args)
            except Exception as e:  # noqa: BLE001 - the error's type is recorded
                table[f"{a},{b}"] = f"error:{type(e).__name__}"
    return table


def dtype_cases(make):
    out = {}
    for name, fn in UNARY.items():
        for dtype in DTYPES:
            if dtype == "bool" and name in NO_BOOL:
                continue
            try:
                out[f"{name}:{dtype}"] = keras.backend.standardize_dtype(fn(make(dtype)).dtype)
            except Exception as e:  # noqa: BLE001 - the error's type is recorded
                out[f"{name}:{dtype}"] = f"error:{type(e).__name__}"
    return out


def main():
    eager_values = np.array([[1, 0, 2], [3, 1, 0]])
    data = {
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "floatx": keras.config.floatx(),
        "result_type": result_type_table(),
        "symbolic": dtype_cases(lambda d: keras.KerasTensor((2, 3), dtype=d)),
        "eager": dtype_cases(lambda d: eager_values.astype(d)),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}: {sum(len(v) for v in data.values() if isinstance(v, dict))} entries")


if __name__ == "__main__":
    main()
