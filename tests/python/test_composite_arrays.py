"""Array manipulation ops (`pykeras/ops/arrays.py`, `reordering.py`): composites of the core's
primitives, checked against NumPy (values, shape and dtype, over
hypothesis-drawn shapes), against what Keras 3 returned (recorded in
tests/reference/data/composite_ops.json), through traced subclassed models
(values and gradients, and `fit`), in Functional models (output shapes with
an unknown batch) and on bad input."""

import numpy as np
import pytest
from composite_check import (
    WeightedOp,
    adjoint,
    assert_matches_record,
    assert_same,
    keras_params,
    our_params,
    reference_cases,
)
from hypothesis import given
from hypothesis import strategies as st
from op_check import SETTINGS, rng_for, seeds, shapes

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, OutOfRangeError, ShapeError
from pykeras.ops import arrays, reordering

# Composites have no primitive of their own: test_ops_coverage.py counts the
# OPS sets of test_ops_*.py files only, and this file claims none.
OPS = set()


@pytest.mark.parametrize("module", [arrays, reordering], ids=lambda m: m.__name__)
def test_every_function_has_keras_signature(module):
    for name in module.__all__:
        assert our_params(getattr(module, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(module, name)
        doc = getattr(module, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize(
    "case", reference_cases("arrays"), ids=[c[0] for c in reference_cases("arrays")]
)
def test_matches_keras(case):
    _, name, args, kwargs, result, error = case
    if error is not None:
        with pytest.raises(ValueError):
            getattr(ops, name)(*args, **kwargs)
        return
    assert_matches_record(getattr(ops, name)(*args, **kwargs), result)


# ---------------------------------------------------------------- eager, against NumPy


def _inputs(seed, shape):
    """The same values as float32, float64 (float64 results, as Keras with
    JAX's x64 gives them), big integers (kept exact) and bools: (array,
    expected result dtype)."""
    rng = rng_for(seed)
    values = rng.uniform(-5, 5, shape)
    return [
        (values.astype(np.float32), np.float32),
        (values, np.float64),
        (rng.integers(-(2**40), 2**40, shape), np.int64),
        (rng.integers(-3, 3, shape).astype(np.int32), np.int32),
        (values > 0, np.bool_),
    ]


def check_eager(ours, reference, seed, *shapes_):
    """`ours(*xs)` equals `reference(*xs)` for each input kind, dtype included."""
    kinds = [_inputs(seed + i, s) for i, s in enumerate(shapes_)]
    for group in zip(*kinds):
        xs = [x for x, _ in group]
        dtype = group[0][1]
        want = reference(*xs)
        got = ours(*xs)
        if isinstance(want, list):
            assert isinstance(got, list) and len(got) == len(want)
            for g, w in zip(got, want):
                assert_same(g, np.asarray(w).astype(dtype))
        else:
            assert_same(got, np.asarray(want).astype(dtype))


def _axis(data, ndim, none=True):
    choices = list(range(-ndim, ndim)) + ([None] if none else [])
    return data.draw(st.sampled_from(choices)) if choices else None


def _axes(data, ndim):
    """None, one axis, or a tuple of distinct axes (some negative)."""
    kind = data.draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none" or ndim == 0:
        return None
    if kind == "int":
        return _axis(data, ndim, none=False)
    picked = data.draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return tuple(a - ndim if data.draw(st.booleans()) else a for a in picked)


@SETTINGS
@given(shapes(), seeds, st.data())
def test_expand_dims(shape, seed, data):
    n = data.draw(st.integers(1, 2))
    axes = data.draw(
        st.lists(st.integers(0, len(shape) + n - 1), min_size=n, max_size=n, unique=True)
    )
    axis = axes[0] if n == 1 and data.draw(st.booleans()) else tuple(axes)
    check_eager(lambda x: ops.expand_dims(x, axis), lambda x: np.expand_dims(x, axis), seed, shape)


@SETTINGS
@given(shapes(max_side=2), seeds, st.data())
def test_squeeze(shape, seed, data):
    ones = [i for i, d in enumerate(shape) if d == 1]
    axis = None
    if ones and data.draw(st.booleans()):
        axis = tuple(data.draw(st.lists(st.sampled_from(ones), unique=True, min_size=1)))
    check_eager(lambda x: ops.squeeze(x, axis), lambda x: np.squeeze(x, axis), seed, shape)


@SETTINGS
@given(shapes(max_dims=3), seeds, st.integers(1, 3), st.data())
def test_stack(shape, seed, count, data):
    axis = _axis(data, len(shape) + 1, none=False)
    check_eager(
        lambda *xs: ops.stack(list(xs), axis=axis),
        lambda *xs: np.stack(xs, axis=axis),
        seed,
        *[shape] * count,
    )


@SETTINGS
@given(shapes(min_dims=1), seeds, st.data())
def test_split(shape, seed, data):
    axis = _axis(data, len(shape), none=False)
    n = shape[axis]
    if data.draw(st.booleans()):
        sections = data.draw(st.sampled_from([d for d in range(1, 5) if n % d == 0]))
    else:
        # NumPy's rules for any indices: negative, unsorted or past the end.
        sections = data.draw(st.lists(st.integers(-n - 2, n + 2), max_size=3))
    check_eager(
        lambda x: ops.split(x, sections, axis=axis),
        lambda x: np.split(x, sections, axis=axis),
        seed,
        shape,
    )


@SETTINGS
@given(shapes(max_dims=3, max_side=3), seeds, st.data())
def test_tile(shape, seed, data):
    reps = data.draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=4)))
    check_eager(lambda x: ops.tile(x, reps), lambda x: np.tile(x, reps), seed, shape)


