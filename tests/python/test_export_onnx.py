"""`model.export(path, format="onnx")` (issue 22, point 2).

ONNX Runtime runs each exported file and must reproduce `model.predict`
(max abs error <= 1e-5) at two batch sizes, for every layer the exporter
claims, the seeds' models (the MLP 784-512-10 and the tutorials' CNN) and
a subclassed model; `onnx.checker` accepts every file.
"""

import os

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOL = 1e-5


def _random_weights(model, seed=0):
    """Non-trivial weights (BatchNormalization's moving statistics included;
    variances stay positive)."""
    rng = np.random.default_rng(seed)
    weights = []
    for w in model.weights:
        v = rng.uniform(-0.5, 0.5, w.shape).astype("float32")
        if "variance" in w.path:
            v = rng.uniform(0.5, 1.5, w.shape).astype("float32")
        weights.append(v)
    model.set_weights(weights)


def _inputs(model, batch, seed):
    rng = np.random.default_rng(seed)
    out = []
    for t in model.inputs:
        shape = (batch,) + tuple(t.shape[1:])
        if "int" in str(t.dtype):
            out.append(rng.integers(0, 10, shape).astype(str(t.dtype)))
        else:
            out.append(rng.uniform(-2, 2, shape).astype("float32"))
    return out


def _check(model, tmp_path, batches=(1, 5), inputs=None):
    """Exports `model`, checks the file, and compares ONNX Runtime with predict."""
    path = os.fspath(tmp_path / "model.onnx")
    model.export(path, format="onnx", verbose=False)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    for seed, batch in enumerate(batches):
        xs = inputs(batch, seed) if inputs else _inputs(model, batch, seed)
        got = session.run(None, dict(zip(names, xs)))
        want = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        want = want if isinstance(want, (list, tuple)) else [want]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            assert np.max(np.abs(g - w), initial=0.0) <= TOL, (batch, np.max(np.abs(g - w)))
    return session


def _sequential(shape, *stack):
    model = keras.Sequential([keras.Input(shape), *stack])
    _random_weights(model)
    return model


ACTIVATIONS = [
    "relu", "sigmoid", "tanh", "softmax", "gelu", "silu", "swish", "leaky_relu", "elu",
    "selu", "softplus", "softsign", "exponential", "hard_sigmoid", "hard_silu", "relu6",
    "log_softmax", "mish", "linear",
]  # fmt: skip

LAYERS = {
    "dense": lambda: _sequential((7,), layers.Dense(5, activation="relu"), layers.Dense(3)),
    "conv1d": lambda: _sequential(
        (11, 3),
        layers.Conv1D(4, 3, padding="same"),
        layers.Conv1D(4, 3, strides=2, activation="relu"),
        layers.Conv1D(2, 2, dilation_rate=2, padding="same"),
    ),
    "conv2d": lambda: _sequential(
        (12, 11, 3),
        layers.Conv2D(4, 3, padding="same", strides=2),
        layers.Conv2D(3, (2, 3), dilation_rate=(1, 2), activation="relu"),
    ),
    "depthwise_separable": lambda: _sequential(
        (8, 8, 3),
        layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2),
        layers.SeparableConv2D(4, 3),
    ),
    "conv_transpose": lambda: _sequential(
        (5, 4, 3),
        layers.Conv2DTranspose(4, 3, strides=2, padding="same"),
        layers.Conv2DTranspose(2, (2, 3), strides=(3, 1), output_padding=(2, 0)),
    ),
    "pooling2d": lambda: _sequential(
        (9, 7, 3),
        layers.MaxPooling2D(2, padding="same"),
        layers.AveragePooling2D(2, strides=1, padding="same"),
        layers.AveragePooling2D((2, 1)),
        layers.MaxPooling2D((1, 2)),
    ),
    "pooling1d": lambda: _sequential(
        (9, 3), layers.MaxPooling1D(2), layers.AveragePooling1D(2, padding="same")
    ),
    "global_pooling2d": lambda: _global(
        (5, 6, 3), layers.GlobalAveragePooling2D(), layers.GlobalMaxPooling2D(keepdims=True)
    ),
    "global_pooling1d": lambda: _global(
        (6, 3), layers.GlobalMaxPooling1D(), layers.GlobalAveragePooling1D(keepdims=True)
    ),
    "batch_normalization": lambda: _sequential(
        (4, 3), layers.BatchNormalization(), layers.BatchNormalization(axis=1)
    ),
    "layer_normalization": lambda: _sequential(
        (4, 3), layers.LayerNormalization(), layers.LayerNormalization(axis=[1, 2])
    ),
    "dropout_flatten_reshape": lambda: _sequential(
        (4, 6),
        layers.Dropout(0.5),
        layers.Flatten(),
        layers.Reshape((3, 8)),
        layers.Permute((2, 1)),
    ),
    "rescaling": lambda: _sequential((5,), layers.Rescaling(1 / 255.0, offset=0.5)),
    "activation_layers": lambda: _sequential(
        (6,),
        layers.LeakyReLU(0.1),
        layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2),
        layers.PReLU(),
        layers.ELU(0.7),
        layers.Softmax(),
    ),
    "merging": lambda: _merging(),
    "embedding": lambda: _embedding(),
    "multi_head_attention": lambda: _attention(False),
    "multi_head_attention_causal": lambda: _attention(True),
}


def _global(shape, first, second):
    inputs = keras.Input(shape)
    a = first(inputs)
    b = layers.Flatten()(second(inputs))
    return keras.Model(inputs, [a, b])


def _merging():
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    x = layers.Add()([a, b])
    y = layers.Multiply()([x, b])
    z = layers.Concatenate()([x, y, layers.Subtract()([a, b])])
    model = keras.Model([a, b], layers.Dense(3)(z))
    _random_weights(model)
    return model


