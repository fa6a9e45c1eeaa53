"""float64 in global pooling, segment reductions, dropout, the random draws
and the Python float constants of a traced graph: float64 input (or
`set_floatx("float64")`) gives float64 results computed in float64, equal
to NumPy's float64 results at tolerances float32 cannot meet, with float64
gradients equal to float64 central differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import pykeras as keras
from pykeras import layers, ops
from pykeras.ops._dispatch import run

RTOL, ATOL = 1e-11, 1e-12


def f64(shape, lo=-3.0, hi=3.0):
    return arrays(np.float64, shape, elements=st.floats(lo, hi, allow_subnormal=False))


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


def tape_grad(f, x):
    with keras.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return np.asarray(tape.gradient(y, x))


@pytest.fixture
def floatx64():
    keras.config.set_floatx("float64")
    try:
        yield
    finally:
        keras.config.set_floatx("float32")


# -- global pooling ---------------------------------------------------------

GLOBAL = {
    (1, "avg"): layers.GlobalAveragePooling1D,
    (2, "avg"): layers.GlobalAveragePooling2D,
    (3, "avg"): layers.GlobalAveragePooling3D,
    (1, "max"): layers.GlobalMaxPooling1D,
    (2, "max"): layers.GlobalMaxPooling2D,
    (3, "max"): layers.GlobalMaxPooling3D,
}


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    rank=st.sampled_from([1, 2, 3]),
    mode=st.sampled_from(["avg", "max"]),
    keepdims=st.booleans(),
    channels_first=st.booleans(),
)
def test_global_pooling_in_float64(data, rank, mode, keepdims, channels_first):
    spatial = data.draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank))
    shape = (2, 3, *spatial) if channels_first else (2, *spatial, 3)
    x = data.draw(f64(shape)) + 1e-9
    fmt = "channels_first" if channels_first else "channels_last"
    # A float64 layer (a float32 one casts its input to float32, as Keras's).
    out = GLOBAL[(rank, mode)](data_format=fmt, keepdims=keepdims, dtype="float64")(x)
    axes = tuple(range(2, rank + 2)) if channels_first else tuple(range(1, rank + 1))
    reduce = np.mean if mode == "avg" else np.max
    check(out, reduce(x, axis=axes, keepdims=keepdims))


@pytest.mark.parametrize("mode", ["avg", "max"])
@pytest.mark.parametrize("rank", [1, 2])
def test_global_pooling_gradients_match_central_differences(rank, mode):
    rng = np.random.default_rng(rank * 10 + len(mode))
    x = rng.standard_normal((2, *([3] * rank), 4))
    w = rng.standard_normal((2, 4))
    layer = GLOBAL[(rank, mode)](dtype="float64")
    g = tape_grad(lambda v: ops.sum(layer(v) * w), x)
    want = numeric_grad(lambda v: float(np.sum(np.asarray(layer(v)) * w)), x)
    check(g, want, rtol=1e-8, atol=1e-9)


def test_global_pooling_float32_is_unchanged():
    x = np.random.default_rng(3).standard_normal((2, 5, 3)).astype(np.float32)
    out = layers.GlobalAveragePooling1D()(x)
    assert np.asarray(out).dtype == np.float32
    np.testing.assert_allclose(out, x.mean(axis=1), rtol=1e-6)


# -- segment reductions -----------------------------------------------------


def np_segment(op, x, ids, n):
    init = {"sum": 0.0, "max": -np.inf, "min": np.inf, "prod": 1.0}[op]
    ufunc = {"sum": np.add, "max": np.maximum, "min": np.minimum, "prod": np.multiply}[op]
    out = np.full((n, *x.shape[1:]), init)
    keep = (ids >= 0) & (ids < n)
    ufunc.at(out, ids[keep], x[keep])
    return out


SEGMENT = {
    "sum": ops.segment_sum,
    "max": ops.segment_max,
    "min": ops.segment_min,
    "prod": ops.segment_prod,
}


@settings(max_examples=40, deadline=None)
@given(
    x=f64((6, 3), 0.5, 2.0),
    ids=arrays(np.int64, (6,), elements=st.integers(-1, 4)),
    op=st.sampled_from(sorted(SEGMENT)),
)
def test_segment_reductions_in_float64(x, ids, op):
    out = SEGMENT[op](x + 1e-10, ids, num_segments=4)
    check(out, np_segment(op, x + 1e-10, ids, 4))


@pytest.mark.parametrize("op", sorted(SEGMENT))
def test_segment_gradients_match_central_differences(op):
    rng = np.random.default_rng(len(op))
    x = rng.uniform(0.5, 2.0, (7, 2))
    ids = np.array([0, 2, 0, 1, 2, 2, 5])  # 5 is dropped
    w = rng.standard_normal((3, 2))

    def loss(v):
        return ops.sum(SEGMENT[op](v, ids, num_segments=3) * w)

    g = tape_grad(loss, x)
    check(g, numeric_grad(lambda v: float(loss(v)), x), rtol=1e-8, atol=1e-9)


def test_segment_float32_ids_beside_float64_data():
    x = np.array([1.0 + 1e-12, 2.0, 3.0])
    out = ops.segment_sum(x, np.array([1.0, 0.0, 1.0], np.float32), num_segments=2)
    check(out, [2.0, 4.0 + 1e-12], rtol=1e-15, atol=0.0)


def test_segment_sum_in_a_functional_float64_model():
    inputs = keras.Input((3,), dtype="float64")
    ids = np.array([0, 1, 0, 1])
    model = keras.Model(inputs, ops.segment_sum(inputs, ids, num_segments=2))
    x = np.random.default_rng(5).standard_normal((4, 3)) + 1e-10
    out = model.predict(x, verbose=0)
    check(out, np_segment("sum", x, ids, 2))


# -- dropout ----------------------------------------------------------------


def test_dropout_in_float64_keeps_the_float32_mask():
    x = 1.0 + np.arange(600, dtype=np.float64).reshape(6, 100) * 1e-10
    attrs = {"rate": 0.3, "seed": 7}
    y64 = np.asarray(run("dropout", [x], training_mode=True, step_seed=5, **attrs))
    y32 = run("dropout", [x.astype(np.float32)], training_mode=True, step_seed=5, **attrs)
    assert y64.dtype == np.float64
    np.testing.assert_array_equal(y64 == 0.0, np.asarray(y32) == 0.0)
    kept = y64 != 0.0
    assert 300 < kept.sum() < 540
    check(y64[kept], x[kept] / 0.7, rtol=1e-15, atol=0.0)
    layer = layers.Dropout(0.3, seed=7, dtype="float64")
    y = np.asarray(layer(x, training=True))
    assert y.dtype == np.float64
    check(y[y != 0.0], x[y != 0.0] / 0.7, rtol=1e-15, atol=0.0)
    check(layer(x, training=False), x, rtol=0.0, atol=0.0)


# -- random draws -----------------------------------------------------------

DRAWS = {
    "normal": lambda dtype, seed: keras.random.normal(
        (20000,), mean=1.5, stddev=2.0, dtype=dtype, seed=seed
    ),
    "uniform": lambda dtype, seed: keras.random.uniform(
        (20000,), minval=-1.0, maxval=3.0, dtype=dtype, seed=seed
    ),
    "truncated_normal": lambda dtype, seed: keras.random.truncated_normal(
        (20000,), mean=-1.0, stddev=0.5, dtype=dtype, seed=seed
    ),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_random_draws_in_float64_under_floatx_float64(floatx64, name):
    draw = DRAWS[name]
    x = np.asarray(draw(None, 3))
    assert x.dtype == np.float64
    assert np.asarray(draw("float64", 3)).dtype == np.float64
    # Drawn in float64, not float32 draws widened.
    assert np.mean(x != x.astype(np.float32)) > 0.99
    # A seed repeats the draw; another seed gives another.
    np.testing.assert_array_equal(x, draw(None, 3))
    assert not np.array_equal(x, draw(None, 4))
    # The float32 draw is the float64 one rounded.
    keras.config.set_floatx("float32")
    x32 = np.asarray(draw(None, 3))
    assert x32.dtype == np.float32
    np.testing.assert_array_equal(x.astype(np.float32), x32)
    n = x.size
    if name == "normal":
        assert abs(x.mean() - 1.5) < 4 * 2.0 / np.sqrt(n)
        assert abs(x.std() - 2.0) < 0.05
    elif name == "uniform":
        assert x.min() >= -1.0 and x.max() < 3.0
        assert abs(x.mean() - 1.0) < 4 * (4.0 / np.sqrt(12)) / np.sqrt(n)
    else:
        assert np.all(np.abs(x + 1.0) <= 1.0)
        # Truncated at 2 sigma: the standard deviation is 0.8796 sigma.
        assert abs(x.std() - 0.5 * 0.8796) < 0.01


def test_random_draws_with_a_seed_generator_under_floatx_float64(floatx64):
    gen = keras.random.SeedGenerator(5)
    a = np.asarray(keras.random.normal((4, 3), seed=gen))
    b = np.asarray(keras.random.normal((4, 3), seed=gen))
    assert a.dtype == b.dtype == np.float64
    assert not np.array_equal(a, b)
    c = np.asarray(keras.random.normal((4, 3), seed=keras.random.SeedGenerator(5)))
    np.testing.assert_array_equal(a, c)


def test_random_draw_in_a_traced_float64_model(floatx64):
    class Noisy(keras.Model):
        def call(self, x):
            return x + keras.random.normal((8, 3), stddev=1e-3, seed=11)

    model = Noisy()
    x = np.random.default_rng(1).standard_normal((8, 3))
    out = model.predict(x, batch_size=8, verbose=0)
    assert out.dtype == np.float64
    noise = out - x
    assert np.all(np.abs(noise) < 1e-2) and np.mean(noise != noise.astype(np.float32)) > 0.9


# -- Python float constants in traced graphs --------------------------------


class Scaled(keras.Model):
    """A subclassed model whose call scales by Python floats."""

    def call(self, x):
        return x * 0.1 + 0.3


def scaled_models():
    """(floatx, model, input dtype) cases: float64 models under either floatx,
    and a float32 model under floatx float64."""
    inputs = keras.Input((3,), dtype="float64")
    yield "float32", keras.Model(inputs, inputs * 0.1 + 0.3), "float64"
    yield "float32", Scaled(dtype="float64"), "float64"
    yield "float64", Scaled(), "float64"
    yield "float64", Scaled(dtype="float32"), "float32"


@pytest.mark.parametrize("case", range(4))
def test_traced_python_floats_follow_the_tensor_type(case):
    floatx = ["float32", "float32", "float64", "float64"][case]
    keras.config.set_floatx(floatx)
    try:
        _, model, dtype = list(scaled_models())[case]
        x = np.random.default_rng(2).standard_normal((5, 3)).astype(dtype)
        out = model.predict(x, verbose=0)
        assert out.dtype == np.dtype(dtype)
        if dtype == "float64":
            # float64's 0.1 and 0.3, not float32's (which are 1e-9 off).
            check(out, x * 0.1 + 0.3, rtol=1e-15, atol=1e-16)
        else:
            np.testing.assert_allclose(out, x * np.float32(0.1) + np.float32(0.3), rtol=1e-6)
    finally:
        keras.config.set_floatx("float32")


def test_traced_python_floats_fit_in_float64(floatx64):
    class Affine(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")

        def call(self, x):
            return self.dense(x) * 0.1

    model = Affine()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = np.random.default_rng(4).standard_normal((6, 2))
    y = np.zeros((6, 1))
    history = model.fit(x, y, epochs=1, batch_size=6, verbose=0)
    want = np.mean((x.sum(axis=1) * 0.1) ** 2)
    np.testing.assert_allclose(history.history["loss"][0], want, rtol=1e-14)


# -- composites that keep float64 (as Keras with x64) -----------------------

ELEMENTWISE = {
    "cbrt": (ops.cbrt, np.cbrt),
    "deg2rad": (ops.deg2rad, np.deg2rad),
    "rad2deg": (ops.rad2deg, np.rad2deg),
    "fabs": (ops.fabs, np.fabs),
    "trunc": (ops.trunc, np.trunc),
    "i0": (ops.i0, np.i0),
    "nan_to_num": (ops.nan_to_num, np.nan_to_num),
}
BINARY = {
    "hypot": (ops.hypot, np.hypot),
    "fmod": (ops.fmod, np.fmod),
    "fmax": (ops.fmax, np.fmax),
    "fmin": (ops.fmin, np.fmin),
    "heaviside": (ops.heaviside, np.heaviside),
    "floor_divide": (ops.floor_divide, np.floor_divide),
    "divide_no_nan": (
        ops.divide_no_nan,
        lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b)),
    ),
}


@settings(max_examples=30, deadline=None)
@given(x=f64((3, 4), -50.0, 50.0), name=st.sampled_from(sorted(ELEMENTWISE)))
def test_elementwise_composites_keep_float64(x, name):
    ours, theirs = ELEMENTWISE[name]
    x = x + 1e-9
    check(ours(x), theirs(x), rtol=1e-11, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    a=f64((3, 4), -1e6, 1e6),
    b=f64((3, 4), 0.5, 40.0),
    name=st.sampled_from(sorted(BINARY)),
)
def test_binary_composites_keep_float64(a, b, name):
    ours, theirs = BINARY[name]
    a = a + 1e-7
    check(ours(a, b), theirs(a, b), rtol=1e-11, atol=1e-9)


def test_nextafter_steps_float64():
    x = np.array([1.0, -2.5, 0.0, 1e300])
    check(ops.nextafter(x, np.full(4, 3.0)), np.nextafter(x, 3.0), rtol=0.0, atol=0.0)


NAN_STATS = {
    "nansum": (ops.nansum, np.nansum),
    "nanmean": (ops.nanmean, np.nanmean),
    "nanvar": (ops.nanvar, np.nanvar),
    "nanstd": (ops.nanstd, np.nanstd),
    "nanprod": (ops.nanprod, np.nanprod),
    "median": (ops.median, np.median),
    "nanmedian": (ops.nanmedian, np.nanmedian),
}


@settings(max_examples=30, deadline=None)
@given(
    x=f64((4, 5), 0.5, 2.0),
    holes=arrays(np.bool_, (4, 5)),
    name=st.sampled_from(sorted(NAN_STATS)),
    axis=st.sampled_from([None, 0, 1]),
)
def test_statistics_keep_float64(x, holes, name, axis):
    ours, theirs = NAN_STATS[name]
    if name != "median":
        holes[:, 0] = False  # no all-NaN slice
        x = np.where(holes, np.nan, x)
    check(ours(x, axis=axis), theirs(x, axis=axis), rtol=1e-11, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(x=f64((3, 6), 0.5, 2.0), q=st.floats(0.0, 1.0))
def test_quantiles_and_scans_keep_float64(x, q):
    check(ops.quantile(x, q, axis=1), np.quantile(x, q, axis=1), rtol=1e-11, atol=1e-12)
    check(ops.nancumsum(x, axis=1), np.nancumsum(x, axis=1))
    check(ops.nancumprod(x, axis=0), np.nancumprod(x, axis=0))
    check(ops.corrcoef(x), np.corrcoef(x), rtol=1e-10, atol=1e-11)
    check(ops.trapezoid(x, axis=1), np.trapezoid(x, axis=1))
    d = np.sqrt(((x[:, None, :] - x[None, ::-1, :]) ** 2).sum(-1))
    check(ops.cdist(x, x[::-1]), d)


def test_sequences_between_float64_endpoints():
    a, b = np.array([1.0, 2.0]), np.array([3.0 + 1e-12, 5.0])
    check(ops.linspace(a, b, 7), np.linspace(a, b, 7))
    check(ops.logspace(a, b, 4), np.logspace(a, b, 4))
    check(ops.geomspace(a, b, 5), np.geomspace(a, b, 5))
    assert np.asarray(ops.linspace(0.0, 1.0, 5)).dtype == np.float32


def test_composite_gradients_in_float64():
    rng = np.random.default_rng(8)
    a, b = rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, (3, 4))
    for f in (lambda v: ops.sum(ops.hypot(v, b)), lambda v: ops.sum(ops.cbrt(v) * b)):
        want = numeric_grad(lambda v, f=f: float(f(v)), a)
        check(tape_grad(f, a), want, rtol=1e-8, atol=1e-9)
