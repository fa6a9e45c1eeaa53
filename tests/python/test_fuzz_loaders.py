"""Damaged files fail cleanly, and nothing in a file ever runs.

The loader fuzzer's mutators (benches/fuzz_mutators.py, benches/fuzz_configs.py),
driven by hypothesis, damage a `.keras`, legacy `.h5`, `.weights.h5`, legacy
weights `.h5`, JSON and YAML file of three small models; every load must succeed
or raise a `ValueError`, `TypeError` or `OSError` whose message names the file.
The long run is `python benches/fuzz_loaders.py` (100,000 cases, in subprocesses).

Then: payloads that would run code if a loader executed them (each writes a
marker file) never do, though each is shown to be live; and the damage the
fuzzer found behind each loader bug is replayed as a fixed case.
"""

import importlib.util
import io
import json
import os
import pathlib
import pickle
import struct
import subprocess
import sys

import h5py
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pykeras as keras
from pykeras.errors import FileFormatError

BENCHES = pathlib.Path(__file__).resolve().parents[2] / "benches"
REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference"


def _bench_module(name):
    spec = importlib.util.spec_from_file_location(name, BENCHES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzz = _bench_module("fuzz_loaders")  # puts benches/ on sys.path for its two siblings
mutators, configs = fuzz.fuzz_mutators, fuzz.fuzz_configs
MARKER = configs.MARKER

# About 2,700 cases in all, well under a minute on two cores. The same cases each run
# (the long hunt is the benchmark's); PYKERAS_FUZZ_RANDOM=1 draws new ones, and
# PYKERAS_FUZZ_EXAMPLES raises their number.
EXAMPLES = int(os.environ.get("PYKERAS_FUZZ_EXAMPLES", "500"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not os.environ.get("PYKERAS_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    return fuzz.write_seeds(tmp_path_factory.mktemp("fuzz_seeds"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz_cases")


# ------------------------------------------------------------------ fuzzing


@pytest.mark.parametrize("fmt", mutators.FORMATS)
def test_damaged_files_load_or_fail_cleanly(fmt, seeds, workdir):
    # YAML is parsed in pure Python, ten times slower than the rest: fewer cases.
    examples = EXAMPLES // 3 if fmt == "yaml" else EXAMPLES

    @settings(FUZZ, max_examples=examples)
    @given(rng=st.randoms(use_true_random=False))
    def check(rng):
        case = mutators.mutate_case(rng, fmt, seeds)
        status, name, message = fuzz.run_case(case, workdir)
        assert status in ("ok", "error"), (
            f"{status} ({name}: {message[:400]}) after {case.log}, loaded with {case.options}"
        )

    check()


def test_the_virtual_dataset_hang_is_refused(workdir):
    """Case 53007 of seed 0 (benches/fuzz_loaders.py): a legacy weights file whose
    kernel became a virtual dataset with a damaged mapping heap, on which libhdf5
    looped forever in C. The pre-check refuses it before the library opens it.
    The damaged file is kept as found (tests/reference/saving): regenerated
    from today's seed files the same mutations hit other bytes (weight paths,
    and so the files, changed with Keras's name scopes)."""
    data = (REFERENCE / "saving" / "fuzz_virtual_dataset_hang.h5").read_bytes()
    options = {"compile": True, "skip_mismatch": False, "by_name": True}
    options.update(via="load_weights", as_bytes=False)
    case = mutators.Case(53007, "legacy_weights", "mlp", data, options=options)
    status, name, message = fuzz.run_case(case, workdir)
    assert (status, name) == ("error", "FileFormatError"), (status, name, message[:400])
    assert "global heap" in message


# ------------------------------------------------------------------ no code runs


def _config_of(fmt, data):
    if fmt == "keras":
        return json.loads(dict(mutators.zip_members(data))["config.json"])
    if fmt == "h5":
        with h5py.File(io.BytesIO(data), "r") as f:
            return json.loads(f.attrs["model_config"])
    return json.loads(data) if fmt == "json" else yaml.safe_load(data)


def _with_config(fmt, data, config):
    """The seed file `data` of format `fmt` with its model config replaced."""
    if fmt == "keras":
        members = [
            (n, json.dumps(config).encode() if n == "config.json" else c)
            for n, c in mutators.zip_members(data)
        ]
        return mutators.make_zip(members)
    if fmt == "h5":
        buf = io.BytesIO(data)
        with h5py.File(buf, "r+") as f:
            f.attrs["model_config"] = json.dumps(config).encode()
        return buf.getvalue()
    return json.dumps(config).encode() if fmt == "json" else yaml.safe_dump(config).encode()


def _load(fmt, data, tmp_path, **kwargs):
    """Loads `data` as a `fmt` file (from `tmp_path`, the working directory)."""
    if fmt == "json":
        return keras.models.model_from_json(data.decode())
    if fmt == "yaml":
        return keras.models.model_from_yaml(data.decode())
    path = tmp_path / f"payload{fuzz.EXTENSIONS[fmt]}"
    path.write_bytes(data)
    if fmt in ("weights", "legacy_weights"):
        return fuzz.build_model("mlp", train=False).load_weights(path)
    return keras.models.load_model(path, **kwargs)


def _load_and_judge(fmt, data, tmp_path, **kwargs):
    """Loads; returns the error (None on success) and asserts that no code ran."""
    try:
        _load(fmt, data, tmp_path, **kwargs)
        error = None
    except (ValueError, TypeError, OSError) as e:
        error = e
    assert not (tmp_path / MARKER).exists(), f"a {fmt} file ran code: {error}"
    return error


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the payloads write their marker here
    return tmp_path


def test_the_payloads_are_live(in_tmp, seeds):
    """Each kind of payload below does write the marker when executed, so its
    absence after a load means the loader did not execute it."""
    pickle.loads(configs.PICKLE_PAYLOAD)  # runs the payload: the point here
    assert (in_tmp / MARKER).exists()
    (in_tmp / MARKER).unlink()
    yaml.unsafe_load(configs.YAML_TAG_PAYLOADS[0])
    assert (in_tmp / MARKER).exists()
    (in_tmp / MARKER).unlink()
    config = _config_of("keras", seeds[("mlp", "keras")])
    layers = config["config"]["layers"]
    layers[2] = configs.lambda_layer_entry(layers[2]["config"]["name"], [], keras2=False)
    data = _with_config("keras", seeds[("mlp", "keras")], config)
    with pytest.warns(UserWarning):  # the optimizer state no longer fits: dropped
        _load("keras", data, in_tmp, safe_mode=False)
    assert (in_tmp / MARKER).exists()


def _placements(config):
    """Where a payload goes in a model config: (name, function putting it there)."""
    layers = config["config"]["layers"]
    dense = next(e for e in layers if e["class_name"] == "Dense")

    def at(key):
        def put(value):
            dense["config"][key] = value

        return put

    def whole_layer(value):
        layers[layers.index(dense)] = value

    return [
        ("activation", at("activation")),
        ("initializer", at("kernel_initializer")),
        ("layer", whole_layer),
    ]


@pytest.mark.parametrize("fmt", ["keras", "h5", "json", "yaml"])
@pytest.mark.parametrize("payload", range(len(configs.code_payloads())))
def test_no_payload_in_a_config_runs(fmt, payload, in_tmp, seeds):
    for model in ("mlp", "cnn"):
        for where in range(3):
            config = _config_of(fmt, seeds[(model, fmt)])
            _, put = _placements(config)[where]
            put(configs.code_payloads()[payload])
            _load_and_judge(fmt, _with_config(fmt, seeds[(model, fmt)], config), in_tmp)


@pytest.mark.parametrize("fmt", ["keras", "h5", "json", "yaml"])
@pytest.mark.parametrize("keras2", [False, True])
def test_lambda_bytecode_is_refused_without_running(fmt, keras2, in_tmp, seeds):
    for model in ("mlp", "cnn"):
        config = _config_of(fmt, seeds[(model, fmt)])
        layers = config["config"]["layers"]
        i = next(i for i, e in enumerate(layers) if e["class_name"] == "Dense")
        old = layers[i]
        entry = configs.lambda_layer_entry(old["config"]["name"], [], keras2)
        entry["inbound_nodes"] = old.get("inbound_nodes", [])
        if "inbound_nodes" not in old:
            del entry["inbound_nodes"]
        layers[i] = entry
        error = _load_and_judge(fmt, _with_config(fmt, seeds[(model, fmt)], config), in_tmp)
        assert error is not None and "bytecode" in str(error)


def _h5_with(data, edit):
    buf = io.BytesIO(data)
    with h5py.File(buf, "r+") as f:
        edit(f)
    return buf.getvalue()


def _opaque_kernel(f):
    path = _kernel_path(f)
    del f[path]
    f[path] = np.void(configs.PICKLE_PAYLOAD)


def _pickled_attr(name, group=""):
    def edit(f):
        f[group or "/"].attrs.create(name, np.void(configs.PICKLE_PAYLOAD))

    return edit


def _pickled_members(seed):
    return mutators.make_zip([(n, configs.PICKLE_PAYLOAD) for n, _ in mutators.zip_members(seed)])


PICKLES = {
    "keras-file": ("keras", lambda seed: configs.PICKLE_PAYLOAD),
    "h5-file": ("h5", lambda seed: configs.PICKLE_PAYLOAD),
    "keras-members": ("keras", _pickled_members),
    "h5-config": ("h5", lambda seed: _h5_with(seed, _pickled_attr("model_config"))),
    "h5-weight": ("h5", lambda seed: _h5_with(seed, _opaque_kernel)),
    "weights-weight": ("legacy_weights", lambda seed: _h5_with(seed, _opaque_kernel)),
    "h5-names": ("h5", lambda seed: _h5_with(seed, _pickled_attr("layer_names", "model_weights"))),
    "weights-names": ("legacy_weights", lambda seed: _h5_with(seed, _pickled_attr("layer_names"))),
}


@pytest.mark.parametrize("where", PICKLES, ids=list(PICKLES))
def test_pickles_are_never_unpickled(where, in_tmp, seeds):
    fmt, make = PICKLES[where]
    error = _load_and_judge(fmt, make(seeds[("mlp", fmt)]), in_tmp)
    assert isinstance(error, FileFormatError)


PYTHON_TAGS = [t for t in configs.YAML_TAG_PAYLOADS if "python/" in t and "tuple" not in t]


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_yaml_python_tags_inside_a_model_are_refused(tag, in_tmp, seeds):
    text = seeds[("mlp", "yaml")].decode().replace("activation: relu", f"activation: {tag}")
    assert tag in text
    error = _load_and_judge("yaml", text.encode(), in_tmp)
    assert isinstance(error, FileFormatError) and "cannot be read safely" in str(error)


# ------------------------------------------------------------------ fixed cases
# Damage the fuzzer found behind each loader bug (a crash, a hang, a stray
# exception class or an unnamed file), replayed: each now fails with a message
# that says what is wrong.

_DEEP = "[" * 100_000 + "]" * 100_000
TEXTS = [
    ("json", '{"class_name": "Sequential", "config": {"layers": ' + _DEEP + "}}", "too deeply"),
    ("yaml", "class_name: Sequential\nconfig: {layers: " + "[" * 5000 + "]" * 5000 + "}", "deep"),
    ("yaml", f"class_name: Sequential\nconfig: {configs.yaml_alias_bomb(9)}\n", "too large"),
    ("yaml", "class_name: Sequential\nconfig: &self {layers: [*self]}\n", "contains itself"),
    ("yaml", "class_name: Sequential\nconfig: {name: !!binary aGk=}\n", "holds a bytes"),
    ("yaml", "class_name: Sequential\nconfig: {layers: [], 7: x}\n", "not a string"),
    ("json", '{"class_name": "Sequential", "config": {"name": 1' + "0" * 30 + "}}", "64 bits"),
    ("json", '["not", "a", "model"]', "'class_name' and 'config'"),
]


@pytest.mark.parametrize("fmt,text,match", TEXTS, ids=[f"{t[0]}-{t[2]}" for t in TEXTS])
def test_texts_that_are_not_configs(fmt, text, match):
    load = keras.models.model_from_json if fmt == "json" else keras.models.model_from_yaml
    with pytest.raises(FileFormatError, match=match):
        load(text)


def _dense(config):
    return next(e for e in config["config"]["layers"] if e["class_name"] == "Dense")


def _conv(config):
    return next(e for e in config["config"]["layers"] if e["class_name"] == "Conv2D")


def _set(path, value):
    def edit(config):
        *keys, last = path
        node = config
        for key in keys:
            node = node(config) if callable(node) and node is key else node[key]
        node[last] = value

    return edit


CONFIG_EDITS = {
    "inbound_nodes": (lambda c: _conv(c).update(inbound_nodes="x"), "inbound_nodes"),
    "module": (lambda c: _conv(c).update(module=5), "module"),
    "class_name": (lambda c: _conv(c).update(class_name=7), "class_name"),
    "node index": (
        lambda c: _conv(c)["inbound_nodes"][0]["args"][0]["config"].update(
            keras_history=["image", 0.5, 0]
        ),
        "tensor reference",
    ),
    "shape": (
        lambda c: c["config"]["layers"][0]["config"].update(batch_shape=[None, float("inf")]),
        "list of sizes",
    ),
    "array dtype": (
        lambda c: _conv(c)["config"].update(
            activation={"class_name": "__numpy__", "config": {"value": 1, "dtype": "(999999,)f8"}}
        ),
        "numeric 'dtype'",
    ),
    "bytes": (
        lambda c: _conv(c)["config"].update(activation={"class_name": "__bytes__", "config": {}}),
        "string 'value'",
    ),
    "dtype policy": (
        lambda c: _conv(c)["config"].update(dtype={"class_name": "DTypePolicy", "config": ["x"]}),
        "dtype policy",
    ),
    "call argument": (
        lambda c: _conv(c)["inbound_nodes"][0].update(args=["float32"]),
        "layer 'conv' is incompatible",
    ),
    "build config": (lambda c: c.update(build_config=[1]), "'build_config' to be a dict"),
    "units": (lambda c: _dense(c)["config"].update(units=10**9), "does not fit"),
    "filters": (lambda c: _conv(c)["config"].update(filters=2**31), "does not fit"),
}


@pytest.mark.parametrize("edit", CONFIG_EDITS, ids=list(CONFIG_EDITS))
@pytest.mark.parametrize("fmt", ["json", "keras"])
def test_configs_with_wrong_values(edit, fmt, seeds, tmp_path):
    change, match = CONFIG_EDITS[edit]
    config = _config_of(fmt, seeds[("cnn", fmt)])
    change(config)
    # A `.keras` file names itself in a FileFormatError; JSON text may also give
    # the error of the layer that refused the value (a ValueError).
    error = FileFormatError if fmt == "keras" else ValueError
    with pytest.raises(error, match=match) as caught:
        _load(fmt, _with_config(fmt, seeds[("cnn", fmt)], config), tmp_path)
    if fmt == "keras":
        assert "payload.keras" in str(caught.value)


def _pop_path(f, path):
    """Deletes `path` and returns it (to put something else there)."""
    del f[path]
    return path


def _kernel_path(f):
    """The hidden layer's kernel: `[model_weights/]hidden/<model>/hidden/kernel`,
    its weight path under the layer's group, as Keras 3 writes it."""
    found = []
    f.visit(lambda name: found.append(name) if name.endswith("hidden/kernel") else None)
    assert len(found) == 1, found
    return found[0]


def _replace(f, path, **kwargs):
    del f[path]
    f.create_dataset(path, **kwargs)


def _replace_with_link(f, path, link):
    del f[path]
    f[path] = link


H5_EDITS = {
    "strings": (
        lambda f: _replace(f, _kernel_path(f), data=np.full((8, 16), b"ab")),
        "should hold numbers",
    ),
    "names": (
        lambda f: f.get("model_weights", f).attrs.create("layer_names", np.arange(3)),
        "list of names",
    ),
    "missing": (lambda f: f.__delitem__(_kernel_path(f)), "has no 'kernel'"),
    "group": (
        lambda f: f.create_group(_pop_path(f, _kernel_path(f))),
        "should hold an HDF5 dataset",
    ),
    "bomb": (
        # 1.6 GB declared, nothing stored: refused by its shape before it is read.
        lambda f: _replace(f, _kernel_path(f), shape=(20_000, 20_000), dtype="f4", chunks=True),
        "holds shape \\(20000, 20000\\)",
    ),
    "huge bomb": (
        lambda f: _replace(f, _kernel_path(f), shape=(2**20, 2**20), dtype="f4", chunks=True),
        "declares 4398046511104 bytes but stores only 0",
    ),
    "soft link": (
        lambda f: _replace_with_link(f, _kernel_path(f), h5py.SoftLink("/")),
        "link out",
    ),
}


@pytest.mark.parametrize("edit", H5_EDITS, ids=list(H5_EDITS))
@pytest.mark.parametrize("fmt", ["h5", "legacy_weights"])
def test_weights_with_wrong_datasets(edit, fmt, seeds, tmp_path):
    change, match = H5_EDITS[edit]
    data = _h5_with(seeds[("mlp", fmt)], change)
    with pytest.raises(FileFormatError, match=match) as caught:
        _load(fmt, data, tmp_path)
    assert "payload" in str(caught.value)


def _collection_free_space(data):
    """The offset of the size field of the free-space object of the first global
    heap collection (where `layer_names` and `model_config` live)."""
    start = data.find(b"GCOL")
    size = struct.unpack("<Q", data[start + 8 : start + 16])[0]
    p = start + 16
    while p + 16 <= start + size:
        index, length = struct.unpack("<H", data[p : p + 2])[0], data[p + 8 : p + 16]
        if index == 0:
            return p + 8
        p += 16 + ((struct.unpack("<Q", length)[0] + 7) & ~7)
    raise AssertionError("no free space in the collection")


def _heap_free_list_loop(data):
    start = data.find(b"HEAP")
    free, address = struct.unpack("<QQ", data[start + 16 : start + 32])
    return address + free, struct.pack("<Q", free)  # the first free block names itself next


def _long_name(data):
    """The length of the first name in `layer_names`, a variable-length string whose
    heap object sits in the collection at byte 2048, made 4 GB."""
    with h5py.File(io.BytesIO(bytes(data)), "r") as f:
        first = f.get("model_weights", f).attrs["layer_names"][0]
    at = data.find(struct.pack("<IQ", len(first), data.find(b"GCOL")))
    return at, struct.pack("<I", 0xF000_0000)


# How each damage is made, and what the library does with it unchecked: loop for
# ever (global heap), allocate until the process dies (local heap), allocate the
# claimed 4 GB before noticing (attribute), or, after some other files were read
# in the same process, crash it (a B-tree node at level 128).
DAMAGE = {
    "global heap": lambda data: (_collection_free_space(data), struct.pack("<Q", 0)),
    "local heap": _heap_free_list_loop,
    "attribute": _long_name,
    "B-tree node": lambda data: (data.find(b"TREE") + 5, b"\x80"),
}


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("fmt", ["h5", "legacy_weights"])
def test_hdf5_damage_the_library_cannot_survive(damage, fmt, seeds, tmp_path):
    """Refused before HDF5 reads it; in a subprocess, so that a regression times out
    or crashes there instead of here."""
    data = bytearray(seeds[("mlp", fmt)])
    at, value = DAMAGE[damage](data)
    assert at >= 0
    data[at : at + len(value)] = value
    path = tmp_path / f"damaged{fuzz.EXTENSIONS[fmt]}"
    path.write_bytes(bytes(data))
    if fmt == "h5":
        load = f"keras.models.load_model({str(path)!r})"
    else:
        model = "keras.Sequential([keras.Input((8,)), keras.layers.Dense(16)])"
        load = f"{model}.load_weights({str(path)!r})"
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
        "import pykeras as keras\n"
        f"try:\n    {load}\nexcept keras.errors.FileFormatError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"'{path}' is corrupt: its HDF5 {damage}" in out.stdout
