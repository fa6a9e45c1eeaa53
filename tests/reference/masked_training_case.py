"""The masked sequence model and data shared by make_masked_training_reference.py
(Keras) and test_masked_training.py (pykeras)."""

import numpy as np


def case_data():
    """Token ids with padding (0) and per-step regression targets."""
    x = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0], [6, 7, 8, 9, 1]], "int32")
    y = np.random.default_rng(0).normal(size=(3, 5, 2)).astype("float32")
    return x, y


def build(keras_module):
    """Embedding(mask_zero=True) -> LSTM(return_sequences) -> Dense, with
    deterministic weights, in `keras_module` (Keras or pykeras)."""
    inp = keras_module.Input((5,), dtype="int32")
    h = keras_module.layers.Embedding(10, 4, mask_zero=True)(inp)
    h = keras_module.layers.LSTM(3, return_sequences=True)(h)
    out = keras_module.layers.Dense(2)(h)
    model = keras_module.Model(inp, out)
    weights = [
        np.random.default_rng(i).normal(size=v.shape).astype("float32") * 0.5
        for i, v in enumerate(model.get_weights())
    ]
    model.set_weights(weights)
    return model
