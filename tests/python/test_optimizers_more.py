"""Ftrl, Lamb, PolynomialDecay and CosineDecayRestarts against Keras 3.

The reference data comes from tests/reference/make_catalogue_reference.py, run
with Keras 3 on JAX: 20 steps of fixed gradients per optimizer config, and
schedule values at steps 0..40. The updates run in Rust (rust/optim/ftrl.rs,
lamb.rs, schedule.rs), inside `fit`'s compiled loop as well.
"""

import json
import os

import numpy as np
import pytest

import pykeras as keras
from pykeras import optimizers
from pykeras.backend import Variable
from pykeras.optimizers import schedules

DATA = os.path.join(os.path.dirname(__file__), "..", "reference", "data")
with open(os.path.join(DATA, "catalogue.json")) as f:
    REF = json.load(f)
ARRAYS = dict(np.load(os.path.join(DATA, "catalogue.npz")))

# The bar for trajectories: rtol 2e-3 over 20 steps. Keras's float32
# pow/cos on XLA and its float32 norm reductions differ from pykeras's by ulps.
RTOL, ATOL = 2e-3, 1e-6


def json_normal(value):
    return json.loads(json.dumps(value))


def make_variables():
    return [
        Variable(ARRAYS[f"init/var{i}"], name=name, path=name)
        for i, name in enumerate(REF["names"])
    ]


def build(case):
    spec = REF["optimizers"][case]
    kwargs = dict(spec["kwargs"])
    if isinstance(kwargs.get("learning_rate"), dict):
        kwargs["learning_rate"] = schedules.deserialize(kwargs["learning_rate"]["schedule"])
    return getattr(optimizers, spec["class_name"])(name=case, **kwargs)


def grads_at(step):
    return [ARRAYS[f"grad/step{step}/var{i}"] for i in range(len(REF["names"]))]


@pytest.mark.parametrize("case", sorted(REF["optimizers"]))
def test_trajectories_match_keras(case):
    spec = REF["optimizers"][case]
    opt = build(case)
    variables = make_variables()
    for step in range(REF["steps"]):
        np.testing.assert_allclose(
            float(opt.learning_rate), spec["learning_rates"][step], rtol=1e-5, err_msg=case
        )
        opt.apply_gradients(zip(grads_at(step), variables))
        for i, v in enumerate(variables):
            np.testing.assert_allclose(
                v.numpy(),
                ARRAYS[f"{case}/step{step}/var{i}"],
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"{case}: variable {i} after step {step}",
            )
    assert int(opt.iterations) == spec["iterations"]
    assert [v.path for v in opt.variables] == spec["variable_paths"]
    for j, v in enumerate(opt.variables):
        np.testing.assert_allclose(
            v.numpy(), ARRAYS[f"{case}/optvar{j}"], rtol=RTOL, atol=ATOL, err_msg=v.path
        )
    assert json_normal(opt.get_config()) == spec["config"]


@pytest.mark.parametrize("class_name", sorted(REF["default_configs"]))
def test_default_configs_match_keras(class_name):
    assert (
        json_normal(getattr(optimizers, class_name)().get_config())
        == (REF["default_configs"][class_name])
    )


@pytest.mark.parametrize("key", sorted(REF["schedules"]))
def test_schedule_values_and_config_match_keras(key):
    spec = REF["schedules"][key]
    schedule = getattr(schedules, spec["class_name"])(**spec["config"])
    steps = np.arange(len(spec["values"]))
    np.testing.assert_allclose(schedule(steps), spec["values"], rtol=1e-5, atol=1e-9)
    assert json_normal(schedule.get_config()) == spec["get_config"]
    again = schedules.deserialize(json_normal(schedules.serialize(schedule)))
    assert type(again) is type(schedule)
    assert again.get_config() == schedule.get_config()


@pytest.mark.parametrize("name", ["ftrl", "lamb", "Ftrl", "LAMB"])
def test_get_by_name_and_round_trip(name):
    opt = optimizers.get(name)
    assert type(opt).__name__.lower() == name.lower()
    again = optimizers.deserialize(json_normal(optimizers.serialize(opt)))
    assert again.get_config() == opt.get_config()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"learning_rate_power": 0.5}, "learning_rate_power"),
        ({"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
        ({"l1_regularization_strength": -0.1}, "l1_regularization_strength"),
        ({"l2_regularization_strength": -0.1}, "l2_regularization_strength"),
        ({"l2_shrinkage_regularization_strength": -0.1}, "l2_shrinkage"),
    ],
)
def test_ftrl_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        optimizers.Ftrl(**kwargs)


