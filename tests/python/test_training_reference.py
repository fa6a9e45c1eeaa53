"""Training, losses and metrics replayed against numbers made by real Keras 3
(JAX backend) and kept in tests/reference/data (see its README)."""

import json
import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras.optimizers import schedules

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
REF = np.load(DATA / "training_reference.npz")
META = json.loads((DATA / "training_reference.json").read_text())
WEIGHTS = ["dense_0_kernel", "dense_0_bias", "dense_1_kernel", "dense_1_bias"]


def _build(expression, namespace):
    """Evaluates a constructor string from the reference metadata (our own
    test data, written by tests/reference/make_training_reference.py)."""
    return eval(expression, {"__builtins__": {}}, namespace)  # noqa: S307


def _namespace(module):
    names = {k: getattr(module, k) for k in dir(module) if not k.startswith("_")}
    names.update({k: getattr(schedules, k) for k in dir(schedules) if not k.startswith("_")})
    names["True"], names["False"], names["None"] = True, False, None
    return names


def _model():
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(3)]
    )
    model.set_weights([REF[f"problem/init/{w}"] for w in WEIGHTS])
    return model


class _BatchLosses(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.losses = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(logs["loss"])


@pytest.mark.parametrize("case", sorted(META["optimizers"]))
def test_training_matches_keras(case):
    meta = META["optimizers"][case]
    optimizer = _build(meta["constructor"], _namespace(keras.optimizers))
    if meta["loss"] == "mse":
        loss, y = "mse", REF["problem/y"]
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        y = REF["problem/y_cls"]
    model = _model()
    model.compile(optimizer=optimizer, loss=loss)
    batches = _BatchLosses()
    history = model.fit(
        REF["problem/x"],
        y,
        batch_size=meta["batch_size"],
        epochs=meta["epochs"],
        shuffle=False,
        verbose=0,
        callbacks=[batches],
    )
    np.testing.assert_allclose(
        history.history["loss"], REF[f"opt/{case}/history_loss"], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        batches.losses, REF[f"opt/{case}/batch_logs_loss"], rtol=1e-5, atol=1e-6
    )
    for got, name in zip(model.get_weights(), WEIGHTS):
        np.testing.assert_allclose(got, REF[f"opt/{case}/final/{name}"], rtol=1e-5, atol=1e-5)
    assert int(optimizer.iterations) == meta["steps"]


@pytest.mark.parametrize("case", sorted(META["losses"]))
def test_losses_match_keras(case):
    meta = META["losses"][case]
    loss_cls = _build(meta["constructor"], _namespace(keras.losses))
    y_true, y_pred = REF[meta["y_true"]], REF[meta["y_pred"]]
    config = dict(loss_cls.get_config())
    config["reduction"] = "none"
    per_sample = type(loss_cls).from_config(config)(y_true, y_pred)
    np.testing.assert_allclose(per_sample, REF[f"loss/{case}/per_sample"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loss_cls(y_true, y_pred), REF[f"loss/{case}/mean"], rtol=1e-5)
    if "sample_weight" in meta:
        sw = REF[meta["sample_weight"]]
        for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight"):
            config["reduction"] = reduction
            got = type(loss_cls).from_config(config)(y_true, y_pred, sample_weight=sw)
            np.testing.assert_allclose(got, REF[f"loss/{case}/sw_{reduction}"], rtol=1e-5)


def test_loss_default_configs_match_keras():
    # Keras leaves Huber's `delta` and CosineSimilarity's `axis` out of their
    # configs (so a round trip loses them); pykeras keeps them, which Keras's
    # constructors accept. Every key Keras writes must match exactly.
    for case, meta in META["losses"].items():
        config = _build(meta["constructor"], _namespace(keras.losses)).get_config()
        extra = set(config) - set(meta["default_config"])
        assert extra <= {"delta", "axis"}, (case, extra)
        assert {k: config[k] for k in meta["default_config"]} == meta["default_config"], case


@pytest.mark.parametrize("case", sorted(META["metrics"]))
def test_metrics_match_keras(case):
    meta = META["metrics"][case]
    namespace = _namespace(keras.metrics)
    y_true, y_pred = REF[meta["y_true"]], REF[meta["y_pred"]]
    metric = _build(meta["constructor"], namespace)
    metric.update_state(y_true, y_pred)
    np.testing.assert_allclose(metric.result(), REF[f"metric/{case}/result"], rtol=1e-5, atol=1e-7)
    streamed = _build(meta["constructor"], namespace)
    half = len(y_true) // 2
    streamed.update_state(y_true[:half], y_pred[:half])
    first = REF[f"metric/{case}/result_first_half"]
    np.testing.assert_allclose(streamed.result(), first, rtol=1e-5, atol=1e-7)
    streamed.update_state(y_true[half:], y_pred[half:])
    whole = REF[f"metric/{case}/result_streamed"]
    np.testing.assert_allclose(streamed.result(), whole, rtol=1e-5, atol=1e-7)
    if "sample_weight" in meta:
        weighted = _build(meta["constructor"], namespace)
        weighted.update_state(y_true, y_pred, sample_weight=REF[meta["sample_weight"]])
        expected = REF[f"metric/{case}/result_weighted"]
        np.testing.assert_allclose(weighted.result(), expected, rtol=1e-5, atol=1e-7)
    streamed.reset_state()
    assert streamed.result() == 0.0


_TARGETS = {
    "labels": lambda: REF["acc_resolution/labels"],
    "labels_col": lambda: REF["acc_resolution/labels"].reshape(-1, 1),
    "onehot": lambda: REF["acc_resolution/onehot"],
    "binary": lambda: REF["acc_resolution/binary"],
    "multilabel": lambda: REF["acc_resolution/multilabel"],
}
# The metric objects of this case are stored by class name only (their
# arguments are lost), so it cannot be rebuilt from the metadata.
_RESOLUTION_CASES = sorted(set(META["accuracy_resolution"]) - {"cce_metric_objects"})


@pytest.mark.parametrize("case", _RESOLUTION_CASES)
def test_accuracy_and_crossentropy_aliases_resolve_like_keras(case):
    meta = META["accuracy_resolution"][case]
    units = meta["output_shape"][-1]
    activation = "sigmoid" if meta["targets"] in ("binary", "multilabel") else "softmax"
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(units, activation=activation, kernel_initializer="ones"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=meta["loss"],
                  metrics=list(meta["metrics_arg"]))  # fmt: skip
    history = model.fit(
        REF["acc_resolution/x"], _TARGETS[meta["targets"]](), batch_size=8, epochs=1,
        shuffle=False, verbose=0,
    )  # fmt: skip
    assert sorted(history.history) == sorted(meta["history_keys"])
    for name, values in meta["history"].items():
        np.testing.assert_allclose(history.history[name], values, rtol=1e-5, atol=1e-6)
    resolved = {m.name: type(m).__name__ for m in model.metrics}
    for entry in meta["resolved_metrics"]:
        assert resolved[entry["name"]] == entry["class"], (entry, resolved)
