"""pykeras.datasets and pykeras.utils.file_utils.get_file, on small files made here.

Nothing is downloaded: every file is written to tmp_path in the real format, `get_file`
fetches `file://` URLs (urllib's real download path), and sockets are disabled so a
loader that tried the network would fail instead of downloading.
"""

import gzip
import hashlib
import io
import json
import os
import pickle
import socket
import struct
import tarfile
import zipfile

import numpy as np
import pytest

import pykeras as keras
from pykeras.datasets import boston_housing, cifar10, fashion_mnist, imdb, mnist
from pykeras.datasets._safe_load import RestrictedUnpickler, load_npz
from pykeras.datasets.cifar import load_batch
from pykeras.utils.file_utils import extract_archive, get_file, hash_file, validate_file


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    # An empty cache, so a loader never finds a real download from an earlier run.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sha256(path):
    return hashlib.sha256(read(path)).hexdigest()


def listing(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


# ---------------------------------------------------------------------------- files


def write_mnist(path, n_train=5, n_test=3):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    np.savez(path, **arrays)
    return arrays


def write_idx(path, array, compress=True):
    magic = 0x0800 | array.ndim
    raw = struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.astype(np.uint8).tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(raw)


def write_fashion(folder, n_train=4, n_test=2, compress=True):
    rng = np.random.default_rng(1)
    folder.mkdir(exist_ok=True)
    data = {
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
    }
    for name, array in data.items():
        write_idx(folder / (name + (".gz" if compress else "")), array, compress)
    return data


def cifar_batch(n, seed):
    rng = np.random.default_rng(seed)
    return {
        b"batch_label": b"batch %d" % seed,
        b"labels": [int(v) for v in rng.integers(0, 10, n)],
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        b"filenames": [b"img_%d.png" % i for i in range(n)],
    }


CIFAR_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def write_cifar_tar(path, n=3, payloads=None):
    """A cifar-10-python.tar.gz: cifar-10-batches-py/ holding six pickled batches."""
    batches = {name: cifar_batch(n, seed) for seed, name in enumerate(CIFAR_NAMES)}
    payloads = payloads or {}
    with tarfile.open(path, "w:gz") as tar:
        for name in CIFAR_NAMES:
            blob = payloads.get(name) or pickle.dumps(batches[name], protocol=4)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return batches


def py2_cifar_pickle(data, labels):
    """A batch as Python 2's cPickle writes it (protocol 2, `str` as BINSTRING).

    That is the format of the real CIFAR files, which Python 3 cannot produce itself.
    """

    def s(b):
        if len(b) < 256:
            return b"U" + bytes([len(b)]) + b
        return b"T" + struct.pack("<i", len(b)) + b

    def i(v):
        if 0 <= v < 256:
            return b"K" + bytes([v])
        if 0 <= v < 65536:
            return b"M" + struct.pack("<H", v)
        return b"J" + struct.pack("<i", v)

    array = b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + i(0) + b"\x85"
    array += s(b"b") + b"\x87R(" + i(1) + b"(" + b"".join(i(d) for d in data.shape) + b"t"
    array += b"cnumpy\ndtype\n" + s(b"u1") + i(0) + i(1) + b"\x87R"
    array += b"(" + i(3) + s(b"|") + b"NNN" + i(-1) + i(-1) + i(0) + b"tb"
    array += b"\x89" + s(data.tobytes()) + b"tb"
    labels_list = b"](" + b"".join(i(v) for v in labels) + b"e"
    return (
        b"\x80\x02}("
        + s(b"data")
        + array
        + s(b"labels")
        + labels_list
        + s(b"batch_label")
        + s(b"training batch 1 of 5")
        + b"u."
    )


class SystemCall:
    """Unpickling this calls os.system: the classic malicious pickle."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def write_imdb(path, x_train, y_train, x_test, y_test):
    def objects(seqs):
        out = np.empty(len(seqs), dtype=object)
        for k, seq in enumerate(seqs):
            out[k] = list(seq)
        return out

    np.savez(
        path,
        x_train=objects(x_train),
        y_train=np.asarray(y_train, dtype=np.int64),
        x_test=objects(x_test),
        y_test=np.asarray(y_test, dtype=np.int64),
    )


def keras_imdb(x_train, labels_train, x_test, labels_test, num_words=None, skip_top=0,
               maxlen=None, seed=113, start_char=1, oov_char=2, index_from=3):  # fmt: skip
    """Keras 3's imdb.load_data processing, written out plainly as the reference."""
    rng = np.random.RandomState(seed)
    idx = np.arange(len(x_train))
    rng.shuffle(idx)
    x_train = [list(x_train[k]) for k in idx]
    labels_train = [labels_train[k] for k in idx]
    idx = np.arange(len(x_test))
    rng.shuffle(idx)
    x_test = [list(x_test[k]) for k in idx]
    labels_test = [labels_test[k] for k in idx]
    prefix = [start_char] if start_char is not None else []
    x_train = [prefix + [w + index_from for w in x] for x in x_train]
    x_test = [prefix + [w + index_from for w in x] for x in x_test]
    if maxlen:
        keep = [k for k, x in enumerate(x_train) if len(x) < maxlen]
        x_train, labels_train = [x_train[k] for k in keep], [labels_train[k] for k in keep]
        keep = [k for k, x in enumerate(x_test) if len(x) < maxlen]
        x_test, labels_test = [x_test[k] for k in keep], [labels_test[k] for k in keep]
    xs = x_train + x_test
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    n = len(x_train)
    return (xs[:n], labels_train), (xs[n:], labels_test)


IMDB_TRAIN = [[0, 1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11], [1, 1, 1], [12, 0, 3, 9, 2]]
IMDB_TRAIN_Y = [1, 0, 1, 0, 1]
IMDB_TEST = [[2, 3], [13, 4, 5, 6, 7], [9]]
IMDB_TEST_Y = [0, 1, 1]


@pytest.fixture
def imdb_file(tmp_path):
    path = tmp_path / "imdb.npz"
    write_imdb(path, IMDB_TRAIN, IMDB_TRAIN_Y, IMDB_TEST, IMDB_TEST_Y)
    return path


# ---------------------------------------------------------------------------- mnist


def test_mnist_from_local_path_keeps_arrays_dtypes_and_shapes(tmp_path):
    arrays = write_mnist(tmp_path / "mnist.npz")
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=str(tmp_path / "mnist.npz"))
    assert x_train.dtype == np.uint8 and x_train.shape == (5, 28, 28)
    assert y_train.dtype == np.uint8 and y_train.shape == (5,)
    assert x_test.shape == (3, 28, 28) and y_test.shape == (3,)
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


