"""Muon, ScheduleFreeAdamW, MultiOptimizer and OptimizerMap against Keras 3.

The reference data comes from tests/reference/make_optimizer_more_reference.py,
run with Keras 3 on JAX: 20 steps of fixed gradients on variables named as a
model's (`dense/kernel`, `dense/bias`, `embedding/embeddings`, `out/kernel`),
so that Muon's AdamW fallback and OptimizerMap's path patterns apply. The
updates run in Rust (rust/optim/muon.rs, schedule_free.rs, multi.rs), inside
`fit`'s compiled loop as well, where a MultiOptimizer is one native optimizer
that dispatches each gradient to its sub-optimizer's rule.
"""

import json
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras import optimizers
from pykeras.backend import Variable
from pykeras.optimizers import MultiOptimizer, OptimizerMap, schedules

DATA = os.path.join(os.path.dirname(__file__), "..", "reference", "data")
with open(os.path.join(DATA, "optimizer_more.json")) as f:
    REF = json.load(f)
ARRAYS = dict(np.load(os.path.join(DATA, "optimizer_more.npz")))

# The bar for trajectories: rtol 2e-3 over 20 steps (XLA's float32
# matmuls, norms and pow differ from pykeras's by ulps).
RTOL, ATOL = 2e-3, 1e-5


def split(flat, shapes):
    out, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        out.append(flat[start : start + size].reshape(shape))
        start += size
    return out


def make_variables():
    values = split(ARRAYS["init"], REF["shapes"])
    return [Variable(v, name=p.split("/")[1], path=p) for v, p in zip(values, REF["paths"])]


def make(class_name, kwargs, name=None):
    kwargs = dict(kwargs)
    if name is not None:
        kwargs["name"] = name
    lr = kwargs.get("learning_rate")
    if isinstance(lr, dict):
        kwargs["learning_rate"] = schedules.deserialize(lr["schedule"])
    if class_name == "MultiOptimizer":
        spec = kwargs.pop("multi")
        mapping = OptimizerMap(
            make(*spec["default"]), {k: make(*v) for k, v in spec["map"].items()}
        )
        return MultiOptimizer(mapping, **spec["kwargs"])
    return getattr(optimizers, class_name)(**kwargs)


@pytest.fixture(scope="module", autouse=True)
def fresh_names():
    """Keras recorded these cases in a fresh session, in this order: automatic
    optimizer names (`multi_optimizer`, `multi_optimizer_1`) follow from that,
    not from the test files run before this one."""
    keras.backend.clear_session()


def json_normal(value):
    return json.loads(json.dumps(value))


def check_state(opt, spec, case):
    assert [v.path for v in opt.variables] == spec["variable_paths"]
    assert [list(v.shape) for v in opt.variables] == spec["variable_shapes"]
    state = np.concatenate([np.ravel(np.asarray(v.numpy(), np.float32)) for v in opt.variables])
    np.testing.assert_allclose(state, ARRAYS[f"{case}/state"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", sorted(REF["cases"]))
def test_trajectories_state_and_config_match_keras(case):
    spec = REF["cases"][case]
    opt = make(spec["class_name"], spec["kwargs"], name=case)
    variables = make_variables()
    grads = ARRAYS["grads"]
    for step in range(REF["steps"]):
        opt.apply_gradients(zip(split(grads[step], REF["shapes"]), variables))
        got = np.concatenate([np.ravel(v.numpy()) for v in variables])
        np.testing.assert_allclose(
            got,
            ARRAYS[f"{case}/trajectory"][step],
            rtol=RTOL,
            atol=ATOL,
            err_msg=f"{case}: after step {step}",
        )
    assert int(opt.iterations) == spec["iterations"]
    check_state(opt, spec, case)
    assert json_normal(opt.get_config()) == spec["config"]


@pytest.mark.parametrize("class_name", sorted(REF["default_configs"]))
def test_default_configs_match_keras(class_name):
    config = getattr(optimizers, class_name)().get_config()
    config.pop("name")
    assert json_normal(config) == REF["default_configs"][class_name]


def numpy_newton_schulz(x, steps=5, abc=(3.4445, -4.7750, 2.0315)):
    a, b, c = abc
    tall = x.shape[0] > x.shape[1]
    x = x.T if tall else x
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(1, 40),
    cols=st.integers(1, 40),
    seed=st.integers(0, 2**16),
    nesterov=st.booleans(),
)
def test_muon_step_matches_numpy(rows, cols, seed, nesterov):
    """One Muon step on a 2-D variable: momentum, Newton-Schulz, RMS scaling."""
    rng = np.random.RandomState(seed)
    w0 = rng.randn(rows, cols).astype(np.float32)
    g = rng.randn(rows, cols).astype(np.float32)
    variable = Variable(w0, name="kernel", path="dense/kernel")
    opt = optimizers.Muon(learning_rate=0.05, weight_decay=None, nesterov=nesterov)
    opt.apply_gradients([(g, variable)])
    m = g.astype(np.float64)  # m starts at 0: m = 0 + g + 0 * (momentum - 1)
    update = g + 0.95 * m if nesterov else m
    want = w0 - 0.05 * numpy_newton_schulz(update) * np.sqrt(max(rows, cols)) * 0.2
    # Five float32 polynomial iterations amplify rounding (Keras's too).
    np.testing.assert_allclose(variable.numpy(), want, rtol=1e-3, atol=1e-4)


def _model(seed, embedding=False):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((5,))
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    hidden = keras.layers.Dense(6, activation="tanh", name="encoder")(hidden)
    return keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden))