@pytest.mark.parametrize(
    "cls, kwargs, key",
    [
        (
            schedules.PolynomialDecay,
            {"initial_learning_rate": 0.1, "decay_steps": 0},
            "decay_steps",
        ),
        (
            schedules.CosineDecayRestarts,
            {"initial_learning_rate": 0.1, "first_decay_steps": -2},
            "first_decay_steps",
        ),
    ],
)
def test_schedules_refuse_non_positive_steps(cls, kwargs, key):
    with pytest.raises(ValueError, match=key):
        cls(**kwargs)


def test_unknown_optimizer_suggests_close_match():
    with pytest.raises(ValueError, match="Lamb"):
        optimizers.get("lambb")


def _model(seed):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((5,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1)(hidden))


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda: optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=0.001),
        lambda: optimizers.Lamb(
            learning_rate=schedules.PolynomialDecay(0.01, decay_steps=6, end_learning_rate=0.001)
        ),
        lambda: optimizers.SGD(
            learning_rate=schedules.CosineDecayRestarts(0.05, first_decay_steps=2), momentum=0.5
        ),
    ],
)
def test_fit_runs_the_native_update_like_apply_gradients(make_optimizer):
    """`fit`'s compiled Rust loop and eager `apply_gradients` give the same weights."""
    rng = np.random.RandomState(0)
    x = rng.randn(32, 5).astype(np.float32)
    y = rng.randn(32, 1).astype(np.float32)

    fitted = _model(3)
    fitted.compile(optimizer=make_optimizer(), loss="mse")
    fitted.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)

    eager = _model(3)
    opt = make_optimizer()
    for _ in range(2):
        for start in range(0, 32, 8):
            xb, yb = x[start : start + 8], y[start : start + 8]
            with keras.GradientTape() as tape:
                loss = keras.ops.mean(keras.ops.square(eager(xb) - yb))
            grads = tape.gradient(loss, eager.trainable_weights)
            opt.apply_gradients(zip(grads, eager.trainable_weights))

    assert int(fitted.optimizer.iterations) == int(opt.iterations) == 8
    for a, b in zip(fitted.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def numpy_adafactor(w, grads, lr=0.001, beta_2_decay=-0.8, eps_1=1e-30, eps_2=1e-3, clip=1.0):
    """Keras's Adafactor for a variable of rank >= 2, in float64 NumPy."""
    w = w.astype(np.float64)
    r = np.zeros(w.shape[:-1])
    c = np.zeros(w.shape[:-2] + w.shape[-1:])
    for t, g in enumerate(grads, start=1):
        g = g.astype(np.float64)
        lr_t = min(lr, 1 / np.sqrt(t))
        rho = min(lr_t, 1 / np.sqrt(t))
        alpha = max(eps_2, np.sqrt(np.mean(w**2))) * rho
        sq = g**2 + eps_1
        beta = 1 - t**beta_2_decay
        r = beta * r + (1 - beta) * sq.mean(axis=-1)
        c = beta * c + (1 - beta) * sq.mean(axis=-2)
        v = (r / r.mean(axis=-1, keepdims=True))[..., None] * c[..., None, :]
        u = g / np.sqrt(v)
        u = u / max(1.0, np.sqrt(np.mean(u**2)) / clip)
        w = w - alpha * u
    return w, r, c


def test_adafactor_factors_rank_3_variables_like_numpy():
    rng = np.random.RandomState(5)
    w0 = rng.randn(2, 3, 5).astype(np.float32)
    grads = [rng.randn(2, 3, 5).astype(np.float32) for _ in range(4)]
    variable = Variable(w0, name="k")
    opt = optimizers.Adafactor(learning_rate=0.1)
    for g in grads:
        opt.apply_gradients([(g, variable)])
    want_w, want_r, want_c = numpy_adafactor(w0, grads, lr=0.1)
    np.testing.assert_allclose(variable.numpy(), want_w, rtol=1e-4, atol=1e-6)
    assert [v.shape for v in opt.variables][2:] == [(2, 3), (2, 5), (2, 3, 5)]
    np.testing.assert_allclose(opt.variables[2].numpy(), want_r, rtol=1e-4)
    np.testing.assert_allclose(opt.variables[3].numpy(), want_c, rtol=1e-4)
    # r and c are both named after the variable, as in Keras.
    assert opt.variables[2].path == opt.variables[3].path == "adafactor/k"


def test_gradient_accumulation_counts_updates():
    opt = optimizers.SGD(learning_rate=0.1, gradient_accumulation_steps=3)
    v = Variable(np.zeros(2, np.float32))
    for k in range(5):
        opt.apply_gradients([(np.full(2, k + 1.0, np.float32), v)])
    assert int(opt.iterations) == 1  # 5 calls: one update, two gradients pending
    np.testing.assert_allclose(v.numpy(), [-0.2, -0.2])  # mean of 1, 2, 3 times 0.1
    np.testing.assert_allclose(opt.variables[2].numpy(), [9.0, 9.0])  # 4 + 5 pending


def _ema_model(seed=2):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])


