"""The base of Conv1D and Conv2D: channels-last convolution, bias, activation."""

from pykeras import activations, constraints, initializers, regularizers
from pykeras.layers.input_spec import InputSpec
from pykeras.layers.layer import Layer
from pykeras.layers.validation import int_tuple, positive_int
from pykeras.ops._dispatch import run


def conv_output_length(length, kernel, stride, dilation, padding):
    """One spatial output size, as Keras computes it (None stays None)."""
    if length is None:
        return None
    window = (kernel - 1) * dilation + 1
    if padding == "same":
        return -(-length // stride)
    return max(0, (length - window) // stride + 1)


class BaseConv(Layer):
    """N-D convolution over channels-last inputs (N = 1 or 2)."""

    rank = None

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        n = self.rank
        self.filters = positive_int(filters, "filters", self.name)
        self.kernel_size = int_tuple(kernel_size, n, "kernel_size", self.name)
        self.strides = int_tuple(strides, n, "strides", self.name)
        self.dilation_rate = int_tuple(dilation_rate, n, "dilation_rate", self.name)
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(
                f"Layer '{self.name}' expected padding 'valid' or 'same'. "
                f"Received: padding={padding!r}"
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"Layer '{self.name}': strides > 1 together with dilation_rate > 1 is not "
                f"supported. Received: strides={self.strides}, dilation_rate={self.dilation_rate}"
            )
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Layer '{self.name}' supports data_format='channels_last' only. "
                f"Received: data_format={data_format!r}"
            )
        if groups != 1:
            raise ValueError(f"Layer '{self.name}' supports groups=1 only. Received: {groups}")
        self.padding = padding
        self.data_format = data_format
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=n + 2)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                f"Layer '{self.name}' needs a known channel dimension (the last axis). "
                f"Received: input_shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})
        self.built = True

    def compute_output_shape(self, input_shape):
        spatial = [
            conv_output_length(length, k, s, d, self.padding)
            for length, k, s, d in zip(
                input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate
            )
        ]
        return (input_shape[0], *spatial, self.filters)

    def call(self, inputs):
        x = run(
            f"conv{self.rank}d",
            [inputs, self.kernel],
            strides=list(self.strides),
            padding=self.padding,
            dilation_rate=list(self.dilation_rate),
        )
        if self.use_bias:
            x = run("bias_add", [x, self.bias])
        return self.activation(x)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": list(self.kernel_size),
                "strides": list(self.strides),
                "padding": self.padding,
                "data_format": "channels_last",
                "dilation_rate": list(self.dilation_rate),
                "groups": self.groups,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
