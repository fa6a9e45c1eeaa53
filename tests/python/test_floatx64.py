"""`keras.config.set_floatx("float64")`: float64 variables, layers and
training.

Variables keep float64 (reading, assigning with Keras's cast, saving and
loading); under floatx float64, layers get float64 weights and compute in
float64 where the core has float64 kernels; `fit` trains a float64 Dense
MLP in float64 with SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax,
Lion, Ftrl and Lamb (the other optimizers and optimizer features:
test_floatx64_optim.py) and the mean squared error and (sparse/categorical/binary)
cross-entropy losses, agreeing with Keras 3 (JAX, `jax_enable_x64`) at
float64 tolerances (recorded by
`tests/reference/make_floatx64_reference.py`).
"""

import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras.dtype_policies import policy as policy_module
from pykeras.errors import ShapeError

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
REF = np.load(DATA / "floatx64_fit.npz")

# float64 rounding is ~1e-16 relative; a float32 detour anywhere shows as
# ~1e-7, so these tolerances fail for it.
RTOL, ATOL = 1e-9, 1e-11


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


@pytest.fixture(autouse=True)
def _always_back_to_float32():
    yield
    _reset_floatx()


# ------------------------------------------------------------ variables


def test_float64_variable_keeps_float64_and_casts_on_assign():
    v = keras.Variable(np.full((2, 2), 0.1), dtype="float64", name="v")
    assert v.dtype == "float64"
    assert v.numpy().dtype == np.float64
    assert v.numpy()[0, 0] == 0.1  # not float32's 0.1
    v.assign(np.full((2, 2), 0.2, np.float32))  # cast to float64, as Keras
    assert v.numpy().dtype == np.float64
    assert v.numpy()[0, 0] == np.float64(np.float32(0.2))
    v.assign_add(np.full((2, 2), 1e-12))
    assert v.numpy()[0, 0] == np.float64(np.float32(0.2)) + 1e-12
    with pytest.raises(ShapeError, match=r"has shape \(2, 2\)"):
        v.assign(np.zeros((3,)))
    assert "dtype=float64" in repr(v)


def test_float32_variables_are_unchanged():
    v = keras.Variable(np.full((2,), 0.1))
    assert v.dtype == "float32" and v.numpy().dtype == np.float32
    v.assign(np.full((2,), 0.1, np.float64))  # narrowed, as Keras casts
    assert v.numpy().dtype == np.float32 and v.numpy()[0] == np.float32(0.1)
    assert keras.layers.Dense(2).dtype == "float32"


def test_add_weight_dtype_float64_without_floatx():
    layer = keras.layers.Layer()
    w = layer.add_weight(shape=(3,), initializer=keras.initializers.Constant(0.1), dtype="float64")
    assert w.dtype == "float64" and w.numpy()[0] == 0.1
    assert layer.add_weight(shape=(3,), initializer="ones").dtype == "float32"


def test_optimizer_updates_a_float64_variable_in_float64():
    v = keras.Variable(np.array([1.0, -2.0]), dtype="float64")
    opt = keras.optimizers.SGD(0.1, momentum=0.9)
    for _ in range(3):
        opt.apply([np.array([0.3, 0.7])], [v])
    m, w = np.zeros(2), np.array([1.0, -2.0])
    for _ in range(3):
        m = 0.9 * m - 0.1 * np.array([0.3, 0.7])
        w = w + m
    assert v.numpy().dtype == np.float64
    np.testing.assert_allclose(v.numpy(), w, rtol=1e-15, atol=0)


def test_one_update_mixing_float32_and_float64_is_refused_by_name():
    v64 = keras.Variable(np.ones(2), dtype="float64")
    v32 = keras.Variable(np.ones(2, np.float32))
    with pytest.raises(ValueError, match=r"Adam.*mixes float32 and float64"):
        keras.optimizers.Adam().apply([np.ones(2), np.ones(2, np.float32)], [v64, v32])
    np.testing.assert_array_equal(v64.numpy(), np.ones(2))
    np.testing.assert_array_equal(v32.numpy(), np.ones(2, np.float32))


# ------------------------------------------------------------ floatx


