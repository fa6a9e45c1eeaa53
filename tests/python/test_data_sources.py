"""`PyDataset` and generators as `validation_data` and in `evaluate` / `predict`, and
inputs one rank short of a model's `Input` (last dimension 1) expanded as Keras 3
does; the rank fixture was written by real Keras 3
(``tests/reference/make_serialization_fixtures.py``)."""

from pathlib import Path

import numpy as np
import pytest

import pykeras as keras

FIXTURES = Path(__file__).resolve().parent.parent / "reference" / "saving" / "serialization"


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index):
        window = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[window], self.y[window]

    def on_epoch_end(self):
        self.epochs_ended += 1


def data(n=48):
    rs = np.random.RandomState(0)
    return rs.rand(n, 6, 6).astype("float32"), rs.randint(0, 3, n)


def model():
    keras.utils.set_random_seed(1)
    m = keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    m.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def batches_forever(x, y, batch_size):
    while True:
        for start in range(0, len(x), batch_size):
            yield x[start : start + batch_size], y[start : start + batch_size]


def test_pydataset_as_validation_data_matches_arrays():
    x, y = data()
    with_arrays = model().fit(x, y, epochs=2, shuffle=False, verbose=0, validation_data=(x, y))
    with_dataset = model().fit(
        x, y, epochs=2, shuffle=False, verbose=0, validation_data=Batches(x, y, 16)
    )
    for key in ("val_loss", "val_accuracy"):
        np.testing.assert_allclose(with_dataset.history[key], with_arrays.history[key], rtol=1e-5)


def test_pydataset_training_with_pydataset_and_generator_validation():
    x, y = data()
    m = model()
    history = m.fit(Batches(x, y, 16), epochs=2, verbose=0, validation_data=Batches(x, y, 16))
    assert len(history.history["val_loss"]) == 2
    history = m.fit(
        x, y, epochs=2, verbose=0, validation_data=batches_forever(x, y, 16), validation_steps=3
    )
    assert len(history.history["val_loss"]) == 2
    history = m.fit(
        Batches(x, y, 16),
        epochs=2,
        verbose=0,
        validation_data=batches_forever(x, y, 16),
        validation_steps=3,
    )
    assert np.isfinite(history.history["val_loss"]).all()


def test_evaluate_and_predict_on_pydataset_and_generators():
    x, y = data()
    m = model()
    want = m.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(m.evaluate(Batches(x, y, 16), verbose=0), want, rtol=1e-5)
    np.testing.assert_allclose(
        m.evaluate(batches_forever(x, y, 16), steps=3, verbose=0), want, rtol=1e-5
    )
    expected = m.predict(x, verbose=0)
    np.testing.assert_allclose(m.predict(Batches(x, y, 16), verbose=0), expected, rtol=1e-6)
    only_x = (x[i : i + 16] for i in range(0, len(x), 16))
    np.testing.assert_allclose(m.predict(only_x, verbose=0), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="no batches"):
        m.evaluate(iter([]), verbose=0)


def test_rank_short_input_expanded_as_keras():
    recorded = np.load(FIXTURES / "rank_short.npz")
    assert recorded["x"].ndim == 3
    m = keras.models.load_model(FIXTURES / "rank_short.keras")
    np.testing.assert_allclose(
        m.predict(recorded["x"], verbose=0), recorded["y"], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(np.asarray(m(recorded["x"])), recorded["y"], rtol=1e-5, atol=1e-6)


def test_rank_short_and_rank_long_data_in_fit_evaluate_and_symbolic_calls():
    x, y = data()
    m = model()
    m.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_allclose(m.predict(x, verbose=0), m.predict(x[..., None], verbose=0))
    assert len(m.evaluate(x, y, verbose=0)) == 2
    inputs = keras.Input((6,))
    flat = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    extra = np.ones((3, 6, 1), "float32")
    assert flat.predict(extra, verbose=0).shape == (3, 2)  # a trailing 1 is squeezed
    image = keras.Input((6, 6, 1))
    functional = keras.Model(image, keras.layers.Flatten()(image))
    assert functional(keras.Input((6, 6))).shape == (None, 36)
