"""Recurrences, attention and linear algebra compute in float64 on float64
inputs: `lstm_scan`, `gru_scan`, `simple_rnn_scan`, `dot_product_attention`
and the `linalg` ops give results equal to NumPy float64 references at
tolerances float32 fails (`test_the_tolerance_fails_in_float32`), gradients
equal float64 central differences, and LSTM, GRU, SimpleRNN and
MultiHeadAttention models trained with `fit` under `set_floatx("float64")`
agree with Keras 3 (JAX, `jax_enable_x64`), recorded by
`tests/reference/make_floatx64_reference.py`."""

import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras import ops
from pykeras.dtype_policies import policy as policy_module
from pykeras.ops import linalg
from pykeras.ops._dispatch import run

# float64 rounding is ~1e-16 relative; float32's ~6e-8.
RTOL, ATOL = 1e-10, 1e-12

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"

ACTS = {
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
}


def check(got, want, rtol=RTOL, atol=ATOL):
    got = np.asarray(got)
    assert got.dtype == np.float64, got.dtype
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def numeric_grad(f, x, h=1e-6):
    """Central differences of the scalar `f` at every element of `x`."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g


def tape_grads(f, *xs):
    with keras.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = f(*xs)
    return [np.asarray(g) for g in tape.gradient(y, list(xs))]


# ------------------------------------------------------ NumPy recurrences


def steps(t, backwards):
    """(processing step, time index) pairs."""
    return [(s, t - 1 - s if backwards else s) for s in range(t)]


def np_simple(xp, h0, u, mask, act, backwards):
    b, t, hsz = xp.shape
    out, h = np.zeros((b, t, hsz)), h0.copy()
    for s, tt in steps(t, backwards):
        keep = mask[:, tt, None] > 0.5
        h = np.where(keep, ACTS[act](xp[:, tt] + h @ u), h)
        out[:, s] = h
    return out


def np_lstm(xp, h0, c0, u, mask, act, ra, backwards):
    b, t, _ = xp.shape
    n = u.shape[0]
    out, h, c = np.zeros((b, t, 6 * n)), h0.copy(), c0.copy()
    f_a, f_r = ACTS[act], ACTS[ra]
    for s, tt in steps(t, backwards):
        z = xp[:, tt] + h @ u
        i, f, g, o = (
            f_r(z[:, :n]),
            f_r(z[:, n : 2 * n]),
            f_a(z[:, 2 * n : 3 * n]),
            f_r(z[:, 3 * n :]),
        )
        cn = f * c + i * g
        keep = mask[:, tt, None] > 0.5
        h, c = np.where(keep, o * f_a(cn), h), np.where(keep, cn, c)
        out[:, s, :n], out[:, s, n : 2 * n] = h, c
        out[:, s, 2 * n :] = np.where(keep, np.concatenate([i, f, g, o], axis=1), 0.0)
    return out


def np_gru(xp, h0, u, rb, mask, act, ra, reset_after, backwards):
    b, t, _ = xp.shape
    n = u.shape[0]
    out, h = np.zeros((b, t, n)), h0.copy()
    f_a, f_r = ACTS[act], ACTS[ra]
    for s, tt in steps(t, backwards):
        x = xp[:, tt]
        if reset_after:
            rec = h @ u + rb
            z, r = f_r(x[:, :n] + rec[:, :n]), f_r(x[:, n : 2 * n] + rec[:, n : 2 * n])
            hh = f_a(x[:, 2 * n :] + r * rec[:, 2 * n :])
        else:
            z = f_r(x[:, :n] + h @ u[:, :n])
            r = f_r(x[:, n : 2 * n] + h @ u[:, n : 2 * n])
            hh = f_a(x[:, 2 * n :] + (r * h) @ u[:, 2 * n :])
        h = np.where(mask[:, tt, None] > 0.5, z * h + (1.0 - z) * hh, h)
        out[:, s] = h
    return out


rnn_cases = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "b": st.integers(1, 3),
        "t": st.integers(1, 4),
        "h": st.integers(1, 3),
        "act": st.sampled_from(sorted(ACTS)),
        "ra": st.sampled_from(["sigmoid", "hard_sigmoid", "tanh"]),
        "backwards": st.booleans(),
        "reset_after": st.booleans(),
        "masked": st.booleans(),
    }
)


def rnn_inputs(case, gates, states):
    rng = np.random.default_rng(case["seed"])
    b, t, h = case["b"], case["t"], case["h"]
    xp = rng.normal(size=(b, t, gates * h))
    hs = [rng.normal(scale=0.5, size=(b, h)) for _ in range(states)]
    u = rng.normal(scale=0.6, size=(h, gates * h))
    mask = (rng.random((b, t)) > 0.3) if case["masked"] else np.ones((b, t))
    return xp, hs, u, mask.astype(np.float64)


def run_rnn(kind, case, xp, hs, u, mask, rb=None):
    """The op's result and the NumPy reference for `kind`."""
    act, ra, back = case["act"], case["ra"], case["backwards"]
    if kind == "simple":
        got = run("simple_rnn_scan", [xp, hs[0], u, mask], go_backwards=back, activation=act)
        return got, np_simple(xp, hs[0], u, mask, act, back)
    attrs = {"go_backwards": back, "activation": act, "recurrent_activation": ra}
    if kind == "lstm":
        got = run("lstm_scan", [xp, hs[0], hs[1], u, mask], **attrs)
        return got, np_lstm(xp, hs[0], hs[1], u, mask, act, ra, back)
    got = run("gru_scan", [xp, hs[0], u, rb, mask], reset_after=case["reset_after"], **attrs)
    return got, np_gru(xp, hs[0], u, rb, mask, act, ra, case["reset_after"], back)


