"""Model by composition (issue 15, point 1): a `Model` is a `Layer` that holds
its parts (its `CompileState` and its `Trainer`); steps report typed
`StepResults`; optimizer hyper-parameters cross into Rust as a typed
`OptimizerConfig`."""

import numpy as np
import pytest

import pykeras as keras
from pykeras import _core, layers
from pykeras.layers.layer import Layer
from pykeras.trainers.compile_state import CompileState
from pykeras.trainers.trainer import Trainer


def _mlp(outputs=1):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    hidden = layers.Dense(4, activation="relu", name="hidden")(inputs)
    heads = [layers.Dense(1 + i, name=f"head_{i}")(hidden) for i in range(outputs)]
    return keras.Model(inputs, heads if outputs > 1 else heads[0])


def _data(n=16):
    rng = np.random.default_rng(0)
    return rng.random((n, 3), np.float32), rng.random((n, 1), np.float32)


# ------------------------------------------------------------------ parts


def test_model_inherits_only_from_layer_and_holds_its_parts():
    assert keras.Model.__bases__ == (Layer,)
    model = _mlp()
    assert isinstance(model._trainer, Trainer) and model._trainer.model is model
    assert model._compiled is None and not model.compiled
    model.compile("sgd", "mse", metrics=["mae"])
    assert isinstance(model._compiled, CompileState)
    assert model.compiled and model.loss == "mse"
    assert model._compiled.metrics == ["mae"]


def test_compile_state_is_replaced_by_each_compile_and_steps_are_rebuilt():
    model = _mlp()
    x, y = _data()
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    first = model._compiled
    assert model._trainer.runner.steps
    model.compile("adam", "mae", metrics=["mse"])
    assert model._compiled is not first and not model._trainer.runner.steps
    logs = model.fit(x, y, epochs=1, verbose=0).history
    assert set(logs) == {"loss", "mse"}


def test_keras_attributes_keep_working():
    model = _mlp()
    with pytest.raises(AttributeError, match="optimizer"):
        model.optimizer  # noqa: B018  (not compiled yet)
    assert model.steps_per_execution == 1 and not model.stop_training
    model.compile(keras.optimizers.SGD(0.1), "mse", steps_per_execution=4)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert model.steps_per_execution == 4 and model.jit_compile
    replacement = keras.optimizers.Adam(0.01)
    model.optimizer = replacement  # as callbacks and scripts do
    x, y = _data()
    history = model.fit(x, y, epochs=2, verbose=0)
    assert model.history is history and int(replacement.iterations) == 2
    model.compile("sgd", "mse", run_eagerly=True)
    assert model.run_eagerly and not model.jit_compile


def test_a_failed_compile_leaves_the_model_as_it_was():
    model = _mlp()
    model.compile("sgd", "mse")
    before = (model._compiled, model.optimizer)
    with pytest.raises(ValueError):
        model.compile("adam", "no_such_loss")
    assert (model._compiled, model.optimizer) == before


def test_typos_still_get_a_hint():
    with pytest.raises(AttributeError, match="Did you mean 'evaluate'"):
        _mlp().evalutate  # noqa: B018


def test_overridden_hooks_are_called_on_the_model():
    calls = []

    class Counting(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            calls.append(training)
            return super().compute_loss(x, y, y_pred, sample_weight, training)

    inputs = keras.Input((3,))
    model = Counting(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    x, y = _data()
    model.fit(x, y, epochs=1, verbose=0)
    assert calls  # traced once into the step, at least
    assert model._overrides_step_hooks(True) and not _mlp()._overrides_step_hooks(True)


# ------------------------------------------------------------------ step results


def test_steps_report_typed_results():
    model = _mlp(outputs=2)
    model.compile("sgd", ["mse", "mae"], metrics=["mae"])
    x, _ = _data()
    ys = [np.ones((16, 1), np.float32), np.zeros((16, 2), np.float32)]
    runner = model._trainer.runner
    prepared = model._trainer._prepare("evaluate", x, ys, None, None)
    step = runner.step(prepared, training=False)
    results = runner.run(step, prepared, False, None, 4, 0, 4, 0)
    assert isinstance(results, _core.StepResults) and len(results) == 4
    assert results.batch_sizes.tolist() == [4.0] * 4
    assert results.loss.shape == (4,)
    assert [a.shape for a in results.output_losses] == [(4,), (4,)]
    np.testing.assert_allclose(
        results.loss, results.output_losses[0] + results.output_losses[1], rtol=1e-6
    )
    assert len(results.metric_states) == len(step.reported_metrics) == 2
    assert all(s.ndim == 2 and s.shape[0] == 4 for m in results.metric_states for s in m)
    assert results.logged == []


def test_several_outputs_with_sample_weights_train_and_evaluate():
    model = _mlp(outputs=2)
    model.compile("sgd", ["mse", "mse"])
    x, ya = _data()
    yb = np.ones((16, 2), np.float32)
    sw0, sw1 = np.ones(16), np.arange(16.0)
    logs = model.evaluate(x, [ya, yb], sample_weight=[sw0, sw1], verbose=0, return_dict=True)
    pa, pb = model.predict(x, verbose=0)
    expect_a = np.sum(np.mean((pa - ya) ** 2, axis=-1) * sw0) / 16
    expect_b = np.sum(np.mean((pb - yb) ** 2, axis=-1) * sw1) / 16
    np.testing.assert_allclose(logs["head_0_loss"], expect_a, rtol=1e-5)
    np.testing.assert_allclose(logs["head_1_loss"], expect_b, rtol=1e-5)
    model.fit(x, [ya, yb], sample_weight=[sw0, sw1], epochs=1, verbose=0)


# ------------------------------------------------------------------ optimizer config


def test_optimizer_config_is_typed():
    config = _core.OptimizerConfig("adam", learning_rate=0.01, beta_1=0.8, amsgrad=True)
    assert (config.kind, config.learning_rate, config.beta_1, config.amsgrad) == (
        "adam",
        0.01,
        0.8,
        True,
    )
    assert config.beta_2 is None and config.schedule is None
    native = _core.Optimizer(config)
    assert native.learning_rate == pytest.approx(0.01)
    scheduled = _core.OptimizerConfig(
        "sgd",
        schedule=(
            "ExponentialDecay",
            {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
        ),
    )
    assert scheduled.schedule == "ExponentialDecay"
    assert _core.Optimizer(scheduled).has_schedule


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("beta_1", "0.9", "a float"),
        ("learning_rate", True, "a float"),
        ("amsgrad", 1, "a bool"),
        ("gradient_accumulation_steps", 2.0, "an int"),
    ],
)
def test_optimizer_config_names_the_field_of_the_wrong_type(field, value, kind):
    with pytest.raises(TypeError, match=f"`{field}` must be {kind}"):
        _core.OptimizerConfig("adam", **{field: value})


def test_optimizers_build_their_native_optimizer_from_a_typed_config():
    opt = keras.optimizers.RMSprop(0.01, rho=0.8, centered=True)
    config = opt._native_config()
    assert isinstance(config, _core.OptimizerConfig)
    assert (config.kind, config.rho, config.centered) == ("rmsprop", 0.8, True)
    with pytest.raises(TypeError, match="`beta_1` must be a float"):
        keras.optimizers.Adam(beta_1="high")
    with pytest.raises(keras.errors.InvalidArgumentError, match="unknown attribute 'beta_1'"):
        _core.Optimizer(_core.OptimizerConfig("sgd", beta_1=0.9))
