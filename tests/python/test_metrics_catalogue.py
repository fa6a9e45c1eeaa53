"""Keras 3's metrics catalogue in pykeras, against values recorded from Keras.

tests/reference/data/metrics_losses.json (from
tests/reference/make_metrics_losses_reference.py) holds, per case, a metric's
constructor arguments, the batches fed to `update_state` one after another
(with sample weights where recorded) and Keras's result after each batch, plus
its `get_config()`. Each case is replayed eagerly, after a config round trip,
and the streaming states are checked inside compiled `evaluate` steps.
"""

import json
import pathlib
import warnings

import numpy as np
import pytest

import pykeras as keras

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "metrics_losses.json"
CASES = [c for c in json.loads(DATA.read_text())["cases"] if c["kind"] == "metric"]
IDS = [f"{c['name']}-{i}" for i, c in enumerate(CASES)]


def _arrays(batch):
    return [np.asarray(a, np.float32) for a in batch]


def _replay(metric, case):
    results = []
    for batch in case["batches"]:
        metric.update_state(*_arrays(batch))
        results.append(np.asarray(metric.result(), np.float64))
    return results


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_streaming_results_match_keras(case):
    metric = getattr(keras.metrics, case["name"])(**case["kwargs"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = _replay(metric, case)
    for step, (ours, theirs) in enumerate(zip(got, case["results"])):
        np.testing.assert_allclose(
            ours, np.asarray(theirs), rtol=1e-5, atol=1e-6, err_msg=f"after batch {step}"
        )


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_config_has_keras_keys_and_round_trips(case):
    metric = getattr(keras.metrics, case["name"])(**case["kwargs"])
    config = metric.get_config()
    missing = set(case["config"]) - set(config)
    assert not missing, f"config lacks Keras's keys {missing}"
    for key, value in case["config"].items():
        if key not in ("dtype", "name"):  # Keras numbers repeated names (auc_1, ...)
            ours = json.loads(json.dumps(config[key]))
            if isinstance(value, list) and value and isinstance(value[0], float):
                np.testing.assert_allclose(ours, value, rtol=1e-6, err_msg=key)
            else:
                assert ours == value, key
    rebuilt = keras.metrics.deserialize(keras.metrics.serialize(metric))
    assert type(rebuilt) is type(metric)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(
            _replay(rebuilt, case)[-1], case["results"][-1], rtol=1e-5, atol=1e-6
        )


def test_reset_state_forgets_batches():
    case = next(c for c in CASES if c["name"] == "AUC")
    metric = keras.metrics.AUC(**case["kwargs"])
    _replay(metric, case)
    metric.reset_state()
    assert metric.result() == 0.0
    np.testing.assert_allclose(_replay(metric, case)[-1], case["results"][-1], rtol=1e-5)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: keras.metrics.TruePositives(thresholds=[0.5, 1.5]), "must be in \\[0, 1\\]"),
        (lambda: keras.metrics.Precision(thresholds=-0.1), "Precision"),
        (lambda: keras.metrics.PrecisionAtRecall(recall=2.0), "PrecisionAtRecall.*recall"),
        (lambda: keras.metrics.SensitivityAtSpecificity(0.5, num_thresholds=0), "num_thresholds"),
        (lambda: keras.metrics.AUC(curve="XY"), "curve"),
        (lambda: keras.metrics.AUC(num_labels=3), "multi_label"),
        (lambda: keras.metrics.F1Score(average="mean"), "F1Score.*average"),
        (lambda: keras.metrics.FBetaScore(beta=1), "beta"),
        (lambda: keras.metrics.F1Score(threshold=1.5), "threshold"),
        (lambda: keras.metrics.IoU(num_classes=2, target_class_ids=[2]), "IoU.*out of range"),
        (lambda: keras.metrics.R2Score(class_aggregation="sum"), "R2Score"),
        (lambda: keras.metrics.R2Score(num_regressors=-1), "num_regressors"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_the_metric(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_shape_errors_name_the_metric():
    with pytest.raises(ValueError, match="R2Score expects 2D"):
        keras.metrics.R2Score().update_state(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="F1Score expects 2D"):
        keras.metrics.F1Score().update_state(np.zeros(3), np.zeros(3))


def test_functional_forms_match_their_classes():
    rs = np.random.RandomState(0)
    y_true, y_pred = rs.randn(4, 5).astype("f"), rs.randn(4, 5).astype("f")
    for fn, cls in (
        (keras.metrics.pearson_correlation, keras.metrics.PearsonCorrelation),
        (keras.metrics.concordance_correlation, keras.metrics.ConcordanceCorrelation),
    ):
        per_sample = np.asarray(fn(y_true, y_pred))
        assert per_sample.shape == (4,)
        np.testing.assert_allclose(cls()(y_true, y_pred), per_sample.mean(), rtol=1e-5)
    x, y = y_true[0], y_pred[0]
    np.testing.assert_allclose(
        keras.metrics.pearson_correlation(x, y), np.corrcoef(x, y)[0, 1], rtol=1e-5
    )


# Metrics whose states are computed in the compiled step, against the same
# metric fed the model's predictions eagerly.
COMPILED = [
    lambda: keras.metrics.TruePositives(thresholds=[0.3, 0.6]),
    lambda: keras.metrics.FalseNegatives(),
    lambda: keras.metrics.Precision(top_k=1),
    lambda: keras.metrics.Recall(class_id=1),
    lambda: keras.metrics.AUC(multi_label=True),
    lambda: keras.metrics.AUC(curve="PR", name="pr_auc"),
    lambda: keras.metrics.PrecisionAtRecall(0.5),
    lambda: keras.metrics.SpecificityAtSensitivity(0.5),
    lambda: keras.metrics.F1Score(average="macro"),
    lambda: keras.metrics.FBetaScore(beta=2.0),
    lambda: keras.metrics.OneHotMeanIoU(num_classes=3),
    lambda: keras.metrics.OneHotIoU(num_classes=3, target_class_ids=[0], dtype="float32"),
    lambda: keras.metrics.R2Score(),
    lambda: keras.metrics.PearsonCorrelation(),
    lambda: keras.metrics.ConcordanceCorrelation(),
]


def test_compiled_evaluate_accumulates_like_eager_updates():
    rs = np.random.RandomState(3)
    x = rs.randn(50, 4).astype("f")
    y = np.eye(3, dtype="f")[rs.randint(0, 3, 50)]
    sw = rs.uniform(0.1, 2.0, 50).astype("f")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    metrics = [make() for make in COMPILED]
    model.compile(optimizer="sgd", loss="categorical_crossentropy", weighted_metrics=metrics)
    logs = model.evaluate(x, y, sample_weight=sw, batch_size=16, return_dict=True, verbose=0)
    pred = model.predict(x, batch_size=16, verbose=0)
    for make, metric in zip(COMPILED, metrics):
        eager = make()
        for start in range(0, 50, 16):
            s = slice(start, start + 16)
            eager.update_state(y[s], pred[s], sample_weight=sw[s])
        np.testing.assert_allclose(
            logs[metric.name], eager.result(), rtol=1e-4, atol=1e-6, err_msg=metric.name
        )


def test_compiled_metrics_round_trip_through_keras_file(tmp_path):
    rs = np.random.RandomState(4)
    x = rs.randn(20, 4).astype("f")
    y = rs.randint(0, 2, (20, 1)).astype("f")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(
        optimizer="adam",
        loss=keras.losses.BinaryFocalCrossentropy(gamma=3.0),
        metrics=[
            keras.metrics.TruePositives(thresholds=[0.4, 0.6]),
            keras.metrics.RecallAtPrecision(0.7, num_thresholds=50),
            keras.metrics.BinaryIoU(target_class_ids=[1]),
        ],
    )
    model.fit(x, y, epochs=1, verbose=0)
    before = model.evaluate(x, y, return_dict=True, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.loss, keras.losses.BinaryFocalCrossentropy)
    assert loaded.loss.get_config()["gamma"] == 3.0
    after = loaded.evaluate(x, y, return_dict=True, verbose=0)
    assert set(after) == set(before)
    for key in before:
        np.testing.assert_allclose(after[key], before[key], rtol=1e-5, atol=1e-6)


def test_sparse_top_k_from_sorted_ids_matches_scores():
    rs = np.random.RandomState(5)
    scores = rs.rand(8, 6).astype("f")
    y = rs.randint(0, 6, 8).astype("f")
    sorted_ids = np.argsort(-scores, axis=-1).astype("f")
    for k in (1, 3):
        by_scores = keras.metrics.SparseTopKCategoricalAccuracy(k=k)(y, scores)
        by_ids = keras.metrics.SparseTopKCategoricalAccuracy(k=k, from_sorted_ids=True)(
            y, sorted_ids
        )
        assert by_ids == by_scores
