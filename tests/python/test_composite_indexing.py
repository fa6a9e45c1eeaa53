"""Indexing and scattering ops (`pykeras/ops/indexing.py`): composites of
the core's primitives, checked against NumPy (values, shape and dtype, over
hypothesis-drawn arguments), against what Keras 3 returned (recorded in
tests/reference/data/indexing.json), through traced subclassed models
(values and gradients), in Functional models (an unknown batch) and on bad
input."""

import numpy as np
import pytest
from composite_check import assert_same, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from indexing_check import check_record, reference_cases, sgd_step_matches
from op_check import SETTINGS, rng_for, seeds, shapes

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, OutOfRangeError, ShapeError
from pykeras.ops import _indexing_scatter, _indexing_search, indexing

# Composites claim no primitive (test_ops_coverage.py).
OPS = set()

CASES = reference_cases("indexing")


def test_every_function_has_keras_signature():
    for name in indexing.__all__:
        assert our_params(getattr(indexing, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(indexing, name)
        doc = getattr(indexing, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    _, name, args, kwargs, result, error = case
    if error is not None:
        with pytest.raises(ValueError, match=f"'{name}'"):
            getattr(ops, name)(*args, **kwargs)
        return
    # Histogram edges are float32 linspaces, which XLA's fused arithmetic
    # may round an ulp differently.
    rtol = 1e-6 if name == "histogram" else 0.0
    check_record(getattr(ops, name)(*args, **kwargs), result, rtol)


# ---------------------------------------------------------------- scatters, against NumPy


def _np_scatter_update(x, indices, updates, reduction):
    """Keras's meaning, in NumPy: index tuples over the first k axes, the
    last update wins for None."""
    out = x.copy()
    k = indices.shape[-1]
    idx = tuple(indices.reshape(-1, k).T)
    upd = np.broadcast_to(updates, indices.shape[:-1] + x.shape[k:]).reshape(-1, *x.shape[k:])
    if reduction is None:
        for i in range(upd.shape[0]):
            out[tuple(j[i] for j in idx)] = upd[i]
        return out
    ufunc = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}[reduction]
    ufunc.at(out, idx, upd.astype(out.dtype))
    return out


@st.composite
def scatter_args(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    k = draw(st.integers(1, len(shape)))
    n = draw(st.integers(0, 5))
    rng = rng_for(draw(seeds))
    indices = np.stack([rng.integers(-d, d, n) for d in shape[:k]], axis=-1).reshape(n, k)
    if draw(st.booleans()) and n:
        indices = indices.reshape(1, n, k)
    reduction = draw(st.sampled_from([None, "add", "max", "min", "mul"]))
    return shape, indices, reduction, rng


@SETTINGS
@given(scatter_args())
def test_scatter_update(args):
    shape, indices, reduction, rng = args
    k = indices.shape[-1]
    upd_shape = indices.shape[:-1] + shape[k:]
    x = rng.uniform(-3, 3, shape).astype(np.float32)
    updates = rng.uniform(-3, 3, upd_shape).astype(np.float32)
    got = ops.scatter_update(x, indices, updates, reduction=reduction)
    assert_same(got, _np_scatter_update(x, indices, updates, reduction), rtol=1e-6)
    xi = rng.integers(-50, 50, shape).astype(np.int32)
    ui = rng.integers(-50, 50, upd_shape).astype(np.int32)
    got = ops.scatter_update(xi, indices, ui, reduction=reduction)
    assert_same(got, _np_scatter_update(xi, indices, ui, reduction))


@SETTINGS
@given(scatter_args())
def test_scatter_sums_duplicates(args):
    shape, indices, _, rng = args
    k = indices.shape[-1]
    values = rng.uniform(-3, 3, indices.shape[:-1] + shape[k:]).astype(np.float32)
    want = _np_scatter_update(np.zeros(shape, np.float32), indices, values, "add")
    assert_same(ops.scatter(indices, values, shape), want, rtol=1e-6)
    vi = rng.integers(-9, 9, values.shape).astype(np.int32)
    assert_same(
        ops.scatter(indices, vi, shape),
        _np_scatter_update(np.zeros(shape, np.int32), indices, vi, "add"),
    )


def test_scatter_update_broadcasts_a_scalar_update():
    got = ops.scatter_update(np.zeros((2, 3), np.float32), [[1]], 5.0)
    assert_same(got, np.array([[0, 0, 0], [5, 5, 5]], np.float32))


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1), seeds, st.data())
def test_slice_update(shape, seed, data):
    upd_shape = [data.draw(st.integers(0, d)) for d in shape]
    start = [data.draw(st.integers(0, d - u)) for d, u in zip(shape, upd_shape)]
    rng = rng_for(seed)
    for dtype in (np.float32, np.int32, np.bool_):
        x = (rng.uniform(-5, 5, shape) * 10).astype(dtype)
        u = (rng.uniform(-5, 5, upd_shape) * 10).astype(dtype)
        want = x.copy()
        want[tuple(slice(s, s + n) for s, n in zip(start, upd_shape))] = u
        assert_same(ops.slice_update(x, start, u), want)


# ---------------------------------------------------------------- get_item


@st.composite
def keys(draw, shape):
    """A NumPy key for `shape`: ints, slices with steps, None, Ellipsis and
    at most one integer or boolean array."""
    entries, used_array = [], False
    axes = list(range(len(shape)))
    ellipsis_at = draw(st.sampled_from([None] + list(range(len(shape) + 1))))
    for i in axes:
        if ellipsis_at == i:
            entries.append(Ellipsis)
            if draw(st.booleans()):
                break
        d = shape[i]
        kind = draw(st.sampled_from(["int", "slice", "none", "array", "bool", "all"]))
        if kind == "int" and d:
            entries.append(draw(st.integers(-d, d - 1)))
        elif kind == "slice":
            step = draw(st.sampled_from([None, 1, 2, -1, -2]))
            start = draw(st.one_of(st.none(), st.integers(-d - 1, d + 1)))
            stop = draw(st.one_of(st.none(), st.integers(-d - 1, d + 1)))
            entries.append(slice(start, stop, step))
        elif kind == "none":
            entries.append(None)
            entries.append(slice(None))
        elif kind in ("array", "bool") and not used_array and d:
            used_array = True
            if kind == "array":
                entries.append(
                    np.array(draw(st.lists(st.integers(-d, d - 1), max_size=4)), np.int64)
                )
            else:
                entries.append(np.array(draw(st.lists(st.booleans(), min_size=d, max_size=d))))
        else:
            entries.append(slice(None))
    key = tuple(entries)
    if len(key) == 1 and draw(st.booleans()):
        return key[0]
    return key


@SETTINGS
@given(shapes(min_dims=1, max_dims=3), seeds, st.data())
def test_get_item(shape, seed, data):
    key = data.draw(keys(shape))
    rng = rng_for(seed)
    for x in (
        rng.uniform(-5, 5, shape).astype(np.float32),
        rng.integers(-(2**40), 2**40, shape),
        rng.uniform(-1, 1, shape) > 0,
    ):
        assert_same(ops.get_item(x, key), np.asarray(x[key]))


@pytest.mark.parametrize(
    "key",
    [
        # An Ellipsis standing for no axis still separates two advanced indices,
        # so NumPy puts their axes first (found by hypothesis).
        (None, slice(None), np.array([], np.int64), Ellipsis, 0),
        (np.array([0, 0]), Ellipsis, 0),
        (0, Ellipsis, np.array([0])),
    ],
)
def test_get_item_with_an_empty_ellipsis_between_advanced_indices(key):
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3)[:, :1, :1]
    assert_same(ops.get_item(x, key), np.asarray(x[key]))


