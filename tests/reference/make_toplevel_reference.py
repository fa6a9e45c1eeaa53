"""Records Keras 3's behaviour of the top-level names KerasTensor, InputSpec,
Operation, Function, StatelessScope, SymbolicScope, device and Quantizer.

This is a generator, not a test. Run it with Keras 3 on the JAX backend:

    KERAS_BACKEND=jax /work/keras-env/bin/python tests/reference/make_toplevel_reference.py

Outputs, read by tests/python/test_toplevel_*.py:
tests/reference/data/toplevel_api.json with

- keras_tensor: repr, properties, and the messages of bad shapes and arguments;
- input_spec: for each case (a spec's arguments and an input shape/dtype), the
  message a layer named "checked" raises (None if it accepts the input), the
  reprs and configs of specs, and the constructor's errors;
- function: outputs of Functions on seeded inputs, their output specs for new
  shapes, the types of their operations, and the messages of bad graphs and
  bad calls;
- operation: auto configs, symbolic outputs, values inside Functional models;
- operation_model.keras: a Functional model with a custom Operation (`Scale`),
  saved by Keras, and its outputs under "operation.saved_model";
- stateless: values read and assigned inside a StatelessScope, the variable
  after it, a Dense layer's output under mapped weights, collected losses;
- device: which names Keras (JAX, CPU only) accepts;
- quantizer: AbsMaxQuantizer's int8 values and scales on seeded data for
  several axes and ranges, its configs, and the base Quantizer's call.
"""

import json
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

DATA = pathlib.Path(__file__).resolve().parent / "data"


