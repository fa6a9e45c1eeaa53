"""Generate the saving/loading interop fixtures with real Keras 3 (JAX backend).

This script needs the real Keras 3 package, JAX and h5py; it is a test *oracle*
only and is never imported by pykeras or its tests. The files it writes are
committed, so the tests run without Keras.

How to run (CPU; a few seconds)::

    KERAS_BACKEND=jax /work/oracle/bin/python tests/reference/make_saving_fixtures.py

Outputs (in ``saving/`` next to this script):

* ``<case>.keras``, ``<case>.h5``, ``<case>.weights.h5``: files Keras 3 wrote
  for each case model (``model.save`` / ``model.save_weights``).
* ``keras2_<case>.h5``, ``keras2_<case>_weights.h5``: tf.keras 2's legacy
  layout. TensorFlow is not installed here, so these are Keras 3 legacy files
  rewritten to what tf.keras 2.x writes (checked by hand against tf.keras 2
  files): weight names ending in ``:0``, ``keras_version="2.15.0"``,
  ``backend="tensorflow"``, a ``model_config`` with tf.keras 2 names (no
  ``module`` keys, ``batch_input_shape``, ``inbound_nodes: [[["dense", 0, 0,
  {}]]]``, ``input_layers`` as lists of triples), an ``optimizer_config`` named
  ``Custom>Adam`` with tf.keras 2.11+'s extra keys.
* ``keras2_sequential.json`` / ``keras2_sequential.yaml``: a tf.keras 2
  ``to_json()`` / ``to_yaml()`` (the YAML uses ``!!python/tuple`` as PyYAML's
  default dumper did for tuples).
* ``keras213_sequential.keras``: a Keras 2.13-era archive (``keras.src.engine``
  module paths, weights under ``_layer_checkpoint_dependencies``).
* ``ops.keras``: a model applying ``keras.ops`` to symbolic tensors.
* ``keras_objects.json``: Keras 3's configs of one of each optimizer, schedule,
  loss, metric, initializer, regularizer, constraint, and of functions.
* ``expected.npz``: per case, the inputs (``<case>/x<i>``) and Keras's
  predictions (``<case>/y<i>``) for them; ``<case>/iterations`` for trained ones.
* ``fixtures.json``: versions and, per case, the weight paths and shapes of
  the ``.keras`` archive (what a pykeras-written archive must match).

The output is deterministic up to the ``date_saved`` stamp inside archives.
"""

from __future__ import annotations

import io
import json
import os
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "saving")


def image_model():
    """Conv / pooling / normalization / activation layers, one input, one output."""
    inp = keras.Input((8, 8, 3), name="image")
    x = layers.ZeroPadding2D(1, name="pad")(inp)
    x = layers.Conv2D(4, 3, activation="relu", name="conv_a")(x)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.MaxPooling2D(2, name="max_pool")(x)
    x = layers.Conv2D(4, 3, padding="same", name="conv_b")(x)
    x = layers.UpSampling2D(2, name="upsample")(x)
    x = layers.AveragePooling2D(2, name="avg_pool")(x)
    a = layers.GlobalAveragePooling2D(name="gap")(x)
    b = layers.GlobalMaxPooling2D(name="gmp")(x)
    c = layers.Flatten(name="flatten")(layers.MaxPooling2D(4, name="max_pool_4")(x))
    x = layers.Concatenate(name="concat")([a, b, c])
    x = layers.Dense(8, name="dense_a")(x)
    x = layers.LayerNormalization(name="ln")(x)
    x = layers.ReLU(name="relu")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    x = layers.Dense(3, name="dense_b")(x)
    out = layers.Softmax(name="softmax")(x)
    return keras.Model(inp, out, name="image_model")


