"""Ways to damage a saved model file, for the loader fuzzer (benches/fuzz_loaders.py).

Every mutator takes the file's bytes and a `random.Random`, returns new bytes,
and appends what it did to a log, so a failing case can be told and replayed.
Nothing here imports pykeras: the mutators work on raw bytes, zip members,
config trees (benches/fuzz_configs.py) and HDF5 objects (through h5py), so the
loaders meet them cold.

- bytes: bit flips, byte overwrites, truncation, chunk deletion / duplication /
  insertion, integers planted over size fields (any format).
- zip: members dropped, swapped, renamed, duplicated, corrupted with a valid
  CRC, recompressed, size fields lying (`.keras`).
- hdf5: datasets rewritten with h5py with wrong shapes and dtypes, shape bombs,
  groups and datasets swapped or deleted, attributes rewritten, soft, external
  and self links, external and virtual storage (`.h5`, `.weights.h5`, and the
  weights inside `.keras`).
- config and payloads: see benches/fuzz_configs.py.
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile
from dataclasses import dataclass, field

import h5py
import numpy as np
import yaml
from fuzz_configs import (
    EVAL_STRING,
    PICKLE_PAYLOAD,
    chance,
    dump_yaml,
    mutate_json_text,
    mutate_tree,
    mutate_yaml_text,
)

FORMATS = ("keras", "h5", "weights", "legacy_weights", "json", "yaml")
MODELS = ("mlp", "cnn", "multi")

CONFIG_MEMBER = "config.json"
WEIGHTS_MEMBER = "model.weights.h5"
METADATA_MEMBER = "metadata.json"


@dataclass
class Case:
    """One fuzz case: the damaged bytes of a `fmt` file made from model `model`.

    Args:
        index: the case's number (with the run's seed, enough to rebuild it).
        fmt: one of `FORMATS`.
        model: one of `MODELS`.
        data: the file's bytes (UTF-8 text for "json" and "yaml").
        log: what the mutators did, in order.
        options: how to load it (`compile`, `skip_mismatch`, `by_name`, `via`).
    """

    index: int
    fmt: str
    model: str
    data: bytes
    log: list = field(default_factory=list)
    options: dict = field(default_factory=dict)


# ------------------------------------------------------------------ bytes

_INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF)
_INTERESTING_INTS = (
    0,
    1,
    2**7,
    2**8 - 1,
    2**15,
    2**16 - 1,
    2**31 - 1,
    2**31,
    2**32 - 1,
    2**63 - 1,
    2**64 - 1,
)


def flip_bits(data: bytes, rng: random.Random, log: list) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    n = rng.randint(1, 8)
    for _ in range(n):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    log.append(f"flip {n} bits")
    return bytes(out)


def set_bytes(data: bytes, rng: random.Random, log: list) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    n = rng.randint(1, 8)
    for _ in range(n):
        value = rng.choice(_INTERESTING_BYTES) if chance(rng, 50) else rng.randrange(256)
        out[rng.randrange(len(out))] = value
    log.append(f"set {n} bytes")
    return bytes(out)


def truncate(data: bytes, rng: random.Random, log: list) -> bytes:
    cut = rng.choice((0, 1, 7, 8, 9)) if chance(rng, 10) else rng.randrange(len(data) + 1)
    log.append(f"truncate to {cut} of {len(data)} bytes")
    return data[:cut]


def delete_chunk(data: bytes, rng: random.Random, log: list) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    size = rng.randint(1, min(len(data) - start, rng.choice((1, 8, 64, 1024, 8192))))
    log.append(f"delete {size} bytes at {start}")
    return data[:start] + data[start + size :]


def duplicate_chunk(data: bytes, rng: random.Random, log: list) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, rng.choice((8, 64, 1024, 8192)))]
    at = rng.randrange(len(data) + 1)
    log.append(f"duplicate {len(chunk)} bytes from {start} to {at}")
    return data[:at] + chunk + data[at:]


def insert_random(data: bytes, rng: random.Random, log: list) -> bytes:
    at = rng.randrange(len(data) + 1)
    chunk = rng.randbytes(rng.randint(1, 256))
    log.append(f"insert {len(chunk)} random bytes at {at}")
    return data[:at] + chunk + data[at:]


def overwrite_chunk(data: bytes, rng: random.Random, log: list) -> bytes:
    if len(data) < 2:
        return data
    size = rng.randint(1, min(len(data) // 2, 512))
    src, dst = rng.randrange(len(data) - size + 1), rng.randrange(len(data) - size + 1)
    log.append(f"copy {size} bytes from {src} over {dst}")
    out = bytearray(data)
    out[dst : dst + size] = data[src : src + size]
    return bytes(out)


def plant_int(data: bytes, rng: random.Random, log: list) -> bytes:
    """An extreme integer over what may be a size, offset or count field."""
    width, fmt = rng.choice(((1, "<B"), (2, "<H"), (4, "<I"), (8, "<Q")))
    if len(data) < width:
        return data
    value = rng.choice(_INTERESTING_INTS) & ((1 << (8 * width)) - 1)
    at = rng.randrange(len(data) - width + 1)
    log.append(f"plant {value} ({width} bytes) at {at}")
    return data[:at] + struct.pack(fmt, value) + data[at + width :]


_HDF5_SIGNATURES = (b"GCOL", b"HEAP", b"TREE", b"SNOD", b"\x89HDF")


def plant_in_structure(data: bytes, rng: random.Random, log: list) -> bytes:
    """An extreme integer inside one of HDF5's signed structures (heaps, B-tree
    and symbol table nodes, the superblock): sizes, counts, addresses, links."""
    spots = [i for sig in _HDF5_SIGNATURES for i in _find_all(data, sig)]
    if not spots:
        return plant_int(data, rng, log)
    at = rng.choice(spots) + rng.randrange(4, 64)
    width, fmt = rng.choice(((1, "<B"), (2, "<H"), (4, "<I"), (8, "<Q")))
    if at + width > len(data):
        return plant_int(data, rng, log)
    value = rng.choice(_INTERESTING_INTS + (at, at - 8)) & ((1 << (8 * width)) - 1)
    log.append(f"plant {value} ({width} bytes) in the HDF5 structure at {at}")
    return data[:at] + struct.pack(fmt, value) + data[at + width :]


def _find_all(data: bytes, needle: bytes) -> list:
    found, at = [], data.find(needle)
    while at != -1:
        found.append(at)
        at = data.find(needle, at + 1)
    return found


BYTE_MUTATORS = (
    flip_bits,
    set_bytes,
    truncate,
    delete_chunk,
    duplicate_chunk,
    insert_random,
    overwrite_chunk,
    plant_int,
    plant_in_structure,
)


def mutate_bytes(data: bytes, rng: random.Random, log: list) -> bytes:
    """One to three byte-level mutations."""
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        data = rng.choice(BYTE_MUTATORS)(data, rng, log)
    return data


# ------------------------------------------------------------------ zip


def zip_members(data: bytes) -> list:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def make_zip(members, compression=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        with zipfile.ZipFile(buf, "w", compression=compression) as zf:
            for name, content in members:
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
                info.compress_type = compression
                zf.writestr(info, content)
    return buf.getvalue()


def _lie_about_sizes(data: bytes, rng: random.Random, log: list) -> bytes:
    """A central-directory or local header claiming another (compressed) size."""
    signatures = [(b"PK\x01\x02", (20, 24)), (b"PK\x03\x04", (18, 22))]
    sig, offsets = rng.choice(signatures)
    spots = [i for i in range(len(data)) if data.startswith(sig, i)]
    if not spots:
        return data
    at = rng.choice(spots) + rng.choice(offsets)
    value = rng.choice((0, 1, 2**31, 2**32 - 1, 2**30 + 1))
    log.append(f"zip header size field at {at} = {value}")
    return data[:at] + struct.pack("<I", value) + data[at + 4 :]


def mutate_zip(data: bytes, rng: random.Random, log: list, tree_payload=False) -> bytes:
    """A `.keras` archive with its members damaged (the zip itself stays valid unless
    the size fields lie)."""
    members = zip_members(data)
    names = [name for name, _ in members]
    how = rng.choice(
        ("config", "config", "config", "weights", "weights", "drop", "replace")
        + ("swap", "corrupt", "rename", "duplicate", "extra", "compress", "sizes", "empty")
    )
    if tree_payload:
        how = "payload"
    compression = zipfile.ZIP_STORED
    if how in ("config", "payload"):
        members = [
            (n, mutate_json_text(c, rng, log, how == "payload") if n == CONFIG_MEMBER else c)
            for n, c in members
        ]
    elif how == "weights":
        members = [(n, mutate_h5(c, rng, log) if n == WEIGHTS_MEMBER else c) for n, c in members]
    elif how == "drop":
        drop = rng.choice(names)
        members = [(n, c) for n, c in members if n != drop]
        log.append(f"drop member {drop}")
    elif how == "replace":
        target = rng.choice(names)
        content = rng.choice(
            (b"", rng.randbytes(rng.randint(1, 4096)), PICKLE_PAYLOAD, b"null", b"[]", b"{}")
        )
        members = [(n, content if n == target else c) for n, c in members]
        log.append(f"replace member {target} with {content[:20]!r}")
    elif how == "swap":
        a, b = rng.sample(names, 2)
        contents = dict(members)
        members = [(n, contents[b] if n == a else contents[a] if n == b else c) for n, c in members]
        log.append(f"swap members {a} and {b}")
    elif how == "corrupt":
        target = rng.choice(names)
        members = [(n, mutate_bytes(c, rng, log) if n == target else c) for n, c in members]
        log.append(f"(in member {target}, CRC recomputed)")
    elif how == "rename":
        target = rng.choice(names)
        new = rng.choice(("Config.json", "config.json/", "../config.json", "x", "", target + "x"))
        members = [(new if n == target else n, c) for n, c in members]
        log.append(f"rename member {target} to {new!r}")
    elif how == "duplicate":
        target = rng.choice(names)
        members = members + [(target, rng.choice((b"", b"{}", rng.randbytes(64))))]
        log.append(f"duplicate member {target}")
    elif how == "extra":
        extra = rng.choice(("assets/x", "../evil", "/abs", "variables.h5", "a" * 300))
        members = members + [(extra, rng.randbytes(32))]
        log.append(f"extra member {extra!r}")
    elif how == "compress":
        compression = rng.choice((zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA))
        log.append(f"compress members with method {compression}")
    elif how == "empty":
        members = []
        log.append("empty archive")
    out = make_zip(members, compression)
    if how == "sizes":
        out = _lie_about_sizes(out, rng, log)
    elif how == "compress" and chance(rng, 70):
        out = mutate_bytes(out, rng, log)
    return out


# ------------------------------------------------------------------ hdf5


def _objects(f: h5py.File) -> tuple:
    """(groups, datasets) below `f`, as paths."""
    groups, datasets = [], []

    def visit(name, obj):
        (datasets if isinstance(obj, h5py.Dataset) else groups).append(name)

    f.visititems(visit)
    return groups, datasets


def _odd_array(rng: random.Random, like):
    """An array unlike `like`: another shape or another dtype (or both)."""
    shape = tuple(like.shape)
    how = rng.choice(("shape", "shape", "dtype", "dtype", "scalar", "empty", "values", "strings"))
    if how == "shape":
        grown = (shape[0] + 1,) + shape[1:] if shape else (2,)
        choices = [shape + (1,), shape[1:], shape[::-1], grown]
        choices.append(tuple(d + rng.choice((-1, 1, 7)) for d in shape))
        new = rng.choice(choices)
        new = tuple(max(d, 0) for d in new)
        return np.ones(new, dtype="float32"), f"shape {new}"
    if how == "dtype":
        dtype = rng.choice(("int8", "int64", "uint64", "float16", "float64", "bool", "complex64"))
        return np.ones(shape, dtype=dtype), f"dtype {dtype}"
    if how == "scalar":
        return np.float32(1.0), "scalar"
    if how == "empty":
        return np.zeros((0,), dtype="float32"), "empty"
    if how == "values":
        value = rng.choice((np.nan, np.inf, -np.inf, 3e38))
        return np.full(shape, value, dtype="float32"), f"values {value}"
    kind = rng.choice(("fixed", "vlen", "compound", "opaque"))
    if kind == "fixed":
        return np.full(shape or (1,), b"abc", dtype="S3"), "fixed strings"
    if kind == "vlen":
        arr = np.empty(shape or (1,), dtype=h5py.string_dtype())
        arr[...] = "abc"
        return arr, "vlen strings"
    if kind == "compound":
        return np.zeros(shape or (1,), dtype=[("a", "f4"), ("b", "i4")]), "compound"
    return np.void(PICKLE_PAYLOAD), "opaque pickle"


def _replace_dataset(f, path, rng, log):
    parent, _, name = path.rpartition("/")
    group = f[parent] if parent else f
    old = group[name]
    value, what = _odd_array(rng, old)
    del group[name]
    group.create_dataset(name, data=value)
    log.append(f"dataset {path}: {what}")


def _shape_bomb(f, path, rng, log):
    parent, _, name = path.rpartition("/")
    group = f[parent] if parent else f
    del group[name]
    shape = rng.choice(((2**40,), (2**20, 2**20), (40000, 40000), (2**31,), (3000, 3000)))
    dtype = rng.choice(("float32", "float64"))
    group.create_dataset(name, shape=shape, dtype=dtype, chunks=True, maxshape=(None,) * len(shape))
    log.append(f"dataset {path}: declared {shape} {dtype}, stores nothing")


def _attr_value(rng, f, current):
    names = []
    if current is not None:
        try:
            names = [v.decode() if isinstance(v, bytes) else str(v) for v in np.ravel(current)]
        except Exception:
            names = []
    choices = [
        np.int64(5),
        np.array([1, 2, 3]),
        np.array([[b"a", b"b"]]),
        b"\xff\xfe\xfd",
        "",
        np.array([], dtype="S1"),
        np.float64("nan"),
        np.void(PICKLE_PAYLOAD),
        [n.encode() for n in names + ["no_such_layer"]],
        [n.encode() for n in names[:-1]],
        [n.encode() for n in reversed(names)],
        [n.encode() for n in names * 2],
        [b"../x", b"a/b", b"", b"/"],
        [b"x%d" % i for i in range(rng.choice((10, 5000)))],
        EVAL_STRING,
        PICKLE_PAYLOAD,
    ]
    return rng.choice(choices)


def _mutate_attr(f, rng, log):
    groups, datasets = _objects(f)
    holders = [f] + [f[p] for p in groups + datasets if len(f[p].attrs)]
    holder = rng.choice(holders)
    keys = list(holder.attrs.keys())
    how = rng.randrange(100)
    if keys and how < 20:
        key = rng.choice(keys)
        del holder.attrs[key]
        log.append(f"delete attr {key} of {holder.name}")
        return
    if keys and how < 35 and any(k in ("model_config", "training_config") for k in keys):
        key = rng.choice([k for k in keys if k in ("model_config", "training_config")])
        raw = holder.attrs[key]
        raw = raw.encode() if isinstance(raw, str) else bytes(raw)
        holder.attrs[key] = mutate_json_text(raw, rng, log, payload=chance(rng, 20))
        log.append(f"(in attr {key})")
        return
    key = rng.choice(keys) if keys and how < 90 else rng.choice(("layer_names0", "weight_names"))
    current = holder.attrs[key] if key in holder.attrs else None
    value = _attr_value(rng, f, current)
    try:
        holder.attrs[key] = value
    except (TypeError, ValueError):
        holder.attrs[key] = np.void(bytes(str(value), "utf8"))
    log.append(f"attr {key} of {holder.name} = {repr(value)[:40]}")


def _mutate_link(f, path, rng, log):
    parent, _, name = path.rpartition("/")
    group = f[parent] if parent else f
    del group[name]
    how = rng.choice(("soft_self", "soft_missing", "soft_other", "external", "hard_other"))
    if how == "soft_self":
        group[name] = h5py.SoftLink(f"{group.name}/{name}")
    elif how == "soft_missing":
        group[name] = h5py.SoftLink("/no/such/thing")
    elif how == "soft_other":
        group[name] = h5py.SoftLink("/")
    elif how == "external":
        group[name] = h5py.ExternalLink(rng.choice(("/etc/passwd", "missing.h5")), "/x")
    else:
        _, datasets = _objects(f)
        if datasets:
            group[name] = f[rng.choice(datasets)]
    log.append(f"{path}: {how} link")


def _external_storage(f, path, rng, log):
    parent, _, name = path.rpartition("/")
    group = f[parent] if parent else f
    shape = group[name].shape or (1,)
    del group[name]
    if chance(rng, 50):
        target = rng.choice(("/etc/hostname", "/dev/zero", "missing.bin"))
        group.create_dataset(name, shape=shape, dtype="f4", external=[(target, 0, 2**30)])
        log.append(f"{path}: external storage in {target}")
    else:
        layout = h5py.VirtualLayout(shape=shape, dtype="f4")
        layout[...] = h5py.VirtualSource("missing.h5", "x", shape=shape)
        group.create_virtual_dataset(name, layout, fillvalue=0)
        log.append(f"{path}: virtual dataset")


def mutate_h5(data: bytes, rng: random.Random, log: list) -> bytes:
    """An HDF5 file rewritten with h5py: datasets, groups, attributes or links damaged."""
    buf = io.BytesIO(data)
    with h5py.File(buf, "r+") as f:
        groups, datasets = _objects(f)
        how = rng.choice(
            ("dataset", "dataset", "dataset", "attr", "attr", "attr", "bomb", "delete")
            + ("group_as_dataset", "dataset_as_group", "link", "external", "move", "extra")
        )
        if how == "dataset" and datasets:
            _replace_dataset(f, rng.choice(datasets), rng, log)
        elif how == "bomb" and datasets:
            _shape_bomb(f, rng.choice(datasets), rng, log)
        elif how == "delete" and groups + datasets:
            path = rng.choice(groups + datasets)
            del f[path]
            log.append(f"delete {path}")
        elif how == "group_as_dataset" and groups:
            path = rng.choice(groups)
            del f[path]
            f.create_dataset(path, data=np.ones((2, 2), "float32"))
            log.append(f"group {path} replaced by a dataset")
        elif how == "dataset_as_group" and datasets:
            path = rng.choice(datasets)
            del f[path]
            f.create_group(path)
            log.append(f"dataset {path} replaced by a group")
        elif how == "link" and groups + datasets:
            _mutate_link(f, rng.choice(groups + datasets), rng, log)
        elif how == "external" and datasets:
            _external_storage(f, rng.choice(datasets), rng, log)
        elif how == "move" and len(groups + datasets) > 1:
            src = rng.choice(groups + datasets)
            dst = f"{src}_moved" if chance(rng, 50) else f"{src.rpartition('/')[0]}/zzz"
            if dst.lstrip("/") not in f:
                f.move(src, dst)
                log.append(f"move {src} to {dst}")
        elif how == "extra":
            path = rng.choice(groups) + "/extra" if groups else "extra"
            f.create_dataset(path, data=np.ones(3, "float32"))
            log.append(f"extra dataset {path}")
        else:
            _mutate_attr(f, rng, log)
    return buf.getvalue()


# ------------------------------------------------------------------ cases


def _mutate(fmt: str, data: bytes, rng: random.Random, log: list) -> bytes:
    roll = rng.randrange(100)
    if fmt == "keras":
        if roll < 25:
            return mutate_bytes(data, rng, log)
        return mutate_zip(data, rng, log, tree_payload=roll >= 95)
    if fmt == "h5":
        if roll < 30:
            return mutate_bytes(data, rng, log)
        return mutate_h5(data, rng, log)
    if fmt in ("weights", "legacy_weights"):
        if roll < 40:
            return mutate_bytes(data, rng, log)
        return mutate_h5(data, rng, log)
    if fmt == "json":
        if roll < 25:
            return mutate_bytes(data, rng, log)
        return mutate_json_text(data, rng, log, payload=roll >= 90)
    # yaml
    if roll < 20:
        return mutate_bytes(data, rng, log)
    if roll < 40:
        return mutate_yaml_text(data, rng, log)
    tree = mutate_tree(yaml.safe_load(data), rng, log, payload=roll >= 90)
    return dump_yaml(tree)


def make_case(seed: int, index: int, seeds: dict) -> Case:
    """The `index`-th case of the run with `seed` (the same bytes every time;
    formats take turns).

    Args:
        seed: the run's seed.
        index: the case's number.
        seeds: `{(model, fmt): bytes}` of undamaged files.

    Returns:
        The `Case`.
    """
    rng = random.Random(f"{seed}/{index}")
    return mutate_case(rng, FORMATS[index % len(FORMATS)], seeds, index)


def mutate_case(rng: random.Random, fmt: str, seeds: dict, index: int = 0) -> Case:
    """A damaged file of format `fmt`, every choice drawn from `rng` (a seeded
    `random.Random`, or hypothesis's `st.randoms()`), and how to load it."""
    model = rng.choice(MODELS)
    case = Case(index, fmt, model, seeds[(model, fmt)])
    case.options = {
        "compile": chance(rng, 70),
        "skip_mismatch": chance(rng, 20),
        "by_name": fmt == "legacy_weights" and chance(rng, 30),
        "via": "load_weights" if fmt in ("weights", "legacy_weights") else "load",
        "as_bytes": fmt in ("json", "yaml") and chance(rng, 20),
    }
    if fmt == "keras" and chance(rng, 10):
        case.options["via"] = "load_weights"
    try:
        case.data = _mutate(fmt, case.data, rng, case.log)
        if chance(rng, 10):
            case.data = mutate_bytes(case.data, rng, case.log)
    except Exception as e:  # a mutator that could not apply here: damage the bytes instead
        case.log.append(f"(mutator gave up: {type(e).__name__}: {str(e)[:60]})")
        case.data = mutate_bytes(seeds[(model, fmt)], rng, case.log)
    return case