def test_mnist_accepts_pathlike_and_keras_namespace(tmp_path):
    write_mnist(tmp_path / "m.npz")
    (x_train, _), _ = keras.datasets.mnist.load_data(path=tmp_path / "m.npz")
    assert x_train.shape == (5, 28, 28)


def test_mnist_bare_name_reads_the_keras_cache(tmp_path, monkeypatch):
    # A bare name is a file in ~/.keras/datasets, as in Keras; with Keras's hash the
    # cached file is checked, so record the call instead of faking the real file.
    calls = []

    def fake_get_file(**kwargs):
        calls.append(kwargs)
        write_mnist(tmp_path / "cached.npz")
        return str(tmp_path / "cached.npz")

    monkeypatch.setattr("pykeras.datasets._source.get_file", fake_get_file)
    (x_train, _), _ = mnist.load_data()
    assert x_train.shape == (5, 28, 28)
    assert calls == [
        {
            "fname": "mnist.npz",
            "origin": "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
            "file_hash": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
            "cache_subdir": "datasets",
        }
    ]


def test_mnist_offline_raises_oserror_naming_the_url():
    with pytest.raises(OSError, match="storage.googleapis.com/tensorflow/tf-keras-datasets/mnist"):
        mnist.load_data()
    cache = os.path.join(os.environ["KERAS_HOME"], "datasets")
    assert listing(cache) == []  # no partial file left behind


def test_mnist_missing_local_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        mnist.load_data(path=str(tmp_path / "nope.npz"))


