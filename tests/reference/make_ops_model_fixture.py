"""Records a Keras 3 Functional model that applies many `keras.ops` functions to
symbolic tensors, for tests/python/test_saving_keras_ops.py: pykeras must read
every op class of the file (by the class-name rule of pykeras/saving/keras_ops.py)
and compute what Keras computed.

Run with the oracle environment (Keras 3 on JAX), from the repository root:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_ops_model_fixture.py

Writes tests/reference/saving/ops_wide.keras and ops_wide_expected.npz (the
inputs and Keras's outputs).
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers, ops  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "saving")


def ops_wide_model():
    x = keras.Input((6, 4), name="x")
    h = layers.Dense(4, name="dense")(x)
    a = ops.expand_dims(ops.mean(h, axis=1), 1)  # (None, 1, 4)
    b = ops.concatenate([h, a], axis=1)  # (None, 7, 4)
    b = ops.cumsum(ops.clip(b, -2.0, 2.0), axis=1)
    c = ops.einsum("btd,de->bte", b, ops.ones((4, 3)))  # (None, 7, 3)
    c = ops.erf(c * 0.1) + ops.log1p(ops.square(c))
    s = ops.sort(c, axis=-1)
    m = ops.max(s, axis=(1, 2))
    r = ops.reshape(ops.transpose(c, (0, 2, 1)), (-1, 21))
    r = ops.logsumexp(r, axis=-1, keepdims=True)
    t = ops.where(ops.greater(r, 2.0), r, -r)
    out = ops.concatenate([t, ops.expand_dims(m, -1), ops.std(c, axis=(1, 2))[:, None]], -1)
    return keras.Model(x, out, name="ops_wide")


def main():
    keras.utils.set_random_seed(0)
    model = ops_wide_model()
    x = np.random.default_rng(0).normal(size=(5, 6, 4)).astype("float32")
    y = model.predict(x, verbose=0)
    model.save(os.path.join(OUT, "ops_wide.keras"))
    np.savez_compressed(os.path.join(OUT, "ops_wide_expected.npz"), x=x, y=y)
    classes = sorted({type(op).__name__ for op in model.operations})
    print("op classes:", ", ".join(classes))


if __name__ == "__main__":
    main()
