"""sort and argsort (primitives) and the functions built on them: sort,
argsort, top_k, argpartition.

Forward against NumPy's stable sort over hypothesis-drawn shapes, axes and
values with ties and NaN; Keras's own outputs (NaN placement, ties, int32
indices) from tests/reference/data/sorting.json; gradients against finite
differences and through a traced model's `fit`; Functional models with an
unknown batch; bad input.
"""

import json
import pathlib

import numpy as np
import pytest
from composite_check import WeightedOp, assert_matches_record, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from op_check import (
    FEW,
    SETTINGS,
    C,
    InvalidArgumentError,
    ShapeError,
    check_forward,
    check_gradient,
    distinct_values,
    rng_for,
    seeds,
    shapes,
)

import pykeras as keras
from pykeras import ops
from pykeras.ops import sorting

OPS = {"sort", "argsort"}

RECORDS = json.loads(
    (
        pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "sorting.json"
    ).read_text()
)["sorting"]


def _values(rng, shape, nan=True):
    """Values on a coarse grid (many ties), with NaN and signed zeros now and then."""
    x = rng.integers(-3, 4, size=shape).astype(np.float32) * 0.5
    if nan and x.size:
        x[rng.random(shape) < 0.15] = np.nan
        x[rng.random(shape) < 0.1] = -0.0
    return x


def _descending_order(row):
    """Indices of a 1-D row from largest to smallest, NaN first, ties by index."""
    return sorted(range(len(row)), key=lambda i: (not np.isnan(row[i]), -row[i], i))


# ---------------------------------------------------------------- the primitives


