//! Embedding lookup: rows of a table gathered by integer ids; the gradient
//! scatter-adds back into the table in id order (deterministic).

use super::registry::{OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, fmt_dims, DType, TensorSpec};
use super::{Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::tensor::{class_ids, expect_arity, Value, ValueView};
use crate::kernels::isa;
use crate::kernels::real::Real;
use ndarray::{ArrayD, ArrayViewD, Ix2, IxDyn};

#[derive(Debug)]
pub struct Embedding;

impl Embedding {
    pub fn new() -> Result<Self> {
        Ok(Embedding)
    }
}

fn table_of<'a, T: Real>(inputs: &[ValueView<'a>]) -> Result<ndarray::ArrayView2<'a, T>> {
    let table = T::view_of(&inputs[1], "embedding")?;
    let shape = table.shape().to_vec();
    table.into_dimensionality::<Ix2>().map_err(|_| {
        Error::shape(
            "embedding",
            "a table of shape (input_dim, output_dim)",
            format!("a table of shape {}", fmt_shape(&shape)),
        )
    })
}

/// The rows of the table at the ids (float32 or float64, values as they are).
fn gather<T: Real>(inputs: &[ValueView]) -> Result<Value> {
    let table = table_of::<T>(inputs)?;
    let (vocab, dim) = table.dim();
    let ids = class_ids("embedding", &inputs[0], vocab)?;
    let mut shape = inputs[0].shape().to_vec();
    shape.push(dim);
    let mut out = Vec::with_capacity(ids.len() * dim);
    match table.as_slice() {
        // Whole rows as slices: the element iterator of a row view
        // pushed one float at a time (5% of an LSTM classifier's step).
        Some(flat) => {
            for &i in &ids {
                out.extend_from_slice(&flat[i * dim..(i + 1) * dim]);
            }
        }
        None => {
            for &i in &ids {
                out.extend(table.row(i).iter());
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out)
        .map(T::wrap)
        .map_err(|e| Error::shape("embedding", "a consistent output", e.to_string()))
}

/// The table's gradient: each output row's gradient added into the row of
/// its id, in id order (deterministic).
fn scatter<T: Real>(inputs: &[ValueView], grad: ArrayViewD<T>) -> Result<ArrayD<T>> {
    let table = table_of::<T>(inputs)?;
    let (vocab, dim) = table.dim();
    let ids = class_ids("embedding", &inputs[0], vocab)?;
    let g = grad.as_standard_layout();
    let g = g.as_slice().unwrap_or_default();
    if g.len() != ids.len() * dim {
        return Err(Error::shape(
            "embedding",
            format!("a gradient shaped like the output ({} rows of {dim})", ids.len()),
            format!("shape {}", fmt_shape(grad.shape())),
        ));
    }
    let mut gt = vec![T::zero(); vocab * dim];
    // Rows added in id order, as slices on the widest ISA path.
    let ids = &ids;
    let table_grad = &mut gt;
    isa::run(
        #[inline(always)]
        move || {
            for (row, &i) in g.chunks_exact(dim.max(1)).zip(ids.iter()) {
                for (t, &v) in table_grad[i * dim..(i + 1) * dim].iter_mut().zip(row) {
                    *t += v;
                }
            }
        },
    );
    let gt = ndarray::Array2::from_shape_vec((vocab, dim), gt)
        .map_err(|e| Error::shape("embedding", "a (vocab, dim) gradient", e.to_string()))?;
    Ok(gt.into_dyn())
}

impl Primitive for Embedding {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let op = "embedding";
        spec::expect_arity(op, inputs, 2)?;
        let table = &inputs[1];
        table.expect_dtype(op, "a table", DType::F32)?;
        if table.rank() != 2 {
            return Err(Error::shape(
                op,
                "a table of shape (input_dim, output_dim)",
                format!("a table of shape {}", fmt_dims(&table.shape)),
            ));
        }
        let mut shape = inputs[0].shape.clone();
        shape.push(table.shape[1]);
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        "embedding"
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        expect_arity("embedding", inputs, 2)?;
        match inputs[1] {
            ValueView::F64(_) => gather::<f64>(inputs),
            _ => gather::<f32>(inputs),
        }
    }

    /// A gather: float64 rows are moved as they are.
    fn float64(&self) -> Float64 {
        Float64::Computed
    }

    fn backward_f64(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f64>,
        grad: ArrayViewD<f64>,
        _ctx: &Context,
        _needed: &[bool],
    ) -> Result<InputGrads64> {
        expect_arity("embedding", inputs, 2)?;
        Ok(vec![None, Some(scatter(inputs, grad)?)])
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity("embedding", inputs, 2)?;
        Ok(vec![None, Some(scatter(inputs, grad)?)])
    }
}

/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "embedding",
        doc: "rows of a table (input_dim, output_dim) at integer ids",
        inputs: &["ids", "table"],
        attrs: &[],
        dtypes: "int64 ids, float32 table",
        differentiable: true,
        build: |_, _| Ok(Arc::new(Embedding::new()?)),
        example: (&[], &[Sample::Ids(&[0, 2, 1, 2], &[2, 2]), Sample::F32(&[3, 5])]),
    },
];
