//! Learning-rate schedules, evaluated per step exactly as Keras's float32
//! `LearningRateSchedule.__call__` computes them.

use crate::error::{Error, Result};
use crate::ops::Attrs;

/// One of Keras's built-in schedules, by its config.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    ExponentialDecay {
        initial_learning_rate: f64,
        decay_steps: f64,
        decay_rate: f64,
        staircase: bool,
    },
    PiecewiseConstantDecay {
        boundaries: Vec<f64>,
        values: Vec<f64>,
    },
    CosineDecay {
        initial_learning_rate: f64,
        decay_steps: f64,
        alpha: f64,
        warmup_target: Option<f64>,
        warmup_steps: f64,
    },
    InverseTimeDecay {
        initial_learning_rate: f64,
        decay_steps: f64,
        decay_rate: f64,
        staircase: bool,
    },
    PolynomialDecay {
        initial_learning_rate: f64,
        decay_steps: f64,
        end_learning_rate: f64,
        power: f64,
        cycle: bool,
    },
    CosineDecayRestarts {
        initial_learning_rate: f64,
        first_decay_steps: f64,
        t_mul: f64,
        m_mul: f64,
        alpha: f64,
    },
}

/// The schedule class names [`Schedule::from_attrs`] knows.
pub const SCHEDULE_NAMES: &[&str] = &[
    "ExponentialDecay",
    "PiecewiseConstantDecay",
    "CosineDecay",
    "InverseTimeDecay",
    "PolynomialDecay",
    "CosineDecayRestarts",
];

fn key(prefix: &str, k: &str) -> String {
    if prefix.is_empty() {
        k.to_string()
    } else {
        format!("{prefix}.{k}")
    }
}

/// A list of numbers: a list of ints, one number, or (since attributes have no
/// list-of-floats kind) a comma-separated string of numbers.
fn numbers(op: &str, config: &Attrs, k: &str) -> Result<Vec<f64>> {
    let missing = || Error::argument(op, format!("'{k}' is required"));
    if let Ok(Some(v)) = config.opt_ints(op, k) {
        return Ok(v.into_iter().map(|x| x as f64).collect());
    }
    if let Ok(Some(v)) = config.opt_float(op, k) {
        return Ok(vec![v]);
    }
    let text = config.string(op, k, "")?;
    if text.trim().is_empty() {
        return Err(missing());
    }
    text.split(',')
        .map(|s| {
            s.trim().parse::<f64>().map_err(|_| {
                Error::argument(
                    op,
                    format!("'{k}' must be a list of numbers. Received: {k}={text:?}"),
                )
            })
        })
        .collect()
}

fn required(op: &str, config: &Attrs, k: &str) -> Result<f64> {
    config
        .opt_float(op, k)?
        .ok_or_else(|| Error::argument(op, format!("'{k}' is required")))
}

fn positive_steps(op: &str, config: &Attrs, k: &str) -> Result<f64> {
    let v = required(op, config, k)?;
    if v <= 0.0 {
        return Err(Error::argument(
            op,
            format!("'{k}' must be > 0. Received: {k}={v}"),
        ));
    }
    Ok(v)
}

