"""Run by test_interrupts.py in a subprocess: one long `fit`, `evaluate` or
`predict` that the parent interrupts with SIGINT, then checks on the model.

Prints one line `ready <phase>` (flushed) just before the long call and,
at the end, one JSON line with what it saw."""

import json
import sys
import tempfile
import time

import numpy as np

import pykeras as keras

layers = keras.layers
SAMPLES = 60_000
FEATURES = 64


class Ends(keras.callbacks.Callback):
    """Records whether on_train_end ran (it needs no per-batch hook, so the
    epoch stays one call into the core)."""

    def __init__(self):
        super().__init__()
        self.ended = False

    def on_train_end(self, logs=None):
        self.ended = True


def make_model(seed=1):
    keras.utils.set_random_seed(seed)
    init = keras.initializers.GlorotUniform
    model = keras.Sequential(
        [
            keras.Input(shape=(FEATURES,)),
            layers.Dense(1024, activation="relu", kernel_initializer=init(seed)),
            layers.Dense(1024, activation="relu", kernel_initializer=init(seed + 1)),
            layers.Dense(10, activation="softmax", kernel_initializer=init(seed + 2)),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(phase):
    rng = np.random.default_rng(0)
    x = rng.random((SAMPLES, FEATURES), dtype=np.float32)
    y = rng.integers(0, 10, size=SAMPLES)
    model = make_model()
    ends = Ends()
    backup = tempfile.mkdtemp()
    report = {"phase": phase}
    print(f"ready {phase}", flush=True)
    started = time.monotonic()
    try:
        if phase == "fit":
            # The first epoch ends before the signal and is backed up; the
            # interrupted fit's own BackupAndRestore would delete the backup
            # if it ended normally.
            model.fit(
                x,
                y,
                batch_size=64,
                epochs=1,
                steps_per_epoch=5,
                shuffle=False,
                verbose=0,
                callbacks=[keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)],
            )
            print("long call", flush=True)
            model.fit(
                x,
                y,
                batch_size=64,
                initial_epoch=1,
                epochs=3,
                shuffle=False,
                verbose=0,
                callbacks=[ends, keras.callbacks.BackupAndRestore(backup)],
            )
        elif phase == "evaluate":
            print("long call", flush=True)
            for _ in range(20):
                model.evaluate(x, y, batch_size=256, verbose=0)
        else:
            print("long call", flush=True)
            for _ in range(20):
                model.predict(x, batch_size=1024, verbose=0)
        report["interrupted"] = False
    except KeyboardInterrupt:
        report["interrupted"] = True
    report["stopped_at"] = time.monotonic()
    report["ran_for"] = report["stopped_at"] - started
    report["on_train_end"] = ends.ended
    # The model is usable: it predicts, evaluates and trains on.
    out = model.predict(x[:100], verbose=0)
    report["predict_finite"] = bool(np.all(np.isfinite(out)))
    report["evaluate"] = model.evaluate(x[:256], y[:256], verbose=0)
    if phase == "fit":
        steps = int(model.optimizer.iterations)
        weights = model.get_weights()
        # Weights are those after the last whole step: a fresh model trained
        # exactly that many steps on the same batches has the same weights.
        fresh = make_model()
        fresh.fit(x, y, batch_size=64, epochs=1, steps_per_epoch=5, shuffle=False, verbose=0)
        fresh.fit(
            x, y, batch_size=64, epochs=1, steps_per_epoch=steps - 5, shuffle=False, verbose=0
        )
        report["steps"] = steps
        report["weights_match_whole_steps"] = all(
            a.tobytes() == b.tobytes() for a, b in zip(weights, fresh.get_weights())
        )
        # BackupAndRestore kept its backup, so the next fit resumes there.
        resumed = make_model()
        history = resumed.fit(
            x[:640],
            y[:640],
            batch_size=64,
            epochs=2,
            verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(backup)],
        )
        report["resumed_epochs"] = history.epoch
        model.fit(x[:640], y[:640], batch_size=64, epochs=1, verbose=0)
        report["trains_on"] = int(model.optimizer.iterations) == steps + 10
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
