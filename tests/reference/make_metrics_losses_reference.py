"""Records what Keras 3's metrics and losses return on fixed batches.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_metrics_losses_reference.py

Each case builds one `keras.metrics` / `keras.losses` class (or calls one
function) with the recorded constructor arguments, feeds it the recorded
batches (`update_state` once per batch, so streaming accumulation is part of
the record; losses are called per batch), and stores the result(s) and
`get_config()`. tests/python/test_metrics_catalogue.py and
test_losses_catalogue.py replay every case against pykeras from the JSON
alone. Output: tests/reference/data/metrics_losses.json.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "metrics_losses.json"
rs = np.random.RandomState(7)


def probs(*shape):
    return rs.uniform(0.0, 1.0, shape).round(3).astype("float32")


def binary(*shape):
    return rs.randint(0, 2, shape).astype("float32")


def onehot(n, c):
    return np.eye(c, dtype="float32")[rs.randint(0, c, n)]


def softmax(n, c):
    x = np.exp(rs.randn(n, c))
    return (x / x.sum(-1, keepdims=True)).astype("float32")


def ids(n, c):
    return rs.randint(0, c, n).astype("float32")


def weights(n):
    return rs.uniform(0.0, 2.0, n).round(2).astype("float32")


def bin_batches(shape=(8,), weighted=False):
    out = []
    for _ in range(2):
        b = [binary(*shape), probs(*shape)]
        if weighted:
            b.append(weights(shape[0]))
        out.append(b)
    # A prediction exactly on a threshold, and one at 0 and 1.
    out[0][1].reshape(-1)[:3] = [0.5, 0.0, 1.0]
    return out


def cat_batches(n=6, c=3, weighted=False, sparse=False):
    out = []
    for _ in range(2):
        b = [ids(n, c) if sparse else onehot(n, c), softmax(n, c)]
        if weighted:
            b.append(weights(n))
        out.append(b)
    return out


def reg_batches(shape=(6, 3), weighted=False):
    out = []
    for _ in range(2):
        b = [rs.randn(*shape).astype("float32"), rs.randn(*shape).astype("float32")]
        if weighted:
            b.append(weights(shape[0]))
        out.append(b)
    return out


def emb_batch(n=6, d=4):
    x = rs.randn(n, d)
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    return [rs.randint(0, 3, n).astype("float32"), x.astype("float32")]


METRICS = [
    ("TruePositives", {}, bin_batches(weighted=True)),
    ("FalsePositives", {"thresholds": [0.25, 0.5, 0.75]}, bin_batches()),
    ("TrueNegatives", {"thresholds": 0.3}, bin_batches((4, 2), weighted=True)),
    ("FalseNegatives", {"thresholds": [0.0, 0.5, 1.0]}, bin_batches(weighted=True)),
    ("Precision", {}, bin_batches(weighted=True)),
    ("Precision", {"thresholds": [0.2, 0.6]}, bin_batches((4, 3))),
    ("Precision", {"top_k": 2}, cat_batches(weighted=True)),
    ("Recall", {"class_id": 1}, cat_batches(weighted=True)),
    ("Recall", {"top_k": 1, "class_id": 2}, cat_batches()),
    ("AUC", {}, bin_batches(weighted=True)),
    ("AUC", {"curve": "PR"}, bin_batches((5, 2))),
    ("AUC", {"curve": "PR", "summation_method": "minoring", "num_thresholds": 17}, bin_batches()),
    ("AUC", {"summation_method": "majoring", "thresholds": [0.1, 0.4, 0.8]}, bin_batches()),
    ("AUC", {"multi_label": True}, bin_batches((6, 3), weighted=True)),
    ("AUC", {"multi_label": True, "label_weights": [0.2, 1.0, 0.5]}, bin_batches((6, 3))),
    ("AUC", {"label_weights": [0.2, 1.0, 0.5]}, bin_batches((6, 3))),
    ("AUC", {"from_logits": True, "curve": "PRGAIN"}, bin_batches()),
    ("PrecisionAtRecall", {"recall": 0.5}, bin_batches(weighted=True)),
    ("RecallAtPrecision", {"precision": 0.6, "num_thresholds": 50}, bin_batches()),
    ("SensitivityAtSpecificity", {"specificity": 0.4}, bin_batches((8,), weighted=True)),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "class_id": 1}, cat_batches()),
    ("SensitivityAtSpecificity", {"specificity": 0.5, "num_thresholds": 1}, bin_batches()),
    ("F1Score", {}, cat_batches(weighted=True)),
    ("F1Score", {"average": "macro", "threshold": 0.3}, cat_batches()),
    ("F1Score", {"average": "micro"}, cat_batches()),
    ("FBetaScore", {"average": "weighted", "beta": 2.0}, cat_batches(weighted=True)),
    ("FBetaScore", {"beta": 0.5, "threshold": 0.4}, cat_batches()),
    (
        "IoU",
        {"num_classes": 3, "target_class_ids": [0, 2], "sparse_y_pred": False},
        cat_batches(sparse=True, weighted=True),
    ),
    ("MeanIoU", {"num_classes": 3}, [[ids(8, 3), ids(8, 3)], [ids(8, 3), ids(8, 3), weights(8)]]),
    (
        "MeanIoU",
        {"num_classes": 3, "dtype": "float32", "ignore_class": 1},
        [[ids(8, 3), ids(8, 3), weights(8)]],
    ),
    ("MeanIoU", {"num_classes": 3, "sparse_y_pred": False}, cat_batches(sparse=True)),
    ("BinaryIoU", {}, bin_batches()),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, bin_batches()),
    ("OneHotIoU", {"num_classes": 3, "target_class_ids": [1]}, cat_batches()),
    ("OneHotMeanIoU", {"num_classes": 3}, cat_batches()),
    ("R2Score", {}, reg_batches(weighted=True)),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, reg_batches()),
    ("R2Score", {"class_aggregation": None, "num_regressors": 2}, reg_batches()),
    ("PearsonCorrelation", {}, reg_batches(weighted=True)),
    ("ConcordanceCorrelation", {}, reg_batches()),
    ("Poisson", {}, [[probs(4, 3) * 3, probs(4, 3) + 0.1, weights(4)]]),
    ("KLDivergence", {}, cat_batches(weighted=True)),
    ("LogCoshError", {}, reg_batches(weighted=True)),
    ("CosineSimilarity", {}, reg_batches(weighted=True)),
    ("CosineSimilarity", {"axis": 0}, reg_batches()),
    ("Hinge", {}, bin_batches((4, 3))),
    ("SquaredHinge", {}, bin_batches((4, 3), weighted=True)),
    ("CategoricalHinge", {}, cat_batches()),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, bin_batches((4, 3))),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, cat_batches(weighted=True)),
    ("SparseCategoricalCrossentropy", {}, cat_batches(sparse=True, weighted=True)),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, cat_batches(sparse=True)),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, cat_batches(c=4, sparse=True)),
    ("Sum", {}, [[probs(5)], [probs(5), weights(5)]]),
]

LOSSES = [
    ("BinaryFocalCrossentropy", {}, bin_batches((4, 3), weighted=True)),
    (
        "BinaryFocalCrossentropy",
        {
            "apply_class_balancing": True,
            "alpha": 0.4,
            "gamma": 3.0,
            "from_logits": True,
            "label_smoothing": 0.1,
        },
        bin_batches((4, 3)),
    ),
    ("CategoricalFocalCrossentropy", {}, cat_batches(weighted=True)),
    (
        "CategoricalFocalCrossentropy",
        {
            "alpha": 0.5,
            "gamma": 1.0,
            "from_logits": True,
            "label_smoothing": 0.1,
            "reduction": "sum",
        },
        cat_batches(),
    ),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.7}, cat_batches(sparse=True, weighted=True)),
    ("Dice", {}, bin_batches((2, 4, 3))),
    ("Dice", {"axis": [1, 2]}, bin_batches((2, 4, 3), weighted=True)),
    ("Tversky", {"alpha": 0.3, "beta": 0.7}, bin_batches((3, 4))),
    ("Tversky", {"axis": [1], "reduction": None}, bin_batches((3, 4))),
    ("Circle", {}, [emb_batch()]),
    ("Circle", {"gamma": 10.0, "margin": 0.2, "remove_diagonal": False}, [emb_batch()]),
    (
        "CTC",
        {},
        [[np.array([[1, 2, 0], [3, 3, 1]], "float32"), rs.randn(2, 6, 5).astype("float32")]],
    ),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, cat_batches(sparse=True, weighted=True)),
    (
        "SparseCategoricalCrossentropy",
        {"ignore_class": 0, "reduction": "sum"},
        cat_batches(sparse=True),
    ),
    ("Huber", {"delta": 0.5, "reduction": "mean_with_sample_weight"}, reg_batches(weighted=True)),
    ("CosineSimilarity", {"axis": 0}, reg_batches()),
]


def tolist(x):
    return np.asarray(x, "float32").tolist()


def clean(config):
    return json.loads(json.dumps(config, default=lambda o: np.asarray(o).tolist()))


def record_metric(name, kwargs, batches):
    m = getattr(keras.metrics, name)(**kwargs)
    results = []
    for b in batches:
        m.update_state(*b)
        results.append(tolist(m.result()))
    return {"results": results, "config": clean(m.get_config())}


def record_loss(name, kwargs, batches):
    loss = getattr(keras.losses, name)(**kwargs)
    kw = {k: v for k, v in kwargs.items() if k not in ("reduction", "name")}
    fn = getattr(keras.losses, keras.losses.serialize(loss)["config"]["name"], None)
    return {
        "results": [tolist(loss(*b)) for b in batches],
        "values": [tolist(fn(b[0], b[1], **kw)) for b in batches] if fn else None,
        "config": clean(loss.get_config()),
    }


def main():
    cases = []
    for kind, table, record in (("metric", METRICS, record_metric), ("loss", LOSSES, record_loss)):
        for name, kwargs, batches in table:
            case = {
                "kind": kind,
                "name": name,
                "kwargs": kwargs,
                "batches": [[tolist(a) for a in b] for b in batches],
            }
            case.update(record(name, kwargs, batches))
            cases.append(case)
    data = {"versions": {"keras": keras.__version__}, "cases": cases}
    OUT.write_text(json.dumps(data, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