def test_set_floatx_float64_makes_layers_float64(floatx64):
    assert keras.config.floatx() == "float64"
    assert keras.backend.floatx() == "float64"
    assert keras.config.dtype_policy().name == "float64"
    init = keras.initializers.RandomNormal(seed=1)((3, 3))
    assert init.dtype == np.float64
    assert keras.initializers.Constant(0.1)((2,))[0] == 0.1
    inp = keras.Input((4,))
    assert inp.dtype == "float64"
    dense = keras.layers.Dense(3)
    dense.build((None, 4))
    assert dense.dtype == "float64"
    assert all(w.dtype == "float64" for w in dense.weights)
    assert all(np.asarray(w.numpy()).dtype == np.float64 for w in dense.weights)


def test_float16_floatx_is_still_refused():
    for name in ("float16", "bfloat16"):
        with pytest.raises(ValueError, match="float32 or float64"):
            keras.config.set_floatx(name)
    assert keras.config.floatx() == "float32"


def test_set_floatx_back_to_float32_restores_float32(floatx64):
    keras.config.set_floatx("float32")
    assert keras.config.dtype_policy().name == "float32"
    assert keras.Input((2,)).dtype == "float32"
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    assert [w.dtype for w in layer.weights] == ["float32", "float32"]
    assert keras.initializers.GlorotUniform(seed=0)((2, 2)).dtype == np.float32


def test_predict_computes_in_float64(floatx64):
    rng = np.random.default_rng(0)
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(4, activation="sigmoid"), keras.layers.Dense(2)]
    )
    x = rng.normal(size=(6, 5))
    y = model.predict(x, verbose=0)
    k1, b1, k2, b2 = model.get_weights()
    want = 1 / (1 + np.exp(-(x @ k1 + b1))) @ k2 + b2
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-14)
    assert model(x).dtype == np.float64


# ------------------------------------------------------------ fit vs Keras

LOSSES = {
    "sgd_mse": lambda: "mse",
    "sgd_plain_mse": lambda: "mse",
    "adam_sparse_xent_logits": lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    "adamw_cce_logits": lambda: keras.losses.CategoricalCrossentropy(from_logits=True),
    "rmsprop_bce_logits": lambda: keras.losses.BinaryCrossentropy(from_logits=True),
    "adagrad_bce_sigmoid": lambda: "binary_crossentropy",
    "adamax_mse": lambda: "mse",
    "adadelta_mse": lambda: "mse",
    "lion_mse": lambda: "mse",
    "ftrl_mse": lambda: "mse",
    "ftrl_power_mse": lambda: "mse",
    "lamb_mse": lambda: "mse",
    "adam_sparse_xent_softmax": lambda: "sparse_categorical_crossentropy",
    "sgd_cce_softmax": lambda: "categorical_crossentropy",
}
OPTIMIZERS = {
    "sgd_mse": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "sgd_plain_mse": lambda: keras.optimizers.SGD(0.1),
    "adam_sparse_xent_logits": lambda: keras.optimizers.Adam(0.01),
    "adamw_cce_logits": lambda: keras.optimizers.AdamW(0.01),
    "rmsprop_bce_logits": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5),
    "adagrad_bce_sigmoid": lambda: keras.optimizers.Adagrad(0.1),
    "adamax_mse": lambda: keras.optimizers.Adamax(0.01),
    "adadelta_mse": lambda: keras.optimizers.Adadelta(1.0),
    "lion_mse": lambda: keras.optimizers.Lion(0.001),
    "ftrl_mse": lambda: keras.optimizers.Ftrl(0.1, l1_regularization_strength=0.01, beta=0.5),
    "ftrl_power_mse": lambda: keras.optimizers.Ftrl(0.1, learning_rate_power=-0.7),
    "lamb_mse": lambda: keras.optimizers.Lamb(0.01),
    "adam_sparse_xent_softmax": lambda: keras.optimizers.Adam(0.01),
    "sgd_cce_softmax": lambda: keras.optimizers.SGD(0.1),
}
SHAPES = {
    "sgd_mse": (2, None, "y_reg"),
    "sgd_plain_mse": (2, None, "y_reg"),
    "adam_sparse_xent_logits": (3, None, "y_cls"),
    "adamw_cce_logits": (3, None, "y_onehot"),
    "rmsprop_bce_logits": (1, None, "y_bin"),
    "adagrad_bce_sigmoid": (1, "sigmoid", "y_bin"),
    "adamax_mse": (2, None, "y_reg"),
    "adadelta_mse": (2, None, "y_reg"),
    "lion_mse": (2, None, "y_reg"),
    "ftrl_mse": (2, None, "y_reg"),
    "ftrl_power_mse": (2, None, "y_reg"),
    "lamb_mse": (2, None, "y_reg"),
    "adam_sparse_xent_softmax": (3, "softmax", "y_cls"),
    "sgd_cce_softmax": (3, "softmax", "y_onehot"),
}


