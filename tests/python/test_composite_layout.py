"""Rearranging ops (`pykeras/ops/layout.py`): composites of the core's
primitives that only move elements, checked against NumPy (values, shape and
dtype, integer and bool inputs exact, over hypothesis-drawn shapes), against
what Keras 3 returned (tests/reference/data/products.json, which also pins
`rearrange`'s grammar), through traced subclassed models (values and the
exact gradient), in Functional models with an unknown batch, and on bad
input."""

import numpy as np
import pytest
from composite_check import WeightedOp, adjoint, assert_same, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from op_check import SETTINGS, rng_for, seeds, shapes
from products_check import cases, replay

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import layout

OPS = set()


def test_every_function_has_keras_signature():
    for name in layout.__all__:
        assert our_params(getattr(layout, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(layout, name)
        doc = getattr(layout, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", cases("layout"))
def test_matches_keras(case):
    replay(case, rtol=0.0)


def _kinds(seed, shape):
    """The same shape as float32, int64 (big, exact) and bool."""
    rng = rng_for(seed)
    return [
        rng.uniform(-5, 5, shape).astype(np.float32),
        rng.integers(-(2**40), 2**40, shape),
        rng.uniform(-1, 1, shape) > 0,
    ]


def check_eager(ours, reference, seed, shape):
    for x in _kinds(seed, shape):
        want, got = reference(x), ours(x)
        if isinstance(want, (list, tuple)):
            assert isinstance(got, list) and len(got) == len(want)
            for g, w in zip(got, want):
                assert_same(g, np.asarray(w))
        else:
            assert_same(got, np.asarray(want))


@SETTINGS
@given(shapes(min_dims=2), seeds, st.integers(-5, 5), st.data())
def test_rot90(shape, seed, k, data):
    axes = tuple(data.draw(st.permutations(range(len(shape))))[:2])
    if data.draw(st.booleans()):
        axes = (axes[0] - len(shape), axes[1])
    check_eager(lambda x: ops.rot90(x, k, axes), lambda x: np.rot90(x, k, axes), seed, shape)


@SETTINGS
@given(shapes(min_dims=2), seeds)
def test_fliplr_flipud(shape, seed):
    check_eager(ops.fliplr, np.fliplr, seed, shape)
    check_eager(ops.flipud, np.flipud, seed, shape[1:])


@SETTINGS
@given(shapes(min_dims=1, max_dims=3), seeds, st.integers(1, 6), st.data())
def test_array_split(shape, seed, sections, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    check_eager(
        lambda x: ops.array_split(x, sections, axis),
        lambda x: np.array_split(x, sections, axis),
        seed,
        shape,
    )


@SETTINGS
@given(shapes(min_dims=3, max_dims=4), seeds, st.data())
def test_hsplit_vsplit_dsplit(shape, seed, data):
    for fn, ref, axis, rank in (
        (ops.hsplit, np.hsplit, 1, 2),
        (ops.vsplit, np.vsplit, 0, 2),
        (ops.dsplit, np.dsplit, 2, 3),
    ):
        s = shape[: data.draw(st.integers(rank, len(shape)))]
        n = s[axis]
        if data.draw(st.booleans()):
            arg = data.draw(st.sampled_from([d for d in range(1, 5) if n % d == 0]))
        else:
            arg = data.draw(st.lists(st.integers(-n - 1, n + 1), max_size=3))
        check_eager(lambda x, f=fn, a=arg: f(x, a), lambda x, f=ref, a=arg: f(x, a), seed, s)
    one_d = shape[:1]
    check_eager(lambda x: ops.hsplit(x, [1]), lambda x: np.hsplit(x, [1]), seed, one_d)


@SETTINGS
@given(shapes(max_dims=3), seeds, st.integers(1, 3), st.data())
def test_dstack(shape, seed, count, data):
    def varied():
        s = list(shape)
        if len(s) >= 3:
            s[2] = data.draw(st.integers(0, 3))
        return tuple(s)

    parts = [varied() for _ in range(count)]
    for kind in zip(*[_kinds(seed + j, s) for j, s in enumerate(parts)]):
        assert_same(ops.dstack(list(kind)), np.dstack(kind))


@SETTINGS
@given(shapes(min_dims=1), seeds, st.data())
def test_unstack(shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    check_eager(
        lambda x: ops.unstack(x, axis=axis),
        lambda x: list(np.moveaxis(x, axis, 0)),
        seed,
        shape,
    )


@SETTINGS
@given(st.lists(st.integers(0, 3), min_size=1, max_size=4), seeds, st.sampled_from(["xy", "ij"]))
def test_meshgrid(sizes, seed, indexing):
    rng = rng_for(seed)
    xs = [rng.integers(-9, 9, n).astype(np.int32) for n in sizes]
    xs[0] = xs[0].astype(np.float32)
    got = ops.meshgrid(*xs, indexing=indexing)
    want = np.meshgrid(*xs, indexing=indexing)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert_same(g, w)


@st.composite
def patterns(draw):
    """(pattern, input shape, axes_lengths, the same by NumPy)."""
    names = [f"a{i}" for i in range(draw(st.integers(1, 4)))]
    sizes = {n: draw(st.integers(1, 3)) for n in names}

    # Split the names into input groups in order, output groups permuted.
    def grouping(seq):
        groups, i = [], 0
        while i < len(seq):
            k = draw(st.integers(1, min(2, len(seq) - i)))
            groups.append(seq[i : i + k])
            i += k
        return groups

    ins = grouping(names)
    outs = grouping(list(draw(st.permutations(names))))
    lengths = {}
    for g in ins:
        if len(g) > 1:
            known = g if draw(st.booleans()) else g[1:]
            lengths.update({n: sizes[n] for n in known})

    def side(groups):
        return " ".join(g[0] if len(g) == 1 else "(" + " ".join(g) + ")" for g in groups)

    in_shape = tuple(int(np.prod([sizes[n] for n in g])) for g in ins)

    def reference(x):
        y = x.reshape([sizes[n] for n in names])
        y = y.transpose([names.index(n) for g in outs for n in g])
        return y.reshape([int(np.prod([sizes[n] for n in g])) for g in outs])

    return f"{side(ins)} -> {side(outs)}", in_shape, lengths, reference


@SETTINGS
@given(patterns(), seeds)
def test_rearrange(pattern, seed):
    text, shape, lengths, reference = pattern
    check_eager(lambda x: ops.rearrange(x, text, **lengths), reference, seed, shape)


# ------------------------------------------------ traced models: values, exact gradients

S = (3, 4)

MODEL_CASES = [
    ("rot90", lambda t: ops.rot90(t, 1, (1, 2)), lambda t: np.rot90(t, 1, (1, 2)), S),
    ("rot90_k3", lambda t: ops.rot90(t, 3, (2, 1)), lambda t: np.rot90(t, 3, (2, 1)), S),
    ("fliplr", ops.fliplr, np.fliplr, S),
    (
        "array_split",
        lambda t: ops.concatenate(ops.array_split(t, 3, axis=2)[::-1], axis=2),
        lambda t: np.concatenate(np.array_split(t, 3, axis=2)[::-1], axis=2),
        S,
    ),
    (
        "hsplit",
        lambda t: ops.concatenate(ops.hsplit(t, [2])[::-1], axis=1),
        lambda t: np.concatenate(np.hsplit(t, [2])[::-1], axis=1),
        S,
    ),
    (
        "dsplit",
        lambda t: ops.concatenate(ops.dsplit(t, 2)[::-1], axis=2),
        lambda t: np.concatenate(np.dsplit(t, 2)[::-1], axis=2),
        S,
    ),
    ("dstack", lambda t: ops.dstack([t, t * 2.0]), lambda t: np.dstack([t, t * 2.0]), S),
    (
        "unstack",
        lambda t: ops.stack(ops.unstack(t, axis=2)[::-1], axis=1),
        lambda t: np.stack(list(np.moveaxis(t, 2, 0))[::-1], axis=1),
        S,
    ),
    (
        "rearrange",
        lambda t: ops.rearrange(t, "b (h w) c -> b c (w h)", h=2),
        lambda t: t.reshape(1, 2, 2, 3).transpose(0, 3, 2, 1).reshape(1, 3, 4),
        (4, 3),
    ),
]


@pytest.mark.parametrize("name,ours,reference,shape", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference, shape):
    model = WeightedOp(ours, shape)
    w0 = model.w.numpy().copy()
    x = np.ones((1, *shape), np.float32)
    y = model.predict(x, verbose=0)
    assert_same(y, reference(w0[None]).astype(np.float32))
    lr = 0.5
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    if name == "dstack":
        grad = 2.0 * (w0 + 4.0 * w0) / y.size
    else:
        grad = adjoint(reference, (1, *shape), 2.0 * y.astype(np.float64) / y.size)[0]
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=1e-5, atol=1e-6)


FUNCTIONAL = [
    ("rot90", lambda t: ops.rot90(t, 1, (1, 2)), (3, 4)),
    ("fliplr", ops.fliplr, (3, 4)),
    ("array_split", lambda t: ops.array_split(t, 2, axis=1), (3, 4)),
    ("vsplit_last", lambda t: ops.dsplit(t, [1]), (3, 4)),
    ("dstack", lambda t: ops.dstack([t, t]), (3,)),
    ("unstack", lambda t: ops.unstack(t, axis=1), (3, 4)),
    ("unstack_batch", lambda t: ops.unstack(t, num=2), (3,)),
    ("rearrange", lambda t: ops.rearrange(t, "b (h w) -> b w h", w=2), (4,)),
    ("rearrange_batch", lambda t: ops.rearrange(t, "b (h w) -> (b w) h", w=2), (4,)),
    ("rearrange_split_batch", lambda t: ops.rearrange(t, "(b h) w -> b w h", h=2), (4,)),
]


@pytest.mark.parametrize("name,fn,shape", FUNCTIONAL, ids=[c[0] for c in FUNCTIONAL])
def test_functional_model_with_unknown_batch(name, fn, shape):
    inputs = keras.Input(shape)
    outputs = fn(inputs)
    x = rng_for(1).uniform(-1, 1, (2, *shape)).astype(np.float32)
    want = fn(x)
    model = keras.Model(inputs, outputs)
    got = model.predict(x, batch_size=2, verbose=0)
    if isinstance(want, list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w)
    else:
        assert_same(got, want)


def test_meshgrid_in_a_traced_model():
    def fn(t):
        gx, gy = ops.meshgrid(t[0], np.arange(2.0))
        return gx * gy

    model = WeightedOp(fn, (3,))
    w0 = model.w.numpy()
    y = model.predict(np.ones((1, 3), np.float32), verbose=0)
    gx, gy = np.meshgrid(w0, np.arange(2.0))
    assert_same(y, (gx * gy).astype(np.float32))


# ---------------------------------------------------------------- bad input

BAD = [
    ("rot90", lambda: ops.rot90(np.ones(3)), ShapeError),
    ("rot90", lambda: ops.rot90(np.ones((2, 2)), 1, (0, 0)), InvalidArgumentError),
    ("rot90", lambda: ops.rot90(np.ones((2, 2)), 1, (0, 2)), InvalidArgumentError),
    ("rot90", lambda: ops.rot90(np.ones((2, 2)), 1.5), InvalidArgumentError),
    ("fliplr", lambda: ops.fliplr(np.ones(3)), ShapeError),
    ("flipud", lambda: ops.flipud(np.ones(())), ShapeError),
    ("array_split", lambda: ops.array_split(np.ones(3), [1]), InvalidArgumentError),
    ("array_split", lambda: ops.array_split(np.ones(3), 0), InvalidArgumentError),
    ("array_split", lambda: ops.array_split(np.ones(3), 2, axis=1), InvalidArgumentError),
    ("hsplit", lambda: ops.hsplit(np.ones((2, 3)), 2), ShapeError),
    ("vsplit", lambda: ops.vsplit(np.ones(()), 1), ShapeError),
    ("dsplit", lambda: ops.dsplit(np.ones((2, 2)), 2), ShapeError),
    ("dstack", lambda: ops.dstack([]), InvalidArgumentError),
    ("dstack", lambda: ops.dstack([np.ones((2, 2)), np.ones((3, 2))]), ShapeError),
    ("unstack", lambda: ops.unstack(np.ones(())), ShapeError),
    ("unstack", lambda: ops.unstack(np.ones(2), axis=1), InvalidArgumentError),
    ("meshgrid", lambda: ops.meshgrid(np.ones((2, 2))), ShapeError),
    ("meshgrid", lambda: ops.meshgrid(np.ones(2), indexing="xx"), InvalidArgumentError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 3)), "a b"), InvalidArgumentError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 3)), "a b -> b"), InvalidArgumentError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 3)), "a b -> a b c"), InvalidArgumentError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 3)), "a b c -> c b a"), ShapeError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 3)), "... b -> b ..."), InvalidArgumentError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 3)), "a b -> a 1 b"), InvalidArgumentError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 6)), "a (b c) -> a b c"), InvalidArgumentError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 6)), "a (b c) -> a b c", b=4), ShapeError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 6)), "a (b c) -> a c b", b=2, c=2), ShapeError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 6)), "a b -> b a", b=5), ShapeError),
    ("rearrange", lambda: ops.rearrange(np.ones((2, 6)), "a () b -> b a"), InvalidArgumentError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'"):
        call()


UNKNOWN = [
    ("rot90", lambda x: ops.rot90(x, 1, (1, 0))),
    ("rot90", lambda x: ops.rot90(x, 2)),
    ("flipud", ops.flipud),
    ("array_split", lambda x: ops.array_split(x, 2)),
    ("vsplit", lambda x: ops.vsplit(x, 2)),
    ("unstack", ops.unstack),
]


@pytest.mark.parametrize("name,call", UNKNOWN, ids=[f"{u[0]}-{i}" for i, u in enumerate(UNKNOWN)])
def test_sizes_unknown_until_run_time_raise_naming_the_op(name, call):
    with pytest.raises(ValueError, match=f"'{name}'"):
        call(keras.Input((3, 4)))
