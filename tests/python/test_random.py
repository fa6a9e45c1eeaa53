"""`keras.random` (pykeras.random): signatures as Keras's, the
distributions checked statistically with fixed seeds (so nothing can
flake), dtypes and shapes as Keras's, seeds (int, None, SeedGenerator), and
a layer's SeedGenerator inside compiled training: new numbers every step,
the same run for the same seed, and saving as Keras 3 does."""

import io
import json
import pathlib
import zipfile

import h5py
import numpy as np
import pytest
from scipy import stats

import pykeras as keras
from pykeras import random as R
from pykeras.errors import InvalidArgumentError, ShapeError

OPS = set()
REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "keras_namespace.json"
PUBLIC = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]
N = 20_000


def ks_ok(sample, cdf):
    """Kolmogorov-Smirnov: with fixed seeds the p-value is a fixed number."""
    return stats.kstest(np.asarray(sample, np.float64).ravel(), cdf).pvalue > 1e-3


def test_names_and_signatures_are_keras():
    import inspect

    names = json.loads(REFERENCE.read_text())["modules"]["keras.random"]["names"]
    assert sorted(names) == PUBLIC == sorted(R.__all__)
    for name, entry in names.items():
        fn = getattr(R, name)
        params = inspect.signature(fn).parameters.values()
        ours = [
            (p.name, None if p.default is inspect.Parameter.empty else repr(p.default))
            for p in params
        ]
        assert ours == [(p["name"], p["default"]) for p in entry["params"]], name


# ----------------------------------------------------------- distributions


@pytest.mark.parametrize("mean,stddev", [(0.0, 1.0), (3.0, 0.5), (-2.0, 4.0)])
def test_normal(mean, stddev):
    x = R.normal((100, 200), mean, stddev, seed=11)
    assert x.shape == (100, 200) and x.dtype == np.float32
    assert ks_ok(x, stats.norm(mean, stddev).cdf)


@pytest.mark.parametrize("lo,hi", [(0.0, 1.0), (-3.0, 5.0), (10.0, 10.5)])
def test_uniform(lo, hi):
    x = R.uniform((N,), lo, hi, seed=5)
    assert x.dtype == np.float32
    assert (x >= np.float32(lo)).all() and (x < np.float32(hi)).all()
    assert ks_ok(x, stats.uniform(lo, hi - lo).cdf)


def test_uniform_stays_below_maxval_after_rounding_to_float32():
    # float32 values near 1e6 are 1/16 apart: draws close to maxval round down.
    x = R.uniform((N,), 1e6, 1e6 + 0.125, seed=5)
    assert x.max() < np.float32(1e6 + 0.125)


def test_uniform_tensor_bounds_broadcast():
    lo = np.array([0.0, 10.0], np.float32)
    x = R.uniform((N, 2), lo, lo + 2, seed=1)
    assert ((x >= lo) & (x < lo + 2)).all()
    np.testing.assert_allclose(x.mean(axis=0), lo + 1, atol=0.03)


def test_truncated_normal_stays_within_two_stddevs():
    x = R.truncated_normal((N,), 1.0, 2.0, seed=3)
    assert (np.abs(x - 1.0) <= 4.0 + 1e-5).all()
    assert ks_ok(x, stats.truncnorm(-2, 2, loc=1.0, scale=2.0).cdf)


def test_randint():
    x = R.randint((N,), -3, 7, seed=2)
    assert x.dtype == np.int32 and x.min() == -3 and x.max() == 6
    counts = np.bincount(x + 3, minlength=10)
    assert stats.chisquare(counts).pvalue > 1e-3
    assert R.randint((2,), 0, 5, dtype="uint8", seed=1).dtype == np.uint8
    assert R.randint((2,), 0, 5, dtype="int64", seed=1).dtype == np.int32  # as Keras on JAX
    # An empty range gives minval, as Keras on JAX.
    np.testing.assert_array_equal(R.randint((3,), 5, 2, seed=1), [5, 5, 5])


