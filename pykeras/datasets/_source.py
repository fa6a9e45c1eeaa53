"""Where a loader's file comes from: a local path the user gave, or the Keras cache."""

import json
import os

from pykeras.utils.file_utils import get_file

# Keras's mirror of the small datasets.
KERAS_DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def is_local_path(path):
    """Whether `path` names a file or folder of the user's rather than a cache name.

    Keras reads `path` as a file name inside `~/.keras/datasets`. pykeras keeps that
    for a bare name (`"mnist.npz"`) and reads a path with a folder part
    (`"/data/mnist.npz"`, `"./mnist.npz"`, `"~/mnist.npz"`) as the user's own copy.
    """
    path = os.fspath(path)
    return path.startswith("~") or bool(os.path.dirname(path))


def dataset_file(path, origin, file_hash, cache_subdir="datasets"):
    """The local file for a loader's `path` argument, downloading it if needed.

    Args:
        path: A bare file name in the cache, or the path of an existing local file
            (used as it is: no download, no hash check).
        origin: URL to download from.
        file_hash: Keras's hash of the file at `origin`.
        cache_subdir: Folder of the cache the file goes to.

    Returns:
        The path of a readable file.

    Raises:
        FileNotFoundError: `path` is a local path and no file exists there.
        OSError: The download failed.
    """
    path = os.fspath(path)
    if not is_local_path(path):
        return get_file(fname=path, origin=origin, file_hash=file_hash, cache_subdir=cache_subdir)
    local = os.path.expanduser(path)
    if not os.path.isfile(local):
        what = "is a folder, not a file" if os.path.isdir(local) else "does not exist"
        raise FileNotFoundError(
            f"The dataset file {path} {what}. Pass the path of an existing file, or a bare "
            f"file name such as {os.path.basename(origin)!r} to download it into the Keras "
            "cache."
        )
    return local


def local_dir_or_archive(path, what):
    """Checks the `path=` extension of fashion_mnist and cifar10; returns it expanded."""
    local = os.path.expanduser(os.fspath(path))
    if not os.path.exists(local):
        raise FileNotFoundError(f"No {what} at {path}: the path does not exist.")
    return local


def read_word_index(fpath):
    """The word index a text dataset ships as JSON: a dict of words to indices.

    Raises:
        ValueError: The file is not valid JSON, or not a JSON object.
    """
    try:
        with open(fpath, encoding="utf-8") as f:
            word_index = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"Could not read {fpath}: it is not valid JSON ({e}).") from e
    if not isinstance(word_index, dict):
        raise ValueError(
            f"Could not read {fpath}: the word index must be a JSON object, found a "
            f"{type(word_index).__name__}."
        )
    return word_index
