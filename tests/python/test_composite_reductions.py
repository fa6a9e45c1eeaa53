"""Reductions (`pykeras/ops/reductions.py`): composites of the core's
primitives, checked against NumPy (values, shape and dtype, over
hypothesis-drawn shapes and axes), against what Keras 3 returned (recorded
in tests/reference/data/composite_nn_ops.json), through traced subclassed
models (values and gradients), in Functional models (output shapes with an
unknown batch) and on bad input."""

import json
import pathlib

import numpy as np
import pytest
from composite_check import (
    WeightedOp,
    assert_matches_record,
    assert_same,
    decode,
    keras_params,
    our_params,
)
from hypothesis import given
from hypothesis import strategies as st
from op_check import SETTINGS, rng_for, seeds, shapes

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import reductions, scans

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

REFERENCE = (
    pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "composite_nn_ops.json"
)


def reference_cases(family):
    """[(case id, op name, args, kwargs, result or None, error or None)] as
    tests/reference/make_composite_nn_reference.py passed them."""
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


CASES = reference_cases("reductions")


@pytest.mark.parametrize("module", [reductions, scans], ids=lambda m: m.__name__)
def test_every_function_has_keras_signature(module):
    for name in module.__all__:
        assert our_params(getattr(module, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(module, name)
        doc = getattr(module, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    _, name, args, kwargs, result, error = case
    if error is not None:
        with pytest.raises(ValueError):
            getattr(ops, name)(*args, **kwargs)
        return
    assert_matches_record(getattr(ops, name)(*args, **kwargs), result, rtol=2e-6)


# ---------------------------------------------------------------- eager, against NumPy


def _inputs(seed, shape):
    """Float32, int32 and bool inputs (int32 small enough to stay exact)."""
    rng = rng_for(seed)
    values = rng.uniform(-3, 3, shape).astype(np.float32)
    return values, rng.integers(-3, 4, shape).astype(np.int32), values > 0


def _axes(data, ndim):
    """None, one axis, or a tuple of distinct axes (some negative)."""
    kind = data.draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none" or ndim == 0:
        return None
    if kind == "int":
        return data.draw(st.integers(-ndim, ndim - 1))
    picked = data.draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return tuple(a - ndim if data.draw(st.booleans()) else a for a in picked)


def _empty_reduced(shape, axis):
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
    return any(shape[a] == 0 for a in axes)


def check(got, want, dtype, tol=1e-5):
    assert_same(np.asarray(got), np.asarray(want).astype(dtype), rtol=tol)


@SETTINGS
@given(shapes(max_dims=3), seeds, st.booleans(), st.data())
def test_min_amax_amin_keep_dtypes(shape, seed, keepdims, data):
    axis = _axes(data, len(shape))
    if _empty_reduced(shape, axis):
        return
    for x in _inputs(seed, shape):
        check(ops.min(x, axis, keepdims), np.min(x, axis, keepdims=keepdims), x.dtype)
        check(ops.amin(x, axis, keepdims), np.amin(x, axis, keepdims=keepdims), x.dtype)
        check(ops.amax(x, axis, keepdims), np.amax(x, axis, keepdims=keepdims), x.dtype)


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1), seeds, st.booleans(), st.data())
def test_argmin_gives_first_minimum_as_int32(shape, seed, keepdims, data):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    for x in _inputs(seed, shape):
        check(ops.argmin(x, axis, keepdims), np.argmin(x, axis, keepdims=keepdims), np.int32)


@SETTINGS
@given(shapes(max_dims=3, min_side=1), seeds, st.booleans(), st.data())
def test_var_std_logsumexp_give_float32(shape, seed, keepdims, data):
    axis = _axes(data, len(shape))
    for x in _inputs(seed, shape):
        x64 = x.astype(np.float64)
        check(ops.var(x, axis, keepdims), np.var(x64, axis, keepdims=keepdims), np.float32)
        check(ops.std(x, axis, keepdims), np.std(x64, axis, keepdims=keepdims), np.float32)
        top = np.max(x64, axis, keepdims=True)
        lse = np.log(np.sum(np.exp(x64 - top), axis, keepdims=True)) + top
        want = lse if keepdims else np.squeeze(lse, axis)
        check(ops.logsumexp(x, axis, keepdims), want, np.float32)


@SETTINGS
@given(shapes(max_dims=3), seeds, st.booleans(), st.data())
def test_any_all_count_nonzero(shape, seed, keepdims, data):
    axis = _axes(data, len(shape))
    for x in _inputs(seed, shape):
        check(ops.any(x, axis, keepdims), np.any(x, axis, keepdims=keepdims), np.bool_)
        check(ops.all(x, axis, keepdims), np.all(x, axis, keepdims=keepdims), np.bool_)
        check(ops.count_nonzero(x, axis), np.count_nonzero(x, axis), np.int32)


@SETTINGS
@given(shapes(max_dims=3, max_side=5), seeds, st.booleans(), st.data())
def test_prod(shape, seed, keepdims, data):
    axis = _axes(data, len(shape))
    for x in _inputs(seed, shape):
        dtype = np.int32 if x.dtype == np.bool_ else x.dtype
        want = np.prod(x.astype(np.float64), axis, keepdims=keepdims)
        check(ops.prod(x, axis, keepdims), want, dtype, tol=1e-4)


@SETTINGS
@given(shapes(max_dims=3, max_side=6), seeds, st.data())
def test_cumsum_and_cumprod(shape, seed, data):
    axis = None
    if shape:
        axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    for x in _inputs(seed, shape):
        dtype = np.int32 if x.dtype == np.bool_ else x.dtype
        check(ops.cumsum(x, axis), np.cumsum(x.astype(np.float64), axis), dtype, tol=1e-5)
        want = np.cumprod(x.astype(np.float64), axis)
        check(ops.cumprod(x, axis), want, dtype, tol=1e-4)
    check(ops.cumsum(x, axis, dtype="float32"), np.cumsum(x, axis), np.float32)


def test_scans_and_products_keep_inf_and_nan_exact():
    x = np.array([0.0, np.inf, 2.0, -1.0, np.nan, 3.0], np.float32)
    for got, want in [
        (ops.cumsum(x[1:4]), np.cumsum(x[1:4])),
        (ops.cumprod(x[:4]), np.cumprod(x[:4])),
        (ops.cumsum(x), np.cumsum(x)),
        (ops.prod(x[:3]), np.prod(x[:3])),
        (ops.prod(x[1:4]), np.prod(x[1:4])),
        (ops.logsumexp(np.array([-np.inf, -np.inf], np.float32)), np.float32(-np.inf)),
        (ops.logsumexp(np.array([np.inf, 1.0], np.float32)), np.float32(np.inf)),
        (ops.logsumexp(np.array([1e4, 1e4], np.float32)), np.float32(1e4 + np.log(2))),
    ]:
        assert_same(np.asarray(got), np.asarray(want, np.float32))


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1), seeds, st.booleans(), st.data())
def test_norm(shape, seed, keepdims, data):
    x = _inputs(seed, shape)[0]
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    order = data.draw(st.sampled_from([None, 1, 2, np.inf, -np.inf, 0, 3, 0.5]))
    want = np.linalg.norm(x.astype(np.float64), order, axis, keepdims)
    check(ops.norm(x, order, axis, keepdims), want, np.float32, tol=1e-4)
    if len(shape) >= 2:
        pair = tuple(data.draw(st.permutations(range(len(shape))))[:2])
        order = data.draw(st.sampled_from([None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]))
        want = np.linalg.norm(x.astype(np.float64), order, pair, keepdims)
        check(ops.norm(x, order, pair, keepdims), want, np.float32, tol=1e-4)
    check(ops.norm(x), np.linalg.norm(x.astype(np.float64)), np.float32, tol=1e-5)


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1), seeds, st.data())
def test_average(shape, seed, data):
    x, i, _ = _inputs(seed, shape)
    rng = rng_for(seed + 1)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    w = rng.uniform(0.1, 1, shape[axis]).astype(np.float32)
    check(ops.average(x, axis, w), np.average(x, axis, w), np.float32)
    full = rng.uniform(0.1, 1, shape).astype(np.float32)
    check(ops.average(i, None, full), np.average(i, None, full), np.float32)
    check(ops.average(i, axis), np.average(i, axis), np.float32)