@SETTINGS
@given(shapes(max_dims=3), seeds, st.data())
def test_repeat(shape, seed, data):
    axis = _axis(data, len(shape))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    repeats = data.draw(
        st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=n, max_size=n))
    )
    check_eager(
        lambda x: ops.repeat(x, repeats, axis=axis),
        lambda x: np.repeat(x, repeats, axis=axis),
        seed,
        shape,
    )


@SETTINGS
@given(shapes(), seeds, st.data())
def test_flip(shape, seed, data):
    axis = _axes(data, len(shape))
    check_eager(lambda x: ops.flip(x, axis=axis), lambda x: np.flip(x, axis=axis), seed, shape)


@SETTINGS
@given(shapes(), seeds, st.data())
def test_roll(shape, seed, data):
    axis = _axes(data, len(shape))
    count = len(axis) if isinstance(axis, tuple) else data.draw(st.integers(1, 2))
    shift = data.draw(st.lists(st.integers(-9, 9), min_size=count, max_size=count))
    shift = shift[0] if len(shift) == 1 and data.draw(st.booleans()) else tuple(shift)
    if axis == () and shift == ():
        shift = 1
    check_eager(
        lambda x: ops.roll(x, shift, axis=axis),
        lambda x: np.roll(x, shift, axis=axis),
        seed,
        shape,
    )


@SETTINGS
@given(shapes(max_dims=3, max_side=3), seeds, st.data())
def test_broadcast_to(shape, seed, data):
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2))
    target = tuple(lead) + tuple(data.draw(st.integers(0, 3)) if d == 1 else d for d in shape)
    check_eager(
        lambda x: ops.broadcast_to(x, target),
        lambda x: np.broadcast_to(x, target),
        seed,
        shape,
    )


@SETTINGS
@given(shapes(min_dims=1), seeds, st.data())
def test_take(shape, seed, data):
    axis = _axis(data, len(shape))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    ids_shape = data.draw(shapes(max_dims=2, max_side=3))
    if n == 0:
        ids_shape = ids_shape + (0,)
    indices = rng_for(seed).integers(-n, max(n, 1), ids_shape)
    if not ids_shape and data.draw(st.booleans()):
        indices = int(indices)
    check_eager(
        lambda x: ops.take(x, indices, axis=axis),
        lambda x: np.take(x, indices, axis=axis),
        seed,
        shape,
    )


@SETTINGS
@given(shapes(min_dims=1, max_dims=3), seeds, st.data())
def test_take_along_axis(shape, seed, data):
    axis = _axis(data, len(shape))
    if axis is None:
        n = int(np.prod(shape))
        ids_shape = (data.draw(st.integers(0, 4)) if n else 0,)
    else:
        n = shape[axis]
        ids_shape = tuple(
            (data.draw(st.integers(0, 4)) if n else 0)
            if i == axis % len(shape)
            else data.draw(st.sampled_from([1, d]))
            for i, d in enumerate(shape)
        )
    indices = rng_for(seed).integers(-n, max(n, 1), ids_shape)
    check_eager(
        lambda x: ops.take_along_axis(x, indices, axis=axis),
        lambda x: np.take_along_axis(x, indices, axis=axis),
        seed,
        shape,
    )


