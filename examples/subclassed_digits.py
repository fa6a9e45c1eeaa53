"""A subclassed model (the seed tutorial's MyModel) on the offline digits.

Run: python examples/subclassed_digits.py
"""

import pykeras as keras

try:
    from examples._data import digits
except ImportError:
    from _data import digits


class MyModel(keras.Model):
    def __init__(self, units, num_classes):
        super().__init__()
        self.flatten = keras.layers.Flatten()
        self.dense1 = keras.layers.Dense(units, activation="relu")
        self.dense2 = keras.layers.Dense(units / 4, activation="relu")
        self.dense3 = keras.layers.Dense(num_classes, activation="softmax")

    def call(self, x):
        x = self.flatten(x)
        x = self.dense1(x)
        x = self.dense2(x)
        return self.dense3(x)


def main(epochs=15, verbose=2):
    """Trains and evaluates; returns the test accuracy."""
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = digits()
    model = MyModel(256, 10)
    model._name = "subclass_model"
    model(keras.layers.Input(shape=(8, 8)))
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"[Subclassing Model] loss: {loss:.5f}, acc: {accuracy:.5f}")
    return accuracy


if __name__ == "__main__":
    main()
