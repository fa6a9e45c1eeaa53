//! An activation as a fused op's epilogue: applied in place to a product's
//! rows, and its backward rule from the output alone where one exists (a
//! child of `activation`, whose `Kind` it applies).

use super::{Kind, PLAIN_RELU, RELU6};
use crate::kernels::elementwise::{
    column_sums, map_in_place, rows_plus_map_in_place, scale_in_place, scaled_column_sums,
};

impl Kind {
    /// Whether the derivative is a function of the output alone.
    fn has_output_derivative(self) -> bool {
        self == PLAIN_RELU
            || matches!(
                self,
                Kind::Sigmoid | Kind::Tanh | Kind::Exponential | Kind::Linear
            )
    }

    /// The derivative from the output alone, for the kinds
    /// `has_output_derivative` accepts; equal to `derivative(x, y)` wherever
    /// `y = apply(x)`.
    #[inline(always)]
    fn output_derivative(self, y: f32) -> f32 {
        match self {
            Kind::Relu { .. } => {
                if y > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Kind::Sigmoid => y * (1.0 - y),
            Kind::Tanh => 1.0 - y * y,
            Kind::Exponential => y,
            _ => 1.0,
        }
    }
}

/// An elementwise activation a fused op can apply in place. A plan with a
/// backward pass fuses it only when `derivative_from_output` holds (the
/// pre-activation is then never kept); a forward-only plan fuses any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutputActivation {
    pub(super) name: &'static str,
    pub(super) kind: Kind,
}

impl OutputActivation {
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the derivative is a function of the output alone, so
    /// `scale_grad` is this activation's backward rule.
    pub fn derivative_from_output(&self) -> bool {
        self.kind.has_output_derivative()
    }

    /// `y = act(y + bias)` over the rows of `y` (`bias.len()` columns), in place.
    pub fn apply_rows(&self, y: &mut [f32], bias: Option<&[f32]>) {
        match (self.kind, bias) {
            (Kind::Linear, Some(b)) => rows_plus_map_in_place(y, b, |v| v),
            (Kind::Linear, None) => {}
            (kind, Some(b)) => {
                with_kind!(kind, |k| rows_plus_map_in_place(y, b, move |v| k.apply(v)))
            }
            (kind, None) => with_kind!(kind, |k| map_in_place(y, move |v| k.apply(v))),
        }
    }

    /// `g *= act'(y)` in place; with `columns`, also returns the column sums
    /// of the scaled `g` (the bias gradient), summed as `column_sums` would.
    pub fn scale_grad(&self, g: &mut [f32], y: &[f32], columns: Option<usize>) -> Option<Vec<f32>> {
        match (self.kind, columns) {
            (Kind::Linear, c) => c.map(|c| column_sums(g, c)),
            (kind, Some(c)) => Some(with_kind!(kind, |k| scaled_column_sums(
                g,
                y,
                c,
                move |g, y| g * k.output_derivative(y)
            ))),
            (kind, None) => {
                with_kind!(kind, |k| scale_in_place(g, y, move |g, y| g * k
                    .output_derivative(y)));
                None
            }
        }
    }
}
