"""Keras 3.15's adaptive pooling, Identity, Wrapper, SpectralNormalization,
ReversibleEmbedding, STFTSpectrogram and MelSpectrogram against Keras 3 on JAX
(tests/reference/data/misc_layers.json, made by
tests/reference/make_misc_layers_reference.py): outputs and gradients on the
same weights, eagerly and in compiled models, configs, .keras files and the
errors bad arguments raise."""

import functools
import json
import pathlib

import numpy as np
import pytest

import pykeras as keras
from pykeras import layers, ops

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "misc_layers.json"
ATOL = 2e-5


@functools.lru_cache(maxsize=1)
def data():
    return json.loads(DATA.read_text())


def _ids():
    return [f"{c['layer']}-{i}" for i, c in enumerate(data()["cases"])]


def _close(actual, expected, what, scale=1.0):
    expected = np.asarray(expected, np.float32)
    actual = np.asarray(actual, np.float32)
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=ATOL * scale, err_msg=what)


def _make(case):
    if case["inner"]:
        inner_name, inner_kwargs = case["inner"]
        inner = getattr(layers, inner_name)(**inner_kwargs)
        return layers.SpectralNormalization(inner, **case["kwargs"])
    return getattr(layers, case["layer"])(**case["kwargs"])


def _built(case):
    layer = _make(case)
    x = np.asarray(case["input"], case["input_dtype"])
    layer.build(None if case["call_kwargs"].get("reverse") else x.shape)
    assert [tuple(w.shape) for w in layer.weights] == [np.shape(w) for w in case["weights"]]
    if case["keras_init"]:
        # Keras's initial kernels are deterministic: pykeras's must be the same.
        for w, expected in zip(layer.weights, case["weights"]):
            _close(w.numpy(), expected, f"{case['layer']} initial {w.name}")
    if case["weights"]:
        layer.set_weights([np.asarray(w, np.float32) for w in case["weights"]])
    return layer, x


@pytest.mark.parametrize("index", range(len(data()["cases"])), ids=_ids())
def test_matches_keras(index):
    case = data()["cases"][index]
    call_kwargs = case["call_kwargs"]
    training = bool(call_kwargs.get("training"))
    scale = max(1.0, float(np.max(np.abs(case["output"]))) / 10)
    name = case["layer"]

    # Eager call.
    layer, x = _built(case)
    _close(layer(x, **call_kwargs), case["output"], f"{name} output", scale)
    if training:
        _close(layer.vector_u.numpy(), case["non_trainable_after"][0], f"{name} vector_u")
        for w, expected in zip(layer.weights, case["weights_after_eager"]):
            _close(w.numpy(), expected, f"{name} {w.path} after an eager training call")

    # Inside a compiled model (the traced Rust graph).
    layer, x = _built(case)
    inp = keras.Input(batch_shape=(None,) + x.shape[1:], dtype=case["input_dtype"])
    if len(x.shape) > 1:  # a model's inputs have a batch axis
        model = keras.Model(inp, layer(inp, **call_kwargs))
    if not training and len(x.shape) > 1:
        _close(
            model.predict(x, verbose=0, batch_size=len(x)),
            case["output"],
            f"{name} in a model",
            scale,
        )

    # Gradients of sum(output * probe), through a GradientTape.
    if "probe" in case:
        layer, x = _built(case)
        probe = np.asarray(case["probe"], np.float32)
        float_input = "grad_input" in case
        xv = keras.Variable(x) if float_input else x
        weights = list(layer.trainable_weights)
        with keras.GradientTape() as tape:
            loss = ops.sum(ops.multiply(layer(xv, **call_kwargs), probe))
        grads = tape.gradient(loss, ([xv] if float_input else []) + weights)
        if float_input:
            _close(grads[0], case["grad_input"], f"{name} input gradient", scale)
            grads = grads[1:]
        assert len(grads) == len(case["grad_weights"])
        for g, expected in zip(grads, case["grad_weights"]):
            # A weight the output does not use (embeddings in an untied reverse
            # call) has no gradient here and zeros in JAX.
            g = np.zeros(np.shape(expected), np.float32) if g is None else g
            _close(g, expected, f"{name} weight gradient", scale)

    # Config round trip (through JSON, as a file stores it).
    layer, x = _built(case)
    config = json.loads(json.dumps(keras.layers.serialize(layer)))
    clone = keras.layers.deserialize(config)
    clone.build(None if call_kwargs.get("reverse") else x.shape)
    clone.set_weights(layer.get_weights())
    _close(clone(x, **{k: v for k, v in call_kwargs.items() if k != "training"}),
           layer(x, **{k: v for k, v in call_kwargs.items() if k != "training"}),
           f"{name} from_config", scale)  # fmt: skip