# ------------------------------------------------ traced models: values and gradients

S = (3, 4)

# (id, op on a batch, the same in NumPy on float64, one sample's shape)
MODEL_CASES = [
    ("min", lambda t: ops.min(t, axis=2), lambda t: np.min(t, 2)),
    ("amax", lambda t: ops.amax(t, axis=(1, 2), keepdims=True), lambda t: np.max(t, (1, 2))),
    ("var", lambda t: ops.var(t, axis=-1), lambda t: np.var(t, -1)),
    ("std", lambda t: ops.std(t, axis=1), lambda t: np.std(t, 1)),
    (
        "logsumexp",
        lambda t: ops.logsumexp(t, axis=2),
        lambda t: np.log(np.sum(np.exp(t), 2)),
    ),
    (
        "average",
        lambda t: ops.average(t, 2, [1.0, 2.0, 0.5, 0.0]),
        lambda t: np.average(t, 2, [1, 2, 0.5, 0]),
    ),
    ("prod", lambda t: ops.prod(t, axis=2), lambda t: np.prod(t, 2)),
    ("prod_two_axes", lambda t: ops.prod(t, axis=(1, 2)), lambda t: np.prod(t, (1, 2))),
    ("cumsum", lambda t: ops.cumsum(t, axis=2), lambda t: np.cumsum(t, 2)),
    ("cumprod", lambda t: ops.cumprod(t, axis=1), lambda t: np.cumprod(t, 1)),
    ("norm", lambda t: ops.norm(t, axis=2), lambda t: np.linalg.norm(t, axis=2)),
    ("norm_1", lambda t: ops.norm(t, 1, axis=(1, 2)), lambda t: np.linalg.norm(t, 1, (1, 2))),
    ("norm_3", lambda t: ops.norm(t, 3, axis=1), lambda t: np.linalg.norm(t, 3, 1)),
]