def message(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (recording Keras's message)
        return {"type": type(e).__name__, "message": str(e)}
    return None


def keras_tensor_reference():
    x = keras.KerasTensor(shape=(None, 3), name="x")
    return {
        "repr": repr(x),
        "shape": list(x.shape),
        "dtype": x.dtype,
        "ndim": x.ndim,
        "sparse": x.sparse,
        "ragged": x.ragged,
        "record_history": x.record_history,
        "int_dtype": keras.KerasTensor((2,), dtype="int32").dtype,
        "errors": {
            "negative": message(lambda: keras.KerasTensor((-1, 3))),
            "string": message(lambda: keras.KerasTensor(("a",))),
            "not_iterable": message(lambda: keras.KerasTensor(5)),
            "float": message(lambda: keras.KerasTensor((2.5,))),
            "none": message(lambda: keras.KerasTensor(None)),
            "sparse_and_ragged": message(lambda: keras.KerasTensor((2,), sparse=True, ragged=True)),
            "unknown_kwarg": message(lambda: keras.KerasTensor((2,), foo=1)),
        },
    }


class Checked(keras.layers.Layer):
    """A layer whose input_spec is set from outside; it returns its input."""

    def call(self, x):
        return x


# (spec arguments, input shape, input dtype): one InputSpec on one input.
SPEC_CASES = {
    "ndim_ok": ({"ndim": 3}, [2, 4, 5], "float32"),
    "ndim_bad": ({"ndim": 3}, [2, 4], "float32"),
    "min_ndim_bad": ({"min_ndim": 2}, [4], "float32"),
    "max_ndim_bad": ({"max_ndim": 2}, [2, 3, 4], "float32"),
    "axes_bad": ({"axes": {-1: 4}}, [2, 3], "float32"),
    "axes_ok": ({"axes": {1: 3}, "ndim": 2}, [2, 3], "float32"),
    "shape_bad": ({"shape": [None, 28, 28]}, [2, 28, 27], "float32"),
    "squeeze_ok_short": (
        {"shape": [None, 28, 28, 1], "allow_last_axis_squeeze": True},
        [2, 28, 28],
        "float32",
    ),
    "squeeze_ok_long": (
        {"shape": [None, 28, 28], "allow_last_axis_squeeze": True},
        [2, 28, 28, 1],
        "float32",
    ),
    "squeeze_bad": (
        {"shape": [None, 28, 28, 1], "allow_last_axis_squeeze": True},
        [2, 28, 27],
        "float32",
    ),
    "dtype_bad": ({"dtype": "int32"}, [2, 3], "float32"),
    "dtype_ok_int": ({"dtype": "int32"}, [2, 3], "int32"),
    "dtype_float64_as_float32": ({"dtype": "float32"}, [2, 3], "float64"),
    "named_ok": ({"ndim": 2, "name": "a"}, [2, 3], "float32"),
}


def input_spec_reference():
    cases = {}
    for key, (args, shape, dtype) in SPEC_CASES.items():
        spec_args = dict(args)
        if "shape" in spec_args:
            spec_args["shape"] = tuple(spec_args["shape"])
        layer = Checked(name="checked")
        layer.input_spec = keras.InputSpec(**spec_args)
        eager = message(lambda layer=layer, s=shape, d=dtype: layer(np.zeros(s, dtype=d)))
        symbolic = message(
            lambda layer=layer, s=shape, d=dtype: layer(keras.KerasTensor(tuple(s), dtype=d))
        )
        cases[key] = {"args": args, "shape": shape, "dtype": dtype, "eager": eager,
                      "symbolic": symbolic}  # fmt: skip

    two = Checked(name="two")
    two.input_spec = [keras.InputSpec(ndim=2), keras.InputSpec(ndim=2)]
    named = Checked(name="named")
    named.input_spec = [keras.InputSpec(ndim=2, name="a"), keras.InputSpec(ndim=2, name="b")]
    x = np.zeros((2, 3), "float32")
    structure = {
        "count": message(lambda: two(x)),
        "count_named": message(lambda: named(x)),
        "dict_missing": message(lambda: named({"a": x, "c": x})),
        "dict_ok": message(lambda: named({"b": x, "a": x})),
        "list_ok": message(lambda: two([x, x])),
        "list_second_bad": message(lambda: two([x, np.zeros((2, 3, 4))])),
        "nested_none": message(lambda: _nested_none_case()),
    }
    spec = keras.InputSpec(shape=(None, 3), dtype="float16", axes={1: 3}, name="s")
    return {
        "cases": cases,
        "structure": structure,
        "repr": {
            "full": repr(spec),
            "ndim": repr(keras.InputSpec(ndim=3)),
            "empty": repr(keras.InputSpec()),
            "min_max": repr(keras.InputSpec(min_ndim=2, max_ndim=4, axes={-1: 8})),
        },
        "config": {
            "full": _jsonable(spec.get_config()),
            "ndim": _jsonable(keras.InputSpec(ndim=2, optional=True).get_config()),
        },
        "from_config_roundtrip": _jsonable(
            keras.InputSpec.from_config(spec.get_config()).get_config()
        ),
        "attributes": {
            "ndim_from_shape": spec.ndim,
            "optional_default": spec.optional,
            "allow_last_axis_squeeze_default": spec.allow_last_axis_squeeze,
            "axes": {str(k): v for k, v in spec.axes.items()},
        },
        "errors": {
            "axis_too_large": message(lambda: keras.InputSpec(ndim=2, axes={3: 4})),
            "axes_not_int": message(lambda: keras.InputSpec(axes={"a": 1})),
        },
    }


def _nested_none_case():
    layer = Checked(name="optional")
    layer.input_spec = [keras.InputSpec(ndim=2), keras.InputSpec(ndim=2, optional=True)]

    class Pair(keras.layers.Layer):
        def call(self, inputs):
            return inputs[0]

    pair = Pair(name="pair")
    pair.input_spec = layer.input_spec
    return pair([np.zeros((2, 3)), None])


def _jsonable(config):
    out = {}
    for k, v in config.items():
        if isinstance(v, tuple):
            v = list(v)
        if isinstance(v, dict):
            v = {str(a): b for a, b in v.items()}
        out[k] = v
    return out


def function_reference():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 2, 3)).astype("float32")
    b = rng.standard_normal((4, 2, 3)).astype("float32")
    input_1 = keras.KerasTensor(shape=(None, 2, 3), name="input_1")
    input_2 = keras.KerasTensor(shape=(None, 2, 3), name="input_2")
    output = keras.ops.sigmoid(input_1 + input_2)
    fn = keras.Function(inputs=[input_1, input_2], outputs=output)
    spec = fn.compute_output_spec([keras.KerasTensor((7, 2, 3)), keras.KerasTensor((7, 2, 3))])

    # A Function with layers, several outputs in a dict, and an Input.
    inputs = keras.Input(shape=(3,), name="features")
    dense = keras.layers.Dense(2, name="fn_dense")
    hidden = dense(inputs)
    outputs = {"logits": hidden, "probs": keras.ops.softmax(hidden)}
    fn2 = keras.Function(inputs, outputs)
    kernel = rng.standard_normal((3, 2)).astype("float32")
    bias = rng.standard_normal((2,)).astype("float32")
    dense.set_weights([kernel, bias])
    x = rng.standard_normal((5, 3)).astype("float32")
    values2 = fn2(x)

    disconnected_in = keras.KerasTensor((None, 3), name="other")
    c = keras.KerasTensor((None, 3), name="c")
    fn3 = keras.Function([c], keras.ops.add(c, 1.0))
    return {
        "sum_sigmoid": {
            "a": a.tolist(),
            "b": b.tolist(),
            "out": np.asarray(fn([a, b])).tolist(),
            "spec_shape": list(spec.shape),
            "spec_dtype": spec.dtype,
            "output_shape": list(fn.compute_output_shape([(9, 2, 3), (9, 2, 3)])),
            "inputs": len(fn.inputs),
            "outputs": len(fn.outputs),
        },
        "dense_dict": {
            "kernel": kernel.tolist(),
            "bias": bias.tolist(),
            "x": x.tolist(),
            "logits": np.asarray(values2["logits"]).tolist(),
            "probs": np.asarray(values2["probs"]).tolist(),
            "operation_types": [type(op).__name__ for op in fn2.operations][:2],
            "operations": len(fn2.operations),
            "keys": sorted(values2),
        },
        "errors": {
            "empty_inputs": message(lambda: keras.Function([], output)),
            "disconnected": message(
                lambda: keras.Function([input_1], keras.ops.add(disconnected_in, 1.0))
            ),
            "structure": message(lambda: fn(a)),
            "shape": message(lambda: fn3([np.zeros((2, 4), "float32")])),
            "rank": message(lambda: fn3([np.zeros((2, 3, 1), "float32")])),
        },
    }


