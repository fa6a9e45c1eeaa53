"""Memory stays flat: repeated inference, evaluation and training neither grow
the process's resident memory nor pile up Python objects. Nothing is timed.

Two kinds of check, each sized so that a real leak overshoots its bound many
times while the allocator's normal behaviour stays well inside it:

- Resident memory (anonymous pages, where every heap lives; file pages of
  libraries come and go as the kernel reclaims them). The model moves
  64 KiB or more through each buffer of every call, so a leaked output,
  input copy or activation buffer costs >= 64 KiB a call: 125 MiB over 2,000
  calls, 30 MiB over 30 epochs of 16 steps. The bound (12 MiB) leaves room for
  jemalloc, which keeps freed pages and, with one arena per thread, reaches
  its plateau in steps of a few MiB (benches/memory.py shows them).
- Python objects (tracemalloc), over 100 calls. Blocks that outlive a call
  without being a leak (numpy's context variables, short-lived keys whose
  memory stays in use a while) add up to 12 KB at most here and do not grow
  with the number of calls; a leak of 640 bytes a call or more passes the
  64 KB bound. This is what caught each `fit`, `evaluate` and
  `train_on_batch` of a subclassed model adding a node (with its tensors and
  op layers) per sublayer call: 4-8 KB a call here, 400-800 KB in the test.

Each measurement warms up first (traces, compiles, fills the allocator's
caches), collects garbage, and compares the median of the first readings
with the median of the last, so one transient spike decides nothing.
"""

from __future__ import annotations

import gc
import re
import statistics
import tracemalloc
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers

MIB = 1024 * 1024
FEATURES = 256  # 64 samples x 256 floats = 64 KiB: every buffer of a call
BATCH = 64
RSS_BOUND = 12 * MIB
PYTHON_CALLS = 100
PYTHON_BOUND = 64_000  # bytes


def _status_bytes(key: str) -> int | None:
    """A field of /proc/self/status in bytes, or None where there is none."""
    try:
        with open("/proc/self/status") as f:
            match = re.search(rf"^{key}:\s+(\d+)\s+kB", f.read(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) * 1024 if match else None


def _resident() -> int:
    gc.collect()
    anon = _status_bytes("RssAnon")
    return anon if anon is not None else _status_bytes("VmRSS")


needs_proc = pytest.mark.skipif(
    _status_bytes("VmRSS") is None, reason="needs /proc/self/status (Linux)"
)


def _growth(step: Callable[[], None], chunks: int, settle: int = 3) -> tuple[int, list[int]]:
    """Resident growth over `chunks` calls of `step`, after one warm-up call.

    Returns the median of the last `settle` readings minus the median of the
    first `settle` (bytes), and every reading.
    """
    step()
    readings = [_resident()]
    for _ in range(chunks):
        step()
        readings.append(_resident())
    first = statistics.median(readings[:settle])
    last = statistics.median(readings[-settle:])
    return int(last - first), readings


def _mib(readings: list[int]) -> list[float]:
    return [round(r / MIB, 1) for r in readings]


def _data(n: int = 1024, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, FEATURES), dtype=np.float32)
    return x, rng.integers(0, 10, size=n)


