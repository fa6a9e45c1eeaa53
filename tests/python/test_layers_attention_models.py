"""Issue 17, points 3-4: the keras-io TokenAndPositionEmbedding +
TransformerBlock text classifier trains with fit and round-trips through
.keras; Keras 3 .keras files with the new layers load and give Keras's
outputs (tests/reference/make_attention_reference.py); pykeras's files load
back with the same predictions."""

import pathlib
import sys
import zipfile

import numpy as np
from attention_check import DATA, decode

import pykeras as keras

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference"
sys.path.insert(0, str(REFERENCE))
import transformer_models as tm  # noqa: E402

SAVED = DATA["saved_models"]


def custom_objects():
    token, block = tm.define(keras)
    return {"TokenAndPositionEmbedding": token, "TransformerBlock": block}


def test_keras_io_text_classifier_trains_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    model = tm.text_classifier(keras, maxlen=20, vocab_size=100, embed_dim=8, ff_dim=8)
    assert model.output_shape == (None, 2)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.integers(0, 100, (96, 20))
    y = (x[:, 0] % 2).astype("int64")
    history = model.fit(x, y, epochs=4, batch_size=16, validation_split=0.25, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    expected = model.predict(x, verbose=0)
    path = tmp_path / "classifier.keras"
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects=custom_objects())
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-6)
    # The loaded model keeps training, optimizer state included.
    loaded.fit(x, y, epochs=1, batch_size=16, verbose=0)


def test_custom_layers_without_get_config_save_their_arguments():
    token, block = tm.define(keras)
    config = block(8, 2, 16, name="tb").get_config()
    assert {k: config[k] for k in ("embed_dim", "num_heads", "ff_dim", "rate")} == {
        "embed_dim": 8, "num_heads": 2, "ff_dim": 16, "rate": 0.1,
    }  # fmt: skip
    assert block.from_config(config).get_config() == config


def test_keras_file_of_attention_layers_loads_with_keras_outputs(tmp_path):
    record = SAVED["keras_attention_layers"]
    model = keras.models.load_model(REFERENCE / "saving" / "keras_attention_layers.keras")
    inputs = decode(record["inputs"])
    want = decode(record["outputs"])
    np.testing.assert_allclose(model.predict(inputs, verbose=0), want, atol=2e-5)
    # ... and pykeras's own file of it loads back the same.
    model.save(tmp_path / "again.keras")
    again = keras.models.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(again.predict(inputs, verbose=0), want, atol=2e-5)
    with zipfile.ZipFile(tmp_path / "again.keras") as z:
        names = set(z.namelist())
    assert {"config.json", "model.weights.h5", "metadata.json"} <= names


def test_keras_text_classifier_file_loads_with_keras_outputs():
    record = SAVED["keras_text_classifier"]
    model = keras.models.load_model(
        REFERENCE / "saving" / "keras_text_classifier.keras", custom_objects=custom_objects()
    )
    x = decode(record["inputs"])[0]
    np.testing.assert_allclose(model.predict(x, verbose=0), decode(record["outputs"]), atol=2e-5)


def test_implicit_masks_of_embedding_reach_attention_as_in_keras():
    # Embedding(mask_zero=True) -> MultiHeadAttention: the padding masks the
    # queries and keys, as in Keras 3 (a padded query attends uniformly).
    # The weights are Keras's (the .keras file's), the model pykeras-built.
    record = SAVED["keras_masked_mha"]
    tokens = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(30, 8, mask_zero=True)(tokens)
    x = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    model = keras.Model(tokens, x)
    model.load_weights(REFERENCE / "saving" / "keras_masked_mha.keras")
    ids = decode(record["inputs"])[0]
    want = decode(record["outputs"])
    np.testing.assert_allclose(model.predict(ids, verbose=0), want, atol=2e-5)
    np.testing.assert_allclose(np.asarray(model(ids)), want, atol=2e-5)


def test_transformer_benchmark_runs_without_peers():
    import os
    import subprocess

    bench = REFERENCE.parents[1] / "benches" / "transformer.py"
    proc = subprocess.run(
        [sys.executable, str(bench), "--no-peers", "--steps", "2"],
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ.copy(),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "CPU: " in proc.stdout and "| pykeras |" in proc.stdout
