"""The wheel's smoke test (issue 22): run by tests/run.sh with the Python of a
fresh virtual environment into which only the built wheel (and its
dependencies from PyPI) was installed, with no Rust toolchain on the path.

Builds the seeds' MLP, trains it, saves and loads it (.keras and .h5), and
checks the loaded model predicts what the trained one does. Prints one line
per check; any failure exits non-zero.
"""

import importlib
import os
import pathlib
import pkgutil
import sys
import tempfile

import numpy as np

import pykeras as keras


def main() -> None:
    here = pathlib.Path(keras.__file__).resolve().parent
    assert "site-packages" in str(here), f"pykeras imported from {here}, not the installed wheel"
    print(f"[wheel] pykeras {keras.__version__} from {here}")
    print(f"[wheel] Python {sys.version.split()[0]}; CPU path {keras.config.get_isa()}")
    # Every module imports on this Python (the oldest supported one included).
    names = [m.name for m in pkgutil.walk_packages(keras.__path__, "pykeras.")]
    for name in names:
        if name.startswith("pykeras.export") or ".onnx" in name:
            continue  # optional extras (onnx) are not installed here
        importlib.import_module(name)
    print(f"[wheel] {len(names)} modules import")
    rng = np.random.default_rng(0)
    x = rng.random((512, 784), np.float32)
    y = rng.integers(0, 10, 512)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=64, epochs=3, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0], f"training did not lower the loss: {losses}"
    print(f"[wheel] fit: loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    expected = model.predict(x[:32], verbose=0)
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("model.keras", "model.h5"):
            path = os.path.join(tmp, name)
            model.save(path)
            loaded = keras.saving.load_model(path)
            got = loaded.predict(x[:32], verbose=0)
            err = float(np.max(np.abs(got - expected)))
            assert err <= 1e-6, f"{name}: loaded model differs by {err}"
            print(f"[wheel] save/load {name}: max abs difference {err:.1e}")
    print("[wheel] smoke test passed")


if __name__ == "__main__":
    main()
