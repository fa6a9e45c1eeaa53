"""The all-reduce of pykeras.distribute alone: PyTorch's gloo process group
against the Ray rendezvous actor (issue 21, point 1: choose by measuring).

Run (from benches/, with Ray and PyTorch installed): python allreduce.py
     python allreduce.py --quick    (fewer rounds)

Starts 2 Ray Train workers (v2 `DataParallelTrainer` with
`ray.train.torch.TorchConfig(backend="gloo")`, as `pykeras.distribute.fit`
does), gives each both communicators (`pykeras.distribute.collective.connect`,
"gloo" and "ray"), and times all-reduces of float32 buffers of 4 KB (the
per-call overhead) and of the seeds' CNN and MLP gradients (benches/
ray_scaling.py's models). Sizes and paths alternate in rounds so a busy
moment of the shared machine hits both; each round's figure is the slower
worker's mean per call, and the table gives the median and range over rounds.
"""

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from e2e import machine_description  # noqa: E402

# Float32 values: 4 KB; the CNN's 333,526 and the MLP's 407,050 parameters.
SIZES = {"4 KB": 1024, "CNN 1.33 MB": 333_526, "MLP 1.63 MB": 407_050}
PATHS = ("gloo", "ray")


def bench_worker(config):
    """Each worker's loop: every (path, size) `repeats` times per round."""
    import ray.train

    from pykeras.distribute.collective import connect

    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    comms = {path: connect(path, rank, world) for path in PATHS}
    times = {path: {name: [] for name in config["sizes"]} for path in PATHS}
    for _ in range(config["rounds"]):
        for path, comm in comms.items():
            for name, size in config["sizes"].items():
                # Zeros: the in-place sums stay finite however often they run.
                values = np.zeros(size, np.float32)
                comm.all_reduce(values)
                comm.broadcast(None)  # start the timed calls together
                started = time.perf_counter()
                for _ in range(config["repeats"]):
                    comm.all_reduce(values)
                times[path][name].append((time.perf_counter() - started) / config["repeats"])
    gathered = comms["gloo"].all_gather(times)
    if rank == 0:
        # (Ray Train v2 keeps reported metrics only with a checkpoint; the
        # workers run on this machine, so a file is simpler.)
        with open(config["out"], "w") as f:
            json.dump(gathered, f)


def allreduce_seconds(rounds=7, repeats=50, sizes=None):
    """Per path and size name, the per-call seconds of each round (the
    slower worker's), from 2 Ray Train workers on the running Ray cluster."""
    import ray.train
    from ray.train.torch import TorchConfig
    from ray.train.v2.api.data_parallel_trainer import DataParallelTrainer

    sizes = sizes or SIZES
    directory = tempfile.mkdtemp(prefix="pykeras-allreduce-")
    out = os.path.join(directory, "times.json")
    trainer = DataParallelTrainer(
        bench_worker,
        train_loop_config={"sizes": sizes, "rounds": rounds, "repeats": repeats, "out": out},
        backend_config=TorchConfig(backend="gloo"),
        scaling_config=ray.train.ScalingConfig(num_workers=2, resources_per_worker={"CPU": 1}),
        run_config=ray.train.RunConfig(storage_path=directory),
    )
    trainer.fit()
    with open(out) as f:
        per_worker = json.load(f)
    return {
        path: {
            name: [max(w[path][name][r] for w in per_worker) for r in range(rounds)]
            for name in sizes
        }
        for path in PATHS
    }


def table(seconds):
    lines = [
        "| buffer | gloo (torch.distributed) | Ray actor | actor / gloo |",
        "|---|---:|---:|---:|",
    ]
    for name in seconds["gloo"]:
        g, r = (np.asarray(seconds[p][name]) * 1e3 for p in PATHS)
        lines.append(
            f"| {name} | {np.median(g):.2f} ms ({g.min():.2f}-{g.max():.2f}) "
            f"| {np.median(r):.2f} ms ({r.min():.2f}-{r.max():.2f}) "
            f"| {np.median(r) / np.median(g):.1f}x |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 20 calls")
    args = parser.parse_args(argv)
    try:
        import ray
        import torch
    except ImportError as error:
        print(f"Needs Ray and PyTorch: {error}")
        return 1
    print(machine_description())
    print(f"ray {ray.__version__}, torch {torch.__version__}\n")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        rounds, repeats = (3, 20) if args.quick else (7, 50)
        seconds = allreduce_seconds(rounds, repeats)
    finally:
        ray.shutdown()
    print(f"One all-reduce between 2 Ray Train workers, median (range) of {rounds} rounds "
          f"of {repeats} calls:\n")  # fmt: skip
    print(table(seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
