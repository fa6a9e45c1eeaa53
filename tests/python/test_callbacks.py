"""Callbacks, driven hook by hook the way `fit`/`evaluate`/`predict` drive them.

`fit` is not written yet, so `run_fit` below plays its part: it is also the
executable form of the hook order `fit` must follow.
"""

import importlib
import json
import os
import warnings

import numpy as np
import pytest

import pykeras as keras
from pykeras import callbacks as cbks


def make_model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])


class StandInOptimizer:
    """Only what the learning-rate callbacks touch: a float `learning_rate`."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


def make_optimizer(learning_rate):
    try:
        from pykeras.optimizers import SGD
    except ImportError:  # pykeras.optimizers is being written concurrently
        return StandInOptimizer(learning_rate)
    return SGD(learning_rate=learning_rate)


class RecordingModel(keras.Sequential):
    """A Sequential whose save/save_weights/load_weights record calls and write a stand-in file.

    Stand-in while `Model.save`/`save_weights`/`load_weights` are being
    written elsewhere: the callbacks' contract is only that they call them
    with (path, overwrite=True). Replace with the real methods once they land
    (see test_model_checkpoint_with_real_save_weights).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def save(self, filepath, overwrite=True):
        self.calls.append(("save", filepath, overwrite))
        with open(filepath, "w") as f:
            f.write("model")

    def save_weights(self, filepath, overwrite=True):
        self.calls.append(("save_weights", filepath, overwrite))
        with open(filepath, "wb") as f:
            np.savez(f, *self.get_weights())

    def load_weights(self, filepath):
        self.calls.append(("load_weights", filepath))
        with np.load(filepath) as data:
            self.set_weights([data[f"arr_{i}"] for i in range(len(data.files))])


def make_recording_model():
    return RecordingModel([keras.Input((3,)), keras.layers.Dense(2)])


def run_fit(
    callbacks,
    model,
    epoch_logs,
    steps=4,
    verbose=0,
    initial_epoch=0,
    report_every=1,
    batch_logs=None,
):
    """Drives the hooks as `fit` will; `epoch_logs[i]` are the logs of epoch i.

    Stops at `len(epoch_logs)` epochs or when `model.stop_training` is set.
    With `report_every=k`, batch hooks are called only every k batches (and
    at the last one), as when `fit` runs batches natively in between.
    """
    epochs = len(epoch_logs)
    callback_list = cbks.CallbackList(
        callbacks,
        add_history=True,
        add_progbar=verbose != 0,
        model=model,
        verbose=verbose,
        epochs=epochs,
        steps=steps,
    )
    model.stop_training = False
    callback_list.on_train_begin()
    for callback in callback_list.callbacks:
        resumed = getattr(callback, "_initial_epoch_from_backup", None)
        if resumed is not None:
            initial_epoch = resumed
    logs = None
    for epoch in range(initial_epoch, epochs):
        callback_list.on_epoch_begin(epoch)
        for step in range(steps):
            if (step + 1) % report_every and step != steps - 1:
                continue
            callback_list.on_train_batch_begin(step)
            step_logs = batch_logs(epoch, step) if batch_logs else dict(epoch_logs[epoch])
            callback_list.on_train_batch_end(step, step_logs)
            if model.stop_training:
                break
        logs = dict(epoch_logs[epoch])
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    return model.history


def loss_logs(*losses, key="loss"):
    return [{key: loss} for loss in losses]


# --------------------------------------------------------------------- base


def test_callback_base_stores_model_and_params():
    callback = cbks.Callback()
    model = make_model()
    callback.set_model(model)
    callback.set_params({"epochs": 2})
    assert callback.model is model
    assert callback.params == {"epochs": 2}
    other = make_model()
    callback.model = other  # Keras 2 style assignment
    assert callback.model is other


def test_train_batch_hooks_forward_to_the_keras_2_aliases():
    seen = []

    class Legacy(cbks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs))

    callback = Legacy()
    callback.on_train_batch_begin(3)
    callback.on_train_batch_end(3, {"loss": 1.0})
    assert seen == [("begin", 3), ("end", 3, {"loss": 1.0})]


