"""The CPU pykeras runs on, and which instruction-set path its kernels take.

pykeras compiles its hot kernels (GEMM, elementwise and activation loops,
pooling, optimizers) for three x86-64 levels and picks the widest the CPU
has at import: `"avx512"` (AVX-512 F/BW/CD/DQ/VL), `"avx2"` (AVX2 with FMA)
or `"baseline"`. The environment variable `PYKERAS_ISA` forces a lower path
(set it before importing pykeras); `set_isa` changes it at run time.
"""

from __future__ import annotations

import os
import platform

from pykeras import _core


def get_isa() -> str:
    """The instruction-set path pykeras's kernels run on.

    Returns:
        `"baseline"`, `"avx2"` or `"avx512"`.
    """
    return _core.get_isa()


def set_isa(name: str) -> None:
    """Makes pykeras's kernels run on the given instruction-set path.

    Args:
        name: `"baseline"`, `"avx2"` or `"avx512"`; the CPU must have it
            (see `cpu_info()["available_isas"]`).

    Example:

    >>> import pykeras
    >>> pykeras.config.set_isa("baseline")
    >>> pykeras.config.get_isa()
    'baseline'
    >>> pykeras.config.set_isa(pykeras.config.cpu_info()["available_isas"][-1])
    """
    if not isinstance(name, str):
        raise TypeError(
            f"set_isa expected a path name (str), one of 'baseline', 'avx2', 'avx512'. "
            f"Received: {name!r} of type {type(name).__name__}"
        )
    _core.set_isa(name)


def _cpu_model() -> str:
    """The CPU's marketing name, from /proc/cpuinfo where there is one."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Processor"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_info() -> dict:
    """What pykeras knows about the CPU it runs on.

    Returns:
        A dict with `"model"` (the CPU's name), `"cores"` (logical CPUs),
        `"threads"` (how many pykeras's kernels use), `"isa"` (the path in
        force), `"available_isas"` (lowest first) and `"features"` (the CPU
        features that bear on the kernels, the ones present).
    """
    return {
        "model": _cpu_model(),
        "cores": os.cpu_count(),
        "threads": _core.get_num_threads(),
        "isa": _core.get_isa(),
        "available_isas": _core.available_isas(),
        "features": [name for name, present in _core.cpu_features() if present],
    }


def cpu_info_line() -> str:
    """`cpu_info()` as one line, for the head of a benchmark table."""
    info = cpu_info()
    return (
        f"CPU: {info['model']} ({info['cores']} logical cores); "
        f"pykeras path {info['isa']} of {'/'.join(info['available_isas'])}, "
        f"{info['threads']} threads; features: {' '.join(info['features']) or 'none reported'}"
    )
