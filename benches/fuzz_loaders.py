"""Fuzzes pykeras's file loaders: no file, however damaged, may crash, hang or run code.

Run: python benches/fuzz_loaders.py                  (100,000 cases, seed 0, 2 workers)
     python benches/fuzz_loaders.py --cases 2000 --seed 7
     python benches/fuzz_loaders.py --replay 1234      (rerun case 1234 here, with traceback)

Three small models (a Sequential MLP, a functional CNN with Conv2D / MaxPooling2D /
Dropout, a two-input two-output functional model), trained one epoch so that
optimizer state is saved too, are written in every format pykeras reads: `.keras`,
legacy whole-model `.h5`, `.weights.h5`, legacy weights `.h5`, JSON and YAML text.
Each case damages one of those files (see benches/fuzz_mutators.py) and loads it
with `load_model`, `load_weights`, `model_from_json` or `model_from_yaml`.

A case passes when the load succeeds or raises a `ValueError`, `TypeError` or
`OSError` (subclass) whose message names the file (for files) or says something
(for text). It is a crash when it raises anything else, runs longer than the time
limit (a watchdog alarm inside the worker, and the supervisor killing a worker
stuck in C code), kills its process (segfault, abort), grows it by more than
1 GiB (the file chose an allocation), or runs code from the file (the payloads
write a marker file). Workers are subprocesses with an address-space limit, each
running a batch of cases (so damage that corrupts a library's state for later
files shows too), restarted after a death or a hang, which are counted, not fatal.

Cases are rebuilt from `(seed, index)`, so `--replay INDEX --seed S` reproduces any
of them and writes the damaged file next to you.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import pathlib
import platform
import resource
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fuzz_configs  # noqa: E402
import fuzz_mutators  # noqa: E402
from fuzz_mutators import FORMATS, MODELS  # noqa: E402

MARKER = fuzz_configs.MARKER


def allowed_errors() -> tuple:
    """What a damaged file may raise: pykeras's own error classes (subclasses of
    ValueError and TypeError), and FileNotFoundError for a file that is not there.
    (pykeras is imported late: the supervisor never loads it.)"""
    from pykeras import errors

    return (
        errors.FileFormatError,
        errors.ConfigTypeError,
        errors.ShapeError,
        errors.DTypeError,
        errors.InvalidArgumentError,
        errors.OutOfRangeError,
        errors.GraphError,
        FileNotFoundError,
    )


# Outcomes that fail the run.
FAILURES = ("disallowed", "unclear", "hang", "died", "executed", "memory")
# A case whose load grows the process by more than this has let the file decide
# an allocation (the models themselves take a few megabytes).
MEMORY_PER_CASE = 1 << 30
EXTENSIONS = {
    "keras": ".keras",
    "h5": ".h5",
    "weights": ".weights.h5",
    "legacy_weights": ".h5",
    "json": ".json",
    "yaml": ".yaml",
}


class CaseTimeout(BaseException):
    """Raised by the watchdog alarm in a case that runs past the time limit (a
    BaseException so that no `except Exception` in a loader swallows it)."""


# ------------------------------------------------------------------ models and seeds


def build_model(name: str, train: bool = True):
    """One of the three fuzzed models, compiled (and trained one epoch when `train`,
    so the optimizer has state to save)."""
    import numpy as np

    import pykeras as keras
    from pykeras import layers

    rng = np.random.default_rng(0)
    if name == "mlp":
        model = keras.Sequential(
            [
                keras.Input((8,), name="features"),
                layers.Dense(16, activation="relu", name="hidden"),
                layers.Dense(4, activation="softmax", name="probs"),
            ],
            name="mlp",
        )
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        x, y = rng.random((16, 8)), rng.integers(0, 4, 16)
    elif name == "cnn":
        inputs = keras.Input((8, 8, 1), name="image")
        x = layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
        x = layers.MaxPooling2D(2, name="pool")(x)
        x = layers.Dropout(0.25, name="drop")(x)
        x = layers.Flatten(name="flat")(x)
        outputs = layers.Dense(3, activation="softmax", name="probs")(x)
        model = keras.Model(inputs, outputs, name="cnn")
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        x, y = rng.random((8, 8, 8, 1)), rng.integers(0, 3, 8)
    elif name == "multi":
        a = keras.Input((5,), name="a")
        b = keras.Input((3,), name="b")
        joined = layers.Concatenate(name="join")([layers.Dense(6, name="encode")(a), b])
        label = layers.Dense(2, activation="softmax", name="label")(joined)
        score = layers.Dense(1, name="score")(joined)
        model = keras.Model([a, b], [label, score], name="multi")
        model.compile(
            "rmsprop",
            {"label": "sparse_categorical_crossentropy", "score": "mse"},
            metrics={"label": "accuracy"},
        )
        x = [rng.random((8, 5)), rng.random((8, 3))]
        y = [rng.integers(0, 2, 8), rng.random((8, 1))]
    else:
        raise ValueError(f"Unknown model: {name!r}. Expected one of {MODELS}.")
    if train:
        model.fit(x, y, epochs=1, verbose=0)
    else:
        model.optimizer.build(model.trainable_weights)
    return model


def _normalize_zip(data: bytes) -> bytes:
    # Fixed dates, so that seeds (and every case made from them) are the same each run.
    import json

    members = fuzz_mutators.zip_members(data)
    out = []
    for name, content in members:
        if name == fuzz_mutators.METADATA_MEMBER:
            meta = json.loads(content)
            meta["date_saved"] = "2024-01-01@00:00:00"
            content = json.dumps(meta).encode()
        out.append((name, content))
    return fuzz_mutators.make_zip(out)


def write_seeds(directory: os.PathLike) -> dict:
    """Saves every model in every format into `directory`.

    Returns:
        `{(model, fmt): bytes}`.
    """
    import pykeras as keras

    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    seeds = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in MODELS:
            keras.utils.set_random_seed(0)
            model = build_model(name)
            paths = {fmt: directory / f"{name}{EXTENSIONS[fmt]}" for fmt in FORMATS}
            paths["legacy_weights"] = directory / f"{name}_legacy.h5"
            model.save(paths["keras"])
            model.save(paths["h5"])
            model.save_weights(paths["weights"])
            model.save_weights(paths["legacy_weights"])
            paths["keras"].write_bytes(_normalize_zip(paths["keras"].read_bytes()))
            paths["json"].write_text(model.to_json())
            paths["yaml"].write_text(model.to_yaml())
            for fmt, path in paths.items():
                seeds[(name, fmt)] = path.read_bytes()
    return seeds


def read_seeds(directory: os.PathLike) -> dict:
    directory = pathlib.Path(directory)
    seeds = {}
    for name in MODELS:
        for fmt in FORMATS:
            stem = f"{name}_legacy.h5" if fmt == "legacy_weights" else f"{name}{EXTENSIONS[fmt]}"
            seeds[(name, fmt)] = (directory / stem).read_bytes()
    return seeds


# ------------------------------------------------------------------ one case


def case_filename(case) -> str:
    return f"case_{case.index:07d}{EXTENSIONS[case.fmt]}"


def load_case(case, path: pathlib.Path) -> None:
    """Loads the case's file at `path` the way its format is loaded."""
    import pykeras as keras

    options = case.options
    if case.fmt in ("json", "yaml"):
        text = case.data if options.get("as_bytes") else case.data.decode("utf-8", "replace")
        loader = (
            keras.models.model_from_json if case.fmt == "json" else keras.models.model_from_yaml
        )
        loader(text)
    elif options["via"] == "load_weights":
        target = build_model(case.model, train=False)
        target.load_weights(
            path, skip_mismatch=options["skip_mismatch"], by_name=options["by_name"]
        )
    else:
        keras.models.load_model(path, compile=options["compile"])