def test_unknown_keyword_argument_suggests_the_close_match():
    with pytest.raises(TypeError, match="unexpected keyword argument 'patiense'.*'patience'"):
        cbks.EarlyStopping(patiense=3)
    with pytest.raises(TypeError, match="'save_best'.*Did you mean 'save_best_only'"):
        cbks.ModelCheckpoint("m.keras", save_best=True)

    class Mine(cbks.Callback):
        def __init__(self, threshold=0.5):
            super().__init__()
            self.threshold = threshold

    with pytest.raises(TypeError, match="Mine.__init__.*'treshold'.*'threshold'"):
        Mine(treshold=1)


# ------------------------------------------------------------ CallbackList


def test_callback_list_adds_history_and_progbar_once():
    model = make_model()
    history = cbks.History()
    callback_list = cbks.CallbackList(
        [history], add_history=True, add_progbar=True, model=model, verbose=1, epochs=1, steps=2
    )
    kinds = [type(c) for c in callback_list.callbacks]
    assert kinds == [cbks.History, cbks.ProgbarLogger]
    assert model.history is history
    for callback in callback_list.callbacks:
        assert callback.model is model
        assert callback.params == {"verbose": 1, "epochs": 1, "steps": 2}


def test_callback_list_flattens_nested_lists_and_rejects_non_callbacks():
    a, b = cbks.Callback(), cbks.Callback()
    assert cbks.CallbackList([a, [b]]).callbacks == [a, b]
    assert cbks.CallbackList(a).callbacks == [a]
    with pytest.raises(TypeError, match=r"callbacks\[1\]=.*of type function"):
        cbks.CallbackList([a, lambda: None])


def test_callback_list_append_sets_model_and_params():
    model = make_model()
    callback_list = cbks.CallbackList([], model=model, epochs=3)
    callback = cbks.Callback()
    callback_list.append(callback)
    assert callback_list.callbacks == [callback]
    assert callback.model is model
    assert callback.params == {"epochs": 3}


def test_callback_list_calls_every_callback_in_order_with_pythonified_logs():
    calls = []

    class Recorder(cbks.Callback):
        def __init__(self, tag):
            super().__init__()
            self.tag = tag

        def on_epoch_end(self, epoch, logs=None):
            calls.append((self.tag, epoch, logs))
            logs[f"seen_by_{self.tag}"] = 1.0

    callback_list = cbks.CallbackList([Recorder("a"), Recorder("b")], model=make_model())
    original = {"val_loss": np.float32(0.5), "loss": np.array(0.25), "acc": {"top1": 1}}
    callback_list.on_epoch_end(4, original)
    (tag_a, epoch_a, logs_a), (tag_b, _, logs_b) = calls
    assert (tag_a, epoch_a, tag_b) == ("a", 4, "b")
    # One fresh dict for all: sorted, nested dicts flattened, numbers as floats.
    assert logs_a is logs_b
    assert list(logs_a) == ["top1", "loss", "val_loss", "seen_by_a", "seen_by_b"]
    assert all(type(logs_a[k]) is float for k in logs_a)
    assert "seen_by_a" not in original


def test_callback_list_forwards_every_hook():
    names = [
        "on_train_begin",
        "on_train_end",
        "on_test_begin",
        "on_test_end",
        "on_predict_begin",
        "on_predict_end",
    ]
    indexed = [
        "on_epoch_begin",
        "on_epoch_end",
        "on_batch_begin",
        "on_batch_end",
        "on_train_batch_begin",
        "on_train_batch_end",
        "on_test_batch_begin",
        "on_test_batch_end",
        "on_predict_batch_begin",
        "on_predict_batch_end",
    ]
    seen = []
    hooks = {name: (lambda n: lambda *a, **k: seen.append(n))(name) for name in names + indexed}
    callback_list = cbks.CallbackList([cbks.LambdaCallback(**hooks)])
    for name in names:
        getattr(callback_list, name)({})
    for name in indexed:
        getattr(callback_list, name)(0, {})
    assert seen == names + indexed


class BatchUser(cbks.Callback):
    def on_test_batch_end(self, batch, logs=None):
        pass


