"""Data-parallel scaling of pykeras on Ray (issue 21, point 5).

Run (from benches/, or with pykeras installed): python ray_scaling.py [--cnn]
     python ray_scaling.py --quick    (smoke run on tiny data)

Trains the seeds' MLP (benches/e2e.py's workload (a): 784-512-Dropout(0.5)-10,
RMSprop, batch 128 per worker; `--cnn` adds workload (c)) with
`pykeras.distribute.fit` on a local Ray cluster, and reports samples/s and
each worker's time split into compute, all-reduce (the exchange itself) and
idle (waiting for the slowest worker), beside one process without Ray.

With PyTorch installed, every run of more than one worker is made twice:
with the gloo process group Ray Train sets up (what `fit` chooses then) and
with the Ray rendezvous actor (its fallback without PyTorch,
`collective="ray"`). It then measures one all-reduce of the model's gradient
(float32) alone on both paths (benches/allreduce.py; the actor only, without
PyTorch), and fits an alpha-beta model of all-reduce cost to predict the
speed-up on 8 and 64 machines at 10 and 100 Gbit/s.
"""

import argparse
import importlib.util
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from allreduce import allreduce_seconds  # noqa: E402
from e2e import machine_description  # noqa: E402

HAS_TORCH = importlib.util.find_spec("torch") is not None
# Per-message latency of a datacenter network (TCP, one switch hop): the
# alpha of the model; beta comes from the link speed.
ALPHA_SECONDS = 50e-6


def build_mlp():
    import pykeras as keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.RMSprop(), loss="sparse_categorical_crossentropy")
    return model


def build_cnn():
    import pykeras as keras

    layers = keras.layers
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(100, activation="relu"),
            layers.Dropout(0.4),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    return model


def data(kind, rows):
    rng = np.random.default_rng(0)
    shape = (rows, 784) if kind == "mlp" else (rows, 28, 28, 1)
    return rng.random(shape, dtype=np.float32), rng.integers(0, 10, size=rows)


def one_process(build, x, y, batch, epochs, threads):
    import pykeras as keras

    keras.config.set_num_threads(threads)
    model = build()
    model.fit(x[: batch * 4], y[: batch * 4], batch_size=batch, epochs=1, verbose=0)
    started = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, shuffle=False)
    return len(x) * epochs / (time.perf_counter() - started)


def distributed(build, x, y, batch, epochs, workers, storage, collective):
    from pykeras import distribute

    # Two cores: one per worker up to two workers, then shared.
    cpus = 1.0 if workers <= 2 else 2.0 / workers
    result = distribute.fit(
        build, x, y, num_workers=workers, batch_size=batch, epochs=epochs,
        cpus_per_worker=cpus, threads_per_worker=1, storage_path=storage,
        collective=collective,
    )  # fmt: skip
    assert result.collective == collective or workers == 1
    rows = {}
    for t in result.timings:
        exchange = t["collective"] - t["idle"]
        compute = t["total"] - t["collective"] - t["report"]
        parts = (("compute", compute), ("allreduce", exchange), ("idle", t["idle"]),
                 ("report", t["report"]))  # fmt: skip
        for key, value in parts:
            rows.setdefault(key, []).append(value / t["total"])
    # Samples/s of the run: every worker's rows over the slowest worker's time
    # in fit (the epoch-end checkpoints excluded, as they are not per step).
    slowest = max(t["total"] - t["report"] for t in result.timings)
    return {
        "samples_per_s": (len(x) - result.dropped_rows) * epochs / slowest,
        "compute": float(np.mean(rows["compute"])),
        "allreduce": float(np.mean(rows["allreduce"])),
        "idle": float(np.mean(rows["idle"])),
        "report": float(np.mean(rows["report"])),
    }


def ray_allreduce_seconds(size, repeats):
    """Seconds per all-reduce of `size` float32 values between 2 Ray tasks
    through the rendezvous actor of pykeras.distribute (without PyTorch:
    benches/allreduce.py measures both paths in Ray Train workers)."""
    import ray

    from pykeras.distribute.collective import Communicator, Rendezvous

    actor = ray.remote(num_cpus=0, max_concurrency=64)(Rendezvous).remote(2)

    @ray.remote(num_cpus=0.5)
    def member(rank):
        comm = Communicator(actor, rank, 2)
        values = np.ones(size, np.float32)
        comm.all_reduce(values)
        started = time.perf_counter()
        for _ in range(repeats):
            comm.all_reduce(values)
        return (time.perf_counter() - started) / repeats

    return max(ray.get([member.remote(0), member.remote(1)]))


def ring_seconds(n_bytes, machines, gbit):
    """Alpha-beta cost of a ring all-reduce (gloo's, `fit`'s path with
    PyTorch; NCCL's): 2(p-1) messages of n/p bytes each way."""
    beta = 8 / (gbit * 1e9)
    return 2 * (machines - 1) * (ALPHA_SECONDS + n_bytes / machines * beta)


def star_seconds(n_bytes, machines, gbit, alpha):
    """Alpha-beta cost of this module's rendezvous actor: every machine sends
    its n bytes to the node of one actor and gets the others' back, through
    that node's one link; alpha is the measured cost of a small all-reduce
    through the actor (Ray's calls, not the wire)."""
    beta = 8 / (gbit * 1e9)
    return alpha + 2 * machines * n_bytes * beta