def _multi():
    return MultiOptimizer(
        OptimizerMap(
            optimizers.SGD(learning_rate=0.05, momentum=0.9),
            {".*encoder/.*": optimizers.Adam(learning_rate=0.01)},
        )
    )


def _multi_by_function():
    adam = optimizers.Adam(learning_rate=0.01)
    muon = optimizers.Muon(learning_rate=0.01, exclude_layers=["out"])

    def choose(variable):
        return muon if "hidden" in variable.path else adam

    return MultiOptimizer(choose)


MAKERS = [
    lambda: optimizers.Muon(learning_rate=0.01, exclude_layers=["out"]),
    lambda: optimizers.Muon(
        learning_rate=schedules.CosineDecay(0.02, decay_steps=6), nesterov=False, rms_rate=None
    ),
    lambda: optimizers.ScheduleFreeAdamW(learning_rate=0.01, warmup_steps=3),
    _multi,
    _multi_by_function,
]


def _data():
    rng = np.random.RandomState(0)
    return rng.randn(32, 5).astype(np.float32), rng.randn(32, 1).astype(np.float32)


@pytest.mark.parametrize("make_optimizer", MAKERS)
def test_fit_runs_the_native_update_like_apply_gradients(make_optimizer):
    """`fit`'s compiled Rust loop and eager `apply_gradients` give the same weights."""
    x, y = _data()
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
    if isinstance(opt, MultiOptimizer):
        counts = [int(o.iterations) for o in fitted.optimizer.optimizers]
        assert counts == [int(o.iterations) for o in opt.optimizers] == [8] * len(counts)
        np.testing.assert_allclose(
            np.concatenate([np.ravel(w) for w in fitted.optimizer.get_weights()]),
            np.concatenate([np.ravel(w) for w in opt.get_weights()]),
            rtol=1e-4,
            atol=1e-6,
        )