@pytest.mark.parametrize(
    "content, match",
    [
        (b"this is not a zip file", "not a valid .npz"),
        (None, "has no array named 'x_test'"),
        ("truncated", "mnist.npz"),
    ],
)
def test_mnist_corrupt_files_raise_value_error_naming_the_file(tmp_path, content, match):
    path = tmp_path / "mnist.npz"
    if content is None:
        np.savez(path, x_train=np.zeros((1, 28, 28), np.uint8), y_train=np.zeros(1, np.uint8))
    elif content == "truncated":
        write_mnist(path)
        path.write_bytes(path.read_bytes()[:-200])
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        mnist.load_data(path=str(path))
    assert str(path) in str(info.value)


def test_numeric_dataset_refuses_a_pickled_array(tmp_path):
    # An .npz whose "numeric" array is a pickle is refused before unpickling.
    marker = tmp_path / "pwned"
    payload = np.empty(1, dtype=object)
    payload[0] = SystemCall(marker)
    np.savez(
        tmp_path / "mnist.npz",
        x_train=payload,
        y_train=np.zeros(1, np.uint8),
        x_test=np.zeros((1, 28, 28), np.uint8),
        y_test=np.zeros(1, np.uint8),
    )
    with pytest.raises(ValueError, match="pickled object array"):
        mnist.load_data(path=str(tmp_path / "mnist.npz"))
    assert not marker.exists()


# ---------------------------------------------------------------------- fashion-mnist


