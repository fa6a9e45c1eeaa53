"""Records what Keras 3's linear-algebra ops return.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_linalg_reference.py

Each case calls one `keras.ops` function on small float32 arguments and
records the result's shape, dtype and values (or the error's type). The
arguments are stored too, so tests/python/test_ops_decompositions.py replays
every case against `pykeras.ops` from the JSON alone. The cases cover what
NumPy does not settle: how `solve` reads a `b` of one rank less than `a`,
what singular and non-positive-definite input gives, the default cut-offs of
`pinv`, `lstsq` and `matrix_rank`, result dtypes (int32 pivots and ranks),
and `cholesky_inverse`'s meaning. Eigen- and singular vectors are recorded
as the decomposition's reconstruction only (their signs are arbitrary).
Output: tests/reference/data/linalg.json.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "linalg.json"

RNG = np.random.default_rng(20240611)


def arr(values):
    """An array argument, as stored: {"array": nested values, "dtype": name}."""
    return {"array": np.asarray(values, np.float32).tolist(), "dtype": "float32"}


def decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], value["dtype"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def encode_result(value):
    if isinstance(value, (list, tuple)):
        return {"items": [encode_result(v) for v in value]}
    a = np.asarray(value)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "values": a.ravel().tolist()}


def well(n, batch=()):
    """A well-conditioned (n, n) matrix (or a batch of them)."""
    return RNG.uniform(-1, 1, batch + (n, n)) + 2.0 * np.eye(n)


def spd(n, batch=()):
    a = RNG.uniform(-1, 1, batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


A3 = arr(well(3))
AB = arr(well(3, (2,)))
B3 = arr(RNG.uniform(-1, 1, (3,)))
B32 = arr(RNG.uniform(-1, 1, (3, 2)))
BB3 = arr(RNG.uniform(-1, 1, (2, 3)))
BB32 = arr(RNG.uniform(-1, 1, (2, 3, 2)))
SPD = arr(spd(3))
SPDB = arr(spd(3, (2,)))
SINGULAR = arr([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
NEG_DET = arr([[0.0, 1.0], [1.0, 0.0]])
NOT_PD = arr([[1.0, 2.0], [2.0, 1.0]])
TALL = arr(RNG.uniform(-1, 1, (4, 2)))
WIDE = arr(RNG.uniform(-1, 1, (2, 4)))
RANK1 = arr(np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5, 2.0]))
LOWER = arr(np.tril(well(3)))
UPPER = arr(np.triu(well(3)))
CHOL = arr(np.linalg.cholesky(spd(3)))

CASES = [
    ("inv", [A3], {}),
    ("inv", [AB], {}),
    ("inv", [SINGULAR], {}),
    ("inv", [TALL], {}),
    ("det", [AB], {}),
    ("det", [SINGULAR], {}),
    ("det", [NEG_DET], {}),
    ("slogdet", [AB], {}),
    ("slogdet", [SINGULAR], {}),
    ("slogdet", [NEG_DET], {}),
    ("logdet", [SPDB], {}),
    ("logdet", [NEG_DET], {}),
    ("solve", [A3, B3], {}),
    ("solve", [A3, B32], {}),
    ("solve", [AB, BB3], {}),
    ("solve", [AB, BB32], {}),
    ("solve", [AB, B3], {}),
    ("solve", [AB, B32], {}),
    ("solve", [A3, BB32], {}),
    ("solve", [SINGULAR, B3], {}),
    ("solve", [TALL, B3], {}),
    ("solve_triangular", [LOWER, B32], {"lower": True}),
    ("solve_triangular", [UPPER, B3], {}),
    ("solve_triangular", [A3, B32], {"lower": True}),
    ("solve_triangular", [A3, B32], {"lower": False}),
    ("solve_triangular", [AB, BB3], {"lower": True}),
    ("solve_triangular", [AB, B3], {"lower": True}),
    ("solve_triangular", [AB, B32], {"lower": True}),
    ("solve_triangular", [A3, BB32], {"lower": True}),
    ("solve_triangular", [SINGULAR, B3], {"lower": True}),
    ("cholesky", [SPD], {}),
    ("cholesky", [SPDB], {"upper": True}),
    ("cholesky", [NOT_PD], {}),
    ("cholesky", [A3], {}),
    ("cholesky_inverse", [CHOL], {}),
    ("cholesky_inverse", [arr(np.swapaxes(decode(CHOL), -1, -2))], {"upper": True}),
    ("lu_factor", [A3], {}),
    ("lu_factor", [AB], {}),
    ("lu_factor", [SINGULAR], {}),
    ("lu_factor", [TALL], {}),
    ("qr", [TALL], {}),
    ("qr", [TALL], {"mode": "complete"}),
    ("qr", [WIDE], {}),
    ("qr", [AB], {"mode": "complete"}),
    ("svd", [TALL], {"compute_uv": False}),
    ("svd", [RANK1], {"compute_uv": False}),
    ("pinv", [TALL], {}),
    ("pinv", [RANK1], {}),
    ("pinv", [RANK1], {"rcond": 0.5}),
    ("pinv", [AB], {}),
    ("lstsq", [TALL, arr(RNG.uniform(-1, 1, (4,)))], {}),
    ("lstsq", [WIDE, arr(RNG.uniform(-1, 1, (2, 3)))], {}),
    ("lstsq", [arr(decode(RANK1).T), arr(RNG.uniform(-1, 1, (4, 2)))], {}),
    ("lstsq", [A3, B3], {"rcond": 0.9}),
    ("matrix_rank", [RANK1], {}),
    ("matrix_rank", [AB], {}),
    ("matrix_rank", [SINGULAR], {}),
    ("matrix_rank", [A3], {"tol": 10.0}),
    ("matrix_rank", [arr(np.zeros((2, 3)))], {}),
]


def record(name, args, kwargs):
    case = {"op": name, "args": args, "kwargs": kwargs}
    try:
        result = getattr(ops, name)(*decode(args), **kwargs)
        case["result"] = encode_result(jax.device_get(result))
    except Exception as e:  # noqa: BLE001 - the error's type is the record
        case["error"] = type(e).__name__
    return case


def decompositions():
    """Shapes and reconstructions of eigh, svd and qr (signs are free)."""
    out = []
    for name, x, kwargs in [
        ("eigh", AB, {}),
        ("svd", TALL, {}),
        ("svd", WIDE, {"full_matrices": False}),
        ("svd", AB, {}),
    ]:
        parts = getattr(ops, name)(decode(x), **kwargs)
        out.append(
            {
                "op": name,
                "args": [x],
                "kwargs": kwargs,
                "shapes": [list(np.shape(p)) for p in parts],
                "dtypes": [str(np.asarray(p).dtype) for p in parts],
                "values": np.asarray(parts[0 if name == "eigh" else 1]).ravel().tolist(),
            }
        )
    return out


def main():
    data = {
        "versions": {"keras": keras.__version__, "jax": jax.__version__, "numpy": np.__version__},
        "cases": [record(*c) for c in CASES],
        "decompositions": decompositions(),
    }
    compact = {"sort_keys": True, "separators": (",", ":")}
    parts = [f'"versions": {json.dumps(data["versions"], sort_keys=True)}']
    for family in ("cases", "decompositions"):
        lines = ",\n".join(f" {json.dumps(case, **compact)}" for case in data[family])
        parts.append(f'"{family}": [\n{lines}\n]')
    OUT.write_text("{\n" + ",\n".join(parts) + "\n}\n")
    json.loads(OUT.read_text())
    print(f"wrote {OUT}: {len(data['cases'])} + {len(data['decompositions'])} cases")


if __name__ == "__main__":
    main()
