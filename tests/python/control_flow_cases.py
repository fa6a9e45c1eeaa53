"""Eager cases for the control-flow ops, run with Keras 3 and with pykeras.

A helper, not a test file. It imports neither Keras nor pykeras: each case
takes the `ops` module. tests/reference/make_control_flow_reference.py runs
them with `keras.ops` (JAX backend) and records each outcome (the nested
result, or the error's class) into tests/reference/data/control_flow.json;
tests/python/test_composite_control_flow.py runs them with `pykeras.ops` and
compares. Integer inputs are int32 arrays or Python ints, whose type Keras
and pykeras both keep (pykeras keeps int64 arrays as int64, where JAX makes
them int32).
"""

import numpy as np

F32 = np.float32
I32 = np.int32

MATS = np.array([[[1, 1], [0, 1]], [[2, 0], [1, 1]], [[1, 3], [0, 1]], [[0, 1], [1, 0]]], F32)
SEQ = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]], F32)


def _pair(c, x):
    return c + x, c * x


CASES = {
    # fori_loop
    "fori_int": lambda ops: ops.fori_loop(0, 10, lambda i, s: s + i, 0),
    "fori_empty_range": lambda ops: ops.fori_loop(5, 2, lambda i, s: s + i, 0),
    "fori_float": lambda ops: ops.fori_loop(0, 3, lambda i, s: s * 2.0, 1.5),
    "fori_tuple": lambda ops: ops.fori_loop(0, 3, lambda i, s: (s[0] + 1, s[1] * 2), (0, 1.0)),
    "fori_dict": lambda ops: ops.fori_loop(
        1,
        4,
        lambda i, s: {"a": s["a"] * i, "b": s["b"] + s["a"]},
        {"a": F32(1.0), "b": np.zeros(2, F32)},
    ),
    "fori_array": lambda ops: ops.fori_loop(0, 4, lambda i, v: v * 0.5 + i, SEQ),
    # while_loop
    "while_single": lambda ops: ops.while_loop(lambda i: i < 10, lambda i: i + 3, 0),
    "while_tuple": lambda ops: ops.while_loop(
        lambda x, y: x < 10, lambda x, y: (x + 1, y * 2.0), (0, 1.0)
    ),
    "while_list": lambda ops: ops.while_loop(
        lambda a, b: a < 5, lambda a, b: [a + 1, b * 2], [0, 1.0]
    ),
    "while_max": lambda ops: ops.while_loop(lambda a: a < 50, lambda a: a + 1, 0, 7),
    "while_max_zero": lambda ops: ops.while_loop(lambda a: a < 50, lambda a: a + 1, 0, 0),
    "while_array": lambda ops: ops.while_loop(
        lambda v: ops.sum(v) < 100.0, lambda v: v * 2.0, np.array([1.0, 2.0], F32)
    ),
    # scan
    "scan_sum": lambda ops: ops.scan(lambda c, x: (c + x, c + x), 0, np.arange(1, 6, dtype=I32)),
    "scan_reverse": lambda ops: ops.scan(
        lambda c, x: (c * 10 + x, c), 0, np.arange(1, 4, dtype=I32), reverse=True
    ),
    "scan_none_y": lambda ops: ops.scan(lambda c, x: (c + x, None), 0.0, SEQ[0]),
    "scan_no_xs": lambda ops: ops.scan(lambda c, x: (c * 2, c), 1, None, 5),
    "scan_rows": lambda ops: ops.scan(_pair, np.ones(3, F32), SEQ),
    "scan_nested": lambda ops: ops.scan(
        lambda c, x: ((c[0] + x["u"], c[1] * x["v"]), {"s": c[0] - x["v"]}),
        (F32(0.0), F32(1.0)),
        {"u": SEQ[0], "v": SEQ[1]},
    ),
    "scan_zero_length": lambda ops: ops.scan(lambda c, x: (c + 1.0, c * 2.0), 0.0, None, 0),
    "scan_unroll_true": lambda ops: ops.scan(lambda c, x: (c + x, c), 0.0, SEQ[1], unroll=True),
    # map and vectorized_map
    "map_square": lambda ops: ops.map(lambda x: x * x, np.arange(5, dtype=I32)),
    "map_nested": lambda ops: ops.map(lambda x: {"a": x * 2.0, "b": ops.sum(x)}, SEQ),
    "map_tuple_in": lambda ops: ops.map(lambda t: t[0] - t[1], (SEQ[0], SEQ[1])),
    "map_empty": lambda ops: ops.map(lambda x: x * 2.0, np.zeros((0, 3), F32)),
    "vmap_sum": lambda ops: ops.vectorized_map(lambda x: ops.sum(x), SEQ),
    "vmap_list": lambda ops: ops.vectorized_map(lambda xs: xs[0] * xs[1], [SEQ[0], SEQ[1]]),
    # switch
    "switch_first": lambda ops: ops.switch(0, [lambda x: x + 1.0, lambda x: x * 10.0], 2.0),
    "switch_high": lambda ops: ops.switch(5, [lambda x: x + 1.0, lambda x: x * 10.0], 2.0),
    "switch_low": lambda ops: ops.switch(-3, [lambda x: x + 1.0, lambda x: x * 10.0], 2.0),
    "switch_operands": lambda ops: ops.switch(
        np.array(1, I32),
        [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b],
        SEQ[0],
        SEQ[1],
    ),
    # cond
    "cond_true": lambda ops: ops.cond(True, lambda: SEQ * 2.0, lambda: SEQ),
    "cond_false_array": lambda ops: ops.cond(np.array(False), lambda: 1.0, lambda: 2.0),
    "cond_nested": lambda ops: ops.cond(
        np.float32(3.0) > 2.0,
        lambda: {"a": SEQ[0], "b": (1.0, 2.0)},
        lambda: {"a": SEQ[1], "b": (0.0, 0.0)},
    ),
    # associative_scan
    "ascan_ints": lambda ops: ops.associative_scan(lambda a, b: a + b, np.arange(7, dtype=I32)),
    "ascan_matmul": lambda ops: ops.associative_scan(lambda a, b: a @ b, MATS),
    "ascan_matmul_reverse": lambda ops: ops.associative_scan(
        lambda a, b: a @ b, MATS, reverse=True
    ),
    "ascan_axis1": lambda ops: ops.associative_scan(lambda a, b: a + b, SEQ, axis=1),
    "ascan_max_reverse": lambda ops: ops.associative_scan(
        lambda a, b: ops.maximum(a, b), SEQ, reverse=True, axis=1
    ),
    "ascan_max_negative_axis": lambda ops: ops.associative_scan(
        lambda a, b: ops.maximum(a, b), SEQ, axis=-1
    ),
    "ascan_nested": lambda ops: ops.associative_scan(
        lambda a, b: (a[0] + b[0], a[1] * b[1]), (SEQ[0], SEQ[1])
    ),
    # vectorize
    "vectorize_add": lambda ops: ops.vectorize(lambda a, b: a + b)(np.array([1, 2, 3, 4], I32), 2),
    "vectorize_signature": lambda ops: ops.vectorize(lambda a: ops.sum(a), signature="(n)->()")(
        SEQ
    ),
    "vectorize_matvec": lambda ops: ops.vectorize(
        lambda m, v: ops.sum(m * v, axis=-1), signature="(m,n),(n)->(m)"
    )(MATS, np.array([1.0, -1.0], F32)),
    "vectorize_excluded": lambda ops: ops.vectorize(lambda a, b: a * b, excluded={1})(SEQ[0], 2.0),
    # errors
    "error_scan_length_mismatch": lambda ops: ops.scan(_pair, 0.0, SEQ[0], length=4),
    "error_scan_unroll_zero": lambda ops: ops.scan(_pair, 0.0, SEQ[0], unroll=0),
    "error_scan_not_callable": lambda ops: ops.scan(3, 0.0, SEQ[0]),
    "error_scan_carry_structure": lambda ops: ops.scan(lambda c, x: ((c, c), c), 0.0, SEQ[0]),
    "error_fori_not_callable": lambda ops: ops.fori_loop(0, 3, "body", 0),
    "error_cond_one_element_vector_pred": lambda ops: ops.cond(
        np.array([True]), lambda: 1.0, lambda: 2.0
    ),
    "error_cond_vector_pred": lambda ops: ops.cond(
        np.array([True, False]), lambda: 1.0, lambda: 2.0
    ),
    "error_while_body_structure": lambda ops: ops.while_loop(
        lambda a, b: a < 5, lambda a, b: a + 1, (0, 1.0)
    ),
    "error_vectorize_not_callable": lambda ops: ops.vectorize(3),
    "error_ascan_sizes": lambda ops: ops.associative_scan(
        lambda a, b: (a[0] + b[0], a[1] + b[1]), (SEQ[0], SEQ[0][:2])
    ),
}


def encode(value):
    """A result as JSON: arrays with shape, dtype and values; containers tagged."""
    if value is None:
        return {"none": True}
    if isinstance(value, dict):
        return {"dict": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [encode(v) for v in value]}
    array = np.asarray(value)
    return {"shape": list(array.shape), "dtype": str(array.dtype), "values": array.ravel().tolist()}


def run_case(ops, name):
    """`{"result": encoded}` or `{"error": class name, "bases": [...]}`."""
    try:
        return {"result": encode(CASES[name](ops))}
    except Exception as e:  # the outcome being recorded
        kinds = [k.__name__ for k in (ValueError, TypeError) if isinstance(e, k)]
        return {"error": type(e).__name__, "kinds": kinds}
