"""Records Keras 3's behaviour under the "mixed_bfloat16" dtype policy.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_mixed_bfloat16_reference.py

Output, read by tests/python/test_mixed_bfloat16.py:
tests/reference/data/mixed_bfloat16.json with

- "policy": repr, compute/variable dtypes and serialization of
  `DTypePolicy("mixed_bfloat16")`, and the global policy's repr once set;
- "models": for a few models built under the global policy (an MLP, a CNN
  with batch norm and a float32 softmax, a model with EinsumDense, layer
  norm, embedding and attention) and one float32 model with a single
  mixed_bfloat16 Dense (the per-layer `dtype=`), each layer's class, policy
  name, compute and variable dtype, its weights' dtypes and its symbolic
  output dtype, and the dtype `predict` returns;
- "dense": inputs, float32 weights and Keras's outputs (bfloat16, widened to
  float32) of a mixed_bfloat16 Dense, to compare values within bf16 rounding.
"""

import functools
import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import mixed_bfloat16_models  # noqa: E402
import numpy as np  # noqa: E402

DATA = pathlib.Path(__file__).resolve().parent / "data"


def layer_record(layer):
    out = layer.output
    outs = out if isinstance(out, (list, tuple)) else [out]
    return {
        "class_name": type(layer).__name__,
        "name": layer.name,
        "policy": layer.dtype_policy.name,
        "compute_dtype": layer.compute_dtype,
        "variable_dtype": layer.variable_dtype,
        "weight_dtypes": sorted({str(w.dtype) for w in layer.weights}),
        "output_dtypes": [str(o.dtype) for o in outs],
    }


def model_record(model, x):
    return {
        "layers": [layer_record(layer) for layer in model.layers],
        "predict_dtype": str(np.asarray(model.predict(x, verbose=0)).dtype),
    }


def main():
    rng = np.random.default_rng(0)
    policy = keras.DTypePolicy("mixed_bfloat16")
    ref = {
        "policy": {
            "repr": repr(policy),
            "compute_dtype": policy.compute_dtype,
            "variable_dtype": policy.variable_dtype,
            "serialize": keras.dtype_policies.serialize(policy),
        },
        "models": {},
    }
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    ref["policy"]["global_repr"] = repr(keras.mixed_precision.global_policy())
    inputs = {
        "mlp": rng.random((4, 784), dtype="float32"),
        "cnn": rng.random((4, 28, 28, 1), dtype="float32"),
        "mixed_bag": rng.integers(0, 20, (4, 6)).astype("int32"),
    }
    for name in ("mlp", "cnn", "mixed_bag"):
        build = functools.partial(mixed_bfloat16_models.BUILDERS[name], keras)
        ref["models"][name] = model_record(build(), inputs[name])
    dense = keras.layers.Dense(7, bias_initializer="glorot_uniform")
    x = rng.normal(size=(6, 33)).astype("float32")
    y = dense(x)
    ref["dense"] = {
        "x": x.tolist(),
        "kernel": np.asarray(dense.kernel).tolist(),
        "bias": np.asarray(dense.bias).tolist(),
        "y": np.asarray(y).astype("float32").tolist(),
        "y_dtype": str(y.dtype),
    }
    keras.mixed_precision.set_global_policy("float32")
    one_mixed = mixed_bfloat16_models.one_mixed_layer(keras)
    ref["models"]["one_mixed_layer"] = model_record(one_mixed, inputs["mlp"][:, :5])
    DATA.mkdir(exist_ok=True)
    with open(DATA / "mixed_bfloat16.json", "w", encoding="utf-8") as f:
        json.dump(ref, f, indent=1)


if __name__ == "__main__":
    main()