@pytest.mark.parametrize("make_optimizer", MAKERS[:4])
def test_keras_file_keeps_config_and_state(tmp_path, make_optimizer):
    x, y = _data()
    model = _model(4)
    model.compile(optimizer=make_optimizer(), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert json_normal(loaded.optimizer.get_config()) == json_normal(model.optimizer.get_config())
    assert [v.path for v in loaded.optimizer.variables] == [
        v.path for v in model.optimizer.variables
    ]
    for a, b in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Training on continues identically from the restored state.
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_multi_optimizer_by_function_round_trips_with_custom_objects():
    opt = _multi_by_function()
    opt.build(_model(1).trainable_weights)
    config = optimizers.serialize(opt)
    with pytest.raises(ValueError, match="custom_objects"):
        optimizers.deserialize(config)
    chooser = opt._optimizer_map
    assert config["config"]["optimizer_map"]["class_name"] == "function"
    again = optimizers.deserialize(config, custom_objects={"choose": chooser})
    assert isinstance(again, MultiOptimizer) and again._optimizer_map is chooser
    with pytest.raises(ValueError, match="custom_objects"):
        optimizers.deserialize(
            {**config, "config": {**config["config"], "optimizer_map": {"config": "nope"}}}
        )


def test_optimizer_map_matches_as_keras_does():
    adam, sgd, rms = optimizers.Adam(), optimizers.SGD(), optimizers.RMSprop()
    mapping = OptimizerMap(default_optimizer=rms)
    mapping["encoder/layer_0/dense"] = adam
    mapping["encoder/.*"] = sgd
    mapping["decoder"] = adam
    assert mapping["decoder"] is adam
    assert mapping["encoder/layer_0/dense"] is adam
    assert mapping["encoder/layer_0/attention/query"] is sgd
    assert mapping["decoder/layer_0/dense"] is rms
    assert len(mapping) == 3 and sorted(mapping) == sorted(mapping.keys())
    mapping["dec.*"] = sgd
    mapping["deco.*"] = adam
    with pytest.raises(ValueError, match="Multiple optimizers"):
        mapping["decoder/x"]
    with pytest.raises(ValueError, match="already exists"):
        mapping["decoder"] = sgd
    with pytest.raises(ValueError, match="LossScaleOptimizer"):
        mapping["x"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    with pytest.raises(TypeError, match="default_optimizer"):
        OptimizerMap("adam")
    with pytest.raises(TypeError, match="dictionary"):
        OptimizerMap(adam, [("a", sgd)])


def test_multi_optimizer_refuses_what_keras_refuses():
    opt = _multi()
    with pytest.raises(AttributeError, match="sub-optimizers"):
        opt.learning_rate  # noqa: B018
    with pytest.raises(AttributeError, match="sub-optimizers"):
        opt.learning_rate = 0.1
    with pytest.raises(TypeError, match="OptimizerMap or a callable"):
        MultiOptimizer("sgd")
    inner = optimizers.SGD()
    MultiOptimizer(OptimizerMap(inner))
    with pytest.raises(ValueError, match="already a sub-optimizer"):
        MultiOptimizer(OptimizerMap(inner))
    nested = MultiOptimizer(lambda v: opt)
    with pytest.raises(ValueError, match="MultiOptimizer"):
        nested.build([Variable(np.zeros(2, np.float32), name="v")])
    # A sub-optimizer trains only through its MultiOptimizer.
    model = _model(0)
    opt.build(model.trainable_weights)
    sub = opt.optimizers[0]
    with pytest.raises(ValueError, match="sub-optimizer of a MultiOptimizer"):
        sub._native(sub._trainable_variables)


def test_sub_optimizer_settings_change_in_place():
    """Changing a sub-optimizer's hyper-parameter or rate keeps its state in the parent."""
    opt = _multi()
    variables = _model(2).trainable_weights
    grads = [np.ones(v.shape, np.float32) for v in variables]
    opt.apply_gradients(zip(grads, variables))
    sgd, adam = opt.optimizers[1], opt.optimizers[0]
    before = [w.copy() for w in sgd.get_weights()]
    sgd.momentum = 0.5
    sgd.learning_rate = 0.2
    assert float(sgd.learning_rate) == pytest.approx(0.2)
    for a, b in zip(sgd.get_weights()[2:], before[2:]):
        np.testing.assert_array_equal(a, b)
    opt.loss_scale_factor = 2.0
    assert adam.loss_scale_factor == sgd.loss_scale_factor == 2.0
    opt.apply_gradients(zip(grads, variables))
    assert int(opt.iterations) == 2 and int(sgd.iterations) == int(adam.iterations) == 2


def test_bad_arguments_raise():
    with pytest.raises(TypeError, match="exclude_layers"):
        optimizers.Muon(exclude_layers=[3])
    with pytest.raises(ValueError, match="ns_steps"):
        optimizers.Muon(ns_steps=-1)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.ScheduleFreeAdamW(beta_1=0.0)
    with pytest.raises(ValueError, match="warmup_steps"):
        optimizers.ScheduleFreeAdamW(warmup_steps=-2)
    with pytest.raises(TypeError, match="unexpected keyword argument `momentun`"):
        optimizers.Muon(momentun=0.9)
