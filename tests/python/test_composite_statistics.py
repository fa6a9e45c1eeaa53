"""Statistics (`pykeras/ops/statistics.py`, `_statistics_quantile.py`):
composites of the core's primitives, checked against NumPy (values, shape
and dtype over hypothesis-drawn shapes, axes and NaN placements), against
what Keras 3 returned (tests/reference/data/numeric_ops.json), through
traced subclassed models (values and gradients), in Functional models (an
unknown batch) and on bad input."""

import warnings

import numpy as np
import pytest
from composite_check import keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from numeric_check import check_functional, check_traced, reference_cases, replay, run_examples
from op_check import SETTINGS, rng_for, seeds, shapes

import pykeras as keras
from pykeras import ops
from pykeras.errors import DTypeError, InvalidArgumentError, ShapeError
from pykeras.ops import statistics

# Composites claim no primitive (see test_ops_coverage.py).
OPS = set()

CASES = reference_cases("statistics")


def test_every_function_has_keras_signature():
    for name in statistics.__all__:
        assert our_params(getattr(statistics, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(statistics, name)
        doc = getattr(statistics, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


def test_docstring_examples_run():
    assert run_examples(statistics) == 0


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    replay(case, rtol=4e-6)


# ---------------------------------------------------------------- eager, against NumPy


def _with_nan(seed, shape, share=0.3):
    rng = rng_for(seed)
    x = rng.uniform(-3, 3, shape).astype(np.float32)
    x[rng.random(shape) < share] = np.nan
    return x


def _axes(data, ndim):
    kind = data.draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none" or ndim == 0:
        return None
    if kind == "int":
        return data.draw(st.integers(-ndim, ndim - 1))
    picked = data.draw(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim))
    return tuple(picked)


def check(got, want, dtype, tol=2e-5):
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.dtype == dtype, (got.dtype, dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want.astype(dtype), rtol=tol, atol=tol, equal_nan=True)


def _quiet(fn, *args, **kwargs):
    """NumPy's result, without its warnings for all-NaN slices."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1), seeds, st.booleans(), st.data())
def test_nan_reductions_against_numpy(shape, seed, keepdims, data):
    x = _with_nan(seed, shape)
    x64 = x.astype(np.float64)
    axis = _axes(data, len(shape))
    for name in ("nanmax", "nanmin", "nansum", "nanmean", "nanvar", "nanstd"):
        want = _quiet(getattr(np, name), x64, axis=axis, keepdims=keepdims)
        check(getattr(ops, name)(x, axis, keepdims), want, np.float32)
    want = _quiet(np.nanprod, x64, axis=axis, keepdims=keepdims)
    check(ops.nanprod(x, axis, keepdims), want, np.float32, tol=1e-4)
    ints = rng_for(seed).integers(-5, 6, shape).astype(np.int32)
    check(ops.nanmax(ints, axis, keepdims), np.max(ints, axis, keepdims=keepdims), np.int32)
    check(ops.nansum(ints > 0, axis, keepdims), np.sum(ints > 0, axis, keepdims=keepdims), np.int32)


def _jax_nanarg(x, axis, keepdims, sign):
    """Keras's (JAX's) nanargmax: NaN as -inf, -1 for an all-NaN slice."""
    y = np.where(np.isnan(x), -np.inf, x * sign)
    index = np.argmax(y, axis=axis, keepdims=keepdims)
    return np.where(np.all(np.isnan(x), axis=axis, keepdims=keepdims), -1, index)


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1), seeds, st.booleans(), st.data())
def test_nanargmax_and_nanargmin(shape, seed, keepdims, data):
    x = _with_nan(seed, shape, share=0.5)
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    check(ops.nanargmax(x, axis, keepdims), _jax_nanarg(x, axis, keepdims, 1), np.int32)
    check(ops.nanargmin(x, axis, keepdims), _jax_nanarg(x, axis, keepdims, -1), np.int32)
    full = x[~np.isnan(x)]
    if full.size:
        check(ops.nanargmax(full), np.argmax(full), np.int32)


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, max_side=5), seeds, st.data())
def test_nan_scans(shape, seed, data):
    x = _with_nan(seed, shape)
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    check(ops.nancumsum(x, axis), np.nancumsum(x.astype(np.float64), axis), np.float32)
    check(ops.nancumprod(x, axis), np.nancumprod(x.astype(np.float64), axis), np.float32, 1e-4)


def _nearest(x, q, axis, keepdims, ignore_nan):
    """JAX's 'nearest': the lower neighbour at exactly one half."""
    low = _quiet(
        np.nanquantile if ignore_nan else np.quantile,
        x,
        q,
        axis=axis,
        method="lower",
        keepdims=keepdims,
    )
    high = _quiet(
        np.nanquantile if ignore_nan else np.quantile,
        x,
        q,
        axis=axis,
        method="higher",
        keepdims=keepdims,
    )
    near = _quiet(
        np.nanquantile if ignore_nan else np.quantile,
        x,
        q,
        axis=axis,
        method="nearest",
        keepdims=keepdims,
    )
    return near, low, high


@SETTINGS
@given(
    shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
    seeds,
    st.booleans(),
    st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"]),
    st.data(),
)
def test_quantiles_against_numpy(shape, seed, keepdims, method, data):
    axis = _axes(data, len(shape))
    # Dyadic q: positions q * (n - 1) are then exact in float32 (as Keras
    # computes them) and in NumPy's float64 alike.
    q = data.draw(
        st.one_of(
            st.sampled_from([0.0, 0.375, 0.5, 1.0]),
            st.lists(st.sampled_from([0.0, 0.125, 0.25, 0.6875, 1.0]), min_size=1, max_size=3),
        )
    )
    q32 = np.asarray(q, np.float32)
    for ignore_nan, share in ((False, 0.0), (False, 0.2), (True, 0.4)):
        x = _with_nan(seed, shape, share)
        fn = ops.nanquantile if ignore_nan else ops.quantile
        got = fn(x, q, axis=axis, method=method, keepdims=keepdims)
        if method == "nearest":
            near, low, high = _nearest(x, q32, axis, keepdims, ignore_nan)
            got = np.asarray(got)
            assert got.shape == near.shape and got.dtype == np.float32
            # Ties (exactly one half) go low in Keras, to even in NumPy.
            ok = (got == near) | (got == low) | (np.isnan(got) & np.isnan(near))
            assert ok.all()
            continue
        np_fn = np.nanquantile if ignore_nan else np.quantile
        want = _quiet(
            np_fn,
            x.astype(np.float64),
            q32.astype(np.float64),
            axis=axis,
            method=method,
            keepdims=keepdims,
        )
        check(got, want, np.float32, tol=1e-5)
    x = _with_nan(seed, shape, 0.0)
    want = np.percentile(x.astype(np.float64), q32 * 100, axis=axis, keepdims=keepdims)
    check(ops.percentile(x, q32 * 100, axis=axis, keepdims=keepdims), want, np.float32, 1e-5)
    check(
        ops.median(x, axis=axis, keepdims=keepdims),
        np.median(x.astype(np.float64), axis=axis, keepdims=keepdims),
        np.float32,
        1e-5,
    )
    x = _with_nan(seed, shape, 0.4)
    check(
        ops.nanmedian(x, axis=axis, keepdims=keepdims),
        _quiet(np.nanmedian, x.astype(np.float64), axis=axis, keepdims=keepdims),
        np.float32,
        1e-5,
    )


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1, max_side=5), seeds, st.booleans(), st.data())
def test_ptp_diff_trapezoid(shape, seed, keepdims, data):
    rng = rng_for(seed)
    x = rng.uniform(-3, 3, shape).astype(np.float32)
    ints = rng.integers(-50, 50, shape).astype(np.int32)
    axis = _axes(data, len(shape))
    check(
        ops.ptp(x, axis, keepdims),
        np.ptp(x.astype(np.float64), axis, keepdims=keepdims),
        np.float32,
    )
    check(ops.ptp(ints, axis, keepdims), np.ptp(ints, axis, keepdims=keepdims), np.int32)
    one = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = data.draw(st.integers(0, 4))
    check(ops.diff(x, n, one), np.diff(x.astype(np.float64), n, one), np.float32)
    check(ops.diff(ints, n, one), np.diff(ints, n, one), np.int32)
    check(ops.diff(ints > 0, n, one), np.diff(ints > 0, n, one), np.bool_)
    dx = data.draw(st.sampled_from([1.0, 0.5, 2.0]))
    check(
        ops.trapezoid(x, dx=dx, axis=one),
        np.trapezoid(x.astype(np.float64), dx=dx, axis=one),
        np.float32,
    )
    points = np.sort(rng.uniform(0, 5, shape[one])).astype(np.float32)
    check(
        ops.trapezoid(x, points, axis=one),
        np.trapezoid(x.astype(np.float64), points.astype(np.float64), axis=one),
        np.float32,
    )
    full = rng.uniform(0, 5, shape).astype(np.float32)
    check(
        ops.trapezoid(x, full, axis=one),
        np.trapezoid(x.astype(np.float64), full.astype(np.float64), axis=one),
        np.float32,
    )


