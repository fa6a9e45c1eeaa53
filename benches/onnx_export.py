"""Inference latency of the seed models: pykeras beside ONNX Runtime running
the file `model.export(path, format="onnx")` wrote (issue 22, point 2).

    PYTHONPATH=. python3 benches/onnx_export.py [--threads 2] [--seconds 2]

Models: the MLP 784-512-10 and the Keras tutorials' CNN (Conv32-Pool-Conv64-
Pool-Dense100-Drop-10 on 28x28x1), as benches/e2e_worker.py builds them.
For one sample and a batch of 128 it times pykeras's `model(x)` and
`model.predict(x)` and ONNX Runtime's `session.run` (each with the same
thread cap, medians over repeats within --seconds), checks that ONNX
Runtime's output matches, and prints the machine and a markdown table.
"""

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from e2e import machine_description  # noqa: E402


def build(keras, kind):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    if kind == "mlp":
        stack = [
            keras.Input(shape=(784,)),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.2),
        ]
    else:
        stack = [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(100, activation="relu"),
            layers.Dropout(0.4),
        ]
    return keras.Sequential(stack + [layers.Dense(10, activation="softmax")])


def median_ms(fn, seconds):
    fn()  # warm-up: traces the graph / plans the session
    times, deadline = [], time.perf_counter() + seconds
    while len(times) < 5 or (time.perf_counter() < deadline and len(times) < 2000):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

    import numpy as np
    import onnxruntime as ort

    import pykeras as keras

    keras.config.set_num_threads(args.threads)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1

    machine = machine_description()
    print(f"CPU: {machine['cpu']}; {machine['cores']} cores, RAM {machine['ram']}, {machine['os']}")
    print(f"threads: {args.threads}; pykeras ISA path: {keras.config_cpu.get_isa()}; "
          f"onnxruntime {ort.__version__}")  # fmt: skip
    print()
    print("| model | batch | pykeras model(x) ms | pykeras predict ms | ONNX Runtime ms | "
          "max abs diff |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("mlp", "cnn"):
            model = build(keras, kind)
            path = os.path.join(tmp, f"{kind}.onnx")
            model.export(path, format="onnx", verbose=False)
            session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            for batch in (1, 128):
                shape = (batch, 784) if kind == "mlp" else (batch, 28, 28, 1)
                x = rng.uniform(0, 1, shape).astype("float32")
                print(row(kind, model, session, x, args.seconds))


def row(kind, model, session, x, seconds):
    """One table row: the three latencies and ONNX Runtime's largest deviation."""
    import numpy as np

    feeds = {session.get_inputs()[0].name: x}
    diff = float(np.abs(session.run(None, feeds)[0] - model.predict(x, verbose=0)).max())
    call = median_ms(lambda: model(x), seconds)
    predict = median_ms(lambda: model.predict(x, verbose=0), seconds)
    onnx_ms = median_ms(lambda: session.run(None, feeds), seconds)
    return f"| {kind} | {len(x)} | {call:.3f} | {predict:.3f} | {onnx_ms:.3f} | {diff:.1e} |"


if __name__ == "__main__":
    main()
