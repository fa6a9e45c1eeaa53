"""One framework on one workload, in a process of its own: trains, times, measures.

`benches/e2e.py` runs this file once per (framework, workload) with the
interpreter that has the framework (pykeras's own, or a peer's venv), so each
framework's threads, allocator and peak memory are measured apart. It needs
only numpy and the framework under test, and prints one line
`RESULT {json}` for the parent to read.

Run by hand: python benches/e2e_worker.py --framework torch --workload a
Probe only (versions, or the import error): python benches/e2e_worker.py --probe keras
"""

import argparse
import json
import os
import platform
import re
import resource
import statistics
import sys
import time

# The three training workloads of issue 6; the models are the same in every
# framework (softmax output, sparse categorical cross-entropy, no metrics).
WORKLOADS = {
    "a": {
        "title": "(a) MLP 784-512-Dropout(0.5)-10, RMSprop, batch 128",
        "kind": "mlp",
        "hidden": 512,
        "dropout": 0.5,
        "optimizer": "rmsprop",
        "batch": 128,
    },
    "b": {
        "title": "(b) MLP 784-32-10, Adam, batch 32",
        "kind": "mlp",
        "hidden": 32,
        "dropout": None,
        "optimizer": "adam",
        "batch": 32,
    },
    "c": {
        "title": "(c) CNN 28x28x1 Conv32-Pool-Conv64-Pool-Dense100-Drop(0.4)-10, Adam, batch 128",
        "kind": "cnn",
        "dropout": 0.4,
        "optimizer": "adam",
        "batch": 128,
    },
}

FRAMEWORKS = {
    "pykeras": "pykeras",
    "keras": "Keras 3 (JAX)",
    "torch": "PyTorch (CPU)",
}


def thread_env(threads):
    """Environment variables that cap every framework's threads at `threads`.

    JAX reads XLA_FLAGS (its CPU client's Eigen pool) and the OpenMP/BLAS
    variables; PyTorch gets `torch.set_num_threads` too; pykeras reads
    PYKERAS_NUM_THREADS.
    """
    t = str(threads)
    return {
        "PYKERAS_NUM_THREADS": t,
        "OMP_NUM_THREADS": t,
        "MKL_NUM_THREADS": t,
        "OPENBLAS_NUM_THREADS": t,
        "XLA_FLAGS": f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={t}",
        "KERAS_BACKEND": "jax",
        "JAX_PLATFORMS": "cpu",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }


