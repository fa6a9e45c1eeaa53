"""Records Keras 3 training a Dense MLP under `set_floatx("float64")`.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    /work/keras-env/bin/python tests/reference/make_floatx64_reference.py

With `jax_enable_x64` and floatx float64, Keras keeps float64 weights,
computes the forward and backward passes, the loss and the optimizer's
update in float64. For each case (an optimizer and a loss) this sets the
same initial weights (drawn here from a seeded NumPy generator, stored with
the results), runs `fit` for a few steps without shuffling and records the
weights after it, the per-epoch losses, and `predict` on the data. The
hidden activation is sigmoid, not tanh: Keras's `ops.tanh` casts float64
input to `result_type(float64, float)`, float32 even under x64.

It also records sequence models (an LSTM, a GRU reading backwards, a
SimpleRNN, a self-attention MultiHeadAttention) trained the same way, their
weights all drawn here. Their recurrent activation is sigmoid or relu, for
the reason above (tanh is Keras's default).

Output: tests/reference/data/floatx64_fit.npz, read by
tests/python/test_floatx64.py and tests/python/test_float64_seq.py.
"""

import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import keras  # noqa: E402
import numpy as np  # noqa: E402

keras.config.set_floatx("float64")

OUT = pathlib.Path(__file__).resolve().parent / "data" / "floatx64_fit.npz"

rng = np.random.default_rng(6464)
X = rng.normal(size=(12, 5))
Y_REG = rng.normal(size=(12, 2))
Y_CLS = rng.integers(0, 3, size=(12,))
Y_BIN = rng.integers(0, 2, size=(12, 1)).astype(np.float64)
Y_ONEHOT = np.eye(3)[Y_CLS]
W = {
    "k1": rng.normal(scale=0.5, size=(5, 6)),
    "b1": rng.normal(scale=0.1, size=(6,)),
}


def _multi():
    nadam = keras.optimizers.Nadam(0.01)
    sgd = keras.optimizers.SGD(0.05, momentum=0.9)
    return keras.optimizers.MultiOptimizer(lambda v: nadam if len(v.shape) == 2 else sgd)


