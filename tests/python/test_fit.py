"""compile / fit / evaluate / train_on_batch: arguments, data forms, callbacks
in the loop, reproducibility and the errors raised before training starts."""

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers


def _data(n=64, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5).astype("int64")
    return x, np.minimum(y, classes - 1)


def _classifier(classes=3, features=4, dropout=0.0, seed=1):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((features,)),
            layers.Dense(8, activation="relu"),
            layers.Dropout(dropout),
            layers.Dense(classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["acc"],
    )
    return model


def test_fit_learns_and_history_keeps_the_metric_names_written():
    x, y = _data(256)
    model = _classifier()
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "acc"}
    assert len(history.history["loss"]) == 30
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["acc"][-1] > 0.8
    assert model.history is history


def test_validation_split_takes_the_last_samples_and_adds_val_keys():
    x, y = _data(100)
    model = _classifier()
    history = model.fit(x, y, epochs=2, validation_split=0.2, shuffle=False, verbose=0)
    assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}
    # The validation logs are evaluate() on the last 20 samples.
    expected = model.evaluate(x[80:], y[80:], verbose=0, return_dict=True)
    assert history.history["val_loss"][-1] == pytest.approx(expected["loss"], rel=1e-6)


def test_validation_data_and_frequency():
    x, y = _data(64)
    model = _classifier()
    history = model.fit(x, y, epochs=4, validation_data=(x[:16], y[:16]), validation_freq=2,
                        verbose=0)  # fmt: skip
    assert len(history.history["loss"]) == 4
    assert len(history.history["val_loss"]) == 2


def test_sample_weight_and_class_weight_weigh_the_loss():
    x, y = _data(32)
    model = _classifier()
    weights = np.where(y == 0, 2.0, 0.5).astype("float32")
    per_sample = keras.losses.sparse_categorical_crossentropy(y, model.predict(x, verbose=0))
    loss = model.evaluate(x, y, sample_weight=weights, batch_size=32, verbose=0)
    np.testing.assert_allclose(loss[0], np.mean(per_sample * weights), rtol=1e-5)
    # class_weight is sample_weight by target class.
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, class_weight={0: 2.0, 1: 0.5, 2: 0.5}, batch_size=32, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], np.mean(per_sample * weights), rtol=1e-5)


def test_initial_epoch_and_steps_per_epoch():
    x, y = _data(64)
    model = _classifier()
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]
    before = model.optimizer.iterations
    model.fit(x, y, epochs=1, steps_per_epoch=2, batch_size=8, verbose=0)
    assert int(model.optimizer.iterations) - int(before) == 2


def test_generators_and_pydatasets_train():
    x, y = _data(64)

    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epochs_ended = 0

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 16 : (i + 1) * 16], y[i * 16 : (i + 1) * 16]

        def on_epoch_end(self):
            self.epochs_ended += 1

    model = _classifier()
    dataset = Batches()
    history = model.fit(dataset, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert dataset.epochs_ended == 2

    def generate():
        while True:
            for i in range(4):
                yield x[i * 16 : (i + 1) * 16], y[i * 16 : (i + 1) * 16]

    history = model.fit(generate(), epochs=2, steps_per_epoch=4, verbose=0)
    assert int(model.optimizer.iterations) == 16
    # evaluate and predict take the same sources.
    logs = model.evaluate(dataset, verbose=0, return_dict=True)
    expected = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(expected["loss"], rel=1e-6)
    assert model.evaluate(generate(), steps=4, verbose=0)[0] == pytest.approx(expected["loss"])
    np.testing.assert_allclose(
        model.predict(Batches(), verbose=0), model.predict(x, verbose=0), rtol=1e-6
    )
    only_x = (x[i * 16 : (i + 1) * 16] for i in range(4))
    assert model.predict(only_x, verbose=0).shape == (64, 3)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(generate(), epochs=2, verbose=0)


def test_train_and_test_on_batch_and_evaluate_forms():
    x, y = _data(16)
    model = _classifier()
    loss, acc = model.test_on_batch(x, y)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "acc"}
    assert loss == pytest.approx(logs["loss"], rel=1e-6)
    assert acc == pytest.approx(logs["acc"])
    out = model.train_on_batch(x, y, return_dict=True)
    assert out["loss"] == pytest.approx(loss, rel=1e-6)  # computed before the update
    assert model.test_on_batch(x, y)[0] < loss
    plain = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    plain.compile(optimizer="sgd", loss="mse")
    assert isinstance(plain.evaluate(x, x[:, :1], verbose=0), float)


