"""Flat memory: resident memory over long training runs and repeated inference.

Run: python benches/memory.py           (full run: 50 epochs each, ~2 minutes on 2 cores)
     python benches/memory.py --quick   (smoke run: 10 epochs, 1,000 calls; ~10 s)

Trains the seeds' two models on synthetic MNIST-shaped data (random, seed 0;
benches/e2e_worker.py's generator), as the tutorials in /work/shared/seeds
compile them (sparse categorical cross-entropy, `metrics=["accuracy"]`,
`validation_data`):

  mlp  Input(784)-Dense(512, relu)-Dropout(0.5)-Dense(10, softmax), RMSprop,
       batch 128 (e2e workload (a)); 4,096 training and 512 validation samples
  cnn  Input(28, 28, 1)-Conv2D(32)-MaxPool-Conv2D(64)-MaxPool-Flatten-Dense(100)-
       Dropout(0.4)-Dense(10), Adam, batch 128 (e2e workload (c));
       2,048 training and 256 validation samples

A callback reads resident memory (VmRSS, peak VmHWM, and the anonymous part
RssAnon, from /proc/self/status) after epochs 5 and 50. Then the trained
model runs `predict` on one sample 10,000 times, `model(x)` 10,000 times and
`evaluate` on the validation set 300 times, with RSS read before and after
each loop (after a warm-up and `gc.collect()`). --quick trains 10 epochs
(read after epochs 2 and 10) on 1,024 (mlp) and 256 (cnn) samples, and runs
loops of 1,000 calls and 30 evaluations.

Each model runs in a process of its own (this file with --worker), so one
model's memory does not hide the other's. Prints the machine, then a
markdown table. Exits 1 when RSS after the last epoch is more than 5% above
RSS after the first checkpoint, or when any inference loop grows RSS by
more than 2 MiB; 2 when a worker fails.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import pathlib
import platform
import re
import subprocess
import sys
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from e2e_worker import WORKLOADS, synthetic_mnist  # noqa: E402

MIB = 1024 * 1024
TRAINING_BOUND = 0.05  # RSS after the last epoch over RSS after the first checkpoint
LOOP_BOUND = 2 * MIB  # RSS growth of one inference loop

# (name, e2e workload, training samples, validation samples)
MODELS = {
    "mlp": ("a", 4096, 512),
    "cnn": ("c", 2048, 256),
}
QUICK_SAMPLES = {"mlp": (1024, 256), "cnn": (256, 128)}


def log(message: str) -> None:
    print(f"[memory] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- measuring


def memory_kib() -> dict[str, int]:
    """VmRSS, VmHWM and RssAnon of this process in KiB (empty off Linux)."""
    try:
        with open("/proc/self/status") as f:
            text = f.read()
    except OSError:
        return {}
    fields = {}
    for key in ("VmRSS", "VmHWM", "RssAnon"):
        match = re.search(rf"^{key}:\s+(\d+)\s+kB", text, re.MULTILINE)
        if match:
            fields[key] = int(match.group(1))
    return fields


def settled_memory() -> dict[str, int]:
    """Memory once Python's garbage is gone (cycles would otherwise look like growth)."""
    gc.collect()
    return memory_kib()


