"""The mixed_bfloat16 policy: the bf16 GEMM against NumPy, the policy against Keras 3.

Keras's behaviour is recorded by tests/reference/make_mixed_bfloat16_reference.py
(data/mixed_bfloat16.json). The GEMM is checked on every ISA path this CPU can
run (`keras.config.set_isa`): the avx512 path takes the AMX kernel where the
CPU has AMX, else the native AVX512-BF16 kernel where it has that, the lower
paths the emulated kernel.
"""

import json
import pathlib
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras import _core
from pykeras.dtype_policies import policy as policy_module
from pykeras.ops._dispatch import run

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "reference"))
import mixed_bfloat16_models as models  # noqa: E402

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
with open(DATA / "mixed_bfloat16.json", encoding="utf-8") as _f:
    REF = json.load(_f)

PATHS = keras.config.cpu_info()["available_isas"]
BF16 = {"precision": "bfloat16"}


@pytest.fixture(autouse=True)
def _restore():
    isa = keras.config.get_isa()
    yield
    keras.config.set_dtype_policy("float32")
    keras.config.set_isa(isa)


def round_bf16(x):
    """Round to nearest even to bfloat16 (as float32), denormals to signed zero."""
    bits = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint32) << 16
    nan = ((bits >> 16).astype(np.uint32) | 0x40) << 16
    zero = (bits & 0x80000000).astype(np.uint32)
    magnitude = bits & 0x7FFFFFFF
    out = np.where(magnitude > 0x7F800000, nan, np.where(magnitude < 0x00800000, zero, rounded))
    return out.astype(np.uint32).view(np.float32)


def _eager(a, b):
    """`matmul` with bf16 products, run eagerly."""
    return np.asarray(run("matmul", [a, b], precision="bfloat16"))


def check_product(a, b, c):
    """`c` is round(a) @ round(b) summed in float32: within float32 summation error."""
    ra, rb = round_bf16(a).astype(np.float64), round_bf16(b).astype(np.float64)
    exact = ra @ rb
    bound = np.abs(ra) @ np.abs(rb)
    k = a.shape[-1]
    np.testing.assert_array_less(np.abs(c - exact), 2 * k * 6e-8 * bound + 1e-30)


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(1, 80),
    k=st.integers(1, 900),
    n=st.integers(1, 80),
    transpose=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_gemm_matches_numpy_on_rounded_inputs_on_every_path(m, k, n, transpose, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(m, k)).astype(np.float32)
    b = rng.normal(size=(k, n)).astype(np.float32)
    if transpose:
        a = np.asarray(a.T.copy().T)  # a column-major operand: a strided view
    for path in PATHS:
        keras.config.set_isa(path)
        check_product(a, b, _eager(a, b))


def test_large_products_on_threads_match_numpy_and_every_path_agrees_bit_for_bit():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(300, 1000)).astype(np.float32)
    b = rng.normal(size=(1000, 260)).astype(np.float32)
    results, kernels = {}, {}
    for path in PATHS:
        keras.config.set_isa(path)
        results[path], kernels[path] = _eager(a, b), _core.bf16_path()
        check_product(a, b, results[path])
    # Native and emulated kernels round the same exact products the same way
    # (AMX tiles sum a row's 32 products more precisely: checked above only).
    vector = [path for path in PATHS if kernels[path] != "amx"]
    for path in vector:
        np.testing.assert_array_equal(results[path], results[vector[0]])


def test_rounding_is_round_to_nearest_even_exactly():
    # One-element products with 1.0 are exact: the result is round(a) itself.
    one = 1.0 + 0.0
    specials = np.array(
        [
            1.0,
            np.float32(1 + 2**-8),  # a tie: to even (1.0)
            np.float32(1 + 3 * 2**-8),  # a tie: to even (up)
            np.float32(1 + 2**-8 + 2**-20),  # above the tie: up
            np.finfo(np.float32).max,  # rounds to inf
            np.inf,
            -np.inf,
            1e-40,  # a denormal: zero, as vcvtne2ps2bf16
            -1e-40,
            -0.0,
            np.float32(1.17549435e-38),  # the smallest normal stays
        ],
        np.float32,
    )
    rng = np.random.default_rng(2)
    randoms = rng.integers(0, 2**32, 4000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    values = np.concatenate([specials, randoms[np.isfinite(randoms)]])
    for path in PATHS:
        keras.config.set_isa(path)
        c = _eager(values.reshape(-1, 1), np.array([[one]], np.float32)).ravel()
        want = round_bf16(values)
        finite = np.abs(want) >= 1.17549435e-38
        # vdpbf16ps flushes denormal results to zero; none arise from these inputs.
        np.testing.assert_array_equal(c[finite], want[finite], err_msg=path)
        assert np.isinf(c[4]) and c[5] == np.inf and c[6] == -np.inf
        assert c[7] == 0 and c[8] == 0
    nan = _eager(np.array([[np.nan]], np.float32), np.array([[1.0]], np.float32))
    assert np.isnan(nan).all()


def test_backward_products_are_bf16_too():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 40)).astype(np.float32)
    b = rng.normal(size=(40, 7)).astype(np.float32)
    g = rng.normal(size=(5, 7)).astype(np.float32)
    ga, gb = _core.op_grad("matmul", [a, b], g, BF16)
    check_product(g, b.T, ga)
    check_product(a.T, g, gb)
    # and not float32 ones: the rounding is visible.
    assert np.abs(ga - g @ b.T).max() > 1e-4


