"""Records the result dtype of every `keras.ops` function on float64 input,
with JAX's x64 on.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    /work/keras-env/bin/python tests/reference/make_float64_dtypes_reference.py

Each public function of `keras.ops` (from `keras_namespace.json`) is called
with its required positional arguments all given the same float64 array
(shape (3, 4), values in (0.1, 0.9), so logs, roots and inverse trig
functions are defined). The ops that accept that call are recorded with
the number of arguments and the dtype of each array in their result; the
others (they need indices, shapes, integers) are not recorded. This is a
survey of dtypes only: which ops keep float64, which give float32 (Keras's
`tanh`, `mean` ... compute in `result_type(x, float)`), which give ints or
bools.

Output: tests/reference/data/float64_dtypes.json, read by
tests/python/test_float64_dtypes.py (which feeds pykeras the same call).
"""

import inspect
import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "data" / "float64_dtypes.json"

# Ops left out: random or stateful ones, and ones whose calls on a matrix
# of fractions run a long time or print.
SKIP = {
    "custom_gradient",
    "map",
    "scan",
    "associative_scan",
    "fori_loop",
    "while_loop",
    "switch",
    "cond",
    "vectorized_map",
    "stop_gradient",
    "convert_to_numpy",
    "convert_to_tensor",
    "cast",
    "saturate_cast",
    "dtype",
}


def example():
    """The float64 input every argument gets (the test rebuilds it)."""
    return (np.arange(12, dtype=np.float64).reshape(3, 4) + 1.5) / 15.0


def required_positional(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in kinds and p.default is inspect.Parameter.empty)


def dtypes_of(out):
    leaves = jax.tree_util.tree_leaves(out)
    if not leaves or not all(hasattr(v, "dtype") for v in leaves):
        return None
    return [keras.backend.standardize_dtype(v.dtype) for v in leaves]


def main() -> None:
    names = json.loads((HERE / "keras_namespace.json").read_text())["modules"]["keras.ops"]
    cases = {}
    for name, entry in sorted(names["names"].items()):
        if entry["kind"] != "function" or name in SKIP:
            continue
        fn = getattr(keras.ops, name)
        n = required_positional(fn)
        if not n:
            continue
        try:
            out = fn(*[example() for _ in range(n)])
        except Exception:  # noqa: BLE001 - ops that need other arguments
            continue
        dtypes = dtypes_of(out)
        if dtypes is not None:
            cases[name] = {"nargs": n, "dtypes": dtypes}
    data = {
        "keras_version": keras.__version__,
        "jax_version": jax.__version__,
        "x64": True,
        "cases": cases,
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