def build(name: str) -> Any:
    """The seed tutorial's model for `name`, compiled as the tutorial compiles it."""
    import pykeras as keras
    from pykeras import layers

    spec = WORKLOADS[MODELS[name][0]]
    keras.utils.set_random_seed(0)
    if spec["kind"] == "mlp":
        inputs = keras.Input(shape=(784,))
        x = layers.Dense(spec["hidden"], activation="relu")(inputs)
        x = layers.Dropout(spec["dropout"])(x)
    else:
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(100, activation="relu")(x)
        x = layers.Dropout(spec["dropout"])(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=spec["optimizer"],
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def loop_growth(fn: Any, calls: int) -> dict[str, Any]:
    """RSS before and after `calls` calls of `fn`, after 100 warm-up calls."""
    for _ in range(min(100, calls)):
        fn()  # traces the graph, fills the allocator's caches
    before = settled_memory()
    for _ in range(calls):
        fn()
    after = settled_memory()
    return {"calls": calls, "before": before, "after": after}


def run_worker(args: argparse.Namespace) -> dict[str, Any]:
    """Trains one model, reads memory at the checkpoints, then runs the inference loops."""
    import numpy as np

    import pykeras as keras

    name = args.worker
    spec = WORKLOADS[MODELS[name][0]]
    samples, val_samples = MODELS[name][1:]
    if args.quick:
        samples, val_samples = QUICK_SAMPLES[name]
    x, y = synthetic_mnist(samples + val_samples, spec["kind"])
    x_train, y_train = x[:samples], y[:samples]
    x_val, y_val = np.ascontiguousarray(x[samples:]), y[samples:]
    checkpoints = {args.first_epoch, args.epochs}
    readings: dict[int, dict[str, int]] = {}

    class MemoryReading(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if epoch + 1 in checkpoints:
                readings[epoch + 1] = settled_memory()

    start = settled_memory()
    model = build(name)
    model.fit(
        x_train,
        y_train,
        batch_size=spec["batch"],
        epochs=args.epochs,
        validation_data=(x_val, y_val),
        callbacks=[MemoryReading()],
        verbose=0,
    )
    x1 = np.ascontiguousarray(x_val[:1])
    loops = {
        "predict": loop_growth(lambda: model.predict(x1, verbose=0), args.calls),
        "call": loop_growth(lambda: model(x1), args.calls),
        "evaluate": loop_growth(
            lambda: model.evaluate(x_val, y_val, batch_size=spec["batch"], verbose=0),
            args.evaluations,
        ),
    }
    return {
        "model": name,
        "title": spec["title"],
        "samples": samples,
        "val_samples": val_samples,
        "start": start,
        "epochs": {str(k): v for k, v in sorted(readings.items())},
        "loops": loops,
    }


# ---------------------------------------------------------------- reporting


def cpu_summary() -> dict[str, Any]:
    """CPU model and the SIMD flags that matter here, as lscpu reports them."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor says it all
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    flags = set(fields.get("flags", "").split())
    ram = None
    try:
        with open("/proc/meminfo") as f:
            match = re.search(r"^MemTotal:\s+(\d+)\s+kB", f.read(), re.MULTILINE)
            ram = int(match.group(1)) / 1024**2 if match else None
    except OSError:
        pass
    return {
        "model": fields.get("model name") or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "avx2": "avx2" in flags,
        "avx512f": "avx512f" in flags,
        "hypervisor": "hypervisor" in flags,
        "ram_gib": ram,
    }


def header(cpu: dict[str, Any], args: argparse.Namespace) -> list[str]:
    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    ram = f", {cpu['ram_gib']:.1f} GiB" if cpu["ram_gib"] else ""
    vm = ", virtual machine" if cpu["hypervisor"] else ""
    lines = [
        f"CPU: {cpu['model']}, {cpu['cores']} cores{ram}{vm}; "
        f"avx2: {yes(cpu['avx2'])}, avx512f: {yes(cpu['avx512f'])}",
        f"Python {platform.python_version()}, {platform.platform()}; "
        f"{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}"
        + (" (quick run)" if args.quick else ""),
    ]
    conf = os.environ.get("_RJEM_MALLOC_CONF")
    if conf:
        lines.append(f"jemalloc options from $_RJEM_MALLOC_CONF: {conf}")
    return lines


def mib(kib: int | None) -> str:
    return "—" if kib is None else f"{kib / 1024:,.1f}"


def check(ok: bool) -> str:
    return "ok" if ok else "**FAIL**"


def rows_for(record: dict[str, Any], first: int, last: int) -> tuple[list[str], bool]:
    """Table rows of one model, and whether all its checks passed."""
    rows = []
    passed = True
    title = record["title"]
    a, b = record["epochs"].get(str(first), {}), record["epochs"].get(str(last), {})
    if "VmRSS" in a and "VmRSS" in b:
        change = b["VmRSS"] / a["VmRSS"] - 1
        ok = change <= TRAINING_BOUND
        passed &= ok
        rows.append(
            f"| {title} | training, epoch {first} → {last} | {mib(a['VmRSS'])} | "
            f"{mib(b['VmRSS'])} | {change * 100:+.1f}% | {mib(b.get('VmHWM'))} | "
            f"{mib(a.get('RssAnon'))} → {mib(b.get('RssAnon'))} | "
            f"≤ +{TRAINING_BOUND * 100:.0f}% | {check(ok)} |"
        )
    labels = {
        "predict": "`predict`, 1 sample",
        "call": "`model(x)`, 1 sample",
        "evaluate": f"`evaluate`, {record['val_samples']:,} samples",
    }
    for key, label in labels.items():
        loop = record["loops"][key]
        before, after = loop["before"], loop["after"]
        if "VmRSS" not in before:
            continue
        growth = (after["VmRSS"] - before["VmRSS"]) * 1024
        ok = growth <= LOOP_BOUND
        passed &= ok
        per_call = growth / loop["calls"]
        rows.append(
            f"|  | {label} × {loop['calls']:,} | {mib(before['VmRSS'])} | "
            f"{mib(after['VmRSS'])} | {growth / MIB:+.2f} MiB ({per_call:+,.0f} B/call) | "
            f"{mib(after.get('VmHWM'))} | "
            f"{mib(before.get('RssAnon'))} → {mib(after.get('RssAnon'))} | "
            f"≤ +{LOOP_BOUND / MIB:.0f} MiB | {check(ok)} |"
        )
    return rows, passed


TABLE_HEAD = [
    "| model | measure | RSS before, MiB | RSS after, MiB | change | peak RSS (VmHWM), MiB "
    "| anonymous RSS, MiB | bound | result |",
    "|---|---|---:|---:|---:|---:|---:|---|---|",
]


def run_parent(args: argparse.Namespace) -> int:
    cpu = cpu_summary()
    lines = header(cpu, args) + [""] + TABLE_HEAD
    failures = []
    passed = True
    for name in args.models:
        log(f"{name}: {args.epochs} epochs, then the inference loops")
        cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", name]
        cmd += ["--epochs", str(args.epochs), "--first-epoch", str(args.first_epoch)]
        cmd += ["--calls", str(args.calls), "--evaluations", str(args.evaluations)]
        cmd += ["--quick"] if args.quick else []
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        record = None
        for line in reversed(proc.stdout.splitlines()):
            if line.startswith("RESULT "):
                record = json.loads(line[len("RESULT ") :])
                break
        if record is None:
            tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            failures.append(f"{name} failed (exit code {proc.returncode}): {tail}")
            continue
        rows, ok = rows_for(record, args.first_epoch, args.epochs)
        lines += rows
        passed &= ok
    lines += [
        "",
        "RSS is VmRSS after `gc.collect()`; peak is VmHWM at the second reading; anonymous "
        "RSS (RssAnon) leaves out pages of files such as shared libraries, which the kernel "
        "may drop and fault back in. Each model ran in a process of its own; each loop was "
        "preceded by 100 warm-up calls.",
    ]
    lines += [f"- {f}" for f in failures]
    print("\n".join(lines))
    if failures:
        return 2
    return 0 if passed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 epochs, 1,000 calls: a smoke run")
    parser.add_argument("--models", default="mlp,cnn", help="comma-separated: mlp, cnn")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per model")
    parser.add_argument("--worker", choices=sorted(MODELS), help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first-epoch", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--evaluations", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    defaults = (10, 2, 1000, 30) if args.quick else (50, 5, 10_000, 300)
    for key, value in zip(("epochs", "first_epoch", "calls", "evaluations"), defaults):
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.worker:
        print("RESULT " + json.dumps(run_worker(args)), flush=True)
        return 0
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {sorted(MODELS)}")
    return run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
