//! The variable store: where every weight lives, once.
//!
//! Graphs refer to variables by id, so models that share layers (a feature
//! extractor built from another model's tensors, a shared layer called twice)
//! share weights without copying or syncing, and a training step updates them
//! in place. Python's `Variable` objects are handles to slots here.
//!
//! A slot holds float32 or float64 ([`Weight`]): a variable keeps the dtype
//! it was created with (Keras's `Variable.dtype`), and assigning casts to it,
//! as Keras's `assign` does. The float32 accessors ([`Store::get`],
//! [`Store::get_mut`], [`Store::set`]) are the ones the float32 code paths
//! always used; they refuse a float64 slot rather than narrow it.

use crate::error::{fmt_shape, Error, Result};
use crate::ops::spec::DType;
use crate::tensor::{Value, ValueView};
use ndarray::ArrayD;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub type VarId = usize;

/// The value of one variable, in its own float type.
#[derive(Debug, Clone, PartialEq)]
pub enum Weight {
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
}

impl Weight {
    pub fn shape(&self) -> &[usize] {
        match self {
            Weight::F32(a) => a.shape(),
            Weight::F64(a) => a.shape(),
        }
    }

    pub fn dtype(&self) -> DType {
        match self {
            Weight::F32(_) => DType::F32,
            Weight::F64(_) => DType::F64,
        }
    }

    pub fn view(&self) -> ValueView<'_> {
        match self {
            Weight::F32(a) => ValueView::F32(a.view()),
            Weight::F64(a) => ValueView::F64(a.view()),
        }
    }

    /// `value` cast to `dtype` (Keras casts a value to the variable's dtype
    /// on assign); integers become floats.
    pub fn cast_from(value: Value, dtype: DType) -> Result<Weight> {
        Ok(match (dtype, value) {
            (DType::F32, Value::F32(a)) => Weight::F32(a),
            (DType::F64, Value::F64(a)) => Weight::F64(a),
            (DType::F32, Value::F64(a)) => Weight::F32(a.mapv(|x| x as f32)),
            (DType::F64, Value::F32(a)) => Weight::F64(a.mapv(f64::from)),
            (DType::F32, Value::I64(a)) => Weight::F32(a.mapv(|x| x as f32)),
            (DType::F64, Value::I64(a)) => Weight::F64(a.mapv(|x| x as f64)),
            (DType::I64, _) => {
                return Err(Error::graph(
                    "internal error: a variable cannot be int64 (please report it)",
                ))
            }
        })
    }
}

/// Variables by id. Ids are never reused: a graph or optimizer state that
/// outlives its variable fails with "does not exist" instead of reading
/// whatever variable took the slot later.
#[derive(Debug, Default)]
pub struct Store {
    slots: HashMap<VarId, Weight>,
    next_id: VarId,
}

fn missing(id: VarId) -> Error {
    Error::graph(format!(
        "variable {id} does not exist (it may have been freed)"
    ))
}

fn not_f32(id: VarId) -> Error {
    Error::graph(format!(
        "variable {id} is float64, and this operation handles float32 variables only"
    ))
}

impl Store {
    /// A new float32 variable.
    pub fn insert(&mut self, value: ArrayD<f32>) -> VarId {
        self.insert_weight(Weight::F32(value))
    }

    /// A new variable of either float type.
    pub fn insert_weight(&mut self, value: Weight) -> VarId {
        let id = self.next_id;
        self.next_id += 1;
        self.slots.insert(id, value);
        id
    }

    /// A variable's value, whatever its type.
    pub fn weight(&self, id: VarId) -> Result<&Weight> {
        self.slots.get(&id).ok_or_else(|| missing(id))
    }

    pub fn weight_mut(&mut self, id: VarId) -> Result<&mut Weight> {
        self.slots.get_mut(&id).ok_or_else(|| missing(id))
    }