def _alarm(signum, frame):
    raise CaseTimeout


def run_case(case, workdir: os.PathLike, time_limit: float = 10.0) -> tuple:
    """Writes the case's file into `workdir`, loads it, and judges the outcome.

    Args:
        case: a `fuzz_mutators.Case`.
        workdir: a scratch directory (also the working directory during the load,
            where payloads would write their marker).
        time_limit: seconds before the load counts as a hang (a SIGALRM, so only
            in the main thread; C code that never returns needs the supervisor).

    Returns:
        `(status, exception class name, message)`, status one of "ok", "error"
        (an allowed error) or a failure (`FAILURES`).
    """
    workdir = pathlib.Path(workdir)
    path = workdir / case_filename(case)
    path.write_bytes(case.data)
    marker = workdir / MARKER
    status, name, message = "ok", "", ""
    use_alarm = time_limit and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, _alarm) if use_alarm else None
    cwd = os.getcwd()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    try:
        os.chdir(workdir)  # payloads write their marker relative to here
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, time_limit)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load_case(case, path)
    except CaseTimeout:
        status, name, message = "hang", "CaseTimeout", f"still running after {time_limit} s"
    except BaseException as e:  # judged below: the point is to see every kind
        if isinstance(e, KeyboardInterrupt):
            raise
        name, message = type(e).__name__, str(e)
        status = judge(e, path.name if case.fmt not in ("json", "yaml") else None)
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        os.chdir(cwd)
        path.unlink(missing_ok=True)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak
    if grown > MEMORY_PER_CASE:
        status, message = "memory", f"grew the process by {grown >> 20} MiB ({message})"
    if marker.exists():
        marker.unlink()
        status, message = "executed", f"the file ran code ({name or 'loaded'}: {message})"
    return status, name, message


