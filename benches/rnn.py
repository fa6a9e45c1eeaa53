"""Training samples/s of IMDB-style recurrent text classifiers (issue 16):
pykeras beside Keras 3 (JAX) and PyTorch on the CPU.

    PYTHONPATH=. python3 benches/rnn.py [--samples 6400] [--epochs 2] [--threads 2]

Workloads: Embedding(20000, 64) -> {LSTM(64) | GRU(64) |
Bidirectional(LSTM(64))} -> Dense(1, sigmoid), sequences of 100 ids,
batch 64, Adam, binary cross-entropy; random ids (seed 0). Each framework
runs in its own subprocess with the same thread cap: pykeras with this
interpreter, Keras (JAX) and PyTorch with $PYKERAS_BENCH_PEER_PYTHON
(default /work/keras-env/bin/python) when they import there. Each run does
one warm-up epoch (compilation), then times `--epochs` epochs. Prints the
machine and one markdown row per workload with the ratios.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
VOCAB, DIM, UNITS, STEPS, BATCH = 20000, 64, 64, 100, 64
WORKLOADS = ("lstm", "gru", "bilstm")
PEER_PYTHON = os.environ.get("PYKERAS_BENCH_PEER_PYTHON", "/work/keras-env/bin/python")


def data(samples):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.integers(1, VOCAB, size=(samples, STEPS)).astype("int32")
    y = rng.integers(0, 2, size=(samples, 1)).astype("float32")
    return x, y


def keras_like(keras, workload):
    layers = keras.layers
    rnn = {
        "lstm": lambda: layers.LSTM(UNITS),
        "gru": lambda: layers.GRU(UNITS),
        "bilstm": lambda: layers.Bidirectional(layers.LSTM(UNITS)),
    }[workload]
    model = keras.Sequential(
        [
            keras.Input((STEPS,), dtype="int32"),
            layers.Embedding(VOCAB, DIM),
            rnn(),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def run_keras_like(module, workload, samples, epochs):
    if module == "keras":
        os.environ["KERAS_BACKEND"] = "jax"
        import keras
    else:
        import pykeras as keras
    x, y = data(samples)
    model = keras_like(keras, workload)
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    return samples * epochs / (time.perf_counter() - start)


def run_torch(workload, samples, epochs):
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, DIM)
            cls = nn.GRU if workload == "gru" else nn.LSTM
            self.rnn = cls(DIM, UNITS, batch_first=True, bidirectional=workload == "bilstm")
            self.dense = nn.Linear(UNITS * (2 if workload == "bilstm" else 1), 1)

        def forward(self, ids):
            _, h = self.rnn(self.embedding(ids))
            h = h[0] if isinstance(h, tuple) else h
            h = torch.cat(list(h), dim=-1) if workload == "bilstm" else h[-1]
            return torch.sigmoid(self.dense(h))

    x, y = data(samples)
    x, y = torch.from_numpy(x.astype("int64")), torch.from_numpy(y)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()

    def epoch():
        perm = torch.randperm(samples)
        for i in range(0, samples, BATCH):
            idx = perm[i : i + BATCH]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()

    epoch()
    start = time.perf_counter()
    for _ in range(epochs):
        epoch()
    return samples * epochs / (time.perf_counter() - start)


def worker(framework, workload, samples, epochs):
    if framework == "torch":
        return run_torch(workload, samples, epochs)
    return run_keras_like(framework, workload, samples, epochs)


def spawn(python, framework, workload, args):
    env = dict(os.environ)
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
    cmd = [python, __file__, "--worker", framework, workload]
    cmd += ["--samples", str(args.samples), "--epochs", str(args.epochs)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        return None, tail[0] if tail else f"exit {proc.returncode}"
    return json.loads(proc.stdout.strip().splitlines()[-1])["samples_per_s"], None


def has(python, module):
    probe = f"import {module}"
    env = dict(os.environ, KERAS_BACKEND="jax")
    return subprocess.run([python, "-c", probe], capture_output=True, env=env).returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=6400)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS))
    parser.add_argument("--worker", nargs=2, metavar=("FRAMEWORK", "WORKLOAD"))
    args = parser.parse_args(argv)
    if args.worker:
        rate = worker(args.worker[0], args.worker[1], args.samples, args.epochs)
        print(json.dumps({"samples_per_s": rate}))
        return
    sys.path.insert(0, str(HERE))
    from e2e import machine_description

    print(machine_description())
    print(f"threads: {args.threads}; {args.samples} samples x {args.epochs} epochs, batch {BATCH}")
    peers = [f for f, m in (("keras", "keras"), ("torch", "torch")) if has(PEER_PYTHON, m)]
    print("| workload | pykeras | " + " | ".join(peers) + " | pykeras / best |")
    print("|---|---|" + "---|" * len(peers) + "---|")
    for workload in args.workloads:
        pk, err = spawn(sys.executable, "pykeras", workload, args)
        rates, cells = [], []
        for peer in peers:
            rate, perr = spawn(PEER_PYTHON, peer, workload, args)
            cells.append(f"{rate:,.0f}" if rate else f"failed ({perr})")
            if rate:
                rates.append(rate)
        pk_cell = f"{pk:,.0f}" if pk else f"failed ({err})"
        ratio = f"{pk / max(rates):.2f}x" if pk and rates else "-"
        print(f"| {workload} | {pk_cell} | " + " | ".join(cells) + f" | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
