"""Records Keras 3's behaviour for the catalogue tests (issue 19: optimizers,
schedules, initializers, regularizers, utils, backend dtypes).

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_catalogue_reference.py

It records:
- for each new optimizer config (Adafactor, Ftrl, Lamb; defaults and variants,
  with clipping, weight decay and schedules; EMA and gradient accumulation on
  older optimizers too), 20 steps of fixed random gradients
  applied to two variables of shapes (3, 4) and (4,): the variables after
  every step, the final `optimizer.variables` paths and values, `get_config()`;
- PolynomialDecay and CosineDecayRestarts values at steps 0..40 and configs;
- `backend.result_type` over every pair of common dtypes;
- STFT initializer kernels, OrthogonalRegularizer penalties, `utils.normalize`
  and `config` defaults. (`timeseries_dataset_from_array` needs tf.data or
  grain in Keras, which the oracle lacks; its tests use a NumPy reference.)

Output: tests/reference/data/catalogue.npz (arrays) and catalogue.json.
"""

import json
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import optimizers  # noqa: E402
from keras.optimizers import schedules  # noqa: E402

STEPS = 20
SHAPES = [(3, 4), (4,)]
NAMES = ["dense_kernel", "dense_bias"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def schedule(class_name, **config):
    return {"schedule": {"class_name": class_name, "config": config}}


OPTIMIZER_CASES = {
    "ftrl_defaults": ("Ftrl", {}),
    "ftrl_l1_l2": (
        "Ftrl",
        {
            "learning_rate": 0.1,
            "l1_regularization_strength": 0.01,
            "l2_regularization_strength": 0.02,
        },
    ),
    "ftrl_shrinkage_beta": (
        "Ftrl",
        {
            "learning_rate": 0.05,
            "learning_rate_power": -0.7,
            "initial_accumulator_value": 0.5,
            "l2_shrinkage_regularization_strength": 0.05,
            "beta": 0.3,
        },
    ),
    "ftrl_power_zero_clipnorm": (
        "Ftrl",
        {"learning_rate": 0.05, "learning_rate_power": 0.0, "clipnorm": 0.5},
    ),
    "lamb_defaults": ("Lamb", {}),
    "lamb_custom": ("Lamb", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99}),
    "lamb_weight_decay": ("Lamb", {"learning_rate": 0.01, "weight_decay": 0.05}),
    "lamb_global_clipnorm": ("Lamb", {"learning_rate": 0.02, "global_clipnorm": 0.7}),
    "lamb_polynomial": (
        "Lamb",
        {
            "learning_rate": schedule(
                "PolynomialDecay", initial_learning_rate=0.02, decay_steps=10, power=2.0
            )
        },
    ),
    "adafactor_defaults": ("Adafactor", {}),
    "adafactor_custom": (
        "Adafactor",
        {
            "learning_rate": 0.05,
            "beta_2_decay": -0.6,
            "epsilon_2": 0.01,
            "clip_threshold": 0.5,
            "relative_step": False,
        },
    ),
    "adafactor_schedule": (
        "Adafactor",
        {
            "learning_rate": schedule(
                "ExponentialDecay", initial_learning_rate=0.5, decay_steps=5, decay_rate=0.5
            )
        },
    ),
    "adam_ema": ("Adam", {"learning_rate": 0.01, "use_ema": True}),
    "sgd_ema_overwrite": (
        "SGD",
        {
            "learning_rate": 0.1,
            "momentum": 0.5,
            "use_ema": True,
            "ema_momentum": 0.9,
            "ema_overwrite_frequency": 3,
        },
    ),
    "adam_accumulation": ("Adam", {"learning_rate": 0.01, "gradient_accumulation_steps": 3}),
    "sgd_accumulation_ema_schedule": (
        "SGD",
        {
            "learning_rate": schedule(
                "PolynomialDecay", initial_learning_rate=0.1, decay_steps=8, power=2.0
            ),
            "gradient_accumulation_steps": 2,
            "use_ema": True,
            "ema_overwrite_frequency": 4,
            "clipnorm": 1.0,
        },
    ),
    "lamb_accumulation_weight_decay": (
        "Lamb",
        {"learning_rate": 0.01, "gradient_accumulation_steps": 4, "weight_decay": 0.1},
    ),
    "sgd_cosine_restarts": (
        "SGD",
        {
            "learning_rate": schedule(
                "CosineDecayRestarts", initial_learning_rate=0.1, first_decay_steps=3
            ),
            "momentum": 0.9,
        },
    ),
    "adam_polynomial_cycle": (
        "Adam",
        {
            "learning_rate": schedule(
                "PolynomialDecay",
                initial_learning_rate=0.01,
                decay_steps=4,
                end_learning_rate=0.001,
                cycle=True,
            )
        },
    ),
}

SCHEDULES = {
    "polynomial": ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 13}),
    "polynomial_power": (
        "PolynomialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 9, "end_learning_rate": 0.01, "power": 0.5},
    ),
    "polynomial_cycle": (
        "PolynomialDecay",
        {"initial_learning_rate": 0.2, "decay_steps": 6, "power": 2.0, "cycle": True},
    ),
    "restarts": ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 4}),
    "restarts_t1": (
        "CosineDecayRestarts",
        {"initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 1.0, "m_mul": 0.5},
    ),
    "restarts_custom": (
        "CosineDecayRestarts",
        {
            "initial_learning_rate": 0.05,
            "first_decay_steps": 3,
            "t_mul": 1.5,
            "m_mul": 0.8,
            "alpha": 0.1,
        },
    ),
}

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "int", "float"]  # fmt: skip