def _status_kib(key):
    """A field of /proc/self/status in KiB (VmRSS, VmHWM), or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            match = re.search(rf"^{key}:\s+(\d+)\s+kB", f.read(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _reset_peak_rss():
    """Resets the kernel's peak-RSS mark to the current RSS (Linux >= 4.0).

    Without it, a peak reached while importing (JAX and torch load large
    libraries) would hide the peak of training. Returns whether it worked.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_kib():
    """Peak RSS since the last reset: VmHWM, or getrusage's ru_maxrss (KiB on Linux)."""
    hwm = _status_kib("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def median_seconds(fn, repeats, budget):
    """Median wall time of `fn()` over up to `repeats` calls or `budget` seconds."""
    for _ in range(3):
        fn()  # warm-up: compile, allocate, page in
    times = []
    start = time.perf_counter()
    while len(times) < repeats and (len(times) < 5 or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def synthetic_mnist(samples, kind, seed=0):
    """Random MNIST-shaped data, the same for every framework: (x float32, y int64)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shape = (samples, 784) if kind == "mlp" else (samples, 28, 28, 1)
    x = rng.random(shape, dtype=np.float32)
    y = rng.integers(0, 10, size=samples, dtype=np.int64)
    return x, y


# ----------------------------------------------------------------------------
# Frameworks: each runner builds the model and exposes train / call / predict.


class KerasRunner:
    """Keras 3 (JAX backend) and pykeras: the same Keras code for both."""

    def __init__(self, name, threads):
        if name == "pykeras":
            import pykeras as keras

            keras.config.set_num_threads(threads)
        else:
            import keras

            if keras.backend.backend() != "jax":
                raise RuntimeError(f"Keras backend is {keras.backend.backend()!r}, not 'jax'")
        self.name = name
        self.keras = keras

    def versions(self):
        if self.name == "pykeras":
            import pykeras

            info = pykeras.config.cpu_info()
            paths = "/".join(info["available_isas"])
            return {
                "pykeras": getattr(pykeras, "__version__", "?"),
                "ISA path": f"{info['isa']} (of {paths})",
            }
        import jax

        return {"keras": self.keras.__version__, "jax": jax.__version__}

    def build(self, spec):
        keras = self.keras
        layers = keras.layers
        keras.utils.set_random_seed(0)
        if spec["kind"] == "mlp":
            stack = [keras.Input(shape=(784,)), layers.Dense(spec["hidden"], activation="relu")]
            if spec["dropout"]:
                stack.append(layers.Dropout(spec["dropout"]))
        else:
            stack = [
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(32, 3, padding="same", activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, padding="same", activation="relu"),
                layers.MaxPooling2D(2),
                layers.Flatten(),
                layers.Dense(100, activation="relu"),
                layers.Dropout(spec["dropout"]),
            ]
        stack.append(layers.Dense(10, activation="softmax"))
        self.model = keras.Sequential(stack)
        optimizers = keras.optimizers
        optimizer = optimizers.RMSprop() if spec["optimizer"] == "rmsprop" else optimizers.Adam()
        self.model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        self.batch = spec["batch"]

    def prepare(self, x, y, spec):
        return x, y

    def train(self, data, epochs):
        x, y = data
        self.model.fit(x, y, batch_size=self.batch, epochs=epochs, verbose=0, shuffle=True)

    def call_input(self, x1):
        return x1

    def call(self, x1):
        out = self.model(x1)
        if self.name == "keras":
            out.block_until_ready()  # JAX dispatches asynchronously
        return out

    def predict(self, x1):
        return self.model.predict(x1, verbose=0)


class TorchRunner:
    """PyTorch: the idiomatic eager loop (logits + cross_entropy, index batches)."""

    def __init__(self, name, threads):
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(threads)
        self.torch = torch

    def versions(self):
        return {"torch": self.torch.__version__}

    def build(self, spec):
        torch = self.torch
        nn = torch.nn
        torch.manual_seed(0)
        if spec["kind"] == "mlp":
            stack = [nn.Linear(784, spec["hidden"]), nn.ReLU()]
            if spec["dropout"]:
                stack.append(nn.Dropout(spec["dropout"]))
            stack.append(nn.Linear(spec["hidden"], 10))
        else:
            stack = [
                nn.Conv2d(1, 32, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(64 * 7 * 7, 100),
                nn.ReLU(),
                nn.Dropout(spec["dropout"]),
                nn.Linear(100, 10),
            ]
        self.model = nn.Sequential(*stack)
        # Keras's defaults, so the arithmetic matches (torch's own differ).
        if spec["optimizer"] == "rmsprop":
            self.opt = torch.optim.RMSprop(self.model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        else:
            self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, eps=1e-7)
        self.batch = spec["batch"]

    def _tensor(self, x):
        t = self.torch.from_numpy(x)
        # NCHW is torch's native layout; with one channel it is the same memory.
        return t.reshape(len(x), 1, 28, 28) if self.kind == "cnn" else t

    def prepare(self, x, y, spec):
        self.kind = spec["kind"]
        return self._tensor(x), self.torch.from_numpy(y)

    def train(self, data, epochs):
        torch = self.torch
        x, y = data
        self.model.train()
        n = len(x)
        for _ in range(epochs):
            order = torch.randperm(n)
            for i in range(0, n, self.batch):
                idx = order[i : i + self.batch]
                self.opt.zero_grad(set_to_none=True)
                loss = torch.nn.functional.cross_entropy(self.model(x[idx]), y[idx])
                loss.backward()
                self.opt.step()

    def call_input(self, x1):
        self.model.eval()
        return self._tensor(x1)

    def call(self, x1):
        # The Keras models end in softmax; so does this, for the same output.
        with self.torch.no_grad():
            return self.torch.softmax(self.model(x1), dim=-1)

    def predict(self, x1):
        # torch has no predict(): numpy in, numpy out, as Keras's predict.
        with self.torch.inference_mode():
            return self.torch.softmax(self.model(self._tensor(x1)), dim=-1).numpy()


def make_runner(name, threads):
    return TorchRunner(name, threads) if name == "torch" else KerasRunner(name, threads)


def run(args):
    """Trains and times one workload; returns the result record."""
    import numpy as np

    spec = WORKLOADS[args.workload]
    x, y = synthetic_mnist(args.samples, spec["kind"])
    runner = make_runner(args.framework, args.threads)
    data = runner.prepare(x, y, spec)
    # Memory: peak RSS of building, compiling and training, over the RSS
    # after imports and data (so data and libraries are not counted).
    baseline = _status_kib("VmRSS")
    reset = _reset_peak_rss()
    if baseline is None or not reset:
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runner.build(spec)
    runner.train(data, 1)  # warm-up epoch: compilation, allocation, thread start
    t0 = time.perf_counter()
    runner.train(data, args.epochs)
    elapsed = time.perf_counter() - t0
    peak = _peak_rss_kib()
    x1 = np.ascontiguousarray(x[:1])
    call_in = runner.call_input(x1)
    call_s = median_seconds(lambda: runner.call(call_in), args.repeats, args.budget)
    predict_s = median_seconds(lambda: runner.predict(x1), args.repeats, args.budget)
    return {
        "framework": args.framework,
        "workload": args.workload,
        "threads": args.threads,
        "samples_per_s": args.samples * args.epochs / elapsed,
        "train_s": elapsed,
        "call_us": call_s * 1e6,
        "predict_us": predict_s * 1e6,
        "memory_mib": max(peak - baseline, 0) / 1024,
        "versions": runner.versions(),
    }


def probe(name):
    """The framework's versions if it imports here, else the reason it does not."""
    try:
        runner = make_runner(name, 1)
        versions = runner.versions()
    except Exception as e:  # any import or setup failure means "not available"
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}
    import numpy

    versions["numpy"] = numpy.__version__
    record = {"ok": True, "versions": versions, "python": platform.python_version()}
    if name == "pykeras":
        from pykeras import _core

        record["built"] = os.path.getmtime(_core.__file__)
    return record


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", choices=sorted(FRAMEWORKS))
    parser.add_argument("--framework", choices=sorted(FRAMEWORKS))
    parser.add_argument("--workload", choices=sorted(WORKLOADS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=200, help="latency calls at most")
    parser.add_argument("--budget", type=float, default=3.0, help="latency seconds at most")
    args = parser.parse_args(argv)
    os.environ.update({k: v for k, v in thread_env(args.threads).items() if k not in os.environ})
    if args.probe:
        print("RESULT " + json.dumps(probe(args.probe)))
        return
    if not (args.framework and args.workload):
        parser.error("--framework and --workload are required (or --probe)")
    # Fewer threads than cores: pin to that many cores, for every framework alike.
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        if args.threads < len(cores):
            os.sched_setaffinity(0, cores[: args.threads])
    print("RESULT " + json.dumps(run(args)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