def test_multi_output_model_with_dict_losses_metrics_and_inputs():
    title = keras.Input(shape=(20,), name="title")
    body = keras.Input(shape=(30,), name="text_body")
    tags = keras.Input(shape=(5,), name="tags")
    features = layers.Concatenate()([title, body, tags])
    features = layers.Dense(16, activation="relu")(features)
    priority = layers.Dense(1, activation="sigmoid", name="priority")(features)
    department = layers.Dense(4, activation="softmax", name="department")(features)
    model = keras.Model(inputs=[title, body, tags], outputs=[priority, department])
    rng = np.random.default_rng(0)
    data = {"title": rng.random((40, 20)), "text_body": rng.random((40, 30)),
            "tags": rng.integers(0, 2, (40, 5))}  # fmt: skip
    targets = {"priority": rng.random((40, 1)),
               "department": keras.utils.to_categorical(rng.integers(0, 4, 40), 4)}  # fmt: skip
    model.compile(
        optimizer="rmsprop",
        loss={"priority": "mean_squared_error", "department": "categorical_crossentropy"},
        metrics={"priority": ["mean_absolute_error"], "department": ["accuracy"]},
    )
    history = model.fit(data, targets, epochs=2, verbose=0)
    assert set(history.history) == {
        "loss", "priority_loss", "department_loss",
        "priority_mean_absolute_error", "department_accuracy",
    }  # fmt: skip
    total = np.array(history.history["priority_loss"]) + history.history["department_loss"]
    np.testing.assert_allclose(history.history["loss"], total, rtol=1e-5)
    priority_preds, department_preds = model.predict(data, verbose=0)
    assert priority_preds.shape == (40, 1) and department_preds.shape == (40, 4)
    # The same with lists, in the order of the model's inputs and outputs.
    model.compile(optimizer="rmsprop", loss=["mse", "categorical_crossentropy"],
                  metrics=[["mean_absolute_error"], ["accuracy"]])  # fmt: skip
    model.fit([data["title"], data["text_body"], data["tags"]],
              [targets["priority"], targets["department"]], epochs=1, verbose=0)  # fmt: skip


def test_the_seed_tutorials_typos_are_refused_clearly():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="mean_squared_loss"):
        model.compile(optimizer="rmsprop", loss=["mean_squared_loss,categorical_crossentropy"])
    with pytest.raises(ValueError, match="Did you mean 'mean_absolute_error'"):
        model.compile(optimizer="rmsprop", loss="mse", metrics=[["mean_absoulte_error"]])
    with pytest.raises(AttributeError, match="Did you mean 'evaluate'"):
        model.evalutate(np.zeros((1, 4)), np.zeros((1, 2)))


def test_errors_before_training_starts():
    x, y = _data(20)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(x, y)
    with pytest.raises(ValueError, match="Unknown optimizer.*Known"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="Unknown loss: 'msee'.*Did you mean 'mse'"):
        model.compile(optimizer="adam", loss="msee")
    with pytest.raises(ValueError, match="Unknown metric: 'acuracy'"):
        model.compile(optimizer="adam", loss="mse", metrics=["acuracy"])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(x, y, verbose=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"\[0, 3\).*7"):
        model.fit(x, np.full(20, 7), verbose=0)
    with pytest.raises(ValueError, match="x\\[0\\]: 20.*y\\[.*\\]: 19"):
        model.fit(x, y[:19], verbose=0)
    with pytest.raises(TypeError, match="dtype"):
        model.fit(np.array([["a"] * 4] * 20), y, verbose=0)
    with pytest.raises(ValueError, match="expected|shape"):
        model.fit(np.zeros((20, 5), "float32"), y, verbose=0)
    with pytest.raises(TypeError, match="Did you mean 'epochs'"):
        model.fit(x, y, epoch=2)


def test_nan_loss_is_reported_and_terminate_on_nan_stops(capsys):
    x, y = _data(64)
    x[40] = np.nan
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y.astype("float32"), epochs=3, batch_size=8, shuffle=False,
                        callbacks=[keras.callbacks.TerminateOnNaN()], verbose=0)  # fmt: skip
    assert len(history.history["loss"]) == 1
    assert np.isnan(history.history["loss"][0])
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(RuntimeWarning, match="not finite"):
        model.fit(x, y.astype("float32"), epochs=1, batch_size=8, verbose=0)


