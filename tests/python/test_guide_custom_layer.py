"""A custom layer written as the Keras guides write them (add_weight,
ops.matmul, ops.shape, ops.arange, x ** 2, ops.cast, slicing) builds,
shows in summary(), trains with fit and round-trips through .keras."""

import numpy as np

import pykeras as keras
from pykeras import ops


@keras.saving.register_keras_serializable(package="guide")
class PositionalScale(keras.layers.Layer):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        length = ops.shape(inputs)[1]
        positions = ops.cast(ops.arange(0, length), "float32")
        y = ops.matmul(inputs, self.w) + self.b
        y = y + ops.expand_dims(positions, -1) * 0.01
        y = y**2
        return y[:, 0, :] + y[:, -1, :]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_guide_style_layer_builds_trains_and_round_trips(tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(5, 3))
    outputs = keras.layers.Dense(1)(PositionalScale(8)(inputs))
    model = keras.Model(inputs, outputs)
    lines = []
    model.summary(print_fn=lines.append)
    assert any("PositionalScale" in line and "(None, 8)" in line for line in lines)

    rng = np.random.default_rng(0)
    xs = rng.random((64, 5, 3), dtype=np.float32)
    ys = rng.random((64, 1), dtype=np.float32)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(xs, ys, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]

    # The traced model computes what the layer computes eagerly.
    layer = model.layers[1]
    w, b = (v.numpy() for v in layer.weights)
    y = (xs @ w + b + 0.01 * np.arange(5, dtype=np.float32)[:, None]) ** 2
    dense_w, dense_b = model.layers[2].get_weights()
    expected = (y[:, 0] + y[:, -1]) @ dense_w + dense_b
    np.testing.assert_allclose(model.predict(xs, verbose=0), expected, rtol=2e-5, atol=2e-6)

    path = tmp_path / "guide.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(xs, verbose=0), model.predict(xs, verbose=0))
