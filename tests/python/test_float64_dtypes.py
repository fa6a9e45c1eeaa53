"""The result dtype of every `keras.ops` function on float64 input against
Keras 3 with JAX's x64 on (`tests/reference/data/float64_dtypes.json`,
recorded by `tests/reference/make_float64_dtypes_reference.py`): each op
Keras accepted with its required arguments all the same float64 (3, 4)
array is called so on pykeras and must give Keras's dtypes, but for
pykeras's documented conventions (`docs/dtypes-and-dynamic-shapes.md`)."""

import json
import pathlib

import numpy as np
import pytest

from pykeras import ops

DATA = json.loads(
    (
        pathlib.Path(__file__).resolve().parents[1] / "reference" / "data" / "float64_dtypes.json"
    ).read_text()
)
CASES = DATA["cases"]


def example():
    """The generator's input."""
    return (np.arange(12, dtype=np.float64).reshape(3, 4) + 1.5) / 15.0


def leaves(out):
    if isinstance(out, (list, tuple)):
        return [leaf for item in out for leaf in leaves(item)]
    return [out]


# pykeras's convention where Keras-x64 differs (documented in
# docs/dtypes-and-dynamic-shapes.md): positions and counts are int32 (Keras's
# default without x64).
INT_RESULT = {"int64": "int32"}
# Calls the survey makes that pykeras refuses or lacks, not dtype questions:
# complex results, 3-D convolution, and arguments pykeras requires as numbers
# or lists.
NOT_COMPARED = {
    "polar": "complex results are not supported",
    "view_as_real": "complex inputs are not supported",
    "conv_transpose": "3-D convolution is not available",
    "dstack": "takes a list of tensors only",
    "clip": "takes numbers as bounds",
    "threshold": "takes numbers as threshold and default value",
    "where": "takes x1 and x2 with the condition",
}


def expected(keras_dtypes):
    return [INT_RESULT.get(d, d) for d in keras_dtypes]


def test_the_fixture_covers_the_float_ops():
    assert len(CASES) > 150
    assert sum(c["dtypes"] == ["float64"] for c in CASES.values()) > 100


@pytest.mark.parametrize("name", sorted(CASES))
def test_float64_result_dtypes_match_keras_with_x64(name):
    if name in NOT_COMPARED:
        pytest.skip(NOT_COMPARED[name])
    case = CASES[name]
    out = getattr(ops, name)(*[example() for _ in range(case["nargs"])])
    got = [str(np.asarray(v).dtype) for v in leaves(out)]
    assert got == expected(case["dtypes"])
