"""`keras.Quantizer` and `keras.quantizers.AbsMaxQuantizer`: int8 values and
scales equal to Keras's (recorded by tests/reference/make_toplevel_reference.py
in data/toplevel_api.json); NumPy is the reference over drawn inputs."""

import json
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pykeras as keras

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
with open(DATA / "toplevel_api.json", encoding="utf-8") as _f:
    REF = json.load(_f)["quantizer"]


def _tuples(kwargs):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}


@pytest.mark.parametrize("case", sorted(REF["cases"]))
def test_abs_max_quantizer_matches_keras(case):
    ref = REF["cases"][case]
    x = np.array(REF["x"], "float32")
    quantizer = keras.quantizers.AbsMaxQuantizer(**_tuples(ref["kwargs"]))
    values, scale = quantizer(x, **_tuples(ref["call_kwargs"]))
    assert values.dtype == np.dtype(ref["dtype"])
    assert scale.dtype == np.dtype(ref["scale_dtype"])
    np.testing.assert_array_equal(values, ref["values"])
    np.testing.assert_allclose(scale, ref["scale"], rtol=1e-6)


def test_configs_and_serialization_match_keras():
    default = keras.quantizers.AbsMaxQuantizer()
    assert json.loads(json.dumps(default.get_config())) == REF["config"]
    quantizer = keras.quantizers.AbsMaxQuantizer(axis=1, value_range=(-100, 100))
    assert json.loads(json.dumps(quantizer.get_config())) == REF["config_axis"]
    serialized = keras.quantizers.serialize(quantizer)
    assert json.loads(json.dumps(serialized)) == REF["serialize"]
    again = keras.quantizers.deserialize(serialized)
    assert again.get_config() == quantizer.get_config()
    assert isinstance(keras.quantizers.get("abs_max_quantizer"), keras.quantizers.AbsMaxQuantizer)
    assert keras.quantizers.get(quantizer) is quantizer
    assert keras.quantizers.get(None) is None
    with pytest.raises(ValueError, match="Unknown quantizer"):
        keras.quantizers.get("abs_max")


def test_base_quantizer_as_keras():
    base = keras.Quantizer()
    assert base.output_dtype == REF["base_output_dtype"]
    np.testing.assert_array_equal(base(np.ones(2, "float32")), REF["base_call"])
    assert keras.Quantizer is keras.quantizers.Quantizer
    with pytest.raises(TypeError, match="does not implement get_config"):
        base.get_config()

    class Sign(keras.Quantizer):
        def __call__(self, x):
            return keras.ops.cast(keras.ops.sign(x), self.output_dtype)

        def get_config(self):
            return {"output_dtype": self.output_dtype}

    sign = Sign.from_config(Sign().get_config())
    np.testing.assert_array_equal(sign(np.array([-2.0, 0.0, 3.0])), [-1, 0, 1])


def test_value_range_is_checked_as_keras():
    with pytest.raises(ValueError) as info:
        keras.quantizers.AbsMaxQuantizer(value_range=(-200, 127))
    assert str(info.value) == REF["errors"]["range"]["message"]


@settings(max_examples=20, deadline=None)
@given(
    rows=st.integers(1, 4),
    cols=st.integers(1, 6),
    seed=st.integers(0, 2**16),
    axis=st.sampled_from([0, -1]),
)
def test_abs_max_quantize_agrees_with_numpy(rows, cols, seed, axis):
    x = np.random.default_rng(seed).standard_normal((rows, cols)).astype("float32") * 5
    values, scale = keras.quantizers.abs_max_quantize(x, axis)
    want_scale = np.float32(127) / (np.abs(x).max(axis=axis, keepdims=True) + np.float32(1e-7))
    np.testing.assert_allclose(scale, want_scale, rtol=1e-6)
    want = np.clip(np.round(x * scale), -127, 127).astype("int8")
    np.testing.assert_array_equal(values, want)
    # Dequantizing recovers the input to half a quantization step.
    assert np.all(np.abs(values / scale - x) <= 0.5 / scale + 1e-6)


def test_symbolic_quantization():
    values, scale = keras.quantizers.AbsMaxQuantizer()(keras.KerasTensor((None, 4)))
    assert values.dtype == "int8" and values.shape == (None, 4)
    assert scale.dtype == "float32" and scale.shape == (None, 1)
