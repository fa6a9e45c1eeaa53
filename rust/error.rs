//! The one error type of the core. Every variant names the op (or layer, or
//! graph part) that failed, so a message reaching Python says where, what was
//! expected and what was received.

use std::fmt;

/// Result alias used by every fallible function in the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Errors of the compute core. `rust/python/errors.rs` maps each variant to its
/// own Python exception class.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Shapes do not fit the op: `expected` and `received` are human-readable.
    Shape {
        op: String,
        expected: String,
        received: String,
    },
    /// A value of the wrong element type (float where indices are needed, ...).
    DType {
        op: String,
        expected: String,
        received: String,
    },
    /// An index (label, embedding id, axis) outside its valid range.
    Index {
        op: String,
        index: i64,
        bound: usize,
        what: String,
    },
    /// An attribute of an op is missing, of the wrong kind or out of range.
    Argument { op: String, message: String },
    /// A graph is used wrongly: unknown node, missing feed, no gradient path.
    Graph { message: String },
    /// The caller asked a running call to stop (Ctrl-C); see `kernels::cancel`.
    Interrupted,
}

impl Error {
    pub fn shape(op: &str, expected: impl Into<String>, received: impl Into<String>) -> Self {
        Error::Shape {
            op: op.to_string(),
            expected: expected.into(),
            received: received.into(),
        }
    }

    pub fn dtype(op: &str, expected: impl Into<String>, received: impl Into<String>) -> Self {
        Error::DType {
            op: op.to_string(),
            expected: expected.into(),
            received: received.into(),
        }
    }

    pub fn argument(op: &str, message: impl Into<String>) -> Self {
        Error::Argument {
            op: op.to_string(),
            message: message.into(),
        }
    }

    pub fn graph(message: impl Into<String>) -> Self {
        Error::Graph {
            message: message.into(),
        }
    }

    pub fn index(op: &str, index: i64, bound: usize, what: impl Into<String>) -> Self {
        Error::Index {
            op: op.to_string(),
            index,
            bound,
            what: what.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Shape {
                op,
                expected,
                received,
            } => write!(f, "Op '{op}' expected {expected}. Received: {received}"),
            Error::DType {
                op,
                expected,
                received,
            } => write!(
                f,
                "Op '{op}' expected {expected}. Received: dtype={received}"
            ),
            Error::Index {
                op,
                index,
                bound,
                what,
            } => write!(
                f,
                "Op '{op}' expected every {what} in [0, {bound}). Received: {what}={index}"
            ),
            Error::Argument { op, message } => write!(f, "Op '{op}': {message}"),
            Error::Graph { message } => write!(f, "Graph error: {message}"),
            Error::Interrupted => write!(f, "Interrupted: the call was asked to stop"),
        }
    }
}

impl std::error::Error for Error {}

/// Formats a shape the way numpy and Keras print it: `(2, 3)`, `(4,)`, `()`.
pub fn fmt_shape(shape: &[usize]) -> String {
    match shape.len() {
        0 => "()".to_string(),
        1 => format!("({},)", shape[0]),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
