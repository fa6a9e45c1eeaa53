//! The update rules by Keras class name.

use super::{
    adadelta, adafactor, adagrad, adam, adamax, adamw, ftrl, lamb, lion, multi, muon, nadam,
    rmsprop, schedule_free, sgd, Rule, OPTIMIZER_NAMES,
};
use crate::error::{Error, Result};
use crate::ops::Attrs;

/// The rule of an optimizer name (case and `_` ignored) and its config keys.
pub(super) fn rule_from(
    name: &str,
    config: &Attrs,
) -> Result<(Box<dyn Rule>, &'static [&'static str])> {
    let key: String = name
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_lowercase();
    Ok(match key.as_str() {
        "sgd" => (Box::new(sgd::Sgd::from_attrs(config)?), sgd::KEYS),
        "adam" => (Box::new(adam::Adam::from_attrs(config)?), adam::KEYS),
        "adamw" => (Box::new(adamw::adamw_from_attrs(config)?), adam::KEYS),
        "rmsprop" => (
            Box::new(rmsprop::RmsProp::from_attrs(config)?),
            rmsprop::KEYS,
        ),
        "adagrad" => (
            Box::new(adagrad::Adagrad::from_attrs(config)?),
            adagrad::KEYS,
        ),
        "adadelta" => (
            Box::new(adadelta::Adadelta::from_attrs(config)?),
            adadelta::KEYS,
        ),
        "adamax" => (Box::new(adamax::Adamax::from_attrs(config)?), adamax::KEYS),
        "nadam" => (Box::new(nadam::Nadam::from_attrs(config)?), nadam::KEYS),
        "lion" => (Box::new(lion::Lion::from_attrs(config)?), lion::KEYS),
        "ftrl" => (Box::new(ftrl::Ftrl::from_attrs(config)?), ftrl::KEYS),
        "lamb" => (Box::new(lamb::Lamb::from_attrs(config)?), lamb::KEYS),
        "adafactor" => (
            Box::new(adafactor::Adafactor::from_attrs(config)?),
            adafactor::KEYS,
        ),
        "muon" => (Box::new(muon::Muon::from_attrs(config)?), muon::KEYS),
        "schedulefreeadamw" => (
            Box::new(schedule_free::ScheduleFreeAdamW::from_attrs(config)?),
            schedule_free::KEYS,
        ),
        "multioptimizer" => (Box::new(multi::Dispatch), &[]),
        _ => {
            return Err(Error::argument(
                "optimizer",
                format!(
                    "unknown optimizer '{name}'. Known optimizers: [{}]",
                    OPTIMIZER_NAMES.join(", ")
                ),
            ))
        }
    })
}