def sequence_model():
    """Embedding, 1-D conv/pooling, every merge layer, reshaping; two inputs, two outputs."""
    tokens = keras.Input((6,), dtype="int32", name="tokens")
    feats = keras.Input((5,), name="feats")
    t = layers.Embedding(10, 4, name="embed")(tokens)
    t = layers.Conv1D(4, 3, padding="same", activation="tanh", name="conv1d")(t)
    t = layers.MaxPooling1D(2, name="max_pool1d")(t)
    t = layers.AveragePooling1D(1, name="avg_pool1d")(t)
    g1 = layers.GlobalAveragePooling1D(name="gap1d")(t)
    g2 = layers.GlobalMaxPooling1D(name="gmp1d")(t)
    f = layers.Dense(4, name="dense_f")(feats)
    f = layers.LeakyReLU(negative_slope=0.1, name="leaky")(f)
    merged = [
        layers.Add(name="add")([g1, f]),
        layers.Subtract(name="subtract")([g2, f]),
        layers.Multiply(name="multiply")([g1, g2]),
        layers.Average(name="average")([g1, f]),
        layers.Maximum(name="maximum")([g2, f]),
        layers.Minimum(name="minimum")([g1, f]),
    ]
    x = layers.Concatenate(name="concat")(merged)
    d = layers.Dot(axes=1, name="dot")([g1, f])
    r = layers.RepeatVector(3, name="repeat")(layers.Add(name="add_all")(merged))
    r = layers.Permute((2, 1), name="permute")(r)
    r = layers.Reshape((6, 2), name="reshape")(r)
    r = layers.Flatten(name="flatten")(r)
    r = layers.Concatenate(name="concat_all")([r, x])
    y1 = layers.Dense(2, name="head_a")(layers.ELU(name="elu")(r))
    y2 = layers.Activation("sigmoid", name="head_b")(layers.Dense(1, name="dense_d")(d))
    return keras.Model({"tokens": tokens, "feats": feats}, [y1, y2], name="sequence_model")


def sequential_model():
    return keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(8, activation="relu", name="hidden"),
            layers.BatchNormalization(name="bn"),
            layers.Dense(1, activation="sigmoid", name="out"),
        ],
        name="seq",
    )


