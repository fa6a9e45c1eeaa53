//! Embedding lookup: rows of a table gathered by integer ids; the gradient
//! scatter-adds back into the table in id order (deterministic).

use super::registry::{OpInfo, Sample};
use std::sync::Arc;
use super::spec::{self, fmt_dims, DType, TensorSpec};
use super::{Context, InputGrads, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::tensor::{class_ids, expect_arity, Value, ValueView};
use ndarray::{ArrayD, ArrayViewD, Axis, Ix2, IxDyn};

#[derive(Debug)]
pub struct Embedding;

impl Embedding {
    pub fn new() -> Result<Self> {
        Ok(Embedding)
    }
}

fn table_of<'a>(inputs: &[ValueView<'a>]) -> Result<ndarray::ArrayView2<'a, f32>> {
    let table = inputs[1].f32("embedding")?;
    let shape = table.shape().to_vec();
    table.into_dimensionality::<Ix2>().map_err(|_| {
        Error::shape(
            "embedding",
            "a table of shape (input_dim, output_dim)",
            format!("a table of shape {}", fmt_shape(&shape)),
        )
    })
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
        let table = table_of(inputs)?;
        let (vocab, dim) = table.dim();
        let ids = class_ids("embedding", &inputs[0], vocab)?;
        let mut shape = inputs[0].shape().to_vec();
        shape.push(dim);
        let mut out = Vec::with_capacity(ids.len() * dim);
        for &i in &ids {
            out.extend(table.row(i).iter());
        }
        ArrayD::from_shape_vec(IxDyn(&shape), out)
            .map(Value::F32)
            .map_err(|e| Error::shape("embedding", "a consistent output", e.to_string()))
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        expect_arity("embedding", inputs, 2)?;
        let table = table_of(inputs)?;
        let (vocab, dim) = table.dim();
        let ids = class_ids("embedding", &inputs[0], vocab)?;
        let g = grad
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order((ids.len(), dim))
            .map_err(|e| {
                Error::shape(
                    "embedding",
                    "a gradient shaped like the output",
                    e.to_string(),
                )
            })?;
        let mut gt = ndarray::Array2::<f32>::zeros((vocab, dim));
        for (row, &i) in ids.iter().enumerate() {
            let mut target = gt.index_axis_mut(Axis(0), i);
            target += &g.row(row);
        }
        Ok(vec![None, Some(gt.into_dyn())])
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
