//! AdamW: in Keras 3, AdamW is Adam plus the shared weight-decay step (run
//! before every update), with `weight_decay` defaulting to 0.004.

use super::adam::Adam;
use crate::error::Result;
use crate::ops::Attrs;

/// Keras's default `weight_decay` for AdamW.
pub(crate) const DEFAULT_WEIGHT_DECAY: f64 = 0.004;

/// The Adam rule under AdamW's name (Python refuses `weight_decay=None` as
/// Keras does; here an absent key means the default).
pub(crate) fn adamw_from_attrs(config: &Attrs) -> Result<Adam> {
    Adam::named("AdamW", config)
}
