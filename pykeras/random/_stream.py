"""The global random stream (internal): see `pykeras.engine.random_stream`,
where it lives so that `GradientTape` (in the engine) can seed its steps."""

from __future__ import annotations

from pykeras.engine.random_stream import _global, make_rng, next_seed, set_seed

__all__ = ["_global", "make_rng", "next_seed", "set_seed"]