@pytest.mark.parametrize("compress", [True, False])
def test_fashion_mnist_from_local_folder(tmp_path, compress):
    data = write_fashion(tmp_path / "fashion", compress=compress)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(path=tmp_path / "fashion")
    assert x_train.dtype == y_train.dtype == np.uint8
    assert x_train.shape == (4, 28, 28) and y_train.shape == (4,)
    assert x_test.shape == (2, 28, 28) and y_test.shape == (2,)
    np.testing.assert_array_equal(x_train, data["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, data["t10k-labels-idx1-ubyte"])
    x_train[0, 0, 0] = 7  # writable, unlike np.frombuffer on bytes


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_fashion_mnist_from_local_archive(tmp_path, kind):
    data = write_fashion(tmp_path / "fashion")
    archive = tmp_path / f"fashion.{kind}"
    if kind == "tar":
        make_tar(
            archive, [(f"fm/{p.name}", p.read_bytes()) for p in (tmp_path / "fashion").iterdir()]
        )
    else:
        with zipfile.ZipFile(archive, "w") as z:
            for p in (tmp_path / "fashion").iterdir():
                z.write(p, f"fm/{p.name}")
    (x_train, y_train), (x_test, _) = fashion_mnist.load_data(path=str(archive))
    np.testing.assert_array_equal(x_train, data["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_train, data["train-labels-idx1-ubyte"])
    assert x_test.shape == (2, 28, 28)
    assert sorted(os.listdir(tmp_path)) == ["fashion", f"fashion.{kind}"]  # not extracted


def test_fashion_mnist_bad_archives(tmp_path):
    archive = tmp_path / "f.tar.gz"
    make_tar(archive, [("fm/readme.txt", b"nothing here")])
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte.gz"):
        fashion_mnist.load_data(path=archive)
    archive.write_bytes(b"neither tar nor zip")
    with pytest.raises(ValueError, match="folder or a tar or zip archive"):
        fashion_mnist.load_data(path=archive)


def test_fashion_mnist_downloads_the_four_keras_files_into_its_subfolder(tmp_path, monkeypatch):
    source = tmp_path / "fashion"
    write_fashion(source)
    monkeypatch.setattr("pykeras.datasets.fashion_mnist.KERAS_DATASETS_URL", source.as_uri() + "/")
    (x_train, _), _ = fashion_mnist.load_data()
    assert x_train.shape == (4, 28, 28)
    cached = os.path.join(os.environ["KERAS_HOME"], "datasets", "fashion-mnist")
    assert listing(cached) == sorted(fashion_mnist.FILES)


def test_fashion_mnist_keras_origin():
    with pytest.raises(OSError, match="tf-keras-datasets/train-labels-idx1-ubyte.gz"):
        fashion_mnist.load_data()


def test_fashion_mnist_bad_files(tmp_path):
    folder = tmp_path / "fashion"
    write_fashion(folder)
    bad = folder / "train-images-idx3-ubyte.gz"
    # Labels where images are expected: wrong magic number.
    write_idx(bad, np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz.*magic"):
        fashion_mnist.load_data(path=folder)
    # Truncated data.
    with gzip.open(bad, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, 4, 28, 28) + b"\0" * 100)
    with pytest.raises(ValueError, match="truncated"):
        fashion_mnist.load_data(path=folder)
    # Not gzip at all.
    bad.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz"):
        fashion_mnist.load_data(path=folder)
    bad.unlink()
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        fashion_mnist.load_data(path=folder)
    with pytest.raises(FileNotFoundError):
        fashion_mnist.load_data(path=tmp_path / "missing")


# ---------------------------------------------------------------------------- cifar10


def check_cifar(result, batches, n):
    (x_train, y_train), (x_test, y_test) = result
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    assert x_train.shape == (5 * n, 32, 32, 3) and y_train.shape == (5 * n, 1)
    assert x_test.shape == (n, 32, 32, 3) and y_test.shape == (n, 1)
    first = batches["data_batch_1"][b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(x_train[0], first)
    labels = sum((batches[f"data_batch_{i}"][b"labels"] for i in range(1, 6)), [])
    np.testing.assert_array_equal(y_train[:, 0], labels)
    np.testing.assert_array_equal(y_test[:, 0], batches["test_batch"][b"labels"])


def test_cifar10_from_local_archive_and_folders(tmp_path):
    archive = tmp_path / "cifar-10-python.tar.gz"
    batches = write_cifar_tar(archive)
    check_cifar(cifar10.load_data(path=archive), batches, 3)
    assert listing(tmp_path) == ["cifar-10-python.tar.gz"]  # read in place, not extracted

    extract_archive(archive, tmp_path / "extracted")
    check_cifar(cifar10.load_data(path=tmp_path / "extracted"), batches, 3)
    inner = tmp_path / "extracted" / "cifar-10-batches-py"
    check_cifar(cifar10.load_data(path=str(inner)), batches, 3)


def test_cifar10_download_uses_keras_cache_layout(tmp_path, monkeypatch):
    archive = tmp_path / "cifar-10-python.tar.gz"
    batches = write_cifar_tar(archive, n=2)
    monkeypatch.setattr(cifar10, "ORIGIN", archive.as_uri())
    monkeypatch.setattr(cifar10, "FILE_HASH", sha256(archive))
    check_cifar(cifar10.load_data(), batches, 2)
    cache = os.path.join(os.environ["KERAS_HOME"], "datasets")
    assert listing(cache) == ["cifar-10-batches-py-target", "cifar-10-batches-py-target_archive"]
    inner = os.path.join(cache, "cifar-10-batches-py-target", "cifar-10-batches-py")
    assert listing(inner) == sorted(CIFAR_NAMES)
    archive.unlink()  # the second call uses the cache
    check_cifar(cifar10.load_data(), batches, 2)


def test_cifar10_keras_origin():
    with pytest.raises(OSError, match=r"www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"):
        cifar10.load_data()


def test_cifar_batch_in_python2_pickle_format(tmp_path):
    data = np.random.default_rng(3).integers(0, 256, (2, 3072), dtype=np.uint8)
    path = tmp_path / "data_batch_1"
    path.write_bytes(py2_cifar_pickle(data, [4, 9]))
    x, labels = load_batch(path)
    assert x.shape == (2, 3, 32, 32) and x.dtype == np.uint8
    np.testing.assert_array_equal(x.reshape(2, 3072), data)
    assert labels == [4, 9]


def test_cifar_batch_pickled_with_protocol_5(tmp_path):
    batch = cifar_batch(2, 0)
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(batch, protocol=5))
    x, labels = load_batch(path)
    np.testing.assert_array_equal(x.reshape(2, 3072), batch[b"data"])
    assert labels == batch[b"labels"]


def test_cifar10_malicious_batch_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    archive = tmp_path / "cifar.tar.gz"
    evil = pickle.dumps({b"data": SystemCall(marker), b"labels": [1]})
    write_cifar_tar(archive, payloads={"data_batch_2": evil})
    with pytest.raises(ValueError, match=r"data_batch_2.*refusing to load the global") as info:
        cifar10.load_data(path=archive)
    assert "system" in str(info.value)
    assert not marker.exists()


@pytest.mark.parametrize(
    "payload, match",
    [
        (pickle.dumps([1, 2, 3]), "pickled dict"),
        (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8)}), "no \\['labels'\\]"),
        (pickle.dumps({b"data": np.zeros((2, 10), np.uint8), b"labels": [0, 1]}), "3072"),
        (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}), "labels"),
        (pickle.dumps(cifar_batch(2, 0), protocol=4)[:-50], "data_batch_1"),
    ],
)
def test_cifar10_bad_batches(tmp_path, payload, match):
    archive = tmp_path / "cifar.tar.gz"
    write_cifar_tar(archive, payloads={"data_batch_1": payload})
    with pytest.raises(ValueError, match=match) as info:
        cifar10.load_data(path=archive)
    assert "data_batch_1" in str(info.value)


