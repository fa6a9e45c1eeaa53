"""Samples/s of a guide-style `train_step` override against the built-in
`fit`, on the 784-512-10 MLP (issue 15: the override must reach >= 0.8x).

    PYTHONPATH=. python3 benches/custom_train_step.py [--samples 20000] [--epochs 3]

Prints one markdown row per variant and the ratio; both fits run the same
data, batch size and optimizer, after one warm-up epoch each.
"""

import argparse
import time

import numpy as np
from e2e import machine_description  # benches/ is on the path when run as a script

import pykeras as keras
from pykeras import layers


class GuideModel(keras.Model):
    """`train_step` as the Keras guide writes it."""

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _model(cls):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((784,))
    hidden = layers.Dense(512, activation="relu")(inputs)
    outputs = layers.Dense(10)(hidden)
    model = cls(inputs, outputs)
    model.compile(
        keras.optimizers.Adam(1e-3),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def _samples_per_second(model, x, y, epochs, batch_size):
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)  # trace + warm-up
    best = 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        best = max(best, len(x) / (time.perf_counter() - start))
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((args.samples, 784), np.float32)
    y = rng.integers(0, 10, args.samples)
    builtin = _samples_per_second(_model(keras.Model), x, y, args.epochs, args.batch_size)
    custom = _samples_per_second(_model(GuideModel), x, y, args.epochs, args.batch_size)
    machine = machine_description()
    print(f"CPU: {machine['cpu']}, {machine['cores']} cores; threads: {keras.get_num_threads()}")
    print("| variant | samples/s |")
    print("|---|---|")
    print(f"| built-in fit | {builtin:,.0f} |")
    print(f"| train_step override (guide) | {custom:,.0f} |")
    print(f"ratio: {custom / builtin:.2f}")


if __name__ == "__main__":
    main()