def _mlp(units, activation):
    return keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(6, activation="sigmoid"),
            keras.layers.Dense(units, activation=activation),
        ]
    )


@pytest.mark.parametrize("case", sorted(LOSSES))
def test_fit_matches_keras_in_float64(floatx64, case):
    units, activation, target = SHAPES[case]
    model = _mlp(units, activation)
    model.set_weights([REF["k1"], REF["b1"], REF[f"{case}/k2_init"], np.zeros(units)])
    model.compile(optimizer=OPTIMIZERS[case](), loss=LOSSES[case]())
    hist = model.fit(REF["x"], REF[target], batch_size=4, epochs=2, shuffle=False, verbose=0)
    weights = model.get_weights()
    for i, w in enumerate(weights):
        assert w.dtype == np.float64, (case, i, w.dtype)
        np.testing.assert_allclose(w, REF[f"{case}/w{i}"], rtol=RTOL, atol=ATOL, err_msg=f"w{i}")
    # Keras's loss tracker reports the epoch loss to ~1e-8 only (its weights
    # are float64-exact, checked above): pykeras's is exact (see
    # test_metrics_accumulate_in_float64), so this compares at Keras's level.
    np.testing.assert_allclose(hist.history["loss"], REF[f"{case}/loss"], rtol=1e-7)
    y = model.predict(REF["x"], verbose=0)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, REF[f"{case}/predict"], rtol=RTOL, atol=ATOL)


def test_the_tolerance_fails_in_float32():
    # The same run in float32 misses the float64 reference: the comparison
    # above can tell a float32 detour.
    case = "sgd_mse"
    model = _mlp(2, None)
    model.set_weights([REF["k1"], REF["b1"], REF[f"{case}/k2_init"], np.zeros(2)])
    model.compile(optimizer=OPTIMIZERS[case](), loss="mse")
    model.fit(REF["x"], REF["y_reg"], batch_size=4, epochs=2, shuffle=False, verbose=0)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(model.get_weights()[0], REF[f"{case}/w0"], rtol=RTOL, atol=ATOL)


def test_metrics_accumulate_in_float64(floatx64):
    model = _mlp(2, None)
    model.set_weights([REF["k1"], REF["b1"], REF["sgd_mse/k2_init"], np.zeros(2)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", metrics=["mae"])
    x, y = REF["x"], REF["y_reg"]
    hist = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    pred = model.predict(x, verbose=0)
    np.testing.assert_allclose(hist.history["mae"][0], np.abs(pred - y).mean(), rtol=1e-12)
    result = model.evaluate(x, y, batch_size=5, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["loss"], ((pred - y) ** 2).mean(), rtol=1e-12)


# ------------------------------------------------------------ saving


def test_weights_h5_and_keras_files_keep_float64(floatx64, tmp_path):
    model = _mlp(2, None)
    model.build((None, 5))
    values = [np.full(w.shape, 0.1) + i * 1e-12 for i, w in enumerate(model.weights)]
    model.set_weights(values)
    model.save_weights(tmp_path / "m.weights.h5")
    model.save(tmp_path / "m.keras")
    fresh = _mlp(2, None)
    fresh.build((None, 5))
    fresh.load_weights(tmp_path / "m.weights.h5")
    for got, want in zip(fresh.get_weights(), values):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)
    _reset_floatx()  # the file says float64, whatever floatx is now
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    for got, want in zip(loaded.get_weights(), values):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)
    assert loaded.predict(REF["x"], verbose=0).dtype == np.float64


def test_keras_file_keeps_float64_optimizer_state(floatx64, tmp_path):
    model = _mlp(2, None)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    x, y = REF["x"], REF["y_reg"]
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    slots = [v for v in model.optimizer.variables if v.path.endswith("_momentum")]
    assert slots and all(v.dtype == "float64" for v in slots)
    model.save(tmp_path / "trained.keras")
    loaded = keras.saving.load_model(tmp_path / "trained.keras")
    # Training on from the file takes exactly the steps the original takes.
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)
