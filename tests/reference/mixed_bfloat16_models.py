"""The models of the mixed_bfloat16 fixture, built from either `keras` or
`pykeras` (passed in), so the generator and the test build the same layers:
the seeds' MLP and a small CNN under the global policy, a model mixing
embeddings, attention and EinsumDense, and one layer with its own policy."""


def mlp(keras):
    return keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def cnn(keras):
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(8, 3, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(16),
            keras.layers.Activation("softmax", dtype="float32"),
        ]
    )


def mixed_bag(keras):
    tokens = keras.Input((6,), dtype="int32")
    e = keras.layers.Embedding(20, 8)(tokens)
    a = keras.layers.MultiHeadAttention(2, 4)(e, e)
    n = keras.layers.LayerNormalization()(a)
    d = keras.layers.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d")(n)
    return keras.Model(tokens, keras.layers.GlobalAveragePooling1D()(d))


def one_mixed_layer(keras):
    inp = keras.Input((5,))
    h = keras.layers.Dense(4, dtype="mixed_bfloat16")(inp)
    return keras.Model(inp, keras.layers.Dense(3)(h))


BUILDERS = {
    "mlp": mlp,
    "cnn": cnn,
    "mixed_bag": mixed_bag,
    "one_mixed_layer": one_mixed_layer,
}