def predictions(n_bytes, step_compute, ray_alpha):
    lines = [
        "| machines | link | ring all-reduce (gloo) | speed-up (ring) | star (Ray actor) "
        "| speed-up (star) |",
        "|---|---|---|---|---|---|",
    ]
    for machines in (8, 64):
        for gbit in (10, 100):
            ring = ring_seconds(n_bytes, machines, gbit)
            star = star_seconds(n_bytes, machines, gbit, ray_alpha)
            lines.append(
                f"| {machines} | {gbit} Gbit/s | {ring * 1e3:.2f} ms "
                f"| {machines * step_compute / (step_compute + ring):.1f}x "
                f"| {star * 1e3:.2f} ms | {machines * step_compute / (step_compute + star):.1f}x |"
            )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny data, 1 and 2 workers")
    parser.add_argument("--cnn", action="store_true", help="also the CNN (workload (c))")
    parser.add_argument("--workers", default="1,2,4", help="worker counts (default 1,2,4)")
    args = parser.parse_args(argv)
    try:
        import ray
    except ImportError:
        print('Ray is not installed: pip install "pykeras[ray]"')
        return 1
    import pykeras as keras

    print(machine_description())
    print(f"ray {ray.__version__}, pykeras {keras.__version__}\n")
    epochs = 1 if args.quick else 2
    counts = [1, 2] if args.quick else [int(w) for w in args.workers.split(",")]
    # (name, model, batch per worker, rows): MNIST's 60000 rows for the MLP,
    # fewer for the CNN (about 50x the compute per sample).
    workloads = [("mlp", build_mlp, 128, 60000)]
    if args.cnn:
        workloads.append(("cnn", build_cnn, 128, 4096))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    storage = tempfile.mkdtemp(prefix="pykeras-ray-bench-")
    try:
        for kind, build, batch, rows in workloads:
            rows = min(rows, 2048) if args.quick else rows
            x, y = data(kind, rows)
            params = sum(int(np.prod(w.shape)) for w in build().trainable_weights)
            print(f"## {kind}: {params} parameters ({params * 4 / 1e6:.2f} MB of gradients), "
                  f"batch {batch} per worker, {rows} rows x {epochs} epochs\n")  # fmt: skip
            print("| run | samples/s | compute | all-reduce | idle | epoch-end reports |")
            print("|---|---|---|---|---|---|")
            single = {}
            for threads in (1, 2):
                rate = single[threads] = one_process(build, x, y, batch, epochs, threads)
                print(
                    f"| one process, {threads} thread(s), no Ray | {rate:,.0f} | 100% | - | - | - |"
                )
            # With PyTorch, `fit` all-reduces through gloo; the Ray actor is
            # its fallback (one worker exchanges nothing: one run).
            paths = ["gloo", "ray"] if HAS_TORCH else ["ray"]
            for workers in counts:
                for path in paths[:1] if workers == 1 else paths:
                    r = distributed(build, x, y, batch, epochs, workers, storage, path)
                    how = "" if workers == 1 else (", gloo" if path == "gloo" else ", Ray actor")
                    print(
                        f"| Ray, {workers} worker(s) x 1 thread{how} | {r['samples_per_s']:,.0f} "
                        f"| {r['compute']:.0%} | {r['allreduce']:.0%} | {r['idle']:.0%} "
                        f"| {r['report']:.0%} |"
                    )
            # One step's compute: one process on one thread (no Ray, warmed up).
            step_compute = batch / single[1]
            if HAS_TORCH:
                rounds, repeats = (3, 20) if args.quick else (5, 50)
                seconds = allreduce_seconds(rounds, repeats, {"4 KB": 1024, kind: params})
                ray_s, ray_alpha, gloo_s = (
                    float(np.median(seconds[p][n])) for p, n in
                    (("ray", kind), ("ray", "4 KB"), ("gloo", kind))
                )  # fmt: skip
            else:
                repeats = 20 if args.quick else 100
                ray_s = ray_allreduce_seconds(params, repeats)
                ray_alpha = ray_allreduce_seconds(1024, repeats)
                gloo_s = None
            print(f"\nOne all-reduce of {params * 4 / 1e6:.2f} MB between 2 processes: "
                  f"Ray rendezvous actor {ray_s * 1e3:.2f} ms"
                  + (f", gloo {gloo_s * 1e3:.2f} ms" if gloo_s else
                     ", gloo not measured (PyTorch is not installed)"))  # fmt: skip
            print(f"Compute per step (one process, 1 thread): {step_compute * 1e3:.2f} ms")
            print(f"\nPredicted speed-up over one machine (ring: alpha = "
                  f"{ALPHA_SECONDS * 1e6:.0f} us per message; star: alpha = "
                  f"{ray_alpha * 1e3:.2f} ms, a measured 4 KB all-reduce through the actor; "
                  "no overlap of compute and all-reduce):\n")  # fmt: skip
            print(predictions(params * 4, step_compute, ray_alpha))
            print()
    finally:
        ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
