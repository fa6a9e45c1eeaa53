"""pykeras.engine (internal): the machinery under the public API.

Symbolic, traced and taped tensors, variables, dtype names, the graph tracer,
`GradientTape`, layer-call nodes and the global random stream. It sits just
above pykeras's base modules (`config`, `errors`, `_convert`) and below
everything else (see docs/layering.md); `pykeras.ops` is reached through the
slot `pykeras.ops` fills in `engine.tensor_operators`.
"""

from __future__ import annotations
