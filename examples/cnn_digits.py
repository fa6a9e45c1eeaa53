"""A Functional CNN on the offline digits (the seed tutorial's CNN, sized for
8x8 images): Conv2D, MaxPooling2D, Flatten, Dense, Dropout.

Run: python examples/cnn_digits.py
"""

import pykeras as keras
from pykeras import layers

try:
    from examples._data import digits
except ImportError:
    from _data import digits


def main(epochs=15, verbose=2):
    """Trains and evaluates; returns the test accuracy."""
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = digits()
    x_train, x_test = x_train[..., None], x_test[..., None]
    inputs = keras.Input(shape=(8, 8, 1))
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(100, activation="relu")(x)
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="cnn")
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"[CNN] test loss: {loss:.4f}, test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
