"""dropout, embedding, batch_norm, batch_moments, layer_norm, softmax_cross_entropy."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_check import (
    FEW,
    SETTINGS,
    C,
    DTypeError,
    InvalidArgumentError,
    OutOfRangeError,
    ShapeError,
    check_forward,
    check_gradient,
    distinct_values,
    rng_for,
    seeds,
    shapes,
    uniform,
)

OPS = {"dropout", "embedding", "batch_norm", "batch_moments", "layer_norm", "softmax_cross_entropy"}


# ---------------------------------------------------------------- dropout

rates = st.sampled_from([0.1, 0.25, 0.5, 0.8])


@SETTINGS
@given(shape=shapes(), rate=rates, attr_seed=seeds, step=seeds, seed=seeds)
def test_dropout_keeps_or_scales(shape, rate, attr_seed, step, seed):
    x = uniform(rng_for(seed), shape, 0.5, 2.0)  # nonzero, so dropped cells are visible
    attrs = {"rate": rate, "seed": attr_seed}
    y = C.op("dropout", [x], attrs, training=True, seed=step)
    assert y.shape == x.shape and y.dtype == np.float32
    scale = np.float32(1.0) / (np.float32(1.0) - np.float32(rate))
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] * scale, rtol=1e-6)
    # the same seeds give the same mask, forward and backward
    np.testing.assert_array_equal(C.op("dropout", [x], attrs, training=True, seed=step), y)
    g = uniform(rng_for(seed + 1), shape)
    (gx,) = C.op_grad("dropout", [x], g, attrs, training=True, seed=step)
    np.testing.assert_allclose(gx, np.where(kept, g * scale, 0.0), rtol=1e-6)
    if x.size:
        check_gradient("dropout", [x], attrs, training=True, seed=step, max_checked=10)


@SETTINGS
@given(shape=shapes(), rate=st.sampled_from([0.0, 0.3, 0.9]), seed=seeds)
def test_dropout_is_identity_when_not_training(shape, rate, seed):
    x = uniform(rng_for(seed), shape)
    attrs = {"rate": rate, "seed": 3}
    np.testing.assert_array_equal(C.op("dropout", [x], attrs, training=False, seed=seed), x)
    g = uniform(rng_for(seed + 1), shape)
    (gx,) = C.op_grad("dropout", [x], g, attrs, training=False, seed=seed)
    np.testing.assert_array_equal(gx, g)


@SETTINGS
@given(shape=shapes(), seed=seeds)
def test_dropout_rate_zero_is_identity_in_training(shape, seed):
    x = uniform(rng_for(seed), shape)
    np.testing.assert_array_equal(C.op("dropout", [x], {"rate": 0.0}, training=True, seed=seed), x)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.75])
def test_dropout_keep_fraction(rate):
    n = 200_000
    x = np.ones(n, np.float32)
    for step in range(3):
        y = C.op("dropout", [x], {"rate": rate, "seed": 11}, training=True, seed=step)
        kept = np.count_nonzero(y) / n
        sigma = np.sqrt(rate * (1 - rate) / n)
        assert abs(kept - (1 - rate)) < 5 * sigma, (rate, kept)
        # inverted dropout preserves the expectation
        assert abs(y.mean() - 1.0) < 5 * sigma / (1 - rate)


def test_dropout_masks_depend_on_both_seeds():
    x = np.ones(4096, np.float32)
    base = C.op("dropout", [x], {"rate": 0.5, "seed": 1}, training=True, seed=7)
    other_step = C.op("dropout", [x], {"rate": 0.5, "seed": 1}, training=True, seed=8)
    other_attr = C.op("dropout", [x], {"rate": 0.5, "seed": 2}, training=True, seed=7)
    assert not np.array_equal(base, other_step)
    assert not np.array_equal(base, other_attr)
    # uncorrelated masks agree on about half the cells
    agree = np.mean((base != 0) == (other_step != 0))
    assert 0.45 < agree < 0.55


def test_dropout_mask_does_not_depend_on_layout():
    x = uniform(rng_for(0), (64, 48), 0.5, 1.0)
    a = C.op("dropout", [x], {"rate": 0.5}, training=True, seed=5)
    b = C.op("dropout", [np.asfortranarray(x)], {"rate": 0.5}, training=True, seed=5)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_dropout_bad_rate_raises(rate):
    with pytest.raises(InvalidArgumentError):
        C.op("dropout", [np.ones(3, np.float32)], {"rate": rate}, training=True)


def test_dropout_errors():
    with pytest.raises(InvalidArgumentError, match="noise_shape"):
        C.op("dropout", [np.ones(3, np.float32)], {"rate": 0.5, "noise_shape": [3]})
    with pytest.raises(DTypeError):
        C.op("dropout", [np.ones(3, np.int64)], {"rate": 0.5}, training=True)


# ---------------------------------------------------------------- embedding


@SETTINGS
@given(
    id_shape=shapes(max_dims=3),
    vocab=st.integers(1, 6),
    dim=st.integers(0, 4),
    seed=seeds,
    float_ids=st.booleans(),
)
def test_embedding(id_shape, vocab, dim, seed, float_ids):
    rng = rng_for(seed)
    ids = rng.integers(0, vocab, size=id_shape).astype(np.int64)
    table = uniform(rng, (vocab, dim))
    id_input = ids.astype(np.float32) if float_ids else ids
    check_forward("embedding", [id_input, table], reference=lambda i, t: t[ids], rtol=0, atol=0)
    g = uniform(rng, id_shape + (dim,))
    grads = C.op_grad("embedding", [id_input, table], g)
    assert len(grads) == 2 and grads[0] is None
    want = np.zeros((vocab, dim), np.float64)
    np.add.at(want, ids.reshape(-1), g.reshape(ids.size, dim).astype(np.float64))
    np.testing.assert_allclose(grads[1], want, rtol=1e-6, atol=1e-6)
    if not float_ids and table.size:
        check_gradient("embedding", [ids, table], wrt=[1], rng=rng_for(seed + 1))


def test_embedding_repeated_ids_add_up():
    table = np.zeros((3, 2), np.float32)
    ids = np.array([[2, 0, 2], [2, 1, 0]], np.int64)
    g = np.ones((2, 3, 2), np.float32)
    _, gt = C.op_grad("embedding", [ids, table], g)
    np.testing.assert_array_equal(gt, [[2, 2], [1, 1], [3, 3]])


@pytest.mark.parametrize("bad", [3, 4, -1, 1 << 40])
def test_embedding_out_of_range_id_raises(bad):
    table = np.ones((3, 2), np.float32)
    ids = np.array([0, bad, 1], np.int64)
    with pytest.raises(OutOfRangeError):
        C.op("embedding", [ids, table])
    with pytest.raises(ValueError):
        C.op_grad("embedding", [ids, table], np.ones((3, 2), np.float32))


def test_embedding_errors():
    ids = np.array([0, 1], np.int64)
    with pytest.raises(ShapeError):
        C.op("embedding", [ids, np.ones((3,), np.float32)])
    with pytest.raises(ShapeError):
        C.op("embedding", [ids, np.ones((3, 2, 1), np.float32)])
    with pytest.raises(DTypeError):
        C.op("embedding", [np.array([0.5, 1.0], np.float32), np.ones((3, 2), np.float32)])
    with pytest.raises(DTypeError):
        C.op("embedding", [ids, np.ones((3, 2), np.int64)])
    with pytest.raises(TypeError):
        C.op("embedding", [ids.astype(np.int32), np.ones((3, 2), np.float32)])
    with pytest.raises(InvalidArgumentError, match="mask_zero"):
        C.op("embedding", [ids, np.ones((3, 2), np.float32)], {"mask_zero": True})


# ---------------------------------------------------------------- batch_norm


@st.composite
def _norm_case(draw, max_side=4):
    shape = draw(shapes(min_dims=1, max_side=max_side))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    epsilon = draw(st.sampled_from([None, 1e-3, 0.1]))
    return shape, axis, epsilon


def _bn_reference(x, gamma, beta, mean, var, axis, epsilon, training):
    x = x.astype(np.float64)
    axis = axis % x.ndim
    reduce_axes = tuple(a for a in range(x.ndim) if a != axis)
    bshape = [1] * x.ndim
    bshape[axis] = x.shape[axis]
    if training:
        if x.size == 0:
            return x
        mean = x.mean(axis=reduce_axes, keepdims=True)
        var = x.var(axis=reduce_axes, keepdims=True)
    else:
        mean = mean.reshape(bshape).astype(np.float64)
        var = var.reshape(bshape).astype(np.float64)
    g = gamma.reshape(bshape).astype(np.float64)
    b = beta.reshape(bshape).astype(np.float64)
    return (x - mean) / np.sqrt(var + epsilon) * g + b


def _bn_inputs(rng, shape, axis, spread=True):
    c = shape[axis]
    x = distinct_values(rng, shape, gap=0.1) if spread else uniform(rng, shape)
    gamma = uniform(rng, (c,), 0.5, 2.0)
    beta = uniform(rng, (c,))
    mean = uniform(rng, (c,))
    var = uniform(rng, (c,), 0.5, 2.0)
    return [x, gamma, beta, mean, var]


@pytest.mark.parametrize("mode", ["attr_true", "ctx_true", "attr_false", "ctx_false"])
@SETTINGS
@given(case=_norm_case(), seed=seeds)
def test_batch_norm_forward(mode, case, seed):
    shape, axis, epsilon = case
    inputs = _bn_inputs(rng_for(seed), shape, axis, spread=False)
    training = mode.endswith("true")
    attrs = {"axis": axis}
    if epsilon is not None:
        attrs["epsilon"] = epsilon
    eps = 1e-3 if epsilon is None else epsilon
    if mode.startswith("attr"):
        # the attribute overrides the call's training flag
        attrs["training"] = training
        call_training = not training
    else:
        call_training = training

    def ref(*xs):
        return _bn_reference(*xs, axis, eps, training)

    check_forward(
        "batch_norm",
        inputs,
        attrs,
        ref,
        rtol=1e-4,
        atol=1e-4,
        training=call_training,
        strided_inputs=[0],  # strided parameters: see test_norm_accepts_strided_parameters
    )


@pytest.mark.parametrize("training", [True, False])
@SETTINGS
@given(case=_norm_case(max_side=3), seed=seeds)
def test_batch_norm_gradient(training, case, seed):
    shape, axis, epsilon = case
    inputs = _bn_inputs(rng_for(seed), shape, axis)
    attrs = {"axis": axis, "epsilon": 0.1 if epsilon is None else epsilon}
    grads = check_gradient(
        "batch_norm",
        inputs,
        attrs,
        wrt=[0, 1, 2] if training else [0, 1, 2, 3, 4],
        training=training,
        eps=3e-3,
        rng=rng_for(seed + 1),
        max_checked=24,
        strided_inputs=[0],
    )
    if training:
        # moving statistics take no part in training mode
        assert grads[3] is None and grads[4] is None


def test_batch_norm_training_output_is_normalised():
    rng = rng_for(0)
    x = rng.normal(3.0, 2.0, size=(256, 4, 5)).astype(np.float32)
    c = 5
    ones, zeros = np.ones(c, np.float32), np.zeros(c, np.float32)
    y = C.op("batch_norm", [x, ones, zeros, zeros, ones], {"epsilon": 1e-6}, training=True)
    np.testing.assert_allclose(y.mean(axis=(0, 1)), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(0, 1)), 1.0, rtol=1e-3)


def test_batch_norm_errors():
    x = np.ones((4, 3), np.float32)
    v3 = np.ones(3, np.float32)
    with pytest.raises(ShapeError):
        C.op("batch_norm", [x, np.ones(2, np.float32), v3, v3, v3])
    with pytest.raises(ShapeError):
        C.op("batch_norm", [x, v3, v3, v3, np.ones(4, np.float32)], training=False)
    with pytest.raises(InvalidArgumentError):
        C.op("batch_norm", [x, v3, v3, v3])
    with pytest.raises(InvalidArgumentError):
        C.op("batch_norm", [x, v3, v3, v3, v3], {"axis": 2})
    with pytest.raises(InvalidArgumentError, match="momentum"):
        C.op("batch_norm", [x, v3, v3, v3, v3], {"momentum": 0.9})
    with pytest.raises(DTypeError):
        C.op("batch_norm", [x.astype(np.int64), v3, v3, v3, v3])


# ---------------------------------------------------------------- batch_moments


@SETTINGS
@given(case=_norm_case(), seed=seeds)
def test_batch_moments_are_numpys_mean_and_variance(case, seed):
    shape, axis, _ = case
    x = uniform(rng_for(seed), shape, -3.0, 5.0)

    def ref(x):
        channels = shape[axis]
        moved = np.moveaxis(x.astype(np.float64), axis, -1)
        rows = int(np.prod(moved.shape[:-1]))
        if rows == 0 or channels == 0:
            return np.zeros((2, channels))  # no samples: zeros, as batch_norm's statistics
        moved = moved.reshape(rows, channels)
        return np.stack([moved.mean(axis=0), moved.var(axis=0)])

    check_forward("batch_moments", [x], {"axis": axis}, ref, rtol=1e-5, atol=1e-5)


def test_batch_moments_take_no_gradient_and_check_their_axis():
    x = np.ones((4, 3), np.float32)
    assert C.op_grad("batch_moments", [x], np.ones((2, 3), np.float32))[0] is None
    with pytest.raises(InvalidArgumentError):
        C.op("batch_moments", [x], {"axis": 2})
    with pytest.raises(DTypeError):
        C.op("batch_moments", [x.astype(np.int64)])


# ---------------------------------------------------------------- layer_norm


@st.composite
def _layer_norm_case(draw, max_side=4):
    shape = draw(shapes(min_dims=1, max_side=max_side))
    rank = len(shape)
    if draw(st.booleans()):
        axis = draw(st.integers(-rank, rank - 1))
        axes = [axis % rank]
    else:
        axes = sorted(draw(st.lists(st.integers(0, rank - 1), min_size=1, unique=True)))
        axis = [a - rank if draw(st.booleans()) else a for a in axes]
    epsilon = draw(st.sampled_from([None, 1e-3, 0.1]))
    param_shape = tuple(shape[a] for a in axes)
    if draw(st.booleans()):
        param_shape = (int(np.prod(param_shape)),)
    return shape, axis, axes, epsilon, param_shape


def _ln_reference(x, gamma, beta, axes, epsilon):
    x = x.astype(np.float64)
    if x.size == 0:
        return x
    full = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    g = gamma.astype(np.float64).reshape(full)
    b = beta.astype(np.float64).reshape(full)
    return (x - mean) / np.sqrt(var + epsilon) * g + b


@SETTINGS
@given(case=_layer_norm_case(), seed=seeds)
def test_layer_norm_forward(case, seed):
    shape, axis, axes, epsilon, pshape = case
    rng = rng_for(seed)
    x = uniform(rng, shape, -3.0, 3.0)
    gamma = uniform(rng, pshape, 0.5, 2.0)
    beta = uniform(rng, pshape)
    attrs = {"axis": axis} if axis != -1 or epsilon is not None else None
    if epsilon is not None:
        attrs["epsilon"] = epsilon
    eps = 1e-3 if epsilon is None else epsilon

    def ref(x, g, b):
        return _ln_reference(x, g, b, axes, eps)

    check_forward(
        "layer_norm", [x, gamma, beta], attrs, ref, rtol=1e-4, atol=1e-4, strided_inputs=[0]
    )


@SETTINGS
@given(case=_layer_norm_case(max_side=3), seed=seeds)
def test_layer_norm_gradient(case, seed):
    shape, axis, axes, epsilon, pshape = case
    rng = rng_for(seed)
    x = distinct_values(rng, shape, gap=0.1)
    gamma = uniform(rng, pshape, 0.5, 2.0)
    beta = uniform(rng, pshape)
    attrs = {"axis": axis, "epsilon": 0.1 if epsilon is None else epsilon}
    check_gradient(
        "layer_norm",
        [x, gamma, beta],
        attrs,
        eps=3e-3,
        rng=rng_for(seed + 1),
        max_checked=24,
        strided_inputs=[0],
    )


@pytest.mark.parametrize("name", ["batch_norm", "layer_norm"])
@pytest.mark.parametrize("layout", ["every_other", "reversed"])
def test_norm_accepts_strided_parameters(name, layout):
    """gamma, beta and the moving statistics may be non-contiguous views
    (a slice with a step, a reversed vector) like any other input."""
    rng = rng_for(0)
    x = uniform(rng, (5, 4))
    params = [uniform(rng, (4,), 0.5, 2.0) for _ in range(4 if name == "batch_norm" else 2)]
    if layout == "every_other":
        views = [np.repeat(p, 2)[::2] for p in params]
    else:
        views = [np.ascontiguousarray(p[::-1])[::-1] for p in params]
    assert not views[0].flags["C_CONTIGUOUS"]
    want = C.op(name, [x, *params], training=False)
    got = C.op(name, [x, *views], training=False)
    np.testing.assert_array_equal(got, want)
    g = uniform(rng, x.shape)
    for a, b in zip(C.op_grad(name, [x, *params], g), C.op_grad(name, [x, *views], g)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(b, a)


def test_layer_norm_errors():
    x = np.ones((2, 3), np.float32)
    v3 = np.ones(3, np.float32)
    with pytest.raises(ShapeError):
        C.op("layer_norm", [x, np.ones(2, np.float32), v3])
    with pytest.raises(ShapeError):
        C.op("layer_norm", [x, v3, np.ones(4, np.float32)])
    with pytest.raises(InvalidArgumentError):
        C.op("layer_norm", [x, v3, v3], {"axis": 2})
    with pytest.raises(InvalidArgumentError):
        C.op("layer_norm", [x, v3])
    with pytest.raises(InvalidArgumentError, match="center"):
        C.op("layer_norm", [x, v3, v3], {"center": False})
    with pytest.raises(DTypeError):
        C.op("layer_norm", [x, v3.astype(np.int64), v3])


# ---------------------------------------------------------------- softmax_cross_entropy

XENT = "softmax_cross_entropy"


def _log_softmax(z):
    z = z.astype(np.float64)
    if z.size == 0:
        return z
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@SETTINGS
@given(
    batch=shapes(max_dims=3),
    classes=st.integers(1, 6),
    seed=seeds,
    explicit_axis=st.booleans(),
)
def test_sparse_cross_entropy(batch, classes, seed, explicit_axis):
    rng = rng_for(seed)
    logits = uniform(rng, batch + (classes,), -4.0, 4.0)
    labels = rng.integers(0, classes, size=batch).astype(np.int64)
    attrs = {"axis": -1} if explicit_axis else None

    def ref(z, y):
        logp = _log_softmax(z)
        return -np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]

    check_forward(XENT, [logits, labels], attrs, ref, rtol=1e-5, atol=1e-5)
    grads = check_gradient(XENT, [logits, labels], attrs, rng=rng_for(seed + 1), max_checked=30)
    g = np.ones(batch, np.float32)
    dz, dy = C.op_grad(XENT, [logits, labels], g, attrs)
    assert dy is None
    want = np.exp(_log_softmax(logits))
    np.put_along_axis(
        want, labels[..., None], np.take_along_axis(want, labels[..., None], -1) - 1, -1
    )
    np.testing.assert_allclose(dz, want, rtol=1e-5, atol=1e-6)
    assert grads[1] is None


@SETTINGS
@given(batch=shapes(max_dims=3), classes=st.integers(1, 6), seed=seeds, onehot=st.booleans())
def test_dense_cross_entropy(batch, classes, seed, onehot):
    rng = rng_for(seed)
    logits = uniform(rng, batch + (classes,), -4.0, 4.0)
    if onehot:
        ids = rng.integers(0, classes, size=batch)
        labels = np.eye(classes, dtype=np.float32)[ids]
    else:
        # any weights, not only distributions: the gradient must hold generally
        labels = uniform(rng, batch + (classes,), 0.0, 1.0)

    def ref(z, p):
        return -np.sum(p.astype(np.float64) * _log_softmax(z), axis=-1)

    check_forward(XENT, [logits, labels], None, ref, rtol=1e-5, atol=1e-5)
    check_gradient(XENT, [logits, labels], rng=rng_for(seed + 1), max_checked=30)


def test_cross_entropy_is_stable_for_large_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-500.0, 500.0, 0.0]], np.float32)
    labels = np.array([0, 0], np.int64)
    loss = C.op(XENT, [logits, labels])
    np.testing.assert_allclose(loss, [0.0, 1000.0], rtol=1e-6, atol=1e-6)
    dz, _ = C.op_grad(XENT, [logits, labels], np.ones(2, np.float32))
    np.testing.assert_allclose(dz, [[0, 0, 0], [-1, 1, 0]], atol=1e-6)


@FEW
@given(batch=st.integers(1, 4), classes=st.integers(1, 5), seed=seeds)
def test_sparse_and_one_hot_labels_agree(batch, classes, seed):
    rng = rng_for(seed)
    logits = uniform(rng, (batch, classes))
    ids = rng.integers(0, classes, size=batch).astype(np.int64)
    onehot = np.eye(classes, dtype=np.float32)[ids]
    np.testing.assert_allclose(C.op(XENT, [logits, ids]), C.op(XENT, [logits, onehot]), 1e-6)
    g = uniform(rng, (batch,))
    np.testing.assert_allclose(
        C.op_grad(XENT, [logits, ids], g)[0], C.op_grad(XENT, [logits, onehot], g)[0], 1e-6
    )


@pytest.mark.parametrize("bad", [3, -1])
def test_cross_entropy_label_out_of_range(bad):
    with pytest.raises(OutOfRangeError):
        C.op(XENT, [np.zeros((2, 3), np.float32), np.array([0, bad], np.int64)])


def test_cross_entropy_errors():
    logits = np.zeros((2, 3), np.float32)
    with pytest.raises(ShapeError):
        C.op(XENT, [logits, np.array([0, 1, 2], np.int64)])
    with pytest.raises(ShapeError):
        C.op(XENT, [logits, np.zeros((2, 4), np.float32)])
    with pytest.raises(ShapeError):
        C.op(XENT, [np.zeros((), np.float32), np.zeros((), np.int64)])
    with pytest.raises(InvalidArgumentError):
        C.op(XENT, [logits, np.array([0, 1], np.int64)], {"axis": 0})
    with pytest.raises(InvalidArgumentError, match="from_logits"):
        C.op(XENT, [logits, np.array([0, 1], np.int64)], {"from_logits": True})
    with pytest.raises(DTypeError):
        C.op(XENT, [logits.astype(np.int64), np.array([0, 1], np.int64)])
    with pytest.raises(TypeError):
        C.op(XENT, [logits, np.array([0, 1], np.int32)])
