//! `pykeras._core.OptimizerConfig`: an optimizer's hyper-parameters, typed.

use super::schedule_from;
use crate::ops::{Attr, Attrs};
use crate::optim::{LearningRate, Optimizer, Schedule};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyString};

/// An optimizer's hyper-parameters, typed: built in Python from the Keras
/// optimizer's attributes and taken by `Optimizer(config)`. Every field but
/// `kind` is optional (None: the rule's default); a field the rule does not
/// have must stay None. A value of the wrong type raises `TypeError` naming
/// the field.
#[pyclass(module = "pykeras._core", name = "OptimizerConfig", frozen)]
pub struct PyOptimizerConfig {
    /// The update rule: `"sgd"`, `"adam"`, ... (case and `_` ignored).
    #[pyo3(get)]
    kind: String,
    // What every optimizer takes (Keras's `BaseOptimizer` arguments).
    #[pyo3(get)]
    learning_rate: Option<f64>,
    #[pyo3(get)]
    weight_decay: Option<f64>,
    #[pyo3(get)]
    clipnorm: Option<f64>,
    #[pyo3(get)]
    clipvalue: Option<f64>,
    #[pyo3(get)]
    global_clipnorm: Option<f64>,
    #[pyo3(get)]
    use_ema: Option<bool>,
    #[pyo3(get)]
    ema_momentum: Option<f64>,
    #[pyo3(get)]
    ema_overwrite_frequency: Option<i64>,
    #[pyo3(get)]
    loss_scale_factor: Option<f64>,
    #[pyo3(get)]
    gradient_accumulation_steps: Option<i64>,
    // The rules' own arguments (each rule reads its subset).
    #[pyo3(get)]
    beta_1: Option<f64>,
    #[pyo3(get)]
    beta_2: Option<f64>,
    #[pyo3(get)]
    epsilon: Option<f64>,
    #[pyo3(get)]
    amsgrad: Option<bool>,
    #[pyo3(get)]
    momentum: Option<f64>,
    #[pyo3(get)]
    nesterov: Option<bool>,
    #[pyo3(get)]
    rho: Option<f64>,
    #[pyo3(get)]
    centered: Option<bool>,
    #[pyo3(get)]
    initial_accumulator_value: Option<f64>,
    #[pyo3(get)]
    learning_rate_power: Option<f64>,
    #[pyo3(get)]
    l1_regularization_strength: Option<f64>,
    #[pyo3(get)]
    l2_regularization_strength: Option<f64>,
    #[pyo3(get)]
    l2_shrinkage_regularization_strength: Option<f64>,
    #[pyo3(get)]
    beta: Option<f64>,
    #[pyo3(get)]
    beta_2_decay: Option<f64>,
    #[pyo3(get)]
    epsilon_1: Option<f64>,
    #[pyo3(get)]
    epsilon_2: Option<f64>,
    #[pyo3(get)]
    clip_threshold: Option<f64>,
    #[pyo3(get)]
    relative_step: Option<bool>,
    #[pyo3(get)]
    adam_beta_1: Option<f64>,
    #[pyo3(get)]
    adam_beta_2: Option<f64>,
    #[pyo3(get)]
    adam_weight_decay: Option<f64>,
    #[pyo3(get)]
    adam_lr_ratio: Option<f64>,
    #[pyo3(get)]
    muon_a: Option<f64>,
    #[pyo3(get)]
    muon_b: Option<f64>,
    #[pyo3(get)]
    muon_c: Option<f64>,
    #[pyo3(get)]
    ns_steps: Option<i64>,
    #[pyo3(get)]
    rms_rate: Option<f64>,
    #[pyo3(get)]
    warmup_steps: Option<i64>,
    /// A built-in learning-rate schedule, in place of `learning_rate`.
    schedule: Option<(String, Schedule)>,
}

fn field_error(name: &str, want: &str, v: &Bound<'_, PyAny>) -> PyErr {
    let type_name = v
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let shown = v.repr().map(|r| r.to_string()).unwrap_or_default();
    PyTypeError::new_err(format!(
        "OptimizerConfig field `{name}` must be {want} or None. Received: {name}={shown} (of type {type_name})"
    ))
}

