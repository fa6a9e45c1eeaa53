"""Rematerialization: training memory and speed with and without it.

    PYTHONPATH=. python3 benches/remat.py [--samples 1024] [--batch 128] [--threads 2]

Workload: three blocks of two conv-batchnorm-relu units each (3x3, 32
filters, "same", no bias; 32x32x3 inputs), then global average pooling and
Dense(10), trained one epoch with SGD on random data (seed 0). Each block is
one layer (a custom `Layer` in Keras, an `nn.Sequential` in PyTorch). Each
framework trains it twice, plain and rematerialized, each run in a process
of its own:

- pykeras and Keras 3 (JAX): the blocks created under
  `keras.RematScope("full")` (the model outside it), so each block is one
  rematerialized region that keeps its input and output;
- PyTorch: each block through `torch.utils.checkpoint`.

Reported: the peak resident memory of training (one warm-up batch, then the
timed epoch) above the memory after the model was built (VmHWM from
/proc/self/status, reset before training), and the timed epoch's samples/s.
The activations of a batch of 128 are 128 x 32 x 32 x 32 floats (16 MiB)
per layer output.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
PEER_PYTHON = os.environ.get("PYKERAS_BENCH_PEER_PYTHON", "/work/keras-env/bin/python")
BLOCKS = 3


def status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux).
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def data(samples):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(samples, 32, 32, 3)).astype("float32")
    y = rng.integers(0, 10, size=(samples,)).astype("int32")
    return x, y


def keras_like(module, samples, batch, remat):
    keras = __import__(module)
    if module == "keras":
        keras.utils.set_random_seed(0)
    layers = keras.layers
    x, y = data(samples)

    class ConvBlock(layers.Layer):
        """Two conv-batchnorm-relu units, called as one layer."""

        def __init__(self, filters, **kwargs):
            super().__init__(**kwargs)
            self.units = [
                (
                    layers.Conv2D(filters, 3, padding="same", use_bias=False),
                    layers.BatchNormalization(),
                )
                for _ in range(2)
            ]

        def call(self, h):
            # No `training` argument: Keras 3.15's remat under JAX fails on a
            # Python bool in the call's arguments; the sublayers take the
            # training mode from the call context in both libraries.
            for conv, norm in self.units:
                h = keras.ops.relu(norm(conv(h)))
            return h

    def blocks():
        return [ConvBlock(32) for _ in range(BLOCKS)]

    # The blocks (and their sublayers) are created in the scope, the model
    # outside it: each block is one rematerialized region.
    if remat:
        with keras.RematScope(mode="full"):
            parts = blocks()
    else:
        parts = blocks()
    inputs = keras.Input((32, 32, 3))
    h = inputs
    for block in parts:
        h = block(h)
    h = layers.GlobalAveragePooling2D()(h)
    model = keras.Model(inputs, layers.Dense(10)(h))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer="sgd", loss=loss)
    return measure(
        lambda: model.fit(x[:batch], y[:batch], batch_size=batch, epochs=1, verbose=0),
        lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0),
        samples,
    )


def torch_run(samples, batch, remat):
    import numpy as np
    import torch
    from torch.utils.checkpoint import checkpoint

    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    x, y = data(samples)
    x = torch.tensor(np.transpose(x, (0, 3, 1, 2)).copy())
    y = torch.tensor(y, dtype=torch.long)
    nn = torch.nn

    def unit(cin):
        return [nn.Conv2d(cin, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU()]

    blocks = nn.ModuleList(
        nn.Sequential(*unit(3 if i == 0 else 32), *unit(32)) for i in range(BLOCKS)
    )
    head = nn.Linear(32, 10)
    params = list(blocks.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.01)

    def step(xb, yb):
        h = xb
        for block in blocks:
            h = checkpoint(block, h, use_reentrant=False) if remat else block(h)
        loss = nn.functional.cross_entropy(head(h.mean(dim=(2, 3))), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()

    def epoch():
        for i in range(0, samples, batch):
            step(x[i : i + batch], y[i : i + batch])

    return measure(lambda: step(x[:batch], y[:batch]), epoch, samples)


def measure(warm_up, run, samples):
    """Samples/s of `run`, and the peak memory of `warm_up` and `run` above
    the memory before them (allocators keep freed memory, so a peak taken
    after a warm-up would hide what the first step needed)."""
    base = status_kib("VmRSS")
    reset_peak()
    warm_up()
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    return {"samples_per_s": samples / seconds, "peak_mib": (status_kib("VmHWM") - base) / 1024}


def worker(framework, samples, batch, remat):
    if framework == "torch":
        return torch_run(samples, batch, remat)
    return keras_like(framework, samples, batch, remat)


def spawn(python, framework, remat, args):
    env = dict(os.environ, KERAS_BACKEND="jax")
    for var in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "PYKERAS_NUM_THREADS",
    ):
        env[var] = str(args.threads)
    env["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'true' if args.threads > 1 else 'false'} "
        f"intra_op_parallelism_threads={args.threads}"
    )
    cmd = [python, __file__, "--worker", framework, "--remat" if remat else "--plain"]
    cmd += ["--samples", str(args.samples), "--batch", str(args.batch)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        errors = [line for line in lines if "Error" in line.split(":")[0]]
        return None, (errors or lines or [f"exit {proc.returncode}"])[-1][:160]
    return json.loads(proc.stdout.strip().splitlines()[-1]), None


def has(python, module):
    env = dict(os.environ, KERAS_BACKEND="jax")
    probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, env=env)
    return probe.returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--worker")
    parser.add_argument("--remat", action="store_true")
    parser.add_argument("--plain", action="store_true")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.samples, args.batch, args.remat)))
        return 0
    sys.path.insert(0, str(HERE))
    from e2e import machine_description

    print(machine_description())
    print(f"threads: {args.threads}; {args.samples} samples, batch {args.batch}, {BLOCKS} blocks")
    print("| framework | plain MiB | remat MiB | plain samples/s | remat samples/s |")
    print("|---|---|---|---|---|")
    runs = [("pykeras", sys.executable)]
    runs += [(f, PEER_PYTHON) for f in ("keras", "torch") if has(PEER_PYTHON, f)]
    for framework, python in runs:
        plain, err1 = spawn(python, framework, False, args)
        remat, err2 = spawn(python, framework, True, args)
        if plain is None or remat is None:
            print(f"| {framework} | failed: {err1 or err2} | | | |")
            continue
        print(
            f"| {framework} | {plain['peak_mib']:.0f} | {remat['peak_mib']:.0f} | "
            f"{plain['samples_per_s']:,.0f} | {remat['samples_per_s']:,.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
