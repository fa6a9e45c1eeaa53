"""Initializers, regularizers and constraints: Keras 3's names, aliases,
get/serialize/deserialize, and the new classes against recorded Keras values
(tests/reference/make_catalogue_reference.py)."""

import json
import os

import numpy as np
import pytest

import pykeras as keras
from pykeras import constraints, initializers, regularizers

DATA = os.path.join(os.path.dirname(__file__), "..", "reference", "data")
with open(os.path.join(DATA, "catalogue.json")) as f:
    REF = json.load(f)
ARRAYS = dict(np.load(os.path.join(DATA, "catalogue.npz")))

INITIALIZER_ALIASES = {
    "glorot_normal": "GlorotNormal", "glorot_uniform": "GlorotUniform",
    "he_normal": "HeNormal", "he_uniform": "HeUniform", "lecun_normal": "LecunNormal",
    "lecun_uniform": "LecunUniform", "ones": "Ones", "zeros": "Zeros",
    "orthogonal": "Orthogonal", "OrthogonalInitializer": "Orthogonal",
    "identity": "Identity", "IdentityInitializer": "Identity",
    "random_normal": "RandomNormal", "random_uniform": "RandomUniform",
    "truncated_normal": "TruncatedNormal", "variance_scaling": "VarianceScaling",
    "stft": "STFT", "STFTInitializer": "STFT", "constant": "Constant",
}  # fmt: skip


@pytest.mark.parametrize("alias, name", sorted(INITIALIZER_ALIASES.items()))
def test_initializer_aliases_are_the_classes(alias, name):
    assert getattr(initializers, alias) is getattr(initializers, name)
    assert type(initializers.get(alias)) is getattr(initializers, name)


@pytest.mark.parametrize(
    "module, alias, name",
    [
        (regularizers, "l1", "L1"),
        (regularizers, "l2", "L2"),
        (regularizers, "orthogonal_regularizer", "OrthogonalRegularizer"),
        (constraints, "max_norm", "MaxNorm"),
        (constraints, "min_max_norm", "MinMaxNorm"),
        (constraints, "non_neg", "NonNeg"),
        (constraints, "unit_norm", "UnitNorm"),
    ],
)
def test_regularizer_and_constraint_aliases(module, alias, name):
    assert getattr(module, alias) is getattr(module, name)
    assert type(module.get(alias)) is getattr(module, name)


def test_l1_l2_shortcut():
    reg = regularizers.l1_l2(0.1, 0.2)
    assert reg.get_config() == {"l1": 0.1, "l2": 0.2}


@pytest.mark.parametrize(
    "module, obj",
    [
        (initializers, initializers.HeNormal(seed=3)),
        (
            initializers,
            initializers.VarianceScaling(2.0, "fan_out", input_axes=[0], output_axes=[1]),
        ),
        (initializers, initializers.STFT(side="imag", window="hamming")),
        (regularizers, regularizers.OrthogonalRegularizer(0.2, "columns")),
        (regularizers, regularizers.L1L2(0.1, 0.3)),
        (constraints, constraints.MinMaxNorm(0.5, 2.0, rate=0.5, axis=1)),
    ],
)
def test_serialize_deserialize_round_trip(module, obj):
    blob = json.loads(json.dumps(module.serialize(obj)))
    again = module.deserialize(blob)
    assert type(again) is type(obj)
    assert again.get_config() == obj.get_config()


def test_deserialize_takes_custom_objects():
    class Halve(constraints.Constraint):
        def __call__(self, w):
            return np.asarray(w) / 2

    got = constraints.deserialize(
        {"class_name": "Halve", "config": {}}, custom_objects={"Halve": Halve}
    )
    assert isinstance(got, Halve)


@pytest.mark.parametrize("module", [initializers, regularizers, constraints])
def test_unknown_names_raise_with_close_matches(module):
    with pytest.raises(ValueError, match="Did you mean"):
        module.get(
            {"initializers": "he_normall", "regularizers": "l2_", "constraints": "max_nom"}[
                module.__name__.split(".")[-1]
            ]
        )


@pytest.mark.parametrize("key", sorted(REF["stft"]))
def test_stft_kernels_match_keras(key):
    spec = REF["stft"][key]
    init = initializers.STFT(**spec["config"])
    np.testing.assert_allclose(init(spec["shape"]), ARRAYS[f"stft/{key}"], rtol=1e-5, atol=1e-6)
    assert json.loads(json.dumps(init.get_config())) == spec["get_config"]


def test_stft_refuses_bad_arguments():
    with pytest.raises(ValueError, match="side"):
        initializers.STFT(side="left")
    with pytest.raises(ValueError, match="Scaling"):
        initializers.STFT(scaling="area")
    with pytest.raises(ValueError, match="frame_length"):
        initializers.STFT()((4, 4))


@pytest.mark.parametrize("key", sorted(REF["orthogonal"]))
def test_orthogonal_regularizer_matches_keras(key):
    spec = REF["orthogonal"][key]
    reg = regularizers.OrthogonalRegularizer(factor=spec["factor"], mode=spec["mode"])
    x = keras.ops.convert_to_tensor(ARRAYS[f"orthogonal/{key}/x"])
    np.testing.assert_allclose(
        np.asarray(reg(x)), ARRAYS[f"orthogonal/{key}/penalty"], rtol=1e-5, atol=1e-7
    )
    assert reg.get_config() == spec["config"]


def test_orthogonal_regularizer_bad_input():
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="factor"):
        regularizers.OrthogonalRegularizer(factor=-1.0)
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(keras.ops.ones((2, 2, 2)))


def test_orthogonal_regularizer_trains_in_fit():
    keras.utils.set_random_seed(0)
    reg = regularizers.orthogonal_regularizer(factor=1.0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, kernel_regularizer=reg)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = np.zeros((8, 4), np.float32)
    first = model.evaluate(x, np.zeros((8, 3), np.float32), verbose=0)
    model.fit(x, np.zeros((8, 3), np.float32), epochs=20, verbose=0)
    last = model.evaluate(x, np.zeros((8, 3), np.float32), verbose=0)
    assert first > 0 and last < first  # only the penalty drives the kernel here


def test_variance_scaling_axes_set_the_fans():
    init = initializers.VarianceScaling(
        scale=1.0, mode="fan_in", distribution="uniform", seed=1, input_axes=[0, 1], output_axes=[2]
    )
    values = init((10, 10, 3))
    limit = np.sqrt(3.0 / 100)
    assert np.abs(values).max() <= limit and np.abs(values).max() > 0.8 * limit
    assert initializers.compute_fans((10, 10, 3), [0, 1], [2]) == (100, 3)