RNN_KINDS = {"simple": (1, 1), "lstm": (4, 2), "gru": (3, 1)}


@settings(max_examples=25, deadline=None)
@given(case=rnn_cases, kind=st.sampled_from(sorted(RNN_KINDS)))
def test_recurrences_forward_in_float64(case, kind):
    gates, states = RNN_KINDS[kind]
    xp, hs, u, mask = rnn_inputs(case, gates, states)
    rb = np.random.default_rng(case["seed"] + 1).normal(size=(3 * case["h"],))
    got, want = run_rnn(kind, case, xp, hs, u, mask, rb)
    check(got, want)


@settings(max_examples=12, deadline=None)
@given(case=rnn_cases, kind=st.sampled_from(sorted(RNN_KINDS)))
def test_recurrence_gradients_match_central_differences(case, kind):
    # Smooth activations only: central differences straddle relu's and
    # hard_sigmoid's kinks.
    case = {**case, "act": "tanh", "ra": "sigmoid"}
    gates, states = RNN_KINDS[kind]
    xp, hs, u, mask = rnn_inputs(case, gates, states)
    rb = np.random.default_rng(case["seed"] + 1).normal(size=(3 * case["h"],))
    got, _ = run_rnn(kind, case, xp, hs, u, mask, rb)
    wt = np.random.default_rng(case["seed"] + 2).normal(size=np.shape(got))
    diffable = [xp, *hs, u] + ([rb] if kind == "gru" else [])

    def loss(*xs):
        xp_, *rest = xs
        hs_, u_ = rest[:states], rest[states]
        rb_ = rest[states + 1] if kind == "gru" else None
        out, _ = run_rnn(kind, case, xp_, hs_, u_, mask, rb_)
        return ops.sum(ops.multiply(out, wt))

    grads = tape_grads(loss, *diffable)
    for k, (g, x) in enumerate(zip(grads, diffable)):
        assert g.dtype == np.float64

        def f(v, k=k):
            xs = list(diffable)
            xs[k] = v
            return float(loss(*xs))

        np.testing.assert_allclose(g, numeric_grad(f, x), rtol=1e-7, atol=1e-8, err_msg=str(k))


