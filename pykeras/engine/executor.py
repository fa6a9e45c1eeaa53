"""A traced model ready to run: a Rust graph plus where its inputs and
outputs are, and how to pack the outputs back into the model's structure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pykeras.engine.tracing import GraphTensor
from pykeras.engine.tree import flatten, pack_like


class Executor:
    """Runs a traced forward pass.

    Args:
        tracer: the `Tracer` that built the graph (it keeps the variables alive).
        graph_inputs: the `GraphTensor`s fed with the model's flat inputs.
        outputs: the traced outputs (a structure of `GraphTensor`s).
    """

    def __init__(self, tracer: Any, graph_inputs: Sequence[GraphTensor], outputs: Any) -> None:
        self.tracer = tracer
        self.graph = tracer.graph
        self.input_ids = [g.node for g in graph_inputs]
        self.structure = outputs
        flat = flatten(outputs)
        for t in flat:
            if not isinstance(t, GraphTensor):
                raise TypeError(
                    "A model's call() must return tensors computed from its inputs. "
                    f"Received an output of type {type(t).__name__}."
                )
        self.output_ids = [t.node for t in flat]
        # Losses `add_loss` added in call(), computed with the outputs.
        self.loss_ids = [tracer.node_for(v, what="an added loss") for v in flatten(tracer.losses)]
        self.last_losses: list[np.ndarray] = []
        # Assignments made by the call itself (a stateful RNN's states) apply
        # after each run, in inference too, as in Keras.
        by_node = {node: var for node, var in tracer._variables.values() if var is not None}
        self.state_updates = [(by_node[v], n) for v, n in tracer.updates if v in by_node]

    def _fetch(self, wanted: Any) -> Any:
        """`wanted` plus the state updates' nodes not in it (the graph hands
        each fetched value out once)."""
        if not self.state_updates:  # the usual model: one call pays nothing here
            return wanted
        return wanted + [n for _, n in self.state_updates if n not in wanted]

    def _apply_states(self, fetched: Any, outs: Any) -> None:
        if not self.state_updates:
            return
        values = dict(zip(fetched, outs))
        for variable, node in self.state_updates:
            variable.assign(values[node])

    def run(self, flat_inputs: Sequence[np.ndarray], training: bool = False, seed: int = 0) -> Any:
        """Runs one batch; returns the outputs in the model's structure."""
        fetched = self._fetch(self.output_ids + self.loss_ids)
        outs = self.graph.run(dict(zip(self.input_ids, flat_inputs)), fetched, training, seed)
        count, losses = len(self.output_ids), len(self.loss_ids)
        self.last_losses = outs[count : count + losses]
        self._apply_states(fetched, outs)
        return pack_like(self.structure, outs[:count])

    def run_batched(self, flat_inputs: Sequence[np.ndarray], batch_size: int) -> Any:
        """Runs all samples in batches of `batch_size`; returns concatenated outputs."""
        counts = {len(a) if np.ndim(a) else 1 for a in flat_inputs}
        if len(counts) > 1:
            raise ValueError(
                "All inputs must have the same number of samples. "
                f"Received: sample counts {[len(a) for a in flat_inputs]}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(
                f"batch_size must be a positive int. Received: batch_size={batch_size!r}"
            )
        n = counts.pop() if counts else 0
        parts: list[list[np.ndarray]] = [[] for _ in self.output_ids]
        for start in range(0, n, batch_size):
            batch = [a[start : start + batch_size] for a in flat_inputs]
            fetched = self._fetch(list(self.output_ids))
            outs = self.graph.run(dict(zip(self.input_ids, batch)), fetched, False, 0)
            self._apply_states(fetched, outs)
            for part, out in zip(parts, outs):
                part.append(out)
        if n == 0:
            outs = self.graph.run(dict(zip(self.input_ids, flat_inputs)), self.output_ids, False, 0)
            return pack_like(self.structure, outs)
        return pack_like(self.structure, [np.concatenate(p, axis=0) for p in parts])