def test_categorical():
    p = np.array([[0.5, 0.3, 0.2], [0.05, 0.05, 0.9]])
    x = R.categorical(np.log(p), 10_000, seed=4)
    assert x.shape == (2, 10_000) and x.dtype == np.int32
    for row in range(2):
        counts = np.bincount(x[row], minlength=3)
        assert stats.chisquare(counts, p[row] * 10_000).pvalue > 1e-3
    assert R.categorical(np.zeros((1, 2)), 3, dtype="int64", seed=1).dtype == np.int32


@pytest.mark.parametrize("alpha", [0.5, 1.0, 3.0])
def test_gamma(alpha):
    x = R.gamma((N,), alpha, seed=6)
    assert x.dtype == np.float32 and (x >= 0).all()
    assert ks_ok(x, stats.gamma(alpha).cdf)


def test_beta():
    x = R.beta((N,), 2.0, 5.0, seed=7)
    assert ((x >= 0) & (x <= 1)).all()
    assert ks_ok(x, stats.beta(2.0, 5.0).cdf)


@pytest.mark.parametrize("n,p", [(10, 0.3), (400, 0.6), (7, 1.0)])
def test_binomial(n, p):
    x = R.binomial((N,), n, p, seed=8)
    assert x.dtype == np.float32 and (x == np.round(x)).all()
    assert ((x >= 0) & (x <= n)).all()
    if p < 1:
        values, counts = np.unique(x, return_counts=True)
        expected = stats.binom(n, p).pmf(values) * N
        keep = expected > 20  # chi-square on the well-populated counts
        got, want = counts[keep], expected[keep]
        assert stats.chisquare(got, want * got.sum() / want.sum()).pvalue > 1e-3
    else:
        assert (x == n).all()


def test_tensor_parameters_work_eagerly():
    alpha = np.array([1.0, 4.0])
    x = R.gamma((N, 2), alpha, seed=1)
    np.testing.assert_allclose(x.mean(axis=0), alpha, rtol=0.05)
    x = R.binomial((N, 2), np.array([5.0, 20.0]), np.array([0.5, 0.25]), seed=1)
    np.testing.assert_allclose(x.mean(axis=0), [2.5, 5.0], rtol=0.05)
    x = R.beta((N, 2), np.array([1.0, 2.0]), 2.0, seed=1)
    np.testing.assert_allclose(x.mean(axis=0), [1 / 3, 0.5], rtol=0.05)
    np.testing.assert_array_equal(x, R.beta((N, 2), np.array([1.0, 2.0]), 2.0, seed=1))


def test_dropout():
    x = np.arange(1, N + 1, dtype=np.float32)
    y = R.dropout(x, 0.3, seed=1)
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], x[kept] / 0.7, rtol=1e-6)
    assert R.dropout(x, 0.0, seed=1) is x
    np.testing.assert_array_equal(R.dropout(x, 1.0, seed=1), np.zeros_like(x))
    # A noise shape shares one mask along the axes it broadcasts.
    y = R.dropout(np.ones((4, 500), np.float32), 0.5, noise_shape=(1, 500), seed=2)
    assert (y == y[:1]).all()
    y = R.dropout(np.ones((300, 3), np.float32), 0.5, noise_shape=(None, 1), seed=2)
    assert (y == y[:, :1]).all() and 0.4 < (y[:, 0] == 0).mean() < 0.6


def test_shuffle():
    x = np.arange(12, dtype=np.int32).reshape(4, 3)
    y = R.shuffle(x, seed=1)
    assert y.dtype == np.int32
    # Each column is permuted on its own, as Keras on JAX does.
    np.testing.assert_array_equal(np.sort(y, axis=0), x)
    z = R.shuffle(x, axis=-1, seed=1)
    np.testing.assert_array_equal(np.sort(z, axis=1), x)
    orders = {tuple(R.shuffle(np.arange(4), seed=s)) for s in range(200)}
    assert len(orders) == 24  # every permutation of 4 occurs


# --------------------------------------------------------------- dtypes