/// A number (not a bool): Python and NumPy ints and floats.
fn float_field(name: &str, v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<f64>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) if v.is_instance_of::<PyBool>() || v.is_instance_of::<PyString>() => {
            Err(field_error(name, "a float", v))
        }
        Some(v) => v
            .extract::<f64>()
            .map(Some)
            .map_err(|_| field_error(name, "a float", v)),
    }
}

/// A Python or NumPy bool.
fn bool_field(name: &str, v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<bool>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => v
            .extract::<bool>()
            .map(Some)
            .map_err(|_| field_error(name, "a bool", v)),
    }
}

/// A Python or NumPy int (not a float).
fn int_field(name: &str, v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<i64>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) if v.is_instance_of::<PyFloat>() => Err(field_error(name, "an int", v)),
        Some(v) => v
            .extract::<i64>()
            .map(Some)
            .map_err(|_| field_error(name, "an int", v)),
    }
}

fn put(attrs: &mut Attrs, key: &str, value: Option<Attr>) {
    if let Some(v) = value {
        attrs.insert(key, v);
    }
}

impl PyOptimizerConfig {
    /// The fields that are set, as the attributes the core's rules read.
    fn attrs(&self) -> Attrs {
        let mut attrs = Attrs::new();
        put(
            &mut attrs,
            "learning_rate",
            self.learning_rate.map(Attr::Float),
        );
        put(
            &mut attrs,
            "weight_decay",
            self.weight_decay.map(Attr::Float),
        );
        put(&mut attrs, "clipnorm", self.clipnorm.map(Attr::Float));
        put(&mut attrs, "clipvalue", self.clipvalue.map(Attr::Float));
        put(
            &mut attrs,
            "global_clipnorm",
            self.global_clipnorm.map(Attr::Float),
        );
        put(&mut attrs, "use_ema", self.use_ema.map(Attr::Bool));
        put(
            &mut attrs,
            "ema_momentum",
            self.ema_momentum.map(Attr::Float),
        );
        put(
            &mut attrs,
            "ema_overwrite_frequency",
            self.ema_overwrite_frequency.map(Attr::Int),
        );
        put(
            &mut attrs,
            "loss_scale_factor",
            self.loss_scale_factor.map(Attr::Float),
        );
        put(
            &mut attrs,
            "gradient_accumulation_steps",
            self.gradient_accumulation_steps.map(Attr::Int),
        );
        put(&mut attrs, "beta_1", self.beta_1.map(Attr::Float));
        put(&mut attrs, "beta_2", self.beta_2.map(Attr::Float));
        put(&mut attrs, "epsilon", self.epsilon.map(Attr::Float));
        put(&mut attrs, "amsgrad", self.amsgrad.map(Attr::Bool));
        put(&mut attrs, "momentum", self.momentum.map(Attr::Float));
        put(&mut attrs, "nesterov", self.nesterov.map(Attr::Bool));
        put(&mut attrs, "rho", self.rho.map(Attr::Float));
        put(&mut attrs, "centered", self.centered.map(Attr::Bool));
        put(
            &mut attrs,
            "initial_accumulator_value",
            self.initial_accumulator_value.map(Attr::Float),
        );
        put(
            &mut attrs,
            "learning_rate_power",
            self.learning_rate_power.map(Attr::Float),
        );
        put(
            &mut attrs,
            "l1_regularization_strength",
            self.l1_regularization_strength.map(Attr::Float),
        );
        put(
            &mut attrs,
            "l2_regularization_strength",
            self.l2_regularization_strength.map(Attr::Float),
        );
        put(
            &mut attrs,
            "l2_shrinkage_regularization_strength",
            self.l2_shrinkage_regularization_strength.map(Attr::Float),
        );
        put(&mut attrs, "beta", self.beta.map(Attr::Float));
        put(
            &mut attrs,
            "beta_2_decay",
            self.beta_2_decay.map(Attr::Float),
        );
        put(&mut attrs, "epsilon_1", self.epsilon_1.map(Attr::Float));
        put(&mut attrs, "epsilon_2", self.epsilon_2.map(Attr::Float));
        put(
            &mut attrs,
            "clip_threshold",
            self.clip_threshold.map(Attr::Float),
        );
        put(
            &mut attrs,
            "relative_step",
            self.relative_step.map(Attr::Bool),
        );
        put(&mut attrs, "adam_beta_1", self.adam_beta_1.map(Attr::Float));
        put(&mut attrs, "adam_beta_2", self.adam_beta_2.map(Attr::Float));
        put(
            &mut attrs,
            "adam_weight_decay",
            self.adam_weight_decay.map(Attr::Float),
        );
        put(
            &mut attrs,
            "adam_lr_ratio",
            self.adam_lr_ratio.map(Attr::Float),
        );
        put(&mut attrs, "muon_a", self.muon_a.map(Attr::Float));
        put(&mut attrs, "muon_b", self.muon_b.map(Attr::Float));
        put(&mut attrs, "muon_c", self.muon_c.map(Attr::Float));
        put(&mut attrs, "ns_steps", self.ns_steps.map(Attr::Int));
        put(&mut attrs, "rms_rate", self.rms_rate.map(Attr::Float));
        put(&mut attrs, "warmup_steps", self.warmup_steps.map(Attr::Int));
        attrs
    }

