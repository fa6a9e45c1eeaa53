"""IMDB sentiment classification dataset."""

import warnings

import numpy as np

from pykeras.datasets._safe_load import load_npz
from pykeras.datasets._source import KERAS_DATASETS_URL, dataset_file, read_word_index

ORIGIN = KERAS_DATASETS_URL + "imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = KERAS_DATASETS_URL + "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(
    path="imdb.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
    **kwargs,
):
    """Loads the [IMDB dataset](https://ai.stanford.edu/~amaas/data/sentiment/).

    25,000 movie reviews from IMDB, labeled by sentiment (positive/negative). Each review
    is a list of word indexes; words are indexed by overall frequency in the dataset, so
    that `3` is the 3rd most frequent word. `0` is not a word: it is the padding index.

    The file stores the reviews as pickled `dtype=object` arrays; pykeras reads them with
    an unpickler that can only rebuild numpy arrays, never with `allow_pickle=True`.

    Args:
        path: File name in the cache (`~/.keras/datasets`), downloaded there on first
            use. pykeras extension: a path with a folder part is read as it is.
        num_words: Keep only the `num_words` most frequent words (as ranked in the
            training set); rarer words become `oov_char`. `None` keeps all words.
        skip_top: Skip the `skip_top` most frequent words (they become `oov_char`).
        maxlen: Drop the reviews of `maxlen` words or more (as Keras does: the test is
            `len(review) < maxlen`, after `start_char` is added). `None` keeps all.
        seed: Seed of the shuffle of the training and test sets.
        start_char: Index marking the start of each review (`None`: no marker).
        oov_char: Index of the words cut by `num_words` or `skip_top` (`None`: such
            words are removed).
        index_from: Offset added to every word index.
        **kwargs: `nb_words`, the Keras 1 name of `num_words` (deprecated).

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

    **`x_train`, `x_test`**: 1-D object arrays of reviews, each a list of ints. With
    `num_words`, the largest index is `num_words - 1`; with `maxlen`, the longest review
    has `maxlen - 1` indexes.

    **`y_train`, `y_test`**: integer labels, 1 (positive) or 0 (negative).

    Words that were not seen in the training set but are in the test set have been
    removed from the data, not replaced by `oov_char`.

    Raises:
        OSError: The download failed, or a local `path` does not exist.
        ValueError: The file is not a valid IMDB `.npz`, or `maxlen` drops every review.
        TypeError: An unknown keyword argument was passed.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=10000)
    assert len(x_train) == 25000
    ```
    """
    if "nb_words" in kwargs:
        warnings.warn(
            "The `nb_words` argument in `load_data` has been renamed `num_words`.",
            stacklevel=2,
        )
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")

    fpath = dataset_file(path, ORIGIN, FILE_HASH)
    keys = ["x_train", "y_train", "x_test", "y_test"]
    arrays = load_npz(fpath, keys, object_keys=("x_train", "x_test"))
    x_train, labels_train = arrays["x_train"], arrays["y_train"]
    x_test, labels_test = arrays["x_test"], arrays["y_test"]
    for split, x, y in (("train", x_train, labels_train), ("test", x_test, labels_test)):
        _check_split(fpath, split, x, y)

    # Keras's processing, step for step, so that a seed gives the same data as Keras.
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train = x_train[indices]
    labels_train = labels_train[indices]

    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test = x_test[indices]
    labels_test = labels_test[indices]

    if start_char is not None:
        x_train = [[start_char] + [w + index_from for w in x] for x in x_train]
        x_test = [[start_char] + [w + index_from for w in x] for x in x_test]
    elif index_from:
        x_train = [[w + index_from for w in x] for x in x_train]
        x_test = [[w + index_from for w in x] for x in x_test]
    else:
        x_train = [list(x) for x in x_train]
        x_test = [list(x) for x in x_test]

    if maxlen:
        x_train, labels_train = _remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = _remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence "
                "was kept. Increase maxlen."
            )

    xs = x_train + x_test
    labels = np.concatenate([labels_train, labels_test])

    if not num_words:
        # As in Keras, the largest index is then itself out of range below (`w <
        # num_words`) and becomes `oov_char`.
        num_words = max((max(x) for x in xs if len(x)), default=0)

    # By convention 0 is padding, 1 the start and 2 out-of-vocabulary: real words
    # start at `index_from` (3 by default).
    if oov_char is not None:
        xs = [[w if (skip_top <= w < num_words) else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]

    idx = len(x_train)
    x_train, y_train = _object_array(xs[:idx]), labels[:idx]
    x_test, y_test = _object_array(xs[idx:]), labels[idx:]
    return (x_train, y_train), (x_test, y_test)


def get_word_index(path="imdb_word_index.json"):
    """Retrieves a dict mapping words to their index in the IMDB dataset.

    Args:
        path: File name in the cache (`~/.keras/datasets`), downloaded there on first
            use. pykeras extension: a path with a folder part is read as it is.

    Returns:
        The word index dictionary: word strings to their index (without `index_from`).

    Raises:
        OSError: The download failed, or a local `path` does not exist.
        ValueError: The file is not a JSON object.

    Example:

    ```python
    start_char, oov_char, index_from = 1, 2, 3
    (x_train, _), _ = keras.datasets.imdb.load_data(
        start_char=start_char, oov_char=oov_char, index_from=index_from
    )
    word_index = keras.datasets.imdb.get_word_index()
    inverted = {i + index_from: word for word, i in word_index.items()}
    inverted[start_char] = "[START]"
    inverted[oov_char] = "[OOV]"
    decoded = " ".join(inverted[i] for i in x_train[0])
    ```
    """
    fpath = dataset_file(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)
    return read_word_index(fpath)


def _check_split(fpath, split, x, y):
    if x.ndim != 1 or y.ndim != 1 or len(x) != len(y):
        raise ValueError(
            f"Could not read {fpath}: x_{split} and y_{split} must be 1-D arrays of the "
            f"same length, found shapes {x.shape} and {y.shape}."
        )
    for seq in x:
        if not isinstance(seq, (list, np.ndarray)) or not all(
            isinstance(w, (int, np.integer)) for w in seq
        ):
            raise ValueError(
                f"Could not read {fpath}: x_{split} must hold lists of word indexes, "
                f"found {type(seq).__name__} {str(seq)[:60]}."
            )


def _remove_long_seq(maxlen, seq, label):
    # Keras's `remove_long_seq`: keeps the sequences strictly shorter than maxlen.
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


def _object_array(sequences):
    # `np.array(list_of_lists, dtype=object)` would build a 2-D array when every
    # review has the same length; filling an empty array keeps it 1-D of lists.
    out = np.empty(len(sequences), dtype=object)
    for i, seq in enumerate(sequences):
        out[i] = seq
    return out
