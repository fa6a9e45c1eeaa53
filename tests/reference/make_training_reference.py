"""Generate reference numbers from real Keras 3 (JAX backend) for pykeras tests.

This script needs the real Keras 3 package and JAX; it is a test *oracle* only and
is never imported by pykeras or its tests (keras/jax are not project dependencies).
The generated files are committed, so the tests run without Keras.

How to run (CPU is enough; takes about a minute)::

    python3 -m venv /work/oracle
    /work/oracle/bin/pip install "keras>=3" jax jaxlib numpy h5py
    KERAS_BACKEND=jax /work/oracle/bin/python tests/reference/make_training_reference.py

Outputs (next to this script, in ``data/``):

* ``training_reference.npz``  -- all arrays, keys ``<section>/<case>/<field>``
* ``training_reference.json`` -- metadata: versions, optimizer ``get_config()``s,
  loss case descriptions, accuracy-resolution results, history key names.

``data/README.md`` is written by hand (not by this script): it documents the layout
and the Keras behaviour an implementation must match (update rules, defaults, ...).
The output is deterministic: re-running gives byte-identical files.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers, losses, metrics, optimizers  # noqa: E402
from keras.optimizers import schedules  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

ARRAYS: dict[str, np.ndarray] = {}
META: dict = {}


def put(key, value, dtype=None):
    arr = np.asarray(value)
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    if key in ARRAYS:
        raise KeyError(f"duplicate key {key}")
    ARRAYS[key] = arr


def to_np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def jsonable(obj):
    return json.loads(json.dumps(obj, default=lambda o: repr(o)))


# ---------------------------------------------------------------------------
# a. Optimizers
# ---------------------------------------------------------------------------
N, D_IN, D_HID, D_OUT = 64, 5, 4, 3
BATCH, EPOCHS = 16, 3


def make_problem():
    rs = np.random.RandomState(0)
    x = rs.randn(N, D_IN).astype(np.float32)
    y = rs.randn(N, D_OUT).astype(np.float32)
    y_cls = rs.randint(0, D_OUT, size=(N,)).astype(np.int32)
    rs1 = np.random.RandomState(1)
    w = [
        rs1.uniform(-0.6, 0.6, size=(D_IN, D_HID)),  # dense_0 kernel (in, out)
        rs1.uniform(-0.1, 0.1, size=(D_HID,)),  # dense_0 bias
        rs1.uniform(-0.6, 0.6, size=(D_HID, D_OUT)),  # dense_1 kernel
        rs1.uniform(-0.1, 0.1, size=(D_OUT,)),  # dense_1 bias
    ]
    w = [a.astype(np.float32) for a in w]
    return x, y, y_cls, w


WEIGHT_NAMES = ["dense_0_kernel", "dense_0_bias", "dense_1_kernel", "dense_1_bias"]


def make_model(init_w):
    model = keras.Sequential(
        [
            keras.Input((D_IN,)),
            layers.Dense(D_HID, activation="tanh"),
            layers.Dense(D_OUT),
        ]
    )
    model.set_weights(init_w)
    return model


def optimizer_cases():
    """(case name, constructor source, factory, loss, batch_size)."""
    mse = "mse"
    scce = "sparse_categorical_crossentropy(from_logits=True)"
    cases = [
        ("sgd", "SGD(0.1)", lambda: optimizers.SGD(0.1), mse),
        (
            "sgd_momentum",
            "SGD(0.05, momentum=0.9)",
            lambda: optimizers.SGD(0.05, momentum=0.9),
            mse,
        ),
        (
            "sgd_nesterov",
            "SGD(0.05, momentum=0.9, nesterov=True)",
            lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
            mse,
        ),
        ("adam", "Adam(0.01)", lambda: optimizers.Adam(0.01), mse),
        (
            "adam_sparse_cce_logits",
            "Adam(0.01)",
            lambda: optimizers.Adam(0.01),
            scce,
        ),
        (
            "adam_amsgrad",
            "Adam(0.01, amsgrad=True)",
            lambda: optimizers.Adam(0.01, amsgrad=True),
            mse,
        ),
        (
            "adamw",
            "AdamW(0.01, weight_decay=0.05)",
            lambda: optimizers.AdamW(0.01, weight_decay=0.05),
            mse,
        ),
        ("rmsprop", "RMSprop(0.01)", lambda: optimizers.RMSprop(0.01), mse),
        (
            "rmsprop_momentum_centered",
            "RMSprop(0.01, momentum=0.5, centered=True)",
            lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
            mse,
        ),
        ("adagrad", "Adagrad(0.1)", lambda: optimizers.Adagrad(0.1), mse),
        ("adadelta", "Adadelta(1.0)", lambda: optimizers.Adadelta(1.0), mse),
        ("adamax", "Adamax(0.01)", lambda: optimizers.Adamax(0.01), mse),
        ("nadam", "Nadam(0.01)", lambda: optimizers.Nadam(0.01), mse),
        ("lion", "Lion(0.001)", lambda: optimizers.Lion(0.001), mse),
        (
            "sgd_clipnorm",
            "SGD(0.1, clipnorm=0.5)",
            lambda: optimizers.SGD(0.1, clipnorm=0.5),
            mse,
        ),
        (
            "sgd_clipvalue",
            "SGD(0.1, clipvalue=0.01)",
            lambda: optimizers.SGD(0.1, clipvalue=0.01),
            mse,
        ),
        (
            "adam_global_clipnorm",
            "Adam(0.01, global_clipnorm=0.1)",
            lambda: optimizers.Adam(0.01, global_clipnorm=0.1),
            mse,
        ),
        (
            "sgd_exponential_decay",
            "SGD(ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5))",
            lambda: optimizers.SGD(schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)),
            mse,
        ),
        (
            "adam_cosine_decay",
            "Adam(CosineDecay(0.01, decay_steps=10))",
            lambda: optimizers.Adam(schedules.CosineDecay(0.01, decay_steps=10)),
            mse,
        ),
        (
            "sgd_piecewise_constant",
            "SGD(PiecewiseConstantDecay([3, 6], [0.1, 0.05, 0.01]))",
            lambda: optimizers.SGD(schedules.PiecewiseConstantDecay([3, 6], [0.1, 0.05, 0.01])),
            mse,
        ),
        (
            "sgd_inverse_time_decay",
            "SGD(InverseTimeDecay(0.1, 2, 0.5))",
            lambda: optimizers.SGD(schedules.InverseTimeDecay(0.1, 2, 0.5)),
            mse,
        ),
        (
            "sgd_weight_decay",
            "SGD(0.1, weight_decay=0.01)",
            lambda: optimizers.SGD(0.1, weight_decay=0.01),
            mse,
        ),
    ]
    out = [(n, src, f, loss, BATCH) for n, src, f, loss in cases]
    # Extra: uneven last batch (64 = 24 + 24 + 16) shows how history's epoch loss
    # is averaged (weighted by batch size).
    out.append(("sgd_uneven_batches", "SGD(0.1)", lambda: optimizers.SGD(0.1), mse, 24))
    # Extra: with beta_2=0.999 AMSGrad barely differs from Adam in 12 steps; a small
    # beta_2 makes the max(v_hat, v) branch matter.
    out.append(
        ("adam_beta2_0.5", "Adam(0.01, beta_2=0.5)",
         lambda: optimizers.Adam(0.01, beta_2=0.5), mse, BATCH)
    )  # fmt: skip
    out.append(
        ("adam_amsgrad_beta2_0.5", "Adam(0.01, beta_2=0.5, amsgrad=True)",
         lambda: optimizers.Adam(0.01, beta_2=0.5, amsgrad=True), mse, BATCH)
    )  # fmt: skip
    return out


def make_loss(loss_name):
    if loss_name == "mse":
        return "mse"
    return losses.SparseCategoricalCrossentropy(from_logits=True)


class BatchLogger(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batch_logs = []
        self.epoch_logs = []

    def on_train_batch_end(self, batch, logs=None):
        self.batch_logs.append(float(logs["loss"]))

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_logs.append(float(logs["loss"]))


def run_optimizers():
    x, y, y_cls, init_w = make_problem()
    put("problem/x", x)
    put("problem/y", y)
    put("problem/y_cls", y_cls, np.int32)
    for name, w in zip(WEIGHT_NAMES, init_w):
        put(f"problem/init/{name}", w)

    META["optimizers"] = {}
    for name, src, factory, loss_name, batch_size in optimizer_cases():
        targets = y if loss_name == "mse" else y_cls
        steps_per_epoch = -(-N // batch_size)

        # 1) fit(): history + running-mean batch logs + final weights.
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        model = make_model(init_w)
        opt = factory()
        model.compile(optimizer=opt, loss=make_loss(loss_name))
        cb = BatchLogger()
        hist = model.fit(
            x,
            targets,
            batch_size=batch_size,
            epochs=EPOCHS,
            shuffle=False,
            verbose=0,
            callbacks=[cb],
        )
        final_w = model.get_weights()
        p = f"opt/{name}"
        put(f"{p}/history_loss", hist.history["loss"], np.float64)
        put(f"{p}/batch_logs_loss", cb.batch_logs, np.float64)
        for wn, w in zip(WEIGHT_NAMES, final_w):
            put(f"{p}/final/{wn}", w)
        put(f"{p}/final_iterations", int(to_np(opt.iterations)), np.int64)
        # Optimizer slot variables, renamed "<slot>/<weight name>", e.g.
        # "momentum/dense_0_kernel"; scalars keep their own name ("iteration").
        prefixes = {
            v.path.replace("/", "_"): wn for v, wn in zip(model.trainable_variables, WEIGHT_NAMES)
        }
        opt_var_names = []
        for v in opt.variables:
            vn = v.path.split("/", 1)[-1]
            if v is getattr(opt, "_u_product", None):
                vn = "u_product"  # Nadam's running product of mu_t
            for pre, wn in prefixes.items():
                if vn.startswith(pre + "_"):
                    vn = f"{vn[len(pre) + 1 :]}/{wn}"
                    break
            opt_var_names.append(vn)
            put(f"{p}/optimizer_state/{vn}", to_np(v))

        # 2) Replay with train_on_batch (which resets metrics each call) to get
        #    the plain per-batch loss (computed with pre-update weights).
        keras.utils.set_random_seed(0)
        model2 = make_model(init_w)
        opt2 = factory()
        model2.compile(optimizer=opt2, loss=make_loss(loss_name))
        plain = []
        for _ in range(EPOCHS):
            for s in range(steps_per_epoch):
                sl = slice(s * batch_size, (s + 1) * batch_size)
                plain.append(float(model2.train_on_batch(x[sl], targets[sl])))
        put(f"{p}/batch_loss", plain, np.float64)
        replay_diff = max(
            float(np.max(np.abs(a - b))) for a, b in zip(final_w, model2.get_weights())
        )

        # 3) learning rate used at each optimizer step (schedule(iterations)
        #    evaluated with iterations = 0, 1, ... before it is incremented).
        n_steps = EPOCHS * steps_per_epoch
        lr_obj = opt._learning_rate
        if isinstance(lr_obj, schedules.LearningRateSchedule):
            lrs = [float(to_np(lr_obj(np.int64(i)))) for i in range(n_steps)]
        else:
            lrs = [float(to_np(opt.learning_rate))] * n_steps
        put(f"{p}/lr_per_step", lrs, np.float64)

        META["optimizers"][name] = {
            "constructor": src,
            "class": type(opt).__name__,
            "loss": loss_name,
            "batch_size": batch_size,
            "epochs": EPOCHS,
            "steps": n_steps,
            "get_config": jsonable(opt.get_config()),
            "optimizer_state_keys": opt_var_names,
            "max_abs_diff_fit_vs_train_on_batch_replay": replay_diff,
        }
        print(f"opt {name:28s} hist={np.round(hist.history['loss'], 5)} replay={replay_diff:.2e}")

    # Default configs of every optimizer class (for checking defaults).
    defaults = {}
    for cls_name in [
        "SGD",
        "Adam",
        "AdamW",
        "RMSprop",
        "Adagrad",
        "Adadelta",
        "Adamax",
        "Nadam",
        "Lion",
        "Ftrl",
        "Lamb",
        "Adafactor",
    ]:
        cls = getattr(optimizers, cls_name, None)
        if cls is not None:
            cfg = cls().get_config()
            cfg.pop("name", None)
            defaults[cls_name] = jsonable(cfg)
    META["optimizer_default_configs"] = defaults
    sched_defaults = {}
    for cls_name, args in [
        ("ExponentialDecay", (0.1, 2, 0.5)),
        ("CosineDecay", (0.01, 10)),
        ("PiecewiseConstantDecay", ([3, 6], [0.1, 0.05, 0.01])),
        ("InverseTimeDecay", (0.1, 2, 0.5)),
        ("PolynomialDecay", (0.1, 10)),
        ("CosineDecayRestarts", (0.1, 5)),
    ]:
        sched_defaults[cls_name] = jsonable(getattr(schedules, cls_name)(*args).get_config())
    META["schedule_configs"] = sched_defaults


# ---------------------------------------------------------------------------
# b. Losses
# ---------------------------------------------------------------------------
def loss_inputs():
    rs = np.random.RandomState(2)
    d = {}
    # Regression-style targets/preds (6 samples x 4).
    d["reg_true"] = rs.randn(6, 4)
    d["reg_pred"] = rs.randn(6, 4)
    d["reg_true"][0, 0] = 0.0  # exercises MAPE's max(|y_true|, eps)
    d["reg_true"][1, 1] = -0.5  # negative -> MSLE clips to eps
    d["reg_pred"][2, 2] = -1.5
    d["reg_pred"][3, 3] = d["reg_true"][3, 3]  # exact hit
    # Non-negative inputs for poisson / msle.
    d["pos_true"] = rs.poisson(2.0, size=(6, 4)).astype(np.float64)
    d["pos_pred"] = rs.uniform(0.0, 4.0, size=(6, 4))
    d["pos_pred"][0, 0] = 0.0
    # Binary labels and probabilities (with exact 0 and 1, right and wrong).
    d["bin_true"] = rs.randint(0, 2, size=(6, 4)).astype(np.float64)
    p = rs.uniform(0.02, 0.98, size=(6, 4))
    p[0, 0], d["bin_true"][0, 0] = 0.0, 0.0  # exact 0, correct
    p[0, 1], d["bin_true"][0, 1] = 1.0, 0.0  # exact 1, wrong
    p[1, 0], d["bin_true"][1, 0] = 1.0, 1.0  # exact 1, correct
    p[1, 1], d["bin_true"][1, 1] = 0.0, 1.0  # exact 0, wrong
    d["bin_prob"] = p
    d["bin_logits"] = rs.randn(6, 4) * 3.0
    d["bin_logits"][2, 0] = 40.0
    d["bin_logits"][2, 1] = -40.0
    # Categorical (6 samples x 3 classes).
    labels = np.array([0, 1, 2, 1, 0, 2])
    d["cat_labels"] = labels.astype(np.int32)
    d["cat_true"] = np.eye(3)[labels]
    cp = rs.uniform(0.05, 1.0, size=(6, 3))
    cp /= cp.sum(axis=1, keepdims=True)
    cp[0] = [1.0, 0.0, 0.0]  # exact one-hot, correct
    cp[1] = [1.0, 0.0, 0.0]  # exact one-hot, wrong (true=1)
    cp[2] = [0.2, 0.3, 0.0]  # unnormalized row (sum 0.5) and 0 at the true class
    d["cat_prob"] = cp
    d["cat_logits"] = rs.randn(6, 3) * 2.0
    # Hinge labels: {0,1} (converted to -1/1 by Keras) and {-1,1}.
    d["hinge_true01"] = rs.randint(0, 2, size=(6, 4)).astype(np.float64)
    d["hinge_true_pm1"] = 2.0 * rs.randint(0, 2, size=(6, 4)) - 1.0
    d["hinge_pred"] = rs.randn(6, 4)
    # KL: distributions, y_pred with zeros.
    kt = rs.uniform(0.0, 1.0, size=(6, 3))
    kt /= kt.sum(axis=1, keepdims=True)
    kt[0] = [0.0, 0.5, 0.5]
    d["kl_true"] = kt
    kp = rs.uniform(0.0, 1.0, size=(6, 3))
    kp /= kp.sum(axis=1, keepdims=True)
    kp[1] = [0.0, 0.0, 1.0]
    d["kl_pred"] = kp
    # Cosine: includes an all-zero prediction row.
    d["cos_true"] = rs.randn(6, 4)
    d["cos_pred"] = rs.randn(6, 4)
    d["cos_pred"][4] = 0.0
    d["cos_pred"][5] = d["cos_true"][5] * 2.0  # parallel -> -1
    d["sample_weight"] = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 0.25])
    return {k: (v.astype(np.float32) if v.dtype == np.float64 else v) for k, v in d.items()}


def loss_cases():
    L = losses
    return [
        # name, constructor src, factory(reduction), y_true key, y_pred key
        ("mean_squared_error", "MeanSquaredError()",
         lambda r: L.MeanSquaredError(reduction=r), "reg_true", "reg_pred"),
        ("mean_absolute_error", "MeanAbsoluteError()",
         lambda r: L.MeanAbsoluteError(reduction=r), "reg_true", "reg_pred"),
        ("mean_absolute_percentage_error", "MeanAbsolutePercentageError()",
         lambda r: L.MeanAbsolutePercentageError(reduction=r), "reg_true", "reg_pred"),
        ("mean_squared_logarithmic_error", "MeanSquaredLogarithmicError()",
         lambda r: L.MeanSquaredLogarithmicError(reduction=r), "reg_true", "reg_pred"),
        ("mean_squared_logarithmic_error_pos", "MeanSquaredLogarithmicError()",
         lambda r: L.MeanSquaredLogarithmicError(reduction=r), "pos_true", "pos_pred"),
        ("huber", "Huber(delta=1.0)",
         lambda r: L.Huber(delta=1.0, reduction=r), "reg_true", "reg_pred"),
        ("huber_delta_0.5", "Huber(delta=0.5)",
         lambda r: L.Huber(delta=0.5, reduction=r), "reg_true", "reg_pred"),
        ("log_cosh", "LogCosh()",
         lambda r: L.LogCosh(reduction=r), "reg_true", "reg_pred"),
        ("binary_crossentropy", "BinaryCrossentropy()",
         lambda r: L.BinaryCrossentropy(reduction=r), "bin_true", "bin_prob"),
        ("binary_crossentropy_logits", "BinaryCrossentropy(from_logits=True)",
         lambda r: L.BinaryCrossentropy(from_logits=True, reduction=r),
         "bin_true", "bin_logits"),
        ("binary_crossentropy_ls0.1", "BinaryCrossentropy(label_smoothing=0.1)",
         lambda r: L.BinaryCrossentropy(label_smoothing=0.1, reduction=r),
         "bin_true", "bin_prob"),
        ("binary_crossentropy_logits_ls0.1",
         "BinaryCrossentropy(from_logits=True, label_smoothing=0.1)",
         lambda r: L.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction=r),
         "bin_true", "bin_logits"),
        ("categorical_crossentropy", "CategoricalCrossentropy()",
         lambda r: L.CategoricalCrossentropy(reduction=r), "cat_true", "cat_prob"),
        ("categorical_crossentropy_logits", "CategoricalCrossentropy(from_logits=True)",
         lambda r: L.CategoricalCrossentropy(from_logits=True, reduction=r),
         "cat_true", "cat_logits"),
        ("categorical_crossentropy_ls0.1", "CategoricalCrossentropy(label_smoothing=0.1)",
         lambda r: L.CategoricalCrossentropy(label_smoothing=0.1, reduction=r),
         "cat_true", "cat_prob"),
        ("categorical_crossentropy_logits_ls0.1",
         "CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)",
         lambda r: L.CategoricalCrossentropy(
             from_logits=True, label_smoothing=0.1, reduction=r),
         "cat_true", "cat_logits"),
        ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy()",
         lambda r: L.SparseCategoricalCrossentropy(reduction=r), "cat_labels", "cat_prob"),
        ("sparse_categorical_crossentropy_logits",
         "SparseCategoricalCrossentropy(from_logits=True)",
         lambda r: L.SparseCategoricalCrossentropy(from_logits=True, reduction=r),
         "cat_labels", "cat_logits"),
        ("kl_divergence", "KLDivergence()",
         lambda r: L.KLDivergence(reduction=r), "kl_true", "kl_pred"),
        ("poisson", "Poisson()",
         lambda r: L.Poisson(reduction=r), "pos_true", "pos_pred"),
        ("hinge_01_labels", "Hinge()",
         lambda r: L.Hinge(reduction=r), "hinge_true01", "hinge_pred"),
        ("hinge_pm1_labels", "Hinge()",
         lambda r: L.Hinge(reduction=r), "hinge_true_pm1", "hinge_pred"),
        ("squared_hinge_01_labels", "SquaredHinge()",
         lambda r: L.SquaredHinge(reduction=r), "hinge_true01", "hinge_pred"),
        ("squared_hinge_pm1_labels", "SquaredHinge()",
         lambda r: L.SquaredHinge(reduction=r), "hinge_true_pm1", "hinge_pred"),
        ("categorical_hinge", "CategoricalHinge()",
         lambda r: L.CategoricalHinge(reduction=r), "cat_true", "cat_logits"),
        ("cosine_similarity", "CosineSimilarity()",
         lambda r: L.CosineSimilarity(reduction=r), "cos_true", "cos_pred"),
    ]  # fmt: skip


SAMPLE_WEIGHT_CASES = ["mean_squared_error", "binary_crossentropy", "categorical_crossentropy"]


def run_losses():
    inp = loss_inputs()
    for k, v in inp.items():
        put(f"loss_inputs/{k}", v)
    META["losses"] = {}
    sw = inp["sample_weight"]
    for name, src, factory, tk, pk in loss_cases():
        yt, yp = inp[tk], inp[pk]
        p = f"loss/{name}"
        per_sample = to_np(factory(None)(yt, yp))
        mean = to_np(factory("sum_over_batch_size")(yt, yp))
        put(f"{p}/per_sample", per_sample)
        put(f"{p}/mean", mean)
        # Also the plain functional form keras.losses.<fn>(y_true, y_pred).
        entry = {
            "constructor": src,
            "y_true": f"loss_inputs/{tk}",
            "y_pred": f"loss_inputs/{pk}",
            "default_config": jsonable(factory("sum_over_batch_size").get_config()),
        }
        if name in SAMPLE_WEIGHT_CASES:
            put(f"{p}/sw_per_sample", to_np(factory(None)(yt, yp, sample_weight=sw)))
            put(
                f"{p}/sw_sum_over_batch_size",
                to_np(factory("sum_over_batch_size")(yt, yp, sample_weight=sw)),
            )
            put(f"{p}/sw_sum", to_np(factory("sum")(yt, yp, sample_weight=sw)))
            put(
                f"{p}/sw_mean_with_sample_weight",
                to_np(factory("mean_with_sample_weight")(yt, yp, sample_weight=sw)),
            )
            entry["sample_weight"] = "loss_inputs/sample_weight"
        META["losses"][name] = entry
        print(f"loss {name:42s} mean={float(mean):.6f}")


# ---------------------------------------------------------------------------
# c. Metrics
# ---------------------------------------------------------------------------
def metric_inputs():
    rs = np.random.RandomState(3)
    d = {}
    d["bin_true"] = rs.randint(0, 2, size=(20,)).astype(np.float32)
    pr = rs.uniform(0.0, 1.0, size=(20,))
    pr[0], pr[1], pr[2], pr[3] = 0.0, 1.0, 0.5, 0.25  # exactly on thresholds
    d["bin_pred"] = pr.astype(np.float32)
    d["cat_labels"] = rs.randint(0, 4, size=(12,)).astype(np.int32)
    d["cat_true"] = np.eye(4, dtype=np.float32)[d["cat_labels"]]
    cp = rs.uniform(0.0, 1.0, size=(12, 4))
    cp /= cp.sum(axis=1, keepdims=True)
    d["cat_pred"] = cp.astype(np.float32)
    d["sample_weight"] = rs.uniform(0.0, 2.0, size=(20,)).astype(np.float32)
    return d


def metric_cases():
    M = metrics
    return [
        ("auc", "AUC()", lambda: M.AUC(), "bin_true", "bin_pred"),
        ("auc_pr", "AUC(curve='PR')", lambda: M.AUC(curve="PR"), "bin_true", "bin_pred"),
        ("auc_10", "AUC(num_thresholds=10)",
         lambda: M.AUC(num_thresholds=10), "bin_true", "bin_pred"),
        ("precision", "Precision()", lambda: M.Precision(), "bin_true", "bin_pred"),
        ("recall", "Recall()", lambda: M.Recall(), "bin_true", "bin_pred"),
        ("precision_t0.25", "Precision(thresholds=0.25)",
         lambda: M.Precision(thresholds=0.25), "bin_true", "bin_pred"),
        ("recall_t0.25", "Recall(thresholds=0.25)",
         lambda: M.Recall(thresholds=0.25), "bin_true", "bin_pred"),
        ("binary_accuracy", "BinaryAccuracy()",
         lambda: M.BinaryAccuracy(), "bin_true", "bin_pred"),
        ("top_k_categorical_accuracy_k2", "TopKCategoricalAccuracy(k=2)",
         lambda: M.TopKCategoricalAccuracy(k=2), "cat_true", "cat_pred"),
        ("sparse_top_k_categorical_accuracy_k2", "SparseTopKCategoricalAccuracy(k=2)",
         lambda: M.SparseTopKCategoricalAccuracy(k=2), "cat_labels", "cat_pred"),
        ("categorical_accuracy", "CategoricalAccuracy()",
         lambda: M.CategoricalAccuracy(), "cat_true", "cat_pred"),
        ("sparse_categorical_accuracy", "SparseCategoricalAccuracy()",
         lambda: M.SparseCategoricalAccuracy(), "cat_labels", "cat_pred"),
    ]  # fmt: skip


def run_metrics():
    inp = metric_inputs()
    for k, v in inp.items():
        put(f"metric_inputs/{k}", v)
    META["metrics"] = {}
    for name, src, factory, tk, pk in metric_cases():
        yt, yp = inp[tk], inp[pk]
        m = factory()
        m.update_state(yt, yp)
        res = float(to_np(m.result()))
        put(f"metric/{name}/result", res, np.float64)
        # Streaming: two update_state calls (first half, second half).
        m2 = factory()
        h = len(yt) // 2
        m2.update_state(yt[:h], yp[:h])
        put(f"metric/{name}/result_first_half", float(to_np(m2.result())), np.float64)
        m2.update_state(yt[h:], yp[h:])
        put(f"metric/{name}/result_streamed", float(to_np(m2.result())), np.float64)
        entry = {
            "constructor": src,
            "y_true": f"metric_inputs/{tk}",
            "y_pred": f"metric_inputs/{pk}",
            "config": jsonable(m.get_config()),
        }
        if tk == "bin_true":
            m3 = factory()
            m3.update_state(yt, yp, sample_weight=inp["sample_weight"])
            put(f"metric/{name}/result_weighted", float(to_np(m3.result())), np.float64)
            entry["sample_weight"] = "metric_inputs/sample_weight"
        if name == "auc":
            put(f"metric/{name}/thresholds", np.asarray(m.thresholds, np.float64))
            for var in ["true_positives", "false_positives", "true_negatives",
                        "false_negatives"]:  # fmt: skip
                put(f"metric/{name}/{var}", to_np(getattr(m, var)))
        META["metrics"][name] = entry
        print(f"metric {name:40s} {res:.6f}")

    run_accuracy_resolution()


def run_accuracy_resolution():
    """Which accuracy class `metrics=['accuracy'|'acc']` resolves to, and key names."""
    rs = np.random.RandomState(4)
    x = rs.randn(16, 5).astype(np.float32)
    labels = rs.randint(0, 3, size=(16,))
    onehot = np.eye(3, dtype=np.float32)[labels]
    binary = rs.randint(0, 2, size=(16, 1)).astype(np.float32)
    multilabel = rs.randint(0, 2, size=(16, 3)).astype(np.float32)
    put("acc_resolution/x", x)
    put("acc_resolution/labels", labels, np.int32)
    put("acc_resolution/onehot", onehot)
    put("acc_resolution/binary", binary)
    put("acc_resolution/multilabel", multilabel)

    cases = [
        # name, loss, metrics, targets(key), units, final activation
        ("sparse_cce_labels_1d", "sparse_categorical_crossentropy", ["accuracy"],
         "labels", 3, "softmax"),
        ("sparse_cce_labels_2d", "sparse_categorical_crossentropy", ["accuracy"],
         "labels_col", 3, "softmax"),
        ("sparse_cce_acc_alias", "sparse_categorical_crossentropy", ["acc"],
         "labels", 3, "softmax"),
        ("cce_onehot", "categorical_crossentropy", ["accuracy"], "onehot", 3, "softmax"),
        ("bce_single_unit", "binary_crossentropy", ["accuracy"], "binary", 1, "sigmoid"),
        ("bce_multilabel_3_units", "binary_crossentropy", ["accuracy"],
         "multilabel", 3, "sigmoid"),
        ("mse_single_unit_accuracy", "mse", ["accuracy"], "binary", 1, "sigmoid"),
        ("mse_3_units_accuracy", "mse", ["accuracy"], "onehot", 3, "softmax"),
        ("cce_string_metrics", "categorical_crossentropy",
         ["accuracy", "mse", "mae", "categorical_accuracy", "top_k_categorical_accuracy",
          "AUC", "Precision", "Recall"],
         "onehot", 3, "softmax"),
        ("cce_metric_objects", "categorical_crossentropy",
         lambda: [metrics.AUC(), metrics.Precision(), metrics.TopKCategoricalAccuracy(k=2),
                  metrics.CategoricalAccuracy(name="my_acc")],
         "onehot", 3, "softmax"),
        ("loss_crossentropy_alias_sparse", "crossentropy", ["accuracy"],
         "labels", 3, "softmax"),
        ("loss_ce_alias_binary", "ce", ["accuracy"], "binary", 1, "sigmoid"),
    ]  # fmt: skip
    targets = {
        "labels": labels.astype(np.int32),
        "labels_col": labels.reshape(-1, 1).astype(np.int32),
        "onehot": onehot,
        "binary": binary,
        "multilabel": multilabel,
    }
    out = {}
    for name, loss, mets, tkey, units, act in cases:
        keras.backend.clear_session()  # fresh auto-naming counters ("auc", not "auc_3")
        keras.utils.set_random_seed(0)
        if callable(mets):
            mets = mets()
        model = keras.Sequential(
            [keras.Input((5,)), layers.Dense(units, activation=act, kernel_initializer="ones")]
        )
        model.compile(optimizer=optimizers.SGD(0.01), loss=loss, metrics=mets)
        hist = model.fit(x, targets[tkey], batch_size=8, epochs=1, shuffle=False, verbose=0)
        picked = []
        for m in model.metrics:
            if hasattr(m, "metrics") and m.name == "compile_metrics":
                picked.extend((sub.name, type(sub).__name__) for sub in m.metrics)
        loss_obj = model._compile_loss
        loss_fns = []
        if loss_obj is not None and hasattr(loss_obj, "_flat_losses"):
            for lo in loss_obj._flat_losses:
                inner = getattr(lo, "loss", lo)
                inner = getattr(inner, "fn", inner)
                loss_fns.append(getattr(inner, "__name__", type(inner).__name__))
        out[name] = {
            "loss": loss,
            "metrics_arg": [m if isinstance(m, str) else type(m).__name__ + "()" for m in mets],
            "targets": tkey,
            "target_shape": list(targets[tkey].shape),
            "output_shape": [16, units],
            "history_keys": list(hist.history.keys()),
            "history": {k: [float(v) for v in vals] for k, vals in hist.history.items()},
            "resolved_metrics": [{"name": n, "class": c} for n, c in picked],
            "resolved_loss_fns": loss_fns,
        }
        print(f"acc {name:32s} keys={list(hist.history.keys())} picked={picked} loss={loss_fns}")
    META["accuracy_resolution"] = out


def main():
    assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
    import jax

    META["versions"] = {
        "keras": keras.__version__,
        "jax": jax.__version__,
        "jaxlib": getattr(__import__("jaxlib"), "__version__", "?"),
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "backend": keras.backend.backend(),
        "floatx": keras.config.floatx(),
        "epsilon": keras.config.epsilon(),
    }
    run_optimizers()
    run_losses()
    run_metrics()

    os.makedirs(DATA, exist_ok=True)
    npz_path = os.path.join(DATA, "training_reference.npz")
    np.savez_compressed(npz_path, **ARRAYS)
    META["npz_keys"] = sorted(ARRAYS)
    with open(os.path.join(DATA, "training_reference.json"), "w") as f:
        json.dump(META, f, indent=1, sort_keys=True)
        f.write("\n")
    # Sanity: reload.
    with np.load(npz_path) as z:
        assert sorted(z.files) == sorted(ARRAYS), "npz round trip failed"
    print(f"wrote {len(ARRAYS)} arrays to {npz_path}")


if __name__ == "__main__":
    main()