class EpochUser(cbks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        pass


class LegacyBatchUser(cbks.Callback):
    def on_batch_end(self, batch, logs=None):
        pass


@pytest.mark.parametrize(
    "callback, train, test, predict",
    [
        (EpochUser(), False, False, False),
        (BatchUser(), False, True, False),
        (LegacyBatchUser(), True, False, False),
        (cbks.LambdaCallback(on_train_batch_end=lambda b, logs: None), True, False, False),
        (cbks.LambdaCallback(on_predict_batch_begin=lambda b, logs: None), False, False, True),
        (cbks.LambdaCallback(on_epoch_end=lambda e, logs: None), False, False, False),
        (cbks.TerminateOnNaN(), True, False, False),
        (cbks.ModelCheckpoint("m.keras"), False, False, False),
        (cbks.ModelCheckpoint("m.keras", save_freq=10), True, False, False),
        (cbks.BackupAndRestore("backup"), False, False, False),
        (cbks.BackupAndRestore("backup", save_freq=5), True, False, False),
        (cbks.EarlyStopping(), False, False, False),
    ],
)
def test_needs_batch_hooks(callback, train, test, predict):
    callback_list = cbks.CallbackList([callback], add_history=True, add_progbar=True)
    assert callback_list.needs_batch_hooks("train") is train
    assert callback_list.needs_batch_hooks("test") is test
    assert callback_list.needs_batch_hooks("predict") is predict


def test_needs_batch_hooks_ignores_progbar_and_history_and_checks_kind():
    callback_list = cbks.CallbackList([], add_history=True, add_progbar=True)
    assert not any(callback_list.needs_batch_hooks(k) for k in ("train", "test", "predict"))
    with pytest.raises(ValueError, match="Received: kind='eval'"):
        callback_list.needs_batch_hooks("eval")


# ------------------------------------------------------------------ History


def test_history_records_epoch_logs_and_is_set_on_the_model():
    model = make_model()
    history = run_fit([], model, [{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5, "val_loss": 1.5}])
    assert isinstance(history, cbks.History)
    assert history.history == {"loss": [1.0, 0.5], "val_loss": [2.0, 1.5]}
    assert history.epoch == [0, 1]
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 4}


# ------------------------------------------------------------ ProgbarLogger


