"""Records Keras 3's Muon, ScheduleFreeAdamW and MultiOptimizer steps for
tests/python/test_optimizers_composite.py to replay.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_optimizer_more_reference.py

For each config it applies 20 steps of fixed random gradients to four
variables, named as a model's would be so that Muon's and OptimizerMap's
path rules apply: `dense/kernel` (3, 4) (Muon's Newton-Schulz step),
`dense/bias` (4,) (AdamW: not 2-D), `embedding/embeddings` (5, 3) (AdamW:
an embedding; tall, so Muon would transpose it) and `out/kernel` (4, 2)
(AdamW when `exclude_layers=["out"]`), via `optimizer.apply_gradients`, and
records the variables after every step, the final `optimizer.variables`
(paths, shapes and values) and the serialized config, each flattened into
one array per case. Output:
tests/reference/data/optimizer_more.npz (arrays) and optimizer_more.json.
"""

import json
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import optimizers  # noqa: E402

STEPS = 20
SHAPES = [(3, 4), (4,), (5, 3), (4, 2)]
PATHS = ["dense/kernel", "dense/bias", "embedding/embeddings", "out/kernel"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def multi(default, mapping, **kwargs):
    return {"multi": {"default": default, "map": mapping, "kwargs": kwargs}}


# case name -> (class name, constructor kwargs); a MultiOptimizer's map as
# {"multi": {"default": (class, kwargs), "map": {pattern: (class, kwargs)}}}.
CASES = {
    "muon_defaults": ("Muon", {}),
    "muon_exclude_out": ("Muon", {"learning_rate": 0.01, "exclude_layers": ["out"]}),
    "muon_custom": (
        "Muon",
        {
            "learning_rate": 0.02,
            "nesterov": False,
            "momentum": 0.9,
            "ns_steps": 3,
            "rms_rate": None,
            "adam_lr_ratio": 0.5,
            "weight_decay": 0.01,
            "adam_weight_decay": None,
            "exclude_embeddings": False,
        },
    ),
    "muon_clipnorm_schedule": (
        "Muon",
        {
            "learning_rate": {
                "schedule": {
                    "class_name": "ExponentialDecay",
                    "config": {
                        "initial_learning_rate": 0.01,
                        "decay_steps": 5,
                        "decay_rate": 0.5,
                    },
                }
            },
            "clipnorm": 0.5,
        },
    ),
    "schedule_free_defaults": ("ScheduleFreeAdamW", {}),
    "schedule_free_custom": (
        "ScheduleFreeAdamW",
        {
            "learning_rate": 0.01,
            "beta_1": 0.8,
            "beta_2": 0.99,
            "epsilon": 1e-6,
            "warmup_steps": 4,
            "weight_decay": 0.01,
        },
    ),
    "multi_sgd_adam": (
        "MultiOptimizer",
        multi(
            ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "name": "sub_sgd"}),
            {"dense/.*": ("Adam", {"learning_rate": 0.01, "name": "sub_adam"})},
        ),
    ),
    "multi_three_loss_scale": (
        "MultiOptimizer",
        multi(
            ("RMSprop", {"learning_rate": 0.01, "name": "sub_rmsprop"}),
            {
                "dense/kernel": ("Muon", {"learning_rate": 0.01, "name": "sub_muon"}),
                "out/.*": ("Lion", {"learning_rate": 0.001, "name": "sub_lion"}),
            },
            loss_scale_factor=4.0,
        ),
    ),
}


def initial_values():
    rng = np.random.RandomState(0)
    return [rng.randn(*shape).astype(np.float32) for shape in SHAPES]


def gradient_steps():
    rng = np.random.RandomState(1)
    return [
        [(rng.randn(*shape) * 1.5).astype(np.float32) for shape in SHAPES] for _ in range(STEPS)
    ]


def make(class_name, kwargs, name=None):
    kwargs = dict(kwargs)
    if name is not None:
        kwargs["name"] = name
    lr = kwargs.get("learning_rate")
    if isinstance(lr, dict):
        kwargs["learning_rate"] = optimizers.schedules.deserialize(lr["schedule"])
    if class_name == "MultiOptimizer":
        spec = kwargs.pop("multi")
        mapping = optimizers.OptimizerMap(
            make(*spec["default"]), {k: make(*v) for k, v in spec["map"].items()}
        )
        return optimizers.MultiOptimizer(mapping, **spec["kwargs"])
    return getattr(optimizers, class_name)(**kwargs)


def make_variables():
    variables = []
    for value, path in zip(initial_values(), PATHS):
        layer, name = path.split("/")
        with keras.name_scope(layer):
            variables.append(keras.Variable(value, name=name))
    assert [v.path for v in variables] == PATHS, [v.path for v in variables]
    return variables


def run_case(case, class_name, kwargs):
    opt = make(class_name, kwargs, name=case)
    variables = make_variables()
    trajectory = []
    for grads in gradient_steps():
        opt.apply_gradients(list(zip(grads, variables)))
        trajectory.append(np.concatenate([np.ravel(v.numpy()) for v in variables]))
    # One array per case (small files): the flattened variables after each
    # step, and the flattened optimizer state at the end.
    arrays = {f"{case}/trajectory": np.asarray(trajectory, np.float32)}
    state = [np.ravel(np.asarray(v.numpy(), np.float32)) for v in opt.variables]
    arrays[f"{case}/state"] = np.concatenate(state)
    paths = [v.path for v in opt.variables]
    meta = {
        "class_name": class_name,
        "kwargs": kwargs,
        "config": keras.saving.serialize_keras_object(opt)["config"],
        "variable_paths": paths,
        "variable_shapes": [list(v.shape) for v in opt.variables],
        "iterations": int(np.asarray(opt.iterations)),
    }
    return arrays, meta


def main():
    arrays = {}
    meta = {"cases": {}, "steps": STEPS, "shapes": SHAPES, "paths": PATHS}
    # The inputs too, so that the tests replay exactly these numbers.
    arrays["init"] = np.concatenate([np.ravel(v) for v in initial_values()])
    arrays["grads"] = np.asarray(
        [np.concatenate([np.ravel(g) for g in grads]) for grads in gradient_steps()]
    )
    for case, (class_name, kwargs) in CASES.items():
        case_arrays, case_meta = run_case(case, class_name, kwargs)
        arrays.update(case_arrays)
        meta["cases"][case] = case_meta
    defaults = {}
    for cls in (optimizers.Muon, optimizers.ScheduleFreeAdamW):
        config = cls().get_config()
        config.pop("name")
        defaults[cls.__name__] = config
    meta["default_configs"] = defaults
    meta["keras_version"] = keras.__version__
    os.makedirs(OUT, exist_ok=True)
    np.savez_compressed(os.path.join(OUT, "optimizer_more.npz"), **arrays)
    with open(os.path.join(OUT, "optimizer_more.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    print(f"wrote {len(CASES)} optimizer cases to {OUT}")


if __name__ == "__main__":
    main()
