"""`keras.KerasTensor` and `keras.InputSpec` as Keras 3.15 has them.

Keras's messages, reprs and configs are recorded by
tests/reference/make_toplevel_reference.py (data/toplevel_api.json).
"""

import inspect
import json
import pathlib

import numpy as np
import pytest
from keras_namespace import keras_names

import pykeras as keras
from pykeras.errors import ShapeError

DATA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "data"
with open(DATA / "toplevel_api.json", encoding="utf-8") as _f:
    REF = json.load(_f)

TOP_LEVEL = keras_names("keras")
NAMES = ["KerasTensor", "InputSpec", "Operation", "Function", "StatelessScope", "SymbolicScope",
         "device"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_signature_is_keras(name):
    """Same parameters, in the same order, with the same defaults."""
    obj = getattr(keras, name)
    target = obj.__init__ if inspect.isclass(obj) else obj
    params = list(inspect.signature(target).parameters.values())
    if inspect.isclass(obj):
        params = params[1:]
    kinds = {
        inspect.Parameter.VAR_POSITIONAL: "var-positional",
        inspect.Parameter.VAR_KEYWORD: "var-keyword",
    }
    ours = [(p.name, kinds.get(p.kind, "positional")) for p in params]
    want = [(p["name"], p["kind"]) for p in TOP_LEVEL[name].get("params", [])]
    assert ours == want
    defaults = {p.name: repr(p.default) for p in params if p.default is not p.empty}
    for p in TOP_LEVEL[name].get("params", []):
        if p["default"] is not None:
            assert defaults[p["name"]] == p["default"], p["name"]


# ------------------------------------------------------------------ KerasTensor


def test_keras_tensor_matches_keras():
    ref = REF["keras_tensor"]
    x = keras.KerasTensor(shape=(None, 3), name="x")
    assert repr(x) == ref["repr"]
    assert list(x.shape) == ref["shape"]
    assert x.dtype == ref["dtype"]
    assert x.ndim == ref["ndim"]
    assert (x.sparse, x.ragged, x.record_history) == (
        ref["sparse"],
        ref["ragged"],
        ref["record_history"],
    )
    assert keras.KerasTensor((2,), dtype="int32").dtype == ref["int_dtype"]


@pytest.mark.parametrize(
    "key,args,kwargs",
    [
        ("negative", ((-1, 3),), {}),
        ("string", (("a",),), {}),
        ("not_iterable", (5,), {}),
        ("float", ((2.5,),), {}),
        ("none", (None,), {}),
        ("sparse_and_ragged", ((2,),), {"sparse": True, "ragged": True}),
        ("unknown_kwarg", ((2,),), {"foo": 1}),
    ],
)
def test_keras_tensor_bad_arguments_raise_as_keras(key, args, kwargs):
    ref = REF["keras_tensor"]["errors"][key]
    with pytest.raises(Exception) as info:
        keras.KerasTensor(*args, **kwargs)
    assert isinstance(info.value, {"ValueError": ValueError, "TypeError": TypeError}[ref["type"]])
    assert str(info.value) == ref["message"]


@pytest.mark.parametrize("kwargs", [{"sparse": True}, {"ragged": True}, {"ragged_rank": 1}])
def test_sparse_and_ragged_are_refused_clearly(kwargs):
    with pytest.raises(ValueError, match="pykeras has no (sparse|ragged) tensors"):
        keras.KerasTensor((None, 3), **kwargs)


def test_default_names_are_unique():
    a, b = keras.KerasTensor((1,)), keras.KerasTensor((1,))
    assert a.name.startswith("keras_tensor") and b.name.startswith("keras_tensor")
    assert a.name != b.name


def test_input_is_a_keras_tensor_and_ops_on_one_are_symbolic():
    inputs = keras.Input(shape=(3,), name="features")
    assert isinstance(inputs, keras.KerasTensor)
    assert inputs.name == "features"
    x = keras.KerasTensor(shape=(None, 3))
    y = keras.ops.sum(x * 2.0, axis=1)
    assert isinstance(y, keras.KerasTensor) and y.shape == (None,)
    assert keras.backend.is_keras_tensor(y)
    assert x.reshape((-1, 1, 3)).shape == (None, 1, 3)
    assert keras.KerasTensor((2, 1)).squeeze(1).shape == (2,)


def test_compute_output_spec_of_a_layer_takes_a_keras_tensor():
    spec = keras.layers.Dense(4).compute_output_spec(keras.KerasTensor(shape=(None, 3)))
    assert isinstance(spec, keras.KerasTensor)
    assert spec.shape == (None, 4) and spec.dtype == "float32"
    conv = keras.layers.Conv2D(2, 3).compute_output_spec(keras.KerasTensor((None, 8, 8, 1)))
    assert conv.shape == (None, 6, 6, 2)


def test_record_history_false_records_nothing():
    x = keras.KerasTensor((2, 3), record_history=False)
    y = keras.ops.exp(x)
    assert y.shape == (2, 3)
    assert y._keras_history is None
    recorded = keras.ops.exp(keras.KerasTensor((2, 3)))
    assert recorded._keras_history is not None


# ------------------------------------------------------------------ InputSpec


class Checked(keras.layers.Layer):
    def call(self, x):
        return x


def _checked(spec_args):
    layer = Checked(name="checked")
    args = dict(spec_args)
    if "shape" in args:
        args["shape"] = tuple(args["shape"])
    if "axes" in args:
        args["axes"] = {int(k): v for k, v in args["axes"].items()}
    layer.input_spec = keras.InputSpec(**args)
    return layer


@pytest.mark.parametrize("case", sorted(REF["input_spec"]["cases"]))
@pytest.mark.parametrize("mode", ["eager", "symbolic"])
def test_layer_checks_its_input_spec_as_keras(case, mode):
    ref = REF["input_spec"]["cases"][case]
    layer = _checked(ref["args"])
    if mode == "eager":
        x = np.zeros(ref["shape"], dtype=ref["dtype"])
    else:
        x = keras.KerasTensor(tuple(ref["shape"]), dtype=ref["dtype"])
    expected = ref[mode]
    if expected is None:
        layer(x)
        return
    with pytest.raises(ValueError) as info:
        layer(x)
    assert str(info.value) == expected["message"]


def test_input_spec_is_checked_inside_a_compiled_model():
    layer = _checked({"axes": {-1: 4}})
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), layer])
    assert model.predict(np.ones((2, 3)), verbose=0).shape == (2, 4)
    bad = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5)])
    with pytest.raises(ShapeError, match="expected axis -1 of input shape to have value 4"):
        layer(bad.output)


