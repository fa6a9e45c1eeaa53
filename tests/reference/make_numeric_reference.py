"""Records what Keras 3 returns for the numeric, predicate, bitwise and
statistics ops (pykeras/ops/numeric.py, predicates.py, bitwise.py,
statistics.py), where Keras differs from NumPy: result dtypes (bool
predicates, int32 arg-indices, integer inputs kept), defaults
(`nan_to_num`'s float32 limits), edge cases (signed zeros, infinities, NaN,
all-NaN slices, division by zero) and the errors Keras raises.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_numeric_reference.py

Each case calls one `keras.ops` function on small arguments and records the
result's shape, dtype and values (or the error's type), with the arguments;
tests/python/test_composite_{numeric,predicates,bitwise,statistics}.py replay
every case against `pykeras.ops` from the JSON alone. Output:
tests/reference/data/numeric_ops.json.

The cases avoid 64-bit arrays (JAX without x64 makes them 32-bit) and
integers past float32's exact range (2**24).
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "numeric_ops.json"
FAMILIES = ("numeric", "predicates", "bitwise", "statistics")


def arr(values, dtype):
    """An array argument, as stored: {"array": nested values, "dtype": name}."""
    return {"array": np.asarray(values, dtype).tolist(), "dtype": dtype}


def decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], value["dtype"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def decode_kwargs(kwargs):
    out = {k: decode(v) for k, v in kwargs.items()}
    if isinstance(out.get("axis"), list):
        out["axis"] = tuple(out["axis"])
    return out


def encode_result(value):
    if isinstance(value, (list, tuple)):
        return {"items": [encode_result(v) for v in value]}
    a = np.asarray(value)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "values": a.ravel().tolist()}


INF, NAN = np.inf, np.nan
# Signed zeros, infinities, NaN and ordinary values.
EDGE = arr([-INF, -2.5, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.5, INF, NAN], "float32")
F = arr([[1.5, -2.0, 0.25], [3.0, -0.75, 8.0]], "float32")
G = arr([[0.5, 2.0, -0.25], [-3.0, 0.0, 2.0]], "float32")
I = arr([[7, -7, 12, 0], [5, -9, 3, 16]], "int32")  # noqa: E741
J = arr([[2, 3, -5, 4], [-3, 4, 1, 0]], "int32")
SMALL = arr([[0, 1, 2, 3], [4, 5, 31, 1]], "int32")
B = arr([[True, False, True], [False, False, True]], "bool")
C = arr([[False, False, True], [True, False, True]], "bool")
# Pairs over signed zeros and infinities (arctan2, hypot, logaddexp...).
PX = arr([0.0, -0.0, 0.0, -0.0, 1.0, -1.0, -1.0, INF, -INF, INF, -INF, 2.0, NAN, 3.0], "float32")
PY = arr([0.0, 0.0, -0.0, -0.0, 0.0, 0.0, -0.0, INF, INF, -INF, 5.0, -INF, 1.0, NAN], "float32")
WITH_NAN = arr([[1.0, NAN, -2.0, 4.0], [NAN, NAN, NAN, NAN], [3.0, -INF, NAN, 0.5]], "float32")
T = arr((np.arange(24).reshape(2, 3, 4) * 7 % 11) * 0.5 - 2.0, "float32")
ROWS = arr([[1.0, 2.0, 4.0, 7.0], [2.0, 1.0, 0.0, -1.0], [3.0, 3.0, 3.0, 3.0]], "float32")

NUMERIC = [
    ("arccosh", [arr([1.0, 1.5, 10.0, 1e10, 0.5, INF, NAN], "float32")], {}),
    ("arccosh", [arr([1, 2, 3], "int32")], {}),
    ("arctanh", [arr([-1.0, -0.5, 0.0, 1e-5, 0.5, 1.0, 2.0, NAN], "float32")], {}),
    ("arctan2", [PY, PX], {}),
    ("arctan2", [I, J], {}),
    ("cbrt", [EDGE], {}),
    ("cbrt", [arr([-27, 8, 0, 1000], "int32")], {}),
    ("deg2rad", [arr([0, 90, 180, -45], "int32")], {}),
    ("rad2deg", [EDGE], {}),
    ("fabs", [I], {}),
    ("fabs", [EDGE], {}),
    ("fmax", [PX, PY], {}),
    ("fmin", [PX, PY], {}),
    ("fmax", [I, J], {}),
    ("fmin", [B, C], {}),
    ("fmax", [I, 2], {}),
    ("fmod", [F, G], {}),
    ("fmod", [I, J], {}),
    (
        "fmod",
        [
            arr([7.5, -7.5, 7.5, -7.5, INF, 1.0], "float32"),
            arr([2.0, 2.0, -2.0, -2.0, 2.0, INF], "float32"),
        ],
        {},
    ),
    ("fmod", [B, arr([True, True, True], "bool")], {}),
    ("heaviside", [EDGE, 0.5], {}),
    ("heaviside", [I, J], {}),
    ("hypot", [PX, PY], {}),
    ("hypot", [arr([3e30, 3e-15, -6.0], "float32"), arr([4e30, 4e-15, 8.0], "float32")], {}),
    ("logaddexp", [PX, PY], {}),
    ("logaddexp", [F, G], {}),
    ("logaddexp2", [PX, PY], {}),
    ("logaddexp2", [I, J], {}),
    ("sinc", [EDGE], {}),
    ("sinc", [arr([0, 1, 2], "int32")], {}),
    ("trunc", [EDGE], {}),
    ("trunc", [I], {}),
    ("trunc", [B], {}),
    ("ldexp", [F, arr([[1, -2, 3], [0, 4, -1]], "int32")], {}),
    ("ldexp", [I, J], {}),
    ("ldexp", [F, 3], {}),
    ("ldexp", [arr([0.75, 1.0, 3.0], "float32"), arr([128, -126, -100], "int32")], {}),
    ("ldexp", [F, G], {}),
    ("nextafter", [PX, PY], {}),
    (
        "nextafter",
        [
            arr([1.0, 1.0, 0.0, 0.0, 2.0, 3.4028235e38, -1.0, 1e-45], "float32"),
            arr([2.0, 0.0, 1.0, -1.0, 0.0, INF, -INF, 0.0], "float32"),
        ],
        {},
    ),
    ("nextafter", [I, J], {}),
    ("i0", [EDGE], {}),
    ("i0", [arr([0.1, 3.0, 7.9, 8.0, 8.1, 20.0, -30.0, 80.0], "float32")], {}),
    ("i0", [I], {}),
    ("divide_no_nan", [PX, PY], {}),
    (
        "divide_no_nan",
        [
            arr([1.0, 0.0, NAN, INF, -2.0, 6.0], "float32"),
            arr([0.0, 0.0, 0.0, 0.0, -0.0, 3.0], "float32"),
        ],
        {},
    ),
    ("divide_no_nan", [I, J], {}),
    ("nan_to_num", [EDGE], {}),
    ("nan_to_num", [EDGE], {"nan": 7.0, "posinf": 100.0, "neginf": -100.0}),
    ("nan_to_num", [EDGE], {"posinf": 5.0}),
    ("nan_to_num", [I], {}),
    ("nan_to_num", [B], {}),
]

PREDICATES = [
    ("isnan", [EDGE], {}),
    ("isinf", [EDGE], {}),
    ("isfinite", [EDGE], {}),
    ("isneginf", [EDGE], {}),
    ("isposinf", [EDGE], {}),
    ("signbit", [EDGE], {}),
    ("signbit", [I], {}),
    ("signbit", [B], {}),
    ("isnan", [I], {}),
    ("isinf", [B], {}),
    ("isfinite", [I], {}),
    ("isneginf", [I], {}),
    ("isposinf", [B], {}),
    ("isclose", [PX, PY], {}),
    ("isclose", [PX, PX], {}),
    ("isclose", [PX, PX], {"equal_nan": True}),
    (
        "isclose",
        [
            arr([1.0, 1.0, 100.0, 1e-9, 0.0], "float32"),
            arr([1.00001, 1.001, 100.002, 0.0, 1e-7], "float32"),
        ],
        {},
    ),
    (
        "isclose",
        [
            arr([1.0, 1.0, 100.0, 1e-9, 0.0], "float32"),
            arr([1.00001, 1.001, 100.002, 0.0, 1e-7], "float32"),
        ],
        {"rtol": 1e-3, "atol": 1e-8},
    ),
    ("isclose", [I, J], {"atol": 2.0}),
    ("isclose", [B, C], {}),
    ("allclose", [F, F], {}),
    ("allclose", [F, G], {}),
    ("allclose", [F, G], {"atol": 6.0}),
    ("allclose", [PX, PX], {}),
    ("allclose", [PX, PX], {"equal_nan": True}),
    ("allclose", [I, I], {}),
]

BITWISE = [
    (name, args, {})
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor")
    for args in ([I, J], [B, C], [I, 6], [F, G])
] + [
    ("bitwise_not", [I], {}),
    ("bitwise_not", [B], {}),
    ("bitwise_not", [F], {}),
    ("bitwise_invert", [I], {}),
    ("bitwise_invert", [B], {}),
    ("bitwise_left_shift", [I, SMALL], {}),
    ("bitwise_left_shift", [I, 3], {}),
    ("bitwise_left_shift", [B, C], {}),
    ("bitwise_left_shift", [arr([1, -1, 5], "int32"), arr([32, 33, 40], "int32")], {}),
    ("bitwise_left_shift", [F, G], {}),
    ("bitwise_right_shift", [I, SMALL], {}),
    ("bitwise_right_shift", [I, 1], {}),
    ("bitwise_right_shift", [arr([1, -1, -1000], "int32"), arr([32, 33, 40], "int32")], {}),
    ("bitwise_right_shift", [F, G], {}),
    ("left_shift", [I, SMALL], {}),
    ("right_shift", [I, SMALL], {}),
    ("gcd", [I, J], {}),
    ("gcd", [arr([0, 0, -12, 12, 2**23], "int32"), arr([0, -5, -18, 0, 3 * 2**20], "int32")], {}),
    ("gcd", [I, 4], {}),
    ("gcd", [F, G], {}),
    ("gcd", [B, C], {}),
    ("lcm", [I, J], {}),
    ("lcm", [arr([0, 0, -12, 12, 4, 6], "int32"), arr([0, -5, -18, 0, 6, -4], "int32")], {}),
    ("lcm", [F, G], {}),
]

STATISTICS = (
    [
        (name, [x], kwargs)
        for name in ("nanmax", "nanmin", "nansum", "nanmean", "nanprod", "nanstd", "nanvar")
        for x, kwargs in (
            (WITH_NAN, {}),
            (WITH_NAN, {"axis": 1}),
            (WITH_NAN, {"axis": 0, "keepdims": True}),
            (I, {"axis": 1}),
            (B, {}),
        )
    ]
    + [
        (name, [x], kwargs)
        for name in ("nanargmax", "nanargmin")
        for x, kwargs in (
            (WITH_NAN, {}),
            (WITH_NAN, {"axis": 1}),
            (WITH_NAN, {"axis": 0, "keepdims": True}),
            (I, {"axis": 1}),
            (B, {}),
            (arr([NAN, -INF, NAN, INF], "float32"), {}),
        )
    ]
    + [
        (name, [x], kwargs)
        for name in ("nancumsum", "nancumprod")
        for x, kwargs in (
            (WITH_NAN, {}),
            (WITH_NAN, {"axis": 1}),
            (I, {"axis": 0}),
            (B, {"axis": 1}),
            (WITH_NAN, {"axis": 1, "dtype": "float32"}),
            (I, {"axis": 0, "dtype": "float32"}),
        )
    ]
    + [
        (name, [x], kwargs)
        for name in ("median", "nanmedian")
        for x, kwargs in (
            (WITH_NAN, {}),
            (WITH_NAN, {"axis": 1}),
            (T, {"axis": [0, 2]}),
            (T, {"axis": 1, "keepdims": True}),
            (T, {"keepdims": True}),
            (I, {"axis": 0}),
            (B, {}),
        )
    ]
    + [
        (name, [x, q], {"method": method, **kwargs})
        for name, q in (
            ("quantile", 0.3),
            ("quantile", arr([0.0, 0.25, 0.5, 0.625, 1.0], "float32")),
            ("percentile", 37.5),
            ("percentile", arr([10.0, 50.0, 75.0, 90.0], "float32")),
            ("nanquantile", arr([0.0, 0.3, 0.5, 1.0], "float32")),
            ("nanpercentile", 62.5),
        )
        for method in ("linear", "lower", "higher", "midpoint", "nearest")
        for x, kwargs in (
            (T, {"axis": 2}),
            (WITH_NAN, {"axis": 1}),
            (T, {"axis": [0, 1], "keepdims": True}),
        )
    ]
    + [
        (
            "quantile",
            [
                arr([1.0, 2.0, 3.0, 4.0, 5.0], "float32"),
                arr([0.125, 0.375, 0.625, 0.875], "float32"),
            ],
            {"method": "nearest"},
        ),
        (
            "quantile",
            [arr([0.0, 1.0, 2.0, 3.0], "float32"), arr([1 / 6, 0.5, 5 / 6], "float32")],
            {"method": "nearest"},
        ),
        ("quantile", [I, 0.5], {}),
        ("quantile", [T, 1.5], {}),
        ("quantile", [T, 0.5], {"method": "nonsense"}),
        ("percentile", [T, 101.0], {}),
        ("percentile", [T, arr([[10.0, 50.0], [75.0, 100.0]], "float32")], {}),
        ("ptp", [F], {}),
        ("ptp", [T], {"axis": 1}),
        ("ptp", [T], {"axis": [0, 2], "keepdims": True}),
        ("ptp", [I], {"axis": 0}),
        ("ptp", [WITH_NAN], {"axis": 1}),
        ("ptp", [B], {}),
        ("diff", [T], {}),
        ("diff", [T], {"n": 2, "axis": 1}),
        ("diff", [T], {"n": 0}),
        ("diff", [T], {"n": 5, "axis": 0}),
        ("diff", [I], {"n": 2, "axis": 0}),
        ("diff", [B], {}),
        ("corrcoef", [ROWS], {}),
        ("corrcoef", [arr([1.0, 2.0, 0.5], "float32")], {}),
        ("corrcoef", [I], {}),
        ("corrcoef", [arr([[1.0, 2.0, 0.5]], "float32")], {}),
        ("corrcoef", [T], {}),
        ("trapezoid", [T], {}),
        ("trapezoid", [T], {"dx": 0.5, "axis": 1}),
        ("trapezoid", [T], {"x": arr([0.0, 1.0, 3.0, 6.0], "float32")}),
        ("trapezoid", [T], {"x": arr([0.0, 2.0, 2.5], "float32"), "axis": 1}),
        ("trapezoid", [T], {"x": T, "axis": 0}),
        ("trapezoid", [I], {}),
        ("trapezoid", [B], {}),
    ]
)


def record(name, args, kwargs):
    case = {"op": name, "args": args, "kwargs": kwargs}
    try:
        result = getattr(ops, name)(*decode(args), **decode_kwargs(kwargs))
        case["result"] = encode_result(jax.device_get(result))
    except Exception as e:  # noqa: BLE001 - the error's type is the record
        case["error"] = type(e).__name__
    return case


def dumps_one_case_per_line(data):
    """JSON with one case per line: compact, and diffable."""
    compact = {"sort_keys": True, "separators": (",", ":")}
    parts = [f'"versions": {json.dumps(data["versions"], sort_keys=True)}']
    for family in FAMILIES:
        lines = ",\n".join(f" {json.dumps(case, **compact)}" for case in data[family])
        parts.append(f'"{family}": [\n{lines}\n]')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main():
    data = {
        "versions": {"keras": keras.__version__, "jax": jax.__version__, "numpy": np.__version__},
    }
    for family, cases in zip(FAMILIES, (NUMERIC, PREDICATES, BITWISE, STATISTICS)):
        data[family] = [record(*c) for c in cases]
    OUT.write_text(dumps_one_case_per_line(data))
    json.loads(OUT.read_text())
    print(f"wrote {OUT}: " + ", ".join(f"{len(data[f])} {f}" for f in FAMILIES))


if __name__ == "__main__":
    main()