@pytest.mark.parametrize(
    "fn", [R.normal, R.uniform, R.truncated_normal, lambda s, **k: R.gamma(s, 2.0, **k)]
)
def test_float_dtypes(fn):
    assert fn((2,), seed=1).dtype == np.float32
    assert fn((2,), dtype="float16", seed=1).dtype == np.float16
    assert fn((2,), dtype="float64", seed=1).dtype == np.float32  # JAX without x64
    with pytest.raises(ValueError, match="floating point"):
        fn((2,), dtype="int32", seed=1)


def test_int_dtypes_are_required_for_randint():
    with pytest.raises(ValueError, match="integer"):
        R.randint((2,), 0, 3, dtype="float32")


def test_shape_may_be_an_int():
    assert R.normal(3, seed=1).shape == (3,)
    assert R.uniform((), seed=1).shape == ()


# ---------------------------------------------------------------- seeds


def test_int_seeds_repeat_and_generators_advance():
    np.testing.assert_array_equal(R.normal((5,), seed=42), R.normal((5,), seed=42))
    g = R.SeedGenerator(1337)
    np.testing.assert_array_equal(g.state.numpy(), [1337, 0])
    a, b = R.normal((5,), seed=g), R.normal((5,), seed=g)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(g.state.numpy(), [1337, 2])
    h = R.SeedGenerator(1337)
    np.testing.assert_array_equal(R.normal((5,), seed=h), a)
    np.testing.assert_array_equal(R.normal((5,), seed=h), b)


def test_unseeded_draws_follow_set_random_seed():
    keras.utils.set_random_seed(3)
    a = [R.uniform((4,)), R.shuffle(np.arange(6))]
    keras.utils.set_random_seed(3)
    b = [R.uniform((4,)), R.shuffle(np.arange(6))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(R.uniform((4,)), R.uniform((4,)))


def test_seed_generator_is_keras_like():
    g = R.SeedGenerator(5, name="gen")
    assert g.get_config() == {"seed": 5, "name": "gen"}
    assert R.SeedGenerator.from_config(g.get_config()).state.numpy().tolist() == [5, 0]
    assert g.state.name == "seed_generator_state" and not g.state.trainable
    assert g.state.path == "gen/seed_generator_state"
    np.testing.assert_array_equal(g.next(), [5, 0])
    np.testing.assert_array_equal(g.state.numpy(), [5, 1])
    assert R.SeedGenerator().state.numpy()[0] > 0
    with pytest.raises(ValueError, match="must be an integer"):
        R.SeedGenerator("a")
    with pytest.raises(ValueError, match="Unrecognized"):
        R.SeedGenerator(1, bogus=2)


def test_bad_arguments_name_the_op():
    with pytest.raises(ValueError, match="SeedGenerator"):
        R.normal((2,), seed="x")
    with pytest.raises(ShapeError, match="normal"):
        R.normal((2, -1), seed=1)
    with pytest.raises(ShapeError, match="fully known"):
        R.normal((None, 2), seed=1)
    with pytest.raises(ShapeError, match="categorical"):
        R.categorical(np.zeros(3), 2)
    with pytest.raises(InvalidArgumentError, match="dropout"):
        R.dropout(np.ones(3), 1.5)
    with pytest.raises(InvalidArgumentError, match="shuffle"):
        R.shuffle(np.ones((2, 2)), axis=2)
    with pytest.raises(InvalidArgumentError, match="gamma"):
        R.gamma((2,), -1.0)
    with pytest.raises(InvalidArgumentError, match="binomial"):
        R.binomial((2,), 3, 1.5)
    with pytest.raises(InvalidArgumentError, match="randint"):
        R.randint((2,), 0.5, 3)


# ------------------------------------------------------ inside a model


class Noise(keras.layers.Layer):
    """Adds N(0, 1) noise from its own SeedGenerator, as Keras layers do."""

    def __init__(self, seed=1337, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = R.SeedGenerator(seed)

    def call(self, x):
        return x + R.normal(keras.ops.shape(x), seed=self.seed_generator)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def noisy_model(seed=1337, name="noise"):
    inputs = keras.Input((3,))
    noise = Noise(seed, name=name)
    out = keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(0))(
        noise(inputs)
    )
    model = keras.Model(inputs, out)
    model.compile(keras.optimizers.SGD(0.01), "mse")
    return model, noise


def fit_losses(model, epochs=4):
    x = np.ones((8, 3), np.float32)
    y = np.zeros((8, 1), np.float32)
    return model.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0).history["loss"]