# name -> (optimizer, loss, output units, output activation, targets)
CASES = {
    "sgd_mse": (
        lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        "mse",
        2,
        None,
        Y_REG,
    ),
    "sgd_plain_mse": (lambda: keras.optimizers.SGD(0.1), "mse", 2, None, Y_REG),
    "adam_sparse_xent_logits": (
        lambda: keras.optimizers.Adam(0.01),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        3,
        None,
        Y_CLS,
    ),
    # Dense (one-hot) labels: the float labels path of the fused op.
    "adamw_cce_logits": (
        lambda: keras.optimizers.AdamW(0.01),
        keras.losses.CategoricalCrossentropy(from_logits=True),
        3,
        None,
        Y_ONEHOT,
    ),
    "rmsprop_bce_logits": (
        lambda: keras.optimizers.RMSprop(0.01, momentum=0.5),
        keras.losses.BinaryCrossentropy(from_logits=True),
        1,
        None,
        Y_BIN,
    ),
    "adamax_mse": (lambda: keras.optimizers.Adamax(0.01), "mse", 2, None, Y_REG),
    "adadelta_mse": (lambda: keras.optimizers.Adadelta(1.0), "mse", 2, None, Y_REG),
    "lion_mse": (lambda: keras.optimizers.Lion(0.001), "mse", 2, None, Y_REG),
    "ftrl_mse": (
        lambda: keras.optimizers.Ftrl(0.1, l1_regularization_strength=0.01, beta=0.5),
        "mse",
        2,
        None,
        Y_REG,
    ),
    "ftrl_power_mse": (
        lambda: keras.optimizers.Ftrl(0.1, learning_rate_power=-0.7),
        "mse",
        2,
        None,
        Y_REG,
    ),
    "lamb_mse": (lambda: keras.optimizers.Lamb(0.01), "mse", 2, None, Y_REG),
    # A softmax output layer and cross-entropy on its probabilities.
    "adam_sparse_xent_softmax": (
        lambda: keras.optimizers.Adam(0.01),
        "sparse_categorical_crossentropy",
        3,
        "softmax",
        Y_CLS,
    ),
    "sgd_cce_softmax": (
        lambda: keras.optimizers.SGD(0.1),
        "categorical_crossentropy",
        3,
        "softmax",
        Y_ONEHOT,
    ),
    "adagrad_bce_sigmoid": (
        lambda: keras.optimizers.Adagrad(0.1),
        "binary_crossentropy",
        1,
        "sigmoid",
        Y_BIN,
    ),
    # The optimizers and features with their own float64 state or code
    # (tests/python/test_floatx64_optim.py): Nadam's float64 `u_product`,
    # Adafactor's factored moments, Muon's Newton-Schulz step (kernels) and
    # AdamW step (biases), ScheduleFreeAdamW's averaged iterate, the moving
    # average (`use_ema`, the weights take it at the end of `fit`) and
    # gradient accumulation.
    "nadam_mse": (lambda: keras.optimizers.Nadam(0.01), "mse", 2, None, Y_REG),
    "adafactor_mse": (lambda: keras.optimizers.Adafactor(0.05), "mse", 2, None, Y_REG),
    # Three outputs: Keras's float32 Frobenius norm (see rust/optim/muon.rs)
    # sums a (3, 6) matrix in order on XLA's CPU backend, a (2, 6) one
    # vectorized. In a jitted `fit` XLA may still sum it in another order, so
    # this case is compared at a looser tolerance; `muon_apply` below (eager
    # `Optimizer.apply`) is the exact record.
    "muon_mse": (lambda: keras.optimizers.Muon(0.02), "mse", 3, None, Y_ONEHOT),
    "schedule_free_mse": (
        lambda: keras.optimizers.ScheduleFreeAdamW(0.01, warmup_steps=2),
        "mse",
        2,
        None,
        Y_REG,
    ),
    "adam_ema_mse": (
        lambda: keras.optimizers.Adam(0.01, use_ema=True, ema_overwrite_frequency=4),
        "mse",
        2,
        None,
        Y_REG,
    ),
    "sgd_accumulation_mse": (
        lambda: keras.optimizers.SGD(0.1, momentum=0.9, gradient_accumulation_steps=2),
        "mse",
        2,
        None,
        Y_REG,
    ),
    # Kernels by Nadam, biases by SGD with momentum.
    "multi_mse": (lambda: _multi(), "mse", 2, None, Y_REG),
    "nadam_accumulation_ema_clip_mse": (
        lambda: keras.optimizers.Nadam(
            0.01, clipnorm=0.5, use_ema=True, ema_momentum=0.9, gradient_accumulation_steps=2
        ),
        "mse",
        2,
        None,
        Y_REG,
    ),
}


SEQ_X = rng.normal(size=(8, 4, 3))
SEQ_Y = rng.normal(size=(8, 2))


def _mha_model(scores=True):
    # With the scores returned Keras computes attention in float64 (einsum,
    # softmax); its fused `dot_product_attention` (JAX's) takes the softmax
    # in float32 and returns float32 even under x64.
    inputs = keras.Input((4, 3))
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    att = mha(inputs, inputs, return_attention_scores=True)[0] if scores else mha(inputs, inputs)
    out = keras.layers.Dense(2)(keras.layers.Flatten()(att))
    return keras.Model(inputs, out)


