"""Small deterministic models of the sequence and attention layers, written
with pykeras and read by Keras 3 (issues 16 point 5 and 17 point 4).

Every function takes the library as `keras` (pykeras or Keras 3), so
make_interchange_reference.py builds the models with pykeras and rebuilds
them with Keras to read `.weights.h5` files, and
tests/python/test_interchange_to_keras.py rebuilds them with current pykeras
to check that what pykeras writes has not changed. Every layer is named so
that names do not depend on what was built before in the same process.
"""

import numpy as np

PACKAGE = "interchange"
_DEFINED = {}


def define(keras):
    """The keras-io text classifier's custom layers, registered as
    `interchange>TokenAndPositionEmbedding` / `interchange>TransformerBlock`
    (their configs come from Keras 3's automatic `get_config`)."""
    if keras.__name__ in _DEFINED:
        return _DEFINED[keras.__name__]
    layers, ops = keras.layers, keras.ops
    register = keras.saving.register_keras_serializable(package=PACKAGE)

    @register
    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
            super().__init__(**kwargs)
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = keras.Sequential(
                [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)]
            )
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

        def call(self, inputs):
            attn_output = self.att(inputs, inputs)
            attn_output = self.dropout1(attn_output)
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.ffn(out1)
            ffn_output = self.dropout2(ffn_output)
            return self.layernorm2(out1 + ffn_output)

    @register
    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            maxlen = ops.shape(x)[-1]
            positions = ops.arange(start=0, stop=maxlen, step=1)
            positions = self.pos_emb(positions)
            x = self.token_emb(x)
            return x + positions

    _DEFINED[keras.__name__] = (TokenAndPositionEmbedding, TransformerBlock)
    return _DEFINED[keras.__name__]


def recurrent_sequential(keras):
    """Sequential: SimpleRNN, LSTM, GRU both ways, TimeDistributed."""
    L = keras.layers
    return keras.Sequential(
        [
            keras.Input((5, 3), name="series"),
            L.SimpleRNN(4, return_sequences=True, name="simple_rnn"),
            L.LSTM(4, return_sequences=True, go_backwards=True, name="lstm"),
            L.GRU(3, return_sequences=True, name="gru_after"),
            L.GRU(3, reset_after=False, return_sequences=True, name="gru_before"),
            L.TimeDistributed(L.Dense(2, activation="tanh", name="dense"), name="time_dist"),
            L.LSTM(2, name="lstm_last"),
        ],
        name="recurrent_sequential",
    )


def bidirectional_masked(keras):
    """Functional: Embedding(mask_zero) into Bidirectional in every merge mode,
    and Masking into an LSTM returning its states."""
    L = keras.layers
    ids = keras.Input((6,), dtype="int32", name="ids")
    feats = keras.Input((6, 3), name="feats")
    x = L.Embedding(20, 4, mask_zero=True, name="embed")(ids)
    x = L.Bidirectional(L.LSTM(3, return_sequences=True, name="bl"), name="bi_concat")(x)
    x = L.Bidirectional(
        L.GRU(3, return_sequences=True, name="bg"), merge_mode="sum", name="bi_sum"
    )(x)
    x = L.Bidirectional(
        L.SimpleRNN(2, return_sequences=True, name="bs"), merge_mode="mul", name="bi_mul"
    )(x)
    x = L.Bidirectional(
        L.GRU(2, reset_after=False, return_sequences=True, name="bgb"),
        merge_mode="ave",
        name="bi_ave",
    )(x)
    fwd, bwd = L.Bidirectional(L.LSTM(2, name="bn"), merge_mode=None, name="bi_none")(x)
    m = L.Masking(mask_value=0.0, name="masking")(feats)
    seq, h, c = L.LSTM(2, return_sequences=True, return_state=True, name="lstm_state")(m)
    y = L.Concatenate(name="concat")([fwd, bwd, h, c])
    return keras.Model([ids, feats], [y, seq], name="bidirectional_masked")


def conv_lstm(keras):
    """Sequential: two ConvLSTM2D layers."""
    L = keras.layers
    return keras.Sequential(
        [
            keras.Input((3, 5, 5, 2), name="frames"),
            L.ConvLSTM2D(2, 3, padding="same", return_sequences=True, name="conv_lstm_a"),
            L.ConvLSTM2D(2, 2, strides=2, name="conv_lstm_b"),
        ],
        name="conv_lstm",
    )