@SETTINGS
@given(st.integers(1, 4), st.integers(2, 6), seeds)
def test_corrcoef(rows, cols, seed):
    x = rng_for(seed).uniform(-3, 3, (rows, cols)).astype(np.float32)
    check(ops.corrcoef(x), np.corrcoef(x.astype(np.float64)), np.float32, tol=1e-5)
    check(ops.corrcoef(x[0]), np.corrcoef(x[0].astype(np.float64)), np.float32, tol=1e-5)


# ------------------------------------------------ traced models: values and gradients

S = (3, 4)
NAN_MASK = np.zeros(S, np.float32)
NAN_MASK[0, 1] = NAN_MASK[2, 3] = np.nan  # added to the input: NaN there
POINTS = np.array([0.0, 0.5, 2.0, 2.5], np.float32)

MODEL_CASES = [
    ("nanmax", lambda t: ops.nanmax(t + NAN_MASK, axis=2), lambda t: np.nanmax(t + NAN_MASK, 2)),
    ("nanmin", lambda t: ops.nanmin(t + NAN_MASK, axis=1), lambda t: np.nanmin(t + NAN_MASK, 1)),
    ("nansum", lambda t: ops.nansum(t + NAN_MASK, axis=2), lambda t: np.nansum(t + NAN_MASK, 2)),
    ("nanmean", lambda t: ops.nanmean(t + NAN_MASK, axis=2), lambda t: np.nanmean(t + NAN_MASK, 2)),
    ("nanvar", lambda t: ops.nanvar(t + NAN_MASK, axis=2), lambda t: np.nanvar(t + NAN_MASK, 2)),
    ("nanstd", lambda t: ops.nanstd(t + NAN_MASK, axis=2), lambda t: np.nanstd(t + NAN_MASK, 2)),
    ("nanprod", lambda t: ops.nanprod(t + NAN_MASK, axis=2), lambda t: np.nanprod(t + NAN_MASK, 2)),
    (
        "nancumsum",
        lambda t: ops.nancumsum(t + NAN_MASK, axis=2),
        lambda t: np.nancumsum(t + NAN_MASK, 2),
    ),
    (
        "nancumprod",
        lambda t: ops.nancumprod(t + NAN_MASK, axis=1),
        lambda t: np.nancumprod(t + NAN_MASK, 1),
    ),
    ("median", lambda t: ops.median(t, axis=2), lambda t: np.median(t, 2)),
    (
        "nanmedian",
        lambda t: ops.nanmedian(t + NAN_MASK, axis=2),
        lambda t: np.nanmedian(t + NAN_MASK, 2),
    ),
    # The q axis comes first: moved behind the batch for the model.
    (
        "quantile",
        lambda t: ops.transpose(ops.quantile(t, [0.2, 0.7], axis=(1, 2)), (1, 0)),
        lambda t: np.moveaxis(np.quantile(t, [0.2, 0.7], axis=(1, 2)), 0, 1),
    ),
    (
        "percentile",
        lambda t: ops.percentile(t, 30.0, axis=1, method="midpoint"),
        lambda t: np.percentile(t, 30.0, axis=1, method="midpoint"),
    ),
    (
        "nanquantile",
        lambda t: ops.nanquantile(t + NAN_MASK, 0.4, axis=2),
        lambda t: np.nanquantile(t + NAN_MASK, 0.4, axis=2),
    ),
    (
        "nanpercentile",
        lambda t: ops.nanpercentile(t + NAN_MASK, 90.0, axis=2, method="lower"),
        lambda t: np.nanpercentile(t + NAN_MASK, 90.0, axis=2, method="lower"),
    ),
    ("ptp", lambda t: ops.ptp(t, axis=2), lambda t: np.ptp(t, 2)),
    ("diff", lambda t: ops.diff(t, 2, axis=2), lambda t: np.diff(t, 2, 2)),
    ("trapezoid", lambda t: ops.trapezoid(t, POINTS), lambda t: np.trapezoid(t, POINTS)),
]


