"""segment_sum, segment_max, segment_min, segment_prod (primitives and
`keras.ops` functions).

Forward against NumPy's `ufunc.at` over hypothesis-drawn data, ids (out of
range and negative ones included, which are dropped) and segment counts;
Keras's outputs from tests/reference/data/sorting.json; gradients against
finite differences (ties and zeros too) and through a traced model's `fit`;
Functional models; bad input.
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
    DTypeError,
    InvalidArgumentError,
    ShapeError,
    check_forward,
    check_gradient,
    distinct_values,
    rng_for,
    seeds,
    shapes,
    uniform,
)

import pykeras as keras
from pykeras import ops
from pykeras.ops import segments

OPS = {"segment_sum", "segment_max", "segment_min", "segment_prod"}
NAMES = sorted(OPS)

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "sorting.json"
RECORDS = json.loads(FIXTURE.read_text())["segments"]

UFUNC = {
    "segment_sum": (np.add, 0.0),
    "segment_max": (np.maximum, -np.inf),
    "segment_min": (np.minimum, np.inf),
    "segment_prod": (np.multiply, 1.0),
}


def _reference(name, data, ids, num_segments):
    ufunc, identity = UFUNC[name]
    out = np.full((num_segments,) + data.shape[1:], identity, np.float64)
    keep = (ids >= 0) & (ids < num_segments)
    ufunc.at(out, ids[keep], data[keep].astype(np.float64))
    return out


@st.composite
def _case(draw):
    """(data shape, ids, num_segments): ids from -2 to num_segments + 1."""
    rows = draw(st.integers(0, 6))
    inner = draw(shapes(max_dims=2, max_side=3))
    num_segments = draw(st.integers(0, 4))
    ids = draw(st.lists(st.integers(-2, num_segments + 1), min_size=rows, max_size=rows))
    return (rows, *inner), np.array(ids, np.int64), num_segments


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(case=_case(), seed=seeds)
def test_primitive_matches_numpy(name, case, seed):
    shape, ids, n = case
    data = uniform(rng_for(seed), shape, 0.5, 1.5)
    data *= np.where(rng_for(seed + 1).random(shape) < 0.5, -1, 1).astype(np.float32)
    check_forward(
        name,
        [data, ids],
        {"num_segments": n},
        lambda d, i: _reference(name, d, i, n),
        1e-5,
        1e-6,
    )
    got = getattr(ops, name)(data, ids, num_segments=n)
    assert got.dtype == np.float32 and got.shape == (n, *shape[1:])


@pytest.mark.parametrize("name", NAMES)
@FEW
@given(case=_case(), seed=seeds)
def test_integer_data_is_exact_and_keeps_its_dtype(name, case, seed):
    shape, ids, n = case
    data = rng_for(seed).integers(-(2**40), 2**40, size=shape)
    if name == "segment_prod":
        data = data % 7 - 3
    got = getattr(ops, name)(data, ids, n)
    assert got.dtype == np.int64 and got.shape == (n, *shape[1:])
    ufunc, _ = UFUNC[name]
    want = np.full(got.shape, {"segment_sum": 0, "segment_prod": 1}.get(name, 0), np.int64)
    if name == "segment_max":
        want[...] = np.iinfo(np.int64).min
    if name == "segment_min":
        want[...] = np.iinfo(np.int64).max
    keep = (ids >= 0) & (ids < n)
    ufunc.at(want, ids[keep], data[keep])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", NAMES)
def test_num_segments_defaults_to_the_largest_id_plus_one(name):
    data = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    fn = getattr(ops, name)
    np.testing.assert_array_equal(fn(data, np.array([0, 3, 3, 1])), fn(data, [0, 3, 3, 1], 4))
    assert fn(data, np.array([-1, -2, -1, -1])).shape == (0,)
    assert fn(np.zeros((0, 2), np.float32), np.zeros(0, np.int64)).shape == (0, 2)


def test_nan_propagates_through_max_and_min():
    data = np.array([1.0, np.nan, 2.0, 5.0], np.float32)
    ids = np.array([0, 0, 1, 1])
    np.testing.assert_array_equal(ops.segment_max(data, ids, 2), [np.nan, 5.0])
    np.testing.assert_array_equal(ops.segment_min(data, ids, 2), [np.nan, 2.0])


@pytest.mark.parametrize("name", NAMES)
@FEW
@given(case=_case(), seed=seeds)
def test_gradient(name, case, seed):
    shape, ids, n = case
    rng = rng_for(seed)
    # Every segment gets a row: an empty max/min segment is ±inf, which
    # makes the finite-difference loss infinite.
    n = max(n, 1)
    ids = np.concatenate([np.arange(n), ids]).astype(np.int64)
    shape = (len(ids), *(max(d, 1) for d in shape[1:]))
    # Distinct values (no ties for max/min), away from 0 (prod's division).
    data = distinct_values(rng, shape, gap=0.1)
    data = np.where(data >= 0, data + 0.5, data - 0.5).astype(np.float32)
    grads = check_gradient(name, [data, ids], {"num_segments": n}, rng=rng)
    assert grads[1] is None


def test_max_and_min_split_the_gradient_among_ties():
    data = np.array([[2.0, 1.0], [2.0, 3.0], [1.0, 3.0], [3.0, -1.0]], np.float32)
    ids = np.array([0, 0, 0, 1])
    g = np.ones((2, 2), np.float32)
    dmax, dids = C.op_grad("segment_max", [data, ids], g, {"num_segments": 2})
    np.testing.assert_array_equal(dmax, [[0.5, 0], [0.5, 0.5], [0, 0.5], [1, 1]])
    assert dids is None
    dmin, _ = C.op_grad("segment_min", [data, ids], g, {"num_segments": 2})
    np.testing.assert_array_equal(dmin, [[0, 1], [0, 0], [1, 0], [1, 1]])


def test_prod_gradient_with_zeros():
    data = np.array([2.0, 0.0, 3.0, 0.0, 0.0, 5.0, 4.0], np.float32)
    ids = np.array([0, 0, 0, 1, 1, 1, 2])
    g = np.array([1.0, 1.0, 10.0], np.float32)
    (dx, _) = C.op_grad("segment_prod", [data, ids], g, {"num_segments": 3})
    # One zero: it gets the product of the others; two zeros: all get 0.
    np.testing.assert_array_equal(dx, [0, 6, 0, 0, 0, 0, 10])


def test_dropped_rows_get_no_gradient():
    data = np.array([1.0, 2.0, 3.0], np.float32)
    ids = np.array([0, -1, 7])
    for name in NAMES:
        (dx, _) = C.op_grad(name, [data, ids], np.ones(2, np.float32), {"num_segments": 2})
        np.testing.assert_array_equal(dx, [1, 0, 0])


def test_signatures_and_docs_are_keras():
    for name in segments.__all__:
        assert our_params(getattr(segments, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(segments, name)
        doc = getattr(segments, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", RECORDS, ids=[f"{c['op']}-{i}" for i, c in enumerate(RECORDS)])
def test_matches_keras_record(case):
    args = [np.asarray(a["array"], a["dtype"]) for a in case["args"]]
    got = getattr(ops, case["op"])(*args, **case["kwargs"])
    assert_matches_record(got, case["result"])


@pytest.mark.parametrize("name", NAMES)
def test_functional_model(name):
    data = keras.Input((3,))
    ids = keras.Input((), dtype="int32")
    out = getattr(ops, name)(data, ids, num_segments=4)
    assert tuple(out.shape) == (4, 3)
    model = keras.Model([data, ids], out)
    x = rng_for(4).uniform(0.5, 2, (5, 3)).astype(np.float32)
    i = np.array([3, 0, 3, 9, 1], np.int32)
    got = model.predict([x, i], batch_size=5, verbose=0)
    np.testing.assert_allclose(got, _reference(name, x, i, 4), rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match=f"'{name}' needs num_segments"):
        getattr(ops, name)(data, ids)


@pytest.mark.parametrize("name", NAMES)
def test_traced_model_gradient_and_fit(name):
    ids = np.array([2, 0, 2, 1, 5])

    def fn(t):
        rows = ops.reshape(t, (-1, 2))
        return ops.expand_dims(getattr(ops, name)(rows, ids, num_segments=3), 0)

    model = WeightedOp(fn, (5, 2), seed=3)
    w0 = model.w.numpy().copy()
    x = np.ones((1, 5, 2), np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_array_equal(y, fn(w0[None]))
    lr = 0.1
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    # d mean(y**2)/dw is the primitive's backward of 2 y / size.
    (grad, _) = C.op_grad(name, [w0, ids], 2.0 * y[0] / y.size, {"num_segments": 3})
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=1e-5, atol=1e-6)


def test_bad_input_names_the_op():
    data = np.ones((3, 2), np.float32)
    with pytest.raises(ShapeError, match="'segment_sum'.*rank 1"):
        ops.segment_sum(data, np.zeros((3, 1), np.int64), 2)
    with pytest.raises(ShapeError, match="segment_max"):
        ops.segment_max(data, np.zeros(4, np.int64), 2)
    with pytest.raises(ShapeError, match="segment_sum"):
        ops.segment_sum(np.ones((3, 2), np.int32), np.zeros(4, np.int64), 2)
    with pytest.raises(ShapeError, match="'segment_min'.*scalar"):
        ops.segment_min(np.float32(1.0), np.zeros(1, np.int64), 1)
    with pytest.raises(InvalidArgumentError, match="'segment_prod'.*num_segments"):
        ops.segment_prod(data, np.zeros(3, np.int64), -1)
    with pytest.raises(InvalidArgumentError, match="'segment_sum'.*num_segments"):
        ops.segment_sum(data, np.zeros(3, np.int64), 2.5)
    with pytest.raises((ValueError, DTypeError), match="segment_sum"):
        ops.segment_sum(data, np.array([0.5, 1.0, 0.0]), 2)
    with pytest.raises(ShapeError, match="segment_sum"):
        C.op_output("segment_sum", [((3, 2), "float32"), ((4,), "int64")], {"num_segments": 2})