    /// A float32 variable's value (an error for a float64 one).
    pub fn get(&self, id: VarId) -> Result<&ArrayD<f32>> {
        match self.weight(id)? {
            Weight::F32(a) => Ok(a),
            Weight::F64(_) => Err(not_f32(id)),
        }
    }

    pub fn get_mut(&mut self, id: VarId) -> Result<&mut ArrayD<f32>> {
        match self.weight_mut(id)? {
            Weight::F32(a) => Ok(a),
            Weight::F64(_) => Err(not_f32(id)),
        }
    }

    /// Replaces a float32 value, keeping its shape (a weight never changes
    /// shape); a float64 variable gets it widened.
    pub fn set(&mut self, id: VarId, value: ArrayD<f32>, name: &str) -> Result<()> {
        self.set_value(id, Value::F32(value), name)
    }

    /// Replaces a value, keeping the variable's shape and casting to its
    /// dtype, as Keras's `assign` does.
    pub fn set_value(&mut self, id: VarId, value: Value, name: &str) -> Result<()> {
        let slot = self.weight_mut(id)?;
        if slot.shape() != value.shape() {
            return Err(Error::shape(
                "assign",
                format!(
                    "a value of shape {} for variable '{name}'",
                    fmt_shape(slot.shape())
                ),
                format!("shape {}", fmt_shape(value.shape())),
            ));
        }
        *slot = Weight::cast_from(value, slot.dtype())?;
        Ok(())
    }

    pub fn remove(&mut self, id: VarId) {
        self.slots.remove(&id);
    }
}

fn global() -> &'static RwLock<Store> {
    static STORE: OnceLock<RwLock<Store>> = OnceLock::new();
    STORE.get_or_init(|| RwLock::new(Store::default()))
}

/// Shared access for running graphs.
pub fn read() -> Result<RwLockReadGuard<'static, Store>> {
    global()
        .read()
        .map_err(|_| Error::graph("the variable store lock was poisoned by an earlier failure"))
}

/// Exclusive access for creating, assigning and updating variables.
pub fn write() -> Result<RwLockWriteGuard<'static, Store>> {
    global()
        .write()
        .map_err(|_| Error::graph("the variable store lock was poisoned by an earlier failure"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    #[test]
    fn float64_slot_keeps_its_type_and_casts_on_assign() {
        let mut s = Store::default();
        let id = s.insert_weight(Weight::F64(ArrayD::from_elem(IxDyn(&[2]), 0.1)));
        assert_eq!(s.weight(id).unwrap().dtype(), DType::F64);
        // float32 accessors refuse it rather than narrow it.
        assert!(s.get(id).is_err());
        assert!(s.get_mut(id).is_err());
        s.set(id, ArrayD::from_elem(IxDyn(&[2]), 0.5f32), "w")
            .unwrap();
        assert_eq!(
            s.weight(id).unwrap(),
            &Weight::F64(ArrayD::from_elem(IxDyn(&[2]), 0.5))
        );
        let exact = 0.1f64 + 1e-12;
        s.set_value(id, Value::F64(ArrayD::from_elem(IxDyn(&[2]), exact)), "w")
            .unwrap();
        assert!(matches!(s.weight(id).unwrap(), Weight::F64(a) if a[[0]] == exact));
        let err = s
            .set_value(id, Value::F64(ArrayD::zeros(IxDyn(&[3]))), "w")
            .unwrap_err();
        assert!(err.to_string().contains("shape"), "{err}");
    }

    #[test]
    fn float32_slot_narrows_a_float64_assign() {
        let mut s = Store::default();
        let id = s.insert(ArrayD::zeros(IxDyn(&[1])));
        s.set_value(id, Value::F64(ArrayD::from_elem(IxDyn(&[1]), 0.1)), "w")
            .unwrap();
        assert_eq!(s.get(id).unwrap()[[0]], 0.1f32);
        s.remove(id);
        assert!(s.weight(id).is_err());
    }
}
