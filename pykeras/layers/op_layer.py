"""Op layers: the layer a Functional model records when an op (`x + y`,
`ops.concatenate`, ...) is applied directly to symbolic tensors."""

from pykeras.engine.keras_tensor import KerasTensor
from pykeras.layers.layer import Layer


class OpLayer(Layer):
    """Applies one primitive op; non-tensor operands are held as constants.

    Args:
        op_name: the primitive op's name.
        template: the op's inputs as given; KerasTensors mark where the
            layer's inputs go.
        index_inputs: positions of index (int64) inputs.
        attrs: the op's attributes.
    """

    def __init__(self, op_name, template, index_inputs, attrs, **kwargs):
        super().__init__(name=kwargs.pop("name", None) or _op_layer_name(op_name), **kwargs)
        self.op_name = op_name
        self._slots = [isinstance(x, KerasTensor) for x in template]
        self._constants = [None if isinstance(x, KerasTensor) else x for x in template]
        self.index_inputs = tuple(index_inputs)
        self.attrs = dict(attrs)
        self.built = True

    def call(self, inputs, training=None):
        from pykeras.ops._dispatch import run

        tensors = iter(inputs)
        operands = [next(tensors) if slot else c for slot, c in zip(self._slots, self._constants)]
        return run(
            self.op_name, operands, self.index_inputs, training_mode=bool(training), **self.attrs
        )

    def get_config(self):
        config = super().get_config()
        config.update({"op_name": self.op_name, "attrs": self.attrs})
        return config


def _op_layer_name(op_name):
    from pykeras.backend.naming import unique_name

    return unique_name(op_name)
