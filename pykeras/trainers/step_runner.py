"""Running compiled steps: building them once per data signature, calling
the Rust loop, and turning its per-step rows into running losses and metrics."""

import threading
import warnings

import numpy as np

from pykeras.trainers import custom_step
from pykeras.trainers.compile_config import resolve_metric, resolve_metric_identifiers
from pykeras.trainers.step_builder import build_step


class StepRunner:
    """Mixin: the compiled steps of a model and the bookkeeping of their results."""

    # ------------------------------------------------------------ steps

    def _metrics_for(self, prepared):
        """The compiled metrics, resolved once per model against the data's shapes."""
        if self._metric_objects is not None:
            return self._metric_objects
        per_output = []
        plain = resolve_metric_identifiers(self._compile_args["metrics"], prepared.names)
        weighted = resolve_metric_identifiers(
            self._compile_args["weighted_metrics"], prepared.names
        )
        several = len(prepared.names) > 1
        for i, name in enumerate(prepared.names):
            target = prepared.targets[i]
            true_rank = target.ndim if target is not None else len(prepared.output_shapes[i])
            true_last = target.shape[-1] if target is not None and target.ndim else None
            entries = []
            for ident, is_weighted in [(m, False) for m in plain[i]] + [
                (m, True) for m in weighted[i]
            ]:
                metric = resolve_metric(ident, true_rank, prepared.output_shapes[i], true_last)
                if several and metric is ident:
                    # The same object listed for two outputs keeps separate state.
                    metric = type(metric).from_config(metric.get_config())
                metric._weighted = is_weighted
                metric._log_name = f"{name}_{metric.name}" if several else metric.name
                entries.append(metric)
            per_output.append(entries)
        self._metric_objects = per_output
        return per_output

    def _step(self, prepared, training):
        metrics = self._metrics_for(prepared)
        target_specs = [
            None if t is None else ((None,) + t.shape[1:], str(t.dtype)) for t in prepared.targets
        ]
        key = (
            training,
            tuple((s, d) for _, s, d in prepared.specs),
            tuple(target_specs),
            prepared.weights is not None,
        )
        step = self._steps.get(key)
        if step is None and custom_step.overrides_steps(self, training):
            step = custom_step.build_custom_step(self, prepared, training)
            self._steps[key] = step
        if step is None and self.run_eagerly:
            # Training always runs the traced step: Python code in call() runs
            # once, at trace time. Control flow on tensor values cannot be
            # traced, and training op by op is not available yet.
            try:
                step = build_step(self, prepared.structure, prepared.specs, target_specs,
                                  prepared.weights is not None, prepared.losses, metrics,
                                  prepared.output_shapes, training)  # fmt: skip
            except TypeError as error:
                if "run_eagerly" not in str(error):
                    raise
                raise NotImplementedError(
                    f"Model '{self.name}' branches on tensor values in call(), which pykeras "
                    "can run eagerly for inference (predict, model(x)) but cannot train yet: "
                    "fit/evaluate trace call() into one graph. Rewrite the branch with "
                    "pykeras.ops.where, or keep the value-dependent part outside the model."
                ) from error
            self._steps[key] = step
        if step is None:
            step = build_step(
                self,
                prepared.structure,
                prepared.specs,
                target_specs,
                prepared.weights is not None,
                prepared.losses,
                metrics,
                prepared.output_shapes,
                training,
            )
            self._steps[key] = step
        return step

    # ------------------------------------------------------------ epochs

    def _run(self, step, prepared, training, order, batch_size, first, steps, seed):
        # Calls on one model from several threads take turns: a step and the
        # optimizer are updated in place by each call. Other models run
        # alongside (each call has its own pool in the core).
        with self.__dict__.setdefault("_core_call_lock", threading.RLock()):
            return self._run_locked(step, prepared, training, order, batch_size, first, steps, seed)

    def _run_locked(self, step, prepared, training, order, batch_size, first, steps, seed):
        if isinstance(step, custom_step.CustomStep):
            return custom_step.run_custom(
                self, step, prepared, training, order, batch_size, first, steps, seed
            )
        data = list(prepared.x) + [t for t in prepared.targets if t is not None]
        if prepared.weights is not None:
            data += [
                w if w is not None else np.ones(prepared.count, np.float32)
                for w, t in zip(prepared.weights, prepared.targets)
                if t is not None
            ]
        if training:
            native_opt = self.optimizer._native(self.trainable_weights)
            rows, widths = step.native.train(
                data, order, batch_size, first, steps, seed, self._global_step, False, native_opt
            )
            if len(rows) and not np.all(np.isfinite(rows[:, 1])) and not self._nan_reported:
                self._nan_reported = True
                bad = int(np.argmin(np.isfinite(rows[:, 1])))
                warnings.warn(
                    f"The training loss of model '{self.name}' is not finite (NaN or inf) from "
                    f"step {first + bad} of this epoch on. Check the data for NaN or inf and try "
                    "a lower learning rate; keras.callbacks.TerminateOnNaN() stops training then.",
                    RuntimeWarning,
                    stacklevel=3,
                )
            self._global_step += len(rows)
            for v in step.constrained:
                v.assign(v.constraint(v.numpy()))
        else:
            rows, widths = step.native.test(data, batch_size, first, steps)
        return rows, widths

    def _accumulate(self, tracker, step, rows, widths):
        """Adds step rows to the running loss and metric states."""
        if isinstance(step, custom_step.CustomStep):
            custom_step.accumulate_custom(tracker, step, rows, widths)
            return
        if len(rows) == 0:
            return
        sizes = rows[:, 0]
        tracker["loss_sum"] += float(np.sum(rows[:, 1] * sizes))
        tracker["count"] += float(np.sum(sizes))
        col = 2
        report = 0
        for name in step.output_losses:
            tracker.setdefault(name, [0.0, 0.0])
            tracker[name][0] += float(np.sum(rows[:, col] * sizes))
            tracker[name][1] += float(np.sum(sizes))
            col += widths[report]
            report += 1
        loss_tracker = self.__dict__.get("_loss_tracker")
        if loss_tracker is not None:
            loss_tracker.add_states([np.sum(rows[:, 1] * sizes), np.sum(sizes)])
        for metric, count in zip(step.metrics, step.state_counts):
            if count == 0:
                continue  # a metric with variables: updated inside the step
            states = []
            for _ in range(count):
                w = widths[report]
                states.append(
                    rows[:, col : col + w].sum(axis=0).reshape(-1) if w > 1 else rows[:, col].sum()
                )
                col += w
                report += 1
            metric.add_states(states)

    def _logs(self, tracker, step):
        if isinstance(step, custom_step.CustomStep):
            return custom_step.custom_logs(tracker, step)
        logs = {}
        count = tracker["count"]
        logs["loss"] = tracker["loss_sum"] / count if count else float("nan")
        for name in step.output_losses:
            total, n = tracker[name]
            logs[name] = total / n if n else float("nan")
        for metric in step.metrics:
            value = metric.result()
            logs[metric._log_name] = value if isinstance(value, float) else _scalar(value)
        return logs

    def _new_tracker(self, step):
        if isinstance(step, custom_step.CustomStep):
            self.reset_metrics()
            return {"count": 0}
        for metric in step.metrics:
            metric.reset_state()
        loss_tracker = self.__dict__.get("_loss_tracker")
        if loss_tracker is not None:
            loss_tracker.reset_state()
        return {"loss_sum": 0.0, "count": 0.0}


def _scalar(value):
    """A metric result as a float (a custom metric may return an array)."""
    array = np.asarray(value, dtype=np.float64)
    return float(array.reshape(-1)[0]) if array.size == 1 else array
