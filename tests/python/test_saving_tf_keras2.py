"""Files written by REAL tf.keras 2 (TensorFlow 2.15) load with identical predictions.

The fixtures in ``tests/reference/saving/tf_keras2/`` were written by
``tests/reference/make_tf_keras2_fixtures.py`` with TensorFlow 2.15.1 / Keras
2.15: a legacy whole-model HDF5 (``model.save("<name>.h5")``), a weights file
(``model.save_weights("<name>_weights.h5")``), ``model.to_json()``, and an
``.npz`` with fixed inputs and tf.keras's predictions for them.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest

import pykeras as keras

FIXTURES = Path(__file__).resolve().parent.parent / "reference" / "saving" / "tf_keras2"
NAMES = ["mlp", "two_tower", "cnn"]


def expected(name):
    data = np.load(FIXTURES / f"{name}.npz")
    xs = [data[f"x{i}"] for i in range(len([k for k in data.files if k.startswith("x")]))]
    ys = [data[f"y{i}"] for i in range(len([k for k in data.files if k.startswith("y")]))]
    return xs, ys, int(data["iterations"])


def assert_predicts_like_tf_keras(model, name):
    xs, ys, _ = expected(name)
    preds = model.predict(xs[0] if len(xs) == 1 else xs, verbose=0)
    if not isinstance(preds, (list, tuple)):
        preds = [preds]
    assert len(preds) == len(ys)
    for got, want in zip(preds, ys):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)


def load(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a training config that could not be rebuilt
        # tf.keras 2's optimizer slots are laid out differently: said, not loaded.
        warnings.filterwarnings("ignore", message=".*optimizer state.*Keras 2")
        return keras.models.load_model(path, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_whole_model_h5_loads_with_tf_keras_predictions(name):
    model = load(FIXTURES / f"{name}.h5")
    assert_predicts_like_tf_keras(model, name)
    assert type(model.optimizer).__name__ == "Adam"
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    # The compile config came back: the same losses (from_logits, loss_weights) as tf.keras.
    data = np.load(FIXTURES / f"{name}.npz")
    xs, _, _ = expected(name)
    ts = [data[f"t{i}"] for i in range(len([k for k in data.files if k.startswith("t")]))]
    result = model.evaluate(
        xs[0] if len(xs) == 1 else xs,
        ts[0] if len(ts) == 1 else ts,
        batch_size=5,
        verbose=0,
        return_dict=True,
    )
    np.testing.assert_allclose(result["loss"], data["loss"], rtol=1e-5, atol=1e-6)
    # ... and the compiled model trains.
    model.fit(xs[0] if len(xs) == 1 else xs, ts[0] if len(ts) == 1 else ts, epochs=1, verbose=0)


@pytest.mark.parametrize("name", NAMES)
def test_whole_model_h5_loads_uncompiled(name):
    model = load(FIXTURES / f"{name}.h5", compile=False)
    assert_predicts_like_tf_keras(model, name)


@pytest.mark.parametrize("name", NAMES)
def test_json_plus_weights_file_gives_tf_keras_predictions(name):
    model = keras.models.model_from_json((FIXTURES / f"{name}.json").read_text())
    model.load_weights(FIXTURES / f"{name}_weights.h5")
    assert_predicts_like_tf_keras(model, name)


def test_model_structure_matches_tf_keras():
    mlp = load(FIXTURES / "mlp.h5", compile=False)
    assert isinstance(mlp, keras.Sequential)
    assert mlp.input_shape == (None, 8)
    assert [type(layer).__name__ for layer in mlp.layers] == ["Dense", "Dropout", "Dense"]

    two = load(FIXTURES / "two_tower.h5", compile=False)
    assert [tuple(s) for s in two.input_shape] == [(None, 6), (None, 4)]
    assert [tuple(s) for s in two.output_shape] == [(None, 1), (None, 2)]
    bn = two.get_layer("bn")
    # Moving statistics (non-trainable) came from tf.keras's training epoch.
    assert not np.allclose(np.asarray(bn.moving_mean), 0.0)

    cnn = load(FIXTURES / "cnn.h5", compile=False)
    assert cnn.input_shape == (None, 8, 8, 1)
    assert [type(layer).__name__ for layer in cnn.layers] == [
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
    ]
