"""Linear algebra (`pykeras/ops/linalg.py`, rust/ops/decompositions.rs and
orthogonal.rs): forward against NumPy over hypothesis-drawn well-conditioned
matrices (shapes and batch axes drawn), the primitives' backward rules
against central differences, the cases recorded from Keras 3 on JAX
(tests/reference/data/linalg.json: vector right-hand sides, singular and
indefinite input, default cut-offs, dtypes), symbolic shapes with an
unknown batch, gradients through a traced model, signatures and bad input."""

import json
import pathlib

import numpy as np
import pytest
from composite_check import WeightedOp, keras_params, our_params
from hypothesis import given
from hypothesis import strategies as st
from op_check import (
    FEW,
    SETTINGS,
    C,
    InvalidArgumentError,
    ShapeError,
    check_gradient,
    rng_for,
    seeds,
)

import pykeras as keras
from pykeras import ops
from pykeras.ops import linalg

OPS = {
    "inv",
    "solve",
    "solve_triangular",
    "cholesky",
    "slogdet_packed",
    "lu_packed",
    "qr_packed",
    "eigh_packed",
    "svd_packed",
}

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "linalg.json"
RECORD = json.loads(DATA.read_text())

batches = st.sampled_from([(), (1,), (3,), (2, 2)])
sizes = st.integers(1, 5)


def well(rng, batch, n):
    """Well-conditioned square matrices (diagonally dominant)."""
    return (rng.uniform(-1, 1, batch + (n, n)) + 2.5 * np.eye(n)).astype(np.float32)


def spd(rng, batch, n):
    a = rng.uniform(-1, 1, batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(np.float32)


def spread(rng, batch, m, n, gap=0.4):
    """(m, n) matrices whose singular values are distinct (at least `gap`
    apart) and at least 0.5: random orthogonal factors around them."""
    k = min(m, n)
    s = 0.5 + gap * np.arange(k)[::-1] + rng.uniform(0, gap / 4, batch + (k,))
    u = _near_identity(rng, batch, m)[..., :k]
    v = _near_identity(rng, batch, n)[..., :k]
    return ((u * s[..., None, :]) @ np.swapaxes(v, -1, -2)).astype(np.float32)


def _near_identity(rng, batch, n):
    """Random orthogonal matrices whose columns each have one clearly largest
    entry: the sign convention of eigen- and singular vectors (largest entry
    positive) flips where two entries tie, so gradients are checked away
    from ties."""
    return np.linalg.qr(3.0 * np.eye(n) + rng.uniform(-1, 1, batch + (n, n)))[0]


def close(got, want, rtol=2e-5, atol=2e-5):
    got = np.asarray(got)
    assert got.dtype == np.float32, got.dtype
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol, atol=atol)


def f64(x):
    return np.asarray(x, np.float64)


# ------------------------------------------------------------------ forward


@SETTINGS
@given(batch=batches, n=sizes, seed=seeds)
def test_inv_det_slogdet_logdet_forward(batch, n, seed):
    a = well(rng_for(seed), batch, n)
    close(ops.inv(a), np.linalg.inv(f64(a)), atol=1e-5)
    close(ops.det(a), np.linalg.det(f64(a)), rtol=1e-5, atol=1e-5)
    sign, log = ops.slogdet(a)
    want_sign, want_log = np.linalg.slogdet(f64(a))
    close(sign, want_sign)
    close(log, want_log, atol=1e-5)
    close(ops.logdet(a), want_log, atol=1e-5)


@SETTINGS
@given(batch=batches, n=sizes, k=st.integers(1, 3), vector=st.booleans(), seed=seeds)
def test_solve_forward(batch, n, k, vector, seed):
    rng = rng_for(seed)
    a = well(rng, batch, n)
    b = rng.uniform(-1, 1, (n,) if vector else batch + (n, k)).astype(np.float32)
    want = np.linalg.solve(f64(a), f64(b)[..., None])[..., 0] if vector else np.linalg.solve(a, b)
    close(ops.solve(a, b), want, atol=1e-5)


