"""Records what Keras 3's ConvLSTM1D/2D/3D layers return, and their gradients.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_conv_lstm_reference.py

Each case builds one Keras layer, calls it on random data (with initial
states, `go_backwards`, channels first, strides or dilation where the case
says), sets random weights (nonzero biases, so a wrong bias layout
shows) and records the layer's serialized config, its weights, its outputs
and the gradients of `sum_k sum(outputs[k] * probe[k])` with respect to the
input and every weight. tests/python/test_layers_conv_lstm.py rebuilds each
layer from the config alone, sets the weights and compares.

It also saves a small Keras model with two ConvLSTM2D layers as
tests/reference/saving/keras_conv_lstm_model.keras (and .weights.h5) and
records its predictions. Output: tests/reference/data/conv_lstm.json.

No case has a mask: Keras 3.15's ConvLSTM layers fail on one under JAX (its
RNN broadcasts the `(batch, 1)` step mask against `(batch, rows, cols,
filters)` states: "Incompatible shapes for broadcasting"). pykeras's masks
are checked against their definition in the tests instead.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers as L  # noqa: E402

REF = pathlib.Path(__file__).resolve().parent
DATA = REF / "data"


def cases():
    """(name, layer factory, input shape, options)."""
    x2 = (2, 3, 5, 5, 2)
    yield "2d", lambda: L.ConvLSTM2D(3, 3), x2, {}
    yield (
        "2d_same_seq_state",
        lambda: L.ConvLSTM2D(2, (3, 2), padding="same", return_sequences=True, return_state=True),
        x2,
        {},
    )
    yield (
        "2d_channels_first",
        lambda: L.ConvLSTM2D(2, 3, padding="same", data_format="channels_first",
                             return_sequences=True),
        (2, 3, 2, 5, 4),
        {},
    )  # fmt: skip
    yield (
        "2d_strides",
        lambda: L.ConvLSTM2D(2, (3, 2), strides=(2, 1), padding="same", return_state=True),
        x2,
        {},
    )
    yield (
        "2d_strides_valid",
        lambda: L.ConvLSTM2D(2, 2, strides=2, return_sequences=True),
        (2, 3, 5, 6, 2),
        {},
    )
    yield (
        "2d_dilation",
        lambda: L.ConvLSTM2D(2, 2, dilation_rate=2, return_sequences=True),
        (2, 3, 6, 5, 1),
        {},
    )
    yield (
        "2d_backwards_same",
        lambda: L.ConvLSTM2D(2, 3, padding="same", go_backwards=True, return_sequences=True),
        x2,
        {},
    )
    yield (
        "2d_state",
        lambda: L.ConvLSTM2D(2, 3, return_state=True),
        (3, 4, 4, 4, 2),
        {},
    )
    yield (
        "2d_unroll",
        lambda: L.ConvLSTM2D(2, 3, padding="same", return_sequences=True, unroll=True),
        (3, 4, 4, 4, 1),
        {},
    )  # fmt: skip
    yield (
        "2d_initial_state",
        lambda: L.ConvLSTM2D(2, 3, return_sequences=True, return_state=True),
        x2,
        {"initial_state": (2, 3, 3, 2)},
    )
    yield (
        "2d_channels_first_initial_state_backwards",
        lambda: L.ConvLSTM2D(2, 3, padding="same", data_format="channels_first",
                             return_state=True, go_backwards=True),
        (2, 3, 1, 4, 4),
        {"initial_state": (2, 2, 4, 4)},
    )  # fmt: skip
    yield (
        "2d_no_bias_hard_sigmoid_relu",
        lambda: L.ConvLSTM2D(2, 3, use_bias=False, activation="relu",
                             recurrent_activation="hard_sigmoid", return_sequences=True),
        x2,
        {},
    )  # fmt: skip
    yield (
        "2d_softsign_no_forget_bias",
        lambda: L.ConvLSTM2D(2, 2, activation="softsign", unit_forget_bias=False),
        x2,
        {},
    )
    yield (
        "1d",
        lambda: L.ConvLSTM1D(3, 3, padding="same", return_sequences=True),
        (2, 4, 6, 2),
        {},
    )
    yield (
        "1d_channels_first_backwards_state",
        lambda: L.ConvLSTM1D(2, 2, data_format="channels_first", go_backwards=True,
                             return_sequences=True, return_state=True),
        (2, 4, 3, 5),
        {},
    )  # fmt: skip
    yield (
        "1d_strides_dilation",
        lambda: L.ConvLSTM1D(2, 2, dilation_rate=2, return_state=True),
        (2, 3, 7, 2),
        {},
    )
    yield (
        "3d",
        lambda: L.ConvLSTM3D(2, 2, return_sequences=True),
        (2, 3, 3, 4, 3, 2),
        {},
    )
    yield (
        "3d_same_strides_channels_first",
        lambda: L.ConvLSTM3D(2, (2, 3, 2), strides=(2, 1, 2), padding="same",
                             data_format="channels_first", return_state=True),
        (2, 2, 1, 3, 4, 4),
        {},
    )  # fmt: skip


def flat_list(a):
    """A float32 array as nested lists of 9-significant-digit floats (exact)."""
    a = np.asarray(a)
    if a.dtype == bool:
        return a.tolist()
    return json.loads(json.dumps(np.vectorize(lambda v: float(f"{v:.9g}"))(a).tolist()))


def record(make, shape, opts, rng):
    x = rng.normal(size=shape).astype("float32")
    layer = make()
    kwargs = {}
    if opts.get("initial_state"):
        kwargs["initial_state"] = [
            rng.normal(size=opts["initial_state"]).astype("float32") for _ in range(2)
        ]
    layer(x, **kwargs)
    for w in layer.trainable_weights:
        w.assign(rng.normal(scale=0.4, size=w.shape).astype("float32"))
    weights = [np.asarray(w.value) for w in layer.trainable_weights]
    frozen = [w.value for w in layer.non_trainable_variables]
    outputs = layer(x, **kwargs)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    outputs = [np.asarray(o) for o in outputs]
    probes = [rng.normal(size=o.shape).astype("float32") for o in outputs]

    def loss(trainable, x):
        out, _ = layer.stateless_call(trainable, frozen, x, **kwargs)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        return sum(jax.numpy.sum(o * p) for o, p in zip(out, probes))

    g_weights, g_x = jax.grad(loss, argnums=(0, 1))(weights, x)
    case = {
        "config": keras.saving.serialize_keras_object(layer),
        "weight_paths": [w.path for w in layer.trainable_weights],
        "x": flat_list(x),
        "weights": [flat_list(w) for w in weights],
        "outputs": [flat_list(o) for o in outputs],
        "probes": [flat_list(p) for p in probes],
        "grad_x": flat_list(g_x),
        "grad_weights": [flat_list(g) for g in g_weights],
    }
    if "initial_state" in kwargs:
        case["initial_state"] = [flat_list(s) for s in kwargs["initial_state"]]
    return case


def default_configs():
    """`get_config()` of each layer with only the required arguments."""
    return {
        cls.__name__: cls(4, 3).get_config() for cls in (L.ConvLSTM1D, L.ConvLSTM2D, L.ConvLSTM3D)
    }


def saved_model(rng):
    """A Keras model with two ConvLSTM2D layers, saved as `.keras` and
    `.weights.h5`, with its predictions."""
    keras.utils.set_random_seed(3)
    inputs = keras.Input((3, 6, 6, 2))
    z = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True)(inputs)
    z = L.ConvLSTM2D(2, 3, go_backwards=True)(z)
    z = L.Flatten()(z)
    outputs = L.Dense(2)(z)
    model = keras.Model(inputs, outputs)
    for w in model.weights:
        w.assign(rng.normal(scale=0.3, size=w.shape).astype("float32"))
    x = rng.normal(size=(2, 3, 6, 6, 2)).astype("float32")
    out = REF / "saving"
    model.save(out / "keras_conv_lstm_model.keras")
    model.save_weights(out / "keras_conv_lstm_model.weights.h5")
    return {"x": flat_list(x), "predictions": flat_list(model.predict(x, verbose=0))}


def main():
    rng = np.random.default_rng(17)
    meta = {}
    for name, make, shape, opts in cases():
        keras.utils.set_random_seed(1)
        meta[name] = record(make, shape, opts, rng)
    DATA.mkdir(exist_ok=True)
    doc = {
        "keras_version": keras.__version__,
        "cases": meta,
        "default_configs": default_configs(),
        "saved_model": saved_model(rng),
    }
    (DATA / "conv_lstm.json").write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"{len(meta)} cases -> {DATA / 'conv_lstm.json'}")


if __name__ == "__main__":
    main()
