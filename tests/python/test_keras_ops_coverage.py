"""`pykeras.ops` against Keras 3's `keras.ops` (issue: ops registry and keras.ops).

The names of `keras.ops` and its groups were recorded once from Keras 3 into
tests/reference/keras_namespace.json. `keras.ops` must have at least 95% of its
names in pykeras, really implemented (not a stub), with Keras's parameter names;
in every group each name left out is listed below with the reason, and the list
must stay true (a name listed as missing that now exists, or a missing name not
listed, fails).
"""

import pytest
from keras_namespace import module_coverage

import pykeras

GROUPS = ["keras.ops", "keras.ops.nn", "keras.ops.numpy", "keras.ops.linalg", "keras.ops.image"]
# The bar holds for `keras.ops` as a whole (337 names); the groups' figures are
# reported, and in every group each missing name must be explained below.
BAR = 95.0

# Keras names deliberately absent, with the reason. Complex dtypes do not exist in
# pykeras (its tensors are float32 with int64 indices), so functions that take or
# return complex tensors have no honest equivalent.
LEFT_OUT = {
    "view_as_complex": "returns a complex tensor; pykeras has no complex dtype",
    "view_as_real": "takes a complex tensor; pykeras has no complex dtype",
    "polar": "returns a complex tensor; pykeras has no complex dtype",
    "eig": "general eigenvalues are complex; pykeras has no complex dtype",
}


@pytest.fixture(scope="module", params=GROUPS)
def group(request):
    return module_coverage(request.param)


def test_keras_ops_reaches_the_bar():
    ops = module_coverage("keras.ops")
    assert ops.coverage >= BAR, (
        f"keras.ops: {len(ops.present)}/{len(ops.keras_names)} ({ops.coverage:.1f}%) "
        f"< {BAR}%; missing: {ops.missing}"
    )


def test_each_group_exists(group):
    assert group.module_exists, f"{group.pykeras_module} does not exist"
    print(
        f"{group.keras_module}: {len(group.present)}/{len(group.keras_names)} "
        f"({group.coverage:.1f}%)"
    )


def test_every_missing_name_is_explained(group):
    unexplained = sorted(set(group.missing) - set(LEFT_OUT))
    assert not unexplained, f"{group.keras_module}: missing without a reason: {unexplained}"


def test_the_reasons_are_current():
    present = set()
    for name in GROUPS:
        present |= set(module_coverage(name).present)
    stale = sorted(set(LEFT_OUT) & present)
    assert not stale, f"listed as left out but present now: {stale}"


def test_present_names_take_keras_parameters(group):
    assert not group.signature_gaps, (
        f"{group.keras_module}: parameters Keras has and pykeras lacks: {group.signature_gaps}"
    )


def test_no_stub_counts(group):
    assert not group.stubs, f"{group.keras_module}: stubs {group.stubs}"


def test_namespaces_import_as_in_keras():
    from pykeras.ops import image, linalg, nn, numpy  # noqa: F401

    assert pykeras.ops.linalg is linalg and pykeras.ops.image is image