@SETTINGS
@given(batch=batches, n=sizes, k=st.integers(1, 3), lower=st.booleans(), seed=seeds)
def test_solve_triangular_reads_one_triangle(batch, n, k, lower, seed):
    rng = rng_for(seed)
    a = well(rng, batch, n)
    b = rng.uniform(-1, 1, batch + (n, k)).astype(np.float32)
    tri = np.tril(a) if lower else np.triu(a)
    close(ops.solve_triangular(a, b, lower=lower), np.linalg.solve(f64(tri), b), atol=1e-5)
    vec = b[..., 0]
    want = np.linalg.solve(f64(tri), f64(vec)[..., None])[..., 0]
    close(ops.solve_triangular(a, vec, lower), want, atol=1e-5)


@SETTINGS
@given(batch=batches, n=sizes, upper=st.booleans(), seed=seeds)
def test_cholesky_and_cholesky_inverse(batch, n, upper, seed):
    a = spd(rng_for(seed), batch, n)
    want = np.linalg.cholesky(f64(a))
    if upper:
        want = np.swapaxes(want, -1, -2)
    got = ops.cholesky(a, upper=upper)
    close(got, want, rtol=1e-5, atol=1e-5)
    close(ops.cholesky_inverse(got, upper=upper), np.linalg.inv(f64(a)), rtol=1e-4, atol=1e-5)


@SETTINGS
@given(batch=batches, m=sizes, n=sizes, mode=st.sampled_from(["reduced", "complete"]), seed=seeds)
def test_qr_matches_numpy(batch, m, n, mode, seed):
    a = rng_for(seed).uniform(-1, 1, batch + (m, n)).astype(np.float32)
    q, r = ops.qr(a, mode=mode)
    # Householder with LAPACK's signs: the same factors as NumPy's.
    wq, wr = np.linalg.qr(f64(a), mode=mode)
    close(q, wq, atol=5e-5)
    close(r, wr, atol=5e-5)


@SETTINGS
@given(batch=batches, n=sizes, seed=seeds)
def test_eigh_diagonalises(batch, n, seed):
    a = rng_for(seed).uniform(-1, 1, batch + (n, n)).astype(np.float32)
    sym = (f64(a) + np.swapaxes(f64(a), -1, -2)) / 2
    w, v = ops.eigh(a)
    close(w, np.linalg.eigvalsh(sym), atol=1e-5)
    v = f64(v)
    close(np.asarray(v, np.float32), v)
    np.testing.assert_allclose(v @ (w[..., None] * np.swapaxes(v, -1, -2)), sym, atol=2e-5)
    _orthonormal(np.swapaxes(v, -1, -2) @ v)


@SETTINGS
@given(batch=batches, m=sizes, n=sizes, full=st.booleans(), seed=seeds)
def test_svd_reconstructs(batch, m, n, full, seed):
    a = rng_for(seed).uniform(-1, 1, batch + (m, n)).astype(np.float32)
    k = min(m, n)
    u, s, vt = ops.svd(a, full_matrices=full)
    close(s, np.linalg.svd(f64(a), compute_uv=False), atol=2e-5)
    close(ops.svd(a, compute_uv=False), np.linalg.svd(f64(a), compute_uv=False), atol=2e-5)
    assert u.shape == batch + ((m, m) if full else (m, k))
    assert vt.shape == batch + ((n, n) if full else (k, n))
    u, vt = f64(u), f64(vt)
    rebuilt = (u[..., :, :k] * s[..., None, :]) @ vt[..., :k, :]
    np.testing.assert_allclose(rebuilt, a, atol=3e-5)
    _orthonormal(np.swapaxes(u, -1, -2) @ u)
    _orthonormal(vt @ np.swapaxes(vt, -1, -2))


def _orthonormal(gram):
    n = gram.shape[-1]
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(n), gram.shape), atol=3e-6)


@SETTINGS
@given(batch=batches, n=sizes, seed=seeds)
def test_lu_factor_rebuilds_with_pivots(batch, n, seed):
    a = well(rng_for(seed), batch, n)
    lu, piv = ops.lu_factor(a)
    assert piv.dtype == np.int32 and piv.shape == batch + (n,)
    lu = f64(lu).reshape((-1, n, n))
    for i, (f, p) in enumerate(zip(lu, piv.reshape((-1, n)))):
        rows = np.arange(n)
        for j, pj in enumerate(p):
            rows[[j, pj]] = rows[[pj, j]]
        lower = np.tril(f, -1) + np.eye(n)
        np.testing.assert_allclose(
            lower @ np.triu(f), f64(a).reshape((-1, n, n))[i][rows], atol=2e-5
        )


