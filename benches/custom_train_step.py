"""Samples/s of a guide-style `train_step` override against the built-in
`fit`, on the 784-512-10 MLP (issue 15: the override must reach >= 0.8x),
and of the Keras GAN guide's two-optimizer step (an MLP generator and
discriminator on 784-wide data) traced into the Rust loop against the same
step run op by op (`run_eagerly=True`, how it ran before it could be traced).

    PYTHONPATH=. python3 benches/custom_train_step.py [--samples 20000] [--epochs 3]

Prints one markdown row per variant and the ratio; both fits run the same
data, batch size and optimizer, after one warm-up epoch each.
"""

import argparse
import json
import os
import pathlib
import subprocess
import time

import numpy as np
from e2e import machine_description  # benches/ is on the path when run as a script

import pykeras as keras
from pykeras import layers, ops


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


class GAN(keras.Model):
    """The Keras GAN guide's `train_step`: the discriminator's update, then
    the generator's against the updated discriminator."""

    def __init__(self, latent_dim=64):
        super().__init__()
        self.latent_dim = latent_dim
        self.generator = keras.Sequential(
            [keras.Input((latent_dim,)), layers.Dense(256, activation="relu"), layers.Dense(784)]
        )
        self.discriminator = keras.Sequential(
            [keras.Input((784,)), layers.Dense(256, activation="relu"), layers.Dense(1)]
        )
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, x):
        return self.discriminator(x)

    def compile(self, run_eagerly=False):
        super().compile(run_eagerly=run_eagerly)
        self.d_optimizer = keras.optimizers.Adam(3e-4)
        self.g_optimizer = keras.optimizers.Adam(3e-4)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def train_step(self, real):
        batch = ops.shape(real)[0]
        noise = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        images = ops.concatenate([self.generator(noise), real], axis=0)
        labels = ops.concatenate([ops.ones((batch, 1)), ops.zeros((batch, 1))], axis=0)
        with keras.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(images))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        with keras.GradientTape() as tape:
            g_loss = self.loss_fn(ops.zeros((batch, 1)), self.discriminator(self.generator(noise)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        return {"d_loss": d_loss, "g_loss": g_loss}


def _gan(run_eagerly):
    keras.utils.set_random_seed(0)
    gan = GAN()
    gan.compile(run_eagerly=run_eagerly)
    return gan


PEER_PYTHON = os.environ.get("PYKERAS_BENCH_PEER_PYTHON", "/work/keras-env/bin/python")


def _torch_gan(samples, epochs, batch_size):
    """PyTorch's samples/s on the same GAN step, or None without torch."""
    worker = pathlib.Path(__file__).with_name("gan_torch_worker.py")
    threads = str(keras.get_num_threads())
    cmd = [PEER_PYTHON, str(worker), str(samples), str(epochs), str(batch_size), threads]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])["samples_per_s"]


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
    gan_x = x[: args.samples // 4]
    gan_traced = _samples_per_second(_gan(False), gan_x, None, args.epochs, args.batch_size)
    gan_eager = _samples_per_second(_gan(True), gan_x, None, 1, args.batch_size)
    gan_torch = _torch_gan(len(gan_x), args.epochs, args.batch_size)
    machine = machine_description()
    print(f"CPU: {machine['cpu']}, {machine['cores']} cores; threads: {keras.get_num_threads()}")
    print("| variant | samples/s |")
    print("|---|---|")
    print(f"| built-in fit | {builtin:,.0f} |")
    print(f"| train_step override (guide) | {custom:,.0f} |")
    print(f"| GAN two-optimizer step, traced | {gan_traced:,.0f} |")
    print(f"| GAN two-optimizer step, run_eagerly | {gan_eager:,.0f} |")
    if gan_torch is not None:
        print(f"| GAN two-optimizer step, PyTorch | {gan_torch:,.0f} |")
        print(f"GAN traced / PyTorch: {gan_traced / gan_torch:.2f}")
    print(f"override / built-in: {custom / builtin:.2f}; GAN traced / eager: "
          f"{gan_traced / gan_eager:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