# ---------------------------------------------------------------- select and friends


@SETTINGS
@given(shapes(max_dims=3), seeds, st.integers(1, 3), st.data())
def test_select(shape, seed, n, data):
    rng = rng_for(seed)
    conds = [rng.uniform(-1, 1, shape) > 0.3 for _ in range(n)]
    default = data.draw(st.sampled_from([0, -1, 2.5]))
    floats = [rng.uniform(-5, 5, shape).astype(np.float32) for _ in range(n)]
    assert_same(
        ops.select(conds, floats, default), np.select(conds, floats, default).astype(np.float32)
    )
    ints = [rng.integers(-9, 9, shape).astype(np.int32) for _ in range(n)]
    want = np.select(conds, ints, default).astype(
        np.float32 if isinstance(default, float) else np.int32
    )
    assert_same(ops.select(conds, ints, default), want)


@SETTINGS
@given(shapes(max_dims=3), seeds, st.integers(0, 5), st.booleans())
def test_isin(shape, seed, n, invert):
    rng = rng_for(seed)
    x1 = rng.integers(-4, 4, shape).astype(np.int32)
    x2 = rng.integers(-4, 4, n).astype(np.int32)
    want = np.isin(x1, x2, invert=invert)
    assert_same(ops.isin(x1, x2, invert=invert), want)
    # The symbolic path, from primitives, run on arrays.
    mask = _indexing_search.isin_symbolic("isin", x1, x2)
    assert_same(mask, np.isin(x1, x2).astype(np.float32))


