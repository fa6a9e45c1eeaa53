"""Products and contractions (`pykeras/ops/products.py`, lowered by
`_einsum.py`, with `_cross.py`): composites of the core's primitives,
checked against NumPy over hypothesis-drawn equations and shapes (values,
shape and dtype), against what Keras 3 returned (recorded in
tests/reference/data/products.json), through traced subclassed models
(values, the gradient against finite differences, and fit), in Functional
models with an unknown batch, and on bad input."""

import numpy as np
import pytest
from composite_check import keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from op_check import FEW, SETTINGS, rng_for, seeds, shapes
from products_check import cases, check_trains, replay

import pykeras as keras
from pykeras import ops
from pykeras.errors import InvalidArgumentError, ShapeError
from pykeras.ops import products

# Composites claim no primitive (test_ops_coverage.py counts test_ops_*.py).
OPS = set()


def test_every_function_has_keras_signature():
    for name in products.__all__:
        assert our_params(getattr(products, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(products, name)
        doc = getattr(products, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Example:" in doc, name


@pytest.mark.parametrize("case", cases("products"))
def test_matches_keras(case):
    replay(case, rtol=1e-5)


# ---------------------------------------------------------------- einsum against NumPy


@st.composite
def equations(draw):
    """(equation, shapes): 1-3 operands over labels a-e (repeats within an
    operand included), sizes 0-3, some size-1 axes broadcasting, explicit
    or implicit output."""
    letters = "abcde"
    sizes = {c: draw(st.sampled_from([1, 2, 3, 3, 0])) for c in letters}
    terms = [
        draw(st.lists(st.sampled_from(letters), max_size=4)) for _ in range(draw(st.integers(1, 3)))
    ]
    shapes_ = []
    for term in terms:
        shape = []
        for c in term:
            once = term.count(c) == 1
            shape.append(1 if once and draw(st.integers(0, 4)) == 0 else sizes[c])
        shapes_.append(tuple(shape))
    lhs = ",".join("".join(t) for t in terms)
    if draw(st.booleans()):
        return lhs, shapes_
    used = sorted({c for t in terms for c in t})
    out = draw(st.permutations(used)) if used else []
    out = out[: draw(st.integers(0, len(out)))]
    return f"{lhs}->{''.join(out)}", shapes_


@SETTINGS
@given(equations(), seeds)
def test_einsum_against_numpy(equation, seed):
    eq, shapes_ = equation
    rng = rng_for(seed)
    xs = [rng.uniform(-2, 2, s).astype(np.float32) for s in shapes_]
    got = ops.einsum(eq, *xs)
    want = np.einsum(eq, *[x.astype(np.float64) for x in xs])
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    ints = [rng.integers(-3, 4, s).astype(np.int32) for s in shapes_]
    got = ops.einsum(eq, *ints)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.einsum(eq, *ints))


ELLIPSIS = [
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...,i...->...", [(3, 2, 2), (3, 1, 2)]),
    ("...i,...i", [(2, 3), (3,)]),
    ("a...b,b...->a...", [(2, 3, 4), (4, 3)]),
    ("...->...", [(2, 3)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("bqhd,bkhd->bhqk", [(2, 5, 3, 4), (2, 6, 3, 4)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("Ab,bC->CA", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("eq,shapes_", ELLIPSIS, ids=[e for e, _ in ELLIPSIS])
def test_einsum_ellipsis_and_many_operands(eq, shapes_):
    rng = rng_for(3)
    xs = [rng.uniform(-1, 1, s).astype(np.float32) for s in shapes_]
    np.testing.assert_allclose(ops.einsum(eq, *xs), np.einsum(eq, *xs), rtol=1e-5, atol=1e-5)


def test_einsum_keeps_bool_and_promotes_mixed_inputs():
    a = np.array([[True, False], [True, True]])
    np.testing.assert_array_equal(ops.einsum("ij,jk->ik", a, a), np.einsum("ij,jk->ik", a, a))
    assert ops.einsum("ij,jk->ik", a, a).dtype == np.bool_
    out = ops.einsum("i,i->", np.arange(3, dtype=np.int32), np.ones(3, np.float32))
    assert out.dtype == np.float32 and out == 3.0
    assert ops.einsum("ij->", np.ones((2, 2)), optimize="greedy") == 4.0


# ---------------------------------------------------------------- the other products


def _pair(seed, sa, sb, kind):
    rng = rng_for(seed)
    if kind == "int":
        return rng.integers(-3, 4, sa).astype(np.int32), rng.integers(-3, 4, sb).astype(np.int32)
    return rng.uniform(-2, 2, sa).astype(np.float32), rng.uniform(-2, 2, sb).astype(np.float32)


def _close(got, want, kind):
    want = np.asarray(want)
    got = np.asarray(got)
    assert got.shape == want.shape
    assert got.dtype == (np.int32 if kind == "int" else np.float32)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@SETTINGS
@given(shapes(max_dims=3), shapes(max_dims=3), seeds, st.sampled_from(["float", "int"]))
def test_dot_inner_outer_vdot_kron(sa, sb, seed, kind):
    a, b = _pair(seed, sa, sb, kind)
    if not sa or not sb:
        _close(ops.dot(a, b), np.dot(a, b), kind)
        _close(ops.inner(a, b), np.inner(a, b), kind)
    _close(ops.outer(a, b), np.outer(a, b), kind)
    _close(ops.kron(a, b), np.kron(a, b), kind)
    # Operands shaped so that the contracted sizes agree.
    b2 = _pair(seed, sa[-1:] + sb, sb, kind)[0] if sa else b
    if sa:
        b_dot = np.moveaxis(b2, 0, -2) if b2.ndim >= 2 else b2
        _close(ops.dot(a, b_dot), np.dot(a, b_dot), kind)
        b_inner = np.moveaxis(b2, 0, -1)
        _close(ops.inner(a, b_inner), np.inner(a, b_inner), kind)
    same = _pair(seed + 1, sa, sa, kind)[1]
    _close(ops.vdot(a, same), np.vdot(a, same), kind)


@SETTINGS
@given(shapes(max_dims=3), shapes(max_dims=3), seeds, st.data())
def test_tensordot(sa, sb, seed, data):
    n = data.draw(st.integers(0, len(sa)))
    a = rng_for(seed).uniform(-1, 1, sa).astype(np.float32)
    b = rng_for(seed + 1).uniform(-1, 1, sa[len(sa) - n :] + sb).astype(np.float32)
    np.testing.assert_allclose(ops.tensordot(a, b, n), np.tensordot(a, b, n), rtol=1e-4, atol=1e-4)
    if sa:
        perm = data.draw(st.permutations(range(len(sa))))
        k = data.draw(st.integers(1, len(sa)))
        axes_a = list(perm[:k])
        c = rng_for(seed + 2).uniform(-1, 1, [sa[i] for i in axes_a] + list(sb)).astype(np.float32)
        axes = (axes_a, list(range(k)))
        np.testing.assert_allclose(
            ops.tensordot(a, c, axes), np.tensordot(a, c, axes), rtol=1e-4, atol=1e-4
        )


@pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")
@SETTINGS
@given(shapes(max_dims=2, max_side=3), seeds, st.data())
def test_cross(lead, seed, data):
    na, nb = data.draw(st.sampled_from([2, 3])), data.draw(st.sampled_from([2, 3]))
    axisa = data.draw(st.integers(-len(lead) - 1, len(lead)))
    rng = rng_for(seed)
    a = np.moveaxis(rng.uniform(-2, 2, (*lead, na)), -1, axisa).astype(np.float32)
    b = rng.uniform(-2, 2, (*lead, nb)).astype(np.float32)
    kwargs = {"axisa": axisa}
    if na == 3 or nb == 3:
        kwargs["axisc"] = data.draw(st.integers(-len(lead) - 1, len(lead)))
    np.testing.assert_allclose(
        ops.cross(a, b, **kwargs), np.cross(a, b, **kwargs), rtol=1e-5, atol=1e-5
    )


@SETTINGS
@given(shapes(min_dims=2, max_dims=4), seeds, st.integers(-4, 4), st.data())
def test_diagonal_and_trace(shape, seed, offset, data):
    a1, a2 = data.draw(st.permutations(range(len(shape))))[:2]
    if data.draw(st.booleans()):
        a1 -= len(shape)
    x = rng_for(seed).integers(-9, 9, shape).astype(np.int32)
    got = ops.diagonal(x, offset, a1, a2)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.diagonal(x, offset, a1, a2))
    got = ops.trace(x.astype(np.float32), offset=offset, axis1=a1, axis2=a2)
    np.testing.assert_allclose(got, np.trace(x, offset, a1, a2))


@SETTINGS
@given(shapes(min_dims=1, max_dims=2), seeds, st.integers(-3, 3))
def test_diag_and_diagflat(shape, seed, k):
    x = rng_for(seed).integers(-9, 9, shape)
    np.testing.assert_array_equal(ops.diag(x, k), np.diag(x, k))
    assert ops.diag(x, k).dtype == x.dtype
    xf = x.astype(np.float32)
    np.testing.assert_array_equal(ops.diagflat(xf, k=k), np.diagflat(xf, k=k))


def test_diag_keeps_inf_and_nan_off_the_diagonal():
    x = np.array([np.inf, np.nan, 1.0], np.float32)
    np.testing.assert_array_equal(ops.diag(x), np.diag(x))


@FEW
@given(shapes(max_dims=2, max_side=3), st.integers(0, 3), st.integers(0, 3), seeds)
def test_cdist(lead, m, n, seed):
    rng = rng_for(seed)
    d = rng.integers(1, 4)
    x, y = rng.uniform(-2, 2, (*lead, m, d)), rng.uniform(-2, 2, (n, d))
    want = np.sqrt(((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(-1))
    got = ops.cdist(x, y)
    # float64 inputs: computed in float64 and float64, as Keras with x64.
    assert got.dtype == np.float64 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)
    got32 = ops.cdist(x.astype(np.float32), y.astype(np.float32))
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, want, rtol=1e-5, atol=1e-5)


@SETTINGS
@given(st.integers(1, 7), st.integers(1, 7), st.sampled_from(["valid", "same", "full"]), seeds)
def test_correlate(m, n, mode, seed):
    rng = rng_for(seed)
    a, v = rng.uniform(-2, 2, m).astype(np.float32), rng.uniform(-2, 2, n).astype(np.float32)
    got = ops.correlate(a, v, mode)
    want = np.correlate(a.astype(np.float64), v, mode)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@SETTINGS
@given(st.integers(0, 5), st.one_of(st.none(), st.integers(0, 9)), st.booleans(), seeds)
def test_vander(n, cols, increasing, seed):
    x = rng_for(seed).integers(-3, 4, n).astype(np.int32)
    got = ops.vander(x, cols, increasing)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.vander(x, cols, increasing))
    xf = x * np.float32(0.5)
    np.testing.assert_allclose(ops.vander(xf, cols), np.vander(xf, cols), rtol=1e-6)


# ------------------------------------------------ traced models: values, gradients, fit

S = (3, 4)


def per_sample(fn):
    """`fn` on the first sample, as a batch of one: for the ops that take
    whole tensors (the batch size of a traced model is unknown)."""
    return lambda t: ops.expand_dims(fn(t[0]), 0)


def np_per_sample(fn):
    return lambda t: np.asarray(fn(t[0]))[None]


K = np.array([[0.5, -1.0], [0.25, 1.0], [-0.5, 0.75], [1.0, 0.5]])

# (id, op on a batch, the same in NumPy (float64), one sample's shape).
MODEL_CASES = [
    (
        "einsum_matmul",
        lambda t: ops.einsum("bij,bkj->bik", t, t),
        lambda t: np.einsum("bij,bkj->bik", t, t),
        S,
    ),
    (
        "einsum_attention",
        lambda t: ops.einsum("bqhd,bkhd->bhqk", t, t * 0.5),
        lambda t: np.einsum("bqhd,bkhd->bhqk", t, t * 0.5),
        (3, 2, 2),
    ),
    (
        "einsum_diagonal",
        lambda t: ops.einsum("bii->bi", t),
        lambda t: np.einsum("bii->bi", t),
        (3, 3),
    ),
    (
        "einsum_three",
        lambda t: ops.einsum("bij,bkj,bj->bi", t, t, t[:, 0]),
        lambda t: np.einsum("bij,bkj,bj->bi", t, t, t[:, 0]),
        S,
    ),
    (
        "einsum_ellipsis",
        lambda t: ops.einsum("...j,jk->...k", t, K),
        lambda t: np.einsum("...j,jk->...k", t, K),
        S,
    ),
    ("tensordot", lambda t: ops.tensordot(t, K, 1), lambda t: np.tensordot(t, K, 1), S),
    ("dot", lambda t: ops.dot(t, K), lambda t: np.dot(t, K), S),
    ("inner", lambda t: ops.inner(t, K.T), lambda t: np.inner(t, K.T), S),
    (
        "outer",
        per_sample(lambda v: ops.outer(v, v[0])),
        np_per_sample(lambda v: np.outer(v, v[0])),
        S,
    ),
    ("vdot", per_sample(lambda v: ops.vdot(v, v)), np_per_sample(lambda v: np.vdot(v, v)), S),
    (
        "kron",
        lambda t: ops.kron(t, np.array([[1.0, -2.0]])),
        lambda t: np.kron(t, np.array([[1.0, -2.0]])),
        S,
    ),
    ("cross", lambda t: ops.cross(t, t * t), lambda t: np.cross(t, t * t), (4, 3)),
    ("trace", lambda t: ops.trace(t, 1, 1, 2), lambda t: np.trace(t, 1, 1, 2), S),
    ("diagonal", lambda t: ops.diagonal(t, -1, 2, 1), lambda t: np.diagonal(t, -1, 2, 1), S),
    ("diag", per_sample(lambda v: ops.diag(v, 1)), np_per_sample(lambda v: np.diag(v, 1)), (3,)),
    (
        "cdist",
        lambda t: ops.cdist(t, t * 2.0 + 1.0),
        lambda t: np.sqrt(((t[:, :, None] - (t * 2 + 1)[:, None]) ** 2).sum(-1)),
        S,
    ),
    (
        "correlate",
        per_sample(lambda v: ops.correlate(v, np.array([0.5, 1.0, -1.0]), "same")),
        np_per_sample(lambda v: np.correlate(v, [0.5, 1.0, -1.0], "same")),
        (5,),
    ),
    (
        "vander",
        per_sample(lambda v: ops.vander(v, 4)),
        np_per_sample(lambda v: np.vander(v, 4)),
        (3,),
    ),
]


@pytest.mark.parametrize("name,ours,reference,shape", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_gradient_and_fit(name, ours, reference, shape):
    check_trains(ours, reference, shape)


FUNCTIONAL = [
    ("einsum", lambda t: ops.einsum("bqhd,bkhd->bhqk", t, t), (5, 2, 3)),
    ("einsum_batch_summed", lambda t: ops.einsum("bqhd,bkhd->hqk", t, t), (5, 2, 3)),
    ("einsum_batch_free", lambda t: ops.einsum("bij,jk->bik", t, np.ones((2, 4))), (5, 2)),
    ("tensordot", lambda t: ops.tensordot(t, np.ones((2, 3)), 1), (5, 2)),
    ("dot", lambda t: ops.dot(t, np.ones((2, 3))), (5, 2)),
    ("inner", lambda t: ops.inner(t, np.ones((4, 2))), (5, 2)),
    ("kron", lambda t: ops.kron(t, np.ones((1, 2))), (5, 2)),
    ("cross", lambda t: ops.cross(t, np.array([0.0, 1.0, 2.0])), (3,)),
    ("trace", lambda t: ops.trace(t, axis1=1, axis2=2), (3, 3)),
    ("diagonal", lambda t: ops.diagonal(t, 0, 1, 2), (3, 4)),
    ("cdist", lambda t: ops.cdist(t, np.ones((4, 2))), (5, 2)),
]


@pytest.mark.parametrize("name,fn,shape", FUNCTIONAL, ids=[c[0] for c in FUNCTIONAL])
def test_functional_model_with_unknown_batch(name, fn, shape):
    inputs = keras.Input(shape)
    outputs = fn(inputs)
    x = rng_for(1).uniform(-1, 1, (3, *shape)).astype(np.float32)
    want = np.asarray(fn(x))
    other = np.asarray(fn(np.zeros((7, *shape), np.float32))).shape
    assert tuple(outputs.shape) == tuple(w if w == o else None for w, o in zip(want.shape, other))
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(model.predict(x, batch_size=8, verbose=0), want, rtol=1e-5)


def test_attention_einsum_is_one_matmul_between_two_transposes(monkeypatch):
    """The common contraction lowers to two transposes and one batched
    matmul: no sum, mul, reshape or final transpose (the output order is
    the matmul's)."""
    from pykeras.ops import _composite, _einsum

    calls = []
    for module in (_einsum, _composite):
        real = module.run

        def spy(name, inputs, _real=real, **kwargs):
            calls.append(name)
            return _real(name, inputs, **kwargs)

        monkeypatch.setattr(module, "run", spy)
    q, k = np.ones((2, 5, 3, 4)), np.ones((2, 6, 3, 4))
    assert ops.einsum("bqhd,bkhd->bhqk", q, k).shape == (2, 3, 5, 6)
    assert calls == ["transpose", "transpose", "matmul"], calls


# ---------------------------------------------------------------- bad input

BAD = [
    ("einsum", lambda: ops.einsum("ij,jk->ik", np.ones((2, 2))), InvalidArgumentError),
    ("einsum", lambda: ops.einsum("ijk->k", np.ones((2, 2))), ShapeError),
    ("einsum", lambda: ops.einsum("ij->ii", np.ones((2, 2))), InvalidArgumentError),
    ("einsum", lambda: ops.einsum("ij->k", np.ones((2, 2))), InvalidArgumentError),
    ("einsum", lambda: ops.einsum("i1->i", np.ones((2, 2))), InvalidArgumentError),
    ("einsum", lambda: ops.einsum("ij,jk", np.ones((2, 2)), np.ones((3, 3))), ShapeError),
    ("einsum", lambda: ops.einsum("ij", np.ones((2, 2)), bad=1), InvalidArgumentError),
    ("einsum", lambda: ops.einsum(3, np.ones(2)), InvalidArgumentError),
    ("tensordot", lambda: ops.tensordot(np.ones((2, 3)), np.ones(3), 2), ShapeError),
    ("tensordot", lambda: ops.tensordot(np.ones(3), np.ones(3), ([0], [0, 0])), ValueError),
    ("dot", lambda: ops.dot(np.ones((2, 3)), np.ones((2, 3))), ShapeError),
    ("inner", lambda: ops.inner(np.ones((2, 3)), np.ones(4)), ShapeError),
    ("vdot", lambda: ops.vdot(np.ones(3), np.ones(4)), ShapeError),
    ("cross", lambda: ops.cross(np.ones(4), np.ones(4)), ShapeError),
    ("cross", lambda: ops.cross(np.ones(3), np.ones(3), axisc=2), InvalidArgumentError),
    ("trace", lambda: ops.trace(np.ones(3)), ShapeError),
    ("diagonal", lambda: ops.diagonal(np.ones((2, 2)), 0, 1, 1), InvalidArgumentError),
    ("diagonal", lambda: ops.diagonal(np.ones((2, 2)), 0.5), InvalidArgumentError),
    ("diag", lambda: ops.diag(np.ones((2, 2, 2))), ShapeError),
    ("diagflat", lambda: ops.diagflat(np.ones(2), k=None), InvalidArgumentError),
    ("cdist", lambda: ops.cdist(np.ones(3), np.ones(3)), ShapeError),
    ("cdist", lambda: ops.cdist(np.ones((2, 3)), np.ones((2, 4))), ShapeError),
    ("correlate", lambda: ops.correlate(np.ones(3), np.ones(2), "bad"), InvalidArgumentError),
    ("correlate", lambda: ops.correlate(np.ones((2, 2)), np.ones(2)), ShapeError),
    ("correlate", lambda: ops.correlate(np.ones(0), np.ones(2)), ShapeError),
    ("vander", lambda: ops.vander(np.ones((2, 2))), ShapeError),
    ("vander", lambda: ops.vander(np.ones(2), -1), InvalidArgumentError),
]


@pytest.mark.parametrize("name,call,error", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_raises_naming_the_op(name, call, error):
    with pytest.raises(error, match=f"'{name}'" if error is not ValueError else None):
        call()


UNKNOWN = [
    ("diagonal", lambda x: ops.diagonal(x)),
    ("trace", lambda x: ops.trace(x)),
    ("correlate", lambda x: ops.correlate(ops.reshape(x, (-1,)), np.ones(2))),
    ("vander", lambda x: ops.vander(ops.reshape(x, (-1,)))),
]


@pytest.mark.parametrize("name,call", UNKNOWN, ids=[u[0] for u in UNKNOWN])
def test_sizes_unknown_until_run_time_raise_naming_the_op(name, call):
    with pytest.raises(ValueError, match=f"'{name}'"):
        call(keras.Input((3,)))