def test_the_tolerance_fails_in_float32():
    """The float32 kernel on float32-exact inputs misses the float64
    reference by more than these tolerances: they catch a float32 detour."""
    case = {"seed": 3, "b": 2, "t": 4, "h": 3, "act": "tanh", "ra": "sigmoid"}
    case |= {"backwards": False, "reset_after": True, "masked": False}
    xp, hs, u, mask = rnn_inputs(case, 4, 2)
    xp, hs, u = xp.astype(np.float32), [h.astype(np.float32) for h in hs], u.astype(np.float32)
    narrow, _ = run_rnn("lstm", case, xp, hs, u, mask.astype(np.float32))
    assert np.asarray(narrow).dtype == np.float32
    wide = [h.astype(np.float64) for h in hs]
    _, want = run_rnn("lstm", case, xp.astype(np.float64), wide, u.astype(np.float64), mask)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(np.asarray(narrow, np.float64), want, rtol=RTOL, atol=ATOL)


# -------------------------------------------------------------- attention


def np_attention(q, k, v, mask, scale, causal):
    logits = np.einsum("btnd,bsnd->bnts", q, k) * scale
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep &= mask
    if causal:
        keep &= np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -0.7 * np.finfo(np.float64).max)
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return np.einsum("bnts,bsnd->btnd", p, v)


attention_cases = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "b": st.integers(1, 2),
        "t": st.integers(1, 4),
        "s": st.integers(1, 4),
        "n": st.integers(1, 2),
        "d": st.integers(1, 3),
        "causal": st.booleans(),
        "masked": st.booleans(),
    }
)


def attention_inputs(case):
    rng = np.random.default_rng(case["seed"])
    b, t, s, n, d = (case[k] for k in "btsnd")
    q, k, v = (rng.normal(size=(b, size, n, d)) for size in (t, s, s))
    mask = rng.random((b, 1, t, s)) > 0.3 if case["masked"] else None
    return q, k, v, mask, 0.5 + rng.random()


@settings(max_examples=25, deadline=None)
@given(case=attention_cases)
def test_dot_product_attention_in_float64(case):
    q, k, v, mask, scale = attention_inputs(case)
    got = ops.dot_product_attention(q, k, v, mask=mask, scale=scale, is_causal=case["causal"])
    check(got, np_attention(q, k, v, mask, scale, case["causal"]))


@settings(max_examples=10, deadline=None)
@given(case=attention_cases)
def test_dot_product_attention_gradients_match_central_differences(case):
    q, k, v, mask, scale = attention_inputs(case)
    causal = case["causal"]
    wt = np.random.default_rng(case["seed"] + 1).normal(size=q.shape[:3] + v.shape[-1:])

    def loss(q, k, v):
        out = ops.dot_product_attention(q, k, v, mask=mask, scale=scale, is_causal=causal)
        return ops.sum(ops.multiply(out, wt))

    grads = tape_grads(loss, q, k, v)
    for i, (g, x) in enumerate(zip(grads, (q, k, v))):
        assert g.dtype == np.float64

        def f(val, i=i):
            xs = [q, k, v]
            xs[i] = val
            return float(loss(*xs))

        np.testing.assert_allclose(g, numeric_grad(f, x), rtol=1e-7, atol=1e-8, err_msg=str(i))


# ---------------------------------------------------------- linear algebra


def well_conditioned(rng, lead, n):
    """Square matrices near 3 * identity, far from singular."""
    return rng.normal(size=(*lead, n, n)) + 3.0 * np.eye(n)


def spd(rng, lead, n):
    a = rng.normal(size=(*lead, n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


linalg_cases = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "lead": st.lists(st.integers(1, 2), max_size=1).map(tuple),
        "n": st.integers(1, 4),
        "k": st.integers(1, 3),
    }
)


@settings(max_examples=25, deadline=None)
@given(case=linalg_cases)
def test_square_linalg_in_float64(case):
    rng = np.random.default_rng(case["seed"])
    lead, n = case["lead"], case["n"]
    a = well_conditioned(rng, lead, n)
    b = rng.normal(size=(*lead, n, case["k"]))
    check(linalg.inv(a), np.linalg.inv(a))
    check(linalg.solve(a, b), np.linalg.solve(a, b))
    check(linalg.det(a), np.linalg.det(a))
    sign, log = linalg.slogdet(a)
    want_sign, want_log = np.linalg.slogdet(a)
    check(sign, want_sign)
    check(log, want_log)
    tri = np.tril(a)
    check(linalg.solve_triangular(a, b, lower=True), np.linalg.solve(tri, b))
    s = spd(rng, lead, n)
    check(linalg.cholesky(s), np.linalg.cholesky(s))