@SETTINGS
@given(shapes(max_dims=3), seeds, st.integers(0, 6), st.sampled_from(["left", "right"]))
def test_searchsorted_and_digitize(shape, seed, n, side):
    rng = rng_for(seed)
    seq = np.sort(rng.integers(-3, 4, n)).astype(np.float32)
    values = rng.integers(-4, 5, shape).astype(np.float32)
    want = np.searchsorted(seq, values, side=side)
    assert_same(ops.searchsorted(seq, values, side=side), np.asarray(want).astype(np.int32))
    got = _indexing_search.searchsorted_symbolic("searchsorted", seq, values, side)
    assert_same(np.asarray(got), np.asarray(want).astype(np.float32))
    for bins in (seq, seq[::-1].copy()):
        want = np.digitize(values, bins)
        assert_same(ops.digitize(values, bins), np.asarray(want).astype(np.int32))
        got = _indexing_search.digitize_symbolic("digitize", values, bins)
        assert_same(np.asarray(got), np.asarray(want).astype(np.float32))


@SETTINGS
@given(seeds, st.integers(0, 8), st.integers(0, 6), st.booleans())
def test_bincount(seed, n, minlength, weighted):
    rng = rng_for(seed)
    x = rng.integers(0, 5, n).astype(np.int32)
    w = rng.uniform(-2, 2, n).astype(np.float32) if weighted else None
    want = np.bincount(x, weights=w, minlength=minlength)
    assert_same(
        ops.bincount(x, w, minlength), want.astype(np.float32 if weighted else np.int32), rtol=1e-6
    )
    # The symbolic path (one_hot rows, the length fixed by minlength), on arrays.
    # The symbolic path (one_hot rows, the length fixed by minlength), on arrays.
    length = max(minlength, 5)
    got = _indexing_search.bincount_symbolic("bincount", x, w, length)
    want = np.bincount(x, weights=w, minlength=length).astype(np.float32)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, atol=1e-6)


@SETTINGS
@given(seeds, st.integers(1, 12), st.integers(1, 6), st.booleans())
def test_histogram(seed, n, bins, ranged):
    rng = rng_for(seed)
    x = rng.integers(-6, 6, n).astype(np.float32) / 2
    range_ = (-1.0, 1.5) if ranged else None
    counts, edges = ops.histogram(x, bins=bins, range=range_)
    want_edges = np.histogram(x, bins=bins, range=range_)[1]
    # Edges within an ulp of NumPy's (they are JAX's float32 linspace);
    # counts by NumPy's rule on those edges: [e_i, e_i+1), the last closed.
    assert edges.dtype == np.float32 and counts.dtype == np.float32
    np.testing.assert_allclose(edges, want_edges, rtol=1e-6, atol=1e-6)
    want_counts = np.histogram(x, bins=edges.astype(np.float64))[0].astype(np.float32)
    assert_same(counts, want_counts)
    # The symbolic path (edges from x's min and max at run time), on arrays.
    sym_counts, sym_edges = _indexing_search.histogram_symbolic("histogram", x, bins, range_)
    assert_same(np.asarray(sym_edges), edges)
    assert_same(np.asarray(sym_counts), counts)


