"""A Sequential MLP on the offline digits: Keras's first model, unchanged.

Run: python examples/mlp_digits.py
"""

import pykeras as keras
from pykeras import layers

try:
    from examples._data import digits
except ImportError:  # run as a script from the examples folder
    from _data import digits


def main(epochs=20, verbose=2):
    """Trains and evaluates; returns the test accuracy."""
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = digits()
    model = keras.Sequential(
        [
            layers.Flatten(input_shape=(8, 8)),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ],
        name="mlp",
    )
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
              verbose=verbose)  # fmt: skip
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"[MLP] test loss: {loss:.4f}, test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