@SETTINGS
@given(shapes(min_dims=1), seeds, st.data())
def test_swapaxes_and_moveaxis(shape, seed, data):
    a, b = _axis(data, len(shape), False), _axis(data, len(shape), False)
    check_eager(lambda x: ops.swapaxes(x, a, b), lambda x: np.swapaxes(x, a, b), seed, shape)
    count = data.draw(st.integers(1, len(shape)))
    src = data.draw(
        st.lists(st.integers(0, len(shape) - 1), min_size=count, max_size=count, unique=True)
    )
    dst = data.draw(
        st.lists(st.integers(0, len(shape) - 1), min_size=count, max_size=count, unique=True)
    )
    check_eager(
        lambda x: ops.moveaxis(x, src, dst), lambda x: np.moveaxis(x, src, dst), seed, shape
    )


@SETTINGS
@given(shapes(), seeds)
def test_ravel(shape, seed):
    check_eager(ops.ravel, np.ravel, seed, shape)


@SETTINGS
@given(shapes(min_dims=2), seeds, st.integers(-4, 4))
def test_tril_and_triu(shape, seed, k):
    check_eager(lambda x: ops.tril(x, k), lambda x: np.tril(x, k), seed, shape)
    check_eager(lambda x: ops.triu(x, k=k), lambda x: np.triu(x, k=k), seed, shape)


def test_tril_zeroes_inf_and_nan_outside_the_triangle():
    x = np.full((3, 3), np.inf, np.float32)
    x[0, 0] = np.nan
    assert_same(ops.tril(x), np.tril(x))
    assert_same(ops.triu(x, 1), np.triu(x, 1))


@SETTINGS
@given(shapes(max_dims=3), seeds, st.integers(1, 3), st.data())
def test_hstack_vstack_append(shape, seed, count, data):
    def varied(axis):
        """`count` shapes that differ from `shape` along `axis` only."""
        out = []
        for _ in range(count):
            s = list(shape)
            if axis is not None and axis < len(s):
                s[axis] = data.draw(st.integers(0, 3))
            out.append(tuple(s))
        return out

    h_axis = 0 if len(shape) <= 1 else 1
    check_eager(lambda *xs: ops.hstack(list(xs)), lambda *xs: np.hstack(xs), seed, *varied(h_axis))
    v_shapes = varied(0) if len(shape) >= 2 else [shape] * count
    check_eager(lambda *xs: ops.vstack(list(xs)), lambda *xs: np.vstack(xs), seed, *v_shapes)
    axis = _axis(data, len(shape))
    pair = varied(axis)[:1] * 2 if axis is None else [shape, varied(axis)[0]]
    check_eager(
        lambda a, b: ops.append(a, b, axis=axis),
        lambda a, b: np.append(a, b, axis=axis),
        seed,
        *pair,
    )


def test_mixed_integer_and_float_inputs_give_float32():
    out = ops.stack([np.arange(3), np.ones(3, np.float32)])
    assert_same(out, np.stack([np.arange(3), np.ones(3)]).astype(np.float32))
    out = ops.append(np.array([True]), np.array([2], np.int32))
    assert_same(out, np.array([1, 2], np.int32))


def test_variables_are_read_eagerly():
    from pykeras.backend.variable import Variable

    v = Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert_same(ops.flip(v, 1), np.flip(v.numpy(), 1))
    assert_same(ops.expand_dims(v, 0), v.numpy()[None])


# ------------------------------------------------ traced models: values, gradients, fit

S = (3, 4)

