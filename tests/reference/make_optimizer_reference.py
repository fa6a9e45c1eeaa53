"""Records Keras 3's optimizer steps for pykeras's optimizer tests to replay.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/oracle/bin/python tests/reference/make_optimizer_reference.py

For each optimizer config (every optimizer's defaults; SGD momentum and
Nesterov; Adam AMSGrad; RMSprop centered and momentum; AdamW; weight decay;
clipnorm, clipvalue, global_clipnorm; loss scaling; each schedule) it applies 5
steps of fixed random gradients to two variables of shapes (3, 4) and (4,) via
`optimizer.apply_gradients`, and records the variables after every step, the
learning rate before every step, the final `optimizer.variables` (paths and
values) and `get_config()`. It also records each schedule's value at steps
0..20. Output: tests/reference/data/optimizer_steps.npz (arrays) and
optimizer_steps.json (configs, names, schedule values).
"""

import json
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import optimizers  # noqa: E402
from keras.optimizers import schedules  # noqa: E402

STEPS = 5
SHAPES = [(3, 4), (4,)]
NAMES = ["dense_kernel", "dense_bias"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def schedule(class_name, **config):
    return {"schedule": {"class_name": class_name, "config": config}}


# case name -> (class name, constructor kwargs; a schedule as {"schedule": ...})
CASES = {
    "sgd_defaults": ("SGD", {}),
    "adam_defaults": ("Adam", {}),
    "adamw_defaults": ("AdamW", {}),
    "rmsprop_defaults": ("RMSprop", {}),
    "adagrad_defaults": ("Adagrad", {}),
    "adadelta_defaults": ("Adadelta", {}),
    "adamax_defaults": ("Adamax", {}),
    "nadam_defaults": ("Nadam", {}),
    "lion_defaults": ("Lion", {}),
    "sgd_momentum": ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    "adam_amsgrad": ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
    "adam_custom": (
        "Adam",
        {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-4},
    ),
    "rmsprop_centered": ("RMSprop", {"learning_rate": 0.01, "centered": True}),
    "rmsprop_momentum": ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5}),
    "rmsprop_centered_momentum": (
        "RMSprop",
        {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5, "centered": True},
    ),
    "adamw_custom": ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    "adagrad_custom": ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5}),
    "adadelta_custom": ("Adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6}),
    "adamax_custom": ("Adamax", {"learning_rate": 0.01, "beta_1": 0.8}),
    "nadam_custom": ("Nadam", {"learning_rate": 0.01, "beta_1": 0.85}),
    "lion_custom": ("Lion", {"learning_rate": 0.01, "beta_1": 0.95, "beta_2": 0.98}),
    "sgd_weight_decay": ("SGD", {"learning_rate": 0.1, "weight_decay": 0.05}),
    "adam_weight_decay": ("Adam", {"learning_rate": 0.01, "weight_decay": 0.05}),
    "lion_weight_decay": ("Lion", {"learning_rate": 0.01, "weight_decay": 0.1}),
    "sgd_clipnorm": ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    "adam_clipnorm": ("Adam", {"learning_rate": 0.01, "clipnorm": 0.5}),
    "sgd_clipvalue": ("SGD", {"learning_rate": 0.1, "clipvalue": 0.3}),
    "rmsprop_clipvalue": ("RMSprop", {"learning_rate": 0.01, "clipvalue": 0.3}),
    "sgd_global_clipnorm": ("SGD", {"learning_rate": 0.1, "global_clipnorm": 0.7}),
    "adam_global_clipnorm": ("Adam", {"learning_rate": 0.01, "global_clipnorm": 0.7}),
    "sgd_loss_scale": ("SGD", {"learning_rate": 0.1, "loss_scale_factor": 4.0}),
    "sgd_exponential_decay": (
        "SGD",
        {
            "learning_rate": schedule(
                "ExponentialDecay", initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5
            )
        },
    ),
    "adam_exponential_staircase": (
        "Adam",
        {
            "learning_rate": schedule(
                "ExponentialDecay",
                initial_learning_rate=0.01,
                decay_steps=2,
                decay_rate=0.5,
                staircase=True,
            )
        },
    ),
    "sgd_piecewise_constant": (
        "SGD",
        {
            "learning_rate": schedule(
                "PiecewiseConstantDecay", boundaries=[1, 3], values=[0.1, 0.05, 0.01]
            )
        },
    ),
    "sgd_cosine_decay": (
        "SGD",
        {
            "learning_rate": schedule(
                "CosineDecay", initial_learning_rate=0.1, decay_steps=4, alpha=0.1
            )
        },
    ),
    "adamw_cosine_warmup": (
        "AdamW",
        {
            "learning_rate": schedule(
                "CosineDecay",
                initial_learning_rate=0.0,
                decay_steps=3,
                warmup_target=0.01,
                warmup_steps=2,
            ),
            "weight_decay": 0.1,
        },
    ),
    "sgd_inverse_time_decay": (
        "SGD",
        {
            "learning_rate": schedule(
                "InverseTimeDecay", initial_learning_rate=0.1, decay_steps=1, decay_rate=0.5
            )
        },
    ),
    "rmsprop_inverse_time_staircase": (
        "RMSprop",
        {
            "learning_rate": schedule(
                "InverseTimeDecay",
                initial_learning_rate=0.01,
                decay_steps=2,
                decay_rate=0.5,
                staircase=True,
            )
        },
    ),
}

