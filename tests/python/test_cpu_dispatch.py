"""Run-time ISA dispatch: the paths a CPU can run, forcing a lower one, and
the results of each path against NumPy."""

import os
import subprocess
import sys

import numpy as np
import pytest

import pykeras
from pykeras import _core, config


@pytest.fixture
def restore_isa():
    before = config.get_isa()
    yield
    config.set_isa(before)


def test_cpu_info_reports_the_path_in_force_and_the_features():
    info = config.cpu_info()
    assert info["isa"] in info["available_isas"]
    assert info["available_isas"][0] == "baseline"
    assert info["threads"] == config.get_num_threads()
    assert isinstance(info["model"], str) and info["model"]
    if "avx512" in info["available_isas"]:
        assert {"avx512f", "avx512bw", "avx512vl"} <= set(info["features"])
    if "avx2" in info["available_isas"]:
        assert {"avx2", "fma"} <= set(info["features"])


def test_the_widest_path_is_the_default():
    env = {k: v for k, v in os.environ.items() if k != "PYKERAS_ISA"}
    out = subprocess.run(
        [sys.executable, "-c", "import pykeras; print(pykeras.config.get_isa())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == config.cpu_info()["available_isas"][-1]


@pytest.mark.parametrize("name", ["baseline", "avx2"])
def test_pykeras_isa_forces_a_lower_path_at_import(name):
    if name not in config.cpu_info()["available_isas"]:
        pytest.skip(f"this CPU has no {name} path")
    out = subprocess.run(
        [sys.executable, "-c", "import pykeras; print(pykeras.config.get_isa())"],
        env={**os.environ, "PYKERAS_ISA": name},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == name


def test_an_unknown_pykeras_isa_fails_the_import_naming_the_cpu_features():
    out = subprocess.run(
        [sys.executable, "-c", "import pykeras"],
        env={**os.environ, "PYKERAS_ISA": "avx1024"},
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "avx1024" in out.stderr
    assert "baseline, avx2, avx512" in out.stderr
    assert "This CPU has" in out.stderr


def test_set_isa_refuses_unknown_names_and_non_strings(restore_isa):
    with pytest.raises(ValueError, match="avx1024"):
        config.set_isa("avx1024")
    with pytest.raises(TypeError, match="set_isa"):
        config.set_isa(2)
    if "avx512" not in config.cpu_info()["available_isas"]:
        with pytest.raises(ValueError, match="cannot run"):
            config.set_isa("avx512")


def _paths():
    return _core.available_isas()


@pytest.mark.parametrize("isa", _paths())
@pytest.mark.parametrize(
    ("m", "k", "n"),
    [
        (1, 784, 512),
        (32, 784, 512),
        (7, 3, 5),
        (300, 65, 129),
        # The direct kernel's shapes (AVX-512): narrow, one row, small square.
        (1, 512, 10),
        (128, 512, 10),
        (1, 512, 784),
        (64, 64, 64),
    ],
)
def test_matmul_on_every_path_matches_numpy(restore_isa, isa, m, k, n):
    rng = np.random.default_rng(m * 1000 + n)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    config.set_isa(isa)
    got = pykeras.ops.convert_to_numpy(pykeras.ops.matmul(a, b))
    np.testing.assert_allclose(got, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4 * np.sqrt(k))
    # Transposed operands (the backward pass's layouts) too.
    got_t = _core.op("matmul", [np.ascontiguousarray(b.T), np.ascontiguousarray(a.T)])
    np.testing.assert_allclose(got_t, got.T, rtol=1e-4, atol=1e-4 * np.sqrt(k))


@pytest.mark.parametrize("isa", _paths())
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "exp", "gelu", "silu", "softplus"])
def test_elementwise_ops_give_the_same_bits_on_every_path(restore_isa, isa, name):
    x = np.linspace(-9, 9, 40_001, dtype=np.float32)
    config.set_isa("baseline")
    want = _core.op(name, [x])
    config.set_isa(isa)
    np.testing.assert_array_equal(_core.op(name, [x]), want)


@pytest.mark.parametrize("isa", _paths())
def test_a_model_trains_to_the_same_loss_on_every_path(restore_isa, isa):
    def train():
        pykeras.utils.set_random_seed(3)
        model = pykeras.Sequential(
            [
                pykeras.Input((20,)),
                pykeras.layers.Dense(64, activation="relu"),
                pykeras.layers.Dense(3, activation="softmax"),
            ]
        )
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        rng = np.random.default_rng(0)
        x = rng.standard_normal((256, 20), dtype=np.float32)
        y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)
        return model.fit(x, y, epochs=3, batch_size=32, verbose=0, shuffle=False).history["loss"]

    config.set_isa(_paths()[-1])
    widest = train()
    config.set_isa(isa)
    np.testing.assert_allclose(train(), widest, rtol=1e-4)
