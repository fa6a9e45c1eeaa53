//! The op registry: every primitive declares itself once, in its own module,
//! as an [`OpInfo`] in a `pub(super) const OPS: &[OpInfo]` table. The build
//! script (`build.rs`) finds every module of `rust/ops/` with such a table,
//! so a new op is one new file here (plus its Python test and, where its
//! signature is richer, its Python wrapper): see `docs/adding-an-op.md`.
//!
//! From the tables come: `build` (attributes checked against the declared
//! ones, so a typo never passes), `_core.op_specs()` for Python, docs and
//! tests, and the cargo harness that checks every op's output rule and
//! backward rule on the op's own example.

use super::{Attr, Attrs, OpRef, REGISTRY};
use crate::error::{Error, Result};
use crate::tensor::Value;
use ndarray::{ArrayD, IxDyn};

/// An attribute value as written in a table.
#[derive(Debug, Clone, Copy)]
pub enum Lit {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'static str),
    Ints(&'static [i64]),
    IntLists(&'static [&'static [i64]]),
}

impl Lit {
    pub fn to_attr(self) -> Attr {
        match self {
            Lit::None => Attr::None,
            Lit::Bool(b) => Attr::Bool(b),
            Lit::Int(i) => Attr::Int(i),
            Lit::Float(f) => Attr::Float(f),
            Lit::Str(s) => Attr::Str(s.to_string()),
            Lit::Ints(v) => Attr::Ints(v.to_vec()),
            Lit::IntLists(v) => Attr::IntLists(v.iter().map(|l| l.to_vec()).collect()),
        }
    }
}

/// One input of an example call.
#[derive(Debug, Clone, Copy)]
pub enum Sample {
    /// float32 values in [-1, 1] of this shape.
    F32(&'static [usize]),
    /// float32 values in [0.5, 1.5] (for log, sqrt, divisors, variances).
    Positive(&'static [usize]),
    /// int64 ids, and their shape.
    Ids(&'static [i64], &'static [usize]),
}

impl Sample {
    /// A concrete value; `fill` makes float data of a shape.
    pub fn value(self, fill: &mut dyn FnMut(&[usize]) -> ArrayD<f32>) -> Value {
        match self {
            Sample::F32(shape) => Value::F32(fill(shape)),
            Sample::Positive(shape) => Value::F32(fill(shape).mapv(|v| v.abs() + 0.5)),
            Sample::Ids(ids, shape) => Value::I64(
                ArrayD::from_shape_vec(IxDyn(shape), ids.to_vec())
                    .unwrap_or_else(|_| ArrayD::zeros(IxDyn(&[0]))),
            ),
        }
    }
}

/// What a primitive declares about itself.
#[derive(Debug, Clone, Copy)]
pub struct OpInfo {
    /// The same as `pykeras.ops.<name>` where pykeras exposes it.
    pub name: &'static str,
    /// One line on what it computes.
    pub doc: &'static str,
    /// Input names in order; a name ending in `...` takes any number.
    pub inputs: &'static [&'static str],
    /// Attributes and their defaults (`Lit::None`: none, or required).
    pub attrs: &'static [(&'static str, Lit)],
    /// Element types it accepts, as `"float32"` or `"float32, int64 ids"`.
    pub dtypes: &'static str,
    /// Whether a gradient flows to its float inputs.
    pub differentiable: bool,
    /// Makes the op from checked attributes.
    pub build: fn(&str, &Attrs) -> Result<OpRef>,
    /// A call the harness runs: attributes and inputs.
    pub example: (&'static [(&'static str, Lit)], &'static [Sample]),
}

impl OpInfo {
    /// An op without attributes (most elementwise ops): the table entry in
    /// one line.
    pub const fn plain(
        name: &'static str,
        doc: &'static str,
        inputs: &'static [&'static str],
        differentiable: bool,
        build: fn(&str, &Attrs) -> Result<OpRef>,
        example: &'static [Sample],
    ) -> Self {
        Self {
            name,
            doc,
            inputs,
            attrs: &[],
            dtypes: "float32",
            differentiable,
            build,
            example: (&[], example),
        }
    }

    pub fn attr_names(&self) -> Vec<&'static str> {
        self.attrs.iter().map(|(k, _)| *k).collect()
    }

    /// The example's attributes as `Attrs`.
    pub fn example_attrs(&self) -> Attrs {
        let mut attrs = Attrs::new();
        for (k, v) in self.example.0 {
            attrs.insert(k, v.to_attr());
        }
        attrs
    }
}

/// Every registered op, in name order.
pub fn all() -> Vec<&'static OpInfo> {
    let mut ops: Vec<&'static OpInfo> = REGISTRY.iter().flat_map(|t| t.iter()).collect();
    ops.sort_by_key(|i| i.name);
    ops
}

/// The op called `name`.
pub fn info(name: &str) -> Result<&'static OpInfo> {
    REGISTRY
        .iter()
        .flat_map(|t| t.iter())
        .find(|i| i.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = all().iter().map(|i| i.name).collect();
            Error::argument(
                name,
                format!("unknown op. Known ops: [{}]", names.join(", ")),
            )
        })
}

/// Creates the op called `name` from its attributes, refusing any
/// attribute it does not declare.
pub fn build(name: &str, attrs: &Attrs) -> Result<OpRef> {
    let info = info(name)?;
    attrs.check_known(name, &info.attr_names())?;
    (info.build)(name, attrs)
}