@pytest.mark.parametrize("name,ours,reference", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference):
    check_traced(ours, reference, S)


def test_corrcoef_in_a_traced_model():
    # One matrix per model call: the batch of one is taken off and put back.
    check_traced(
        lambda t: ops.reshape(ops.corrcoef(ops.reshape(t, S)), (1, 3, 3)),
        lambda t: np.corrcoef(t[0])[None],
        S,
    )


@pytest.mark.parametrize("name,ours,reference", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_functional_model_with_unknown_batch(name, ours, reference):
    check_functional(ours, S)


def test_symbolic_arg_indices_are_float32():
    inputs = keras.Input(S)
    out = ops.nanargmax(inputs + NAN_MASK, axis=2, keepdims=True)
    assert tuple(out.shape) == (None, 3, 1)
    x = rng_for(2).uniform(-1, 1, (2, *S)).astype(np.float32)
    got = keras.Model(inputs, out).predict(x, verbose=0)
    want = _jax_nanarg(x + NAN_MASK, 2, True, 1).astype(np.float32)
    np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------- bad input

X = np.ones((2, 3), np.float32)
BAD = [
    ("nanmax", lambda: ops.nanmax(np.ones((2, 0))), ShapeError),
    ("nanmin", lambda: ops.nanmin(X, axis=2), InvalidArgumentError),
    ("nanargmax", lambda: ops.nanargmax(X, axis=(0, 1)), InvalidArgumentError),
    ("nancumsum", lambda: ops.nancumsum(X, dtype="nonsense"), InvalidArgumentError),
    ("quantile", lambda: ops.quantile(X, 0.5, method="nonsense"), InvalidArgumentError),
    ("quantile", lambda: ops.quantile(X, [[0.5]]), InvalidArgumentError),
    ("percentile", lambda: ops.percentile(X, "a lot"), InvalidArgumentError),
    ("median", lambda: ops.median(np.ones((0, 3))), ShapeError),
    ("nanquantile", lambda: ops.nanquantile(keras.Input((3,)), 0.5), ShapeError),
    ("quantile", lambda: ops.quantile(X, keras.Input(())), InvalidArgumentError),
    ("ptp", lambda: ops.ptp(np.ones(3, bool)), DTypeError),
    ("diff", lambda: ops.diff(X, -1), InvalidArgumentError),
    ("diff", lambda: ops.diff(np.float32(1.0)), ShapeError),
    ("diff", lambda: ops.diff(keras.Input((3,)), axis=0), ShapeError),
    ("corrcoef", lambda: ops.corrcoef(np.ones((2, 3, 4))), ShapeError),
    ("trapezoid", lambda: ops.trapezoid(X, np.ones(2)), ShapeError),
    ("trapezoid", lambda: ops.trapezoid(X, np.ones((2, 3, 1))), ShapeError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
