//! Op attributes: the keyword arguments an op is created with (axis, strides,
//! padding, ...). Parsing is strict: an unknown key is an error naming the op
//! and the key, so a typo never passes silently.

use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// One attribute value, as it arrives from Python or from a saved graph.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Ints(Vec<i64>),
    IntLists(Vec<Vec<i64>>),
}

/// A set of named attributes, read by an op's constructor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs {
    values: BTreeMap<String, Attr>,
}

impl Attrs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builder form, handy in Rust tests: `Attrs::new().with("axis", Attr::Int(1))`.
    pub fn with(mut self, key: &str, value: Attr) -> Self {
        self.values.insert(key.to_string(), value);
        self
    }

    pub fn insert(&mut self, key: &str, value: Attr) {
        self.values.insert(key.to_string(), value);
    }

    /// The attributes in key order (for reading a graph back, e.g. to export it).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Attr)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Fails on any key not in `known`, naming the op and listing what it takes.
    pub fn check_known(&self, op: &str, known: &[&str]) -> Result<()> {
        for key in self.values.keys() {
            if !known.contains(&key.as_str()) {
                return Err(Error::argument(
                    op,
                    format!(
                        "unknown attribute '{key}'. Known attributes: [{}]",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn get(&self, key: &str) -> Option<&Attr> {
        match self.values.get(key) {
            None | Some(Attr::None) => None,
            Some(v) => Some(v),
        }
    }

    fn kind_error(op: &str, key: &str, want: &str, got: &Attr) -> Error {
        Error::argument(
            op,
            format!("attribute '{key}' must be {want}. Received: {key}={got:?}"),
        )
    }

    pub fn int(&self, op: &str, key: &str, default: i64) -> Result<i64> {
        Ok(self.opt_int(op, key)?.unwrap_or(default))
    }

    pub fn opt_int(&self, op: &str, key: &str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Attr::Int(v)) => Ok(Some(*v)),
            Some(Attr::Bool(b)) => Ok(Some(*b as i64)),
            Some(other) => Err(Self::kind_error(op, key, "an integer", other)),
        }
    }

    pub fn float(&self, op: &str, key: &str, default: f64) -> Result<f64> {
        Ok(self.opt_float(op, key)?.unwrap_or(default))
    }

    pub fn opt_float(&self, op: &str, key: &str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Attr::Float(v)) => Ok(Some(*v)),
            Some(Attr::Int(v)) => Ok(Some(*v as f64)),
            Some(other) => Err(Self::kind_error(op, key, "a number", other)),
        }
    }

    pub fn bool(&self, op: &str, key: &str, default: bool) -> Result<bool> {
        Ok(self.opt_bool(op, key)?.unwrap_or(default))
    }

    pub fn opt_bool(&self, op: &str, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Attr::Bool(v)) => Ok(Some(*v)),
            Some(other) => Err(Self::kind_error(op, key, "a bool", other)),
        }
    }

    pub fn string(&self, op: &str, key: &str, default: &str) -> Result<String> {
        match self.get(key) {
            None => Ok(default.to_string()),
            Some(Attr::Str(s)) => Ok(s.clone()),
            Some(other) => Err(Self::kind_error(op, key, "a string", other)),
        }
    }

    /// A list of ints; a single int is accepted as a list of one
    /// (Keras accepts `strides=2` as well as `strides=(2, 2)`).
    pub fn opt_ints(&self, op: &str, key: &str) -> Result<Option<Vec<i64>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Attr::Ints(v)) => Ok(Some(v.clone())),
            Some(Attr::Int(v)) => Ok(Some(vec![*v])),
            Some(other) => Err(Self::kind_error(
                op,
                key,
                "an integer or a list of integers",
                other,
            )),
        }
    }

    /// An int or a tuple of `n` ints, expanded to `n` positive values.
    pub fn spatial(&self, op: &str, key: &str, n: usize, default: usize) -> Result<Vec<usize>> {
        let values = match self.opt_ints(op, key)? {
            None => return Ok(vec![default; n]),
            Some(v) if v.len() == 1 => vec![v[0]; n],
            Some(v) if v.len() == n => v,
            Some(v) => {
                return Err(Error::argument(
                    op,
                    format!(
                    "'{key}' must be an integer or a tuple of {n} integers. Received: {key}={v:?}"
                ),
                ))
            }
        };
        values
            .iter()
            .map(|&v| {
                if v <= 0 {
                    Err(Error::argument(
                        op,
                        format!("'{key}' values must be positive. Received: {key}={values:?}"),
                    ))
                } else {
                    Ok(v as usize)
                }
            })
            .collect()
    }

    pub fn opt_int_lists(&self, op: &str, key: &str) -> Result<Option<Vec<Vec<i64>>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Attr::IntLists(v)) => Ok(Some(v.clone())),
            Some(Attr::Ints(v)) if v.is_empty() => Ok(Some(vec![])),
            Some(other) => Err(Self::kind_error(op, key, "a list of integer pairs", other)),
        }
    }
}