def test_unknown_precision_names_the_op():
    with pytest.raises(ValueError, match=r"matmul.*'precision' must be one of float32, bfloat16"):
        run("matmul", [np.ones((2, 2)), np.ones((2, 2))], precision="float16")


# ------------------------------------------------------------------ the policy


def test_policy_matches_keras():
    ref = REF["policy"]
    policy = keras.DTypePolicy("mixed_bfloat16")
    assert repr(policy) == ref["repr"]
    assert (policy.compute_dtype, policy.variable_dtype) == (
        ref["compute_dtype"],
        ref["variable_dtype"],
    )
    assert keras.dtype_policies.serialize(policy) == ref["serialize"]
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    assert repr(keras.mixed_precision.global_policy()) == ref["global_repr"]
    assert keras.dtype_policies.get(ref["serialize"]) == policy


@pytest.mark.parametrize(
    "name, build, policy",
    [
        ("mlp", models.mlp, "mixed_bfloat16"),
        ("cnn", models.cnn, "mixed_bfloat16"),
        ("mixed_bag", models.mixed_bag, "mixed_bfloat16"),
        ("one_mixed_layer", models.one_mixed_layer, "float32"),
    ],
)
def test_layer_dtypes_match_keras(name, build, policy):
    keras.mixed_precision.set_global_policy(policy)
    model = build(keras)
    ref = REF["models"][name]
    assert [type(layer).__name__ for layer in model.layers] == [
        r["class_name"] for r in ref["layers"]
    ]
    for layer, r in zip(model.layers, ref["layers"], strict=True):
        where = f"{name}/{r['class_name']}"
        assert layer.dtype_policy.name == r["policy"], where
        assert layer.compute_dtype == r["compute_dtype"], where
        assert layer.variable_dtype == r["variable_dtype"], where
        assert sorted({str(np.asarray(w).dtype) for w in layer.weights}) == r["weight_dtypes"]
        # Storage: pykeras keeps activations as float32 arrays where Keras's are
        # bfloat16 (documented in DTypePolicy and docs/mixed-precision.md).
        outs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
        stored = {"bfloat16": "float32"}
        assert [str(o.dtype) for o in outs] == [stored.get(d, d) for d in r["output_dtypes"]]


def test_dense_output_matches_keras_within_bf16_rounding():
    ref = REF["dense"]
    x, kernel, bias = (np.asarray(ref[k], np.float32) for k in ("x", "kernel", "bias"))
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    dense = keras.layers.Dense(7)
    dense.build((None, 33))
    dense.set_weights([kernel, bias])
    y = np.asarray(dense(x))
    assert y.dtype == np.float32 and dense.kernel.dtype == "float32"
    # Ours: bf16 products summed in float32, float32 bias, not rounded after.
    check_product(x, kernel, y - bias)
    # Keras's output is additionally rounded to bfloat16 (8 significant bits).
    np.testing.assert_allclose(y, ref["y"], rtol=2**-7, atol=2e-2)
    assert ref["y_dtype"] == "bfloat16"


def test_models_compute_their_products_in_bf16_in_fit_and_predict():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(8, use_bias=False)])
    model.compile(keras.optimizers.SGD(0.5), "mse")
    rng = np.random.default_rng(4)
    x = rng.normal(size=(16, 64)).astype(np.float32)
    t = rng.normal(size=(16, 8)).astype(np.float32)
    w = np.asarray(model.get_weights()[0])
    y = model.predict(x, verbose=0)
    check_product(x, w, y)
    assert np.abs(y - x @ w).max() > 1e-4  # bf16 rounding is visible
    # One SGD step: dW = round(x)^T @ round(dY), applied to float32 weights.
    model.fit(x, t, batch_size=16, epochs=1, shuffle=False, verbose=0)
    dy = (2.0 / t.size) * (y - t)
    expected = w - 0.5 * (round_bf16(x).T.astype(np.float64) @ round_bf16(dy))
    new = model.get_weights()[0]
    assert new.dtype == np.float32
    np.testing.assert_allclose(new, expected, rtol=1e-5, atol=1e-6)


def test_float32_layers_inside_a_mixed_model_compute_in_float32():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    inp = keras.Input((32,))
    out = keras.layers.Dense(6, dtype="float32", use_bias=False)(inp)
    model = keras.Model(inp, out)
    x = np.random.default_rng(5).normal(size=(4, 32)).astype(np.float32)
    w = model.get_weights()[0]
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ w, rtol=1e-5, atol=1e-6)


def test_mixed_models_save_and_load_with_their_policy(tmp_path):
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = models.mlp(keras)
    path = tmp_path / "m.keras"
    model.save(path)
    keras.mixed_precision.set_global_policy("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = keras.saving.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == ["mixed_bfloat16"] * 2
    x = np.random.default_rng(6).random((3, 784), dtype=np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_emulated_path_is_announced_once():
    if len(PATHS) < 2:
        pytest.skip("one ISA path only")
    keras.config.set_isa(PATHS[0])
    policy_module._EMULATION_NOTED = False
    with pytest.warns(UserWarning, match="bf16 matrix products are emulated"):
        keras.DTypePolicy("mixed_bfloat16")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.DTypePolicy("mixed_bfloat16")
    assert _core.bf16_path() == "emulated"
