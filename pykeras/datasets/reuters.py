"""Reuters newswire topic classification dataset."""

import numpy as np

from pykeras.datasets._safe_load import load_npz
from pykeras.datasets._source import KERAS_DATASETS_URL, dataset_file, read_word_index
from pykeras.datasets.imdb import _object_array, _remove_long_seq

ORIGIN = KERAS_DATASETS_URL + "reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = KERAS_DATASETS_URL + "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

# The 46 topics, at the indices the labels use.
LABEL_NAMES = (
    "cocoa",
    "grain",
    "veg-oil",
    "earn",
    "acq",
    "wheat",
    "copper",
    "housing",
    "money-supply",
    "coffee",
    "sugar",
    "trade",
    "reserves",
    "ship",
    "cotton",
    "carcass",
    "crude",
    "nat-gas",
    "cpi",
    "money-fx",
    "interest",
    "gnp",
    "meal-feed",
    "alum",
    "oilseed",
    "gold",
    "tin",
    "strategic-metal",
    "livestock",
    "retail",
    "ipi",
    "iron-steel",
    "rubber",
    "heat",
    "jobs",
    "lei",
    "bop",
    "zinc",
    "orange",
    "pet-chem",
    "dlr",
    "gas",
    "silver",
    "wpi",
    "hog",
    "lead",
)


def load_data(
    path="reuters.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    test_split=0.2,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
):
    """Loads the Reuters newswire classification dataset.

    11,228 newswires from Reuters, labeled over 46 topics. Each newswire is a
    list of word indexes; words are indexed by overall frequency in the
    dataset, so that `3` is the 3rd most frequent word. `0` is not a word: it
    is the padding index.

    The file stores the newswires as pickled `dtype=object` arrays; pykeras
    reads them with an unpickler that can only rebuild numpy arrays, never
    with `allow_pickle=True`.

    Args:
        path: File name in the cache (`~/.keras/datasets`), downloaded there on
            first use. pykeras extension: a path with a folder part is read as
            it is.
        num_words: Keep only the `num_words` most frequent words; rarer words
            become `oov_char`. `None` keeps all words.
        skip_top: Skip the `skip_top` most frequent words (they become
            `oov_char`).
        maxlen: Drop the newswires of `maxlen` words or more (the test is
            `len(newswire) < maxlen`, after `start_char` is added). `None`
            keeps all.
        test_split: Fraction of the dataset used as test data (the last
            `len(x) - int(len(x) * (1 - test_split))` newswires after the
            shuffle).
        seed: Seed of the shuffle.
        start_char: Index marking the start of each newswire (`None`: no
            marker).
        oov_char: Index of the words cut by `num_words` or `skip_top`
            (`None`: such words are removed).
        index_from: Offset added to every word index.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

    **`x_train`, `x_test`**: 1-D object arrays of newswires, each a list of
    ints (1-D even when every newswire has the same length).

    **`y_train`, `y_test`**: integer topic labels, 0 to 45 (see
    `get_label_names()`).

    Raises:
        OSError: The download failed, or a local `path` does not exist.
        ValueError: The file is not a valid Reuters `.npz`, `test_split` is
            outside [0, 1], or `maxlen` drops every newswire.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.reuters.load_data(num_words=10000)
    assert len(x_train) + len(x_test) == 11228
    ```
    """
    if not 0.0 <= test_split <= 1.0:
        raise ValueError(
            f"test_split must be between 0 and 1 (the fraction of newswires held out). "
            f"Received: test_split={test_split}"
        )
    fpath = dataset_file(path, ORIGIN, FILE_HASH)
    arrays = load_npz(fpath, ["x", "y"], object_keys=("x",))
    xs, labels = arrays["x"], arrays["y"]
    _check(fpath, xs, labels)

    # Keras's processing, step for step, so that a seed gives the same data as Keras.
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs = xs[indices]
    labels = labels[indices]

    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    else:
        xs = [list(x) for x in xs]

    if maxlen:
        xs, labels = _remove_long_seq(maxlen, xs, labels)
        if not xs:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence "
                "was kept. Increase maxlen."
            )
        labels = np.asarray(labels)

    if not num_words:
        # As in Keras, the largest index is then itself out of range below
        # (`w < num_words`) and becomes `oov_char`.
        num_words = max((max(x) for x in xs if len(x)), default=0)

    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]

    idx = int(len(xs) * (1 - test_split))
    x_train, y_train = _object_array(xs[:idx]), np.array(labels[:idx])
    x_test, y_test = _object_array(xs[idx:]), np.array(labels[idx:])
    return (x_train, y_train), (x_test, y_test)


def get_word_index(path="reuters_word_index.json"):
    """Retrieves a dict mapping words to their index in the Reuters dataset.

    Actual word indices start from 3, with 3 indices reserved for 0 (padding),
    1 (start) and 2 (oov): the word of index 1 here is 4 in the data loaded
    with the default `index_from=3`.

    Args:
        path: File name in the cache (`~/.keras/datasets`), downloaded there on
            first use. pykeras extension: a path with a folder part is read as
            it is.

    Returns:
        The word index dictionary: word strings to their index (without
        `index_from`).

    Raises:
        OSError: The download failed, or a local `path` does not exist.
        ValueError: The file is not a JSON object.
    """
    fpath = dataset_file(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)
    return read_word_index(fpath)


def get_label_names():
    """The 46 topic names, at the indices the labels use.

    Example:

    >>> keras.datasets.reuters.get_label_names()[:3]
    ('cocoa', 'grain', 'veg-oil')
    """
    return LABEL_NAMES


def _check(fpath, x, y):
    if x.ndim != 1 or y.ndim != 1 or len(x) != len(y):
        raise ValueError(
            f"Could not read {fpath}: x and y must be 1-D arrays of the same length, "
            f"found shapes {x.shape} and {y.shape}."
        )
    for seq in x:
        if not isinstance(seq, (list, np.ndarray)) or not all(
            isinstance(w, (int, np.integer)) for w in seq
        ):
            raise ValueError(
                f"Could not read {fpath}: x must hold lists of word indexes, "
                f"found {type(seq).__name__} {str(seq)[:60]}."
            )
