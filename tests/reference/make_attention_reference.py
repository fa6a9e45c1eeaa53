"""Records what Keras 3's attention layers and EinsumDense compute.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_attention_reference.py

Each case builds one layer (MultiHeadAttention, GroupedQueryAttention,
Attention, AdditiveAttention, EinsumDense) from its config, sets every weight
to values rounded to 1/64, calls it on inputs rounded to 1/64, and records the
weights (with their paths), the outputs (and attention scores), and the
gradients of `sum(output * c1) + sum(scores * c2)` with respect to the
trainable weights and the float inputs, computed by `jax.grad` through
`stateless_call`. Cases Keras refuses record the exception's type.
tests/python/test_layers_attention*.py and test_layers_einsum_dense.py replay
every case from tests/reference/data/attention.json alone.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "attention.json"


def rounded(seed, shape, low=-1.0, high=1.0):
    values = np.random.default_rng(seed).uniform(low, high, shape)
    return (np.round(values * 64) / 64).astype(np.float32)


def arr(a):
    a = np.asarray(a)
    return {"array": a.tolist(), "dtype": str(a.dtype)}


def bool_mask(seed, shape, p=0.7):
    return np.random.default_rng(seed).uniform(size=shape) < p


def case(name, layer, config, args, kwargs=None, call_style="args"):
    return {
        "name": name,
        "layer": layer,
        "config": config,
        "args": args,
        "kwargs": kwargs or {},
        "call_style": call_style,
    }


def cases():
    out = []
    x258 = rounded(1, (2, 5, 8))
    out.append(case("mha_self", "MultiHeadAttention", {"num_heads": 2, "key_dim": 4},
                    [x258, x258]))  # fmt: skip
    out.append(case(
        "mha_cross_key_value_dims", "MultiHeadAttention",
        {"num_heads": 2, "key_dim": 4, "value_dim": 3, "output_shape": 5},
        [rounded(2, (2, 4, 6)), rounded(3, (2, 3, 5))],
        # Keras's fast path (JAX's dot_product_attention) fails for value_dim !=
        # key_dim, so the scores are asked for: the einsum path.
        {"key": rounded(4, (2, 3, 7)), "return_attention_scores": True},
    ))  # fmt: skip
    am = bool_mask(5, (2, 4, 3))
    am[0, 1, :] = False  # a fully masked row
    out.append(case("mha_attention_mask", "MultiHeadAttention", {"num_heads": 2, "key_dim": 3},
                    [rounded(6, (2, 4, 8)), rounded(7, (2, 3, 8))],
                    {"attention_mask": am}))  # fmt: skip
    out.append(case("mha_causal", "MultiHeadAttention", {"num_heads": 2, "key_dim": 4},
                    [x258, x258], {"use_causal_mask": True}))  # fmt: skip
    out.append(case("mha_causal_and_mask_scores", "MultiHeadAttention",
                    {"num_heads": 2, "key_dim": 4}, [x258, x258],
                    {"use_causal_mask": True, "attention_mask": bool_mask(8, (2, 5, 5)),
                     "return_attention_scores": True}))  # fmt: skip
    vm = bool_mask(9, (2, 3))
    vm[:, 0] = True
    out.append(case("mha_value_mask_scores", "MultiHeadAttention",
                    {"num_heads": 3, "key_dim": 2},
                    [rounded(10, (2, 4, 6)), rounded(11, (2, 3, 6))],
                    {"value_mask": vm, "return_attention_scores": True}))  # fmt: skip
    out.append(case("mha_attention_axes_rank4", "MultiHeadAttention",
                    {"num_heads": 2, "key_dim": 3, "attention_axes": [2]},
                    [rounded(12, (2, 3, 4, 5)), rounded(13, (2, 3, 4, 5))],
                    {"return_attention_scores": True}))  # fmt: skip
    out.append(case("mha_attention_axes_two", "MultiHeadAttention",
                    {"num_heads": 2, "key_dim": 2, "attention_axes": [1, 2]},
                    [rounded(14, (2, 3, 2, 4)), rounded(15, (2, 3, 2, 4))]))  # fmt: skip
    out.append(case("mha_no_bias_dropout_inference", "MultiHeadAttention",
                    {"num_heads": 2, "key_dim": 4, "use_bias": False, "dropout": 0.3},
                    [x258, x258], {"training": False}))  # fmt: skip
    out.append(case("mha_output_shape_tuple", "MultiHeadAttention",
                    {"num_heads": 2, "key_dim": 4, "output_shape": [2, 3]},
                    [x258, rounded(16, (2, 3, 8))]))  # fmt: skip
    out.append(case("mha_sliding_window_causal", "MultiHeadAttention",
                    {"num_heads": 2, "key_dim": 4, "sliding_window": 2},
                    [x258, x258], {"use_causal_mask": True}))  # fmt: skip
    out.append(case("mha_gate", "MultiHeadAttention",
                    {"num_heads": 2, "key_dim": 4, "use_gate": True},
                    [x258, x258]))  # fmt: skip
    out.append(case("gqa_cross_mask", "GroupQueryAttention",
                    {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2},
                    [rounded(17, (2, 4, 8)), rounded(18, (2, 3, 8))],
                    {"attention_mask": bool_mask(19, (2, 4, 3), 0.8)}))  # fmt: skip
    out.append(case("gqa_causal_scores", "GroupQueryAttention",
                    {"head_dim": 3, "num_query_heads": 2, "num_key_value_heads": 1},
                    [x258, x258],
                    {"use_causal_mask": True, "return_attention_scores": True}))  # fmt: skip
    qm = bool_mask(20, (2, 3))
    vm2 = bool_mask(21, (2, 5))
    vm2[:, 0] = True
    q34, v54 = rounded(22, (2, 3, 4)), rounded(23, (2, 5, 4))
    out.append(case("attention_dot_masks_scores", "Attention", {"use_scale": True},
                    [[q34, v54]], {"mask": [qm, vm2], "return_attention_scores": True},
                    "list"))  # fmt: skip
    out.append(case("attention_concat_causal_key", "Attention",
                    {"use_scale": True, "score_mode": "concat"},
                    [[q34, rounded(24, (2, 3, 4)), rounded(25, (2, 3, 4))]],
                    {"use_causal_mask": True, "return_attention_scores": True},
                    "list"))  # fmt: skip
    out.append(case("additive_attention_mask", "AdditiveAttention", {},
                    [[q34, v54]], {"mask": [None, vm2]}, "list"))  # fmt: skip
    for i, (eq, oshape, bias, shape, extra) in enumerate(
        [
            ("ab,bc->ac", 6, "c", (3, 4), {}),
            ("abc,cde->abde", [None, 2, 3], "de", (2, 5, 4), {}),
            ("...b,bc->...c", 4, "c", (2, 3, 2, 5), {}),
            ("ab...,bc->ac...", 4, "c", (2, 3, 5), {}),
            ("abc,cd->abd", [None, 3], None, (2, 4, 5), {"activation": "relu"}),
            ("abcd,cde->abe", [3, 6], "e", (2, 3, 4, 5), {}),
            ("abc,dc->abd", [None, 3], "d", (2, 4, 5), {}),
            ("abc,cde->abe", [4, 2], "b", (2, 4, 3), {}),
        ]
    ):
        config = {"equation": eq, "output_shape": oshape, "bias_axes": bias, **extra}
        out.append(case(f"einsum_dense_{i}", "EinsumDense", config,
                        [rounded(30 + i, shape)]))  # fmt: skip
    for i, (eq, oshape, bias, shape) in enumerate(
        [
            ("ab,bc", 4, None, (2, 3)),
            ("ab,bd->ac", 4, None, (2, 3)),
            ("ab,bc->ac", 4, "e", (2, 3)),
            ("abc,cd->abd", [5, 4], None, (2, 3, 2)),
        ]
    ):
        config = {"equation": eq, "output_shape": oshape, "bias_axes": bias}
        out.append(case(f"einsum_dense_bad_{i}", "EinsumDense", config,
                        [rounded(40 + i, shape)]))  # fmt: skip
    out.extend(normalization_and_activation_cases())
    return out


def normalization_and_activation_cases():
    """The normalization and activation layers of issue 17."""
    x4 = rounded(50, (2, 3, 4, 6))
    x3 = rounded(51, (2, 5, 6), -3.0, 3.0)
    mask = bool_mask(52, (2, 5, 6))
    specs = [
        ("ln_last", "LayerNormalization", {}, x3, {}),
        ("ln_axes_12", "LayerNormalization", {"axis": [1, 2], "epsilon": 1e-5}, x3, {}),
        ("ln_axis_1_rank4", "LayerNormalization", {"axis": 1}, x4, {}),
        ("ln_no_center_scale", "LayerNormalization", {"center": False, "scale": False}, x3, {}),
        ("ln_rms_scaling", "LayerNormalization", {"rms_scaling": True, "axis": [-2, -1]}, x3, {}),
        ("gn_groups2", "GroupNormalization", {"groups": 2}, x4, {}),
        ("gn_axis1", "GroupNormalization", {"groups": 3, "axis": 1}, x4, {}),
        ("gn_instance", "GroupNormalization", {"groups": -1, "epsilon": 1e-5}, x3, {}),
        ("un_last", "UnitNormalization", {}, x3, {}),
        ("un_axes", "UnitNormalization", {"axis": [1, 2]}, x4, {}),
        ("rms_last", "RMSNormalization", {}, x3, {}),
        ("rms_axes", "RMSNormalization", {"axis": [2, 3], "epsilon": 1e-3}, x4, {}),
        ("softmax_axis1", "Softmax", {"axis": 1}, x3, {}),
        ("softmax_axes_mask", "Softmax", {"axis": [1, 2]}, x3, {"mask": mask}),
        ("softmax_mask", "Softmax", {}, x3, {"mask": mask[:, :1, :]}),
        (
            "relu_options",
            "ReLU",
            {"max_value": 2.0, "negative_slope": 0.1, "threshold": 0.5},
            x3,
            {},
        ),
        ("relu_plain", "ReLU", {}, x3, {}),
        ("leaky_relu", "LeakyReLU", {"negative_slope": 0.2}, x3, {}),
        ("elu", "ELU", {"alpha": 0.7}, x3, {}),
        ("prelu", "PReLU", {}, x3, {}),
        ("prelu_shared", "PReLU", {"shared_axes": [1, 2]}, x4, {}),
    ]
    return [case(f"layer_{n}", cls, cfg, [x], kw) for n, cls, cfg, x, kw in specs]


def activation_records():
    """Each keras.activations function on values in [-4, 4], with the gradient
    of sum(f(x) * c)."""
    x = rounded(60, (3, 8), -4.0, 4.0)
    cot = rounded(61, (3, 8))
    specs = [
        ("gelu", {}), ("gelu", {"approximate": True}), ("silu", {}), ("swish", {}),
        ("mish", {}), ("relu6", {}), ("hard_sigmoid", {}), ("hard_silu", {}),
        ("hard_swish", {}), ("selu", {}), ("softplus", {}), ("softsign", {}),
        ("log_softmax", {}), ("log_softmax", {"axis": 0}), ("glu", {}), ("celu", {}),
        ("celu", {"alpha": 0.5}), ("sparsemax", {}), ("elu", {"alpha": 0.5}),
        ("relu", {"negative_slope": 0.1, "max_value": 3.0, "threshold": 0.25}),
        ("leaky_relu", {}), ("softmax", {}), ("sigmoid", {}), ("tanh", {}),
        ("exponential", {}), ("hard_tanh", {}), ("hard_shrink", {}), ("soft_shrink", {}),
        ("tanh_shrink", {}), ("log_sigmoid", {}), ("sparse_plus", {}), ("sparse_sigmoid", {}),
        ("squareplus", {"b": 2}), ("threshold", {"threshold": 0.5, "default_value": -1.0}),
    ]  # fmt: skip
    records = []
    for name, kwargs in specs:
        fn = getattr(keras.activations, name)
        out = np.asarray(fn(x, **kwargs))
        cot_ = cot[:, :4] if name == "glu" else cot

        def loss(v, fn=fn, kwargs=kwargs, cot_=cot_):
            return jnp.sum(fn(v, **kwargs) * cot_)

        grad = jax.grad(loss)(jnp.asarray(x))
        records.append({
            "name": name, "kwargs": kwargs, "x": arr(x), "cotangent": arr(cot_),
            "output": arr(out), "grad": arr(np.asarray(grad)),
            "serialized": keras.activations.serialize(fn),
        })  # fmt: skip
    return records


def layer_class(name):
    return getattr(keras.layers, name)


def run(c):
    record = dict(c)
    record["args"] = [[arr(a) for a in x] if isinstance(x, list) else arr(x) for x in c["args"]]
    record["kwargs"] = {
        k: ([None if m is None else arr(m) for m in v] if isinstance(v, list) else
            arr(v) if isinstance(v, np.ndarray) else v)
        for k, v in c["kwargs"].items()
    }  # fmt: skip
    try:
        layer = layer_class(c["layer"])(**c["config"])
        args, kwargs = c["args"], dict(c["kwargs"])
        layer(*args, **kwargs)
    except ValueError as e:
        record["error"] = type(e).__name__
        record["message"] = str(e)
        return record
    for i, w in enumerate(layer.weights):
        w.assign(rounded(100 + i, w.shape, -0.5, 0.5))
    record["weights"] = [arr(np.asarray(w)) for w in layer.weights]
    record["weight_paths"] = [w.path for w in layer.weights]
    outputs = layer(*args, **kwargs)
    outputs = list(outputs) if isinstance(outputs, tuple) else [outputs]
    record["outputs"] = [arr(np.asarray(o)) for o in outputs]
    cots = [rounded(200 + i, np.shape(o)) for i, o in enumerate(outputs)]
    record["cotangents"] = [arr(c_) for c_ in cots]

    # Gradients through stateless_call, with respect to weights and float inputs.
    flat_args = args[0] if c["call_style"] == "list" else args
    ntv = [v.value for v in layer.non_trainable_variables]

    def loss(tv, inputs):
        call_args = [list(inputs)] if c["call_style"] == "list" else list(inputs)
        out, _ = layer.stateless_call(tv, ntv, *call_args, **kwargs)
        out = list(out) if isinstance(out, tuple) else [out]
        return sum(jnp.sum(o * cot) for o, cot in zip(out, cots))

    tv = [v.value for v in layer.trainable_variables]
    g_w, g_in = jax.grad(loss, argnums=(0, 1))(tv, [jnp.asarray(a) for a in flat_args])
    record["grad_weights"] = [arr(np.asarray(g)) for g in g_w]
    record["grad_inputs"] = [arr(np.asarray(g)) for g in g_in]
    if c["layer"] == "MultiHeadAttention" or c["layer"] == "GroupQueryAttention":
        record["build_config"] = layer.get_build_config()
    record["keras_config"] = json.loads(json.dumps(layer.get_config(), default=str))
    return record


def main():
    keras.utils.set_random_seed(0)
    records = [run(c) for c in cases()]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    data = {"keras": keras.__version__, "cases": records, "activations": activation_records()}
    OUT.write_text(json.dumps(data, indent=None))
    print(f"wrote {len(records)} cases to {OUT}")


if __name__ == "__main__":
    main()


def saved_models():
    """Keras 3 .keras files of a model of the new layers and of the keras-io
    text classifier (small sizes), with inputs and Keras's predictions."""
    import sys

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    import transformer_models as tm

    saving = OUT.parent.parent / "saving"
    records = {}
    keras.utils.set_random_seed(1)
    model = tm.attention_layers_model(keras)
    for i, w in enumerate(model.weights):
        w.assign(rounded(300 + i, w.shape, -0.5, 0.5) + (1.0 if "gamma" in w.path else 0.0))
    tokens = np.random.default_rng(7).integers(0, 50, (3, 6)).astype("int32")
    other = rounded(8, (3, 4, 8))
    model.save(saving / "keras_attention_layers.keras")
    records["keras_attention_layers"] = {
        "inputs": [arr(tokens), arr(other)],
        "outputs": arr(np.asarray(model.predict([tokens, other], verbose=0))),
    }
    tokens = layers_input = keras.layers.Input((6,), dtype="int32")
    x = keras.layers.Embedding(30, 8, mask_zero=True)(layers_input)
    x = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    model = keras.Model(tokens, x)
    for i, w in enumerate(model.weights):
        w.assign(rounded(400 + i, w.shape, -0.5, 0.5))
    ids = np.random.default_rng(10).integers(1, 30, (3, 6)).astype("int32")
    ids[0, 4:] = 0
    ids[1, 1:] = 0
    model.save(saving / "keras_masked_mha.keras")
    records["keras_masked_mha"] = {
        "inputs": [arr(ids)],
        "outputs": arr(np.asarray(model.predict(ids, verbose=0))),
    }
    model = tm.text_classifier(keras, maxlen=12, vocab_size=40, embed_dim=8, num_heads=2, ff_dim=8)
    x = np.random.default_rng(9).integers(0, 40, (16, 12)).astype("int32")
    y = (x[:, 0] % 2).astype("int32")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    model.save(saving / "keras_text_classifier.keras")
    records["keras_text_classifier"] = {
        "inputs": [arr(x)],
        "outputs": arr(np.asarray(model.predict(x, verbose=0))),
    }
    return records


if __name__ == "__main__" and os.environ.get("ATTENTION_SAVED_MODELS", "1") == "1":
    data = json.loads(OUT.read_text())
    data["saved_models"] = saved_models()
    OUT.write_text(json.dumps(data))
    print("wrote the saved models")
