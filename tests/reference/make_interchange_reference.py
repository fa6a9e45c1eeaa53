"""Writes `.keras` and `.weights.h5` files WITH PYKERAS and records what Keras 3
predicts from them (issues 16 point 5 and 17 point 4: pykeras files with the
sequence and attention layers load in Keras 3).

This is a generator, not a test. Run it from the repository root with pykeras
importable; it runs Keras 3 (JAX) in a subprocess:

    PYTHONPATH=/tmp/pkdev python3 tests/reference/make_interchange_reference.py

For every model of interchange_models.py (Sequential and Functional models of
SimpleRNN, LSTM, GRU both ways, Bidirectional in every merge mode,
TimeDistributed, Embedding(mask_zero) and Masking, ConvLSTM2D,
MultiHeadAttention with masks and causal, GroupQueryAttention, Attention,
AdditiveAttention, EinsumDense, Layer/Group/Unit/RMS normalization and the
keras-io TransformerBlock and TokenAndPositionEmbedding), pykeras builds the
model, sets deterministic weights and writes, in
tests/reference/saving/interchange/:

* `<name>.keras` (`model.save`) and `<name>.weights.h5` (`model.save_weights`):
  the fixtures, written by pykeras;
* `<name>.npz`: the fixed inputs `x0, x1, ...`; `keras_model_y0, ...`, what
  Keras 3 predicts after `keras.models.load_model("<name>.keras")`; and
  `keras_weights_y0, ...`, what Keras 3 predicts after building the same model
  itself and `load_weights("<name>.weights.h5")`;
* `versions.json`: the pykeras and Keras versions.

tests/python/test_interchange_to_keras.py checks, without Keras, that pykeras
reads the committed files with Keras's predictions and that current pykeras
still writes the same archives. Keras failing to load a file here is a pykeras
bug: what pykeras writes must be what Keras writes.
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import warnings

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "saving" / "interchange"
KERAS_PYTHON = "/work/keras-env/bin/python"
LOAD_PROBLEM = re.compile(r"could not be loaded|[Ss]kipping|mismatch|not (be )?loaded")
TOLERANCE = 2e-5
sys.path.insert(0, str(HERE))

import interchange_models as im  # noqa: E402


def as_list(values):
    return list(values) if isinstance(values, (list, tuple)) else [values]


def write_with_pykeras():
    """Build every model with pykeras and save it; return pykeras's version."""
    import pykeras

    for name, build in im.BUILDERS.items():
        pykeras.utils.set_random_seed(0)
        model = build(pykeras)
        im.set_weights(model)
        im.train_one_step(model, name)
        model.save(OUT / f"{name}.keras")
        model.save_weights(OUT / f"{name}.weights.h5")
        xs = im.inputs(name)
        np.savez(OUT / f"{name}.npz", **{f"x{i}": x for i, x in enumerate(xs)})
        ys = as_list(model.predict(xs[0] if len(xs) == 1 else xs, verbose=0))
        # Kept out of the fixtures: only used below to say how far pykeras is from Keras.
        np.savez(OUT / f"{name}.pykeras.npz", **{f"y{i}": y for i, y in enumerate(ys)})
        print(f"pykeras wrote {name}: {len(model.weights)} weights")
    return pykeras.__version__


def read_with_keras():
    """In the Keras 3 subprocess: load every file, record the predictions."""
    import keras

    versions = {"keras": keras.__version__, "backend": keras.backend.backend()}
    for name, build in im.BUILDERS.items():
        im.define(keras)  # registers the custom layers the transformer needs
        data = dict(np.load(OUT / f"{name}.npz"))
        xs = [data[f"x{i}"] for i in range(len([k for k in data if k.startswith("x")]))]
        x = xs[0] if len(xs) == 1 else xs
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loaded = keras.models.load_model(OUT / f"{name}.keras")
        # Keras only warns when it cannot load some objects' variables: make it an error.
        problems = [str(w.message) for w in caught if LOAD_PROBLEM.search(str(w.message))]
        if problems:
            raise RuntimeError(f"Keras could not load all of {name}.keras: {problems}")
        for i, y in enumerate(as_list(loaded.predict(x, verbose=0))):
            data[f"keras_model_y{i}"] = np.asarray(y)
        if getattr(loaded, "optimizer", None) is not None:
            data["keras_model_iterations"] = np.asarray(int(loaded.optimizer.iterations))
            data["keras_model_optimizer_variables"] = np.asarray(len(loaded.optimizer.variables))
        keras.utils.clear_session()
        built = build(keras)
        if getattr(built, "optimizer", None) is not None:
            # A trained model's weights file holds the optimizer's slots too.
            built.optimizer.build(built.trainable_variables)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            built.load_weights(OUT / f"{name}.weights.h5")
        problems = [str(w.message) for w in caught if LOAD_PROBLEM.search(str(w.message))]
        if problems:
            raise RuntimeError(f"Keras could not load all of {name}.weights.h5: {problems}")
        for i, y in enumerate(as_list(built.predict(x, verbose=0))):
            data[f"keras_weights_y{i}"] = np.asarray(y)
        np.savez(OUT / f"{name}.npz", **data)
        print(f"Keras {keras.__version__} read {name}")
    return versions


def main():
    if "--keras" in sys.argv:
        print("VERSIONS " + json.dumps(read_with_keras()))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    pykeras_version = write_with_pykeras()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    proc = subprocess.run(
        [KERAS_PYTHON, __file__, "--keras"], env=env, capture_output=True, text=True, cwd=HERE
    )
    print(proc.stdout)
    if proc.returncode != 0:
        sys.exit(f"Keras 3 could not read the pykeras files:\n{proc.stderr[-5000:]}")
    worst = 0.0
    for name in im.BUILDERS:
        ours = np.load(OUT / f"{name}.pykeras.npz")
        theirs = np.load(OUT / f"{name}.npz")
        for kind in ("keras_model", "keras_weights"):
            for i in range(len(ours.files)):
                diff = float(np.max(np.abs(ours[f"y{i}"] - theirs[f"{kind}_y{i}"])))
                print(f"{name} {kind}_y{i}: max |pykeras - Keras| = {diff:.2e}")
                worst = max(worst, diff)
        (OUT / f"{name}.pykeras.npz").unlink()
    if worst > TOLERANCE:
        sys.exit(f"pykeras and Keras disagree by {worst:.2e} > {TOLERANCE}")
    line = [v for v in proc.stdout.splitlines() if v.startswith("VERSIONS ")][-1]
    versions = {"pykeras": pykeras_version, **json.loads(line[len("VERSIONS ") :])}
    (OUT / "versions.json").write_text(json.dumps(versions, indent=1) + "\n")


if __name__ == "__main__":
    main()