def test_spectral_normalization_fit_step_matches_keras():
    """One SGD step of fit: the new vector_u is kept and the optimizer updates the
    raw kernel with the gradient through the normalization (Keras on JAX)."""
    rec = data()["fit"]
    sn = layers.SpectralNormalization(layers.Dense(3), power_iterations=2)
    model = keras.Sequential([keras.Input((4,)), sn])
    scope = f"{model.name}/{sn.name}"  # Keras's name scopes: model, wrapper, layer
    assert [w.path for w in model.weights] == [
        f"{scope}/{sn.layer.name}/kernel", f"{scope}/vector_u", f"{scope}/{sn.layer.name}/bias",
    ]  # fmt: skip
    model.set_weights([np.asarray(w, np.float32) for w in rec["weights"]])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x, y = np.asarray(rec["x"], np.float32), np.asarray(rec["y"], np.float32)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for w, expected in zip(model.weights, rec["weights_after"]):
        _close(w.numpy(), expected, f"{w.path} after fit")
    _close(model.predict(x, verbose=0), rec["predict_after"], "predict after fit")


def test_keras_saved_spectral_and_reversible_layers_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    ids = keras.Input((5,), dtype="int32")
    feats = keras.Input((6,))
    emb = layers.ReversibleEmbedding(10, 4, tie_weights=False, logit_soft_cap=3.0)
    logits = emb(emb(ids), reverse=True)
    sn = layers.SpectralNormalization(layers.Dense(3), power_iterations=2)
    pooled = layers.AdaptiveAveragePooling1D(2)(layers.Reshape((6, 1))(feats))
    spec = layers.STFTSpectrogram(frame_length=4, frame_step=2, fft_length=4)(
        layers.Reshape((6, 1))(feats)
    )
    out = layers.Identity()(sn(feats))
    model = keras.Model([ids, feats], [logits, out, pooled, spec])
    x = [rng.integers(0, 10, size=(3, 5)), rng.uniform(size=(3, 6)).astype(np.float32)]
    expected = model.predict(x, verbose=0)
    path = tmp_path / "misc.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    for a, b in zip(loaded.predict(x, verbose=0), expected):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    editor = keras.saving.KerasFileEditor(path)
    layer_paths = editor.weights_dict["layers"]
    # Keras's layout: the wrapper's own store (kernel, vector_u), then its layer's.
    sn_store = layer_paths["spectral_normalization"]
    assert np.shape(sn_store["0"]) == (6, 3) and np.shape(sn_store["1"]) == (1, 3)
    assert np.shape(sn_store["layer"]["0"]) == (6, 3) and np.shape(sn_store["layer"]["1"]) == (3,)
    assert [np.shape(v) for v in layer_paths["reversible_embedding"].values()] == [(10, 4), (4, 10)]


def test_keras_reads_pykeras_file(tmp_path):
    """The layers' configs and weights are those Keras itself writes: the
    editor's comparison against a model built from Keras's file succeeds."""
    sn = layers.SpectralNormalization(layers.Conv2D(2, 2))
    model = keras.Sequential([keras.Input((5, 5, 1)), sn, layers.AdaptiveMaxPooling2D(2)])
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    clone = keras.Sequential.from_config(model.get_config())
    clone.load_weights(path)
    x = np.random.default_rng(1).uniform(size=(2, 5, 5, 1)).astype(np.float32)
    np.testing.assert_allclose(clone(x), model(x), rtol=1e-6)


def test_identity_keeps_structures_dtypes_and_masks():
    ident = layers.Identity()
    assert ident.built
    ids = np.array([[1, 2, 0]])
    assert ident(ids).dtype == ids.dtype
    a, b = ident([np.ones((2, 3)), np.zeros((2, 1))])
    assert a.shape == (2, 3) and b.shape == (2, 1)
    inp = keras.Input((3,), dtype="int32")
    masked = layers.Embedding(5, 2, mask_zero=True)(inp)
    out = layers.Identity()(masked)
    assert out._keras_mask is not None
    assert layers.Identity()(keras.Input((4,), dtype="int32")).dtype == "int32"


def test_wrapper_contract_and_time_distributed():
    class Doubled(layers.Wrapper):
        def call(self, inputs):
            return ops.multiply(self.layer(inputs), 2.0)

    w = Doubled(layers.Dense(3, kernel_initializer="ones"))
    np.testing.assert_allclose(w(np.ones((2, 4), np.float32)), np.full((2, 3), 8.0))
    assert w.get_config()["layer"]["class_name"] == "Dense"
    with pytest.raises(ValueError, match="isn't a supported layer type"):
        layers.Wrapper("dense")
    td = layers.TimeDistributed(layers.Dense(2))
    assert isinstance(td, layers.Wrapper)
    # The base wrapper calls its layer unchanged.
    base = layers.Wrapper(layers.Dense(2))
    assert base(np.ones((3, 4), np.float32)).shape == (3, 2)


def test_spectral_normalization_behaviour():
    rng = np.random.default_rng(2)
    sn = layers.SpectralNormalization(layers.Dense(4), power_iterations=20)
    x = rng.uniform(size=(3, 5)).astype(np.float32)
    sn(x)
    kernel = sn.layer.kernel.numpy().copy()
    # Inference leaves the weights alone.
    sn(x, training=False)
    np.testing.assert_array_equal(sn.layer.kernel.numpy(), kernel)
    # Training divides by the largest singular value (power iteration converged).
    sn(x, training=True)
    sigma = np.linalg.svd(kernel, compute_uv=False)[0]
    np.testing.assert_allclose(sn.layer.kernel.numpy(), kernel / sigma, rtol=1e-4, atol=1e-6)
    assert [w.name for w in sn.non_trainable_weights] == ["vector_u"]
    # An all-zero kernel stays as it is.
    zero = layers.SpectralNormalization(layers.Dense(2, kernel_initializer="zeros"))
    zero(x, training=True)
    assert np.all(zero.layer.kernel.numpy() == 0)
    assert np.all(np.isfinite(zero.vector_u.numpy()))