# Schedules whose values are recorded at steps 0..20.
SCHEDULES = {
    "exponential": (
        "ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.7},
    ),
    "exponential_staircase": (
        "ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.7, "staircase": True},
    ),
    "piecewise": (
        "PiecewiseConstantDecay",
        {"boundaries": [2, 5, 9], "values": [1.0, 0.5, 0.25, 0.125]},
    ),
    "piecewise_float_boundaries": (
        "PiecewiseConstantDecay",
        {"boundaries": [2.5, 7.0], "values": [0.3, 0.2, 0.1]},
    ),
    "cosine": ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 13}),
    "cosine_alpha": (
        "CosineDecay",
        {"initial_learning_rate": 0.05, "decay_steps": 7, "alpha": 0.2},
    ),
    "cosine_warmup": (
        "CosineDecay",
        {
            "initial_learning_rate": 0.001,
            "decay_steps": 10,
            "warmup_target": 0.1,
            "warmup_steps": 5,
        },
    ),
    "inverse_time": (
        "InverseTimeDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5},
    ),
    "inverse_time_staircase": (
        "InverseTimeDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5, "staircase": True},
    ),
}


def initial_values():
    rng = np.random.RandomState(0)
    return [rng.randn(*shape).astype(np.float32) for shape in SHAPES]


def gradient_steps():
    """Fixed gradients; one exact zero exercises sign(0) and zero-norm paths."""
    rng = np.random.RandomState(1)
    steps = []
    for _ in range(STEPS):
        steps.append([(rng.randn(*shape) * 1.5).astype(np.float32) for shape in SHAPES])
    steps[0][0][0, 0] = 0.0
    return steps


def build_kwargs(kwargs):
    out = dict(kwargs)
    lr = out.get("learning_rate")
    if isinstance(lr, dict):
        out["learning_rate"] = schedules.deserialize(lr["schedule"])
    return out


def run_case(case, class_name, kwargs):
    cls = getattr(optimizers, class_name)
    opt = cls(name=case, **build_kwargs(kwargs))
    variables = [keras.Variable(v, name=n) for v, n in zip(initial_values(), NAMES)]
    arrays = {}
    learning_rates = []
    for k, grads in enumerate(gradient_steps()):
        learning_rates.append(float(np.asarray(opt.learning_rate)))
        opt.apply_gradients(list(zip(grads, variables)))
        for i, v in enumerate(variables):
            arrays[f"{case}/step{k}/var{i}"] = np.asarray(v.numpy(), np.float32)
    paths = []
    for j, v in enumerate(opt.variables):
        arrays[f"{case}/optvar{j}"] = np.asarray(v.numpy())
        paths.append(v.path)
    meta = {
        "class_name": class_name,
        "kwargs": kwargs,
        "config": opt.get_config(),
        "learning_rates": learning_rates,
        "variable_paths": paths,
        "iterations": int(np.asarray(opt.iterations)),
    }
    return arrays, meta


def main():
    arrays = {}
    meta = {"cases": {}, "schedules": {}, "steps": STEPS, "shapes": SHAPES, "names": NAMES}
    for i, v in enumerate(initial_values()):
        arrays[f"init/var{i}"] = v
    for k, grads in enumerate(gradient_steps()):
        for i, g in enumerate(grads):
            arrays[f"grad/step{k}/var{i}"] = g
    for case, (class_name, kwargs) in CASES.items():
        case_arrays, case_meta = run_case(case, class_name, kwargs)
        arrays.update(case_arrays)
        meta["cases"][case] = case_meta
    for key, (class_name, config) in SCHEDULES.items():
        s = getattr(schedules, class_name)(**config)
        meta["schedules"][key] = {
            "class_name": class_name,
            "config": config,
            "get_config": s.get_config(),
            "values": [float(np.asarray(s(step))) for step in range(21)],
        }
    defaults = {}
    for cls in (
        optimizers.SGD,
        optimizers.Adam,
        optimizers.AdamW,
        optimizers.RMSprop,
        optimizers.Adagrad,
        optimizers.Adadelta,
        optimizers.Adamax,
        optimizers.Nadam,
        optimizers.Lion,
    ):
        config = cls().get_config()
        config.pop("name")
        defaults[cls.__name__] = config
    meta["default_configs"] = defaults
    meta["keras_version"] = keras.__version__
    os.makedirs(OUT, exist_ok=True)
    np.savez_compressed(os.path.join(OUT, "optimizer_steps.npz"), **arrays)
    with open(os.path.join(OUT, "optimizer_steps.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    print(f"wrote {len(CASES)} optimizer cases and {len(SCHEDULES)} schedules to {OUT}")


if __name__ == "__main__":
    main()