def test_progbar_logger_verbose_2_prints_epoch_headers_and_one_line_per_epoch(capsys):
    run_fit([], make_model(), [{"loss": 1.0}, {"loss": 0.5}], steps=4, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert lines[1].startswith("4/4 - 0s - ") and lines[1].endswith("/step - loss: 1.0000")
    assert lines[2] == "Epoch 2/2"
    assert lines[3].endswith("/step - loss: 0.5000")
    assert len(lines) == 4


class TickingClock:
    """Stands in for `time` in the progress bar: each reading is 0.1 s later."""

    def __init__(self):
        self.t = 0.0

    def time(self):
        self.t += 0.1
        return self.t


def test_progbar_logger_verbose_1_copes_with_steps_that_jump(capsys, monkeypatch):
    # A ticking clock keeps the bar's 0.05 s redraw throttle out of the way.
    monkeypatch.setattr(importlib.import_module("pykeras.utils.progbar"), "time", TickingClock())

    def batch_logs(epoch, step):
        return {"loss": 1.0 / (step + 1)}

    run_fit(
        [],
        make_model(),
        [{"loss": 0.1}],
        steps=10,
        verbose=1,
        report_every=3,
        batch_logs=batch_logs,
    )
    out = capsys.readouterr().out
    # Non-terminal output: one line per report, the steps as reported.
    lines = [line for line in out.split("\n") if line]
    counts = [line.split("\x1b[0m")[0].removeprefix("\x1b[1m") for line in lines]
    # (The last batch is drawn, then the epoch's final values, as in Keras.)
    assert counts == [" 3/10", " 6/10", " 9/10", "10/10", "10/10"]
    # Logs are running values already: shown as given, not re-averaged.
    assert lines[1].endswith("- loss: 0.1667")
    assert lines[-1].endswith("- loss: 0.1000")
    assert "Epoch" not in out  # a single epoch has no header


def test_progbar_logger_is_silent_during_validation_inside_fit(capsys):
    callback_list = cbks.CallbackList(
        [], add_progbar=True, model=make_model(), verbose=2, epochs=1, steps=2
    )
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    callback_list.on_test_begin()
    callback_list.on_test_batch_end(0, {"loss": 9.0})
    callback_list.on_test_end({"loss": 9.0})
    callback_list.on_epoch_end(0, {"loss": 1.0, "val_loss": 9.0})
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.endswith("- loss: 1.0000 - val_loss: 9.0000\n")


def test_progbar_logger_in_evaluate_and_predict(capsys):
    callback_list = cbks.CallbackList(
        [], add_progbar=True, model=make_model(), verbose=2, epochs=1, steps=None
    )
    callback_list.on_test_begin()
    callback_list.on_test_batch_end(0, {"loss": 1.0})
    callback_list.on_test_batch_end(2, {"loss": 0.5})
    callback_list.on_test_end({"loss": 0.5})
    # Unknown length: the steps seen become the target.
    assert capsys.readouterr().out.startswith("3/3 - ")
    callback_list.on_predict_begin()
    callback_list.on_predict_batch_end(2, {"outputs": np.zeros((2, 2))})
    callback_list.on_predict_end()
    out = capsys.readouterr().out
    assert out.startswith("3/3 - ") and out.endswith("/step\n")


# ------------------------------------------------------------ EarlyStopping


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    model = make_model()
    stopper = cbks.EarlyStopping(monitor="loss", patience=2)
    history = run_fit([stopper], model, loss_logs(1.0, 0.5, 0.6, 0.55, 0.4, 0.3))
    assert history.history["loss"] == [1.0, 0.5, 0.6, 0.55]
    assert stopper.stopped_epoch == 3
    assert stopper.best == 0.5
    assert model.stop_training


def test_early_stopping_min_delta_and_max_mode():
    stopper = cbks.EarlyStopping(monitor="acc", mode="max", min_delta=0.1, patience=2)
    history = run_fit([stopper], make_model(), loss_logs(0.5, 0.55, 0.58, 0.9, key="acc"))
    # +0.05 and +0.08 are below min_delta: two epochs without improvement.
    assert history.history["acc"] == [0.5, 0.55, 0.58]


def test_early_stopping_auto_mode_infers_direction_from_the_name():
    stopper = cbks.EarlyStopping(monitor="val_accuracy", patience=0)
    run_fit([stopper], make_model(), loss_logs(0.5, 0.6, 0.55, 0.7, key="val_accuracy"))
    assert stopper.stopped_epoch == 2
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        run_fit(
            [cbks.EarlyStopping(monitor="my_score")], make_model(), loss_logs(1, key="my_score")
        )


def test_early_stopping_baseline_must_be_beaten():
    logs = loss_logs(0.9, 0.95, 0.97, 0.6)
    without = run_fit([cbks.EarlyStopping(monitor="loss", patience=2)], make_model(), logs)
    assert len(without.history["loss"]) == 3
    # The first epoch does not beat the baseline, so patience is not reset by it.
    stopper = cbks.EarlyStopping(monitor="loss", baseline=0.3, patience=2)
    history = run_fit([stopper], make_model(), logs)
    assert len(history.history["loss"]) == 2


def test_early_stopping_start_from_epoch_skips_warm_up():
    stopper = cbks.EarlyStopping(monitor="loss", patience=0, start_from_epoch=2)
    history = run_fit([stopper], make_model(), loss_logs(0.5, 0.9, 0.8, 0.85, 0.1))
    assert history.history["loss"] == [0.5, 0.9, 0.8, 0.85]


def test_early_stopping_restores_best_weights(capsys):
    model = make_model()
    snapshots = []

    def change_weights(epoch, logs):
        new = [np.full_like(w, epoch) for w in model.get_weights()]
        model.set_weights(new)
        snapshots.append(new)

    # Runs before EarlyStopping reads the weights, like the end of an epoch's training.
    changer = cbks.LambdaCallback(on_epoch_end=change_weights)
    stopper = cbks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True, verbose=1)
    run_fit([changer, stopper], model, loss_logs(1.0, 0.2, 0.5, 0.6, 0.1))
    for restored, best in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(restored, best)
    assert capsys.readouterr().out == (
        "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"
    )