@SETTINGS
@given(shape=shapes(min_dims=1), seed=seeds, data=st.data())
def test_primitives_match_numpy_stable_sort(shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    nan = data.draw(st.booleans())
    x = _values(rng_for(seed), shape, nan=nan)
    # op_check's non-contiguous copy compares with array_equal: not with NaN.
    kw = {"strided_inputs": ()} if nan else {}
    attrs = {"axis": axis}
    check_forward("sort", [x], attrs, lambda v: np.sort(v, axis=axis, kind="stable"), 0, 0, **kw)
    check_forward(
        "argsort", [x], attrs, lambda v: np.argsort(v, axis=axis, kind="stable"), 0, 0, **kw
    )


@SETTINGS
@given(shape=shapes(min_dims=1, max_side=5), seed=seeds)
def test_descending_puts_nan_first_and_keeps_ties_in_order(shape, seed):
    x = _values(rng_for(seed), shape)
    order = np.asarray(C.op("argsort", [x], {"descending": True}))
    rows = x.reshape(int(np.prod(shape[:-1])), shape[-1]) if x.size else x.reshape(0, shape[-1])
    want = np.array([_descending_order(r) for r in rows], np.float32).reshape(shape)
    np.testing.assert_array_equal(order, want)
    values = C.op("sort", [x], {"descending": True})
    np.testing.assert_array_equal(values, np.take_along_axis(x, want.astype(np.int64), -1))


@FEW
@given(shape=shapes(min_dims=1, min_side=1, max_side=5), seed=seeds, data=st.data())
def test_sort_gradient(shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    descending = data.draw(st.booleans())
    rng = rng_for(seed)
    x = distinct_values(rng, shape, gap=0.1)
    grads = check_gradient("sort", [x], {"axis": axis, "descending": descending}, rng=rng)
    assert grads[0].shape == x.shape


def test_argsort_has_no_gradient():
    x = np.array([[3.0, 1.0, 2.0]], np.float32)
    assert C.op_grad("argsort", [x], np.ones_like(x), None) == [None]
    assert not next(s for s in C.op_specs() if s["name"] == "argsort")["differentiable"]


def test_primitive_refuses_a_bad_axis_and_an_int_input():
    with pytest.raises(InvalidArgumentError, match="sort"):
        C.op("sort", [np.zeros((2, 3), np.float32)], {"axis": 2})
    with pytest.raises(InvalidArgumentError, match="argsort"):
        C.op_output("argsort", [((2, 3), "float32")], {"axis": -3})


# ---------------------------------------------------------------- keras.ops functions


def test_signatures_and_docs_are_keras():
    for name in sorting.__all__:
        assert our_params(getattr(sorting, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(sorting, name)
        doc = getattr(sorting, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", RECORDS, ids=[f"{c['op']}-{i}" for i, c in enumerate(RECORDS)])
def test_matches_keras_record(case):
    args = [np.asarray(a["array"], a["dtype"]) for a in case["args"]]
    got = getattr(ops, case["op"])(*args, **case["kwargs"])
    assert_matches_record(got, case["result"])


@SETTINGS
@given(shape=shapes(min_dims=1), seed=seeds, data=st.data())
def test_sort_and_argsort_match_numpy(shape, seed, data):
    axis = data.draw(st.sampled_from([None, *range(-len(shape), len(shape))]))
    x = _values(rng_for(seed), shape)
    got = ops.sort(x, axis=axis)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.sort(x, axis=axis, kind="stable"))
    got = ops.argsort(x, axis=axis)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.argsort(x, axis=axis, kind="stable"))


@SETTINGS
@given(shape=shapes(min_dims=1), seed=seeds, dtype=st.sampled_from(["int32", "int64", "uint8"]))
def test_integers_sort_exactly_and_keep_their_dtype(shape, seed, dtype):
    info = np.iinfo(dtype)
    x = rng_for(seed).integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    got = ops.sort(x)
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, np.sort(x, kind="stable"))
    np.testing.assert_array_equal(ops.argsort(x), np.argsort(x, kind="stable"))
    k = shape[-1] // 2
    values, indices = ops.top_k(x, k)
    assert values.dtype == x.dtype and indices.dtype == np.int32
    rows = x.reshape(int(np.prod(shape[:-1])), shape[-1])
    want = [sorted(range(len(r)), key=lambda i: (-int(r[i]), i))[:k] for r in rows]
    np.testing.assert_array_equal(indices, np.array(want, np.int64).reshape(indices.shape))
    np.testing.assert_array_equal(values, np.take_along_axis(x, indices.astype(np.int64), -1))


@SETTINGS
@given(shape=shapes(min_dims=1), seed=seeds, data=st.data())
def test_top_k_matches_a_descending_stable_sort(shape, seed, data):
    k = data.draw(st.integers(0, shape[-1]))
    x = _values(rng_for(seed), shape)
    values, indices = ops.top_k(x, k, sorted=data.draw(st.booleans()))
    assert values.shape == indices.shape == shape[:-1] + (k,)
    assert values.dtype == np.float32 and indices.dtype == np.int32
    rows = x.reshape(int(np.prod(shape[:-1])), shape[-1])
    want = np.array([_descending_order(r)[:k] for r in rows], np.int64).reshape(shape[:-1] + (k,))
    np.testing.assert_array_equal(indices, want)
    np.testing.assert_array_equal(values, np.take_along_axis(x, want, -1))


@SETTINGS
@given(shape=shapes(min_dims=1, min_side=1), seed=seeds, data=st.data())
def test_argpartition_partitions(shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    kth = data.draw(st.integers(-n, n - 1))
    x = _values(rng_for(seed), shape, nan=False)
    if data.draw(st.booleans()):
        x = (x * 2).astype(np.int32)
    idx = ops.argpartition(x, kth, axis=axis)
    assert idx.dtype == np.int32 and idx.shape == x.shape
    # A permutation along the axis, whose kth element is the sorted one,
    # with nothing larger before it and nothing smaller after it.
    np.testing.assert_array_equal(
        np.sort(idx, axis=axis),
        np.broadcast_to(
            np.arange(n).reshape([-1 if i == axis % len(shape) else 1 for i in range(len(shape))]),
            shape,
        ),
    )
    part = np.moveaxis(np.take_along_axis(x, idx.astype(np.int64), axis), axis, -1)
    pivot = np.moveaxis(np.sort(x, axis=axis), axis, -1)[..., kth % n]
    np.testing.assert_array_equal(part[..., kth % n], pivot)
    assert np.all(part[..., : kth % n] <= pivot[..., None])
    assert np.all(part[..., kth % n + 1 :] >= pivot[..., None])


def test_argpartition_flattens_with_axis_none():
    x = np.array([[3, 4], [2, 1]])
    idx = ops.argpartition(x, 1, axis=None)
    assert idx.shape == (4,)
    assert x.ravel()[idx[1]] == 2


def test_functional_model_with_unknown_batch():
    inputs = keras.Input((3, 5))
    sorted_ = ops.sort(inputs, axis=1)
    order = ops.argsort(inputs)
    values, indices = ops.top_k(inputs, 2)
    part = ops.argpartition(inputs, 1, axis=-1)
    assert tuple(sorted_.shape) == (None, 3, 5) and tuple(values.shape) == (None, 3, 2)
    assert order.dtype == "int32" and indices.dtype == "int32"  # as Keras
    model = keras.Model(inputs, [sorted_, order, values, indices, part])
    x = rng_for(3).standard_normal((4, 3, 5)).astype(np.float32)
    got = model.predict(x, batch_size=3, verbose=0)
    np.testing.assert_array_equal(got[0], np.sort(x, axis=1))
    np.testing.assert_array_equal(got[1], np.argsort(x, kind="stable"))
    want = np.argsort(-x, kind="stable")[..., :2]
    np.testing.assert_array_equal(got[2], np.take_along_axis(x, want, -1))
    np.testing.assert_array_equal(got[3], want)
    np.testing.assert_array_equal(got[4], np.argsort(x, kind="stable"))


@pytest.mark.parametrize(
    "name,fn,order,shape",
    [
        ("sort", lambda t: ops.sort(t, axis=-1), lambda t: ops.argsort(t), (2, 5)),
        ("sort_axis1", lambda t: ops.sort(t, axis=1), lambda t: ops.argsort(t, axis=1), (4, 2)),
        ("top_k", lambda t: ops.top_k(t, 3)[0], lambda t: ops.top_k(t, 3)[1], (6,)),
    ],
)
def test_traced_model_values_gradient_and_fit(name, fn, order, shape):
    model = WeightedOp(fn, shape, seed=5)
    w0 = model.w.numpy().copy()
    x = np.ones((1, *shape), np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_array_equal(y, fn(w0[None]))
    lr = 0.5
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    # d mean(y**2)/dw: each output's 2 y / size goes back where it came from.
    axis = 1 if name == "sort_axis1" else -1
    grad = np.zeros((1, *shape))
    np.put_along_axis(grad, order(w0[None]).astype(np.int64), 2.0 * y / y.size, axis)
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad[0], rtol=1e-5, atol=1e-6)
    history = model.fit(x, np.zeros_like(y), batch_size=1, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_bad_input_names_the_op():
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(InvalidArgumentError, match="'sort'.*axis"):
        ops.sort(x, axis=2)
    with pytest.raises(InvalidArgumentError, match="'argsort'.*axis"):
        ops.argsort(np.zeros((2, 3), np.int32), axis=-3)
    with pytest.raises(ShapeError, match="'sort'.*scalar"):
        ops.sort(np.float32(1.0))
    with pytest.raises(InvalidArgumentError, match="'top_k'.*k must be at most"):
        ops.top_k(x, 4)
    with pytest.raises(InvalidArgumentError, match="'top_k'.*k must be an int"):
        ops.top_k(x, 1.5)
    with pytest.raises(ShapeError, match="'top_k'"):
        ops.top_k(np.float32(2.0), 1)
    with pytest.raises(InvalidArgumentError, match="'argpartition'.*kth"):
        ops.argpartition(x, 3)
    with pytest.raises(InvalidArgumentError, match="'top_k'.*k must be at most"):
        ops.top_k(keras.Input((3,)), 4)
