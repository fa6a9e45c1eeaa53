//! global_avg_pool1d/2d and global_max_pool1d/2d: one value per channel of a
//! channels-last input, (N, C) or, with `keepdims`, (N, 1, C) / (N, 1, 1, C).

use super::registry::{Lit, OpInfo, Sample};
use std::sync::Arc;
use super::conv::{
    contiguous, contiguous_f64, expect_grad_shape, rank_error, to_array, to_array_t,
};
use super::spec::{self, fmt_dims, DType, TensorSpec};
use super::{Attrs, Context, Float64, InputGrads, InputGrads64, Primitive};
use crate::error::{fmt_shape, Error, Result};
use crate::kernels::pool::{global_pool_backward, global_pool_forward};
use crate::kernels::pool_f64::{global_pool_backward_f64, global_pool_forward_f64};
use crate::tensor::{expect_arity, Value, ValueView};
use ndarray::ArrayViewD;

#[derive(Debug)]
pub struct GlobalPool {
    name: &'static str,
    rank: usize,
    max: bool,
    keepdims: bool,
}

impl GlobalPool {
    pub fn new(name: &str, attrs: &Attrs) -> Result<Self> {
        let (name, rank, max) = match name {
            "global_avg_pool1d" => ("global_avg_pool1d", 1, false),
            "global_avg_pool2d" => ("global_avg_pool2d", 2, false),
            "global_max_pool1d" => ("global_max_pool1d", 1, true),
            "global_max_pool2d" => ("global_max_pool2d", 2, true),
            _ => return Err(Error::argument(name, "not a global pooling op")),
        };
        Ok(Self {
            name,
            rank,
            max,
            keepdims: attrs.bool(name, "keepdims", false)?,
        })
    }

    /// (N, positions, C) after checking the rank and that there is
    /// something to pool over.
    fn dims(&self, x: &[usize]) -> Result<(usize, usize, usize)> {
        let layout = if self.rank == 1 {
            "(batch, length, channels)"
        } else {
            "(batch, height, width, channels)"
        };
        if x.len() != self.rank + 2 {
            return Err(rank_error(self.name, "an input", self.rank, layout, x));
        }
        let positions: usize = x[1..=self.rank].iter().product();
        if positions == 0 {
            return Err(Error::shape(
                self.name,
                "non-empty spatial axes (pooling over nothing is undefined)",
                format!("an input of shape {}", fmt_shape(x)),
            ));
        }
        Ok((x[0], positions, x[self.rank + 1]))
    }

    fn output_shape(&self, n: usize, c: usize) -> Vec<usize> {
        if self.keepdims {
            let mut s = vec![n];
            s.extend(std::iter::repeat_n(1, self.rank));
            s.push(c);
            s
        } else {
            vec![n, c]
        }
    }
}

impl Primitive for GlobalPool {
    fn output_spec(&self, inputs: &[TensorSpec]) -> Result<TensorSpec> {
        let x = spec::same_float(self.name, inputs)?;
        let layout = if self.rank == 1 {
            "(batch, length, channels)"
        } else {
            "(batch, height, width, channels)"
        };
        if x.rank() != self.rank + 2 {
            return Err(Error::shape(
                self.name,
                format!("an input of rank {} {layout}", self.rank + 2),
                format!("an input of shape {}", fmt_dims(&x.shape)),
            ));
        }
        let (n, c) = (x.shape[0], x.shape[self.rank + 1]);
        let mut shape = vec![n];
        if self.keepdims {
            shape.extend(std::iter::repeat_n(Some(1), self.rank));
        }
        shape.push(c);
        Ok(TensorSpec::new(shape, DType::F32))
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn forward(&self, inputs: &[ValueView], _ctx: &Context) -> Result<Value> {
        let op = self.name;
        expect_arity(op, inputs, 1)?;
        if let ValueView::F64(x) = &inputs[0] {
            let (n, s, c) = self.dims(x.shape())?;
            let y = global_pool_forward_f64(op, &contiguous_f64(x), (n, s, c), self.max)?;
            return to_array_t(op, &self.output_shape(n, c), y).map(Value::F64);
        }
        let x = inputs[0].f32(op)?;
        let (n, s, c) = self.dims(x.shape())?;
        let y = global_pool_forward(&contiguous(&x), n, s, c, self.max);
        to_array(op, &self.output_shape(n, c), y).map(Value::F32)
    }

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
        let op = self.name;
        expect_arity(op, inputs, 1)?;
        let x = inputs[0].f64(op)?;
        let (n, s, c) = self.dims(x.shape())?;
        expect_grad_shape(op, grad.shape(), &self.output_shape(n, c))?;
        let (xs, gs) = (contiguous_f64(&x), contiguous_f64(&grad));
        let dx = global_pool_backward_f64(op, &xs, &gs, (n, s, c), self.max)?;
        Ok(vec![Some(to_array_t(op, x.shape(), dx)?)])
    }

    fn backward(
        &self,
        inputs: &[ValueView],
        _output: ArrayViewD<f32>,
        grad: ArrayViewD<f32>,
        _ctx: &Context,
    ) -> Result<InputGrads> {
        let op = self.name;
        expect_arity(op, inputs, 1)?;
        let x = inputs[0].f32(op)?;
        let (n, s, c) = self.dims(x.shape())?;
        expect_grad_shape(op, grad.shape(), &self.output_shape(n, c))?;
        let dx = global_pool_backward(&contiguous(&x), &contiguous(&grad), n, s, c, self.max);
        Ok(vec![Some(to_array(op, x.shape(), dx)?)])
    }
}