def test_fit_with_ema_ends_on_the_average():
    rng = np.random.RandomState(0)
    x = rng.randn(16, 3).astype(np.float32)
    y = rng.randn(16, 2).astype(np.float32)
    model = _ema_model()
    opt = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5)
    model.compile(optimizer=opt, loss="mse")
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    averages = opt._moving_averages()
    for w in model.trainable_weights:
        np.testing.assert_allclose(w.numpy(), averages[id(w)], rtol=1e-6)

    # The same run without EMA ends elsewhere: the averages lag the weights.
    plain = _ema_model()
    plain.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    plain.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert not np.allclose(plain.get_weights()[0], model.get_weights()[0])


def test_swap_ema_weights_evaluates_on_the_average():
    rng = np.random.RandomState(1)
    x = rng.randn(16, 3).astype(np.float32)
    y = rng.randn(16, 2).astype(np.float32)
    seen = {}

    class Spy(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            seen["test"] = self.model.get_weights()[0].copy()

        def on_epoch_end(self, epoch, logs=None):
            seen["epoch_end"] = self.model.get_weights()[0].copy()

    model = _ema_model()
    opt = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.9)
    model.compile(optimizer=opt, loss="mse")
    swap = keras.callbacks.SwapEMAWeights()
    model.fit(
        x, y, batch_size=4, epochs=1, shuffle=False, verbose=0,
        validation_data=(x, y), callbacks=[swap, Spy()],
    )  # fmt: skip
    # Validation ran on the averages; training weights were swapped back after it.
    assert not np.allclose(seen["test"], seen["epoch_end"])
    with pytest.raises(ValueError, match="use_ema"):
        plain = _ema_model()
        plain.compile(optimizer="sgd", loss="mse")
        plain.fit(x, y, verbose=0, validation_data=(x, y),
                  callbacks=[keras.callbacks.SwapEMAWeights()])  # fmt: skip


def test_loss_scale_optimizer_is_a_float32_pass_through_in_fit():
    rng = np.random.RandomState(4)
    x = rng.randn(16, 3).astype(np.float32)
    y = rng.randn(16, 2).astype(np.float32)
    weights = []
    for wrap in (False, True):
        model = _ema_model()
        inner = optimizers.Adam(learning_rate=0.01)
        opt = optimizers.LossScaleOptimizer(inner) if wrap else inner
        model.compile(optimizer=opt, loss="mse")
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        weights.append(model.get_weights())
        assert int(opt.iterations) == 8
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_loss_scale_optimizer_skips_non_finite_steps_and_round_trips():
    inner = optimizers.SGD(learning_rate=0.1)
    opt = optimizers.LossScaleOptimizer(inner)
    v = Variable(np.ones(2, np.float32))
    opt.apply_gradients([(np.array([np.nan, 1.0], np.float32), v)])
    np.testing.assert_array_equal(v.numpy(), [1.0, 1.0])
    # The NaN step halved the scale; gradients are divided by it (Keras).
    assert float(opt.dynamic_scale) == 2.0**14
    opt.apply_gradients([(np.array([2.0**14, 2.0**14], np.float32), v)])
    np.testing.assert_allclose(v.numpy(), [0.9, 0.9])
    assert int(opt.iterations) == 1 and opt.scale_loss(3.0) == 3.0 * 2.0**14
    config = json_normal(optimizers.serialize(opt))
    assert config["config"]["initial_scale"] == 32768.0
    again = optimizers.deserialize(config)
    assert isinstance(again.inner_optimizer, optimizers.SGD)
    assert again.get_config() == opt.get_config()
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(inner, clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(inner, dynamic=False)


def test_benchmark_script_runs_every_row():
    """benches/optimizers.py's pykeras side runs (timings are not asserted)."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "benches" / "optimizers.py"
    spec = importlib.util.spec_from_file_location("bench_optimizers", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    timings = bench.run_pykeras(repeats=1)
    assert set(timings) == set(bench.cases()) and all(t > 0 for t in timings.values())