def _functional() -> keras.Model:
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(FEATURES,))
    hidden = layers.Dense(FEATURES, activation="relu")(inputs)
    hidden = layers.Dropout(0.5)(hidden)
    outputs = layers.Dense(FEATURES, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _sequential() -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(FEATURES,)),
            layers.Dense(32, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class _Subclassed(keras.Model):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = layers.Dense(32, activation="relu")
        self.dropout = layers.Dropout(0.2)
        self.out = layers.Dense(10, activation="softmax")

    def call(self, x: object, training: bool | None = None) -> object:
        # An op on the symbolic tensor too: shape probes make op layers.
        return self.out(self.dropout(self.hidden(x) * 0.5, training=training))


def _subclassed() -> keras.Model:
    keras.utils.set_random_seed(0)
    model = _Subclassed()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


Trained = tuple[keras.Model, np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def trained() -> Trained:
    x, y = _data()
    model = _functional()
    model.fit(x, y, batch_size=BATCH, epochs=2, verbose=0)
    return model, x, y


@needs_proc
@pytest.mark.parametrize("verb", ["predict", "call"])
def test_inference_two_thousand_times_keeps_resident_memory_flat(
    trained: Trained, verb: str
) -> None:
    model, x, _ = trained
    batch = np.ascontiguousarray(x[:BATCH])

    def step() -> None:
        for _ in range(200):
            if verb == "predict":
                model.predict(batch, batch_size=BATCH, verbose=0)
            else:
                model(batch)

    growth, readings = _growth(step, chunks=10)
    assert growth < RSS_BOUND, f"{verb}: anonymous RSS (MiB) over 2,000 calls: {_mib(readings)}"


@needs_proc
def test_evaluate_repeated_keeps_resident_memory_flat(trained: Trained) -> None:
    model, x, y = trained

    def step() -> None:
        for _ in range(20):
            model.evaluate(x[:512], y[:512], batch_size=BATCH, verbose=0)

    growth, readings = _growth(step, chunks=10)
    assert growth < RSS_BOUND, f"evaluate: anonymous RSS (MiB) over 200 calls: {_mib(readings)}"


@needs_proc
def test_thirty_epochs_keep_resident_memory_flat() -> None:
    x, y = _data()
    model = _functional()
    readings: list[int] = []

    class Reading(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            readings.append(_resident())

    # Epochs 1-5 warm up (trace, optimizer slots, allocator caches); the
    # median of epochs 4-6 is compared with that of the last three.
    model.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=36,
        validation_data=(x[:256], y[:256]),
        callbacks=[Reading()],
        verbose=0,
    )
    growth = statistics.median(readings[-3:]) - statistics.median(readings[3:6])
    assert growth < RSS_BOUND, f"anonymous RSS (MiB) after each epoch: {_mib(readings)}"


@needs_proc
def test_fit_called_again_and_again_keeps_resident_memory_flat() -> None:
    x, y = _data(256)
    model = _functional()

    def step() -> None:
        for _ in range(5):
            model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)

    growth, readings = _growth(step, chunks=10)
    assert growth < RSS_BOUND, f"anonymous RSS (MiB) over 50 fit() calls: {_mib(readings)}"


# ---------------------------------------------------------------- Python objects

MODELS = {"functional": _functional, "sequential": _sequential, "subclassed": _subclassed}


def _verbs(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict[str, Callable[[], object]]:
    def fit_with_generator() -> None:
        def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            while True:
                yield x[:16], y[:16]

        model.fit(batches(), steps_per_epoch=2, epochs=1, verbose=0)

    return {
        "predict": lambda: model.predict(x[:1], verbose=0),
        "call": lambda: model(x[:1]),
        "evaluate": lambda: model.evaluate(x[:64], y[:64], verbose=0),
        "fit": lambda: model.fit(x[:64], y[:64], epochs=1, verbose=0),
        "train_on_batch": lambda: model.train_on_batch(x[:16], y[:16]),
        "fit_generator": fit_with_generator,
    }


@pytest.mark.parametrize("kind", sorted(MODELS))
@pytest.mark.parametrize(
    "verb", ["predict", "call", "evaluate", "fit", "train_on_batch", "fit_generator"]
)
def test_repeated_calls_leave_no_python_objects_behind(kind: str, verb: str) -> None:
    x, y = _data(64)
    model = MODELS[kind]()
    model.fit(x, y, epochs=1, verbose=0)
    one = _verbs(model, x, y)[verb]
    for _ in range(20):
        one()  # warm-up: traces, compiled steps, metric objects
    sublayer_nodes = {layer.name: len(layer._inbound_nodes) for layer in model.layers}
    gc.collect()
    # Leave a tracemalloc session started outside the test (python -X tracemalloc) running.
    started_here = not tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(PYTHON_CALLS):
            one()
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        if started_here:
            tracemalloc.stop()
    stats = after.compare_to(before, "lineno")
    growth = sum(s.size_diff for s in stats)
    top = "\n".join(str(s) for s in stats[:5])
    message = f"{kind} {verb}: {growth} bytes over {PYTHON_CALLS} calls; top:\n{top}"
    assert growth < PYTHON_BOUND, message
    # Keras records one node per call made while building a graph, not per
    # shape probe: the layers' node lists stay as they were.
    assert {layer.name: len(layer._inbound_nodes) for layer in model.layers} == sublayer_nodes
