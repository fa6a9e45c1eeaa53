"""Convolution (plain, transposed, depthwise), pooling and normalization
compute in float64 on float64 inputs: results equal NumPy float64
references at tolerances float32 fails
(`test_the_tolerance_fails_in_float32`), gradients equal float64 central
differences, and a Conv2D + MaxPooling2D + BatchNormalization model under
`set_floatx("float64")` predicts what a NumPy float64 forward pass does."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras import ops
from pykeras.dtype_policies import policy as policy_module
from pykeras.ops._dispatch import run

# float64 rounding is ~1e-16 relative; float32's ~6e-8.
RTOL, ATOL = 1e-11, 1e-12


def check(got, want, rtol=RTOL, atol=ATOL):
    got = np.asarray(got)
    assert got.dtype == np.float64, got.dtype
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def window(n, k, s, d, padding):
    """(output length, padding before) of one axis, as Keras computes them."""
    span = (k - 1) * d + 1
    if padding == "valid":
        return (n - span) // s + 1, 0
    out = -(-n // s)
    return out, max((out - 1) * s + span - n, 0) // 2


def taps(x, k, s, d, padding, fill):
    """Yields ((ky, kx), window values (N, Ho, Wo, C), in-bounds mask) per tap
    of a 2-D window over channels-last `x` (padded cells hold `fill`)."""
    n, h, w, c = x.shape
    (oh, ph), (ow, pw) = window(h, k[0], s[0], d[0], padding), window(w, k[1], s[1], d[1], padding)
    big = np.full(
        (n, h + 2 * ph + k[0] * d[0] + s[0] * oh, w + 2 * pw + k[1] * d[1] + s[1] * ow, c), fill
    )
    big[:, ph : ph + h, pw : pw + w] = x
    inside = np.zeros(big.shape[1:3], bool)
    inside[ph : ph + h, pw : pw + w] = True
    for ky in range(k[0]):
        for kx in range(k[1]):
            rows = slice(ky * d[0], ky * d[0] + s[0] * oh, s[0])
            cols = slice(kx * d[1], kx * d[1] + s[1] * ow, s[1])
            yield (ky, kx), big[:, rows, cols], inside[rows, cols]


def np_conv2d(x, kernel, s=(1, 1), d=(1, 1), padding="valid"):
    out = 0.0
    for (ky, kx), v, _ in taps(x, kernel.shape[:2], s, d, padding, 0.0):
        out = out + v @ kernel[ky, kx]
    return out


def np_pool2d(x, p, s, padding, kind):
    if kind == "max":
        return np.max([v for _, v, _ in taps(x, p, s, (1, 1), padding, -np.inf)], axis=0)
    parts = list(taps(x, p, s, (1, 1), padding, 0.0))
    count = np.sum([m for _, _, m in parts], axis=0)[None, :, :, None]
    return np.sum([v for _, v, _ in parts], axis=0) / count


def rng_data(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


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


conv_cases = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "n": st.integers(1, 2),
        "hw": st.tuples(st.integers(3, 7), st.integers(3, 7)),
        "k": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "s": st.tuples(st.integers(1, 2), st.integers(1, 2)),
        "d": st.tuples(st.integers(1, 2), st.integers(1, 2)),
        "cin": st.integers(1, 3),
        "cout": st.integers(1, 3),
        "padding": st.sampled_from(["valid", "same"]),
    }
)


@settings(max_examples=25, deadline=None)
@given(case=conv_cases)
def test_conv2d_forward_in_float64(case):
    (h, w), (kh, kw), (dh, dw) = case["hw"], case["k"], case["d"]
    if (kh - 1) * dh >= h or (kw - 1) * dw >= w:
        return  # an empty "valid" output; shapes are tested elsewhere
    x, k = rng_data(
        case["seed"], (case["n"], h, w, case["cin"]), (kh, kw, case["cin"], case["cout"])
    )
    got = ops.conv(x, k, strides=case["s"], padding=case["padding"], dilation_rate=case["d"])
    check(got, np_conv2d(x, k, case["s"], case["d"], case["padding"]))


def test_conv1d_forward_in_float64():
    x, k = rng_data(1, (2, 9, 3), (3, 3, 4))
    got = ops.conv(x, k, strides=2, padding="same", dilation_rate=1)
    want = np_conv2d(x[:, None], k[None], (1, 2), (1, 1), "same")[:, 0]
    check(got, want)


def test_the_tolerance_fails_in_float32():
    """The same op on the float32-rounded operands misses the float64
    reference by far more than RTOL: the tests above would catch a float32 detour."""
    x, k = rng_data(2, (2, 6, 6, 3), (3, 3, 3, 4))
    want = np_conv2d(x, k, padding="same")
    narrow = np.asarray(ops.conv(x.astype(np.float32), k.astype(np.float32), padding="same"))
    assert narrow.dtype == np.float32
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(narrow, want, rtol=RTOL, atol=ATOL)
    check(ops.conv(x, k, padding="same"), want)


def test_mixed_float_inputs_promote_to_float64():
    x, k = rng_data(3, (1, 5, 5, 2), (2, 2, 2, 3))
    check(ops.conv(x, k.astype(np.float32)), np_conv2d(x, k.astype(np.float32).astype(np.float64)))


@settings(max_examples=8, deadline=None)
@given(case=conv_cases)
def test_conv2d_gradients_match_central_differences(case):
    (h, w), (kh, kw), (dh, dw) = case["hw"], case["k"], case["d"]
    if (kh - 1) * dh >= h or (kw - 1) * dw >= w:
        return
    x, k = rng_data(
        case["seed"], (case["n"], h, w, case["cin"]), (kh, kw, case["cin"], case["cout"])
    )
    opts = {"strides": case["s"], "padding": case["padding"], "dilation_rate": case["d"]}
    (wt,) = rng_data(
        case["seed"] + 1, np.shape(np_conv2d(x, k, case["s"], case["d"], case["padding"]))
    )

    def loss(x, k):
        return ops.sum(ops.multiply(ops.conv(x, k, **opts), wt))

    gx, gk = tape_grads(loss, x, k)
    assert gx.dtype == gk.dtype == np.float64
    # The loss is linear in each operand: central differences are exact up to rounding.
    np.testing.assert_allclose(
        gx, numeric_grad(lambda v: float(loss(v, k)), x), rtol=1e-7, atol=1e-8
    )
    np.testing.assert_allclose(
        gk, numeric_grad(lambda v: float(loss(x, v)), k), rtol=1e-7, atol=1e-8
    )


def np_conv2d_transpose_valid(x, kernel, s):
    """Transposed convolution, "valid" padding, by scattering each input
    pixel's kernel-weighted copy (kernel (kh, kw, out, in), as Keras's)."""
    n, h, w, _ = x.shape
    kh, kw, cout, _ = kernel.shape
    oh, ow = h * s[0] + max(kh - s[0], 0), w * s[1] + max(kw - s[1], 0)
    y = np.zeros((n, oh, ow, cout))
    for ky in range(kh):
        for kx in range(kw):
            rows = slice(ky, ky + s[0] * (h - 1) + 1, s[0])
            cols = slice(kx, kx + s[1] * (w - 1) + 1, s[1])
            y[:, rows, cols] += x @ kernel[ky, kx].T
    return y


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    hw=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
)
def test_conv_transpose_in_float64(seed, hw, k, s):
    x, kernel = rng_data(seed, (2, *hw, 3), (*k, 2, 3))
    want = np_conv2d_transpose_valid(x, kernel, s)
    check(ops.conv_transpose(x, kernel, strides=s, padding="valid"), want)
    (wt,) = rng_data(seed + 1, want.shape)

    def loss(x, kernel):
        y = ops.conv_transpose(x, kernel, strides=s, padding="same")
        return ops.sum(ops.multiply(y, wt[:, : hw[0] * s[0], : hw[1] * s[1]]))

    gx, gk = tape_grads(loss, x, kernel)
    assert gx.dtype == gk.dtype == np.float64
    num_x = numeric_grad(lambda v: float(loss(v, kernel)), x)
    num_k = numeric_grad(lambda v: float(loss(x, v)), kernel)
    np.testing.assert_allclose(gx, num_x, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(gk, num_k, rtol=1e-7, atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(case=conv_cases, m=st.integers(1, 2))
def test_depthwise_conv_in_float64(case, m):
    (h, w), (kh, kw), (dh, dw) = case["hw"], case["k"], case["d"]
    if (kh - 1) * dh >= h or (kw - 1) * dw >= w:
        return
    c = case["cin"]
    x, k = rng_data(case["seed"], (case["n"], h, w, c), (kh, kw, c, m))
    opts = {"strides": case["s"], "padding": case["padding"], "dilation_rate": case["d"]}
    # Channel c's multiplier j is output channel c * m + j, each channel alone.
    want = np.concatenate(
        [
            np_conv2d(x[..., i : i + 1], k[:, :, i : i + 1], case["s"], case["d"], case["padding"])
            for i in range(c)
        ],
        axis=-1,
    )
    check(ops.depthwise_conv(x, k, **opts), want)
    (wt,) = rng_data(case["seed"] + 1, want.shape)

    def loss(x, k):
        return ops.sum(ops.multiply(ops.depthwise_conv(x, k, **opts), wt))

    gx, gk = tape_grads(loss, x, k)
    assert gx.dtype == gk.dtype == np.float64
    num_x = numeric_grad(lambda v: float(loss(v, k)), x)
    num_k = numeric_grad(lambda v: float(loss(x, v)), k)
    np.testing.assert_allclose(gx, num_x, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(gk, num_k, rtol=1e-7, atol=1e-8)


pool_cases = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "hw": st.tuples(st.integers(2, 7), st.integers(2, 7)),
        "p": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "s": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "padding": st.sampled_from(["valid", "same"]),
        "kind": st.sampled_from(["max", "avg"]),
    }
)


def pool(x, case):
    f = ops.max_pool if case["kind"] == "max" else ops.average_pool
    return f(x, case["p"], strides=case["s"], padding=case["padding"])


@settings(max_examples=25, deadline=None)
@given(case=pool_cases)
def test_pool2d_forward_and_gradient_in_float64(case):
    (h, w), (ph, pw) = case["hw"], case["p"]
    if ph > h or pw > w:
        return
    (x,) = rng_data(case["seed"], (2, h, w, 3))
    want = np_pool2d(x, case["p"], case["s"], case["padding"], case["kind"])
    check(pool(x, case), want)
    (wt,) = rng_data(case["seed"] + 1, want.shape)

    def loss(x):
        return ops.sum(ops.multiply(pool(x, case), wt))

    (gx,) = tape_grads(loss, x)
    assert gx.dtype == np.float64
    # Locally linear (random values: no ties within h): exact up to rounding.
    np.testing.assert_allclose(gx, numeric_grad(lambda v: float(loss(v)), x), rtol=1e-7, atol=1e-8)


def test_average_pool_keeps_float64_precision():
    x = np.array([1.0, 1.0 + 2e-12]).reshape(1, 2, 1)
    got = np.asarray(ops.average_pool(x, 2))
    assert got.dtype == np.float64 and abs(got.item() - (1.0 + 1e-12)) < 1e-15


def np_batch_norm(x, gamma, beta, mean, var, eps):
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), training=st.booleans(), axis=st.sampled_from([-1, 1]))
def test_batch_norm_in_float64(seed, training, axis):
    x, gamma, beta, mean, var = rng_data(seed, (4, 3, 2, 5), 5, 5, 5, 5)
    c = x.shape[axis]
    gamma, beta, mean, var = gamma[:c], beta[:c], mean[:c], np.abs(var[:c]) + 0.5
    eps = 1e-3
    shape = [1, 1, 1, 1]
    shape[axis] = c
    axes = tuple(a for a in range(4) if a != axis % 4)
    stats = (x.mean(axis=axes), x.var(axis=axes)) if training else (mean, var)
    want = np_batch_norm(x, *(v.reshape(shape) for v in (gamma, beta, *stats)), eps)

    def bn(x, gamma, beta):
        return run(
            "batch_norm", [x, gamma, beta, mean, var], axis=axis, epsilon=eps, training=training
        )

    check(bn(x, gamma, beta), want)
    if training:
        moments = run("batch_moments", [x], axis=axis)
        check(moments, np.stack(stats))
    (wt,) = rng_data(seed + 1, x.shape)

    def loss(x, gamma, beta):
        return ops.sum(ops.multiply(bn(x, gamma, beta), wt))

    gx, gg, gb = tape_grads(loss, x, gamma, beta)
    f = lambda x, gamma, beta: float(loss(x, gamma, beta))  # noqa: E731
    np.testing.assert_allclose(
        gx, numeric_grad(lambda v: f(v, gamma, beta), x), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        gg, numeric_grad(lambda v: f(x, v, beta), gamma), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        gb, numeric_grad(lambda v: f(x, gamma, v), beta), rtol=1e-6, atol=1e-7
    )


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), axis=st.sampled_from([-1, [1, 2]]))
def test_layer_norm_in_float64(seed, axis):
    x, gamma, beta = rng_data(seed, (3, 4, 5), 20, 20)
    axes = (2,) if axis == -1 else (1, 2)
    shape = x.shape[1:] if axis != -1 else (5,)
    gamma, beta = (
        gamma[: int(np.prod(shape))].reshape(shape),
        beta[: int(np.prod(shape))].reshape(shape),
    )
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    eps = 1e-3
    check(
        run("layer_norm", [x, gamma, beta], axis=axis, epsilon=eps),
        (x - mean) / np.sqrt(var + eps) * gamma + beta,
    )
    (wt,) = rng_data(seed + 1, x.shape)

    def loss(x, gamma):
        return ops.sum(
            ops.multiply(run("layer_norm", [x, gamma, beta], axis=axis, epsilon=eps), wt)
        )

    gx, gg = tape_grads(loss, x, gamma)
    np.testing.assert_allclose(
        gx, numeric_grad(lambda v: float(loss(v, gamma)), x), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        gg, numeric_grad(lambda v: float(loss(x, v)), gamma), rtol=1e-6, atol=1e-7
    )


@pytest.fixture
def floatx64():
    keras.config.set_floatx("float64")
    policy_module._GLOBAL_POLICY = None
    yield
    keras.config.set_floatx("float32")
    policy_module._GLOBAL_POLICY = None


def test_conv_pool_batchnorm_model_predicts_in_float64(floatx64):
    model = keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.BatchNormalization(),
            keras.layers.AveragePooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(3),
        ]
    )
    conv, _, bn, _, _, dense = model.layers
    # Moving statistics away from (0, 1), so inference normalization shows.
    rng = np.random.default_rng(5)
    bn.set_weights(
        [
            rng.standard_normal(4),
            rng.standard_normal(4),
            rng.standard_normal(4),
            rng.random(4) + 0.5,
        ]
    )
    assert all(np.asarray(w).dtype == np.float64 for w in model.get_weights())
    (x,) = rng_data(6, (3, 8, 8, 2))
    got = np.asarray(model.predict(x, verbose=0))
    ck, cb = conv.get_weights()
    gamma, beta, mean, var = bn.get_weights()
    h = np.maximum(np_conv2d(x, ck, padding="same") + cb, 0.0)
    h = np_pool2d(h, (2, 2), (2, 2), "valid", "max")
    h = np_batch_norm(h, gamma, beta, mean, var, bn.epsilon)
    h = np_pool2d(h, (2, 2), (2, 2), "valid", "avg").reshape(3, -1)
    dk, db = dense.get_weights()
    check(got, h @ dk + db)
    # One training step moves the weights by float64 gradients (no NaN, same dtype).
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, rng.standard_normal((3, 3)), epochs=1, verbose=0)
    assert all(np.asarray(w).dtype == np.float64 for w in model.get_weights())
    assert all(np.isfinite(np.asarray(w)).all() for w in model.get_weights())
