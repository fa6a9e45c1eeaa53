"""Records Keras 3's LossScaleOptimizer for
tests/python/test_loss_scale_optimizer_keras.py to replay.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_loss_scale_reference.py

For each case it wraps an inner optimizer (SGD with momentum, Adam), builds
it on two variables and applies a fixed sequence of gradients, some holding
NaN or inf (Keras skips those steps and halves the scale), with a small
`dynamic_growth_steps` so that the scale doubles too. On JAX, Keras's
stateful `apply` cannot run outside a jitted function (its `ops.cond`
assigns variables, which JAX refuses), so each step is Keras's JAX path:
`stateless_apply` on the optimizer's variables, whose results are assigned
back, as Keras's own tests and `fit` do. After every step it records the
variables, `dynamic_scale`, `step_counter` and `iterations`; at the end the
whole `optimizer.variables` (paths, dtypes, values), `scale_loss(1.5)` and
`get_config()`. One `fit` run (a Dense model, mse, two epochs) records the
weights, the loss history and the scale state after it.
Output: tests/reference/data/loss_scale_optimizer.json.
"""

import json
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import optimizers  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
SHAPES = [(2, 3), (3,)]
NAMES = ["kernel", "bias"]

# Which steps get a non-finite value in their first gradient.
NON_FINITE = {2: np.nan, 7: np.inf, 8: -np.inf}
STEPS = 13

# case name -> (inner class, inner kwargs, LossScaleOptimizer kwargs, gradient
# multiplier: gradients are drawn as N(0, 1) times it, so that unscaled by the
# loss scale they make visible updates).
CASES = {
    "sgd_momentum_default_scale": (
        "SGD",
        {"learning_rate": 0.1, "momentum": 0.9},
        {"dynamic_growth_steps": 3},
        2.0**15,
    ),
    "sgd_nesterov_defaults": (
        "SGD",
        {"learning_rate": 0.05, "momentum": 0.5, "nesterov": True},
        {},
        2.0**15,
    ),
    "adam_default_scale": ("Adam", {"learning_rate": 0.01}, {"dynamic_growth_steps": 4}, 1000.0),
    "adam_custom_scale": (
        "Adam",
        {"learning_rate": 0.02, "beta_1": 0.8, "amsgrad": True},
        {"initial_scale": 1000.0, "dynamic_growth_steps": 2},
        300.0,
    ),
}


def gradients(multiplier):
    rng = np.random.default_rng(7)
    steps = []
    for step in range(STEPS):
        grads = [(rng.normal(size=s) * multiplier).astype("float32") for s in SHAPES]
        if step in NON_FINITE:
            grads[0][0, 1] = NON_FINITE[step]
        steps.append(grads)
    return steps


def encode(array):
    """A JSON value for a float array: non-finite entries as strings."""
    array = np.asarray(array)
    if array.dtype.kind in "iu":
        return array.tolist()
    return np.vectorize(lambda x: x if np.isfinite(x) else str(x), otypes=[object])(
        array.astype("float64")
    ).tolist()


def state(opt, variables):
    return {
        "weights": [np.asarray(v).tolist() for v in variables],
        "dynamic_scale": float(opt.dynamic_scale),
        "step_counter": int(opt.step_counter),
        "iterations": int(opt.iterations),
    }


def run_case(inner_class, inner_kwargs, kwargs, multiplier):
    rng = np.random.default_rng(3)
    initial = [rng.normal(size=s).astype("float32") for s in SHAPES]
    variables = [keras.Variable(a, name=n) for a, n in zip(initial, NAMES)]
    opt = optimizers.LossScaleOptimizer(getattr(optimizers, inner_class)(**inner_kwargs), **kwargs)
    unbuilt_scale_loss = float(opt.scale_loss(1.5))
    opt.build(variables)
    steps = gradients(multiplier)
    trajectory = []
    for grads in steps:
        new_vars, new_opt_vars = opt.stateless_apply(
            [v.value for v in opt.variables], grads, [v.value for v in variables]
        )
        for ref, value in zip(variables, new_vars):
            ref.assign(value)
        for ref, value in zip(opt.variables, new_opt_vars):
            ref.assign(value)
        trajectory.append(state(opt, variables))
    return {
        "inner": [inner_class, inner_kwargs],
        "kwargs": kwargs,
        "initial": [a.tolist() for a in initial],
        "grads": [[encode(g) for g in grads] for grads in steps],
        "trajectory": trajectory,
        "unbuilt_scale_loss": unbuilt_scale_loss,
        "scale_loss": float(opt.scale_loss(1.5)),
        "variables": [
            {
                "path": v.path,
                "name": v.name,
                "dtype": str(v.dtype),
                "value": np.asarray(v).tolist(),
            }
            for v in opt.variables
        ],
        "config": json.loads(json.dumps(opt.get_config())),
    }


def run_fit():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = rng.normal(size=(10, 2)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")])
    initial = [rng.normal(size=w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(initial)
    opt = optimizers.LossScaleOptimizer(
        optimizers.SGD(learning_rate=0.05, momentum=0.9), dynamic_growth_steps=4
    )
    model.compile(optimizer=opt, loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return {
        "x": x.tolist(),
        "y": y.tolist(),
        "initial": [a.tolist() for a in initial],
        "batch_size": 4,
        "epochs": 2,
        "inner": ["SGD", {"learning_rate": 0.05, "momentum": 0.9}],
        "kwargs": {"dynamic_growth_steps": 4},
        "weights": [w.tolist() for w in model.get_weights()],
        "loss": [float(v) for v in history.history["loss"]],
        "dynamic_scale": float(opt.dynamic_scale),
        "step_counter": int(opt.step_counter),
        "iterations": int(opt.iterations),
    }


def main():
    data = {
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "names": NAMES,
        "cases": {name: run_case(*spec) for name, spec in CASES.items()},
        "fit": run_fit(),
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "loss_scale_optimizer.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
