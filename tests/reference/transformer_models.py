"""The keras-io text classifier's custom layers, as the example writes them
(no get_config: Keras 3's automatic config saves their arguments). Shared by
make_attention_reference.py (Keras 3) and the pykeras tests: `keras` and
`layers`, `ops` are whichever library the caller passes in."""


def define(keras):
    """(TokenAndPositionEmbedding, TransformerBlock) classes for `keras`."""
    layers, ops = keras.layers, keras.ops

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

    return TokenAndPositionEmbedding, TransformerBlock


def text_classifier(keras, maxlen=200, vocab_size=20000, embed_dim=32, num_heads=2, ff_dim=32):
    """The keras-io "Text classification with Transformer" model."""
    layers = keras.layers
    TokenAndPositionEmbedding, TransformerBlock = define(keras)
    inputs = layers.Input(shape=(maxlen,))
    x = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)(inputs)
    x = TransformerBlock(embed_dim, num_heads, ff_dim)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def attention_layers_model(keras):
    """A Functional model of built-in layers only: attention, EinsumDense and
    the normalization and activation layers of issue 17."""
    layers = keras.layers
    tokens = layers.Input(shape=(6,), dtype="int32", name="tokens")
    other = layers.Input(shape=(4, 8), name="other")
    x = layers.Embedding(50, 8)(tokens)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="self_att")(
        x, x, use_causal_mask=True
    )
    x = layers.LayerNormalization(epsilon=1e-5)(layers.Add()([x, a]))
    x = layers.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)(x, other)
    x = layers.EinsumDense("abc,cd->abd", output_shape=(None, 8), bias_axes="d")(x)
    # Keras's EinsumDense leaves the shared length unknown; later weights need it.
    x = layers.Reshape((6, 8))(x)
    x = layers.GroupNormalization(groups=4)(x)
    x = layers.Attention(use_scale=True)([x, other])
    x = layers.AdditiveAttention()([x, other])
    x = layers.RMSNormalization()(x)
    x = layers.UnitNormalization()(x)
    x = layers.PReLU(alpha_initializer="ones")(x)
    x = layers.LayerNormalization(axis=[1, 2], rms_scaling=False)(x)
    x = layers.Softmax(axis=[1, 2])(x)
    return keras.Model([tokens, other], x)