impl Schedule {
    /// The config keys of a schedule class, as its Keras `get_config` has them.
    pub fn keys(class_name: &str) -> Result<&'static [&'static str]> {
        Ok(match class_name {
            "ExponentialDecay" | "InverseTimeDecay" => &[
                "initial_learning_rate",
                "decay_steps",
                "decay_rate",
                "staircase",
                "name",
            ],
            "PiecewiseConstantDecay" => &["boundaries", "values", "name"],
            "CosineDecay" => &[
                "initial_learning_rate",
                "decay_steps",
                "alpha",
                "name",
                "warmup_target",
                "warmup_steps",
            ],
            "PolynomialDecay" => &[
                "initial_learning_rate",
                "decay_steps",
                "end_learning_rate",
                "power",
                "cycle",
                "name",
            ],
            "CosineDecayRestarts" => &[
                "initial_learning_rate",
                "first_decay_steps",
                "t_mul",
                "m_mul",
                "alpha",
                "name",
            ],
            _ => {
                return Err(Error::argument(
                    "learning_rate_schedule",
                    format!(
                        "unknown schedule '{class_name}'. Known schedules: [{}]",
                        SCHEDULE_NAMES.join(", ")
                    ),
                ))
            }
        })
    }

    /// A schedule from its class name and Keras config, the config keys read
    /// as `"{prefix}.{key}"` (or bare when `prefix` is empty). `boundaries`
    /// and `values` take a list of ints or a comma-separated string of numbers.
    pub fn from_attrs(class_name: &str, config: &Attrs, prefix: &str) -> Result<Self> {
        Self::keys(class_name)?;
        let op = class_name;
        let k = |name: &str| key(prefix, name);
        Ok(match class_name {
            "ExponentialDecay" | "InverseTimeDecay" => {
                let initial_learning_rate = required(op, config, &k("initial_learning_rate"))?;
                let decay_steps = positive_steps(op, config, &k("decay_steps"))?;
                let decay_rate = required(op, config, &k("decay_rate"))?;
                let staircase = config.bool(op, &k("staircase"), false)?;
                if class_name == "ExponentialDecay" {
                    Schedule::ExponentialDecay {
                        initial_learning_rate,
                        decay_steps,
                        decay_rate,
                        staircase,
                    }
                } else {
                    Schedule::InverseTimeDecay {
                        initial_learning_rate,
                        decay_steps,
                        decay_rate,
                        staircase,
                    }
                }
            }
            "PiecewiseConstantDecay" => {
                let boundaries = numbers(op, config, &k("boundaries"))?;
                let values = numbers(op, config, &k("values"))?;
                if boundaries.len() + 1 != values.len() {
                    return Err(Error::argument(
                        op,
                        format!(
                            "the length of boundaries should be 1 less than the length of \
                             values. Received: boundaries={boundaries:?} of length {}, and \
                             values={values:?} of length {}",
                            boundaries.len(),
                            values.len()
                        ),
                    ));
                }
                Schedule::PiecewiseConstantDecay { boundaries, values }
            }
            "PolynomialDecay" => Schedule::PolynomialDecay {
                initial_learning_rate: required(op, config, &k("initial_learning_rate"))?,
                decay_steps: positive_steps(op, config, &k("decay_steps"))?,
                end_learning_rate: config.float(op, &k("end_learning_rate"), 0.0001)?,
                power: config.float(op, &k("power"), 1.0)?,
                cycle: config.bool(op, &k("cycle"), false)?,
            },
            "CosineDecayRestarts" => Schedule::CosineDecayRestarts {
                initial_learning_rate: required(op, config, &k("initial_learning_rate"))?,
                first_decay_steps: positive_steps(op, config, &k("first_decay_steps"))?,
                t_mul: config.float(op, &k("t_mul"), 2.0)?,
                m_mul: config.float(op, &k("m_mul"), 1.0)?,
                alpha: config.float(op, &k("alpha"), 0.0)?,
            },
            _ => Schedule::CosineDecay {
                initial_learning_rate: required(op, config, &k("initial_learning_rate"))?,
                decay_steps: positive_steps(op, config, &k("decay_steps"))?,
                alpha: config.float(op, &k("alpha"), 0.0)?,
                warmup_target: config.opt_float(op, &k("warmup_target"))?,
                warmup_steps: config.float(op, &k("warmup_steps"), 0.0)?,
            },
        })
    }

    /// The learning rate at `step`, in float32 as Keras computes it.
    pub fn value(&self, step: f64) -> f32 {
        let s = step as f32;
        match self {
            Schedule::ExponentialDecay {
                initial_learning_rate,
                decay_steps,
                decay_rate,
                staircase,
            } => {
                let mut p = s / *decay_steps as f32;
                if *staircase {
                    p = p.floor();
                }
                *initial_learning_rate as f32 * (*decay_rate as f32).powf(p)
            }
            Schedule::InverseTimeDecay {
                initial_learning_rate,
                decay_steps,
                decay_rate,
                staircase,
            } => {
                let mut p = s / *decay_steps as f32;
                if *staircase {
                    p = p.floor();
                }
                *initial_learning_rate as f32 / (1.0 + *decay_rate as f32 * p)
            }
            Schedule::PiecewiseConstantDecay { boundaries, values } => {
                // Keras casts the boundaries to the step's integer type; for an
                // integer step, comparing with the float boundary is the same.
                let i = boundaries.iter().take_while(|&&b| step > b).count();
                values[i] as f32
            }
            Schedule::PolynomialDecay {
                initial_learning_rate,
                decay_steps,
                end_learning_rate,
                power,
                cycle,
            } => {
                // Keras's float32 graph: every operand is cast to float32 first.
                let init = *initial_learning_rate as f32;
                let end = *end_learning_rate as f32;
                let mut ds = *decay_steps as f32;
                let mut step = s;
                if *cycle {
                    let multiplier = if step == 0.0 { 1.0 } else { (step / ds).ceil() };
                    ds *= multiplier;
                } else {
                    step = step.min(ds);
                }
                let p = step / ds;
                (init - end) * (1.0 - p).powf(*power as f32) + end
            }
            Schedule::CosineDecayRestarts {
                initial_learning_rate,
                first_decay_steps,
                t_mul,
                m_mul,
                alpha,
            } => {
                let init = *initial_learning_rate as f32;
                let t_mul = *t_mul as f32;
                let alpha = *alpha as f32;
                let mut fraction = s / *first_decay_steps as f32;
                let i_restart = if t_mul == 1.0 {
                    let i = fraction.floor();
                    fraction -= i;
                    i
                } else {
                    // Restart i starts after sum_{j<i} t_mul^j = (1 - t^i) / (1 - t) periods.
                    let i = ((1.0 - fraction * (1.0 - t_mul)).ln() / t_mul.ln()).floor();
                    let sum_r = (1.0 - t_mul.powf(i)) / (1.0 - t_mul);
                    fraction = (fraction - sum_r) / t_mul.powf(i);
                    i
                };
                let m_fac = (*m_mul as f32).powf(i_restart);
                let cosine = 0.5 * m_fac * (1.0 + (std::f32::consts::PI * fraction).cos());
                init * ((1.0 - alpha) * cosine + alpha)
            }
            Schedule::CosineDecay {
                initial_learning_rate,
                decay_steps,
                alpha,
                warmup_target,
                warmup_steps,
            } => {
                let init = *initial_learning_rate as f32;
                let ds = *decay_steps as f32;
                let decay = |step: f32, from: f32| {
                    let fraction = step / ds;
                    let cosine = 0.5 * (1.0 + (std::f32::consts::PI * fraction).cos());
                    // `(1 - alpha)` is Python arithmetic in Keras, in double.
                    let decayed = (1.0 - *alpha) as f32 * cosine + *alpha as f32;
                    from * decayed
                };
                match warmup_target {
                    None => decay(s.min(ds), init),
                    Some(target) => {
                        let target = *target as f32;
                        let ws = *warmup_steps as f32;
                        let s = s.min(ds + ws);
                        if s < ws {
                            (target - init) * (s / ws) + init
                        } else {
                            decay(s - ws, target)
                        }
                    }
                }
            }
        }
    }
}
