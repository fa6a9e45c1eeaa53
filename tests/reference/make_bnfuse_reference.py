"""Records what Keras 3 computes for the batch-norm fusion cases of
`bnfuse_models.py`: inference outputs (predict) with random moving
statistics, and the weights and moving statistics after one SGD step
(training keeps batch statistics).

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_bnfuse_reference.py

For each case: seeded weights (gamma, beta, moving mean and a positive
moving variance included) set on the Keras model, a seeded input batch,
`predict`'s output, then `train_on_batch` with SGD(0.1) and mean squared
error against a seeded target, and every weight after it. Writes
tests/reference/data/bnfuse.npz.
"""

import os
import pathlib
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bnfuse_models  # noqa: E402

OUT = HERE / "data" / "bnfuse.npz"
BATCH = 4


def seeded_weights(rng, model):
    """Weights for `model`: variances positive, the rest spread around 0."""
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        if "variance" in w.path:
            values.append(rng.uniform(0.3, 2.0, shape))
        elif "gamma" in w.path:
            values.append(rng.uniform(0.5, 1.5, shape))
        else:
            values.append(rng.uniform(-0.6, 0.6, shape))
    return [v.astype("float32") for v in values]


def main():
    rng = np.random.default_rng(18)
    arrays = {"keras_version": np.array(keras.__version__)}
    for name in bnfuse_models.CASES:
        model = bnfuse_models.build(keras, name)
        weights = seeded_weights(rng, model)
        model.set_weights(weights)
        x = rng.uniform(-1.5, 1.5, (BATCH, *model.input_shape[1:])).astype("float32")
        target = rng.uniform(-1, 1, (BATCH, *model.output_shape[1:])).astype("float32")
        arrays[f"{name}/x"] = x
        arrays[f"{name}/target"] = target
        for i, w in enumerate(weights):
            arrays[f"{name}/w{i}"] = w
        arrays[f"{name}/predict"] = model.predict(x, batch_size=BATCH, verbose=0)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        model.train_on_batch(x, target)
        for i, w in enumerate(model.get_weights()):
            arrays[f"{name}/trained{i}"] = w
    np.savez(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes), {len(bnfuse_models.CASES)} cases")


if __name__ == "__main__":
    main()
