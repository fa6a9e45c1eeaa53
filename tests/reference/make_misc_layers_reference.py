"""Records what Keras 3 computes for the layers of Keras 3.15 outside the
vision, transformer and recurrent families (adaptive pooling, Identity,
SpectralNormalization, ReversibleEmbedding, STFTSpectrogram,
MelSpectrogram) and what `keras.saving.KerasFileEditor` reads from a file.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_misc_layers_reference.py

Each layer case builds one Keras layer from its arguments, sets its weights
to seeded uniform values (or keeps Keras's deterministic initial values,
recorded too, for the spectrogram kernels), calls it on a seeded input and
records the input, the weights (`layer.weights` order), the output and, where
differentiable, the gradients of `sum(output * probe)` with respect to the
input and the trainable weights (JAX's autodiff). It writes
tests/reference/data/misc_layers.json and the small Keras files under
tests/reference/saving/ that tests/python/test_file_editor.py opens.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.saving import KerasFileEditor  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "data" / "misc_layers.json"
EDITOR_KERAS = HERE / "saving" / "file_editor_model.keras"
EDITOR_WEIGHTS = HERE / "saving" / "file_editor_model.weights.h5"

CF = {"data_format": "channels_first"}

# (layer, kwargs, input shape, call kwargs, options)
CASES = [
    ("AdaptiveAveragePooling1D", {"output_size": 3}, (2, 7, 3), {}, {}),
    ("AdaptiveAveragePooling1D", {"output_size": 4, **CF}, (2, 3, 9), {}, {}),
    ("AdaptiveMaxPooling1D", {"output_size": 3}, (2, 8, 2), {}, {}),
    ("AdaptiveMaxPooling1D", {"output_size": 5, **CF}, (2, 2, 7), {}, {}),
    ("AdaptiveAveragePooling2D", {"output_size": (3, 2)}, (2, 7, 5, 3), {}, {}),
    ("AdaptiveAveragePooling2D", {"output_size": 4, **CF}, (1, 2, 9, 6), {}, {}),
    ("AdaptiveMaxPooling2D", {"output_size": (3, 4)}, (2, 7, 5, 2), {}, {}),
    ("AdaptiveMaxPooling2D", {"output_size": 2, **CF}, (1, 3, 5, 5), {}, {}),
    ("AdaptiveAveragePooling3D", {"output_size": 2}, (1, 5, 4, 3, 2), {}, {}),
    ("AdaptiveAveragePooling3D", {"output_size": (2, 3, 2), **CF}, (1, 2, 5, 6, 4), {}, {}),
    ("AdaptiveMaxPooling3D", {"output_size": (2, 3, 2)}, (1, 5, 4, 5, 2), {}, {}),
    ("AdaptiveMaxPooling3D", {"output_size": 2, **CF}, (1, 2, 4, 5, 3), {}, {}),
    ("Identity", {}, (2, 3), {}, {}),
    (
        "ReversibleEmbedding",
        {"input_dim": 7, "output_dim": 4, "mask_zero": True},
        (2, 5),
        {},
        {"ids": True},
    ),
    ("ReversibleEmbedding", {"input_dim": 7, "output_dim": 4}, (2, 3, 4), {"reverse": True}, {}),
    (
        "ReversibleEmbedding",
        {"input_dim": 6, "output_dim": 3, "tie_weights": False, "logit_soft_cap": 0.5},
        (2, 3),
        {"reverse": True},
        {},
    ),
    (
        "SpectralNormalization",
        {"power_iterations": 1},
        (3, 4),
        {},
        {"inner": ("Dense", {"units": 3})},
    ),
    (
        "SpectralNormalization",
        {"power_iterations": 3},
        (3, 4),
        {"training": True},
        {"inner": ("Dense", {"units": 5})},
    ),
    (
        "SpectralNormalization",
        {"power_iterations": 2},
        (2, 5, 5, 2),
        {"training": True},
        {"inner": ("Conv2D", {"filters": 3, "kernel_size": 2})},
    ),
    # (Keras casts the output to the input's dtype, so wrapping an Embedding
    # gives Keras integer zeros: not recorded; pykeras returns the vectors.)
    (
        "SpectralNormalization",
        {},
        (2, 3, 6),
        {"training": True},
        {"inner": ("Conv1D", {"filters": 2, "kernel_size": 3, "data_format": "channels_first"})},
    ),
    ("STFTSpectrogram", {"frame_length": 16, "frame_step": 8}, (2, 64, 1), {}, {"keras_init": 1}),
    (
        "STFTSpectrogram",
        {"mode": "magnitude", "frame_length": 12, "fft_length": 16, "padding": "same"},
        (2, 50, 2),
        {},
        {"keras_init": 1},
    ),
    (
        "STFTSpectrogram",
        {"mode": "psd", "frame_length": 16, "frame_step": 4, "window": "hamming", **CF},
        (2, 2, 40),
        {},
        {"keras_init": 1},
    ),
    (
        "STFTSpectrogram",
        {"mode": "real", "frame_length": 8, "scaling": "spectrum", "periodic": True},
        (1, 30, 2),
        {},
        {"keras_init": 1},
    ),
    (
        "STFTSpectrogram",
        {"mode": "imag", "frame_length": 8, "frame_step": 3, "scaling": None, **CF},
        (1, 2, 30),
        {},
        {"keras_init": 1},
    ),
    (
        "STFTSpectrogram",
        {"mode": "angle", "frame_length": 8, "expand_dims": True},
        (2, 24, 2),
        {},
        {"keras_init": 1, "no_grad": True},
    ),
    (
        "STFTSpectrogram",
        {"mode": "stft", "frame_length": 8, "expand_dims": True, "padding": "same", **CF},
        (2, 3, 20),
        {},
        {"keras_init": 1},
    ),
    (
        "STFTSpectrogram",
        {"mode": "log", "frame_length": 10, "fft_length": 16, "expand_dims": True},
        (2, 40, 3),
        {},
        {},
    ),
    (
        "MelSpectrogram",
        {"fft_length": 128, "sequence_stride": 32, "num_mel_bins": 16, "sampling_rate": 8000},
        (2, 400),
        {},
        {"no_grad": True},
    ),
    (
        "MelSpectrogram",
        {
            "fft_length": 64,
            "sequence_stride": 16,
            "sequence_length": 48,
            "window": "hamming",
            "num_mel_bins": 8,
            "sampling_rate": 4000,
            "min_freq": 100.0,
            "max_freq": 1800.0,
            "power_to_db": False,
            "mag_exp": 1.0,
        },
        (2, 200),
        {},
        {},
    ),
    (
        "MelSpectrogram",
        {
            "fft_length": 64,
            "sequence_stride": 20,
            "num_mel_bins": 10,
            "sampling_rate": 16000,
            "top_db": 20.0,
            "ref_power": 0.01,
            "window": None,
        },
        (300,),
        {},
        {"no_grad": True},
    ),
]


def _make(name, kwargs, options):
    if "inner" in options:
        inner_name, inner_kwargs = options["inner"]
        return getattr(keras.layers, name)(
            getattr(keras.layers, inner_name)(**inner_kwargs), **kwargs
        )
    return getattr(keras.layers, name)(**kwargs)


def record_case(rng, name, kwargs, shape, call_kwargs, options):
    layer = _make(name, kwargs, options)
    if options.get("ids"):
        high = options.get("inner", (None, kwargs))[1].get("input_dim", 5)
        x = rng.integers(0, high, size=shape).astype(np.int32)
    else:
        x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    build_shape = shape if not call_kwargs.get("reverse") else None
    layer.build(build_shape)
    if options.get("keras_init"):
        weights = [np.asarray(w.numpy(), np.float32) for w in layer.weights]
    else:
        weights = [rng.uniform(-0.5, 0.5, size=w.shape).astype(np.float32) for w in layer.weights]
        if weights:
            layer.set_weights(weights)
    training = bool(call_kwargs.get("training"))
    record = {
        "layer": name,
        "kwargs": kwargs,
        "inner": list(options["inner"]) if "inner" in options else None,
        "call_kwargs": call_kwargs,
        "input": x.tolist(),
        "input_dtype": str(x.dtype),
        "weights": [w.tolist() for w in weights],
        "keras_init": bool(options.get("keras_init")),
    }
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    out, new_nt = layer.stateless_call(trainable, non_trainable, jnp.asarray(x), **call_kwargs)
    y = np.asarray(out)
    record["output"] = y.tolist()
    record["output_shape"] = list(y.shape)
    if training:
        record["non_trainable_after"] = [np.asarray(v).tolist() for v in new_nt]
        # An eager call also assigns the normalized kernel (Keras's own variables).
        layer(x, **call_kwargs)
        record["weights_after_eager"] = [np.asarray(w.numpy()).tolist() for w in layer.weights]
    if not options.get("no_grad"):
        probe = rng.uniform(-1, 1, size=y.shape).astype(np.float32)
        float_input = x.dtype == np.float32

        def loss(tv, xin):
            out, _ = layer.stateless_call(tv, non_trainable, xin, **call_kwargs)
            return jnp.sum(out * probe)

        if float_input:
            g_w, g_x = jax.grad(loss, argnums=(0, 1))(trainable, jnp.asarray(x))
            record["grad_input"] = np.asarray(g_x).tolist()
        else:
            g_w = jax.grad(loss)(trainable, jnp.asarray(x))
        record["probe"] = probe.tolist()
        record["grad_weights"] = [np.asarray(g).tolist() for g in g_w]
    return record


def record_fit(rng):
    """One SGD step of `fit` on a model with SpectralNormalization (Keras on
    JAX keeps the new `vector_u`, and the optimizer's update of the raw kernel)."""
    sn = keras.layers.SpectralNormalization(keras.layers.Dense(3), power_iterations=2)
    model = keras.Sequential([keras.Input((4,)), sn])
    weights = [rng.uniform(-0.5, 0.5, size=w.shape).astype(np.float32) for w in model.weights]
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = rng.uniform(-1, 1, size=(8, 4)).astype(np.float32)
    y = rng.uniform(-1, 1, size=(8, 3)).astype(np.float32)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return {
        "weights": [w.tolist() for w in weights],
        "x": x.tolist(),
        "y": y.tolist(),
        "weights_after": [np.asarray(w.numpy()).tolist() for w in model.weights],
        "predict_after": np.asarray(model.predict(x, verbose=0)).tolist(),
    }


def _structure(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        path = f"{prefix}/{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_structure(value, path))
        else:
            out[path] = list(np.shape(value))
    return out


def _editor_model(units=4):
    inp = keras.Input((5,), name="x")
    h = keras.layers.Dense(units, activation="relu", name="dense")(inp)
    h = keras.layers.BatchNormalization(name="bn")(h)
    out = keras.layers.Dense(2, name="head")(h)
    return keras.Model(inp, out, name="editor_model")


def record_editor(rng):
    """A small compiled and trained model saved by Keras, what Keras's
    KerasFileEditor reads from it, its comparisons and its edits."""
    model = _editor_model()
    model.compile(optimizer="adam", loss="mse")
    x = rng.uniform(-1, 1, size=(16, 5)).astype(np.float32)
    y = rng.uniform(-1, 1, size=(16, 2)).astype(np.float32)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(EDITOR_KERAS)
    model.save_weights(EDITOR_WEIGHTS)
    record = {}
    for kind, path in (("keras", EDITOR_KERAS), ("weights", EDITOR_WEIGHTS)):
        editor = KerasFileEditor(str(path))
        record[f"{kind}_structure"] = _structure(editor.weights_dict)
    editor = KerasFileEditor(str(EDITOR_KERAS))
    record["compare_same"] = editor.compare(model)
    other = _editor_model(units=6)
    record["compare_other"] = editor.compare(other)
    # Edits, then what the saved file holds.
    editor.rename_object("layers/dense_1", "output_head")
    editor.delete_weight("layers/batch_normalization", "3")
    editor.add_weights("layers/dense", {"2": np.ones((3,), np.float32)})
    editor.add_object("layers/extra", {"0": np.arange(6, dtype=np.float32).reshape(2, 3)})
    editor.delete_object("optimizer")
    out = HERE / "saving" / "_edited.weights.h5"
    editor.save(str(out))
    record["edited_structure"] = _structure(KerasFileEditor(str(out)).weights_dict)
    out.unlink()
    record["predict_input"] = x[:3].tolist()
    record["predict_output"] = np.asarray(model.predict(x[:3], verbose=0)).tolist()
    return record


def _short(obj):
    """Floats to 9 significant digits (exact for float32 values), halving the file."""
    if isinstance(obj, float):
        return float(f"{obj:.9g}")
    if isinstance(obj, list):
        return [_short(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _short(v) for k, v in obj.items()}
    return obj


def main():
    rng = np.random.default_rng(315)
    cases = [record_case(rng, *case) for case in CASES]
    data = {
        "keras_version": keras.__version__,
        "cases": cases,
        "fit": record_fit(rng),
        "editor": record_editor(rng),
    }
    OUT.write_text(json.dumps(_short(data)))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes), {len(cases)} cases")


if __name__ == "__main__":
    main()
