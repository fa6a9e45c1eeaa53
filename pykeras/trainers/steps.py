"""The overridable step methods of Keras 3's `Trainer`: `train_step`,
`test_step`, `predict_step`, `compute_loss`, `compute_metrics`, and the
model's metric list.

These are the Keras defaults written with `pykeras.ops` and
`GradientTape`. An override runs once on graph tensors (the tape's
gradients and the optimizer update then run inside the Rust loop), or op by
op with `run_eagerly=True`; see `pykeras.trainers.custom_step`.
"""

from pykeras import ops
from pykeras.engine.tape import GradientTape
from pykeras.engine.tracing import current_trace
from pykeras.engine.tree import flatten
from pykeras.layers.layer_utils import _all_sublayers
from pykeras.metrics.metric import Metric
from pykeras.trainers.compile_config import resolve_losses


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` from a step's `data`, as Keras unpacks it."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`. "
        f"Received: a tuple of {len(data)} elements"
    )


class StepMethods:
    """Mixin: Keras's step methods and metrics bookkeeping."""

    def train_step(self, data):
        """One training step on a batch `data` (`(x, y, sample_weight)`).

        Override it to customize `fit`; pykeras traces the override once
        into the training graph.

        Returns:
            A dict of metric names to scalar values (the batch's logs).
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(
                x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True
            )
        self._loss_tracker.update_state(loss)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply(grads, variables)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """One evaluation step on a batch; returns the logs dict."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False
        )
        self._loss_tracker.update_state(loss)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch of inputs."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the compiled losses plus the losses layers added.

        Args:
            x: the inputs (unused by the default).
            y: the targets.
            y_pred: the model's outputs.
            sample_weight: sample weights.
            training: whether this is a training step.

        Returns:
            A scalar tensor.
        """
        del x, training
        total = None
        entries = self._compiled_loss_entries()
        if entries is not None and y is not None:
            flat_y, flat_pred = flatten(y), flatten(y_pred)
            flat_sw = flatten(sample_weight) if sample_weight is not None else []
            if len(flat_sw) == 1 and len(flat_y) > 1:
                flat_sw = flat_sw * len(flat_y)
            for i, entry in enumerate(entries):
                if entry is None or i >= len(flat_y) or flat_y[i] is None:
                    continue
                sw = flat_sw[i] if i < len(flat_sw) else None
                value = entry(flat_y[i], flat_pred[i], sw)
                value = value if entry.weight == 1.0 else ops.multiply(value, entry.weight)
                total = value if total is None else ops.add(total, value)
        for extra in self.losses:
            total = extra if total is None else ops.add(total, extra)
        if total is None:
            raise ValueError(
                f"No loss to compute for model '{self.name}'. Provide a `loss` argument in "
                "`compile()`, or add losses in the model with `self.add_loss(...)`."
            )
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics and returns `get_metrics_result()`."""
        del x
        compiled = getattr(self, "_metric_objects", None) or []
        flat_y, flat_pred = flatten(y), flatten(y_pred)
        flat_sw = flatten(sample_weight) if sample_weight is not None else []
        for i, output_metrics in enumerate(compiled):
            if i >= len(flat_y) or flat_y[i] is None:
                continue
            sw = flat_sw[i] if i < len(flat_sw) else (flat_sw[0] if flat_sw else None)
            for metric in output_metrics:
                weighted = getattr(metric, "_weighted", False)
                metric.update_state(flat_y[i], flat_pred[i], sw if weighted else None)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """The current result of each metric in `model.metrics`, as a dict
        (a metric whose result is a dict adds each of its entries)."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[getattr(metric, "_log_name", metric.name)] = result
        return logs

    @property
    def metrics(self):
        """The loss tracker, the compiled metrics, then metrics held by the
        model and its layers (`Metric` attributes)."""
        found = []
        tracker = self.__dict__.get("_loss_tracker")
        if tracker is not None:
            found.append(tracker)
        for entries in self.__dict__.get("_metric_objects") or []:
            found.extend(entries)
        for layer in [self] + list(_nested_layers(self)):
            for key, value in layer.__dict__.items():
                if key in ("_loss_tracker", "_metric_objects"):
                    continue
                for leaf in flatten(value) if isinstance(value, (list, tuple)) else [value]:
                    if isinstance(leaf, Metric) and not any(leaf is m for m in found):
                        found.append(leaf)
        return found

    @property
    def metrics_names(self):
        """The names of `model.metrics` (after training: the keys of the logs)."""
        keys = self.__dict__.get("_last_logs_keys")
        if keys:
            return list(keys)
        return [getattr(m, "_log_name", m.name) for m in self.metrics] or ["loss"]

    def reset_metrics(self):
        """Resets the state of every metric in `model.metrics`."""
        for metric in self.metrics:
            metric.reset_state()

    def _compiled_loss_entries(self):
        """One `LossEntry` (or None) per output, from `compile()`."""
        args = getattr(self, "_compile_args", None)
        if not args or args.get("loss") is None:
            return None
        names = getattr(self, "_loss_output_names", None)
        if names is None:
            names = self._output_names_for_compile() or ["output"]
        return resolve_losses(args["loss"], args["loss_weights"], names)

    def _in_trace(self):
        return current_trace() is not None


def _nested_layers(model):
    return _all_sublayers(model)