@SETTINGS
@given(shapes(min_dims=1, max_dims=3, min_side=1), shapes(max_dims=2), seeds)
def test_unravel_index(dims, ids_shape, seed):
    size = int(np.prod(dims))
    indices = rng_for(seed).integers(0, size, ids_shape)
    want = np.unravel_index(indices, dims)
    got = ops.unravel_index(indices, dims)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert_same(g, np.asarray(w).astype(np.int32))
    for g, w in zip(
        _indexing_search.unravel_symbolic("unravel_index", indices.astype(np.float32), dims), want
    ):
        assert_same(np.asarray(g), np.asarray(w).astype(np.float32))


@SETTINGS
@given(shapes(min_dims=1, max_dims=3), seeds)
def test_nonzero_and_unique(shape, seed):
    x = rng_for(seed).integers(-2, 3, shape).astype(np.int32)
    for g, w in zip(ops.nonzero(x), np.nonzero(x)):
        assert_same(g, w.astype(np.int32))
    values, index, inverse, counts = ops.unique(
        x, return_index=True, return_inverse=True, return_counts=True
    )
    want = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    assert_same(values, want[0])
    assert_same(index, want[1].astype(np.int32))
    assert_same(inverse, want[2].reshape(x.shape).astype(np.int32))
    assert_same(counts, want[3].astype(np.int32))


# ---------------------------------------------------------------- models


def _scatter_model(t):
    a = ops.get_item(t, 0)
    b = ops.scatter_update(a, [[0, 1], [2, 3], [0, 1]], ops.get_item(t, (0, 1, slice(0, 3))))
    return ops.expand_dims(b, 0)


def _np_scatter_model(t):
    a = t[0].copy()
    a[0, 1] = t[0, 1, 2]
    a[2, 3] = t[0, 1, 1]
    return a[None]


def _reduce_model(reduction):
    def ours(t):
        a = ops.get_item(t, 0)
        u = ops.get_item(t, (0, 2, slice(0, 4)))
        return ops.expand_dims(
            ops.scatter_update(a, [[1, 1], [1, 1], [0, 2], [1, 1]], u, reduction), 0
        )

    def reference(t):
        return _np_scatter_update(
            t[0], np.array([[1, 1], [1, 1], [0, 2], [1, 1]]), t[0, 2, :4], reduction
        )[None]

    return ours, reference


S = (3, 4)
MODEL_CASES = [
    ("scatter_update", _scatter_model, _np_scatter_model),
    *[(f"scatter_update_{r}", *_reduce_model(r)) for r in ("add", "max", "min", "mul")],
    (
        "scatter",
        lambda t: ops.expand_dims(ops.scatter([[2], [0], [2]], ops.get_item(t, 0), (4, 4)), 0),
        lambda t: _np_scatter_update(
            np.zeros((4, 4)), np.array([[2], [0], [2]]), t[0, :, :4], "add"
        )[None],
    ),
    (
        "slice_update",
        lambda t: ops.slice_update(
            t, [0, 1, 2], ops.get_item(t, (slice(None), slice(0, 2), slice(0, 2))) * 3.0
        ),
        lambda t: _np_slice_update(t),
    ),
    (
        "get_item",
        lambda t: ops.get_item(t, (slice(None), np.array([2, 0, 2]), slice(None, None, -2))),
        lambda t: t[:, [2, 0, 2], ::-2],
    ),
    (
        "select",
        lambda t: ops.select([t > 0.5, t < -0.5], [t * 2.0, t * t], -1.0),
        lambda t: np.select([t > 0.5, t < -0.5], [t * 2.0, t * t], -1.0),
    ),
    (
        "bincount",
        lambda t: ops.expand_dims(
            ops.bincount(np.array([0, 2, 2, 4]), ops.get_item(t, (0, 0)), 6), 0
        ),
        lambda t: np.bincount([0, 2, 2, 4], weights=t[0, 0], minlength=6)[None],
    ),
]


def _np_slice_update(t):
    out = t.copy()
    out[:, 1:3, 2:4] = t[:, 0:2, 0:2] * 3.0
    return out


@pytest.mark.parametrize("name,ours,reference", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference):
    sgd_step_matches(ours, reference, S)


