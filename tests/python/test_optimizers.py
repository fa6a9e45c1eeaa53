"""pykeras.optimizers against Keras 3: recorded steps, configs, schedules, errors.

The reference data comes from tests/reference/make_optimizer_reference.py, run
with Keras 3 on JAX; these tests replay the same gradients with pykeras.
"""

import json
import os
import warnings

import numpy as np
import pytest

import pykeras as keras
from pykeras import _core, optimizers
from pykeras.backend import Variable
from pykeras.optimizers import schedules

DATA = os.path.join(os.path.dirname(__file__), "..", "reference", "data")
with open(os.path.join(DATA, "optimizer_steps.json")) as f:
    REF = json.load(f)
ARRAYS = dict(np.load(os.path.join(DATA, "optimizer_steps.npz")))

# Keras runs each op in float32 on XLA, whose pow and cos differ from libm's
# by an ulp now and then; five steps keep the drift within a few ulps.
RTOL, ATOL = 1e-6, 1e-7


def json_normal(value):
    """The value as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value))


def make_variables():
    return [
        Variable(ARRAYS[f"init/var{i}"], name=name, path=name)
        for i, name in enumerate(REF["names"])
    ]


def build(case):
    spec = REF["cases"][case]
    kwargs = dict(spec["kwargs"])
    if isinstance(kwargs.get("learning_rate"), dict):
        kwargs["learning_rate"] = schedules.deserialize(kwargs["learning_rate"]["schedule"])
    return getattr(optimizers, spec["class_name"])(name=case, **kwargs)


def grads_at(step):
    return [ARRAYS[f"grad/step{step}/var{i}"] for i in range(len(REF["names"]))]


@pytest.mark.parametrize("case", sorted(REF["cases"]))
def test_steps_match_keras(case):
    spec = REF["cases"][case]
    opt = build(case)
    variables = make_variables()
    for step in range(REF["steps"]):
        np.testing.assert_allclose(
            float(opt.learning_rate), spec["learning_rates"][step], rtol=1e-6, err_msg=case
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

    state = opt.variables
    # Nadam's momentum product is unnamed in Keras, so Keras numbers it
    # globally (`variable`, `variable_1`, ...); pykeras keeps `variable`.
    paths = [
        p.split("/variable_")[0] + "/variable" if "/variable_" in p else p
        for p in spec["variable_paths"]
    ]
    assert [v.path for v in state] == paths
    for j, v in enumerate(state):
        np.testing.assert_allclose(
            v.numpy(), ARRAYS[f"{case}/optvar{j}"], rtol=RTOL, atol=ATOL, err_msg=v.path
        )
    assert json_normal(opt.get_config()) == spec["config"]


@pytest.mark.parametrize("class_name", sorted(REF["default_configs"]))
def test_default_config_matches_keras(class_name):
    config = getattr(optimizers, class_name)().get_config()
    assert config.pop("name").startswith(keras.backend.naming.to_snake_case(class_name))
    assert json_normal(config) == REF["default_configs"][class_name]


@pytest.mark.parametrize("key", sorted(REF["schedules"]))
def test_schedule_values_and_config_match_keras(key):
    spec = REF["schedules"][key]
    schedule = getattr(schedules, spec["class_name"])(**spec["config"])
    got = [float(schedule(step)) for step in range(len(spec["values"]))]
    np.testing.assert_allclose(got, spec["values"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(
        schedule(np.arange(len(spec["values"]))), spec["values"], rtol=1e-6, atol=1e-9
    )
    assert json_normal(schedule.get_config()) == spec["get_config"]
    again = schedules.deserialize(json_normal(schedules.serialize(schedule)))
    assert type(again) is type(schedule)
    assert again.get_config() == schedule.get_config()


def test_config_round_trip_and_get():
    sched = schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=10)
    for opt in [
        optimizers.Adam(learning_rate=0.01, amsgrad=True, clipnorm=1.0),
        optimizers.SGD(learning_rate=sched, momentum=0.5),
        optimizers.RMSprop(centered=True),
        optimizers.AdamW(weight_decay=0.1),
    ]:
        config = opt.get_config()
        clone = type(opt).from_config(config)
        assert clone.get_config() == config
        serialized = optimizers.serialize(opt)
        assert serialized["module"] == "keras.optimizers"
        assert serialized["class_name"] == type(opt).__name__
        assert optimizers.deserialize(json_normal(serialized)).get_config() == json_normal(config)

    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("adamw"), optimizers.AdamW)
    assert optimizers.get({"class_name": "SGD", "config": {"momentum": 0.5}}).momentum == 0.5
    opt = optimizers.Nadam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    assert optimizers.get("sgd").get_config()["learning_rate"] == 0.009999999776482582


def test_unknown_optimizer_name_lists_known_names():
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamm'") as info:
        optimizers.get("adamm")
    message = str(info.value)
    assert "Did you mean 'Adam'" in message
    assert "RMSprop" in message and "SGD" in message
    assert isinstance(optimizers.get("muon"), optimizers.Muon)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(3)


def test_lr_alias_warns_and_conflicts():
    with pytest.warns(DeprecationWarning, match="`lr` argument is deprecated"):
        opt = optimizers.Adam(lr=0.05)
    assert float(opt.learning_rate) == pytest.approx(0.05)
    with pytest.raises(TypeError, match="both `learning_rate` and its deprecated alias `lr`"):
        optimizers.SGD(learning_rate=0.1, lr=0.2)
    # the default value given explicitly still counts as given
    with pytest.warns(DeprecationWarning):
        assert float(optimizers.SGD(lr=0.3).learning_rate) == pytest.approx(0.3)


def test_unknown_kwarg_is_a_type_error_with_a_suggestion():
    with pytest.raises(TypeError, match="unexpected keyword argument `momentom`") as info:
        optimizers.SGD(momentom=0.9)
    assert "Did you mean `momentum`?" in str(info.value)
    with pytest.raises(TypeError, match="`beta1`.*Did you mean `beta_1`"):
        optimizers.Adam(beta1=0.8)
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        optimizers.SGD(decay=0.1)


def test_unsupported_keras_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.Adam(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="ema_overwrite_frequency"):
        optimizers.Adam(use_ema=True, ema_overwrite_frequency=-2)
    with pytest.raises(ValueError, match="must be an integer >= 2"):
        optimizers.Adam(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="Only one of `clipnorm`"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="`momentum` must be a float"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="length of boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1])


def test_learning_rate_setter():
    opt = optimizers.SGD(learning_rate=0.1)
    opt.learning_rate = 0.05
    assert float(opt.learning_rate) == pytest.approx(0.05)
    assert opt.get_config()["learning_rate"] == float(np.float32(0.05))
    assert opt.learning_rate.numpy().dtype == np.float32

    scheduled = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 1, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        scheduled.learning_rate = 0.01

    opt.learning_rate = schedules.PiecewiseConstantDecay([0], [1.0, 0.5])
    assert float(opt.learning_rate) == 1.0
    v = Variable(np.zeros(2, np.float32))
    opt.apply_gradients([(np.ones(2, np.float32), v)])
    assert float(opt.learning_rate) == 0.5
    np.testing.assert_allclose(v.numpy(), [-1.0, -1.0])


def test_apply_gradients_edge_cases():
    a = Variable(np.ones((2, 2), np.float32), name="a", path="a")
    b = Variable(np.ones(3, np.float32), name="b", path="b")
    opt = optimizers.SGD(learning_rate=0.5)
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        opt.apply_gradients([(np.ones((2, 2)), a), (None, b)])
    np.testing.assert_allclose(a.numpy(), 0.5)
    np.testing.assert_allclose(b.numpy(), 1.0)
    assert int(opt.iterations) == 1
    assert opt.iterations.numpy() == 1

    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, a)])
    c = Variable(np.ones(1, np.float32))
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(np.ones(1), c)])
    with pytest.raises(keras.errors.ShapeError):
        opt.apply_gradients([(np.ones(5), a)])

    opt.apply([np.ones((2, 2)), np.ones(3)])
    np.testing.assert_allclose(a.numpy(), 0.0)
    np.testing.assert_allclose(b.numpy(), 0.5)


def test_state_save_and_restore_continues_identically():
    def run(opt, variables, steps):
        for step in steps:
            opt.apply_gradients(zip(grads_at(step), variables))

    reference_vars = make_variables()
    reference = optimizers.Nadam(learning_rate=0.01)
    run(reference, reference_vars, range(5))

    first_vars = make_variables()
    first = optimizers.Nadam(learning_rate=0.01)
    run(first, first_vars, range(2))
    store = {}
    first.save_own_variables(store)
    assert len(store) == len(first.variables) == 7
    assert store["0"].dtype == np.int64 and int(store["0"]) == 2

    restored = optimizers.Nadam(learning_rate=0.01)
    restored.build(first_vars)
    restored.load_own_variables(store)
    assert int(restored.iterations) == 2
    run(restored, first_vars, range(2, 5))
    for got, want in zip(first_vars, reference_vars):
        np.testing.assert_array_equal(got.numpy(), want.numpy())

    weights = restored.get_weights()
    restored.set_weights(weights)
    state = restored.variables
    state[2].assign(np.zeros(state[2].shape))
    np.testing.assert_array_equal(restored.variables[2].numpy(), 0.0)


def test_native_optimizer_for_trainers():
    variables = make_variables()
    opt = optimizers.Adam()
    native = opt._native(variables)
    assert isinstance(native, _core.Optimizer)
    assert opt._native(variables) is native
    assert opt.built
    native.apply([v.handle.id for v in variables], grads_at(0))
    assert int(opt.iterations) == 1

    custom = optimizers.SGD(learning_rate=lambda: 0.1)
    with pytest.raises(NotImplementedError, match="learning rate computed in Python"):
        custom._native(variables)


def test_custom_schedule_runs_in_eager_steps():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 1.0 / 2 ** int(step)

        def get_config(self):
            return {}

    v = Variable(np.zeros(1, np.float32))
    opt = optimizers.SGD(learning_rate=Halving())
    for _ in range(3):
        opt.apply_gradients([(np.ones(1, np.float32), v)])
    np.testing.assert_allclose(v.numpy(), [-1.75])
    assert float(opt.learning_rate) == 0.125


def test_weight_decay_exclusion_and_constraints():
    a = Variable(np.full(2, 2.0, np.float32), name="kernel", path="dense/kernel")
    b = Variable(np.full(2, 2.0, np.float32), name="bias", path="dense/bias")
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(np.zeros(2), a), (np.zeros(2), b)])
    np.testing.assert_allclose(a.numpy(), 2.0 - 2.0 * 0.5 * 0.1)
    np.testing.assert_allclose(b.numpy(), 2.0)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])

    c = Variable(np.ones(2, np.float32), constraint=lambda w: np.clip(w, 0.0, 0.95))
    optimizers.SGD(learning_rate=-1.0).apply_gradients([(np.ones(2), c)])
    np.testing.assert_allclose(c.numpy(), 0.95)


def test_hyperparameters_can_change_before_and_after_build():
    v = Variable(np.zeros(1, np.float32))
    opt = optimizers.SGD(learning_rate=1.0)
    opt.clipvalue = 0.25
    opt.apply_gradients([(np.ones(1), v)])
    np.testing.assert_allclose(v.numpy(), [-0.25])
    opt.clipvalue = None
    opt.apply_gradients([(np.ones(1), v)])
    np.testing.assert_allclose(v.numpy(), [-1.25])
    assert int(opt.iterations) == 2
    with pytest.raises(ValueError, match="state layout"):
        opt.momentum = 0.9


def test_optimizer_variables_before_build_and_names():
    opt = optimizers.Adam(name="opt")
    assert [v.path for v in opt.variables] == ["opt/iteration", "opt/learning_rate"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        repr(opt)
    assert keras.optimizers is optimizers