@pytest.mark.parametrize("key", ["count", "count_named", "dict_missing", "list_second_bad"])
def test_structure_errors_match_keras(key):
    two = Checked(name="two")
    two.input_spec = [keras.InputSpec(ndim=2), keras.InputSpec(ndim=2)]
    named = Checked(name="named")
    named.input_spec = [keras.InputSpec(ndim=2, name="a"), keras.InputSpec(ndim=2, name="b")]
    x = np.zeros((2, 3), "float32")
    calls = {
        "count": lambda: two(x),
        "count_named": lambda: named(x),
        "dict_missing": lambda: named({"a": x, "c": x}),
        "list_second_bad": lambda: two([x, np.zeros((2, 3, 4))]),
    }
    ref = REF["input_spec"]["structure"][key]
    with pytest.raises(ValueError) as info:
        calls[key]()
    if key == "count":
        # Keras prints its JAX arrays; the count and the layer are what matter.
        assert str(info.value).startswith('Layer "two" expects 2 input(s), but it received 1 ')
        assert ref["message"].startswith('Layer "two" expects 2 input(s), but it received 1 ')
    else:
        assert str(info.value) == ref["message"]


def test_list_dict_and_optional_inputs_pass():
    two = Checked(name="two")
    two.input_spec = [keras.InputSpec(ndim=2), keras.InputSpec(ndim=2)]
    x = np.zeros((2, 3), "float32")
    assert len(two([x, x])) == 2
    named = Checked(name="named")
    named.input_spec = [keras.InputSpec(ndim=2, name="a"), keras.InputSpec(ndim=2, name="b")]
    named({"b": x, "a": x})

    class Pair(keras.layers.Layer):
        def call(self, inputs):
            return inputs[0]

    pair = Pair(name="pair")
    pair.input_spec = [keras.InputSpec(ndim=2), keras.InputSpec(ndim=2, optional=True)]
    assert REF["input_spec"]["structure"]["nested_none"] is None
    np.testing.assert_array_equal(pair([x, None]), x)
    not_optional = Pair(name="pair2")
    not_optional.input_spec = [keras.InputSpec(ndim=2), keras.InputSpec(ndim=2)]
    with pytest.raises(ValueError, match="Inputs to a layer should be tensors"):
        not_optional([x, None])