@SETTINGS
@given(m=st.integers(1, 5), n=st.integers(1, 5), seed=seeds)
def test_lu_factor_of_a_rectangular_matrix_rebuilds_it(m, n, seed):
    """Wide and tall matrices, as LAPACK's getrf: min(m, n) pivots, and
    P @ A == L @ U with L (m, k) unit lower and U (k, n) upper."""
    a = rng_for(seed).standard_normal((m, n)).astype(np.float32)
    lu, piv = ops.lu_factor(a)
    k = min(m, n)
    assert lu.shape == (m, n) and piv.shape == (k,) and piv.dtype == np.int32
    f = f64(lu)
    rows = np.arange(m)
    for j, pj in enumerate(piv):
        rows[[j, pj]] = rows[[pj, j]]
    lower = np.tril(f, -1)[:, :k] + np.eye(m, k)
    upper = np.triu(f)[:k, :]
    np.testing.assert_allclose(lower @ upper, f64(a)[rows], atol=2e-5)


@SETTINGS
@given(batch=batches, m=sizes, n=sizes, seed=seeds)
def test_pinv_and_matrix_rank(batch, m, n, seed):
    rng = rng_for(seed)
    a = spread(rng, batch, m, n)
    close(ops.pinv(a), np.linalg.pinv(f64(a)), rtol=1e-4, atol=2e-5)
    rank = ops.matrix_rank(a)
    assert rank.dtype == np.int32
    np.testing.assert_array_equal(rank, np.full(batch, min(m, n)))
    # A rank-1 matrix: one singular value above JAX's default tolerance.
    one = np.einsum(
        "...i,...j->...ij", rng.uniform(1, 2, batch + (m,)), rng.uniform(1, 2, batch + (n,))
    )
    np.testing.assert_array_equal(ops.matrix_rank(one.astype(np.float32)), np.ones(batch))


@SETTINGS
@given(m=sizes, n=sizes, k=st.integers(1, 3), vector=st.booleans(), seed=seeds)
def test_lstsq_matches_numpy(m, n, k, vector, seed):
    rng = rng_for(seed)
    a = spread(rng, (), m, n)
    b = rng.uniform(-1, 1, (m,) if vector else (m, k)).astype(np.float32)
    close(ops.lstsq(a, b), np.linalg.lstsq(f64(a), f64(b), rcond=None)[0], rtol=1e-4, atol=2e-5)


# ---------------------------------------------------------------- gradients


def _grad(name, inputs, attrs=None, seed=0):
    check_gradient(
        name, inputs, attrs, eps=1e-3, rtol=2e-2, atol=2e-3, rng=rng_for(seed), max_checked=20
    )


@FEW
@given(batch=batches, n=sizes, seed=seeds)
def test_square_gradients(batch, n, seed):
    rng = rng_for(seed)
    a = well(rng, batch, n)
    b = rng.uniform(-1, 1, batch + (n, 2)).astype(np.float32)
    _grad("inv", [a], seed=seed)
    _grad("solve", [a, b], seed=seed)
    _grad("solve_triangular", [a, b], {"lower": True}, seed=seed)
    _grad("solve_triangular", [a, b], {"lower": False}, seed=seed)
    _grad("slogdet_packed", [a], seed=seed)
    _grad("lu_packed", [a], seed=seed)
    _grad("cholesky", [spd(rng, batch, n)], seed=seed)


@FEW
@given(batch=batches, n=sizes, seed=seeds)
def test_eigh_gradient(batch, n, seed):
    rng = rng_for(seed)
    # Symmetric with eigenvalues 0.6 apart: F = 1 / (w_j - w_i) stays small.
    q = _near_identity(rng, batch, n)
    w = 0.6 * np.arange(n) + rng.uniform(0, 0.1, batch + (n,))
    a = (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)
    a = (a + rng.uniform(-0.02, 0.02, a.shape)).astype(np.float32)
    _grad("eigh_packed", [a], seed=seed)