def _embedding():
    ids = keras.Input((5,), dtype="int32")
    x = layers.Embedding(10, 4)(ids)
    model = keras.Model(ids, layers.GlobalAveragePooling1D()(x))
    _random_weights(model)
    return model


def _attention(causal):
    x = keras.Input((6, 8))
    y = layers.MultiHeadAttention(2, 4)(x, x, use_causal_mask=causal)
    y = layers.LayerNormalization()(layers.Add()([x, y]))
    model = keras.Model(x, y)
    _random_weights(model)
    return model


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_exports_and_matches_predict(name, tmp_path):
    keras.utils.set_random_seed(0)
    _check(LAYERS[name](), tmp_path)


@pytest.mark.parametrize("activation", sorted(set(ACTIVATIONS)))
def test_activation_exports(activation, tmp_path):
    model = _sequential((6,), layers.Dense(6), layers.Activation(activation))
    _check(model, tmp_path)


def test_seed_mlp(tmp_path):
    """The MLP 784-512-10 of the seeds' benchmarks (examples/, benches/)."""
    model = keras.Sequential(
        [
            keras.Input((784,)),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )
    session = _check(model, tmp_path, batches=(1, 128))
    assert session.get_inputs()[0].shape == ["batch", 784]


def test_seed_cnn(tmp_path):
    """The Keras tutorials' CNN (Conv32-Pool-Conv64-Pool-Dense100-Drop-10)."""
    inputs = keras.Input((28, 28, 1))
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(100, activation="relu")(x)
    x = layers.Dropout(0.4)(x)
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    _check(model, tmp_path, batches=(1, 128))


def test_trained_weights_are_exported(tmp_path):
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(8, activation="tanh"), layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    _check(model, tmp_path, inputs=lambda n, s: [x[s : s + n]])


class _Subclassed(keras.Model):
    """Custom layer code built from ops: the trace exports it too."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(6)
        self.norm = layers.LayerNormalization()
        self.out = layers.Dense(3)

    def call(self, x):
        h = self.norm(
            keras.ops.tanh(self.dense(x)) * 2.0 + keras.ops.mean(x, axis=-1, keepdims=True)
        )
        h = keras.ops.concatenate([h, keras.ops.square(h)], axis=-1)
        return keras.ops.softmax(self.out(h))


def test_subclassed_model(tmp_path):
    model = _Subclassed()
    model(np.zeros((2, 5), "float32"))
    rng = np.random.default_rng(1)
    _check(model, tmp_path, inputs=lambda n, s: [rng.normal(size=(n, 5)).astype("float32")])


def test_input_signature_and_opset(tmp_path):
    model = _Subclassed()
    model(np.zeros((2, 5), "float32"))
    path = tmp_path / "m.onnx"
    spec = keras.Input((5,), name="features")
    model.export(path, format="onnx", verbose=False, input_signature=[spec], opset_version=19)
    proto = onnx.load(os.fspath(path))
    assert proto.opset_import[0].version == 19
    assert [i.name for i in proto.graph.input] == ["features"]
    x = np.ones((3, 5), "float32")
    got = ort.InferenceSession(os.fspath(path)).run(None, {"features": x})[0]
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=TOL)


def test_unsupported_layer_names_layer_and_format(tmp_path):
    model = keras.Sequential([keras.Input((4, 3)), layers.LSTM(5, name="my_lstm")])
    path = tmp_path / "lstm.onnx"
    with pytest.raises(ValueError, match=r"my_lstm.*lstm_scan|onnx") as info:
        model.export(path, format="onnx", verbose=False)
    message = str(info.value)
    assert "my_lstm" in message and "'onnx'" in message and "lstm_scan" in message
    assert not path.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("fmt", ["tf_saved_model", "openvino", "litert", "torch"])
def test_formats_pykeras_cannot_write(fmt, tmp_path):
    model = _sequential((3,), layers.Dense(2))
    with pytest.raises(ValueError, match=fmt):
        model.export(tmp_path / "m", format=fmt)
    assert not list(tmp_path.iterdir())


def test_unknown_format():
    model = _sequential((3,), layers.Dense(2))
    with pytest.raises(ValueError, match="Unrecognized format=saved"):
        model.export("m", format="saved")


def test_bad_opset(tmp_path):
    model = _sequential((3,), layers.Dense(2))
    with pytest.raises(ValueError, match="opset_version"):
        model.export(tmp_path / "m.onnx", format="onnx", opset_version=9)


def test_unwritable_path_raises_oserror_and_writes_nothing(tmp_path):
    model = _sequential((3,), layers.Dense(2))
    locked = tmp_path / "locked"
    locked.mkdir()
    target = tmp_path / "a_directory.onnx"
    target.mkdir()  # a directory where the file should go
    with pytest.raises(OSError):
        model.export(target, format="onnx", verbose=False)
    assert list(target.iterdir()) == []
    if os.geteuid() != 0:  # root writes anywhere
        locked.chmod(0o500)
        with pytest.raises(OSError):
            model.export(locked / "m.onnx", format="onnx", verbose=False)
        assert list(locked.iterdir()) == []
    a_file = tmp_path / "a_file"
    a_file.write_bytes(b"kept")
    with pytest.raises(OSError):  # a path through a regular file
        model.export(a_file / "m.onnx", format="onnx", verbose=False)
    assert a_file.read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_directory.onnx", "a_file", "locked"]


def test_unbuilt_model_raises():
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        model.export("m.onnx", format="onnx")


def test_verbose_message(tmp_path, capsys):
    model = _sequential((3,), layers.Dense(2))
    model.export(tmp_path / "m.onnx", format="onnx")
    assert "Saved artifact at" in capsys.readouterr().out
