//! What an op's output will be, known before anything runs: the shape (with
//! unknown sizes, such as the batch, kept unknown) and the element type.
//!
//! Every primitive states its rule in [`Primitive::output_spec`]; symbolic
//! calls (functional models, tracing, `compute_output_shape`, `summary`) ask
//! it through `_core`, so no kernel ever runs to learn a shape, and bad
//! shapes are refused where the model is built, naming the op.
//!
//! [`Primitive::output_spec`]: super::Primitive::output_spec

use crate::error::{Error, Result};
use crate::tensor::{Value, ValueView};

/// One dimension: a size, or `None` where it is known only at run time.
pub type Dim = Option<usize>;

/// The element types values carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    F64,
    I64,
}

impl DType {
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I64 => "int64",
        }
    }

    pub fn parse(op: &str, name: &str) -> Result<Self> {
        match name {
            "float32" => Ok(DType::F32),
            "float64" => Ok(DType::F64),
            "int64" => Ok(DType::I64),
            other => Err(Error::dtype(op, "float32, float64 or int64", other)),
        }
    }
}

/// The shape and element type of a value that may not exist yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorSpec {
    pub shape: Vec<Dim>,
    pub dtype: DType,
}

impl TensorSpec {
    pub fn new(shape: Vec<Dim>, dtype: DType) -> Self {
        Self { shape, dtype }
    }

    /// A float32 spec with every size known.
    pub fn f32(shape: &[usize]) -> Self {
        Self::new(shape.iter().map(|&d| Some(d)).collect(), DType::F32)
    }

    /// An int64 spec with every size known.
    pub fn i64(shape: &[usize]) -> Self {
        Self::new(shape.iter().map(|&d| Some(d)).collect(), DType::I64)
    }

    pub fn of_view(v: &ValueView) -> Self {
        let dtype = match v {
            ValueView::F32(_) => DType::F32,
            ValueView::F64(_) => DType::F64,
            ValueView::I64(_) => DType::I64,
        };
        Self::new(v.shape().iter().map(|&d| Some(d)).collect(), dtype)
    }

    pub fn of_value(v: &Value) -> Self {
        Self::of_view(&v.view())
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// The same shape with another element type.
    pub fn with_dtype(&self, dtype: DType) -> Self {
        Self::new(self.shape.clone(), dtype)
    }

    /// Whether a concrete value fits this spec (unknown sizes fit any size).
    pub fn admits(&self, v: &ValueView) -> bool {
        let spec = Self::of_view(v);
        spec.dtype == self.dtype
            && spec.rank() == self.rank()
            && self
                .shape
                .iter()
                .zip(v.shape())
                .all(|(d, &n)| d.is_none_or(|d| d == n))
    }

    /// Fails unless the element type is `dtype`.
    pub fn expect_dtype(&self, op: &str, what: &str, dtype: DType) -> Result<()> {
        if self.dtype != dtype {
            return Err(Error::dtype(
                op,
                format!("{what} of type {}", dtype.name()),
                self.dtype.name(),
            ));
        }
        Ok(())
    }

    /// Fails unless the rank is `rank`.
    pub fn expect_rank(&self, op: &str, what: &str, rank: usize) -> Result<()> {
        if self.rank() != rank {
            return Err(Error::shape(
                op,
                format!("{what} of rank {rank}"),
                format!("{what} of shape {}", fmt_dims(&self.shape)),
            ));
        }
        Ok(())
    }

    /// Fails unless the rank is at least `rank`.
    pub fn expect_min_rank(&self, op: &str, what: &str, rank: usize) -> Result<()> {
        if self.rank() < rank {
            return Err(Error::shape(
                op,
                format!("{what} of rank {rank} or more"),
                format!("{what} of shape {}", fmt_dims(&self.shape)),
            ));
        }
        Ok(())
    }
}

/// Formats dims as Keras prints shapes: `(None, 3)`, `(4,)`, `()`.
pub fn fmt_dims(shape: &[Dim]) -> String {
    let parts: Vec<String> = shape
        .iter()
        .map(|d| d.map_or_else(|| "None".to_string(), |n| n.to_string()))
        .collect();
    match parts.len() {
        1 => format!("({},)", parts[0]),
        _ => format!("({})", parts.join(", ")),
    }
}

/// Checks the number of inputs of a symbolic call.
pub fn expect_arity(op: &str, inputs: &[TensorSpec], n: usize) -> Result<()> {
    if inputs.len() != n {
        return Err(Error::argument(
            op,
            format!("expected {n} input(s). Received: {} input(s)", inputs.len()),
        ));
    }
    Ok(())
}

/// The numpy broadcast of two shapes; an unknown size broadcasts with 1 to
/// unknown and with a known size n to n (it can only be n or 1 at run time).
pub fn broadcast_dims(op: &str, a: &[Dim], b: &[Dim]) -> Result<Vec<Dim>> {
    let rank = a.len().max(b.len());
    let at = |s: &[Dim], i: usize| {
        if i + s.len() >= rank {
            s[i + s.len() - rank]
        } else {
            Some(1)
        }
    };
    (0..rank)
        .map(|i| match (at(a, i), at(b, i)) {
            (Some(x), Some(y)) if x == y || y == 1 => Ok(Some(x)),
            (Some(1), Some(y)) => Ok(Some(y)),
            (Some(_), Some(_)) => Err(Error::shape(
                op,
                "shapes that broadcast together (equal dimensions, or 1)",
                format!("{} and {}", fmt_dims(a), fmt_dims(b)),
            )),
            (Some(1), None) | (None, Some(1)) | (None, None) => Ok(None),
            (Some(n), None) | (None, Some(n)) => Ok(Some(n)),
        })
        .collect()
}

/// Resolves a possibly negative axis against `rank`, naming `op` on failure.
pub fn axis_of(op: &str, axis: i64, rank: usize) -> Result<usize> {
    crate::tensor::normalize_axis(op, axis, rank)
}

/// The product of dims, or None if any is unknown.
pub fn known_product(dims: &[Dim]) -> Option<usize> {
    dims.iter().try_fold(1usize, |acc, d| d.map(|d| acc * d))
}

/// Whether two shapes can be the same at run time (unknown sizes match any).
pub fn dims_compatible(a: &[Dim], b: &[Dim]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.is_none() || y.is_none() || x == y)
}

/// The rule of one-input float ops whose output is shaped like the input
/// (activations, elementwise math, dropout).
pub fn same_float(op: &str, inputs: &[TensorSpec]) -> Result<TensorSpec> {
    expect_arity(op, inputs, 1)?;
    inputs[0].expect_dtype(op, "an input", DType::F32)?;
    Ok(inputs[0].clone())
}

/// Fails unless `v` holds `len` float values (where both are known), in any
/// shape: a normalisation's scale may be shaped like the axes it covers.
pub fn expect_values(op: &str, name: &str, v: &TensorSpec, len: Dim) -> Result<()> {
    v.expect_dtype(op, name, DType::F32)?;
    if let (Some(have), Some(want)) = (known_product(&v.shape), len) {
        if have != want {
            return Err(Error::shape(
                op,
                format!("{name} with {want} values (one per normalised feature)"),
                format!("{name} of shape {}", fmt_dims(&v.shape)),
            ));
        }
    }
    Ok(())
}