@settings(max_examples=25, deadline=None)
@given(case=linalg_cases, m=st.integers(1, 4))
def test_orthogonal_decompositions_in_float64(case, m):
    rng = np.random.default_rng(case["seed"])
    lead, n = case["lead"], case["n"]
    x = rng.normal(size=(*lead, m, n))
    q, r = linalg.qr(x)
    assert np.asarray(q).dtype == np.asarray(r).dtype == np.float64
    check(np.asarray(q) @ np.asarray(r), x)
    check(np.abs(np.asarray(r)), np.abs(np.linalg.qr(x)[1]))
    u, s, vt = linalg.svd(x, full_matrices=False)
    check(s, np.linalg.svd(x, compute_uv=False))
    check(np.asarray(u) * np.asarray(s)[..., None, :] @ np.asarray(vt), x)
    sym = spd(rng, lead, n)
    w, v = linalg.eigh(sym)
    check(w, np.linalg.eigh(sym)[0])
    check(np.asarray(v) * np.asarray(w)[..., None, :] @ np.swapaxes(np.asarray(v), -1, -2), sym)


@settings(max_examples=10, deadline=None)
@given(case=linalg_cases)
def test_linalg_gradients_match_central_differences(case):
    rng = np.random.default_rng(case["seed"])
    n = case["n"]
    a = well_conditioned(rng, (), n)
    b = rng.normal(size=(n, case["k"]))
    w_inv, w_solve = rng.normal(size=(n, n)), rng.normal(size=(n, case["k"]))
    sym = spd(rng, (), n)
    w_eig = rng.normal(size=(n,))

    losses = {
        "inv": (lambda a: ops.sum(ops.multiply(linalg.inv(a), w_inv)), a),
        "solve": (lambda a: ops.sum(ops.multiply(linalg.solve(a, b), w_solve)), a),
        "slogdet": (lambda a: linalg.slogdet(a)[1], a),
        "cholesky": (lambda s: ops.sum(ops.multiply(linalg.cholesky(s), w_inv)), sym),
        "eigvals": (lambda s: ops.sum(ops.multiply(linalg.eigh(s)[0], w_eig)), sym),
        "singular": (lambda a: ops.sum(linalg.svd(a, compute_uv=False)), a),
    }
    for name, (loss, x) in losses.items():
        (g,) = tape_grads(loss, x)
        assert g.dtype == np.float64, name
        # Losses here reach ~10: a wider step keeps the differences'
        # rounding (~1e-15 * |loss| / h) below the tolerance.
        want = numeric_grad(lambda v, loss=loss: float(loss(v)), x, h=1e-5)
        np.testing.assert_allclose(g, want, rtol=1e-7, atol=1e-8, err_msg=name)


# ------------------------------------------------ Keras 3 (x64) training


def _reset_floatx():
    keras.config.set_floatx("float32")
    # An explicit `set_dtype_policy` elsewhere pins the policy; unset, it
    # follows floatx.
    policy_module._GLOBAL_POLICY = None


@pytest.fixture
def floatx64():
    _reset_floatx()
    keras.config.set_floatx("float64")
    yield
    _reset_floatx()


def _mha_model(scores=True):
    # With the scores returned Keras computes attention in float64 (einsum,
    # softmax); its fused `dot_product_attention` (JAX's) takes the softmax
    # in float32 and returns float32 even under x64.
    inputs = keras.Input((4, 3))
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    att = mha(inputs, inputs, return_attention_scores=True)[0] if scores else mha(inputs, inputs)
    out = keras.layers.Dense(2)(keras.layers.Flatten()(att))
    return keras.Model(inputs, out)


