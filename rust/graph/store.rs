//! The variable store: where every weight lives, once.
//!
//! Graphs refer to variables by id, so models that share layers (a feature
//! extractor built from another model's tensors, a shared layer called twice)
//! share weights without copying or syncing, and a training step updates them
//! in place. Python's `Variable` objects are handles to slots here.

use crate::error::{fmt_shape, Error, Result};
use ndarray::ArrayD;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

pub type VarId = usize;

/// Variables by id. Ids are never reused: a graph or optimizer state that
/// outlives its variable fails with "does not exist" instead of reading
/// whatever variable took the slot later.
#[derive(Debug, Default)]
pub struct Store {
    slots: HashMap<VarId, ArrayD<f32>>,
    next_id: VarId,
}

impl Store {
    pub fn insert(&mut self, value: ArrayD<f32>) -> VarId {
        let id = self.next_id;
        self.next_id += 1;
        self.slots.insert(id, value);
        id
    }

    pub fn get(&self, id: VarId) -> Result<&ArrayD<f32>> {
        self.slots.get(&id).ok_or_else(|| {
            Error::graph(format!(
                "variable {id} does not exist (it may have been freed)"
            ))
        })
    }

    pub fn get_mut(&mut self, id: VarId) -> Result<&mut ArrayD<f32>> {
        self.slots.get_mut(&id).ok_or_else(|| {
            Error::graph(format!(
                "variable {id} does not exist (it may have been freed)"
            ))
        })
    }

    /// Replaces a value, keeping its shape (a weight never changes shape).
    pub fn set(&mut self, id: VarId, value: ArrayD<f32>, name: &str) -> Result<()> {
        let slot = self.get_mut(id)?;
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
        *slot = value;
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
