"""Property tests for the run-time size primitives (rust/ops/dynamic.rs):
`dim`, `broadcast_dynamic`, `reshape_dynamic` and `arange_dynamic`, against
NumPy over hypothesis-drawn shapes, with gradients by finite differences and
bad sizes refused naming the op."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_check import (
    SETTINGS,
    C,
    InvalidArgumentError,
    ShapeError,
    check_forward,
    check_gradient,
    rng_for,
    seeds,
    shapes,
    uniform,
)

OPS = {"dim", "broadcast_dynamic", "reshape_dynamic", "arange_dynamic"}


def size(n, dtype=np.int64):
    return np.asarray(n, dtype)


@SETTINGS
@given(shape=shapes(min_dims=1), seed=seeds)
def test_dim_reads_each_size(shape, seed):
    x = uniform(rng_for(seed), shape)
    for axis in range(-len(shape), len(shape)):
        out = C.op("dim", [x], {"axis": axis})
        assert out.dtype == np.int64 and out.shape == ()
        assert int(out) == shape[axis]


def test_dim_refuses_a_bad_axis():
    with pytest.raises(InvalidArgumentError, match="dim"):
        C.op("dim", [np.ones((2, 3), np.float32)], {"axis": 2})


@SETTINGS
@given(
    rows=st.integers(0, 5),
    cols=st.integers(1, 4),
    dtype=st.sampled_from([np.int64, np.float32]),
    seed=seeds,
)
def test_broadcast_takes_a_size_at_run_time(rows, cols, dtype, seed):
    x = uniform(rng_for(seed), (1, cols))
    attrs = {"shape": [-1, cols], "sized": [0]}
    check_forward(
        "broadcast_dynamic",
        [x, size(rows, dtype)],
        attrs,
        lambda x, n: np.broadcast_to(x, (int(n), cols)),
        strided_inputs=[0],
    )
    if rows:
        check_gradient(
            "broadcast_dynamic", [x, size(rows, dtype)], attrs, wrt=[0], rng=rng_for(seed + 1)
        )


@SETTINGS
@given(batch=st.integers(1, 4), a=st.integers(1, 4), b=st.integers(1, 4), seed=seeds)
def test_reshape_takes_a_size_at_run_time(batch, a, b, seed):
    x = uniform(rng_for(seed), (batch, a, b))
    attrs = {"shape": [-1, -1], "sized": [0]}
    check_forward(
        "reshape_dynamic",
        [x, size(batch)],
        attrs,
        lambda x, n: x.reshape(int(n), -1),
        strided_inputs=[0],
    )
    check_gradient("reshape_dynamic", [x, size(batch)], attrs, wrt=[0], rng=rng_for(seed + 1))
    static = {"shape": [-1, a * b], "sized": [0]}
    check_forward(
        "reshape_dynamic",
        [x, size(batch)],
        static,
        lambda x, n: x.reshape(int(n), a * b),
        strided_inputs=[0],
    )


@SETTINGS
@given(
    start=st.integers(-3, 3),
    stop=st.integers(-5, 10),
    step=st.sampled_from([1, 2, 3, -1, -2]),
)
def test_arange_counts_to_a_size_at_run_time(start, stop, step):
    out = C.op("arange_dynamic", [size(stop)], {"start": float(start), "step": float(step)})
    np.testing.assert_array_equal(out, np.arange(start, stop, step, dtype=np.float32))


@pytest.mark.parametrize("bad", [-1, 1.5, np.nan, [2, 3]])
def test_bad_sizes_are_refused_naming_the_op(bad):
    x = np.ones((1, 2), np.float32)
    with pytest.raises(InvalidArgumentError, match="broadcast_dynamic"):
        C.op(
            "broadcast_dynamic", [x, np.asarray(bad, np.float32)], {"shape": [-1, 2], "sized": [0]}
        )


def test_mismatched_sizes_are_refused_naming_the_op():
    x = np.ones((4, 6), np.float32)
    with pytest.raises(ShapeError, match="reshape_dynamic"):
        C.op("reshape_dynamic", [x, size(5)], {"shape": [-1, -1], "sized": [0]})
    with pytest.raises(ShapeError, match="broadcast_dynamic"):
        C.op("broadcast_dynamic", [x, size(3)], {"shape": [-1, 6], "sized": [0]})
    with pytest.raises(InvalidArgumentError, match="reshape_dynamic"):
        C.op("reshape_dynamic", [x], {"shape": [-1, -1], "sized": [0]})
    with pytest.raises(InvalidArgumentError, match="sized"):
        C.op("reshape_dynamic", [x, size(2)], {"shape": [-1, -1], "sized": [5]})


def test_rules_keep_run_time_sizes_unknown():
    shape, dtype = C.op_output(
        "broadcast_dynamic", [((1, 3), "float32"), ((), "int64")], {"shape": [-1, 3], "sized": [0]}
    )
    assert tuple(shape) == (None, 3) and dtype == "float32"
    shape, _ = C.op_output(
        "reshape_dynamic",
        [((None, 4, 5), "float32"), ((), "int64")],
        {"shape": [-1, 20], "sized": [0]},
    )
    assert tuple(shape) == (None, 20)
    shape, dtype = C.op_output("dim", [((None, 4), "float32")], {"axis": 0})
    assert tuple(shape) == () and dtype == "int64"
    with pytest.raises(ShapeError, match="broadcast_dynamic"):
        C.op_output(
            "broadcast_dynamic",
            [((2, 3), "float32"), ((), "int64")],
            {"shape": [-1, 4], "sized": [0]},
        )