def test_cifar10_bad_archives(tmp_path):
    archive = tmp_path / "cifar.tar.gz"
    write_cifar_tar(archive)
    archive.write_bytes(archive.read_bytes()[:-300])
    with pytest.raises(ValueError, match="cifar.tar.gz"):
        cifar10.load_data(path=archive)
    with tarfile.open(archive, "w:gz") as tar:  # a valid tar without batches
        info = tarfile.TarInfo("readme.txt")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        cifar10.load_data(path=archive)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        cifar10.load_data(path=tmp_path / "empty")


# ------------------------------------------------------------------------------- imdb


def as_lists(x):
    return [list(seq) for seq in x]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"num_words": 8},
        {"num_words": 10, "skip_top": 5},
        {"maxlen": 5},
        {"seed": 7, "start_char": None},
        {"start_char": None, "index_from": 0},
        {"oov_char": None, "num_words": 9, "skip_top": 4},
        {"index_from": 5, "start_char": 2, "oov_char": 3, "num_words": 12},
    ],
)
def test_imdb_matches_keras_processing(imdb_file, kwargs):
    (x_train, y_train), (x_test, y_test) = imdb.load_data(path=str(imdb_file), **kwargs)
    (ex_train, ey_train), (ex_test, ey_test) = keras_imdb(
        IMDB_TRAIN, IMDB_TRAIN_Y, IMDB_TEST, IMDB_TEST_Y, **kwargs
    )
    assert as_lists(x_train) == ex_train and as_lists(x_test) == ex_test
    assert list(y_train) == ey_train and list(y_test) == ey_test
    assert x_train.dtype == object and x_train.ndim == 1
    assert all(isinstance(seq, list) for seq in x_train)


def test_imdb_default_processing_by_hand(imdb_file):
    (x_train, y_train), (x_test, y_test) = imdb.load_data(path=str(imdb_file))
    order = np.arange(5)
    np.random.RandomState(113).shuffle(order)
    first = IMDB_TRAIN[order[0]]
    # start_char=1, then each word shifted by index_from=3; the largest index overall
    # (13 + 3 = 16) is out of Keras's `w < num_words` range and becomes oov_char=2.
    expected = [1] + [w + 3 if w + 3 < 16 else 2 for w in first]
    assert x_train[0] == expected
    assert y_train[0] == IMDB_TRAIN_Y[order[0]]
    assert len(x_test) == 3 and y_test.dtype == np.int64


def test_imdb_num_words_skip_top_oov_and_maxlen(imdb_file):
    (x_train, _), (x_test, _) = imdb.load_data(path=str(imdb_file), num_words=8, skip_top=4)
    for seq in list(x_train) + list(x_test):
        assert seq[0] == 2  # start_char 1 < skip_top: itself replaced by oov
        assert all(w == 2 or 4 <= w < 8 for w in seq)
    (x_train, y_train), (x_test, _) = imdb.load_data(path=str(imdb_file), maxlen=5)
    # maxlen keeps sequences strictly shorter than maxlen (start_char included).
    assert sorted(len(s) for s in x_train) == [3, 4]
    assert len(y_train) == 2 and [len(s) for s in x_test] == [3, 2]
    with pytest.raises(ValueError, match="Increase maxlen"):
        imdb.load_data(path=str(imdb_file), maxlen=2)


