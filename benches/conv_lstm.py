"""Training samples/s of a small ConvLSTM2D video model (issue 16, point 1):
pykeras beside Keras 3 (JAX) on the CPU. PyTorch has no ConvLSTM layer, so
it is reported as absent.

    PYTHONPATH=. python3 benches/conv_lstm.py [--samples 512] [--epochs 2] [--threads 2]

Workloads:
- `convlstm2d`: clips of 8 frames of 16x16x3 -> ConvLSTM2D(16, 3,
  padding="same") -> GlobalAveragePooling2D -> Dense(1);
- `convlstm2d_seq`: the same with `return_sequences=True` into a second
  ConvLSTM2D(16, 3, padding="same").

Batch 16, Adam, mean squared error, random data (seed 0). Each framework
runs in its own subprocess with the same thread cap: pykeras with this
interpreter, Keras (JAX) with $PYKERAS_BENCH_PEER_PYTHON (default
/work/keras-env/bin/python). Each run does one warm-up epoch (compilation),
then times `--epochs` epochs. Prints the machine and one markdown row per
workload with the ratio.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
STEPS, SIZE, CHANNELS, FILTERS, BATCH = 8, 16, 3, 16, 16
WORKLOADS = ("convlstm2d", "convlstm2d_seq")
PEER_PYTHON = os.environ.get("PYKERAS_BENCH_PEER_PYTHON", "/work/keras-env/bin/python")


def data(samples):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, STEPS, SIZE, SIZE, CHANNELS)).astype("float32")
    y = rng.normal(size=(samples, 1)).astype("float32")
    return x, y


def build(keras, workload):
    layers = keras.layers
    stack = [keras.Input((STEPS, SIZE, SIZE, CHANNELS))]
    if workload == "convlstm2d_seq":
        stack.append(layers.ConvLSTM2D(FILTERS, 3, padding="same", return_sequences=True))
    stack += [
        layers.ConvLSTM2D(FILTERS, 3, padding="same"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(1),
    ]
    model = keras.Sequential(stack)
    model.compile(optimizer="adam", loss="mse")
    return model


def worker(framework, workload, samples, epochs):
    if framework == "keras":
        os.environ["KERAS_BACKEND"] = "jax"
        import keras
    else:
        import pykeras as keras
    x, y = data(samples)
    model = build(keras, workload)
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    return samples * epochs / (time.perf_counter() - start)


def spawn(python, framework, workload, args):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "PYKERAS_NUM_THREADS"):  # fmt: skip
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
    env = dict(os.environ, KERAS_BACKEND="jax")
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True,
                          env=env).returncode == 0  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=512)
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
    keras_ok = has(PEER_PYTHON, "keras")
    print("| workload | pykeras | keras (jax) | torch | pykeras / keras |")
    print("|---|---|---|---|---|")
    for workload in args.workloads:
        pk, err = spawn(sys.executable, "pykeras", workload, args)
        kr, kerr = spawn(PEER_PYTHON, "keras", workload, args) if keras_ok else (None, "absent")
        pk_cell = f"{pk:,.1f}" if pk else f"failed ({err})"
        kr_cell = f"{kr:,.1f}" if kr else f"failed ({kerr})" if keras_ok else "absent"
        ratio = f"{pk / kr:.2f}x" if pk and kr else "-"
        print(f"| {workload} | {pk_cell} | {kr_cell} | absent (no ConvLSTM) | {ratio} |",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