def test_early_stopping_warns_when_the_metric_is_missing():
    stopper = cbks.EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="`val_loss` which is not available.*: loss"):
        history = run_fit([stopper], make_model(), loss_logs(1.0, 2.0))
    assert len(history.history["loss"]) == 2


def test_early_stopping_is_reusable_across_fits():
    stopper = cbks.EarlyStopping(monitor="loss", patience=0)
    run_fit([stopper], make_model(), loss_logs(0.1, 0.5))
    history = run_fit([stopper], make_model(), loss_logs(0.9, 0.8, 0.7))
    assert len(history.history["loss"]) == 3


def test_bad_mode_is_an_error_with_a_hint():
    with pytest.raises(ValueError, match="Did you mean 'max'.*Received: mode='mxa'"):
        cbks.EarlyStopping(mode="mxa")


# ---------------------------------------------------------- ModelCheckpoint


def test_model_checkpoint_validates_the_file_extension():
    with pytest.raises(ValueError) as info:
        cbks.ModelCheckpoint("ckpt.h5", save_weights_only=True)
    assert str(info.value) == (
        "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided "
        "must end in `.weights.h5` (Keras weights format). Received: filepath=ckpt.h5"
    )
    with pytest.raises(ValueError) as info:
        cbks.ModelCheckpoint("ckpt.weights")
    assert str(info.value) == (
        "The filepath provided must end in `.keras` (Keras model format). "
        "Received: filepath=ckpt.weights"
    )
    cbks.ModelCheckpoint("legacy.h5")
    cbks.ModelCheckpoint("w.weights.h5", save_weights_only=True)


@pytest.mark.parametrize("save_freq", ["batch", 1.5, 0, True])
def test_model_checkpoint_rejects_bad_save_freq(save_freq):
    with pytest.raises(ValueError, match="save_freq"):
        cbks.ModelCheckpoint("m.keras", save_freq=save_freq)


def test_model_checkpoint_fills_the_filepath_template(tmp_path):
    model = make_recording_model()
    template = str(tmp_path / "ckpt" / "{epoch:02d}-{val_loss:.2f}.keras")
    checkpoint = cbks.ModelCheckpoint(template)
    run_fit([checkpoint], model, [{"loss": 1, "val_loss": 0.51234}, {"loss": 1, "val_loss": 0.4}])
    assert model.calls == [
        ("save", str(tmp_path / "ckpt" / "01-0.51.keras"), True),
        ("save", str(tmp_path / "ckpt" / "02-0.40.keras"), True),
    ]
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["01-0.51.keras", "02-0.40.keras"]


def test_model_checkpoint_reports_a_missing_template_key(tmp_path):
    checkpoint = cbks.ModelCheckpoint(str(tmp_path / "{epoch}-{val_acc}.keras"))
    with pytest.raises(KeyError, match="Failed to format this callback filepath.*val_acc"):
        run_fit([checkpoint], make_recording_model(), loss_logs(1.0))


def test_model_checkpoint_save_best_only_with_threshold(tmp_path, capsys):
    model = make_recording_model()
    path = str(tmp_path / "best.weights.h5")
    checkpoint = cbks.ModelCheckpoint(
        path,
        monitor="val_acc",
        mode="max",
        save_best_only=True,
        save_weights_only=True,
        initial_value_threshold=0.5,
        verbose=1,
    )
    run_fit([checkpoint], model, loss_logs(0.4, 0.6, 0.55, 0.7, key="val_acc"))
    assert [call[0] for call in model.calls] == ["save_weights", "save_weights"]
    assert checkpoint.best == 0.7
    out = capsys.readouterr().out
    assert out == (
        "\nEpoch 1: val_acc did not improve from 0.50000\n"
        f"\nEpoch 2: val_acc improved from 0.50000 to 0.60000, saving model to {path}\n"
        f"\nEpoch 2: finished saving model to {path}\n"
        "\nEpoch 3: val_acc did not improve from 0.60000\n"
        f"\nEpoch 4: val_acc improved from 0.60000 to 0.70000, saving model to {path}\n"
        f"\nEpoch 4: finished saving model to {path}\n"
    )


