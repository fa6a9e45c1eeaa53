"""What traceback filtering costs on the benchmarked one-sample `model(x)` call.

`Layer.__call__` and the model entry points are wrapped by
`pykeras.engine.traceback_utils.filter_traceback`, which does nothing until an
exception escapes. This times `model(x)` on one sample for the e2e MLPs with the
wrapper and with `Layer.__call__` unwrapped (in the same process, alternating
rounds, so that machine noise hits both alike), and the wrapper alone around a
no-op method.

    PYTHONPATH=/tmp/pkdev python3 benches/traceback_filtering_overhead.py
"""

import statistics
import sys
import time
import timeit

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from e2e import machine_description  # noqa: E402

import pykeras as keras  # noqa: E402
from pykeras.engine.traceback_utils import filter_traceback  # noqa: E402
from pykeras.layers.layer import Layer  # noqa: E402

WRAPPED = Layer.__call__
UNWRAPPED = Layer.__call__.__wrapped__


def mlp(hidden, dropout):
    stack = [keras.Input((784,)), keras.layers.Dense(hidden, activation="relu")]
    if dropout:
        stack.append(keras.layers.Dropout(dropout))
    stack.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(stack)


def time_call(model, x, calls=2000):
    start = time.perf_counter()
    for _ in range(calls):
        model(x)
    return (time.perf_counter() - start) / calls * 1e6


def main():
    print(machine_description())
    x = np.random.default_rng(0).random((1, 784), dtype=np.float32)
    for title, model in (
        ("(a) MLP 784-512-Dropout(0.5)-10", mlp(512, 0.5)),
        ("(b) MLP 784-32-10", mlp(32, 0.0)),
    ):
        for _ in range(300):
            model(x)
        times = {"wrapped": [], "unwrapped": []}
        for _ in range(15):
            for kind, call in (("wrapped", WRAPPED), ("unwrapped", UNWRAPPED)):
                Layer.__call__ = call
                times[kind].append(time_call(model, x))
        Layer.__call__ = WRAPPED
        w, u = (statistics.median(times[k]) for k in ("wrapped", "unwrapped"))
        print(
            f"{title}: model(x) {w:.2f} µs filtered, {u:.2f} µs unfiltered "
            f"(median of 15 rounds): {w - u:+.2f} µs ({(w - u) / u * 100:+.1f}%)"
        )

    class Probe:
        def plain(self, x):
            return x

        wrapped = filter_traceback(plain)

    probe = Probe()
    plain = min(timeit.repeat(lambda: probe.plain(x), number=200_000, repeat=7)) / 200_000
    wrapped = min(timeit.repeat(lambda: probe.wrapped(x), number=200_000, repeat=7)) / 200_000
    print(f"the wrapper alone: {(wrapped - plain) * 1e9:.0f} ns per call")


if __name__ == "__main__":
    main()