def initial_values():
    rng = np.random.RandomState(0)
    return [rng.randn(*shape).astype(np.float32) for shape in SHAPES]


def gradient_steps():
    rng = np.random.RandomState(1)
    steps = [[(rng.randn(*s) * 1.5).astype(np.float32) for s in SHAPES] for _ in range(STEPS)]
    steps[0][0][0, 0] = 0.0
    return steps


def build_kwargs(kwargs):
    out = dict(kwargs)
    lr = out.get("learning_rate")
    if isinstance(lr, dict):
        out["learning_rate"] = schedules.deserialize(lr["schedule"])
    return out


def run_optimizer(case, class_name, kwargs, arrays):
    opt = getattr(optimizers, class_name)(name=case, **build_kwargs(kwargs))
    variables = [keras.Variable(v, name=n) for v, n in zip(initial_values(), NAMES)]
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
    return {
        "class_name": class_name,
        "kwargs": kwargs,
        "config": opt.get_config(),
        "learning_rates": learning_rates,
        "variable_paths": paths,
        "iterations": int(np.asarray(opt.iterations)),
    }


def result_types():
    table = {}
    py = {"int": int, "float": float}
    for a in DTYPES:
        for b in DTYPES:
            try:
                out = keras.backend.result_type(py.get(a, a), py.get(b, b))
            except ValueError as e:
                out = f"error: {type(e).__name__}"
            table[f"{a},{b}"] = out
    return table


def misc(arrays):
    meta = {}
    stft_cases = {
        "real_hann": ({"side": "real"}, (16, 1, 9)),
        "imag_hamming_spectrum": (
            {"side": "imag", "window": "hamming", "scaling": "spectrum", "periodic": True},
            (8, 1, 5),
        ),
        "real_none": ({"side": "real", "window": None, "scaling": None}, (6, 1, 4)),
    }
    meta["stft"] = {}
    for key, (config, shape) in stft_cases.items():
        init = keras.initializers.STFT(**config)
        arrays[f"stft/{key}"] = np.asarray(init(shape))
        meta["stft"][key] = {"config": config, "shape": shape, "get_config": init.get_config()}
    rng = np.random.RandomState(2)
    meta["orthogonal"] = {}
    for key, (factor, mode, shape) in {
        "rows": (0.01, "rows", (3, 5)),
        "columns": (0.1, "columns", (4, 3)),
    }.items():
        x = rng.randn(*shape).astype(np.float32)
        reg = keras.regularizers.OrthogonalRegularizer(factor=factor, mode=mode)
        arrays[f"orthogonal/{key}/x"] = x
        arrays[f"orthogonal/{key}/penalty"] = np.asarray(reg(keras.ops.convert_to_tensor(x)))
        meta["orthogonal"][key] = {"factor": factor, "mode": mode, "config": reg.get_config()}
    x = rng.randn(3, 4)
    x[1] = 0.0
    arrays["normalize/x"] = x
    for axis, order in ((-1, 2), (1, 1), (-1, 3)):
        arrays[f"normalize/axis{axis}_order{order}"] = keras.utils.normalize(x, axis, order)
    meta["config_defaults"] = {
        "floatx": keras.config.floatx(),
        "epsilon": keras.config.epsilon(),
        "image_data_format": keras.config.image_data_format(),
        "max_epochs": keras.config.max_epochs(),
        "max_steps_per_epoch": keras.config.max_steps_per_epoch(),
        "is_interactive_logging_enabled": keras.config.is_interactive_logging_enabled(),
    }
    return meta


def main():
    arrays = {}
    meta = {"steps": STEPS, "shapes": SHAPES, "names": NAMES, "optimizers": {}, "schedules": {}}
    for i, v in enumerate(initial_values()):
        arrays[f"init/var{i}"] = v
    for k, grads in enumerate(gradient_steps()):
        for i, g in enumerate(grads):
            arrays[f"grad/step{k}/var{i}"] = g
    for case, (class_name, kwargs) in OPTIMIZER_CASES.items():
        meta["optimizers"][case] = run_optimizer(case, class_name, kwargs, arrays)
    for key, (class_name, config) in SCHEDULES.items():
        s = getattr(schedules, class_name)(**config)
        meta["schedules"][key] = {
            "class_name": class_name,
            "config": config,
            "get_config": s.get_config(),
            "values": [float(np.asarray(s(step))) for step in range(41)],
        }
    meta["default_configs"] = {}
    for name in ("Adafactor", "Ftrl", "Lamb"):
        meta["default_configs"][name] = getattr(optimizers, name)().get_config()
    meta["result_type"] = result_types()
    meta.update(misc(arrays))
    meta["keras_version"] = keras.__version__
    os.makedirs(OUT, exist_ok=True)
    np.savez_compressed(os.path.join(OUT, "catalogue.npz"), **arrays)
    with open(os.path.join(OUT, "catalogue.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    print(f"wrote {len(OPTIMIZER_CASES)} optimizer cases and {len(SCHEDULES)} schedules to {OUT}")


if __name__ == "__main__":
    main()
