"""Ctrl-C during a long call into the core raises KeyboardInterrupt at once
and leaves a usable model; exceptions from callbacks and data generators
propagate and end the run cleanly."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import pykeras as keras

CHILD = os.path.join(os.path.dirname(__file__), "interrupt_child.py")
SIGNAL_AFTER = 1.0
LIMIT = 0.5


def _interrupt(phase):
    """Starts the child, sends SIGINT into its long call, returns its report
    and how long after the signal it stopped."""
    proc = subprocess.Popen(
        [sys.executable, CHILD, phase],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYKERAS_NUM_THREADS": "2"},
    )
    try:
        for line in proc.stdout:
            if line.startswith("long call"):
                break
        time.sleep(SIGNAL_AFTER)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    return report, report["stopped_at"] - sent


def test_ctrl_c_stops_fit_within_half_a_second_and_keeps_whole_steps():
    report, delay = _interrupt("fit")
    assert report["interrupted"], report
    assert delay < LIMIT, f"fit stopped {delay:.3f} s after SIGINT"
    assert report["on_train_end"]
    assert report["predict_finite"]
    assert report["steps"] > 5
    assert report["weights_match_whole_steps"]
    assert report["resumed_epochs"] == [1]
    assert report["trains_on"]


@pytest.mark.parametrize("phase", ["evaluate", "predict"])
def test_ctrl_c_stops_evaluate_and_predict(phase):
    report, delay = _interrupt(phase)
    assert report["interrupted"], report
    assert delay < LIMIT, f"{phase} stopped {delay:.3f} s after SIGINT"
    assert report["predict_finite"]


class _Boom(Exception):
    pass


def _small_model():
    model = keras.Sequential(
        [keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    return model


class _Recorder(keras.callbacks.Callback):
    def __init__(self, fail_at_batch=None):
        super().__init__()
        self.fail_at_batch = fail_at_batch
        self.ended = False

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.fail_at_batch:
            raise _Boom(f"callback failed at batch {batch}")

    def on_train_end(self, logs=None):
        self.ended = True


def test_an_error_in_a_callback_propagates_and_ends_training():
    model = _small_model()
    x = np.ones((64, 4), np.float32)
    recorder = _Recorder(fail_at_batch=2)
    with pytest.raises(_Boom, match="batch 2") as info:
        model.fit(x, x[:, :1], batch_size=8, epochs=3, verbose=0, callbacks=[recorder])
    assert recorder.ended
    # The traceback reaches the callback's own frame.
    assert any(frame.name == "on_train_batch_end" for frame in info.traceback)
    assert int(model.optimizer.iterations) == 3
    model.fit(x, x[:, :1], batch_size=8, epochs=1, verbose=0)
    assert int(model.optimizer.iterations) == 11


def test_an_error_in_a_data_generator_propagates_and_ends_training():
    model = _small_model()
    recorder = _Recorder()

    def batches():
        for i in range(5):
            if i == 3:
                raise _Boom("generator failed at batch 3")
            yield np.ones((8, 4), np.float32), np.ones((8, 1), np.float32)

    with pytest.raises(_Boom, match="batch 3"):
        model.fit(batches(), epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.ended
    assert int(model.optimizer.iterations) == 3
