"""The seed tutorial's branched regressor: one input, two outputs, the second
through an extra branch, trained on scikit-learn's diabetes data (offline).

Run: python examples/branched_regressor.py
"""

import numpy as np
from sklearn.datasets import load_diabetes

import pykeras as keras
from pykeras.layers import Dense, Input
from pykeras.models import Model


def main(epochs=60, verbose=0):
    """Trains two regression heads; returns (y1 R^2, y2 R^2) on held-out data."""
    keras.utils.set_random_seed(0)
    data = load_diabetes()
    x = data.data[:, :3].astype("float32")
    x = (x - x.mean(0)) / x.std(0)
    y1 = ((data.target - data.target.mean()) / data.target.std()).astype("float32")
    y2 = (x[:, 0] * x[:, 1] + x[:, 2]).astype("float32")  # a second, nonlinear target
    split = 350
    input_layer = Input(shape=(3,), name="input_layer")
    layer_1 = Dense(10, activation="relu", name="Layer_1")(input_layer)
    layer_2 = Dense(10, activation="relu", name="Layer_2")(layer_1)
    y1_output = Dense(1, activation="linear", name="y1_output")(layer_2)
    branched = Dense(10, activation="relu", name="Branched_layer")(layer_2)
    y2_output = Dense(1, activation="linear", name="y2_output")(branched)
    model = Model(inputs=input_layer, outputs=[y1_output, y2_output])
    model.summary()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x[:split], [y1[:split], y2[:split]], epochs=epochs, verbose=verbose)
    p1, p2 = model.predict(x[split:], verbose=0)

    def r2(y, p):
        return 1 - np.sum((y - p[:, 0]) ** 2) / np.sum((y - y.mean()) ** 2)

    scores = r2(y1[split:], p1), r2(y2[split:], p2)
    print(f"[Branched regressor] R^2 y1: {scores[0]:.3f}, y2: {scores[1]:.3f}")
    return scores


if __name__ == "__main__":
    main()
