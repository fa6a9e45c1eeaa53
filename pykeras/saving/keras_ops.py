"""Ops applied to symbolic tensors (`x * 2.0`, `keras.ops.relu(x)`) inside Functional
models, in Keras 3's config form.

Keras 3 records such a call as an operation of `keras.src.ops.numpy` or
`keras.src.ops.nn` (`{"module": "keras.src.ops.numpy", "class_name":
"Multiply", "config": {"name": "multiply"}}`, called on `[tensor, 2.0]`);
pykeras records an `OpLayer` holding the primitive op. This table maps the
two for the ops both have, so such models move both ways; other pykeras op
layers are written as pykeras `OpLayer`s (which Keras cannot read).
"""

# pykeras primitive op -> (Keras module, Keras class, the op attributes Keras takes as
# constructor arguments under the same names).
_NUMPY = "keras.src.ops.numpy"
_NN = "keras.src.ops.nn"
TO_KERAS = {
    "add": (_NUMPY, "Add", ()),
    "sub": (_NUMPY, "Subtract", ()),
    "mul": (_NUMPY, "Multiply", ()),
    "div": (_NUMPY, "Divide", ()),
    "matmul": (_NUMPY, "Matmul", ()),
    "maximum": (_NUMPY, "Maximum", ()),
    "minimum": (_NUMPY, "Minimum", ()),
    "tanh": (_NUMPY, "Tanh", ()),
    "sqrt": (_NUMPY, "Sqrt", ()),
    "square": (_NUMPY, "Square", ()),
    "abs": (_NUMPY, "Absolute", ()),
    "neg": (_NUMPY, "Negative", ()),
    "log": (_NUMPY, "Log", ()),
    "exponential": (_NUMPY, "Exp", ()),
    "mean": (_NUMPY, "Mean", ("axis", "keepdims")),
    "sum": (_NUMPY, "Sum", ("axis", "keepdims")),
    "max": (_NUMPY, "Max", ("axis", "keepdims")),
    "relu": (_NN, "Relu", ()),
    "sigmoid": (_NN, "Sigmoid", ()),
    "softplus": (_NN, "Softplus", ()),
    "selu": (_NN, "Selu", ()),
    "silu": (_NN, "Silu", ()),
    "softmax": (_NN, "Softmax", ("axis",)),
    "log_softmax": (_NN, "LogSoftmax", ("axis",)),
    "elu": (_NN, "Elu", ("alpha",)),
    "gelu": (_NN, "Gelu", ("approximate",)),
    "leaky_relu": (_NN, "LeakyRelu", ("negative_slope",)),
}

# Keras op class -> the `pykeras.ops` function that records the same op.
FROM_KERAS = {
    "Add": "add",
    "Subtract": "subtract",
    "Multiply": "multiply",
    "Divide": "divide",
    "TrueDivide": "divide",
    "Matmul": "matmul",
    "Maximum": "maximum",
    "Minimum": "minimum",
    "Tanh": "tanh",
    "Sqrt": "sqrt",
    "Square": "square",
    "Absolute": "abs",
    "Abs": "abs",
    "Negative": "negative",
    "Log": "log",
    "Exp": "exponential",
    "Mean": "mean",
    "Sum": "sum",
    "Max": "max",
    "Relu": "relu",
    "Sigmoid": "sigmoid",
    "Softplus": "softplus",
    "Selu": "selu",
    "Silu": "silu",
    "Swish": "silu",
    "Softmax": "softmax",
    "LogSoftmax": "log_softmax",
    "Elu": "elu",
    "Gelu": "gelu",
    "LeakyRelu": "leaky_relu",
}


def keras_form(layer):
    """`(module, class_name, config)` Keras 3 uses for this pykeras op layer, or None."""
    from pykeras.layers.op_layer import OpLayer

    if not isinstance(layer, OpLayer) or layer.op_name not in TO_KERAS or layer.index_inputs:
        return None
    module, class_name, arg_names = TO_KERAS[layer.op_name]
    if not set(layer.attrs) <= set(arg_names):
        return None
    return module, class_name, {"name": layer.name, **layer.attrs}


def operands(layer, tensors):
    """The op's operands in order, `tensors` (its inputs) placed in their slots."""
    it = iter(tensors)
    return [next(it) if slot else c for slot, c in zip(layer._slots, layer._constants)]


class OpCall:
    """A Keras op read from a config: calling it on tensors applies the pykeras op,
    which records an `OpLayer`; `_inbound_nodes` lists those calls so that later
    nodes can refer to them as Keras does (`["multiply", 0, 0]`)."""

    def __init__(self, class_name, config):
        from pykeras import ops

        config = dict(config)
        self.name = config.pop("name", None) or class_name.lower()
        self.class_name = class_name
        self._fn = getattr(ops, FROM_KERAS[class_name])
        self._kwargs = config
        self._inbound_nodes = []

    def _call_accepts(self, name):
        return False

    def __call__(self, *args, **kwargs):
        try:
            out = self._fn(*args, **self._kwargs, **kwargs)
        except TypeError as e:
            raise ValueError(
                f"Cannot apply the Keras op '{self.name}' ({self.class_name}) with arguments "
                f"{self._kwargs}: {e}"
            ) from e
        layer, node_index, _ = out._keras_history
        if not self._inbound_nodes:
            layer.name = self.name  # keep the file's name, so later saves name it alike
        self._inbound_nodes.append(layer._inbound_nodes[node_index])
        return out


def op_from_config(class_name, config, module):
    """The `OpCall` for a Keras op entry, or a refusal for ops pykeras lacks."""
    if class_name not in FROM_KERAS:
        raise ValueError(
            f"The config applies the Keras op '{class_name}' (from '{module}') to a symbolic "
            f"tensor; pykeras maps only these ops: {sorted(FROM_KERAS)}."
        )
    return OpCall(class_name, config)
