"""bfloat16 mixed precision on the CPU: training speed in float32 and mixed_bfloat16.

Run: python benches/bf16.py [--workloads a c] [--samples 8192] [--epochs 3]
     python benches/bf16.py --gemm     (GEMM GFLOP/s: bf16, float32, numpy)

Workloads (benches/e2e_worker.py's): (a) MLP 784-512-Dropout(0.5)-10, RMSprop,
batch 128 and (c) the CNN Conv32-Pool-Conv64-Pool-Dense100-10, Adam, batch
128, on synthetic MNIST-shaped data. Each row runs in a subprocess of its own:
pykeras in float32 and under `keras.mixed_precision.set_global_policy(
"mixed_bfloat16")`, PyTorch (if installed here or in $PYKERAS_BENCH_PEER_PYTHON)
in float32 and with `torch.autocast("cpu", dtype=torch.bfloat16)` around the
forward pass and loss (PyTorch's recommended CPU mixed precision).
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from e2e import machine_description, peer_pythons  # noqa: E402
from e2e_worker import WORKLOADS, TorchRunner, make_runner, synthetic_mnist, thread_env  # noqa: E402

ROWS = [
    ("pykeras", "float32"),
    ("pykeras", "mixed_bfloat16"),
    ("torch", "float32"),
    ("torch", "bf16 autocast"),
]


class TorchAutocastRunner(TorchRunner):
    """PyTorch's training loop with the forward pass and loss under bf16 autocast."""

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
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    loss = torch.nn.functional.cross_entropy(self.model(x[idx]), y[idx])
                loss.backward()
                self.opt.step()


def worker(framework, precision, workload, samples, epochs, threads):
    """Trains one row and returns samples/s (runs in the subprocess)."""
    spec = WORKLOADS[workload]
    x, y = synthetic_mnist(samples, spec["kind"])
    if framework == "torch" and precision != "float32":
        runner = TorchAutocastRunner("torch", threads)
    else:
        runner = make_runner(framework, threads)
    if framework == "pykeras":
        runner.keras.mixed_precision.set_global_policy(precision)
    data = runner.prepare(x, y, spec)
    runner.build(spec)
    runner.train(data, 1)  # warm-up: compile, allocate, start threads
    best = 0.0
    for _ in range(2):
        t0 = time.perf_counter()
        runner.train(data, epochs)
        best = max(best, samples * epochs / (time.perf_counter() - t0))
    return best


def run_row(python, framework, precision, workload, args):
    cmd = [
        python,
        __file__,
        "--worker",
        json.dumps([framework, precision, workload, args.samples, args.epochs, args.threads]),
    ]
    env = dict(os.environ, **thread_env(args.threads))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(HERE)]))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return f"failed: {tail}"


def torch_python():
    for python in peer_pythons():
        probe = subprocess.run([python, "-c", "import torch"], capture_output=True, check=False)
        if probe.returncode == 0:
            return python
    return None


def gemm_table():
    """GFLOP/s of the bf16 GEMM beside pykeras's float32 one and numpy's."""
    import numpy as np

    from pykeras import _core
    from pykeras.ops._dispatch import run

    def rate(fn, flops):
        fn()
        best = float("inf")
        reps = max(2, int(2e9 / flops))
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(reps):
                fn()
            best = min(best, (time.perf_counter() - t0) / reps)
        return flops / best / 1e9

    print(f"bf16 kernel: {_core.bf16_path()}")
    print("| m x k x n | numpy f32 | pykeras f32 | pykeras bf16 | bf16 / f32 |")
    print("|---|---|---|---|---|")
    shapes = [(s, s, s) for s in (256, 512, 1024, 2048)] + [
        (32, 784, 512),
        (128, 784, 512),
        (128, 512, 10),
        (784, 128, 512),
        (128, 512, 784),
    ]
    rng = np.random.default_rng(0)
    for m, k, n in shapes:
        a = rng.random((m, k), dtype=np.float32)
        b = rng.random((k, n), dtype=np.float32)
        flops = 2 * m * k * n
        r_np = rate(lambda a=a, b=b: a @ b, flops)
        r_32 = rate(lambda a=a, b=b: run("matmul", [a, b]), flops)
        r_16 = rate(lambda a=a, b=b: run("matmul", [a, b], precision="bfloat16"), flops)
        print(f"| {m}x{k}x{n} | {r_np:.0f} | {r_32:.0f} | {r_16:.0f} | {r_16 / r_32:.2f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=["a", "c"], choices=sorted(WORKLOADS))
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--gemm", action="store_true", help="the GEMM table instead")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(worker(*json.loads(args.worker))), flush=True)
        return
    print(machine_description())
    if args.gemm:
        os.environ.update(thread_env(args.threads))
        gemm_table()
        return
    peer = torch_python()
    print(f"threads: {args.threads}; samples/s (best of 2 timed runs of {args.epochs} epochs)")
    print("| workload | " + " | ".join(f"{f} {p}" for f, p in ROWS) + " | bf16 / f32 |")
    print("|---" * (len(ROWS) + 2) + "|")
    for workload in args.workloads:
        cells = {}
        for framework, precision in ROWS:
            python = sys.executable if framework == "pykeras" else peer
            if python is None:
                cells[framework, precision] = "not installed"
                continue
            cells[framework, precision] = run_row(python, framework, precision, workload, args)
        ours = cells["pykeras", "mixed_bfloat16"], cells["pykeras", "float32"]
        ratio = f"{ours[0] / ours[1]:.2f}" if all(isinstance(v, float) for v in ours) else "-"
        text = [f"{v:,.0f}" if isinstance(v, float) else v for v in cells.values()]
        row = " | ".join([WORKLOADS[workload]["title"], *text, ratio])
        print(f"| {row} |", flush=True)


if __name__ == "__main__":
    main()