def test_spectral_normalization_errors():
    with pytest.raises(ValueError, match="power_iterations"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="no attribute 'kernel' nor 'embeddings'"):
        layers.SpectralNormalization(layers.ReLU())(np.ones((2, 3), np.float32))


def test_reversible_embedding_masks_and_shapes():
    emb = layers.ReversibleEmbedding(6, 3, mask_zero=True)
    ids = keras.Input((4,), dtype="int32")
    hidden = emb(ids)
    assert hidden._keras_mask is not None
    logits = emb(hidden, reverse=True)
    assert logits.shape == (None, 4, 6)
    assert emb.compute_output_shape((2, 4)) == (2, 4, 3)
    assert emb.compute_output_shape((2, 4, 3), reverse=True) == (2, 4, 6)
    assert [w.name for w in emb.weights] == ["embeddings"]
    untied = layers.ReversibleEmbedding(6, 3, tie_weights=False)
    untied.build()
    assert [w.name for w in untied.weights] == ["embeddings", "reverse_embeddings"]
    with pytest.raises(ValueError, match="output_dim=3"):
        untied(np.ones((2, 5), np.float32), reverse=True)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: layers.AdaptiveAveragePooling2D((2, 2, 2)), "tuple of 2 integers"),
        (lambda: layers.AdaptiveMaxPooling1D((2, 3)), "tuple of 1 integers"),
        (lambda: layers.AdaptiveMaxPooling3D(0), "positive integers"),
        (lambda: layers.AdaptiveAveragePooling1D(2, data_format="channels_middle"), "data_format"),
        (lambda: layers.STFTSpectrogram(mode="power"), "mode"),
        (lambda: layers.STFTSpectrogram(frame_length=8, frame_step=9), "frame_step"),
        (lambda: layers.STFTSpectrogram(frame_length=8, fft_length=4), "fft_length"),
        (lambda: layers.STFTSpectrogram(padding="causal"), "Padding"),
        (lambda: layers.STFTSpectrogram(scaling="unit"), "Scaling"),
        (lambda: layers.MelSpectrogram(fft_length=64, sequence_length=128), "fft_length"),
    ],
)
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_adaptive_pooling_type_errors_and_bad_inputs():
    with pytest.raises(TypeError, match="AdaptiveAveragePooling2D"):
        layers.AdaptiveAveragePooling2D("2")
    with pytest.raises(ValueError, match="adaptive_max_pool|ndim|rank"):
        layers.AdaptiveMaxPooling2D(2)(np.ones((2, 4, 3), np.float32))
    with pytest.raises(ValueError, match="STFTSpectrogram"):
        layers.STFTSpectrogram(frame_length=16)(np.ones((1, 8, 1), np.float32))
    with pytest.raises(ValueError, match="MelSpectrogram"):
        layers.MelSpectrogram(fft_length=16, sequence_stride=4)(np.ones((1, 2, 40), np.float32))


def test_adaptive_pooling_matches_numpy_bins():
    """PyTorch's bins (Keras's): bin i of L into O covers [floor(iL/O), ceil((i+1)L/O))."""
    x = np.random.default_rng(3).uniform(size=(2, 11, 3)).astype(np.float32)
    out = np.asarray(layers.AdaptiveMaxPooling1D(4)(x))
    for i in range(4):
        lo, hi = (i * 11) // 4, -(-(i + 1) * 11 // 4)
        np.testing.assert_allclose(out[:, i], x[:, lo:hi].max(axis=1))


def test_mel_spectrogram_output_shape_follows_frames():
    layer = layers.MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=8)
    for n in (63, 64, 65, 100):
        out = layer(np.random.default_rng(n).uniform(-1, 1, size=(2, n)).astype(np.float32))
        assert out.shape == layer.compute_output_shape((2, n)) == (2, 8, 1 + n // 16)
    assert layer.weights == []


def test_spectrograms_train_in_a_model():
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, size=(16, 64, 1)).astype(np.float32)
    y = rng.uniform(size=(16, 1)).astype(np.float32)
    model = keras.Sequential([
        keras.Input((64, 1)),
        layers.STFTSpectrogram(mode="log", frame_length=16, frame_step=8, padding="same"),
        layers.AdaptiveAveragePooling1D(2),
        layers.Flatten(),
        layers.SpectralNormalization(layers.Dense(1)),
    ])  # fmt: skip
    model.compile(optimizer="adam", loss="mse")
    before = model.layers[0].real_kernel.numpy().copy()
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert not np.allclose(model.layers[0].real_kernel.numpy(), before)
