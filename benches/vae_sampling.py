"""Samples/s of `fit` on a VAE-style model whose sampling layer draws
`keras.random.normal((batch, dim))` with `batch = ops.shape(z_mean)[0]`
(sizes known at run time only), in pykeras and in Keras 3 (JAX, and torch
where installed), on the same data, batch size and optimizer.

    PYTHONPATH=. python3 benches/vae_sampling.py [--samples 20000] [--epochs 3]

The same model code runs under each framework: this script re-runs itself
with /work/keras-env/bin/python and KERAS_BACKEND set for the Keras rows.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

KERAS_PYTHON = "/work/keras-env/bin/python"


def build(keras):
    ops, layers = keras.ops, keras.layers

    class Sampling(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    inputs = keras.Input((784,))
    h = layers.Dense(256, activation="relu")(inputs)
    z_mean = layers.Dense(16)(h)
    z_log_var = layers.Dense(16)(h)
    z = Sampling()([z_mean, z_log_var])
    h = layers.Dense(256, activation="relu")(z)
    outputs = layers.Dense(784, activation="sigmoid")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def measure(framework, samples, epochs, batch_size):
    if framework == "pykeras":
        import pykeras as keras
    else:
        import keras
    keras.utils.set_random_seed(0)
    x = (np.random.default_rng(0).random((samples, 784)) > 0.7).astype(np.float32)
    model = build(keras)
    model.fit(x, x, epochs=1, batch_size=batch_size, verbose=0)  # warm-up (compile)
    start = time.perf_counter()
    history = model.fit(x, x, epochs=epochs, batch_size=batch_size, verbose=0)
    seconds = time.perf_counter() - start
    return {"samples_per_s": samples * epochs / seconds, "loss": history.history["loss"][-1]}


def peer(backend, args):
    env = dict(os.environ, KERAS_BACKEND=backend)
    cmd = [KERAS_PYTHON, __file__, "--worker", "keras", *_common(args)]
    try:
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if out.returncode != 0:
        return None, out.stderr.strip().splitlines()[-1] if out.stderr else "failed"
    return json.loads(out.stdout.strip().splitlines()[-1]), None


def _common(args):
    return ["--samples", str(args.samples), "--epochs", str(args.epochs), "--batch-size",
            str(args.batch_size)]  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--worker", default=None)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker, args.samples, args.epochs, args.batch_size)))
        return
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from e2e import machine_description

    print(machine_description())
    print(f"\nVAE sampling layer, fit: {args.samples} samples x {args.epochs} epochs, "
          f"batch {args.batch_size}\n")  # fmt: skip
    print("| framework | samples/s | final loss | pykeras ratio |")
    print("|---|---|---|---|")
    mine = measure("pykeras", args.samples, args.epochs, args.batch_size)
    rows = [("pykeras", mine, None)]
    for backend in ("jax", "torch"):
        result, error = peer(backend, args)
        rows.append((f"keras ({backend})", result, error))
    for name, result, error in rows:
        if result is None:
            print(f"| {name} | not run: {error} | | |")
            continue
        ratio = mine["samples_per_s"] / result["samples_per_s"]
        print(f"| {name} | {result['samples_per_s']:,.0f} | {result['loss']:.4f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
