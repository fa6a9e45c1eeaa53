//! The optimizer's state as Keras lists it (`optimizer.variables`), and its restore.

use super::elementwise::into_flat;
use super::{LearningRate, Optimizer};
use crate::error::{fmt_shape, Error, Result};
use crate::graph::store::VarId;
use crate::tensor::Value;
use ndarray::{ArrayD, IxDyn};

impl Optimizer {
    /// The optimizer's state in Keras's `optimizer.variables` order:
    /// `iteration`, `learning_rate` (constant rates only), the slots group by
    /// group and within a group variable by variable, then global scalars
    /// (Nadam's `u_product`, float64 in an optimizer of float64 variables).
    /// Slot entries are named by the slot alone (`"momentum"`); Keras names
    /// them `{variable.path with / as _}_{slot}`.
    /// Variables never built or applied to are skipped. Entries are
    /// float32 (float64 state rounded: for shapes and float32 state; see
    /// [`Optimizer::variable_values`] for the values in their own types).
    pub fn variables(&self, vars: &[VarId]) -> Vec<(String, ArrayD<f32>)> {
        self.variable_values(vars)
            .into_iter()
            .map(|(n, v)| {
                let a = match v.narrowed() {
                    Value::F32(a) => a,
                    Value::F64(a) => a.mapv(|x| x as f32),
                    Value::I64(a) => a.mapv(|x| x as f32),
                };
                (n, a)
            })
            .collect()
    }

    /// [`Optimizer::variables`] in their own types: a float64 variable's
    /// slots are float64, and so is the learning rate of an optimizer that
    /// updates float64 variables (Keras keeps it in a floatx variable).
    pub fn variable_values(&self, vars: &[VarId]) -> Vec<(String, Value)> {
        let scalar = |v: f32| Value::F32(ArrayD::from_elem(IxDyn(&[]), v));
        let mut out = vec![("iteration".to_string(), scalar(self.iterations as f32))];
        if let LearningRate::Constant(v) = self.lr {
            let lr = if self.has_float64() {
                Value::F64(ArrayD::from_elem(IxDyn(&[]), v))
            } else {
                scalar(v as f32)
            };
            out.push(("learning_rate".to_string(), lr));
        }
        let groups = self.slot_groups();
        let mut offset = 0;
        for group in &groups {
            for &id in vars {
                let Some(st) = self.state.get(&id) else {
                    continue;
                };
                for (k, name) in group.iter().enumerate() {
                    let Some(shape) = &st.slot_shapes[offset + k] else {
                        continue; // a slot Keras does not keep for this variable
                    };
                    let value = if st.float64 {
                        let data = st.slots64[offset + k].clone();
                        Value::F64(
                            ArrayD::from_shape_vec(IxDyn(shape), data)
                                .unwrap_or_else(|_| ArrayD::zeros(IxDyn(shape))),
                        )
                    } else {
                        let data = st.slots[offset + k].clone();
                        Value::F32(
                            ArrayD::from_shape_vec(IxDyn(shape), data)
                                .unwrap_or_else(|_| ArrayD::zeros(IxDyn(shape))),
                        )
                    };
                    out.push((name.to_string(), value));
                }
            }
            offset += group.len();
        }
        if self.built {
            let float64 = self.has_float64();
            for (name, v) in self.rule.globals() {
                let value = if float64 {
                    Value::F64(ArrayD::from_elem(IxDyn(&[]), v))
                } else {
                    scalar(v as f32)
                };
                out.push((name.to_string(), value));
            }
        }
        out
    }

    /// Restores state saved by [`Optimizer::variables`] for the same `vars`
    /// (which must have been built or applied to).
    pub fn set_variables(&mut self, vars: &[VarId], values: Vec<ArrayD<f32>>) -> Result<()> {
        self.set_variable_values(vars, values.into_iter().map(Value::F32).collect())
    }

    /// [`Optimizer::set_variables`] from values of any float type, each cast
    /// to its slot's type (float64 for a float64 variable's slots).
    pub fn set_variable_values(&mut self, vars: &[VarId], values: Vec<Value>) -> Result<()> {
        let op = self.rule.class_name();
        let expected = self.variables(vars);
        if expected.len() != values.len() {
            return Err(Error::argument(
                op,
                format!(
                    "expected {} optimizer variables ({}). Received: {} values",
                    expected.len(),
                    expected
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    values.len()
                ),
            ));
        }
        for (i, ((name, want), got)) in expected.iter().zip(&values).enumerate() {
            if want.shape() != got.shape() {
                return Err(Error::shape(
                    op,
                    format!(
                        "optimizer variable {i} ('{name}') of shape {}",
                        fmt_shape(want.shape())
                    ),
                    format!("shape {}", fmt_shape(got.shape())),
                ));
            }
        }
        let mut values = values.into_iter();
        let next_scalar = |values: &mut std::vec::IntoIter<Value>| {
            values
                .next()
                .and_then(|a| a.widened().into_f64("optimizer variable").ok())
                .and_then(|a| a.iter().next().copied())
                .unwrap_or(0.0)
        };
        let it = next_scalar(&mut values);
        if !(it.is_finite() && it >= 0.0) {
            return Err(Error::argument(
                op,
                format!("the iteration count must be a non-negative integer. Received: {it}"),
            ));
        }
        self.iterations = it.round() as u64;
        if let LearningRate::Constant(v) = &mut self.lr {
            *v = next_scalar(&mut values);
        }
        let groups = self.slot_groups();
        let mut offset = 0;
        for group in &groups {
            for &id in vars {
                let Some(st) = self.state.get_mut(&id) else {
                    continue;
                };
                for k in 0..group.len() {
                    if st.slot_shapes[offset + k].is_none() {
                        continue;
                    }
                    if let Some(a) = values.next() {
                        if st.float64 {
                            st.slots64[offset + k] = into_flat(a.widened().into_f64(op)?);
                        } else {
                            st.slots[offset + k] = into_flat(a.narrowed().into_f32(op)?);
                        }
                    }
                }
            }
            offset += group.len();
        }
        // Each global in its own type: float64 for an optimizer of float64
        // variables, else float32 (a float64 value rounded to it).
        let float64 = self.has_float64();
        let globals: Vec<f64> = values
            .map(|a| {
                let v = a
                    .widened()
                    .into_f64(op)
                    .ok()
                    .and_then(|a| a.iter().next().copied())
                    .unwrap_or(0.0);
                if float64 {
                    v
                } else {
                    f64::from(v as f32)
                }
            })
            .collect();
        self.rule.set_globals(&globals);
        Ok(())
    }
}