def test_functional_models_see_the_draw_symbolically():
    model, _ = noisy_model()
    assert model.output.shape == (None, 1)
    kt = keras.Input((4,))
    assert R.categorical(kt, 3).shape == (None, 3)
    assert R.dropout(kt, 0.5, seed=1).shape == (None, 4)
    assert R.shuffle(kt, axis=1, seed=1).shape == (None, 4)


def test_a_layers_generator_draws_anew_every_step_and_repeats_per_seed():
    model, noise = noisy_model()
    losses = fit_losses(model)
    # Without noise every step would lower the loss smoothly; noise makes the
    # steps differ, and the state counts one draw per step, as Keras's.
    assert len(set(np.round(losses, 6))) == 4
    np.testing.assert_array_equal(noise.seed_generator.state.numpy(), [1337, 4])
    again, _ = noisy_model()
    np.testing.assert_array_equal(fit_losses(again), losses)
    other, _ = noisy_model(seed=7)
    assert not np.array_equal(fit_losses(other), losses)


def test_int_seeded_draws_in_a_model_repeat_every_step():
    class Fixed(keras.layers.Layer):
        def call(self, x):
            return x + R.normal(keras.ops.shape(x), seed=3)

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(Fixed()(inputs)))
    model.compile(keras.optimizers.SGD(0.0), "mse")
    losses = fit_losses(model, epochs=3)
    assert losses[0] == losses[1] == losses[2]


def test_unseeded_draws_in_a_model_change_every_step_and_follow_the_global_seed():
    class Unseeded(keras.layers.Layer):
        def call(self, x):
            return R.dropout(x, 0.5) + R.uniform((3,))

    def run():
        keras.utils.set_random_seed(9)
        inputs = keras.Input((3,))
        model = keras.Model(
            inputs, keras.layers.Dense(1, kernel_initializer="ones")(Unseeded()(inputs))
        )
        model.compile(keras.optimizers.SGD(0.0), "mse")
        return fit_losses(model, epochs=4)

    losses = run()
    assert len(set(losses)) > 1
    np.testing.assert_array_equal(run(), losses)


def test_dropout_and_shuffle_train_through_their_gradients():
    class Mix(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = R.SeedGenerator(2)

        def call(self, x):
            x = R.shuffle(x, axis=1, seed=self.seed_generator)
            return R.dropout(x, 0.2, noise_shape=(None, 1), seed=self.seed_generator)

    inputs = keras.Input((4,))
    mix = Mix()
    model = keras.Model(inputs, keras.layers.Dense(1)(mix(inputs)))
    model.compile(keras.optimizers.SGD(0.05), "mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, batch_size=16, epochs=8, verbose=0).history["loss"]
    assert history[-1] < history[0]
    # Two draws per step (shuffle, dropout), 4 steps per epoch.
    np.testing.assert_array_equal(mix.seed_generator.state.numpy(), [2, 64])


def test_state_is_not_a_weight_and_is_not_saved_as_in_keras(tmp_path):
    model, noise = noisy_model(name="noisy")
    fit_losses(model, epochs=2)
    assert noise.weights == [] and len(model.weights) == 2
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5"))) as f:
        # Keras names the group after the class; it holds no variable.
        assert len(f["layers/noise/vars"]) == 0
    loaded = keras.saving.load_model(path, custom_objects={"Noise": Noise})
    restarted = loaded.get_layer("noisy").seed_generator
    np.testing.assert_array_equal(restarted.state.numpy(), [1337, 0])
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 3)), verbose=0).shape, (2, 1))