def test_functional_models_with_unknown_batch():
    inputs = keras.Input((3, 4))
    x = rng_for(7).uniform(-1, 2, (5, 3, 4)).astype(np.float32)
    seq = np.array([0.0, 0.5, 1.0], np.float32)
    cases = [
        (ops.get_item(inputs, (slice(None), 1, slice(None, None, -2))), x[:, 1, ::-2]),
        (ops.get_item(inputs, (Ellipsis, None, 2)), x[..., None, 2]),
        (ops.get_item(inputs, (slice(None), slice(1, None))), x[:, 1:]),
        (ops.get_item(inputs, (slice(None), 2)), x[:, 2]),
        (ops.get_item(inputs, (Ellipsis, np.array([[3], [0]]))), x[..., [[3], [0]]]),
        (
            ops.slice_update(
                inputs, [0, 1, 1], ops.get_item(inputs, (slice(None), slice(0, 2), slice(0, 2)))
            ),
            _np_batch_slice_update(x),
        ),
        (
            ops.searchsorted(seq, inputs, side="right"),
            np.searchsorted(seq, x, "right").astype(np.float32),
        ),
        (ops.digitize(inputs, seq), np.digitize(x, seq).astype(np.float32)),
        (ops.isin(inputs, x[0, 0, :2]), np.isin(x, x[0, 0, :2]).astype(np.float32)),
        (ops.select([inputs > 1], [inputs], 0), np.where(x > 1, x, 0).astype(np.float32)),
    ]
    for out, want in cases:
        assert out.shape == (None, *want.shape[1:]), (out.shape, want.shape)
        model = keras.Model(inputs, out)
        assert_same(model.predict(x, batch_size=2, verbose=0), want)
    rows, cols = ops.unravel_index(ops.get_item(inputs, (slice(None), 0, 0)), (2, 2))
    assert rows.shape == (None,)


def _np_batch_slice_update(x):
    out = x.copy()
    out[:, 1:3, 1:3] = x[:, 0:2, 0:2]
    return out


def test_symbolic_shapes_of_static_results():
    inputs = keras.Input((6,))
    flat = ops.get_item(inputs, 0)
    counts, edges = ops.histogram(flat, bins=3)
    assert counts.shape == (3,) and edges.shape == (4,)
    assert ops.bincount(ops.cast(flat, "int32"), minlength=4).shape == (4,)
    assert ops.scatter(
        keras.Input((1,), dtype="int32"), ops.get_item(inputs, (slice(None), 0)), (5,)
    ).shape == (5,)


def test_scatter_with_symbolic_indices_from_primitives():
    """The one_hot path (used for symbolic indices), run on arrays: sums for
    'add', the mean of duplicates for None."""
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    idx = np.array([[0, 1], [2, -1], [0, 1]])
    upd = np.array([1.0, 2.0, 4.0], np.float32)
    got = _indexing_scatter.update_rows_symbolic("scatter_update", x, idx, upd, "add")
    assert_same(np.asarray(got), _np_scatter_update(x, idx, upd, "add"))
    got = _indexing_scatter.update_rows_symbolic("scatter_update", x, idx, upd, None)
    want = x.copy()
    want[0, 1], want[2, 3] = 2.5, 2.0
    assert_same(np.asarray(got), want)


# ---------------------------------------------------------------- bad input


