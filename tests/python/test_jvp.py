"""`keras.ops.jvp` (issue 14): Jacobian-vector products, against analytic
derivatives in NumPy; and `ops.matmul` with 1-D operands, as NumPy's."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras import ops
from pykeras.errors import ShapeError


def test_keras_example():
    primals, tangents = ops.jvp(ops.sin, (0.1,), (0.2,))
    np.testing.assert_allclose(primals, np.sin(0.1), rtol=1e-6)
    np.testing.assert_allclose(tangents, 0.2 * np.cos(0.1), rtol=1e-6)


@settings(max_examples=20, deadline=None)
@given(rows=st.integers(1, 5), cols=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_matches_the_analytic_jacobian_vector_product(rows, cols, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(rows, cols)).astype("float32")
    x = rng.normal(size=cols).astype("float32")
    t = rng.normal(size=cols).astype("float32")
    out, product = ops.jvp(lambda v: ops.tanh(ops.matmul(a, v)), (x,), (t,))
    z = a.astype(np.float64) @ x
    np.testing.assert_allclose(out, np.tanh(z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(product, (1 - np.tanh(z) ** 2) * (a @ t), rtol=1e-4, atol=1e-5)


def test_several_arguments_structures_and_aux():
    x = np.array([1.0, 2.0], np.float32)
    y = np.array([[3.0], [4.0]], np.float32)
    tx = np.array([0.5, -1.0], np.float32)
    ty = np.array([[2.0], [1.0]], np.float32)

    def fun(args, scale):
        product = args["x"] * ops.reshape(args["y"], (2,)) * scale
        return {"p": product, "s": ops.sum(product)}, "aux"

    primals = ({"x": x, "y": y}, np.float32(3.0))
    tangents = ({"x": tx, "y": ty}, np.float32(0.0))
    out, product, aux = ops.jvp(fun, primals, tangents, has_aux=True)
    # d(x*y*3) = 3 (tx*y + x*ty)
    want = 3.0 * (tx * y[:, 0] + x * ty[:, 0])
    np.testing.assert_allclose(out["p"], x * y[:, 0] * 3.0)
    np.testing.assert_allclose(product["p"], want, rtol=1e-6)
    np.testing.assert_allclose(product["s"], want.sum(), rtol=1e-6)
    assert aux == "aux"


def test_an_output_that_does_not_depend_on_the_inputs_has_zero_tangent():
    _, product = ops.jvp(lambda v: ops.ones((2,)), (np.ones(3, np.float32),), (np.ones(3),))
    np.testing.assert_array_equal(product, [0.0, 0.0])


def test_bad_input():
    x = np.ones(3, np.float32)
    with pytest.raises(ValueError, match="tuple or list"):
        ops.jvp(ops.sin, x, (x,))
    with pytest.raises(ShapeError, match="primal's shape"):
        ops.jvp(ops.sin, (x,), (np.ones(2),))
    with pytest.raises(ValueError, match="structure"):
        ops.jvp(ops.sin, (x,), (x, x))
    with pytest.raises(ValueError, match="eagerly"):
        ops.jvp(ops.sin, (keras.Input((3,)),), (x,))
    with pytest.raises(ValueError, match=r"\(output, aux\)"):
        ops.jvp(ops.sin, (x,), (x,), has_aux=True)


SHAPES = [((3, 4), (4,)), ((4,), (4, 3)), ((4,), (4,)), ((4,), (2, 4, 5)), ((2, 5, 4), (4,))]


@pytest.mark.parametrize("a_shape,b_shape", SHAPES)
def test_matmul_with_vectors_is_numpys(a_shape, b_shape):
    rng = np.random.default_rng(0)
    a = rng.normal(size=a_shape).astype("float32")
    b = rng.normal(size=b_shape).astype("float32")
    np.testing.assert_allclose(ops.matmul(a, b), np.matmul(a, b), rtol=1e-5, atol=1e-5)
    if len(a_shape) > 1:
        symbolic = ops.matmul(keras.Input(a_shape[1:]), b)
        assert symbolic.shape == (None,) + np.matmul(a, b).shape[1:]


def test_matmul_of_a_scalar_is_refused():
    with pytest.raises(ShapeError, match="rank >= 1"):
        ops.matmul(np.float32(2.0), np.ones(3))
