"""LossScaleOptimizer against Keras 3: the weights, `dynamic_scale`,
`step_counter` and `iterations` after each step of fixed gradients (NaN and
inf steps included), the variables, `scale_loss`, the config, and a `fit` run.

The fixture is written by tests/reference/make_loss_scale_reference.py.
"""

import json
import os

import numpy as np
import pytest

import pykeras as keras
from pykeras import optimizers
from pykeras.backend import Variable

DATA = os.path.join(
    os.path.dirname(__file__), "..", "reference", "data", "loss_scale_optimizer.json"
)
with open(DATA) as f:
    REF = json.load(f)
CASES = REF["cases"]


def decode(value):
    """A fixture array: non-finite entries were written as strings."""
    return np.array(value, dtype=object).astype(np.float32)


def json_normal(value):
    return json.loads(json.dumps(value))


def make(case):
    inner_class, inner_kwargs = case["inner"]
    inner = getattr(optimizers, inner_class)(**inner_kwargs)
    return optimizers.LossScaleOptimizer(inner, **case["kwargs"])


def make_variables(case):
    return [
        Variable(np.array(a, np.float32), name=n) for a, n in zip(case["initial"], REF["names"])
    ]


def check_step(opt, variables, expected, where):
    assert float(opt.dynamic_scale) == expected["dynamic_scale"], where
    assert int(opt.step_counter) == expected["step_counter"], where
    assert int(opt.iterations) == expected["iterations"], where
    for v, w in zip(variables, expected["weights"]):
        np.testing.assert_allclose(v.numpy(), w, rtol=1e-6, atol=1e-6, err_msg=where)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("call", ["apply_gradients", "apply"])
def test_trajectory_matches_keras(name, call):
    case = CASES[name]
    opt = make(case)
    assert opt.scale_loss(1.5) == case["unbuilt_scale_loss"]
    variables = make_variables(case)
    opt.build(variables)
    for step, (grads, expected) in enumerate(zip(case["grads"], case["trajectory"])):
        grads = [decode(g) for g in grads]
        if call == "apply":
            opt.apply(grads)
        else:
            opt.apply_gradients(zip(grads, variables))
        check_step(opt, variables, expected, f"{name} step {step}")
    assert opt.scale_loss(1.5) == case["scale_loss"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_variables_and_config_match_keras(name):
    case = CASES[name]
    opt = make(case)
    variables = make_variables(case)
    for grads in case["grads"]:
        opt.apply_gradients(zip([decode(g) for g in grads], variables))
    got = opt.variables
    assert len(got) == len(case["variables"])
    own = len([v for v in case["variables"] if v["path"].startswith("loss_scale_optimizer")])
    assert own == 4
    for i, (v, ref) in enumerate(zip(got, case["variables"])):
        # Optimizer names are made unique per process: compare past the prefix.
        assert v.path.split("/", 1)[1] == ref["path"].split("/", 1)[1]
        assert v.path.split("/", 1)[0] == (opt.name if i < own else opt.inner_optimizer.name)
        assert v.name == ref["name"]
        # pykeras counts in int64 where Keras on JAX has int32.
        assert np.dtype(v.dtype).kind == np.dtype(ref["dtype"]).kind
        np.testing.assert_allclose(np.asarray(v), ref["value"], rtol=1e-6, atol=1e-6)
    config = json_normal(opt.get_config())
    expected = dict(case["config"])
    assert config["inner_optimizer"]["config"].pop("name") is not None
    expected["inner_optimizer"] = json_normal(expected["inner_optimizer"])
    expected["inner_optimizer"]["config"].pop("name")
    assert config["name"] == opt.name and config["name"].startswith("loss_scale_optimizer")
    config.pop("name")
    expected.pop("name")
    assert config == expected


def test_state_round_trips_through_weights_and_config():
    case = CASES["adam_custom_scale"]
    opt = make(case)
    variables = make_variables(case)
    for grads in case["grads"][:8]:
        opt.apply_gradients(zip([decode(g) for g in grads], variables))
    again = optimizers.deserialize(json_normal(optimizers.serialize(opt)))
    assert isinstance(again, optimizers.LossScaleOptimizer)
    assert float(again.dynamic_scale) == case["kwargs"]["initial_scale"]
    copies = [Variable(v.numpy(), name=v.name) for v in variables]
    again.build(copies)
    again.set_weights(opt.get_weights())
    assert float(again.dynamic_scale) == case["trajectory"][7]["dynamic_scale"]
    for step, (grads, expected) in enumerate(zip(case["grads"][8:], case["trajectory"][8:])):
        again.apply_gradients(zip([decode(g) for g in grads], copies))
        check_step(again, copies, expected, f"step {step + 8} after set_weights")
    store = {}
    again.save_own_variables(store)
    assert len(store) == len(case["variables"])
    np.testing.assert_allclose(store["3"], case["variables"][3]["value"])


def test_dynamic_scale_variable_assigns():
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.5), initial_scale=8.0)
    v = Variable(np.ones(2, np.float32))
    opt.build([v])
    assert opt.dynamic_scale.path == f"{opt.name}/dynamic_scale"
    opt.dynamic_scale.assign(2.0)
    opt.apply([np.array([2.0, 4.0], np.float32)])
    np.testing.assert_allclose(v.numpy(), [0.5, 0.0])
    assert int(opt.step_counter) == 1 and float(opt.scale_loss(3.0)) == 6.0


def test_fit_matches_keras():
    ref = REF["fit"]
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")])
    model.set_weights([np.array(w, np.float32) for w in ref["initial"]])
    opt = make(ref)
    model.compile(optimizer=opt, loss="mse")
    history = model.fit(
        np.array(ref["x"], np.float32),
        np.array(ref["y"], np.float32),
        batch_size=ref["batch_size"],
        epochs=ref["epochs"],
        shuffle=False,
        verbose=0,
    )
    for got, want in zip(model.get_weights(), ref["weights"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"], ref["loss"], rtol=1e-5)
    assert float(opt.dynamic_scale) == ref["dynamic_scale"]
    assert int(opt.step_counter) == ref["step_counter"]
    assert int(opt.iterations) == ref["iterations"]