    /// The core optimizer this config describes.
    pub(super) fn build(&self) -> crate::Result<Optimizer> {
        let mut inner = Optimizer::new(&self.kind, &self.attrs())?;
        if let Some((_, schedule)) = &self.schedule {
            if self.learning_rate.is_some() {
                return Err(crate::Error::argument(
                    inner.class_name(),
                    "give either 'learning_rate' or a schedule, not both",
                ));
            }
            inner.set_learning_rate_schedule(LearningRate::Schedule(schedule.clone()));
        }
        Ok(inner)
    }
}

#[pymethods]
impl PyOptimizerConfig {
    /// `OptimizerConfig(kind, *, learning_rate=None, ..., schedule=None)`;
    /// `schedule` is a built-in schedule as `(class_name, config)`.
    #[new]
    #[pyo3(signature = (kind, *, learning_rate=None, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=None, ema_momentum=None, ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, beta_1=None, beta_2=None, epsilon=None, amsgrad=None, momentum=None, nesterov=None, rho=None, centered=None, initial_accumulator_value=None, learning_rate_power=None, l1_regularization_strength=None, l2_regularization_strength=None, l2_shrinkage_regularization_strength=None, beta=None, beta_2_decay=None, epsilon_1=None, epsilon_2=None, clip_threshold=None, relative_step=None, adam_beta_1=None, adam_beta_2=None, adam_weight_decay=None, adam_lr_ratio=None, muon_a=None, muon_b=None, muon_c=None, ns_steps=None, rms_rate=None, warmup_steps=None, schedule=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        kind: String,
        learning_rate: Option<Bound<'_, PyAny>>,
        weight_decay: Option<Bound<'_, PyAny>>,
        clipnorm: Option<Bound<'_, PyAny>>,
        clipvalue: Option<Bound<'_, PyAny>>,
        global_clipnorm: Option<Bound<'_, PyAny>>,
        use_ema: Option<Bound<'_, PyAny>>,
        ema_momentum: Option<Bound<'_, PyAny>>,
        ema_overwrite_frequency: Option<Bound<'_, PyAny>>,
        loss_scale_factor: Option<Bound<'_, PyAny>>,
        gradient_accumulation_steps: Option<Bound<'_, PyAny>>,
        beta_1: Option<Bound<'_, PyAny>>,
        beta_2: Option<Bound<'_, PyAny>>,
        epsilon: Option<Bound<'_, PyAny>>,
        amsgrad: Option<Bound<'_, PyAny>>,
        momentum: Option<Bound<'_, PyAny>>,
        nesterov: Option<Bound<'_, PyAny>>,
        rho: Option<Bound<'_, PyAny>>,
        centered: Option<Bound<'_, PyAny>>,
        initial_accumulator_value: Option<Bound<'_, PyAny>>,
        learning_rate_power: Option<Bound<'_, PyAny>>,
        l1_regularization_strength: Option<Bound<'_, PyAny>>,
        l2_regularization_strength: Option<Bound<'_, PyAny>>,
        l2_shrinkage_regularization_strength: Option<Bound<'_, PyAny>>,
        beta: Option<Bound<'_, PyAny>>,
        beta_2_decay: Option<Bound<'_, PyAny>>,
        epsilon_1: Option<Bound<'_, PyAny>>,
        epsilon_2: Option<Bound<'_, PyAny>>,
        clip_threshold: Option<Bound<'_, PyAny>>,
        relative_step: Option<Bound<'_, PyAny>>,
        adam_beta_1: Option<Bound<'_, PyAny>>,
        adam_beta_2: Option<Bound<'_, PyAny>>,
        adam_weight_decay: Option<Bound<'_, PyAny>>,
        adam_lr_ratio: Option<Bound<'_, PyAny>>,
        muon_a: Option<Bound<'_, PyAny>>,
        muon_b: Option<Bound<'_, PyAny>>,
        muon_c: Option<Bound<'_, PyAny>>,
        ns_steps: Option<Bound<'_, PyAny>>,
        rms_rate: Option<Bound<'_, PyAny>>,
        warmup_steps: Option<Bound<'_, PyAny>>,
        schedule: Option<(String, Bound<'_, PyDict>)>,
    ) -> PyResult<Self> {
        let schedule = match schedule {
            None => None,
            Some((class_name, config)) => {
                let parsed = schedule_from(config.py(), &class_name, &config)?;
                Some((class_name, parsed))
            }
        };
        Ok(Self {
            kind,
            learning_rate: float_field("learning_rate", learning_rate.as_ref())?,
            weight_decay: float_field("weight_decay", weight_decay.as_ref())?,
            clipnorm: float_field("clipnorm", clipnorm.as_ref())?,
            clipvalue: float_field("clipvalue", clipvalue.as_ref())?,
            global_clipnorm: float_field("global_clipnorm", global_clipnorm.as_ref())?,
            use_ema: bool_field("use_ema", use_ema.as_ref())?,
            ema_momentum: float_field("ema_momentum", ema_momentum.as_ref())?,
            ema_overwrite_frequency: int_field(
                "ema_overwrite_frequency",
                ema_overwrite_frequency.as_ref(),
            )?,
            loss_scale_factor: float_field("loss_scale_factor", loss_scale_factor.as_ref())?,
            gradient_accumulation_steps: int_field(
                "gradient_accumulation_steps",
                gradient_accumulation_steps.as_ref(),
            )?,
            beta_1: float_field("beta_1", beta_1.as_ref())?,
            beta_2: float_field("beta_2", beta_2.as_ref())?,
            epsilon: float_field("epsilon", epsilon.as_ref())?,
            amsgrad: bool_field("amsgrad", amsgrad.as_ref())?,
            momentum: float_field("momentum", momentum.as_ref())?,
            nesterov: bool_field("nesterov", nesterov.as_ref())?,
            rho: float_field("rho", rho.as_ref())?,
            centered: bool_field("centered", centered.as_ref())?,
            initial_accumulator_value: float_field(
                "initial_accumulator_value",
                initial_accumulator_value.as_ref(),
            )?,
            learning_rate_power: float_field("learning_rate_power", learning_rate_power.as_ref())?,
            l1_regularization_strength: float_field(
                "l1_regularization_strength",
                l1_regularization_strength.as_ref(),
            )?,
            l2_regularization_strength: float_field(
                "l2_regularization_strength",
                l2_regularization_strength.as_ref(),
            )?,
            l2_shrinkage_regularization_strength: float_field(
                "l2_shrinkage_regularization_strength",
                l2_shrinkage_regularization_strength.as_ref(),
            )?,
            beta: float_field("beta", beta.as_ref())?,
            beta_2_decay: float_field("beta_2_decay", beta_2_decay.as_ref())?,
            epsilon_1: float_field("epsilon_1", epsilon_1.as_ref())?,
            epsilon_2: float_field("epsilon_2", epsilon_2.as_ref())?,
            clip_threshold: float_field("clip_threshold", clip_threshold.as_ref())?,
            relative_step: bool_field("relative_step", relative_step.as_ref())?,
            adam_beta_1: float_field("adam_beta_1", adam_beta_1.as_ref())?,
            adam_beta_2: float_field("adam_beta_2", adam_beta_2.as_ref())?,
            adam_weight_decay: float_field("adam_weight_decay", adam_weight_decay.as_ref())?,
            adam_lr_ratio: float_field("adam_lr_ratio", adam_lr_ratio.as_ref())?,
            muon_a: float_field("muon_a", muon_a.as_ref())?,
            muon_b: float_field("muon_b", muon_b.as_ref())?,
            muon_c: float_field("muon_c", muon_c.as_ref())?,
            ns_steps: int_field("ns_steps", ns_steps.as_ref())?,
            rms_rate: float_field("rms_rate", rms_rate.as_ref())?,
            warmup_steps: int_field("warmup_steps", warmup_steps.as_ref())?,
            schedule,
        })
    }