# (id, op on a batch, the same in NumPy, one sample's shape); the batch stays first.
MODEL_CASES = [
    ("expand_dims", lambda t: ops.expand_dims(t, 2), lambda t: np.expand_dims(t, 2), S),
    ("squeeze", lambda t: ops.squeeze(t, -2), lambda t: np.squeeze(t, -2), (3, 1, 4)),
    ("stack", lambda t: ops.stack([t, t], axis=1), lambda t: np.stack([t, t], 1), S),
    (
        "split",
        lambda t: ops.concatenate(ops.split(t, [1, 3], axis=2)[::-1], axis=2),
        lambda t: np.concatenate(np.split(t, [1, 3], axis=2)[::-1], axis=2),
        S,
    ),
    ("tile", lambda t: ops.tile(t, (1, 2, 3)), lambda t: np.tile(t, (1, 2, 3)), S),
    ("repeat", lambda t: ops.repeat(t, 2, axis=2), lambda t: np.repeat(t, 2, axis=2), S),
    (
        "repeat_counts",
        lambda t: ops.repeat(t, [2, 0, 1], axis=1),
        lambda t: np.repeat(t, [2, 0, 1], axis=1),
        S,
    ),
    ("flip", lambda t: ops.flip(t, axis=(1, 2)), lambda t: np.flip(t, (1, 2)), S),
    ("roll", lambda t: ops.roll(t, (3, -1), axis=(2, 1)), lambda t: np.roll(t, (3, -1), (2, 1)), S),
    (
        "take",
        lambda t: ops.take(t, [2, 0, 0, -1], axis=2),
        lambda t: np.take(t, [2, 0, 0, -1], axis=2),
        S,
    ),
    (
        "take_2d_indices",
        lambda t: ops.take(t, [[0, 2], [1, 1]], axis=1),
        lambda t: np.take(t, [[0, 2], [1, 1]], axis=1),
        S,
    ),
    (
        "take_along_axis",
        lambda t: ops.take_along_axis(t, np.array([[[3, 0], [1, 1], [2, -4]]]), axis=2),
        lambda t: np.take_along_axis(t, np.array([[[3, 0], [1, 1], [2, 0]]]), axis=2),
        S,
    ),
    ("swapaxes", lambda t: ops.swapaxes(t, 1, 2), lambda t: np.swapaxes(t, 1, 2), S),
    ("moveaxis", lambda t: ops.moveaxis(t, 1, -1), lambda t: np.moveaxis(t, 1, -1), (2, 3, 4)),
    ("tril", lambda t: ops.tril(t, -1), lambda t: np.tril(t, -1), S),
    ("triu", lambda t: ops.triu(t, 1), lambda t: np.triu(t, 1), S),
    ("hstack", lambda t: ops.hstack([t, t]), lambda t: np.hstack([t, t]), S),
    ("append", lambda t: ops.append(t, t, axis=2), lambda t: np.append(t, t, axis=2), S),
]


