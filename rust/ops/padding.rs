//! Keras's "valid" and "same" padding for windowed ops (conv, pooling), with
//! TensorFlow's convention: "same" gives ceil(n / stride) outputs and puts the
//! odd extra pad cell after, not before.

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Valid,
    Same,
}

impl Padding {
    pub fn parse(op: &str, s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "valid" => Ok(Padding::Valid),
            "same" => Ok(Padding::Same),
            _ => Err(Error::argument(
                op,
                format!("padding must be 'valid' or 'same'. Received: padding='{s}'"),
            )),
        }
    }
}

/// Output length and the padding before the first cell, for one spatial axis.
///
/// `window` is the effective window: (kernel - 1) * dilation + 1.
pub fn window_output(
    op: &str,
    input: usize,
    window: usize,
    stride: usize,
    padding: Padding,
) -> Result<(usize, usize)> {
    match padding {
        Padding::Valid => {
            if input < window {
                return Err(Error::shape(
                    op,
                    format!("each spatial dimension to be at least the window size {window} with padding='valid'"),
                    format!("a spatial dimension of {input}"),
                ));
            }
            Ok(((input - window) / stride + 1, 0))
        }
        Padding::Same => {
            let out = input.div_ceil(stride);
            let needed = ((out.max(1) - 1) * stride + window).saturating_sub(input);
            Ok((out, needed / 2))
        }
    }
}