class Scale(keras.Operation):
    def __init__(self, factor, name=None):
        super().__init__(name=name)
        self.factor = factor

    def call(self, x):
        return keras.ops.multiply(x, self.factor)


class Broken(keras.Operation):
    def call(self, x):
        return keras.ops.reshape(x, (7, 7))


def operation_reference():
    rng = np.random.default_rng(1)
    op = Scale(2.5, name="scale")
    x = rng.standard_normal((2, 3)).astype("float32")
    symbolic = op(keras.KerasTensor((None, 3)))
    inputs = keras.Input(shape=(3,))
    dense = keras.layers.Dense(2, name="after_scale")
    out = dense(Scale(3.0)(inputs))
    model = keras.Model(inputs, out)
    kernel = rng.standard_normal((3, 2)).astype("float32")
    dense.set_weights([kernel, np.zeros(2, "float32")])
    # A model with an Operation saved by Keras, for pykeras to load.
    saved_in = keras.Input(shape=(3,))
    saved = keras.Model(saved_in, keras.layers.Dense(2, name="saved_dense")(Scale(3.0)(saved_in)))
    saved.save(DATA / "operation_model.keras")
    return {
        "saved_model": {"x": x.tolist(), "out": np.asarray(saved(x)).tolist()},
        "config": op.get_config(),
        "from_config": Scale.from_config(op.get_config()).get_config(),
        "repr": repr(op),
        "eager": {"x": x.tolist(), "out": np.asarray(op(x)).tolist()},
        "symbolic_shape": list(symbolic.shape),
        "model": {
            "layers": [type(layer).__name__ for layer in model.layers],
            "kernel": kernel.tolist(),
            "x": x.tolist(),
            "out": np.asarray(model(x)).tolist(),
            "predict": np.asarray(model.predict(x, verbose=0)).tolist(),
        },
        "layer_is_operation": isinstance(dense, keras.Operation),
        "errors": {
            "name_slash": message(lambda: Scale(1.0, name="a/b")),
            "bad_call": message(lambda: Broken(name="broken")(keras.KerasTensor((2, 3)))),
        },
    }


class AddsLoss(keras.layers.Layer):
    def call(self, x):
        self.add_loss(keras.ops.sum(x))
        return x