@pytest.mark.parametrize("name,ours,reference,shape", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_gradient_and_fit(name, ours, reference, shape):
    model = WeightedOp(ours, shape)
    w0 = model.w.numpy().copy()
    x = np.ones((1, *shape), np.float32)
    y = model.predict(x, verbose=0)
    assert_same(y, reference(w0[None]).astype(np.float32))
    np.testing.assert_array_equal(y, ours(w0[None]))  # the same op, eagerly

    # One SGD step on mse against zeros: the step is lr * d(mean(y**2))/dw,
    # whose exact value follows from where each output element came from.
    lr = 0.5
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = adjoint(reference, (1, *shape), 2.0 * y.astype(np.float64) / y.size)
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad[0], rtol=1e-5, atol=1e-6)

    history = model.fit(x, np.zeros_like(y), batch_size=1, epochs=4, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("name,ours,reference,shape", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_functional_model_with_unknown_batch(name, ours, reference, shape):
    inputs = keras.Input(shape)
    outputs = ours(inputs)
    x = rng_for(1).uniform(-1, 1, (5, *shape)).astype(np.float32)
    want = reference(x).astype(np.float32)
    assert tuple(outputs.shape) == (None, *want.shape[1:])
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, *want.shape[1:])
    assert_same(model.predict(x, batch_size=2, verbose=0), want)


def test_ops_along_the_unknown_batch_axis():
    """Reshapes and broadcasts handle the unknown batch with -1: the sizes
    that depend on the batch are None, the others as NumPy's."""
    inputs = keras.Input((3, 4))
    cases = [
        (ops.repeat(inputs, 2, axis=0), lambda x: np.repeat(x, 2, axis=0)),
        (ops.tile(inputs, (2, 1, 1)), lambda x: np.tile(x, (2, 1, 1))),
        (ops.take(inputs, [1, 0], axis=0), lambda x: np.take(x, [1, 0], axis=0)),
        (ops.ravel(inputs), np.ravel),
        (ops.vstack([inputs, inputs]), lambda x: np.vstack([x, x])),
        (ops.expand_dims(inputs, 0), lambda x: x[None]),
        (ops.append(inputs, inputs), lambda x: np.append(x, x)),
    ]
    x = rng_for(2).uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    for out, reference in cases:
        want = reference(x)
        other_batch = reference(np.zeros((7, 3, 4))).shape
        assert out.shape == tuple(w if w == o else None for w, o in zip(want.shape, other_batch))
        model = keras.Model(inputs, out)
        assert_same(model.predict(x, batch_size=8, verbose=0), want.astype(np.float32))


def test_broadcast_to_in_models():
    inputs = keras.Input((3,))
    out = ops.broadcast_to(ops.expand_dims(inputs, 1), (2, 4, 3))
    assert out.shape == (2, 4, 3)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    model = keras.Model(inputs, out)
    assert_same(model.predict(x, verbose=0), np.broadcast_to(x[:, None], (2, 4, 3)))
    model = WeightedOp(lambda t: ops.broadcast_to(ops.expand_dims(t, 1), (1, 5, 3)), (3,))
    w0 = model.w.numpy().copy()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    model.fit(np.ones((1, 3), np.float32), np.zeros((1, 5, 3)), batch_size=1, verbose=0)
    # d mean(y**2) / dw = 5 copies * 2 w / 15 elements
    np.testing.assert_allclose(model.w.numpy(), w0 - 5 * 2 * w0 / 15, rtol=1e-5)


def test_take_with_symbolic_indices():
    """Ids from an int input pick rows of a table (an embedding lookup), and
    `take_along_axis` with symbolic indices selects along the axis."""
    ids = keras.Input((2,), dtype="int32")
    table = np.arange(15, dtype=np.float32).reshape(5, 3)
    out = ops.take(table, ids, axis=0)
    assert out.shape == (None, 2, 3)
    model = keras.Model(ids, out)
    batch = np.array([[4, 0], [1, 1], [2, 3]])
    assert_same(model.predict(batch, verbose=0), table[batch])

    x = keras.Input((3, 4))
    idx = keras.Input((3, 2), dtype="int32")
    out = ops.take_along_axis(x, idx, axis=2)
    assert out.shape == (None, 3, 2)
    model = keras.Model([x, idx], out)
    xs = rng_for(3).uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    xs[0, 0, 1] = np.inf  # selecting must not mix other elements in
    ids_ = rng_for(4).integers(0, 4, (2, 3, 2))
    assert_same(model.predict([xs, ids_], verbose=0), np.take_along_axis(xs, ids_, axis=2))


def test_take_along_axis_with_symbolic_indices_trains():
    class Pick(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(4)

        def call(self, inputs):
            x, idx = inputs
            return ops.take_along_axis(self.dense(x), idx, axis=1)

    model = Pick()
    rng = rng_for(5)
    x = rng.uniform(-1, 1, (16, 3)).astype(np.float32)
    idx = rng.integers(0, 4, (16, 2))
    out = model.predict([x, idx], verbose=0)
    dense = model.dense(x)
    assert_same(out, np.take_along_axis(np.asarray(dense), idx, axis=1))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit([x, idx], np.ones((16, 2)), epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_split_gives_one_output_per_piece():
    inputs = keras.Input((6,))
    pieces = ops.split(inputs, 3, axis=1)
    assert [p.shape for p in pieces] == [(None, 2)] * 3
    model = keras.Model(inputs, pieces)
    x = np.arange(12, dtype=np.float32).reshape(2, 6)
    for got, want in zip(model.predict(x, verbose=0), np.split(x, 3, axis=1)):
        assert_same(got, want)


# ---------------------------------------------------------------- bad input


BAD = [
    ("expand_dims", lambda: ops.expand_dims(np.ones((2, 3)), 3), InvalidArgumentError),
    ("expand_dims", lambda: ops.expand_dims(np.ones((2, 3)), (0, 0)), InvalidArgumentError),
    ("squeeze", lambda: ops.squeeze(np.ones((2, 3)), 0), ShapeError),
    ("squeeze", lambda: ops.squeeze(np.ones((1, 3)), 2), InvalidArgumentError),
    ("stack", lambda: ops.stack([np.ones(2), np.ones(3)]), ShapeError),
    ("stack", lambda: ops.stack([]), InvalidArgumentError),
    ("stack", lambda: ops.stack([np.ones(2)], axis=2), InvalidArgumentError),
    ("split", lambda: ops.split(np.ones((3, 4)), 3, axis=1), ShapeError),
    ("split", lambda: ops.split(np.ones((3, 4)), 0), InvalidArgumentError),
    ("split", lambda: ops.split(np.ones(()), 1), ShapeError),
    ("tile", lambda: ops.tile(np.ones(3), -1), InvalidArgumentError),
    ("repeat", lambda: ops.repeat(np.ones((2, 3)), [1, 2], axis=1), ShapeError),
    ("repeat", lambda: ops.repeat(np.ones(3), -2), InvalidArgumentError),
    ("flip", lambda: ops.flip(np.ones((2, 3)), 2), InvalidArgumentError),
    ("roll", lambda: ops.roll(np.ones((2, 3)), (1, 2, 3), axis=(0, 1)), InvalidArgumentError),
    ("broadcast_to", lambda: ops.broadcast_to(np.ones(3), (2, 4)), ShapeError),
    ("broadcast_to", lambda: ops.broadcast_to(np.ones((2, 3)), (3,)), ShapeError),
    ("take", lambda: ops.take(np.ones((2, 3)), [3], axis=1), OutOfRangeError),
    ("take", lambda: ops.take(np.ones((2, 3)), [-3], axis=0), OutOfRangeError),
    ("take", lambda: ops.take(np.ones((2, 3)), [0], axis=2), InvalidArgumentError),
    ("take", lambda: ops.take(np.ones((2, 3)), [0.5]), ValueError),
    (
        "take_along_axis",
        lambda: ops.take_along_axis(np.ones((2, 3)), np.zeros(2, int), 1),
        ShapeError,
    ),
    (
        "take_along_axis",
        lambda: ops.take_along_axis(np.ones((2, 3)), np.zeros((3, 1), int), 1),
        ShapeError,
    ),
    (
        "take_along_axis",
        lambda: ops.take_along_axis(np.ones((2, 3)), np.full((2, 1), 3), 1),
        OutOfRangeError,
    ),
    ("swapaxes", lambda: ops.swapaxes(np.ones((2, 3)), 0, 2), InvalidArgumentError),
    ("moveaxis", lambda: ops.moveaxis(np.ones((2, 3)), (0, 1), 0), InvalidArgumentError),
    ("tril", lambda: ops.tril(np.ones(3)), ShapeError),
    ("triu", lambda: ops.triu(np.ones((2, 2)), 0.5), InvalidArgumentError),
    ("hstack", lambda: ops.hstack([np.ones((2, 3)), np.ones((3, 3))]), ShapeError),
    ("vstack", lambda: ops.vstack([np.ones(2), np.ones(3)]), ShapeError),
    ("append", lambda: ops.append(np.ones((2, 3)), np.ones(3), axis=0), ShapeError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'" if error is not ValueError else None):
        call()
    assert issubclass(error, ValueError)


UNKNOWN = [
    ("flip", lambda x: ops.flip(x)),
    ("roll", lambda x: ops.roll(x, 1)),
    ("roll", lambda x: ops.roll(x, 1, axis=0)),
    ("split", lambda x: ops.split(x, 2, axis=0)),
    ("squeeze", lambda x: ops.squeeze(x, 0)),
    ("repeat", lambda x: ops.repeat(x, [1, 2], axis=0)),
    ("take_along_axis", lambda x: ops.take_along_axis(x, np.zeros((1, 3, 1), int), axis=0)),
    ("tril", lambda x: ops.tril(ops.swapaxes(x, 0, 2))),
    ("take", lambda x: ops.take(x, [-1], axis=0)),
    ("take", lambda x: ops.take(x, keras.Input((2,), dtype="int32"), axis=2)),
]


@pytest.mark.parametrize("name,call", UNKNOWN, ids=[f"{u[0]}-{i}" for i, u in enumerate(UNKNOWN)])
def test_sizes_unknown_until_run_time_raise_naming_the_op(name, call):
    with pytest.raises(ValueError, match=f"'{name}'"):
        call(keras.Input((3, 4)))


def test_traced_model_with_an_op_on_the_batch_axis_names_the_op():
    class Flipper(keras.Model):
        def call(self, x):
            return ops.flip(x, axis=0)

    with pytest.raises(ShapeError, match="'flip'.*axis 0.*unknown until run time"):
        Flipper().predict(np.ones((2, 3), np.float32), verbose=0)
