"""End-to-end benchmark: pykeras beside Keras 3 (JAX) and PyTorch (CPU), in one run.

Run: python benches/e2e.py            (full run, writes benches/results.md too)
     python benches/e2e.py --quick    (smoke run on tiny data; writes no file)

Workloads (issue 6), on synthetic MNIST-shaped data (random, seed 0):
  (a) MLP 784-512-Dropout(0.5)-10, RMSprop, batch 128
  (b) MLP 784-32-10, Adam, batch 32
  (c) CNN Conv2D(32)-MaxPool-Conv2D(64)-MaxPool-Dense(100)-Dropout(0.4)-Dense(10), Adam, batch 128
  (d) one-sample `model(x)` and one-sample `predict` latency of each model
  (e) peak memory of each training run
and pykeras on 1 thread against N threads on (a) and (c).

Every (framework, workload) runs in a subprocess of its own (benches/e2e_worker.py)
with the same thread cap. pykeras runs with this interpreter. Keras+JAX and
PyTorch run with the first interpreter that has them: this one, else
$PYKERAS_BENCH_PEER_PYTHON (default /work/oracle/bin/python if it exists).
A peer found in neither is skipped, and the report says so.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from e2e_worker import FRAMEWORKS, WORKLOADS, thread_env  # noqa: E402

WORKER = HERE / "e2e_worker.py"
DEFAULT_PEER_PYTHON = "/work/oracle/bin/python"
PEERS = ("keras", "torch")
SCALING_WORKLOADS = ("a", "c")
# pykeras ÷ best peer (throughput) or best peer ÷ pykeras (latency) must reach this.
TARGET_RATIO = 1.0
TARGET_SPEEDUP = 1.7


def log(message):
    print(f"[e2e] {message}", file=sys.stderr, flush=True)


def peer_pythons():
    """Interpreters to look for peers in, in order: this one, then the peer venv."""
    configured = os.environ.get("PYKERAS_BENCH_PEER_PYTHON")
    if configured is None and os.path.exists(DEFAULT_PEER_PYTHON):
        configured = DEFAULT_PEER_PYTHON
    candidates = [sys.executable]
    # Compare the paths as given: a venv's python is a symlink to its base
    # interpreter, yet it sees other packages.
    if configured and os.path.abspath(configured) != os.path.abspath(sys.executable):
        candidates.append(configured)
    return candidates


def worker(python, threads, worker_args, timeout):
    """Runs e2e_worker.py; returns (record, None) or (None, error text)."""
    env = dict(os.environ)
    env.update(thread_env(threads))
    # OpenMP threads that spin while they wait (libgomp's default) collapse
    # when anything else runs on the machine: PyTorch fell from 12,000 to
    # 1,800 samples/s on (b) beside a compiler. Sleeping waits cost little on
    # an idle machine and keep the peers' figures honest on a busy one.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env.setdefault("PYTHONHASHSEED", "0")
    cmd = [python, str(WORKER), "--threads", str(threads), *worker_args]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        return None, f"{python} does not exist"
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :]), None
    tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
    return None, f"exit code {proc.returncode}: {tail}"


def find_framework(name, timeout):
    """(python, probe record) of the first interpreter that has `name`, or (None, reasons)."""
    pythons = [sys.executable] if name == "pykeras" else peer_pythons()
    reasons = []
    for python in pythons:
        record, error = worker(python, 1, ["--probe", name], timeout)
        if record and record.get("ok"):
            return python, record
        reasons.append(f"{python}: {error or record.get('error')}")
    return None, reasons


def stale_build_warning(probe):
    """A warning if the installed pykeras predates the Rust sources beside this file."""
    sources = list((HERE.parent / "rust").rglob("*.rs"))
    if "built" not in probe or not sources:
        return None
    newest = max(sources, key=lambda p: p.stat().st_mtime)
    if newest.stat().st_mtime <= probe["built"]:
        return None
    return (
        "the installed pykeras was built before the last change to "
        f"{newest.relative_to(HERE.parent)}; run `pip install .` to measure the current code"
    )


def machine_description():
    """CPU model, cores, RAM and OS, from /proc where there is one."""
    cpu = platform.processor() or platform.machine()
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor says it all
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    if "model name" in fields:
        flags = fields.get("flags", "").split()
        simd = [
            name
            for flag, name in (
                ("avx2", "AVX2"),
                ("avx512f", "AVX-512"),
                ("avx512_bf16", "AVX512-BF16"),
                ("amx_tile", "AMX"),
            )
            if flag in flags
        ]
        extra = [f"family {fields.get('cpu family', '?')} model {fields.get('model', '?')}"]
        extra += simd + (["virtual machine"] if "hypervisor" in flags else [])
        cpu = f"{fields['model name']} ({', '.join(extra)})"
    ram = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                    break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "os": platform.platform(),
        "load": load,
    }


def fmt_number(value, digits=0):
    return "—" if value is None else f"{value:,.{digits}f}"


def fmt_ratio(value):
    return "—" if value is None else f"{value:.2f}×"


def best(values, higher_is_better):
    present = [v for v in values if v is not None]
    if not present:
        return None
    return max(present) if higher_is_better else min(present)


# (record key, label, higher is better, digits, has a target)
MEASURES = [
    ("samples_per_s", "training, samples/s", True, 0, True),
    ("call_us", "`model(x)`, 1 sample, µs", False, 0, True),
    ("predict_us", "`predict`, 1 sample, µs", False, 0, False),
    ("memory_mib", "peak training memory, MiB", False, 1, False),
]


def best_of(old, new):
    """Each measure's best over rounds: the most samples/s, the least time and memory."""
    if old is None or new is None:
        return old or new
    merged = dict(new)
    for key, _, higher, _, _ in MEASURES:
        merged[key] = max(old[key], new[key]) if higher else min(old[key], new[key])
    return merged