def test_imdb_equal_length_reviews_stay_a_1d_array_of_lists(tmp_path):
    write_imdb(tmp_path / "i.npz", [[1, 2], [3, 4]], [0, 1], [[5, 6]], [1])
    (x_train, _), (x_test, _) = imdb.load_data(path=str(tmp_path / "i.npz"))
    assert x_train.shape == (2,) and x_test.shape == (1,)


def test_imdb_arguments(imdb_file):
    with pytest.warns(UserWarning, match="nb_words"):
        a = imdb.load_data(path=str(imdb_file), nb_words=8)
    b = imdb.load_data(path=str(imdb_file), num_words=8)
    assert as_lists(a[0][0]) == as_lists(b[0][0])
    with pytest.raises(TypeError, match="bogus"):
        imdb.load_data(path=str(imdb_file), bogus=1)


def test_imdb_keras_origin():
    with pytest.raises(OSError, match="tf-keras-datasets/imdb.npz"):
        imdb.load_data()
    with pytest.raises(OSError, match="tf-keras-datasets/imdb_word_index.json"):
        imdb.get_word_index()


def test_imdb_malicious_object_array_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = SystemCall(marker)
    np.savez(
        tmp_path / "imdb.npz",
        x_train=evil,
        y_train=np.zeros(1, np.int64),
        x_test=evil,
        y_test=np.zeros(1, np.int64),
    )
    with pytest.raises(ValueError, match=r"imdb.npz\[x_train\].*system"):
        imdb.load_data(path=str(tmp_path / "imdb.npz"))
    assert not marker.exists()


def test_imdb_wrong_contents(tmp_path):
    path = tmp_path / "imdb.npz"
    write_imdb(path, [[1, 2]], [0, 1], [[3]], [1])
    with pytest.raises(ValueError, match="same length"):
        imdb.load_data(path=str(path))
    strings = np.empty(1, dtype=object)
    strings[0] = ["a", "b"]
    np.savez(path, x_train=strings, y_train=[0], x_test=strings, y_test=[0])
    with pytest.raises(ValueError, match="lists of word indexes"):
        imdb.load_data(path=str(path))


def test_imdb_word_index(tmp_path):
    path = tmp_path / "imdb_word_index.json"
    path.write_text(json.dumps({"the": 1, "and": 2}))
    assert imdb.get_word_index(path=str(path)) == {"the": 1, "and": 2}
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        imdb.get_word_index(path=str(path))
    path.write_text("{broken")
    with pytest.raises(ValueError, match="imdb_word_index.json"):
        imdb.get_word_index(path=str(path))


# --------------------------------------------------------------------- boston_housing


def write_boston(path, n=10):
    x = np.arange(n * 13, dtype=np.float64).reshape(n, 13)
    y = np.arange(n, dtype=np.float64) + 0.5
    np.savez(path, x=x, y=y)
    return x, y


@pytest.mark.parametrize("test_split, seed", [(0.2, 113), (0.3, 7), (0.0, 113)])
def test_boston_housing_split_and_shuffle_match_keras(tmp_path, test_split, seed):
    x, y = write_boston(tmp_path / "boston_housing.npz")
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(
        path=str(tmp_path / "boston_housing.npz"), test_split=test_split, seed=seed
    )
    order = np.arange(10)
    np.random.RandomState(seed).shuffle(order)
    n_train = int(10 * (1 - test_split))
    np.testing.assert_array_equal(x_train, x[order[:n_train]])
    np.testing.assert_array_equal(y_train, y[order[:n_train]])
    np.testing.assert_array_equal(x_test, x[order[n_train:]])
    np.testing.assert_array_equal(y_test, y[order[n_train:]])
    assert x_train.shape == (n_train, 13) and y_test.shape == (10 - n_train,)
    assert x_train.dtype == np.float64


def test_boston_housing_errors(tmp_path):
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)
    with pytest.raises(OSError, match="tf-keras-datasets/boston_housing.npz"):
        boston_housing.load_data()
    np.savez(tmp_path / "b.npz", x=np.zeros((3, 13)), y=np.zeros(2))
    with pytest.raises(ValueError, match="b.npz"):
        boston_housing.load_data(path=str(tmp_path / "b.npz"))


