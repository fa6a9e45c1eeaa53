"""Global settings: the number of threads the Rust kernels use."""

from pykeras import _core


def set_num_threads(n):
    """Sets how many threads pykeras's kernels run on.

    The default is `PYKERAS_NUM_THREADS` if set, else every core. Results are
    bit-identical whatever the number.

    Args:
        n: a positive int.

    Example:

    >>> import pykeras
    >>> pykeras.config.set_num_threads(1)
    >>> pykeras.config.get_num_threads()
    1
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads expected a positive int. Received: n={n!r}")
    if n < 1:
        raise ValueError(f"set_num_threads expected a positive int. Received: n={n}")
    _core.set_num_threads(n)


def get_num_threads():
    """Returns how many threads pykeras's kernels run on."""
    return _core.get_num_threads()