@FEW
@given(batch=batches, m=sizes, n=sizes, seed=seeds)
def test_qr_and_svd_gradients(batch, m, n, seed):
    rng = rng_for(seed)
    # Householder QR (LAPACK's, JAX's) flips R's signs where a partially
    # reduced diagonal entry crosses zero: a dominant diagonal keeps clear.
    dominant = rng.uniform(-1, 1, batch + (m, n)) + 3.0 * np.eye(m, n)
    _grad("qr_packed", [dominant.astype(np.float32)], seed=seed)
    if m <= n:
        _grad("qr_packed", [dominant.astype(np.float32)], {"mode": "complete"}, seed=seed)
    a = spread(rng, batch, m, n)
    _grad("svd_packed", [a], {"full_matrices": False}, seed=seed)
    _grad("svd_packed", [a], {"compute_uv": False}, seed=seed)
    if m == n:
        _grad("svd_packed", [a], seed=seed)


def test_gradients_without_a_rule_name_the_op():
    a = spread(rng_for(0), (), 4, 2)
    g = np.ones((4 + 4, 4), np.float32)
    with pytest.raises(InvalidArgumentError, match="qr_packed.*mode='reduced'"):
        C.op_grad("qr_packed", [a], g, {"mode": "complete"})
    g = np.ones((4 + 1 + 2, 4), np.float32)
    with pytest.raises(InvalidArgumentError, match="svd_packed.*full_matrices=False"):
        C.op_grad("svd_packed", [a], g, {"full_matrices": True})


# ------------------------------------------------------- recorded from Keras


def _decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.asarray(value["array"], value["dtype"])
    return value


# Where pykeras deliberately goes further than Keras: its front end refuses
# an `a` with one axis fewer than `b` unless a.shape[-1] == b.shape[-1];
# pykeras broadcasts the batch axes both ways, as NumPy does.
BROADER = {("solve", (3, 3), (2, 3, 2)), ("solve_triangular", (3, 3), (2, 3, 2))}


def test_broadcasting_beyond_keras():
    rng = rng_for(5)
    a, b = well(rng, (), 3), rng.uniform(-1, 1, (2, 3, 2)).astype(np.float32)
    close(ops.solve(a, b), np.linalg.solve(f64(a), f64(b)), atol=1e-5)
    want = np.linalg.solve(np.tril(f64(a)), f64(b))
    close(ops.solve_triangular(a, b, lower=True), want, atol=1e-5)