def judge(error: BaseException, filename: str | None) -> str:
    """The outcome of a load that raised `error`: "error" for an allowed error whose
    message says what went wrong (and names `filename`, for files), else the kind
    of failure."""
    if not isinstance(error, allowed_errors()):
        return "disallowed"
    message = str(error)
    if not message.strip() or (filename is not None and filename not in message):
        return "unclear"
    return "error"


# ------------------------------------------------------------------ workers


def worker_main(args) -> None:
    """Runs cases `args.start` .. `args.stop`, one line per case on stdout."""
    if args.memory_limit_gb:
        limit = int(args.memory_limit_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    seeds = read_seeds(args.seeds_dir)
    import pykeras  # noqa: F401  (imported before the first case is timed)

    print("ready", flush=True)
    with tempfile.TemporaryDirectory(prefix="fuzz_worker_") as workdir:
        for index in range(args.start, args.stop):
            case = fuzz_mutators.make_case(args.seed, index, seeds)
            status, name, message = run_case(case, workdir, args.time_limit)
            message = " ".join(message.split())[:300]
            print(f"{index}\t{case.fmt}\t{status}\t{name}\t{message}", flush=True)


class Tally:
    """Counts outcomes from all supervisors (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.status = collections.Counter()
        self.errors = collections.Counter()
        self.failures = collections.Counter()
        self.by_format = collections.defaultdict(collections.Counter)
        self.examples = []
        self.fatal = []  # problems of the harness itself (a worker that cannot start)

    def add(self, index, fmt, status, name, message):
        with self.lock:
            self.status[status] += 1
            self.by_format[fmt][status] += 1
            if status == "error":
                self.errors[name] += 1
            elif status in FAILURES:
                self.failures[f"{status}: {name}"] += 1
                self.examples.append((index, fmt, status, name, message))


def _read_line(proc, buffer: bytearray, timeout: float):
    """The next line from the worker, or None on timeout, or b"" at EOF."""
    deadline = time.monotonic() + timeout
    while b"\n" not in buffer:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if not ready:
            return None
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            return b""
        buffer.extend(chunk)
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return line


def _worker_command(args, start, stop):
    return [
        sys.executable,
        str(pathlib.Path(__file__).resolve()),
        "--worker",
        "--seeds-dir",
        str(args.seeds_dir),
        "--seed",
        str(args.seed),
        "--start",
        str(start),
        "--stop",
        str(stop),
        "--time-limit",
        str(args.time_limit),
        "--memory-limit-gb",
        str(args.memory_limit_gb),
    ]


def _format_of(index):
    return FORMATS[index % len(FORMATS)]


def supervise(batches, args, tally, logdir):
    """Runs batches of cases in worker subprocesses until `batches` is empty. A
    worker that dies or stops answering is killed, its case counted, and a new
    worker takes over after that case."""
    env = {
        **os.environ,
        "PYKERAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    while batches and not tally.fatal:
        try:
            start, stop = batches.pop()
        except IndexError:
            return
        index = start
        while index < stop and not tally.fatal:
            index = _run_worker(args, index, stop, tally, pathlib.Path(logdir), env)


def _run_worker(args, start, stop, tally, logdir, env):
    """One worker process from case `start`; returns the case to resume from."""
    log = logdir / f"worker_{start}.err"
    with open(log, "wb") as stderr:
        proc = subprocess.Popen(
            _worker_command(args, start, stop),
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            start_new_session=True,  # its own process group, killed as one
        )
    try:
        buffer = bytearray()
        if _read_line(proc, buffer, timeout=300) != b"ready":
            tally.fatal.append(f"a fuzz worker did not start: {_tail(log)}")
            return stop
        index = start
        while index < stop:
            # The worker's own alarm catches slow Python; this catches C that never returns.
            line = _read_line(proc, buffer, timeout=args.time_limit * 2 + 10)
            if line is None:
                tally.add(index, _format_of(index), "hang", "killed", "no answer (stuck in C?)")
                return index + 1
            if line == b"":
                code = proc.wait()
                cause = f"signal {-code}" if code < 0 else f"exit code {code}"
                tally.add(index, _format_of(index), "died", cause, _tail(log))
                return index + 1
            fields = line.decode("utf-8", "replace").split("\t")
            tally.add(int(fields[0]), fields[1], fields[2], fields[3], fields[4])
            index = int(fields[0]) + 1
        return stop
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _tail(path, size=300):
    try:
        return " ".join(pathlib.Path(path).read_bytes()[-size:].decode("utf-8", "replace").split())
    except OSError:
        return ""


def cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# ------------------------------------------------------------------ main


def report(args, tally, wall):
    total = sum(tally.status.values())
    crashes = sum(tally.status[s] for s in ("disallowed", "hang", "died", "executed", "memory"))
    lines = [
        f"fuzz_loaders: seed {args.seed}, {args.workers} workers, "
        f"{args.time_limit:g} s per case, {args.memory_limit_gb:g} GiB per worker",
        f"CPU: {cpu_model()} ({os.cpu_count()} cores), Python {platform.python_version()}",
        f"cases:            {total}",
        f"successful loads: {tally.status['ok']}",
        f"allowed errors:   {tally.status['error']}",
    ]
    for name, count in tally.errors.most_common():
        lines.append(f"  {name:<28} {count}")
    lines += [
        f"crashes:          {crashes}",
        f"  disallowed exceptions:   {tally.status['disallowed']}",
        f"  hangs:                   {tally.status['hang']}",
        f"  process deaths:          {tally.status['died']}",
        f"  code executed:           {tally.status['executed']}",
        f"  memory over 1 GiB:       {tally.status['memory']}",
        f"errors that do not say which file: {tally.status['unclear']}",
    ]
    for name, count in tally.failures.most_common():
        lines.append(f"  {name:<40} {count}")
    lines.append("by format:        ok / error / failed")
    for fmt in FORMATS:
        counts = tally.by_format[fmt]
        failed = sum(counts[s] for s in FAILURES)
        lines.append(f"  {fmt:<16} {counts['ok']:>6} / {counts['error']:>6} / {failed}")
    if tally.examples:
        lines.append("first failures (rerun one with --replay INDEX --seed SEED):")
        for index, fmt, status, name, message in sorted(tally.examples)[: args.show]:
            lines.append(f"  #{index} {fmt} {status} {name}: {message[:160]}")
    lines.append(f"wall time: {wall:.1f} s ({total / max(wall, 1e-9):.0f} cases/s)")
    print("\n".join(lines), flush=True)
    return crashes + tally.status["unclear"]


def replay(args) -> int:
    with tempfile.TemporaryDirectory(prefix="fuzz_replay_") as tmp:
        seeds = write_seeds(pathlib.Path(tmp) / "seeds")
        case = fuzz_mutators.make_case(args.seed, args.replay, seeds)
        print(f"case #{case.index}: {case.fmt} of {case.model}, options {case.options}")
        for step in case.log:
            print(f"  - {step}")
        out = pathlib.Path.cwd() / case_filename(case)
        out.write_bytes(case.data)
        print(f"damaged file written to {out}")
        path = pathlib.Path(tmp) / case_filename(case)
        path.write_bytes(case.data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                load_case(case, path)
            print("loaded without error")
        except BaseException as e:
            traceback.print_exc()
            print(f"outcome: {judge(e, path.name if case.fmt not in ('json', 'yaml') else None)}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=2000, help="cases per worker process")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per case")
    parser.add_argument("--memory-limit-gb", type=float, default=4.0, help="per worker; 0: none")
    parser.add_argument("--show", type=int, default=20, help="failures to list")
    parser.add_argument("--replay", type=int, default=None, metavar="INDEX")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seeds-dir", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stop", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main(args)
        return 0
    if args.replay is not None:
        return replay(args)
    began = time.monotonic()
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="fuzz_loaders_") as tmp:
        args.seeds_dir = pathlib.Path(tmp) / "seeds"
        write_seeds(args.seeds_dir)
        size = max(1, min(args.batch, -(-args.cases // args.workers)))
        batches = [(s, min(s + size, args.cases)) for s in range(0, args.cases, size)][::-1]
        threads = [
            threading.Thread(target=supervise, args=(batches, args, tally, tmp))
            for _ in range(args.workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if tally.fatal:
        print(f"fuzz_loaders could not run: {tally.fatal[0]}", file=sys.stderr)
        return 2
    return 1 if report(args, tally, time.monotonic() - began) else 0


if __name__ == "__main__":
    sys.exit(main())
