"""Records Keras 3's float32 dtype policy and a model saved under mixed_float16.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_dtype_policy_reference.py

Outputs, read by tests/python/test_dtype_policy.py:

- tests/reference/data/dtype_policy.json: for `DTypePolicy("float32")` and
  `FloatDTypePolicy("float32")`, their repr, properties, `get_config()`,
  `dtype_policies.serialize` and `saving.serialize_keras_object`; equality
  between them; `dtype_policies.get` of a name, a dict and a dtype; the `dtype`
  entry of a Dense layer's config; the global policy's repr; and the inputs,
  outputs and per-layer `dtype` configs of the mixed_float16 model below.
- tests/reference/data/mixed_float16_mlp.keras: a small MLP saved under the
  global policy "mixed_float16" (float32 variables, float16 compute), whose
  layer configs carry that policy as Keras writes it.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

DATA = pathlib.Path(__file__).resolve().parent / "data"


def describe(policy):
    return {
        "repr": repr(policy),
        "name": policy.name,
        "compute_dtype": policy.compute_dtype,
        "variable_dtype": policy.variable_dtype,
        "quantization_mode": policy.quantization_mode,
        "get_config": policy.get_config(),
        "serialize": keras.dtype_policies.serialize(policy),
        "serialize_keras_object": keras.saving.serialize_keras_object(policy),
    }


def main():
    keras.utils.set_random_seed(0)
    record = {
        "keras_version": keras.__version__,
        "policies": {
            "DTypePolicy": describe(keras.DTypePolicy("float32")),
            "FloatDTypePolicy": describe(keras.FloatDTypePolicy("float32")),
        },
        "float_equals_dtype_policy": keras.FloatDTypePolicy("float32")
        == keras.DTypePolicy("float32"),
        "get": {
            "name": repr(keras.dtype_policies.get("float32")),
            "dict": repr(
                keras.dtype_policies.get(
                    {"class_name": "DTypePolicy", "config": {"name": "float32"}}
                )
            ),
            "numpy_dtype": repr(keras.dtype_policies.get(np.float32)),
            "none": repr(keras.dtype_policies.get(None)),
        },
        "dense_config_dtype": keras.layers.Dense(2).get_config()["dtype"],
        "global_policy": repr(keras.config.dtype_policy()),
        "mixed_precision_global_policy": repr(keras.mixed_precision.global_policy()),
    }

    keras.config.set_dtype_policy("mixed_float16")
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)],
        name="mixed_mlp",
    )
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    y = np.asarray(model(x)).astype("float32")
    model.save(DATA / "mixed_float16_mlp.keras")
    record["mixed_float16_model"] = {
        "x": x.tolist(),
        "y_float16_compute": y.tolist(),
        "layer_dtypes": [layer.get_config()["dtype"] for layer in model.layers],
        "variable_dtypes": [str(w.dtype) for w in model.weights],
    }
    keras.config.set_dtype_policy("float32")

    with open(DATA / "dtype_policy.json", "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