    /// The schedule's class name, if a schedule gives the learning rate.
    #[getter]
    fn schedule(&self) -> Option<&str> {
        self.schedule.as_ref().map(|(name, _)| name.as_str())
    }

    fn __repr__(&self) -> String {
        let fields: Vec<String> = [
            ("learning_rate", self.learning_rate.map(|v| v.to_string())),
            ("weight_decay", self.weight_decay.map(|v| v.to_string())),
            ("clipnorm", self.clipnorm.map(|v| v.to_string())),
            ("clipvalue", self.clipvalue.map(|v| v.to_string())),
            (
                "global_clipnorm",
                self.global_clipnorm.map(|v| v.to_string()),
            ),
            ("use_ema", self.use_ema.map(|v| v.to_string())),
            ("ema_momentum", self.ema_momentum.map(|v| v.to_string())),
            (
                "ema_overwrite_frequency",
                self.ema_overwrite_frequency.map(|v| v.to_string()),
            ),
            (
                "loss_scale_factor",
                self.loss_scale_factor.map(|v| v.to_string()),
            ),
            (
                "gradient_accumulation_steps",
                self.gradient_accumulation_steps.map(|v| v.to_string()),
            ),
            ("beta_1", self.beta_1.map(|v| v.to_string())),
            ("beta_2", self.beta_2.map(|v| v.to_string())),
            ("epsilon", self.epsilon.map(|v| v.to_string())),
            ("amsgrad", self.amsgrad.map(|v| v.to_string())),
            ("momentum", self.momentum.map(|v| v.to_string())),
            ("nesterov", self.nesterov.map(|v| v.to_string())),
            ("rho", self.rho.map(|v| v.to_string())),
            ("centered", self.centered.map(|v| v.to_string())),
            (
                "initial_accumulator_value",
                self.initial_accumulator_value.map(|v| v.to_string()),
            ),
            (
                "learning_rate_power",
                self.learning_rate_power.map(|v| v.to_string()),
            ),
            (
                "l1_regularization_strength",
                self.l1_regularization_strength.map(|v| v.to_string()),
            ),
            (
                "l2_regularization_strength",
                self.l2_regularization_strength.map(|v| v.to_string()),
            ),
            (
                "l2_shrinkage_regularization_strength",
                self.l2_shrinkage_regularization_strength
                    .map(|v| v.to_string()),
            ),
            ("beta", self.beta.map(|v| v.to_string())),
            ("beta_2_decay", self.beta_2_decay.map(|v| v.to_string())),
            ("epsilon_1", self.epsilon_1.map(|v| v.to_string())),
            ("epsilon_2", self.epsilon_2.map(|v| v.to_string())),
            ("clip_threshold", self.clip_threshold.map(|v| v.to_string())),
            ("relative_step", self.relative_step.map(|v| v.to_string())),
            ("adam_beta_1", self.adam_beta_1.map(|v| v.to_string())),
            ("adam_beta_2", self.adam_beta_2.map(|v| v.to_string())),
            (
                "adam_weight_decay",
                self.adam_weight_decay.map(|v| v.to_string()),
            ),
            ("adam_lr_ratio", self.adam_lr_ratio.map(|v| v.to_string())),
            ("muon_a", self.muon_a.map(|v| v.to_string())),
            ("muon_b", self.muon_b.map(|v| v.to_string())),
            ("muon_c", self.muon_c.map(|v| v.to_string())),
            ("ns_steps", self.ns_steps.map(|v| v.to_string())),
            ("rms_rate", self.rms_rate.map(|v| v.to_string())),
            ("warmup_steps", self.warmup_steps.map(|v| v.to_string())),
            ("schedule", self.schedule.as_ref().map(|(n, _)| n.clone())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
        .collect();
        format!(
            "<_core.OptimizerConfig {} {}>",
            self.kind,
            fields.join(", ")
        )
    }
}