def test_model_checkpoint_saves_without_the_monitored_metric_and_warns(tmp_path):
    model = make_recording_model()
    checkpoint = cbks.ModelCheckpoint(str(tmp_path / "m.keras"), save_best_only=True)
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        run_fit([checkpoint], model, loss_logs(1.0))
    assert len(model.calls) == 1


def test_model_checkpoint_every_n_batches_counts_skipped_batches(tmp_path):
    model = make_recording_model()
    template = str(tmp_path / "e{epoch}-b{batch}.keras")
    checkpoint = cbks.ModelCheckpoint(template, save_freq=4)
    # Batches are reported at 2, 5, 8 and 9 (0-based) of 10: 4 batches are
    # counted by batch 5 (shown 1-based: b6), 4 more by batch 9 (b10).
    run_fit([checkpoint], model, loss_logs(1.0, 0.5), steps=10, report_every=3)
    names = [os.path.basename(call[1]) for call in model.calls]
    assert names == ["e1-b6.keras", "e1-b10.keras", "e2-b6.keras", "e2-b10.keras"]


def test_model_checkpoint_refuses_an_existing_directory(tmp_path):
    (tmp_path / "dir.keras").mkdir()
    checkpoint = cbks.ModelCheckpoint(str(tmp_path / "dir.keras"))
    with pytest.raises(OSError, match="non-directory filepath"):
        run_fit([checkpoint], make_recording_model(), loss_logs(1.0))


@pytest.mark.skipif(
    not hasattr(keras.Model, "save_weights"), reason="Model.save_weights not written yet"
)
def test_model_checkpoint_with_real_save_weights(tmp_path):
    model = make_model()
    path = tmp_path / "w.weights.h5"
    run_fit([cbks.ModelCheckpoint(str(path), save_weights_only=True)], model, loss_logs(1.0))
    assert path.exists()


# -------------------------------------------------------- ReduceLROnPlateau


def test_reduce_lr_on_plateau_reduces_after_patience_with_cooldown(capsys):
    model = make_model()
    model.optimizer = make_optimizer(1.0)
    reducer = cbks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=1, cooldown=2, min_lr=0.2, verbose=1
    )
    history = run_fit([reducer], model, loss_logs(1.0, 1.0, 1.0, 1.0, 1.0, 1.0))
    # The rate logged is the one the epoch ran with. Epochs 1, 3 and 5
    # reduce (2 and 4 cool down); the last reduction is clipped to min_lr.
    assert history.history["learning_rate"] == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.25, 0.25])
    assert float(model.optimizer.learning_rate) == pytest.approx(0.2)
    out = capsys.readouterr().out
    assert out.startswith("\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n")
    assert out.endswith("\nEpoch 6: ReduceLROnPlateau reducing learning rate to 0.2.\n")
    assert out.count("ReduceLROnPlateau reducing") == 3


def test_reduce_lr_on_plateau_keeps_the_rate_while_improving():
    model = make_model()
    model.optimizer = make_optimizer(0.1)
    reducer = cbks.ReduceLROnPlateau(monitor="val_loss", patience=0)
    run_fit([reducer], model, loss_logs(0.9, 0.8, 0.7, key="val_loss"))
    assert float(model.optimizer.learning_rate) == pytest.approx(0.1)


def test_reduce_lr_on_plateau_checks_factor_and_missing_metric():
    with pytest.raises(ValueError, match="does not support a factor >= 1.0. Received factor=1.5"):
        cbks.ReduceLROnPlateau(factor=1.5)
    model = make_model()
    model.optimizer = make_optimizer(0.1)
    with pytest.warns(UserWarning, match="`val_loss` which is not available"):
        run_fit([cbks.ReduceLROnPlateau()], model, loss_logs(1.0))


def test_learning_rate_callbacks_need_an_optimizer():
    with pytest.raises(ValueError, match="needs a compiled model with an optimizer"):
        run_fit([cbks.ReduceLROnPlateau(monitor="loss")], make_model(), loss_logs(1.0))


# ---------------------------------------------------- LearningRateScheduler


