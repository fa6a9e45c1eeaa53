"""Keras 3's losses catalogue in pykeras, against values recorded from Keras.

tests/reference/data/metrics_losses.json (from
tests/reference/make_metrics_losses_reference.py) holds, per case, a loss
class's constructor arguments, batches (with sample weights where recorded),
Keras's reduced loss per batch, the function form's per-sample values and the
class's `get_config()`.
"""

import inspect
import json
import pathlib

import numpy as np
import pytest

import pykeras as keras

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "metrics_losses.json"
CASES = [c for c in json.loads(DATA.read_text())["cases"] if c["kind"] == "loss"]
IDS = [f"{c['name']}-{i}" for i, c in enumerate(CASES)]


def _arrays(batch):
    return [np.asarray(a, np.float32) for a in batch]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reduced_loss_matches_keras(case):
    loss = getattr(keras.losses, case["name"])(**case["kwargs"])
    for batch, expected in zip(case["batches"], case["results"]):
        np.testing.assert_allclose(
            np.asarray(loss(*_arrays(batch))), np.asarray(expected), rtol=1e-5, atol=1e-6
        )


@pytest.mark.parametrize("case", [c for c in CASES if c["values"]], ids=lambda c: c["name"])
def test_function_form_matches_keras(case):
    loss = getattr(keras.losses, case["name"])(**case["kwargs"])
    fn = getattr(keras.losses, loss.get_config()["name"])
    kwargs = {k: v for k, v in case["kwargs"].items() if k not in ("reduction", "name")}
    for batch, expected in zip(case["batches"], case["values"]):
        y_true, y_pred = _arrays(batch)[:2]
        np.testing.assert_allclose(
            np.asarray(fn(y_true, y_pred, **kwargs)), np.asarray(expected), rtol=1e-5, atol=1e-6
        )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_config_matches_keras_and_round_trips(case):
    loss = getattr(keras.losses, case["name"])(**case["kwargs"])
    config = loss.get_config()
    for key, value in case["config"].items():
        assert json.loads(json.dumps(config[key])) == value, key
    rebuilt = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(rebuilt) is type(loss)
    batch = _arrays(case["batches"][-1])
    np.testing.assert_allclose(
        np.asarray(rebuilt(*batch)), np.asarray(case["results"][-1]), rtol=1e-5, atol=1e-6
    )


def test_signatures_follow_keras():
    namespace = json.loads((DATA.parent.parent / "keras_namespace.json").read_text())["modules"][
        "keras.losses"
    ]["names"]
    for name, entry in namespace.items():
        if entry["kind"] != "class" or name in ("Loss", "LossFunctionWrapper"):
            continue
        ours = list(inspect.signature(getattr(keras.losses, name)).parameters)
        assert ours == [p["name"] for p in entry["params"]], name


def test_generalized_cross_entropy_rejects_q_outside_the_open_interval():
    with pytest.raises(ValueError, match="q must be in the interval"):
        keras.losses.CategoricalGeneralizedCrossEntropy(q=1.0)


def test_ctc_rejects_wrong_ranks():
    with pytest.raises(ValueError, match="ctc.*y_true"):
        keras.losses.ctc(np.zeros(3), np.zeros((1, 3, 4), "f"))
    with pytest.raises(ValueError, match="ctc.*y_pred"):
        keras.losses.ctc(np.zeros((1, 3)), np.zeros((3, 4), "f"))


@pytest.mark.parametrize(
    "loss, y",
    [
        (keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True), "binary"),
        (keras.losses.CategoricalFocalCrossentropy(), "onehot"),
        (keras.losses.Dice(), "binary"),
        (keras.losses.Tversky(alpha=0.3, beta=0.7), "binary"),
        (keras.losses.SparseCategoricalCrossentropy(ignore_class=0), "sparse"),
        (keras.losses.CategoricalGeneralizedCrossEntropy(), "sparse"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)
def test_new_losses_train_in_compiled_fit(loss, y):
    rs = np.random.RandomState(0)
    x = rs.randn(64, 4).astype("f")
    labels = (x[:, 0] > 0).astype("int32") + (x[:, 1] > 0).astype("int32")
    if y == "binary":
        target, out = (x[:, :1] > 0).astype("f"), keras.layers.Dense(1, activation="sigmoid")
    elif y == "onehot":
        target, out = np.eye(3, dtype="f")[labels], keras.layers.Dense(3, activation="softmax")
    else:
        target, out = labels.astype("f"), keras.layers.Dense(3, activation="softmax")
    model = keras.Sequential([keras.Input((4,)), out])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    history = model.fit(x, target, epochs=15, batch_size=16, verbose=0).history["loss"]
    assert np.all(np.isfinite(history))
    assert history[-1] < history[0]
    # The compiled step's loss equals the loss class on the model's predictions.
    evaluated = model.evaluate(x, target, batch_size=64, verbose=0)
    eager = float(np.asarray(loss(target, model.predict(x, verbose=0))))
    np.testing.assert_allclose(evaluated, eager, rtol=1e-4)