def nested_model():
    inner_in = keras.Input((4,), name="inner_in")
    inner = keras.Model(inner_in, layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    inp = keras.Input((4,), name="outer_in")
    x = inner(inp)
    x = layers.Dense(2, name="outer_dense")(x)
    return keras.Model(inp, x, name="outer")


@keras.saving.register_keras_serializable(package="fixtures")
class TwoTower(keras.Model):
    """A subclassed model: its weights live at attribute paths (`left`, `right`, `head`)."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.left = layers.Dense(units, name="left")
        self.right = layers.Dense(units, name="right")
        self.head = layers.Dense(1, name="head")

    def call(self, x):
        return self.head(self.right(self.left(x)))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def subclassed_model():
    model = TwoTower(units=3, name="two_tower")
    model(np.zeros((1, 4), "float32"))
    return model


def lambda_model():
    inp = keras.Input((3,), name="x")
    out = layers.Lambda(lambda t: t * 2.0 + 1.0, name="affine")(inp)
    return keras.Model(inp, out, name="with_lambda")


def ops_model():
    """Ops applied straight to symbolic tensors (recorded as `keras.src.ops` operations)."""
    inp = keras.Input((4,), name="x")
    d = layers.Dense(4, name="dense")(inp)
    y = keras.ops.relu(inp * 2.0 + d)
    y = keras.ops.softmax(y - keras.ops.mean(y, axis=1, keepdims=True), axis=-1)
    z = keras.ops.tanh(keras.ops.sum(keras.ops.square(d), axis=1)) / 3.0
    return keras.Model(inp, [y, 1.0 - z], name="with_ops")


def keras_objects():
    """One of each optimizer, schedule, loss, metric, initializer, regularizer,
    constraint and function pykeras has, serialized by Keras 3."""
    from keras.src.saving import serialization_lib

    o, s, losses, m = keras.optimizers, keras.optimizers.schedules, keras.losses, keras.metrics
    i, r, c = keras.initializers, keras.regularizers, keras.constraints
    objects = [
        o.Adam(0.01, amsgrad=True), o.SGD(0.1, momentum=0.9, nesterov=True),
        o.RMSprop(centered=True), o.AdamW(weight_decay=0.01), o.Adagrad(), o.Adadelta(),
        o.Adamax(), o.Nadam(), o.Lion(), o.Adam(s.ExponentialDecay(0.1, 10, 0.9)),
        o.SGD(s.CosineDecay(0.1, 100)), o.SGD(s.PiecewiseConstantDecay([5], [0.1, 0.01])),
        o.SGD(s.InverseTimeDecay(0.1, 5, 0.5)),
        losses.MeanSquaredError(), losses.Huber(), losses.MeanAbsoluteError(),
        losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
        losses.SparseCategoricalCrossentropy(), losses.BinaryCrossentropy(),
        losses.KLDivergence(), losses.Hinge(), losses.LogCosh(), losses.Poisson(),
        m.Mean(), m.AUC(num_thresholds=50), m.Precision(), m.Recall(),
        m.SparseCategoricalAccuracy(), m.TopKCategoricalAccuracy(k=3), m.MeanAbsoluteError(),
        m.RootMeanSquaredError(), m.BinaryAccuracy(threshold=0.4), m.CategoricalAccuracy(),
        i.GlorotUniform(seed=1), i.GlorotNormal(), i.HeNormal(), i.HeUniform(),
        i.VarianceScaling(2.0, "fan_out", "uniform"), i.Constant(0.5), i.Orthogonal(),
        i.RandomNormal(0.0, 0.1), i.RandomUniform(-1, 1), i.TruncatedNormal(), i.Identity(),
        i.Zeros(), i.Ones(), i.LecunNormal(), i.LecunUniform(),
        r.L1L2(0.1, 0.2), r.L2(0.3), r.L1(0.1),
        c.MaxNorm(2.0), c.NonNeg(), c.UnitNorm(), c.MinMaxNorm(0.5, 2.0),
        keras.activations.relu, keras.activations.gelu, losses.mean_squared_error,
    ]  # fmt: skip
    return [serialization_lib.serialize_keras_object(obj) for obj in objects]


def trained(model, x, y, loss, optimizer):
    model.compile(optimizer=optimizer, loss=loss, metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    return model


def weight_layout(path):
    """`{dataset path: shape}` of an HDF5 file (or of a .keras archive's weights)."""
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as zf:
            f = h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r")
    else:
        f = h5py.File(path, "r")
    layout = {}
    f.visititems(
        lambda name, obj: (
            layout.__setitem__(name, list(obj.shape)) if isinstance(obj, h5py.Dataset) else None
        )
    )
    f.close()
    return layout


# ----------------------------------------------------------- tf.keras 2 style


def _keras2_node(node):
    """A Keras 3 inbound node (`{"args", "kwargs"}`) in tf.keras 2's list form."""
    tensors = []

    def collect(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            tensors.append(x["config"]["keras_history"])
        elif isinstance(x, list):
            for v in x:
                collect(v)

    collect(node["args"])
    kwargs = {k: v for k, v in node["kwargs"].items() if k != "mask"}
    return [[h[0], h[1], h[2], kwargs] for h in tensors]


def _keras2_object(obj):
    """Nested objects without Keras 3's `module` / `registered_name` keys."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "DTypePolicy":
            return obj["config"]["name"]
        # Keys tf.keras 2 never wrote (Keras 3 additions).
        dropped = ("module", "registered_name", "build_config", "shared_object_id")
        dropped += ("quantization_config", "input_axes", "output_axes", "synchronized", "optional")
        out = {k: _keras2_object(v) for k, v in obj.items() if k not in dropped}
        if not out.get("renorm", True):
            for key in ("renorm", "renorm_clipping", "renorm_momentum"):
                out.pop(key)
        return out
    if isinstance(obj, list):
        return [_keras2_object(v) for v in obj]
    return obj


def _keras2_layer(entry):
    out = {"class_name": entry["class_name"], "config": _keras2_object(entry["config"])}
    if out["class_name"] == "InputLayer":
        cfg = out["config"]
        cfg["batch_input_shape"] = cfg.pop("batch_shape")
        cfg.pop("optional", None)
    if out["class_name"] == "BatchNormalization":
        # tf.keras 2 saved the normalized axis as a list of positive ints.
        nodes = entry.get("inbound_nodes") or []
        rank = len(nodes[0]["args"][0]["config"]["shape"]) if nodes else 2
        out["config"]["axis"] = [out["config"]["axis"] % rank]
    if "name" in entry:
        out["name"] = entry["name"]
    if "inbound_nodes" in entry:
        out["inbound_nodes"] = [_keras2_node(n) for n in entry["inbound_nodes"]]
    return out


def keras2_model_config(config):
    """A Keras 3 legacy `model_config` rewritten as tf.keras 2 wrote it."""
    inner = dict(config["config"])
    if config["class_name"] == "Sequential":
        entries = [_keras2_layer(e) for e in inner["layers"]]
        # tf.keras 2 (2.4+) Sequential: an InputLayer entry named `<first>_input`, and the
        # first layer still carries the `batch_input_shape` it was given.
        entries[0]["config"]["name"] = entries[1]["config"]["name"] + "_input"
        entries[1]["config"]["batch_input_shape"] = entries[0]["config"]["batch_input_shape"]
        inner = {"name": inner["name"], "layers": entries}
        return {"class_name": "Sequential", "config": inner}
    inner["layers"] = [_keras2_layer(e) for e in inner["layers"]]
    for key in ("input_layers", "output_layers"):
        value = inner[key]
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
            value = [value]
        inner[key] = value
    return {"class_name": "Functional", "config": inner}


def _rename_weights(group):
    """Appends `:0` to every weight name of a legacy weights group (tf.keras 2 names)."""
    for layer_name in list(group.keys()):
        layer_group = group[layer_name]
        names = [
            n.decode() if hasattr(n, "decode") else n for n in layer_group.attrs["weight_names"]
        ]
        new_names = []
        for name in names:
            data = np.asarray(layer_group[name])
            del layer_group[name]
            layer_group.create_dataset(name + ":0", data=data)
            new_names.append(name + ":0")
        layer_group.attrs["weight_names"] = np.asarray([n.encode() for n in new_names])


def make_keras2_h5(src, dst):
    """Rewrites the Keras 3 legacy file `src` as a tf.keras 2 file `dst`."""
    with h5py.File(src, "r") as f_in, h5py.File(dst, "w") as f:
        config = json.loads(f_in.attrs["model_config"])
        f.attrs["model_config"] = json.dumps(keras2_model_config(config)).encode()
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        training = json.loads(f_in.attrs["training_config"])
        opt = training["optimizer_config"]
        opt["class_name"] = "Custom>" + opt["class_name"]
        # tf.keras 2.11+ optimizers: registered as "Custom>Adam", named "Adam", extra keys.
        opt["config"].update({"name": "Adam", "is_legacy_optimizer": False, "jit_compile": True})
        for key in ("loss_scale_factor", "gradient_accumulation_steps"):
            opt["config"].pop(key, None)
        for key in ("run_eagerly", "steps_per_execution", "jit_compile"):
            training.pop(key, None)
        f.attrs["training_config"] = json.dumps(training).encode()
        f_in.copy("model_weights", f)
        mw = f["model_weights"]
        if "top_level_model_weights" in mw:
            del mw["top_level_model_weights"]  # tf.keras 2 had no such group
        mw.attrs["keras_version"] = b"2.15.0"
        mw.attrs["backend"] = b"tensorflow"
        _rename_weights(mw)
        # tf.keras 2.11+ optimizer: iteration, then all `m`, then all `v` slots.
        f_in.copy("optimizer_weights", f)


def make_keras2_weights(src, dst):
    """A tf.keras 2 `save_weights("w.h5")` file: the legacy weights at the root."""
    with h5py.File(src, "r") as f_in, h5py.File(dst, "w") as f:
        for name in f_in["model_weights"]:
            if name != "top_level_model_weights":
                f_in["model_weights"].copy(name, f)
        f.attrs["layer_names"] = f_in["model_weights"].attrs["layer_names"]
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        _rename_weights(f)


def make_keras213_archive(src, dst):
    """A Keras 2.13-era `.keras`: `keras.src.engine` paths, `_layer_checkpoint_dependencies`."""
    with zipfile.ZipFile(src) as zin:
        config = json.loads(zin.read("config.json"))
        weights = zin.read("model.weights.h5")
        metadata = json.loads(zin.read("metadata.json"))
    config["module"] = "keras.src.engine.sequential"
    metadata["keras_version"] = "2.13.1"
    f_in = h5py.File(io.BytesIO(weights), "r")
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        for name in f_in:
            target = "_layer_checkpoint_dependencies" if name == "layers" else name
            f_in.copy(name, f, name=target)
    f_in.close()
    with zipfile.ZipFile(dst, "w") as zout:
        zout.writestr("metadata.json", json.dumps(metadata))
        zout.writestr("config.json", json.dumps(config))
        zout.writestr("model.weights.h5", buf.getvalue())


KERAS2_SEQUENTIAL_JSON = {
    "class_name": "Sequential",
    "config": {
        "name": "sequential",
        "layers": [
            {
                "class_name": "InputLayer",
                "config": {
                    "batch_input_shape": [None, 4],
                    "dtype": "float32",
                    "sparse": False,
                    "ragged": False,
                    "name": "dense_input",
                },
            },
            {
                "class_name": "Dense",
                "config": {
                    "name": "dense",
                    "trainable": True,
                    "dtype": "float32",
                    "batch_input_shape": [None, 4],
                    "units": 8,
                    "activation": "relu",
                    "use_bias": True,
                    "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                    "bias_initializer": {"class_name": "Zeros", "config": {}},
                    "kernel_regularizer": None,
                    "bias_regularizer": None,
                    "activity_regularizer": None,
                    "kernel_constraint": None,
                    "bias_constraint": None,
                },
            },
            {
                "class_name": "Dropout",
                "config": {
                    "name": "dropout",
                    "trainable": True,
                    "dtype": "float32",
                    "rate": 0.5,
                    "noise_shape": None,
                    "seed": None,
                },
            },
            {
                "class_name": "Dense",
                "config": {
                    "name": "dense_1",
                    "trainable": True,
                    "dtype": "float32",
                    "units": 1,
                    "activation": "sigmoid",
                    "use_bias": True,
                    "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                    "bias_initializer": {"class_name": "Zeros", "config": {}},
                    "kernel_regularizer": None,
                    "bias_regularizer": None,
                    "activity_regularizer": None,
                    "kernel_constraint": None,
                    "bias_constraint": None,
                },
            },
        ],
    },
    "keras_version": "2.15.0",
    "backend": "tensorflow",
}


def keras2_yaml(config):
    """YAML as tf.keras 2's `to_yaml` (PyYAML's default dumper) wrote it: shapes are
    tuples, tagged `!!python/tuple`. Emitted by hand: the oracle venv has no PyYAML."""
    lines = []

    def scalar(v):
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        return json.dumps(v) if isinstance(v, str) else str(v)

    def emit(obj, indent):
        pad = "  " * indent
        for key, value in obj.items():
            if isinstance(value, dict):
                lines.append(f"{pad}{key}:" + (" {}" if not value else ""))
                emit(value, indent + 1)
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                lines.append(f"{pad}{key}:")
                for item in value:
                    first = True
                    for k, v in item.items():
                        prefix = f"{pad}- " if first else f"{pad}  "
                        first = False
                        if isinstance(v, dict):
                            lines.append(f"{prefix}{k}:")
                            emit(v, indent + 2)
                        else:
                            lines.append(f"{prefix}{k}: {scalar(v)}")
            elif isinstance(value, list):
                lines.append(f"{pad}{key}: !!python/tuple")
                lines.extend(f"{pad}- {scalar(v)}" for v in value)
            else:
                lines.append(f"{pad}{key}: {scalar(value)}")

    emit(config, 0)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ main


def main():
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(0)
    rs = np.random.RandomState(0)
    expected = {}
    layouts = {}

    def record(case, model, xs, iterations=None):
        ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        ys = ys if isinstance(ys, list) else [ys]
        for i, x in enumerate(xs):
            expected[f"{case}/x{i}"] = np.asarray(x)
        for i, y in enumerate(ys):
            expected[f"{case}/y{i}"] = np.asarray(y)
        if iterations is not None:
            expected[f"{case}/iterations"] = np.asarray(iterations)

    x_img = rs.rand(8, 8, 8, 3).astype("float32")
    y_img = np.eye(3, dtype="float32")[rs.randint(0, 3, 8)]
    image = trained(image_model(), x_img, y_img, "categorical_crossentropy", "adam")
    record("image", image, [x_img], int(image.optimizer.iterations))

    tokens = rs.randint(0, 10, (8, 6)).astype("int32")
    feats = rs.rand(8, 5).astype("float32")
    seq_inputs = {"tokens": tokens, "feats": feats}
    y_seq = [rs.rand(8, 2).astype("float32"), rs.rand(8, 1).astype("float32")]
    sequence = sequence_model()
    sequence.compile(optimizer="rmsprop", loss=["mse", "binary_crossentropy"])
    sequence.fit(seq_inputs, y_seq, epochs=1, batch_size=4, verbose=0, shuffle=False)
    ys = sequence.predict(seq_inputs, verbose=0)
    expected.update({"sequence/x0": tokens, "sequence/x1": feats})
    expected.update({"sequence/y0": ys[0], "sequence/y1": ys[1]})

    x_seq = rs.rand(16, 4).astype("float32")
    y_bin = (x_seq.sum(1, keepdims=True) > 2).astype("float32")
    sequential = trained(
        sequential_model(), x_seq, y_bin, "binary_crossentropy", keras.optimizers.Adam(0.01)
    )
    record("sequential", sequential, [x_seq], int(sequential.optimizer.iterations))

    nested = nested_model()
    record("nested", nested, [x_seq])
    subclassed = subclassed_model()
    record("subclassed", subclassed, [x_seq])
    with_lambda = lambda_model()
    record("lambda", with_lambda, [x_seq[:, :3]])
    with_ops = ops_model()
    record("ops", with_ops, [x_seq])

    cases = {
        "image": image,
        "sequence": sequence,
        "sequential": sequential,
        "nested": nested,
        "subclassed": subclassed,
        "lambda": with_lambda,
        "ops": with_ops,
    }
    for case, model in cases.items():
        path = os.path.join(OUT, f"{case}.keras")
        model.save(path)
        layouts[case] = weight_layout(path)
        if case in ("image", "sequence", "sequential", "nested"):
            model.save(os.path.join(OUT, f"{case}.h5"))
        if case in ("image", "sequential", "subclassed"):
            model.save_weights(os.path.join(OUT, f"{case}.weights.h5"))

    for case in ("image", "sequential"):
        make_keras2_h5(os.path.join(OUT, f"{case}.h5"), os.path.join(OUT, f"keras2_{case}.h5"))
    make_keras2_weights(
        os.path.join(OUT, "sequential.h5"), os.path.join(OUT, "keras2_sequential_weights.h5")
    )
    make_keras213_archive(
        os.path.join(OUT, "sequential.keras"), os.path.join(OUT, "keras213_sequential.keras")
    )
    with open(os.path.join(OUT, "keras2_sequential.json"), "w") as f:
        json.dump(KERAS2_SEQUENTIAL_JSON, f, indent=1)
    with open(os.path.join(OUT, "keras2_sequential.yaml"), "w") as f:
        f.write(keras2_yaml(KERAS2_SEQUENTIAL_JSON))

    with open(os.path.join(OUT, "keras_objects.json"), "w") as f:
        json.dump(keras_objects(), f, indent=1)
    np.savez_compressed(os.path.join(OUT, "expected.npz"), **expected)
    meta = {
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy_version": np.__version__,
        "h5py_version": h5py.__version__,
        "layouts": layouts,
    }
    with open(os.path.join(OUT, "fixtures.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {OUT}")


if __name__ == "__main__":
    main()