# As the generator's SEQ_CASES: name -> (model builder, optimizer).
SEQ_CASES = {
    "lstm": (
        lambda: keras.Sequential(
            [keras.Input((4, 3)), keras.layers.LSTM(5, activation="sigmoid"), keras.layers.Dense(2)]
        ),
        lambda: keras.optimizers.Adam(0.01),
    ),
    "gru_backwards": (
        lambda: keras.Sequential(
            [
                keras.Input((4, 3)),
                keras.layers.GRU(5, activation="sigmoid", go_backwards=True),
                keras.layers.Dense(2),
            ]
        ),
        lambda: keras.optimizers.SGD(0.1, momentum=0.9),
    ),
    "simple_rnn": (
        lambda: keras.Sequential(
            [
                keras.Input((4, 3)),
                keras.layers.SimpleRNN(5, activation="relu", return_sequences=True),
                keras.layers.Flatten(),
                keras.layers.Dense(2),
            ]
        ),
        lambda: keras.optimizers.SGD(0.05),
    ),
    "mha": (_mha_model, lambda: keras.optimizers.Adam(0.01)),
}


@pytest.mark.parametrize("case", sorted(SEQ_CASES))
def test_sequence_models_fit_like_keras_in_float64(floatx64, case):
    ref = np.load(DATA / "floatx64_fit.npz")
    build, make_opt = SEQ_CASES[case]
    model = build()
    count = len(model.weights)
    model.set_weights([ref[f"seq/{case}/init{i}"] for i in range(count)])
    assert all(w.dtype == "float64" for w in model.weights)
    model.compile(optimizer=make_opt(), loss="mse")
    x, y = ref["seq_x"], ref["seq_y"]
    hist = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for i, w in enumerate(model.get_weights()):
        assert w.dtype == np.float64, (i, w.dtype)
        np.testing.assert_allclose(
            w, ref[f"seq/{case}/w{i}"], rtol=1e-9, atol=1e-11, err_msg=f"w{i}"
        )
    # The per-epoch loss at test_floatx64.py's tolerance for it.
    np.testing.assert_allclose(hist.history["loss"], ref[f"seq/{case}/loss"], rtol=1e-7)
    pred = model.predict(x, verbose=0)
    assert pred.dtype == np.float64
    np.testing.assert_allclose(pred, ref[f"seq/{case}/predict"], rtol=1e-9, atol=1e-11)


def test_fused_attention_path_equals_the_keras_checked_one(floatx64):
    """MultiHeadAttention's fast path (the fused float64 kernel) predicts what
    its scores path (einsum and softmax, checked against Keras above) does,
    to float64 rounding."""
    ref = np.load(DATA / "floatx64_fit.npz")
    fused, plain = _mha_model(scores=False), _mha_model(scores=True)
    weights = [ref[f"seq/mha/init{i}"] for i in range(len(fused.weights))]
    fused.set_weights(weights)
    plain.set_weights(weights)
    got = fused.predict(ref["seq_x"], verbose=0)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, plain.predict(ref["seq_x"], verbose=0), rtol=1e-12, atol=1e-13)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), small=st.floats(1e-11, 1e-8))
def test_default_cutoffs_use_float64_epsilon(seed, small):
    """A singular value far below float32's epsilon but above float64's
    counts for float64 input, as in JAX with x64 (and NumPy)."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    v, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    a = u[:, :3] * np.array([2.0, 1.0, small]) @ v.T
    assert int(linalg.matrix_rank(a)) == np.linalg.matrix_rank(a) == 3
    assert int(linalg.matrix_rank(a.astype(np.float32))) == 2
    # The small direction is kept: pinv's norm is 1 / small (to the
    # accuracy a condition number of 1 / small allows), not ~1.
    p = np.asarray(linalg.pinv(a))
    assert p.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(p, 2), 1.0 / small, rtol=1e-3)
    # lstsq solves along the small direction too: x's norm is NumPy's
    # (~|u3 . b| / small), not ~1. (The Jacobi SVD's vector of a singular
    # value this small is accurate to ~eps / small only, hence rtol.)
    b = rng.normal(size=(4, 2))
    x = np.asarray(linalg.lstsq(a, b))
    assert x.dtype == np.float64
    want = np.linalg.lstsq(a, b, rcond=None)[0]
    np.testing.assert_allclose(np.linalg.norm(x), np.linalg.norm(want), rtol=1e-2)