def ratio_of(pk, peer_best, higher_is_better):
    """pykeras ÷ best peer for throughput, best peer ÷ pykeras otherwise: > 1 is a pykeras win."""
    if pk is None or peer_best is None or pk <= 0 or peer_best <= 0:
        return None
    return pk / peer_best if higher_is_better else peer_best / pk


def results_table(frameworks, results):
    """The workload × framework table with the pykeras-vs-best-peer column."""
    names = [FRAMEWORKS[f] for f in frameworks]
    head = ["workload", "measure", *names, "pykeras vs best peer", "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(names) + 2)]
    for wl, spec in WORKLOADS.items():
        if not any((f, wl) in results for f in frameworks):
            continue
        for i, (key, label, higher, digits, targeted) in enumerate(MEASURES):
            values = {f: (results.get((f, wl)) or {}).get(key) for f in frameworks}
            cells = []
            for f in frameworks:
                if (f, wl) in results and results[(f, wl)] is None:
                    cells.append("failed")
                else:
                    cells.append(fmt_number(values[f], digits))
            peers = [values[f] for f in frameworks if f != "pykeras"]
            ratio = ratio_of(values.get("pykeras"), best(peers, higher), higher)
            target = "—"
            if targeted and ratio is not None:
                verdict = "met" if ratio >= TARGET_RATIO else "missed"
                target = f"≥ {TARGET_RATIO:.1f}: {verdict}"
            title = spec["title"] if i == 0 else ""
            row = [title, label, *cells, fmt_ratio(ratio), target]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def scaling_table(threads, scaling):
    lines = [
        f"| workload | pykeras 1 thread, samples/s | pykeras {threads} threads, samples/s "
        f"| speed-up | target |",
        "|---|---:|---:|---:|---|",
    ]
    for wl, (one, many) in scaling.items():
        speedup = many / one if one and many else None
        target = "—"
        if speedup is not None:
            verdict = "met" if speedup >= TARGET_SPEEDUP else "missed"
            target = f"≥ {TARGET_SPEEDUP}: {verdict}"
        title = WORKLOADS[wl]["title"]
        lines.append(
            f"| {title} | {fmt_number(one)} | {fmt_number(many)} | {fmt_ratio(speedup)} "
            f"| {target} |"
        )
    return "\n".join(lines)


def report(args, machine, found, skipped, results, scaling, failures, warnings=()):
    frameworks = [f for f in args.frameworks if f in found]
    versions = []
    for f in frameworks:
        python, probe = found[f]
        pairs = ", ".join(f"{k} {v}" for k, v in probe["versions"].items())
        versions.append(f"{FRAMEWORKS[f]}: {pairs}, Python {probe['python']} (`{python}`)")
    mode = "quick smoke run (figures meaningless)" if args.quick else "full run"
    out = [
        "## Benchmark: pykeras vs Keras 3 (JAX) vs PyTorch (CPU)",
        "",
        f"Generated by `python benches/e2e.py` ({mode}) on "
        f"{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}.",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram']} RAM, "
        f"{machine['os']}; 1-minute load average {machine['load']:.2f} at the start, "
        f"{machine.get('load_end', machine['load']):.2f} at the end (other work on the machine "
        "skews the figures).",
        *[f"- {v}" for v in versions],
        f"- Threads: {args.threads} for every framework (PYKERAS_NUM_THREADS, "
        "torch.set_num_threads, XLA_FLAGS, OMP/MKL/OPENBLAS_NUM_THREADS; "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'PASSIVE')}).",
        f"- Data: {args.samples} synthetic MNIST-shaped samples (uniform random pixels, "
        f"random labels, seed 0); training = {args.epochs} timed epoch(s) after one warm-up "
        "epoch, sparse categorical cross-entropy, shuffled, no metrics.",
        f"- Latency: median of up to {args.repeats} calls on one sample after 3 warm-up calls; "
        "`model(x)` takes numpy for Keras/pykeras and a tensor for PyTorch (no_grad, eval "
        "mode); PyTorch's `predict` is numpy → tensor → forward → numpy (inference_mode).",
        "- Memory: peak RSS while building and training, minus the RSS just before "
        "(libraries and data excluded); each run in a process of its own.",
        f"- Each figure is the best of {args.rounds} round(s) of the whole set.",
        "- Ratios: pykeras ÷ best peer for samples/s, best peer ÷ pykeras for latency and "
        "memory, so above 1 means pykeras wins.",
    ]
    for f, reasons in skipped.items():
        out.append(f"- **{FRAMEWORKS[f]} skipped: not available** ({'; '.join(reasons)}).")
    for what, error in failures:
        out.append(f"- **{what} failed**: {error}")
    for warning in warnings:
        out.append(f"- **Warning**: {warning}.")
    out += ["", results_table(frameworks, results)]
    if scaling:
        out += ["", "### pykeras thread scaling", "", scaling_table(args.threads, scaling)]
    return "\n".join(out) + "\n"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    parser.add_argument("--threads", type=int, default=2, help="threads for every framework")
    parser.add_argument(
        "--frameworks",
        default="pykeras,keras,torch",
        help="comma-separated subset of pykeras,keras,torch",
    )
    parser.add_argument("--workloads", default="a,b,c", help="comma-separated subset of a,b,c")
    parser.add_argument("--samples", type=int, help="training samples (default 8192; quick 256)")
    parser.add_argument("--epochs", type=int, help="timed epochs (default 3; quick 1)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the 1-thread runs")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run everything this many times and keep each figure's best (busy machines)",
    )
    parser.add_argument(
        "--output",
        help="markdown file to write (default benches/results.md; none with --quick)",
    )
    args = parser.parse_args(argv)
    args.frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for f in args.frameworks:
        if f not in FRAMEWORKS:
            parser.error(f"unknown framework {f!r}; choose from {', '.join(FRAMEWORKS)}")
    for w in args.workloads:
        if w not in WORKLOADS:
            parser.error(f"unknown workload {w!r}; choose from {', '.join(WORKLOADS)}")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1. Received: {args.rounds}")
    if args.threads < 1:
        parser.error(f"--threads must be at least 1. Received: {args.threads}")
    args.samples = args.samples or (256 if args.quick else 8192)
    args.epochs = args.epochs or (1 if args.quick else 3)
    args.repeats = 5 if args.quick else 200
    args.budget = 0.5 if args.quick else 3.0
    args.timeout = 600 if args.quick else 1800
    if args.output is None and not args.quick:
        args.output = str(HERE / "results.md")
    return args


