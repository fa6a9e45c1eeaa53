"""Every primitive op has property tests: the `OPS` sets declared by the
`test_ops_*.py` files together equal `C.op_names()`, so a new op without
tests fails here."""

import importlib
import pathlib

import numpy as np
import pytest
from op_check import C, InvalidArgumentError, ShapeError

HERE = pathlib.Path(__file__).parent


def _covered():
    covered = {}
    for path in sorted(HERE.glob("test_ops_*.py")):
        if path.stem == "test_ops_coverage":
            continue
        module = importlib.import_module(path.stem)
        ops = getattr(module, "OPS", None)
        assert ops, f"{path.name} declares no OPS set"
        for name in ops:
            assert name not in covered, f"{name} claimed by {covered.get(name)} and {path.name}"
            covered[name] = path.name
    return covered


def test_every_op_is_covered():
    covered = set(_covered())
    names = set(C.op_names())
    assert not names - covered, f"ops without property tests: {sorted(names - covered)}"
    assert not covered - names, f"tests for ops that do not exist: {sorted(covered - names)}"


def test_op_names_are_unique():
    names = C.op_names()
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", ["nope", "Add", "conv3d", ""])
def test_unknown_op_raises(name):
    with pytest.raises(InvalidArgumentError, match="unknown op"):
        C.op(name, [np.ones(2, np.float32)])
    with pytest.raises(InvalidArgumentError, match="unknown op"):
        C.op_grad(name, [np.ones(2, np.float32)], np.ones(2, np.float32))


def test_error_classes_subclass_the_builtins():
    import pykeras.errors as E

    assert issubclass(E.ShapeError, ValueError)
    assert issubclass(E.OutOfRangeError, ValueError)
    assert issubclass(E.InvalidArgumentError, ValueError)
    assert issubclass(E.GraphError, ValueError)
    assert issubclass(E.DTypeError, TypeError)


def test_non_array_inputs_raise_type_error():
    with pytest.raises(TypeError):
        C.op("neg", [[1.0, 2.0]])
    with pytest.raises(TypeError):
        C.op("neg", [None])


@pytest.mark.parametrize("value", [object(), {"a": 1}, [1.5, 2.5], [[1], 2]])
def test_attribute_of_unsupported_kind_raises(value):
    with pytest.raises((TypeError, ValueError)):
        C.op("sum", [np.ones(2, np.float32)], {"axis": value})


# ---------------------------------------------------------------- the op_grad contract, op by op


def _example(spec):
    """The op's own example call (declared with it in the Rust registry)."""
    attrs, samples = spec["example"]
    rng = np.random.default_rng(len(spec["name"]))
    inputs = []
    for kind, shape, ids in samples:
        if kind == "ids":
            inputs.append(np.array(ids, np.int64).reshape(shape))
        else:
            low, high = (0.5, 1.5) if kind == "positive" else (-1.0, 1.0)
            inputs.append(rng.uniform(low, high, shape).astype(np.float32))
    return inputs, attrs or None, spec["name"] in ("dropout", "batch_norm")


SPECS = {s["name"]: s for s in C.op_specs()}
# One small representative call per op: (inputs, attrs, training).
CASES = {name: _example(spec) for name, spec in SPECS.items()}

# Ops whose output is piecewise constant: they give no gradient to anything.
NO_GRADIENT = {name for name, spec in SPECS.items() if not spec["differentiable"]}


def test_every_op_has_a_contract_case():
    assert set(CASES) == set(C.op_names())
    assert {"equal", "argmax", "one_hot", "in_top_k", "floor"} <= NO_GRADIENT


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_grad_returns_one_gradient_per_input(name):
    inputs, attrs, training = CASES[name]
    before = [x.copy() for x in inputs]
    out = C.op(name, inputs, attrs, training=training)
    grads = C.op_grad(name, inputs, np.ones(out.shape, np.float32), attrs, training=training)
    assert len(grads) == len(inputs)
    for x, g in zip(inputs, grads):
        if name in NO_GRADIENT or x.dtype == np.int64:
            continue
        if g is not None:
            assert g.shape == x.shape and g.dtype == np.float32
    if name in NO_GRADIENT:
        assert all(g is None for g in grads)
    # inputs are read, never written
    for x, b in zip(inputs, before):
        np.testing.assert_array_equal(x, b)


def _wrong_shapes(shape):
    size = int(np.prod(shape))
    candidates = [shape + (2,), (size + 1,), (), (1,) + shape, (size,)]
    return [s for s in candidates if s != shape and not (s == (size,) and len(shape) == 1)]


@pytest.mark.parametrize("name", sorted(set(CASES) - NO_GRADIENT))
def test_op_grad_with_a_wrongly_shaped_gradient_fails_cleanly(name):
    """A gradient not shaped like the output must give a ShapeError, or at
    least input gradients shaped like the inputs; never a panic in the core
    (a GraphError "internal error ... please report it") nor gradients of
    the wrong shape."""
    inputs, attrs, training = CASES[name]
    out = C.op(name, inputs, attrs, training=training)
    failures = []
    for shape in _wrong_shapes(out.shape):
        try:
            grads = C.op_grad(name, inputs, np.ones(shape, np.float32), attrs, training=training)
        except ShapeError:
            continue
        except Exception as e:  # noqa: BLE001 - report every kind of failure
            failures.append(f"grad {shape}: {type(e).__name__}: {str(e)[:100]}")
            continue
        got = [None if g is None else g.shape for g in grads]
        want = [None if g is None else x.shape for x, g in zip(inputs, grads)]
        if got != want:
            failures.append(f"grad {shape} for output {out.shape}: gradients {got}, inputs {want}")
    assert not failures, f"{name}:\n" + "\n".join(failures)