/// The ops of this module (see `registry`).
pub(super) const OPS: &[OpInfo] = &[
    OpInfo {
        name: "global_avg_pool1d",
        doc: "mean over the length axis, channels last",
        inputs: &["inputs"],
        attrs: &[("keepdims", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(GlobalPool::new(n, a)?)),
        example: (&[], &[Sample::F32(&[2, 5, 3])]),
    },
    OpInfo {
        name: "global_avg_pool2d",
        doc: "mean over the spatial axes, channels last",
        inputs: &["inputs"],
        attrs: &[("keepdims", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(GlobalPool::new(n, a)?)),
        example: (&[("keepdims", Lit::Bool(true))], &[Sample::F32(&[2, 3, 4, 3])]),
    },
    OpInfo {
        name: "global_max_pool1d",
        doc: "max over the length axis, channels last",
        inputs: &["inputs"],
        attrs: &[("keepdims", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(GlobalPool::new(n, a)?)),
        example: (&[], &[Sample::F32(&[2, 5, 3])]),
    },
    OpInfo {
        name: "global_max_pool2d",
        doc: "max over the spatial axes, channels last",
        inputs: &["inputs"],
        attrs: &[("keepdims", Lit::Bool(false))],
        dtypes: "float32",
        differentiable: true,
        build: |n, a| Ok(Arc::new(GlobalPool::new(n, a)?)),
        example: (&[("keepdims", Lit::Bool(true))], &[Sample::F32(&[2, 3, 4, 3])]),
    },
];

#[cfg(test)]
mod tests {
    use super::super::conv::tests::{bwd, check_grads, data, fwd};
    use super::super::{build, Attr, Attrs};
    use crate::error::Error;
    use ndarray::{ArrayD, Axis, IxDyn};

    fn keep(k: bool) -> Attrs {
        Attrs::new().with("keepdims", Attr::Bool(k))
    }

    #[test]
    fn values_shapes_and_gradients() {
        let x = ArrayD::from_shape_vec(
            IxDyn(&[1, 2, 2, 2]),
            vec![1.0, -1.0, 3.0, -2.0, 3.0, -3.0, 0.0, -1.0],
        )
        .expect("shape");
        let op = build("global_max_pool2d", &Attrs::new()).expect("build");
        let y = fwd(&op, std::slice::from_ref(&x)).expect("fwd");
        assert_eq!(y.shape(), &[1, 2]);
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), vec![3.0, -1.0]);
        // Ties: the first max (position 1 of channel 0) takes the gradient.
        let g = bwd(
            &op,
            std::slice::from_ref(&x),
            &ArrayD::from_elem(IxDyn(&[1, 2]), 1.0),
        );
        assert_eq!(
            g[0].iter().copied().collect::<Vec<_>>(),
            vec![0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        );
        let op = build("global_avg_pool2d", &keep(true)).expect("build");
        let y = fwd(&op, std::slice::from_ref(&x)).expect("fwd");
        assert_eq!(y.shape(), &[1, 1, 1, 2]);
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), vec![1.75, -1.75]);
        let g = bwd(&op, &[x], &ArrayD::from_elem(IxDyn(&[1, 1, 1, 2]), 2.0));
        assert!(g[0].iter().all(|&v| v == 0.5));
        let op = build("global_avg_pool1d", &keep(true)).expect("build");
        let x1 = data(&[3, 5, 4], 1);
        let y = fwd(&op, std::slice::from_ref(&x1)).expect("fwd");
        assert_eq!(y.shape(), &[3, 1, 4]);
        let want = x1.mean_axis(Axis(1)).expect("mean");
        assert!(y.iter().zip(want.iter()).all(|(a, b)| (a - b).abs() < 1e-6));
    }

    #[test]
    fn gradients_match_finite_differences() {
        for name in ["global_avg_pool1d", "global_max_pool1d"] {
            check_grads(name, &keep(false), &[data(&[2, 5, 3], 2)], 1e-2);
        }
        for name in ["global_avg_pool2d", "global_max_pool2d"] {
            check_grads(name, &keep(true), &[data(&[2, 3, 4, 3], 3)], 1e-2);
        }
    }

    #[test]
    fn empty_batch_and_errors() {
        let op = build("global_max_pool2d", &Attrs::new()).expect("build");
        let x = ArrayD::zeros(IxDyn(&[0, 3, 3, 4]));
        let y = fwd(&op, std::slice::from_ref(&x)).expect("fwd");
        assert_eq!(y.shape(), &[0, 4]);
        assert_eq!(bwd(&op, &[x], &y)[0].shape(), &[0, 3, 3, 4]);
        let e = fwd(&op, &[data(&[2, 3, 4], 0)]).unwrap_err();
        assert!(
            matches!(e, Error::Shape { .. }) && e.to_string().contains("rank 4"),
            "{e}"
        );
        let e = fwd(&op, &[ArrayD::zeros(IxDyn(&[2, 0, 3, 4]))]).unwrap_err();
        assert!(e.to_string().contains("non-empty"), "{e}");
        let bad = Attrs::new().with("axis", Attr::Int(1));
        assert!(matches!(
            build("global_avg_pool1d", &bad),
            Err(Error::Argument { .. })
        ));
    }
}