BAD = [
    (
        "scatter_update",
        lambda: ops.scatter_update(np.zeros((2, 3)), [[2, 0]], [1.0]),
        OutOfRangeError,
    ),
    (
        "scatter_update",
        lambda: ops.scatter_update(np.zeros((2, 3)), [[0, -4]], [1.0]),
        OutOfRangeError,
    ),
    (
        "scatter_update",
        lambda: ops.scatter_update(np.zeros((2, 3)), [[0, 0, 0]], [1.0]),
        ShapeError,
    ),
    ("scatter_update", lambda: ops.scatter_update(np.zeros((2, 3)), [[0]], np.ones(2)), ShapeError),
    (
        "scatter_update",
        lambda: ops.scatter_update(np.zeros(2), [[0]], [1.0], "sub"),
        InvalidArgumentError,
    ),
    ("scatter", lambda: ops.scatter([[3]], [1.0], (3,)), OutOfRangeError),
    ("scatter", lambda: ops.scatter([[0]], [1.0], (-1,)), InvalidArgumentError),
    (
        "slice_update",
        lambda: ops.slice_update(np.zeros((3, 3)), [2, 0], np.ones((2, 2))),
        OutOfRangeError,
    ),
    ("slice_update", lambda: ops.slice_update(np.zeros((3, 3)), [0], np.ones((2, 2))), ShapeError),
    (
        "slice_update",
        lambda: ops.slice_update(np.zeros((3, 3)), [-1, 0], np.ones((1, 1))),
        OutOfRangeError,
    ),
    ("get_item", lambda: ops.get_item(np.zeros((2, 3)), (0, 3)), OutOfRangeError),
    ("get_item", lambda: ops.get_item(np.zeros((2, 3)), (0, 0, 0)), OutOfRangeError),
    ("get_item", lambda: ops.get_item(np.zeros((2, 3)), "a"), InvalidArgumentError),
    (
        "select",
        lambda: ops.select([np.ones(2, bool)], [np.ones(2), np.ones(2)]),
        InvalidArgumentError,
    ),
    ("searchsorted", lambda: ops.searchsorted(np.ones((2, 2)), 1.0), ShapeError),
    (
        "searchsorted",
        lambda: ops.searchsorted(np.ones(2), 1.0, side="middle"),
        InvalidArgumentError,
    ),
    ("digitize", lambda: ops.digitize(np.ones(2), np.array([1.0, 3.0, 2.0])), InvalidArgumentError),
    ("bincount", lambda: ops.bincount(np.array([-1, 2])), OutOfRangeError),
    ("bincount", lambda: ops.bincount(np.array([[1, 2]])), ShapeError),
    ("bincount", lambda: ops.bincount(np.array([1, 2]), sparse=True), InvalidArgumentError),
    ("histogram", lambda: ops.histogram(np.ones((2, 2))), ShapeError),
    ("histogram", lambda: ops.histogram(np.ones(2), bins=0), InvalidArgumentError),
    ("histogram", lambda: ops.histogram(np.ones(2), range=(2, 1)), InvalidArgumentError),
    ("unravel_index", lambda: ops.unravel_index(np.array([6]), (2, 3)), OutOfRangeError),
    ("unique", lambda: ops.unique(np.ones(3), axis=1), InvalidArgumentError),
    ("nonzero", lambda: ops.nonzero(np.float32(1)), ShapeError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()
    assert issubclass(error, ValueError)


SYMBOLIC_ONLY_ERRORS = [
    ("nonzero", lambda x: ops.nonzero(x)),
    ("unique", lambda x: ops.unique(x, size=3)),
    ("bincount", lambda x: ops.bincount(ops.get_item(x, (0, 0)))),
    ("slice_update", lambda x: ops.slice_update(x, [1, 0, 0], np.ones((1, 3, 4)))),
    ("scatter_update", lambda x: ops.scatter_update(x, [[0]], np.ones((1, 3, 4)))),
    ("get_item", lambda x: ops.get_item(x, -1)),
    ("get_item", lambda x: ops.get_item(x, np.array([0, 1]))),
    ("get_item", lambda x: ops.get_item(x, (slice(None), [0, 1], [1, 2]))),
    ("get_item", lambda x: ops.get_item(x, keras.Input((), dtype="int32"))),
    (
        "scatter_update",
        lambda x: ops.scatter_update(
            np.zeros(4),
            keras.Input((1,), dtype="int32"),
            ops.get_item(x, (slice(None), 0, 0)),
            "max",
        ),
    ),
]


@pytest.mark.parametrize(
    "name,call",
    SYMBOLIC_ONLY_ERRORS,
    ids=[f"{u[0]}-{i}" for i, u in enumerate(SYMBOLIC_ONLY_ERRORS)],
)
def test_symbolic_limits_raise_naming_the_op(name, call):
    with pytest.raises(ValueError, match=f"'{name}'"):
        call(keras.Input((3, 4)))