def test_learning_rate_scheduler_sets_and_logs_the_rate(capsys):
    model = make_model()
    # Powers of two: optimizers keep the rate in float32, so 0.1 would read back
    # (and print, as in Keras) as 0.10000000149011612.
    model.optimizer = make_optimizer(0.5)
    scheduler = cbks.LearningRateScheduler(lambda epoch, lr: lr * 0.5, verbose=1)
    history = run_fit([scheduler], model, loss_logs(1.0, 1.0, 1.0))
    assert history.history["learning_rate"] == [0.25, 0.125, 0.0625]
    assert capsys.readouterr().out == (
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.25.\n"
        "\nEpoch 2: LearningRateScheduler setting learning rate to 0.125.\n"
        "\nEpoch 3: LearningRateScheduler setting learning rate to 0.0625.\n"
    )


def test_learning_rate_scheduler_accepts_a_function_of_the_epoch_only():
    model = make_model()
    model.optimizer = make_optimizer(0.1)
    run_fit([cbks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], model, loss_logs(1, 1))
    assert float(model.optimizer.learning_rate) == pytest.approx(0.02)


def test_learning_rate_scheduler_errors():
    model = make_model()
    model.optimizer = make_optimizer(0.1)
    with pytest.raises(ValueError, match="should be a float. Got: 1"):
        run_fit([cbks.LearningRateScheduler(lambda epoch, lr: 1)], model, loss_logs(1.0))

    def broken(epoch, lr):
        raise TypeError("bug inside the schedule")

    # A TypeError from inside the schedule is not mistaken for the 1-argument form.
    with pytest.raises(TypeError, match="bug inside the schedule"):
        run_fit([cbks.LearningRateScheduler(broken)], model, loss_logs(1.0))


# --------------------------------------------------------------- CSVLogger


def test_csv_logger_writes_keras_format(tmp_path):
    path = tmp_path / "log.csv"
    logs = [{"loss": 0.5, "acc": 0.25}, {"loss": 0.25, "acc": np.float32(0.5)}]
    run_fit([cbks.CSVLogger(str(path))], make_model(), logs)
    # Sorted keys, val_ columns filled with NA, excel dialect line ends.
    assert path.read_bytes() == (
        b"epoch,acc,loss,val_acc,val_loss\r\n0,0.25,0.5,NA,NA\r\n1,0.5,0.25,NA,NA\r\n"
    )


def test_csv_logger_separator_append_and_arrays(tmp_path):
    path = tmp_path / "log.csv"
    logger = cbks.CSVLogger(path, separator=";", append=True)
    run_fit([logger], make_model(), [{"loss": 1.0, "val_loss": 2.0}])
    run_fit([logger], make_model(), [{"loss": 0.5, "val_loss": np.array([1, 2])}])
    assert path.read_text().splitlines() == [
        "epoch;loss;val_loss",
        "0;1.0;2.0",
        '0;0.5;"""[1, 2]"""',
    ]


# ---------------------------------------------------------- TerminateOnNaN


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), np.float32("-inf")])
def test_terminate_on_nan_stops_training(capsys, bad):
    def batch_logs(epoch, step):
        return {"loss": bad if step == 1 else 1.0}

    history = run_fit(
        [cbks.TerminateOnNaN()], make_model(), loss_logs(1.0, 1.0), batch_logs=batch_logs
    )
    assert len(history.history["loss"]) == 1
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"


def test_terminate_on_nan_can_raise():
    callback = cbks.TerminateOnNaN(raise_error=True)
    callback.set_model(make_model())
    callback.on_train_batch_end(0, {"loss": 1.0})
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        callback.on_train_batch_end(2, {"loss": float("nan")})


# ---------------------------------------------------------- LambdaCallback


def test_lambda_callback_calls_the_given_functions():
    seen = []
    callback = cbks.LambdaCallback(
        on_train_begin=lambda logs: seen.append("train_begin"),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch_end", epoch, logs["loss"])),
        on_train_batch_end=lambda batch, logs: seen.append(("batch", batch)),
        on_train_end=lambda logs: seen.append("train_end"),
    )
    run_fit([callback], make_model(), loss_logs(0.5), steps=2)
    assert seen == ["train_begin", ("batch", 0), ("batch", 1), ("epoch_end", 0, 0.5), "train_end"]


