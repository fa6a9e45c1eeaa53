"""Runs a primitive op of the Rust core on array-like inputs."""

from pykeras import _core
from pykeras._convert import to_float32, to_index


def run(name, inputs, index_inputs=(), training=False, seed=0, **attrs):
    """Converts `inputs` by pykeras's dtype rules and runs op `name` eagerly.

    Args:
        name: the primitive op's name (see `pykeras._core.op_names()`).
        inputs: array-likes, in the op's order.
        index_inputs: positions of inputs that hold indices (int64).
        training: training mode (dropout, batch_norm).
        seed: the step seed dropout draws its mask from.
        **attrs: the op's attributes; `None` values are left out.

    Returns:
        A numpy array.
    """
    arrays = [
        to_index(x, f"{name} input {i}")
        if i in index_inputs
        else to_float32(x, f"{name} input {i}")
        for i, x in enumerate(inputs)
    ]
    attrs = {k: v for k, v in attrs.items() if v is not None}
    return _core.op(name, arrays, attrs, training, seed)