def numeric_gradient(reference, w):
    """d mean(reference(w)**2) / dw by central differences, in float64."""
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        up, down = w.copy(), w.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        grad[i] = (np.mean(reference(up) ** 2) - np.mean(reference(down) ** 2)) / 2e-6
    return grad


@pytest.mark.parametrize("name,ours,reference", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference):
    model = WeightedOp(ours, S, seed=3)
    w0 = model.w.numpy().astype(np.float64)
    x = np.ones((1, *S), np.float32)
    y = model.predict(x, verbose=0)
    want = reference(w0[None])
    np.testing.assert_allclose(y.reshape(want.shape), want, rtol=1e-5, atol=1e-6)

    lr = 0.5
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = numeric_gradient(reference, w0[None])[0]
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,ours,reference", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_functional_model_with_unknown_batch(name, ours, reference):
    inputs = keras.Input(S)
    outputs = ours(inputs)
    x = rng_for(1).uniform(-1, 1, (5, *S)).astype(np.float32)
    want = np.asarray(ours(x))
    assert tuple(outputs.shape) == (None, *want.shape[1:])
    model = keras.Model(inputs, outputs)
    got = model.predict(x, batch_size=2, verbose=0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        want.reshape(-1), reference(x.astype(np.float64)).reshape(-1), rtol=1e-4
    )


def test_symbolic_truth_values_and_indices_are_float32_masks():
    inputs = keras.Input(S)
    outs = [
        ops.any(inputs, axis=2),
        ops.all(inputs, axis=2),
        ops.argmin(inputs, axis=2),
        ops.count_nonzero(inputs, axis=1),
    ]
    assert [tuple(o.shape) for o in outs] == [(None, 3), (None, 3), (None, 3), (None, 4)]
    x = np.array([[[0, 1, 2, 0], [0, 0, 0, 0], [1, 1, 1, -1]]], np.float32)
    got = keras.Model(inputs, outs).predict(x, verbose=0)
    for g, want in zip(
        got,
        [np.any(x, 2), np.all(x, 2), np.argmin(x, 2), np.count_nonzero(x, 1)],
    ):
        assert_same(g, want.astype(np.float32))


def test_reduction_over_the_batch_axis_is_symbolic_too():
    inputs = keras.Input(S)
    assert ops.min(inputs, axis=0).shape == S
    assert ops.var(inputs, axis=(0, 1)).shape == (4,)
    assert ops.argmin(inputs).shape == ()


# ---------------------------------------------------------------- bad input

BAD = [
    ("min", lambda: ops.min(np.ones((2, 3)), axis=2), InvalidArgumentError),
    ("min", lambda: ops.min(np.ones((2, 0)), axis=1), ShapeError),
    ("amax", lambda: ops.amax(np.ones((2, 3)), axis=(0, 0)), InvalidArgumentError),
    ("argmin", lambda: ops.argmin(np.ones((2, 3)), axis=(0, 1)), InvalidArgumentError),
    ("argmin", lambda: ops.argmin(np.ones(0)), ShapeError),
    ("var", lambda: ops.var(np.ones(3), axis=1.5), InvalidArgumentError),
    ("logsumexp", lambda: ops.logsumexp(np.ones((2, 0))), ShapeError),
    ("any", lambda: ops.any(np.ones(3), axis=-2), InvalidArgumentError),
    ("all", lambda: ops.all(np.ones(3), axis="0"), InvalidArgumentError),
    ("average", lambda: ops.average(np.ones((2, 3)), weights=np.ones(3)), ShapeError),
    ("average", lambda: ops.average(np.ones((2, 3)), 1, np.ones(2)), ShapeError),
    ("prod", lambda: ops.prod(np.ones(3), dtype="nonsense"), InvalidArgumentError),
    ("cumsum", lambda: ops.cumsum(np.ones((2, 3)), axis=2), InvalidArgumentError),
    ("cumprod", lambda: ops.cumprod(np.ones((2, 3)), axis=(0, 1)), InvalidArgumentError),
    ("norm", lambda: ops.norm(np.ones((2, 3)), "fro", axis=0), InvalidArgumentError),
    ("norm", lambda: ops.norm(np.ones((2, 3, 4)), 1), InvalidArgumentError),
    ("norm", lambda: ops.norm(np.ones((2, 3)), "max", axis=(0, 1)), InvalidArgumentError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
    assert issubclass(error, ValueError)


UNKNOWN = [
    ("prod", lambda x: ops.prod(x)),
    ("prod", lambda x: ops.prod(x, axis=0)),
    ("cumsum", lambda x: ops.cumsum(x, axis=0)),
    ("cumsum", lambda x: ops.cumsum(x)),
    ("cumprod", lambda x: ops.cumprod(x, axis=0)),
]


@pytest.mark.parametrize("name,call", UNKNOWN, ids=[f"{u[0]}-{i}" for i, u in enumerate(UNKNOWN)])
def test_sizes_unknown_until_run_time_raise_naming_the_op(name, call):
    with pytest.raises(ShapeError, match=f"'{name}'"):
        call(keras.Input(S))