# name -> (model builder, optimizer); each trains on SEQ_X, SEQ_Y with mse.
SEQ_CASES = {
    "lstm": (
        lambda: keras.Sequential(
            [
                keras.Input((4, 3)),
                keras.layers.LSTM(5, activation="sigmoid"),
                keras.layers.Dense(2),
            ]
        ),
        lambda: keras.optimizers.Adam(0.01),
    ),
    "gru_backwards": (
        lambda: keras.Sequential(
            [
                keras.Input((4, 3)),
                keras.layers.GRU(5, activation="sigmoid", go_backwards=True),
                keras.layers.Dense(2),
            ]
        ),
        lambda: keras.optimizers.SGD(0.1, momentum=0.9),
    ),
    "simple_rnn": (
        lambda: keras.Sequential(
            [
                keras.Input((4, 3)),
                keras.layers.SimpleRNN(5, activation="relu", return_sequences=True),
                keras.layers.Flatten(),
                keras.layers.Dense(2),
            ]
        ),
        lambda: keras.optimizers.SGD(0.05),
    ),
    "mha": (_mha_model, lambda: keras.optimizers.Adam(0.01)),
}


def record_sequences(out: dict) -> None:
    out["seq_x"], out["seq_y"] = SEQ_X, SEQ_Y
    for name, (build, make_opt) in SEQ_CASES.items():
        model = build()
        init_rng = np.random.default_rng(len(name) + 100)
        init = [init_rng.normal(scale=0.4, size=tuple(w.shape)) for w in model.weights]
        model.set_weights(init)
        assert all(w.dtype == "float64" for w in model.weights)
        model.compile(optimizer=make_opt(), loss="mse")
        hist = model.fit(SEQ_X, SEQ_Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        out[f"seq/{name}/loss"] = np.asarray(hist.history["loss"], np.float64)
        for i, (w0, w) in enumerate(zip(init, model.get_weights())):
            assert w.dtype == np.float64, (name, w.dtype)
            out[f"seq/{name}/init{i}"] = w0
            out[f"seq/{name}/w{i}"] = w
        out[f"seq/{name}/predict"] = np.asarray(model.predict(SEQ_X, verbose=0))


# Variable shapes for `muon_apply`: Newton-Schulz on a wide and on a tall
# (transposed) matrix, and AdamW on a vector.
MUON_SHAPES = [(5, 6), (6, 3), (6,)]


def record_muon_apply(out: dict) -> None:
    """Three eager `Muon.apply` steps on float64 variables."""
    apply_rng = np.random.default_rng(77)
    for i, shape in enumerate(MUON_SHAPES):
        w0 = apply_rng.normal(size=shape)
        grads = [apply_rng.normal(size=shape) for _ in range(3)]
        var = keras.Variable(w0.copy(), dtype="float64")
        opt = keras.optimizers.Muon(0.02)
        for g in grads:
            opt.apply([g], [var])
        out[f"muon_apply/{i}/w0"] = w0
        out[f"muon_apply/{i}/grads"] = np.stack(grads)
        out[f"muon_apply/{i}/w"] = np.asarray(var.numpy())


def main() -> None:
    out = {"x": X, "y_reg": Y_REG, "y_cls": Y_CLS, "y_bin": Y_BIN, "y_onehot": Y_ONEHOT, **W}
    record_muon_apply(out)
    for name, (make_opt, loss, units, activation, y) in CASES.items():
        k2 = np.random.default_rng(len(name)).normal(scale=0.5, size=(6, units))
        b2 = np.zeros((units,))
        model = keras.Sequential(
            [
                keras.Input((5,)),
                keras.layers.Dense(6, activation="sigmoid"),
                keras.layers.Dense(units, activation=activation),
            ]
        )
        model.set_weights([W["k1"], W["b1"], k2, b2])
        assert all(w.dtype == "float64" for w in model.weights)
        model.compile(optimizer=make_opt(), loss=loss)
        hist = model.fit(X, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        out[f"{name}/k2_init"] = k2
        out[f"{name}/loss"] = np.asarray(hist.history["loss"], np.float64)
        for i, w in enumerate(model.get_weights()):
            assert w.dtype == np.float64, (name, w.dtype)
            out[f"{name}/w{i}"] = w
        out[f"{name}/predict"] = np.asarray(model.predict(X, verbose=0))
    record_sequences(out)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, **out)
    print(f"wrote {OUT} ({len(CASES)} + {len(SEQ_CASES)} cases)")


if __name__ == "__main__":
    main()