def _trained_weights(threads, seed=7):
    keras.config.set_num_threads(threads)
    try:
        x, y = _data(128)
        model = _classifier(dropout=0.3, seed=seed)
        model.fit(x, y, epochs=3, batch_size=16, verbose=0)
        return model.get_weights()
    finally:
        keras.config.set_num_threads(2)


def test_set_random_seed_repeats_training_whatever_the_thread_count():
    one = _trained_weights(1)
    two = _trained_weights(2)
    again = _trained_weights(2)
    other = _trained_weights(2, seed=8)
    for a, b, c in zip(one, two, again):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(b, c)
    assert any(not np.array_equal(a, b) for a, b in zip(two, other))


def test_batch_normalization_moving_statistics_update_in_fit():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(64, 3)) * 3 + 5).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.BatchNormalization(momentum=0.5),
                              layers.Dense(1)])  # fmt: skip
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    model.fit(x, np.zeros((64, 1)), batch_size=64, epochs=10, verbose=0)
    bn = model.layers[0]
    np.testing.assert_allclose(bn.moving_mean.numpy(), x.mean(0), rtol=1e-2)
    np.testing.assert_allclose(bn.moving_variance.numpy(), x.var(0), rtol=1e-2)


def test_weight_regularizers_add_to_the_loss():
    x, y = _data(16)
    dense = layers.Dense(3, kernel_regularizer=keras.regularizers.L2(0.1))
    model = keras.Sequential([keras.Input((4,)), dense])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    target = keras.utils.to_categorical(y, 3)
    loss = model.evaluate(x, target, verbose=0)
    plain = np.mean((model.predict(x, verbose=0) - target) ** 2)
    penalty = 0.1 * np.sum(dense.kernel.numpy() ** 2)
    assert loss == pytest.approx(plain + penalty, rel=1e-5)


def test_callbacks_in_the_loop(tmp_path):
    x, y = _data(64)
    model = _classifier()
    seen = []
    log = tmp_path / "log.csv"
    callbacks = [
        keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch)),
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.01 / (epoch + 1)),
        keras.callbacks.CSVLogger(str(log)),
    ]
    history = model.fit(x, y, epochs=3, callbacks=callbacks, verbose=0)
    assert seen == [0, 1, 2]
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01 / 3)
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.005, 0.01 / 3],
                               rtol=1e-6)  # fmt: skip
    assert log.read_text().splitlines()[0].split(",")[:2] == ["epoch", "acc"]


def test_early_stopping_stops_and_restores_the_best_weights():
    x, y = _data(64)
    model = _classifier()
    model.compile(optimizer=keras.optimizers.SGD(5.0), loss="sparse_categorical_crossentropy")
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=1,
                                            restore_best_weights=True)  # fmt: skip
    history = model.fit(x, y, epochs=50, callbacks=[stopper], verbose=0)
    assert len(history.history["loss"]) < 50
    best = int(np.argmin(history.history["loss"]))
    assert stopper.best == pytest.approx(history.history["loss"][best], rel=1e-6)


def test_stop_training_is_honoured_mid_epoch():
    x, y = _data(64)
    model = _classifier()

    class StopAtBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                self.model.stop_training = True

    model.fit(x, y, epochs=5, batch_size=8, callbacks=[StopAtBatch()], verbose=0)
    assert int(model.optimizer.iterations) == 3


def test_progress_bar_and_epoch_lines(capsys):
    x, y = _data(64)
    model = _classifier()
    model.fit(x, y, epochs=2, batch_size=16, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "4/4" in out and "━" in out and "acc:" in out
    model.fit(x, y, epochs=1, batch_size=16, verbose=2)
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("4/4 - ") and "loss:" in line


def test_run_eagerly_models_train_through_the_traced_step():
    x, y = _data(32)
    model = _classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", run_eagerly=True)
    history = model.fit(x, y, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2

    class Branchy(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3)

        def call(self, inputs):
            if keras.ops.sum(inputs) > 0:  # value-dependent: only eager can run it
                return self.dense(inputs)
            return self.dense(-inputs)

    for predict_first in (True, False):
        branchy = Branchy()
        branchy.compile(optimizer="adam", loss="mse", run_eagerly=True)
        if predict_first:
            assert branchy.predict(x, verbose=0).shape == (32, 3)
        with pytest.raises(NotImplementedError, match="branches on tensor values"):
            branchy.fit(x, np.zeros((32, 3)), verbose=0)
