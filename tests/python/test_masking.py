"""Masking end to end, as the Keras guide "Understanding masking & padding"
writes it: Embedding(mask_zero=True) and Masking make masks, layers that
support masking pass them on, mask-consuming layers receive them, custom
mask-making and mask-consuming layers, Functional and Sequential models,
recurrent layers skipping padded steps."""

import numpy as np

import pykeras as keras
from pykeras import layers, ops

RAW = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]


def _padded():
    return keras.utils.pad_sequences(RAW, padding="post")


def test_embedding_and_masking_layers_make_masks():
    padded = _padded()
    masked_output = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(padded)
    np.testing.assert_array_equal(masked_output._keras_mask, padded != 0)
    unmasked = ops.cast(ops.tile(ops.expand_dims(padded, axis=-1), [1, 1, 10]), "float32")
    masked_embedding = layers.Masking()(unmasked)
    np.testing.assert_array_equal(masked_embedding._keras_mask, padded != 0)
    assert layers.Embedding(10, 2)(padded % 10).__class__ is np.ndarray


def test_mask_reaches_lstm_in_sequential_and_functional():
    padded = _padded()
    keras.utils.set_random_seed(0)
    seq = keras.Sequential(
        [layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True), layers.LSTM(8)]
    )
    out = seq(padded)
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    assert x._keras_mask is not None and x._keras_mask.shape == (None, None)
    model = keras.Model(inputs, layers.LSTM(8)(x))
    model.set_weights(seq.get_weights())
    np.testing.assert_allclose(model(padded), out, atol=1e-6)
    np.testing.assert_allclose(model.predict(padded, verbose=0), out, atol=1e-6)
    # Each row as if it were alone and unpadded.
    for i, row in enumerate(RAW):
        np.testing.assert_allclose(model.predict(np.array([row]), verbose=0)[0], out[i], atol=1e-5)


def test_explicit_mask_in_a_subclassed_layer():
    class MyLayer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
            self.lstm = layers.LSTM(8)

        def call(self, inputs):
            x = self.embedding(inputs)
            mask = self.embedding.compute_mask(inputs)
            return self.lstm(x, mask=mask)

    x = (np.random.default_rng(0).random((32, 10)) * 100).astype("int32")
    x[:, 6:] = 0
    layer = MyLayer()
    out = layer(x)
    np.testing.assert_allclose(layer(x[:, :6]), out, atol=1e-6)


def test_custom_mask_generating_layers():
    class TemporalSplit(layers.Layer):
        def call(self, inputs):
            return ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            if mask is None:
                return None
            return ops.split(mask, 2, axis=1)

    padded = _padded()
    embedded = layers.Masking()(ops.cast(ops.expand_dims(padded, -1), "float32"))
    first_half, second_half = TemporalSplit()(embedded)
    np.testing.assert_array_equal(first_half._keras_mask, (padded != 0)[:, :3])
    np.testing.assert_array_equal(second_half._keras_mask, (padded != 0)[:, 3:])

    class CustomEmbedding(layers.Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
            super().__init__(**kwargs)
            self.input_dim, self.output_dim, self.mask_zero = input_dim, output_dim, mask_zero

        def build(self, input_shape):
            self.embeddings = self.add_weight(
                shape=(self.input_dim, self.output_dim), initializer="random_normal"
            )

        def call(self, inputs):
            return ops.take(self.embeddings, ops.cast(inputs, "int32"), axis=0)

        def compute_mask(self, inputs, mask=None):
            if not self.mask_zero:
                return None
            return ops.not_equal(inputs, 0)

    x = (np.random.default_rng(1).random((3, 10)) * 9).astype("int32")
    layer = CustomEmbedding(10, 32, mask_zero=True)
    y = layer(x)
    np.testing.assert_array_equal(y._keras_mask, x != 0)
    np.testing.assert_array_equal(layer.compute_mask(x), x != 0)


def test_mask_passing_and_mask_consuming_layers():
    class MyActivation(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return ops.relu(inputs)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    x = MyActivation()(x)
    assert x._keras_mask is not None
    model = keras.Model(inputs, layers.LSTM(8)(x))
    assert model(np.random.default_rng(0).integers(0, 5000, size=(4, 12))).shape == (4, 8)

    class TemporalSoftmax(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            assert mask is not None
            broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
            inputs_exp = ops.exp(inputs) * broadcast_float_mask
            inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=1, keepdims=True)
            return inputs_exp / inputs_sum

    # The guide uses shape=(None,); pykeras's expand_dims (a reshape) needs
    # all but one size known when the model is defined.
    inputs = keras.Input(shape=(20,), dtype="int32")
    x = layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
    x = layers.Dense(1)(x)
    model = keras.Model(inputs, TemporalSoftmax()(x))
    ids = np.random.default_rng(0).integers(0, 10, size=(8, 20))
    y = np.asarray(model(ids))[..., 0]
    assert np.all(y[ids == 0] == 0)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-5)
    # The mask does not become a layer of the model.
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "Embedding", "Dense", "TemporalSoftmax"
    ]  # fmt: skip


def test_bidirectional_and_time_distributed_take_the_mask():
    padded = _padded()
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(5000, 4, mask_zero=True)(inputs)
    x = layers.TimeDistributed(layers.Dense(3))(x)
    x = layers.Bidirectional(layers.GRU(2, return_sequences=True))(x)
    assert x._keras_mask is not None
    model = keras.Model(inputs, layers.GRU(2)(x))
    out = model.predict(padded, verbose=0)
    for i, row in enumerate(RAW):
        np.testing.assert_allclose(model.predict(np.array([row]), verbose=0)[0], out[i], atol=1e-5)