# ---------------------------------------------------------------------------- get_file


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "source" / "data.bin"
    path.parent.mkdir()
    path.write_bytes(b"hello dataset" * 1000)
    return path


def test_get_file_downloads_caches_and_verifies(tmp_path, source):
    cache = tmp_path / "cache"
    digest = sha256(source)
    path = get_file("d.bin", origin=source.as_uri(), file_hash=digest, cache_dir=str(cache))
    assert path == str(cache / "datasets" / "d.bin")
    assert read(path) == source.read_bytes()
    assert listing(cache / "datasets") == ["d.bin"]

    # Cached: a changed origin is not fetched again while the cached hash matches.
    source.write_bytes(b"changed")
    assert get_file("d.bin", origin=source.as_uri(), file_hash=digest, cache_dir=str(cache))
    assert read(path) == b"hello dataset" * 1000
    # Without a hash the cached file is used as it is.
    get_file("d.bin", origin=source.as_uri(), cache_dir=str(cache))
    assert read(path) == b"hello dataset" * 1000
    # force_download fetches again.
    get_file("d.bin", origin=source.as_uri(), cache_dir=str(cache), force_download=True)
    assert read(path) == b"changed"


def test_get_file_redownloads_when_the_cached_hash_mismatches(tmp_path, source, capsys):
    cache = tmp_path / "cache"
    digest = sha256(source)
    target = cache / "datasets" / "data.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"truncated")
    path = get_file(origin=source.as_uri(), file_hash=digest, cache_dir=str(cache))
    assert path == str(target)  # fname defaults to the URL's file name
    assert sha256(target) == digest
    assert "will be downloaded again" in capsys.readouterr().out


def test_get_file_hash_mismatch_leaves_nothing_in_the_cache(tmp_path, source):
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="hash") as info:
        get_file("d.bin", origin=source.as_uri(), file_hash="0" * 64, cache_dir=str(cache))
    assert source.as_uri() in str(info.value)
    assert listing(cache / "datasets") == []


def test_get_file_md5_and_algorithms(tmp_path, source):
    md5 = hashlib.md5(source.read_bytes()).hexdigest()
    cache = str(tmp_path / "cache")
    path = get_file("d.bin", origin=source.as_uri(), file_hash=md5.upper(), cache_dir=cache)
    assert validate_file(path, md5) and validate_file(path, md5, algorithm="md5")
    assert not validate_file(path, md5, algorithm="sha256")
    assert hash_file(path) == sha256(source)
    assert get_file("e.bin", origin=source.as_uri(), md5_hash=md5, cache_dir=cache)
    with pytest.raises(ValueError, match="hash_algorithm"):
        get_file("f.bin", origin=source.as_uri(), hash_algorithm="sha1", cache_dir=cache)