def test_integer_inputs_keep_their_dtype_for_the_check():
    layer = _checked({"dtype": "int32"})
    layer(np.zeros((2, 3), "int32"))
    layer(keras.Input((3,), dtype="int32"))
    with pytest.raises(ValueError, match="expected dtype=int32, found dtype=float32"):
        layer(np.zeros((2, 3), "float32"))


def test_input_spec_repr_config_and_attributes_match_keras():
    ref = REF["input_spec"]
    spec = keras.InputSpec(shape=(None, 3), dtype="float16", axes={1: 3}, name="s")
    assert repr(spec) == ref["repr"]["full"]
    assert repr(keras.InputSpec(ndim=3)) == ref["repr"]["ndim"]
    assert repr(keras.InputSpec()) == ref["repr"]["empty"]
    assert repr(keras.InputSpec(min_ndim=2, max_ndim=4, axes={-1: 8})) == ref["repr"]["min_max"]
    assert _jsonable(spec.get_config()) == ref["config"]["full"]
    assert _jsonable(keras.InputSpec(ndim=2, optional=True).get_config()) == ref["config"]["ndim"]
    again = keras.InputSpec.from_config(spec.get_config())
    assert _jsonable(again.get_config()) == ref["from_config_roundtrip"]
    attrs = ref["attributes"]
    assert spec.ndim == attrs["ndim_from_shape"]
    assert spec.optional == attrs["optional_default"]
    assert spec.allow_last_axis_squeeze == attrs["allow_last_axis_squeeze_default"]
    assert {str(k): v for k, v in spec.axes.items()} == attrs["axes"]
    assert keras.InputSpec is keras.layers.InputSpec


def _jsonable(config):
    return json.loads(json.dumps({k: list(v) if isinstance(v, tuple) else v
                                  for k, v in config.items()}))  # fmt: skip


@pytest.mark.parametrize("key", ["axis_too_large", "axes_not_int"])
def test_input_spec_constructor_errors_match_keras(key):
    ref = REF["input_spec"]["errors"][key]
    make = {
        "axis_too_large": lambda: keras.InputSpec(ndim=2, axes={3: 4}),
        "axes_not_int": lambda: keras.InputSpec(axes={"a": 1}),
    }[key]
    with pytest.raises({"ValueError": ValueError, "TypeError": TypeError}[ref["type"]]) as info:
        make()
    assert str(info.value) == ref["message"]


def test_custom_layer_with_spec_in_a_functional_model_fails_on_bad_input():
    class Seq(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = keras.InputSpec(ndim=3)

        def call(self, x):
            return keras.ops.mean(x, axis=1)

    inputs = keras.Input((5, 4))
    model = keras.Model(inputs, Seq(name="seq")(inputs))
    assert model.predict(np.ones((2, 5, 4)), verbose=0).shape == (2, 4)
    with pytest.raises(
        ShapeError, match="of layer 'seq2' is incompatible with the layer: expected ndim=3"
    ):
        Seq(name="seq2")(keras.Input((4,)))
