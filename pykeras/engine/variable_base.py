"""What the engine knows of a variable.

`pykeras.backend.Variable` is built on the engine (its operators, its reads
and assignments inside a trace), so it sits a layer above; the tracer, the
tape and the step recorder recognize variables by this base class.
"""

from __future__ import annotations


class VariableBase:
    """A variable as the engine uses it: `handle` (the `_core.Variable` that
    graphs reference), `shape`, `path`, `trainable`, `numpy()` and `assign()`.
    `pykeras.backend.Variable` is its one implementation."""

    __slots__ = ()