def test_get_file_honours_keras_home_and_cache_subdir(tmp_path, source, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    path = get_file("d.bin", origin=source.as_uri(), cache_subdir="models")
    assert path == str(tmp_path / "home" / "models" / "d.bin")


def test_get_file_offline_or_missing_origin_raises_oserror_naming_the_url(tmp_path):
    cache = tmp_path / "cache"
    missing = (tmp_path / "missing.bin").as_uri()
    with pytest.raises(OSError, match="missing.bin") as info:
        get_file("m.bin", origin=missing, cache_dir=str(cache))
    assert missing in str(info.value)
    url = "https://example.invalid/data.bin"
    with pytest.raises(OSError, match="example.invalid/data.bin"):
        get_file("m.bin", origin=url, cache_dir=str(cache))
    assert listing(cache / "datasets") == []


def test_get_file_argument_errors(source):
    with pytest.raises(ValueError, match="origin"):
        get_file("x.bin")
    with pytest.raises(ValueError, match="cache_dir"):
        get_file(os.path.join("sub", "x.bin"), origin=source.as_uri())
    with pytest.raises(ValueError, match="file name"):
        get_file(origin="https://example.invalid/")


def make_tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if isinstance(data, tuple):  # (type, linkname)
                info.type, info.linkname = data
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def test_get_file_extracts_tar_and_zip_with_keras_names(tmp_path):
    tar_path = tmp_path / "pack.tar.gz"
    make_tar(tar_path, [("pack/a.txt", b"a"), ("pack/sub/b.txt", b"b")])
    cache = tmp_path / "cache"
    out = get_file("pack.tar.gz", origin=tar_path.as_uri(), extract=True, cache_dir=str(cache))
    assert out == str(cache / "datasets" / "pack_extracted")
    assert read(os.path.join(out, "pack", "sub", "b.txt")) == b"b"
    out = get_file("pack", origin=tar_path.as_uri(), extract=True, cache_dir=str(cache))
    assert out == str(cache / "datasets" / "pack")
    assert os.path.isfile(cache / "datasets" / "pack_archive")
    assert not any(n.startswith(".") for n in listing(cache / "datasets"))  # no staging left

    zip_path = tmp_path / "z.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr("dir/c.txt", "c")
    out = get_file("z", origin=zip_path.as_uri(), extract=True, cache_dir=str(cache))
    assert read(os.path.join(out, "dir", "c.txt")) == b"c"


@pytest.mark.parametrize(
    "member",
    [
        ("../escape.txt", b"x"),
        ("ok/../../escape.txt", b"x"),
        ("/tmp/pykeras_absolute_escape.txt", b"x"),
        ("link", (tarfile.SYMTYPE, "../../escape.txt")),
        ("link", (tarfile.SYMTYPE, "/etc/passwd")),
        ("hard", (tarfile.LNKTYPE, "../escape.txt")),
        ("dev", (tarfile.CHRTYPE, "")),
    ],
)
def test_unsafe_tar_members_are_refused_before_extracting(tmp_path, member):
    archive = tmp_path / "evil.tar.gz"
    make_tar(archive, [("fine.txt", b"ok"), member])
    target = tmp_path / "a" / "out"
    with pytest.raises(ValueError, match="Refusing to extract") as info:
        extract_archive(str(archive), str(target))
    assert member[0] in str(info.value)
    assert not target.exists() and not (tmp_path / "escape.txt").exists()
    assert listing(tmp_path / "a") == []
    assert not os.path.exists("/tmp/pykeras_absolute_escape.txt")


def test_unsafe_zip_members_are_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("fine.txt", "ok")
        z.writestr("../escape.txt", "x")
    with pytest.raises(ValueError, match=r"'\.\./escape\.txt'"):
        get_file("evil", origin=archive.as_uri(), extract=True, cache_dir=str(tmp_path / "c"))
    assert not (tmp_path / "c" / "escape.txt").exists()
    assert not (tmp_path / "c" / "datasets" / "evil").exists()


def test_extract_refuses_non_archives_and_truncated_archives(tmp_path, source):
    with pytest.raises(ValueError, match="not a tar or zip archive"):
        extract_archive(str(source), str(tmp_path / "out"))
    archive = tmp_path / "t.tar.gz"
    make_tar(archive, [("big.bin", os.urandom(200_000))])
    archive.write_bytes(archive.read_bytes()[:50_000])
    with pytest.raises(ValueError, match="t.tar.gz"):
        extract_archive(str(archive), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    assert extract_archive(str(archive), str(tmp_path / "out"), archive_format=None) is False


def test_load_npz_reads_numeric_and_object_arrays_safely(tmp_path):
    seqs = np.empty(2, dtype=object)
    seqs[0], seqs[1] = [1, 2, 3], [4]
    np.savez(tmp_path / "a.npz", seqs=seqs, nums=np.arange(3))
    out = load_npz(tmp_path / "a.npz", ["seqs", "nums"], object_keys=("seqs",))
    assert list(out["seqs"]) == [[1, 2, 3], [4]]
    np.testing.assert_array_equal(out["nums"], np.arange(3))
    with pytest.raises(ValueError, match="pickled object array"):
        load_npz(tmp_path / "a.npz", ["seqs"])


def test_restricted_unpickler_refuses_other_globals():
    for payload in (pickle.dumps(os.system), pickle.dumps(eval), pickle.dumps(np.load)):
        with pytest.raises(pickle.UnpicklingError, match="refusing to load the global"):
            RestrictedUnpickler(io.BytesIO(payload)).load()