def attention(keras):
    """Functional: MultiHeadAttention with an attention mask and causal, with
    implicit masks, GroupQueryAttention, Attention, AdditiveAttention,
    EinsumDense and Layer/Group/Unit/RMS normalization."""
    L = keras.layers
    tokens = keras.Input((6,), dtype="int32", name="tokens")
    other = keras.Input((4, 8), name="other")
    allowed = keras.Input((6, 4), dtype="bool", name="allowed")
    x = L.Embedding(30, 8, mask_zero=True, name="embed")(tokens)
    a = L.MultiHeadAttention(num_heads=2, key_dim=4, name="self_att")(x, x, use_causal_mask=True)
    x = L.LayerNormalization(epsilon=1e-5, name="ln")(L.Add(name="add")([x, a]))
    x = L.MultiHeadAttention(num_heads=2, key_dim=3, name="cross_att")(
        x, other, attention_mask=allowed
    )
    x = L.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, name="gqa")(
        x, other
    )
    x = L.EinsumDense("abc,cd->abd", output_shape=(6, 8), bias_axes="d", name="einsum")(x)
    x = L.GroupNormalization(groups=4, name="group_norm")(x)
    x = L.Attention(use_scale=True, name="dot_att")([x, other])
    x = L.AdditiveAttention(name="add_att")([x, other])
    x = L.RMSNormalization(name="rms_norm")(x)
    x = L.UnitNormalization(name="unit_norm")(x)
    x = L.LayerNormalization(axis=[1, 2], rms_scaling=True, name="ln_rms")(x)
    return keras.Model([tokens, other, allowed], x, name="attention")


def transformer(keras):
    """The keras-io text classifier, tiny, with its custom layers."""
    L = keras.layers
    TokenAndPositionEmbedding, TransformerBlock = define(keras)
    inputs = keras.Input((8,), name="words")
    x = TokenAndPositionEmbedding(8, 24, 8, name="tok_pos")(inputs)
    x = TransformerBlock(8, 2, 8, name="block")(x)
    x = L.GlobalAveragePooling1D(name="pool")(x)
    x = L.Dense(4, activation="relu", name="hidden")(x)
    outputs = L.Dense(2, activation="softmax", name="probs")(x)
    model = keras.Model(inputs, outputs, name="transformer")
    # Named: an optimizer's default name counts the optimizers made before it.
    model.compile(
        optimizer=keras.optimizers.Adam(name="adam"),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def train_one_step(model, name):
    """One `fit` step on fixed data for a compiled model, so that its file holds
    the optimizer's slots (a model never trained has only two optimizer variables)."""
    if not getattr(model, "compiled", False) and getattr(model, "optimizer", None) is None:
        return
    x = inputs(name)[0]
    y = (np.arange(len(x)) % 2).astype("int32")
    model.fit(x, y, epochs=1, batch_size=len(x), shuffle=False, verbose=0)


BUILDERS = {
    "recurrent_sequential": recurrent_sequential,
    "bidirectional_masked": bidirectional_masked,
    "conv_lstm": conv_lstm,
    "attention": attention,
    "transformer": transformer,
}


def rounded(seed, shape, low=-0.5, high=0.5):
    """Values on a 1/64 grid, exact in float32."""
    values = np.random.default_rng(seed).uniform(low, high, shape)
    return (np.round(values * 64) / 64).astype(np.float32)


def set_weights(model):
    """Deterministic nonzero weights (biases too, so a wrong layout shows);
    scales near 1 for normalization layers."""
    for i, w in enumerate(model.trainable_weights):
        values = rounded(1000 + i, tuple(w.shape))
        if w.name in ("gamma", "scale"):
            values = values + 1.0
        w.assign(values)


def inputs(name):
    """The fixed inputs of model `name`, in the order of the model's inputs."""
    rng = np.random.default_rng(sorted(BUILDERS).index(name))
    if name == "recurrent_sequential":
        return [rounded(1, (4, 5, 3), -1.0, 1.0)]
    if name == "bidirectional_masked":
        ids = rng.integers(1, 20, (4, 6)).astype("int32")
        ids[0, 4:] = 0
        ids[2, 2:] = 0
        feats = rounded(2, (4, 6, 3), -1.0, 1.0)
        feats[1, 3:] = 0.0
        feats[3, 5:] = 0.0
        return [ids, feats]
    if name == "conv_lstm":
        return [rounded(3, (2, 3, 5, 5, 2), -1.0, 1.0)]
    if name == "attention":
        ids = rng.integers(1, 30, (3, 6)).astype("int32")
        ids[0, 3:] = 0
        allowed = rng.uniform(size=(3, 6, 4)) < 0.7
        allowed[..., 0] = True
        return [ids, rounded(4, (3, 4, 8), -1.0, 1.0), allowed]
    if name == "transformer":
        return [rng.integers(0, 24, (4, 8)).astype("float32")]
    raise KeyError(name)