def main(argv=None):
    args = parse_args(argv)
    machine = machine_description()
    found, skipped = {}, {}
    for f in args.frameworks:
        python, info = find_framework(f, args.timeout)
        if python:
            found[f] = (python, info)
            log(f"{FRAMEWORKS[f]}: {info['versions']} with {python}")
        else:
            skipped[f] = info
            log(f"{FRAMEWORKS[f]}: skipped, not available ({'; '.join(info)})")

    results, scaling, failures = {}, {}, []
    warnings = []
    stale = "pykeras" in found and stale_build_warning(found["pykeras"][1])
    if stale:
        log(f"WARNING: {stale}")
        warnings.append(stale)

    def measure(f, wl, threads):
        python = found[f][0]
        flags = ["--framework", f, "--workload", wl, "--samples", str(args.samples)]
        flags += ["--epochs", str(args.epochs), "--repeats", str(args.repeats)]
        flags += ["--budget", str(args.budget)]
        record, error = worker(python, threads, flags, args.timeout)
        what = f"{FRAMEWORKS[f]} ({wl}), {threads} thread(s)"
        if error:
            log(f"{what}: FAILED: {error}")
            failures.append((what, error))
        else:
            log(
                f"{what}: {record['samples_per_s']:,.0f} samples/s, model(x) "
                f"{record['call_us']:,.0f} µs, predict {record['predict_us']:,.0f} µs, "
                f"{record['memory_mib']:,.1f} MiB"
            )
        return record

    single = {}  # pykeras on one thread, for the scaling table
    scale = "pykeras" in found and args.threads > 1 and not args.no_scaling
    for round_ in range(args.rounds):
        if args.rounds > 1:
            log(f"round {round_ + 1} of {args.rounds}")
        for wl in args.workloads:
            for f in args.frameworks:
                if f in found:
                    key = (f, wl)
                    results[key] = best_of(results.get(key), measure(f, wl, args.threads))
            if scale and wl in SCALING_WORKLOADS:
                single[wl] = best_of(single.get(wl), measure("pykeras", wl, 1))
    for wl, one in single.items():
        many = results.get(("pykeras", wl))
        scaling[wl] = (one and one["samples_per_s"], many and many["samples_per_s"])
    if hasattr(os, "getloadavg"):
        machine["load_end"] = os.getloadavg()[0]
    text = report(args, machine, found, skipped, results, scaling, failures, warnings)
    print(text)
    if args.output:
        pathlib.Path(args.output).write_text(text, encoding="utf-8")
        log(f"wrote {args.output}")
    return 0 if "pykeras" in found else 1


if __name__ == "__main__":
    sys.exit(main())
