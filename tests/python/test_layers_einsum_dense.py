"""EinsumDense against Keras 3 (outputs and gradients on the same weights,
equations Keras refuses), the shared layer contract, and numpy."""

import numpy as np
import pytest
from attention_check import CASES, call_args, check_case, make_layer
from hypothesis import given, settings
from hypothesis import strategies as st
from layer_test import run_layer_test

from pykeras import layers

GOOD = sorted(n for n in CASES if n.startswith("einsum_dense") and "error" not in CASES[n])
BAD = sorted(n for n in CASES if n.startswith("einsum_dense") and "error" in CASES[n])


@pytest.mark.parametrize("name", GOOD)
def test_matches_keras(name):
    layer = check_case(CASES[name])
    assert [w.name for w in layer.weights] == [
        p.split("/")[-1] for p in CASES[name]["weight_paths"]
    ]


@pytest.mark.parametrize("name", BAD)
def test_refuses_what_keras_refuses(name):
    case = CASES[name]
    args, kwargs = call_args(case)
    layer = make_layer(case)
    with pytest.raises(ValueError) as info:
        layer(*args, **kwargs)
    assert f"'{layer.name}'" in str(info.value)


@pytest.mark.parametrize(
    "equation, output_shape, bias_axes, input_shape",
    [
        ("ab,bc->ac", 4, "c", (3, 5)),
        ("abc,cde->abde", (None, 2, 3), "de", (2, 4, 5)),
        ("...b,bc->...c", 3, "c", (2, 3, 4)),
        ("ab...,bc->ac...", 3, "c", (2, 4, 5)),
    ],
)
def test_layer_contract(equation, output_shape, bias_axes, input_shape):
    def reference(x, w):
        out = np.einsum(equation, x, w[0])
        return out + w[1] if bias_axes else out

    run_layer_test(
        layers.EinsumDense,
        {"equation": equation, "output_shape": output_shape, "bias_axes": bias_axes},
        input_shape,
        reference=reference,
    )


@settings(max_examples=20, deadline=None)
@given(
    batch=st.integers(1, 3),
    seq=st.integers(1, 4),
    features=st.integers(1, 5),
    heads=st.integers(1, 3),
    depth=st.integers(1, 4),
)
def test_projection_against_numpy(batch, seq, features, heads, depth):
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, heads, depth), bias_axes="de")
    x = np.random.default_rng(batch * 7 + seq).standard_normal((batch, seq, features))
    out = np.asarray(layer(x.astype(np.float32)))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, np.einsum("abc,cde->abde", x, kernel) + bias, atol=1e-5)


def test_variance_scaling_counts_fans_over_equation_axes():
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 8, 64),
                               kernel_initializer="glorot_uniform")  # fmt: skip
    layer.build((None, 10, 256))
    kernel = layer.get_weights()[0]
    # Keras: fan_in = 256, fan_out = 8 * 64, limit sqrt(6 / (256 + 512)).
    limit = np.sqrt(6.0 / (256 + 512))
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.9 * limit


def test_lora_and_quantization_are_refused():
    with pytest.raises(ValueError, match="lora_rank"):
        layers.EinsumDense("ab,bc->ac", 4, lora_rank=2)