@pytest.mark.parametrize("case", RECORD["cases"], ids=lambda c: c["op"])
def test_matches_keras(case):
    args = [_decode(a) for a in case["args"]]
    fn = getattr(ops, case["op"])
    if "error" in case:
        if (case["op"], *(np.shape(a) for a in args)) in BROADER:
            return
        with pytest.raises(ValueError, match=case["op"]):
            fn(*args, **case["kwargs"])
        return
    got = fn(*args, **case["kwargs"])
    want = case["result"]
    items = want["items"] if "items" in want else [want]
    got = list(got) if "items" in want else [got]
    for g, w in zip(got, items):
        g = np.asarray(g)
        assert g.dtype == np.dtype(w["dtype"]) and list(g.shape) == w["shape"]
        values = np.asarray(w["values"], np.float64).reshape(w["shape"])
        if not np.all(np.isfinite(values)):
            # Singular input: JAX's inf/NaN pattern is LAPACK's; the
            # contract is that the result is not finite.
            assert not np.all(np.isfinite(g))
            continue
        np.testing.assert_allclose(g.astype(np.float64), values, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("case", RECORD["decompositions"], ids=lambda c: c["op"])
def test_decomposition_shapes_match_keras(case):
    got = getattr(ops, case["op"])(_decode(case["args"][0]), **case["kwargs"])
    assert [list(np.shape(g)) for g in got] == case["shapes"]
    assert [str(np.asarray(g).dtype) for g in got] == case["dtypes"]
    part = got[0 if case["op"] == "eigh" else 1]
    np.testing.assert_allclose(np.ravel(part), case["values"], rtol=1e-4, atol=2e-5)


# ------------------------------------------------------------ symbolic use


SYMBOLIC = [
    ("inv", lambda x: ops.inv(x), (3, 3), (None, 3, 3)),
    ("det", lambda x: ops.det(x), (3, 3), (None,)),
    ("logdet", lambda x: ops.logdet(x), (3, 3), (None,)),
    ("slogdet", lambda x: ops.slogdet(x)[0], (3, 3), (None,)),
    ("solve", lambda x: ops.solve(x, np.ones((3, 2), np.float32)), (3, 3), (None, 3, 2)),
    ("solve_vec", lambda x: ops.solve(x, np.ones(3, np.float32)), (3, 3), (None, 3)),
    (
        "solve_tri",
        lambda x: ops.solve_triangular(x, np.ones((3, 1), np.float32), True),
        (3, 3),
        (None, 3, 1),
    ),
    ("cholesky", lambda x: ops.cholesky(x, upper=True), (3, 3), (None, 3, 3)),
    ("cholesky_inverse", lambda x: ops.cholesky_inverse(x), (3, 3), (None, 3, 3)),
    ("eigh_w", lambda x: ops.eigh(x)[0], (3, 3), (None, 3)),
    ("eigh_v", lambda x: ops.eigh(x)[1], (3, 3), (None, 3, 3)),
    ("qr_q", lambda x: ops.qr(x)[0], (4, 2), (None, 4, 2)),
    ("qr_r", lambda x: ops.qr(x, "complete")[1], (4, 2), (None, 4, 2)),
    ("svd_u", lambda x: ops.svd(x)[0], (4, 2), (None, 4, 4)),
    ("svd_s", lambda x: ops.svd(x, False)[1], (4, 2), (None, 2)),
    ("svd_vt", lambda x: ops.svd(x, False)[2], (4, 2), (None, 2, 2)),
    ("svd_values", lambda x: ops.svd(x, compute_uv=False), (4, 2), (None, 2)),
    ("lu", lambda x: ops.lu_factor(x)[0], (3, 3), (None, 3, 3)),
    ("pivots", lambda x: ops.lu_factor(x)[1], (3, 3), (None, 3)),
    ("pinv", lambda x: ops.pinv(x), (4, 2), (None, 2, 4)),
    ("matrix_rank", lambda x: ops.matrix_rank(x), (4, 2), (None,)),
]


@pytest.mark.parametrize("name,fn,sample,out", SYMBOLIC, ids=[c[0] for c in SYMBOLIC])
def test_functional_model_with_unknown_batch(name, fn, sample, out):
    inputs = keras.Input(sample)
    outputs = fn(inputs)
    assert tuple(outputs.shape) == out
    model = keras.Model(inputs, outputs)
    rng = rng_for(2)
    x = spd(rng, (3,), sample[0]) if sample[0] == sample[1] else spread(rng, (3,), *sample)
    if name == "cholesky_inverse":
        x = np.linalg.cholesky(x).astype(np.float32)
    got = model.predict(x, batch_size=2, verbose=0)
    np.testing.assert_allclose(got, np.asarray(fn(x), np.float32), rtol=1e-5, atol=1e-5)


MODEL_CASES = [
    (
        "det",
        lambda t: ops.det(t + 2.0 * np.eye(3, dtype=np.float32)),
        lambda w: np.linalg.det(w + 2 * np.eye(3)),
    ),
    (
        "eigh_values",
        lambda t: ops.eigh(t)[0] * np.arange(1.0, 4.0, dtype=np.float32),
        lambda w: np.linalg.eigvalsh((w + np.swapaxes(w, -1, -2)) / 2) * np.arange(1.0, 4.0),
    ),
    (
        "svd_values",
        lambda t: ops.svd(t, compute_uv=False),
        lambda w: np.linalg.svd(w, compute_uv=False),
    ),
    (
        "solve",
        lambda t: ops.solve(t + 2.0 * np.eye(3, dtype=np.float32), np.ones(3, np.float32)),
        lambda w: np.linalg.solve(w + 2 * np.eye(3), np.ones((3, 1)))[..., 0],
    ),
]


def _numeric_gradient(reference, w, target_shape, eps=1e-4):
    """d/dw of the mse loss of reference(w) against zeros."""
    size = int(np.prod(target_shape))
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        wp, wm = w.copy(), w.copy()
        wp[i] += eps
        wm[i] -= eps
        lp = np.sum(np.square(reference(wp))) / size
        lm = np.sum(np.square(reference(wm))) / size
        grad[i] = (lp - lm) / (2 * eps)
    return grad


@pytest.mark.parametrize("name,ours,reference", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_traced_model_values_and_gradient(name, ours, reference):
    model = WeightedOp(ours, (3, 3), seed=3)
    w0 = model.w.numpy().astype(np.float64)
    x = np.ones((1, 3, 3), np.float32)
    y = model.predict(x, verbose=0)
    want = reference(w0[None])
    np.testing.assert_allclose(y.reshape(want.shape), want, rtol=1e-5, atol=1e-5)
    lr = 0.1
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, np.zeros_like(y), batch_size=1, epochs=1, shuffle=False, verbose=0)
    grad = _numeric_gradient(reference, w0[None], y.shape)[0]
    np.testing.assert_allclose(model.w.numpy(), w0 - lr * grad, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------- signatures, errors


KERAS_OPS = ["slogdet", "logdet"]


def test_signatures_and_namespaces():
    from keras_namespace import keras_names

    names = sorted(keras_names("keras.ops.linalg"))
    missing = {"eig"}  # a complex result; see test_keras_ops_coverage.py
    assert sorted(set(linalg.__all__) - {"slogdet", "logdet"}) == sorted(set(names) - missing)
    for name in linalg.__all__ + KERAS_OPS:
        assert our_params(getattr(linalg, name)) == keras_params(name), name
        assert getattr(ops, name) is getattr(linalg, name), name
        doc = getattr(linalg, name).__doc__
        assert "Args:" in doc and "Returns:" in doc, name
    assert linalg.norm is ops.norm


@pytest.mark.parametrize(
    "call,op",
    [
        (lambda: ops.inv(np.ones((2, 3), np.float32)), "inv"),
        (lambda: ops.det(np.ones(3, np.float32)), "det"),
        (lambda: ops.slogdet(np.ones((3, 2), np.float32)), "slogdet"),
        (lambda: ops.cholesky(np.ones((2, 3), np.float32)), "cholesky"),
        (lambda: ops.eigh(np.ones((2, 3), np.float32)), "eigh"),
        (lambda: ops.qr(np.ones(3, np.float32)), "qr"),
        (lambda: ops.svd(np.ones(3, np.float32)), "svd"),
        (lambda: ops.lu_factor(np.ones(3, np.float32)), "lu_factor"),
        (lambda: ops.pinv(np.ones(3, np.float32)), "pinv"),
        (lambda: ops.matrix_rank(np.ones(3, np.float32)), "matrix_rank"),
        (lambda: ops.solve(np.eye(3), np.ones(2)), "solve"),
        (lambda: ops.solve(np.eye(3), np.float32(1.0)), "solve"),
        (lambda: ops.solve(np.ones((2, 3, 3)), np.ones((4, 3, 1))), "solve"),
        (lambda: ops.solve_triangular(np.eye(3), np.ones((2, 1))), "solve_triangular"),
        (lambda: ops.lstsq(np.ones((2, 3, 3)), np.ones(3)), "lstsq"),
        (lambda: ops.lstsq(np.ones((3, 2)), np.ones(2)), "lstsq"),
        (lambda: ops.cholesky_inverse(np.ones((3, 2))), "cholesky_inverse"),
        (lambda: C.op("inv", [np.ones((2, 3), np.float32)]), "inv"),
        (
            lambda: C.op("solve", [np.eye(3, dtype=np.float32), np.ones((2, 1), np.float32)]),
            "solve",
        ),
        (lambda: C.op("svd_packed", [np.ones(3, np.float32)]), "svd_packed"),
    ],
)
def test_bad_shapes_name_the_op(call, op):
    with pytest.raises(ShapeError, match=op):
        call()


def test_bad_arguments_and_indefinite_input():
    with pytest.raises(InvalidArgumentError, match="qr.*mode"):
        ops.qr(np.eye(2), mode="r")
    with pytest.raises(InvalidArgumentError, match="svd.*full_matrices"):
        ops.svd(np.eye(2), full_matrices="yes")
    with pytest.raises(InvalidArgumentError, match="cholesky.*positive definite"):
        ops.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))
    # Symbolically (or traced) there is no value to check: the factor is NaN.
    assert np.isnan(C.op("cholesky", [np.array([[1.0, 2.0], [2.0, 1.0]], np.float32)])).all()
    with pytest.raises(ShapeError, match="qr.*known"):
        ops.qr(keras.Input((None, 3)))