def test_lambda_callback_takes_other_hooks_by_name_only():
    seen = []
    callback = cbks.LambdaCallback(on_test_end=lambda logs: seen.append(logs))
    callback.on_test_end({"loss": 1.0})
    assert seen == [{"loss": 1.0}]
    with pytest.raises(TypeError, match="'on_epoch_ends'.*Did you mean 'on_epoch_end'"):
        cbks.LambdaCallback(on_epoch_ends=print)


# -------------------------------------------------------- BackupAndRestore


class Interrupt(Exception):
    pass


def interrupt_at(epoch_to_fail):
    def on_epoch_begin(epoch, logs=None):
        if epoch == epoch_to_fail:
            raise Interrupt

    return cbks.LambdaCallback(on_epoch_begin=on_epoch_begin)


def test_backup_and_restore_resumes_an_interrupted_fit(tmp_path):
    backup_dir = tmp_path / "backup"
    model = make_recording_model()
    callback = cbks.BackupAndRestore(str(backup_dir))
    with pytest.raises(Interrupt):
        run_fit([callback, interrupt_at(3)], model, loss_logs(1, 1, 1, 1, 1, 1))
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5", "training_metadata.json"]
    metadata = json.loads((backup_dir / "training_metadata.json").read_text())
    assert metadata == {"epoch": 3, "batch": 0}
    saved = model.get_weights()

    restarted = make_recording_model()
    history = run_fit([callback], restarted, loss_logs(1, 1, 1, 1, 1, 1))
    assert callback._initial_epoch_from_backup == 3
    assert history.epoch == [3, 4, 5]
    assert restarted.calls[0] == ("load_weights", str(backup_dir / "latest.weights.h5"))
    for restored, original in zip(restarted.get_weights(), saved):
        np.testing.assert_array_equal(restored, original)
    assert not backup_dir.exists()  # deleted once fit completes


def test_backup_and_restore_without_backup_starts_at_the_beginning(tmp_path):
    callback = cbks.BackupAndRestore(str(tmp_path / "b"), delete_checkpoint=False)
    history = run_fit([callback], make_recording_model(), loss_logs(1, 1))
    assert callback._initial_epoch_from_backup is None
    assert history.epoch == [0, 1]
    assert (tmp_path / "b" / "latest.weights.h5").exists()


def test_backup_and_restore_every_n_batches(tmp_path):
    backup_dir = tmp_path / "b"
    model = make_recording_model()
    callback = cbks.BackupAndRestore(str(backup_dir), save_freq=3)
    with pytest.raises(Interrupt):
        run_fit([callback, interrupt_at(2)], model, loss_logs(1, 1, 1), steps=4)
    # 8 batches: saved after batch 2 of epoch 0 and after batch 1 of epoch 1.
    assert [call[0] for call in model.calls] == ["save_weights", "save_weights"]
    metadata = json.loads((backup_dir / "training_metadata.json").read_text())
    assert metadata == {"epoch": 1, "batch": 1}


def test_backup_and_restore_falls_back_to_the_previous_backup(tmp_path):
    backup_dir = tmp_path / "b"
    callback = cbks.BackupAndRestore(str(backup_dir), double_checkpoint=True)
    with pytest.raises(Interrupt):
        run_fit([callback, interrupt_at(2)], make_recording_model(), loss_logs(1, 1, 1))
    (backup_dir / "training_metadata.json").write_text("{torn")
    history = run_fit([callback], make_recording_model(), loss_logs(1, 1, 1))
    assert history.epoch == [1, 2]


def test_backup_and_restore_argument_errors():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        cbks.BackupAndRestore("")
    with pytest.raises(ValueError, match="Received: save_freq=batch"):
        cbks.BackupAndRestore("b", save_freq="batch")
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    callback = cbks.BackupAndRestore("b")
    callback.set_model(unbuilt)
    with pytest.raises(ValueError, match="must be built before you call `fit\\(\\)`"):
        callback.on_train_begin()


def test_warnings_are_not_raised_by_default_callbacks():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_fit([], make_model(), loss_logs(1.0), verbose=0)