def stateless_reference():
    v = keras.Variable(np.zeros((2,), "float32"), name="v")
    with keras.StatelessScope([(v, np.ones((2,), "float32"))]) as scope:
        read = np.asarray(v.value).tolist()
        v.assign_add(np.ones((2,), "float32"))
        after_assign = np.asarray(v.value).tolist()
    dense = keras.layers.Dense(2, name="mapped")
    dense.build((None, 3))
    x = np.arange(6, dtype="float32").reshape(2, 3)
    mapping = [(dense.kernel, np.ones((3, 2), "float32")), (dense.bias, np.full((2,), 0.5))]
    with keras.StatelessScope(mapping):
        mapped_out = np.asarray(dense(x)).tolist()
    layer = AddsLoss()
    with keras.StatelessScope(collect_losses=True) as collecting:
        layer(np.ones((2, 2), "float32"))
    with keras.StatelessScope() as dropping:
        layer(np.ones((2, 2), "float32"))
    return {
        "read": read,
        "after_assign": after_assign,
        "current_value": np.asarray(scope.get_current_value(v)).tolist(),
        "variable_after": np.asarray(v).tolist(),
        "unmapped_current_value": scope.get_current_value(dense.kernel),
        "mapped_out": mapped_out,
        "mapped_x": x.tolist(),
        "collected_losses": [float(loss) for loss in collecting.losses],
        "dropped_losses": len(dropping.losses),
        "errors": {
            "not_variable": message(lambda: keras.StatelessScope([(np.zeros(2), np.zeros(2))])),
            "bad_shape": message(lambda: keras.StatelessScope([(v, np.zeros((3,)))])),
        },
    }


def device_reference():
    accepted = {}
    for name in ["cpu", "CPU:0", "Cpu", "cpu:0", "cpu:1", "gpu:0", "gpu", "tpu", "cpu:x"]:

        def enter(name=name):
            with keras.device(name):
                keras.ops.ones((1,))

        accepted[name] = message(enter) is None
    return {"accepted": accepted}


def quantizer_reference():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 6)).astype("float32") * 3.0
    x[1] = 0.0  # an all-zero row: epsilon keeps the scale finite
    cases = {}
    for key, kwargs, call_kwargs in [
        ("default", {}, {}),
        ("axis0", {}, {"axis": 0}),
        ("ctor_axis", {"axis": 0}, {}),
        ("both_axes", {}, {"axis": (0, 1)}),
        ("range", {"value_range": (-8, 7)}, {}),
        ("numpy", {}, {"to_numpy": True}),
    ]:
        quantizer = keras.quantizers.AbsMaxQuantizer(**kwargs)
        values, scale = quantizer(x, **call_kwargs)
        cases[key] = {
            "kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
            "call_kwargs": {
                k: list(v) if isinstance(v, tuple) else v for k, v in call_kwargs.items()
            },
            "values": np.asarray(values).tolist(),
            "dtype": str(np.asarray(values).dtype),
            "scale": np.asarray(scale).tolist(),
            "scale_dtype": str(np.asarray(scale).dtype),
        }
    quantizer = keras.quantizers.AbsMaxQuantizer(axis=1, value_range=(-100, 100))
    return {
        "x": x.tolist(),
        "cases": cases,
        "config": _jsonable(keras.quantizers.AbsMaxQuantizer().get_config()),
        "config_axis": _jsonable(quantizer.get_config()),
        "serialize": _jsonable_nested(keras.quantizers.serialize(quantizer)),
        "base_call": np.asarray(keras.Quantizer()(np.ones(2, "float32"))).tolist(),
        "base_output_dtype": keras.Quantizer().output_dtype,
        "errors": {
            "range": message(lambda: keras.quantizers.AbsMaxQuantizer(value_range=(-200, 127))),
        },
    }


def _jsonable_nested(obj):
    return json.loads(json.dumps(obj))


def main():
    reference = {
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "keras_tensor": keras_tensor_reference(),
        "input_spec": input_spec_reference(),
        "function": function_reference(),
        "operation": operation_reference(),
        "stateless": stateless_reference(),
        "device": device_reference(),
        "quantizer": quantizer_reference(),
    }
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "toplevel_api.json"
    path.write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
