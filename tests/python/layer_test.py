"""The shared layer test: one call checks a layer's whole contract.

- it builds and runs eagerly on arrays;
- a symbolic call on `Input`s gives the same output shape (batch unknown),
  and `compute_output_shape` agrees;
- `get_config` / `from_config` round-trips, and the rebuilt layer, given the
  same weights, computes the same output;
- inside a Model the Rust graph computes what the eager call computed;
- the output matches a numpy reference of the layer's maths.
"""

import numpy as np

import pykeras as keras


def _random_input(shape, dtype, rng, low, high):
    if "int" in dtype:
        return rng.integers(low, high, size=shape).astype(np.int64)
    return rng.uniform(low, high, size=shape).astype(np.float32)


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_shape,
    reference=None,
    input_dtype="float32",
    input_data=None,
    expected_output_shape=None,
    value_range=(-1.0, 1.0),
    rtol=1e-5,
    atol=1e-5,
):
    """Runs the layer contract checks; returns the built layer.

    Args:
        layer_cls: the layer class.
        init_kwargs: constructor arguments.
        input_shape: the shape of the test batch, or a list of shapes for
            layers that take a list of inputs.
        reference: `reference(inputs, weights)` -> the expected output, in numpy.
        input_dtype: "float32" or "int64" (ids).
        input_data: explicit inputs instead of random ones.
        expected_output_shape: the expected eager output shape.
        value_range: range of the random inputs.
    """
    rng = np.random.default_rng(0)
    multi = isinstance(input_shape, list)
    shapes = input_shape if multi else [input_shape]
    if input_data is None:
        data = [_random_input(s, input_dtype, rng, *value_range) for s in shapes]
        inputs = data if multi else data[0]
    else:
        inputs = input_data
        data = inputs if multi else [inputs]

    # Eager call on arrays.
    layer = layer_cls(**init_kwargs)
    eager = np.asarray(layer(inputs))
    if expected_output_shape is not None:
        assert eager.shape == tuple(expected_output_shape), (eager.shape, expected_output_shape)

    # Symbolic call, and compute_output_shape.
    symbolic_inputs = [
        keras.Input(batch_shape=(None,) + tuple(s[1:]), dtype=input_dtype) for s in shapes
    ]
    symbolic = layer(symbolic_inputs if multi else symbolic_inputs[0])
    expected_symbolic = (None,) + eager.shape[1:]
    assert symbolic.shape == expected_symbolic, (symbolic.shape, expected_symbolic)
    in_shapes = [(None,) + tuple(s[1:]) for s in shapes]
    computed = layer.compute_output_shape(in_shapes if multi else in_shapes[0])
    assert tuple(computed) == expected_symbolic, (computed, expected_symbolic)

    # Config round trip, with the same weights.
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    clone(inputs)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(clone(inputs)), eager, rtol=rtol, atol=atol)
    clone_config = clone.get_config()
    clone_config.pop("name")
    config = dict(config)
    config.pop("name")
    assert clone_config == config

    # The Rust graph computes what the eager call computed.
    model = keras.Model(symbolic_inputs if multi else symbolic_inputs[0], symbolic)
    graph_out = model.predict(inputs, verbose=0)
    np.testing.assert_allclose(graph_out, eager, rtol=rtol, atol=atol)

    if reference is not None:
        expected = reference(inputs, layer.get_weights())
        np.testing.assert_allclose(eager, expected, rtol=max(rtol, 1e-4), atol=max(atol, 1e-5))
    return layer
